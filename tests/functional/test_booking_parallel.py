"""Parallel bookings against the rules two requests could break (SPEC §3.3 caps, §3.5.5 one booking per agency,
enterprise and day), on the database the suite runs on: a SQLite file by default, PostgreSQL with
TEST_DATABASE_URL. Each request runs in its own thread, app context and database session, as a request in
another server thread would."""

from __future__ import annotations

import threading
from datetime import date, timedelta

from sqlalchemy import func, select

from extensions import db
from models import AuditLog, Inspection
from tests import quietdays_fixtures as qf

world, today = qf.world, qf.today

PARALLEL = 12
CAP = 3


def parallel_posts(app, requests: list[tuple[dict, dict]]) -> list[tuple[int, dict]]:
    """POST /api/v1/inspections once per (headers, payload), all released together by a barrier."""
    barrier = threading.Barrier(len(requests))
    results: list[tuple[int, dict] | None] = [None] * len(requests)

    def run(i: int) -> None:
        client = app.test_client()  # its own request context, app context and database session
        headers, payload = requests[i]
        barrier.wait()
        resp = client.post("/api/v1/inspections", json=payload, headers=headers)
        results[i] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a booking thread hung"
    assert all(r is not None for r in results), results
    return results  # type: ignore[return-value]


def _booked(enterprise_id: int) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Inspection)
                             .where(Inspection.enterprise_id == enterprise_id))


def test_department_cap_of_3_holds_under_12_parallel_bookings(app, world):
    world.amr.annual_inspection_cap = CAP
    db.session.commit()
    ent = world.state_ent  # no quiet-day policy covers it: only the cap can refuse
    uscc, ent_id = ent.uscc, ent.id
    headers = world.headers(world.inspector)
    start = date(2026, 11, 26)
    requests = [(headers, {"uscc": uscc, "date": (start + timedelta(days=i)).isoformat(), "kind": "routine",
                           "subject": f"并发预约{i}"}) for i in range(PARALLEL)]
    results = parallel_posts(app, requests)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * CAP + [409] * (PARALLEL - CAP), results
    refused = [body["error"] for status, body in results if status == 409]
    assert {e["code"] for e in refused} == {"frequency_cap"}
    assert {(e["details"]["limit"], e["details"]["used"]) for e in refused} == {(CAP, CAP)}
    assert _booked(ent_id) == CAP
    assert db.session.scalar(select(func.count()).select_from(AuditLog)
                             .where(AuditLog.entity == "inspection")) == CAP


def test_jurisdiction_cap_holds_across_agencies_in_parallel(app, world):
    world.zhuzhou.annual_inspection_cap = CAP
    world.amr.annual_inspection_cap = None
    db.session.commit()
    uscc, ent_id = world.state_ent.uscc, world.state_ent.id
    agencies = [world.headers(world.inspector), world.headers(world.em_inspector)]
    start = date(2026, 11, 26)
    requests = [(agencies[i % 2], {"uscc": uscc, "date": (start + timedelta(days=i)).isoformat(),
                                   "kind": "random", "subject": f"并发{i}"}) for i in range(PARALLEL)]
    results = parallel_posts(app, requests)
    assert sorted(s for s, _ in results) == [201] * CAP + [409] * (PARALLEL - CAP), results
    assert {b["error"]["code"] for s, b in results if s == 409} == {"frequency_cap"}
    assert _booked(ent_id) == CAP


def test_one_booking_per_agency_enterprise_and_day_under_parallel_bookings(app, world):
    """12 parallel bookings by one agency (no cap) of one enterprise on one day: one wins, 11 are duplicates."""
    uscc, ent_id = world.state_ent.uscc, world.state_ent.id
    headers = world.headers(world.em_inspector)
    requests = [(headers, {"uscc": uscc, "date": "2026-11-26", "kind": "routine", "subject": f"同日{i}"})
                for i in range(PARALLEL)]
    results = parallel_posts(app, requests)
    assert sorted(s for s, _ in results) == [201] + [409] * (PARALLEL - 1), results
    winner = next(b["id"] for s, b in results if s == 201)
    refused = [b["error"] for s, b in results if s == 409]
    assert {e["code"] for e in refused} == {"duplicate_inspection"}
    assert {e["details"]["existing"]["id"] for e in refused} == {winner}
    assert _booked(ent_id) == 1


def test_joining_one_visit_in_parallel_gives_one_joined_booking(app, world):
    uscc, ent_id = world.state_ent.uscc, world.state_ent.id
    client = app.test_client()
    visit = client.post("/api/v1/inspections", headers=world.headers(world.em_inspector), json={
        "uscc": uscc, "date": "2026-11-26", "kind": "complaint", "subject": "投诉核查"}).get_json()["id"]
    headers = world.headers(world.inspector)
    requests = [(headers, {"uscc": uscc, "joint_with": visit, "kind": "routine", "subject": f"联合{i}"})
                for i in range(PARALLEL)]
    results = parallel_posts(app, requests)
    assert sorted(s for s, _ in results) == [201] + [409] * (PARALLEL - 1), results
    assert {b["error"]["code"] for s, b in results if s == 409} == {"duplicate_inspection"}
    assert _booked(ent_id) == 2
