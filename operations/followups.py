"""Follow-up items (SPEC §5): assignment and reading. The loop (progress, resolve, rate, extend, supervise,
closing) is in `operations.followup_loop`; lists, ledger and export in `operations.followup_ledger`.

Who sees an item: admin and secretariat all; a department the items it leads or assists; an enterprise its own;
an official the items of the meetings they hosted and the supervised ones (the supervision board).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.department import Department
from models.enterprise import Enterprise
from models.followup import FollowUp, FollowUpEvent, FollowUpExtension
from models.meeting import Meeting, MinutesIssue, meeting_hosts
from models.user import User
from operations import audit, checks, concurrency
from operations import followup_labels as _labels
from operations.calendar import load_calendar
from operations.errors import DomainError, Forbidden, NotFound
from operations.labels import field_label
from operations.meeting_fields import qualified
from operations.validate import (
    get_date,
    get_int,
    get_list,
    get_str,
    invalid,
    reject_unknown,
)
from rules import followups as fr

CREATE_FIELDS = ("source", "meeting_id", "minutes_issue_id", "uscc", "title", "description", "category",
                 "lead_department", "assist_departments", "level", "workdays", "assigned_on")
ASSIGNERS = ("admin", "secretariat")
# How far back an assignment may be dated (items recorded after a meeting, or migrated from a paper ledger).
MAX_BACKDATE_DAYS = 366


def thresholds(today: date | None = None) -> fr.Thresholds:
    return fr.Thresholds.for_day(today or checks.local_today(), load_calendar())


def warning_of(item: FollowUp, th: fr.Thresholds | None = None) -> str | None:
    return fr.warning(item.status, item.due_on, item.last_progress_on, th or thresholds())


def hosted_meeting_ids(user: User) -> list[int]:
    """Meetings the official hosted (their items are the official's view, with the supervision board)."""
    return list(db.session.scalars(select(meeting_hosts.c.meeting_id).where(meeting_hosts.c.user_id == user.id)))


def can_see(user: User, item: FollowUp) -> bool:
    if user.role in ("admin", "secretariat"):
        return True
    if user.role == "department":
        return user.department_id is not None and (
            item.lead_department_id == user.department_id
            or any(d.id == user.department_id for d in item.assist_departments))
    if user.role == "enterprise":
        return user.enterprise_id == item.enterprise_id
    if user.role == "official":
        return item.supervised_on is not None or (
            item.meeting_id is not None and item.meeting_id in hosted_meeting_ids(user))
    return False


def get_item(item_id: int) -> FollowUp:
    item = db.session.get(FollowUp, item_id)
    if item is None:
        raise NotFound(_("No such follow-up item."))
    return item


def get_visible(user: User, item_id: int) -> FollowUp:
    item = get_item(item_id)
    if not can_see(user, item):
        raise Forbidden(_("This follow-up item belongs to another department or enterprise."))
    return item


def pending_extension(item: FollowUp) -> FollowUpExtension | None:
    return db.session.scalar(select(FollowUpExtension).where(
        FollowUpExtension.follow_up_id == item.id, FollowUpExtension.status == "pending"))


def to_json(item: FollowUp, th: fr.Thresholds | None = None, *, detail: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": item.id,
        "source": item.source,
        "meeting_id": item.meeting_id,
        "minutes_issue_id": item.minutes_issue_id,
        "uscc": item.enterprise.uscc,
        "enterprise_name": item.enterprise.name,
        "title": item.title,
        "description": item.description,
        "category": item.category,
        "lead_department": item.lead_department.code,
        "lead_department_name": item.lead_department.name,
        "assist_departments": [d.code for d in item.assist_departments],
        "level": item.level,
        "workdays": item.workdays,
        "assigned_on": item.assigned_on.isoformat(),
        "due_date": item.due_on.isoformat(),
        # The working days of a year nobody has entered a notice for are Mon–Fri: the due date may move once the
        # official notice is in, and the reader should know (SPEC §2).
        "calendar_fallback": load_calendar().source(item.due_on.year) == "fallback",
        "status": item.status,
        "warning": warning_of(item, th),
        "supervised": item.supervised_on is not None,
        "supervised_on": item.supervised_on.isoformat() if item.supervised_on else None,
        "last_progress_on": item.last_progress_on.isoformat(),
        "resolution": item.resolution,
        "resolved_on": item.resolved_on.isoformat() if item.resolved_on else None,
        "closed_on": item.closed_on.isoformat() if item.closed_on else None,
        "close_reason": item.close_reason,
        "rating": item.rating,
        "reopen_count": item.reopen_count,
    }
    if detail:
        ext = pending_extension(item)
        out["pending_extension"] = None if ext is None else {
            "id": ext.id, "due_date": ext.new_due_on.isoformat(), "reason": ext.reason,
            "requested_on": ext.requested_on.isoformat()}
        out["history"] = [event_json(e) for e in item.events]
    return out


def event_json(event: FollowUpEvent) -> dict[str, Any]:
    return {
        "kind": event.kind,
        "on": event.on.isoformat(),
        "at": event.at.isoformat() + "Z",
        "by": event.user.name if event.user else None,
        "department": event.department.code if event.department else None,
        "note": event.note,
        "data": event.data,
    }


def add_event(item: FollowUp, kind: str, user: User | None, note: str | None = None,
              data: Mapping[str, Any] | None = None, on: date | None = None) -> FollowUpEvent:
    event = FollowUpEvent(follow_up_id=item.id, kind=kind, on=on or checks.local_today(),
                          user_id=user.id if user else None,
                          department_id=user.department_id if user is not None and user.role == "department"
                          else None,
                          note=note, data=dict(data) if data else None)
    db.session.add(event)
    return event


def audit_json(item: FollowUp) -> dict[str, Any]:
    """What the audit log keeps of an item: its stored fields, never the read-time warning."""
    out = to_json(item, thresholds())
    out.pop("warning")
    return out


# ------------------------------------------------------------------------------------------ assignment


def _department(code: object, field: str) -> Department:
    if not isinstance(code, str) or not code.strip():
        raise invalid(field, _("%(field)s is required.", field=field_label(field)), "missing_field")
    dept = db.session.scalar(select(Department).where(Department.code == code.strip()))
    if dept is None:
        raise invalid(field, _("No department with the code %(code)s.", code=code[:40]), "unknown_department")
    if not dept.handles:
        raise invalid(field, _("%(name)s does not handle follow-up items.", name=dept.name), "not_handling")
    return dept


def _enterprise(user: User, data: Mapping[str, Any]) -> Enterprise:
    uscc = get_str(data, "uscc", max_len=18)
    ent = db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if ent is None:
        raise invalid("uscc", _("No enterprise with this credit code."), "unknown_enterprise")
    if user.role == "enterprise" and ent.id != user.enterprise_id:
        raise Forbidden(_("An enterprise may only submit requests for itself."))
    return ent


def from_minutes_issue(data: Mapping[str, Any]) -> tuple[dict[str, Any], int | None]:
    """An item made from an issue recorded in a meeting's minutes takes the issue's meeting, enterprise, title,
    description and category unless given; given values that contradict the issue are refused."""
    issue_id = get_int(data, "minutes_issue_id", required=False, minimum=1)
    if issue_id is None:
        return dict(data), None
    issue = db.session.get(MinutesIssue, issue_id)
    if issue is None:
        raise invalid("minutes_issue_id", _("No such issue in the minutes."), "unknown_issue")
    if db.session.scalar(select(FollowUp.id).where(FollowUp.minutes_issue_id == issue_id)) is not None:
        raise issue_taken(issue_id)
    out = dict(data)
    meeting = issue.meeting
    expected = {"uscc": issue.enterprise.uscc, "meeting_id": meeting.id}
    for field, value in expected.items():
        given = out.get(field)
        if given not in (None, "") and str(given) != str(value):
            raise invalid(field, _("%(field)s does not match the issue in the minutes.", field=field_label(field)))
        out[field] = value
    if out.get("source") in (None, ""):
        out["source"] = "visit" if meeting.kind == "visit" else "meeting"
    for field in ("title", "description", "category"):
        if out.get(field) in (None, ""):
            out[field] = getattr(issue, field)
    return out, issue_id


def issue_taken(issue_id: int) -> DomainError:
    taken = db.session.scalar(select(FollowUp.id).where(FollowUp.minutes_issue_id == issue_id))
    return DomainError("duplicate", _("This issue is already assigned as item #%(id)s.", id=taken), status=409,
                       details={"existing": {"id": taken, "minutes_issue_id": issue_id}})


def _meeting(meeting_id: int | None) -> None:
    if meeting_id is not None and db.session.get(Meeting, meeting_id) is None:
        raise invalid("meeting_id", _("No meeting with the number %(id)s.", id=meeting_id), "unknown_meeting")


def create(user: User, data: Mapping[str, Any]) -> FollowUp:
    """Assign a new item: validates everything before writing, so bad input changes nothing."""
    reject_unknown(data, CREATE_FIELDS)
    if user.role == "enterprise" and data.get("minutes_issue_id") not in (None, ""):
        raise invalid("minutes_issue_id", _("Only the secretariat assigns the issues of a meeting."))
    data, issue_id = from_minutes_issue(data) if user.role in ASSIGNERS else (dict(data), None)
    if user.role == "enterprise":
        # 企业哨: an enterprise files its own request; the secretariat can re-assign later by the ledger.
        source = _labels.get_choice(data, "source", fr.SOURCES, "follow_ups.source", required=False,
                                    default="request")
        if source != "request":
            raise invalid("source", _("An enterprise may only submit requests (source “%(name)s”).",
                                      name=_labels.SOURCE_LABELS["request"]))
    elif user.role in ASSIGNERS:
        source = _labels.get_choice(data, "source", fr.SOURCES, "follow_ups.source")
    else:
        raise Forbidden(_("Only the secretariat assigns follow-up items."))
    ent = _enterprise(user, data)
    title = _labels.get_text(data, "title", "follow_ups.title", max_len=300)
    description = _labels.get_text(data, "description", "follow_ups.description", required=False, max_len=4000)
    category = _labels.get_choice(data, "category", fr.CATEGORIES, "follow_ups.category", required=False,
                                  default="other")
    meeting_id = get_int(data, "meeting_id", required=False, minimum=1)
    if meeting_id is not None and source not in ("meeting", "visit"):
        raise invalid("meeting_id", _("Only items from a meeting or a visit name a meeting."))
    _meeting(meeting_id)
    lead = _department(data.get("lead_department"), "lead_department")
    assist_codes = get_list(data, "assist_departments", max_items=20)
    assists = [_department(code, "assist_departments") for code in assist_codes]
    if any(d.id == lead.id for d in assists):
        raise invalid("assist_departments", _("The lead department cannot also assist."))
    level = _labels.get_choice(data, "level", tuple(fr.LEVEL_WORKDAYS), "follow_ups.level", required=False,
                               default="immediate")
    workdays = qualified(get_int, data, "workdays", "follow_ups.workdays", required=False, minimum=1,
                         maximum=fr.MAX_WORKDAYS)
    today = checks.local_today()
    assigned_on = get_date(data, "assigned_on", required=False, default=today)
    if assigned_on > today:
        raise invalid("assigned_on", _("The assignment date cannot be in the future."))
    if (today - assigned_on).days > MAX_BACKDATE_DAYS:
        raise invalid("assigned_on", _("The assignment date is more than a year ago."))
    n = workdays if workdays is not None else fr.LEVEL_WORKDAYS[level]
    due_on = fr.due_date(assigned_on, level, load_calendar(), n)
    item = FollowUp(source=source, meeting_id=meeting_id, minutes_issue_id=issue_id, enterprise_id=ent.id,
                    title=title,
                    description=description, category=category, lead_department_id=lead.id, level=level,
                    workdays=n, assigned_on=assigned_on, due_on=due_on, status="assigned",
                    last_progress_on=assigned_on, created_by_id=user.id)
    item.assist_departments = assists
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError:
        # Two clerks assigning the same minutes issue at once: the unique key lets one in, the other gets 409.
        db.session.rollback()
        if issue_id is None:
            raise
        raise issue_taken(issue_id) from None
    add_event(item, "assigned", user, data={"lead_department": lead.code, "due_date": due_on.isoformat(),
                                           "assist_departments": [d.code for d in assists]}, on=assigned_on)
    audit.record("create", "follow_up", item.id, after=audit_json(item))
    # On PostgreSQL the loser of that race may only fail at commit (the winner committed meanwhile).
    concurrency.commit_unique(lambda: issue_taken(issue_id).details["existing"])
    return item

