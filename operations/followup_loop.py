"""The follow-up loop (闭环管理): assigned → in_progress → resolved → closed, with reopening on a low rating,
extensions and supervision. Every step is a history event and an audit row in the same transaction.

Each state change is a conditional UPDATE (`operations.concurrency.transition`): of two parallel requests (two
clerks resolving, an enterprise double-clicking "rate") exactly one wins, the other gets 409 invalid_state.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from extensions import db
from models.followup import FollowUp, FollowUpExtension, FollowUpRating
from models.user import User
from operations import audit, checks, concurrency
from operations import followup_labels as fl
from operations.calendar import load_calendar
from operations.errors import DomainError, Forbidden
from operations.followup_labels import STATUS_LABELS
from operations.followups import add_event, audit_json, can_see, get_item, pending_extension
from operations.validate import get_date, get_int, get_str, invalid, reject_unknown
from rules import followups as fr


def _visible(user: User, item_id: int) -> FollowUp:
    item = get_item(item_id)
    if not can_see(user, item):
        raise Forbidden(_("This follow-up item belongs to another department or enterprise."))
    return item


def _is_lead(user: User, item: FollowUp) -> bool:
    return user.role == "department" and user.department_id == item.lead_department_id


def _handles(user: User, item: FollowUp) -> bool:
    return user.role == "department" and user.department_id is not None and (
        item.lead_department_id == user.department_id
        or any(d.id == user.department_id for d in item.assist_departments))


def _move(item: FollowUp, expected: tuple[str, ...], changes: Mapping[str, Any]) -> dict[str, Any]:
    """Conditional transition; returns the audit "before" taken from the row as it was."""
    before = audit_json(item)
    concurrency.transition(item, expected, changes, names=STATUS_LABELS)
    return before


def _finish(item: FollowUp, action: str, before: dict[str, Any]) -> FollowUp:
    db.session.flush()
    db.session.refresh(item)
    audit.record(action, "follow_up", item.id, before=before, after=audit_json(item))
    db.session.commit()
    return item


def progress(user: User, item_id: int, data: Mapping[str, Any]) -> FollowUp:
    """A progress note from the lead or an assisting department; the first one starts the work."""
    item = _visible(user, item_id)
    if not _handles(user, item):
        raise Forbidden(_("Only the lead or an assisting department reports progress."))
    reject_unknown(data, ("note",))
    note = get_str(data, "note", max_len=4000)
    today = checks.local_today()
    before = _move(item, fr.OPEN_STATUSES, {"status": "in_progress", "last_progress_on": today})
    add_event(item, "progress", user, note=note)
    return _finish(item, "progress", before)


def resolve(user: User, item_id: int, data: Mapping[str, Any]) -> FollowUp:
    item = _visible(user, item_id)
    if not _is_lead(user, item):
        raise Forbidden(_("Only the lead department resolves an item."))
    reject_unknown(data, ("resolution",))
    resolution = get_str(data, "resolution", max_len=4000)
    today = checks.local_today()
    before = _move(item, fr.OPEN_STATUSES, {"status": "resolved", "resolution": resolution, "resolved_on": today,
                                            "last_progress_on": today})
    add_event(item, "resolved", user, note=resolution)
    return _finish(item, "resolve", before)


def rate(user: User, item_id: int, data: Mapping[str, Any]) -> FollowUp:
    """The enterprise rates a resolution (好差评). 2 or less reopens it (退回重办) with the comment; more closes it."""
    item = _visible(user, item_id)
    if user.role != "enterprise" or user.enterprise_id != item.enterprise_id:
        raise Forbidden(_("Only the enterprise concerned rates its items."))
    reject_unknown(data, ("rating", "comment"))
    rating = get_int(data, "rating", minimum=1, maximum=5)
    comment = get_str(data, "comment", required=False, max_len=2000)
    reopen = fr.reopens(rating)
    if reopen and not comment:
        # The department cannot redo the work without knowing what is wrong.
        raise invalid("comment", _("Say what is still wrong when sending an item back."), "comment_required")
    today = checks.local_today()
    round_ = item.reopen_count
    if reopen:
        changes = {"status": "in_progress", "rating": rating, "reopen_count": round_ + 1,
                   "last_progress_on": today, "resolved_on": None}
    else:
        changes = {"status": "closed", "rating": rating, "closed_on": today, "close_reason": "rated"}
    before = _move(item, ("resolved",), changes)
    db.session.add(FollowUpRating(follow_up_id=item.id, round=round_, rating=rating, comment=comment,
                                  rated_by_id=user.id))
    add_event(item, "rated", user, note=comment, data={"rating": rating})
    add_event(item, "reopened" if reopen else "closed", user, note=comment if reopen else None)
    return _finish(item, "reopen" if reopen else "rate", before)


def request_extension(user: User, item_id: int, data: Mapping[str, Any]) -> FollowUpExtension:
    """The lead department asks for a later due date, before the current one has passed, with a reason."""
    item = _visible(user, item_id)
    if not _is_lead(user, item):
        raise Forbidden(_("Only the lead department asks for an extension."))
    reject_unknown(data, ("due_date", "reason"))
    new_due = get_date(data, "due_date")
    reason = get_str(data, "reason", max_len=2000)
    today = checks.local_today()
    concurrency.begin_write((FollowUp, item.id))
    item = get_item(item_id)
    if item.status not in fr.OPEN_STATUSES:
        raise concurrency.invalid_state("follow_ups", item.status, fr.OPEN_STATUSES, STATUS_LABELS)
    if not fr.extension_allowed(today, item.due_on):
        raise DomainError("too_late", _("An extension must be requested before the due date (%(date)s).",
                                        date=item.due_on.isoformat()), status=409)
    if new_due <= item.due_on:
        raise invalid("due_date", _("The new due date must be after the current one (%(date)s).",
                                    date=item.due_on.isoformat()))
    if not load_calendar().is_workday(new_due):
        raise invalid("due_date", _("The new due date must be a working day."))
    if pending_extension(item) is not None:
        raise DomainError("extension_pending", _("An extension request is already waiting for a decision."),
                          status=409)
    ext = FollowUpExtension(follow_up_id=item.id, old_due_on=item.due_on, new_due_on=new_due, reason=reason,
                            requested_by_id=user.id, requested_on=today)
    db.session.add(ext)
    db.session.flush()
    add_event(item, "extension_requested", user, note=reason, data={"due_date": new_due.isoformat()})
    audit.record("request_extension", "follow_up_extension", ext.id,
                 after={"follow_up_id": item.id, "due_date": new_due.isoformat(), "reason": reason})
    db.session.commit()
    return ext


def decide_extension(user: User, item_id: int, data: Mapping[str, Any]) -> FollowUp:
    """The secretariat approves (the due date moves) or refuses the pending request."""
    if user.role not in ("secretariat", "admin"):
        raise Forbidden(_("Only the secretariat decides on extensions."))
    item = get_item(item_id)
    reject_unknown(data, ("decision", "note"))
    decision = fl.get_choice(data, "decision", ("approved", "refused"), "follow_up_extensions.decision")
    note = get_str(data, "note", required=False, max_len=2000)
    ext = pending_extension(item)
    if ext is None:
        raise DomainError("no_pending_extension", _("No extension request is waiting for a decision."),
                          status=409)
    today = checks.local_today()
    concurrency.transition(ext, ("pending",), {"status": decision, "decided_by_id": user.id, "decided_on": today,
                                               "decision_note": note})
    before = audit_json(item)
    if decision == "approved":
        item.due_on = ext.new_due_on
    add_event(item, f"extension_{decision}", user, note=note,
              data={"due_date": ext.new_due_on.isoformat(), "old_due_date": ext.old_due_on.isoformat()})
    return _finish(item, f"extension_{decision}", before)


def supervise(user: User, item_id: int, data: Mapping[str, Any]) -> FollowUp:
    """挂号督办: the item goes on the supervision board until it is closed (清零销号)."""
    if user.role not in ("secretariat", "admin"):
        raise Forbidden(_("Only the secretariat puts items under supervision."))
    get_item(item_id)
    reject_unknown(data, ("note",))
    note = get_str(data, "note", required=False, max_len=2000)
    concurrency.begin_write((FollowUp, item_id))
    item = get_item(item_id)
    if item.status == "closed":
        raise concurrency.invalid_state("follow_ups", item.status, ("assigned", "in_progress", "resolved"),
                                        STATUS_LABELS)
    if item.supervised_on is not None:
        raise DomainError("already_supervised", _("This item is already under supervision (since %(date)s).",
                                                  date=item.supervised_on.isoformat()), status=409)
    before = audit_json(item)
    item.supervised_on = checks.local_today()
    item.supervised_by_id = user.id
    item.supervision_note = note
    add_event(item, "supervised", user, note=note)
    return _finish(item, "supervise", before)


def close_unrated(today: date | None = None) -> list[int]:
    """Close resolutions the enterprise has not rated within 10 working days (run daily by the CLI)."""
    today = today or checks.local_today()
    cutoff = fr.unrated_close_before(today, load_calendar())
    ids = list(db.session.scalars(select(FollowUp.id).where(FollowUp.status == "resolved",
                                                            FollowUp.resolved_on < cutoff)))
    closed = []
    for item_id in ids:
        item = get_item(item_id)
        try:
            before = _move(item, ("resolved",), {"status": "closed", "closed_on": today, "close_reason": "unrated"})
        except DomainError:
            db.session.rollback()  # rated meanwhile: the enterprise's answer wins
            continue
        add_event(item, "closed", None, note=None, data={"reason": "unrated"}, on=today)
        _finish(item, "close_unrated", before)
        closed.append(item_id)
    return closed
