"""The served OpenAPI document is valid 3.1 and documents every /api/v1 route."""

from __future__ import annotations

import re

from openapi_spec_validator import validate


def test_openapi_document_is_valid(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    spec = resp.get_json()
    assert spec["openapi"].startswith("3.1")
    validate(spec)


def _flask_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_every_api_route_is_documented(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    undocumented = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = _flask_to_openapi(rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if method.lower() not in spec["paths"].get(path, {}):
                undocumented.append(f"{method} {path}")
    assert sorted(undocumented) == []


def test_documented_paths_exist(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    served = {_flask_to_openapi(r.rule) for r in app.url_map.iter_rules()}
    assert sorted(set(spec["paths"]) - served) == []


# --- the document matches what the API does ------------------------------------------------------------------

# DELETE /quiet-day-policies/{id} reads its optional body leniently (clients that cannot send one with DELETE
# give ?reason=), so a malformed body there is not a 400.
LENIENT_BODIES = {("delete", "/api/v1/quiet-day-policies/{policy_id}")}


def _operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method != "parameters":
                yield path, method, op


def test_json_bodies_document_400_and_path_ids_document_404(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    missing = []
    for path, method, op in _operations(spec):
        body = op.get("requestBody", {}).get("content", {})
        if "application/json" in body and (method, path) not in LENIENT_BODIES and "400" not in op["responses"]:
            missing.append(f"400 {method} {path}")
        # Every path parameter can name something that does not exist (and <int:> ids are 404 past 9 digits).
        if "{" in path and "404" not in op["responses"]:
            missing.append(f"404 {method} {path}")
    assert missing == []


def test_query_parameters_with_fixed_values_declare_them(client):
    spec = client.get("/api/v1/openapi.json").get_json()

    def enum(path: str, method: str, name: str) -> list:
        params = spec["paths"][path][method]["parameters"]
        return next(p for p in params if p.get("name") == name)["schema"]["enum"]

    assert "pending_approval" in enum("/api/v1/inspections", "get", "status")
    assert "routine" in enum("/api/v1/check", "get", "kind")
    assert "routine" in enum("/api/v1/enterprises/{uscc}/days", "get", "kind")
    assert enum("/api/v1/quiet-day-policies", "get", "status") == ["draft", "active", "revoked"]
    assert "enterprise" in enum("/api/v1/users", "get", "role")
