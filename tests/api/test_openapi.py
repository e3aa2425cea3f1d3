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
