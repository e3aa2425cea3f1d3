"""A real Chromium: an enterprise issues its calendar link from its calendar page (real CSRF token), sees the
https address, the webcal:// link and a QR code that renders under the strict CSP, and the link serves the feed."""

from __future__ import annotations

import pytest

from tests import quietdays_fixtures as qf
from tests.e2e.conftest import browser_login

pytestmark = pytest.mark.browser
world, today = qf.world, qf.today


def test_enterprise_issues_a_link_and_subscribes(page, world, live_server):
    violations: list[str] = []
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    browser_login(page, world.enterprise_user.email)
    page.goto("/my/calendar")
    panel = page.locator("#subscribe")
    assert "在日历应用中订阅" in panel.inner_text()
    panel.locator("button[type=submit]").click()
    page.wait_for_load_state()
    url = page.locator("#feed-url").input_value()
    host = live_server.split("://", 1)[1]
    assert url.startswith(f"https://{host}/feeds/zqf_") and url.endswith(".ics") and len(url) <= 256
    assert page.locator("#feed-webcal").get_attribute("href") == "webcal://" + url.split("://", 1)[1]
    qr = page.locator("img.feed-qr")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    page.locator(".subscribe-panel summary").click()  # the instructions fold out, no script needed
    help_text = page.locator(".feed-help").inner_text()
    assert all(name in help_text for name in ("Google", "Outlook", "Apple", "Thunderbird")) and "12" in help_text
    resp = page.request.get(url.replace("https://", "http://", 1))
    assert resp.status == 200 and resp.headers["content-type"] == "text/calendar; charset=utf-8"
    assert resp.body().startswith(b"BEGIN:VCALENDAR\r\n")
    assert violations == []
