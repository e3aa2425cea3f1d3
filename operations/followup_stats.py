"""Dashboard figures (SPEC §5 "Dashboard"): per department, per jurisdiction, per meeting series.

Each block is one grouped query whatever the number of items, so the dashboard costs the same with 200 or
200,000 items (bench/followups_bench.py counts the queries).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Integer, and_, case, func, select

from extensions import db
from models.department import Department
from models.enterprise import Enterprise
from models.followup import FollowUp
from models.inspection import Inspection
from models.jurisdiction import Jurisdiction
from models.refusal import InspectionRefusal
from models.user import User
from operations.errors import Forbidden
from operations.followup_ledger import MAX_RANGE_DAYS, red_clause
from operations.followups import thresholds
from operations.validate import get_date, get_str, invalid, reject_unknown

RESOLVED = ("resolved", "closed")


def _subtree(code: str) -> list[int]:
    rows = db.session.execute(select(Jurisdiction.id, Jurisdiction.parent_id, Jurisdiction.code)).all()
    root = next((r.id for r in rows if r.code == code), None)
    if root is None:
        raise invalid("jurisdiction", _("No jurisdiction with the code %(code)s.", code=code),
                      "unknown_jurisdiction")
    children: dict[int | None, list[int]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append(r.id)
    out, todo = [], [root]
    while todo:
        node = todo.pop()
        out.append(node)
        todo.extend(children.get(node, []))
    return out


def _pct(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


def stats(user: User, args: Mapping[str, Any]) -> dict[str, Any]:
    if user.role not in ("admin", "secretariat", "official"):
        raise Forbidden(_("You do not have permission to do this."))
    reject_unknown(args, ("jurisdiction", "from", "to"))
    code = get_str(args, "jurisdiction", required=False, max_len=6)
    start = get_date(args, "from", required=False)
    end = get_date(args, "to", required=False)
    if start and end and (end < start or (end - start).days > MAX_RANGE_DAYS):
        raise invalid("to", _("The date range must run forwards and be at most %(n)s days.", n=MAX_RANGE_DAYS))
    area = _subtree(code) if code else None
    th = thresholds()

    item_filter = []
    if area is not None:
        item_filter.append(FollowUp.enterprise_id.in_(select(Enterprise.id).where(
            Enterprise.jurisdiction_id.in_(area))))
    if start:
        item_filter.append(FollowUp.assigned_on >= start)
    if end:
        item_filter.append(FollowUp.assigned_on <= end)

    def count_if(cond) -> Any:
        # count(*) FILTER (WHERE …) (PostgreSQL, SQLite ≥ 3.30): no CASE evaluated and summed per row, and 0
        # rather than NULL for an empty group.
        return func.count().filter(cond)

    resolved = FollowUp.resolved_on.is_not(None)
    # Grouped by the department id over follow_ups alone, then joined to the 30-odd departments: every column
    # read is in ix_follow_ups_lead_figures (count(*), not count(id)), so PostgreSQL answers from that index
    # without touching the table, and the join and the text grouping run on the department rows, not on every
    # item (joining first cost a hash probe and a text hash per item: ~60 % of the request at 200,000 items).
    per_dept = (
        select(FollowUp.lead_department_id.label("department_id"), func.count().label("total"),
               count_if(resolved).label("res"),
               count_if(and_(resolved, FollowUp.resolved_on <= FollowUp.due_on)).label("ontime"),
               count_if(red_clause(th)).label("overdue"), func.avg(FollowUp.rating.cast(Integer)).label("avg"),
               func.count(FollowUp.rating).label("rated"), count_if(FollowUp.rating >= 3).label("satisfied"),
               count_if(FollowUp.status == "closed").label("closed"))
        .where(*item_filter).group_by(FollowUp.lead_department_id).subquery())
    dept_rows = db.session.execute(
        select(Department.code, Department.name, per_dept.c.total, per_dept.c.res, per_dept.c.ontime,
               per_dept.c.overdue, per_dept.c.avg, per_dept.c.rated, per_dept.c.satisfied, per_dept.c.closed)
        .join(per_dept, per_dept.c.department_id == Department.id).order_by(Department.code)
    ).all()
    departments = [
        {"code": c, "name": n, "assigned": total, "resolved": int(res or 0), "on_time": int(ontime or 0),
         "on_time_rate": _pct(int(ontime or 0), int(res or 0)), "overdue": int(overdue or 0),
         "rated": rated, "average_rating": round(float(avg), 2) if avg is not None else None,
         "satisfaction_rate": _pct(int(satisfied or 0), rated)}
        for c, n, total, res, ontime, overdue, avg, rated, satisfied, _closed in dept_rows
    ]

    insp_filter = []
    if area is not None:
        insp_filter.append(Enterprise.jurisdiction_id.in_(area))
    if start:
        insp_filter.append(Inspection.date >= start)
    if end:
        insp_filter.append(Inspection.date <= end)
    done = Inspection.status.in_(("checked_in", "completed"))
    insp_rows = db.session.execute(
        select(Jurisdiction.code, Jurisdiction.name,
               count_if(Inspection.status != "cancelled"),
               count_if(Inspection.status == "cancelled"),
               count_if(and_(done, Inspection.on_protected_day, Inspection.justification.is_not(None))))
        .select_from(Inspection).join(Enterprise, Enterprise.id == Inspection.enterprise_id)
        .join(Jurisdiction, Jurisdiction.id == Enterprise.jurisdiction_id).where(*insp_filter)
        .group_by(Jurisdiction.code, Jurisdiction.name).order_by(Jurisdiction.code)
    ).all()
    # refusals: one grouped query over the stored refusals, same filters (area by the enterprise's jurisdiction
    # when refused, dates by the inspection date asked for). A jurisdiction with refusals only still gets a row.
    ref_filter = []
    if area is not None:
        ref_filter.append(InspectionRefusal.jurisdiction_id.in_(area))
    if start:
        ref_filter.append(InspectionRefusal.date >= start)
    if end:
        ref_filter.append(InspectionRefusal.date <= end)
    per_area = (select(InspectionRefusal.jurisdiction_id.label("jurisdiction_id"), func.count().label("refused"))
                .where(*ref_filter).group_by(InspectionRefusal.jurisdiction_id).subquery())
    refused = {(c, n): int(k) for c, n, k in db.session.execute(
        select(Jurisdiction.code, Jurisdiction.name, per_area.c.refused)
        .join(per_area, per_area.c.jurisdiction_id == Jurisdiction.id)).all()}
    by_area = {(c, n): (int(allowed or 0), int(cancelled or 0), int(protected or 0))
               for c, n, allowed, cancelled, protected in insp_rows}
    jurisdictions = [
        {"code": c, "name": n, "allowed": by_area.get((c, n), (0, 0, 0))[0],
         "cancelled": by_area.get((c, n), (0, 0, 0))[1], "refused": refused.get((c, n), 0),
         "protected_with_justification": by_area.get((c, n), (0, 0, 0))[2]}
        for c, n in sorted(set(by_area) | set(refused))
    ]

    # Every item has one lead department, so the totals are the sums of the department rows (no second scan).
    total = sum(d["assigned"] for d in departments)
    res = sum(d["resolved"] for d in departments)
    ontime = sum(d["on_time"] for d in departments)
    overdue = sum(d["overdue"] for d in departments)
    closed = sum(int(row[-1] or 0) for row in dept_rows)
    return {
        "as_of": th.today.isoformat(),
        "totals": {"raised": total, "resolved": res, "closed": closed, "on_time_rate": _pct(ontime, res),
                   "overdue": overdue},
        "series": series_stats(item_filter, area),
        "departments": departments,
        "jurisdictions": jurisdictions,
    }


def series_stats(item_filter: list, area: list[int] | None = None) -> list[dict[str, Any]]:
    """Per meeting series: sessions held, guests (accepted invitations of held sessions), items raised at its
    meetings, resolved, and the on-time rate."""
    from models.meeting import Invitation, Meeting, MeetingSeries

    series_where = [MeetingSeries.jurisdiction_id.in_(area)] if area is not None else []
    held = db.session.execute(
        select(MeetingSeries.id, MeetingSeries.name, func.count(Meeting.id))
        .outerjoin(Meeting, and_(Meeting.series_id == MeetingSeries.id, Meeting.status == "held"))
        .where(*series_where).group_by(MeetingSeries.id, MeetingSeries.name).order_by(MeetingSeries.id)
    ).all()
    guests = dict(db.session.execute(
        select(Meeting.series_id, func.count(Invitation.id)).join(Invitation, Invitation.meeting_id == Meeting.id)
        .where(Meeting.status == "held", Invitation.status == "accepted").group_by(Meeting.series_id)
    ).all())
    resolved = FollowUp.resolved_on.is_not(None)
    # Counted per meeting first (from the covering index on meeting_id, resolved_on, due_on), then summed per
    # series over the few hundred meetings.
    per_meeting = (
        select(FollowUp.meeting_id.label("meeting_id"), func.count().label("raised"),
               func.sum(case((resolved, 1), else_=0)).label("resolved"),
               func.sum(case((and_(resolved, FollowUp.resolved_on <= FollowUp.due_on), 1), else_=0)).label("ontime"))
        .where(FollowUp.meeting_id.is_not(None), *item_filter).group_by(FollowUp.meeting_id).subquery())
    items = {row[0]: row[1:] for row in db.session.execute(
        select(Meeting.series_id, func.sum(per_meeting.c.raised), func.sum(per_meeting.c.resolved),
               func.sum(per_meeting.c.ontime))
        .join(Meeting, Meeting.id == per_meeting.c.meeting_id).group_by(Meeting.series_id)
    ).all()}
    out = []
    for series_id, name, sessions in held:
        raised, res, ontime = (int(v or 0) for v in items.get(series_id, (0, 0, 0)))
        out.append({"id": series_id, "name": name, "sessions_held": sessions,
                    "guests": int(guests.get(series_id, 0)), "items_raised": raised, "items_resolved": res,
                    "on_time_rate": _pct(ontime, res)})
    return out
