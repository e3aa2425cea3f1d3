"""The edge of the app: which proxy to trust, login throttling per account and per address, no caching of
anything a signed-in user sees, and a complaint's grounds kept from the inspected enterprise."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app import create_app
from config import Config
from extensions import db
from models import AuditLog, Inspection
from tests import quietdays_fixtures as qf
from tests.factories import auth_headers, create_jurisdiction, create_user, login

world, today = qf.world, qf.today
PASSWORD = "correct horse battery"
OFFICE, HOME, ELSEWHERE = "198.51.100.7", "203.0.113.20", "192.0.2.99"


def _login(client, email: str, password: str, address: str, **headers):
    return client.post("/login", data={"email": email, "password": password},
                       environ_base={"REMOTE_ADDR": address}, headers=headers)


# --- proxies -------------------------------------------------------------------------------------------------


def test_production_trusts_no_proxy_unless_configured(monkeypatch):
    monkeypatch.setenv("ZHENGQI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("BEHIND_PROXY", raising=False)
    assert Config().TRUSTED_PROXIES == 0
    monkeypatch.setenv("TRUSTED_PROXIES", "2")
    assert Config().TRUSTED_PROXIES == 2


@pytest.mark.parametrize(("name", "raw"), [
    ("TOKEN_TTL_DAYS", "ninety"), ("TOKEN_TTL_DAYS", "0"), ("TOKEN_TTL_DAYS", "1.5"),
    ("DB_PING_AFTER_IDLE_SECONDS", "10s"), ("DB_PING_AFTER_IDLE_SECONDS", "-1"), ("DB_PING_AFTER_IDLE_SECONDS", "nan"),
    ("HEALTHZ_DB_TTL_SECONDS", "one"), ("TRUSTED_PROXIES", "-1"), ("MAIL_PORT", "70000"), ("MAIL_PORT", "smtp"),
])
def test_a_bad_numeric_setting_stops_start_up_naming_the_variable(monkeypatch, name, raw):
    from config import ConfigError

    monkeypatch.setenv(name, raw)
    with pytest.raises(ConfigError) as err:
        Config()
    assert name in str(err.value) and repr(raw) in str(err.value)


def test_numeric_settings_are_read_as_numbers(monkeypatch):
    monkeypatch.delenv("BEHIND_PROXY", raising=False)
    for name, raw in (("TOKEN_TTL_DAYS", "30"), ("DB_PING_AFTER_IDLE_SECONDS", "2.5"), ("HEALTHZ_DB_TTL_SECONDS", "0"),
                      ("TRUSTED_PROXIES", " 1 "), ("MAIL_PORT", "587")):
        monkeypatch.setenv(name, raw)
    config = Config()
    assert (config.TOKEN_TTL_DAYS, config.DB_PING_AFTER_IDLE_SECONDS, config.HEALTHZ_DB_TTL_SECONDS,
            config.TRUSTED_PROXIES, config.MAIL_PORT) == (30, 2.5, 0.0, 1, 587)
    for name in ("TOKEN_TTL_DAYS", "DB_PING_AFTER_IDLE_SECONDS", "HEALTHZ_DB_TTL_SECONDS", "TRUSTED_PROXIES",
                 "MAIL_PORT"):
        monkeypatch.setenv(name, "")  # empty is unset: the default
    config = Config()
    assert (config.TOKEN_TTL_DAYS, config.DB_PING_AFTER_IDLE_SECONDS, config.HEALTHZ_DB_TTL_SECONDS,
            config.TRUSTED_PROXIES, config.MAIL_PORT) == (90, 10.0, 1.0, 0, 25)


@pytest.mark.parametrize(("hops", "seen"), [(0, OFFICE), (1, HOME)])
def test_forwarded_for_counts_only_through_trusted_proxies(app, hops, seen):
    other = create_app({**app.config, "TRUSTED_PROXIES": hops})
    with other.app_context():
        user = create_user("secretariat")
        client = other.test_client()
        resp = _login(client, user.email, PASSWORD, OFFICE, **{"X-Forwarded-For": HOME})
        assert resp.status_code == 302
        row = db.session.scalar(select(AuditLog).where(AuditLog.action == "login"))
        assert row.ip == seen


def test_rotating_forwarded_for_does_not_reset_the_limit(client):
    user = create_user("admin")
    codes = [_login(client, user.email, "nope", OFFICE, **{"X-Forwarded-For": f"10.0.0.{i}"}).status_code
             for i in range(6)]
    assert codes == [401] * 5 + [429]


# --- throttling ----------------------------------------------------------------------------------------------


def test_one_person_behind_an_office_nat_does_not_lock_out_the_office(client):
    clumsy, colleague = create_user("inspector"), create_user("inspector")
    codes = [_login(client, clumsy.email, "typo", OFFICE).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    # The colleague at the same address signs in.
    assert _login(client, colleague.email, PASSWORD, OFFICE).status_code == 302


def test_correct_password_after_failures_from_another_address_still_works(client):
    owner = create_user("secretariat")
    codes = [_login(client, owner.email, "guess", ELSEWHERE).status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert _login(client, owner.email, PASSWORD, HOME).status_code == 302


def test_one_address_trying_many_accounts_is_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ADDRESS_RATE_LIMIT", "8 per minute")
    codes = [_login(client, f"nobody{i}@example.gov.cn", "x", OFFICE).status_code for i in range(9)]
    assert codes == [401] * 8 + [429]
    assert _login(client, "nobody0@example.gov.cn", "x", HOME).status_code == 401


def test_one_account_guessed_from_many_addresses_is_limited(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "8 per hour")
    target = create_user("admin")
    codes = [_login(client, target.email, "x", f"10.1.0.{i}").status_code for i in range(9)]
    assert codes == [401] * 8 + [429]


def test_token_endpoint_uses_the_same_limits(client):
    clumsy, colleague = create_user("inspector"), create_user("inspector")
    for _ in range(5):
        client.post("/api/v1/auth/token", json={"email": clumsy.email, "password": "x"},
                    environ_base={"REMOTE_ADDR": OFFICE})
    assert client.post("/api/v1/auth/token", json={"email": clumsy.email, "password": "x"},
                       environ_base={"REMOTE_ADDR": OFFICE}).status_code == 429
    assert client.post("/api/v1/auth/token", json={"email": colleague.email, "password": PASSWORD},
                       environ_base={"REMOTE_ADDR": OFFICE}).status_code == 201


# --- caching -------------------------------------------------------------------------------------------------

ROLES = ("admin", "secretariat", "official", "department", "inspector", "enterprise")


@pytest.mark.parametrize("role", ROLES)
def test_authenticated_pages_and_api_answers_are_not_stored(client, role):
    user = create_user(role)
    headers = auth_headers(user)
    login(client, user)
    for url in ("/", "/profile"):
        resp = client.get(url)
        assert resp.status_code == 200 and resp.headers.get("Cache-Control") == "no-store", url
    api = client.get("/api/v1/me", headers=headers)
    assert api.status_code == 200 and api.headers.get("Cache-Control") == "no-store"
    refused = client.get("/api/v1/users", headers=headers)  # an error answer is not cached either
    assert refused.headers.get("Cache-Control") == "no-store"


def test_an_expires_header_gives_way_to_no_store_for_a_signed_in_user(app):
    from flask import Response, g

    from operations.auth import TokenUser

    hook = next(f for f in app.after_request_funcs[None] if getattr(f, "__name__", "") == "security_headers")
    user = TokenUser(**{**dict.fromkeys(TokenUser._fields), "active": True})
    for signed_in, has_expires in ((True, True), (True, False), (False, True)):
        with app.test_request_context("/api/v1/me"):
            if signed_in:
                g._login_user = user
            resp = Response("{}", headers={"Expires": "Thu, 01 Jan 2099 00:00:00 GMT"} if has_expires else {})
            headers = hook(resp).headers
            assert (headers.get("Cache-Control") == "no-store") is signed_in
            assert ("Expires" in headers) is (has_expires and not signed_in)
            assert headers.get("X-Frame-Options") == "DENY"


def test_anonymous_public_pages_keep_their_caching(client):
    assert client.get("/login").headers.get("Cache-Control") != "no-store"
    assert client.get("/healthz").headers.get("Cache-Control") != "no-store"


def test_a_public_page_shown_to_a_signed_in_user_is_not_stored(client):
    """The header is set only when the request loaded its user (issue 11: /healthz loads none); a public page
    renders the navigation with the user's name, so it loads the user and must not be stored either."""
    user = create_user("secretariat", name="王秘书")
    login(client, user)
    code = create_jurisdiction().code
    resp = client.get(f"/public/quiet-days/{code}")  # public; a signed-in user sees their name in the navigation
    assert resp.status_code == 200 and "王秘书" in resp.get_data(as_text=True)
    assert resp.headers.get("Cache-Control") == "no-store"
    health = client.get("/healthz")  # public and made for nobody: may be cached like any probe answer
    assert health.status_code == 200 and health.headers.get("Cache-Control") != "no-store"


# --- complaint grounds ---------------------------------------------------------------------------------------


def _complaint(world) -> int:
    row = Inspection(enterprise=world.ent, department=world.amr, date=date(2026, 11, 24), kind="complaint",
                     subject="投诉核查", justification="张三（手机13800000000）投诉夜间噪声",
                     reference="12345-2026-778", status="planned", on_protected_day=True)
    db.session.add(row)
    db.session.commit()
    return row.id


def test_enterprise_sees_kind_and_date_not_complaint_grounds_in_the_api(client, world):
    iid = _complaint(world)
    mine = client.get(f"/api/v1/inspections/{iid}", headers=world.headers(world.enterprise_user)).get_json()
    assert mine["kind"] == "complaint" and mine["date"] == "2026-11-24"
    assert mine["justification"] is None and mine["reference"] is None
    listed = client.get("/api/v1/inspections", headers=world.headers(world.enterprise_user)).get_json()
    assert "张三" not in str(listed) and "12345-2026-778" not in str(listed)
    agency = client.get(f"/api/v1/inspections/{iid}", headers=world.headers(world.inspector)).get_json()
    assert agency["justification"].startswith("张三") and agency["reference"] == "12345-2026-778"


@pytest.mark.parametrize("path", ["/inspections/{iid}", "/my/calendar?month=2026-11"])
def test_enterprise_pages_withhold_complaint_grounds(client, world, path):
    iid = _complaint(world)
    login(client, world.enterprise_user)
    html = client.get(path.format(iid=iid)).get_data(as_text=True)
    assert "张三" not in html and "12345-2026-778" not in html
    assert "投诉举报核查" in html


def test_agency_page_shows_complaint_grounds(client, world):
    iid = _complaint(world)
    login(client, world.inspector)
    html = client.get(f"/inspections/{iid}").get_data(as_text=True)
    assert "张三" in html and "12345-2026-778" in html
