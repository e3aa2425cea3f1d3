"""Personal feed tokens: the secret in /feeds/<token>.ics (Google cannot send credentials, so the URL is the key).

Stored hashed (SHA-256, like API tokens), looked up by hash and compared in constant time; a user has one live
token: issuing a new one revokes the old, inside one serialised write so two parallel requests cannot leave two
live links.
"""

from __future__ import annotations

import functools
import hmac
import re
import secrets

from flask_babel import gettext as _
from sqlalchemy import Connection, Select, bindparam, select, update

from extensions import db
from models.base import utcnow
from models.enterprise import Enterprise
from models.feed import FeedToken
from models.user import User, hash_token
from operations import audit
from operations.concurrency import begin_write
from operations.errors import Forbidden
from operations.feeds import FEED_ROLES, Owner

TOKEN_PREFIX = "zqf_"  # noqa: S105 - a public marker, not a secret
# token_urlsafe(24) gives 32 characters: 192 random bits, and a URL well below Google's 256-character limit.
_TOKEN_RE = re.compile(r"zqf_[A-Za-z0-9_-]{32}")


def issue(user: User) -> str:
    """A new feed token for ``user`` (plain text, shown once); every older one is revoked."""
    if user.role not in FEED_ROLES:
        raise Forbidden(_("Your role has no personal calendar feed."))
    begin_write((User, user.id))
    now = utcnow()
    revoked = db.session.execute(
        update(FeedToken).where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
        .values(revoked_at=now)
    ).rowcount
    token = TOKEN_PREFIX + secrets.token_urlsafe(24)
    row = FeedToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10], created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record("create", "feed_token", row.id, before={"live_tokens": revoked},
                 after={"user": user.email, "prefix": row.prefix}, actor=user)
    db.session.commit()
    return token


@functools.cache
def _owner_stmt() -> Select:
    return (
        select(FeedToken.token_hash, FeedToken.revoked_at, User.id, User.role, User.active, User.enterprise_id,
               Enterprise.uscc, User.department_id)
        .join(User, User.id == FeedToken.user_id)
        .outerjoin(Enterprise, Enterprise.id == User.enterprise_id)
        .where(FeedToken.token_hash == bindparam("hash"))
    )


def owner_for(token: str, conn: Connection | None = None) -> Owner | None:
    """The owner of a live token, or None (unknown, malformed, revoked, inactive user, role without feed).

    Columns only, in one query: this runs on every poll, including the 304s; ``conn`` a pooled connection to
    run it on instead of the session's."""
    if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
        return None
    # Core, not the ORM: the ORM's per-statement bookkeeping costs more than this query.
    row = (conn or db.session.connection()).execute(_owner_stmt(), {"hash": hash_token(token)}).first()
    # The lookup is by hash; compare again in constant time so a lookup quirk (collation, padding) cannot let
    # a near-miss through.
    if row is None or not hmac.compare_digest(row.token_hash, hash_token(token)) or row.revoked_at is not None:
        return None
    if not row.active or row.role not in FEED_ROLES:
        return None
    return Owner(user_id=row.id, role=row.role, enterprise_id=row.enterprise_id, uscc=row.uscc,
                 department_id=row.department_id)


def live_token(user: User) -> FeedToken | None:
    return db.session.scalar(
        select(FeedToken).where(FeedToken.user_id == user.id, FeedToken.revoked_at.is_(None))
        .order_by(FeedToken.id.desc())
    )
