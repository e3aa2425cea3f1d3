"""Parallel follow-up writes on the suite's database (SQLite file, or PostgreSQL with TEST_DATABASE_URL): of
parallel transitions exactly one wins and the others get 409 with a code, never a 500 or a double write."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import AuditLog
from models.followup import FollowUp, FollowUpEvent, FollowUpExtension, FollowUpRating
from models.user import User
from operations import followup_loop as loop
from tests import followups_fixtures as ff
from tests.functional.test_concurrency import THREADS, _codes, _parallel

fu_world = ff.fu_world


def _count(model, **where) -> int:
    stmt = select(func.count()).select_from(model)
    for name, value in where.items():
        stmt = stmt.where(getattr(model, name) == value)
    return db.session.scalar(stmt)


def test_parallel_resolutions_have_one_winner(app, client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    user_id = w.lead_user.id

    def resolve(i: int) -> str:
        loop.resolve(db.session.get(User, user_id), iid, {"resolution": f"办结 {i}"})
        return "ok"

    results = _parallel(app, resolve)
    assert _codes(results) == ["invalid_state"] * (THREADS - 1) + ["ok"]
    assert {r.status for r in results if not isinstance(r, str)} == {409}
    db.session.expire_all()
    assert _count(FollowUpEvent, follow_up_id=iid, kind="resolved") == 1
    assert _count(AuditLog, entity="follow_up", action="resolve") == 1


def test_parallel_ratings_have_one_winner(app, client, fu_world):
    """A double-clicked low rating must reopen once, not twice."""
    w = fu_world
    iid = w.create(client)["id"]
    loop.resolve(w.lead_user, iid, {"resolution": "办结"})
    user_id = w.enterprise_user.id

    def rate(i: int) -> str:
        loop.rate(db.session.get(User, user_id), iid, {"rating": 2, "comment": "未解决"})
        return "ok"

    results = _parallel(app, rate)
    assert _codes(results) == ["invalid_state"] * (THREADS - 1) + ["ok"]
    db.session.expire_all()
    item = db.session.get(FollowUp, iid)
    assert item.status == "in_progress" and item.reopen_count == 1
    assert _count(FollowUpRating, follow_up_id=iid) == 1


def test_parallel_extension_requests_leave_one_pending(app, client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    user_id = w.lead_user.id

    def extend(i: int) -> str:
        loop.request_extension(db.session.get(User, user_id), iid, {"due_date": "2026-12-04", "reason": f"r{i}"})
        return "ok"

    results = _parallel(app, extend)
    assert _codes(results) == ["extension_pending"] * (THREADS - 1) + ["ok"]
    db.session.expire_all()
    assert _count(FollowUpExtension, follow_up_id=iid) == 1


def test_parallel_supervision_and_decisions(app, client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    loop.request_extension(w.lead_user, iid, {"due_date": "2026-12-04", "reason": "r"})
    sec_id = w.secretariat.id

    def supervise(i: int) -> str:
        loop.supervise(db.session.get(User, sec_id), iid, {})
        return "ok"

    results = _parallel(app, supervise)
    assert _codes(results) == ["already_supervised"] * (THREADS - 1) + ["ok"]

    def decide(i: int) -> str:
        loop.decide_extension(db.session.get(User, sec_id), iid,
                              {"decision": "approved" if i % 2 else "refused"})
        return "ok"

    results = _parallel(app, decide)
    codes = _codes(results)
    assert codes.count("ok") == 1 and all(c in ("ok", "invalid_state", "no_pending_extension") for c in codes)
    db.session.expire_all()
    assert _count(FollowUpEvent, follow_up_id=iid, kind="supervised") == 1
    decided = _count(FollowUpEvent, follow_up_id=iid, kind="extension_approved") + _count(
        FollowUpEvent, follow_up_id=iid, kind="extension_refused")
    assert decided == 1


def test_parallel_assignments_of_one_minutes_issue_make_one_item(app, client, fu_world):
    from models.meeting import MinutesIssue
    from operations import followups

    w = fu_world
    issue = MinutesIssue(meeting_id=w.meeting.id, enterprise_id=w.ent.id, title="用地", category="land")
    db.session.add(issue)
    db.session.commit()
    issue_id, sec_id, lead = issue.id, w.secretariat.id, w.lead.code

    def assign(i: int) -> str:
        followups.create(db.session.get(User, sec_id), {"minutes_issue_id": issue_id, "lead_department": lead})
        return "ok"

    results = _parallel(app, assign)
    assert _codes(results) == ["duplicate"] * (THREADS - 1) + ["ok"]
    db.session.expire_all()
    assert _count(FollowUp, minutes_issue_id=issue_id) == 1
    assert _count(FollowUpEvent, kind="assigned") == 1
