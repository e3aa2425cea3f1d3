"""Every state change on one record is serialised: of N parallel requests exactly one wins, the others get the
409 a late request gets (naming the state in Chinese), and exactly one audit row is written. Runs on SQLite and,
with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from extensions import db
from models import AuditLog, CalendarYear, Inspection, QuietDayPolicy
from models.user import ApiToken
from operations import auth
from tests import quietdays_fixtures as qf
from tests.parallel import error_codes, fresh, run_parallel, statuses

world, today = qf.world, qf.today
URL = "/api/v1/inspections"


def _inspection(world, status: str = "planned", on: date = qf.THURSDAY, **extra) -> int:
    row = Inspection(enterprise_id=world.state_ent.id, department_id=world.amr.id, date=on, kind="routine",
                     subject="并发测试", status=status, created_by_id=world.inspector.id, **extra)
    db.session.add(row)
    db.session.commit()
    return row.id


def _audits(entity: str, action: str, entity_id: object) -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity == entity, AuditLog.action == action, AuditLog.entity_id == str(entity_id)))


def test_thirty_parallel_cancels_have_one_winner_and_one_audit_row(app, client, world):
    iid = _inspection(world)
    headers = world.headers(world.secretariat)
    results = run_parallel(app, 30, lambda c, i: c.post(f"{URL}/{iid}/cancel", json={"reason": f"统筹{i}"},
                                                         headers=headers))
    assert statuses(results) == [200] + [409] * 29, statuses(results)
    assert error_codes(results) == {"invalid_state"}
    refused = [r.get_json()["error"] for r in results if r.status_code == 409]
    assert {e["details"]["status"] for e in refused} == {"cancelled"}
    assert all("已取消" in e["message"] for e in refused), refused[0]
    fresh()
    assert _audits("inspection", "cancel", iid) == 1
    winner = next(r.get_json() for r in results if r.status_code == 200)
    assert db.session.get(Inspection, iid).cancel_reason == winner["cancel_reason"]


def test_check_in_racing_cancel_ends_consistent(app, client, world):
    iid = _inspection(world, on=qf.TODAY)
    inspector, secretariat = world.headers(world.inspector), world.headers(world.secretariat)

    def work(c, i):
        if i % 2:
            return c.post(f"{URL}/{iid}/check-in", headers=inspector)
        return c.post(f"{URL}/{iid}/cancel", json={"reason": "改期"}, headers=secretariat)

    results = run_parallel(app, 20, work)
    assert statuses(results) == [200] + [409] * 19, statuses(results)
    assert error_codes(results) <= {"invalid_state", "already_checked_in"}
    fresh()
    row = db.session.get(Inspection, iid)
    if row.status == "checked_in":
        assert row.checked_in_at is not None and row.cancelled_at is None and row.cancel_reason is None
    else:
        assert row.status == "cancelled" and row.checked_in_at is None and row.cancelled_at is not None
    assert db.session.scalar(select(func.count()).select_from(AuditLog).where(
        AuditLog.entity == "inspection", AuditLog.action.in_(["cancel", "check_in"]))) == 1


def test_parallel_completes_have_one_winner(app, client, world):
    iid = _inspection(world, status="checked_in", on=qf.TODAY)
    headers = world.headers(world.inspector)
    results = run_parallel(app, 10, lambda c, i: c.post(f"{URL}/{iid}/complete", json={"result": f"结果{i}"},
                                                         headers=headers))
    assert statuses(results) == [200] + [409] * 9, statuses(results)
    assert error_codes(results) == {"invalid_state"}
    fresh()
    assert _audits("inspection", "complete", iid) == 1


def test_one_rating_per_inspection_under_parallel_ratings(app, client, world):
    iid = _inspection(world, status="completed", on=qf.TODAY)
    # The enterprise user of world.ent; the inspection is of state_ent, so rate as that enterprise's user.
    rater = qf.create_user("enterprise", enterprise=world.state_ent)
    headers = world.headers(rater)
    results = run_parallel(app, 10, lambda c, i: c.post(f"{URL}/{iid}/rate", json={"rating": 1 + i % 5},
                                                         headers=headers))
    assert statuses(results) == [200] + [409] * 9, statuses(results)
    assert error_codes(results) == {"already_rated"}
    winner = next(r.get_json() for r in results if r.status_code == 200)
    fresh()
    assert db.session.get(Inspection, iid).rating == winner["rating"]
    assert _audits("inspection", "rate", iid) == 1


def test_parallel_calendar_year_deletes_have_one_winner(app, client, world):
    db.session.add(CalendarYear(year=2027, holidays=["2027-01-01"], workdays=[]))
    db.session.commit()
    headers = world.headers(world.admin)
    results = run_parallel(app, 10, lambda c, i: c.delete("/api/v1/calendar/2027", headers=headers))
    # The losers find nothing left to delete, exactly what a later DELETE is told.
    assert statuses(results) == [204] + [404] * 9, statuses(results)
    fresh()
    assert _audits("calendar_year", "delete", 2027) == 1
    assert db.session.get(CalendarYear, 2027) is None


def test_parallel_policy_revocations_have_one_winner(app, client, world):
    pid = world.policy.id
    headers = world.headers(world.admin)
    results = run_parallel(app, 10, lambda c, i: c.delete(f"/api/v1/quiet-day-policies/{pid}",
                                                           json={"reason": f"到期{i}"}, headers=headers))
    assert statuses(results) == [200] + [409] * 9, statuses(results)
    assert error_codes(results) == {"already_revoked"}
    fresh()
    assert _audits("quiet_day_policy", "revoke", pid) == 1
    assert db.session.get(QuietDayPolicy, pid).status == "revoked"


def test_parallel_activations_write_one_audit_row(app, client, world):
    from operations import policies

    draft = qf.add_policy(world.zhuzhou, status="draft", title="草案")
    pid = draft.id

    def activate(_c, _i):
        try:
            return policies.activate_policy(pid).status
        finally:
            db.session.remove()

    def in_app(c, i):
        with app.test_request_context():
            return activate(c, i)

    results = run_parallel(app, 10, in_app)
    assert results == ["active"] * 10, results
    fresh()
    assert _audits("quiet_day_policy", "update", pid) == 1


def test_parallel_token_revocations_write_one_audit_row(app, client, world):
    token = auth.issue_token(world.inspector, "并发")
    row_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "并发"))

    def revoke(_c, _i):
        with app.test_request_context():
            try:
                auth.revoke_token_value(token)
                return "ok"
            finally:
                db.session.remove()

    assert run_parallel(app, 10, revoke) == ["ok"] * 10
    fresh()
    assert _audits("api_token", "revoke", row_id) == 1


def test_parallel_deletions_of_one_policy_exception_have_one_winner(app, client, world):
    from models import PolicyException

    exc = PolicyException(policy_id=world.policy.id, date=date(2026, 12, 2), effect="lift", reason="专项")
    db.session.add(exc)
    db.session.commit()
    exc_id = exc.id
    url = f"/api/v1/quiet-day-policies/{world.policy.id}/exceptions/{exc_id}"
    headers = world.headers(world.admin)
    results = run_parallel(app, 10, lambda c, i: c.delete(url, headers=headers))
    assert statuses(results) == [204] + [404] * 9, statuses(results)
    fresh()
    assert _audits("policy_exception", "delete", exc_id) == 1


def test_parallel_approvals_have_one_winner(app, client, world):
    iid = _inspection(world, status="pending_approval")
    headers = world.headers(world.head)
    results = run_parallel(app, 10, lambda c, i: c.post(f"{URL}/{iid}/approve", headers=headers))
    assert statuses(results) == [200] + [409] * 9, statuses(results)
    assert error_codes(results) == {"invalid_state"}
    fresh()
    assert _audits("inspection", "approve", iid) == 1
    assert db.session.get(Inspection, iid).approved_by_id == world.head.id
