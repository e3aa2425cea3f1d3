"""The meetings world on top of the quiet-day world (tests/quietdays_fixtures.py): two officials (hosts),
six more private enterprises with users, the Zhuzhou breakfast series. Today is pinned (Thursday 2026-11-19);
the enterprises are under Zhuzhou's Mon–Wed quiet days, so a visit on Monday 2026-11-23 is on a protected day.

Test modules bind the fixtures by assignment (``mworld = mf.mworld``; ``world = qf.world``; ``today = qf.today``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, Invitation, Meeting, MeetingSeries, MinutesIssue, MinutesRevision, Notice
from operations import bookings, meetings
from tests.factories import create_enterprise, create_user

NEXT_TUESDAY = date(2026, 11, 24)  # protected for private enterprises (Mon–Wed)
NEXT_THURSDAY = date(2026, 11, 26)  # not protected


@dataclass
class MWorld:
    qd: Any  # the quiet-day World
    mayor: Any  # official
    secretary: Any  # official
    guests: list = field(default_factory=list)  # six enterprises
    guest_users: list = field(default_factory=list)
    series: Any = None

    def headers(self, user) -> dict[str, str]:
        return self.qd.headers(user)

    @property
    def sec(self):
        return self.qd.secretariat


@pytest.fixture
def mworld(world) -> MWorld:
    mayor = create_user("official", name="市长")
    secretary = create_user("official", name="市委书记")
    out = MWorld(qd=world, mayor=mayor, secretary=secretary)
    names = ["株洲联诚集团控股股份有限公司", "株洲千金药业股份有限公司", "株洲旗滨集团股份有限公司",
             "株洲飞鹿高新材料技术股份有限公司", "株洲欧科亿数控精密刀具股份有限公司", "株洲华锐精密工具股份有限公司"]
    shorts = ["联诚集团", "千金药业", "旗滨集团", "飞鹿股份", "欧科亿", "华锐精密"]
    for name, short in zip(names, shorts, strict=True):
        ent = create_enterprise(name=name, short_name=short, jurisdiction=world.zhuzhou, ownership="private")
        out.guests.append(ent)
        out.guest_users.append(create_user("enterprise", enterprise=ent))
    out.series = meetings.create_series(world.secretariat, {
        "name": "株洲市政企“早餐会”", "jurisdiction_code": "430200", "kind": "breakfast",
        "default_venue": "市委小会议室", "default_capacity": 6, "default_start_time": "07:30",
        "default_duration_minutes": 90})
    return out


def book(user, **kw: Any) -> Meeting:
    """A valid breakfast booking with overridable fields (Indico's create_x style)."""
    data: dict[str, Any] = {"kind": "breakfast", "title": "早餐会", "starts_at": "2026-11-26T07:30:00+08:00",
                            "ends_at": "2026-11-26T09:00:00+08:00", "venue": "市委小会议室", "host_ids": []}
    data.update(kw)
    return bookings.book(user, data)


def counts() -> dict[str, int]:
    """Rows of every meetings table plus the audit log: bad input must leave them all unchanged."""
    out = {}
    for model in (Meeting, MeetingSeries, Invitation, MinutesRevision, MinutesIssue, Notice, AuditLog):
        out[model.__tablename__] = db.session.scalar(select(func.count()).select_from(model))
    return out
