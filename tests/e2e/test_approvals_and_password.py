"""Real Chromium, Chinese locale: the agency head works through the approval queue on the dashboard (approve
one, reject one with a reason), and a user changes their password while another session of theirs ends."""

from __future__ import annotations

from datetime import date

import pytest

from extensions import db
from models import Inspection, User
from tests import quietdays_fixtures as qf
from tests.e2e.conftest import browser_login

world, today = qf.world, qf.today
pytestmark = pytest.mark.browser


def _pending(world, subject: str, day: date) -> int:
    row = Inspection(enterprise_id=world.ent.id, department_id=world.amr.id, date=day, kind="complaint",
                     subject=subject, justification="12345热线投诉：夜间噪声扰民", reference="12345-2026-0042",
                     on_protected_day=True, status="pending_approval", created_by_id=world.inspector.id)
    db.session.add(row)
    db.session.commit()
    return row.id


def test_head_approves_and_rejects_from_the_dashboard(page, world):
    first = _pending(world, "噪声投诉核查", date(2026, 11, 23))
    second = _pending(world, "粉尘投诉核查", date(2026, 11, 24))
    browser_login(page, world.head.email)
    page.goto("/")
    assert "待审批（2）" in page.locator("nav.mainnav").inner_text()
    queue = page.locator("#approvals")
    assert page.locator("#approvals-count").inner_text() == "2"
    assert "12345热线投诉：夜间噪声扰民" in queue.inner_text()

    page.locator(f'li.approval[data-id="{first}"] button.approve').click()
    page.wait_for_load_state()
    assert page.url.endswith("/#approvals")
    assert page.locator("#approvals-count").inner_text() == "1"
    assert "待审批（1）" in page.locator("nav.mainnav").inner_text()

    item = page.locator(f'li.approval[data-id="{second}"]')
    # An empty reason is stopped in the browser (required) and, if sent anyway, by the server.
    item.locator("form.reject button").click()
    assert page.locator("#approvals-count").inner_text() == "1"
    item.locator("input[name=reason]").fill("已电话核实，无需入企")
    item.locator("form.reject button").click()
    page.wait_for_load_state()
    assert page.locator("#approvals-count").inner_text() == "0"
    assert "目前没有待您审批的检查" in page.locator("#approvals").inner_text()

    db.session.expire_all()
    assert db.session.get(Inspection, first).status == "planned"
    rejected = db.session.get(Inspection, second)
    assert (rejected.status, rejected.rejection_reason) == ("rejected", "已电话核实，无需入企")
    page.goto(f"/inspections/{second}")
    assert "已驳回" in page.locator("#status").inner_text()
    assert "已电话核实，无需入企" in page.locator("#rejection").inner_text()


def test_head_cannot_approve_own_booking_in_the_browser(page, world):
    own = Inspection(enterprise_id=world.ent.id, department_id=world.amr.id, date=date(2026, 11, 25),
                     kind="complaint", subject="本人预约", justification="投诉", status="pending_approval",
                     created_by_id=world.head.id)
    db.session.add(own)
    db.session.commit()
    browser_login(page, world.head.email)
    page.goto("/")
    item = page.locator(f'li.approval[data-id="{own.id}"]')
    assert "本人预约" in item.inner_text() and "须由本部门另一位负责人审批" in item.inner_text()
    assert item.locator("button").count() == 0


def test_password_change_ends_the_other_session(browser, live_server, page, world):
    other = browser.new_context(base_url=live_server, locale="zh-CN")
    other_page = other.new_page()
    try:
        browser_login(other_page, world.admin.email)
        other_page.goto("/profile")
        assert "/login" not in other_page.url

        browser_login(page, world.admin.email)
        page.goto("/profile")
        page.fill("#current_password", "not my password")
        page.fill("#new_password", "新的安全密码2026")
        page.fill("#confirm", "新的安全密码2026")
        page.click("#password button[type=submit]")
        page.wait_for_load_state()
        assert "当前密码不正确" in page.locator("#password").inner_text()

        page.fill("#current_password", "correct horse battery")
        page.fill("#new_password", "新的安全密码2026")
        page.fill("#confirm", "新的安全密码2026")
        page.click("#password button[type=submit]")
        page.wait_for_load_state()
        assert page.url.endswith("/profile")
        assert "密码已修改" in page.content()

        # This browser stays signed in; the other one is sent to the login page.
        page.goto("/")
        assert "/login" not in page.url
        other_page.goto("/profile")
        assert "/login" in other_page.url
        browser_login(other_page, world.admin.email, "新的安全密码2026")
        assert "/login" not in other_page.url
        db.session.expire_all()
        assert db.session.get(User, world.admin.id).check_password("新的安全密码2026")
    finally:
        other.close()
