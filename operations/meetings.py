"""Meetings and series (SPEC §4): booking under the host and venue conflict rules, 第N期 numbering,
reschedule, cancel, and the draft → scheduled → held lifecycle. Pages, API, CLI and demo all call these.

Every write that a parallel request could break runs inside `concurrency.begin_write` plus `lock_key` on each
host and the venue, so of two conflicting bookings exactly one commits (SQLite and PostgreSQL alike).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, TypeVar

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from extensions import db
from models.department import Department
from models.jurisdiction import Jurisdiction
from models.meeting import Invitation, Meeting, MeetingSeries, meeting_departments, meeting_hosts
from models.user import User
from operations import audit, concurrency
from operations.errors import DomainError, Forbidden, NotFound
from operations.labels import field_label
from operations.meeting_fields import get_meeting_kind, local_iso, qualified, span_text
from operations.validate import get_int, get_str, invalid, parse_int, reject_unknown
from rules import meetings as rules

EDITORS = ("secretariat", "admin")
SERIES_FIELDS = ("name", "jurisdiction_code", "kind", "default_venue", "default_capacity", "default_start_time",
                 "default_duration_minutes")
MEETING_FIELDS = ("series_id", "kind", "title", "starts_at", "ends_at", "venue", "host_ids", "department_codes",
                  "capacity", "uscc", "status")
PATCH_FIELDS = ("title", "starts_at", "ends_at", "venue", "host_ids", "department_codes", "capacity")
OPEN_STATUSES = ("draft", "proposed", "scheduled")
F = TypeVar("F", bound=Callable[..., Any])


def rolls_back(operation: F) -> F:
    """A refused operation leaves nothing behind: its writing transaction (and locks) end with the refusal, also
    when the caller is the CLI or the demo, which have no request teardown to roll back for them."""

    @functools.wraps(operation)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return operation(*args, **kwargs)
        except DomainError:
            db.session.rollback()
            raise

    return wrapper  # type: ignore[return-value]


def require_editor(user: User) -> None:
    if user.role not in EDITORS:
        raise Forbidden(_("Only the secretariat may change meetings."))


# ------------------------------------------------------------------------------------------ reading


def meeting_url(meeting_id: int) -> str:
    # A plain path, not url_for: notices and conflict messages are also written by the CLI and the demo, outside
    # any request; blueprints/meetings serves exactly this path.
    return f"/meetings/{meeting_id}"


def series_json(series: MeetingSeries) -> dict[str, Any]:
    return {"id": series.id, "name": series.name, "jurisdiction_code": series.jurisdiction.code,
            "kind": series.kind, "default_venue": series.default_venue,
            "default_capacity": series.default_capacity, "default_start_time": series.default_start_time,
            "default_duration_minutes": series.default_duration_minutes, "next_number": series.next_number}


def to_json(m: Meeting, viewer: User | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": m.id, "series_id": m.series_id, "series_name": m.series.name if m.series else None,
        "number": m.number, "kind": m.kind, "title": m.title,
        "starts_at": local_iso(m.starts_at), "ends_at": local_iso(m.ends_at),
        "venue": m.venue, "capacity": m.capacity, "status": m.status, "sequence": m.sequence,
        "host_ids": [h.id for h in m.hosts], "hosts": [{"id": h.id, "name": h.name} for h in m.hosts],
        "department_codes": [d.code for d in m.departments],
        "uscc": m.enterprise.uscc if m.enterprise else None,
        "enterprise_name": m.enterprise.name if m.enterprise else None,
        "on_protected_day": m.on_protected_day,
        "counter_proposal": ({"starts_at": local_iso(m.counter_starts_at), "ends_at": local_iso(m.counter_ends_at),
                              "note": m.counter_note} if m.counter_starts_at else None),
        "cancel_reason": m.cancel_reason,
        "cancelled_at": m.cancelled_at.isoformat() + "Z" if m.cancelled_at else None,
        "updated_at": m.updated_at.isoformat() + "Z" if m.updated_at else None,
    }
    # An enterprise sees its own invitation only, never who else is at the table.
    if viewer is not None and viewer.role == "enterprise":
        out["invitations"] = [invitation_json(i) for i in m.invitations if i.enterprise_id == viewer.enterprise_id]
    else:
        out["invitations"] = [invitation_json(i) for i in m.invitations]
    return out


def invitation_json(inv: Any) -> dict[str, Any]:
    return {"id": inv.id, "meeting_id": inv.meeting_id, "uscc": inv.enterprise.uscc,
            "enterprise_name": inv.enterprise.name, "short_name": inv.enterprise.short_name,
            "representative": inv.representative, "status": inv.status, "topics": inv.topics,
            "responded_at": inv.responded_at.isoformat() + "Z" if inv.responded_at else None}


def can_see(user: User, m: Meeting) -> bool:
    if user.role in EDITORS:
        return True
    if user.role == "official":
        return any(h.id == user.id for h in m.hosts)
    if user.role == "department":
        return any(d.id == user.department_id for d in m.departments)
    if user.role == "enterprise" and user.enterprise_id is not None:
        return m.enterprise_id == user.enterprise_id or any(
            i.enterprise_id == user.enterprise_id for i in m.invitations)
    return False


def get_meeting(meeting_id: int) -> Meeting:
    m = db.session.get(Meeting, meeting_id)
    if m is None:
        raise NotFound(_("No such meeting."))
    return m


def get_visible(user: User, meeting_id: int) -> Meeting:
    m = get_meeting(meeting_id)
    if not can_see(user, m):
        raise Forbidden(_("This meeting is not yours to see."))
    return m


def visible_statement(user: User, start: datetime | None = None, end: datetime | None = None):
    """Meetings ``user`` may see, optionally overlapping [start, end) (naive UTC), by start time."""
    # Everything to_json reads, loaded per page in a few queries instead of several per meeting.
    stmt = select(Meeting).options(selectinload(Meeting.hosts), selectinload(Meeting.series),
                                   selectinload(Meeting.departments), selectinload(Meeting.enterprise),
                                   selectinload(Meeting.invitations).selectinload(Invitation.enterprise))
    if user.role == "official":
        stmt = stmt.where(Meeting.id.in_(select(meeting_hosts.c.meeting_id)
                                         .where(meeting_hosts.c.user_id == user.id)))
    elif user.role == "department":
        stmt = stmt.where(Meeting.id.in_(select(meeting_departments.c.meeting_id)
                                         .where(meeting_departments.c.department_id == user.department_id)))
    elif user.role == "enterprise":
        invited = select(Invitation.meeting_id).where(Invitation.enterprise_id == user.enterprise_id)
        stmt = stmt.where((Meeting.enterprise_id == user.enterprise_id) | Meeting.id.in_(invited))
    elif user.role not in EDITORS:
        stmt = stmt.where(Meeting.id.is_(None))
    if start is not None:
        stmt = stmt.where(Meeting.ends_at > start)
    if end is not None:
        stmt = stmt.where(Meeting.starts_at < end)
    return stmt.order_by(Meeting.starts_at, Meeting.id)


# ------------------------------------------------------------------------------------------ series


def _jurisdiction(code: str) -> Jurisdiction:
    found = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if found is None:
        raise invalid("jurisdiction_code", _("No jurisdiction with code %(code)s.", code=code))
    return found


def _hhmm(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        parsed = datetime.strptime(value, "%H:%M")
    except ValueError:
        raise invalid("default_start_time", _("%(field)s must be a time such as 07:30.",
                                              field=field_label("default_start_time"))) from None
    return parsed.strftime("%H:%M")


@rolls_back
def create_series(user: User, data: Mapping[str, Any]) -> MeetingSeries:
    require_editor(user)
    reject_unknown(data, SERIES_FIELDS)
    name = qualified(get_str, data, "name", "meeting_series.name", max_len=200)
    jur = _jurisdiction(get_str(data, "jurisdiction_code", max_len=6))
    kind = get_meeting_kind(data)
    series = MeetingSeries(
        name=name, jurisdiction_id=jur.id, kind=kind,
        default_venue=get_str(data, "default_venue", required=False, max_len=200),
        default_capacity=get_int(data, "default_capacity", required=False, minimum=1, maximum=500, default=6),
        default_start_time=_hhmm(get_str(data, "default_start_time", required=False, max_len=5)),
        default_duration_minutes=get_int(data, "default_duration_minutes", required=False, minimum=15,
                                         maximum=24 * 60, default=90),
        created_by_id=user.id,
    )
    db.session.add(series)
    db.session.flush()
    audit.record("create", "meeting_series", series.id, after=series_json(series))
    db.session.commit()
    return series


def get_series(series_id: int, field: str = "series_id") -> MeetingSeries:
    series = db.session.get(MeetingSeries, series_id)
    if series is None:
        raise invalid(field, _("No meeting series %(id)s.", id=series_id))
    return series


# ------------------------------------------------------------------------------------------ conflicts


def hosts_from(value: Any) -> list[User]:
    """``host_ids`` as active users who may host (officials, or the secretariat standing in)."""
    message = _("%(field)s must be a list of user ids.", field=field_label("host_ids"))
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > 50:
        raise invalid("host_ids", message)
    wanted = []
    for raw in value:
        number = parse_int(raw)
        if number is None:
            raise invalid("host_ids", message)
        wanted.append(number)
    users = {u.id: u for u in db.session.scalars(select(User).where(User.id.in_(wanted)))} if wanted else {}
    out = []
    for uid in dict.fromkeys(wanted):
        u = users.get(uid)
        if u is None or not u.active or u.role not in ("official", "secretariat"):
            raise invalid("host_ids", _("User %(id)s is not an official who can host meetings.", id=uid))
        out.append(u)
    return out


def departments_from(codes: list[str]) -> list[Department]:
    found = {d.code: d for d in db.session.scalars(select(Department).where(Department.code.in_(codes)))}
    missing = [c for c in codes if c not in found]
    if missing:
        raise invalid("department_codes", _("No department with code %(code)s.", code=missing[0]))
    return [found[c] for c in codes]


def guard(host_ids: Iterable[int], venue: str | None, *rows: tuple[type, int | None]) -> None:
    """Take the writing transaction and the host and venue locks, sorted so two bookings never deadlock.

    Removing this call is what the parallel booking tests catch: both requests would see a free slot."""
    concurrency.begin_write(*rows)
    names = [f"meeting-host:{h}" for h in host_ids]
    key = rules.venue_key(venue)
    if key:
        names.append(f"meeting-venue:{key}")
    for name in sorted(names):
        concurrency.lock_key(name)


def _slot(m: Meeting) -> rules.Slot:
    return rules.Slot(m.id, m.title, m.starts_at, m.ends_at, frozenset(h.id for h in m.hosts), m.venue, m.status)


def check_conflicts(slot: rules.Slot) -> None:
    """Raise 409 host_conflict / venue_conflict naming the other meeting, its time and a link."""
    rows = db.session.scalars(
        select(Meeting).options(selectinload(Meeting.hosts))
        # No status filter here: the rules skip cancelled meetings, and a status condition makes SQLite's
        # planner pick the (unselective) status index over the time range.
        .where(Meeting.starts_at < slot.ends_at, Meeting.ends_at > slot.starts_at,
               # No meeting lasts longer than MAX_DURATION (check_interval), so this bound is exact and turns
               # the start index into a narrow range scan (bench/meetings_bench.py).
               Meeting.starts_at > slot.starts_at - rules.MAX_DURATION)
    ).all()
    conflict = rules.first_conflict(slot, [_slot(m) for m in rows])
    if conflict is None:
        return
    other = conflict.other
    when = span_text(other.starts_at, other.ends_at)
    ref = {"id": other.id, "title": other.title, "starts_at": local_iso(other.starts_at),
           "ends_at": local_iso(other.ends_at), "url": meeting_url(other.id)}
    if conflict.code == "host_conflict":
        names = "、".join(u.name for u in db.session.scalars(select(User).where(User.id.in_(conflict.host_ids))))
        message = _("%(hosts)s already hosts “%(title)s” at %(when)s (%(url)s).", hosts=names,
                    title=other.title, when=when, url=ref["url"])
        details = {"field": "host_ids", "meeting": ref, "host_ids": list(conflict.host_ids)}
    else:
        message = _("The venue %(venue)s is booked for “%(title)s” at %(when)s (%(url)s).", venue=conflict.venue,
                    title=other.title, when=when, url=ref["url"])
        details = {"field": "venue", "meeting": ref}
    raise DomainError(conflict.code, message, status=409, details=details)
