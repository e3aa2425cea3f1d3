"""Minutes (纪要) with revision history and a diff between revisions, and the issues raised at a meeting,
each recorded against the enterprise that raised it (the follow-up ledger links to `MinutesIssue.id`).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from extensions import db
from models.meeting import Invitation, Meeting, MinutesIssue, MinutesRevision
from models.user import User
from operations import audit, checks, concurrency
from operations.errors import DomainError, NotFound
from operations.labels import field_label
from operations.meeting_fields import ISSUE_CATEGORY_LABELS, qualified
from operations.meetings import get_meeting, require_editor, rolls_back
from operations.validate import get_choice, get_str, invalid, reject_unknown

MAX_TEXT = 100_000
MINUTES_STATUSES = ("scheduled", "held")


def revision_json(rev: MinutesRevision) -> dict[str, Any]:
    return {"number": rev.number, "text": rev.text, "author": rev.author.name if rev.author else None,
            "created_at": rev.created_at.isoformat() + "Z"}


def revisions(meeting_id: int) -> list[MinutesRevision]:
    return list(db.session.scalars(select(MinutesRevision).where(MinutesRevision.meeting_id == meeting_id)
                                   .order_by(MinutesRevision.number)))


def current(meeting_id: int) -> MinutesRevision | None:
    return db.session.scalar(select(MinutesRevision).where(MinutesRevision.meeting_id == meeting_id)
                             .order_by(MinutesRevision.number.desc()).limit(1))


@rolls_back
def save(user: User, meeting_id: int, data: Mapping[str, Any]) -> MinutesRevision:
    """PUT /api/v1/meetings/{id}/minutes {"text"}: each save is a new revision; an unchanged text is not."""
    require_editor(user)
    get_meeting(meeting_id)
    reject_unknown(data, ("text",))
    text = data.get("text")
    if not isinstance(text, str) or not text.strip():
        raise invalid("text", _("%(field)s is required.", field=field_label("minutes_revisions.text")),
                      "missing_field")
    if len(text) > MAX_TEXT or "\x00" in text:
        raise invalid("text", _("%(field)s is longer than %(n)s characters.",
                                field=field_label("minutes_revisions.text"), n=MAX_TEXT))
    text = text.replace("\r\n", "\n").strip()
    # One writer at a time per meeting: revision numbers are consecutive and never collide.
    concurrency.begin_write((Meeting, meeting_id))
    m = get_meeting(meeting_id)
    if m.status not in MINUTES_STATUSES:
        raise concurrency.invalid_state("meetings", m.status, MINUTES_STATUSES)
    last = current(meeting_id)
    if last is not None and last.text == text:
        db.session.rollback()
        return last
    number = (db.session.scalar(select(func.max(MinutesRevision.number))
                                .where(MinutesRevision.meeting_id == meeting_id)) or 0) + 1
    rev = MinutesRevision(meeting_id=meeting_id, number=number, text=text, author_id=user.id)
    db.session.add(rev)
    db.session.flush()
    audit.record("save_minutes", "meeting", meeting_id,
                 before={"revision": last.number, "text": last.text} if last else None,
                 after={"revision": number, "text": text})
    db.session.commit()
    return rev


def diff(meeting_id: int, old: int, new: int) -> list[str]:
    """Unified diff between two revisions, line by line (Chinese minutes are written in lines/paragraphs)."""
    revs = {r.number: r for r in revisions(meeting_id)}
    if old not in revs or new not in revs:
        raise NotFound(_("No such revision of these minutes."))
    return list(difflib.unified_diff(revs[old].text.splitlines(), revs[new].text.splitlines(),
                                     fromfile=_("Revision %(n)s", n=old), tofile=_("Revision %(n)s", n=new),
                                     lineterm=""))


def issue_json(issue: MinutesIssue) -> dict[str, Any]:
    return {"id": issue.id, "meeting_id": issue.meeting_id, "uscc": issue.enterprise.uscc,
            "enterprise_name": issue.enterprise.name, "title": issue.title, "description": issue.description,
            "category": issue.category, "created_at": issue.created_at.isoformat() + "Z"}


def issues(meeting_id: int) -> list[MinutesIssue]:
    return list(db.session.scalars(select(MinutesIssue).where(MinutesIssue.meeting_id == meeting_id)
                                   .order_by(MinutesIssue.id)))


@rolls_back
def add_issue(user: User, meeting_id: int, data: Mapping[str, Any]) -> MinutesIssue:
    """Record an issue raised at the meeting by one of its guests (or the visited enterprise)."""
    require_editor(user)
    m = get_meeting(meeting_id)
    reject_unknown(data, ("uscc", "title", "description", "category"))
    uscc = get_str(data, "uscc", max_len=18)
    title = qualified(get_str, data, "title", "minutes_issues.title", max_len=300)
    description = get_str(data, "description", required=False, max_len=4000)
    category = qualified(get_choice, data, "category", "minutes_issues.category",
                         choices=tuple(ISSUE_CATEGORY_LABELS), required=False)
    try:
        ent = checks.find_enterprise(uscc)
    except NotFound:
        raise invalid("uscc", _("No enterprise with this credit code.")) from None
    guest = db.session.scalar(select(Invitation.id).where(Invitation.meeting_id == m.id,
                                                          Invitation.enterprise_id == ent.id))
    if guest is None and m.enterprise_id != ent.id:
        raise invalid("uscc", _("%(name)s was not at this meeting.", name=ent.name), "not_a_guest")
    if m.status not in MINUTES_STATUSES:
        raise DomainError("invalid_state", _("Issues are recorded for scheduled or held meetings."), status=409,
                          details={"status": m.status})
    issue = MinutesIssue(meeting_id=m.id, enterprise_id=ent.id, title=title, description=description,
                         category=category, created_by_id=user.id)
    db.session.add(issue)
    db.session.flush()
    audit.record("raise_issue", "minutes_issue", issue.id, after=issue_json(issue))
    db.session.commit()
    return issue
