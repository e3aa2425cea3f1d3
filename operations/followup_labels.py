"""Chinese names of the follow-up fields and choices, registered with the shared label registry so every
message names a field by its label and a choice by its name (codes only in ``details.field``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

from operations import validate
from operations.labels import register
from operations.meeting_fields import ISSUE_CATEGORY_LABELS, qualified

SOURCE_LABELS = {
    "meeting": _l("Meeting"),
    "visit": _l("Visit"),
    "request": _l("Enterprise request"),
    "hotline": _l("Hotline"),
}
# An issue raised in the minutes becomes a follow-up item of the same category: one list for both.
CATEGORY_LABELS = ISSUE_CATEGORY_LABELS
LEVEL_LABELS = {
    "immediate": _l("Immediate handling"),
    "joint": _l("Joint consultation"),
    "leader": _l("Assigned by a leader"),
}
STATUS_LABELS = {
    "assigned": _l("Assigned"),
    "in_progress": _l("In progress"),
    "resolved": _l("Resolved"),
    "closed": _l("Closed"),
}
WARNING_LABELS = {"yellow": _l("Yellow warning"), "red": _l("Red warning"), "none": _l("No warning")}
RATING_LABELS = {
    5: _l("Very satisfied"),
    4: _l("Satisfied"),
    3: _l("Basically satisfied"),
    2: _l("Dissatisfied"),
    1: _l("Very dissatisfied"),
}
EVENT_LABELS = {
    "assigned": _l("Assigned"),
    "progress": _l("Progress note"),
    "resolved": _l("Resolved"),
    "rated": _l("Rated by the enterprise"),
    "reopened": _l("Sent back for rework"),
    "closed": _l("Closed"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_refused": _l("Extension refused"),
    "supervised": _l("Put under supervision"),
}
EXTENSION_STATUS_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"), "refused": _l("Refused")}
DECISION_LABELS = {"approved": _l("Approve"), "refused": _l("Refuse")}

CHOICES = {
    "follow_ups.source": SOURCE_LABELS,
    "follow_ups.category": CATEGORY_LABELS,
    "follow_ups.level": LEVEL_LABELS,
    "follow_ups.status": STATUS_LABELS,
    "follow_ups.warning": WARNING_LABELS,
    "follow_ups.rating": RATING_LABELS,
    "follow_ups.sort": {"urgency": _l("Most urgent first"), "assigned": _l("Newest assignments first")},
    "follow_up_extensions.decision": DECISION_LABELS,
    "follow_up_extensions.status": EXTENSION_STATUS_LABELS,
}

# Only codes whose label fits every form that uses them are registered bare (the registry is global); codes
# that mean something else elsewhere (title, description, category, status…) as "follow_ups.<column>".
register(
    fields={
        "follow_ups.title": _l("Item title"),
        "follow_ups.description": _l("Issue description"),
        "follow_ups.category": _l("Category"),
        "follow_ups.status": _l("Status"),
        "follow_ups.source": _l("Source"),
        "follow_ups.level": _l("Assignment level"),
        "follow_ups.warning": _l("Warning"),
        "follow_ups.sort": _l("Order"),
        # "workdays" bare is the calendar notice's make-up working days.
        "follow_ups.workdays": _l("Time limit (working days)"),
        "follow_up_extensions.decision": _l("Decision"),
        "source": _l("Source"),
        "meeting_id": _l("Meeting"),
        "minutes_issue_id": _l("Issue in the minutes"),
        "lead_department": _l("Lead department"),
        "assist_departments": _l("Assisting departments"),
        "level": _l("Assignment level"),
        "assigned_on": _l("Assignment date"),
        "resolution": _l("Resolution"),
        "rating": _l("Rating"),
        "comment": _l("Comment"),
        "decision": _l("Decision"),
        "warning": _l("Warning"),
        "supervised": _l("Under supervision"),
        "sort": _l("Order"),
    },
    choices=CHOICES,
)


def get_choice(data: Mapping[str, Any], field: str, choices: tuple[str, ...], key: str, *,
               required: bool = True, default: Any = None) -> Any:
    """A choice validated under its table-qualified ``key`` ("follow_ups.status"): the message names the field
    and the choices by their registered labels, while ``details.field`` stays the API's code."""
    return qualified(validate.get_choice, data, field, key, choices=choices, required=required, default=default)


def get_text(data: Mapping[str, Any], field: str, key: str, **kw: Any) -> Any:
    return qualified(validate.get_str, data, field, key, **kw)
