"""A real Chromium logs in as the secretariat and sees the Chinese dashboard."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_login
from tests.factories import create_user

pytestmark = pytest.mark.browser


def test_secretariat_logs_in_and_sees_chinese_dashboard(page, live_server):
    user = create_user("secretariat", name="市委办秘书")
    page.goto("/")
    assert "/login" in page.url
    assert page.locator("h1").inner_text() == "登录政企通"
    browser_login(page, user.email)
    assert page.url.rstrip("/") == live_server
    assert "欢迎，市委办秘书" in page.locator("h1").inner_text()
    assert "秘书处" in page.content()
    nav = page.locator("nav.mainnav").inner_text()
    assert "工作台" in nav
    assert "审计日志" not in nav  # admin-only entry is not offered to the secretariat


def test_wrong_password_shows_chinese_error(page):
    user = create_user("secretariat")
    browser_login(page, user.email, "wrong-password")
    assert "邮箱或密码错误" in page.locator(".flash-error").inner_text()
    assert "/login" in page.url


def test_language_switch_to_english(page):
    user = create_user("secretariat", name="Secretary")
    browser_login(page, user.email)
    page.click("text=English")
    page.wait_for_load_state()
    assert "Welcome, Secretary" in page.locator("h1").inner_text()
