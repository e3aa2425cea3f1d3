"""Calendar feed rendering (RFC 5545) for subscription clients: Google, Outlook, Apple, Thunderbird.

Pure: plain dataclasses in, bytes out; no Flask, no database. The operations layer turns quiet days, inspections,
meetings and follow-ups into :class:`AllDayEvent` / :class:`TimedEvent` values and calls :func:`render`.

What the clients need (and why the code looks the way it does) is listed in the project's feed requirements:

* ``METHOD:PUBLISH`` (REQUEST makes Outlook treat the feed as invitations), CRLF, lines folded at 75 octets
  without splitting a UTF-8 character (icalendar's folder counts octets per code point; the tests prove it on
  Chinese text).
* Exactly one VTIMEZONE for Asia/Shanghai in its minimal form, written by hand: icalendar's generated zone
  spells out the 1986–91 summer time as RDATE lists, which Outlook and Google mis-read.
* All-day events as ``VALUE=DATE`` with an exclusive DTEND (the day after the last day): DTEND = DTSTART makes
  Outlook show nothing and Google a zero-length event.
* Deterministic bytes: no ``now()``, no random UIDs; events sorted; properties in a fixed order. The same data
  renders byte-identical, so a strong ETag over the bytes is stable and clients do not re-download.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event, Timezone, TimezoneStandard, vDuration

__all__ = [
    "MAX_BYTES",
    "TZID",
    "AllDayEvent",
    "FeedMeta",
    "TimedEvent",
    "merge_runs",
    "render",
]

TZID = "Asia/Shanghai"
SHANGHAI = ZoneInfo(TZID)
# Google refuses feeds above 1 MB; we stay well below so a client's parser never sees a truncated file.
MAX_BYTES = 1_000_000
STATUSES = ("CONFIRMED", "TENTATIVE", "CANCELLED")
# A fixed DTSTAMP for events whose source has no modification time: better a constant than now(), which
# would change the bytes (and the ETag) on every request.
EPOCH = datetime(2000, 1, 1)


@dataclass(frozen=True)
class FeedMeta:
    name: str
    description: str
    prodid: str = "-//Zhengqi//Zhengqi feeds 1.0//ZH"
    refresh: timedelta = timedelta(hours=1)


@dataclass(frozen=True, kw_only=True)
class _EventBase:
    uid: str
    summary: str
    # UTC, naive (as stored in the database); becomes DTSTAMP and LAST-MODIFIED.
    modified: datetime | None = None
    description: str = ""
    location: str = ""
    sequence: int = 0
    status: str = "CONFIRMED"
    categories: tuple[str, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"event {self.uid}: unknown status {self.status!r}")
        if not isinstance(self.sequence, int) or self.sequence < 0:
            # A timestamp-sized SEQUENCE confuses Outlook; callers pass a small revision counter.
            raise ValueError(f"event {self.uid}: SEQUENCE must be a small non-negative integer")


@dataclass(frozen=True, kw_only=True)
class AllDayEvent(_EventBase):
    start: date
    last: date  # inclusive last day; DTEND is the day after

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.last < self.start:
            raise ValueError(f"event {self.uid}: last day before first day")

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return datetime.combine(self.start, datetime.min.time()), self.uid


@dataclass(frozen=True, kw_only=True)
class TimedEvent(_EventBase):
    # Wall-clock times in Asia/Shanghai (naive) — how meetings are entered and stored.
    starts_at: datetime
    ends_at: datetime

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.ends_at <= self.starts_at:
            raise ValueError(f"event {self.uid}: end must be after start")

    @property
    def sort_key(self) -> tuple[datetime, str]:
        return self.starts_at.replace(tzinfo=None), self.uid


AnyEvent = AllDayEvent | TimedEvent


def merge_runs(days: Iterable[date], key: Callable[[date], Hashable] | None = None) -> list[tuple[date, date]]:
    """Consecutive days as inclusive ``(first, last)`` runs; ``key`` splits a run where its value changes
    (e.g. a different set of protecting policies), so one event never claims a policy for a day it lacks."""
    runs: list[tuple[date, date]] = []
    prev_key: Hashable = None
    for d in sorted(set(days)):
        k = key(d) if key else None
        if runs and runs[-1][1] + timedelta(days=1) == d and k == prev_key:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
        prev_key = k
    return runs


def _utc(value: datetime | None) -> datetime:
    value = value or EPOCH
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    # Whole seconds: sub-second digits are not iCalendar and would only differ between databases.
    return value.replace(microsecond=0, tzinfo=UTC)


def _timezone() -> Timezone:
    """Asia/Shanghai in its minimal form: one STANDARD block at +0800 since 1970, no RDATE."""
    tz = Timezone()
    tz.add("TZID", TZID)
    tz.add("X-LIC-LOCATION", TZID)
    std = TimezoneStandard()
    std.add("DTSTART", datetime(1970, 1, 1))
    std.add("TZOFFSETFROM", timedelta(hours=8))
    std.add("TZOFFSETTO", timedelta(hours=8))
    std.add("TZNAME", "CST")
    tz.add_component(std)
    return tz


def _event(ev: AnyEvent) -> Event:
    out = Event()
    out.add("UID", ev.uid)
    stamp = _utc(ev.modified)
    out.add("DTSTAMP", stamp)
    out.add("LAST-MODIFIED", stamp)
    if isinstance(ev, AllDayEvent):
        # date objects render as VALUE=DATE without TZID, as clients require for all-day events.
        out.add("DTSTART", ev.start)
        out.add("DTEND", ev.last + timedelta(days=1))
        # Quiet days must not block the user's free/busy time.
        out.add("TRANSP", "TRANSPARENT")
    else:
        out.add("DTSTART", ev.starts_at.replace(tzinfo=SHANGHAI))
        out.add("DTEND", ev.ends_at.replace(tzinfo=SHANGHAI))
        out.add("TRANSP", "OPAQUE")
    out.add("SEQUENCE", ev.sequence)
    out.add("STATUS", ev.status)
    out.add("SUMMARY", ev.summary)
    if ev.description:
        out.add("DESCRIPTION", ev.description)
    if ev.location:
        out.add("LOCATION", ev.location)
    if ev.categories:
        out.add("CATEGORIES", list(ev.categories))
    return out


_END = b"END:VCALENDAR\r\n"


@functools.lru_cache(maxsize=64)
def _head(meta: FeedMeta) -> bytes:
    """The calendar's header and time zone, without the closing line."""
    cal = Calendar()
    cal.add("VERSION", "2.0")
    cal.add("PRODID", meta.prodid)
    cal.add("CALSCALE", "GREGORIAN")
    cal.add("METHOD", "PUBLISH")
    cal.add("NAME", meta.name)
    cal.add("X-WR-CALNAME", meta.name)
    cal.add("DESCRIPTION", meta.description)
    cal.add("X-WR-CALDESC", meta.description)
    cal.add("X-WR-TIMEZONE", TZID)
    # The library's own setter drops ";VALUE=DURATION", which some clients require.
    cal.add("REFRESH-INTERVAL", meta.refresh, parameters={"VALUE": "DURATION"})
    # An X- property would otherwise be typed as text and render the timedelta as "1:00:00".
    cal.add("X-PUBLISHED-TTL", vDuration(meta.refresh))
    cal.add_component(_timezone())
    # Insertion order (not alphabetical) keeps VERSION first, which some old parsers expect.
    body = cal.to_ical(sorted=False)
    assert body.endswith(_END)
    return body[: -len(_END)]


@functools.lru_cache(maxsize=50_000)
def _event_bytes(ev: AnyEvent) -> bytes:
    """One VEVENT block, exactly as the library writes it inside a calendar. Events are frozen values, so the
    bytes are memoised: after a change only the changed events are serialised again (the library's writer is
    where a render spends its time)."""
    return _event(ev).to_ical(sorted=False)


def render(meta: FeedMeta, events: Iterable[AnyEvent], max_bytes: int = MAX_BYTES) -> bytes:
    """The feed's bytes. Events are sorted by start then UID, so input order never changes the output.

    A UID must appear once (clients keep one of two and drop the other at random). Should the events exceed
    ``max_bytes`` the latest ones are left out — deterministically — rather than publish a feed Google drops.
    """
    ordered = sorted(events, key=lambda e: e.sort_key)
    seen: set[str] = set()
    for ev in ordered:
        if ev.uid in seen:
            raise ValueError(f"duplicate UID {ev.uid}")
        seen.add(ev.uid)
    head = _head(meta)
    blocks = [_event_bytes(ev) for ev in ordered]
    room = max_bytes - len(head) - len(_END)
    kept = 0
    for block in blocks:
        if len(block) > room:
            break
        room -= len(block)
        kept += 1
    return head + b"".join(blocks[:kept]) + _END
