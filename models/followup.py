"""Follow-up items (问题/诉求, SPEC §5) and what happens to them: history, extensions, ratings, reminders.

Warnings (yellow/red) are deliberately *not* columns: they depend on today and the calendar (rules/followups.py).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Optional

from sqlalchemy import JSON, Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.department import Department
from models.enterprise import Enterprise

follow_up_assists = Table(
    "follow_up_assists",
    db.metadata,
    Column("follow_up_id", ForeignKey("follow_ups.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id"), primary_key=True, index=True),
)


class FollowUp(db.Model):
    __tablename__ = "follow_ups"
    __table_args__ = (
        # A department's items, and the dashboard's per-department figures: the columns they count are in the
        # index, so PostgreSQL answers from the index alone (an index-only scan) instead of reading every row.
        Index("ix_follow_ups_lead_figures", "lead_department_id", "status", "due_on", "resolved_on", "rating"),
        Index("ix_follow_ups_status_due", "status", "due_on"),
        # Items of a meeting, and the per-series figures counted from the index alone.
        Index("ix_follow_ups_meeting_figures", "meeting_id", "resolved_on", "due_on"),
        Index("ix_follow_ups_enterprise_status", "enterprise_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(20))
    # The meeting or visit the item was raised at, and the issue of its minutes it was made from (one item per
    # issue: a second assignment of the same issue is a 409, not a duplicate row).
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meetings.id"))
    minutes_issue_id: Mapped[Optional[int]] = mapped_column(ForeignKey("minutes_issues.id"), unique=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[Optional[str]] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(20), default="other")
    lead_department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    level: Mapped[str] = mapped_column(String(20))
    workdays: Mapped[int]
    assigned_on: Mapped[date] = mapped_column(index=True)
    due_on: Mapped[date]
    status: Mapped[str] = mapped_column(String(20))
    # Day of the latest progress note (the assignment day before the first): stored because the silence
    # warning needs it on every ledger row, and reading it from the history would cost a query per row.
    last_progress_on: Mapped[date]
    resolution: Mapped[Optional[str]] = mapped_column(Text)
    resolved_on: Mapped[Optional[date]]
    closed_on: Mapped[Optional[date]]
    close_reason: Mapped[Optional[str]] = mapped_column(String(20))  # rated | unrated
    reopen_count: Mapped[int] = mapped_column(default=0)
    rating: Mapped[Optional[int]]  # the latest rating (the history of ratings is in follow_up_ratings)
    # 挂号督办: put under supervision by the secretariat; on the board until closed (清零销号).
    supervised_on: Mapped[Optional[date]] = mapped_column(index=True)
    supervised_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    supervision_note: Mapped[Optional[str]] = mapped_column(Text)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enterprise: Mapped[Enterprise] = relationship()
    lead_department: Mapped[Department] = relationship()
    assist_departments: Mapped[list[Department]] = relationship(secondary=follow_up_assists,
                                                                order_by=Department.code)
    events: Mapped[list[FollowUpEvent]] = relationship(back_populates="follow_up",
                                                       order_by="FollowUpEvent.id",
                                                       cascade="all, delete-orphan")


class FollowUpEvent(db.Model):
    """One step of an item's history (the timeline): assigned, progress, resolved, rated, reopened, closed,
    extension requested/approved/refused, supervised."""

    __tablename__ = "follow_up_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    on: Mapped[date]  # the local working day it happened (what the deadline rules count)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    user_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"))
    note: Mapped[Optional[str]] = mapped_column(Text)
    data: Mapped[Optional[Any]] = mapped_column(JSON)

    follow_up: Mapped[FollowUp] = relationship(back_populates="events")
    user = relationship("User")
    department: Mapped[Optional[Department]] = relationship()


class FollowUpExtension(db.Model):
    """An extension request (延期申请): asked by the lead department before the due date, decided by the
    secretariat. At most one pending per item."""

    __tablename__ = "follow_up_extensions"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending | approved | refused
    old_due_on: Mapped[date]
    new_due_on: Mapped[date]
    reason: Mapped[str] = mapped_column(Text)
    requested_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    requested_on: Mapped[date]
    decided_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    decided_on: Mapped[Optional[date]]
    decision_note: Mapped[Optional[str]] = mapped_column(Text)

    follow_up: Mapped[FollowUp] = relationship()


class FollowUpRating(db.Model):
    """Each rating the enterprise gave (one per resolution round; a low one reopens the item)."""

    __tablename__ = "follow_up_ratings"
    __table_args__ = (UniqueConstraint("follow_up_id", "round"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_up_id: Mapped[int] = mapped_column(ForeignKey("follow_ups.id", ondelete="CASCADE"), index=True)
    round: Mapped[int]  # reopen_count at the time: the unique key makes a double submission a 409
    rating: Mapped[int]
    comment: Mapped[Optional[str]] = mapped_column(Text)
    rated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(default=utcnow)


class FollowUpReminder(db.Model):
    """A reminder e-mail sent (one per recipient, kind and day), so a second cron run the same day sends
    nothing new."""

    __tablename__ = "follow_up_reminders"
    __table_args__ = (UniqueConstraint("sent_on", "kind", "recipient"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sent_on: Mapped[date]
    kind: Mapped[str] = mapped_column(String(20))  # department | digest
    recipient: Mapped[str] = mapped_column(String(200))
    department_id: Mapped[Optional[int]] = mapped_column(ForeignKey("departments.id"))
    item_count: Mapped[int] = mapped_column(default=0)
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
