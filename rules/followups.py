"""Follow-up items (SPEC §5): deadlines, warnings, rating and closing rules. Pure: no Flask, no database.

Every date rule counts *working days* on the app's calendar (`rules.workdays.WorkdayCalendar`: admin notices,
then chinesecalendar, then Monday–Friday), so the same item gets the same answer in the page, the API, the
ledger export, the reminders and the SQL filters.

Warnings are never stored: they depend on "today" and on the calendar, which an admin may change (a new year's
notice), so a stored colour would go stale. `Thresholds` turns one "today" into three cut-off dates; the
Python check (`warning`) and the SQL filters of the ledger both compare against those dates, so a list filtered
on "red" and the colour shown on each row cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from rules.workdays import WorkdayCalendar

__all__ = [
    "CATEGORIES",
    "LEVEL_WORKDAYS",
    "OPEN_STATUSES",
    "RATINGS",
    "SOURCES",
    "STATUSES",
    "Thresholds",
    "Warning",
        "due_date",
    "extension_allowed",
    "is_on_time",
    "reopens",
    "unrated_close_before",
    "warning",
    "workdays_back",
]

Warning = Literal["yellow", "red"]

SOURCES = ("meeting", "visit", "request", "hotline")
# 用地, 融资, 用工/人才, 审批, 水电气, 上市, 政策兑现, 其他
CATEGORIES = ("land", "finance", "labour", "approval", "utilities", "listing", "policy", "other")
STATUSES = ("assigned", "in_progress", "resolved", "closed")
# Only items a department still has to work on carry a deadline warning; a resolved item waits for the
# enterprise, a closed one is done.
OPEN_STATUSES = ("assigned", "in_progress")
# 即交即办 / 会商交办 / 领导交办 and their default time limits (限时办结) in working days.
LEVEL_WORKDAYS = {"immediate": 5, "joint": 15, "leader": 30}
MAX_WORKDAYS = 250  # about a working year; a longer limit is a typo, not a deadline
# The 5-level 好差评 scale: 5 非常满意, 4 满意, 3 基本满意, 2 不满意, 1 非常不满意.
RATINGS = (5, 4, 3, 2, 1)
REOPEN_AT_OR_BELOW = 2  # 不满意 and 非常不满意 send the item back (退回重办)
YELLOW_REMAINING_WORKDAYS = 3
STALE_WORKDAYS = 10  # no progress note for this many working days is a yellow warning
RATING_WINDOW_WORKDAYS = 10  # no rating within this many working days of the resolution closes the item


def due_date(assigned_on: date, level: str, calendar: WorkdayCalendar, workdays: int | None = None) -> date:
    """The N-th working day after ``assigned_on`` (which itself does not count); N from the level unless given."""
    if workdays is None:
        try:
            workdays = LEVEL_WORKDAYS[level]
        except KeyError:
            raise ValueError(f"unknown level {level!r}") from None
    if not 1 <= workdays <= MAX_WORKDAYS:
        raise ValueError(f"workdays must be between 1 and {MAX_WORKDAYS}")
    return calendar.add_workdays(assigned_on, workdays)


def workdays_back(today: date, n: int, calendar: WorkdayCalendar) -> date:
    """The ``n``-th most recent working day on or before ``today`` (``n >= 1``).

    ``workdays_between(d, today) >= n`` exactly when ``d`` is before this date, which is what lets the stale
    rule be a plain date comparison in SQL.
    """
    if n < 1:
        raise ValueError("n must be >= 1")
    d = today
    seen = 0
    # Walks at most a few weeks (n is small and no holiday run is longer than ~10 days).
    while True:
        if calendar.is_workday(d):
            seen += 1
            if seen == n:
                return d
        d -= timedelta(days=1)


@dataclass(frozen=True)
class Thresholds:
    """Cut-off dates for one "today": the shared basis of `warning` and the SQL warning filters.

    - red: ``due_on < today`` (overdue);
    - yellow by deadline: ``due_on < yellow_due_before`` (3 or fewer working days remain: the 4th working day
      after today is the first due date that leaves 4);
    - yellow by silence: ``last_progress_on < stale_before`` (10 working days or more without a progress note).
    """

    today: date
    yellow_due_before: date
    stale_before: date

    @classmethod
    def for_day(cls, today: date, calendar: WorkdayCalendar) -> Thresholds:
        return cls(
            today=today,
            yellow_due_before=calendar.add_workdays(today, YELLOW_REMAINING_WORKDAYS + 1),
            stale_before=workdays_back(today, STALE_WORKDAYS, calendar),
        )


def warning(status: str, due_on: date, last_progress_on: date, thresholds: Thresholds) -> Warning | None:
    """The warning of an item as of ``thresholds.today``: red (overdue), yellow, or none.

    ``last_progress_on`` is the day of the latest progress note, or the assignment day when there is none.
    """
    if status not in OPEN_STATUSES:
        return None
    if due_on < thresholds.today:
        return "red"
    if due_on < thresholds.yellow_due_before or last_progress_on < thresholds.stale_before:
        return "yellow"
    return None


def reopens(rating: int) -> bool:
    """A rating of 2 (不满意) or 1 (非常不满意) sends the item back to the department (退回重办)."""
    if rating not in RATINGS:
        raise ValueError("rating must be 1..5")
    return rating <= REOPEN_AT_OR_BELOW


def unrated_close_before(today: date, calendar: WorkdayCalendar) -> date:
    """Resolutions made before this date and still unrated are closed as of ``today``.

    The enterprise has the 10 working days after the resolution day to rate; the item closes once the last of
    them has passed, i.e. when ``add_workdays(resolved_on, 10) < today``, which is ``resolved_on`` before the
    10th working day counted back from yesterday.
    """
    return workdays_back(today - timedelta(days=1), RATING_WINDOW_WORKDAYS, calendar)


def extension_allowed(today: date, due_on: date) -> bool:
    """An extension must be asked for before the deadline passes; the due day itself is still in time (an
    item turns red only the day after), so a department that finds out on the last day can still ask."""
    return today <= due_on


def is_on_time(resolved_on: date | None, due_on: date) -> bool:
    """On time (按期办结) when resolved on or before the due date in force (extensions included)."""
    return resolved_on is not None and resolved_on <= due_on
