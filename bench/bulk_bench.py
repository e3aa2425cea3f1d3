"""Bulk campaign planning benchmark: POST /api/v1/checks for 10,000 enterprises over 366 days.

Builds a temporary SQLite database (bulk inserts): 6 jurisdictions, 10,000 enterprises, 50 policies (all
four rule types, coverage by ownership/size and white lists) and 1,000 exceptions, plus 2,000 counted
inspections so caps matter. Then times, through the app (Flask test client, JSON encoding included):

* the bulk request end to end (target ≤ 2 s), and the engine-only share of it;
* the same in ``"format": "ranges"`` (target ≤ 1 s and < 5 MB, issue 11);
* a naive loop of single GET /api/v1/check requests over a sample, extrapolated to every enterprise-day,
  and the ratio naive / bulk (target ≥ 100×).

Run: .venv/bin/python bench/bulk_bench.py
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

# bench/ itself is on the path: it is the folder of the script run.
from random_policies import random_exceptions, random_rules

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N_ENTERPRISES = 10_000
N_POLICIES = 50
N_EXCEPTIONS = 1_000
N_INSPECTIONS = 2_000
START, END = date(2026, 1, 1), date(2027, 1, 1)  # 366 days, the most the API allows
NAIVE_SAMPLE = 300
JURISDICTIONS = [("430000", "湖南省", None), ("430200", "株洲市", "430000"), ("430202", "荷塘区", "430200"),
                 ("430203", "芦淞区", "430200"), ("430211", "天元区", "430200"), ("430212", "渌口区", "430200")]
OWNERSHIPS = ("private", "state", "foreign", "collective", "individual")
SIZES = ("above_scale", "large", "medium", "small", "micro", None)


def build(app) -> tuple[dict, list[str]]:
    from sqlalchemy import insert, select

    from extensions import db
    from models import Department, Enterprise, Inspection, Jurisdiction, PolicyException, QuietDayPolicy, User
    from models.policy import policy_enterprises
    from operations.auth import issue_token
    from rules.uscc import make_uscc

    rng = random.Random(20261122)
    with app.app_context():
        ids = {}
        for code, name, parent in JURISDICTIONS:
            row = Jurisdiction(code=code, name=name, parent_id=ids.get(parent),
                               annual_inspection_cap=3 if code == "430200" else None)
            db.session.add(row)
            db.session.flush()
            ids[code] = row.id
        dept = Department(code="zz-amr", name="株洲市市场监督管理局", jurisdiction_id=ids["430200"], inspects=True,
                          annual_inspection_cap=2)
        db.session.add(dept)
        db.session.flush()
        districts = [c for c, _n, p in JURISDICTIONS if p == "430200"] + ["430200"]
        usccs = [make_uscc("9", "1", "430200", f"MB{n:07d}") for n in range(N_ENTERPRISES)]
        db.session.execute(insert(Enterprise), [
            {"uscc": u, "name": f"企业{i}", "jurisdiction_id": ids[districts[i % len(districts)]],
             "ownership": OWNERSHIPS[i % 5], "size": SIZES[(i // 5) % 6]} for i, u in enumerate(usccs)])
        ent_ids = list(db.session.scalars(select(Enterprise.id).order_by(Enterprise.id)))
        rules = random_rules(rng, N_POLICIES, START, (0, 300))
        db.session.execute(insert(QuietDayPolicy), [
            {"jurisdiction_id": ids[JURISDICTIONS[1 + i % 5][0]], "title": f"政策{i}", "rule": rules[i],
             "valid_from": date(2025, 1, 1), "valid_until": None if i % 3 else date(2026, 9, 30),
             "status": "active" if i % 10 else "draft",
             "ownership": [OWNERSHIPS[i % 5]] if i % 2 else [], "sizes": ["above_scale"] if i % 7 == 0 else [],
             "blocked_kinds": ["routine", "random"], "binds": "level" if i % 6 == 0 else "level_and_below"}
            for i in range(N_POLICIES)])
        pids = list(db.session.scalars(select(QuietDayPolicy.id).order_by(QuietDayPolicy.id)))
        # Five white lists of 40 enterprises each.
        db.session.execute(insert(policy_enterprises), [
            {"policy_id": pids[3 + 10 * k], "enterprise_id": eid}
            for k in range(5) for eid in rng.sample(ent_ids, 40)])
        db.session.execute(insert(PolicyException), random_exceptions(rng, pids, N_EXCEPTIONS, START, (0, 364)))
        db.session.execute(insert(Inspection), [
            {"enterprise_id": rng.choice(ent_ids), "department_id": dept.id,
             "date": START + timedelta(days=rng.randint(0, 300)), "kind": "routine", "subject": "bench",
             "status": "completed"} for _ in range(N_INSPECTIONS)])
        user = User(email="bench@example.gov.cn", name="bench", role="inspector", department_id=dept.id,
                    password_hash="x")
        db.session.add(user)
        db.session.commit()
        headers = {"Authorization": f"Bearer {issue_token(user, 'bench')}"}
    return headers, usccs


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="zhengqi-bench-")
    os.environ.setdefault("SECRET_KEY", "bench")
    from flask_migrate import upgrade

    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "TESTING": True,
                      "WTF_CSRF_ENABLED": False})
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    t0 = time.perf_counter()
    headers, usccs = build(app)
    print(f"built {N_ENTERPRISES:,} enterprises, {N_POLICIES} policies, {N_EXCEPTIONS:,} exceptions, "
          f"{N_INSPECTIONS:,} inspections in {time.perf_counter() - t0:.1f} s")
    days = (END - START).days + 1
    client = app.test_client()
    payload = {"kind": "routine", "from": START.isoformat(), "to": END.isoformat(), "enterprises": usccs}

    client.post("/api/v1/checks", json={**payload, "enterprises": usccs[:10]}, headers=headers)  # warm-up
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        resp = client.post("/api/v1/checks", json=payload, headers=headers)
        resp.get_data()  # the answer is streamed: read it all, as a client must
        runs.append(time.perf_counter() - t)
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    body = resp.get_json()
    assert len(body["results"]) == N_ENTERPRISES
    allowed = sum(len(v["allowed_dates"]) for v in body["results"].values())
    bulk = min(runs)
    dates_bytes = len(resp.data)

    # The compact form (issue 11): [from, to] runs, streamed; timed until the last byte is read.
    range_runs = []
    for _ in range(3):
        t = time.perf_counter()
        ranged = client.post("/api/v1/checks", json={**payload, "format": "ranges"}, headers=headers)
        ranges_bytes = len(ranged.get_data())
        range_runs.append(time.perf_counter() - t)
        assert ranged.status_code == 200
    ranges_best = min(range_runs)
    n_runs = sum(len(v["allowed_ranges"]) for v in ranged.get_json()["results"].values())

    # Engine-only share: the same inputs, built once, then only Engine.bulk_allowed.
    from operations import checks
    from rules import quietdays as qd

    with app.test_request_context():
        from flask_login import login_user

        from models import User

        login_user(User.query.filter_by(email="bench@example.gov.cn").one())
        t = time.perf_counter()
        rows = checks._load_enterprises(usccs)
        juris = checks.jurisdictions()
        ents = [qd.Enterprise(u, juris.chain(jid), own, size) for u, (_e, jid, own, size) in rows.items()]
        from models import Department

        dept = Department.query.filter_by(code="zz-amr").one()
        agency = checks.agency_input(dept)
        caps = checks.cap_state(agency, dept.id, {e: u for u, (e, *_r) in rows.items()}, START.year, END.year)
        engine = checks.engine()
        load = time.perf_counter() - t
        t = time.perf_counter()
        engine.bulk_allowed_masks(ents, START, END, "routine", agency, caps)
        engine_only = time.perf_counter() - t

    rng = random.Random(7)
    sample = [(rng.choice(usccs), START + timedelta(days=rng.randrange(days))) for _ in range(NAIVE_SAMPLE)]
    t = time.perf_counter()
    for uscc, d in sample:
        r = client.get(f"/api/v1/check?uscc={uscc}&date={d.isoformat()}&kind=routine", headers=headers)
        assert r.status_code == 200
    per_request = (time.perf_counter() - t) / NAIVE_SAMPLE
    naive_total = per_request * N_ENTERPRISES * days

    print()
    print(f"POST /api/v1/checks, {N_ENTERPRISES:,} enterprises × {days} days ({allowed:,} allowed dates, "
          f"{len(resp.data) / 1e6:.1f} MB JSON)")
    print(f"  end to end (best of 3):   {bulk:7.3f} s   runs: {', '.join(f'{r:.3f}' for r in runs)}"
          f"   target ≤ 2 s: {'OK' if bulk <= 2 else 'MISSED'}")
    print(f'  "format": "ranges":       {ranges_best:7.3f} s   runs: {", ".join(f"{r:.3f}" for r in range_runs)}'
          f"   target ≤ 1 s: {'OK' if ranges_best <= 1 else 'MISSED'}")
    print(f"    size {ranges_bytes / 1e6:.2f} MB ({n_runs:,} runs) vs {dates_bytes / 1e6:.1f} MB of dates"
          f"   target < 5 MB: {'OK' if ranges_bytes < 5e6 else 'MISSED'}")
    print(f"  loading inputs from DB:   {load:7.3f} s")
    print(f"  engine only (masks):      {engine_only:7.3f} s   ({engine_only / ranges_best:.0%} of ranges end to end)")
    print(f"naive loop of GET /api/v1/check: {per_request * 1000:.2f} ms per request over {NAIVE_SAMPLE} samples")
    print(f"  extrapolated to {N_ENTERPRISES * days:,} requests: {naive_total:,.0f} s "
          f"({naive_total / 3600:.1f} h)")
    ratio = naive_total / bulk
    print(f"  ratio naive / bulk: {ratio:,.0f}×   target ≥ 100×: {'OK' if ratio >= 100 else 'MISSED'}")
    met = bulk <= 2 and ratio >= 100 and ranges_best <= 1 and ranges_bytes < 5e6
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
