"""Human names for API codes: field codes by their label, stored choices by their name (translated).

The one registry every message uses, so a Chinese clerk reads "主题为必填项", never "subject 为必填项": the API
code stays in ``details.field``. Each feature registers its fields and choices at import time with `register`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import lazy_gettext as _l

FIELD_LABELS: dict[str, Any] = {}
CHOICE_LABELS: dict[str, dict[Any, Any]] = {}


class LabelConflict(ValueError):
    """A code registered again with another label: raised at import time, so the app does not start."""


def _says(label: Any) -> Any:
    """What a label says in every locale: a lazy string's gettext function, msgid and arguments (comparing the
    strings themselves would compare one locale's translations, or fail outside a request)."""
    func = getattr(label, "_func", None)
    if func is None:
        return label
    return getattr(func, "__name__", func), label._args, sorted(label._kwargs.items())


def _msgid(label: Any) -> str:
    args = getattr(label, "_args", None)
    return repr(args[-1] if args else label)


def register(fields: Mapping[str, Any] | None = None,
             choices: Mapping[str, Mapping[Any, Any]] | None = None) -> None:
    """Add field labels ({code: _l("Label")}) and choice names ({field: {code: _l("Name")}}).

    The registry is global by code: a code registered again with another label used to let the last import
    win, so one form's message named another form's field (the calendar's make-up working days read as a
    follow-up's time limit). That refuses to import now; a code that means different things on different forms
    is registered as "<table>.<column>" and validated through `operations.meeting_fields.qualified`.
    Registering the same msgid again is fine (several modules name "uscc" alike). Nothing is added when any
    entry conflicts."""
    conflicts = [
        f"field {code!r}: {_msgid(FIELD_LABELS[code])} and {_msgid(label)}"
        for code, label in (fields or {}).items()
        if code in FIELD_LABELS and _says(FIELD_LABELS[code]) != _says(label)
    ]
    for field, names in (choices or {}).items():
        known = CHOICE_LABELS.get(field, {})
        conflicts += [
            f"choice {field!r}={code!r}: {_msgid(known[code])} and {_msgid(name)}"
            for code, name in names.items()
            if code in known and _says(known[code]) != _says(name)
        ]
    if conflicts:
        raise LabelConflict("registered twice with different labels (qualify the code as "
                            "\"<table>.<column>\"): " + "; ".join(conflicts))
    FIELD_LABELS.update(fields or {})
    for field, names in (choices or {}).items():
        CHOICE_LABELS.setdefault(field, {}).update(names)


def field_label(code: str) -> str:
    """The field's label in the current locale; an unregistered code is shown as is (a test hunts those)."""
    found = FIELD_LABELS.get(code)
    return str(found) if found is not None else code


def choice_label(field: str, code: Any) -> str:
    found = CHOICE_LABELS.get(field, {}).get(code)
    return str(found) if found is not None else ("" if code is None else str(code))


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
    "rejected": _l("Rejected"),  # qdcore
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



register(choices={
    "role": ROLE_LABELS,
    "ownership": OWNERSHIP_LABELS,
    "size": SIZE_LABELS,
    "sizes": SIZE_LABELS,
    "kind": KIND_LABELS,
    "blocked_kinds": KIND_LABELS,
    "binds": BINDS_LABELS,
    "type": RULE_TYPE_LABELS,
    "inspections.status": INSPECTION_STATUS_LABELS,
    "quiet_day_policies.status": POLICY_STATUS_LABELS,
})

# A bare "name" is the name of whatever the form edits (enterprise, department, jurisdiction, series).
register(fields={"name": _l("Name")})
