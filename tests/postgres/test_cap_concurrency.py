"""Parallel bookings never exceed a frequency cap (SPEC §3.3): the booking locks the enterprise row
(SELECT … FOR UPDATE) before counting, so on PostgreSQL concurrent requests queue behind one another."""

from __future__ import annotations

import threading
from datetime import date, timedelta

import pytest

from extensions import db
from models import AuditLog, Inspection
from tests import quietdays_fixtures as qf
from tests.conftest import require_postgres

world, today = qf.world, qf.today
pytestmark = pytest.mark.postgres

THREADS = 8


def _parallel_bookings(app, headers: dict, payloads: list[dict]) -> list[tuple[int, dict]]:
    barrier = threading.Barrier(len(payloads))
    results: list[tuple[int, dict] | None] = [None] * len(payloads)

    def run(i: int) -> None:
        client = app.test_client()  # its own request context, app context and database session
        barrier.wait()
        resp = client.post("/api/v1/inspections", json=payloads[i], headers=headers)
        results[i] = (resp.status_code, resp.get_json())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(payloads))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert all(r is not None for r in results), "a booking thread did not finish"
    return results  # type: ignore[return-value]


def test_department_cap_holds_under_parallel_bookings(app, world):
    require_postgres()
    ent = world.state_ent  # no quiet-day policy covers it: only the cap (zz-amr: 2 per year) can refuse
    headers = world.headers(world.inspector)
    payloads = [
        {
            "uscc": ent.uscc,
            "date": (date(2026, 11, 26) + timedelta(days=i)).isoformat(),
            "kind": "routine",
            "subject": f"并发预约{i}",
        }
        for i in range(THREADS)
    ]
    results = _parallel_bookings(app, headers, payloads)
    statuses = sorted(status for status, _ in results)
    assert statuses == [201] * 2 + [409] * (THREADS - 2), results
    refused = [body["error"] for status, body in results if status == 409]
    assert {e["code"] for e in refused} == {"frequency_cap"}
    assert {(e["details"]["limit"], e["details"]["used"]) for e in refused} == {(2, 2)}
    db.session.expire_all()
    assert db.session.query(Inspection).filter_by(enterprise_id=ent.id).count() == 2
    assert db.session.query(AuditLog).filter_by(entity="inspection").count() == 2


def test_jurisdiction_cap_holds_across_agencies(app, world):
    require_postgres()
    world.zhuzhou.annual_inspection_cap = 1
    db.session.commit()
    uscc = world.state_ent.uscc  # plain values only: model attributes cannot be loaded inside the threads
    tokens = [world.headers(u) for u in (world.inspector, world.em_inspector)] * (THREADS // 2)
    barrier = threading.Barrier(THREADS)
    statuses: list[int] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        client = app.test_client()
        barrier.wait()
        resp = client.post(
            "/api/v1/inspections",
            headers=tokens[i],
            json={
                "uscc": uscc,
                "date": (date(2026, 11, 26) + timedelta(days=i)).isoformat(),
                "kind": "random",
                "subject": f"并发{i}",
            },
        )
        with lock:
            statuses.append(resp.status_code)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert sorted(statuses) == [201] + [409] * (THREADS - 1)
    db.session.expire_all()
    assert db.session.query(Inspection).filter_by(enterprise_id=world.state_ent.id).count() == 1
