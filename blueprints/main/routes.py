from __future__ import annotations

from flask import Blueprint, render_template
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
    from extensions import db

    # A pooled driver connection and the dialect's own ping, not the ORM session nor a SQLAlchemy Connection:
    # the probe only asks whether the database answers, and their bookkeeping (begin, result objects, close)
    # was most of the cost of a call that load balancers make every few seconds (issue 11). On PostgreSQL the
    # ping runs outside a transaction: one round trip, no BEGIN or ROLLBACK.
    conn = db.engine.raw_connection()
    try:
        db.engine.dialect.do_ping(conn.dbapi_connection)
    finally:
        conn.close()  # back to the pool
    return {"status": "ok"}
