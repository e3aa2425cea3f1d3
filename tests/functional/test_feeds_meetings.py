"""Meetings and visits in personal feeds: hosts, bookers, attending departments and invited enterprises; timed
events in Asia/Shanghai read the same by icalendar and ical.js; reschedules bump SEQUENCE under the same UID;
cancelled meetings stay as STATUS:CANCELLED; an enterprise never learns who else was invited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import pytest

from operations import feeds as of
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.factories import create_user
from tests.feed_checks import assert_feed_rules, events_by_uid, icaljs, unfolded

world, today, mworld = qf.world, qf.today, mf.mworld


@pytest.fixture(autouse=True)
def _forget_renders():
    of.rendered.clear()  # ids start again at 1 in every test (see test_feeds.py)


def feed_path(client, mworld, user) -> str:
    resp = client.post("/api/v1/feed-token", headers=mworld.headers(user))
    assert resp.status_code == 201, resp.get_json()
    return "/" + resp.get_json()["url"].split("/", 3)[3]


def book(client, mworld, **kw) -> dict:
    data = {"kind": "breakfast", "title": "第一期政企早餐会", "starts_at": "2026-11-26T07:30:00+08:00",
            "ends_at": "2026-11-26T09:00:00+08:00", "venue": "市委小会议室", "host_ids": [mworld.mayor.id],
            "department_codes": ["zz-amr"], "capacity": 6, **kw}
    resp = client.post("/api/v1/meetings", json=data, headers=mworld.headers(mworld.sec))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def invite(client, mworld, meeting_id: int, ent) -> int:
    resp = client.post(f"/api/v1/meetings/{meeting_id}/invitations", json={"uscc": ent.uscc},
                       headers=mworld.headers(mworld.sec))
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()["id"]


def respond(client, mworld, user, invitation_id: int, response: str) -> None:
    resp = client.post(f"/api/v1/invitations/{invitation_id}/respond", json={"response": response},
                       headers=mworld.headers(user))
    assert resp.status_code == 200, resp.get_json()


def test_host_feed_reschedule_bumps_sequence_and_cancel_is_kept(client, mworld, monkeypatch):
    m = book(client, mworld)
    path = feed_path(client, mworld, mworld.mayor)
    first = client.get(path)
    body = first.data
    assert_feed_rules(body)
    lines = unfolded(body)
    uid = f"meeting-{m['id']}@localhost"
    assert f"UID:{uid}" in lines
    assert "DTSTART;TZID=Asia/Shanghai:20261126T073000" in lines
    assert "DTEND;TZID=Asia/Shanghai:20261126T090000" in lines
    assert "LOCATION:市委小会议室" in lines
    ev = events_by_uid(body)[uid]
    assert (int(ev["SEQUENCE"]), str(ev["STATUS"])) == (0, "CONFIRMED")
    # The same instant for both parsers: 07:30 in Shanghai is 23:30 UTC the day before.
    assert ev["DTSTART"].dt.astimezone(UTC) == datetime(2026, 11, 25, 23, 30, tzinfo=UTC)
    js = {e["uid"]: e for e in icaljs(body, qf.TODAY, qf.TODAY + timedelta(days=30))["events"]}
    assert js[uid]["start"] == "2026-11-26T07:30:00" and js[uid]["tzid"] == "Asia/Shanghai"

    sec = mworld.headers(mworld.sec)
    resp = client.patch(f"/api/v1/meetings/{m['id']}", json={"starts_at": "2026-11-26T08:00:00+08:00",
                                                              "ends_at": "2026-11-26T09:30:00+08:00"}, headers=sec)
    assert resp.status_code == 200, resp.get_json()
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    ev = events_by_uid(second.data)[uid]  # the same UID: clients move the event instead of adding one
    assert int(ev["SEQUENCE"]) == 1 and "DTSTART;TZID=Asia/Shanghai:20261126T080000" in unfolded(second.data)

    resp = client.post(f"/api/v1/meetings/{m['id']}/cancel", json={"reason": "领导出差"}, headers=sec)
    assert resp.status_code == 200, resp.get_json()
    third = client.get(path)
    ev = events_by_uid(third.data)[uid]
    assert (int(ev["SEQUENCE"]), str(ev["STATUS"])) == (2, "CANCELLED")
    assert "领导出差" in str(ev["DESCRIPTION"])
    assert js[uid]["status"] == "CONFIRMED"
    assert icaljs(third.data, qf.TODAY, qf.TODAY + timedelta(days=30))["events"][0]["status"] == "CANCELLED"
    stamps = [parsedate_to_datetime(r.headers["Last-Modified"]) for r in (first, second, third)]
    assert stamps == sorted(stamps)
    assert len({first.headers["ETag"], second.headers["ETag"], third.headers["ETag"]}) == 3
    # Unchanged since: a 304, served without rendering.
    monkeypatch.setattr(of.Feed, "render", lambda self, host: pytest.fail("rendered a 304"))
    assert client.get(path, headers={"If-None-Match": third.headers["ETag"]}).status_code == 304


def test_only_hosts_bookers_and_attending_departments_see_a_meeting(client, mworld):
    m = book(client, mworld)
    draft = book(client, mworld, title="草稿会议", status="draft", starts_at="2026-11-27T07:30:00+08:00",
                 ends_at="2026-11-27T09:00:00+08:00")
    amr_staff = create_user("department", department=mworld.qd.amr)
    em_staff = create_user("department", department=mworld.qd.em)
    other_sec = create_user("secretariat")
    for user, sees in ((mworld.mayor, True), (mworld.secretary, False), (mworld.sec, True), (other_sec, False),
                       (amr_staff, True), (em_staff, False)):
        body = client.get(feed_path(client, mworld, user)).data
        assert_feed_rules(body)
        uids = events_by_uid(body)
        assert (f"meeting-{m['id']}@localhost" in uids) is sees, user.name
        assert f"meeting-{draft['id']}@localhost" not in uids  # drafts are not published
    body = client.get(feed_path(client, mworld, mworld.mayor)).data.decode()
    assert "市长" in body  # hosts are named for the government side


def test_enterprise_sees_its_invitation_and_never_the_other_guests(client, mworld):
    m = book(client, mworld)
    mine, theirs = mworld.guests[0], mworld.guests[1]
    inv = invite(client, mworld, m["id"], mine)
    invite(client, mworld, m["id"], theirs)
    path = feed_path(client, mworld, mworld.guest_users[0])
    uid = f"meeting-{m['id']}@localhost"
    body = client.get(path).data
    assert_feed_rules(body)
    assert str(events_by_uid(body)[uid]["STATUS"]) == "TENTATIVE"  # invited, not answered yet
    text = "\n".join(unfolded(body))
    assert theirs.name not in text and (theirs.short_name or "@@") not in text
    respond(client, mworld, mworld.guest_users[0], inv, "accepted")
    ev = events_by_uid(client.get(path).data)[uid]
    assert str(ev["STATUS"]) == "CONFIRMED" and int(ev["SEQUENCE"]) == 0
    respond(client, mworld, mworld.guest_users[0], inv, "declined")
    ev = events_by_uid(client.get(path).data)[uid]
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 1
    # An enterprise that was not invited does not see the meeting at all.
    uninvited = client.get(feed_path(client, mworld, mworld.guest_users[2])).data
    assert uid not in events_by_uid(uninvited)
    # The host's feed lists the guests with their answers.
    host = client.get(feed_path(client, mworld, mworld.mayor)).data.decode()
    assert mine.name in "\n".join(unfolded(host.encode())) and theirs.name in "\n".join(unfolded(host.encode()))


def test_visit_on_a_protected_day_is_tentative_in_the_enterprises_feed(client, mworld):
    ent, user = mworld.guests[3], mworld.guest_users[3]
    visit = book(client, mworld, kind="visit", title="走访企业", uscc=ent.uscc, department_codes=[],
                 capacity=None, venue=None, starts_at="2026-11-24T10:00:00+08:00",
                 ends_at="2026-11-24T11:00:00+08:00")
    assert visit["status"] == "proposed"
    body = client.get(feed_path(client, mworld, user)).data
    assert_feed_rules(body)
    events = events_by_uid(body)
    ev = events[f"meeting-{visit['id']}@localhost"]
    assert str(ev["STATUS"]) == "TENTATIVE"
    # The same feed still says the day is protected: quiet days and appointments side by side.
    assert any(u.startswith(f"quiet-e{ent.id}-") for u in events)
    host = events_by_uid(client.get(feed_path(client, mworld, mworld.mayor)).data)
    assert ent.name in str(host[f"meeting-{visit['id']}@localhost"]["DESCRIPTION"])


def test_meetings_calendar_page_has_the_subscribe_panel(client, mworld):
    from tests.factories import login

    for user in (mworld.mayor, mworld.sec, mworld.guest_users[0]):
        login(client, user)
        html = client.get("/meetings").get_data(as_text=True)
        assert 'id="subscribe"' in html and 'action="/feeds/subscribe"' in html, user.role
        client.post("/logout")


def test_host_feed_follows_the_guest_list_and_ignores_other_meetings(client, mworld, monkeypatch):
    m = book(client, mworld)
    path = feed_path(client, mworld, mworld.mayor)
    first = client.get(path)
    inv = invite(client, mworld, m["id"], mworld.guests[0])
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200 and mworld.guests[0].name in "\n".join(unfolded(second.data))
    respond(client, mworld, mworld.guest_users[0], inv, "accepted")
    third = client.get(path, headers={"If-None-Match": second.headers["ETag"]})
    assert third.status_code == 200 and third.headers["ETag"] != second.headers["ETag"]
    # A meeting the mayor does not host changes the quick key only: same bytes, a 304 without rendering.
    book(client, mworld, title="另一场会议", host_ids=[mworld.secretary.id], venue="政务中心")
    monkeypatch.setattr(of.Feed, "render", lambda self, host: pytest.fail("rendered for an unrelated meeting"))
    assert client.get(path, headers={"If-None-Match": third.headers["ETag"]}).status_code == 304
