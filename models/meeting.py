"""Meetings and visits (SPEC §4): series, meetings with hosts and departments, invitations with topics,
minutes with revisions, the issues raised in them, and in-app notices.

A visit (走访) is a meeting of kind ``visit`` with an ``enterprise_id``: it shares the host calendar, the
conflict rules and the feeds, so it is not a table of its own. Times are stored naive in UTC (like
``utcnow``) so SQLite and PostgreSQL round-trip the same value; pages and the API show Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import Column, ForeignKey, Index, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.department import Department
from models.enterprise import Enterprise
from models.jurisdiction import Jurisdiction
from models.user import User

MEETING_KINDS = ("breakfast", "lunch", "symposium", "visit")
# `proposed`: a visit on one of the enterprise's protected days, waiting for the enterprise to accept it.
MEETING_STATUSES = ("draft", "proposed", "scheduled", "held", "cancelled")
INVITATION_STATUSES = ("invited", "accepted", "declined")

meeting_hosts = Table(
    "meeting_hosts",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)

meeting_departments = Table(
    "meeting_departments",
    db.metadata,
    Column("meeting_id", ForeignKey("meetings.id", ondelete="CASCADE"), primary_key=True),
    Column("department_id", ForeignKey("departments.id", ondelete="CASCADE"), primary_key=True),
)


class MeetingSeries(db.Model):
    """A recurring format such as 株洲市政企"早餐会"; its sessions are numbered 第N期."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    default_venue: Mapped[Optional[str]] = mapped_column(String(200))
    default_start_time: Mapped[Optional[str]] = mapped_column(String(5))  # "07:30", local time
    default_duration_minutes: Mapped[int] = mapped_column(default=90)
    default_capacity: Mapped[int] = mapped_column(default=6)
    # The next 第N期 to hand out. Only ever incremented (under a row lock), so a number is never reused, also
    # not after the meeting holding it is cancelled.
    next_number: Mapped[int] = mapped_column(default=1)
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()


class Meeting(db.Model):
    __tablename__ = "meetings"
    __table_args__ = (
        # Belt and braces for the numbering: even a bug in the counter cannot give two sessions one number.
        UniqueConstraint("series_id", "number"),
        Index("ix_meetings_starts_ends", "starts_at", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meeting_series.id"), index=True)
    number: Mapped[Optional[int]]
    kind: Mapped[str] = mapped_column(String(20))
    title: Mapped[str] = mapped_column(String(300))
    starts_at: Mapped[datetime]  # UTC, naive
    ends_at: Mapped[datetime]  # UTC, naive
    venue: Mapped[Optional[str]] = mapped_column(String(200))
    capacity: Mapped[Optional[int]]
    status: Mapped[str] = mapped_column(String(20), index=True)
    # Visits: the enterprise visited, and whether the time falls on one of its protected days.
    enterprise_id: Mapped[Optional[int]] = mapped_column(ForeignKey("enterprises.id"), index=True)
    on_protected_day: Mapped[bool] = mapped_column(default=False)
    # The enterprise's counter-proposal for a proposed visit (UTC, naive), until the secretariat reschedules.
    counter_starts_at: Mapped[Optional[datetime]]
    counter_ends_at: Mapped[Optional[datetime]]
    counter_note: Mapped[Optional[str]] = mapped_column(Text)
    # Bumped on every change invitees should see (reschedule, cancel): iCalendar SEQUENCE (RFC 5545).
    sequence: Mapped[int] = mapped_column(default=0)
    cancel_reason: Mapped[Optional[str]] = mapped_column(Text)
    cancelled_at: Mapped[Optional[datetime]]
    cancelled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    series: Mapped[Optional[MeetingSeries]] = relationship()
    enterprise: Mapped[Optional[Enterprise]] = relationship()
    created_by: Mapped[Optional[User]] = relationship(foreign_keys=[created_by_id])
    hosts: Mapped[list[User]] = relationship(secondary=meeting_hosts, order_by=User.id)
    departments: Mapped[list[Department]] = relationship(secondary=meeting_departments, order_by=Department.id)
    invitations: Mapped[list[Invitation]] = relationship(back_populates="meeting", order_by="Invitation.id")


class Invitation(db.Model):
    """An enterprise invited to a meeting, its answer and the topics it will raise (提需求、定菜单)."""

    __tablename__ = "invitations"
    # The same enterprise is never invited twice to one meeting, even by two parallel requests.
    __table_args__ = (UniqueConstraint("meeting_id", "enterprise_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    representative: Mapped[Optional[str]] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20), default="invited")
    topics: Mapped[Optional[str]] = mapped_column(Text)
    responded_at: Mapped[Optional[datetime]]
    responded_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    invited_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship(back_populates="invitations")
    enterprise: Mapped[Enterprise] = relationship()


class MinutesRevision(db.Model):
    """One saved version of a meeting's minutes (纪要); the newest is the current text."""

    __tablename__ = "minutes_revisions"
    __table_args__ = (UniqueConstraint("meeting_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    number: Mapped[int]
    text: Mapped[str] = mapped_column(Text)
    author_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Optional[User]] = relationship()


class MinutesIssue(db.Model):
    """An issue an enterprise raised at a meeting, recorded on the minutes page.

    Its id is stable: the follow-up ledger (issue 9) links an item to it by ``minutes_issue_id``.
    """

    __tablename__ = "minutes_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    description: Mapped[Optional[str]] = mapped_column(Text)
    category: Mapped[Optional[str]] = mapped_column(String(30))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    meeting: Mapped[Meeting] = relationship()
    enterprise: Mapped[Enterprise] = relationship()


class Notice(db.Model):
    """An in-app notice (站内通知) for one user: invited, rescheduled, cancelled, answered."""

    __tablename__ = "notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[Optional[int]] = mapped_column(ForeignKey("meetings.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[Optional[datetime]]
