"""Booking and lifecycle of inspections through the API (SPEC §3.2–3.4, §3.6), with object-level access."""

from __future__ import annotations

from datetime import date

import pytest

from extensions import db
from models import AuditLog, Inspection
from tests import quietdays_fixtures as qf
from tests.factories import create_enterprise, create_user, dummy_uscc
from tests.quietdays_fixtures import counts

world, today = qf.world, qf.today
URL = "/api/v1/inspections"


def book(client, world, user=None, **data):
    payload = {"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "食品安全检查"}
    payload.update(data)
    payload = {k: v for k, v in payload.items() if v is not None}
    return client.post(URL, json=payload, headers=world.headers(user or world.inspector))


def post(client, world, user, iid, action, **data):
    return client.post(f"{URL}/{iid}/{action}", json=data, headers=world.headers(user))


def test_book_allowed_date(client, world):
    before = db.session.query(AuditLog).count()
    resp = book(client, world)
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["status"] == "planned" and data["department"] == "zz-amr" and data["date"] == "2026-11-26"
    assert data["on_protected_day"] is False and data["record_overdue"] is False
    row = db.session.get(Inspection, data["id"])
    assert row.created_by_id == world.inspector.id
    assert db.session.query(AuditLog).count() == before + 1


def test_quiet_day_refused_with_next_allowed_date_and_policies(client, world):
    before = counts()
    resp = book(client, world, date="2026-11-23")
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "quiet_day"
    assert err["details"]["next_allowed_date"] == "2026-11-26"
    assert err["details"]["policies"] == [
        {"policy_id": world.policy.id, "title": "民营企业宁静日", "jurisdiction_code": "430200"}
    ]
    assert counts() == before


def test_exempt_kind_on_quiet_day_needs_justification_then_approval(client, world):
    before = counts()
    resp = book(client, world, date="2026-11-23", kind="complaint")
    assert resp.status_code == 422
    assert resp.get_json()["error"]["code"] == "justification_required"
    assert resp.get_json()["error"]["details"]["field"] == "justification"
    assert counts() == before
    resp = book(
        client,
        world,
        date="2026-11-23",
        kind="complaint",
        justification="12345热线投诉：噪声扰民",
        reference="12345-2026-0001",
    )
    assert resp.status_code == 201
    data = resp.get_json()
    assert data["status"] == "pending_approval" and data["on_protected_day"] is True
    assert data["justification"] == "12345热线投诉：噪声扰民" and data["reference"] == "12345-2026-0001"
    iid = data["id"]
    # Only the head of the same agency approves.
    assert post(client, world, world.inspector, iid, "approve").status_code == 403
    assert post(client, world, world.em_inspector, iid, "approve").status_code == 403
    other_head = create_user("inspector", department=world.em, is_head=True)
    assert post(client, world, other_head, iid, "approve").status_code == 403
    resp = post(client, world, world.head, iid, "approve")
    assert resp.status_code == 200 and resp.get_json()["status"] == "planned"
    assert db.session.get(Inspection, iid).approved_by_id == world.head.id
    assert post(client, world, world.head, iid, "approve").status_code == 409


def test_approval_only_before_the_date(client, world, monkeypatch):
    iid = book(client, world, date="2026-11-23", kind="complaint", justification="投诉").get_json()["id"]
    monkeypatch.setattr(qf.checks, "local_today", lambda: date(2026, 11, 23))
    resp = post(client, world, world.head, iid, "approve")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "too_late"
    assert db.session.get(Inspection, iid).status == "pending_approval"


def test_quiet_day_today_cannot_wait_for_approval(client, world):
    resp = book(client, world, date="2026-11-19", kind="complaint", justification="投诉")  # today is Thursday
    assert resp.status_code == 201  # Thursday is not a quiet day: no approval needed
    world.policy.rule = {"type": "weekdays", "weekdays": [4]}
    db.session.commit()
    # Another agency: the first one already has its one booking of the day (SPEC §3.5.5).
    resp = book(client, world, world.em_inspector, date="2026-11-19", kind="complaint", justification="投诉")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "approval_too_late"


def test_emergency_goes_ahead_at_once_and_may_be_recorded_late(client, world):
    resp = book(client, world, date="2026-11-23", kind="accident", justification="粉尘爆炸隐患", emergency=True)
    assert resp.status_code == 201 and resp.get_json()["status"] == "planned"
    # Recorded afterwards: within 3 working days (Mon 16th -> Thu 19th is the 3rd) is on time...
    resp = book(client, world, date="2026-11-16", kind="accident", justification="事故", emergency=True)
    assert resp.status_code == 201 and resp.get_json()["record_overdue"] is False
    # ...Friday the 13th is 4 working days back: overdue.
    resp = book(client, world, date="2026-11-13", kind="accident", justification="事故", emergency=True)
    assert resp.status_code == 201 and resp.get_json()["record_overdue"] is True


def test_past_dates_only_for_emergencies(client, world):
    before = counts()
    resp = book(client, world, date="2026-11-18")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "date"
    resp = book(client, world, date="2026-11-18", kind="routine", emergency=True)  # routine is never an emergency
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "emergency"
    assert counts() == before


def test_department_cap_refuses_with_limit_and_used(client, world):
    assert book(client, world, date="2026-11-26").status_code == 201
    assert book(client, world, date="2026-11-27", kind="random").status_code == 201
    before = counts()
    resp = book(client, world, date="2026-11-28")
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "frequency_cap"
    assert (err["details"]["limit"], err["details"]["used"]) == (2, 2)
    assert err["details"]["next_allowed_date"] == "2027-01-01"
    assert counts() == before
    # Other kinds are not capped; a cancelled booking frees its place.
    assert book(client, world, date="2026-11-29", kind="licensing").status_code == 201
    first = db.session.query(Inspection).order_by(Inspection.id).first()
    assert post(client, world, world.inspector, first.id, "cancel", reason="企业停产").status_code == 200
    assert book(client, world, date="2026-11-28").status_code == 201


def test_jurisdiction_cap_counts_all_agencies(client, world):
    world.zhuzhou.annual_inspection_cap = 1
    db.session.commit()
    assert book(client, world, world.em_inspector, date="2026-11-26").status_code == 201
    resp = book(client, world, date="2026-11-27")
    assert resp.status_code == 409
    details = resp.get_json()["error"]["details"]
    assert (details["scope"], details["code"], details["limit"], details["used"]) == (
        "jurisdiction",
        "430200",
        1,
        1,
    )


def test_joint_suggestion_and_joined_visit_counts_once(client, world):
    world.zhuzhou.annual_inspection_cap = 1
    db.session.commit()
    em = book(
        client,
        world,
        world.em_inspector,
        date="2026-11-30",
        kind="complaint",
        justification="投诉",
        uscc=world.state_ent.uscc,
    ).get_json()
    resp = book(client, world, uscc=world.state_ent.uscc, date="2026-12-03", kind="licensing")
    assert resp.status_code == 201
    assert resp.get_json()["joint_suggestion"] == {
        "inspection_id": em["id"],
        "id": em["id"],
        "department": "zz-em",
        "department_name": world.em.name,
        "date": "2026-11-30",
    }
    # Joining books the same date; the joined routine visit is one visit for the jurisdiction cap.
    first = book(client, world, world.em_inspector, uscc=world.ent.uscc, date="2026-11-26").get_json()
    resp = book(client, world, uscc=world.ent.uscc, date=None, joint_with=first["id"])
    assert resp.status_code == 201, resp.get_json()
    joined = resp.get_json()
    assert joined["date"] == "2026-11-26" and joined["joint_with"] == first["id"]
    assert "joint_suggestion" not in joined
    shown = client.get(f"{URL}/{joined['id']}", headers=world.headers(world.inspector)).get_json()
    assert [j["id"] for j in shown["joined"]] == [first["id"]]
    # Without joining, the same agency's second routine visit is over the jurisdiction cap.
    assert book(client, world, uscc=world.ent.uscc, date="2026-11-27").status_code == 409


@pytest.mark.parametrize(
    "over, status, field",
    [
        ({"joint_with": 999999, "date": None}, 422, "joint_with"),
        ({"joint_with": "abc"}, 422, "joint_with"),
        ({"uscc": None}, 422, "uscc"),
        ({"uscc": "91430200MA00000000"}, 422, "uscc"),
        ({"kind": "party"}, 422, "kind"),
        ({"subject": ""}, 422, "subject"),
        ({"subject": "x" * 301}, 422, "subject"),
        ({"date": "2026-02-30"}, 422, "date"),
        ({"date": None}, 422, "date"),
        ({"emergency": "perhaps"}, 422, "emergency"),
        ({"justification": 5}, 422, "justification"),
        ({"department": "zz-em"}, 403, None),
        ({"colour": "red"}, 422, "colour"),
    ],
)
def test_bad_booking_input_changes_nothing(client, world, over, status, field):
    before = counts()
    resp = book(client, world, **over)
    assert resp.status_code == status, resp.get_json()
    if field:
        assert resp.get_json()["error"]["details"]["field"] == field
    assert counts() == before


def test_joint_with_own_agency_or_other_enterprise_is_refused(client, world):
    mine = book(client, world).get_json()
    assert book(client, world, joint_with=mine["id"], date=None).status_code == 422
    theirs = book(client, world, world.em_inspector, uscc=world.other_ent.uscc).get_json()
    assert book(client, world, joint_with=theirs["id"], date=None).status_code == 422
    theirs_here = book(client, world, world.em_inspector).get_json()
    resp = book(client, world, joint_with=theirs_here["id"], date="2026-11-27")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "date"


def test_admin_books_for_a_named_agency(client, world):
    assert book(client, world, world.admin).status_code == 422
    resp = book(client, world, world.admin, department="zz-em")
    assert resp.status_code == 201 and resp.get_json()["department"] == "zz-em"
    assert book(client, world, world.enterprise_user).status_code == 403


def test_lifecycle_and_object_level_access(client, world, monkeypatch):
    iid = book(client, world).get_json()["id"]
    assert post(client, world, world.inspector, iid, "complete").status_code == 409  # not checked in
    assert post(client, world, world.inspector, iid, "check-in").status_code == 409  # not today
    monkeypatch.setattr(qf.checks, "local_today", lambda: date(2026, 11, 26))
    assert post(client, world, world.em_inspector, iid, "check-in").status_code == 403
    assert post(client, world, world.em_inspector, iid, "cancel", reason="x").status_code == 403
    resp = post(client, world, world.inspector, iid, "check-in")
    assert resp.status_code == 200 and resp.get_json()["status"] == "checked_in"
    again = post(client, world, world.inspector, iid, "check-in")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_checked_in"
    assert post(client, world, world.inspector, iid, "cancel", reason="x").status_code == 409
    assert post(client, world, world.em_inspector, iid, "complete").status_code == 403
    resp = post(client, world, world.inspector, iid, "complete", result="未发现问题")
    assert resp.status_code == 200 and resp.get_json()["status"] == "completed"
    assert resp.get_json()["result"] == "未发现问题"
    actions = [a.action for a in db.session.query(AuditLog).filter_by(entity="inspection").order_by(AuditLog.id)]
    assert actions == ["create", "check_in", "complete"]


def test_cancel_needs_a_reason(client, world):
    iid = book(client, world).get_json()["id"]
    before = counts()
    resp = post(client, world, world.inspector, iid, "cancel")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "reason"
    assert counts() == before
    resp = post(client, world, world.secretariat, iid, "cancel", reason="统筹安排")
    assert resp.status_code == 200 and resp.get_json()["status"] == "cancelled"
    assert resp.get_json()["cancel_reason"] == "统筹安排"
    assert post(client, world, world.inspector, iid, "cancel", reason="again").status_code == 409


def _completed(client, world, monkeypatch, uscc=None) -> int:
    iid = book(client, world, uscc=uscc or world.ent.uscc).get_json()["id"]
    monkeypatch.setattr(qf.checks, "local_today", lambda: date(2026, 11, 26))
    post(client, world, world.inspector, iid, "check-in")
    post(client, world, world.inspector, iid, "complete")
    return iid


def test_enterprise_rates_its_own_completed_inspection_once(client, world, monkeypatch):
    pending = book(client, world, date="2026-11-27").get_json()["id"]
    iid = _completed(client, world, monkeypatch)
    assert post(client, world, world.enterprise_user, pending, "rate", rating=5).status_code == 409
    assert post(client, world, world.other_enterprise_user, iid, "rate", rating=5).status_code == 403
    assert post(client, world, world.inspector, iid, "rate", rating=5).status_code == 403
    for bad in (0, 6, "five", None, 4.5, True):
        resp = post(client, world, world.enterprise_user, iid, "rate", rating=bad)
        assert resp.status_code == 422, bad
    resp = post(client, world, world.enterprise_user, iid, "rate", rating=4, comment="规范文明")
    assert resp.status_code == 200
    assert resp.get_json()["rating"] == 4 and resp.get_json()["rating_comment"] == "规范文明"
    resp = post(client, world, world.enterprise_user, iid, "rate", rating=5)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "already_rated"
    assert db.session.get(Inspection, iid).rating == 4


def test_agency_sees_ratings_only_in_aggregate(client, world, monkeypatch):
    ids = [_completed(client, world, monkeypatch, uscc=e.uscc) for e in (world.ent, world.other_ent, world.state_ent)]
    users = [
        world.enterprise_user,
        world.other_enterprise_user,
        create_user("enterprise", enterprise=world.state_ent),
    ]
    for iid, user, rating in zip(ids, users, (5, 4, 3), strict=True):
        assert post(client, world, user, iid, "rate", rating=rating).status_code == 200
    shown = client.get(f"{URL}/{ids[0]}", headers=world.headers(world.inspector)).get_json()
    assert "rating" not in shown and "rating_comment" not in shown and "rated" not in shown
    listed = client.get(URL, headers=world.headers(world.inspector)).get_json()["items"]
    assert all("rating" not in item and "rated" not in item for item in listed)
    # Ratings of the running month are never published (tests/api/test_ratings_anonymous.py has the steps).
    agg = client.get("/api/v1/inspection-ratings", headers=world.headers(world.inspector)).get_json()["items"]
    assert agg == []
    assert client.get("/api/v1/inspection-ratings", headers=world.headers(world.enterprise_user)).status_code == 403


def test_list_is_scoped_by_role(client, world):
    mine = book(client, world).get_json()["id"]
    theirs = book(client, world, world.em_inspector, uscc=world.other_ent.uscc).get_json()["id"]

    def ids(user, query=""):
        resp = client.get(f"{URL}{query}", headers=world.headers(user))
        assert resp.status_code == 200, resp.get_json()
        return sorted(i["id"] for i in resp.get_json()["items"])

    assert ids(world.inspector) == [mine]
    assert ids(world.em_inspector) == [theirs]
    assert ids(world.admin) == sorted([mine, theirs])
    assert ids(world.admin, "?department=zz-em") == [theirs]
    assert ids(world.secretariat, f"?uscc={world.ent.uscc}&from=2026-11-26&to=2026-11-26") == [mine]
    assert ids(world.secretariat, "?from=2026-11-27") == []
    assert ids(world.enterprise_user) == [mine]
    assert ids(world.other_enterprise_user) == [theirs]
    h = world.headers(world.inspector)
    assert client.get(f"{URL}?department=zz-em", headers=h).status_code == 403
    h = world.headers(world.enterprise_user)
    assert client.get(f"{URL}?uscc={world.other_ent.uscc}", headers=h).status_code == 403
    assert client.get(f"{URL}/{theirs}", headers=h).status_code == 403
    assert client.get(f"{URL}/{theirs}", headers=world.headers(world.inspector)).status_code == 403
    assert client.get(f"{URL}?from=yesterday", headers=world.headers(world.admin)).status_code == 422
    assert client.get(f"{URL}?status=lost", headers=world.headers(world.admin)).status_code == 422


def test_actions_on_missing_inspection_are_404(client, world):
    for action, user in (
        ("approve", world.head),
        ("check-in", world.inspector),
        ("complete", world.inspector),
        ("cancel", world.inspector),
        ("rate", world.enterprise_user),
    ):
        assert post(client, world, user, 999999, action).status_code == 404


def test_unknown_uscc_anywhere_is_never_500(client, world):
    other = create_enterprise(uscc=dummy_uscc(55))
    resp = book(client, world, uscc=other.uscc)
    assert resp.status_code == 201  # an enterprise outside every policy: nothing protects it


def test_action_bodies_are_validated_and_change_nothing(client, world, monkeypatch):
    iid = book(client, world).get_json()["id"]
    h = world.headers(world.inspector)
    before = counts()
    for action, payload in (
        ("cancel", {"reason": "x" * 1001}),
        ("cancel", {"reason": "x", "extra": 1}),
        ("cancel", {"reason": 7}),
    ):
        resp = client.post(f"{URL}/{iid}/{action}", json=payload, headers=h)
        assert resp.status_code == 422, (action, payload)
    resp = client.post(f"{URL}/{iid}/cancel", data="[1]", headers={**h, "Content-Type": "application/json"})
    assert resp.status_code == 400
    assert counts() == before and db.session.get(Inspection, iid).status == "planned"
    monkeypatch.setattr(qf.checks, "local_today", lambda: date(2026, 11, 26))
    assert post(client, world, world.inspector, iid, "check-in").status_code == 200
    before = counts()
    assert post(client, world, world.inspector, iid, "complete", result="x" * 4001).status_code == 422
    assert post(client, world, world.inspector, iid, "complete", outcome="ok").status_code == 422
    assert counts() == before
    assert db.session.get(Inspection, iid).status == "checked_in"
