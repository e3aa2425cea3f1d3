from __future__ import annotations

from typing import Optional

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from extensions import db


class Jurisdiction(db.Model):
    """行政区划 (GB/T 2260): a tree of 6-digit codes."""

    __tablename__ = "jurisdictions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(6), unique=True)
    name: Mapped[str] = mapped_column(String(100))
    parent_id: Mapped[Optional[int]] = mapped_column(ForeignKey("jurisdictions.id"), index=True)
    annual_inspection_cap: Mapped[Optional[int]]

    parent: Mapped[Optional[Jurisdiction]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Jurisdiction]] = relationship(back_populates="parent", order_by="Jurisdiction.code")

    def chain(self) -> list[Jurisdiction]:
        """This jurisdiction first, then its ancestors up to the root."""
        out: list[Jurisdiction] = []
        node: Jurisdiction | None = self
        while node is not None and node not in out:
            out.append(node)
            node = node.parent
        return out

    def to_json(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "parent_code": self.parent.code if self.parent else None,
            "annual_inspection_cap": self.annual_inspection_cap,
        }
