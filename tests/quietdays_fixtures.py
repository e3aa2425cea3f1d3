"""A small world for the quiet-day and inspection tests: Hunan > Zhuzhou > Lukou, agencies, enterprises,
users, Zhuzhou's Mon–Wed policy for private enterprises. Today is pinned (Thursday 2026-11-19).

Test modules bind the fixtures by assignment (``world = qf.world``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from werkzeug.security import generate_password_hash as _werkzeug_hash

import models.user as user_model
from extensions import db
from models import AuditLog, Inspection, QuietDayPolicy
from operations import checks
from tests.factories import (
    auth_headers,
    create_department,
    create_enterprise,
    create_jurisdiction,
    create_user,
)

TODAY = date(2026, 11, 19)  # a Thursday
MONDAY = date(2026, 11, 23)
THURSDAY = date(2026, 11, 26)
MON_WED = {"type": "weekdays", "weekdays": [1, 2, 3]}


@dataclass
class World:
    hunan: Any
    zhuzhou: Any
    lukou: Any
    amr: Any  # zz-amr, city, cap 2
    em: Any  # zz-em, city, no cap
    province: Any  # hn-amr, not bound by city policies
    ent: Any  # private, above_scale, Lukou
    state_ent: Any  # state-owned, Lukou
    other_ent: Any
    admin: Any
    secretariat: Any
    inspector: Any
    head: Any
    em_inspector: Any
    enterprise_user: Any
    other_enterprise_user: Any
    policy: Any
    tokens: dict = field(default_factory=dict)

    def headers(self, user) -> dict[str, str]:
        # Issued once per user (issuing writes an audit row, which would disturb "nothing changed" counts).
        if user.id not in self.tokens:
            self.tokens[user.id] = auth_headers(user)
        return self.tokens[user.id]


def add_policy(jurisdiction, rule: dict | None = None, **kw: Any) -> QuietDayPolicy:
    row = QuietDayPolicy(
        jurisdiction=jurisdiction,
        title=kw.pop("title", "民营企业宁静日"),
        reference=kw.pop("reference", "十条意见"),
        rule=rule or MON_WED,
        valid_from=kw.pop("valid_from", date(2022, 1, 1)),
        valid_until=kw.pop("valid_until", None),
        status=kw.pop("status", "active"),
        ownership=kw.pop("ownership", ["private"]),
        sizes=kw.pop("sizes", []),
        blocked_kinds=kw.pop("blocked_kinds", ["routine", "random"]),
        binds=kw.pop("binds", "level_and_below"),
        **kw,
    )
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def today(monkeypatch):
    monkeypatch.setattr(checks, "local_today", lambda: TODAY)
    return TODAY


@pytest.fixture
def world(ctx, today, monkeypatch) -> World:
    # Seven users per test: a cheap hash keeps the suite fast (logins still check the password).
    monkeypatch.setattr(
        user_model, "generate_password_hash", lambda pw: _werkzeug_hash(pw, method="pbkdf2:sha256:1000")
    )
    hunan = create_jurisdiction("430000", "湖南省")
    zhuzhou = create_jurisdiction("430200", "株洲市", parent=hunan)
    lukou = create_jurisdiction("430212", "渌口区", parent=zhuzhou)
    amr = create_department("zz-amr", "株洲市市场监督管理局", zhuzhou, cap=2)
    em = create_department("zz-em", "株洲市应急管理局", zhuzhou)
    province = create_department("hn-amr", "湖南省市场监督管理局", hunan)
    ent = create_enterprise(
        name="株洲时代工程塑料科技有限责任公司", jurisdiction=lukou, ownership="private", size="above_scale"
    )
    state_ent = create_enterprise(name="株洲国企有限公司", jurisdiction=lukou, ownership="state")
    other_ent = create_enterprise(name="株洲另一民企有限公司", jurisdiction=lukou, ownership="private")
    policy = add_policy(zhuzhou)
    out = World(
        hunan=hunan,
        zhuzhou=zhuzhou,
        lukou=lukou,
        amr=amr,
        em=em,
        province=province,
        ent=ent,
        state_ent=state_ent,
        other_ent=other_ent,
        admin=create_user("admin"),
        secretariat=create_user("secretariat"),
        inspector=create_user("inspector", department=amr),
        head=create_user("inspector", department=amr, is_head=True),
        em_inspector=create_user("inspector", department=em),
        enterprise_user=create_user("enterprise", enterprise=ent),
        other_enterprise_user=create_user("enterprise", enterprise=other_ent),
        policy=policy,
    )
    for user in (
        out.admin,
        out.secretariat,
        out.inspector,
        out.head,
        out.em_inspector,
        out.enterprise_user,
        out.other_enterprise_user,
    ):
        out.headers(user)
    return out


def counts() -> tuple[int, int, int]:
    """(inspections, policies, audit rows): bad input must leave all three unchanged."""
    return (
        db.session.query(Inspection).count(),
        db.session.query(QuietDayPolicy).count(),
        db.session.query(AuditLog).count(),
    )
