from __future__ import annotations

import hmac
from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.user import User, hash_token


class FeedToken(db.Model):
    """The secret in a personal feed URL (/feeds/<token>.ics).

    Separate from API tokens on purpose: a feed URL ends up in calendar apps, sync services and screenshots, so
    a leaked one must only ever read that one calendar, never call the API. Stored hashed like API tokens; a
    user has at most one live token (issuing a new one revokes the old).
    """

    __tablename__ = "feed_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # Lets the profile page tell the user which link is live without revealing it.
    prefix: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship()

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(self.token_hash, hash_token(token))
