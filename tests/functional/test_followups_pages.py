"""Follow-up pages by role: the department's queue (most urgent first), the enterprise's own items with history
and rating form, the official's items, the ledger filters, the supervision board, the forms (with CSRF) and the
timeline. The pages call the same operations as the API, so these tests check what each role sees and can do."""

from __future__ import annotations

from datetime import date

import pytest

from app import create_app
from extensions import db
from models.followup import FollowUp
from tests import followups_fixtures as ff
from tests.factories import login

fu_world = ff.fu_world


def _as(client, user) -> None:
    client.post("/logout")
    login(client, user)


def _html(resp) -> str:
    return resp.get_data(as_text=True)


def test_department_queue_is_sorted_by_urgency(client, fu_world):
    w = fu_world
    quiet = w.create(client, title="普通事项", level="joint")["id"]
    red = w.create(client, title="逾期事项", assigned_on="2026-11-10")["id"]
    yellow = w.create(client, title="临期事项", assigned_on="2026-11-16")["id"]
    login(client, w.lead_user)
    html = _html(client.get("/follow-ups"))
    assert "本单位待办问题" in html
    assert html.index("逾期事项") < html.index("临期事项") < html.index("普通事项")
    assert "红色预警" in html and "黄色预警" in html
    assert f"/follow-ups/{red}" in html and f"/follow-ups/{yellow}" in html and f"/follow-ups/{quiet}" in html


def test_other_department_sees_an_empty_queue_and_no_item(client, fu_world):
    w = fu_world
    iid = w.create(client, title="用地事项")["id"]
    login(client, w.other_user)
    assert "用地事项" not in _html(client.get("/follow-ups"))
    assert client.get(f"/follow-ups/{iid}").status_code == 403
    resp = client.post(f"/follow-ups/{iid}/progress", data={"note": "越权"})
    assert resp.status_code == 403
    assert db.session.get(FollowUp, iid).status == "assigned"


def test_enterprise_sees_its_own_items_history_and_rating_form(client, fu_world):
    w = fu_world
    iid = w.create(client, title="用地事项")["id"]
    other = w.create(client, title="别家事项", uscc=w.other_ent.uscc)["id"]
    login(client, w.lead_user)
    assert client.post(f"/follow-ups/{iid}/resolve", data={"resolution": "已落实"}).status_code == 302
    _as(client, w.enterprise_user)
    html = _html(client.get("/follow-ups"))
    assert "用地事项" in html and "别家事项" not in html
    html = _html(client.get(f"/follow-ups/{iid}"))
    assert 'id="rate-form"' in html and "非常满意" in html and "已落实" in html
    assert "办理过程" in html and html.count('class="event ') == 2
    assert client.get(f"/follow-ups/{other}").status_code == 403


def test_rating_two_on_the_page_reopens_with_the_comment(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    login(client, w.lead_user)
    client.post(f"/follow-ups/{iid}/resolve", data={"resolution": "已落实"})
    _as(client, w.enterprise_user)
    resp = client.post(f"/follow-ups/{iid}/rate", data={"rating": "2"})
    assert resp.status_code == 422 and "退回重办时请说明" in _html(resp)  # the comment is required
    resp = client.post(f"/follow-ups/{iid}/rate", data={"rating": "2", "comment": "指标仍未到位"})
    assert resp.status_code == 302
    html = _html(client.get(f"/follow-ups/{iid}"))
    assert "办理中" in html and "退回重办" in html and "指标仍未到位" in html
    assert 'id="rate-form"' not in html


def test_secretariat_assigns_on_the_page_and_bad_input_changes_nothing(client, fu_world):
    w = fu_world
    _as(client, w.secretariat)
    form = {"source": "visit", "uscc": w.ent.uscc, "title": "融资对接", "category": "finance",
            "lead_department": w.other.code, "assist_departments": [w.assist.code], "level": "immediate",
            "assigned_on": "2026-09-28"}
    before = ff.counts()
    resp = client.post("/follow-ups/new", data={**form, "lead_department": ""})
    assert resp.status_code == 422 and "牵头单位" in _html(resp)
    assert ff.counts() == before
    resp = client.post("/follow-ups/new", data=form)
    assert resp.status_code == 302
    item = db.session.query(FollowUp).one()
    assert item.due_on == date(2026, 10, 10) and [d.code for d in item.assist_departments] == ["zz-hr"]


def test_enterprise_submits_a_request_on_the_page(client, fu_world):
    w = fu_world
    _as(client, w.enterprise_user)
    html = _html(client.get("/follow-ups/new"))
    assert 'name="uscc"' not in html  # its own enterprise, never typed
    resp = client.post("/follow-ups/new", data={"title": "用电增容", "lead_department": w.lead.code,
                                                "category": "utilities", "level": "immediate",
                                                "uscc": w.other_ent.uscc})
    assert resp.status_code == 302
    item = db.session.query(FollowUp).one()
    assert item.source == "request" and item.enterprise_id == w.ent.id


def test_extension_and_supervision_on_the_pages(client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    login(client, w.lead_user)
    resp = client.post(f"/follow-ups/{iid}/extend", data={"due_date": "2026-11-20", "reason": "x"})
    assert resp.status_code == 422 and "须晚于当前期限" in _html(resp)
    assert client.post(f"/follow-ups/{iid}/extend", data={"due_date": "2026-12-04",
                                                         "reason": "需省厅批复"}).status_code == 302
    _as(client, w.secretariat)
    html = _html(client.get(f"/follow-ups/{iid}"))
    assert 'id="decide-form"' in html and "需省厅批复" in html
    assert client.post(f"/follow-ups/{iid}/extension-decision", data={"decision": "approved"}).status_code == 302
    assert client.post(f"/follow-ups/{iid}/supervise", data={"note": "挂号"}).status_code == 302
    assert "2026-12-04" in _html(client.get(f"/follow-ups/{iid}"))
    assert f"/follow-ups/{iid}" in _html(client.get("/follow-ups/supervision"))
    _as(client, w.official)
    assert f"/follow-ups/{iid}" in _html(client.get("/follow-ups/supervision"))
    assert f"/follow-ups/{iid}" in _html(client.get("/follow-ups"))


def test_ledger_filters_and_bad_filter(client, fu_world):
    w = fu_world
    w.create(client, title="逾期事项", assigned_on="2026-11-10")
    w.create(client, title="普通事项", level="joint")
    _as(client, w.secretariat)
    html = _html(client.get("/follow-ups?warning=red"))
    assert "逾期事项" in html and "普通事项" not in html
    resp = client.get("/follow-ups?warning=orange")
    assert resp.status_code == 422 and "预警" in _html(resp)


@pytest.mark.parametrize("role", ["inspector"])
def test_roles_without_follow_ups_are_refused(client, fu_world, role):
    login(client, fu_world.inspector)
    assert client.get("/follow-ups").status_code == 403


def test_forms_carry_csrf_and_posts_without_it_are_refused(app, client, fu_world):
    w = fu_world
    iid = w.create(client)["id"]
    strict = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SECRET_KEY": "test-secret-key", "TESTING": True, "WTF_CSRF_ENABLED": True})
    c = strict.test_client()
    html = c.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    c.post("/login", data={"email": w.lead_user.email, "password": "correct horse battery", "csrf_token": token})
    page = c.get(f"/follow-ups/{iid}").get_data(as_text=True)
    assert page.count('name="csrf_token"') >= 3  # progress, resolve, extension (+ language, logout)
    resp = c.post(f"/follow-ups/{iid}/resolve", data={"resolution": "无令牌"})
    assert resp.status_code == 400
    db.session.expire_all()
    assert db.session.get(FollowUp, iid).status == "assigned"
    token = page.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = c.post(f"/follow-ups/{iid}/resolve", data={"resolution": "有令牌", "csrf_token": token})
    assert resp.status_code == 302


def test_minutes_page_offers_assignment_and_the_form_takes_the_issue(client, fu_world):
    from models.meeting import MinutesIssue

    w = fu_world
    issue = MinutesIssue(meeting_id=w.meeting.id, enterprise_id=w.ent.id, title="用电增容", category="utilities")
    db.session.add(issue)
    db.session.commit()
    _as(client, w.secretariat)
    html = _html(client.get(f"/meetings/{w.meeting.id}/minutes"))
    assert f"/follow-ups/new?minutes_issue_id={issue.id}" in html and "尚未交办" not in html
    html = _html(client.get(f"/follow-ups/new?minutes_issue_id={issue.id}"))
    assert 'id="from-issue"' in html and "用电增容" in html
    resp = client.post("/follow-ups/new", data={"minutes_issue_id": str(issue.id), "source": "",
                                                "lead_department": w.lead.code, "level": "immediate"})
    assert resp.status_code == 302, _html(resp)[-2000:]
    item = db.session.query(FollowUp).one()
    assert (item.minutes_issue_id, item.meeting_id, item.enterprise_id, item.title) == (
        issue.id, w.meeting.id, w.ent.id, "用电增容")
    html = _html(client.get(f"/meetings/{w.meeting.id}/minutes"))
    assert f"/follow-ups/{item.id}" in html and "已交办" in html
