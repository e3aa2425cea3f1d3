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

    # A pooled connection, not the ORM session: the probe asks whether the database answers, and a session's
    # bookkeeping (begin, identity map, close) is most of the cost of a call made every few seconds (issue 11).
    with db.engine.connect() as conn:
        conn.exec_driver_sql("SELECT 1")
    return {"status": "ok"}
