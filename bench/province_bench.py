"""Province scale on PostgreSQL: a check, an enterprise's year and the inspections list with the bench data set
(2,000 policies, 100,000 enterprises, 1,000,000 inspections; `flask bench-data`) against the demo data, in the
same run (issue 11).

For each request it prints the median latency through the app (Flask test client, JSON included) on both data
sets and the ratio, the number of SQL queries (an N+1 would show as dozens), and EXPLAIN ANALYZE of every query
the request ran on the bench data: any sequential scan of a large table is flagged.

Needs PostgreSQL: BENCH_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/zq_scale_bench). The bench data
set is loaded there if missing (about two minutes); the demo data goes to "<db>_demo", recreated each run.
Run: .venv/bin/python bench/province_bench.py
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/zq_scale_bench"
REPEAT = 30
BIG_TABLES = ("inspections", "enterprises", "policy_enterprises", "policy_exceptions", "audit_log")
# "As fast as with demo data": within this factor (plus a millisecond of noise) per request.
SLOWDOWN_TARGET = 2.0


def _admin_engine(url: str):
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from config import normalize_database_url

    return create_engine(make_url(normalize_database_url(url)).set(database="postgres"),
                         isolation_level="AUTOCOMMIT")


def _ensure_database(url: str, *, recreate: bool) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    engine = _admin_engine(url)
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
        if exists and recreate:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            exists = False
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()


def _drop_database(url: str) -> None:
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    engine = _admin_engine(url)
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    engine.dispose()


def _app(url: str):
    from flask_migrate import upgrade

    from app import create_app
    from config import normalize_database_url

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalize_database_url(url), "TESTING": True})
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    return app


def _token(app, email: str) -> dict[str, str]:
    from sqlalchemy import select

    from extensions import db
    from models import User
    from operations.auth import issue_token

    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        return {"Authorization": f"Bearer {issue_token(user, 'bench')}"}


class Recorder:
    """Every statement the app sends, with its parameters, for counting and EXPLAIN."""

    def __init__(self, app) -> None:
        from sqlalchemy import event

        from extensions import db

        self.on = False
        self.statements: list[tuple[str, Any]] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, parameters, _context, _many) -> None:
        if self.on:
            self.statements.append((statement, parameters))


def measure(app, recorder: Recorder, url: str, headers: dict[str, str]) -> tuple[float, list[tuple[str, Any]]]:
    client = app.test_client()
    for _ in range(3):  # warm: the engine snapshot, the token's hourly stamp
        resp = client.get(url, headers=headers)
        assert resp.status_code == 200, (url, resp.get_data(as_text=True)[:300])
    times = []
    for _ in range(REPEAT):
        t = time.perf_counter()
        resp = client.get(url, headers=headers)
        resp.get_data()
        times.append(time.perf_counter() - t)
    recorder.statements = []
    recorder.on = True
    client.get(url, headers=headers).get_data()
    recorder.on = False
    return statistics.median(times), list(recorder.statements)


def explain(app, statements: list[tuple[str, Any]]) -> list[str]:
    """EXPLAIN ANALYZE each SELECT; returns warnings for sequential scans of large tables."""
    from extensions import db

    warnings = []
    with app.app_context():
        raw = db.engine.raw_connection()
        try:
            cur = raw.cursor()
            for statement, params in statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                cur.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY ON) " + statement, params)
                plan = [row[0] for row in cur.fetchall()]
                first = " ".join(statement.split())[:110]
                print(f"      -- {first}…")
                for line in plan:
                    print(f"         {line}")
                    for table in BIG_TABLES:
                        if f"Seq Scan on {table}" in line:
                            warnings.append(f"sequential scan of {table}: {first}")
            raw.rollback()
        finally:
            raw.close()
    return warnings


def main() -> int:
    os.environ.setdefault("SECRET_KEY", "bench")
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    try:
        _ensure_database(url, recreate=False)
    except Exception as err:
        print(f"skipped: PostgreSQL not reachable at {url} ({err.__class__.__name__})")
        return 0
    demo_url = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_demo"
    _ensure_database(demo_url, recreate=True)

    from sqlalchemy import func, select

    from demo import bench_data, run_demo
    from demo import reference as demo_reference
    from extensions import db
    from models import Enterprise, Inspection

    big = _app(url)
    with big.app_context():
        if db.session.scalar(select(func.count()).select_from(Enterprise)) < 100_000:
            print("loading the bench data set (flask bench-data)…", flush=True)
            bench_data.generate(echo=lambda line: print(line, flush=True))
        sizes = (db.session.scalar(select(func.count()).select_from(Enterprise)),
                 db.session.scalar(select(func.count()).select_from(Inspection)))
    small = _app(demo_url)
    with small.app_context():
        run_demo()

    big_uscc = bench_data.make_uscc("9", "1", bench_data.DISTRICTS[bench_data.CITIES[0]][0], "BD0000000")
    demo_uscc = demo_reference.enterprise_uscc(0)
    cases: list[tuple[str, Callable[[str, str], str], str]] = [
        ("GET /api/v1/check", lambda u, _d: f"/api/v1/check?uscc={u}&date=2026-11-23&kind=routine", "inspector"),
        ("GET …/days, a year", lambda u, _d: f"/api/v1/enterprises/{u}/days?from=2026-01-01&to=2026-12-31"
                                             "&kind=routine", "inspector"),
        ("GET /api/v1/inspections (agency)", lambda _u, _d: "/api/v1/inspections", "inspector"),
        ("GET /api/v1/inspections (admin, all)", lambda _u, _d: "/api/v1/inspections", "admin"),
        ("GET /api/v1/inspections?uscc=", lambda u, _d: f"/api/v1/inspections?uscc={u}", "admin"),
        ("GET /api/v1/inspections?department=&from=&to=",
         lambda _u, d: f"/api/v1/inspections?department={d}&from=2026-03-01&to=2026-03-31", "admin"),
    ]
    logins = {"big": {"inspector": _token(big, bench_data.INSPECTOR_EMAIL),
                      "admin": _token(big, bench_data.ADMIN_EMAIL)},
              "small": {"inspector": _token(small, "inspector@zhengqi.demo"),
                        "admin": _token(small, "admin@zhengqi.demo")}}
    rec_big, rec_small = Recorder(big), Recorder(small)
    print(f"\nbench data: {sizes[0]:,} enterprises, {sizes[1]:,} inspections; demo data in "
          f"{demo_url.rsplit('/', 1)[1]}")
    print(f"{'request':44} {'demo ms':>8} {'bench ms':>9} {'ratio':>6} {'queries':>8}   "
          f"target ≤ {SLOWDOWN_TARGET}× (+1 ms)")
    ok = True
    all_warnings: list[str] = []
    plans: list[tuple[str, list[tuple[str, Any]]]] = []
    for name, make_url, role in cases:
        t_small, _q = measure(small, rec_small, make_url(demo_uscc, "zz-amr"), logins["small"][role])
        t_big, stmts = measure(big, rec_big, make_url(big_uscc, f"bench-{bench_data.CITIES[0]}"), logins["big"][role])
        ratio = t_big / t_small
        met = t_big <= SLOWDOWN_TARGET * t_small + 0.001
        ok &= met
        print(f"{name:44} {t_small * 1000:8.2f} {t_big * 1000:9.2f} {ratio:5.2f}× {len(stmts):8}   "
              f"{'OK' if met else 'MISSED'}")
        plans.append((name, stmts))
    print("\nEXPLAIN ANALYZE of every query of each request on the bench data:")
    for name, stmts in plans:
        print(f"  {name}")
        all_warnings += explain(big, stmts)
    for w in all_warnings:
        print(f"WARNING {w}")
    _drop_database(demo_url)  # leave no demo copy behind
    print(f"\ntargets {'met' if ok and not all_warnings else 'MISSED'}")
    return 0 if ok and not all_warnings else 1


if __name__ == "__main__":
    raise SystemExit(main())
