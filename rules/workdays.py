"""Working-day calendar: Chinese public holidays and make-up working days (调休).

Three sources, in order of precedence for a year:

1. ``notice`` — the official holiday notice entered by an admin (国务院办公厅关于…部分节假日安排的通知).
   It replaces the package data for that year entirely, so an admin can also correct the package.
2. ``chinesecalendar`` — the ``chinese_calendar`` package, for the years it ships data for.
3. ``fallback`` — Monday to Friday. Callers should tell users when a range uses it (:meth:`fallback_years`).

Working days of a year are stored as an int bitmap (bit ``i`` = January 1st + ``i`` days) plus the sorted list
of their ordinals, so the quiet-day engine can combine whole years with bit operations and the date arithmetic
below is a bisect rather than a day-by-day walk.
"""

from __future__ import annotations

import calendar as _stdcal
from bisect import bisect_left, bisect_right
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

import chinese_calendar

__all__ = [
    "DEFAULT_CALENDAR",
    "Source",
    "WorkdayCalendar",
    "YearNotice",
    "add_workdays",
    "is_workday",
    "workdays_between",
    "year_start_ordinal",
]

Source = Literal["notice", "chinesecalendar", "fallback"]


@dataclass(frozen=True)
class YearNotice:
    """The official holiday notice of one year, as entered by an admin."""

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()  # make-up working days (调休), usually weekends

    def __post_init__(self) -> None:
        both = self.holidays & self.workdays
        if both:
            raise ValueError(f"dates both holiday and make-up workday: {sorted(both)}")


def year_start_ordinal(year: int) -> int:
    """Ordinal of January 1st of ``year`` (the origin of that year's bitmaps)."""
    return _year_start_ordinal(year)


@cache
def _year_start_ordinal(year: int) -> int:
    return date(year, 1, 1).toordinal()


def _year_length(year: int) -> int:
    return 366 if _stdcal.isleap(year) else 365


def _mon_fri_bits(year: int) -> int:
    # Repeat a 7-day pattern aligned on January 1st; the multiplication lays copies 7 bits apart without
    # carries because the pattern is narrower than 7 bits.
    first = date(year, 1, 1).weekday()  # 0 = Monday
    pattern = sum(1 << j for j in range(7) if (first + j) % 7 < 5)
    repeat = sum(1 << (7 * k) for k in range(53))
    return (pattern * repeat) & ((1 << _year_length(year)) - 1)


@cache
def _package_knows(year: int) -> bool:
    # chinese_calendar raises NotImplementedError outside its data; probe once per year, never per day.
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError:
        return False
    return True


@cache
def _package_bits(year: int) -> int:
    # Shared by all calendars: the package data never changes at run time, while calendars are built per
    # request from the admin's notices.
    origin = _year_start_ordinal(year)
    bits = 0
    for i in range(_year_length(year)):
        if chinese_calendar.is_workday(date.fromordinal(origin + i)):
            bits |= 1 << i
    return bits


def _bits_to_ordinals(bits: int, origin: int) -> tuple[int, ...]:
    out = []
    while bits:
        low = bits & -bits
        out.append(origin + low.bit_length() - 1)
        bits ^= low
    return tuple(out)


class WorkdayCalendar:
    """Working days per the admin notices, then ``chinese_calendar``, then Monday–Friday."""

    def __init__(self, notices: Mapping[int, YearNotice] | None = None) -> None:
        self._notices: dict[int, YearNotice] = dict(notices or {})
        for year, notice in self._notices.items():
            stray = sorted(d for d in notice.holidays | notice.workdays if d.year != year)
            if stray:
                # A date filed under the wrong year would be silently ignored, which is worse than failing.
                raise ValueError(f"notice for {year} lists dates of another year: {stray}")
        self._bits: dict[int, int] = {}
        self._ordinals: dict[int, tuple[int, ...]] = {}
        self._first: dict[tuple[int, int], int] = {}

    def source(self, year: int) -> Source:
        if year in self._notices:
            return "notice"
        if _package_knows(year):
            return "chinesecalendar"
        return "fallback"

    def year_bits(self, year: int) -> int:
        """Bitmap of the working days of ``year``: bit ``i`` is January 1st + ``i`` days."""
        bits = self._bits.get(year)
        if bits is None:
            source = self.source(year)
            if source == "notice":
                notice = self._notices[year]
                origin = _year_start_ordinal(year)
                bits = _mon_fri_bits(year)
                for d in notice.holidays:
                    bits &= ~(1 << (d.toordinal() - origin))
                for d in notice.workdays:
                    bits |= 1 << (d.toordinal() - origin)
            elif source == "chinesecalendar":
                bits = _package_bits(year)
            else:
                bits = _mon_fri_bits(year)
            self._bits[year] = bits
        return bits

    def _year_ordinals(self, year: int) -> tuple[int, ...]:
        ords = self._ordinals.get(year)
        if ords is None:
            ords = _bits_to_ordinals(self.year_bits(year), _year_start_ordinal(year))
            self._ordinals[year] = ords
        return ords

    def is_workday(self, d: date) -> bool:
        return bool((self.year_bits(d.year) >> (d.toordinal() - _year_start_ordinal(d.year))) & 1)

    def add_workdays(self, d: date, n: int) -> date:
        """The ``n``-th working day after ``d`` (``d`` itself does not count); ``n == 0`` returns ``d``."""
        if n < 0:
            raise ValueError("n must be >= 0")
        if n == 0:
            return d
        after = d.toordinal()
        year = d.year
        # Terminates: only finitely many years have notices, and every other year has working days.
        while True:
            ords = self._year_ordinals(year)
            i = bisect_right(ords, after)
            available = len(ords) - i
            if n <= available:
                return date.fromordinal(ords[i + n - 1])
            n -= available
            year += 1

    def workdays_between(self, start: date, end: date) -> int:
        """Working days in ``(start, end]``; 0 when ``end <= start``."""
        if end <= start:
            return 0
        lo, hi = start.toordinal(), end.toordinal()
        total = 0
        for year in range(start.year, end.year + 1):
            ords = self._year_ordinals(year)
            total += bisect_right(ords, hi) - bisect_right(ords, lo)
        return total

    def first_workdays(self, year: int, month: int, n: int) -> tuple[date, ...]:
        """The first ``n`` working days of the month (fewer if the month has fewer)."""
        if n < 0:
            raise ValueError("n must be >= 0")
        ords = self._year_ordinals(year)
        lo = date(year, month, 1).toordinal()
        hi = lo + _stdcal.monthrange(year, month)[1]  # exclusive
        i, j = bisect_left(ords, lo), bisect_left(ords, hi)
        return tuple(date.fromordinal(o) for o in ords[i : min(j, i + n)])

    def first_workdays_bits(self, year: int, n: int) -> int:
        """Bitmap (as :meth:`year_bits`) of the first ``n`` working days of every month of ``year``."""
        key = (year, n)
        bits = self._first.get(key)
        if bits is None:
            workdays = self.year_bits(year)
            bits = 0
            offset = 0
            for month in range(1, 13):
                length = _stdcal.monthrange(year, month)[1]
                m = (workdays >> offset) & ((1 << length) - 1)
                for _ in range(n):
                    if not m:
                        break
                    low = m & -m
                    bits |= low << offset
                    m ^= low
                offset += length
            self._first[key] = bits
        return bits

    def fallback_years(self, start: date, end: date) -> list[int]:
        """Years of ``[start, end]`` that use the Monday–Friday fallback (so the UI/API can say so)."""
        return [y for y in range(start.year, end.year + 1) if self.source(y) == "fallback"]


DEFAULT_CALENDAR = WorkdayCalendar()


def is_workday(d: date, calendar: WorkdayCalendar | None = None) -> bool:
    return (DEFAULT_CALENDAR if calendar is None else calendar).is_workday(d)


def add_workdays(d: date, n: int, calendar: WorkdayCalendar | None = None) -> date:
    return (DEFAULT_CALENDAR if calendar is None else calendar).add_workdays(d, n)


def workdays_between(start: date, end: date, calendar: WorkdayCalendar | None = None) -> int:
    return (DEFAULT_CALENDAR if calendar is None else calendar).workdays_between(start, end)
