"""Working-day calendar.

Facts for 2026 are those of the official notice 国办发明电〔2025〕7号, which chinesecalendar 1.11.0 ships:
元旦 Jan 1–3 off, Sun Jan 4 worked; 春节 Feb 15–23 off, Sat Feb 14 and Sat Feb 28 worked; 清明 Apr 4–6 off;
劳动节 May 1–5 off, Sat May 9 worked; 端午 Jun 19–21 off; 中秋 Sep 25–27 off; 国庆 Oct 1–7 off (Thu Oct 8 is a
normal working day), Sun Sep 20 and Sat Oct 10 worked.
Weekdays used below: 2026-01-01 Thu, 2026-02-01 Sun, 2026-09-01 Tue, 2026-10-01 Thu, 2027-01-01 Fri,
2027-02-01 Mon, 2028-02-01 Tue, 2031-01-01 Wed.
"""

from datetime import date

import pytest

from rules.workdays import (
    DEFAULT_CALENDAR,
    WorkdayCalendar,
    YearNotice,
    add_workdays,
    is_workday,
    workdays_between,
)

D = date


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (D(2026, 1, 1), False),  # 元旦
        (D(2026, 1, 3), False),  # Saturday inside the holiday
        (D(2026, 1, 4), True),  # Sunday make-up day
        (D(2026, 1, 5), True),
        (D(2026, 2, 13), True),  # Friday before Spring Festival
        (D(2026, 2, 14), True),  # Saturday make-up day
        (D(2026, 2, 15), False),
        (D(2026, 2, 18), False),  # Wednesday in Spring Festival
        (D(2026, 2, 23), False),  # Monday, last holiday day
        (D(2026, 2, 24), True),
        (D(2026, 2, 28), True),  # Saturday make-up day
        (D(2026, 3, 1), False),  # ordinary Sunday
        (D(2026, 5, 5), False),
        (D(2026, 5, 9), True),  # Saturday make-up day
        (D(2026, 9, 19), False),  # ordinary Saturday
        (D(2026, 9, 20), True),  # Sunday make-up day for National Day
        (D(2026, 9, 25), False),  # 中秋, a Friday
        (D(2026, 9, 28), True),
        (D(2026, 10, 1), False),
        (D(2026, 10, 7), False),  # Wednesday, last day of Golden Week
        (D(2026, 10, 8), True),  # Thursday: 2026's Golden Week is 7 days, not 8
        (D(2026, 10, 10), True),  # Saturday make-up day
        (D(2026, 10, 11), False),
    ],
)
def test_is_workday_2026_official_notice(day: date, expected: bool) -> None:
    assert DEFAULT_CALENDAR.is_workday(day) is expected
    assert is_workday(day) is expected


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        (D(2026, 9, 30), 0, D(2026, 9, 30)),
        (D(2026, 10, 3), 0, D(2026, 10, 3)),  # n=0 returns the day itself even on a holiday
        (D(2026, 9, 30), 1, D(2026, 10, 8)),  # jumps the whole Golden Week
        (D(2026, 9, 30), 3, D(2026, 10, 10)),  # Oct 8, 9, then make-up Saturday 10
        (D(2026, 9, 30), 4, D(2026, 10, 12)),
        (D(2026, 10, 3), 1, D(2026, 10, 8)),  # starting inside the holiday
        (D(2026, 9, 18), 1, D(2026, 9, 20)),  # Friday -> make-up Sunday, the Saturday is skipped
        (D(2026, 9, 24), 2, D(2026, 9, 29)),  # 中秋 Fri 25 – Sun 27 skipped: Mon 28, Tue 29
        (D(2026, 2, 13), 1, D(2026, 2, 14)),  # Friday -> make-up Saturday
        (D(2026, 2, 14), 1, D(2026, 2, 24)),  # over the 9-day Spring Festival
        (D(2026, 2, 13), 5, D(2026, 2, 27)),  # 14, 24, 25, 26, 27
        (D(2026, 12, 31), 1, D(2027, 1, 1)),  # 2027 has no data: Mon–Fri fallback, so New Year's Day counts
        (D(2025, 12, 31), 1, D(2026, 1, 4)),  # across the year boundary into the 2026 holiday
    ],
)
def test_add_workdays(start: date, n: int, expected: date) -> None:
    assert DEFAULT_CALENDAR.add_workdays(start, n) == expected
    assert add_workdays(start, n) == expected


def test_add_workdays_rejects_negative() -> None:
    with pytest.raises(ValueError):
        DEFAULT_CALENDAR.add_workdays(D(2026, 1, 5), -1)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (D(2026, 10, 5), D(2026, 10, 5), 0),
        (D(2026, 10, 12), D(2026, 10, 5), 0),  # end before start
        (D(2026, 9, 30), D(2026, 10, 11), 3),  # Oct 8, 9, 10
        (D(2026, 9, 30), D(2026, 10, 7), 0),  # the whole Golden Week
        (D(2026, 9, 24), D(2026, 10, 10), 6),  # Sep 28, 29, 30, Oct 8, 9, 10
        (D(2026, 10, 7), D(2026, 10, 8), 1),  # end is included
        (D(2026, 10, 8), D(2026, 10, 9), 1),  # start is excluded
        (D(2026, 2, 13), D(2026, 2, 28), 6),  # make-up Sat 14; 24, 25, 26, 27; make-up Sat 28
    ],
)
def test_workdays_between(start: date, end: date, expected: int) -> None:
    assert DEFAULT_CALENDAR.workdays_between(start, end) == expected
    assert workdays_between(start, end) == expected


@pytest.mark.parametrize(
    ("year", "month", "n", "expected"),
    [
        # Golden Week shifts October's first working days to the 8th; the make-up Saturday 10th is the 3rd.
        (2026, 10, 5, (D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10), D(2026, 10, 12), D(2026, 10, 13))),
        (2026, 1, 3, (D(2026, 1, 4), D(2026, 1, 5), D(2026, 1, 6))),  # make-up Sunday Jan 4 comes first
        (2026, 2, 5, (D(2026, 2, 2), D(2026, 2, 3), D(2026, 2, 4), D(2026, 2, 5), D(2026, 2, 6))),
        # Working days 11..13 of February 2026: the make-up Saturday, then after the festival.
        (2026, 2, 13, (D(2026, 2, 2), D(2026, 2, 3), D(2026, 2, 4), D(2026, 2, 5), D(2026, 2, 6),
                       D(2026, 2, 9), D(2026, 2, 10), D(2026, 2, 11), D(2026, 2, 12), D(2026, 2, 13),
                       D(2026, 2, 14), D(2026, 2, 24), D(2026, 2, 25))),
        (2026, 10, 0, ()),
    ],
)
def test_first_workdays(year: int, month: int, n: int, expected: tuple[date, ...]) -> None:
    assert DEFAULT_CALENDAR.first_workdays(year, month, n) == expected


@pytest.mark.parametrize(
    ("year", "month", "count", "last"),
    [
        (2026, 2, 16, D(2026, 2, 28)),  # 20 weekdays - 6 festival weekdays + 2 make-up Saturdays
        (2027, 2, 20, D(2027, 2, 26)),  # 28 days from a Monday: 20 weekdays (fallback year)
        (2028, 2, 21, D(2028, 2, 29)),  # leap February from a Tuesday: 21 weekdays, the 29th included
    ],
)
def test_first_workdays_short_months_return_fewer(year: int, month: int, count: int, last: date) -> None:
    days = DEFAULT_CALENDAR.first_workdays(year, month, 23)
    assert len(days) == count
    assert days[-1] == last
    assert all(d.month == month for d in days)


def test_source_and_fallback_years() -> None:
    cal = WorkdayCalendar()
    assert cal.source(2026) == "chinesecalendar"
    assert cal.source(2004) == "chinesecalendar"
    assert cal.source(2003) == "fallback"
    assert cal.source(2031) == "fallback"
    assert cal.fallback_years(D(2025, 6, 1), D(2028, 1, 1)) == [2027, 2028]
    assert cal.fallback_years(D(2026, 1, 1), D(2026, 12, 31)) == []


def test_fallback_year_is_monday_to_friday() -> None:
    cal = WorkdayCalendar()
    assert cal.is_workday(D(2031, 1, 1))  # a Wednesday; the real holiday is unknown without a notice
    assert not cal.is_workday(D(2031, 1, 4))  # Saturday
    assert cal.add_workdays(D(2031, 1, 2), 2) == D(2031, 1, 6)  # Thu -> Fri, (weekend), Mon
    assert cal.workdays_between(D(2030, 12, 31), D(2031, 1, 31)) == 23  # January 2031: 31 days from a Wed


def test_notice_overrides_chinesecalendar() -> None:
    # A (hypothetical) corrected 2026 notice: Oct 1–8 off, no make-up Saturday on Oct 10.
    notice = YearNotice(holidays=frozenset(D(2026, 10, d) for d in range(1, 9)), workdays=frozenset())
    cal = WorkdayCalendar({2026: notice})
    assert cal.source(2026) == "notice"
    assert not cal.is_workday(D(2026, 10, 8))
    assert not cal.is_workday(D(2026, 10, 10))  # the package's make-up day is replaced, not merged
    assert not cal.is_workday(D(2026, 9, 20))
    assert cal.is_workday(D(2026, 2, 16))  # package holidays are not kept either: a plain Monday now
    assert cal.add_workdays(D(2026, 9, 30), 1) == D(2026, 10, 9)
    assert cal.first_workdays(2026, 10, 2) == (D(2026, 10, 9), D(2026, 10, 12))
    assert DEFAULT_CALENDAR.is_workday(D(2026, 10, 8))  # other calendars are unaffected


def test_notice_for_unknown_year() -> None:
    # 2031: New Year's Day (Wed) off, Saturday Jan 4 worked.
    notice = YearNotice(holidays=frozenset({D(2031, 1, 1)}), workdays=frozenset({D(2031, 1, 4)}))
    cal = WorkdayCalendar({2031: notice})
    assert cal.source(2031) == "notice"
    assert cal.fallback_years(D(2030, 1, 1), D(2032, 1, 1)) == [2030, 2032]
    assert not cal.is_workday(D(2031, 1, 1))
    assert cal.is_workday(D(2031, 1, 4))
    assert cal.add_workdays(D(2030, 12, 31), 1) == D(2031, 1, 2)
    assert cal.add_workdays(D(2031, 1, 3), 1) == D(2031, 1, 4)
    assert workdays_between(D(2030, 12, 31), D(2031, 1, 5), cal) == 3  # Jan 2, 3, 4


def test_notice_validation() -> None:
    with pytest.raises(ValueError):
        YearNotice(holidays=frozenset({D(2031, 1, 1)}), workdays=frozenset({D(2031, 1, 1)}))
    with pytest.raises(ValueError):
        WorkdayCalendar({2031: YearNotice(holidays=frozenset({D(2030, 12, 31)}))})


def test_year_bits_matches_leap_year_length() -> None:
    cal = WorkdayCalendar()
    assert cal.year_bits(2028).bit_length() <= 366
    assert (cal.year_bits(2028) >> 59) & 1  # Feb 29 2028, a Tuesday
    assert (cal.year_bits(2028) >> 363) & 1  # Fri Dec 29 2028
    assert not (cal.year_bits(2028) >> 365) & 1  # Sun Dec 31 2028, the 366th day
    assert cal.year_bits(2027).bit_length() <= 365
