from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from typing import Optional

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from extensions import db
from models.base import utcnow
from models.department import Department
from models.enterprise import Enterprise

ROLES = ("admin", "secretariat", "official", "department", "inspector", "enterprise")


def hash_token(token: str) -> str:
    # Tokens are long random strings, so a fast keyed-free SHA-256 is enough; the plain token is never stored.
    return hashlib.sha256(token.encode()).hexdigest()


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(20), index=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"), index=True)
    enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enterprises.id"), index=True)
    # An inspector marked head (负责人) approves exempt inspections of their agency.
    is_head: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[Optional[str]] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    department: Mapped[Optional[Department]] = relationship()
    enterprise: Mapped[Optional[Enterprise]] = relationship()
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", cascade="all, delete-orphan")

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    def get_id(self) -> str:
        # The session carries a fingerprint of the password hash: a password reset ends every old session.
        return f"{self.id}:{self.session_fingerprint()}"

    def session_fingerprint(self) -> str:
        return hashlib.sha256(f"session:{self.password_hash}".encode()).hexdigest()[:16]

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "email": self.email,
            "name": self.name,
            "role": self.role,
            "department_code": self.department.code if self.department else None,
            "enterprise_uscc": self.enterprise.uscc if self.enterprise else None,
            "is_head": self.is_head,
            "active": self.active,
        }


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters let a user recognise a token on the profile page without revealing it.
    prefix: Mapped[str] = mapped_column(String(12))
    name: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[Optional[datetime]]
    revoked_at: Mapped[Optional[datetime]]
    # Set when issued (TOKEN_TTL_DAYS); NULL only on tokens issued before expiry existed, which then expire
    # TOKEN_TTL_DAYS after created_at (operations.auth.expiry).
    expires_at: Mapped[Optional[datetime]]

    user: Mapped[User] = relationship(back_populates="tokens")

    def matches(self, token: str) -> bool:
        return hmac.compare_digest(self.token_hash, hash_token(token))


class UserSession(db.Model):
    """A browser login, server-side: the cookie carries a random id whose hash is stored here, so logout,
    "log out everywhere", a password reset or a deactivation end it even if the cookie was copied."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[Optional[datetime]]
