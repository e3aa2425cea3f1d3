"""Follow-up ledger benchmark: the ledger page, the API list and the dashboard figures with 200,000 items, and the
export of 200,000 rows.

Builds the data in a PostgreSQL database (BENCH_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/
zq_followups_bench, created if missing; falls back to a temporary SQLite file when no PostgreSQL answers, and
says so). Measures, through the app (Flask test client: routing, access checks, templates and JSON included):

* p95 latency of each page at two sizes, 20,000 and 200,000 items (target ≤ 200 ms at 200,000);
* SQL statements per request at both sizes (target: the same count whatever the size);
* the CSV and XLSX export of all rows at both sizes, each in a fresh process: time and peak memory (RSS
  growth; target: bounded, i.e. about the same for 200,000 rows as for 20,000).

The machine is shared: /healthz (one SELECT 1) is measured in the same run as the baseline to read the
figures against.

Run: .venv/bin/python bench/followups_bench.py
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SIZES = (20_000, 200_000)
N_DEPARTMENTS = 30
N_ENTERPRISES = 5_000
REQUESTS = 40
TODAY = date(2026, 11, 19)
P95_TARGET_MS = 200.0
DEFAULT_PG = "postgresql://postgres@127.0.0.1:5432/zq_followups_bench"


def database_url() -> tuple[str, str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from config import normalize_database_url

    url = normalize_database_url(os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    try:
        base = make_url(url)
        admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": base.database}).scalar():
                conn.execute(text(f'CREATE DATABASE "{base.database}"'))
        admin.dispose()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        return url, "PostgreSQL"
    except Exception as err:
        print(f"PostgreSQL not available ({type(err).__name__}); using SQLite — figures are not the target's")
        return f"sqlite:///{tempfile.mkdtemp(prefix='zhengqi-bench-')}/bench.sqlite3", "SQLite"


def reference_data(app) -> dict:
    from sqlalchemy import insert, select

    from extensions import db
    from models import Department, Enterprise, Jurisdiction, User
    from operations.auth import issue_token
    from rules.uscc import make_uscc

    with app.app_context():
        city = Jurisdiction(code="430200", name="株洲市")
        db.session.add(city)
        db.session.flush()
        district = Jurisdiction(code="430212", name="渌口区", parent_id=city.id)
        db.session.add(district)
        db.session.flush()
        db.session.execute(insert(Department), [
            {"code": f"zz-d{i:02d}", "name": f"株洲市承办单位{i}", "jurisdiction_id": city.id, "handles": True,
             "inspects": False} for i in range(N_DEPARTMENTS)])
        db.session.execute(insert(Enterprise), [
            {"uscc": make_uscc("9", "1", "430200", f"MF{n:07d}"), "name": f"株洲企业{n}有限公司",
             "jurisdiction_id": district.id if n % 2 else city.id, "ownership": "private"}
            for n in range(N_ENTERPRISES)])
        dept_ids = list(db.session.scalars(select(Department.id).order_by(Department.id)))
        ent_ids = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        # 400 held sessions in 4 series, 6 guests each: the items name them (meeting_id 1..400).
        from models.meeting import Invitation, Meeting, MeetingSeries

        db.session.execute(insert(MeetingSeries), [
            {"id": k + 1, "name": f"政企早餐会{k + 1}", "jurisdiction_id": city.id, "kind": "breakfast"}
            for k in range(4)])
        start = datetime(2025, 12, 1, 23, 30)
        db.session.execute(insert(Meeting), [
            {"id": m + 1, "series_id": m % 4 + 1, "number": m // 4 + 1, "kind": "breakfast", "title": f"第{m}期",
             "starts_at": start - timedelta(days=m), "ends_at": start - timedelta(days=m) + timedelta(hours=1),
             "status": "held"} for m in range(400)])
        db.session.execute(insert(Invitation), [
            {"meeting_id": m + 1, "enterprise_id": ent_ids[(m * 6 + g) % len(ent_ids)], "status": "accepted"}
            for m in range(400) for g in range(6)])
        from werkzeug.security import generate_password_hash

        pw = generate_password_hash("bench-password", method="pbkdf2:sha256:1000")
        sec = User(email="sec@bench.gov.cn", name="秘书处", role="secretariat", password_hash=pw)
        dept_user = User(email="dept@bench.gov.cn", name="承办人", role="department", department_id=dept_ids[0],
                         password_hash=pw)
        db.session.add_all([sec, dept_user])
        db.session.commit()
        return {"dept_ids": dept_ids, "ent_ids": ent_ids, "sec_id": sec.id, "dept_user_id": dept_user.id,
                "sec_headers": {"Authorization": f"Bearer {issue_token(sec, 'bench')}"},
                "dept_headers": {"Authorization": f"Bearer {issue_token(dept_user, 'bench')}"}}


def add_items(app, ref: dict, start: int, count: int) -> None:
    """Items over the past year in every state, 30 % with an assisting department, 2 % supervised."""
    from sqlalchemy import insert

    from extensions import db
    from models.followup import FollowUp, follow_up_assists
    from rules.followups import due_date
    from rules.workdays import DEFAULT_CALENDAR

    rng = random.Random(start)
    levels = ("immediate", "joint", "leader")
    with app.app_context():
        for chunk in range(start, start + count, 10_000):
            rows, assists = [], []
            for n in range(chunk, min(chunk + 10_000, start + count)):
                assigned = TODAY - timedelta(days=rng.randint(0, 360))
                level = levels[n % 3]
                due = due_date(assigned, level, DEFAULT_CALENDAR)
                status = rng.choices(("assigned", "in_progress", "resolved", "closed"), (2, 3, 1, 4))[0]
                resolved = assigned + timedelta(days=rng.randint(1, 40)) if status in ("resolved", "closed") else None
                if resolved and resolved > TODAY:
                    resolved = TODAY
                rows.append({
                    "id": n + 1, "source": ("meeting", "visit", "request", "hotline")[n % 4],
                    "meeting_id": (n % 400) + 1 if n % 4 < 2 else None, "enterprise_id": rng.choice(ref["ent_ids"]),
                    "title": f"问题{n}：用地审批进度",
                    "description": "=企业反映的问题描述" if n % 97 == 0 else "企业反映的问题描述",
                    "category": "land", "lead_department_id": ref["dept_ids"][n % N_DEPARTMENTS], "level": level,
                    "workdays": {"immediate": 5, "joint": 15, "leader": 30}[level], "assigned_on": assigned,
                    "due_on": due, "status": status,
                    "last_progress_on": min(TODAY, assigned + timedelta(days=rng.randint(0, 30))),
                    "resolution": "已办结" if resolved else None, "resolved_on": resolved,
                    "closed_on": resolved if status == "closed" else None,
                    "close_reason": "rated" if status == "closed" else None, "reopen_count": 0,
                    "rating": rng.randint(1, 5) if status == "closed" else None,
                    "supervised_on": assigned if n % 50 == 0 else None, "created_at": datetime(2026, 11, 19),
                })
                if n % 10 < 3:
                    assists.append({"follow_up_id": n + 1,
                                    "department_id": ref["dept_ids"][(n + 7) % N_DEPARTMENTS]})
            if db.engine.dialect.name == "postgresql":
                _copy(db, FollowUp.__table__.name, rows)
                if assists:
                    _copy(db, follow_up_assists.name, assists)
            else:
                db.session.execute(insert(FollowUp), rows)
                if assists:
                    db.session.execute(insert(follow_up_assists), assists)
                db.session.commit()
        if db.engine.dialect.name == "postgresql":
            from sqlalchemy import text

            with db.engine.begin() as conn:
                for table in ("follow_ups", "meetings", "meeting_series"):
                    # table names are the constants above, never input
                    conn.execute(text(f"SELECT setval('{table}_id_seq', (SELECT max(id) FROM {table}))"))  # noqa: S608
            # What autovacuum does on a live database after a bulk load: statistics and the visibility map that
            # lets the dashboard's figures come from the covering index alone.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("VACUUM ANALYZE"))


def _copy(db, table: str, rows: list[dict]) -> None:
    """PostgreSQL COPY: building 200,000 rows takes seconds instead of minutes of INSERTs."""
    cols = list(rows[0])
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in cols])
        raw.commit()
    finally:
        raw.close()


class QueryCounter:
    def __init__(self, engine) -> None:
        from sqlalchemy import event

        self.count = 0
        event.listen(engine, "before_cursor_execute", self._hit)

    def _hit(self, *_args) -> None:
        self.count += 1


def measure(app, client, url: str, headers: dict | None, counter: QueryCounter) -> tuple[float, float, int]:
    client.get(url, headers=headers)  # warm-up (templates, calendar, plans)
    times, queries = [], set()
    for _ in range(REQUESTS):
        counter.count = 0
        t = time.perf_counter()
        resp = client.get(url, headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        queries.add(counter.count)
        assert resp.status_code == 200, (url, resp.status_code, resp.get_data(as_text=True)[:300])
    times.sort()
    p95 = times[int(0.95 * (len(times) - 1))]
    assert len(queries) == 1, f"query count varies between identical requests: {queries}"
    return statistics.median(times), p95, queries.pop()


def export_child(url: str, fmt: str) -> tuple[float, float, int]:
    """Run one export in a fresh process and return (seconds, peak RSS in MB, bytes): a process of its own so
    the peak is the export's (app included), not the bench's, which has held 10,000-row build batches."""
    import json
    import subprocess

    command = [sys.executable, __file__, "--export", fmt, url]  # our own script, our own database URL
    out = subprocess.run(command, capture_output=True, text=True, check=True,  # noqa: S603
                         cwd=Path(__file__).resolve().parent.parent)
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return data["seconds"], data["peak_mb"], data["bytes"]


def export_main(fmt: str, url: str) -> None:
    import json
    import resource

    from app import create_app
    from operations import checks

    checks.local_today = lambda: TODAY
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "RATELIMIT_ENABLED": False})
    with app.test_request_context():
        from flask_login import login_user
        from sqlalchemy import select

        from extensions import db
        from models import User
        from operations import followup_ledger as ledger

        login_user(db.session.scalar(select(User).where(User.email == "sec@bench.gov.cn")))
        t = time.perf_counter()
        export = ledger.export_csv if fmt == "csv" else ledger.export_xlsx
        chunks = export(_user(), {})
        size = sum(len(c) for c in chunks)
        elapsed = time.perf_counter() - t
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": elapsed, "peak_mb": peak / 1024, "bytes": size}))


def _user():
    from flask_login import current_user

    return current_user._get_current_object()


def main() -> int:
    os.environ.setdefault("SECRET_KEY", "bench")
    url, engine_name = database_url()
    from flask_migrate import upgrade

    from app import create_app
    from extensions import db
    from operations import checks

    checks.local_today = lambda: TODAY  # the figures must not depend on the day the bench runs
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "WTF_CSRF_ENABLED": False,
                      "RATELIMIT_ENABLED": False})
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    ref = reference_data(app)
    with app.app_context():
        counter = QueryCounter(db.engine)

    def logged_in(email: str):
        client = app.test_client()
        resp = client.post("/login", data={"email": email, "password": "bench-password"})
        assert resp.status_code == 302, resp.get_data(as_text=True)[:300]
        return client
    pages = [
        ("baseline: /healthz (SELECT 1)", "/healthz", "sec_page"),
        ("ledger page (secretariat)", "/follow-ups", "sec_page"),
        ("ledger page, red filter", "/follow-ups?warning=red", "sec_page"),
        ("department queue page", "/follow-ups", "dept_page"),
        ("API list (secretariat)", "/api/v1/follow-ups?limit=50", "sec_api"),
        ("API list, department, yellow", "/api/v1/follow-ups?warning=yellow&limit=50", "dept_api"),
        ("dashboard page", "/", "sec_page"),
        ("dashboard figures (stats.json)", "/follow-ups/stats.json", "sec_page"),
        ("API stats", "/api/v1/stats", "sec_api"),
    ]
    results: dict[str, list[tuple[float, float, int]]] = {name: [] for name, _u, _c in pages}
    exports: list[tuple[int, str, float, float, int]] = []
    built = 0
    ok = True
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine)")
    for size in SIZES:
        t = time.perf_counter()
        add_items(app, ref, built, size - built)
        built = size
        print(f"{engine_name}: {size:,} items built in {time.perf_counter() - t:.1f} s", flush=True)
        clients = {"sec_page": logged_in("sec@bench.gov.cn"), "dept_page": logged_in("dept@bench.gov.cn"),
                   "sec_api": app.test_client(), "dept_api": app.test_client()}
        headers = {"sec_page": None, "dept_page": None, "sec_api": ref["sec_headers"],
                   "dept_api": ref["dept_headers"]}
        for name, page_url, who in pages:
            results[name].append(measure(app, clients[who], page_url, headers[who], counter))
            median, p95, queries = results[name][-1]
            print(f"  {name:34} median {median:7.1f} ms  p95 {p95:7.1f} ms  {queries:3} SQL", flush=True)
        for fmt in ("csv", "xlsx"):
            elapsed, peak, nbytes = export_child(url, fmt)
            exports.append((size, fmt, elapsed, peak, nbytes))
            print(f"  export {fmt}: {elapsed:.1f} s, peak RSS {peak:.1f} MB", flush=True)
    print()
    print(f"{'page':34} " + "  ".join(f"{f'{s:,} items: median / p95 / SQL':>34}" for s in SIZES))
    for name, rows in results.items():
        cells = "  ".join(f"{m:>12.1f} ms {p:>8.1f} ms {q:>6} q" for m, p, q in rows)
        same = len({q for _m, _p, q in rows}) == 1
        fast = rows[-1][1] <= P95_TARGET_MS
        ok &= same and fast
        print(f"{name:34} {cells}   p95 ≤ {P95_TARGET_MS:.0f} ms: {'OK' if fast else 'MISSED'}; "
              f"queries constant: {'OK' if same else 'MISSED'}")
    print()
    for size, fmt, elapsed, peak, nbytes in exports:
        print(f"export {fmt.upper():4} {size:>8,} rows: {elapsed:6.2f} s, {nbytes / 1e6:6.1f} MB file, "
              f"peak RSS of the exporting process {peak:6.1f} MB")
    peaks = {fmt: [p for s, f, _e, p, _n in exports if f == fmt] for fmt in ("csv", "xlsx")}
    for fmt, (small, large) in peaks.items():
        bounded = large <= small * 1.25 + 10  # 10× the rows, at most a quarter more memory
        ok &= bounded
        print(f"  {fmt.upper()} peak memory at 10× the rows: {large / small if small else 0:.1f}× "
              f"— bounded: {'OK' if bounded else 'MISSED'}")
    print(f"load average at end: {os.getloadavg()[0]:.1f}")
    return 0 if ok else 1


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--export":
        export_main(sys.argv[2], sys.argv[3])
    else:
        raise SystemExit(main())
