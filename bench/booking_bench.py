"""Booking throughput under the serialised booking transaction (issue #6: BEGIN IMMEDIATE on SQLite, a row lock
on PostgreSQL), against a same-run baseline.

Builds a temporary SQLite file (the default database), 200 enterprises and one agency without a cap, then books
through the app (Flask test client, JSON included):

* baseline: one thread booking one enterprise after another (no waiting on the lock);
* 8 threads booking different enterprises at once (they queue on the write lock);
* 8 threads booking the same enterprise on different days at once (the contended case the cap guards).

It prints bookings per second and the median and worst latency of each, and the ratios to the baseline.
Set BENCH_DATABASE_URL=postgresql://… to run it on PostgreSQL instead.

Run: .venv/bin/python bench/booking_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N_ENTERPRISES = 200
PER_THREAD = 25
THREADS = 8
FIRST = date(2027, 1, 4)


def build(app) -> tuple[dict[str, str], list[str]]:
    from extensions import db
    from models import Department, Enterprise, Jurisdiction, User
    from operations.auth import issue_token
    from rules.uscc import make_uscc

    with app.app_context():
        city = Jurisdiction(code="430200", name="株洲市")
        db.session.add(city)
        db.session.flush()
        dept = Department(code="zz-amr", name="株洲市市场监督管理局", jurisdiction_id=city.id, inspects=True)
        db.session.add(dept)
        db.session.flush()
        usccs = []
        for i in range(N_ENTERPRISES):
            uscc = make_uscc("9", "1", "430200", f"MA{i:07d}")
            db.session.add(Enterprise(uscc=uscc, name=f"企业{i}", jurisdiction_id=city.id, ownership="state"))
            usccs.append(uscc)
        user = User(email="bench@example.gov.cn", name="bench", role="inspector", department_id=dept.id,
                    password_hash="x")
        db.session.add(user)
        db.session.commit()
        token = issue_token(user, "bench")
    return {"Authorization": f"Bearer {token}"}, usccs


def run(app, headers: dict[str, str], jobs: list[list[dict]]) -> tuple[float, list[float]]:
    """Each inner list is one thread's bookings; returns wall time and every booking's latency."""
    latencies: list[float] = []
    lock = threading.Lock()
    barrier = threading.Barrier(len(jobs))

    def work(payloads: list[dict]) -> None:
        client = app.test_client()
        barrier.wait()
        for payload in payloads:
            t0 = time.perf_counter()
            resp = client.post("/api/v1/inspections", json=payload, headers=headers)
            elapsed = time.perf_counter() - t0
            if resp.status_code != 201:
                raise RuntimeError(f"booking failed: {resp.status_code} {resp.get_json()}")
            with lock:
                latencies.append(elapsed)

    threads = [threading.Thread(target=work, args=(j,)) for j in jobs]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - t0, latencies


def payload(uscc: str, day: int, subject: str) -> dict:
    return {"uscc": uscc, "date": (FIRST + timedelta(days=day)).isoformat(), "kind": "routine",
            "subject": subject}


def report(name: str, wall: float, lat: list[float], base: float | None) -> float:
    rate = len(lat) / wall
    ratio = f"  ({rate / base:.2f}× baseline)" if base else ""
    print(f"{name:<42} {rate:7.1f} bookings/s  median {statistics.median(lat) * 1000:6.1f} ms  "
          f"worst {max(lat) * 1000:7.1f} ms{ratio}")
    return rate


def main() -> int:
    from app import create_app
    from tests.conftest import reset_schema

    tmp = tempfile.mkdtemp(prefix="zhengqi-booking-bench-")
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{tmp}/bench.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench", "TESTING": True})
    reset_schema(app)
    headers, usccs = build(app)
    print(f"database: {url.split(':', 1)[0]}; {THREADS} threads × {PER_THREAD} bookings")
    seq = [[payload(usccs[i], 0, f"基线{i}") for i in range(THREADS * PER_THREAD)]]
    wall, lat = run(app, headers, seq)
    base = report("baseline: 1 thread, one enterprise each", wall, lat, None)
    jobs = [[payload(usccs[(t * PER_THREAD + i) % N_ENTERPRISES], 1, f"并行{t}-{i}") for i in range(PER_THREAD)]
            for t in range(THREADS)]
    wall, lat = run(app, headers, jobs)
    report(f"{THREADS} threads, different enterprises", wall, lat, base)
    # One enterprise, one booking per day each (no cap on this agency): the most contended case.
    jobs = [[payload(usccs[0], 2 + t * PER_THREAD + i, f"同企{t}-{i}") for i in range(PER_THREAD)]
            for t in range(THREADS)]
    wall, lat = run(app, headers, jobs)
    report(f"{THREADS} threads, the same enterprise", wall, lat, base)
    return 0


if __name__ == "__main__":
    sys.exit(main())
