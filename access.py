"""The one access-control mechanism for every page and API endpoint.

Views only *declare* who may use them (`@public`, `@authenticated`, `@roles(...)`); `enforce()` runs before every
request and refuses anything undeclared, so a forgotten decorator fails closed instead of open.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import Flask, abort, current_app, redirect, request, url_for
from flask_login import current_user

from models.user import ROLES

F = TypeVar("F", bound=Callable)

PUBLIC = "public"
AUTHENTICATED = "authenticated"


def _declare(rule: object) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        view._access = rule  # type: ignore[attr-defined]
        return view

    return decorator


def public(view: F) -> F:
    return _declare(PUBLIC)(view)


def authenticated(view: F) -> F:
    return _declare(AUTHENTICATED)(view)


def roles(*names: str) -> Callable[[F], F]:
    unknown = set(names) - set(ROLES)
    if unknown or not names:
        raise ValueError(f"unknown roles {unknown}")
    return _declare(frozenset(names))


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def access_rule(endpoint: str, app: Flask | None = None) -> object:
    app = app or current_app
    view = app.view_functions.get(endpoint)
    return getattr(view, "_access", None)


def enforce() -> object:
    if request.endpoint is None or request.endpoint == "static":
        return None
    rule = access_rule(request.endpoint)
    if rule is None:
        current_app.logger.error("endpoint %s declares no access rule; refused", request.endpoint)
        abort(403)
    if rule == PUBLIC:
        return None
    user = current_user._get_current_object()  # type: ignore[attr-defined]  # one proxy lookup, not three
    if not user.is_authenticated:
        if is_api_request():
            abort(401)
        return redirect(url_for("auth.login", next=request.full_path if request.query_string else request.path))
    if rule == AUTHENTICATED:
        return None
    if user.role not in rule:  # type: ignore[operator]
        abort(403)
    return None
