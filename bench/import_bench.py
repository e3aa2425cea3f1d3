"""Enterprise import benchmark: a 10,000-row CSV (联系企业清单), imported into an empty register and then
re-imported with every row changed (10,000 updates), through operations.importer (the page and the API call it).

Baseline, measured in the same run on the same file: the row-by-row path the importer used before (an ORM object,
a jurisdiction query, a flush and an audit row per row), replicated in `row_by_row` below. Target: ≤ 5 s for
10,000 rows (gunicorn's default timeout is 30 s; README "Production").

Run: .venv/bin/python bench/import_bench.py            (SQLite in a temporary directory)
     BENCH_DATABASE_URL=postgresql://…/db .venv/bin/python bench/import_bench.py   (PostgreSQL; it is emptied)
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

N_ROWS = 10_000
TARGET_SECONDS = 5.0
DISTRICTS = [("430202", "荷塘区"), ("430203", "芦淞区"), ("430211", "天元区"), ("430212", "渌口区")]
OWNERSHIP = ("民营", "国有", "外资", "集体", "个体工商户")
SIZE = ("规上", "大型", "中型", "小型", "微型", "")


def csv_file(n: int, variant: str = "") -> bytes:
    from rules.uscc import make_uscc

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["序号", "统一社会信用代码", "企业名称", "简称", "所属区划", "所有制", "行业", "规模", "地址",
                     "联企干部", "联系电话"])
    for i in range(n):
        code, name = DISTRICTS[i % len(DISTRICTS)]
        writer.writerow([i + 1, make_uscc("9", "1", code, f"MA{i:07d}"), f"株洲测试{variant}企业{i}有限公司",
                         f"测试{i}", name if i % 2 else code, OWNERSHIP[i % 5], "制造业", SIZE[i % 6],
                         f"株洲市{name}测试路{i}号", "联企干部", f"0731-{22800000 + i}"])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def make_app(url: str):
    os.environ.setdefault("SECRET_KEY", "bench")
    from flask_migrate import upgrade

    from app import create_app
    from tests.conftest import reset_schema

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": True, "SERVER_NAME": "localhost"})
    reset_schema(app) if url.startswith("postgresql") else None
    with app.app_context():
        upgrade(directory=os.path.join(app.root_path, "migrations"))
    return app


def empty(app) -> None:
    from sqlalchemy import text

    from extensions import db

    with app.app_context():
        with db.engine.begin() as conn:
            for table in ("audit_log", "enterprises", "jurisdictions"):
                conn.execute(text(f"DELETE FROM {table}"))  # noqa: S608 - fixed table names
        from models import Jurisdiction

        root = Jurisdiction(code="430200", name="株洲市")
        db.session.add(root)
        db.session.flush()
        for code, name in DISTRICTS:
            db.session.add(Jurisdiction(code=code, name=name, parent_id=root.id))
        db.session.commit()


def row_by_row(filename: str, data: bytes) -> dict:
    """The former import write path, for the baseline: validate each row with the shared validators (one
    jurisdiction query per row), then one ORM object, flush and audit row per enterprise, one commit."""
    from sqlalchemy import select

    from extensions import db
    from models import Enterprise, Jurisdiction
    from operations import audit, importer
    from operations.reference import ENTERPRISE_VALIDATORS, apply_enterprise, check_uscc

    rows = importer.read_rows(filename, data)
    mapping, _errors = importer._header_map(rows[0])
    by_name = {name: code for code, name in db.session.execute(select(Jurisdiction.code, Jurisdiction.name))}
    existing = {e.uscc: e for e in db.session.scalars(select(Enterprise))}
    created = updated = 0
    for raw in rows[1:]:
        record = importer._normalise({f: (raw[i] or None) for i, f in mapping.items()}, by_name)
        uscc = check_uscc(record["uscc"])
        values = {("jurisdiction" if f == "jurisdiction_code" else f): v(record)
                  for f, v in ENTERPRISE_VALIDATORS.items() if f in mapping.values()}
        row = existing.get(uscc)
        if row is None:
            row = Enterprise(uscc=uscc)
            db.session.add(row)
            apply_enterprise(row, values)
            created += 1
        elif apply_enterprise(row, values):
            updated += 1
    audit.record("import", "enterprise", None, after={"created": created, "updated": updated})
    db.session.commit()
    return {"created": created, "updated": updated}


def timed(app, run, *args) -> tuple[float, dict]:
    with app.test_request_context():
        start = time.perf_counter()
        result = run(*args)
        elapsed = time.perf_counter() - start
        from extensions import db

        db.session.remove()
    return elapsed, (result.to_json() if hasattr(result, "to_json") else result)


def main() -> int:
    from operations import importer

    url = os.environ.get("BENCH_DATABASE_URL")
    if url:
        from config import normalize_database_url

        url = normalize_database_url(url)
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='zhengqi-bench-')}/import.sqlite3"
    app = make_app(url)
    first, second = csv_file(N_ROWS), csv_file(N_ROWS, "改")
    figures = {}
    for label, run in (("baseline (row by row)", row_by_row), ("import (bulk)", importer.import_enterprises)):
        empty(app)
        t_create, r_create = timed(app, run, "list.csv", first)
        t_update, r_update = timed(app, run, "list.csv", second)
        assert r_create["created"] == N_ROWS and r_update["updated"] == N_ROWS, (r_create, r_update)
        figures[label] = (t_create, t_update)
        print(f"{label:24s} {N_ROWS} new rows: {t_create:6.2f} s   {N_ROWS} changed rows: {t_update:6.2f} s",
              flush=True)
    (b_new, b_upd), (i_new, i_upd) = figures.values()
    print(f"speed-up: new rows {b_new / i_new:.1f}×, changed rows {b_upd / i_upd:.1f}×  "
          f"(database: {url.split(':')[0]})")
    worst = max(i_new, i_upd)
    print(f"target ≤ {TARGET_SECONDS:.0f} s for {N_ROWS} rows: {'met' if worst <= TARGET_SECONDS else 'MISSED'}"
          f" ({worst:.2f} s)")
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
