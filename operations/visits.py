"""Visits (走访) at an enterprise under its quiet days (SPEC §4): a visit on one of the enterprise's protected
days stays ``proposed`` until the enterprise accepts it; the enterprise may propose another time instead.

The protected days come from the same quiet-day engine the inspections use (operations.checks.engine), so a
visit and an inspection never disagree about which days are quiet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from extensions import db
from models.enterprise import Enterprise
from models.meeting import Meeting
from models.user import User
from operations import audit, checks, concurrency, notices
from operations.errors import DomainError, Forbidden
from operations.meeting_fields import (
    MEETING_STATUS_LABELS,
    check_interval,
    get_datetime,
    local_zone,
    qualified,
    span_text,
)
from operations.meetings import get_meeting, meeting_url, rolls_back, to_json
from operations.validate import get_str, reject_unknown
from rules import meetings as rules


def protected_dates(ent: Enterprise, starts_at: datetime, ends_at: datetime) -> list[date]:
    """The enterprise's protected local dates the (naive UTC) interval touches."""
    zone = local_zone()
    days = rules.touched_dates(rules.to_local(starts_at, zone), rules.to_local(ends_at, zone))
    found = checks.engine().protected_days(checks.enterprise_input(ent), days[0], days[-1])
    return [d for d in days if found.get(d)]


def _planners(m: Meeting) -> list[User]:
    """Who must hear the enterprise's answer: the hosts and the secretariat user who booked the visit."""
    return [*m.hosts, *([m.created_by] if m.created_by is not None else [])]


def _own_visit(user: User, m: Meeting) -> None:
    if m.kind != "visit" or user.role != "enterprise" or user.enterprise_id != m.enterprise_id:
        raise Forbidden(_("Only the visited enterprise may answer this visit."))


@rolls_back
def accept(user: User, meeting_id: int) -> Meeting:
    """The enterprise accepts a proposed visit on its protected day: it becomes scheduled."""
    m = get_meeting(meeting_id)
    _own_visit(user, m)
    before = to_json(m)
    concurrency.transition(m, ["proposed"], {"status": "scheduled", "counter_starts_at": None,
                                             "counter_ends_at": None, "counter_note": None,
                                             "sequence": m.sequence + 1},
                           names=MEETING_STATUS_LABELS)
    audit.record("accept_visit", "meeting", m.id, before=before, after=to_json(m))
    text = _("%(name)s accepted the visit at %(when)s.", name=m.enterprise.name,
             when=span_text(m.starts_at, m.ends_at))
    mails = notices.notify(_planners(m), "visit_accepted", text, m.id, meeting_url(m.id))
    db.session.commit()
    notices.send_mail(mails)
    return m


@rolls_back
def counter_propose(user: User, meeting_id: int, data: Mapping[str, Any]) -> Meeting:
    """The enterprise proposes another time; the secretariat reschedules to it (or not)."""
    m = get_meeting(meeting_id)
    _own_visit(user, m)
    reject_unknown(data, ("starts_at", "ends_at", "note"))
    starts_at = get_datetime(data, "starts_at")
    ends_at = get_datetime(data, "ends_at")
    assert starts_at is not None and ends_at is not None
    check_interval(starts_at, ends_at)
    note = qualified(get_str, data, "note", "meetings.counter_note", required=False, max_len=1000)
    if m.status != "proposed":
        raise DomainError("invalid_state", _("Only a proposed visit can be answered with another time."),
                          status=409, details={"status": m.status})
    before = to_json(m)
    concurrency.transition(m, ["proposed"], {"counter_starts_at": starts_at, "counter_ends_at": ends_at,
                                             "counter_note": note}, names=MEETING_STATUS_LABELS)
    audit.record("counter_propose", "meeting", m.id, before=before, after=to_json(m))
    text = _("%(name)s proposes another time for the visit: %(when)s.", name=m.enterprise.name,
             when=span_text(starts_at, ends_at))
    mails = notices.notify(_planners(m), "visit_counter", text, m.id, meeting_url(m.id))
    db.session.commit()
    notices.send_mail(mails)
    return m
