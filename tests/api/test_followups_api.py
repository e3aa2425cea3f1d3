"""Follow-up API (API.md "Follow-up items"): assignment, the loop, role isolation, extensions, supervision,
warnings with a frozen today, and refusals that change nothing."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from extensions import db
from models import AuditLog
from models.followup import FollowUp
from operations import followup_loop
from tests import followups_fixtures as ff
from tests.factories import login

fu_world = ff.fu_world
D = date


def _post(client, w, user, item_id, action, body=None):
    return client.post(f"/api/v1/follow-ups/{item_id}/{action}", json=body if body is not None else {},
                       headers=w.headers(user))


def _get(client, w, user, item_id):
    return client.get(f"/api/v1/follow-ups/{item_id}", headers=w.headers(user))


# ------------------------------------------------------------------------------------------ assignment


def test_assign_computes_due_date_from_level_and_calendar(client, fu_world):
    w = fu_world
    out = w.create(client)
    assert out["status"] == "assigned"
    # Thu 2026-11-19 + 5 working days: Fri 20, Mon 23 … Thu 26.
    assert out["due_date"] == "2026-11-26"
    assert out["warning"] is None
    assert out["lead_department"] == "zz-nr" and out["assist_departments"] == ["zz-hr"]
    assert [e["kind"] for e in out["history"]] == ["assigned"]
    joint = w.create(client, level="joint")
    assert joint["due_date"] == "2026-12-10"


def test_backdated_assignment_over_national_day(client, fu_world):
    out = fu_world.create(client, assigned_on="2026-09-28")
    assert out["due_date"] == "2026-10-10"  # Sat Oct 10 is a make-up working day
    assert out["warning"] == "red"  # long overdue on 2026-11-19


def test_explicit_workdays_win_over_the_level(client, fu_world):
    out = fu_world.create(client, level="leader", workdays=2)
    assert out["due_date"] == "2026-11-23" and out["workdays"] == 2
    assert out["warning"] == "yellow"  # 2 working days remain


def test_assignment_uses_an_admin_notice_for_an_unknown_year(client, fu_world):
    w = fu_world
    w.set_today(D(2031, 9, 26))
    resp = client.put("/api/v1/calendar/2031", headers=w.headers(w.admin), json={
        "holidays": [f"2031-10-0{d}" for d in range(1, 8)], "workdays": ["2031-09-28", "2031-10-11"]})
    assert resp.status_code in (200, 201), resp.get_json()
    out = w.create(client)
    assert out["due_date"] == "2031-10-09" and out["calendar_fallback"] is False


def test_a_year_without_notice_says_its_due_date_is_counted_monday_to_friday(client, fu_world):
    w = fu_world
    w.set_today(D(2032, 3, 1))
    out = w.create(client)
    assert out["due_date"] == "2032-03-08" and out["calendar_fallback"] is True
    login(client, w.secretariat)
    assert "calendar-fallback" in client.get(f"/follow-ups/{out['id']}").get_data(as_text=True)


@pytest.mark.parametrize(
    ("over", "field", "code"),
    [
        ({"level": "urgent"}, "level", "invalid_field"),
        ({"lead_department": "zz-nope"}, "lead_department", "unknown_department"),
        ({"lead_department": None}, "lead_department", "missing_field"),
        ({"assist_departments": ["zz-nr"]}, "assist_departments", "invalid_field"),
        ({"uscc": "91430200MA0000000X"}, "uscc", "unknown_enterprise"),
        ({"title": ""}, "title", "missing_field"),
        ({"workdays": 0}, "workdays", "invalid_field"),
        ({"workdays": "五"}, "workdays", "invalid_field"),
        ({"assigned_on": "2026-11-20"}, "assigned_on", "invalid_field"),
        ({"assigned_on": "2026-13-01"}, "assigned_on", "invalid_field"),
        ({"source": "fax"}, "source", "invalid_field"),
        ({"source": "hotline"}, "meeting_id", "invalid_field"),
        ({"category": "weather"}, "category", "invalid_field"),
        ({"colour": "red"}, "colour", "unknown_field"),
    ],
)
def test_bad_assignment_is_a_clear_422_and_changes_nothing(client, fu_world, over, field, code):
    w = fu_world
    before = ff.counts()
    resp = client.post("/api/v1/follow-ups", json=w.payload(**over), headers=w.headers(w.secretariat))
    assert resp.status_code == 422, resp.get_json()
    err = resp.get_json()["error"]
    assert err["code"] == code and err["details"]["field"] == field
    assert field not in err["message"] or field in ("colour",), err["message"]  # named by its Chinese label
    assert ff.counts() == before


def test_chinese_message_names_the_field_by_its_label(client, fu_world):
    w = fu_world
    resp = client.post("/api/v1/follow-ups", json=w.payload(title=""), headers=w.headers(w.secretariat))
    message = resp.get_json()["error"]["message"]
    assert message == "问题标题为必填项。" or "问题标题" in message, message


def test_enterprise_submits_its_own_request_only(client, fu_world):
    w = fu_world
    body = {"uscc": w.ent.uscc, "title": "用电增容", "lead_department": w.lead.code, "category": "utilities"}
    resp = client.post("/api/v1/follow-ups", json=body, headers=w.headers(w.enterprise_user))
    assert resp.status_code == 201 and resp.get_json()["source"] == "request"
    before = ff.counts()
    resp = client.post("/api/v1/follow-ups", json={**body, "uscc": w.other_ent.uscc},
                       headers=w.headers(w.enterprise_user))
    assert resp.status_code == 403
    resp = client.post("/api/v1/follow-ups", json={**body, "source": "meeting"}, headers=w.headers(w.enterprise_user))
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "source"
    assert ff.counts() == before


@pytest.mark.parametrize("role", ["department", "official", "inspector"])
def test_other_roles_cannot_assign(client, fu_world, role):
    w = fu_world
    user = {"department": w.lead_user, "official": w.official, "inspector": w.inspector}[role]
    resp = client.post("/api/v1/follow-ups", json=w.payload(), headers=w.headers(user))
    assert resp.status_code == 403


# ------------------------------------------------------------------------------------------ the loop


def test_whole_loop_with_reopening_on_a_low_rating(client, fu_world):
    w = fu_world
    item = w.create(client)
    iid = item["id"]
    assert _post(client, w, w.assist_user, iid, "progress", {"note": "已对接人社局"}).get_json()["status"] \
        == "in_progress"
    resp = _post(client, w, w.lead_user, iid, "resolve", {"resolution": "用地指标已下达"})
    assert resp.status_code == 200 and resp.get_json()["status"] == "resolved"
    w.set_today(D(2026, 11, 20))
    resp = _post(client, w, w.enterprise_user, iid, "rate", {"rating": 2, "comment": "指标未到位"})
    out = resp.get_json()
    assert resp.status_code == 200, out
    assert out["status"] == "in_progress" and out["rating"] == 2 and out["reopen_count"] == 1
    assert out["resolved_on"] is None
    kinds = [e["kind"] for e in out["history"]]
    assert kinds == ["assigned", "progress", "resolved", "rated", "reopened"]
    assert out["history"][-1]["note"] == "指标未到位"
    # Due Thu Nov 26 is kept: reopening does not extend the deadline; after it, the item is red.
    w.set_today(D(2026, 11, 27))
    assert _get(client, w, w.lead_user, iid).get_json()["warning"] == "red"
    _post(client, w, w.lead_user, iid, "resolve", {"resolution": "指标已到位"})
    out = _post(client, w, w.enterprise_user, iid, "rate", {"rating": 5}).get_json()
    assert out["status"] == "closed" and out["close_reason"] == "rated" and out["closed_on"] == "2026-11-27"
    actions = db.session.scalars(select(AuditLog.action).where(AuditLog.entity == "follow_up",
                                                               AuditLog.entity_id == str(iid))
                                 .order_by(AuditLog.id)).all()
    assert actions == ["create", "progress", "resolve", "reopen", "resolve", "rate"]


def test_low_rating_needs_a_comment(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    _post(client, w, w.lead_user, iid, "resolve", {"resolution": "done"})
    before = ff.counts()
    resp = _post(client, w, w.enterprise_user, iid, "rate", {"rating": 1})
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "comment_required"
    assert ff.counts() == before


@pytest.mark.parametrize("rating", [0, 6, "5", True, None])
def test_rating_outside_the_scale_is_refused(client, fu_world, rating):
    w = fu_world
    iid = w.create(client)["id"]
    _post(client, w, w.lead_user, iid, "resolve", {"resolution": "done"})
    before = ff.counts()
    resp = _post(client, w, w.enterprise_user, iid, "rate", {"rating": rating})
    if rating == "5":  # numeric text is accepted like everywhere in the API
        assert resp.status_code == 200
        return
    assert resp.status_code == 422
    assert ff.counts() == before


def test_rating_before_resolution_is_409(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    resp = _post(client, w, w.enterprise_user, iid, "rate", {"rating": 5})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "invalid_state"
    assert "已交办" in resp.get_json()["error"]["message"]


def test_resolving_twice_is_409(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    assert _post(client, w, w.lead_user, iid, "resolve", {"resolution": "a"}).status_code == 200
    resp = _post(client, w, w.lead_user, iid, "resolve", {"resolution": "b"})
    assert resp.status_code == 409 and resp.get_json()["error"]["details"]["status"] == "resolved"


# ------------------------------------------------------------------------------------------ role isolation


def test_another_department_cannot_read_or_write_progress(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    before = ff.counts()
    assert _get(client, w, w.other_user, iid).status_code == 403
    assert _post(client, w, w.other_user, iid, "progress", {"note": "x"}).status_code == 403
    assert _post(client, w, w.other_user, iid, "resolve", {"resolution": "x"}).status_code == 403
    assert ff.counts() == before
    listed = client.get("/api/v1/follow-ups", headers=w.headers(w.other_user)).get_json()
    assert listed["total"] == 0


def test_assisting_department_reports_progress_but_cannot_resolve_or_extend(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    assert _post(client, w, w.assist_user, iid, "resolve", {"resolution": "x"}).status_code == 403
    assert _post(client, w, w.assist_user, iid, "extend", {"due_date": "2026-12-01", "reason": "x"}).status_code \
        == 403
    assert client.get("/api/v1/follow-ups", headers=w.headers(w.assist_user)).get_json()["total"] == 1


def test_another_enterprise_cannot_read_or_rate(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    _post(client, w, w.lead_user, iid, "resolve", {"resolution": "done"})
    before = ff.counts()
    assert _get(client, w, w.other_enterprise_user, iid).status_code == 403
    assert _post(client, w, w.other_enterprise_user, iid, "rate", {"rating": 1, "comment": "x"}).status_code == 403
    assert ff.counts() == before
    other = client.get("/api/v1/follow-ups", headers=w.headers(w.other_enterprise_user)).get_json()
    assert other["total"] == 0
    resp = client.get(f"/api/v1/follow-ups?uscc={w.ent.uscc}", headers=w.headers(w.other_enterprise_user))
    assert resp.status_code == 403
    own = client.get("/api/v1/follow-ups", headers=w.headers(w.enterprise_user)).get_json()
    assert [i["id"] for i in own["items"]] == [iid]


def test_official_sees_supervised_items(client, fu_world):
    w = fu_world
    iid = w.create(client, meeting_id=w.other_meeting.id)["id"]  # a meeting the official did not host
    assert _get(client, w, w.official, iid).status_code == 403
    assert _post(client, w, w.secretariat, iid, "supervise", {"note": "拖了太久"}).status_code == 200
    assert _get(client, w, w.official, iid).status_code == 200


# ------------------------------------------------------------------------------------------ extensions


def test_extension_requested_before_due_and_approved_moves_the_due_date(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]  # due 2026-11-26
    resp = _post(client, w, w.lead_user, iid, "extend", {"due_date": "2026-12-04", "reason": "需省厅批复"})
    assert resp.status_code == 201, resp.get_json()
    again = _post(client, w, w.lead_user, iid, "extend", {"due_date": "2026-12-07", "reason": "x"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "extension_pending"
    assert _get(client, w, w.secretariat, iid).get_json()["pending_extension"]["due_date"] == "2026-12-04"
    assert _post(client, w, w.lead_user, iid, "extension-decision", {"decision": "approved"}).status_code == 403
    out = _post(client, w, w.secretariat, iid, "extension-decision", {"decision": "approved"}).get_json()
    assert out["due_date"] == "2026-12-04" and out["pending_extension"] is None
    assert [e["kind"] for e in out["history"]][-2:] == ["extension_requested", "extension_approved"]


def test_refused_extension_keeps_the_due_date(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    _post(client, w, w.lead_user, iid, "extend", {"due_date": "2026-12-04", "reason": "x"})
    out = _post(client, w, w.secretariat, iid, "extension-decision", {"decision": "refused", "note": "不同意"})
    assert out.get_json()["due_date"] == "2026-11-26"
    resp = _post(client, w, w.secretariat, iid, "extension-decision", {"decision": "approved"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "no_pending_extension"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"due_date": "2026-11-25", "reason": "x"}, 422, "invalid_field"),  # earlier than the due date
        ({"due_date": "2026-11-28", "reason": "x"}, 422, "invalid_field"),  # a Saturday
        ({"due_date": "2026-12-04"}, 422, "missing_field"),
        ({"due_date": "12/04/2026", "reason": "x"}, 422, "invalid_field"),
    ],
)
def test_bad_extension_requests(client, fu_world, body, status, code):
    w = fu_world
    iid = w.create(client)["id"]
    before = ff.counts()
    resp = _post(client, w, w.lead_user, iid, "extend", body)
    assert resp.status_code == status and resp.get_json()["error"]["code"] == code
    assert ff.counts() == before


def test_extension_after_the_due_date_is_refused(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    w.set_today(D(2026, 11, 26))  # the due day itself is still in time
    assert _post(client, w, w.lead_user, iid, "extend", {"due_date": "2026-12-04", "reason": "x"}).status_code \
        == 201
    iid2 = w.create(client, assigned_on="2026-11-18")["id"]  # due 2026-11-25
    before = ff.counts()
    resp = _post(client, w, w.lead_user, iid2, "extend", {"due_date": "2026-12-04", "reason": "x"})
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "too_late"
    assert ff.counts() == before


# ------------------------------------------------------------------------------------------ supervision


def test_supervision_board_until_closed(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    assert _post(client, w, w.lead_user, iid, "supervise").status_code == 403
    out = _post(client, w, w.secretariat, iid, "supervise").get_json()
    assert out["supervised"] is True and out["supervised_on"] == "2026-11-19"
    again = _post(client, w, w.secretariat, iid, "supervise")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_supervised"
    listed = client.get("/api/v1/follow-ups?supervised=true", headers=w.headers(w.secretariat)).get_json()
    assert [i["id"] for i in listed["items"]] == [iid]
    _post(client, w, w.lead_user, iid, "resolve", {"resolution": "done"})
    _post(client, w, w.enterprise_user, iid, "rate", {"rating": 4})
    resp = _post(client, w, w.secretariat, iid, "supervise")
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "invalid_state"


# ------------------------------------------------------------------------------------------ warnings, lists


def test_warning_filters_agree_with_the_row_warnings(client, fu_world):
    w = fu_world
    red = w.create(client, assigned_on="2026-11-10")["id"]  # due Tue Nov 17: overdue
    yellow = w.create(client, assigned_on="2026-11-16")["id"]  # due Mon Nov 23: 2 remain
    quiet = w.create(client, level="joint")["id"]
    stale = w.create(client, level="leader", assigned_on="2026-11-05")["id"]  # 10 working days of silence
    h = w.headers(w.secretariat)
    got = {warn: [i["id"] for i in client.get(f"/api/v1/follow-ups?warning={warn}", headers=h).get_json()["items"]]
           for warn in ("red", "yellow", "none")}
    assert got == {"red": [red], "yellow": [yellow, stale], "none": [quiet]}
    everything = client.get("/api/v1/follow-ups?sort=urgency", headers=h).get_json()["items"]
    assert [i["id"] for i in everything] == [red, yellow, stale, quiet]  # most urgent first
    newest = client.get("/api/v1/follow-ups", headers=h).get_json()["items"]  # the secretariat's default
    assert [i["id"] for i in newest] == [quiet, yellow, red, stale]
    queue = client.get("/api/v1/follow-ups", headers=w.headers(w.lead_user)).get_json()["items"]
    assert [i["id"] for i in queue] == [red, yellow, stale, quiet]  # a department's default
    assert {i["id"]: i["warning"] for i in everything} == {red: "red", yellow: "yellow", stale: "yellow",
                                                             quiet: None}
    # A progress note clears the silence warning.
    _post(client, w, w.lead_user, stale, "progress", {"note": "在办"})
    assert _get(client, w, w.secretariat, stale).get_json()["warning"] is None


def test_warning_turns_red_the_day_after_the_due_date(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]  # due Thu Nov 26
    for day, expected in [(D(2026, 11, 20), None), (D(2026, 11, 23), "yellow"), (D(2026, 11, 26), "yellow"),
                          (D(2026, 11, 27), "red")]:
        w.set_today(day)
        assert _get(client, w, w.secretariat, iid).get_json()["warning"] == expected, day


@pytest.mark.parametrize(
    ("query", "field"),
    [("status=done", "status"), ("warning=orange", "warning"), ("supervised=maybe", "supervised"),
     ("from=2026-02-30", "from"), ("from=2026-11-20&to=2026-11-01", "to"), ("department=zz-nope", "department"),
     ("meeting=abc", "meeting"), ("limit=501", "limit"), ("sort=name", "sort")],
)
def test_bad_list_filters_are_422(client, fu_world, query, field):
    w = fu_world
    resp = client.get(f"/api/v1/follow-ups?{query}", headers=w.headers(w.secretariat))
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field


def test_list_filters(client, fu_world):
    w = fu_world
    a = w.create(client)["id"]
    b = w.create(client, meeting_id=w.other_meeting.id, lead_department=w.other.code, assist_departments=[],
                 assigned_on="2026-10-09")["id"]
    h = w.headers(w.secretariat)

    def ids(q: str) -> list[int]:
        return sorted(i["id"] for i in client.get(f"/api/v1/follow-ups?{q}", headers=h).get_json()["items"])

    assert ids("department=zz-fin") == [b]
    assert ids("department=zz-hr") == [a]  # assisting counts
    assert ids(f"meeting={w.other_meeting.id}") == [b]
    assert ids(f"uscc={w.ent.uscc}") == [a, b]
    assert ids(f"uscc={w.other_ent.uscc}") == []
    assert ids("from=2026-11-01&to=2026-11-30") == [a]
    assert ids("status=assigned") == [a, b]
    assert ids("supervised=false") == [a, b]


# ------------------------------------------------------------------------------------------ closing unrated


def test_unrated_resolution_closes_after_ten_working_days(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    _post(client, w, w.lead_user, iid, "resolve", {"resolution": "done"})  # Thu Nov 19
    assert followup_loop.close_unrated(D(2026, 12, 3)) == []  # the 10th working day: still open for rating
    assert followup_loop.close_unrated(D(2026, 12, 4)) == [iid]
    item = db.session.get(FollowUp, iid)
    db.session.refresh(item)
    assert item.status == "closed" and item.close_reason == "unrated"
    assert [e.kind for e in item.events][-1] == "closed"
    assert followup_loop.close_unrated(D(2026, 12, 5)) == []


# ------------------------------------------------------------------------------------------ documented shapes


def test_answers_match_the_openapi_document(client, fu_world):
    from tests.api.test_openapi_responses import conforms

    w = fu_world
    spec = client.get("/api/v1/openapi.json").get_json()
    created = client.post("/api/v1/follow-ups", json=w.payload(), headers=w.headers(w.secretariat))
    item = conforms(spec, created, "/api/v1/follow-ups", "post")
    iid = item["id"]
    path = "/api/v1/follow-ups/{item_id}"
    conforms(spec, _get(client, w, w.secretariat, iid), path, "get")
    conforms(spec, client.get("/api/v1/follow-ups", headers=w.headers(w.secretariat)), "/api/v1/follow-ups", "get")
    conforms(spec, _post(client, w, w.lead_user, iid, "progress", {"note": "在办"}), path + "/progress", "post")
    conforms(spec, _post(client, w, w.lead_user, iid, "extend", {"due_date": "2026-12-04", "reason": "r"}),
             path + "/extend", "post")
    conforms(spec, _post(client, w, w.secretariat, iid, "extension-decision", {"decision": "refused"}),
             path + "/extension-decision", "post")
    conforms(spec, _post(client, w, w.secretariat, iid, "supervise"), path + "/supervise", "post")
    conforms(spec, _post(client, w, w.lead_user, iid, "resolve", {"resolution": "好"}), path + "/resolve", "post")
    conforms(spec, _post(client, w, w.enterprise_user, iid, "rate", {"rating": 5}), path + "/rate", "post")
    conforms(spec, _post(client, w, w.enterprise_user, iid, "rate", {"rating": 5}), path + "/rate", "post")  # 409
    conforms(spec, client.get("/api/v1/stats", headers=w.headers(w.secretariat)), "/api/v1/stats", "get")


# ------------------------------------------------------------------------------------------ meetings


def _issue(w, meeting=None, ent=None, title="厂房用地指标", category="land"):
    from models.meeting import MinutesIssue

    issue = MinutesIssue(meeting_id=(meeting or w.meeting).id, enterprise_id=(ent or w.ent).id, title=title,
                         description="纪要中记录的问题", category=category)
    db.session.add(issue)
    db.session.commit()
    return issue


def test_item_from_a_minutes_issue_takes_its_meeting_enterprise_and_text(client, fu_world):
    w = fu_world
    issue = _issue(w)
    h = w.headers(w.secretariat)
    resp = client.post("/api/v1/follow-ups", headers=h, json={"minutes_issue_id": issue.id,
                                                               "lead_department": w.lead.code})
    out = resp.get_json()
    assert resp.status_code == 201, out
    assert (out["minutes_issue_id"], out["meeting_id"], out["uscc"], out["source"]) == (
        issue.id, w.meeting.id, w.ent.uscc, "meeting")
    assert out["title"] == "厂房用地指标" and out["category"] == "land" and out["description"] == "纪要中记录的问题"
    before = ff.counts()
    again = client.post("/api/v1/follow-ups", headers=h, json={"minutes_issue_id": issue.id,
                                                                "lead_department": w.lead.code})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "duplicate"
    assert again.get_json()["error"]["details"]["existing"]["id"] == out["id"]
    assert ff.counts() == before


@pytest.mark.parametrize(
    ("body", "field", "code"),
    [
        ({"minutes_issue_id": 999999}, "minutes_issue_id", "unknown_issue"),
        ({"minutes_issue_id": "x"}, "minutes_issue_id", "invalid_field"),
        ({"uscc": "OTHER"}, "uscc", "invalid_field"),
        ({"meeting_id": "OTHER"}, "meeting_id", "invalid_field"),
    ],
)
def test_contradicting_a_minutes_issue_is_refused(client, fu_world, body, field, code):
    w = fu_world
    issue = _issue(w)
    body = {"minutes_issue_id": issue.id, "lead_department": w.lead.code, **body}
    body = {k: (w.other_ent.uscc if v == "OTHER" and k == "uscc" else w.other_meeting.id if v == "OTHER" else v)
            for k, v in body.items()}
    before = ff.counts()
    resp = client.post("/api/v1/follow-ups", headers=w.headers(w.secretariat), json=body)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["code"] == code and resp.get_json()["error"]["details"]["field"] == field
    assert ff.counts() == before


def test_unknown_meeting_is_refused_and_visit_issues_are_visits(client, fu_world):
    w = fu_world
    resp = client.post("/api/v1/follow-ups", headers=w.headers(w.secretariat), json=w.payload(meeting_id=999999))
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "unknown_meeting"
    issue = _issue(w, meeting=w.other_meeting, ent=w.other_ent, title="道路改造")
    out = client.post("/api/v1/follow-ups", headers=w.headers(w.secretariat),
                      json={"minutes_issue_id": issue.id, "lead_department": w.lead.code}).get_json()
    assert out["source"] == "visit" and out["uscc"] == w.other_ent.uscc
    resp = client.post("/api/v1/follow-ups", headers=w.headers(w.enterprise_user),
                       json={"minutes_issue_id": issue.id, "lead_department": w.lead.code})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "minutes_issue_id"


def test_official_sees_the_items_of_meetings_they_hosted(client, fu_world):
    w = fu_world
    own = w.create(client)["id"]  # raised at the official's breakfast meeting
    other = w.create(client, meeting_id=w.other_meeting.id)["id"]
    listed = client.get("/api/v1/follow-ups", headers=w.headers(w.official)).get_json()
    assert [i["id"] for i in listed["items"]] == [own]
    assert _get(client, w, w.official, own).status_code == 200
    assert _get(client, w, w.official, other).status_code == 403
    assert _post(client, w, w.official, own, "progress", {"note": "x"}).status_code == 403


def test_series_figures(client, fu_world):
    w = fu_world
    a = w.create(client)["id"]
    _post(client, w, w.lead_user, a, "resolve", {"resolution": "办结"})
    w.create(client)
    w.create(client, meeting_id=w.other_meeting.id)  # a visit outside the series
    out = client.get("/api/v1/stats", headers=w.headers(w.secretariat)).get_json()
    assert out["series"] == [{"id": w.series.id, "name": "株洲市政企“早餐会”", "sessions_held": 1, "guests": 1,
                              "items_raised": 2, "items_resolved": 1, "on_time_rate": 100.0}]
