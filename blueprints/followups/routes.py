"""Follow-up pages: the ledger (a department's queue, an enterprise's own items, an official's items by the
same page), assignment, the item with its timeline and action forms, the supervision board, the exports and
the dashboard figures. Every action calls the same operation as the JSON API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from access import roles
from blueprints.followups.forms import (
    AssignForm,
    DecideForm,
    ExtendForm,
    NoteForm,
    RateForm,
    ResolveForm,
    SuperviseForm,
)
from blueprints.inspections.forms import opts
from blueprints.policies.grid import page_number
from blueprints.policies.routes import attach_error
from extensions import db
from models.department import Department
from models.followup import FollowUp
from models.meeting import MinutesIssue
from operations import followup_ledger as ledger
from operations import followup_loop as loop
from operations import followup_stats as stats
from operations import followups
from operations.calendar import load_calendar
from operations.errors import DomainError
from operations.followup_labels import EVENT_LABELS, RATING_LABELS, WARNING_LABELS

bp = Blueprint("followups", __name__)

VIEWERS = ledger.VIEWERS
ASSIGNERS = ("admin", "secretariat")
PER_PAGE = 30


def _handling_departments() -> list[tuple[str, str]]:
    rows = db.session.execute(select(Department.code, Department.name).where(Department.handles)
                              .order_by(Department.code)).all()
    return [(code, name) for code, name in rows]


def _page_rows(stmt, page: int) -> tuple[int, list[FollowUp]]:
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    rows = db.session.scalars(ledger.with_rows(stmt).limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return total, list(rows)


@bp.route("/follow-ups", methods=["GET"])
@roles(*VIEWERS)
def ledger_page():
    filters = ledger.clean_filters(request.args.to_dict())
    page = page_number(request.args.get("page"))
    th = followups.thresholds()
    error = None
    try:
        stmt = ledger.statement(current_user, filters, th)
    except DomainError as err:
        error, filters = err, {}
        stmt = ledger.statement(current_user, {}, th)
    total, rows = _page_rows(stmt, page)
    return render_template(
        "followups/ledger.html", rows=rows, total=total, page=page, per_page=PER_PAGE, filters=filters,
        error=error, warnings={r.id: followups.warning_of(r, th) for r in rows}, today=th.today,
        departments=_handling_departments() if current_user.role != "enterprise" else [],
        can_export=current_user.role in ("admin", "secretariat", "department", "official"),
    ), (error.status if error else 200)


@bp.route("/follow-ups/supervision", methods=["GET"])
@roles("admin", "secretariat", "official")
def board():
    """挂号督办 board: supervised items until they are closed (清零销号)."""
    th = followups.thresholds()
    stmt = ledger.statement(current_user, {"supervised": "true"}, th).where(FollowUp.status != "closed")
    page = page_number(request.args.get("page"))
    total, rows = _page_rows(stmt, page)
    return render_template("followups/board.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           warnings={r.id: followups.warning_of(r, th) for r in rows})


def _assign_form() -> AssignForm:
    form = AssignForm()
    depts = _handling_departments()
    form.lead_department.choices = opts([("", "—"), *depts])
    form.assist_departments.choices = opts(depts)
    return form


def _assign_data(form: AssignForm) -> dict[str, Any]:
    data: dict[str, Any] = {
        "uscc": form.uscc.data, "title": form.title.data, "description": form.description.data or None,
        "category": form.category.data, "lead_department": form.lead_department.data or None,
        "assist_departments": list(form.assist_departments.data or []), "level": form.level.data,
        "workdays": (form.workdays.data or "").strip() or None, "assigned_on": form.assigned_on.data or None,
    }
    if current_user.role == "enterprise":
        data["source"] = "request"
        data["uscc"] = current_user.enterprise.uscc if current_user.enterprise else None
    else:
        data["source"] = form.source.data
        data["meeting_id"] = (form.meeting_id.data or "").strip() or None
        data["minutes_issue_id"] = (form.minutes_issue_id.data or "").strip() or None
    return data


@bp.route("/follow-ups/new", methods=["GET", "POST"])
@roles(*ASSIGNERS, "enterprise")
def new_page():
    form = _assign_form()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                item = followups.create(current_user, _assign_data(form))
            except DomainError as err:
                db.session.rollback()
                status = err.status
                attach_error(form, err)
            else:
                flash(_("Item #%(id)s assigned; due %(date)s.", id=item.id, date=item.due_on.isoformat()),
                      "success")
                return redirect(url_for("followups.detail", item_id=item.id))
    else:
        form.uscc.data = (request.args.get("uscc") or "")[:18] or None
        form.minutes_issue_id.data = (request.args.get("minutes_issue_id") or "")[:12] or None
    issue = None
    if form.minutes_issue_id.data and str(form.minutes_issue_id.data).isdigit():
        issue = db.session.get(MinutesIssue, int(form.minutes_issue_id.data))
    return render_template("followups/new.html", form=form, issue=issue), status


@bp.app_template_global()
def followups_by_issue(issue_ids: list[int]) -> dict[int, FollowUp]:
    """For the meeting's minutes page: the item made from each issue (one query for the whole list)."""
    if not issue_ids:
        return {}
    rows = db.session.scalars(select(FollowUp).where(FollowUp.minutes_issue_id.in_(list(issue_ids))))
    return {r.minutes_issue_id: r for r in rows}


def _render_detail(item: FollowUp, status: int = 200, **forms: Any):
    user = current_user
    in_dept = user.role == "department" and user.department_id is not None
    lead = in_dept and user.department_id == item.lead_department_id
    assisting = in_dept and any(d.id == user.department_id for d in item.assist_departments)
    open_ = item.status in ("assigned", "in_progress")
    return render_template(
        "followups/detail.html", item=item, warning=followups.warning_of(item),
        calendar_fallback=load_calendar().source(item.due_on.year) == "fallback",
        pending=followups.pending_extension(item), events=item.events, EVENT_LABELS=EVENT_LABELS,
        RATING_LABELS=RATING_LABELS, WARNING_LABELS=WARNING_LABELS,
        can_progress=(lead or assisting) and open_, can_resolve=lead and open_, can_extend=lead and open_,
        can_rate=user.role == "enterprise" and user.enterprise_id == item.enterprise_id
        and item.status == "resolved",
        can_decide=user.role in ASSIGNERS, can_supervise=user.role in ASSIGNERS and item.supervised_on is None
        and item.status != "closed",
        note_form=forms.get("note_form") or NoteForm(formdata=None),
        resolve_form=forms.get("resolve_form") or ResolveForm(formdata=None),
        rate_form=forms.get("rate_form") or RateForm(formdata=None),
        extend_form=forms.get("extend_form") or ExtendForm(formdata=None),
        decide_form=forms.get("decide_form") or DecideForm(formdata=None),
        supervise_form=forms.get("supervise_form") or SuperviseForm(formdata=None),
    ), status


@bp.route("/follow-ups/<int:item_id>", methods=["GET"])
@roles(*VIEWERS)
def detail(item_id: int):
    return _render_detail(followups.get_visible(current_user, item_id))


def _act(item_id: int, action: Callable[[], object], success: str, form_name: str, form) -> Any:
    item = followups.get_item(item_id)
    if not form.validate_on_submit():
        return _render_detail(item, 422, **{form_name: form})
    try:
        action()
    except DomainError as err:
        db.session.rollback()
        if err.status in (403, 404):
            raise
        attach_error(form, err)
        return _render_detail(followups.get_item(item_id), err.status, **{form_name: form})
    flash(success, "success")
    return redirect(url_for("followups.detail", item_id=item_id))


@bp.route("/follow-ups/<int:item_id>/progress", methods=["POST"])
@roles("department")
def progress(item_id: int):
    form = NoteForm()
    return _act(item_id, lambda: loop.progress(current_user, item_id, {"note": form.note.data}),
                _("Progress recorded."), "note_form", form)


@bp.route("/follow-ups/<int:item_id>/resolve", methods=["POST"])
@roles("department")
def resolve(item_id: int):
    form = ResolveForm()
    return _act(item_id, lambda: loop.resolve(current_user, item_id, {"resolution": form.resolution.data}),
                _("Marked resolved; the enterprise is asked to rate it."), "resolve_form", form)


@bp.route("/follow-ups/<int:item_id>/rate", methods=["POST"])
@roles("enterprise")
def rate(item_id: int):
    form = RateForm()
    return _act(item_id, lambda: loop.rate(current_user, item_id, {"rating": form.rating.data,
                                                                   "comment": form.comment.data or None}),
                _("Thank you for your rating."), "rate_form", form)


@bp.route("/follow-ups/<int:item_id>/extend", methods=["POST"])
@roles("department")
def extend(item_id: int):
    form = ExtendForm()
    return _act(item_id, lambda: loop.request_extension(
        current_user, item_id, {"due_date": form.due_date.data or None, "reason": form.reason.data}),
        _("Extension requested; the secretariat decides."), "extend_form", form)


@bp.route("/follow-ups/<int:item_id>/extension-decision", methods=["POST"])
@roles(*ASSIGNERS)
def decide_extension(item_id: int):
    form = DecideForm()
    return _act(item_id, lambda: loop.decide_extension(
        current_user, item_id, {"decision": form.decision.data, "note": form.note.data or None}),
        _("Decision recorded."), "decide_form", form)


@bp.route("/follow-ups/<int:item_id>/supervise", methods=["POST"])
@roles(*ASSIGNERS)
def supervise(item_id: int):
    form = SuperviseForm()
    return _act(item_id, lambda: loop.supervise(current_user, item_id, {"note": form.note.data or None}),
                _("The item is now under supervision."), "supervise_form", form)


@bp.route("/follow-ups/export.csv", methods=["GET"])
@roles("admin", "secretariat", "department", "official")
def export_csv():
    chunks = ledger.export_csv(current_user, ledger.clean_filters(request.args.to_dict()))
    return Response(chunks, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=ledger.csv"})


@bp.route("/follow-ups/export.xlsx", methods=["GET"])
@roles("admin", "secretariat", "department", "official")
def export_xlsx():
    chunks = ledger.export_xlsx(current_user, ledger.clean_filters(request.args.to_dict()))
    return Response(chunks, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=ledger.xlsx"})


@bp.route("/follow-ups/stats.json", methods=["GET"])
@roles("admin", "secretariat", "official")
def stats_json():
    """The dashboard charts' data (read by static/followups-dashboard.js with the session cookie)."""
    try:
        return jsonify(stats.stats(current_user, request.args.to_dict()))
    except DomainError as err:
        return jsonify(err.to_json()), err.status
