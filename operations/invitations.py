"""Invitations (SPEC §4): invite an enterprise with its representative, under the meeting's capacity and never
twice; the enterprise's own users accept or decline and submit the topics they will raise (提需求、定菜单).

Capacity counts every invitation not declined: a seat is held from the invitation on, so the secretariat never
invites a seventh enterprise to a table of six hoping one declines.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, or_, select

from extensions import db
from models.base import utcnow
from models.enterprise import Enterprise
from models.meeting import Invitation, Meeting
from models.user import User
from operations import audit, checks, concurrency, notices
from operations.errors import DomainError, Forbidden, NotFound
from operations.meeting_fields import local_iso, qualified, span_text
from operations.meetings import get_meeting, invitation_json, meeting_url, require_editor, rolls_back
from operations.validate import get_choice, get_str, invalid, reject_unknown

INVITABLE_STATUSES = ("draft", "scheduled")
ANSWERABLE_STATUSES = ("draft", "scheduled")
SEARCH_LIMIT = 20


def search_enterprises(q: str, limit: int = SEARCH_LIMIT) -> list[Enterprise]:
    """By name, short name (简称) or USCC, case-insensitively; exact USCC first."""
    text = (q or "").strip()
    if not text:
        return []
    pattern = f"%{text.replace('%', '').replace('_', '')}%"
    stmt = select(Enterprise).where(or_(Enterprise.name.ilike(pattern), Enterprise.short_name.ilike(pattern),
                                        Enterprise.uscc.ilike(pattern)))
    rows = list(db.session.scalars(stmt.order_by(Enterprise.name).limit(limit)))
    rows.sort(key=lambda e: (e.uscc.upper() != text.upper(), e.name))
    return rows


def seats_taken(meeting_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Invitation).where(
        Invitation.meeting_id == meeting_id, Invitation.status != "declined")) or 0


def _already(meeting_id: int, ent: Enterprise) -> DomainError:
    existing = db.session.scalar(select(Invitation).where(Invitation.meeting_id == meeting_id,
                                                          Invitation.enterprise_id == ent.id))
    return DomainError("already_invited", _("%(name)s is already invited to this meeting.", name=ent.name),
                       status=409, details={"field": "uscc", "invitation_id": existing.id if existing else None})


@rolls_back
def invite(user: User, meeting_id: int, data: Mapping[str, Any]) -> Invitation:
    """POST /api/v1/meetings/{id}/invitations {"uscc", "representative"?}: 409 capacity_full / already_invited."""
    require_editor(user)
    m = get_meeting(meeting_id)
    reject_unknown(data, ("uscc", "representative"))
    uscc = get_str(data, "uscc", max_len=18)
    representative = get_str(data, "representative", required=False, max_len=100)
    try:
        ent = checks.find_enterprise(uscc)
    except NotFound:
        raise invalid("uscc", _("No enterprise with this credit code.")) from None
    if m.kind == "visit":
        raise DomainError("not_invitable", _("A visit has no guest list: it takes place at the enterprise."),
                          status=409)
    ent_id = ent.id
    # Lock the meeting row (PostgreSQL) / the database (SQLite): capacity and "not twice" read current data.
    concurrency.begin_write((Meeting, meeting_id))
    m = get_meeting(meeting_id)
    ent = db.session.get(Enterprise, ent_id)
    assert ent is not None
    if m.status not in INVITABLE_STATUSES:
        raise concurrency.invalid_state("meetings", m.status, INVITABLE_STATUSES)
    if db.session.scalar(select(Invitation.id).where(Invitation.meeting_id == m.id,
                                                     Invitation.enterprise_id == ent.id)) is not None:
        raise _already(m.id, ent)
    taken = seats_taken(m.id)
    if m.capacity is not None and taken >= m.capacity:
        raise DomainError("capacity_full", _("All %(n)s seats of this meeting are taken.", n=m.capacity),
                          status=409, details={"capacity": m.capacity, "taken": taken})
    inv = Invitation(meeting_id=m.id, enterprise_id=ent.id, representative=representative, status="invited",
                     invited_by_id=user.id)
    db.session.add(inv)
    db.session.flush()
    audit.record("invite", "invitation", inv.id, after=invitation_json(inv))
    text = _("%(name)s is invited to “%(title)s” at %(when)s, %(venue)s. Please answer and tell us the topics "
             "you will raise.", name=ent.name, title=m.title, when=span_text(m.starts_at, m.ends_at),
             venue=m.venue or "—")
    mails = notices.notify(notices.enterprise_users(ent.id), "invited", text, m.id, meeting_url(m.id))
    # The unique (meeting, enterprise) constraint is the last word should two invitations race past the check.
    try:
        concurrency.commit_unique(lambda: {"id": None})
    except DomainError:
        raise _already(m.id, ent) from None
    notices.send_mail(mails)
    return inv


def get_invitation(invitation_id: int) -> Invitation:
    inv = db.session.get(Invitation, invitation_id)
    if inv is None:
        raise NotFound(_("No such invitation."))
    return inv


def get_visible(user: User, invitation_id: int) -> Invitation:
    inv = get_invitation(invitation_id)
    if user.role in ("secretariat", "admin"):
        return inv
    if user.role == "enterprise" and user.enterprise_id == inv.enterprise_id:
        return inv
    if user.role == "official" and any(h.id == user.id for h in inv.meeting.hosts):
        return inv
    raise Forbidden(_("This invitation belongs to another enterprise."))


@rolls_back
def respond(user: User, invitation_id: int, data: Mapping[str, Any]) -> Invitation:
    """POST /api/v1/invitations/{id}/respond: only the invited enterprise's own users."""
    inv = get_invitation(invitation_id)
    if user.role != "enterprise" or user.enterprise_id != inv.enterprise_id:
        raise Forbidden(_("Only the invited enterprise may answer this invitation."))
    reject_unknown(data, ("response", "topics", "representative"))
    response = qualified(get_choice, data, "response", "invitations.response", choices=("accepted", "declined"))
    topics = get_str(data, "topics", required=False, max_len=4000)
    representative = get_str(data, "representative", required=False, max_len=100)
    concurrency.begin_write((Meeting, inv.meeting_id))
    inv = get_invitation(invitation_id)
    m = inv.meeting
    if m.status not in ANSWERABLE_STATUSES:
        raise concurrency.invalid_state("meetings", m.status, ANSWERABLE_STATUSES)
    # Declining gives the seat back; accepting again after a decline must find a free one.
    if inv.status == "declined" and response == "accepted" and m.capacity is not None \
            and seats_taken(m.id) >= m.capacity:
        raise DomainError("capacity_full", _("All %(n)s seats of this meeting are taken.", n=m.capacity),
                          status=409, details={"capacity": m.capacity})
    before = invitation_json(inv)
    inv.status = response
    if "topics" in data:
        inv.topics = topics
    if representative:
        inv.representative = representative
    inv.responded_at = utcnow()
    inv.responded_by_id = user.id
    db.session.flush()
    audit.record("respond", "invitation", inv.id, before=before, after=invitation_json(inv))
    text = (_("%(name)s accepted “%(title)s”.", name=inv.enterprise.name, title=m.title) if response == "accepted"
            else _("%(name)s declined “%(title)s”.", name=inv.enterprise.name, title=m.title))
    secretariat = [m.created_by] if m.created_by is not None else []
    mails = notices.notify([*m.hosts, *secretariat], "invitation_answered", text, m.id, meeting_url(m.id))
    db.session.commit()
    notices.send_mail(mails)
    return inv


def guest_list(m: Meeting) -> list[dict[str, Any]]:
    """Accepted first, then invited, then declined; each with its representative and topics."""
    order = {"accepted": 0, "invited": 1, "declined": 2}
    rows = sorted(m.invitations, key=lambda i: (order.get(i.status, 3), i.id))
    return [{**invitation_json(i), "starts_at": local_iso(m.starts_at)} for i in rows]
