"""The enterprise's own view: its quiet days and every inspection planned on it."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from access import roles
from blueprints.labels import KIND_LABELS, label
from blueprints.policies.grid import month_bounds, month_weeks, parse_month, shift_month
from extensions import db
from models.department import Department
from models.inspection import Inspection
from models.policy import QuietDayPolicy
from operations import checks, day_roles, inspections, policies
from operations.errors import Forbidden

bp = Blueprint("enterprise_portal", __name__)


@bp.route("/calendar", methods=["GET"])
@roles("enterprise")
def calendar():
    ent = current_user.enterprise
    if ent is None:
        raise Forbidden(_("Your account is not attached to an enterprise."))
    today = checks.local_today()
    year, month = parse_month(request.args.get("month"), today)
    start, end = month_bounds(year, month)
    protected = checks.engine().protected_days(checks.enterprise_input(ent), start, end)
    ids = sorted({pid for pids in protected.values() for pid in pids})
    titles = {p.id: p for p in db.session.scalars(select(QuietDayPolicy).where(QuietDayPolicy.id.in_(ids)))}
    rows = list(db.session.scalars(
        select(Inspection).where(Inspection.enterprise_id == ent.id, Inspection.date >= start,
                                 Inspection.date <= end).order_by(Inspection.date, Inspection.id)))
    by_day: dict = {}
    for insp in rows:
        if insp.status not in ("cancelled", "rejected"):  # neither takes place
            by_day.setdefault(insp.date, []).append(insp)
    cells = {}
    for week in month_weeks(year, month):
        for d in week:
            if d is None:
                continue
            notes = [titles[pid].title for pid in protected.get(d, ()) if pid in titles]
            notes += [f"{insp.department.name}·{label(KIND_LABELS, insp.kind)}" for insp in by_day.get(d, [])]
            cells[d] = {"cls": "protected" if d in protected else "", "note": " / ".join(notes)}
    shown = [titles[i] for i in ids if i in titles]
    agencies = list(db.session.scalars(select(Department).where(Department.inspects).order_by(Department.code)))
    # Which agencies each policy binds: the others may still come on these days, so the enterprise must know.
    binds = {p.id: {"agencies": day_roles.bound_departments(p, agencies),
                    "kinds": _(", ").join(label(KIND_LABELS, k) for k in (p.blocked_kinds or [])),
                    "rule": policies.rule_text(p.rule or {})} for p in shown}
    return render_template(
        "enterprise_portal/calendar.html", binds=binds, ent=ent, year=year, month=month, weeks=month_weeks(year, month),
        cells=cells, policies=shown, inspections=rows, today=today,
        prev_month=shift_month(year, month, -1), next_month=shift_month(year, month, 1),
        to_json=inspections.to_json,
    )
