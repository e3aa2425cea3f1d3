from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import JSON, ForeignKey
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db
from models.base import utcnow


class CalendarYear(db.Model):
    """An admin-entered official holiday notice; it overrides chinesecalendar for its year."""

    __tablename__ = "calendar_years"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    holidays: Mapped[list] = mapped_column(JSON, default=list)
    workdays: Mapped[list] = mapped_column(JSON, default=list)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    updated_by_id: Mapped[Optional[int]] = mapped_column(ForeignKey("users.id"))

    def to_json(self) -> dict:
        return {"year": self.year, "holidays": sorted(self.holidays), "workdays": sorted(self.workdays)}
