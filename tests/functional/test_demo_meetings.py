"""The meetings demo: the Zhuzhou breakfast series with held sessions (guests, topics, minutes, issues), a
cancelled one that keeps its number, upcoming sessions and visits; idempotent; its pages open for its logins."""

from __future__ import annotations

from sqlalchemy import func, select

from demo import meetings as demo_meetings
from demo import quietdays as demo_quietdays
from demo import reference as demo_reference
from extensions import db
from models import Invitation, Meeting, MeetingSeries, MinutesIssue, MinutesRevision, User
from tests import quietdays_fixtures as qf
from tests.factories import login

today = qf.today


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_demo_meetings_is_idempotent_and_tells_the_story(client, today):
    demo_reference.load()
    demo_quietdays.load()
    assert demo_meetings.load()
    counts = [_count(m) for m in (MeetingSeries, Meeting, Invitation, MinutesRevision, MinutesIssue, User)]
    assert demo_meetings.load() == []
    assert [_count(m) for m in (MeetingSeries, Meeting, Invitation, MinutesRevision, MinutesIssue, User)] == counts
    first = db.session.scalar(select(Meeting).where(Meeting.series_id.is_not(None), Meeting.number == 1)
                              .order_by(Meeting.id))
    assert first.status == "held" and first.starts_at.isoformat().startswith("2022-02-18T23:30")  # 07:30 local
    assert len(first.invitations) == 6 and all(i.topics for i in first.invitations)
    assert {h.name for h in first.hosts} == {"曹慧泉（市委书记）", "陈恢清（市长）"}
    numbers = db.session.execute(select(Meeting.number, Meeting.status).where(Meeting.series_id == first.series_id)
                                 .order_by(Meeting.number)).all()
    assert [tuple(r) for r in numbers] == [(1, "held"), (2, "held"), (3, "held"), (4, "cancelled")]
    statuses = {m.kind + ":" + m.status for m in db.session.scalars(select(Meeting))}
    assert {"visit:proposed", "visit:scheduled", "visit:held", "breakfast:scheduled"} <= statuses
    enterprise = db.session.scalar(select(User).where(User.email == "enterprise@zhengqi.demo"))
    login(client, enterprise, "zhengqi-demo")
    page = client.get("/meetings?view=week&date=2026-11-28").get_data(as_text=True)
    assert "先进制造业人才与创新" in page
    client.post("/logout")
    sec = db.session.scalar(select(User).where(User.email == "secretariat@zhengqi.demo"))
    login(client, sec, "zhengqi-demo")
    minutes_page = client.get(f"/meetings/{first.id}/minutes?from=1&to=2").get_data(as_text=True)
    assert "新基地建设项目联合验收受阻" in minutes_page and 'id="diff"' in minutes_page
