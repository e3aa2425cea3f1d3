"""Demo follow-up items: idempotent, one per state of the loop, made by the real operations."""

from __future__ import annotations

from sqlalchemy import func, select

from demo import followups as demo_followups
from demo import reference as demo_reference
from extensions import db
from models.followup import FollowUp
from operations import followups


def test_demo_items_cover_the_loop_and_load_once(client):
    demo_reference.load()
    lines = demo_followups.load()
    assert lines == ["follow-ups: 7 demo items added (7 in all)"], lines
    items = db.session.scalars(select(FollowUp).order_by(FollowUp.id)).all()
    assert {i.status for i in items} == {"assigned", "in_progress", "resolved", "closed"}
    th = followups.thresholds()
    warnings = {followups.warning_of(i, th) for i in items}
    assert {"red", "yellow", None} <= warnings
    assert any(i.reopen_count == 1 for i in items) and any(i.supervised_on for i in items)
    assert any(followups.pending_extension(i) for i in items)
    assert all(i.events for i in items)
    assert demo_followups.load() == ["follow-ups: 0 demo items added (7 in all)"]
    assert db.session.scalar(select(func.count()).select_from(FollowUp)) == 7
