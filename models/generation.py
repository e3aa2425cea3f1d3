"""The quiet-day generation: one row bumped by a database trigger on every write to the engine's inputs."""

from __future__ import annotations

from sqlalchemy import BigInteger, CheckConstraint
from sqlalchemy.orm import Mapped, mapped_column

from extensions import db

# Tables whose rows the quiet-day engine (operations/checks.py) is built from. Migration 0007 puts a trigger
# on each, so every write to them (ORM, Core, raw SQL, CLI, psql, COPY) bumps the generation in the same
# transaction; no write path can forget it. `enterprises` only matters through its uscc (white lists are kept
# by USCC in the engine), so only an update of uscc or a delete bumps there.
ENGINE_TABLES = ("quiet_day_policies", "policy_exceptions", "policy_enterprises", "calendar_years",
                 "jurisdictions")


class QuietDayGeneration(db.Model):
    """Which version of the quiet-day inputs is committed. Workers cache the engine per (generation, nonce).

    ``nonce`` is random on every bump: a transaction that bumped, built an engine from its own uncommitted
    writes and then rolled back leaves a cached key that a later committed bump can never reproduce (a plain
    counter would hand out the same number again). The row may be missing (tests empty every table): then
    nothing is cached, and the next write re-creates it with a fresh nonce.
    """

    __tablename__ = "quietday_generation"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    generation: Mapped[int] = mapped_column(BigInteger)
    nonce: Mapped[int] = mapped_column(BigInteger)


# Indexes for province-scale data (migration 0007), declared here rather than in models/inspection.py and
# models/policy.py so this branch's schema additions live in one file.
def _indexes() -> None:
    from sqlalchemy import Index

    from models.inspection import Inspection
    from models.policy import policy_enterprises

    Index("ix_inspections_department_date", Inspection.department_id, Inspection.date, Inspection.id)
    Index("ix_inspections_date_id", Inspection.date, Inspection.id)
    Index("ix_policy_enterprises_enterprise_id", policy_enterprises.c.enterprise_id)


_indexes()
