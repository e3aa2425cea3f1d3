"""Calendar feed benchmark.

Builds a temporary SQLite database: 6 jurisdictions, 3,000 enterprises, 50 policies of all four rule types with
500 exceptions, one busy agency with 1,000 inspections inside the published window (the most a feed may hold
before Google's 1 MB limit), and 140 breakfast meetings hosted by one official. Then:

1. **Render time of the largest personal feed** (the agency's inspector feed; the enterprise feed — quiet days,
   inspections, meetings — and an official's meetings are timed too),
   cold (a fresh engine per render, as a request builds it) — target ≤ 0.5 s — and its size (target < 1 MB).
2. **Throughput of the 304 path** — GET /feeds/<token>.ics with a matching If-None-Match — against the app's
   trivial endpoint /healthz (one SELECT 1) in the same run, same gunicorn server (2 sync workers). Target: the
   304 path serves ≥ 60 % of the trivial endpoint's requests per second. Load comes from `wrk` when installed
   (a C client that leaves the cores to the server), else from Python threads.

Run: .venv/bin/python bench/feeds_bench.py
"""

from __future__ import annotations

import http.client
import os
import random
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

# bench/ itself is on the path: it is the folder of the script run.
from gunicorn_load import Server, wrk
from random_policies import random_exceptions, random_rules

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

N_ENTERPRISES = 3_000
N_POLICIES = 50
N_EXCEPTIONS = 500
N_INSPECTIONS = 1_000
N_MEETINGS = 140
RENDER_TARGET_S = 0.5
RATIO_TARGET = 0.60
DURATION_S = 5
JURISDICTIONS = [("430000", "湖南省", None), ("430200", "株洲市", "430000"), ("430202", "荷塘区", "430200"),
                 ("430203", "芦淞区", "430200"), ("430211", "天元区", "430200"), ("430212", "渌口区", "430200")]
OWNERSHIPS = ("private", "state", "foreign", "collective", "individual")


def build(app) -> dict[str, str]:
    """The data set; returns feed tokens by role."""
    from sqlalchemy import insert, select

    from extensions import db
    from models import Department, Enterprise, Inspection, Jurisdiction, PolicyException, QuietDayPolicy, User
    from models.policy import policy_enterprises
    from operations import checks, feed_tokens
    from rules.uscc import make_uscc

    rng = random.Random(20261123)
    today = checks.local_today()
    with app.app_context():
        ids: dict[str, int] = {}
        for code, name, parent in JURISDICTIONS:
            row = Jurisdiction(code=code, name=name, parent_id=ids.get(parent))
            db.session.add(row)
            db.session.flush()
            ids[code] = row.id
        dept = Department(code="zz-amr", name="株洲市市场监督管理局", jurisdiction_id=ids["430200"], inspects=True)
        db.session.add(dept)
        db.session.flush()
        districts = [c for c, _n, p in JURISDICTIONS if p == "430200"]
        db.session.execute(insert(Enterprise), [
            {"uscc": make_uscc("9", "1", "430200", f"MF{i:07d}"), "name": f"株洲市第{i}号精密制造有限责任公司",
             "jurisdiction_id": ids[districts[i % len(districts)]], "ownership": OWNERSHIPS[i % 5],
             "size": "above_scale" if i % 3 == 0 else None} for i in range(N_ENTERPRISES)])
        ent_ids = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        rules = random_rules(rng, N_POLICIES, today, (-30, 300))
        db.session.execute(insert(QuietDayPolicy), [
            {"jurisdiction_id": ids[JURISDICTIONS[1 + i % 5][0]], "title": f"宁静日政策第{i}号（民营企业）",
             "rule": rules[i], "valid_from": date(2025, 1, 1), "valid_until": None, "status": "active",
             "ownership": [] if i % 2 else ["private"], "sizes": [], "blocked_kinds": ["routine", "random"],
             "binds": "level_and_below"} for i in range(N_POLICIES)])
        pids = list(db.session.scalars(select(QuietDayPolicy.id).order_by(QuietDayPolicy.id)))
        db.session.execute(insert(policy_enterprises), [
            {"policy_id": pids[3 + 10 * k], "enterprise_id": ent_ids[0]} for k in range(5)])
        db.session.execute(insert(PolicyException), random_exceptions(rng, pids, N_EXCEPTIONS, today, (-30, 400)))
        db.session.execute(insert(Inspection), [
            {"enterprise_id": ent_ids[0] if i % 50 == 0 else rng.choice(ent_ids), "department_id": dept.id,
             "date": today + timedelta(days=rng.randint(-30, 400)), "kind": "routine",
             "subject": "食品安全与特种设备日常监督检查", "status": rng.choice(("planned", "planned", "cancelled"))}
            for i in range(N_INSPECTIONS)])
        inspector = User(email="inspector@bench.gov.cn", name="检查员", role="inspector", department_id=dept.id,
                         password_hash="x")
        enterprise = User(email="ent@bench.gov.cn", name="企业联络员", role="enterprise", enterprise_id=ent_ids[0],
                          password_hash="x")
        official = User(email="mayor@bench.gov.cn", name="市长", role="official", password_hash="x")
        db.session.add_all([inspector, enterprise, official])
        db.session.flush()
        # Breakfast meetings every few days across the window, hosted by the official; the bench enterprise
        # is invited to every fourth.
        from models.meeting import Invitation, Meeting, meeting_hosts

        starts = [datetime.combine(today + timedelta(days=3 * i - 30), datetime.min.time()) for i in range(N_MEETINGS)]
        db.session.execute(insert(Meeting), [
            {"kind": "breakfast", "title": f"政企早餐会第{i + 1}期", "starts_at": s - timedelta(hours=0, minutes=30),
             "ends_at": s + timedelta(hours=1), "venue": "市委小会议室", "capacity": 6,
             "status": "cancelled" if i % 10 == 9 else "scheduled", "sequence": i % 3}
            for i, s in enumerate(starts)])
        meeting_ids = list(db.session.scalars(select(Meeting.id).order_by(Meeting.id)))
        db.session.execute(insert(meeting_hosts), [{"meeting_id": m, "user_id": official.id} for m in meeting_ids])
        db.session.execute(insert(Invitation), [
            {"meeting_id": m, "enterprise_id": ent_ids[0], "status": "accepted"} for m in meeting_ids[::4]])
        db.session.commit()
        return {"inspector": feed_tokens.issue(inspector), "enterprise": feed_tokens.issue(enterprise),
                "official": feed_tokens.issue(official)}


def time_renders(app, tokens: dict[str, str]) -> dict[str, dict[str, float | int]]:
    """Per role: best and median of 5 renders, each in a fresh request (fresh engine, fresh queries).

    ``cold``: the memo of serialised events emptied first — the first render of a feed in a new process.
    ``rerender``: the memo kept — what a change costs afterwards (only changed events are serialised again)."""
    from operations import feed_tokens
    from operations import feeds as of
    from rules import feeds as rf

    out: dict[str, dict[str, float | int]] = {}
    for role, token in tokens.items():
        row: dict[str, float | int] = {}
        for mode in ("cold", "rerender"):
            runs, body = [], b""
            for _ in range(5):
                if mode == "cold":
                    rf._event_bytes.cache_clear()
                with app.test_request_context("/", base_url="https://bench.example.gov.cn"):
                    t = time.perf_counter()
                    owner = feed_tokens.owner_for(token)
                    body = of.personal_feed(owner).render("bench.example.gov.cn")
                    runs.append(time.perf_counter() - t)
            row[f"{mode}_best"], row[f"{mode}_median"] = min(runs), statistics.median(runs)
            row["bytes"], row["events"] = len(body), body.count(b"BEGIN:VEVENT")
        out[role] = row
    return out


def json_baseline(app) -> float:
    """The same agency's inspections as JSON through the API (best of 5): what the app spends on these rows
    when no iCalendar is involved."""
    from models import User
    from operations.auth import issue_token

    with app.app_context():
        user = User.query.filter_by(email="inspector@bench.gov.cn").one()
        headers = {"Authorization": f"Bearer {issue_token(user, 'bench')}"}
    client = app.test_client()
    runs = []
    for _ in range(5):
        t = time.perf_counter()
        for offset in (0, 500):
            resp = client.get(f"/api/v1/inspections?limit=500&offset={offset}", headers=headers)
            assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
        runs.append(time.perf_counter() - t)
    return min(runs)


def get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        conn.close()


def load_wrk(port: int, path: str, headers: dict[str, str], seconds: int) -> float:
    result = wrk(path, f"http://127.0.0.1:{port}{path}", seconds, headers, connections=8)
    if result.errors:
        raise RuntimeError(f"{result.errors} errors under load on {path}")
    return result.rps


def load_threads(port: int, path: str, headers: dict[str, str], seconds: int) -> float:
    count = [0] * 8
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        while time.perf_counter() < stop:
            status, _h, _b = get(port, path, headers)
            assert status in (200, 304), status
            count[i] += 1

    threads = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(count) / seconds


def throughput(db_url: str, tokens: dict[str, str]) -> tuple[float, dict[str, float], str]:
    """Requests per second of /healthz and of each feed's 304 path, interleaved, best of 2 runs each."""
    server = Server("app:create_app()", {"DATABASE_URL": db_url, "SECRET_KEY": "bench",
                                         "FEED_RATE_LIMIT": "100000000 per minute"}, ROOT)
    port = server.port
    try:
        conds = {}
        for role, token in tokens.items():
            path = f"/feeds/{token}.ics"
            status, headers, body = get(port, path)
            assert status == 200 and body.startswith(b"BEGIN:VCALENDAR"), status
            cond = {"If-None-Match": headers["ETag"]}
            # Each worker renders once to learn this validator's ETag; afterwards every request is a 304.
            for _ in range(20):
                get(port, path, cond)
            assert get(port, path, cond)[0] == 304
            conds[role] = (path, cond)
        load, tool = (load_wrk, "wrk") if shutil.which("wrk") else (load_threads, "python threads")
        trivial: list[float] = []
        feeds: dict[str, list[float]] = {role: [] for role in conds}
        for _ in range(2):  # interleaved, so a noisy neighbour hits all alike
            trivial.append(load(port, "/healthz", {}, DURATION_S))
            for role, (path, cond) in conds.items():
                feeds[role].append(load(port, path, cond, DURATION_S))
        return max(trivial), {role: max(v) for role, v in feeds.items()}, tool
    finally:
        server.stop()


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="zhengqi-feeds-bench-")
    db_url = f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.setdefault("SECRET_KEY", "bench")
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": db_url, "TESTING": True})
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    t0 = time.perf_counter()
    tokens = build(app)
    print(f"built {N_ENTERPRISES:,} enterprises, {N_POLICIES} policies, {N_EXCEPTIONS} exceptions, "
          f"{N_INSPECTIONS:,} inspections in {time.perf_counter() - t0:.1f} s")

    print(f"load average (1, 5, 15 min) on this {os.cpu_count()}-core machine: "
          + ", ".join(f"{x:.1f}" for x in os.getloadavg()))
    renders = time_renders(app, tokens)
    largest = max(renders, key=lambda r: renders[r]["bytes"])
    print("\nrender (token lookup, queries, iCalendar bytes; the engine is cached per quiet-day generation), "
          "best / median of 5:")
    for role, r in renders.items():
        mark = "  <- largest" if role == largest else ""
        print(f"  {role:10s} cold {r['cold_best']:6.3f} / {r['cold_median']:6.3f} s   re-render "
              f"{r['rerender_best']:6.3f} / {r['rerender_median']:6.3f} s   {r['events']:5d} events "
              f"{r['bytes'] / 1e3:7.1f} kB{mark}")
    big = renders[largest]
    json_s = json_baseline(app)
    print(f"  same-run baseline: GET /api/v1/inspections (JSON, the agency's {N_INSPECTIONS:,} rows in 2 pages): "
          f"{json_s:.3f} s → largest cold render = {big['cold_best'] / json_s:.1f}×, "
          f"re-render = {big['rerender_best'] / json_s:.1f}× the JSON listing")
    render_ok = big["cold_best"] <= RENDER_TARGET_S and big["bytes"] < 1_000_000
    print(f"  largest feed, cold: {big['cold_best']:.3f} s (target ≤ {RENDER_TARGET_S} s), "
          f"{big['bytes'] / 1e6:.2f} MB (target < 1 MB): {'OK' if render_ok else 'MISSED'}")

    trivial, feeds, tool = throughput(db_url, {largest: tokens[largest], "enterprise": tokens["enterprise"]})
    print(f"\nthroughput under gunicorn (2 sync workers, load by {tool}, best of 2 × {DURATION_S} s, interleaved):")
    print(f"  GET /healthz (trivial, SELECT 1):            {trivial:8.0f} req/s")
    ok = True
    for role, rate in feeds.items():
        ratio = rate / trivial
        verdict = "OK" if ratio >= RATIO_TARGET else "MISSED"
        ok = ok and ratio >= RATIO_TARGET
        print(f"  GET /feeds/<token>.ics → 304 ({role:10s}): {rate:8.0f} req/s   {ratio:4.0%} of trivial, "
              f"target ≥ {RATIO_TARGET:.0%}: {verdict}")
    return 0 if render_ok and ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
