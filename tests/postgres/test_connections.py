"""PostgreSQL round trips (issue 11): the hot reads run without a transaction, and a pooled connection is pinged
only after idleness (operations/connections.py), yet a server that dropped it is still noticed."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.pool import QueuePool

from extensions import db
from operations import connections
from tests.conftest import require_postgres

pytestmark = pytest.mark.postgres


def test_a_checks_statements_run_without_begin_and_the_pool_gets_its_connections_back(app, client):
    """The check's one statement (read with the token) runs on a connection borrowed in autocommit: no BEGIN is
    sent, and the connection goes back to the pool as it was lent (not in autocommit, no transaction)."""
    from sqlalchemy import event

    from tests import quietdays_fixtures as qf
    from tests.factories import auth_headers, create_department, create_enterprise, create_jurisdiction, create_user

    with app.app_context():
        require_postgres()
    city = create_jurisdiction("430200", "株洲市")
    dept = create_department("zz-amr", "株洲市市场监督管理局", city)
    ent = create_enterprise(jurisdiction=city)
    headers = auth_headers(create_user("inspector", department=dept))
    db.session.commit()
    seen: list[tuple[str, bool]] = []

    def record(_conn, cursor, statement, *_args) -> None:
        seen.append((statement.split()[1], cursor.connection.autocommit))

    url = f"/api/v1/check?uscc={ent.uscc}&date={qf.TODAY.isoformat()}&kind=routine"
    assert client.get(url, headers=headers).status_code == 200  # stamps the token's first use, builds the engine
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        resp = client.get(url, headers=headers)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert resp.status_code == 200, resp.get_json()
    assert len(seen) == 1 and all(autocommit for _s, autocommit in seen), seen
    with db.engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        assert dbapi.autocommit is False and dbapi.info.transaction_status.name == "IDLE"


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
