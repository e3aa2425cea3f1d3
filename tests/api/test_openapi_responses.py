"""Real answers of the API validate against the response schemas the OpenAPI document gives for them, and carry
no field the document does not name (drift between the code and the document fails here)."""

from __future__ import annotations

import pytest
from openapi_schema_validator import OAS31Validator

from tests import quietdays_fixtures as qf

world, today = qf.world, qf.today

POLICIES = "/api/v1/quiet-day-policies"


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def _resolve(spec: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = spec
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def _properties(spec: dict, schema: dict) -> set[str]:
    """The property names a schema documents, through $ref and allOf."""
    schema = _resolve(spec, schema)
    names = set(schema.get("properties", {}))
    for part in schema.get("allOf", []):
        names |= _properties(spec, part)
    return names


def conforms(spec: dict, resp, path: str, method: str) -> dict:
    """Assert ``resp`` is a documented answer of the operation and return its JSON."""
    responses = spec["paths"][path][method]["responses"]
    assert str(resp.status_code) in responses, (method, path, resp.status_code, resp.get_data(as_text=True))
    schema = responses[str(resp.status_code)]["content"]["application/json"]["schema"]
    data = resp.get_json()
    # The components travel with the schema so that its $refs resolve.
    validator = OAS31Validator({**schema, "components": spec["components"]},
                               format_checker=OAS31Validator.FORMAT_CHECKER)
    errors = sorted(validator.iter_errors(data), key=str)
    assert not errors, (method, path, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]])
    resolved = _resolve(spec, schema)
    if resp.status_code < 400:
        if "items" in _properties(spec, resolved) and "total" in data:  # a list: check its items
            item_schema = resolved["properties"]["items"]["items"]
            for item in data["items"]:
                assert set(item) <= _properties(spec, item_schema), (path, set(item) - _properties(spec,
                                                                                                 item_schema))
        else:
            assert set(data) <= _properties(spec, resolved), (method, path, set(data) - _properties(spec, resolved))
    return data


def test_policy_answers_match_the_document(client, world, spec):
    admin = world.headers(world.admin)
    body = {"jurisdiction_code": "430212", "title": "白名单", "reference": None,
            "rule": {"type": "date_range", "from": "2026-12-01", "to": "2026-12-31"},
            "valid_from": "2026-01-01", "enterprises": [world.ent.uscc, world.other_ent.uscc], "status": "active"}
    created = conforms(spec, client.post(POLICIES, json=body, headers=admin), POLICIES, "post")
    one = f"{POLICIES}/{created['id']}"
    item = f"{POLICIES}/{{policy_id}}"
    conforms(spec, client.get(one, headers=admin), item, "get")
    conforms(spec, client.get(one, headers=world.headers(world.enterprise_user)), item, "get")
    conforms(spec, client.get(POLICIES, headers=world.headers(world.enterprise_user)), POLICIES, "get")
    conforms(spec, client.patch(one, json={"title": "白名单（修订）"}, headers=admin), item, "patch")
    exc = client.post(f"{one}/exceptions", json={"date": "2026-12-24", "effect": "lift", "reason": "统一检查"},
                      headers=admin)
    conforms(spec, exc, f"{item}/exceptions", "post")
    revoked = conforms(spec, client.delete(one, json={"reason": "到期"}, headers=admin), item, "delete")
    assert revoked["status"] == "revoked"  # once refused by the PolicyInput schema (draft/active only)
    conforms(spec, client.delete(one, json={"reason": "again"}, headers=admin), item, "delete")  # 409
    conforms(spec, client.get(f"{POLICIES}/999999", headers=admin), item, "get")  # 404
    conforms(spec, client.get(f"{POLICIES}?status=gone", headers=admin), POLICIES, "get")  # 422


def test_check_and_days_answers_match_the_document(client, world, spec):
    inspector = world.headers(world.inspector)
    refused = conforms(spec, client.get(f"/api/v1/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine",
                                        headers=inspector), "/api/v1/check", "get")
    assert refused["blocking"] and refused["cap"]
    days = "/api/v1/enterprises/{uscc}/days"
    url = f"/api/v1/enterprises/{world.ent.uscc}/days?from=2026-11-01&to=2026-11-30"
    conforms(spec, client.get(url + "&kind=routine", headers=inspector), days, "get")
    own = conforms(spec, client.get(url, headers=world.headers(world.enterprise_user)), days, "get")
    assert own["kind"] is None and own["days"][0]["allowed"] is None
    bulk = {"kind": "routine", "from": "2026-11-20", "to": "2026-11-30",
            "enterprises": [world.ent.uscc, world.state_ent.uscc]}
    conforms(spec, client.post("/api/v1/checks", json=bulk, headers=inspector), "/api/v1/checks", "post")


def test_inspection_answers_match_the_document(client, world, spec):
    amr, em = world.headers(world.inspector), world.headers(world.em_inspector)
    body = {"uscc": world.state_ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "年度检查"}
    first = conforms(spec, client.post("/api/v1/inspections", json=body, headers=amr), "/api/v1/inspections",
                     "post")
    second = conforms(spec, client.post("/api/v1/inspections", json={**body, "date": "2026-11-27"}, headers=em),
                      "/api/v1/inspections", "post")
    assert second["joint_suggestion"]["id"] == first["id"]
    joint = conforms(spec, client.post("/api/v1/inspections", json={
        "uscc": world.state_ent.uscc, "kind": "complaint", "subject": "投诉核查", "joint_with": first["id"]},
        headers=em), "/api/v1/inspections", "post")
    assert joint["joint_with"] == first["id"] and joint["date"] == "2026-11-26"
    refused = client.post("/api/v1/inspections", json={**body, "uscc": world.ent.uscc, "date": "2026-11-23"},
                          headers=amr)
    assert conforms(spec, refused, "/api/v1/inspections", "post")["error"]["code"] == "quiet_day"
    item = "/api/v1/inspections/{inspection_id}"
    shown = conforms(spec, client.get(f"/api/v1/inspections/{first['id']}", headers=amr), item, "get")
    assert [j["id"] for j in shown["joined"]] == [joint["id"]]
    conforms(spec, client.get("/api/v1/inspections?status=planned", headers=amr), "/api/v1/inspections", "get")
    malformed = client.post(f"/api/v1/inspections/{first['id']}/cancel", data="{", headers=amr,
                            content_type="application/json")
    assert conforms(spec, malformed, f"{item}/cancel", "post")["error"]["code"] == "malformed_json"
    cancelled = client.post(f"/api/v1/inspections/{first['id']}/cancel", json={"reason": "改期"}, headers=amr)
    assert conforms(spec, cancelled, f"{item}/cancel", "post")["status"] == "cancelled"
    conforms(spec, client.get("/api/v1/inspection-ratings", headers=amr), "/api/v1/inspection-ratings", "get")


def test_me_matches_the_document(client, world, spec):
    conforms(spec, client.get("/api/v1/me", headers=world.headers(world.enterprise_user)), "/api/v1/me", "get")
