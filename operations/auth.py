"""Authentication: passwords, API tokens."""

from __future__ import annotations

import hmac
import secrets

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import joinedload

from extensions import db
from models.base import utcnow
from models.user import ApiToken, User, hash_token
from operations import audit
from operations.errors import NotFound

TOKEN_PREFIX = "zq_"  # noqa: S105 - a public marker, not a secret


def authenticate(email: str, password: str) -> User | None:
    if not isinstance(email, str) or not isinstance(password, str):
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        # Hash anyway so a missing account takes as long as a wrong password.
        User(password_hash="").set_password(password)
        return None
    return user if user.check_password(password) else None


def issue_token(user: User, name: str = "") -> str:
    """Create an API token and return it in plain text; only its hash is stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(user=user, token_hash=hash_token(token), prefix=token[:10], name=name[:100])
    db.session.add(row)
    db.session.flush()
    audit.record("create", "api_token", row.id, after={"user": user.email, "name": row.name}, actor=user)
    db.session.commit()
    return token


# One query for the token, its user and the user's agency: every API request starts here, and a check is held
# to three queries in all (operations/checks.py). Built once, so its cache key is memoised on the object; the
# token is read as columns (only the user is an ORM object: it becomes current_user).
_TOKEN_STMT = (select(User, ApiToken.id, ApiToken.token_hash, ApiToken.revoked_at, ApiToken.last_used_at)
               .join(ApiToken, ApiToken.user_id == User.id).options(joinedload(User.department))
               .where(ApiToken.token_hash == bindparam("token_hash")))


def user_for_token(token: str) -> User | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    found = db.session.execute(_TOKEN_STMT, {"token_hash": hash_token(token)}).first()
    if found is None:
        return None
    user, token_id, token_hash, revoked_at, last_used_at = found
    if revoked_at is not None or not hmac.compare_digest(token_hash, hash_token(token)) or not user.active:
        return None
    now = utcnow()
    # Coarse (hourly) so the profile page can show a stale token without a write on every API call.
    if last_used_at is None or (now - last_used_at).total_seconds() > 3600:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()
    return user


def revoke_token(user: User, token_id: int) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("token not found")
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("revoke", "api_token", row.id, before={"revoked": False}, after={"revoked": True})
        db.session.commit()
    return row


def revoke_token_value(token: str) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record("revoke", "api_token", row.id, before={"revoked": False}, after={"revoked": True})
        db.session.commit()
