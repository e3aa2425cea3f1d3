"""Fixtures: one app and one migrated database per run (SQLite file, or TEST_DATABASE_URL for PostgreSQL),
emptied after every test. Factories live in tests/factories.py."""

from __future__ import annotations

import contextvars
import os
import tempfile
import time
from collections.abc import Iterator

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app import create_app
from extensions import db, limiter

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require(condition: bool, reason: str) -> None:
    """Skip locally when a required component is missing; in CI a missing part is a failure."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


def require_postgres() -> None:
    """PostgreSQL-only tests (row locks). The SQLite pass skips them; the PostgreSQL pass of CI sets
    REQUIRE_POSTGRES=1, so there they must run and a missing PostgreSQL is a failure."""
    if db.engine.dialect.name == "postgresql":
        return
    reason = "needs PostgreSQL: run with TEST_DATABASE_URL=postgresql://…/<your db>"
    if os.environ.get("REQUIRE_POSTGRES") == "1":
        pytest.fail(f"required: {reason}")
    pytest.skip(reason)


def _database_url(tmp_dir: str) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_dir}/test.sqlite3"
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    return _worker_database(url, worker) if worker else url


def _worker_database(url: str, worker: str) -> str:
    """Under pytest-xdist each worker gets its own PostgreSQL database (`<db>_<worker>`), created on demand,
    so workers never drop each other's schema."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    from config import normalize_database_url

    base = make_url(normalize_database_url(url))
    name = f"{base.database}_{worker}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


def reset_schema(app: Flask) -> None:
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        else:
            db.drop_all()
            with engine.begin() as conn:
                conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
        upgrade(directory=os.path.join(app.root_path, "migrations"))


@pytest.fixture(scope="session")
def app() -> Iterator[Flask]:
    tmp = tempfile.mkdtemp(prefix="zhengqi-test-")
    application = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": _database_url(tmp),
            "SECRET_KEY": "test-secret-key",
            "WTF_CSRF_ENABLED": False,
            "SERVER_NAME": "localhost",
            "LOGIN_RATE_LIMIT": "5 per minute",
        }
    )
    reset_schema(application)
    yield application


def _empty_all_tables() -> None:
    engine = db.engine
    tables = [t.name for t in db.metadata.sorted_tables]
    if engine.dialect.name != "postgresql":
        with engine.begin() as conn:
            for name in reversed(tables):
                conn.execute(text(f'DELETE FROM "{name}"'))
        return
    # A browser test's live server may still be answering a last request (a context closing, a poll) when the
    # test ends; TRUNCATE's exclusive lock can then deadlock with it. That request ends in milliseconds: retry.
    for attempt in range(10):
        try:
            with engine.begin() as conn:
                conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
            return
        except OperationalError:
            if attempt == 9:
                raise
            time.sleep(0.2)


@pytest.fixture(autouse=True)
def _clean_database(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    application: Flask = request.getfixturevalue("app")
    yield
    with application.app_context():
        db.session.remove()
        _empty_all_tables()
    limiter.reset()


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    with app.test_request_context():
        yield
        db.session.remove()


class IsolatedClient(FlaskClient):
    """Runs each request in an empty context, as a real server would: its own app context, `g` and
    database session, never the test body's. Afterwards the test's session is expired so it re-reads."""

    def open(self, *args, **kwargs):
        resp = contextvars.Context().run(super().open, *args, **kwargs)
        if has_app_context():
            db.session.expire_all()
        return resp


@pytest.fixture
def client(app: Flask, ctx):
    app.test_client_class = IsolatedClient
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()
