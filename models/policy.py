from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.enterprise import Enterprise
from models.jurisdiction import Jurisdiction

POLICY_STATUSES = ("draft", "active", "revoked")
BINDS = ("level", "level_and_below")

policy_enterprises = Table(
    "policy_enterprises",
    db.metadata,
    Column("policy_id", ForeignKey("quiet_day_policies.id", ondelete="CASCADE"), primary_key=True),
    Column("enterprise_id", ForeignKey("enterprises.id", ondelete="CASCADE"), primary_key=True),
)


class QuietDayPolicy(db.Model):
    """A 宁静日 policy issued by a jurisdiction; revoked policies stay for history."""

    __tablename__ = "quiet_day_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    reference: Mapped[Optional[str]] = mapped_column(String(300))
    rule: Mapped[dict] = mapped_column(JSON)
    valid_from: Mapped[date]
    valid_until: Mapped[Optional[date]]
    status: Mapped[str] = mapped_column(String(10), default="draft", index=True)
    ownership: Mapped[list] = mapped_column(JSON, default=list)
    sizes: Mapped[list] = mapped_column(JSON, default=list)
    blocked_kinds: Mapped[list] = mapped_column(JSON, default=list)
    binds: Mapped[str] = mapped_column(String(20), default="level_and_below")
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    revoked_at: Mapped[Optional[datetime]]
    revoked_reason: Mapped[Optional[str]] = mapped_column(Text)

    jurisdiction: Mapped[Jurisdiction] = relationship()
    enterprises: Mapped[list[Enterprise]] = relationship(secondary=policy_enterprises, order_by="Enterprise.uscc")
    exceptions: Mapped[list[PolicyException]] = relationship(
        back_populates="policy", cascade="all, delete-orphan", order_by="PolicyException.date"
    )


class PolicyException(db.Model):
    """A single-date exception: `lift` unprotects the date, `add` protects it."""

    __tablename__ = "policy_exceptions"
    __table_args__ = (UniqueConstraint("policy_id", "date", name="uq_policy_exceptions_policy_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    policy_id: Mapped[int] = mapped_column(ForeignKey("quiet_day_policies.id", ondelete="CASCADE"), index=True)
    date: Mapped[date]
    effect: Mapped[str] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    policy: Mapped[QuietDayPolicy] = relationship(back_populates="exceptions")
    created_by = relationship("User")

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "date": self.date.isoformat(),
            "effect": self.effect,
            "reason": self.reason,
            "created_by": self.created_by.name if self.created_by else None,
        }
