from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.department import Department
from models.enterprise import Enterprise

# qdcore: "rejected" — the agency head refused an exempt inspection on a quiet day (it never takes place).
INSPECTION_STATUSES = ("planned", "pending_approval", "checked_in", "completed", "cancelled", "rejected")


class Inspection(db.Model):
    __tablename__ = "inspections"
    __table_args__ = (Index("ix_inspections_enterprise_date", "enterprise_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    date: Mapped[date]
    kind: Mapped[str] = mapped_column(String(20))
    subject: Mapped[str] = mapped_column(String(300))
    justification: Mapped[Optional[str]] = mapped_column(Text)
    reference: Mapped[Optional[str]] = mapped_column(String(200))
    emergency: Mapped[bool] = mapped_column(default=False)
    # Emergency inspections recorded more than 3 working days after the date (SPEC §3.2); stored because the
    # working-day calendar may later change and the flag must keep what was true when it was recorded.
    record_overdue: Mapped[bool] = mapped_column(default=False)
    on_protected_day: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(20), index=True)
    joint_with_id: Mapped[Optional[int]] = mapped_column(ForeignKey("inspections.id"))
    created_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    approved_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[Optional[datetime]]
    checked_in_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    checked_in_at: Mapped[Optional[datetime]]
    completed_at: Mapped[Optional[datetime]]
    result: Mapped[Optional[str]] = mapped_column(Text)
    cancelled_at: Mapped[Optional[datetime]]
    cancel_reason: Mapped[Optional[str]] = mapped_column(Text)
    cancelled_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    completed_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    # qdcore: the head's refusal of a pending inspection, with the reason the booker reads.
    rejected_at: Mapped[Optional[datetime]]
    rejected_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))
    rejection_reason: Mapped[Optional[str]] = mapped_column(Text)
    rating: Mapped[Optional[int]]
    rating_comment: Mapped[Optional[str]] = mapped_column(Text)
    rated_at: Mapped[Optional[datetime]]

    enterprise: Mapped[Enterprise] = relationship()
    department: Mapped[Department] = relationship()
    joint_with: Mapped[Optional[Inspection]] = relationship(remote_side=[id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    approved_by = relationship("User", foreign_keys=[approved_by_id])
    rejected_by = relationship("User", foreign_keys=[rejected_by_id])
    checked_in_by = relationship("User", foreign_keys=[checked_in_by_id])
