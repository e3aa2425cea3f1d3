"""The signed-in user's own account (qdcore, issue #6): change one's password on the profile page."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from access import authenticated
from extensions import db, limiter
from operations.errors import DomainError
from operations.passwords import change_own_password

bp = Blueprint("account", __name__)


def _failed() -> bool:
    return bool(g.get("password_change_failed"))


@bp.route("/profile/password", methods=["GET"])
@authenticated
def password_page():
    return render_template("auth/password.html", errors={})


@bp.route("/profile/password", methods=["POST"])
# As strict as the login: a stolen session must not be able to guess the current password.
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], deduct_when=lambda resp: _failed())
@authenticated
def change_password():
    data = {name: request.form.get(name, "") for name in ("current_password", "new_password", "confirm")}
    try:
        change_own_password(current_user, data)
    except DomainError as err:
        db.session.rollback()
        g.password_change_failed = err.code == "wrong_password"
        errors = {err.details.get("field") or "current_password": err.message}
        return render_template("auth/password.html", errors=errors), err.status
    # The new hash ended every session, this one included: sign this one in again, the others stay out.
    login_user(current_user._get_current_object(), fresh=True)
    flash(_("Your password is changed. Every other session has been signed out."), "success")
    return redirect(url_for("auth.profile"), code=303)
