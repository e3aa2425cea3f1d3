"""Meeting pages: the calendar (month and week), booking and rescheduling, the detail page with its actions
(invite, answer, accept a visit, cancel, held). Each form calls the same operation as the JSON API.
Minutes, the printable guest list, series and notices are in blueprints/meetings/more.py."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from access import roles
from blueprints.meetings.forms import CsrfForm, form_data
from blueprints.policies.grid import month_bounds, month_weeks, parse_month, shift_month
from extensions import db
from models.base import utcnow
from models.department import Department
from models.meeting import Meeting, MeetingSeries
from models.user import User
from operations import bookings, checks, invitations, meetings, notices, visits
from operations.errors import DomainError
from operations.meeting_fields import MEETING_KIND_LABELS, local_zone
from operations.validate import parse_date
from rules import meetings as rules

bp = Blueprint("meetings", __name__)

EDITORS = meetings.EDITORS
READERS = (*EDITORS, "official", "department", "enterprise")
BOOKING_FIELDS = ("series_id", "kind", "title", "starts_at", "ends_at", "venue", "capacity", "uscc", "status")


def _utc(d: date) -> datetime:
    return rules.to_utc_naive(datetime.combine(d, time()), local_zone())


def _local(value: datetime) -> datetime:
    return rules.to_local(value, local_zone())


# ------------------------------------------------------------------------------------------ calendar


@bp.route("/meetings", methods=["GET"])
@roles(*READERS)
def calendar():
    """Month (default) or week view of the meetings the user may see, each with its status."""
    today = checks.local_today()
    view = "week" if request.args.get("view") == "week" else "month"
    status = 200
    try:
        if view == "week":
            day = parse_date(request.args.get("date") or today.isoformat(), "date")
            first = day - timedelta(days=day.weekday())
            last = first + timedelta(days=6)
        else:
            year, mon = parse_month(request.args.get("month"), today)
            first, last = month_bounds(year, mon)
    except DomainError as err:
        flash(err.message, "error")
        status, view = err.status, "month"
        first, last = month_bounds(today.year, today.month)
    rows = db.session.scalars(meetings.visible_statement(current_user, _utc(first), _utc(last + timedelta(days=1))))
    by_day: dict[date, list] = {}
    for m in rows:
        for d in rules.touched_dates(_local(m.starts_at), _local(m.ends_at)):
            by_day.setdefault(d, []).append(m)
    context: dict[str, Any] = {"view": view, "by_day": by_day, "today": today, "first": first, "last": last}
    if view == "week":
        context.update(days=[first + timedelta(days=i) for i in range(7)],
                       prev=(first - timedelta(days=7)).isoformat(), next=(first + timedelta(days=7)).isoformat())
    else:
        context.update(weeks=month_weeks(first.year, first.month), month=(first.year, first.month),
                       prev=shift_month(first.year, first.month, -1), next=shift_month(first.year, first.month, 1))
    return render_template("meetings/calendar.html", **context), status


# ------------------------------------------------------------------------------------------ booking


def _choices() -> dict[str, Any]:
    return {
        "officials": db.session.scalars(select(User).where(User.role == "official", User.active.is_(True))
                                        .order_by(User.name)).all(),
        "departments": db.session.scalars(select(Department).order_by(Department.code)).all(),
        "series": db.session.scalars(select(MeetingSeries).order_by(MeetingSeries.id)).all(),
        "kinds": MEETING_KIND_LABELS,
    }


def _quiet_days(uscc: str | None, around: str | None) -> dict[str, Any] | None:
    """The visited enterprise's protected days for the month being picked (the same engine as inspections)."""
    if not uscc:
        return None
    try:
        ent = checks.find_enterprise(uscc)
        d = parse_date(around[:10], "starts_at") if around else checks.local_today()
    except DomainError:
        return None
    start, end = month_bounds(d.year, d.month)
    protected = checks.engine().protected_days(checks.enterprise_input(ent), start, end)
    cells = {day: {"cls": "refused", "note": _("quiet day")} for day, ids in protected.items() if ids}
    return {"enterprise": ent, "weeks": month_weeks(d.year, d.month), "cells": cells, "year": d.year,
            "month": d.month}


def _booking_payload(source: Any) -> dict[str, Any]:
    data = form_data(source, BOOKING_FIELDS)
    data["host_ids"] = source.getlist("host_ids")
    data["department_codes"] = [c for c in source.getlist("department_codes") if c]
    if data.get("kind") != "visit":
        data.pop("uscc", None)
    return data


@bp.route("/meetings/new", methods=["GET", "POST"])
@roles(*EDITORS)
def new_page():
    form = CsrfForm()
    values: dict[str, Any] = {k: request.args.get(k, "")[:40] for k in BOOKING_FIELDS}
    values.update(host_ids=request.args.getlist("host_ids"), department_codes=[])
    matches = []
    q = (request.args.get("q") or "").strip()[:100]
    if q and not values.get("uscc"):
        # A visit is planned by the enterprise's name as people say it (简称) as often as by its USCC.
        matches = invitations.search_enterprises(q)
        if len(matches) == 1:
            values["uscc"], values["kind"], matches = matches[0].uscc, "visit", []
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {**_booking_payload(request.form)}
        status = 400
        if form.validate_on_submit():
            try:
                m = bookings.book(current_user, _booking_payload(request.form))
            except DomainError as err:
                status = err.status
                errors[str(err.details.get("field") or "_")] = err.message
                conflict = err.details.get("meeting")
                if conflict:
                    errors["_link"] = conflict["url"]
            else:
                if m.status == "proposed":
                    flash(_("Booked. The visit falls on the enterprise's quiet day and waits for its consent."),
                          "warning")
                else:
                    flash(_("Meeting booked."), "success")
                return redirect(url_for("meetings.detail", meeting_id=m.id))
        else:
            errors["_"] = _("The form expired or was not sent from this site. Please reload the page and try again.")
    return render_template("meetings/form.html", form=form, values=values, errors=errors, editing=None,
                           matches=matches, q=q, quiet=_quiet_days(values.get("uscc"), values.get("starts_at")),
                           **_choices()), status


@bp.route("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"])
@roles(*EDITORS)
def edit_page(meeting_id: int):
    m = meetings.get_meeting(meeting_id)
    form = CsrfForm()
    values: dict[str, Any] = {
        "title": m.title, "venue": m.venue or "", "capacity": m.capacity or "",
        "starts_at": _local(m.starts_at).strftime("%Y-%m-%dT%H:%M"),
        "ends_at": _local(m.ends_at).strftime("%Y-%m-%dT%H:%M"), "kind": m.kind,
        "uscc": m.enterprise.uscc if m.enterprise else "",
        "host_ids": [str(h.id) for h in m.hosts], "department_codes": [d.code for d in m.departments]}
    if request.method == "GET" and request.args.get("use_counter") and m.counter_starts_at and m.counter_ends_at:
        # "Use the enterprise's time": the form is prefilled; saving it reschedules under the same rules.
        values["starts_at"] = _local(m.counter_starts_at).strftime("%Y-%m-%dT%H:%M")
        values["ends_at"] = _local(m.counter_ends_at).strftime("%Y-%m-%dT%H:%M")
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        payload = form_data(request.form, ("title", "starts_at", "ends_at", "venue", "capacity"), keep_empty=True)
        payload["host_ids"] = request.form.getlist("host_ids")
        payload["department_codes"] = [c for c in request.form.getlist("department_codes") if c]
        payload["capacity"] = payload.get("capacity") or None
        values.update({k: v for k, v in payload.items() if v is not None})
        status = 400
        if form.validate_on_submit():
            try:
                bookings.reschedule(current_user, meeting_id, payload)
            except DomainError as err:
                status = err.status
                errors[str(err.details.get("field") or "_")] = err.message
            else:
                flash(_("Meeting changed; hosts and guests were told."), "success")
                return redirect(url_for("meetings.detail", meeting_id=meeting_id))
    return render_template("meetings/form.html", form=form, values=values, errors=errors, editing=m,
                           matches=[], q="", quiet=_quiet_days(values.get("uscc"), values.get("starts_at")),
                           **_choices()), status


# ------------------------------------------------------------------------------------------ detail


def render_detail(m, status: int = 200, **extra: Any):
    user = current_user
    own = [i for i in m.invitations if user.role == "enterprise" and i.enterprise_id == user.enterprise_id]
    q = (request.args.get("q") or "").strip()[:100]
    return render_template(
        "meetings/detail.html", m=m, form=CsrfForm(), own_invitation=own[0] if own else None,
        can_edit=user.role in EDITORS, guests=invitations.guest_list(m) if user.role in (*EDITORS, "official")
        else [], q=q, matches=invitations.search_enterprises(q) if q and user.role in EDITORS else [],
        seats=invitations.seats_taken(m.id),
        started=_local(m.starts_at).date() <= checks.local_today(),
        own_visit=user.role == "enterprise" and m.kind == "visit" and m.enterprise_id == user.enterprise_id,
        **extra), status


@bp.route("/meetings/<int:meeting_id>", methods=["GET"])
@roles(*READERS)
def detail(meeting_id: int):
    return render_detail(meetings.get_visible(current_user, meeting_id))


def _act(meeting_id: int, action, success: str):
    """Run a form action; a refusal re-renders the page with the message (and changes nothing)."""
    m = meetings.get_visible(current_user, meeting_id)
    form = CsrfForm()
    if not form.validate_on_submit():
        flash(_("The form expired or was not sent from this site. Please reload the page and try again."), "error")
        return render_detail(m, 400)
    try:
        action()
    except DomainError as err:
        if err.status == 403:
            raise
        flash(err.message, "error")
        return render_detail(meetings.get_meeting(meeting_id), err.status)
    flash(success, "success")
    return redirect(url_for("meetings.detail", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
@roles(*EDITORS)
def cancel(meeting_id: int):
    data = form_data(request.form, ("reason",))
    return _act(meeting_id, lambda: bookings.cancel(current_user, meeting_id, data), _("Meeting cancelled."))


@bp.route("/meetings/<int:meeting_id>/held", methods=["POST"])
@roles(*EDITORS)
def held(meeting_id: int):
    return _act(meeting_id, lambda: bookings.mark_held(current_user, meeting_id), _("Recorded as held."))


@bp.route("/meetings/<int:meeting_id>/schedule", methods=["POST"])
@roles(*EDITORS)
def schedule(meeting_id: int):
    return _act(meeting_id, lambda: bookings.schedule(current_user, meeting_id), _("Meeting scheduled."))


@bp.route("/meetings/<int:meeting_id>/invite", methods=["POST"])
@roles(*EDITORS)
def invite(meeting_id: int):
    data = form_data(request.form, ("uscc", "representative"))
    return _act(meeting_id, lambda: invitations.invite(current_user, meeting_id, data), _("Enterprise invited."))


@bp.route("/invitations/<int:invitation_id>/respond", methods=["POST"])
@roles("enterprise")
def respond(invitation_id: int):
    inv = invitations.get_visible(current_user, invitation_id)
    data = form_data(request.form, ("response", "topics", "representative"), keep_empty=("topics",))
    return _act(inv.meeting_id, lambda: invitations.respond(current_user, invitation_id, data),
                _("Thank you, your answer is recorded."))


@bp.route("/meetings/<int:meeting_id>/accept", methods=["POST"])
@roles("enterprise")
def accept_visit(meeting_id: int):
    return _act(meeting_id, lambda: visits.accept(current_user, meeting_id), _("Visit accepted."))


@bp.route("/meetings/<int:meeting_id>/counter-proposal", methods=["POST"])
@roles("enterprise")
def counter_proposal(meeting_id: int):
    data = form_data(request.form, ("starts_at", "ends_at", "note"))
    return _act(meeting_id, lambda: visits.counter_propose(current_user, meeting_id, data),
                _("Your proposal was sent to the secretariat."))



@bp.app_context_processor
def _meeting_helpers() -> dict[str, Any]:
    """Template helpers: times always in Asia/Shanghai (never the server's zone), codes by their Chinese name."""
    from operations.labels import choice_label
    from operations.meeting_fields import local_text, span_text

    def upcoming_meetings() -> dict[str, Any] | None:
        if not current_user.is_authenticated or current_user.role not in READERS:
            return None
        stmt = (meetings.visible_statement(current_user, utcnow()).where(Meeting.status != "cancelled").limit(5))
        return {"meetings": db.session.scalars(stmt).all(), "unread": notices.unread_count(current_user)}

    return {
        "upcoming_meetings": upcoming_meetings,
        "meeting_time": local_text,
        "meeting_span": span_text,
        "meeting_kind_label": lambda c: choice_label("meetings.kind", c),
        "meeting_status_label": lambda c: choice_label("meetings.status", c),
        "invitation_status_label": lambda c: choice_label("invitations.status", c),
        "issue_category_label": lambda c: choice_label("minutes_issues.category", c),
    }


from blueprints.meetings import more  # noqa: E402,F401  (registers the minutes, print, series, notice pages)
