"""Meetings and visits in feeds: timed events in Asia/Shanghai (stored in UTC, operations/bookings.py).

Cancelled meetings stay, as ``STATUS:CANCELLED`` (Apple strikes them through, Google drops them), and every
event carries the meeting's own SEQUENCE, which bookings bump on each reschedule and cancellation. Drafts are
not published. An enterprise sees its own invitation only — never who else is at the table.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from flask_babel import gettext as _
from sqlalchemy import ColumnElement, Select, bindparam, func, select
from sqlalchemy.orm import selectinload

from extensions import db
from models.audit import AuditLog
from models.meeting import Invitation, Meeting, meeting_departments, meeting_hosts
from operations.feeds.core import Owner, Quick, Source, Version, Window, _max
from operations.meeting_fields import INVITATION_STATUS_LABELS, MEETING_KIND_LABELS, MEETING_STATUS_LABELS
from rules import feeds as rf

# Audit entities of meeting writes (bookings, invitations, answers); host and department changes go through
# the booking operations and are audited as "meeting".
MEETING_ENTITIES = ("meeting", "invitation")
SCOPES = ("host", "secretariat", "department", "enterprise")


def _scope(scope: str) -> ColumnElement[bool]:
    """The owner's meetings (bind parameter ``owner``): hosted (officials), hosted or booked (a secretariat
    staffer), attended (a department), visited or invited to (an enterprise). Drafts are not published."""
    owner = bindparam("owner")
    hosted = Meeting.id.in_(select(meeting_hosts.c.meeting_id).where(meeting_hosts.c.user_id == owner))
    if scope == "host":
        cond = hosted
    elif scope == "secretariat":
        cond = hosted | (Meeting.created_by_id == owner)
    elif scope == "department":
        cond = Meeting.id.in_(select(meeting_departments.c.meeting_id)
                              .where(meeting_departments.c.department_id == owner))
    else:
        invited = select(Invitation.meeting_id).where(Invitation.enterprise_id == owner)
        cond = (Meeting.enterprise_id == owner) | Meeting.id.in_(invited)
    return cond & (Meeting.status != "draft")


# Built once, run with bind parameters through Core (see operations/feeds/core.py on the 304 path).
@functools.cache
def _version_stmt(scope: str) -> Select:
    """Every change to a meeting sets its updated_at (reschedule, cancel, schedule, held) and bumps its sequence;
    invitations and answers are counted (an enterprise's own; on the government side, all of its meetings',
    whose guest lists the events show); host and department lists are counted. Meetings are never deleted."""
    cond = _scope(scope)
    owner = bindparam("owner")
    if scope == "enterprise":
        invitations = Invitation.enterprise_id == owner
    else:
        invitations = Invitation.meeting_id.in_(select(Meeting.id).where(cond))
    return select(
        select(func.count(), func.max(Meeting.id), func.max(Meeting.updated_at), func.sum(Meeting.sequence))
        .where(cond).subquery(),
        select(func.count()).select_from(Invitation).where(invitations).scalar_subquery(),
        select(func.max(Invitation.id)).where(invitations).scalar_subquery(),
        select(func.max(Invitation.responded_at)).where(invitations).scalar_subquery(),
        select(func.count()).select_from(meeting_hosts).where(meeting_hosts.c.user_id == owner).scalar_subquery(),
        select(func.count()).select_from(meeting_departments)
        .where(meeting_departments.c.department_id == owner).scalar_subquery(),
        select(func.max(Invitation.created_at)).where(invitations).scalar_subquery(),
    )


@functools.cache
def _quick_stmt() -> Select:
    """Meetings are never deleted; every write is audited; inserts also move the max ids."""
    return select(
        select(func.max(AuditLog.id)).where(AuditLog.entity.in_(MEETING_ENTITIES)).scalar_subquery(),
        select(func.max(Meeting.id)).scalar_subquery(),
        select(func.max(Invitation.id)).scalar_subquery(),
    )


def meetings_version(scope: str, owner_id: int) -> Version:
    row = db.session.connection().execute(_version_stmt(scope), {"owner": owner_id}).one()
    return Version(tuple(row), _max(row[2], row[6], row[9]))


def meetings_quick() -> Quick:
    return Quick(_quick_stmt(), {})


def _local(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC).astimezone(rf.SHANGHAI).replace(tzinfo=None)


def _utc_bounds(window: Window) -> tuple[datetime, datetime]:
    start = datetime.combine(window.start, time.min, tzinfo=rf.SHANGHAI)
    end = datetime.combine(window.end + timedelta(days=1), time.min, tzinfo=rf.SHANGHAI)
    return (start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None))


def meeting_events(scope: str, owner_id: int) -> Callable[[Window, str], list[rf.TimedEvent]]:
    def events(window: Window, host: str) -> list[rf.TimedEvent]:
        start, end = _utc_bounds(window)
        rows = db.session.scalars(
            select(Meeting).where(_scope(scope), Meeting.ends_at > start, Meeting.starts_at < end)
            .options(selectinload(Meeting.hosts), selectinload(Meeting.series), selectinload(Meeting.enterprise),
                     selectinload(Meeting.invitations).selectinload(Invitation.enterprise))
            .order_by(Meeting.id), {"owner": owner_id}
        ).all()
        kinds = {k: str(v) for k, v in MEETING_KIND_LABELS.items()}
        statuses = {k: str(v) for k, v in MEETING_STATUS_LABELS.items()}
        answers = {k: str(v) for k, v in INVITATION_STATUS_LABELS.items()}
        out = []
        for m in rows:
            lines = [kinds.get(m.kind, m.kind)]
            if m.series is not None and m.number:
                lines.append(_("%(series)s, session %(number)s", series=m.series.name, number=m.number))
            if m.hosts:
                lines.append(_("Hosts: %(names)s", names="、".join(h.name for h in m.hosts)))
            if m.kind == "visit" and m.enterprise is not None and scope != "enterprise":
                lines.append(_("Enterprise visited: %(name)s", name=m.enterprise.name))
            lines.append(_("Status: %(status)s", status=statuses.get(m.status, m.status)))
            status = {"cancelled": "CANCELLED", "proposed": "TENTATIVE"}.get(m.status, "CONFIRMED")
            sequence, modified = m.sequence, m.updated_at
            if scope == "enterprise":
                # Only this enterprise's own invitation: the guest list is not the guests' business.
                own = next((i for i in m.invitations if i.enterprise_id == owner_id), None)
                if own is not None:
                    lines.append(_("Our invitation: %(status)s", status=answers.get(own.status, own.status)))
                    if own.topics:
                        lines.append(_("Our topics: %(topics)s", topics=own.topics))
                    modified = _max(modified, own.responded_at)
                    if own.status == "declined" and status != "CANCELLED":
                        # Declined: gone from the enterprise's calendar; the bump makes clients take the change.
                        status, sequence = "CANCELLED", sequence + 1
                    elif own.status == "invited" and status == "CONFIRMED":
                        status = "TENTATIVE"
            else:
                guests = [f"{i.enterprise.name}（{answers.get(i.status, i.status)}）" for i in m.invitations]
                if guests:
                    lines.append(_("Guests: %(names)s", names="、".join(guests)))
            if m.status == "cancelled" and m.cancel_reason:
                lines.append(_("Cancelled: %(reason)s", reason=m.cancel_reason))
            out.append(rf.TimedEvent(
                uid=f"meeting-{m.id}@{host}", summary=m.title, description="\n".join(lines),
                location=m.venue or "", starts_at=_local(m.starts_at), ends_at=_local(m.ends_at),
                sequence=sequence, status=status, modified=modified, categories=(kinds.get(m.kind, m.kind),),
            ))
        return out

    return events


def source(scope: str, owner: Owner) -> Source:
    """``scope``: "host" (official), "secretariat", "department", "enterprise" (see :func:`_scope`)."""
    if scope == "enterprise":
        owner_id = owner.enterprise_id
    elif scope == "department":
        owner_id = owner.department_id
    else:
        owner_id = owner.user_id
    assert owner_id is not None and scope in SCOPES
    return Source("meetings", lambda: meetings_version(scope, owner_id), meeting_events(scope, owner_id),
                  quick=meetings_quick)
