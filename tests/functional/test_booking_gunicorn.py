"""The annual cap holds when several gunicorn worker *processes* share one SQLite file (the default database
of `make run`, served the way it is deployed): 12 parallel bookings under a department cap of 3 give exactly 3.

Threads in one process share nothing but the file either, but separate processes are what a deployment runs,
so this test starts a real gunicorn with 2 workers on a free port and books over HTTP."""

from __future__ import annotations

import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import func, select

from app import create_app
from extensions import db
from models import Inspection
from operations.checks import local_today
from tests import factories as f

ROOT = Path(__file__).resolve().parents[2]
PARALLEL = 12
CAP = 3


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _request(port: int, method: str, path: str, token: str | None = None,
             payload: dict | None = None) -> tuple[int, dict | None]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(method, path, body=json.dumps(payload) if payload is not None else None, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        return resp.status, (json.loads(body) if body and payload is not None else None)
    finally:
        conn.close()


def _wait_until_up(port: int, proc: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"gunicorn exited with {proc.returncode}")
        try:
            if _request(port, "GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail("gunicorn did not start")


@pytest.fixture
def sqlite_file_app():
    tmp = tempfile.mkdtemp(prefix="zhengqi-gunicorn-")
    url = f"sqlite:///{tmp}/shared.sqlite3"
    application = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "gunicorn-test", "TESTING": True})
    with application.app_context():
        upgrade(directory=os.path.join(application.root_path, "migrations"))
        yield application, url
        db.session.remove()
        db.engine.dispose()


def test_cap_holds_with_two_gunicorn_workers_sharing_one_sqlite_file(sqlite_file_app):
    _application, url = sqlite_file_app
    city = f.create_jurisdiction("430200", "株洲市")
    dept = f.create_department("zz-amr", "株洲市市场监督管理局", city, cap=CAP)
    ent = f.create_enterprise(name="株洲国企有限公司", jurisdiction=city, ownership="state")
    inspector = f.create_user("inspector", department=dept)
    token = f.auth_headers(inspector)["Authorization"].split(" ", 1)[1]
    uscc, ent_id = ent.uscc, ent.id
    db.session.remove()

    port = _free_port()
    env = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": "gunicorn-test"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--threads", "4", "--bind", f"127.0.0.1:{port}",
         "--timeout", "60", "app:create_app()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    try:
        _wait_until_up(port, proc)
        # The gunicorn server runs on the real clock (no frozen today): book in next year, all in one year.
        first = date(local_today().year + 1, 1, 4)
        barrier = threading.Barrier(PARALLEL)
        results: list[tuple[int, dict] | None] = [None] * PARALLEL

        def run(i: int) -> None:
            payload = {"uscc": uscc, "date": (first + timedelta(days=i)).isoformat(), "kind": "routine",
                       "subject": f"多进程并发{i}"}
            barrier.wait()
            results[i] = _request(port, "POST", "/api/v1/inspections", token, payload)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(PARALLEL)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        proc.terminate()
        try:
            _out, err = proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            _out, err = proc.communicate()
    assert all(r is not None for r in results), results
    statuses = sorted(r[0] for r in results if r is not None)
    assert statuses == [201] * CAP + [409] * (PARALLEL - CAP), (results, err.decode(errors="replace")[-2000:])
    assert {r[1]["error"]["code"] for r in results if r and r[0] == 409} == {"frequency_cap"}
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Inspection)
                             .where(Inspection.enterprise_id == ent_id)) == CAP
