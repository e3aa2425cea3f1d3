"""Inspections in feeds: those planned on an enterprise (its feed) or by an agency (its inspectors' feeds)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, bindparam, func, or_, select

from extensions import db
from models.audit import AuditLog
from models.department import Department
from models.enterprise import Enterprise
from models.inspection import Inspection
from operations.feeds.core import (
    Owner,
    Quick,
    Source,
    Version,
    Window,
    _audit_cols,
    _max,
    _own_audit,
    _params,
    greatest,
)
from operations.labels import INSPECTION_STATUS_LABELS, KIND_LABELS
from rules import feeds as rf


def _touched() -> ColumnElement[datetime]:
    """An inspection's latest change: every transition sets one of these timestamps."""
    created = Inspection.created_at
    return greatest(created, *(func.coalesce(c, created) for c in (
        Inspection.approved_at, Inspection.checked_in_at, Inspection.completed_at, Inspection.cancelled_at)))


# The statements are built once and run with bind parameters through Core on the session's connection: on the
# 304 path, building and hashing a statement of a dozen subqueries, and the ORM's per-statement bookkeeping,
# would cost more than running it.
@functools.cache
def _inspections_stmt(by: str) -> Select:
    """Inspections are never deleted and every change sets one of their timestamps, so count, max id and the
    latest touch cover them (one index range). The audit part covers the names the events show: the agency's
    for an enterprise, the enterprise's for an agency."""
    column = Inspection.enterprise_id if by == "enterprise" else Inspection.department_id
    names = "department" if by == "enterprise" else "enterprise"
    return select(
        select(func.count(), func.max(Inspection.id), func.max(_touched()))
        .where(column == bindparam("owner")).subquery(),
        *_audit_cols(or_(AuditLog.entity == names, _own_audit())),
    )


@functools.cache
def _inspections_quick_stmt(by: str) -> Select:
    """The owner's inspections by index only (count, max id: inserts), and the latest audit id of any
    inspection (every transition is audited) and of the names shown."""
    column = Inspection.enterprise_id if by == "enterprise" else Inspection.department_id
    names = "department" if by == "enterprise" else "enterprise"
    return select(
        select(func.count()).select_from(Inspection).where(column == bindparam("insp_owner")).scalar_subquery(),
        select(func.max(Inspection.id)).where(column == bindparam("insp_owner")).scalar_subquery(),
        select(func.max(AuditLog.id)).where(AuditLog.entity == "inspection").scalar_subquery(),
        select(func.max(AuditLog.id)).where(or_(AuditLog.entity == names, _own_audit())).scalar_subquery(),
    )


def inspections_quick(by: str, owner_id: int, owner: Owner) -> Quick:
    return Quick(_inspections_quick_stmt(by), {"insp_owner": owner_id, **_params(owner)})


def inspections_version(by: str, owner_id: int, owner: Owner) -> Version:
    row = db.session.connection().execute(_inspections_stmt(by), {"owner": owner_id, **_params(owner)}).one()
    return Version(tuple(row), _max(row[2], row[4]))


_ICAL_STATUS = {"planned": "CONFIRMED", "pending_approval": "TENTATIVE", "checked_in": "CONFIRMED",
                "completed": "CONFIRMED", "cancelled": "CANCELLED"}


def inspection_events(cond: ColumnElement[bool], scope: str, *, show: str
                      ) -> Callable[[Window, str], list[rf.AllDayEvent]]:
    """Inspections matching ``cond`` as all-day events (an inspection has a date, not a time). ``show`` is
    whose name the title carries: the agency (for the enterprise) or the enterprise (for the agency).
    Cancelled ones stay, as CANCELLED with a SEQUENCE bump, so subscribed calendars drop or strike them."""

    def events(window: Window, host: str) -> list[rf.AllDayEvent]:
        rows = db.session.execute(
            select(Inspection, Department.name, Enterprise.name)
            .join(Department, Department.id == Inspection.department_id)
            .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
            .where(cond, Inspection.date >= window.start, Inspection.date <= window.end)
            .order_by(Inspection.id)
        ).all()
        # Translated once per render, not once per event: a thousand events would otherwise spend more time in
        # the translation layer than in the database.
        kinds = {k: str(v) for k, v in KIND_LABELS.items()}
        statuses = {k: str(v) for k, v in INSPECTION_STATUS_LABELS.items()}
        tpl = {"kind": _("Kind: %(kind)s"), "status": _("Status: %(status)s"),
               "why": _("Justification: %(text)s"), "ref": _("Reference: %(ref)s"),
               "summary": _("Inspection: %(who)s")}
        category = (_("Inspection"),)
        out = []
        for insp, dept_name, ent_name in rows:
            who = dept_name if show == "agency" else ent_name
            lines = [insp.subject, tpl["kind"] % {"kind": kinds.get(insp.kind, insp.kind)},
                     tpl["status"] % {"status": statuses.get(insp.status, insp.status)}]
            if insp.justification:
                lines.append(tpl["why"] % {"text": insp.justification})
            if insp.reference:
                lines.append(tpl["ref"] % {"ref": insp.reference})
            out.append(rf.AllDayEvent(
                uid=f"inspection-{insp.id}-{scope}@{host}",
                summary=tpl["summary"] % {"who": who},
                description="\n".join(lines),
                start=insp.date, last=insp.date,
                modified=_max(insp.created_at, insp.approved_at, insp.checked_in_at, insp.completed_at,
                              insp.cancelled_at),
                sequence=1 if insp.status == "cancelled" else 0,
                status=_ICAL_STATUS.get(insp.status, "CONFIRMED"),
                categories=category,
            ))
        return out

    return events


def source(by: str, owner: Owner) -> Source:
    """``by`` "enterprise": inspections planned on the owner's enterprise, titled with the agency;
    "department": the owner's agency's inspections, titled with the enterprise."""
    if by == "enterprise":
        assert owner.enterprise_id is not None
        owner_id, scope, show = owner.enterprise_id, f"e{owner.enterprise_id}", "agency"
        cond = Inspection.enterprise_id == owner_id
    else:
        assert owner.department_id is not None
        owner_id, scope, show = owner.department_id, f"a{owner.department_id}", "enterprise"
        cond = Inspection.department_id == owner_id
    return Source("inspections", lambda: inspections_version(by, owner_id, owner),
                  inspection_events(cond, scope, show=show),
                  quick=lambda: inspections_quick(by, owner_id, owner))
