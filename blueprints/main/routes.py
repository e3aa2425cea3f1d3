from __future__ import annotations

import time

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from access import authenticated, public

bp = Blueprint("main", __name__)


@bp.route("/")
@authenticated
def dashboard():
    return render_template("main/dashboard.html", user=current_user)


@bp.route("/healthz")
@public
def healthz():
    """Whether this instance can serve: the database answers a ping (503 when it does not).

    A success is remembered for HEALTHZ_DB_TTL_SECONDS (1 s): a load balancer polling every few seconds pings
    every time, while a flood of requests to this public URL cannot turn into a flood of database work. A
    failure is never remembered.
    """
    from extensions import db

    state = current_app.extensions.setdefault("zhengqi.healthz", {"ok_at": None})
    ttl = float(current_app.config.get("HEALTHZ_DB_TTL_SECONDS", 1.0))
    now = time.monotonic()
    if state["ok_at"] is not None and now - state["ok_at"] < ttl:
        return {"status": "ok"}
    state["ok_at"] = None
    # A pooled driver connection and the dialect's own ping, not the ORM session nor a SQLAlchemy Connection:
    # their bookkeeping (begin, result objects, close) was most of the probe's cost (issue 11). On PostgreSQL
    # the ping runs outside a transaction: one round trip, no BEGIN or ROLLBACK.
    try:
        conn = db.engine.raw_connection()
        try:
            db.engine.dialect.do_ping(conn.dbapi_connection)
        finally:
            conn.close()  # back to the pool
    except Exception:
        current_app.logger.exception("health check: the database did not answer")
        return {"status": "unavailable"}, 503
    state["ok_at"] = now
    return {"status": "ok"}
