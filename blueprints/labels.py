"""Human labels (translated) for the codes stored in the database and used by the API."""

from __future__ import annotations

from datetime import date

from operations.labels import (
    BINDS_LABELS,
    INSPECTION_STATUS_LABELS,
    KIND_LABELS,
    OWNERSHIP_LABELS,
    POLICY_STATUS_LABELS,
    ROLE_LABELS,
    RULE_TYPE_LABELS,
    SIZE_LABELS,
    WEEKDAY_LABELS,
    choice_label,
    field_label,
)


def label(mapping: dict, code: object) -> str:
    return str(mapping.get(code, code if code is not None else ""))


def _is_workday(d: date) -> bool:
    # qdcore: the calendars show weekends and holidays (chinesecalendar + the admin's notices) as non-working.
    from operations.calendar import load_calendar

    return load_calendar().is_workday(d)


def jinja_globals() -> dict:
    return {
        "is_workday": _is_workday,  # qdcore
        "field_label": field_label,
        "choice_label": choice_label,
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
