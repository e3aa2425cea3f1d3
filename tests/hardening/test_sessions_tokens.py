"""Tokens expire and die with a password reset or deactivation; browser sessions are server-side, so a cookie
captured before logout, "log out everywhere" or a reset no longer signs anyone in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.user import ApiToken
from tests.factories import create_user, login

ROLES = ("admin", "secretariat", "official", "department", "inspector", "enterprise")
PASSWORD = "correct horse battery"


def _token(client, user, **extra) -> dict:
    resp = client.post("/api/v1/auth/token", json={"email": user.email, "password": PASSWORD, **extra})
    assert resp.status_code == 201, resp.get_json()
    return resp.get_json()


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _parse(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.removesuffix("Z"))


def test_token_answer_says_when_it_expires_default_90_days(client):
    user = create_user("inspector")
    answer = _token(client, user)
    assert abs(_parse(answer["expires_at"]) - (utcnow() + timedelta(days=90))) < timedelta(minutes=1)
    assert client.get("/api/v1/me", headers=_bearer(answer["token"])).status_code == 200


def test_token_lifetime_follows_config(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "TOKEN_TTL_DAYS", 7)
    answer = _token(client, create_user("secretariat"))
    assert abs(_parse(answer["expires_at"]) - (utcnow() + timedelta(days=7))) < timedelta(minutes=1)


def test_expired_token_is_401_token_expired(client):
    user = create_user("inspector")
    answer = _token(client, user)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    resp = client.get("/api/v1/me", headers=_bearer(answer["token"]))
    assert resp.status_code == 401
    err = resp.get_json()["error"]
    assert err["code"] == "token_expired" and "过期" in err["message"], err
    # A wrong token is still just unauthorized.
    wrong = client.get("/api/v1/me", headers=_bearer("zq_not-a-token"))
    assert wrong.get_json()["error"]["code"] == "unauthorized"


def test_token_from_before_expiry_existed_expires_after_ttl(client):
    user = create_user("inspector")
    answer = _token(client, user)
    row = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    row.expires_at = None
    row.created_at = utcnow() - timedelta(days=91)
    db.session.commit()
    resp = client.get("/api/v1/me", headers=_bearer(answer["token"]))
    assert resp.status_code == 401 and resp.get_json()["error"]["code"] == "token_expired"


@pytest.mark.parametrize("role", ROLES)
def test_profile_page_shows_expiry_and_log_out_everywhere(client, role):
    user = create_user(role, is_head=False)
    _token(client, user, name="对接系统")
    login(client, user)
    html = client.get("/profile").get_data(as_text=True)
    assert "过期时间" in html and 'class="expires-at"' in html
    assert "/logout/everywhere" in html and "在所有设备上退出" in html


@pytest.mark.parametrize("change", [{"password": "a brand new password"}, {"active": False}])
def test_password_reset_or_deactivation_revokes_tokens(client, change):
    admin = create_user("admin")
    user = create_user("inspector")
    token = _token(client, user)["token"]
    admin_token = _token(client, admin)["token"]
    resp = client.patch(f"/api/v1/users/{user.id}", json=change, headers=_bearer(admin_token))
    assert resp.status_code == 200, resp.get_json()
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    rows = db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id)).all()
    assert rows and all(r.revoked_at is not None for r in rows)
    if "active" in change:
        # Reactivated, the old token stays dead: the deactivation revoked it for good.
        client.patch(f"/api/v1/users/{user.id}", json={"active": True}, headers=_bearer(admin_token))
        assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _with_cookie(app, value: str):
    other = app.test_client()
    other.set_cookie("session", value, domain="localhost")
    return other


@pytest.mark.parametrize("role", ROLES)
def test_cookie_captured_before_logout_no_longer_opens_profile(app, client, role):
    user = create_user(role)
    login(client, user)
    captured = _cookie(client)
    assert _with_cookie(app, captured).get("/profile").status_code == 200
    assert client.post("/logout").status_code == 302
    replay = _with_cookie(app, captured).get("/profile")
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_log_out_everywhere_ends_other_sessions(app, client):
    user = create_user("secretariat")
    login(client, user)
    laptop = app.test_client()
    login(laptop, user)
    phone_cookie = _cookie(client)
    assert laptop.post("/logout/everywhere").status_code == 302
    assert _with_cookie(app, phone_cookie).get("/profile").status_code == 302
    assert laptop.get("/profile").status_code == 302
    # A fresh login works again.
    login(laptop, user)
    assert laptop.get("/profile").status_code == 200


def test_logout_ends_only_this_session(app, client):
    user = create_user("inspector")
    login(client, user)
    other = app.test_client()
    login(other, user)
    client.post("/logout")
    assert other.get("/profile").status_code == 200


def test_password_reset_ends_captured_sessions(app, client):
    admin = create_user("admin")
    user = create_user("inspector")
    login(client, user)
    captured = _cookie(client)
    admin_token = _token(client, admin)["token"]
    client.patch(f"/api/v1/users/{user.id}", json={"password": "a brand new password"},
                 headers=_bearer(admin_token))
    assert _with_cookie(app, captured).get("/profile").status_code == 302
