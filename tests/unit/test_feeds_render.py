"""rules/feeds.py: the bytes clients read, checked rule by rule, and parsed by two independent parsers."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from rules.feeds import AllDayEvent, FeedMeta, TimedEvent, merge_runs, render
from tests.feed_checks import assert_feed_rules, icaljs, icaljs_days, physical_lines, python_days, unfolded

META = FeedMeta(name="株洲市宁静日", description="株洲市及以上各级政策规定的宁静日")
STAMP = datetime(2026, 11, 1, 8, 30, 15, 123456)
LONG = "株洲市民营企业宁静日（《十条意见》：每周一至周三为宁静日，本级不开展影响企业正常生产经营的日常检查）"


def quiet(first: date, last: date, uid: str | None = None, **kw) -> AllDayEvent:
    return AllDayEvent(uid=uid or f"quiet-p1-{first:%Y%m%d}@zq.test", summary=kw.pop("summary", "宁静日"),
                       start=first, last=last, modified=STAMP, **kw)


def meeting(**kw) -> TimedEvent:
    base = {"uid": "meeting-1@zq.test", "summary": "政企早餐会第1期", "starts_at": datetime(2026, 11, 24, 7, 30),
            "ends_at": datetime(2026, 11, 24, 9, 0), "modified": STAMP, "location": "株洲市政府一号楼"}
    base.update(kw)
    return TimedEvent(**base)


def test_header_timezone_and_line_rules():
    body = render(META, [quiet(date(2026, 11, 23), date(2026, 11, 25)), meeting()])
    assert_feed_rules(body)
    lines = unfolded(body)
    assert lines[:5] == ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Zhengqi//Zhengqi feeds 1.0//ZH",
                         "CALSCALE:GREGORIAN", "METHOD:PUBLISH"]
    assert "X-WR-CALNAME:株洲市宁静日" in lines and "NAME:株洲市宁静日" in lines
    assert "X-WR-TIMEZONE:Asia/Shanghai" in lines


def test_all_day_event_has_exclusive_dtend_and_no_tzid():
    body = render(META, [quiet(date(2026, 11, 23), date(2026, 11, 25)), quiet(date(2026, 11, 30), date(2026, 11, 30))])
    lines = unfolded(body)
    assert "DTSTART;VALUE=DATE:20261123" in lines and "DTEND;VALUE=DATE:20261126" in lines
    # A single day: DTEND is the next day, never equal to DTSTART.
    assert "DTSTART;VALUE=DATE:20261130" in lines and "DTEND;VALUE=DATE:20261201" in lines
    assert "TRANSP:TRANSPARENT" in lines  # a quiet day does not make anyone busy


def test_timed_event_in_shanghai_with_one_vtimezone():
    body = render(META, [meeting(status="CANCELLED", sequence=2)])
    lines = unfolded(body)
    assert "DTSTART;TZID=Asia/Shanghai:20261124T073000" in lines
    assert "DTEND;TZID=Asia/Shanghai:20261124T090000" in lines
    assert "STATUS:CANCELLED" in lines and "SEQUENCE:2" in lines
    js = icaljs(body, date(2026, 11, 1), date(2026, 11, 30))
    assert js["timezones"] == ["Asia/Shanghai"]
    (ev,) = js["events"]
    assert ev["tzid"] == "Asia/Shanghai" and ev["start"] == "2026-11-24T07:30:00" and ev["status"] == "CANCELLED"
    # The same instant once converted by the Python parser: 07:30 in Shanghai is 23:30 UTC the day before.
    parsed = Calendar.from_ical(body).walk("VEVENT")[0]["DTSTART"].dt
    assert parsed.utcoffset() == timedelta(hours=8) and parsed.hour == 7


def test_dtstamp_and_last_modified_come_from_the_data_not_the_clock():
    body = render(META, [quiet(date(2026, 11, 23), date(2026, 11, 23))])
    lines = unfolded(body)
    assert "DTSTAMP:20261101T083015Z" in lines and "LAST-MODIFIED:20261101T083015Z" in lines


def test_chinese_text_folds_at_75_octets_without_splitting_a_character():
    ev = quiet(date(2026, 11, 23), date(2026, 11, 23), summary=LONG, description=(LONG + "\n") * 3)
    body = render(META, [ev])
    assert_feed_rules(body)  # every physical line ≤ 75 octets and valid UTF-8 on its own
    assert any(len(line) > 60 for line in physical_lines(body))  # really folded, not just short
    parsed = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == LONG
    assert str(parsed["DESCRIPTION"]) == (LONG + "\n") * 3
    assert icaljs(body, date(2026, 11, 1), date(2026, 11, 30))["events"][0]["summary"] == LONG


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.sampled_from("宁静日株洲市，；ab 1😀é\\,;\n"), min_size=1, max_size=300))
def test_folding_property(text):
    body = render(META, [quiet(date(2026, 11, 23), date(2026, 11, 23), summary=text, description=text)])
    for line in physical_lines(body):
        assert len(line) <= 75
        line.decode("utf-8")
    parsed = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(parsed["SUMMARY"]) == text


def test_same_data_renders_byte_identical_whatever_the_input_order():
    events = [quiet(date(2026, 11, 2) + timedelta(days=7 * i), date(2026, 11, 4) + timedelta(days=7 * i))
              for i in range(20)] + [meeting()]
    first = render(META, events)
    shuffled = events[:]
    random.Random(3).shuffle(shuffled)
    assert render(META, shuffled) == first
    assert render(META, list(reversed(events))) == first


def test_duplicate_uid_is_refused():
    with pytest.raises(ValueError, match="duplicate UID"):
        render(META, [quiet(date(2026, 11, 23), date(2026, 11, 23), uid="x@y"),
                      quiet(date(2026, 11, 30), date(2026, 11, 30), uid="x@y")])


@pytest.mark.parametrize("kw", [{"sequence": -1}, {"sequence": 1.5},
                                {"status": "DELETED"}])
def test_bad_sequence_or_status_is_refused(kw):
    with pytest.raises(ValueError):
        quiet(date(2026, 11, 23), date(2026, 11, 23), **kw)


def test_last_before_first_and_end_before_start_are_refused():
    with pytest.raises(ValueError):
        quiet(date(2026, 11, 23), date(2026, 11, 22))
    with pytest.raises(ValueError):
        meeting(ends_at=datetime(2026, 11, 24, 7, 30))


def test_size_cap_drops_the_latest_events_deterministically():
    events = [quiet(date(2026, 1, 1) + timedelta(days=i), date(2026, 1, 1) + timedelta(days=i),
                    description=LONG * 2) for i in range(300)]
    full = render(META, events)
    capped = render(META, events, max_bytes=len(full) // 3)
    assert len(capped) <= len(full) // 3
    kept = Calendar.from_ical(capped).walk("VEVENT")
    assert 50 < len(kept) < 300
    assert [e["DTSTART"].dt for e in kept] == [date(2026, 1, 1) + timedelta(days=i) for i in range(len(kept))]
    assert render(META, events, max_bytes=len(full) // 3) == capped


@pytest.mark.parametrize(("days", "runs"), [
    ([], []),
    ([date(2026, 11, 23)], [(date(2026, 11, 23), date(2026, 11, 23))]),
    ([date(2026, 11, 25), date(2026, 11, 23), date(2026, 11, 24)], [(date(2026, 11, 23), date(2026, 11, 25))]),
    # across a month end and a year end
    ([date(2026, 12, 31), date(2027, 1, 1), date(2027, 1, 3)],
     [(date(2026, 12, 31), date(2027, 1, 1)), (date(2027, 1, 3), date(2027, 1, 3))]),
    # leap day
    ([date(2028, 2, 28), date(2028, 2, 29), date(2028, 3, 1)], [(date(2028, 2, 28), date(2028, 3, 1))]),
])
def test_merge_runs(days, runs):
    assert merge_runs(days) == runs


def test_merge_runs_splits_where_the_key_changes():
    keys = {date(2026, 11, 23): (1,), date(2026, 11, 24): (1,), date(2026, 11, 25): (1, 2)}
    assert merge_runs(keys, key=keys.__getitem__) == [
        (date(2026, 11, 23), date(2026, 11, 24)), (date(2026, 11, 25), date(2026, 11, 25))]


@settings(max_examples=40, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=120), max_size=60))
def test_both_parsers_expand_runs_to_exactly_the_days(offsets):
    origin = date(2026, 12, 1)
    days = {origin + timedelta(days=o) for o in offsets}
    events = [quiet(a, b) for a, b in merge_runs(days)]
    body = render(META, events)
    window = (origin - timedelta(days=5), origin + timedelta(days=130))
    assert python_days(body, *window) == days
    assert icaljs_days(body, *window) == days


def test_spliced_output_equals_the_librarys_own_calendar():
    """render() splices memoised VEVENT blocks into the header; the bytes must be what the library itself
    writes for the whole calendar."""
    from rules import feeds as rf

    events = sorted([quiet(date(2026, 11, 23), date(2026, 11, 25), description=LONG), meeting()],
                    key=lambda e: e.sort_key)
    cal = Calendar.from_ical(rf._head(META) + b"END:VCALENDAR\r\n")
    for ev in events:
        cal.add_component(rf._event(ev))
    assert render(META, events) == cal.to_ical(sorted=False)
