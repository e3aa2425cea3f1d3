"""refusals (issue 9): a booking refused by the rules is stored (inspection_refusals) and counted per
jurisdiction on the dashboard; a booking refused for bad input (422) is not."""

from __future__ import annotations

from sqlalchemy import func, select

from extensions import db
from models import Inspection, InspectionRefusal
from tests import quietdays_fixtures as qf
from tests.factories import login
from tests.quietdays_fixtures import counts

world, today = qf.world, qf.today
URL = "/api/v1/inspections"


def book(client, world, **data):
    payload = {"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "食品安全检查"}
    payload.update(data)
    return client.post(URL, json={k: v for k, v in payload.items() if v is not None},
                       headers=world.headers(world.inspector))


def figures(client, world, query="?jurisdiction=430212") -> dict:
    resp = client.get("/api/v1/stats" + query, headers=world.headers(world.secretariat))
    assert resp.status_code == 200, resp.get_json()
    return {j["code"]: j for j in resp.get_json()["jurisdictions"]}


def refusal_count() -> int:
    return db.session.scalar(select(func.count()).select_from(InspectionRefusal))


def test_rule_refusals_are_stored_and_counted_per_jurisdiction(client, world):
    before = counts()
    resp = book(client, world, date="2026-11-23")  # Monday: a quiet day for private enterprises
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "quiet_day"
    assert counts() == before  # no inspection, no audit row: the booking itself was rolled back
    row = db.session.scalars(select(InspectionRefusal)).one()
    assert (row.enterprise_id, row.department_id, row.jurisdiction_id, row.code, str(row.date)) == (
        world.ent.id, world.amr.id, world.lukou.id, "quiet_day", "2026-11-23")
    assert row.created_at is not None
    assert figures(client, world) == {"430212": {"code": "430212", "name": "渌口区", "allowed": 0, "cancelled": 0,
                                                 "refused": 1, "protected_with_justification": 0}}

    assert book(client, world).status_code == 201
    dup = book(client, world, kind="random")
    assert dup.status_code == 409 and dup.get_json()["error"]["code"] == "duplicate_inspection"
    assert book(client, world, date="2026-12-03").status_code == 201  # second routine booking: cap of 2 full
    cap = book(client, world, date="2026-12-10")
    assert cap.status_code == 409 and cap.get_json()["error"]["code"] == "frequency_cap"
    assert db.session.scalar(select(func.count()).select_from(Inspection)) == 2
    lukou = figures(client, world)["430212"]
    assert (lukou["allowed"], lukou["refused"]) == (2, 3)
    # The same filters as the other figures: the parent area includes Lukou, dates are the dates asked for.
    assert figures(client, world, "?jurisdiction=430200")["430212"]["refused"] == 3
    assert figures(client, world, "?from=2026-11-24&to=2026-11-30")["430212"]["refused"] == 1
    assert figures(client, world, "?from=2026-12-04")["430212"]["refused"] == 1
    assert "430212" not in figures(client, world, "?from=2027-01-01")


def test_bad_input_is_not_counted_as_a_refusal(client, world):
    before = counts()
    for data in ({"date": "2026-13-01"}, {"uscc": "91430200000000000X"}, {"kind": "raid"}, {"subject": ""},
                 # A complaint on a quiet day without its justification: missing input, fixed and re-sent.
                 {"date": "2026-11-23", "kind": "complaint"}):
        resp = book(client, world, **data)
        assert resp.status_code == 422, (data, resp.get_json())
    assert counts() == before and refusal_count() == 0
    assert figures(client, world) == {}


def test_the_booking_page_stores_its_refusals_too(client, world):
    login(client, world.inspector)
    resp = client.post("/inspections/new", data={"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "routine",
                                                  "subject": "日常检查"})
    assert resp.status_code == 409
    assert db.session.scalars(select(InspectionRefusal.code)).all() == ["quiet_day"]


def test_a_refusal_that_cannot_be_stored_is_still_a_409(client, world):
    """A real database failure (the table is gone), not a mock: the user still gets the refusal, not a 500."""
    payload = {"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "routine", "subject": "食品安全检查"}
    headers = world.headers(world.inspector)
    db.session.remove()
    InspectionRefusal.__table__.drop(db.engine)
    try:
        resp = client.post(URL, json=payload, headers=headers)
        assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "quiet_day"
        resp = client.post(URL, json={**payload, "date": "2026-11-26"}, headers=headers)
        assert resp.status_code == 201  # the session is usable afterwards
    finally:
        db.session.remove()
        InspectionRefusal.__table__.create(db.engine)


def test_parallel_refusals_are_each_stored_once(app, world):
    """12 parallel bookings of one enterprise on one day by one agency: one wins, and each of the 11 duplicates
    leaves exactly one refusal row (written after its own rollback, while the others queue for the lock)."""
    from tests.functional.test_booking_parallel import PARALLEL, parallel_posts

    uscc, ent_id = world.state_ent.uscc, world.state_ent.id
    headers = world.headers(world.em_inspector)
    requests = [(headers, {"uscc": uscc, "date": "2026-11-26", "kind": "routine", "subject": f"同日{i}"})
                for i in range(PARALLEL)]
    results = parallel_posts(app, requests)
    assert sorted(s for s, _ in results) == [201] + [409] * (PARALLEL - 1), results
    db.session.expire_all()
    codes = db.session.execute(select(InspectionRefusal.code, InspectionRefusal.enterprise_id)).all()
    assert codes == [("duplicate_inspection", ent_id)] * (PARALLEL - 1)
    assert figures(client=app.test_client(), world=world)["430212"]["refused"] == PARALLEL - 1
