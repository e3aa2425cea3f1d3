"""CSRF on every form, configuration safety."""

from __future__ import annotations

import pytest

from app import create_app
from config import Config, normalize_database_url
from tests.factories import create_user


@pytest.fixture
def csrf_client(app):
    strict = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                         "SECRET_KEY": "test-secret-key", "TESTING": True, "WTF_CSRF_ENABLED": True})
    return strict.test_client()


def test_form_post_without_csrf_token_is_refused(csrf_client, ctx):
    user = create_user("admin")
    resp = csrf_client.post("/login", data={"email": user.email, "password": "correct horse battery"})
    assert resp.status_code == 400
    assert "表单已过期" in resp.get_data(as_text=True)


def test_form_post_with_csrf_token_works(csrf_client, ctx):
    user = create_user("admin")
    html = csrf_client.get("/login").get_data(as_text=True)
    token = html.split('name="csrf_token" type="hidden" value="')[1].split('"')[0]
    resp = csrf_client.post("/login", data={"email": user.email, "password": "correct horse battery",
                                            "csrf_token": token})
    assert resp.status_code == 302


def test_api_needs_no_csrf_but_a_token(csrf_client, ctx):
    user = create_user("admin")
    resp = csrf_client.post("/api/v1/auth/token", json={"email": user.email, "password": "correct horse battery"})
    assert resp.status_code == 201


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.setenv("ZHENGQI_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        Config()


def test_production_uses_secure_cookies(monkeypatch):
    monkeypatch.setenv("ZHENGQI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    cfg = Config()
    assert cfg.SESSION_COOKIE_SECURE and cfg.REMEMBER_COOKIE_SECURE


@pytest.mark.parametrize(("given", "expected"), [
    ("postgres://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql://u@h/db", "postgresql+psycopg://u@h/db"),
    ("postgresql+psycopg://u@h/db", "postgresql+psycopg://u@h/db"),
    ("sqlite:///x.db", "sqlite:///x.db"),
])
def test_database_url_normalisation(given, expected):
    assert normalize_database_url(given) == expected


def test_development_defaults(monkeypatch):
    for name in ("DATABASE_URL", "ZHENGQI_ENV", "TIMEZONE", "RATELIMIT_STORAGE_URI"):
        monkeypatch.delenv(name, raising=False)
    cfg = Config()
    assert cfg.SQLALCHEMY_DATABASE_URI.endswith("instance/zhengqi.sqlite3")
    assert cfg.TIMEZONE == "Asia/Shanghai"
    assert cfg.RATELIMIT_STORAGE_URI == "memory://"
    assert len(cfg.SECRET_KEY) >= 32
