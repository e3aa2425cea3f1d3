"""More meeting pages: minutes with revisions, diff and issues raised; the printable guest list (A4, with
place cards); meeting series; the user's notices."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from access import authenticated, roles
from blueprints.meetings.forms import CsrfForm, form_data
from blueprints.meetings.routes import EDITORS, bp
from extensions import db
from models.jurisdiction import Jurisdiction
from models.meeting import MeetingSeries
from operations import invitations, meetings, minutes, notices
from operations.errors import DomainError, Forbidden
from operations.meeting_fields import ISSUE_CATEGORY_LABELS, MEETING_KIND_LABELS
from operations.validate import parse_int

MINUTES_READERS = (*EDITORS, "official", "department")


def _minutes_page(m, status: int = 200, errors: dict | None = None, draft: str | None = None,
                  issue_values: dict | None = None):
    revs = minutes.revisions(m.id)
    old = parse_int(request.args.get("from") or "") if request.method == "GET" else None
    new = parse_int(request.args.get("to") or "") if request.method == "GET" else None
    diff = None
    if old and new:
        try:
            diff = minutes.diff(m.id, old, new)
        except DomainError as err:
            flash(err.message, "error")
            status = err.status
    guests = [i for i in m.invitations if i.status != "declined"]
    return render_template(
        "meetings/minutes.html", m=m, form=CsrfForm(), revisions=revs, current=revs[-1] if revs else None,
        draft=draft if draft is not None else (revs[-1].text if revs else ""), diff=diff, old=old, new=new,
        issues=minutes.issues(m.id), guests=guests, categories=ISSUE_CATEGORY_LABELS, errors=errors or {},
        issue_values=issue_values or {}, can_edit=current_user.role in EDITORS), status


def _visible_minutes(meeting_id: int):
    m = meetings.get_visible(current_user, meeting_id)
    if current_user.role not in MINUTES_READERS:
        raise Forbidden(_("Minutes are for the secretariat, the hosts and the attending departments."))
    return m


@bp.route("/meetings/<int:meeting_id>/minutes", methods=["GET", "POST"])
@roles(*MINUTES_READERS)
def minutes_page(meeting_id: int):
    m = _visible_minutes(meeting_id)
    if request.method == "GET":
        return _minutes_page(m)
    if current_user.role not in EDITORS:
        raise Forbidden(_("Only the secretariat may change meetings."))
    form = CsrfForm()
    text = request.form.get("text", "")
    if not form.validate_on_submit():
        return _minutes_page(m, 400, {"_": _("The form expired. Please reload the page and try again.")}, text)
    try:
        rev = minutes.save(current_user, meeting_id, {"text": text})
    except DomainError as err:
        return _minutes_page(meetings.get_meeting(meeting_id), err.status,
                             {str(err.details.get("field") or "_"): err.message}, text)
    flash(_("Minutes saved as revision %(n)s.", n=rev.number), "success")
    return redirect(url_for("meetings.minutes_page", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/issues", methods=["POST"])
@roles(*EDITORS)
def raise_issue(meeting_id: int):
    m = meetings.get_meeting(meeting_id)
    form = CsrfForm()
    data = form_data(request.form, ("uscc", "title", "description", "category"))
    if not form.validate_on_submit():
        return _minutes_page(m, 400, {"_": _("The form expired. Please reload the page and try again.")},
                             issue_values=data)
    try:
        minutes.add_issue(current_user, meeting_id, data)
    except DomainError as err:
        return _minutes_page(meetings.get_meeting(meeting_id), err.status,
                             {"issue_" + str(err.details.get("field") or "_"): err.message}, issue_values=data)
    flash(_("Issue recorded; it can be handed over as a follow-up item."), "success")
    return redirect(url_for("meetings.minutes_page", meeting_id=meeting_id))


@bp.route("/meetings/<int:meeting_id>/guests/print", methods=["GET"])
@roles(*EDITORS, "official")
def print_guests(meeting_id: int):
    m = meetings.get_visible(current_user, meeting_id)
    guests = [g for g in invitations.guest_list(m) if g["status"] != "declined"]
    return render_template("meetings/print.html", m=m, guests=guests)


# ------------------------------------------------------------------------------------------ series


@bp.route("/meeting-series", methods=["GET", "POST"])
@roles(*EDITORS)
def series_page():
    form = CsrfForm()
    errors: dict[str, str] = {}
    fields = ("name", "jurisdiction_code", "kind", "default_venue", "default_capacity", "default_start_time",
              "default_duration_minutes")
    values = form_data(request.form, fields) if request.method == "POST" else {"default_capacity": "6",
                                                                                "default_start_time": "07:30",
                                                                                "default_duration_minutes": "90"}
    status = 200
    if request.method == "POST":
        status = 400
        if form.validate_on_submit():
            try:
                meetings.create_series(current_user, values)
            except DomainError as err:
                status = err.status
                errors[str(err.details.get("field") or "_")] = err.message
            else:
                flash(_("Series created."), "success")
                return redirect(url_for("meetings.series_page"))
    rows = db.session.scalars(select(MeetingSeries).order_by(MeetingSeries.id)).all()
    jurisdictions = db.session.execute(select(Jurisdiction.code, Jurisdiction.name).order_by(Jurisdiction.code)).all()
    return render_template("meetings/series.html", form=form, rows=rows, values=values, errors=errors,
                           jurisdictions=jurisdictions, kinds=MEETING_KIND_LABELS), status


# ------------------------------------------------------------------------------------------ notices


@bp.route("/notices", methods=["GET", "POST"])
@authenticated
def notices_page():
    if request.method == "POST":
        if CsrfForm().validate_on_submit():
            notices.mark_read(current_user)
        return redirect(url_for("meetings.notices_page"))
    return render_template("meetings/notices.html", rows=notices.for_user(current_user), form=CsrfForm())
