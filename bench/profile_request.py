"""Where one request's time goes, in process (no server, no network): µs per call of the WSGI app for a
hello-world Flask app, /healthz, GET /api/v1/check and a month of /days, and with --profile the functions that
take the check's time (cProfile). The load bench (load_bench.py) says how fast; this says why.

Run: DATABASE_URL=… .venv/bin/python bench/profile_request.py [--uscc U] [--email E] [-n 3000] [--profile]
Without DATABASE_URL it loads the demo data into a temporary SQLite file. Not run by run_all.py (no target).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def _caller(app: Callable, path: str, headers: dict[str, str]) -> Callable[[], int]:
    from werkzeug.test import EnvironBuilder

    environ = EnvironBuilder(path=path, headers=headers, base_url="http://127.0.0.1:5000").get_environ()
    status: list[str] = []

    def start_response(s: str, _headers: list, _exc: object = None) -> None:
        status.append(s)

    def call() -> int:
        status.clear()
        body = app(dict(environ), start_response)
        try:
            for _chunk in body:
                pass
        finally:
            close = getattr(body, "close", None)
            if close:
                close()
        return int(status[0][:3])

    return call


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("-n", type=int, default=3000, help="calls per measurement")
    parser.add_argument("--email", default=None, help="the inspector whose token is used")
    parser.add_argument("--uscc", default=None, help="the enterprise checked")
    parser.add_argument("--profile", action="store_true", help="cProfile the check and print the top functions")
    parser.add_argument("--sample", action="store_true", help="sample the check with pyinstrument (pip install "
                        "pyinstrument: not a dependency), closer to real proportions than cProfile")
    args = parser.parse_args()
    os.environ.setdefault("SECRET_KEY", "profile")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tempfile.mkdtemp(prefix='zq-prof-')}/p.sqlite3"
    from flask_migrate import upgrade
    from hello_app import app as hello
    from sqlalchemy import func, select

    from app import create_app
    from config import normalize_database_url
    from demo import bench_data, run_demo
    from demo import reference as demo_reference
    from extensions import db
    from models import Enterprise, User
    from operations.auth import issue_token

    app = create_app({"SQLALCHEMY_DATABASE_URI": normalize_database_url(url), "ZHENGQI_ENV": "development"})
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        province = db.session.scalar(select(func.count()).select_from(Enterprise)) >= 100_000
        if not province and not db.session.scalar(select(func.count()).select_from(User)):
            run_demo()
        email = args.email or (bench_data.INSPECTOR_EMAIL if province else "inspector@zhengqi.demo")
        uscc = args.uscc or (bench_data.make_uscc("9", "1", "990101", "BD0000000") if province
                             else demo_reference.enterprise_uscc(0))
        token = issue_token(db.session.scalar(select(User).where(User.email == email)), "profile")
        db.session.remove()
    auth = {"Authorization": f"Bearer {token}"}
    calls = {
        "hello-world Flask": _caller(hello.wsgi_app, "/", {}),
        "GET /healthz": _caller(app.wsgi_app, "/healthz", {}),
        "GET /api/v1/check": _caller(app.wsgi_app, f"/api/v1/check?uscc={uscc}&date=2026-11-23&kind=routine",
                                     auth),
        "GET …/days (a month)": _caller(app.wsgi_app, f"/api/v1/enterprises/{uscc}/days?from=2026-11-01"
                                        "&to=2026-11-30&kind=routine", auth),
    }
    print(f"{url.split('@')[-1]}: {'province' if province else 'demo'} data, {args.n} calls each")
    for name, call in calls.items():
        for _ in range(50):
            assert call() == 200, name
        t, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.n):
            call()
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        print(f"  {name:24} {wall / args.n * 1e6:8.0f} µs per call, {cpu / args.n * 1e6:6.0f} µs of it this "
              "process's CPU")
    if args.sample:
        from pyinstrument import Profiler

        check = calls["GET /api/v1/check"]
        sampler = Profiler(interval=0.0001)
        sampler.start()
        for _ in range(args.n):
            check()
        sampler.stop()
        print(sampler.output_text(unicode=True, color=False, show_all=False))
    if args.profile:
        check = calls["GET /api/v1/check"]
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(args.n):
            check()
        prof.disable()
        pstats.Stats(prof).sort_stats("tottime").print_stats(35)
        pstats.Stats(prof).sort_stats("cumulative").print_stats(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
