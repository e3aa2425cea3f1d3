"""Province-scale data for the benches (`flask --app app bench-data`, issue 11).

A made-up province "基准省" (code 990000, outside GB/T 2260 so it never meets real or demo data) with 10 cities
of 10 districts, one inspecting agency per city and one for the province, and by default 2,000 quiet-day
policies (every rule type, coverage by ownership and size, white lists, exceptions), 100,000 enterprises and
1,000,000 inspections over 2025–2027. Rows go in with PostgreSQL COPY (executemany on SQLite), not through the
ORM: a million ORM objects would take minutes. It writes no audit rows: it is bench data, not a business
record. Loading it twice is refused.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Table, insert, select, text

from extensions import db
from models import Department, Enterprise, Inspection, Jurisdiction, PolicyException, QuietDayPolicy, User
from models.base import utcnow
from models.policy import policy_enterprises
from rules.uscc import make_uscc

PROVINCE = "990000"
CITIES = [f"99{c:02d}00" for c in range(1, 11)]
DISTRICTS = {city: [f"{city[:4]}{d:02d}" for d in range(1, 11)] for city in CITIES}
OWNERSHIPS = ("private", "private", "private", "state", "foreign", "collective", "individual")
SIZES = ("above_scale", "large", "medium", "small", "small", "micro", None)
KINDS = ("routine", "routine", "routine", "random", "random", "complaint", "licensing")
STATUSES = ("completed", "completed", "completed", "planned", "cancelled", "checked_in", "pending_approval")
FIRST_DAY, DAYS = date(2025, 1, 1), 3 * 365
INSPECTOR_EMAIL = "bench-inspector@bench.invalid"
ADMIN_EMAIL = "bench-admin@bench.invalid"
_CHUNK = 20_000


def _bulk(table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert rows fast: COPY on PostgreSQL (one statement, so the generation trigger fires once), else
    executemany in chunks. JSON values are given already encoded."""
    conn = db.session.connection()
    n = 0
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        assert raw is not None
        with raw.cursor() as cur, cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                n += 1
        return n
    batch: list[dict[str, Any]] = []
    json_columns = {c.name for c in table.columns if c.type.__class__.__name__ == "JSON"}
    for row in rows:
        batch.append({c: (json.loads(v) if c in json_columns else v) for c, v in zip(columns, row, strict=True)})
        if len(batch) >= _CHUNK:
            db.session.execute(insert(table), batch)
            n += len(batch)
            batch = []
    if batch:
        db.session.execute(insert(table), batch)
        n += len(batch)
    return n


def _rule(rng: random.Random, i: int) -> dict[str, Any]:
    kind = i % 4
    if kind == 0:
        return {"type": "weekdays", "weekdays": sorted(rng.sample(range(1, 8), rng.randint(1, 2)))}
    if kind == 1:
        lo = rng.randint(1, 25)
        return {"type": "month_days", "from": lo, "to": min(31, lo + rng.randint(0, 4))}
    if kind == 2:
        return {"type": "first_workdays_open", "count": rng.randint(3, 10)}
    start = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    return {"type": "date_range", "from": start.isoformat(),
            "to": (start + timedelta(days=rng.randint(3, 30))).isoformat()}


def generate(policies: int = 2_000, enterprises: int = 100_000, inspections: int = 1_000_000, seed: int = 11,
             echo: Callable[[str], None] = print) -> dict[str, int]:
    """Load the data set in one transaction and return the row counts."""
    if db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == PROVINCE)) is not None:
        raise RuntimeError("bench data is already loaded (jurisdiction 990000 exists)")
    rng = random.Random(seed)
    t0 = time.perf_counter()
    province = Jurisdiction(code=PROVINCE, name="基准省")
    db.session.add(province)
    db.session.flush()
    juris: dict[str, int] = {PROVINCE: province.id}
    for c, city in enumerate(CITIES, 1):
        row = Jurisdiction(code=city, name=f"基准{c}市", parent_id=province.id, annual_inspection_cap=3)
        db.session.add(row)
        db.session.flush()
        juris[city] = row.id
        for d, district in enumerate(DISTRICTS[city], 1):
            sub = Jurisdiction(code=district, name=f"基准{c}市{d}区", parent_id=row.id)
            db.session.add(sub)
            db.session.flush()
            juris[district] = sub.id
    depts: dict[str, int] = {}
    for code, jcode, cap in [("bench-prov", PROVINCE, None),
                             *((f"bench-{city}", city, 2) for city in CITIES)]:
        dept = Department(code=code, name=f"{code} 市场监督管理局", jurisdiction_id=juris[jcode], inspects=True,
                          handles=True, annual_inspection_cap=cap)
        db.session.add(dept)
        db.session.flush()
        depts[code] = dept.id
    districts = [d for city in CITIES for d in DISTRICTS[city]]
    # created_at defaults are Python-side (ORM), so bulk rows carry the value themselves.
    stamp = utcnow()
    ent_district = [districts[i % len(districts)] for i in range(enterprises)]

    def ent_rows() -> Iterable[Sequence[Any]]:
        for i, district in enumerate(ent_district):
            yield (make_uscc("9", "1", district, f"BD{i:07d}"), f"基准企业{i:06d}有限公司", juris[district],
                   OWNERSHIPS[i % len(OWNERSHIPS)], SIZES[(i // 7) % len(SIZES)], stamp)

    _bulk(Enterprise.__table__, ("uscc", "name", "jurisdiction_id", "ownership", "size", "created_at"), ent_rows())
    ent_ids = list(db.session.scalars(
        select(Enterprise.id).where(Enterprise.uscc.like("91" + "99%")).order_by(Enterprise.id)))
    echo(f"  {len(juris)} jurisdictions, {len(depts)} agencies, {len(ent_ids):,} enterprises "
         f"({time.perf_counter() - t0:.1f} s)")

    # Policies: a tenth from the province, the rest spread over cities and districts.
    codes = [PROVINCE, *CITIES, *districts]

    def policy_rows() -> Iterable[Sequence[Any]]:
        for i in range(policies):
            code = PROVINCE if i % 10 == 0 else codes[1 + rng.randrange(len(codes) - 1)]
            yield (juris[code], f"基准宁静日政策{i}", json.dumps(_rule(rng, i)), date(2025, 1, 1),
                   None if i % 3 else date(2027, 6, 30), "active" if i % 20 else "draft",
                   json.dumps([OWNERSHIPS[i % 5]] if i % 2 else []),
                   json.dumps(["above_scale"] if i % 11 == 0 else []), json.dumps(["routine", "random"]),
                   "level" if i % 6 == 0 else "level_and_below", stamp, stamp)

    _bulk(QuietDayPolicy.__table__, ("jurisdiction_id", "title", "rule", "valid_from", "valid_until", "status",
                                     "ownership", "sizes", "blocked_kinds", "binds", "created_at", "updated_at"),
          policy_rows())
    pol = db.session.execute(select(QuietDayPolicy.id, QuietDayPolicy.jurisdiction_id)
                             .where(QuietDayPolicy.title.like("基准宁静日政策%")).order_by(QuietDayPolicy.id)).all()
    seen: set[tuple[int, date]] = set()

    def exception_rows() -> Iterable[Sequence[Any]]:
        for pid, _j in pol:
            for _ in range(2):
                d = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
                if (pid, d) not in seen:
                    seen.add((pid, d))
                    yield (pid, d, rng.choice(("lift", "add")), "基准例外", stamp)

    n_exc = _bulk(PolicyException.__table__, ("policy_id", "date", "effect", "reason", "created_at"),
                  exception_rows())
    # White lists: every 25th policy names 20 enterprises (of any district; coverage still needs the chain).
    pairs = {(pid, rng.choice(ent_ids)) for k, (pid, _j) in enumerate(pol) if k % 25 == 0 for _ in range(20)}
    n_listed = _bulk(policy_enterprises, ("policy_id", "enterprise_id"), sorted(pairs))
    echo(f"  {len(pol):,} policies, {n_exc:,} exceptions, {n_listed:,} white-list entries "
         f"({time.perf_counter() - t0:.1f} s)")

    city_dept = {district: depts[f"bench-{district[:4]}00"] for district in districts}
    dist_of = dict(zip(ent_ids, ent_district, strict=True))

    def inspection_rows() -> Iterable[Sequence[Any]]:
        rand, choice = rng.random, rng.choice
        prov = depts["bench-prov"]
        for _ in range(inspections):
            eid = ent_ids[int(rand() * len(ent_ids))]
            dept = prov if rand() < 0.1 else city_dept[dist_of[eid]]
            yield (eid, dept, FIRST_DAY + timedelta(days=int(rand() * DAYS)), choice(KINDS), "基准检查",
                   False, False, False, choice(STATUSES), stamp)

    n_insp = _bulk(Inspection.__table__, ("enterprise_id", "department_id", "date", "kind", "subject", "emergency",
                                          "record_overdue", "on_protected_day", "status", "created_at"),
                   inspection_rows())
    echo(f"  {n_insp:,} inspections ({time.perf_counter() - t0:.1f} s)")

    # Logins for the benches (random passwords: they sign in with tokens issued in-process).
    for email, role, dept in ((INSPECTOR_EMAIL, "inspector", depts[f"bench-{CITIES[0]}"]),
                              (ADMIN_EMAIL, "admin", None)):
        user = User(email=email, name=email.split("@")[0], role=role, department_id=dept)
        user.set_password(secrets.token_urlsafe(24))
        db.session.add(user)
    db.session.commit()
    if db.engine.dialect.name == "postgresql":
        # Fresh planner statistics (or the first plans are guesses) and a visibility map, so counts of an
        # agency's inspections are index-only scans. VACUUM cannot run inside a transaction.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE"))
    echo(f"  committed ({time.perf_counter() - t0:.1f} s)")
    return {"policies": len(pol), "enterprises": len(ent_ids), "inspections": n_insp, "exceptions": n_exc}
