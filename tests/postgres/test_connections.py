"""PostgreSQL round trips (operations/connections.py, issue 11): read-only requests run without a transaction,
and a pooled connection is pinged only after idleness, yet a server that dropped it is still noticed."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from extensions import db
from operations import connections
from tests.conftest import require_postgres

pytestmark = pytest.mark.postgres


@pytest.mark.parametrize(("method", "path", "autocommit"), [
    ("GET", "/api/v1/check", True),
    ("HEAD", "/feeds/quiet-days/430200.ics", True),
    ("GET", "/healthz", True),
    ("POST", "/api/v1/inspections", False),  # writes keep their transaction
    ("GET", "/inspections", False),  # pages too
])
def test_only_read_only_requests_run_in_autocommit(app, method, path, autocommit):
    with app.app_context():
        require_postgres()
    with app.test_request_context(path, method=method):
        try:
            dbapi = db.session.connection().connection.dbapi_connection
            assert dbapi.autocommit is autocommit
        finally:
            db.session.remove()


@pytest.mark.parametrize(("method", "path", "status"), [("GET", "/api/v1/check", "IDLE"),
                                                      ("POST", "/api/v1/inspections", "INTRANS")])
def test_a_read_only_request_sends_no_begin_and_leaves_no_transaction(app, method, path, status):
    with app.app_context():
        require_postgres()
    with app.test_request_context(path, method=method):
        try:
            conn = db.session.connection()
            db.session.execute(text("SELECT 1"))
            assert conn.connection.dbapi_connection.info.transaction_status.name == status
        finally:
            db.session.remove()


def _pool_engine(app, idle_seconds: float):
    app.config["DB_PING_AFTER_IDLE_SECONDS"] = idle_seconds
    try:
        engine = create_engine(db.engine.url, poolclass=QueuePool, pool_size=1, max_overflow=0)
        connections.install(engine)
    finally:
        app.config.pop("DB_PING_AFTER_IDLE_SECONDS", None)
    return engine


def _kill_pooled_connection(engine) -> None:
    with engine.connect() as conn:
        pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
    with db.engine.connect() as other:
        other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        other.commit()


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(app):
    with app.app_context():
        require_postgres()
        pinged = _pool_engine(app, 0.0)  # every checkout counts as idle: pinged
        try:
            _kill_pooled_connection(pinged)
            with pinged.connect() as conn:
                assert conn.execute(text("SELECT 1")).scalar() == 1
        finally:
            pinged.dispose()
        # Without the ping the same dead connection is handed out and its first statement fails: the ping is
        # what saved the request above.
        unpinged = _pool_engine(app, 3600.0)
        try:
            _kill_pooled_connection(unpinged)
            raw = unpinged.raw_connection()
            with pytest.raises(psycopg.OperationalError):
                raw.cursor().execute("SELECT 1")
            raw.invalidate()
            with unpinged.connect() as conn:  # and the pool recovers on the next checkout
                assert conn.execute(text("SELECT 1")).scalar() == 1
        finally:
            unpinged.dispose()
