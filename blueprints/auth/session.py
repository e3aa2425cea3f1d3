"""Who is asking: the session cookie for pages, a bearer token for /api/."""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from typing import TypeVar

from flask import current_app, request, session
from flask_babel import lazy_gettext as _l
from flask_login import LoginManager

from extensions import db
from models.user import User
from operations.auth import Rider, user_for_token

F = TypeVar("F", bound=Callable)

# The key of the server-side session id in the signed cookie.
SESSION_KEY = "sid"


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def init_login(manager: LoginManager) -> None:
    manager.login_view = "auth.login"
    manager.login_message = _l("Please log in to continue.")
    manager.session_protection = "strong"

    @manager.user_loader
    def load_user(user_id: str) -> User | None:
        # The API never trusts the session cookie: that keeps it out of reach of cross-site requests.
        if request.path.startswith("/api/"):
            return None
        ident, _, fingerprint = user_id.partition(":")
        if not (ident.isascii() and ident.isdigit()) or len(ident) > 9:
            return None
        user = db.session.get(User, int(ident))
        if user is None or not user.active:
            return None
        if not hmac.compare_digest(fingerprint, user.session_fingerprint()):
            return None
        # The cookie alone is not enough: its server-side session must still be live (not logged out, not
        # ended by "log out everywhere", a password reset or a deactivation).
        from operations.auth import session_is_live

        return user if session_is_live(user, session.get(SESSION_KEY)) else None

    @manager.request_loader
    def load_from_token(req) -> User | None:
        return _token_user() if req.path.startswith("/api/") else None


def rides_on_token(make_rider: Callable[[Mapping[str, str]], Rider | None]) -> Callable[[F], F]:
    """Declare that a view's first query can be read in its bearer token's statement: ``make_rider`` turns the
    query string into that query (None when the arguments are not worth it; the view reports them)."""
    def decorator(view: F) -> F:
        view._token_rider = make_rider  # type: ignore[attr-defined]
        return view

    return decorator


def _token_user() -> User | None:
    token = bearer_token()
    if token is None:
        return None
    make_rider = getattr(current_app.view_functions.get(request.endpoint or ""), "_token_rider", None)
    return user_for_token(token, make_rider(request.args) if make_rider is not None else None)


def load_api_user(manager: LoginManager) -> None:
    """An API request with a bearer token: its user from the token alone, stored where Flask-Login keeps the
    request's user (issue 11). Flask-Login's own loading, for every request, first sends its signal, fingerprints
    the session (a SHA-512 of address and browser) and reads the session cookie, none of which an API call uses.
    ``current_user`` is the token's user, or anonymous for a wrong, expired or revoked token."""
    manager._update_request_context_with_user(_token_user())
