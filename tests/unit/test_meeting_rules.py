"""rules/meetings.py: the conflict functions at every boundary, and time-zone conversion (pure, no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import meetings as r

SH = ZoneInfo("Asia/Shanghai")
BASE = datetime(2026, 11, 26, 7, 30)


def slot(start: datetime, minutes: int, hosts=(1,), venue="市委小会议室", status="scheduled", id=None):
    return r.Slot(id, "会", start, start + timedelta(minutes=minutes), frozenset(hosts), venue, status)


EXISTING = slot(BASE, 90, id=10)  # 07:30–09:00

# (case, start offset in minutes from 07:30, duration in minutes, conflicts?)
BOUNDARIES = [
    ("touching before", -60, 60, False),  # 06:30–07:30
    ("touching after", 90, 30, False),  # 09:00–09:30
    ("one minute into the start", -60, 61, True),
    ("one minute before the end", 89, 30, True),
    ("same start, shorter", 0, 30, True),
    ("same start, longer", 0, 180, True),
    ("same end", 30, 60, True),
    ("identical", 0, 90, True),
    ("nested inside", 15, 30, True),
    ("containing", -30, 180, True),
    ("well before", -300, 60, False),
    ("well after", 300, 60, False),
]


@pytest.mark.parametrize(("case", "offset", "minutes", "clash"), BOUNDARIES, ids=[b[0] for b in BOUNDARIES])
def test_host_and_venue_conflicts_at_every_boundary(case, offset, minutes, clash):
    candidate = slot(BASE + timedelta(minutes=offset), minutes)
    host = r.host_conflict(candidate, [EXISTING])
    venue = r.venue_conflict(candidate, [EXISTING])
    assert (host is not None) == clash, case
    assert (venue is not None) == clash, case
    if clash:
        assert host.other is EXISTING and host.host_ids == (1,)
        assert venue.other is EXISTING and venue.code == "venue_conflict"


def test_across_midnight():
    late = slot(datetime(2026, 11, 26, 22, 0), 180, id=11)  # 22:00–01:00
    assert r.host_conflict(slot(datetime(2026, 11, 27, 0, 30), 60), [late]) is not None
    assert r.host_conflict(slot(datetime(2026, 11, 27, 1, 0), 60), [late]) is None
    assert r.touched_dates(datetime(2026, 11, 26, 22, 0), datetime(2026, 11, 27, 1, 0)) == [
        datetime(2026, 11, 26).date(), datetime(2026, 11, 27).date()]
    # Ending exactly at midnight touches only the first day.
    assert r.touched_dates(datetime(2026, 11, 26, 22, 0), datetime(2026, 11, 27, 0, 0)) == [
        datetime(2026, 11, 26).date()]


def test_other_hosts_other_venues_and_cancelled_meetings_do_not_conflict():
    candidate = slot(BASE, 90, hosts=(2,), venue="市民中心201")
    assert r.host_conflict(candidate, [EXISTING]) is None
    assert r.venue_conflict(candidate, [EXISTING]) is None
    cancelled = slot(BASE, 90, status="cancelled", id=12)
    assert r.first_conflict(slot(BASE, 90), [cancelled]) is None
    # Rescheduling a meeting never conflicts with itself.
    assert r.first_conflict(slot(BASE, 60, id=10), [EXISTING]) is None


def test_venue_spelling_and_missing_venue():
    assert r.venue_key(" 市委 小会议室 ") == r.venue_key("市委小会议室")
    assert r.venue_key("Room A") == r.venue_key("room a")
    assert r.venue_key("   ") is None
    assert r.venue_conflict(slot(BASE, 90, hosts=(3,), venue=None), [slot(BASE, 90, venue=None)]) is None


def test_first_conflict_prefers_hosts_then_the_earliest_meeting():
    a = slot(BASE + timedelta(minutes=30), 60, hosts=(9,), id=1)  # venue clash, later
    b = slot(BASE, 60, hosts=(1,), venue="别处", id=2)  # host clash
    found = r.first_conflict(slot(BASE, 120), [a, b])
    assert (found.code, found.other.id) == ("host_conflict", 2)
    c = slot(BASE - timedelta(minutes=30), 60, hosts=(1,), venue="别处", id=3)
    assert r.host_conflict(slot(BASE, 120), [b, c]).other.id == 3


def test_duration_problems():
    assert r.duration_problem(BASE, BASE) == "end_before_start"
    assert r.duration_problem(BASE, BASE - timedelta(minutes=1)) == "end_before_start"
    assert r.duration_problem(BASE, BASE + timedelta(hours=24)) is None
    assert r.duration_problem(BASE, BASE + timedelta(hours=24, minutes=1)) == "too_long"


def test_time_zones():
    # +00:00 input lands at the right local time: 23:30 UTC is 07:30 next day in Asia/Shanghai.
    utc = r.to_utc_naive(datetime(2026, 11, 25, 23, 30, tzinfo=UTC), SH)
    assert utc == datetime(2026, 11, 25, 23, 30)
    assert r.to_local(utc, SH).strftime("%Y-%m-%d %H:%M") == "2026-11-26 07:30"
    # A naive input is Asia/Shanghai (API.md), whatever zone the server runs in.
    assert r.to_utc_naive(datetime(2026, 11, 26, 7, 30), SH) == datetime(2026, 11, 25, 23, 30)
    plus_eight = datetime(2026, 11, 26, 7, 30, tzinfo=timezone(timedelta(hours=8)))
    assert r.to_utc_naive(plus_eight, SH) == utc


@given(st.integers(-2000, 2000), st.integers(1, 600), st.integers(-2000, 2000), st.integers(1, 600))
def test_overlap_matches_a_minute_by_minute_reference(s1, d1, s2, d2):
    a0, b0 = BASE + timedelta(minutes=s1), BASE + timedelta(minutes=s2)
    minutes_a = {s1 + i for i in range(d1)}
    minutes_b = {s2 + i for i in range(d2)}
    assert r.overlaps(a0, a0 + timedelta(minutes=d1), b0, b0 + timedelta(minutes=d2)) == bool(minutes_a & minutes_b)
