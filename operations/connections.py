"""Round trips to PostgreSQL per request (issue 11): a ping only after idleness.

PostgreSQL runs on the same two cores as the app, so each statement sent costs twice. Instead of a ping on every
checkout (``pool_pre_ping``), a connection that sat in the pool longer than ``DB_PING_AFTER_IDLE_SECONDS`` is
pinged first, and replaced if it fails. A server restarted while the pool is busy is noticed by the first
statement that fails: SQLAlchemy then discards every older pooled connection, so each worker fails one request,
as with any database that goes away mid-request.

(The reads of every API request and of a check avoid BEGIN and ROLLBACK differently: they run outside the
session on a connection borrowed in autocommit, see ``operations/fastsql.py``. Running whole read-only requests
in autocommit was tried and dropped: server-side cursors, which the exports stream with, need a transaction.)

SQLite is left alone: it has no round trips, and its transactions are arranged by ``operations.concurrency``.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_IDLE_SINCE = "zhengqi_idle_since"
DEFAULT_PING_AFTER_IDLE_SECONDS = 10.0


def install(engine: Engine) -> None:
    """Ping a PostgreSQL connection only when it has been idle (see the module's docstring)."""
    if engine.dialect.name != "postgresql" or engine.pool.__dict__.get(_IDLE_SINCE):
        return
    engine.pool.__dict__[_IDLE_SINCE] = True
    dialect = engine.dialect
    idle_limit = float(current_app.config.get("DB_PING_AFTER_IDLE_SECONDS", DEFAULT_PING_AFTER_IDLE_SECONDS))

    @event.listens_for(engine.pool, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine.pool, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get(_IDLE_SINCE)
        if since is None or time.monotonic() - since < idle_limit:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except Exception as err:
            if not dialect.is_disconnect(err, dbapi_connection, None):
                raise
            alive = False
        if not alive:
            # The pool discards this connection and checks out another (SQLAlchemy's documented protocol).
            raise exc.DisconnectionError("idle connection failed its ping")
