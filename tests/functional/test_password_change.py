"""Changing one's own password on the profile page (issue #6): the current password is required, bad input
changes nothing, and every other session of the account ends while this one goes on; per role."""

from __future__ import annotations

import re

import pytest

from app import create_app
from extensions import db, limiter
from models import AuditLog, User
from tests import quietdays_fixtures as qf
from tests.conftest import IsolatedClient
from tests.factories import login

world, today = qf.world, qf.today
OLD = "correct horse battery"
NEW = "新的密码 staple 2026"


def second_client(app):
    app.test_client_class = IsolatedClient
    return app.test_client()


def change(client, current=OLD, new=NEW, confirm=None):
    return client.post("/profile/password?lang=zh_CN", data={
        "current_password": current, "new_password": new, "confirm": new if confirm is None else confirm})


@pytest.mark.parametrize("who", ["admin", "inspector", "enterprise_user", "secretariat", "head"])
def test_change_own_password_ends_other_sessions_only(app, client, world, who):
    user = getattr(world, who)
    other = second_client(app)
    login(client, user)
    login(other, user)
    assert other.get("/profile").status_code == 200
    resp = change(client)
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/profile")
    # This session goes on; the other one is signed out.
    page = client.get("/profile?lang=zh_CN")
    assert page.status_code == 200 and "密码已修改" in page.get_data(as_text=True)
    assert other.get("/profile").status_code == 302
    db.session.expire_all()
    row = db.session.get(User, user.id)
    assert row.check_password(NEW) and not row.check_password(OLD)
    entry = db.session.query(AuditLog).filter_by(action="change_password", entity_id=str(user.id)).one()
    assert NEW not in str(entry.after) and OLD not in str(entry.before)
    # Log in again: the old password no longer works, the new one does.
    fresh = second_client(app)
    assert fresh.post("/login", data={"email": user.email, "password": OLD}).status_code == 401
    assert fresh.post("/login", data={"email": user.email, "password": NEW}).status_code == 302


@pytest.mark.parametrize(
    ("current", "new", "confirm", "field", "text"),
    [
        ("wrong password!", NEW, None, "current_password", "当前密码不正确"),
        ("", NEW, None, "current_password", "当前密码"),
        (OLD, "short", None, "new_password", "8"),
        (OLD, OLD, None, "new_password", "不能与当前密码相同"),
        (OLD, NEW, NEW + "x", "confirm", "不一致"),
        (OLD, "", None, "new_password", "新密码"),
    ],
)
def test_bad_input_changes_nothing(app, client, world, current, new, confirm, field, text):
    login(client, world.inspector)
    other = second_client(app)
    login(other, world.inspector)
    before_hash = world.inspector.password_hash
    before_audit = db.session.query(AuditLog).count()
    resp = change(client, current, new, confirm)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert f'id="{field}"' in html and text in html and "密码未修改" in html
    assert 'class="field has-error"' in html
    db.session.expire_all()
    assert db.session.get(User, world.inspector.id).password_hash == before_hash
    assert db.session.query(AuditLog).count() == before_audit
    assert other.get("/profile").status_code == 200  # nobody was signed out


def test_profile_shows_the_form_and_anonymous_users_are_sent_to_login(client, world):
    assert client.post("/profile/password", data={"current_password": OLD}).status_code == 302
    assert client.get("/profile/password").status_code == 302
    login(client, world.enterprise_user)
    html = client.get("/profile?lang=zh_CN").get_data(as_text=True)
    assert 'action="/profile/password"' in html and 'autocomplete="current-password"' in html


def test_guessing_the_current_password_is_rate_limited(client, world):
    login(client, world.admin)
    statuses = [change(client, current=f"guess-{i}").status_code for i in range(6)]
    assert statuses[:5] == [422] * 5 and statuses[5] == 429
    limiter.reset()


def test_the_form_needs_a_csrf_token(app, world, ctx):
    served = create_app({**{k: app.config[k] for k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "TESTING")},
                         "WTF_CSRF_ENABLED": True})
    served.test_client_class = IsolatedClient
    c = served.test_client()
    page = c.get("/login")
    assert page.status_code == 200
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert token
    assert c.post("/login", data={"email": world.admin.email, "password": OLD,
                                  "csrf_token": token.group(1)}).status_code == 302
    resp = c.post("/profile/password", data={"current_password": OLD, "new_password": NEW, "confirm": NEW})
    assert resp.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, world.admin.id).check_password(OLD)
