"""refusals (issue 9): one row per booking the quiet-day rules refused, so the dashboard can count them.

A refused booking leaves no inspection (its transaction is rolled back), so without this row the refusal
would only exist in the 409 answer. The jurisdiction is the enterprise's at the time of the refusal: the
figure is what was refused in that area then, even if the enterprise later moves.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import utcnow


class InspectionRefusal(db.Model):
    __tablename__ = "inspection_refusals"
    # The dashboard groups by jurisdiction, filtered by the requested date: one index covers that query.
    __table_args__ = (Index("ix_inspection_refusals_jurisdiction_date", "jurisdiction_id", "date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The inspection date asked for: the dashboard's from/to filter the inspections' date, so refusals too.
    date: Mapped[date]
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprises.id"))
    code: Mapped[str] = mapped_column(String(40))
