"""A real Chromium runs the follow-up loop with CSRF on: the department resolves, the enterprise rates 2 and the
item goes back (退回重办), and once "today" passes the due date the item turns red. Then the secretariat's
dashboard draws its charts under the strict CSP."""

from __future__ import annotations

from datetime import date

import pytest

from operations import followups
from tests import followups_fixtures as ff
from tests.e2e.conftest import browser_login

pytestmark = pytest.mark.browser
fu_world = ff.fu_world


def _logout(page) -> None:
    page.click("text=退出")
    page.wait_for_load_state()


def test_resolve_rate_two_reopen_and_turn_red(page, fu_world):
    w = fu_world
    item = followups.create(w.secretariat, w.payload(title="二期厂房用地指标"))  # due Thu 2026-11-26
    url = f"/follow-ups/{item.id}"

    browser_login(page, w.lead_user.email)
    page.goto("/follow-ups")
    assert "本单位待办问题" in page.locator("h1").inner_text()
    page.click(f"a[href='{url}']")
    page.fill("#resolve-form textarea[name=resolution]", "用地指标已下达")
    page.click("#resolve-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#status").inner_text() == "已办结"
    _logout(page)

    browser_login(page, w.enterprise_user.email)
    page.goto(url)
    page.select_option("#rate-form select[name=rating]", "2")
    page.fill("#rate-form textarea[name=comment]", "指标仍未到位")
    page.click("#rate-form button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("#status").inner_text() == "办理中"
    timeline = page.locator("#timeline").inner_text()
    assert "退回重办" in timeline and "指标仍未到位" in timeline and "不满意" in timeline
    assert page.locator("#warning").count() == 0  # 5 working days left: no warning yet

    w.set_today(date(2026, 11, 24))  # 2 working days left
    page.reload()
    assert page.locator("#warning").inner_text() == "黄色预警"
    w.set_today(date(2026, 11, 27))  # the day after the due date
    page.reload()
    assert page.locator("#warning").inner_text() == "红色预警"
    _logout(page)

    browser_login(page, w.lead_user.email)
    page.goto("/follow-ups")
    first_row = page.locator("#followups tbody tr").first
    assert "红色预警" in first_row.inner_text() and "退回 1 次" in first_row.inner_text()


def test_dashboard_draws_the_charts_under_the_csp(page, fu_world):
    w = fu_world
    followups.create(w.secretariat, w.payload())
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text) if msg.type == "error" else None)
    browser_login(page, w.secretariat.email)
    page.wait_for_selector("#followups-charts[data-ready='1']")
    assert page.locator("#chart-departments canvas").count() >= 1
    assert "交办 1" in page.locator("#followups-totals").inner_text()
    assert not [m for m in messages if "Content Security Policy" in m], messages
