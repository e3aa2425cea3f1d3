"""The meetings API per API.md: shapes, conflicts (409 naming the other meeting), time zones, bad input on every
field (422 naming the field by its Chinese label, nothing changed), per-role access."""

from __future__ import annotations

import os
import time

import pytest

from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.factories import login

world = qf.world
today = qf.today
mworld = mf.mworld


def _booking(mworld, **kw):
    data = {"kind": "breakfast", "title": "第一期早餐会", "starts_at": "2026-11-26T07:30:00+08:00",
            "ends_at": "2026-11-26T09:00:00+08:00", "venue": "市委小会议室", "host_ids": [mworld.mayor.id],
            "department_codes": ["zz-amr"], "capacity": 6}
    data.update(kw)
    return {k: v for k, v in data.items() if v is not None}


def _post(client, mworld, path, body, user=None):
    return client.post(path, json=body, headers=mworld.headers(user or mworld.sec))


def test_series_and_meeting_contract(client, mworld):
    resp = _post(client, mworld, "/api/v1/meeting-series",
                 {"name": "政企早餐会", "jurisdiction_code": "430200", "kind": "breakfast", "default_capacity": 6})
    assert resp.status_code == 201 and resp.json["id"]
    resp = _post(client, mworld, "/api/v1/meetings",
                 _booking(mworld, series_id=resp.json["id"], kind=None, ends_at=None))
    assert resp.status_code == 201, resp.json
    body = resp.json
    assert (body["number"], body["status"], body["starts_at"]) == (1, "scheduled", "2026-11-26T07:30:00+08:00")
    assert body["ends_at"] == "2026-11-26T09:00:00+08:00"  # the series' 90 minutes
    got = client.get(f"/api/v1/meetings/{body['id']}", headers=mworld.headers(mworld.mayor))
    assert got.status_code == 200 and got.json["host_ids"] == [mworld.mayor.id]


def test_utc_input_lands_at_local_time_whatever_the_server_zone(client, mworld, monkeypatch):
    monkeypatch.setenv("TZ", "America/Los_Angeles")
    time.tzset()
    try:
        resp = _post(client, mworld, "/api/v1/meetings",
                     _booking(mworld, starts_at="2026-11-25T23:30:00+00:00", ends_at="2026-11-26T01:00:00Z"))
        assert resp.status_code == 201, resp.json
        assert resp.json["starts_at"] == "2026-11-26T07:30:00+08:00"
        naive = _post(client, mworld, "/api/v1/meetings",
                      _booking(mworld, starts_at="2026-11-27T07:30", ends_at="2026-11-27T09:00"))
        assert naive.json["starts_at"] == "2026-11-27T07:30:00+08:00"
        login(client, mworld.sec)
        page = client.get(f"/meetings/{resp.json['id']}").get_data(as_text=True)
        assert "2026-11-26 07:30–09:00" in page
        week = client.get("/meetings?view=week&date=2026-11-26").get_data(as_text=True)
        assert "07:30 第一期早餐会" in week
    finally:
        os.environ.pop("TZ", None)
        time.tzset()


def test_conflicts_409_name_the_other_meeting(client, mworld):
    first = _post(client, mworld, "/api/v1/meetings", _booking(mworld)).json
    resp = _post(client, mworld, "/api/v1/meetings",
                 _booking(mworld, title="另一场", venue="政务中心", starts_at="2026-11-26T08:00+08:00",
                          ends_at="2026-11-26T08:30+08:00"))
    assert resp.status_code == 409
    err = resp.json["error"]
    assert err["code"] == "host_conflict"
    assert "第一期早餐会" in err["message"] and "07:30" in err["message"]
    assert err["details"]["meeting"]["url"] == f"/meetings/{first['id']}"
    resp = _post(client, mworld, "/api/v1/meetings",
                 _booking(mworld, title="另一场", host_ids=[mworld.secretary.id]))
    assert (resp.status_code, resp.json["error"]["code"]) == (409, "venue_conflict")
    back_to_back = _booking(mworld, starts_at="2026-11-26T09:00+08:00", ends_at="2026-11-26T10:00+08:00")
    assert _post(client, mworld, "/api/v1/meetings", back_to_back).status_code == 201


def test_reschedule_cancel_and_sequence(client, mworld):
    a = _post(client, mworld, "/api/v1/meetings", _booking(mworld)).json
    b = _post(client, mworld, "/api/v1/meetings",
              _booking(mworld, venue="政务中心", starts_at="2026-11-26T10:00+08:00",
                       ends_at="2026-11-26T11:00+08:00")).json
    h = mworld.headers(mworld.sec)
    clash = client.patch(f"/api/v1/meetings/{b['id']}", json={"starts_at": "2026-11-26T08:00+08:00"}, headers=h)
    assert (clash.status_code, clash.json["error"]["code"]) == (409, "host_conflict")
    moved = client.patch(f"/api/v1/meetings/{b['id']}", json={"starts_at": "2026-11-26T09:00+08:00"}, headers=h)
    assert moved.status_code == 200
    assert (moved.json["ends_at"], moved.json["sequence"]) == ("2026-11-26T10:00:00+08:00", 1)
    bad = client.patch(f"/api/v1/meetings/{a['id']}", json={"ends_at": "2026-11-26T07:00+08:00"}, headers=h)
    assert (bad.status_code, bad.json["error"]["code"]) == (422, "end_before_start")
    assert "结束时间" in bad.json["error"]["message"] and "开始时间" in bad.json["error"]["message"]
    no_reason = client.post(f"/api/v1/meetings/{a['id']}/cancel", json={}, headers=h)
    assert no_reason.status_code == 422 and "理由" in no_reason.json["error"]["message"]
    done = client.post(f"/api/v1/meetings/{a['id']}/cancel", json={"reason": "领导出差"}, headers=h)
    assert (done.json["status"], done.json["cancel_reason"], done.json["sequence"]) == ("cancelled", "领导出差", 1)
    again = client.post(f"/api/v1/meetings/{a['id']}/cancel", json={"reason": "x"}, headers=h)
    assert (again.status_code, again.json["error"]["code"]) == (409, "invalid_state")
    assert "已取消" in again.json["error"]["message"]
    # The cancelled meeting is kept and frees its slot.
    assert client.get(f"/api/v1/meetings/{a['id']}", headers=h).json["status"] == "cancelled"
    assert _post(client, mworld, "/api/v1/meetings", _booking(mworld)).status_code == 201


BAD_FIELDS = [
    ("kind", "party", "会议类型"),
    ("title", "", "主题"),
    ("title", "x" * 301, "主题"),
    ("starts_at", "明天早上", "开始时间"),
    ("starts_at", "2026-13-01T07:30", "开始时间"),
    ("ends_at", 12, "结束时间"),
    ("ends_at", "2026-11-26T07:00+08:00", "结束时间"),
    ("venue", "x" * 201, "地点"),
    ("host_ids", [], "主持领导"),
    ("host_ids", "1", "主持领导"),
    ("host_ids", [999999], "用户"),
    ("department_codes", ["nope"], "部门"),
    ("capacity", 0, "嘉宾名额"),
    ("capacity", "six", "嘉宾名额"),
    ("series_id", 999, "会议系列"),
    ("uscc", "91430200MA0000000X", "企业"),
    ("status", "held", "草稿、已排期"),
]


@pytest.mark.parametrize(("field", "value", "label"), BAD_FIELDS, ids=[f"{b[0]}={b[1]!r}"[:40] for b in BAD_FIELDS])
def test_bad_input_on_every_field_is_422_in_chinese_and_changes_nothing(client, mworld, field, value, label):
    before = mf.counts()
    body = _booking(mworld)
    body[field] = value
    if field == "uscc":
        body["kind"] = "visit"
    resp = _post(client, mworld, "/api/v1/meetings", body)
    assert resp.status_code == 422, resp.json
    err = resp.json["error"]
    assert err["details"]["field"] == field
    assert label in err["message"], err["message"]
    assert field not in err["message"] or field == "status"
    assert mf.counts() == before


def test_unknown_field_and_malformed_body(client, mworld):
    before = mf.counts()
    assert _post(client, mworld, "/api/v1/meetings", {**_booking(mworld), "colour": "red"}).status_code == 422
    bad = client.post("/api/v1/meetings", data="{", headers={**mworld.headers(mworld.sec),
                                                               "Content-Type": "application/json"})
    assert bad.status_code == 400
    assert mf.counts() == before


def test_invitations_api_capacity_and_already_invited(client, mworld):
    m = _post(client, mworld, "/api/v1/meetings", _booking(mworld, capacity=2)).json
    path = f"/api/v1/meetings/{m['id']}/invitations"
    first = _post(client, mworld, path, {"uscc": mworld.guests[0].uscc, "representative": "董事长"})
    assert first.status_code == 201 and first.json["status"] == "invited"
    again = _post(client, mworld, path, {"uscc": mworld.guests[0].uscc})
    assert (again.status_code, again.json["error"]["code"]) == (409, "already_invited")
    assert _post(client, mworld, path, {"uscc": mworld.guests[1].uscc}).status_code == 201
    full = _post(client, mworld, path, {"uscc": mworld.guests[2].uscc})
    assert (full.status_code, full.json["error"]["code"]) == (409, "capacity_full")
    unknown = _post(client, mworld, path, {"uscc": "nope"})
    assert unknown.status_code == 422 and unknown.json["error"]["details"]["field"] == "uscc"


def test_enterprise_answers_only_its_own_invitation(client, mworld):
    m = _post(client, mworld, "/api/v1/meetings", _booking(mworld)).json
    inv = _post(client, mworld, f"/api/v1/meetings/{m['id']}/invitations", {"uscc": mworld.guests[0].uscc}).json
    _post(client, mworld, f"/api/v1/meetings/{m['id']}/invitations", {"uscc": mworld.guests[1].uscc})
    own, other = mworld.guest_users[0], mworld.guest_users[2]
    mworld.headers(other), mworld.headers(own)  # issue the tokens first: issuing one is an audited write
    before = mf.counts()
    assert client.get(f"/api/v1/invitations/{inv['id']}", headers=mworld.headers(other)).status_code == 403
    refused = _post(client, mworld, f"/api/v1/invitations/{inv['id']}/respond", {"response": "accepted"}, other)
    assert refused.status_code == 403
    assert client.get(f"/api/v1/meetings/{m['id']}", headers=mworld.headers(other)).status_code == 403
    assert mf.counts() == before
    bad = _post(client, mworld, f"/api/v1/invitations/{inv['id']}/respond", {"response": "maybe"}, own)
    assert bad.status_code == 422 and "答复" in bad.json["error"]["message"]
    ok = _post(client, mworld, f"/api/v1/invitations/{inv['id']}/respond",
               {"response": "accepted", "topics": "扩产用地；人才公寓"}, own)
    assert ok.status_code == 200 and ok.json["topics"] == "扩产用地；人才公寓"
    seen = client.get(f"/api/v1/meetings/{m['id']}", headers=mworld.headers(own)).json
    assert [i["uscc"] for i in seen["invitations"]] == [mworld.guests[0].uscc]  # never the other guests
    guests = client.get(f"/api/v1/meetings/{m['id']}/invitations", headers=mworld.headers(mworld.sec)).json
    assert guests["items"][0]["topics"] == "扩产用地；人才公寓"


ROLE_CASES = [
    ("official", "post", "/api/v1/meetings", 403),
    ("official", "patch", "/api/v1/meetings/{id}", 403),
    ("official", "post", "/api/v1/meetings/{id}/cancel", 403),
    ("official", "put", "/api/v1/meetings/{id}/minutes", 403),
    ("enterprise", "post", "/api/v1/meetings", 403),
    ("enterprise", "get", "/api/v1/meetings/{id}/minutes", 403),
    ("inspector", "get", "/api/v1/meetings", 403),
    ("department", "post", "/api/v1/meetings/{id}/invitations", 403),
    ("anonymous", "get", "/api/v1/meetings", 401),
]


@pytest.mark.parametrize(("role", "method", "path", "status"), ROLE_CASES)
def test_roles(client, mworld, role, method, path, status):
    m = _post(client, mworld, "/api/v1/meetings", _booking(mworld)).json
    users = {"official": mworld.mayor, "enterprise": mworld.guest_users[0], "inspector": mworld.qd.inspector}
    if role == "department":
        users["department"] = mf.create_user("department")
    headers = mworld.headers(users[role]) if role in users else {}  # issued before counting (audited)
    before = mf.counts()
    resp = getattr(client, method)(path.format(id=m["id"]), json={"reason": "x", "text": "x", "uscc": "x"},
                                   headers=headers)
    assert resp.status_code == status
    assert mf.counts() == before


def test_official_sees_own_meetings_only(client, mworld):
    _post(client, mworld, "/api/v1/meetings", _booking(mworld))
    mine = client.get("/api/v1/meetings", headers=mworld.headers(mworld.mayor)).json
    theirs = client.get("/api/v1/meetings", headers=mworld.headers(mworld.secretary)).json
    assert (mine["total"], theirs["total"]) == (1, 0)


def test_visit_proposed_accept_and_counter_proposal(client, mworld):
    ent_user = mworld.qd.enterprise_user
    body = _booking(mworld, kind="visit", uscc=mworld.qd.ent.uscc, venue=None, capacity=None,
                    starts_at="2026-11-24T15:00+08:00", ends_at="2026-11-24T16:00+08:00")
    visit = _post(client, mworld, "/api/v1/meetings", body).json
    assert (visit["status"], visit["on_protected_day"]) == ("proposed", True)
    other = _post(client, mworld, f"/api/v1/meetings/{visit['id']}/accept", {}, mworld.qd.other_enterprise_user)
    assert other.status_code == 403
    counter = _post(client, mworld, f"/api/v1/meetings/{visit['id']}/counter-proposal",
                    {"starts_at": "2026-11-26T15:00", "ends_at": "2026-11-26T16:00"}, ent_user)
    assert counter.json["counter_proposal"]["starts_at"] == "2026-11-26T15:00:00+08:00"
    accepted = _post(client, mworld, f"/api/v1/meetings/{visit['id']}/accept", {}, ent_user)
    assert accepted.json["status"] == "scheduled"
    thursday = _post(client, mworld, "/api/v1/meetings",
                     _booking(mworld, kind="visit", uscc=mworld.qd.ent.uscc, venue=None, capacity=None,
                              host_ids=[mworld.secretary.id]))
    assert thursday.json["status"] == "scheduled"


def test_minutes_api(client, mworld):
    m = _post(client, mworld, "/api/v1/meetings", _booking(mworld, starts_at="2026-11-19T07:30+08:00",
                                                          ends_at="2026-11-19T09:00+08:00")).json
    _post(client, mworld, f"/api/v1/meetings/{m['id']}/invitations", {"uscc": mworld.guests[0].uscc})
    h = mworld.headers(mworld.sec)
    assert client.post(f"/api/v1/meetings/{m['id']}/held", headers=h).json["status"] == "held"
    assert client.put(f"/api/v1/meetings/{m['id']}/minutes", json={"text": "一、用地"}, headers=h).json["number"] == 1
    assert client.put(f"/api/v1/meetings/{m['id']}/minutes", json={"text": "一、用地指标"},
                      headers=h).json["number"] == 2
    empty = client.put(f"/api/v1/meetings/{m['id']}/minutes", json={"text": " "}, headers=h)
    assert empty.status_code == 422 and "纪要内容" in empty.json["error"]["message"]
    diff = client.get(f"/api/v1/meetings/{m['id']}/minutes/diff?from=1&to=2", headers=h).json["diff"]
    assert "+一、用地指标" in diff
    issue = _post(client, mworld, f"/api/v1/meetings/{m['id']}/issues",
                  {"uscc": mworld.guests[0].uscc, "title": "扩产用地", "category": "land"})
    assert issue.status_code == 201 and issue.json["id"]
    official = client.get(f"/api/v1/meetings/{m['id']}/minutes", headers=mworld.headers(mworld.mayor)).json
    assert official["current"]["number"] == 2 and official["issues"][0]["id"] == issue.json["id"]


OTHER_BAD = [
    ("/api/v1/meeting-series", {"name": "", "jurisdiction_code": "430200", "kind": "breakfast"}, "name", "系列名称"),
    ("/api/v1/meeting-series", {"name": "会", "jurisdiction_code": "999999", "kind": "breakfast"},
     "jurisdiction_code", "999999"),
    ("/api/v1/meeting-series", {"name": "会", "jurisdiction_code": "430200", "kind": "dinner"}, "kind", "会议类型"),
    ("/api/v1/meeting-series", {"name": "会", "jurisdiction_code": "430200", "kind": "lunch",
                                "default_start_time": "7点半"}, "default_start_time", "默认开始时间"),
    ("/api/v1/meeting-series", {"name": "会", "jurisdiction_code": "430200", "kind": "lunch",
                                "default_capacity": -1}, "default_capacity", "默认嘉宾名额"),
    ("/api/v1/meetings/{id}/invitations", {"uscc": ""}, "uscc", "统一社会信用代码"),
    ("/api/v1/meetings/{id}/invitations", {"uscc": "x", "representative": "x" * 101}, "representative", "参会代表"),
    ("/api/v1/meetings/{id}/cancel", {"reason": "x" * 1001}, "reason", "理由"),
    ("/api/v1/meetings/{id}/issues", {"uscc": "x", "title": ""}, "title", "反映的问题"),
    ("/api/v1/meetings/{id}/issues", {"uscc": "x", "title": "t", "category": "food"}, "category", "用地"),
]


@pytest.mark.parametrize(("path", "body", "field", "label"), OTHER_BAD, ids=[f"{b[0]}:{b[2]}" for b in OTHER_BAD])
def test_bad_input_on_other_endpoints(client, mworld, path, body, field, label):
    m = _post(client, mworld, "/api/v1/meetings", _booking(mworld)).json
    before = mf.counts()
    resp = _post(client, mworld, path.format(id=m["id"]), body)
    assert resp.status_code == 422, resp.json
    assert resp.json["error"]["details"]["field"] == field
    assert label in resp.json["error"]["message"], resp.json["error"]["message"]
    assert mf.counts() == before


def test_across_midnight_conflicts_and_nested(client, mworld):
    late = _booking(mworld, title="夜间座谈", kind="symposium", starts_at="2026-11-26T22:00+08:00",
                    ends_at="2026-11-27T01:00+08:00")
    assert _post(client, mworld, "/api/v1/meetings", late).status_code == 201
    next_morning = _booking(mworld, title="凌晨", starts_at="2026-11-27T00:30+08:00", ends_at="2026-11-27T00:45+08:00")
    resp = _post(client, mworld, "/api/v1/meetings", next_morning)
    assert (resp.status_code, resp.json["error"]["code"]) == (409, "host_conflict")
    assert "2026-11-26 22:00–2026-11-27 01:00" in resp.json["error"]["message"]
    after = _booking(mworld, title="之后", starts_at="2026-11-27T01:00+08:00", ends_at="2026-11-27T02:00+08:00")
    assert _post(client, mworld, "/api/v1/meetings", after).status_code == 201
