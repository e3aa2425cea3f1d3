from __future__ import annotations

from datetime import datetime
from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db
from models.base import utcnow
from models.jurisdiction import Jurisdiction

OWNERSHIPS = ("private", "state", "foreign", "collective", "individual")
SIZES = ("above_scale", "large", "medium", "small", "micro")


class Enterprise(db.Model):
    """企业/市场主体, identified by its 统一社会信用代码 (USCC)."""

    __tablename__ = "enterprises"

    id: Mapped[int] = mapped_column(primary_key=True)
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    # 简称: how people actually name enterprises (时代工塑, 联诚集团); searched like the full name.
    short_name: Mapped[Optional[str]] = mapped_column(String(60))
    jurisdiction_id: Mapped[int] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    ownership: Mapped[str] = mapped_column(String(20))
    industry: Mapped[Optional[str]] = mapped_column(String(100))
    size: Mapped[Optional[str]] = mapped_column(String(20))
    address: Mapped[Optional[str]] = mapped_column(String(300))
    liaison_name: Mapped[Optional[str]] = mapped_column(String(100))
    liaison_phone: Mapped[Optional[str]] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    jurisdiction: Mapped[Jurisdiction] = relationship()

    def to_json(self) -> dict:
        return {
            "uscc": self.uscc,
            "name": self.name,
            "short_name": self.short_name,
            "jurisdiction_code": self.jurisdiction.code,
            "ownership": self.ownership,
            "industry": self.industry,
            "size": self.size,
            "address": self.address,
            "liaison_name": self.liaison_name,
            "liaison_phone": self.liaison_phone,
        }
