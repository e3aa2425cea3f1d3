"""Meeting pages per role: they render, call the same operations as the API, refuse what a role may not do,
and show refusals in Chinese without changing anything."""

from __future__ import annotations

import pytest

from extensions import db
from models import Invitation, Meeting
from operations import invitations
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.factories import login

world = qf.world
today = qf.today
mworld = mf.mworld


@pytest.fixture
def booked(mworld):
    m = mf.book(mworld.sec, title="第一期早餐会", host_ids=[mworld.mayor.id], capacity=6)
    inv = invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[0].uscc, "representative": "李董事长"})
    invitations.invite(mworld.sec, m.id, {"uscc": mworld.guests[1].uscc})
    return m, inv


def _text(resp) -> str:
    return resp.get_data(as_text=True)


def test_secretariat_books_through_the_form(client, mworld):
    login(client, mworld.sec)
    assert client.get("/meetings/new").status_code == 200
    resp = client.post("/meetings/new", data={
        "kind": "breakfast", "title": "政企早餐会", "starts_at": "2026-11-26T07:30", "ends_at": "2026-11-26T09:00",
        "venue": "市委小会议室", "capacity": "6", "host_ids": [str(mworld.mayor.id)], "department_codes": ["zz-amr"]})
    assert resp.status_code == 302, _text(resp)
    m = db.session.query(Meeting).one()
    assert (m.title, [h.id for h in m.hosts], m.capacity) == ("政企早餐会", [mworld.mayor.id], 6)
    page = client.get(resp.headers["Location"])
    assert "2026-11-26 07:30–09:00" in _text(page)


def test_form_refusals_name_the_field_in_chinese_and_change_nothing(client, mworld):
    mf.book(mworld.sec, title="已有的会", host_ids=[mworld.mayor.id])
    login(client, mworld.sec)
    before = mf.counts()
    base = {"kind": "breakfast", "title": "新会", "starts_at": "2026-11-26T08:00", "ends_at": "2026-11-26T07:00",
            "venue": "别处", "host_ids": [str(mworld.mayor.id)]}
    resp = client.post("/meetings/new", data=base)
    assert resp.status_code == 422 and "结束时间必须晚于开始时间" in _text(resp)
    resp = client.post("/meetings/new", data={**base, "ends_at": "2026-11-26T10:00"})
    assert resp.status_code == 409 and "已有的会" in _text(resp) and "主持" in _text(resp)
    assert 'id="conflict-link"' in _text(resp) and "查看冲突的会议" in _text(resp)
    resp = client.post("/meetings/new", data={**base, "title": ""})
    assert resp.status_code == 422 and "主题" in _text(resp)
    assert mf.counts() == before


def test_booking_form_shows_the_enterprise_quiet_days(client, mworld):
    login(client, mworld.sec)
    resp = client.get(f"/meetings/new?kind=visit&uscc={mworld.qd.ent.uscc}&starts_at=2026-11-24T15:00")
    text = _text(resp)
    assert 'id="quiet-days"' in text
    assert 'data-date="2026-11-23"' in text and "宁静日" in text


def test_calendar_month_and_week_per_role(client, mworld, booked):
    m, _inv = booked
    login(client, mworld.sec)
    month = _text(client.get("/meetings?month=2026-11"))
    assert f'data-meeting="{m.id}"' in month and "已排期" in month
    week = _text(client.get("/meetings?view=week&date=2026-11-26"))
    assert f'data-meeting="{m.id}"' in week
    assert client.get("/meetings?month=2026-13").status_code == 422
    client.post("/logout")
    login(client, mworld.secretary)  # an official who does not host it
    assert f'data-meeting="{m.id}"' not in _text(client.get("/meetings?month=2026-11"))
    client.post("/logout")
    login(client, mworld.guest_users[0])
    assert f'data-meeting="{m.id}"' in _text(client.get("/meetings?month=2026-11"))
    client.post("/logout")
    login(client, mworld.guest_users[3])  # not invited
    assert f'data-meeting="{m.id}"' not in _text(client.get("/meetings?month=2026-11"))
    assert client.get(f"/meetings/{m.id}").status_code == 403


def test_official_cannot_edit(client, mworld, booked):
    m, _inv = booked
    login(client, mworld.mayor)
    assert client.get(f"/meetings/{m.id}").status_code == 200
    before = mf.counts()
    assert client.get(f"/meetings/{m.id}/edit").status_code == 403
    assert client.post(f"/meetings/{m.id}/cancel", data={"reason": "x"}).status_code == 403
    assert client.post(f"/meetings/{m.id}/invite", data={"uscc": mworld.guests[2].uscc}).status_code == 403
    assert client.post(f"/meetings/{m.id}/minutes", data={"text": "x"}).status_code == 403
    assert client.get("/meetings/new").status_code == 403
    assert mf.counts() == before


def test_enterprise_answers_its_invitation_and_not_another(client, mworld, booked):
    m, inv = booked
    other_inv = db.session.query(Invitation).filter(Invitation.id != inv.id).one()
    login(client, mworld.guest_users[0])
    page = _text(client.get(f"/meetings/{m.id}"))
    assert 'id="my-invitation"' in page
    assert mworld.guests[1].name not in page  # never the other guests
    before = mf.counts()
    assert client.post(f"/invitations/{other_inv.id}/respond", data={"response": "accepted"}).status_code == 403
    assert mf.counts() == before
    resp = client.post(f"/invitations/{inv.id}/respond", data={"response": "accepted", "topics": "用地指标"})
    assert resp.status_code == 302
    db.session.expire_all()
    assert (db.session.get(Invitation, inv.id).status, db.session.get(Invitation, inv.id).topics) == (
        "accepted", "用地指标")


def test_guest_list_search_invite_and_print(client, mworld, booked):
    m, inv = booked
    invitations.respond(mworld.guest_users[0], inv.id, {"response": "accepted", "topics": "扩产用地"})
    login(client, mworld.sec)
    found = _text(client.get(f"/meetings/{m.id}?q=旗滨"))
    assert mworld.guests[2].uscc in found
    assert mworld.guests[3].uscc in _text(client.get(f"/meetings/{m.id}?q={mworld.guests[3].uscc[:12]}"))
    resp = client.post(f"/meetings/{m.id}/invite", data={"uscc": mworld.guests[2].uscc, "representative": "张总"})
    assert resp.status_code == 302
    again = client.post(f"/meetings/{m.id}/invite", data={"uscc": mworld.guests[2].uscc})
    assert again.status_code == 409 and "已受邀" in _text(again)
    sheet = _text(client.get(f"/meetings/{m.id}/guests/print"))
    assert "扩产用地" in sheet and "李董事长" in sheet and "place-card" in sheet and "meetings-print.css" in sheet


def test_minutes_page_revisions_diff_issue(client, mworld, booked):
    m, _inv = booked
    login(client, mworld.sec)
    assert client.post(f"/meetings/{m.id}/minutes", data={"text": "一、用地"}).status_code == 302
    assert client.post(f"/meetings/{m.id}/minutes", data={"text": "一、用地指标"}).status_code == 302
    diff = _text(client.get(f"/meetings/{m.id}/minutes?from=1&to=2"))
    assert 'id="diff"' in diff and "+一、用地指标" in diff
    bad = client.post(f"/meetings/{m.id}/issues", data={"uscc": mworld.guests[0].uscc, "title": ""})
    assert bad.status_code == 422 and "反映的问题为必填项" in _text(bad).replace(" ", "")
    ok = client.post(f"/meetings/{m.id}/issues", data={"uscc": mworld.guests[0].uscc, "title": "扩产用地",
                                                        "category": "land"})
    assert ok.status_code == 302
    assert "扩产用地" in _text(client.get(f"/meetings/{m.id}/minutes"))


def test_visit_accept_page(client, mworld):
    visit = mf.book(mworld.sec, kind="visit", uscc=mworld.qd.ent.uscc, venue=None, host_ids=[mworld.mayor.id],
                    starts_at="2026-11-24T15:00", ends_at="2026-11-24T16:00")
    login(client, mworld.qd.enterprise_user)
    assert 'id="visit-answer"' in _text(client.get(f"/meetings/{visit.id}"))
    resp = client.post(f"/meetings/{visit.id}/counter-proposal", data={"starts_at": "2026-11-26T15:00",
                                                                       "ends_at": "2026-11-26T14:00"})
    assert resp.status_code == 422 and "结束时间" in _text(resp)
    assert client.post(f"/meetings/{visit.id}/accept").status_code == 302
    db.session.expire_all()
    assert db.session.get(Meeting, visit.id).status == "scheduled"


def test_series_page_dashboard_and_notices(client, mworld, booked):
    login(client, mworld.sec)
    assert "株洲市政企" in _text(client.get("/meeting-series"))
    bad = client.post("/meeting-series", data={"name": "", "jurisdiction_code": "430200", "kind": "breakfast"})
    assert bad.status_code == 422 and "系列名称" in _text(bad)
    client.post("/logout")
    login(client, mworld.guest_users[0])
    dash = _text(client.get("/"))
    assert 'id="next-meetings"' in dash and "第一期早餐会" in dash
    assert "第一期早餐会" in _text(client.get("/notices"))
    assert client.post("/notices").status_code == 302


@pytest.fixture
def csrf_client(app):
    from app import create_app

    served = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING",
                                                       "SERVER_NAME")}, "WTF_CSRF_ENABLED": True})
    return served.test_client()


def _token(client, path: str) -> str:
    return client.get(path).get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1].split('"')[0]


def test_meeting_forms_refuse_a_post_without_csrf_token(csrf_client, mworld, booked):
    m, _inv = booked
    token = _token(csrf_client, "/login")
    csrf_client.post("/login", data={"email": mworld.sec.email, "password": "correct horse battery",
                                     "csrf_token": token})
    before = mf.counts()
    form = {"kind": "breakfast", "title": "无令牌", "starts_at": "2026-11-27T07:30", "ends_at": "2026-11-27T09:00",
            "host_ids": [str(mworld.secretary.id)]}
    assert csrf_client.post("/meetings/new", data=form).status_code == 400
    assert csrf_client.post(f"/meetings/{m.id}/cancel", data={"reason": "x"}).status_code == 400
    assert csrf_client.post(f"/meetings/{m.id}/invite", data={"uscc": mworld.guests[4].uscc}).status_code == 400
    assert csrf_client.post(f"/meetings/{m.id}/minutes", data={"text": "x"}).status_code == 400
    assert mf.counts() == before
    good = csrf_client.post("/meetings/new", data={**form, "csrf_token": _token(csrf_client, "/meetings/new")})
    assert good.status_code == 302


def test_secretariat_takes_the_enterprise_proposed_time(client, mworld):
    visit = mf.book(mworld.sec, kind="visit", uscc=mworld.qd.ent.uscc, venue=None, host_ids=[mworld.mayor.id],
                    starts_at="2026-11-24T15:00", ends_at="2026-11-24T16:00")
    from operations import visits

    visits.counter_propose(mworld.qd.enterprise_user, visit.id, {"starts_at": "2026-11-26T10:00",
                                                                 "ends_at": "2026-11-26T11:00"})
    login(client, mworld.sec)
    assert 'id="use-counter"' in _text(client.get(f"/meetings/{visit.id}"))
    form = _text(client.get(f"/meetings/{visit.id}/edit?use_counter=1"))
    assert 'value="2026-11-26T10:00"' in form and 'value="2026-11-26T11:00"' in form
    resp = client.post(f"/meetings/{visit.id}/edit", data={
        "title": visit.title, "starts_at": "2026-11-26T10:00", "ends_at": "2026-11-26T11:00",
        "host_ids": [str(mworld.mayor.id)]})
    assert resp.status_code == 302
    db.session.expire_all()
    moved = db.session.get(Meeting, visit.id)
    assert (moved.status, moved.sequence, moved.counter_starts_at) == ("scheduled", 1, None)


def test_visit_form_finds_the_enterprise_by_short_name(client, mworld):
    login(client, mworld.sec)
    page = _text(client.get("/meetings/new?kind=visit&q=千金药业"))
    assert 'id="quiet-days"' in page and mworld.guests[1].uscc in page
    several = _text(client.get("/meetings/new?kind=visit&q=股份"))
    assert several.count("/meetings/new?kind=visit&amp;uscc=") >= 2


@pytest.mark.parametrize("path", ["/meetings", "/meetings/new", "/meeting-series", "/meetings/{id}",
                                  "/meetings/{id}/minutes", "/meetings/{id}/guests/print"])
def test_pages_refuse_inspectors_and_send_strangers_to_login(client, mworld, booked, path):
    m, _inv = booked
    url = path.format(id=m.id)
    assert client.get(url).status_code == 302  # not signed in: to the login page
    login(client, mworld.qd.inspector)
    assert client.get(url).status_code == 403


def test_the_secretariat_hears_of_a_counter_proposal(mworld):
    from operations import notices, visits

    visit = mf.book(mworld.sec, kind="visit", uscc=mworld.qd.ent.uscc, venue=None, host_ids=[mworld.mayor.id],
                    starts_at="2026-11-24T15:00", ends_at="2026-11-24T16:00")
    visits.counter_propose(mworld.qd.enterprise_user, visit.id, {"starts_at": "2026-11-26T10:00",
                                                                 "ends_at": "2026-11-26T11:00"})
    assert "visit_counter" in [n.kind for n in notices.for_user(mworld.sec)]
    assert "visit_counter" in [n.kind for n in notices.for_user(mworld.mayor)]
