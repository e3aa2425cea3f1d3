"""Human labels (translated) for the codes stored in the database and used by the API."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

ROLE_LABELS = {
    "admin": _l("Administrator"),
    "secretariat": _l("Secretariat"),
    "official": _l("Official"),
    "department": _l("Department staff"),
    "inspector": _l("Inspector"),
    "enterprise": _l("Enterprise representative"),
}
OWNERSHIP_LABELS = {
    "private": _l("Private"),
    "state": _l("State-owned"),
    "foreign": _l("Foreign-invested"),
    "collective": _l("Collective"),
    "individual": _l("Individual business"),
}
SIZE_LABELS = {
    "above_scale": _l("Above designated size"),
    "large": _l("Large"),
    "medium": _l("Medium"),
    "small": _l("Small"),
    "micro": _l("Micro"),
}
KIND_LABELS = {
    "routine": _l("Routine inspection"),
    "random": _l("Random inspection (double-random)"),
    "complaint": _l("Complaint verification"),
    "accident": _l("Work-safety / emergency"),
    "assigned": _l("Assigned by a higher authority"),
    "case": _l("Filed case investigation"),
    "licensing": _l("Licensing verification"),
    "requested": _l("Requested by the enterprise"),
}
INSPECTION_STATUS_LABELS = {
    "planned": _l("Planned"),
    "pending_approval": _l("Pending approval"),
    "checked_in": _l("Checked in"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
}
POLICY_STATUS_LABELS = {"draft": _l("Draft"), "active": _l("Active"), "revoked": _l("Revoked")}
BINDS_LABELS = {
    "level": _l("This level only"),
    "level_and_below": _l("This level and below"),
}
RULE_TYPE_LABELS = {
    "weekdays": _l("Fixed weekdays"),
    "month_days": _l("Days of the month"),
    "first_workdays_open": _l("Open only on the first working days of the month"),
    "date_range": _l("Date range"),
}
WEEKDAY_LABELS = {
    1: _l("Monday"),
    2: _l("Tuesday"),
    3: _l("Wednesday"),
    4: _l("Thursday"),
    5: _l("Friday"),
    6: _l("Saturday"),
    7: _l("Sunday"),
}


def label(mapping: dict, code: object) -> str:
    return str(mapping.get(code, code if code is not None else ""))


def jinja_globals() -> dict:
    return {
        "role_label": lambda c: label(ROLE_LABELS, c),
        "ownership_label": lambda c: label(OWNERSHIP_LABELS, c),
        "size_label": lambda c: label(SIZE_LABELS, c),
        "kind_label": lambda c: label(KIND_LABELS, c),
        "inspection_status_label": lambda c: label(INSPECTION_STATUS_LABELS, c),
        "policy_status_label": lambda c: label(POLICY_STATUS_LABELS, c),
        "binds_label": lambda c: label(BINDS_LABELS, c),
        "rule_type_label": lambda c: label(RULE_TYPE_LABELS, c),
        "weekday_label": lambda c: label(WEEKDAY_LABELS, c),
        "ROLE_LABELS": ROLE_LABELS,
        "OWNERSHIP_LABELS": OWNERSHIP_LABELS,
        "SIZE_LABELS": SIZE_LABELS,
        "KIND_LABELS": KIND_LABELS,
    }
