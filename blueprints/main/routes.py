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
    from sqlalchemy import text

    from extensions import db

    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
