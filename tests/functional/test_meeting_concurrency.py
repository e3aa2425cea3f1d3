"""Parallel requests against the meeting rules, on the database the suite runs on (SQLite file by default,
PostgreSQL with TEST_DATABASE_URL): each thread has its own app context and session, as a request in another
worker would. Exactly one of several conflicting bookings wins; capacity and "invited once" hold; 第N期 numbers
stay unique. One test removes the guard and shows the race it prevents is real (so the others can fail)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func, select

from extensions import db
from models import Invitation, Meeting, User
from operations import bookings, invitations, meetings
from operations.errors import DomainError
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.factories import create_user
from tests.parallel import outcome_codes, run_operations

world = qf.world
today = qf.today
mworld = mf.mworld
THREADS = 6


def _parallel(app, work, threads: int = THREADS):
    return run_operations(app, threads, work)


_codes = outcome_codes


def _meetings() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Meeting).where(Meeting.status != "cancelled"))


def _booker(sec_id: int, host_id: int, *, same_venue: bool) -> Callable[[int], object]:
    def work(i: int) -> object:
        sec = db.session.get(User, sec_id)
        venue = "市委小会议室" if same_venue else f"会议室{i}"
        return mf.book(sec, title=f"并行{i}", venue=venue, host_ids=[host_id],
                       starts_at=f"2026-11-26T07:{30 + i:02d}:00+08:00", ends_at="2026-11-26T09:00:00+08:00").id
    return work


def test_parallel_bookings_of_one_host_exactly_one_wins(app, mworld):
    results = _parallel(app, _booker(mworld.sec.id, mworld.mayor.id, same_venue=False))
    assert _codes(results) == ["host_conflict"] * (THREADS - 1) + ["ok"]
    assert {r.status for r in results if isinstance(r, DomainError)} == {409}
    assert _meetings() == 1


def test_parallel_bookings_of_one_venue_exactly_one_wins(app, mworld):
    officials = [mworld.mayor.id, mworld.secretary.id] + [
        create_user("official").id for _ in range(THREADS - 2)]
    sec_id = mworld.sec.id

    def work(i: int) -> object:
        return mf.book(db.session.get(User, sec_id), title=f"并行{i}", venue="市委小会议室",
                       host_ids=[officials[i]], starts_at="2026-11-26T07:30:00+08:00").id

    results = _parallel(app, work)
    assert _codes(results) == ["ok"] + ["venue_conflict"] * (THREADS - 1)
    assert _meetings() == 1


def test_without_the_guard_the_race_is_real(app, mworld, monkeypatch):
    """Proof that the two tests above can fail: with `meetings.guard` removed and every thread held until all
    have passed the conflict check, more than one conflicting booking gets in (or the database refuses with
    an error that is not a clean 409). Restoring the guard is what makes exactly one win."""
    monkeypatch.setattr(meetings, "guard", lambda *a, **k: None)
    monkeypatch.setattr(bookings, "guard", lambda *a, **k: None)
    gate = threading.Barrier(THREADS, timeout=20)
    original = bookings._check_conflicts

    def check_then_wait(slot):
        original(slot)
        gate.wait()

    monkeypatch.setattr(bookings, "_check_conflicts", check_then_wait)
    results = _parallel(app, _booker(mworld.sec.id, mworld.mayor.id, same_venue=False))
    assert _codes(results) != ["host_conflict"] * (THREADS - 1) + ["ok"]


def test_parallel_series_bookings_get_distinct_numbers(app, mworld):
    officials = [create_user("official").id for _ in range(THREADS)]
    sec_id, series_id = mworld.sec.id, mworld.series.id

    def work(i: int) -> object:
        return mf.book(db.session.get(User, sec_id), series_id=series_id, venue=f"会议室{i}",
                       host_ids=[officials[i]], starts_at=f"2026-12-{i + 1:02d}T07:30:00+08:00",
                       ends_at=None).number

    results = _parallel(app, work)
    assert sorted(results) == list(range(1, THREADS + 1))


def test_parallel_invitations_respect_capacity(app, mworld):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], capacity=2)
    sec_id, meeting_id = mworld.sec.id, m.id
    usccs = [g.uscc for g in mworld.guests]

    def work(i: int) -> object:
        return invitations.invite(db.session.get(User, sec_id), meeting_id, {"uscc": usccs[i]}).id

    results = _parallel(app, work)
    assert _codes(results) == ["capacity_full"] * (THREADS - 2) + ["ok"] * 2
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 2


def test_parallel_invitations_of_one_enterprise_exactly_one(app, mworld):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], capacity=50)
    sec_id, meeting_id, uscc = mworld.sec.id, m.id, mworld.guests[0].uscc

    def work(_i: int) -> object:
        return invitations.invite(db.session.get(User, sec_id), meeting_id, {"uscc": uscc}).id

    results = _parallel(app, work)
    assert _codes(results) == ["already_invited"] * (THREADS - 1) + ["ok"]
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Invitation)) == 1


def test_parallel_reschedules_into_one_slot_exactly_one_wins(app, mworld):
    """Each thread moves its own meeting (same host, different days) onto the same morning."""
    sec_id = mworld.sec.id
    ids = [mf.book(mworld.sec, title=f"会{i}", venue=f"会议室{i}", host_ids=[mworld.mayor.id],
                   starts_at=f"2026-12-{i + 1:02d}T07:30:00+08:00", ends_at=f"2026-12-{i + 1:02d}T09:00:00+08:00").id
           for i in range(THREADS)]

    def work(i: int) -> object:
        return bookings.reschedule(db.session.get(User, sec_id), ids[i],
                                   {"starts_at": "2026-12-20T07:30:00+08:00", "ends_at": "2026-12-20T09:00:00+08:00"})

    results = _parallel(app, work)
    assert _codes(results) == ["host_conflict"] * (THREADS - 1) + ["ok"]
    db.session.expire_all()
    moved = db.session.scalars(select(Meeting).where(Meeting.starts_at == datetime(2026, 12, 19, 23, 30))).all()
    assert len(moved) == 1 and moved[0].sequence == 1
