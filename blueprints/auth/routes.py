from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select

from access import authenticated, public
from blueprints.auth.forms import EmptyForm, LoginForm, TokenForm
from extensions import db, limiter
from models.user import ApiToken
from operations import audit
from operations.auth import authenticate, issue_token, revoke_token

bp = Blueprint("auth", __name__)


def _failed_login() -> bool:
    return bool(g.get("login_failed"))


def _safe_next(target: str | None) -> str:
    """`target` if it is a path on this site, else the dashboard.

    Browsers read a backslash as a slash and drop tabs and newlines, so "/\\evil.example" or "/<tab>/evil.example"
    would leave the site although urlsplit() sees no host; such targets are refused too."""
    if target and target.startswith("/") and not any(c == "\\" or ord(c) < 33 or ord(c) == 127 for c in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and not target.startswith("//"):
            return target
    return url_for("main.dashboard")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"], deduct_when=lambda resp: _failed_login()
)
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        user = authenticate(form.email.data, form.password.data)
        if user is not None:
            # A fresh session on login: nothing set before it (by anyone) carries over except the language.
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            audit.record("login", "user", user.id, actor=user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        g.login_failed = True
        status = 401
        flash(_("Wrong email or password."), "error")
    return render_template("auth/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@authenticated
def logout():
    form = EmptyForm()
    if form.validate_on_submit():
        logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/lang/<code>", methods=["POST"])
@public
def set_language(code: str):
    form = EmptyForm()
    if form.validate_on_submit() and code in ("zh_CN", "en"):
        session["lang"] = code
        if current_user.is_authenticated and current_user.locale != code:
            before = current_user.locale
            current_user.locale = code
            audit.record("update", "user", current_user.id, before={"locale": before}, after={"locale": code})
            db.session.commit()
    return redirect(_safe_next(request.form.get("next") or (request.referrer and urlsplit(request.referrer).path)))


@bp.route("/profile", methods=["GET"])
@authenticated
def profile():
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "auth/profile.html", tokens=tokens, form=TokenForm(), revoke_form=EmptyForm(),
        new_token=session.pop(NEW_TOKEN_KEY, None),
    )


# The new token crosses one redirect in the session (signed, HttpOnly, Secure in production) and is popped by
# the profile page that shows it: a refresh of that page neither issues a second token nor shows it again.
NEW_TOKEN_KEY = "new_api_token"  # noqa: S105 - a session key, not a secret


@bp.route("/profile/tokens", methods=["POST"])
@authenticated
def create_token():
    form = TokenForm()
    if form.validate_on_submit():
        session[NEW_TOKEN_KEY] = issue_token(current_user, form.name.data or "")
        flash(_("Copy the token now: it will not be shown again."), "success")
        return redirect(url_for("auth.profile"), code=303)
    tokens = db.session.scalars(
        select(ApiToken).where(ApiToken.user_id == current_user.id).order_by(ApiToken.created_at.desc())
    ).all()
    return render_template(
        "auth/profile.html", tokens=tokens, form=form, revoke_form=EmptyForm(), new_token=None
    ), 422


@bp.route("/profile/tokens/<int:token_id>/revoke", methods=["POST"])
@authenticated
def revoke(token_id: int):
    form = EmptyForm()
    if form.validate_on_submit():
        revoke_token(current_user, token_id)
        flash(_("Token revoked."), "success")
    return redirect(url_for("auth.profile"))
