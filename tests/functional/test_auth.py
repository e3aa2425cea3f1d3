from __future__ import annotations

from sqlalchemy import select

from extensions import db
from models import ApiToken, AuditLog, User
from tests.factories import auth_headers, create_user, login


def test_login_page_is_chinese_by_default(client):
    resp = client.get("/login")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'lang="zh-CN"' in html
    assert "登录" in html


def test_login_page_in_english_when_chosen(client):
    resp = client.get("/login?lang=en")
    assert "Log in" in resp.get_data(as_text=True)


def test_login_success_and_logout(client):
    user = create_user("secretariat")
    login(client, user)
    assert client.get("/").status_code == 200
    resp = client.post("/logout")
    assert resp.status_code == 302
    assert client.get("/").status_code == 302


def test_wrong_password_is_refused_and_rate_limited(client):
    user = create_user("admin")
    codes = [client.post("/login", data={"email": user.email, "password": "nope"}).status_code for _ in range(6)]
    assert codes[:5] == [401] * 5
    assert codes[5] == 429


def test_inactive_user_cannot_log_in(client):
    user = create_user("admin", active=False)
    resp = client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert resp.status_code == 401


def test_password_is_hashed(ctx):
    user = create_user("admin", password="s3cret-password")
    assert "s3cret-password" not in user.password_hash
    assert user.check_password("s3cret-password")


def test_open_redirect_is_ignored(client):
    user = create_user("admin")
    resp = client.post("/login?next=https://evil.example/", data={"email": user.email,
                                                                  "password": "correct horse battery"})
    assert resp.headers["Location"].endswith("/")
    assert "evil" not in resp.headers["Location"]


def test_api_token_flow(client):
    user = create_user("inspector")
    resp = client.post("/api/v1/auth/token", json={"email": user.email, "password": "correct horse battery"})
    assert resp.status_code == 201
    token = resp.get_json()["token"]
    stored = db.session.scalars(select(ApiToken)).all()
    assert len(stored) == 1 and token not in stored[0].token_hash and stored[0].token_hash != token
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200 and me.get_json()["email"] == user.email
    assert client.delete("/api/v1/auth/token", headers={"Authorization": f"Bearer {token}"}).status_code == 204
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_api_token_bad_credentials(client):
    user = create_user("inspector")
    resp = client.post("/api/v1/auth/token", json={"email": user.email, "password": "wrong"})
    assert resp.status_code == 401
    assert resp.get_json()["error"]["code"] == "invalid_credentials"
    assert db.session.scalar(select(ApiToken)) is None


def test_api_token_endpoint_throttled(client):
    user = create_user("inspector")
    codes = [client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"}).status_code
             for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert client.post("/api/v1/auth/token", json={"email": user.email, "password": "x"}).get_json()[
        "error"]["code"] == "too_many_requests"


def test_api_token_malformed_body(client):
    assert client.post("/api/v1/auth/token", data="not json", content_type="application/json").status_code == 400
    resp = client.post("/api/v1/auth/token", json=["a"])
    assert resp.status_code == 400 and resp.get_json()["error"]["code"] == "malformed_json"
    resp = client.post("/api/v1/auth/token", json={"email": "a@b.c"})
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "password"


def test_api_ignores_session_cookie(client):
    user = create_user("admin")
    login(client, user)
    assert client.get("/api/v1/me").status_code == 401


def test_profile_token_create_and_revoke(client):
    user = create_user("official")
    login(client, user)
    resp = client.post("/profile/tokens", data={"name": "手机"})
    assert resp.status_code == 303  # redirect after the write (test_post_redirects.py)
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    token = html.split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    row = db.session.scalar(select(ApiToken))
    client.post(f"/profile/tokens/{row.id}/revoke")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_cannot_revoke_someone_elses_token(client):
    owner = create_user("official")
    auth_headers(owner)
    row = db.session.scalar(select(ApiToken))
    other = create_user("official")
    login(client, other)
    assert client.post(f"/profile/tokens/{row.id}/revoke").status_code == 404
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).revoked_at is None


def test_login_is_audited(client):
    user = create_user("admin")
    login(client, user)
    entry = db.session.scalar(select(AuditLog).where(AuditLog.action == "login"))
    assert entry is not None and entry.user_id == user.id


def test_security_headers(client):
    resp = client.get("/login")
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.headers["X-Content-Type-Options"] == "nosniff"


def test_api_404_and_405_are_json(client):
    resp = client.get("/api/v1/nothing-here")
    assert resp.status_code == 404 and resp.get_json()["error"]["code"] == "not_found"
    resp = client.put("/api/v1/auth/token")
    assert resp.status_code == 405 and resp.get_json()["error"]["code"] == "method_not_allowed"


def test_html_404_is_translated(client):
    resp = client.get("/no-such-page")
    assert resp.status_code == 404
    assert "lang=\"zh-CN\"" in resp.get_data(as_text=True)


def test_user_count_unchanged(ctx):
    assert db.session.query(User).count() == 0


def test_password_reset_ends_existing_sessions(client):
    user = create_user("secretariat")
    login(client, user)
    assert client.get("/").status_code == 200
    user.set_password("a brand new password")
    db.session.commit()
    resp = client.get("/")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_deactivated_user_loses_session(client):
    user = create_user("secretariat")
    login(client, user)
    user.active = False
    db.session.commit()
    assert client.get("/").status_code == 302


def test_token_last_used_is_recorded(client):
    user = create_user("inspector")
    headers = auth_headers(user)
    assert db.session.scalar(select(ApiToken)).last_used_at is None
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert db.session.scalar(select(ApiToken)).last_used_at is not None
