"""The meeting operations (operations/bookings, invitations, minutes, visits) called directly, as the API,
pages, CLI and demo call them."""

from __future__ import annotations

import pytest

from extensions import db
from models import Invitation, Meeting, MinutesIssue
from operations import bookings, invitations, minutes, notices, visits
from operations.errors import DomainError
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf

world = qf.world
today = qf.today
mworld = mf.mworld


def test_series_numbers_sessions_and_never_reuses_a_number(mworld):
    sec = mworld.sec
    first = mf.book(sec, series_id=mworld.series.id, kind=None, host_ids=[mworld.mayor.id], ends_at=None)
    assert (first.number, first.kind, first.venue, first.capacity) == (1, "breakfast", "市委小会议室", 6)
    assert mf.book(sec, series_id=mworld.series.id, host_ids=[mworld.mayor.id],
                   starts_at="2026-12-03T07:30:00+08:00", ends_at=None).number == 2
    bookings.cancel(sec, first.id, {"reason": "市长临时出差"})
    third = mf.book(sec, series_id=mworld.series.id, host_ids=[mworld.mayor.id], ends_at=None)
    assert third.number == 3  # number 1 was cancelled and is not handed out again
    cancelled = db.session.get(Meeting, first.id)
    assert (cancelled.status, cancelled.cancel_reason, cancelled.sequence) == ("cancelled", "市长临时出差", 1)


def test_series_end_follows_from_duration_and_local_time(mworld):
    m = mf.book(mworld.sec, series_id=mworld.series.id, host_ids=[mworld.mayor.id], ends_at=None,
                starts_at="2026-11-25T23:30:00+00:00")
    # 23:30 UTC is 07:30 the next morning in Zhuzhou.
    assert bookings.to_json(m)["starts_at"] == "2026-11-26T07:30:00+08:00"
    assert bookings.to_json(m)["ends_at"] == "2026-11-26T09:00:00+08:00"


def test_host_conflict_names_the_other_meeting(mworld):
    first = mf.book(mworld.sec, title="第一场", host_ids=[mworld.mayor.id])
    with pytest.raises(DomainError) as caught:
        mf.book(mworld.sec, title="第二场", venue="另一会议室", host_ids=[mworld.mayor.id, mworld.secretary.id],
                starts_at="2026-11-26T08:00:00+08:00", ends_at="2026-11-26T10:00:00+08:00")
    err = caught.value
    assert (err.code, err.status) == ("host_conflict", 409)
    assert "第一场" in err.message and "2026-11-26 07:30–09:00" in err.message
    assert f"/meetings/{first.id}" in err.message
    assert err.details["meeting"]["id"] == first.id


def test_back_to_back_is_fine_and_venue_conflict_is_refused(mworld):
    mf.book(mworld.sec, host_ids=[mworld.mayor.id])
    mf.book(mworld.sec, host_ids=[mworld.mayor.id], starts_at="2026-11-26T09:00:00+08:00",
            ends_at="2026-11-26T10:00:00+08:00")
    with pytest.raises(DomainError) as caught:
        mf.book(mworld.sec, host_ids=[mworld.secretary.id], venue=" 市委小会议室 ",
                starts_at="2026-11-26T08:59:00+08:00", ends_at="2026-11-26T09:30:00+08:00")
    assert caught.value.code == "venue_conflict"


def test_invitations_capacity_twice_and_answers(mworld):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], capacity=2)
    a, b, c = mworld.guests[:3]
    inv = invitations.invite(mworld.sec, m.id, {"uscc": a.uscc, "representative": "董事长"})
    with pytest.raises(DomainError) as caught:
        invitations.invite(mworld.sec, m.id, {"uscc": a.uscc})
    assert caught.value.code == "already_invited"
    invitations.invite(mworld.sec, m.id, {"uscc": b.uscc})
    with pytest.raises(DomainError) as caught:
        invitations.invite(mworld.sec, m.id, {"uscc": c.uscc})
    assert caught.value.code == "capacity_full"
    answered = invitations.respond(mworld.guest_users[0], inv.id, {"response": "accepted", "topics": "用地指标"})
    assert (answered.status, answered.topics) == ("accepted", "用地指标")
    with pytest.raises(DomainError) as caught:
        invitations.respond(mworld.guest_users[1], inv.id, {"response": "declined"})
    assert caught.value.status == 403
    assert [n.kind for n in notices.for_user(mworld.guest_users[0])] == ["invited"]


def test_visit_on_a_protected_day_is_proposed_until_accepted(mworld):
    ent, user = mworld.qd.ent, mworld.qd.enterprise_user
    m = mf.book(mworld.sec, kind="visit", uscc=ent.uscc, venue=None, host_ids=[mworld.mayor.id],
                starts_at="2026-11-24T15:00:00+08:00", ends_at="2026-11-24T16:00:00+08:00")
    assert (m.status, m.on_protected_day) == ("proposed", True)
    visits.counter_propose(user, m.id, {"starts_at": "2026-11-26T15:00", "ends_at": "2026-11-26T16:00",
                                        "note": "周四更方便"})
    moved = bookings.reschedule(mworld.sec, m.id, {"starts_at": "2026-11-26T15:00",
                                                   "ends_at": "2026-11-26T16:00"})
    assert (moved.status, moved.on_protected_day, moved.sequence) == ("scheduled", False, 1)
    other = mf.book(mworld.sec, kind="visit", uscc=ent.uscc, venue=None, host_ids=[mworld.secretary.id],
                    starts_at="2026-11-23T10:00:00+08:00", ends_at="2026-11-23T11:00:00+08:00")
    assert visits.accept(user, other.id).status == "scheduled"


def test_minutes_revisions_diff_and_issues(mworld, monkeypatch):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], starts_at="2026-11-19T07:30", ends_at="2026-11-19T09:00")
    invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc})
    bookings.mark_held(mworld.sec, m.id)
    minutes.save(mworld.sec, m.id, {"text": "一、用地\n二、融资"})
    minutes.save(mworld.sec, m.id, {"text": "一、用地指标\n二、融资"})
    assert [r.number for r in minutes.revisions(m.id)] == [1, 2]
    lines = minutes.diff(m.id, 1, 2)
    assert "-一、用地" in lines and "+一、用地指标" in lines
    issue = minutes.add_issue(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc, "title": "扩产用地",
                                                 "category": "land"})
    assert db.session.get(MinutesIssue, issue.id).enterprise_id == mworld.guests[0].id
    with pytest.raises(DomainError) as caught:
        minutes.add_issue(mworld.sec, m.id, {"uscc": mworld.guests[1].uscc, "title": "x"})
    assert caught.value.code == "not_a_guest"


def test_reschedule_tells_hosts_and_invitees_and_keeps_capacity_above_invited(mworld):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], capacity=3)
    for guest in mworld.guests[:2]:
        invitations.invite(mworld.sec, m.id, {"uscc": guest.uscc})
    with pytest.raises(DomainError) as caught:
        bookings.reschedule(mworld.sec, m.id, {"capacity": 1})
    assert (caught.value.code, caught.value.details["field"]) == ("capacity_below_invited", "capacity")
    bookings.reschedule(mworld.sec, m.id, {"starts_at": "2026-11-27T07:30", "host_ids": [mworld.secretary.id]})
    kinds = {u.id: [n.kind for n in notices.for_user(u)] for u in
             (mworld.mayor, mworld.secretary, mworld.guest_users[0], mworld.guest_users[2])}
    assert "meeting_changed" in kinds[mworld.mayor.id]  # the host who was taken off is told too
    assert "meeting_changed" in kinds[mworld.secretary.id]
    assert "meeting_changed" in kinds[mworld.guest_users[0].id]
    assert kinds[mworld.guest_users[2].id] == []  # not invited


def test_declining_frees_the_seat_and_accepting_again_needs_one(mworld):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], capacity=1)
    first = invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc})
    invitations.respond(mworld.guest_users[0], first.id, {"response": "declined"})
    invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[1].uscc})
    with pytest.raises(DomainError) as caught:
        invitations.respond(mworld.guest_users[0], first.id, {"response": "accepted"})
    assert caught.value.code == "capacity_full"
    assert db.session.get(Invitation, first.id).status == "declined"


def test_department_sees_the_meetings_it_attends(mworld):
    from operations import meetings
    from tests.factories import create_user

    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id], department_codes=["zz-amr"])
    amr_user = create_user("department", department=mworld.qd.amr)
    em_user = create_user("department", department=mworld.qd.em)
    assert meetings.can_see(amr_user, m) and not meetings.can_see(em_user, m)
    assert [x.id for x in db.session.scalars(meetings.visible_statement(amr_user))] == [m.id]
    assert list(db.session.scalars(meetings.visible_statement(em_user))) == []


def test_cancelled_meeting_cannot_be_invited_to_or_answered(mworld):
    m = mf.book(mworld.sec, host_ids=[mworld.mayor.id])
    inv = invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc})
    bookings.cancel(mworld.sec, m.id, {"reason": "改期"})
    before = mf.counts()
    with pytest.raises(DomainError) as caught:
        invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[1].uscc})
    assert caught.value.code == "invalid_state" and "已取消" in caught.value.message
    with pytest.raises(DomainError):
        invitations.respond(mworld.guest_users[0], inv.id, {"response": "accepted"})
    assert mf.counts() == before
