"""Labels, choices and field parsing for meetings, invitations, visits and minutes.

Registered here (not in operations/labels.py) so the meetings branch merges without touching shared dicts.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from operations.errors import DomainError
from operations.labels import field_label, register
from operations.validate import MISSING, get_choice, given, invalid
from rules import meetings as rules

MEETING_KIND_LABELS = {
    "breakfast": _l("Breakfast meeting"),
    "lunch": _l("Lunch meeting"),
    "symposium": _l("Symposium"),
    "visit": _l("Visit"),
}
MEETING_STATUS_LABELS = {
    "draft": _l("Draft"),
    "proposed": _l("Proposed (awaiting the enterprise)"),
    "scheduled": _l("Scheduled"),
    "held": _l("Held"),
    "cancelled": _l("Cancelled"),
}
INVITATION_STATUS_LABELS = {
    "invited": _l("Invited"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
}
ISSUE_CATEGORY_LABELS = {
    "land": _l("Land"),
    "finance": _l("Financing"),
    "labour": _l("Labour and talent"),
    "approval": _l("Approvals"),
    "utilities": _l("Water, power and gas"),
    "listing": _l("Listing"),
    "policy": _l("Policy benefits"),
    "other": _l("Other"),
}

register(
    fields={
        "series_id": _l("Meeting series"),
        "meeting_series.name": _l("Series name"),
        "jurisdiction_code": _l("Jurisdiction"),
        # Codes that mean different things on different forms ("title" of a policy is 标题, of a meeting 主题)
        # are registered as "<table>.<column>" and validated through `qualified`.
        "meetings.kind": _l("Meeting type"),
        "meetings.title": _l("Theme"),
        "meetings.status": _l("Status"),
        "invitations.response": _l("Response"),
        "minutes_issues.title": _l("Issue raised"),
        "minutes_issues.category": _l("Category"),
        "minutes_revisions.text": _l("Minutes text"),
        "starts_at": _l("Start time"),
        "ends_at": _l("End time"),
        "venue": _l("Venue"),
        "default_venue": _l("Default venue"),
        "default_capacity": _l("Default number of guests"),
        "default_start_time": _l("Default start time"),
        "default_duration_minutes": _l("Default duration (minutes)"),
        "host_ids": _l("Hosts"),
        "department_codes": _l("Attending departments"),
        "capacity": _l("Number of guests"),
        "uscc": _l("Unified social credit code"),
        "representative": _l("Representative"),
        "topics": _l("Topics to raise"),
        "reason": _l("Reason"),
        "meetings.counter_note": _l("Note"),
        "description": _l("Description"),
        "meetings.from": _l("Meetings ending after"),
        "meetings.to": _l("Meetings starting before"),
        "minutes.from": _l("Older revision"),
        "minutes.to": _l("Newer revision"),
    },
    choices={
        "meetings.kind": MEETING_KIND_LABELS,
        "meetings.status": MEETING_STATUS_LABELS,
        "invitations.status": INVITATION_STATUS_LABELS,
        "invitations.response": {"accepted": _l("Accept"), "declined": _l("Decline")},
        "minutes_issues.category": ISSUE_CATEGORY_LABELS,
    },
)


def local_zone() -> tzinfo:
    name = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return ZoneInfo(name)


def parse_datetime(value: Any, field: str) -> datetime:
    """ISO 8601 with or without an offset (naive is Asia/Shanghai, API.md), as naive UTC for storage."""
    message = _("%(field)s must be a date and time such as 2026-11-24T07:30 (an offset like +08:00 is "
                "optional).", field=field_label(field))
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str) and 10 < len(value.strip()) <= 40:
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise invalid(field, message) from None
    else:
        raise invalid(field, message)
    if not 2000 <= parsed.year <= 2100:
        raise invalid(field, _("%(field)s is out of range.", field=field_label(field)))
    return rules.to_utc_naive(parsed, local_zone())


def get_datetime(data: Mapping[str, Any], field: str, *, required: bool = True) -> datetime | None:
    value = given(data, field, required=required)
    return None if value is MISSING else parse_datetime(value, field)


def qualified(getter: Callable[..., Any], data: Mapping[str, Any], field: str, key: str, **kw: Any) -> Any:
    """Validate the API field ``field`` with the label and choice names registered under ``key``
    ("<table>.<column>"): the label registry is global by code, and a bare "title" or "status" means different
    things on different forms. The refusal still names the API code in ``details.field``."""
    source = {key: data[field]} if field in data else {}
    try:
        return getter(source, key, **kw)
    except DomainError as err:
        err.field = field
        err.details["field"] = field
        raise


def get_meeting_kind(data: Mapping[str, Any], *, required: bool = True, default: str | None = None) -> Any:
    return qualified(get_choice, data, "kind", "meetings.kind", choices=tuple(MEETING_KIND_LABELS),
                     required=required, default=default)


def check_interval(starts_at: datetime, ends_at: datetime) -> None:
    problem = rules.duration_problem(starts_at, ends_at)
    if problem == "end_before_start":
        raise invalid("ends_at", _("%(end)s must be after %(start)s.", end=field_label("ends_at"),
                                   start=field_label("starts_at")), "end_before_start")
    if problem == "too_long":
        raise invalid("ends_at", _("A meeting may last at most 24 hours."), "too_long")


def local_iso(value: datetime | None) -> str | None:
    """Stored naive UTC as ISO 8601 in Asia/Shanghai with its offset (2026-11-24T07:30:00+08:00)."""
    return None if value is None else rules.to_local(value, local_zone()).isoformat()


def local_text(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return "" if value is None else rules.to_local(value, local_zone()).strftime(fmt)


def span_text(starts_at: datetime, ends_at: datetime) -> str:
    """"2026-11-24 07:30–09:00", or both dates when the meeting runs past midnight."""
    start, end = rules.to_local(starts_at, local_zone()), rules.to_local(ends_at, local_zone())
    tail = end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M")
    return f"{start.strftime('%Y-%m-%d %H:%M')}–{tail}"
