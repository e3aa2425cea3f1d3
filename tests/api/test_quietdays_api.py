"""Quiet-day policy API (API.md "Quiet days"): create, read, edit, revoke, exceptions; every bad field is a
422 that changes nothing; reading is for everyone signed in, writing for admin and secretariat."""

from __future__ import annotations

import pytest

from extensions import db
from models import AuditLog, PolicyException, QuietDayPolicy
from tests import quietdays_fixtures as qf
from tests.factories import dummy_uscc
from tests.quietdays_fixtures import MON_WED, add_policy, counts

world, today = qf.world, qf.today

URL = "/api/v1/quiet-day-policies"


def body(**over):
    data = {
        "jurisdiction_code": "430200",
        "title": "民营企业宁静日",
        "reference": "十条意见",
        "rule": {"type": "weekdays", "weekdays": [1, 2, 3]},
        "valid_from": "2022-01-01",
        "valid_until": None,
        "ownership": ["private"],
        "sizes": [],
        "enterprises": [],
        "blocked_kinds": ["routine", "random"],
        "binds": "level_and_below",
        "status": "active",
    }
    data.update(over)
    return data


def test_create_returns_the_full_policy_and_audits(client, world):
    before = db.session.query(AuditLog).count()
    resp = client.post(URL, json=body(), headers=world.headers(world.secretariat))
    assert resp.status_code == 201, resp.get_json()
    data = resp.get_json()
    assert data["id"] > 0
    assert data["rule"] == {"type": "weekdays", "weekdays": [1, 2, 3]}
    assert data["rule_text"]
    assert data["exceptions"] == []
    assert data["jurisdiction_code"] == "430200" and data["status"] == "active"
    assert data["valid_until"] is None and data["binds"] == "level_and_below"
    row = db.session.get(QuietDayPolicy, data["id"])
    assert row.title == "民营企业宁静日" and row.ownership == ["private"]
    audit = db.session.query(AuditLog).order_by(AuditLog.id.desc()).first()
    assert (audit.action, audit.entity, audit.entity_id) == ("create", "quiet_day_policy", str(data["id"]))
    assert db.session.query(AuditLog).count() == before + 1


def test_defaults_draft_and_routine_random(client, world):
    data = body()
    for key in (
        "status",
        "blocked_kinds",
        "binds",
        "valid_until",
        "ownership",
        "sizes",
        "enterprises",
        "reference",
    ):
        data.pop(key)
    resp = client.post(URL, json=data, headers=world.headers(world.admin))
    assert resp.status_code == 201
    out = resp.get_json()
    assert out["status"] == "draft"
    assert sorted(out["blocked_kinds"]) == ["random", "routine"]
    assert out["binds"] == "level_and_below"


@pytest.mark.parametrize(
    "over, field",
    [
        ({"rule": {"type": "month_days", "from": 20, "to": 5}}, "rule.to"),
        ({"rule": {"type": "weekdays", "weekdays": [8]}}, "rule.weekdays"),
        ({"rule": {"type": "weekdays", "weekdays": []}}, "rule.weekdays"),
        ({"rule": {"type": "weekdays", "weekdays": [True]}}, "rule.weekdays"),
        ({"rule": {"type": "fortnightly"}}, "rule.type"),
        ({"rule": {"type": "first_workdays_open", "count": 0}}, "rule.count"),
        ({"rule": {"type": "date_range", "from": "2026-05-31", "to": "2026-03-01"}}, "rule.to"),
        ({"rule": {"type": "date_range", "from": "2026-02-30", "to": "2026-03-01"}}, "rule.from"),
        ({"rule": {"type": "weekdays", "weekdays": [1], "from": 1}}, "rule.from"),
        ({"rule": "weekdays"}, "rule"),
        ({"rule": None}, "rule"),
        ({"valid_from": "2026-01-01", "valid_until": "2025-12-31"}, "valid_until"),
        ({"valid_from": "2026-13-01"}, "valid_from"),
        ({"valid_from": None}, "valid_from"),
        ({"blocked_kinds": ["routine", "parking"]}, "blocked_kinds"),
        ({"ownership": ["private", "martian"]}, "ownership"),
        ({"sizes": ["huge"]}, "sizes"),
        ({"enterprises": ["91430200MA00000000"]}, "enterprises"),
        ({"jurisdiction_code": "999999"}, "jurisdiction_code"),
        ({"jurisdiction_code": None}, "jurisdiction_code"),
        ({"title": ""}, "title"),
        ({"title": "x" * 201}, "title"),
        ({"binds": "everyone"}, "binds"),
        ({"status": "revoked"}, "status"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_invalid_policy_is_422_naming_the_field_and_changes_nothing(client, world, over, field):
    headers = world.headers(world.admin)
    before = counts()
    resp = client.post(URL, json=body(**over), headers=headers)
    assert resp.status_code == 422, resp.get_json()
    err = resp.get_json()["error"]
    assert err["details"]["field"] == field
    assert err["message"]
    assert counts() == before


def test_listed_enterprise_outside_the_jurisdiction_is_refused(client, world):
    from tests.factories import create_enterprise, create_jurisdiction

    changsha = create_jurisdiction("430100", "长沙市", parent=world.hunan)
    far = create_enterprise(jurisdiction=changsha)
    headers = world.headers(world.admin)
    before = counts()
    resp = client.post(URL, json=body(enterprises=[far.uscc]), headers=headers)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["outside"] == [far.uscc]
    assert counts() == before


def test_malformed_json_is_400(client, world):
    resp = client.post(
        URL, data="{nope", headers={**world.headers(world.admin), "Content-Type": "application/json"}
    )
    assert resp.status_code == 400
    resp = client.post(URL, json=[1, 2], headers=world.headers(world.admin))
    assert resp.status_code == 400


def test_white_list_policy_lists_exactly_its_enterprises(client, world):
    resp = client.post(
        URL,
        json=body(
            enterprises=[world.state_ent.uscc],
            ownership=[],
            rule={"type": "date_range", "from": "2026-11-01", "to": "2026-11-30"},
        ),
        headers=world.headers(world.admin),
    )
    assert resp.status_code == 201
    assert resp.get_json()["enterprises"] == [world.state_ent.uscc]


def test_list_by_jurisdiction_paginated(client, world):
    add_policy(world.lukou, {"type": "month_days", "from": 1, "to": 15}, title="渌口区宁静期", ownership=[])
    headers = world.headers(world.enterprise_user)  # policies are public information
    resp = client.get(f"{URL}?jurisdiction=430212", headers=headers)
    assert resp.status_code == 200
    data = resp.get_json()
    assert data["total"] == 1 and [p["title"] for p in data["items"]] == ["渌口区宁静期"]
    resp = client.get(f"{URL}?jurisdiction=430212&inherited=1", headers=headers)
    assert {p["title"] for p in resp.get_json()["items"]} == {"渌口区宁静期", "民营企业宁静日"}
    resp = client.get(f"{URL}?limit=1", headers=headers)
    assert resp.get_json()["total"] == 2 and len(resp.get_json()["items"]) == 1
    assert client.get(f"{URL}?jurisdiction=999999", headers=headers).status_code == 422
    assert client.get(f"{URL}?limit=501", headers=headers).status_code == 422


def test_get_one_and_404(client, world):
    headers = world.headers(world.inspector)
    resp = client.get(f"{URL}/{world.policy.id}", headers=headers)
    assert resp.status_code == 200 and resp.get_json()["title"] == "民营企业宁静日"
    assert client.get(f"{URL}/999999", headers=headers).status_code == 404


def test_patch_changes_only_given_fields_and_audits(client, world):
    headers = world.headers(world.secretariat)
    resp = client.patch(
        f"{URL}/{world.policy.id}", json={"valid_until": "2026-12-31", "title": "新标题"}, headers=headers
    )
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["valid_until"] == "2026-12-31" and data["title"] == "新标题"
    assert data["rule"] == MON_WED
    audit = db.session.query(AuditLog).filter_by(entity="quiet_day_policy", action="update").one()
    assert audit.before["title"] == "民营企业宁静日" and audit.after["title"] == "新标题"


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"valid_until": "2021-12-31"}, "valid_until"),  # before the stored valid_from
        ({"rule": {"type": "weekdays", "weekdays": [0]}}, "rule.weekdays"),
        ({"title": None}, "title"),
        ({"status": "revoked"}, "status"),
        ({"enterprises": ["not-a-code"]}, "enterprises"),
        ({"unknown": 1}, "unknown"),
    ],
)
def test_bad_patch_is_422_and_changes_nothing(client, world, patch, field):
    before = counts()
    resp = client.patch(f"{URL}/{world.policy.id}", json=patch, headers=world.headers(world.admin))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["field"] == field
    assert counts() == before
    db.session.refresh(world.policy)
    assert world.policy.title == "民营企业宁静日" and world.policy.valid_until is None


def test_delete_revokes_with_reason_and_keeps_history(client, world):
    headers = world.headers(world.admin)
    before = counts()
    resp = client.delete(f"{URL}/{world.policy.id}", json={}, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "reason"
    assert counts() == before
    resp = client.delete(f"{URL}/{world.policy.id}", json={"reason": "政策到期废止"}, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "revoked" and resp.get_json()["revoked_reason"] == "政策到期废止"
    assert client.get(f"{URL}/{world.policy.id}", headers=headers).get_json()["status"] == "revoked"
    assert client.delete(f"{URL}/{world.policy.id}?reason=again", headers=headers).status_code == 409
    # A revoked policy is history: not editable, and it no longer protects.
    assert client.patch(f"{URL}/{world.policy.id}", json={"title": "x"}, headers=headers).status_code == 409
    check = client.get(
        f"/api/v1/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine",
        headers=world.headers(world.inspector),
    ).get_json()
    assert check["protected"] is False and check["allowed"] is True


def test_exceptions_add_and_duplicate(client, world):
    headers = world.headers(world.secretariat)
    url = f"{URL}/{world.policy.id}/exceptions"
    resp = client.post(
        url, json={"date": "2026-11-23", "effect": "lift", "reason": "全市统一检查日"}, headers=headers
    )
    assert resp.status_code == 201
    data = resp.get_json()
    assert (
        data["date"] == "2026-11-23"
        and data["effect"] == "lift"
        and data["created_by"] == world.secretariat.name
    )
    before = counts()
    resp = client.post(url, json={"date": "2026-11-23", "effect": "add", "reason": "again"}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "duplicate"
    assert counts() == before
    policy = client.get(f"{URL}/{world.policy.id}", headers=headers).get_json()
    assert [(x["date"], x["effect"]) for x in policy["exceptions"]] == [("2026-11-23", "lift")]


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"date": "2026-11-31", "effect": "lift", "reason": "x"}, "date"),
        ({"effect": "lift", "reason": "x"}, "date"),
        ({"date": "2026-11-23", "effect": "remove", "reason": "x"}, "effect"),
        ({"date": "2026-11-23", "effect": "lift"}, "reason"),
        ({"date": "2026-11-23", "effect": "lift", "reason": "  "}, "reason"),
        ({"date": "2026-11-23", "effect": "lift", "reason": "x", "by": "me"}, "by"),
    ],
)
def test_bad_exception_is_422_and_changes_nothing(client, world, payload, field):
    before = (counts(), db.session.query(PolicyException).count())
    resp = client.post(
        f"{URL}/{world.policy.id}/exceptions", json=payload, headers=world.headers(world.admin)
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["field"] == field
    assert (counts(), db.session.query(PolicyException).count()) == before


def test_exception_on_missing_policy_is_404(client, world):
    resp = client.post(
        f"{URL}/999999/exceptions",
        json={"date": "2026-11-23", "effect": "lift", "reason": "x"},
        headers=world.headers(world.admin),
    )
    assert resp.status_code == 404


def test_delete_exception(client, world):
    headers = world.headers(world.admin)
    exc = client.post(
        f"{URL}/{world.policy.id}/exceptions",
        json={"date": "2026-11-23", "effect": "lift", "reason": "x"},
        headers=headers,
    ).get_json()
    assert (
        client.delete(f"{URL}/{world.policy.id}/exceptions/{exc['id']}", headers=headers).status_code == 204
    )
    assert db.session.query(PolicyException).count() == 0
    assert (
        client.delete(f"{URL}/{world.policy.id}/exceptions/{exc['id']}", headers=headers).status_code == 404
    )


@pytest.mark.parametrize("role_attr", ["inspector", "enterprise_user"])
def test_non_writers_read_but_cannot_write(client, world, role_attr):
    headers = world.headers(getattr(world, role_attr))
    assert client.get(URL, headers=headers).status_code == 200
    before = counts()
    assert client.post(URL, json=body(), headers=headers).status_code == 403
    assert client.patch(f"{URL}/{world.policy.id}", json={"title": "x"}, headers=headers).status_code == 403
    assert client.delete(f"{URL}/{world.policy.id}", json={"reason": "x"}, headers=headers).status_code == 403
    assert (
        client.post(
            f"{URL}/{world.policy.id}/exceptions",
            json={"date": "2026-11-23", "effect": "lift", "reason": "x"},
            headers=headers,
        ).status_code
        == 403
    )
    assert counts() == before


def test_unknown_uscc_in_list_named(client, world):
    missing = dummy_uscc(987654)
    resp = client.post(
        URL, json=body(enterprises=[world.ent.uscc, missing]), headers=world.headers(world.admin)
    )
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["unknown"] == [missing]
