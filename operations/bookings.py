"""Booking, rescheduling, cancelling and the lifecycle of meetings and visits (SPEC §4).

One implementation per operation: the API, the HTML pages, the CLI and the demo all call these functions.
Validation comes first and writes nothing; then `guard` serialises, the rules run on current data, and the
change, its audit row and its notices commit together. Mail leaves only after the commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _

from extensions import db
from models.base import utcnow
from models.enterprise import Enterprise
from models.meeting import Meeting, MeetingSeries
from models.user import User
from operations import audit, checks, concurrency, invitations, notices
from operations.errors import DomainError
from operations.labels import field_label
from operations.meeting_fields import (
    MEETING_STATUS_LABELS,
    check_interval,
    get_datetime,
    get_meeting_kind,
    qualified,
    span_text,
)
from operations.meetings import (
    MEETING_FIELDS,
    OPEN_STATUSES,
    PATCH_FIELDS,
    departments_from,
    get_meeting,
    get_series,
    guard,
    hosts_from,
    meeting_url,
    require_editor,
    rolls_back,
    to_json,
)
from operations.meetings import check_conflicts as _check_conflicts
from operations.validate import get_choice, get_int, get_list, get_str, invalid, reject_unknown
from operations.visits import protected_dates
from rules import meetings as rules


def _visit_enterprise(kind: str, data: Mapping[str, Any]) -> Enterprise | None:
    uscc = get_str(data, "uscc", required=kind == "visit", max_len=18)
    if kind != "visit":
        if uscc:
            raise invalid("uscc", _("Only a visit takes place at an enterprise."))
        return None
    try:
        return checks.find_enterprise(uscc)
    except DomainError:
        raise invalid("uscc", _("No enterprise with this credit code.")) from None


def _invitees(m: Meeting) -> list[User]:
    users: list[User] = []
    for inv in m.invitations:
        if inv.status != "declined":
            users += notices.enterprise_users(inv.enterprise_id)
    if m.enterprise_id is not None:
        users += notices.enterprise_users(m.enterprise_id)
    return users


@rolls_back
def book(user: User, data: Mapping[str, Any]) -> Meeting:
    """POST /api/v1/meetings."""
    require_editor(user)
    reject_unknown(data, MEETING_FIELDS)
    series_id = get_int(data, "series_id", required=False, minimum=1)
    series = get_series(series_id) if series_id is not None else None
    kind = get_meeting_kind(data, required=series is None, default=series.kind if series else None)
    title = qualified(get_str, data, "title", "meetings.title", max_len=300)
    starts_at = get_datetime(data, "starts_at")
    # A series session may give only its start: the end follows from the series' usual duration.
    ends_at = get_datetime(data, "ends_at", required=series is None)
    assert starts_at is not None
    if ends_at is None and series is not None:
        ends_at = starts_at + timedelta(minutes=series.default_duration_minutes)
    assert ends_at is not None
    check_interval(starts_at, ends_at)
    venue = get_str(data, "venue", required=False, max_len=200,
                    default=series.default_venue if series and kind != "visit" else None)
    capacity = get_int(data, "capacity", required=False, minimum=1, maximum=500,
                       default=series.default_capacity if series and kind != "visit" else None)
    hosts = hosts_from(data.get("host_ids"))
    if not hosts:
        raise invalid("host_ids", _("%(field)s: choose at least one official.", field=field_label("host_ids")),
                      "missing_field")
    departments = departments_from(get_list(data, "department_codes", max_items=100))
    status = qualified(get_choice, data, "status", "meetings.status", choices=("draft", "scheduled"),
                       required=False, default="scheduled")
    ent = _visit_enterprise(kind, data)

    guard([h.id for h in hosts], venue)
    if series is not None:
        concurrency.begin_write((MeetingSeries, series.id))
    _check_conflicts(rules.Slot(None, title, starts_at, ends_at, frozenset(h.id for h in hosts), venue, status))
    protected = protected_dates(ent, starts_at, ends_at) if ent is not None else []
    if protected and status == "scheduled":
        status = "proposed"
    m = Meeting(kind=kind, title=title, starts_at=starts_at, ends_at=ends_at, venue=venue, capacity=capacity,
                status=status, enterprise_id=ent.id if ent else None, on_protected_day=bool(protected),
                created_by_id=user.id)
    if series is not None:
        # Re-read under the lock: the counter only grows, so 第N期 is never handed out twice or reused.
        locked = db.session.get(MeetingSeries, series.id)
        assert locked is not None
        m.series_id, m.number = locked.id, locked.next_number
        locked.next_number += 1
    m.hosts = hosts
    m.departments = departments
    db.session.add(m)
    db.session.flush()
    audit.record("create", "meeting", m.id, after=to_json(m))
    when = span_text(starts_at, ends_at)
    mails = notices.notify(hosts, "meeting_booked", _("You host “%(title)s” at %(when)s.", title=title, when=when),
                           m.id, meeting_url(m.id))
    if ent is not None:
        text = (_("A visit to your enterprise is proposed at %(when)s, on a quiet day: please accept it or "
                  "propose another time.", when=when) if protected
                else _("A visit to your enterprise is planned at %(when)s.", when=when))
        mails += notices.notify(notices.enterprise_users(ent.id), "visit", text, m.id, meeting_url(m.id))
    db.session.commit()
    notices.send_mail(mails)
    return m


@rolls_back
def reschedule(user: User, meeting_id: int, data: Mapping[str, Any]) -> Meeting:
    """PATCH /api/v1/meetings/{id}: the same conflict rules; invitees and hosts are told; SEQUENCE grows."""
    require_editor(user)
    m = get_meeting(meeting_id)
    reject_unknown(data, PATCH_FIELDS)
    if not data:
        raise invalid("starts_at", _("Nothing to change."), "empty_change")
    title = qualified(get_str, data, "title", "meetings.title", max_len=300) if "title" in data else m.title
    starts_at = get_datetime(data, "starts_at") if "starts_at" in data else m.starts_at
    ends_at = get_datetime(data, "ends_at") if "ends_at" in data else m.ends_at
    if "starts_at" in data and "ends_at" not in data:
        ends_at = starts_at + (m.ends_at - m.starts_at)  # moving the start keeps the length
    assert starts_at is not None and ends_at is not None
    check_interval(starts_at, ends_at)
    venue = get_str(data, "venue", required=False, max_len=200) if "venue" in data else m.venue
    capacity = (get_int(data, "capacity", required=False, minimum=1, maximum=500) if "capacity" in data
                else m.capacity)
    hosts = hosts_from(data.get("host_ids")) if "host_ids" in data else list(m.hosts)
    if not hosts:
        raise invalid("host_ids", _("%(field)s: choose at least one official.", field=field_label("host_ids")),
                      "missing_field")
    departments = (departments_from(get_list(data, "department_codes", max_items=100))
                   if "department_codes" in data else list(m.departments))
    old_hosts = list(m.hosts)

    guard(sorted({h.id for h in hosts} | {h.id for h in old_hosts}), venue, (Meeting, meeting_id))
    m = get_meeting(meeting_id)
    if m.status not in OPEN_STATUSES:
        raise concurrency.invalid_state("meetings", m.status, OPEN_STATUSES, MEETING_STATUS_LABELS)
    _check_conflicts(rules.Slot(m.id, title, starts_at, ends_at, frozenset(h.id for h in hosts), venue, m.status))
    if capacity is not None:
        taken = invitations.seats_taken(m.id)
        if taken > capacity:
            raise invalid("capacity", _("%(n)s enterprises are already invited; %(field)s cannot be lower.",
                                        n=taken, field=field_label("capacity")), "capacity_below_invited")
    before = to_json(m)
    moved = (starts_at, ends_at) != (m.starts_at, m.ends_at)
    status = m.status
    if m.enterprise is not None and moved and status != "draft":
        protected = protected_dates(m.enterprise, starts_at, ends_at)
        agreed = (starts_at, ends_at) == (m.counter_starts_at, m.counter_ends_at)
        status = "proposed" if protected and not agreed else "scheduled"
        m.on_protected_day = bool(protected)
        m.counter_starts_at = m.counter_ends_at = m.counter_note = None
    m.title, m.starts_at, m.ends_at, m.venue, m.capacity, m.status = title, starts_at, ends_at, venue, capacity, status
    m.hosts, m.departments = hosts, departments
    m.sequence += 1
    m.updated_at = utcnow()
    db.session.flush()
    audit.record("reschedule", "meeting", m.id, before=before, after=to_json(m))
    text = _("“%(title)s” is now at %(when)s, %(venue)s.", title=title, when=span_text(starts_at, ends_at),
             venue=venue or "—")
    mails = notices.notify([*hosts, *old_hosts, *_invitees(m)], "meeting_changed", text, m.id, meeting_url(m.id))
    db.session.commit()
    notices.send_mail(mails)
    return m


@rolls_back
def cancel(user: User, meeting_id: int, data: Mapping[str, Any]) -> Meeting:
    """POST /api/v1/meetings/{id}/cancel {"reason"}: the meeting is kept, shown cancelled with its reason."""
    require_editor(user)
    m = get_meeting(meeting_id)
    reject_unknown(data, ("reason",))
    reason = get_str(data, "reason", max_len=1000)
    before = to_json(m)
    concurrency.transition(m, OPEN_STATUSES, {"status": "cancelled", "cancel_reason": reason,
                                              "cancelled_at": utcnow(), "cancelled_by_id": user.id,
                                              "sequence": m.sequence + 1, "updated_at": utcnow()},
                           names=MEETING_STATUS_LABELS)
    audit.record("cancel", "meeting", m.id, before=before, after=to_json(m))
    text = _("“%(title)s” (%(when)s) is cancelled: %(reason)s", title=m.title,
             when=span_text(m.starts_at, m.ends_at), reason=reason)
    mails = notices.notify([*m.hosts, *_invitees(m)], "meeting_cancelled", text, m.id, meeting_url(m.id))
    db.session.commit()
    notices.send_mail(mails)
    return m


@rolls_back
def schedule(user: User, meeting_id: int) -> Meeting:
    """A draft becomes scheduled (or proposed, for a visit on a protected day). Drafts already hold their
    hosts and venue, so no new conflict can have appeared."""
    require_editor(user)
    m = get_meeting(meeting_id)
    protected = protected_dates(m.enterprise, m.starts_at, m.ends_at) if m.enterprise is not None else []
    before = to_json(m)
    concurrency.transition(m, ["draft"], {"status": "proposed" if protected else "scheduled",
                                          "on_protected_day": bool(protected), "sequence": m.sequence + 1,
                                          "updated_at": utcnow()}, names=MEETING_STATUS_LABELS)
    audit.record("schedule", "meeting", m.id, before=before, after=to_json(m))
    db.session.commit()
    return m


@rolls_back
def mark_held(user: User, meeting_id: int) -> Meeting:
    """A scheduled meeting that has begun is recorded as held (its minutes can then be written)."""
    require_editor(user)
    m = get_meeting(meeting_id)
    local_start = rules.to_local(m.starts_at, _zone()).date()
    if local_start > checks.local_today():
        raise DomainError("not_yet", _("This meeting has not taken place yet."), status=409,
                          details={"starts_at": m.starts_at.isoformat()})
    before = to_json(m)
    concurrency.transition(m, ["scheduled"], {"status": "held", "updated_at": utcnow()},
                           names=MEETING_STATUS_LABELS)
    audit.record("held", "meeting", m.id, before=before, after=to_json(m))
    db.session.commit()
    return m


def _zone():
    from operations.meeting_fields import local_zone

    return local_zone()


def now_local() -> datetime:
    return rules.to_local(utcnow(), _zone())
