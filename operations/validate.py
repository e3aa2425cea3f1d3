"""Field validation shared by JSON bodies, forms and imports; each failure is a 422 naming its field."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from operations.errors import DomainError
from operations.labels import choice_label, field_label

MISSING = object()
# Integers beyond a 32-bit column are never meaningful here and overflow the database driver (SQLite raises on
# anything past 64 bits), so every parsed integer is bounded even when the caller gives no limit.
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
_INT_TEXT = re.compile(r"[+-]?[0-9]{1,18}")
# NUL cannot be stored in PostgreSQL text and no other C0 control character belongs in a one-line field.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# The years every date field accepts (operations.calendar has the same bounds for holiday notices).
MIN_YEAR, MAX_YEAR = 2000, 2100


def invalid(field: str, message: Any, code: str = "invalid_field") -> DomainError:
    return DomainError(code, str(message), status=422, field=field)


def given(data: Mapping[str, Any], field: str, *, required: bool) -> Any:
    """The field's value, or MISSING when it was not given (absent, null or ""): a 422 missing_field if required.
    The one rule for "not given" of the typed getters here and elsewhere (meeting_fields.get_datetime)."""
    value = data.get(field, MISSING)
    if value is MISSING or value is None or value == "":
        if required:
            raise invalid(field, _l("%(field)s is required.", field=field_label(field)), "missing_field")
        return MISSING
    return value


def parse_int(value: object) -> int | None:
    """`value` as an int if it is an int or plain ASCII decimal text within 32 bits, else None.

    str.isdigit() accepts '²' and '٣', and int() then fails or reads a non-ASCII digit, so neither is used."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        if not _INT_TEXT.fullmatch(text):
            return None
        value = int(text)
    if not isinstance(value, int) or not INT_MIN <= value <= INT_MAX:
        return None
    return value


def has_control(value: str) -> bool:
    return _CONTROL.search(value) is not None


def _control_message(field: str) -> Any:
    return _l("%(field)s contains control characters.", field=field_label(field))


def _tree_has_control(value: Any, depth: int = 0) -> bool:
    if isinstance(value, str):
        return has_control(value)
    if depth > 50:  # JSON nesting is bounded by the parser; this only keeps a pathological body cheap
        return False
    if isinstance(value, list):
        return any(_tree_has_control(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return any(_tree_has_control(k, depth + 1) or _tree_has_control(v, depth + 1) for k, v in value.items())
    return False


def reject_control_characters(data: Mapping[str, Any]) -> None:
    """422 naming the first top-level field whose value holds a control character anywhere (a string, a list of
    strings, a nested object). Run on every JSON body: NUL cannot even be sent to PostgreSQL, and no field of
    ours means to hold a terminal escape or a bell; tabs and line breaks are allowed in multi-line text."""
    for key, value in data.items():
        if _tree_has_control(key) or _tree_has_control(value):
            name = key if not has_control(key) else repr(key)[1:-1]
            raise invalid(name, _control_message(name))


def get_str(
    data: Mapping[str, Any], field: str, *, required: bool = True, max_len: int = 200, default: Any = None
) -> Any:
    value = data.get(field, MISSING)
    if value is MISSING or value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise invalid(field, _l("%(field)s is required.", field=field_label(field)), "missing_field")
        return default
    if not isinstance(value, str):
        raise invalid(field, _l("%(field)s must be text.", field=field_label(field)))
    value = value.strip()
    if len(value) > max_len:
        raise invalid(field, _l("%(field)s is longer than %(n)s characters.", field=field_label(field),
                                n=max_len))
    if has_control(value):
        raise invalid(field, _control_message(field))
    return value


def get_int(
    data: Mapping[str, Any],
    field: str,
    *,
    required: bool = True,
    minimum: int | None = None,
    maximum: int | None = None,
    default: Any = None,
) -> Any:
    value = given(data, field, required=required)
    if value is MISSING:
        return default
    number = parse_int(value)
    if number is None:
        if isinstance(value, int | str) and not isinstance(value, bool) and _looks_numeric(value):
            raise invalid(field, _l("%(field)s is out of range.", field=field_label(field)))
        raise invalid(field, _l("%(field)s must be a whole number.", field=field_label(field)))
    value = number
    if minimum is not None and value < minimum:
        raise invalid(field, _l("%(field)s must be at least %(n)s.", field=field_label(field), n=minimum))
    if maximum is not None and value > maximum:
        raise invalid(field, _l("%(field)s must be at most %(n)s.", field=field_label(field), n=maximum))
    return value


def _looks_numeric(value: int | str) -> bool:
    return isinstance(value, int) or re.fullmatch(r"[+-]?[0-9]+", value.strip()) is not None


def get_bool(data: Mapping[str, Any], field: str, *, default: bool = False) -> bool:
    value = data.get(field, MISSING)
    if value is MISSING or value is None:
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "1", "yes", "y", "on", "是"):
        return True
    if isinstance(value, str) and value.lower() in ("false", "0", "no", "n", "off", "否", ""):
        return False
    raise invalid(field, _l("%(field)s must be true or false.", field=field_label(field)))


def parse_date(value: Any, field: str) -> date:
    if not isinstance(value, date):
        if not isinstance(value, str):
            raise invalid(field, _l("%(field)s must be a date (YYYY-MM-DD).", field=field_label(field)))
        try:
            if len(value) != 10:
                raise ValueError
            value = date.fromisoformat(value)
        except ValueError:
            raise invalid(field, _l("%(field)s must be a date (YYYY-MM-DD).", field=field_label(field))) from None
    # Date arithmetic near year 9999 overflows (a 500), and nothing here plans outside this century; the working-
    # day calendar covers 2000–2100.
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise invalid(field, _l("%(field)s must be between the years %(first)s and %(last)s.",
                                field=field_label(field), first=MIN_YEAR, last=MAX_YEAR))
    return value


def get_date(data: Mapping[str, Any], field: str, *, required: bool = True, default: Any = None) -> Any:
    value = given(data, field, required=required)
    if value is MISSING:
        return default
    return parse_date(value, field)


def _names(field: str, choices: Iterable[Any]) -> str:
    # Chinese enumeration comma; each choice by its name, the code only where no name is registered.
    return "、".join(choice_label(field, c) for c in choices)


def get_choice(
    data: Mapping[str, Any], field: str, choices: Iterable[str], *, required: bool = True, default: Any = None,
    labels: str | None = None,
) -> Any:
    """``labels`` names the registered choice names ("<table>.<column>") when the bare field code is shared by
    several tables (``status``), so the refusal lists the right Chinese names."""
    choices = tuple(choices)
    value = given(data, field, required=required)
    if value is MISSING:
        return default
    if value not in choices:
        raise invalid(field, _l("%(field)s must be one of: %(choices)s.", field=field_label(field),
                                choices=_names(labels or field, choices)))
    return value


def get_list(
    data: Mapping[str, Any], field: str, *, choices: Iterable[str] | None = None, max_items: int = 10000
) -> list:
    value = data.get(field, MISSING)
    if value is MISSING or value is None:
        return []
    if not isinstance(value, list):
        raise invalid(field, _l("%(field)s must be a list.", field=field_label(field)))
    if len(value) > max_items:
        raise invalid(field, _l("%(field)s has more than %(n)s items.", field=field_label(field), n=max_items))
    allowed = tuple(choices) if choices is not None else None
    for item in value:
        if isinstance(item, str) and has_control(item):
            raise invalid(field, _control_message(field))
        if not isinstance(item, str) or (allowed is not None and item not in allowed):
            if allowed is not None:
                raise invalid(
                    field,
                    _l("%(field)s must contain only: %(choices)s.", field=field_label(field),
                       choices=_names(field, allowed)),
                )
            raise invalid(field, _l("%(field)s must be a list of text values.", field=field_label(field)))
    return list(dict.fromkeys(value))


def reject_unknown(data: Mapping[str, Any], known: Iterable[str]) -> None:
    extra = sorted(set(data) - set(known))
    if extra:
        raise DomainError(
            "unknown_field",
            str(_l("Unknown field(s): %(fields)s.", fields=", ".join(extra))),
            status=422,
            details={"fields": extra},
            field=extra[0],
        )
