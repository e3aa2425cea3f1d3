"""Follow-up rules (rules/followups.py): deadlines, warnings, rating, closing.

2026 facts (国办发明电〔2025〕7号, shipped by chinesecalendar): 国庆 Oct 1–7 off, Sat Oct 10 worked; 春节 Feb 15–23
off, Sat Feb 14 and Sat Feb 28 worked. 2031 is a year the library does not know: an admin-entered notice
decides it (here a made-up 国庆 Oct 1–7 with Sun Sep 28 and Sat Oct 11 worked).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rules import followups as fr
from rules.workdays import DEFAULT_CALENDAR, WorkdayCalendar, YearNotice

D = date
CAL = DEFAULT_CALENDAR
NOTICE_2031 = YearNotice(
    holidays=frozenset(D(2031, 10, d) for d in range(1, 8)),
    workdays=frozenset({D(2031, 9, 28), D(2031, 10, 11)}),
)
CAL_2031 = WorkdayCalendar({2031: NOTICE_2031})


@pytest.mark.parametrize(
    ("assigned", "level", "workdays", "due"),
    [
        # National Day: Sep 29, Sep 30, (Oct 1–7 off), Oct 8, Oct 9, Sat Oct 10 (make-up day).
        (D(2026, 9, 28), "immediate", None, D(2026, 10, 10)),
        (D(2026, 9, 28), "joint", 5, D(2026, 10, 10)),  # an explicit N wins over the level
        (D(2026, 9, 30), "immediate", 1, D(2026, 10, 8)),
        # Spring Festival: Sat Feb 14 (make-up), Feb 15–23 off, Feb 24–27.
        (D(2026, 2, 13), "immediate", None, D(2026, 2, 27)),
        (D(2026, 2, 13), "immediate", 6, D(2026, 2, 28)),  # Sat Feb 28 is a make-up working day
        (D(2026, 2, 15), "immediate", 1, D(2026, 2, 24)),  # assigned on a holiday
        # 会商交办 15 from Monday 2026-11-02: Nov 3–6, 9–13, 16–20, Mon 23.
        (D(2026, 11, 2), "joint", None, D(2026, 11, 23)),
        # 领导交办 30: then Nov 24–27, 30, Dec 1–4, 7–11, Mon 14.
        (D(2026, 11, 2), "leader", None, D(2026, 12, 14)),
        # Assigned on a Saturday: the day itself never counts, Monday is the first.
        (D(2026, 11, 21), "immediate", 1, D(2026, 11, 23)),
    ],
)
def test_due_date_on_the_official_calendar(assigned, level, workdays, due):
    assert fr.due_date(assigned, level, CAL, workdays) == due


def test_due_date_in_a_year_the_library_does_not_know_uses_the_admin_notice():
    assert CAL_2031.source(2031) == "notice"
    # Fri Sep 26 + 5: Sun Sep 28 (make-up), Mon 29, Tue 30, (Oct 1–7 off), Wed Oct 8, Thu Oct 9.
    assert fr.due_date(D(2031, 9, 26), "immediate", CAL_2031) == D(2031, 10, 9)
    # The same assignment on the plain Mon–Fri fallback lands elsewhere: the notice really is used.
    fallback = WorkdayCalendar()
    assert fallback.source(2031) == "fallback"
    assert fr.due_date(D(2031, 9, 26), "immediate", fallback) == D(2031, 10, 3)
    # Sat Oct 11 is worked in 2031 per the notice.
    assert fr.due_date(D(2031, 10, 9), "immediate", CAL_2031, 2) == D(2031, 10, 11)


@pytest.mark.parametrize("bad", [0, -1, fr.MAX_WORKDAYS + 1])
def test_due_date_refuses_nonsense_limits(bad):
    with pytest.raises(ValueError):
        fr.due_date(D(2026, 11, 2), "immediate", CAL, bad)


def test_due_date_refuses_unknown_level():
    with pytest.raises(ValueError):
        fr.due_date(D(2026, 11, 2), "urgent", CAL)


def test_level_defaults_are_the_spec_values():
    assert fr.LEVEL_WORKDAYS == {"immediate": 5, "joint": 15, "leader": 30}


# ------------------------------------------------------------------------------------------ warnings

TODAY = D(2026, 11, 19)  # Thursday


def _warn(due, last=None, status="in_progress", today=TODAY, cal=CAL):
    return fr.warning(status, due, last or today, fr.Thresholds.for_day(today, cal))


@pytest.mark.parametrize(
    ("due", "expected"),
    [
        (D(2026, 11, 18), "red"),  # yesterday: overdue
        (D(2026, 11, 1), "red"),
        (D(2026, 11, 19), "yellow"),  # due today: 0 working days remain, not yet overdue
        (D(2026, 11, 20), "yellow"),  # 1 remains (Fri)
        (D(2026, 11, 23), "yellow"),  # 2 (Fri, Mon)
        (D(2026, 11, 24), "yellow"),  # 3 (Fri, Mon, Tue): the threshold itself
        (D(2026, 11, 25), None),  # 4 remain
        (D(2026, 11, 22), "yellow"),  # a Sunday due date (explicit N can't make one, an extension can)
    ],
)
def test_deadline_warning_thresholds(due, expected):
    assert _warn(due) == expected


def test_deadline_warning_counts_working_days_not_calendar_days():
    # Today Wed 2026-09-30; due Fri Oct 9: calendar-wise 9 days away, but only Oct 8 and Oct 9 are worked.
    assert _warn(D(2026, 10, 9), today=D(2026, 9, 30)) == "yellow"
    assert _warn(D(2026, 10, 13), today=D(2026, 9, 30)) is None  # Oct 8, 9, 10 (Sat, make-up), 12, 13: 5


@pytest.mark.parametrize(
    ("last", "expected"),
    [
        # Working days after Thu Nov 5 up to Thu Nov 19: Nov 6, 9–13, 16–19 = 10: stale.
        (D(2026, 11, 5), "yellow"),
        (D(2026, 11, 6), None),  # 9 working days of silence
        (D(2026, 11, 7), None),  # a Saturday: still 9
        (D(2026, 11, 4), "yellow"),
    ],
)
def test_silence_warning_threshold(last, expected):
    assert _warn(D(2026, 12, 31), last=last) == expected


@pytest.mark.parametrize("status", ["resolved", "closed"])
def test_no_warning_once_resolved_or_closed(status):
    assert _warn(D(2026, 11, 1), last=D(2026, 1, 1), status=status) is None


def test_assigned_items_warn_like_in_progress_ones():
    assert _warn(D(2026, 11, 18), status="assigned") == "red"


def _naive_workdays_between(a: date, b: date, cal: WorkdayCalendar) -> int:
    n, d = 0, a
    while d < b:
        d += timedelta(days=1)
        n += cal.is_workday(d)
    return n


def _naive_warning(status, due, last, today, cal):
    if status not in fr.OPEN_STATUSES:
        return None
    if today > due:
        return "red"
    if _naive_workdays_between(today, due, cal) <= 3 or _naive_workdays_between(last, today, cal) >= 10:
        return "yellow"
    return None


DAYS = st.dates(min_value=D(2025, 12, 1), max_value=D(2027, 1, 31))


@settings(max_examples=300, deadline=None)
@given(today=DAYS, due_offset=st.integers(-20, 40), silence=st.integers(0, 40),
       status=st.sampled_from(fr.STATUSES))
def test_warning_matches_a_naive_day_by_day_reference(today, due_offset, silence, status):
    due = today + timedelta(days=due_offset)
    last = today - timedelta(days=silence)
    expected = _naive_warning(status, due, last, today, CAL)
    assert fr.warning(status, due, last, fr.Thresholds.for_day(today, CAL)) == expected


@settings(max_examples=200, deadline=None)
@given(today=st.dates(min_value=D(2031, 9, 1), max_value=D(2031, 11, 30)), due_offset=st.integers(-5, 30))
def test_warning_uses_the_admin_notice_in_an_unknown_year(today, due_offset):
    due = today + timedelta(days=due_offset)
    expected = _naive_warning("assigned", due, today, today, CAL_2031)
    assert fr.warning("assigned", due, today, fr.Thresholds.for_day(today, CAL_2031)) == expected


@settings(max_examples=200, deadline=None)
@given(today=DAYS, n=st.integers(1, 15))
def test_workdays_back_is_the_boundary_of_workdays_between(today, n):
    edge = fr.workdays_back(today, n, CAL)
    assert CAL.is_workday(edge) and edge <= today
    assert _naive_workdays_between(edge - timedelta(days=1), today, CAL) >= n
    assert _naive_workdays_between(edge, today, CAL) == n - 1


# ------------------------------------------------------------------------------------------ rating, closing


@pytest.mark.parametrize(("rating", "reopen"), [(5, False), (4, False), (3, False), (2, True), (1, True)])
def test_low_ratings_reopen(rating, reopen):
    assert fr.reopens(rating) is reopen


@pytest.mark.parametrize("bad", [0, 6, -1])
def test_ratings_outside_the_scale_are_refused(bad):
    with pytest.raises(ValueError):
        fr.reopens(bad)


def test_unrated_resolution_closes_after_ten_working_days():
    resolved = D(2026, 9, 28)  # Mon; window: Sep 29, 30, Oct 8, 9, 10 (Sat), 12, 13, 14, 15, 16
    assert CAL.add_workdays(resolved, 10) == D(2026, 10, 16)
    # On the last day of the window the enterprise can still rate; the day after, the item closes.
    assert not resolved < fr.unrated_close_before(D(2026, 10, 16), CAL)
    assert resolved < fr.unrated_close_before(D(2026, 10, 17), CAL)
    assert resolved < fr.unrated_close_before(D(2026, 10, 19), CAL)


@settings(max_examples=200, deadline=None)
@given(resolved=DAYS, wait=st.integers(0, 40))
def test_unrated_close_matches_add_workdays(resolved, wait):
    today = resolved + timedelta(days=wait)
    assert (resolved < fr.unrated_close_before(today, CAL)) == (CAL.add_workdays(resolved, 10) < today)


@pytest.mark.parametrize(
    ("today", "allowed"),
    [(D(2026, 11, 18), True), (D(2026, 11, 19), True), (D(2026, 11, 20), False)],
)
def test_extension_before_the_deadline_only(today, allowed):
    assert fr.extension_allowed(today, D(2026, 11, 19)) is allowed


def test_on_time():
    assert fr.is_on_time(D(2026, 11, 19), D(2026, 11, 19))
    assert not fr.is_on_time(D(2026, 11, 20), D(2026, 11, 19))
    assert not fr.is_on_time(None, D(2026, 11, 19))
