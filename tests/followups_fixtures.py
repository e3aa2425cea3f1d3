"""A small world for the follow-up tests: Zhuzhou with three handling departments, two enterprises and one user
per role. "Today" is pinned to Thursday 2026-11-19 and can be moved with ``w.set_today(...)``.

Test modules bind the fixture by assignment (``fu_world = ff.fu_world``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.security import generate_password_hash as _werkzeug_hash

import models.user as user_model
from extensions import db
from models import AuditLog
from models.followup import FollowUp, FollowUpEvent
from models.meeting import Invitation, Meeting, MeetingSeries
from operations import checks
from tests.factories import auth_headers, create_department, create_enterprise, create_jurisdiction, create_user

TODAY = date(2026, 11, 19)  # a Thursday


@dataclass
class FuWorld:
    monkeypatch: Any
    zhuzhou: Any
    lukou: Any
    lead: Any  # zz-nr 自然资源和规划局: leads the items below
    assist: Any  # zz-hr 人社局: assists
    other: Any  # zz-fin 金融办: has nothing to do with them
    ent: Any
    other_ent: Any
    admin: Any
    secretariat: Any
    official: Any
    lead_user: Any
    assist_user: Any
    other_user: Any
    enterprise_user: Any
    other_enterprise_user: Any
    inspector: Any
    series: Any  # 株洲市政企“早餐会”
    meeting: Any  # its 第1期, held, hosted by the official, the enterprise a guest
    other_meeting: Any  # a visit hosted by someone else
    today: date = TODAY
    tokens: dict = field(default_factory=dict)

    def headers(self, user) -> dict[str, str]:
        if user.id not in self.tokens:
            self.tokens[user.id] = auth_headers(user)
        return self.tokens[user.id]

    def set_today(self, day: date) -> None:
        self.today = day
        self.monkeypatch.setattr(checks, "local_today", lambda: day)

    def payload(self, **over: Any) -> dict[str, Any]:
        data = {"source": "meeting", "meeting_id": self.meeting.id, "uscc": self.ent.uscc, "title": "厂房用地指标落实",
                "description": "二期厂房用地指标尚未落实", "category": "land", "lead_department": self.lead.code,
                "assist_departments": [self.assist.code], "level": "immediate"}
        data.update(over)
        return {k: v for k, v in data.items() if v is not None}

    def create(self, client, **over: Any) -> dict[str, Any]:
        resp = client.post("/api/v1/follow-ups", json=self.payload(**over), headers=self.headers(self.secretariat))
        assert resp.status_code == 201, resp.get_json()
        return resp.get_json()


@pytest.fixture
def fu_world(ctx, monkeypatch) -> FuWorld:
    monkeypatch.setattr(checks, "local_today", lambda: TODAY)
    monkeypatch.setattr(
        user_model, "generate_password_hash", lambda pw: _werkzeug_hash(pw, method="pbkdf2:sha256:1000")
    )
    zhuzhou = create_jurisdiction("430200", "株洲市")
    lukou = create_jurisdiction("430212", "渌口区", parent=zhuzhou)
    lead = create_department("zz-nr", "株洲市自然资源和规划局", zhuzhou, inspects=False)
    assist = create_department("zz-hr", "株洲市人力资源和社会保障局", zhuzhou, inspects=False)
    other = create_department("zz-fin", "株洲市金融办", zhuzhou, inspects=False)
    ent = create_enterprise(name="株洲时代工程塑料科技有限责任公司", jurisdiction=lukou)
    other_ent = create_enterprise(name="株洲另一民企有限公司", jurisdiction=lukou)
    official = create_user("official", name="市长")
    series = MeetingSeries(name="株洲市政企“早餐会”", jurisdiction_id=zhuzhou.id, kind="breakfast")
    db.session.add(series)
    db.session.flush()
    meeting = Meeting(series_id=series.id, number=1, kind="breakfast", title="第1期政企早餐会",
                      starts_at=datetime(2026, 11, 2, 23, 30), ends_at=datetime(2026, 11, 3, 1, 0), status="held")
    meeting.hosts = [official]
    other_meeting = Meeting(kind="visit", title="走访", enterprise_id=other_ent.id, starts_at=datetime(2026, 11, 5, 2),
                            ends_at=datetime(2026, 11, 5, 3), status="held")
    db.session.add_all([meeting, other_meeting])
    db.session.flush()
    db.session.add(Invitation(meeting_id=meeting.id, enterprise_id=ent.id, status="accepted"))
    db.session.commit()
    w = FuWorld(
        monkeypatch=monkeypatch, series=series, meeting=meeting, other_meeting=other_meeting, zhuzhou=zhuzhou,
        lukou=lukou, lead=lead, assist=assist, other=other, ent=ent,
        other_ent=other_ent,
        admin=create_user("admin"),
        secretariat=create_user("secretariat", name="市委办秘书"),
        official=official,
        lead_user=create_user("department", department=lead, name="自然资源局经办人"),
        assist_user=create_user("department", department=assist),
        other_user=create_user("department", department=other),
        enterprise_user=create_user("enterprise", enterprise=ent, name="时代工塑联络员"),
        other_enterprise_user=create_user("enterprise", enterprise=other_ent),
        inspector=create_user("inspector", department=create_department("zz-amr", "市场监管局", zhuzhou)),
    )
    for user in (w.admin, w.secretariat, w.official, w.lead_user, w.assist_user, w.other_user,
                 w.enterprise_user, w.other_enterprise_user, w.inspector):
        w.headers(user)
    return w


def counts() -> tuple[int, int, int]:
    """(items, history events, audit rows): refused input must leave all three unchanged."""
    return (
        db.session.scalar(select(func.count()).select_from(FollowUp)),
        db.session.scalar(select(func.count()).select_from(FollowUpEvent)),
        db.session.scalar(select(func.count()).select_from(AuditLog)),
    )
