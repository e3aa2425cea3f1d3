"""Month grids for the calendar views (policy year, check page, enterprise calendar, public page)."""

from __future__ import annotations

import calendar as _stdcal
import re
from datetime import date
from typing import Any

from flask_babel import gettext as _

from operations.validate import invalid, parse_int

# ASCII digits only: str.isdigit() and int() also take '²', '٣' and full-width digits.
_MONTH = re.compile(r"[0-9]{4}-[0-9]{2}")


def month_weeks(year: int, month: int) -> list[list[date | None]]:
    """Weeks Monday-first; days outside the month are None."""
    return [[d if d.month == month else None for d in week]
            for week in _stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month)]


def parse_month(value: Any, default: date) -> tuple[int, int]:
    """``YYYY-MM`` from a query string; a bad value is a 422 naming the field."""
    if value in (None, ""):
        return default.year, default.month
    try:
        if not isinstance(value, str) or not _MONTH.fullmatch(value):
            raise ValueError
        year, month = int(value[:4]), int(value[5:])
        date(year, month, 1)
    except ValueError:
        raise invalid("month", _("month must be YYYY-MM.")) from None
    if not 2000 <= year <= 2100:
        raise invalid("month", _("month must be YYYY-MM."))
    return year, month


def parse_year(value: Any, default: int) -> int:
    if value in (None, ""):
        return default
    year = parse_int(value) if isinstance(value, str) and value.isascii() else None
    if year is None or not 2000 <= year <= 2100:
        raise invalid("year", _("The year must be between 2000 and 2100."))
    return year


def page_number(value: Any) -> int:
    """A list page's ``page`` query value; anything but a sensible page number shows page 1 (as on the admin
    pages): a pager link is never worth an error page, and a huge one must not reach the database's OFFSET."""
    page = parse_int(value) if isinstance(value, str) else None
    return page if page is not None and 0 < page < 100_000 else 1


def shift_month(year: int, month: int, delta: int) -> str:
    index = year * 12 + (month - 1) + delta
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_bounds(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, _stdcal.monthrange(year, month)[1])
