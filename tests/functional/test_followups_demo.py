"""Demo follow-up items: idempotent, one per state of the loop, made by the real operations."""

from __future__ import annotations

from sqlalchemy import func, select

from demo import followups as demo_followups
from demo import meetings as demo_meetings
from demo import reference as demo_reference
from extensions import db
from models.followup import FollowUp
from models.meeting import MinutesIssue
from operations import followups


def test_demo_items_cover_the_loop_and_load_once(client):
    demo_reference.load()
    demo_meetings.load()
    lines = demo_followups.load()
    issues = db.session.scalar(select(func.count()).select_from(MinutesIssue))
    assert issues >= 2
    assert lines == [f"follow-ups: {7 + issues} demo items added ({7 + issues} in all)"], lines
    items = db.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
    assert {i.status for i in items} == {"assigned", "in_progress", "resolved", "closed"}
    th = followups.thresholds()
    warnings = {followups.warning_of(i, th) for i in items}
    assert {"red", "yellow", None} <= warnings
    assert any(i.reopen_count == 1 for i in items) and any(i.supervised_on for i in items)
    assert any(followups.pending_extension(i) for i in items)
    assert all(i.events for i in items)
    assert demo_followups.load() == [f"follow-ups: 0 demo items added ({7 + issues} in all)"]
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 7 + issues
    linked = db.session.scalars(select(FollowUp).where(FollowUp.minutes_issue_id.is_not(None))).all()
    assert len(linked) == issues and all(i.meeting_id for i in linked)
