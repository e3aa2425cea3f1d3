"""Checks every feed must pass (the client requirements for subscription feeds), and two independent expanders:
`recurring-ical-events` (Python) and Mozilla's ical.js (Node, the parser behind Thunderbird)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from pathlib import Path

import recurring_ical_events
from icalendar import Calendar

from tests.conftest import require

ROOT = Path(__file__).resolve().parent.parent
ICALJS_SCRIPT = Path(__file__).resolve().parent / "ical_expand.mjs"
MAX_BYTES = 1_000_000


def physical_lines(body: bytes) -> list[bytes]:
    assert body.endswith(b"\r\n")
    return body[:-2].split(b"\r\n")


def unfolded(body: bytes) -> list[str]:
    """Content lines after unfolding (RFC 5545 §3.1)."""
    return body.decode("utf-8").replace("\r\n ", "").split("\r\n")[:-1]


def assert_feed_rules(body: bytes) -> Calendar:
    """The rules every feed keeps, whatever its content; returns the parsed calendar."""
    assert len(body) < MAX_BYTES
    # CRLF everywhere: no bare LF or CR.
    assert b"\n" not in body.replace(b"\r\n", b"")
    assert b"\r" not in body.replace(b"\r\n", b"")
    for line in physical_lines(body):
        assert len(line) <= 75, line  # octets, not characters
        line.decode("utf-8")  # a fold that split a multi-byte character would not decode on its own
    lines = unfolded(body)
    assert lines[0] == "BEGIN:VCALENDAR" and lines[-1] == "END:VCALENDAR"
    header = lines[: lines.index("BEGIN:VTIMEZONE")]
    for required in ("VERSION:2.0", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
                     "REFRESH-INTERVAL;VALUE=DURATION:PT1H", "X-PUBLISHED-TTL:PT1H"):
        assert required in header, required
    for prefix in ("PRODID:", "NAME:", "X-WR-CALNAME:", "DESCRIPTION:", "X-WR-CALDESC:"):
        assert sum(h.startswith(prefix) for h in header) == 1, prefix
    assert "METHOD:REQUEST" not in lines
    # Exactly one VTIMEZONE, Asia/Shanghai in its minimal form, no RDATE anywhere.
    assert lines.count("BEGIN:VTIMEZONE") == 1
    tz = lines[lines.index("BEGIN:VTIMEZONE"): lines.index("END:VTIMEZONE") + 1]
    assert tz == ["BEGIN:VTIMEZONE", "TZID:Asia/Shanghai", "X-LIC-LOCATION:Asia/Shanghai", "BEGIN:STANDARD",
                  "DTSTART:19700101T000000", "TZOFFSETFROM:+0800", "TZOFFSETTO:+0800", "TZNAME:CST",
                  "END:STANDARD", "END:VTIMEZONE"]
    assert not any(line.startswith("RDATE") for line in lines)
    # Never a TZID on a VALUE=DATE property; all-day DTEND strictly after DTSTART.
    for line in lines:
        if "VALUE=DATE" in line and not line.startswith("REFRESH"):
            assert "TZID" not in line, line
        if line.startswith("DTSTART;TZID=") or line.startswith("DTEND;TZID="):
            assert line.split(":", 1)[0].endswith("TZID=Asia/Shanghai"), line
    cal = Calendar.from_ical(body)
    uids = []
    for ev in cal.walk("VEVENT"):
        uids.append((str(ev["UID"]), ev.get("RECURRENCE-ID")))
        start, end = ev["DTSTART"].dt, ev["DTEND"].dt
        if not isinstance(start, datetime):
            assert not isinstance(end, datetime) and end > start
            assert ev["DTSTART"].params.get("VALUE") == "DATE" and ev["DTEND"].params.get("VALUE") == "DATE"
        else:
            assert end > start
        seq = int(ev["SEQUENCE"])
        assert 0 <= seq < 1000  # a small counter, never a timestamp
        assert re.fullmatch(r"\d{8}T\d{6}Z", ev["DTSTAMP"].to_ical().decode())
        assert "@" in str(ev["UID"])
    assert len(uids) == len(set(uids))
    return cal


def events_by_uid(body: bytes) -> dict[str, dict]:
    cal = Calendar.from_ical(body)
    return {str(ev["UID"]): ev for ev in cal.walk("VEVENT")}


def _days_of(start: date | datetime, end: date | datetime) -> Iterable[date]:
    if isinstance(start, datetime):
        d = start.date()
        while d <= end.date():
            yield d
            d += timedelta(days=1)
        return
    d = start
    while d < end:  # exclusive end
        yield d
        d += timedelta(days=1)


def python_days(body: bytes, start: date, end: date, *, uid_prefix: str = "") -> set[date]:
    """Days covered by (non-cancelled) events, expanded by recurring-ical-events."""
    cal = Calendar.from_ical(body)
    out: set[date] = set()
    for ev in recurring_ical_events.of(cal).between(start, end + timedelta(days=1)):
        if not str(ev["UID"]).startswith(uid_prefix) or str(ev.get("STATUS", "")) == "CANCELLED":
            continue
        out.update(d for d in _days_of(ev["DTSTART"].dt, ev["DTEND"].dt) if start <= d <= end)
    return out


def icaljs(body: bytes, start: date, end: date) -> dict:
    node = shutil.which("node")
    require(node is not None, "node is not installed")
    require((ROOT / "node_modules" / "ical.js").exists(), "ical.js missing: run `npm ci` (make install-test)")
    done = subprocess.run([node, str(ICALJS_SCRIPT), start.isoformat(), end.isoformat()], input=body,
                          capture_output=True, cwd=ROOT, timeout=60, check=False)
    assert done.returncode == 0, done.stderr.decode()
    return json.loads(done.stdout)


def icaljs_days(body: bytes, start: date, end: date, *, uid_prefix: str = "") -> set[date]:
    out: set[date] = set()
    for ev in icaljs(body, start, end)["events"]:
        if ev["uid"].startswith(uid_prefix) and ev["status"] != "CANCELLED":
            out.update(date.fromisoformat(d) for d in ev["days"])
    return out
