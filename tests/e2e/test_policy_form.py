"""A real Chromium in Chinese: the policy form shows only the fields of the chosen rule type (static/js, strict
CSP), its checkboxes look like checkboxes, and a refused save shows the error at the top and next to the field,
with the chosen rule's fields still the ones on screen."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from extensions import db
from models import QuietDayPolicy
from tests.e2e.conftest import browser_login
from tests.factories import create_jurisdiction, create_user

pytestmark = pytest.mark.browser

GROUPS = {"weekdays": "#weekdays-0", "month_days": "#day_from", "first_workdays_open": "#count",
          "date_range": "#date_from"}


def _visible(page) -> set[str]:
    return {rtype for rtype, sel in GROUPS.items() if page.locator(sel).is_visible()}


def test_policy_form_shows_only_the_chosen_rule_fields(page):
    create_jurisdiction("430200", "株洲市")
    admin = create_user("admin")
    browser_login(page, admin.email)
    page.goto("/policies/new")
    assert _visible(page) == {"weekdays"}  # the default rule type
    assert not page.locator("#rule-hint").is_visible()  # the no-JS hint is not needed
    for rtype in ("month_days", "first_workdays_open", "date_range", "weekdays"):
        page.select_option("#rule_type", rtype)
        assert _visible(page) == {rtype}, rtype

    # Checkboxes look like checkboxes: native appearance, a square of about 18 px, no text-box padding.
    box = page.locator("#weekdays-0").bounding_box()
    assert 14 <= box["width"] <= 24 and abs(box["width"] - box["height"]) < 2
    assert page.locator("#weekdays-0").evaluate("e => getComputedStyle(e).appearance") == "auto"
    assert page.locator("#weekdays-0").evaluate("e => getComputedStyle(e.closest('ul')).listStyleType") == "none"

    # A refused save: error at the top (linking to the field) and next to it; month_days still the one shown.
    page.fill("#title", "月中宁静日")
    page.select_option("#rule_type", "month_days")
    page.fill("#day_from", "40")
    page.fill("#day_to", "45")
    page.fill("#valid_from", "2026-12-01")
    page.click("form.card button[type=submit].primary")
    page.wait_for_load_state()
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert summary.locator("a[href='#day_from']").count() == 1
    assert page.locator(".field.has-error #day_from").count() == 1
    assert "40" in page.locator(".field.has-error:has(#day_from) .error").inner_text()
    assert _visible(page) == {"month_days"}
    assert db.session.scalar(select(QuietDayPolicy)) is None

    page.fill("#day_from", "1")
    page.fill("#day_to", "10")
    page.click("form.card button[type=submit].primary")
    page.wait_for_load_state()
    db.session.expire_all()
    row = db.session.scalar(select(QuietDayPolicy))
    assert row is not None and row.rule == {"type": "month_days", "from": 1, "to": 10}
    assert f"/policies/{row.id}" in page.url
