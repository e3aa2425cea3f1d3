"""Parallel probe against a real gunicorn with several worker processes (the setting the review found the races
in): 30 parallel cancels of one inspection, 30 parallel identical creations of a user and of an enterprise, and 30
parallel deletions of one calendar year. Prints the status counts and the audit rows written.

Run: .venv/bin/python scripts/parallel_probe.py                      (SQLite file in a temporary directory)
     PROBE_DATABASE_URL=postgresql://…/db .venv/bin/python scripts/parallel_probe.py   (the database is emptied)
"""

from __future__ import annotations

import collections
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
N = 30
WORKERS = 4


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed(url: str) -> dict:
    os.environ.setdefault("SECRET_KEY", "probe")
    from flask_migrate import upgrade

    from app import create_app
    from extensions import db
    from models import CalendarYear, Department, Enterprise, Inspection, Jurisdiction, User
    from operations.auth import issue_token
    from rules.uscc import make_uscc
    from tests.conftest import reset_schema

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    reset_schema(app) if url.startswith("postgresql") else None
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        j = Jurisdiction(code="430200", name="株洲市")
        db.session.add(j)
        db.session.flush()
        dept = Department(code="zz-amr", name="市场监管局", jurisdiction_id=j.id, inspects=True)
        ent = Enterprise(uscc=make_uscc("9", "1", "430200", "MA0000001"), name="探针企业", jurisdiction_id=j.id,
                         ownership="state")
        admin = User(email="probe-admin@example.gov.cn", name="管理员", role="admin")
        admin.set_password("probe password")
        db.session.add_all([dept, ent, admin, CalendarYear(year=2031, holidays=["2031-01-01"], workdays=[])])
        db.session.flush()
        insp = Inspection(enterprise_id=ent.id, department_id=dept.id, date=date(2030, 6, 3), kind="routine",
                          subject="探针", status="planned")
        db.session.add(insp)
        db.session.commit()
        return {"token": issue_token(admin, "probe"), "inspection": insp.id}


def audit_count(url: str, entity: str, action: str) -> int:
    from sqlalchemy import create_engine, text

    from config import normalize_database_url

    engine = create_engine(normalize_database_url(url))
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log WHERE entity = :e AND action = :a"),
                            {"e": entity, "a": action}).scalar_one()


def burst(base: str, token: str, method: str, path: str, body: dict | None) -> collections.Counter:
    barrier = threading.Barrier(N)
    codes: list[str] = []
    lock = threading.Lock()

    def one() -> None:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(base + path, data=data, method=method, headers={  # noqa: S310
            "Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        barrier.wait()
        try:
            with urllib.request.urlopen(req, timeout=60) as resp:  # noqa: S310 - our own local server
                code = str(resp.status)
        except urllib.error.HTTPError as err:
            payload = json.loads(err.read() or b"{}")
            code = f"{err.code} {payload.get('error', {}).get('code', '')}".strip()
        with lock:
            codes.append(code)

    threads = [threading.Thread(target=one) for _ in range(N)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return collections.Counter(codes)


def main() -> int:
    url = os.environ.get("PROBE_DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix='zq-probe-')}/probe.sqlite3"
    seeded = seed(url)
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "probe", "LOGIN_RATE_LIMIT": "1000 per minute"}
    server = subprocess.Popen(  # noqa: S603 - fixed command line
        [str(ROOT / ".venv/bin/gunicorn"), "--workers", str(WORKERS), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "app:create_app()"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)  # noqa: S310
                break
            except OSError:
                time.sleep(0.2)
        token = seeded["token"]
        print(f"database: {url.split(':')[0]}, gunicorn workers: {WORKERS}, {N} parallel requests each")
        probes = [
            ("cancel one inspection", "POST", f"/api/v1/inspections/{seeded['inspection']}/cancel",
             {"reason": "探针"}, ("inspection", "cancel")),
            ("create the same user", "POST", "/api/v1/users",
             {"email": "same@example.gov.cn", "name": "同一人", "role": "secretariat",
              "password": "long enough password"}, ("user", "create")),
            ("create the same enterprise", "POST", "/api/v1/enterprises",
             {"uscc": "91430200MA0000002E", "name": "同一企业", "jurisdiction_code": "430200",
              "ownership": "private"}, ("enterprise", "create")),
            ("delete one calendar year", "DELETE", "/api/v1/calendar/2031", None, ("calendar_year", "delete")),
        ]
        for label, method, path, body, (entity, action) in probes:
            counts = burst(base, token, method, path, body)
            shown = ", ".join(f"{n} × {code}" for code, n in sorted(counts.items()))
            print(f"{label:28s} {shown}; audit rows: {audit_count(url, entity, action)}")
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
