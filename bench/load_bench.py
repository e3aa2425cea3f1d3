"""Load under gunicorn, driven by wrk (issue 11): requests/s and p99 of a Flask hello-world, the app's /healthz,
GET /api/v1/check and an enterprise's /days for a month, all in the same run, with their ratios to hello-world;
and POST /api/v1/checks for 10,000 enterprises × 366 days in ranges form, end to end over HTTP.

Configurations: SQLite with the demo data, PostgreSQL with the demo data, and PostgreSQL with the province data
set (2,000 policies, 100,000 enterprises, 1,000,000 inspections; `flask bench-data`, loaded if missing). Each
server is gunicorn with 2 sync workers, as on this 2-core machine; wrk uses 16 connections. Any non-2xx answer
or socket error fails the run.

Targets (ratios in one run): check ≥ 40 % of hello-world, /healthz ≥ 70 %; bulk in ranges ≤ 1 s.
Run: .venv/bin/python bench/load_bench.py [--duration 5] [--rounds 3] [--only sqlite|pg|pg-province]
The four measurements run in turn, --rounds times, and the median of each is compared (one round's burst of
other work on the machine would otherwise move the baseline alone).
PostgreSQL: BENCH_PG_URL (default postgresql://postgres@127.0.0.1:5432/zq_scale, recreated) for the demo data, and
BENCH_DATABASE_URL (default …/zq_scale_bench) for the province; skipped if PostgreSQL is not reachable.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

# bench/ itself is on the path: it is the folder of the script run.
from gunicorn_load import WORKERS, Result, Server, wrk

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_URL = os.environ.get("BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/zq_scale")
PROVINCE_URL = os.environ.get("BENCH_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/zq_scale_bench")
CHECK_TARGET, HEALTHZ_TARGET, BULK_TARGET_S = 0.40, 0.70, 1.0


def _get(url: str, headers: dict[str, str]) -> int:
    req = urllib.request.Request(url, headers=headers)  # noqa: S310
    with urllib.request.urlopen(req, timeout=30) as resp:  # noqa: S310
        resp.read()
        return resp.status


# ------------------------------------------------------------------------------------------ data


def _prepare(url: str, province: bool) -> dict[str, str]:
    """Schema and data in ``url``; returns the token, an enterprise and the USCCs for the bulk request."""
    from flask_migrate import upgrade
    from sqlalchemy import func, select

    from app import create_app
    from config import normalize_database_url
    from demo import bench_data, run_demo
    from demo import reference as demo_reference
    from extensions import db
    from models import Enterprise, User
    from operations.auth import issue_token

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalize_database_url(url)})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        if province:
            if db.session.scalar(select(func.count()).select_from(Enterprise)) < 100_000:
                print("  loading the province data set (flask bench-data)…", flush=True)
                bench_data.generate(echo=lambda line: print(line, flush=True))
            email, uscc = bench_data.INSPECTOR_EMAIL, bench_data.make_uscc("9", "1", "990101", "BD0000000")
            bulk = list(db.session.scalars(select(Enterprise.uscc).where(Enterprise.uscc.like("9199%"))
                                           .order_by(Enterprise.id).limit(10_000)))
        else:
            run_demo()
            email, uscc = "inspector@zhengqi.demo", demo_reference.enterprise_uscc(0)
            bulk = []
        user = db.session.scalar(select(User).where(User.email == email))
        token = issue_token(user, "load bench")
        db.engine.dispose()
    return {"token": token, "uscc": uscc, "bulk": json.dumps(bulk)}


def _ensure_pg(url: str, recreate: bool = False) -> bool:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from config import normalize_database_url

    target = make_url(normalize_database_url(url))
    try:
        admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if recreate:  # the demo data on the schema of this checkout, whatever ran there before
                conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": target.database}).scalar():
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
        admin.dispose()
        return True
    except Exception as err:
        print(f"  skipped: PostgreSQL not reachable at {url} ({err.__class__.__name__})")
        return False


# ------------------------------------------------------------------------------------------ run


def _median(results: list[Result]) -> Result:
    """The run with the median requests/s (its p99 with it); errors summed over every run."""
    ordered = sorted(results, key=lambda r: r.rps)
    mid = ordered[len(ordered) // 2]
    return Result(mid.name, mid.rps, mid.p99_ms, sum(r.errors for r in results), mid.cpu_app_us, mid.cpu_db_us,
                  mid.cpu_wrk_us)


def run_config(label: str, url: str, province: bool, duration: int,
               rounds: int) -> tuple[list[Result], float | None]:
    print(f"\n== {label}", flush=True)
    data = _prepare(url, province)
    env = {"DATABASE_URL": url, "SECRET_KEY": "load-bench", "ZHENGQI_ENV": "development"}
    headers = {"Authorization": f"Bearer {data['token']}"}
    check = f"/api/v1/check?uscc={data['uscc']}&date=2026-11-23&kind=routine"
    days = f"/api/v1/enterprises/{data['uscc']}/days?from=2026-11-01&to=2026-11-30&kind=routine"
    bulk_s = None
    hello = Server("hello_app:app", {}, ROOT / "bench")
    server = Server("app:create_app()", env, ROOT)
    runs: dict[str, list[Result]] = {}
    try:
        for path in (check, days):  # each worker builds its engine before the clock starts
            for _ in range(WORKERS * 2):
                assert _get(server.url(path), headers) == 200, path
        # Rounds of every measurement in turn, both servers up (an idle one costs nothing): a burst of other
        # work on the machine then lowers one round of each, not the baseline alone, and the median is reported.
        for _ in range(rounds):
            for name, target, extra in (("hello-world Flask", hello.url("/"), None),
                                        ("GET /healthz", server.url("/healthz"), None),
                                        ("GET /api/v1/check", server.url(check), headers),
                                        ("GET …/days (a month)", server.url(days), headers)):
                runs.setdefault(name, []).append(wrk(name, target, duration, extra))
        usccs = json.loads(data["bulk"])
        if usccs:
            body = json.dumps({"kind": "routine", "from": "2026-07-01", "to": "2027-07-01", "format": "ranges",
                               "enterprises": usccs}).encode()
            times = []
            for _ in range(3):
                req = urllib.request.Request(server.url("/api/v1/checks"), data=body, method="POST",  # noqa: S310
                                             headers={**headers, "Content-Type": "application/json"})
                t = time.perf_counter()
                with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310
                    size = len(resp.read())
                    assert resp.status == 200
                times.append(time.perf_counter() - t)
            bulk_s = min(times)
            print(f"  POST /api/v1/checks ranges, {len(usccs):,} × 366: best {bulk_s:.3f} s of "
                  f"{', '.join(f'{r:.3f}' for r in times)} ({size / 1e6:.2f} MB)   target ≤ {BULK_TARGET_S} s: "
                  f"{'OK' if bulk_s <= BULK_TARGET_S else 'MISSED'}")
    finally:
        server.stop()
        hello.stop()
    results = [_median(r) for r in runs.values()]
    base = results[0].rps
    targets = {"GET /healthz": HEALTHZ_TARGET, "GET /api/v1/check": CHECK_TARGET}
    print(f"  median of {rounds} rounds of {duration} s   each round's req/s in brackets")
    print(f"  {'':24} {'req/s':>9} {'p99 ms':>8} {'ratio':>7} {'errors':>7}   target")
    for r in results:
        target = targets.get(r.name)
        verdict = "" if target is None else f"≥ {target:.0%}: {'OK' if r.rps >= target * base else 'MISSED'}"
        each = ", ".join(f"{x.rps:.0f}" for x in runs[r.name])
        print(f"  {r.name:24} {r.rps:9.0f} {r.p99_ms:8.1f} {r.rps / base:7.0%} {r.errors:7}   {verdict:14} [{each}]")
    print("  CPU per request (µs, the median round): the app's gunicorn processes, PostgreSQL's, wrk's")
    for r in results:
        print(f"  {r.name:24} app {r.cpu_app_us:7.0f}   PostgreSQL {r.cpu_db_us:6.0f}   wrk {r.cpu_wrk_us:5.0f}")
    return results, bulk_s


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds; the median is reported")
    parser.add_argument("--only", choices=("sqlite", "pg", "pg-province"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install wrk")
        return 1
    os.environ.setdefault("SECRET_KEY", "load-bench")
    configs = []
    tmp = tempfile.mkdtemp(prefix="zhengqi-load-")
    if args.only in (None, "sqlite"):
        configs.append(("SQLite, demo data", f"sqlite:///{tmp}/load.sqlite3", False))
    if args.only in (None, "pg") and _ensure_pg(PG_URL, recreate=True):
        configs.append(("PostgreSQL, demo data", PG_URL, False))
    if args.only in (None, "pg-province") and _ensure_pg(PROVINCE_URL):
        configs.append(("PostgreSQL, 2,000 policies / 100,000 enterprises / 1,000,000 inspections", PROVINCE_URL,
                        True))
    ok = True
    for label, url, province in configs:
        results, bulk_s = run_config(label, url, province, args.duration, args.rounds)
        base = results[0].rps
        by_name = {r.name: r for r in results}
        ok &= all(r.errors == 0 for r in results)
        ok &= by_name["GET /api/v1/check"].rps >= CHECK_TARGET * base
        ok &= by_name["GET /healthz"].rps >= HEALTHZ_TARGET * base
        ok &= bulk_s is None or bulk_s <= BULK_TARGET_S
    print(f"\ntargets {'met' if ok else 'MISSED'} (errors must be 0)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
