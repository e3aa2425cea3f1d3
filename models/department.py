from __future__ import annotations

from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.jurisdiction import Jurisdiction


class Department(db.Model):
    """部门: an inspecting agency (执法部门) and/or a follow-up handling unit (承办单位)."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    inspects: Mapped[bool] = mapped_column(default=False)
    handles: Mapped[bool] = mapped_column(default=False)
    annual_inspection_cap: Mapped[Optional[int]]

    jurisdiction: Mapped[Jurisdiction] = relationship()

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "jurisdiction_code": self.jurisdiction.code,
            "inspects": self.inspects,
            "handles": self.handles,
            "annual_inspection_cap": self.annual_inspection_cap,
        }
