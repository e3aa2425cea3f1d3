"""Regressions from the review of quiet days and inspections: white lists shown to other enterprises, 500s on
odd numbers in query strings and forms, filters that ignored invalid values."""

from __future__ import annotations

import json

import pytest

from extensions import db
from models import AuditLog, QuietDayPolicy
from tests import quietdays_fixtures as qf
from tests.factories import create_enterprise, create_user, login
from tests.quietdays_fixtures import add_policy, counts

world, today = qf.world, qf.today

URL = "/api/v1/quiet-day-policies"


# --- white lists (policies naming enterprises) ---------------------------------------------------------------


@pytest.fixture
def white_list(world):
    """A Lukou policy naming two enterprises: ``world.ent`` (has a user) and a third one (no user)."""
    third = create_enterprise(name="株洲白名单第三企业有限公司", jurisdiction=world.lukou)
    policy = add_policy(world.lukou, {"type": "date_range", "from": "2026-11-01", "to": "2026-12-31"},
                        title="重点项目免检期", ownership=[], enterprises=[world.ent, third])
    return policy, third


def _text(resp) -> str:
    if resp.is_json:
        return json.dumps(resp.get_json(), ensure_ascii=False)
    return resp.get_data(as_text=True)


def test_api_shows_a_listed_enterprise_only_itself(client, world, white_list):
    policy, third = white_list
    headers = world.headers(world.enterprise_user)
    one = client.get(f"{URL}/{policy.id}", headers=headers)
    assert one.status_code == 200
    assert one.get_json()["enterprises"] == [world.ent.uscc]
    assert one.get_json()["enterprise_count"] == 2
    listed = client.get(URL, headers=headers)
    item = next(i for i in listed.get_json()["items"] if i["id"] == policy.id)
    assert item["enterprises"] == [world.ent.uscc] and item["enterprise_count"] == 2
    for resp in (one, listed):
        assert third.uscc not in _text(resp) and third.name not in _text(resp)


def test_api_shows_an_unlisted_enterprise_only_the_count(client, world, white_list):
    policy, third = white_list
    resp = client.get(f"{URL}/{policy.id}", headers=world.headers(world.other_enterprise_user))
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["enterprises"] == [] and data["enterprise_count"] == 2
    for ent in (world.ent, third):
        assert ent.uscc not in _text(resp)


@pytest.mark.parametrize("role", ["admin", "secretariat", "inspector"])
def test_government_users_see_the_whole_list(client, world, white_list, role):
    policy, third = white_list
    user = {"admin": world.admin, "secretariat": world.secretariat, "inspector": world.inspector}[role]
    data = client.get(f"{URL}/{policy.id}", headers=world.headers(user)).get_json()
    assert data["enterprises"] == [world.ent.uscc, third.uscc] and data["enterprise_count"] == 2


def test_enterprise_without_a_list_policy_keeps_the_empty_list(client, world):
    data = client.get(f"{URL}/{world.policy.id}", headers=world.headers(world.enterprise_user)).get_json()
    assert data["enterprises"] == [] and data["enterprise_count"] == 0


def test_the_audit_log_keeps_the_whole_list(client, world):
    third = create_enterprise(jurisdiction=world.lukou)
    body = {"jurisdiction_code": "430212", "title": "白名单", "rule": {"type": "weekdays", "weekdays": [1]},
            "valid_from": "2026-01-01", "enterprises": [world.ent.uscc, third.uscc]}
    resp = client.post(URL, json=body, headers=world.headers(world.admin))
    assert resp.status_code == 201
    row = db.session.query(AuditLog).filter_by(entity="quiet_day_policy", action="create").one()
    assert row.after["enterprises"] == [world.ent.uscc, third.uscc]


def test_policy_page_names_no_other_enterprise(client, world, white_list):
    policy, third = white_list
    login(client, world.enterprise_user)
    html = client.get(f"/policies/{policy.id}").get_data(as_text=True)
    assert third.name not in html and third.uscc not in html
    assert "2" in html
    login(client, world.other_enterprise_user)
    html = client.get(f"/policies/{policy.id}").get_data(as_text=True)
    for ent in (world.ent, third):
        assert ent.name not in html and ent.uscc not in html


def test_policy_page_lists_names_for_government_users(client, world, white_list):
    policy, third = white_list
    login(client, world.inspector)
    html = client.get(f"/policies/{policy.id}").get_data(as_text=True)
    assert third.name in html and third.uscc in html and world.ent.name in html


def test_public_page_counts_but_never_names(client, world, white_list):
    policy, third = white_list
    for user in (None, world.admin, world.enterprise_user):
        if user is not None:
            login(client, user)
        html = client.get("/public/quiet-days/430212?month=2026-11").get_data(as_text=True)
        assert policy.title in html
        for ent in (world.ent, third):
            assert ent.name not in html and ent.uscc not in html, user


def test_enterprise_portal_names_no_other_enterprise(client, world, white_list):
    policy, third = white_list
    login(client, world.enterprise_user)
    html = client.get("/my/calendar?month=2026-11").get_data(as_text=True)
    assert policy.title in html
    assert third.name not in html and third.uscc not in html


# --- odd numbers ---------------------------------------------------------------------------------------------

ODD_PAGES = ["%C2%B2", "9" * 5000, "99999999999999999999", "-3", "0", "%D9%A3", "1.5", ""]


@pytest.mark.parametrize("page", ODD_PAGES)
def test_policy_list_shows_page_one_for_odd_page_numbers(client, world, page):
    login(client, world.enterprise_user)
    resp = client.get(f"/policies/?page={page}")
    assert resp.status_code == 200
    assert "民营企业宁静日" in resp.get_data(as_text=True)


@pytest.mark.parametrize("page", ODD_PAGES)
def test_inspection_list_shows_page_one_for_odd_page_numbers(client, world, page):
    login(client, world.inspector)
    assert client.get(f"/inspections?page={page}").status_code == 200


@pytest.mark.parametrize("year", ["%C2%B2%C2%B2%C2%B2%C2%B2", "%EF%BC%92%EF%BC%90%EF%BC%92%EF%BC%96",
                                  "9" * 5000, "-2026", "1999"])
def test_policy_calendar_refuses_odd_years(client, world, year):
    login(client, world.inspector)
    assert client.get(f"/policies/{world.policy.id}?year={year}").status_code == 400


@pytest.mark.parametrize("month", ["２０２６-11", "²²²²-11", "2026-1 ", "+026-11"])
def test_month_views_refuse_odd_months(client, world, month):
    login(client, world.enterprise_user)
    assert client.get("/my/calendar", query_string={"month": month}).status_code == 422
    assert client.get("/public/quiet-days/430212", query_string={"month": month}).status_code == 422


@pytest.mark.parametrize("over", [
    {"day_from": "²"}, {"day_to": "²"}, {"day_from": "٣"},
    {"rule_type": "first_workdays_open", "count": "²"},
    {"rule_type": "first_workdays_open", "count": "9" * 10},
])
def test_policy_form_refuses_odd_numbers(client, world, over):
    from tests.functional.test_policies_pages import form

    login(client, world.admin)
    before = counts()
    resp = client.post("/policies/new", data=form(**over))
    assert resp.status_code == 422
    assert 'class="error"' in resp.get_data(as_text=True)
    assert counts() == before


# --- filters -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["inherited=null", "inherited=2", "jurisdiction=430212&inherited=maybe",
                                   "status=expired", "jurisdiction=999999", "jurisdiction=" + "4" * 30])
def test_policy_filters_refuse_invalid_values(client, world, query):
    resp = client.get(f"{URL}?{query}", headers=world.headers(world.inspector))
    assert resp.status_code == 422, query
    assert resp.get_json()["error"]["code"] == "invalid_field"


def test_policy_filters_treat_empty_values_as_absent(client, world):
    headers = world.headers(world.inspector)
    everything = client.get(URL, headers=headers).get_json()
    assert client.get(f"{URL}?jurisdiction=&status=&inherited=", headers=headers).get_json() == everything
    inherited = client.get(f"{URL}?jurisdiction=430212&inherited=true", headers=headers).get_json()
    assert [i["id"] for i in inherited["items"]] == [world.policy.id]
    own = client.get(f"{URL}?jurisdiction=430212&inherited=false", headers=headers).get_json()
    assert own["items"] == []


def test_policy_list_page_shows_an_invalid_filter(client, world):
    login(client, world.inspector)
    assert client.get("/policies/?inherited=null").status_code == 422


@pytest.mark.parametrize("query", ["to=tomorrow", "from=2026-13-01", "to=%C2%B2", "status=done",
                                   "from=2026-11-19T00:00"])
def test_inspection_filters_refuse_invalid_values(client, world, query):
    resp = client.get(f"/api/v1/inspections?{query}", headers=world.headers(world.inspector))
    assert resp.status_code == 422, query
    assert resp.get_json()["error"]["code"] == "invalid_field"


def test_inspection_filters_treat_empty_values_as_absent(client, world):
    # The convention of operations.validate: an empty query value is a value not given.
    headers = world.headers(world.inspector)
    body = {"uscc": world.state_ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "年度检查"}
    assert client.post("/api/v1/inspections", json=body, headers=headers).status_code == 201
    everything = client.get("/api/v1/inspections", headers=headers).get_json()
    assert everything["total"] == 1
    assert client.get("/api/v1/inspections?to=&from=&status=", headers=headers).get_json() == everything
    before = client.get("/api/v1/inspections?to=2026-11-25", headers=headers).get_json()
    assert before["total"] == 0


def test_a_user_of_a_new_enterprise_sees_only_counts(client, world, white_list):
    policy, _third = white_list
    newcomer = create_user("enterprise", enterprise=create_enterprise(jurisdiction=world.lukou))
    resp = client.get(URL, headers=world.headers(newcomer))
    assert all(i["enterprises"] == [] for i in resp.get_json()["items"])
    assert db.session.get(QuietDayPolicy, policy.id).enterprises  # the list itself is untouched
