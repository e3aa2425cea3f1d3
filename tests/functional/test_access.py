"""Every route declares who may use it, and the one enforcement hook honours it for every role."""

from __future__ import annotations

import pytest

import access
from models.user import ROLES
from tests.factories import auth_headers, create_user, login

SAMPLE_ARGS = {"int": 999999, "default": "zz-missing", "string": "zz-missing", "path": "zz-missing"}


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule, method


def _url(rule) -> str:
    values = {}
    for name, conv in rule._converters.items():
        kind = type(conv).__name__.replace("Converter", "").lower()
        values[name] = SAMPLE_ARGS["int"] if kind == "integer" else SAMPLE_ARGS["string"]
    path = rule.rule
    for name, value in values.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        path = path.replace(f"<string:{name}>", str(value)).replace(f"<path:{name}>", str(value))
    return path


def test_every_endpoint_declares_an_access_rule(app):
    undeclared = [r.endpoint for r, _ in _routes(app) if access.access_rule(r.endpoint, app) is None]
    assert undeclared == []


def test_undeclared_endpoint_is_refused(app, client):
    # A view registered without a declaration must fail closed.
    app.view_functions["main.healthz"]._access, saved = None, app.view_functions["main.healthz"]._access
    try:
        assert client.get("/healthz").status_code == 403
    finally:
        app.view_functions["main.healthz"]._access = saved


def _call(client, method, url, headers=None):
    return client.open(url, method=method, headers=headers or {}, json={} if url.startswith("/api/") else None,
                       data=None if url.startswith("/api/") else {})


def test_anonymous_gets_login_redirect_or_401(app, client):
    for rule, method in _routes(app):
        rule_access = access.access_rule(rule.endpoint, app)
        url = _url(rule)
        resp = _call(client, method, url)
        if rule_access == access.PUBLIC:
            assert resp.status_code not in (401, 403), (method, url, resp.status_code)
        elif url.startswith("/api/"):
            assert resp.status_code == 401, (method, url, resp.status_code)
            assert resp.get_json()["error"]["code"] == "unauthorized"
        else:
            assert resp.status_code == 302 and "/login" in resp.headers["Location"], (method, url)


@pytest.mark.parametrize("role", ROLES)
def test_each_role_reaches_exactly_its_routes(app, client, role):
    user = create_user(role=role, is_head=(role == "inspector"))
    headers = auth_headers(user)
    login(client, user)
    checked = 0
    for rule, method in _routes(app):
        ends_session = ("auth.logout", "auth.logout_everywhere", "auth.set_language")
        if rule.endpoint in ends_session or (rule.endpoint, method) == ("auth_api.revoke_current", "DELETE"):
            continue  # would end the session or revoke the token; covered in test_auth
        rule_access = access.access_rule(rule.endpoint, app)
        url = _url(rule)
        resp = _call(client, method, url, headers if url.startswith("/api/") else None)
        allowed = rule_access in (access.PUBLIC, access.AUTHENTICATED) or role in rule_access
        if allowed:
            assert resp.status_code not in (401, 403, 500), (role, method, url, resp.status_code)
        else:
            assert resp.status_code == 403, (role, method, url, resp.status_code)
        checked += 1
    assert checked > 5
