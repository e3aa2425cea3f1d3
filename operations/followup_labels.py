"""Chinese names of the follow-up fields and choices, registered with the shared label registry so every
message names a field by its label and a choice by its name (codes only in ``details.field``)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from operations.labels import register

SOURCE_LABELS = {
    "meeting": _l("Meeting"),
    "visit": _l("Visit"),
    "request": _l("Enterprise request"),
    "hotline": _l("Hotline"),
}
CATEGORY_LABELS = {
    "land": _l("Land"),
    "finance": _l("Financing"),
    "labour": _l("Labour and talent"),
    "approval": _l("Approvals"),
    "utilities": _l("Water, power and gas"),
    "listing": _l("Listing"),
    "policy": _l("Policy benefits"),
    "other": _l("Other"),
}
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
    "rated": _l("Rated"),
    "reopened": _l("Sent back for rework"),
    "closed": _l("Closed"),
    "extension_requested": _l("Extension requested"),
    "extension_approved": _l("Extension approved"),
    "extension_refused": _l("Extension refused"),
    "supervised": _l("Put under supervision"),
}
EXTENSION_STATUS_LABELS = {"pending": _l("Pending"), "approved": _l("Approved"), "refused": _l("Refused")}
DECISION_LABELS = {"approved": _l("Approve"), "refused": _l("Refuse")}

register(
    fields={
        "source": _l("Source"),
        "meeting_id": _l("Meeting"),
        "meeting": _l("Meeting"),
        "uscc": _l("Enterprise credit code (USCC)"),
        "title": _l("Title"),
        "description": _l("Description"),
        "category": _l("Category"),
        "lead_department": _l("Lead department"),
        "assist_departments": _l("Assisting departments"),
        "department": _l("Department"),
        "level": _l("Assignment level"),
        "workdays": _l("Time limit (working days)"),
        "assigned_on": _l("Assignment date"),
        "due_date": _l("Due date"),
        "note": _l("Note"),
        "resolution": _l("Resolution"),
        "rating": _l("Rating"),
        "comment": _l("Comment"),
        "reason": _l("Reason"),
        "decision": _l("Decision"),
        "warning": _l("Warning"),
        "supervised": _l("Under supervision"),
        "status": _l("Status"),
        "from": _l("From"),
        "to": _l("To"),
        "sort": _l("Order"),
        "limit": _l("Limit"),
        "offset": _l("Offset"),
    },
    choices={
        "source": SOURCE_LABELS,
        "category": CATEGORY_LABELS,
        "level": LEVEL_LABELS,
        "follow_ups.status": STATUS_LABELS,
        "status": STATUS_LABELS,
        "warning": WARNING_LABELS,
        "rating": RATING_LABELS,
        "decision": DECISION_LABELS,
        "sort": {"urgency": _l("Most urgent first"), "assigned": _l("Newest assignments first")},
        "follow_up_extensions.status": EXTENSION_STATUS_LABELS,
    },
)
