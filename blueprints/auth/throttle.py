"""Login throttling (the page and POST /api/v1/auth/token): failed attempts are counted three ways.

- per account *and* address (LOGIN_RATE_LIMIT, 5 per minute): the guessing limit. Someone who mistypes their
  own password locks only their account from their address, never the colleagues behind the same office NAT,
  and never the account's owner somewhere else.
- per address over all accounts (LOGIN_ADDRESS_RATE_LIMIT, 30 per minute): one address trying many accounts.
  Generous, because a whole office shares one NAT address.
- per account over all addresses (LOGIN_ACCOUNT_RATE_LIMIT, 50 per hour): guessing one password from many
  addresses. High enough that an attacker cannot cheaply lock the owner out.

Only failures count (``deduct_when``). The address is the real client address: X-Forwarded-For counts only
through the configured TRUSTED_PROXIES (config.py), so rotating it does not reset any counter.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import TypeVar

from flask import current_app, g, request
from flask_limiter.util import get_remote_address

from extensions import limiter

F = TypeVar("F", bound=Callable)


def _account() -> str:
    """The account an attempt is for (the email as typed, normalised), hashed so keys never hold it."""
    email: object = None
    if request.is_json:
        body = request.get_json(silent=True)
        email = body.get("email") if isinstance(body, dict) else None
    else:
        email = request.form.get("email")
    text = email.strip().lower()[:200] if isinstance(email, str) else ""
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def account_and_address_key() -> str:
    return f"login-account-address:{_account()}:{get_remote_address()}"


def address_key() -> str:
    return f"login-address:{get_remote_address()}"


def account_key() -> str:
    return f"login-account:{_account()}"


def _failed(_response: object) -> bool:
    return bool(g.get("login_failed"))


def throttled_login(view: F) -> F:
    """The three failed-login limits on a login view (which sets ``g.login_failed`` on a wrong password)."""
    limits = (
        (lambda: current_app.config["LOGIN_RATE_LIMIT"], account_and_address_key),
        (lambda: current_app.config["LOGIN_ADDRESS_RATE_LIMIT"], address_key),
        (lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], account_key),
    )
    for value, key in limits:
        view = limiter.limit(value, key_func=key, methods=["POST"], deduct_when=_failed)(view)
    return view
