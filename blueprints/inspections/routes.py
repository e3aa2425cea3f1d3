"""Inspection pages: the inspector's check page, booking, list, detail with actions, the enterprise's
inspection code (QR) and the 扫码入企 check-in page."""

from __future__ import annotations

from datetime import date
from typing import Any

import segno
from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from access import roles
from blueprints.inspections.cells import check_cell, legend_for
from blueprints.inspections.forms import (
    BookingForm,
    EmergencyForm,
    EmptyForm,
    RatingForm,
    ReasonForm,
    ResultForm,
    opts,
)
from blueprints.policies.grid import month_bounds, month_weeks, page_number, parse_month, shift_month
from blueprints.policies.routes import attach_error
from extensions import db
from models.department import Department
from models.enterprise import Enterprise
from models.jurisdiction import Jurisdiction
from models.policy import QuietDayPolicy
from operations import checks, day_roles, inspections, policies, reference
from operations.calendar import load_calendar
from operations.errors import DomainError, Forbidden
from operations.validate import parse_date

bp = Blueprint("inspections", __name__)

PLANNERS = ("inspector", "admin", "secretariat")
PER_PAGE = 30


def _inspecting_departments() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Department.code, Department.name).where(Department.inspects)
                              .order_by(Department.code)).all()
    return [(code, f"{name}（{code}）") for code, name in rows]


SEARCH_LIMIT = 20


def _search_enterprises(q: str) -> tuple[list[Enterprise], int]:
    """The first SEARCH_LIMIT matches and how many there are: a cut list must say it was cut, or the clerk
    concludes the enterprise is not registered."""
    stmt = reference.enterprises_stmt(q)
    found = list(db.session.scalars(stmt.limit(SEARCH_LIMIT)))
    if len(found) < SEARCH_LIMIT:
        return found, len(found)
    return found, db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def _policy_rows(ids: list[int]) -> dict[int, QuietDayPolicy]:
    if not ids:
        return {}
    return {p.id: p for p in db.session.scalars(select(QuietDayPolicy).where(QuietDayPolicy.id.in_(ids)))}


# ------------------------------------------------------------------------------------------ check page

CHECK_DEPARTMENT_KEY = "check_department"


def _default_department(uscc: str) -> str:
    """The agency an admin or the secretariat checks for when none is chosen: the one chosen last in this
    session, else the inspecting agency nearest to the enterprise (its own jurisdiction, then upwards), else
    the first inspecting agency."""
    codes = [code for code, _label in _inspecting_departments()]
    if not codes:
        return ""
    remembered = session.get(CHECK_DEPARTMENT_KEY)
    if remembered in codes:
        return remembered
    ent = db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc)) if uscc else None
    if ent is not None:
        juris = checks.jurisdictions()
        rows = db.session.execute(select(Department.code, Department.jurisdiction_id)
                                  .where(Department.inspects).order_by(Department.code)).all()
        for code in juris.chain(ent.jurisdiction_id):
            for dept_code, jid in rows:
                if juris.code_by_id.get(jid) == code:
                    return dept_code
    return codes[0]



@bp.route("/check", methods=["GET"])
@roles(*PLANNERS)
def check_page():
    args = request.args
    today = checks.local_today()
    q = (args.get("q") or "").strip()[:100]
    uscc = (args.get("uscc") or "").strip()[:18]
    kind = args.get("kind") or "routine"
    day = args.get("date") or today.isoformat()
    default_department = None
    if current_user.role == "inspector":
        department = current_user.department.code if current_user.department else ""
    else:
        department = (args.get("department") or "").strip()[:40]
    matches: list[Enterprise] = []
    match_total = 0
    if q and not uscc:
        matches, match_total = _search_enterprises(q)
        if len(matches) == 1:
            uscc = matches[0].uscc
    if current_user.role != "inspector":
        if department:
            session[CHECK_DEPARTMENT_KEY] = department
        else:
            # Admins and the secretariat check on behalf of an agency; an empty selector made the first check
            # fail with "检查部门为必填项", so start from a sensible agency and say which one was chosen.
            department = default_department = _default_department(uscc)
    status = 200
    error = result = enterprise = None
    explained: list[dict[str, Any]] = []
    cap_owner = None
    weeks: list = []
    cells: dict[date, dict[str, Any]] = {}
    month = prev_month = next_month = None
    if uscc:
        try:
            result = checks.check(current_user, {"uscc": uscc, "date": day, "kind": kind,
                                                 "department": department or None})
            enterprise = checks.find_enterprise(uscc)
            if result["cap"]:
                cap_owner = (db.session.scalar(select(Department.name).where(Department.code == result["cap"]["code"]))
                             if result["cap"]["scope"] == "department" else
                             db.session.scalar(select(Jurisdiction.name).where(
                                 Jurisdiction.code == result["cap"]["code"])))
            rows = _policy_rows([p["policy_id"] for p in result["blocking"] + result["advisory"]
                                 + result["exempt"]])
            for role_name in ("blocking", "exempt", "advisory"):
                for ref in result[role_name]:
                    row = rows.get(ref["policy_id"])
                    explained.append({"role": role_name, "ref": ref, "row": row,
                                      "text": policies.rule_text(row.rule or {}) if row else ""})
            year, mon = parse_month(args.get("month"), parse_date(day, "date"))
            month, prev_month, next_month = (year, mon), shift_month(year, mon, -1), shift_month(year, mon, 1)
            start, end = month_bounds(year, mon)
            answer = checks.days(current_user, uscc, {"from": start.isoformat(), "to": end.isoformat(),
                                                      "kind": kind, "department": result["department"]})
            roles_of = day_roles.policy_roles(
                checks.find_department(answer["department"]), kind,
                (pid for item in answer["days"] for pid in item["policy_ids"]))
            for item in answer["days"]:
                d = date.fromisoformat(item["date"])
                href = url_for("inspections.check_page", uscc=uscc, date=item["date"], kind=kind,
                               department=department or None)
                cells[d] = {**check_cell(item, roles_of), "href": href}
                if d < today:
                    # Only emergencies are recorded after the fact; dim the past so nobody plans into it.
                    cells[d]["cls"] += " past"
            weeks = month_weeks(year, mon)
        except DomainError as err:
            error, status = err, err.status
            result = None
    return render_template(
        "inspections/check.html", q=q, uscc=uscc, kind=kind, day=day, department=department, matches=matches,
        result=result, enterprise=enterprise, explained=explained, error=error, weeks=weeks, cells=cells,
        cap_owner=cap_owner, match_total=match_total, legend=legend_for(cells, today in cells),
        default_department=default_department,
        result_is_workday=result is None or load_calendar().is_workday(date.fromisoformat(result["date"])),
        month=month, prev_month=prev_month, next_month=next_month, today=today,
        departments=_inspecting_departments() if current_user.role != "inspector" else [],
    ), status


# ------------------------------------------------------------------------------------------ booking


def _booking_data(form: BookingForm) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uscc": form.uscc.data, "date": form.date.data or None, "kind": form.kind.data,
        "subject": form.subject.data, "justification": form.justification.data or None,
        "reference": form.reference.data or None, "emergency": bool(form.emergency.data),
        "joint_with": (form.joint_with.data or "").strip() or None,
    }
    if current_user.role != "inspector":
        data["department"] = form.department.data or None
    return data


@bp.route("/inspections/new", methods=["GET", "POST"])
@roles(*PLANNERS)
def new_page():
    form = BookingForm()
    form.department.choices = opts([("", "—"), *_inspecting_departments()])
    status = 200
    refusal = None
    if request.method == "GET":
        for name in ("uscc", "date", "kind", "joint_with", "department"):
            if request.args.get(name):
                getattr(form, name).data = request.args[name][:40]
    else:
        status = 422
        if form.validate_on_submit():
            try:
                insp, extra = inspections.book(current_user, _booking_data(form))
            except DomainError as err:
                db.session.rollback()
                status = err.status
                if err.code in ("quiet_day", "frequency_cap", "duplicate_inspection"):
                    refusal = err
                else:
                    attach_error(form, err)
            else:
                if insp.status == "pending_approval":
                    flash(_("Booked. The inspection is on a quiet day and waits for the head's approval."),
                          "warning")
                else:
                    flash(_("Inspection booked for %(date)s.", date=insp.date.isoformat()), "success")
                suggestion = extra.get("joint_suggestion")
                if suggestion:
                    flash(_("Another agency (%(dept)s) visits this enterprise on %(date)s: consider one "
                            "joint visit.", dept=suggestion["department_name"], date=suggestion["date"]),
                          "warning")
                return redirect(url_for("inspections.detail", inspection_id=insp.id))
    enterprise = None
    if form.uscc.data:
        enterprise = db.session.scalar(select(Enterprise).where(Enterprise.uscc == form.uscc.data.strip()))
    return render_template("inspections/new.html", form=form, refusal=refusal, enterprise=enterprise,
                           show_department=current_user.role != "inspector"), status


# ------------------------------------------------------------------------------------------ list, detail


@bp.route("/inspections", methods=["GET"])
@roles(*PLANNERS, "enterprise")
def list_page():
    raw = request.args.to_dict()
    page = page_number(raw.get("page"))
    filters = {k: v.strip() for k, v in raw.items() if k in ("uscc", "department", "from", "to", "status")
               and v.strip()}
    error = None
    try:
        stmt = inspections.list_statement(current_user, filters)
    except DomainError as err:
        error, filters = err, {}
        stmt = inspections.list_statement(current_user, {})
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    ratings = inspections.ratings_summary(current_user) if current_user.role in PLANNERS else []
    return render_template(
        "inspections/list.html", rows=rows, total=total, page=page, per_page=PER_PAGE, filters=filters,
        error=error, ratings=ratings, min_ratings=inspections.MIN_RATINGS_FOR_AVERAGE,
        departments=_inspecting_departments() if current_user.role in ("admin", "secretariat") else [],
    ), (error.status if error else 200)


def _render_detail(insp, status: int = 200, **forms: Any):
    user = current_user
    own_agency = user.role == "inspector" and user.department_id == insp.department_id
    suggestion = None
    if own_agency and insp.status in inspections.OPEN_STATUSES and not insp.joint_with_id:
        suggestion = inspections.joint_suggestion(insp.enterprise, insp.department, insp.date)
    return render_template(
        "inspections/detail.html", insp=insp, joined=inspections.joined_visits(insp), own_agency=own_agency,
        may_open=lambda other: inspections.can_see(user, other),
        is_head=own_agency and user.is_head, today=checks.local_today(), suggestion=suggestion,
        cancel_form=forms.get("cancel_form") or ReasonForm(formdata=None),
        reject_form=forms.get("reject_form") or ReasonForm(formdata=None),
        result_form=forms.get("result_form") or ResultForm(formdata=None),
        rating_form=forms.get("rating_form") or RatingForm(formdata=None),
        can_rate=user.role == "enterprise" and user.enterprise_id == insp.enterprise_id
        and insp.status == "completed" and insp.rating is None,
        can_cancel=insp.status in inspections.OPEN_STATUSES and (own_agency or user.role in ("admin",
                                                                                           "secretariat")),
    ), status


@bp.route("/inspections/<int:inspection_id>", methods=["GET"])
@roles(*PLANNERS, "enterprise")
def detail(inspection_id: int):
    return _render_detail(inspections.get_visible(current_user, inspection_id))


def _attempt(insp, action) -> DomainError | None:
    """Run a write on an inspection; its refusal is returned to show, except a 403 on an inspection the user may
    not even see, which stays a 403 page (no hint that it exists)."""
    try:
        action()
    except DomainError as err:
        db.session.rollback()
        if err.status == 403 and not inspections.can_see(current_user, insp):
            raise
        return err
    return None


def _act(inspection_id: int, action, success: str, form_name: str | None = None, form=None):
    insp = inspections.get_inspection(inspection_id)
    err = _attempt(insp, action)
    if err is not None:
        if form is not None:
            attach_error(form, err)
        else:
            flash(err.message, "error")
        return _render_detail(insp, err.status, **({form_name: form} if form_name else {}))
    flash(success, "success")
    return redirect(url_for("inspections.detail", inspection_id=inspection_id))


# ------------------------------------------------------------------------------------------ approvals (qdcore)


def _from_queue() -> bool:
    """The decision was taken in the dashboard's approval queue: go back there, whatever the outcome."""
    return request.form.get("next") == "dashboard"


def _decide_in_queue(inspection_id: int, action, success: str):
    err = _attempt(inspections.get_inspection(inspection_id), action)
    if err is not None:
        flash(_("Inspection no. %(id)s: %(message)s", id=inspection_id, message=err.message), "error")
    else:
        flash(success, "success")
    # POST-redirect-GET: a refresh of the dashboard never sends the decision again.
    return redirect(url_for("main.dashboard") + "#approvals", code=303)


@bp.route("/inspections/<int:inspection_id>/approve", methods=["POST"])
@roles("inspector")
def approve(inspection_id: int):
    action = lambda: inspections.approve(current_user, inspection_id)  # noqa: E731
    if _from_queue():
        return _decide_in_queue(inspection_id, action, _("Approved."))
    return _act(inspection_id, action, _("Approved."))


@bp.route("/inspections/<int:inspection_id>/reject", methods=["POST"])
@roles("inspector")
def reject(inspection_id: int):
    form = ReasonForm()
    action = lambda: inspections.reject(current_user, inspection_id, {"reason": form.reason.data})  # noqa: E731
    success = _("Rejected; the booker sees your reason.")
    if _from_queue():
        return _decide_in_queue(inspection_id, action, success)
    return _act(inspection_id, action, success, "reject_form", form)


@bp.app_context_processor
def _approval_context() -> dict[str, Any]:
    # Lazy: only the dashboard partial and the navigation call these, once per page.
    return {"approval_queue": lambda: inspections.approval_queue(current_user)
            if current_user.is_authenticated else [],
            "approval_today": checks.local_today}


def approvals_nav_item() -> tuple[str, Any] | None:
    """The navigation entry of an agency head: the approval queue with how many inspections wait."""
    if not current_user.is_authenticated or current_user.role != "inspector" or not current_user.is_head:
        return None
    count = inspections.approval_count(current_user)
    return url_for("main.dashboard") + "#approvals", _("Approvals (%(n)s)", n=count)


@bp.route("/inspections/<int:inspection_id>/check-in", methods=["POST"])
@roles("inspector")
def check_in(inspection_id: int):
    return _act(inspection_id, lambda: inspections.check_in(current_user, inspection_id), _("Checked in."))


@bp.route("/inspections/<int:inspection_id>/complete", methods=["POST"])
@roles("inspector")
def complete(inspection_id: int):
    form = ResultForm()
    return _act(inspection_id, lambda: inspections.complete(
        current_user, inspection_id, {"result": form.result.data or None}), _("Inspection completed."),
        "result_form", form)


@bp.route("/inspections/<int:inspection_id>/cancel", methods=["POST"])
@roles(*PLANNERS)
def cancel(inspection_id: int):
    form = ReasonForm()
    return _act(inspection_id, lambda: inspections.cancel(current_user, inspection_id,
                                                          {"reason": form.reason.data}),
                _("Inspection cancelled."), "cancel_form", form)


@bp.route("/inspections/<int:inspection_id>/rate", methods=["POST"])
@roles("enterprise")
def rate(inspection_id: int):
    form = RatingForm()
    return _act(inspection_id, lambda: inspections.rate(
        current_user, inspection_id, {"rating": form.rating.data, "comment": form.comment.data or None}),
        _("Thank you for your rating."), "rating_form", form)


# ------------------------------------------------------------------------------------------ 扫码入企


@bp.route("/inspections/code/<uscc>", methods=["GET"])
@roles("enterprise", "admin", "secretariat")
def code(uscc: str):
    ent = checks.find_enterprise(uscc)
    if current_user.role == "enterprise" and current_user.enterprise_id != ent.id:
        raise Forbidden(_("You may only see your own enterprise."))
    target = url_for("inspections.checkin", uscc=ent.uscc, _external=True)
    qr = segno.make(target, error="m")
    return render_template("inspections/code.html", ent=ent, target=target,
                           qr_uri=qr.svg_data_uri(scale=8, border=2))


def _render_checkin(ent: Enterprise, status: int = 200, error: DomainError | None = None,
                    emergency_form: EmergencyForm | None = None):
    return render_template(
        "inspections/checkin.html", ent=ent, todays=inspections.todays_for(current_user, ent), error=error,
        today=checks.local_today(), form=EmptyForm(),
        emergency_form=emergency_form or EmergencyForm(formdata=None),
    ), status


@bp.route("/checkin/<uscc>", methods=["GET"])
@roles("inspector")
def checkin(uscc: str):
    return _render_checkin(checks.find_enterprise(uscc))


@bp.route("/checkin/<uscc>", methods=["POST"])
@roles("inspector")
def checkin_post(uscc: str):
    ent = checks.find_enterprise(uscc)
    try:
        insp = inspections.check_in_at(current_user, ent.uscc)
    except DomainError as err:
        db.session.rollback()
        return _render_checkin(ent, err.status, err)
    flash(_("Checked in at %(name)s.", name=ent.name), "success")
    return redirect(url_for("inspections.detail", inspection_id=insp.id))


@bp.route("/checkin/<uscc>/emergency", methods=["POST"])
@roles("inspector")
def checkin_emergency(uscc: str):
    ent = checks.find_enterprise(uscc)
    form = EmergencyForm()
    try:
        insp = inspections.emergency_check_in(current_user, ent.uscc, {
            "kind": form.kind.data, "subject": form.subject.data, "justification": form.justification.data,
            "reference": form.reference.data or None})
    except DomainError as err:
        db.session.rollback()
        attach_error(form, err)
        return _render_checkin(ent, err.status, err, form)
    flash(_("Emergency inspection recorded and checked in."), "success")
    return redirect(url_for("inspections.detail", inspection_id=insp.id))
