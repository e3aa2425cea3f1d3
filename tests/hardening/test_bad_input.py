"""Bad input is a 422 naming its field, never a 500 and never a write: dates outside 2000–2100 and control
characters (NUL first: PostgreSQL cannot store it) in any string field, lists included. SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from tests import quietdays_fixtures as qf
from tests.quietdays_fixtures import counts

world, today = qf.world, qf.today
FAR_DATES = ["9999-06-30", "0001-01-01", "1999-12-31", "2101-01-01"]


@pytest.mark.parametrize("value", FAR_DATES)
def test_check_with_a_date_outside_2000_2100_is_422(client, world, value):
    resp = client.get("/api/v1/check", query_string={"uscc": world.ent.uscc, "date": value, "kind": "routine"},
                      headers=world.headers(world.inspector))
    assert resp.status_code == 422, resp.get_json()
    err = resp.get_json()["error"]
    assert err["details"]["field"] == "date" and "2000" in err["message"] and "2100" in err["message"]


@pytest.mark.parametrize("value", FAR_DATES)
def test_booking_with_a_date_outside_2000_2100_is_422_and_changes_nothing(client, world, value):
    before = counts()
    resp = client.post("/api/v1/inspections", headers=world.headers(world.inspector),
                       json={"uscc": world.ent.uscc, "date": value, "kind": "routine", "subject": "检查"})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "date"
    assert counts() == before


@pytest.mark.parametrize(("url", "args"), [
    ("/api/v1/enterprises/{uscc}/days", {"from": "9999-12-01", "to": "9999-12-31"}),
    ("/api/v1/inspections", {"from": "9999-06-30"}),
])
def test_far_dates_in_queries_are_422(client, world, url, args):
    resp = client.get(url.format(uscc=world.ent.uscc), query_string=args, headers=world.headers(world.inspector))
    assert resp.status_code == 422, resp.get_json()


def test_far_dates_in_policy_bodies_are_422(client, world):
    before = counts()
    base = {"jurisdiction_code": "430200", "title": "远期", "rule": {"type": "weekdays", "weekdays": [1]},
            "valid_from": "2026-01-01", "ownership": ["private"]}
    headers = world.headers(world.admin)
    for body in ({**base, "valid_from": "9999-06-30"},
                 {**base, "rule": {"type": "date_range", "from": "2026-01-01", "to": "9999-06-30"}}):
        resp = client.post("/api/v1/quiet-day-policies", json=body, headers=headers)
        assert resp.status_code == 422, resp.get_json()
    exc = client.post(f"/api/v1/quiet-day-policies/{world.policy.id}/exceptions", headers=headers,
                      json={"date": "9999-06-30", "effect": "lift", "reason": "x"})
    assert exc.status_code == 422
    assert counts() == before


CONTROL = ["\x00", "a\x00b", "\x07", "\x1b[31m"]


@pytest.mark.parametrize("bad", CONTROL)
@pytest.mark.parametrize(("field", "wrap"), [
    ("jurisdiction_code", False), ("title", False), ("reference", False), ("enterprises", True),
    ("ownership", True), ("sizes", True), ("blocked_kinds", True), ("binds", False),
])
def test_control_characters_in_policy_fields_and_lists_are_422(client, world, field, wrap, bad):
    before = counts()
    body = {"jurisdiction_code": "430200", "title": "宁静日", "rule": {"type": "weekdays", "weekdays": [1]},
            "valid_from": "2026-01-01", "ownership": ["private"]}
    body[field] = [bad] if wrap else bad
    resp = client.post("/api/v1/quiet-day-policies", json=body, headers=world.headers(world.admin))
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert counts() == before


@pytest.mark.parametrize("field", ["uscc", "subject", "justification", "reference", "department", "kind"])
def test_nul_in_booking_fields_is_422(client, world, field):
    before = counts()
    body = {"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "检查",
            "justification": "理由", field: "x\x00y"}
    resp = client.post("/api/v1/inspections", json=body, headers=world.headers(world.inspector))
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert counts() == before


def test_nul_in_checks_enterprise_list_is_422(client, world):
    resp = client.post("/api/v1/checks", headers=world.headers(world.inspector),
                       json={"kind": "routine", "from": "2026-11-23", "to": "2026-11-30",
                             "enterprises": ["\x00", world.ent.uscc]})
    assert resp.status_code == 422, resp.get_data(as_text=True)[:300]


def test_nul_in_the_policy_page_form_is_refused(client, world):
    from tests.factories import login

    login(client, world.admin)
    before = counts()
    resp = client.post("/policies/new", data={"jurisdiction_code": "430200", "title": "宁静\x00日",
                                              "rule_type": "weekdays", "weekdays": ["1"],
                                              "valid_from": "2026-01-01"})
    assert resp.status_code in (400, 422), resp.status_code
    assert counts() == before


def test_nul_in_the_inspection_page_form_is_refused(client, world):
    from tests.factories import login

    login(client, world.inspector)
    before = counts()
    resp = client.post("/inspections/new", data={"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine",
                                                 "subject": "检\x00查"})
    assert resp.status_code in (400, 422), resp.status_code
    assert counts() == before
