"""Labels, choices and field parsing for meetings, invitations, visits and minutes.

Registered here (not in operations/labels.py) so the meetings branch merges without touching shared dicts.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from operations.labels import field_label, register
from operations.validate import MISSING, invalid
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
        "name": _l("Name"),
        "jurisdiction_code": _l("Jurisdiction"),
        "meeting_kind": _l("Meeting type"),
        "title": _l("Theme"),
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
        "response": _l("Response"),
        "topics": _l("Topics to raise"),
        "reason": _l("Reason"),
        "text": _l("Minutes text"),
        "note": _l("Note"),
        "enterprise_uscc": _l("Enterprise"),
        "description": _l("Description"),
        "category": _l("Category"),
        "q": _l("Search"),
        "status": _l("Status"),
    },
    choices={
        "meeting_kind": MEETING_KIND_LABELS,
        "meetings.kind": MEETING_KIND_LABELS,
        "meetings.status": MEETING_STATUS_LABELS,
        "invitations.status": INVITATION_STATUS_LABELS,
        "response": {"accepted": _l("Accept"), "declined": _l("Decline")},
        "category": ISSUE_CATEGORY_LABELS,
        "status": {"draft": _l("Draft"), "scheduled": _l("Scheduled")},
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
    value = data.get(field, MISSING)
    if value is MISSING or value is None or value == "":
        if required:
            raise invalid(field, _("%(field)s is required.", field=field_label(field)), "missing_field")
        return None
    return parse_datetime(value, field)


def get_meeting_kind(data: Mapping[str, Any], *, required: bool = True, default: str | None = None) -> Any:
    # The API field is "kind", but inspections label "kind" as their own type: name it 会议类型 here.
    value = data.get("kind", MISSING)
    if value is MISSING or value is None or value == "":
        if required:
            raise invalid("kind", _("%(field)s is required.", field=field_label("meeting_kind")), "missing_field")
        return default
    if value not in MEETING_KIND_LABELS:
        names = "、".join(str(v) for v in MEETING_KIND_LABELS.values())
        raise invalid("kind", _("%(field)s must be one of: %(choices)s.", field=field_label("meeting_kind"),
                                choices=names))
    return value


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
