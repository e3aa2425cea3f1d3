"""Meeting conflicts and times, pure (no Flask, no database): one small function per conflict type, each
returning the meeting it collides with and a reason, in the manner of Indico's ``rb/operations/conflicts.py``.

Intervals are half-open ``[start, end)``: a meeting ending at 09:00 and one starting at 09:00 do not overlap,
so back-to-back bookings are fine. All datetimes given to these functions are in one frame (naive UTC here).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo

# Statuses that hold a host's time and a venue. A cancelled meeting frees both; a held one happened.
BLOCKING_STATUSES = frozenset({"draft", "proposed", "scheduled", "held"})
MAX_DURATION = timedelta(hours=24)


@dataclass(frozen=True)
class Slot:
    """What the conflict rules need to know about a meeting (an existing one or the one being booked)."""

    id: int | None
    title: str
    starts_at: datetime
    ends_at: datetime
    hosts: frozenset[int] = field(default_factory=frozenset)
    venue: str | None = None
    status: str = "scheduled"


@dataclass(frozen=True)
class Conflict:
    code: str  # "host_conflict" | "venue_conflict"
    other: Slot
    host_ids: tuple[int, ...] = ()
    venue: str | None = None


def overlaps(a_start: datetime, a_end: datetime, b_start: datetime, b_end: datetime) -> bool:
    """Half-open overlap: touching ends (a_end == b_start) is not an overlap."""
    return a_start < b_end and b_start < a_end


def venue_key(venue: str | None) -> str | None:
    """One spelling per room: "市民中心 201" and "市民中心201 " are the same venue; empty means none."""
    if venue is None:
        return None
    key = re.sub(r"\s+", "", venue).casefold()
    return key or None


def _candidates(slot: Slot, others: Iterable[Slot]) -> list[Slot]:
    found = [o for o in others
             if o.status in BLOCKING_STATUSES and (slot.id is None or o.id != slot.id)
             and overlaps(slot.starts_at, slot.ends_at, o.starts_at, o.ends_at)]
    # The earliest clash first, so the message names the one the user meets first.
    return sorted(found, key=lambda o: (o.starts_at, o.id or 0))


def host_conflict(slot: Slot, others: Iterable[Slot]) -> Conflict | None:
    """A host of ``slot`` already hosts an overlapping meeting."""
    for other in _candidates(slot, others):
        shared = slot.hosts & other.hosts
        if shared:
            return Conflict("host_conflict", other, host_ids=tuple(sorted(shared)))
    return None


def venue_conflict(slot: Slot, others: Iterable[Slot]) -> Conflict | None:
    """The venue of ``slot`` is booked by an overlapping meeting."""
    key = venue_key(slot.venue)
    if key is None:
        return None
    for other in _candidates(slot, others):
        if venue_key(other.venue) == key:
            return Conflict("venue_conflict", other, venue=slot.venue)
    return None


CONFLICT_RULES = (host_conflict, venue_conflict)


def first_conflict(slot: Slot, others: Iterable[Slot]) -> Conflict | None:
    """The first rule that refuses ``slot`` (hosts before venue), or None."""
    pool = list(others)
    for rule in CONFLICT_RULES:
        found = rule(slot, pool)
        if found is not None:
            return found
    return None


# ------------------------------------------------------------------------------------------ times


def to_utc_naive(value: datetime, local: tzinfo) -> datetime:
    """An aware time as naive UTC; a naive one is read in ``local`` (API.md: naive times are Asia/Shanghai)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=local)
    return value.astimezone(UTC).replace(tzinfo=None)


def to_local(value: datetime, local: tzinfo) -> datetime:
    """A stored naive-UTC time in ``local``, aware: never the server's own zone."""
    return value.replace(tzinfo=UTC).astimezone(local)


def duration_problem(starts_at: datetime, ends_at: datetime) -> str | None:
    """Why the interval is not a meeting: "end_before_start", "too_long" or None."""
    if ends_at <= starts_at:
        return "end_before_start"
    if ends_at - starts_at > MAX_DURATION:
        return "too_long"
    return None


def touched_dates(starts_at: datetime, ends_at: datetime) -> list:
    """The local dates an interval (local, aware) covers; the end instant itself is excluded."""
    first = starts_at.date()
    last = (ends_at - timedelta(microseconds=1)).date()
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]
