"""A real Chromium: an inspector is refused on a Monday for a private enterprise under Zhuzhou's Mon–Wed
policy, sees the next allowed date in plain Chinese and books it with one click."""

from __future__ import annotations

from datetime import date

import pytest

from extensions import db
from models import Inspection
from tests import quietdays_fixtures as qf
from tests.e2e.conftest import browser_login

world, today = qf.world, qf.today
pytestmark = pytest.mark.browser


def test_inspector_refused_on_monday_books_next_allowed_date(page, world):
    browser_login(page, world.inspector.email)
    page.goto("/check")
    page.fill("#q", "时代工程塑料")
    page.fill("#date", "2026-11-23")  # a Monday
    page.select_option("#kind", "routine")
    page.click("form.card button.primary")
    page.wait_for_load_state()

    verdict = page.locator("#verdict")
    assert verdict.get_attribute("data-allowed") == "false"
    assert "不允许检查" in verdict.inner_text()  # plain Chinese (translations/pending/qd.json)
    assert "民营企业宁静日" in page.locator("dl.facts").inner_text()
    assert "2026-11-26" in page.locator("#next-allowed").inner_text()
    assert page.locator('.day.refused[data-date="2026-11-23"]').count() == 1
    assert page.locator('.day.allowed[data-date="2026-11-26"]').count() == 1

    page.click("#book-next")
    page.wait_for_load_state()
    assert page.input_value("input[name=date]") == "2026-11-26"
    assert page.input_value("input[name=uscc]") == world.ent.uscc
    page.fill("input[name=subject]", "食品安全日常检查")
    page.click("form.card button.primary")
    page.wait_for_load_state()

    assert "/inspections/" in page.url
    assert "2026-11-26" in page.locator("dl.facts").inner_text()
    db.session.expire_all()
    booked = db.session.query(Inspection).one()
    assert (booked.date, booked.kind, booked.status) == (date(2026, 11, 26), "routine", "planned")
    assert booked.department_id == world.amr.id and booked.enterprise_id == world.ent.id
