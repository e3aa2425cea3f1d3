"""JSON API for meetings and visits (API.md "Meetings and visits"); every route calls the same operation as
the pages."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from access import authenticated, roles
from blueprints.apiutil import json_body, paginate
from blueprints.idempotency import idempotent
from models.meeting import MEETING_KINDS, MEETING_STATUSES, Invitation, Meeting, MeetingSeries
from operations import bookings, invitations, meetings, minutes, notices, visits
from operations.errors import Forbidden
from operations.meeting_fields import get_datetime, local_iso, qualified
from operations.validate import get_choice, get_int, get_str

api = Blueprint("meetings_api", __name__)

EDITORS = meetings.EDITORS
READERS = (*EDITORS, "official", "department", "enterprise")
MINUTES_READERS = (*EDITORS, "official", "department")


def _body_or_empty() -> dict:
    return json_body() if request.get_data() else {}


def _meeting(m) -> dict:
    return meetings.to_json(m, current_user)


# ------------------------------------------------------------------------------------------ series


@api.route("/meeting-series", methods=["POST"])
@roles(*EDITORS)
@idempotent  # no unique name: a retry would start a second series
def create_series():
    series = meetings.create_series(current_user, json_body())
    return jsonify(meetings.series_json(series)), 201


@api.route("/meeting-series", methods=["GET"])
@roles(*EDITORS, "official")
def list_series():
    return jsonify(paginate(select(MeetingSeries).order_by(MeetingSeries.id), meetings.series_json))


# ------------------------------------------------------------------------------------------ meetings


@api.route("/meetings", methods=["POST"])
@roles(*EDITORS)
@idempotent  # a retry would book a second session, or be refused as a conflict with the first
def book():
    return jsonify(_meeting(bookings.book(current_user, json_body()))), 201


@api.route("/meetings", methods=["GET"])
@roles(*READERS)
def index():
    args = request.args
    start: datetime | None = qualified(get_datetime, args, "from", "meetings.from", required=False)
    end: datetime | None = qualified(get_datetime, args, "to", "meetings.to", required=False)
    stmt = meetings.visible_statement(current_user, start, end)
    status = qualified(get_choice, args, "status", "meetings.status", choices=MEETING_STATUSES, required=False)
    kind = qualified(get_choice, args, "kind", "meetings.kind", choices=MEETING_KINDS, required=False)
    series_id = get_int(args, "series_id", required=False, minimum=1)
    if status:
        stmt = stmt.where(Meeting.status == status)
    if kind:
        stmt = stmt.where(Meeting.kind == kind)
    if series_id:
        stmt = stmt.where(Meeting.series_id == series_id)
    return jsonify(paginate(stmt, _meeting))


@api.route("/meetings/<int:meeting_id>", methods=["GET"])
@roles(*READERS)
def show(meeting_id: int):
    return jsonify(_meeting(meetings.get_visible(current_user, meeting_id)))


@api.route("/meetings/<int:meeting_id>", methods=["PATCH"])
@roles(*EDITORS)
def reschedule(meeting_id: int):
    meetings.get_meeting(meeting_id)
    return jsonify(_meeting(bookings.reschedule(current_user, meeting_id, json_body())))


@api.route("/meetings/<int:meeting_id>/cancel", methods=["POST"])
@roles(*EDITORS)
def cancel(meeting_id: int):
    meetings.get_meeting(meeting_id)
    return jsonify(_meeting(bookings.cancel(current_user, meeting_id, _body_or_empty())))


@api.route("/meetings/<int:meeting_id>/schedule", methods=["POST"])
@roles(*EDITORS)
def schedule(meeting_id: int):
    return jsonify(_meeting(bookings.schedule(current_user, meeting_id)))


@api.route("/meetings/<int:meeting_id>/held", methods=["POST"])
@roles(*EDITORS)
def held(meeting_id: int):
    return jsonify(_meeting(bookings.mark_held(current_user, meeting_id)))


# ------------------------------------------------------------------------------------------ visits


@api.route("/meetings/<int:meeting_id>/accept", methods=["POST"])
@roles("enterprise")
def accept_visit(meeting_id: int):
    return jsonify(_meeting(visits.accept(current_user, meeting_id)))


@api.route("/meetings/<int:meeting_id>/counter-proposal", methods=["POST"])
@roles("enterprise")
def counter_proposal(meeting_id: int):
    meetings.get_meeting(meeting_id)
    return jsonify(_meeting(visits.counter_propose(current_user, meeting_id, json_body())))


# ------------------------------------------------------------------------------------------ invitations


@api.route("/meetings/<int:meeting_id>/invitations", methods=["POST"])
@roles(*EDITORS)
def invite(meeting_id: int):
    meetings.get_meeting(meeting_id)
    inv = invitations.invite(current_user, meeting_id, json_body())
    return jsonify(meetings.invitation_json(inv)), 201


@api.route("/meetings/<int:meeting_id>/invitations", methods=["GET"])
@roles(*EDITORS, "official")
def guest_list(meeting_id: int):
    m = meetings.get_visible(current_user, meeting_id)
    return jsonify({"items": invitations.guest_list(m), "total": len(m.invitations), "capacity": m.capacity})


@api.route("/invitations", methods=["GET"])
@roles("enterprise")
def my_invitations():
    stmt = (select(Invitation).where(Invitation.enterprise_id == current_user.enterprise_id)
            .order_by(Invitation.id.desc()))
    return jsonify(paginate(stmt, lambda i: {**meetings.invitation_json(i), "meeting": {
        "title": i.meeting.title, "starts_at": local_iso(i.meeting.starts_at),
        "ends_at": local_iso(i.meeting.ends_at), "venue": i.meeting.venue,
        "status": i.meeting.status}}))


@api.route("/invitations/<int:invitation_id>", methods=["GET"])
@roles(*EDITORS, "official", "enterprise")
def show_invitation(invitation_id: int):
    return jsonify(meetings.invitation_json(invitations.get_visible(current_user, invitation_id)))


@api.route("/invitations/<int:invitation_id>/respond", methods=["POST"])
@roles("enterprise")
def respond(invitation_id: int):
    invitations.get_invitation(invitation_id)
    return jsonify(meetings.invitation_json(invitations.respond(current_user, invitation_id, json_body())))


@api.route("/enterprise-search", methods=["GET"])
@roles(*EDITORS)
def enterprise_search():
    q = get_str(request.args, "q", max_len=100)
    return jsonify({"items": [{"uscc": e.uscc, "name": e.name, "short_name": e.short_name}
                              for e in invitations.search_enterprises(q)]})


# ------------------------------------------------------------------------------------------ minutes


def _minutes_reader(meeting_id: int):
    m = meetings.get_visible(current_user, meeting_id)
    if current_user.role not in MINUTES_READERS:
        raise Forbidden(_("Minutes are for the secretariat, the hosts and the attending departments."))
    return m


@api.route("/meetings/<int:meeting_id>/minutes", methods=["PUT"])
@roles(*EDITORS)
def save_minutes(meeting_id: int):
    meetings.get_meeting(meeting_id)
    return jsonify(minutes.revision_json(minutes.save(current_user, meeting_id, json_body())))


@api.route("/meetings/<int:meeting_id>/minutes", methods=["GET"])
@roles(*MINUTES_READERS)
def show_minutes(meeting_id: int):
    _minutes_reader(meeting_id)
    revs = minutes.revisions(meeting_id)
    return jsonify({"current": minutes.revision_json(revs[-1]) if revs else None,
                    "revisions": [minutes.revision_json(r) for r in revs],
                    "issues": [minutes.issue_json(i) for i in minutes.issues(meeting_id)]})


@api.route("/meetings/<int:meeting_id>/minutes/diff", methods=["GET"])
@roles(*MINUTES_READERS)
def minutes_diff(meeting_id: int):
    _minutes_reader(meeting_id)
    old = qualified(get_int, request.args, "from", "minutes.from", minimum=1)
    new = qualified(get_int, request.args, "to", "minutes.to", minimum=1)
    return jsonify({"from": old, "to": new, "diff": minutes.diff(meeting_id, old, new)})


@api.route("/meetings/<int:meeting_id>/issues", methods=["POST"])
@roles(*EDITORS)
@idempotent  # issues are numbered, not keyed: a retry would raise the issue twice
def raise_issue(meeting_id: int):
    meetings.get_meeting(meeting_id)
    return jsonify(minutes.issue_json(minutes.add_issue(current_user, meeting_id, json_body()))), 201


@api.route("/meetings/<int:meeting_id>/issues", methods=["GET"])
@roles(*MINUTES_READERS)
def list_issues(meeting_id: int):
    _minutes_reader(meeting_id)
    rows = minutes.issues(meeting_id)
    return jsonify({"items": [minutes.issue_json(i) for i in rows], "total": len(rows)})


# ------------------------------------------------------------------------------------------ notices


@api.route("/notices", methods=["GET"])
@authenticated
def my_notices():
    rows = notices.for_user(current_user)
    return jsonify({"items": [{"id": n.id, "kind": n.kind, "text": n.text, "meeting_id": n.meeting_id,
                               "created_at": n.created_at.isoformat() + "Z", "read": n.read_at is not None}
                              for n in rows], "total": len(rows), "unread": notices.unread_count(current_user)})

