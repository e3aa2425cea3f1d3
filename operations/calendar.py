"""Working-day calendar: admin-entered official notices on top of chinesecalendar."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import delete, select

from extensions import db
from models.calendar import CalendarYear
from operations import audit, concurrency, field_names  # noqa: F401  (field_names registers the Chinese field labels)
from operations.errors import DomainError
from operations.labels import field_label
from operations.validate import parse_date, reject_unknown
from rules.workdays import WorkdayCalendar, YearNotice

MIN_YEAR, MAX_YEAR = 2000, 2100


def load_calendar() -> WorkdayCalendar:
    """The calendar in force: one per app context (request), so a request sees one consistent calendar."""
    if has_app_context() and "workday_calendar" in g:
        return g.workday_calendar
    calendar = build_calendar()
    if has_app_context():
        g.workday_calendar = calendar
    return calendar


def build_calendar() -> WorkdayCalendar:
    """The calendar from the stored notices, read now (the quiet-day engine cache builds its own with it)."""
    notices = {
        row.year: YearNotice(
            holidays=frozenset(date.fromisoformat(d) for d in row.holidays),
            workdays=frozenset(date.fromisoformat(d) for d in row.workdays),
        )
        for row in db.session.scalars(select(CalendarYear))
    }
    return WorkdayCalendar(notices)


def _dates(data: Mapping[str, Any], field: str, year: int) -> list[str]:
    value = data.get(field, [])
    if value is None:
        value = []
    if not isinstance(value, list):
        raise DomainError("invalid_field", _("%(field)s must be a list of dates.", field=field_label(field)),
                          field=field)
    out = set()
    for item in value:
        d = parse_date(item, field)
        if d.year != year:
            raise DomainError(
                "invalid_field",
                _("%(date)s is not in %(year)s.", date=d.isoformat(), year=year),
                field=field,
                details={"date": d.isoformat()},
            )
        if d.isoformat() in out:
            # A repeated line usually hides a typo in its neighbour, so it is refused rather than merged.
            raise DomainError(
                "invalid_field",
                _("%(date)s is listed twice.", date=d.isoformat()),
                field=field,
                details={"date": d.isoformat()},
            )
        out.add(d.isoformat())
    return sorted(out)


def set_year_notice(year: int, data: Mapping[str, Any]) -> CalendarYear:
    """Store the official holiday notice for `year` (replaces any earlier one)."""
    if not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError("invalid_field", _("The year must be between 2000 and 2100."), field="year")
    reject_unknown(data, ("holidays", "workdays"))
    holidays = _dates(data, "holidays", year)
    workdays = _dates(data, "workdays", year)
    both = sorted(set(holidays) & set(workdays))
    if both:
        raise DomainError(
            "invalid_field",
            _("A date cannot be both a holiday and a make-up working day: %(dates)s.", dates=", ".join(both)),
            field="workdays",
            details={"dates": both},
        )
    # PUT replaces the year's notice: parallel saves of a new year are serialised (the year has no row to lock
    # yet, hence the named lock) and re-read, so one creates it and the others replace it, as in sequence.
    concurrency.begin_write()
    concurrency.lock_key(f"calendar_year:{year}")
    row = db.session.get(CalendarYear, year)
    before = row.to_json() if row else None

    def existing() -> dict[str, Any] | None:
        found = db.session.get(CalendarYear, year)
        return {"label": year, **found.to_json()} if found is not None else None

    with concurrency.unique_guard(existing, field="year", value=year):
        if row is None:
            row = CalendarYear(year=year)
            db.session.add(row)
        row.holidays = holidays
        row.workdays = workdays
        db.session.flush()
        audit.record("update" if before else "create", "calendar_year", year, before=before,
                     after=row.to_json())
        db.session.commit()
    g.pop("workday_calendar", None)
    return row


def delete_year_notice(year: int) -> None:
    row = db.session.get(CalendarYear, year)
    if row is None:
        raise DomainError("not_found", _("No notice is stored for %(year)s.", year=year), status=404)
    before = row.to_json()
    # One DELETE statement decides: of parallel deletions exactly one removes the row (and is audited); the
    # others find nothing, as a later request would.
    result = db.session.execute(delete(CalendarYear).where(CalendarYear.year == year)
                                .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        db.session.rollback()
        raise DomainError("not_found", _("No notice is stored for %(year)s.", year=year), status=404)
    db.session.expunge(row)
    audit.record("delete", "calendar_year", year, before=before)
    db.session.commit()
    g.pop("workday_calendar", None)


def check_year(year: object) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not MIN_YEAR <= year <= MAX_YEAR:
        raise DomainError("invalid_field", _("The year must be between 2000 and 2100."), field="year")
    return year


def year_info(year: int) -> dict[str, Any]:
    """What the calendar knows about `year`: its source, and the holidays and make-up working days in force.

    For a notice year these are the admin's lists; for a chinesecalendar year the package's official dates; a
    fallback year has none (Monday to Friday are working days) and says so in `fallback`.
    """
    check_year(year)
    calendar = load_calendar()
    source = calendar.source(year)
    holidays: list[str] = []
    workdays: list[str] = []
    if source == "notice":
        row = db.session.get(CalendarYear, year)
        if row is not None:
            holidays, workdays = sorted(row.holidays), sorted(row.workdays)
    elif source == "chinesecalendar":
        import chinese_calendar

        holidays = sorted(d.isoformat() for d in chinese_calendar.holidays if d.year == year)
        workdays = sorted(d.isoformat() for d in chinese_calendar.workdays if d.year == year)
    return {"year": year, "source": source, "fallback": source == "fallback", "holidays": holidays,
            "workdays": workdays}


def parse_date_lines(text: str | None) -> list[str]:
    """Dates typed one per line (or separated by commas/spaces) in a form, as strings for set_year_notice."""
    if not text:
        return []
    return [part for part in text.replace(",", "\n").replace("，", "\n").split() if part]
