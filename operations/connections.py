"""Round trips to PostgreSQL per request (issue 11).

PostgreSQL runs on the same two cores as the app, so each statement sent costs twice: a check made six round
trips (the pool's ping on checkout, BEGIN, three SELECTs, the ROLLBACK of the connection's return). Two settings
take three of them away without changing what any request sees:

- **Reads without a transaction.** A GET or HEAD of the API, the feeds or ``/healthz`` reads under PostgreSQL's
  READ COMMITTED, where every statement sees what was committed before it began, with or without BEGIN; such a
  request runs in autocommit, so neither BEGIN nor the ROLLBACK on return is sent. (Its one write, an API
  token's hourly "last used" stamp, is a single UPDATE.) Pages, forms and every write keep their transaction.
- **A ping only after idleness.** Instead of a ping on every checkout (``pool_pre_ping``), a connection that sat
  in the pool longer than ``DB_PING_AFTER_IDLE_SECONDS`` is pinged first, and replaced if it fails. A server
  restarted while the pool is busy is noticed by the first statement that fails: SQLAlchemy then discards every
  older pooled connection, so each worker fails one request, as with any database that goes away mid-request.

SQLite is left alone: it has no round trips, and its transactions are arranged by ``operations.concurrency``.
"""

from __future__ import annotations

import time
from typing import Any

from flask import current_app, has_request_context, request
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event, exc
from sqlalchemy.engine import Engine

_READ_PREFIXES = ("/api/", "/feeds/")
_AUTOCOMMIT = "zhengqi_autocommit_engine"
_IDLE_SINCE = "zhengqi_idle_since"
DEFAULT_PING_AFTER_IDLE_SECONDS = 10.0


def reads_only() -> bool:
    """True for a request that only reads: GET or HEAD of the API, the feeds or the health probe."""
    if not has_request_context() or request.method not in ("GET", "HEAD"):
        return False
    path = request.path
    return path.startswith(_READ_PREFIXES) or path == "/healthz"


def autocommit(engine: Engine) -> Engine:
    """The engine that runs without transactions, sharing ``engine``'s pool (made once per engine)."""
    found = engine.__dict__.get(_AUTOCOMMIT)
    if found is None:
        found = engine.__dict__[_AUTOCOMMIT] = engine.execution_options(isolation_level="AUTOCOMMIT")
    return found


class Session(FlaskSession):
    """Flask-SQLAlchemy's session; on PostgreSQL a read-only request's statements run in autocommit."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None, **kwargs: Any) -> Any:
        engine = super().get_bind(mapper, clause, bind, **kwargs)
        if bind is None and isinstance(engine, Engine) and engine.dialect.name == "postgresql" and reads_only():
            return autocommit(engine)
        return engine


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
