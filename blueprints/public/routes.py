"""Public pages (no login): a jurisdiction's quiet days, as citizens and enterprises read them."""

from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_babel import gettext as _
from sqlalchemy import select

from access import public
from blueprints.policies.grid import month_bounds, month_weeks, parse_month, shift_month
from extensions import db
from models.jurisdiction import Jurisdiction
from operations import checks, policies
from operations.errors import NotFound

bp = Blueprint("public", __name__)


@bp.route("/quiet-days/<code>", methods=["GET"])
@public
def quiet_days(code: str):
    jurisdiction = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if jurisdiction is None:
        raise NotFound(_("No jurisdiction with this code."))
    today = checks.local_today()
    year, month = parse_month(request.args.get("month"), today)
    start, end = month_bounds(year, month)
    weeks = month_weeks(year, month)
    eng = checks.engine()
    sections = []
    for row in policies.active_policies_for(jurisdiction):
        try:
            days = set(eng.policy_days(row.id, start, end))
        except KeyError:  # a stored rule that no longer parses (logged when the engine is built)
            continue
        cells = {d: {"cls": "protected" if d in days else ""} for week in weeks for d in week if d}
        sections.append({"row": row, "text": policies.rule_text(row.rule or {}), "cells": cells,
                         "count": len(days)})
    return render_template(
        "public/quiet_days.html", jurisdiction=jurisdiction, sections=sections, year=year, month=month,
        weeks=weeks, today=today, prev_month=shift_month(year, month, -1),
        next_month=shift_month(year, month, 1),
    )
