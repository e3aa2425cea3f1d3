"""A real Chromium at 390 px (a phone), in Chinese: the calendars fit the screen with readable day cells, and
the QR page's print button appears (static/js/print.js) and stays off the printed sheet."""

from __future__ import annotations

import pytest

from tests import quietdays_fixtures as qf
from tests.e2e.conftest import browser_login

pytestmark = pytest.mark.browser

world = qf.world
today = qf.today


def _fits_and_readable(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    cells = page.locator(".month .day[data-date]")
    assert cells.count() >= 28
    for i in (0, 10, 20):
        box = cells.nth(i).bounding_box()
        assert box["width"] >= 40 and box["height"] <= 80, box
        assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    size = cells.nth(0).locator(".num").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert size >= 12


def test_enterprise_calendar_on_a_phone(page, world):
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, world.enterprise_user.email)
    page.goto("/my/calendar?month=2026-11")
    _fits_and_readable(page)
    assert page.locator("h3").first.inner_text() == "2026年11月"


def test_check_page_calendar_on_a_phone(page, world):
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, world.inspector.email)
    page.goto(f"/check?uscc={world.ent.uscc}&date=2026-11-23")
    _fits_and_readable(page)
    assert page.locator("#legend").is_visible()


def test_qr_page_print_button(page, world):
    page.set_viewport_size({"width": 390, "height": 844})
    browser_login(page, world.enterprise_user.email)
    page.goto(f"/inspections/code/{world.ent.uscc}")
    button = page.locator("#print-button")
    assert button.is_visible() and button.inner_text() == "打印"
    page.emulate_media(media="print")
    assert not button.is_visible()  # the printed sheet shows the code, not the button
