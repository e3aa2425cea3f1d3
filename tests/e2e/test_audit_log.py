"""A real Chromium in Chinese at 1280 px: the admin changes an enterprise and reads the change in the audit log
as a sentence a clerk understands, with the filters on one line and nothing running off the page."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import browser_login
from tests.factories import create_enterprise, create_jurisdiction, create_user

pytestmark = pytest.mark.browser


def test_admin_reads_a_change_in_the_audit_log(page):
    zz = create_jurisdiction("430200", "株洲市")
    ent = create_enterprise(name="株洲旧名有限公司", jurisdiction=zz, size="small")
    admin = create_user("admin", name="系统管理员")
    browser_login(page, admin.email)

    page.goto(f"/admin/enterprises/{ent.uscc}/edit")
    page.fill("input[name=name]", "株洲新名有限公司")
    page.select_option("select[name=size]", "medium")
    page.click("button[type=submit].primary")
    page.wait_for_load_state()

    page.goto("/admin/audit")
    page.select_option("#entity", label="企业")
    page.select_option("#action", label="修改")
    page.click("#audit-filters button[type=submit]")
    page.wait_for_load_state()

    row = page.locator("#audit tbody tr[data-action=update]")
    assert row.count() == 1
    text = row.inner_text()
    assert "修改" in text and "企业" in text and "系统管理员" in text
    name = row.locator("tr[data-field=name]")
    assert name.locator("th").inner_text() == "名称"
    assert name.locator("td.old").inner_text() == "株洲旧名有限公司"
    assert name.locator("td.new").inner_text() == "株洲新名有限公司"
    size = row.locator("tr[data-field=size]")
    assert (size.locator("td.old").inner_text(), size.locator("td.new").inner_text()) == ("小型", "中型")
    assert row.locator("tr[data-field=address]").count() == 0  # unchanged: not listed
    assert "{" not in text and "update" not in text

    # Filters on one line and the page no wider than the screen.
    tops = [page.locator(f"#audit-filters {sel}").bounding_box()["y"]
            for sel in ("#entity", "#action", "#entity_id", "#user", "#audit-from", "#audit-to")]
    assert max(tops) - min(tops) < 12, tops  # one row (a wrapped row would be ~60 px lower)
    button = page.locator("#audit-filters button[type=submit]").bounding_box()
    assert button["y"] < tops[0] + 40 and button["x"] + button["width"] <= 1280
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    page.screenshot(path=str(_shots() / "audit-1280.png"), full_page=True)


def _shots():
    import pathlib
    import tempfile

    path = pathlib.Path(tempfile.gettempdir()) / "zhengqi-screenshots"
    path.mkdir(exist_ok=True)
    return path
