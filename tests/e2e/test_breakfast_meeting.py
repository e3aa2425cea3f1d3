"""A real Chromium: the secretariat books a breakfast meeting for next week and invites six enterprises (found
by short name); one enterprise accepts with the topics it will raise; the secretariat sees them on the guest
list and its printable sheet."""

from __future__ import annotations

import pytest

from extensions import db
from models import Invitation, Meeting
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.e2e.conftest import browser_login

world, today, mworld = qf.world, qf.today, mf.mworld
pytestmark = pytest.mark.browser


def test_book_invite_six_accept_with_topics_guest_list(page, mworld):
    browser_login(page, mworld.sec.email)
    page.goto("/meetings")
    page.click("#book-meeting")
    page.select_option("#kind", "breakfast")
    page.fill("#title", "政企早餐会：先进制造")
    page.fill("#starts_at", "2026-11-26T07:30")  # next week's Thursday (today is pinned to 2026-11-19)
    page.fill("#ends_at", "2026-11-26T09:00")
    page.fill("#venue", "市委小会议室")
    page.fill("#capacity", "6")
    page.check(f"#hosts input[value='{mworld.mayor.id}']")
    page.click("#meeting-form button.primary")
    page.wait_for_load_state()
    assert "/meetings/" in page.url, page.content()
    assert "2026-11-26 07:30–09:00" in page.locator("#when").inner_text()
    meeting_url = page.url

    for ent in mworld.guests:
        page.fill("#q", ent.short_name)
        page.click("#search-form button")
        page.wait_for_load_state()
        row = page.locator(f"form.invite-row[data-uscc='{ent.uscc}']")
        row.locator("input[name=representative]").fill("董事长")
        row.locator("button").click()
        page.wait_for_load_state()
        assert page.locator(f"#guests tr[data-uscc='{ent.uscc}']").count() == 1
    assert page.locator("#seats").inner_text().strip() == "6 / 6"

    page.context.clear_cookies()
    browser_login(page, mworld.guest_users[0].email)
    page.goto(meeting_url)
    assert page.locator("#guests").count() == 0  # an enterprise never sees the other guests
    page.fill("#topics", "扩产用地指标；高层次人才公寓")
    page.click("#accept")
    page.wait_for_load_state()
    assert page.locator("#invitation-status").inner_text() == "已接受"

    page.context.clear_cookies()
    browser_login(page, mworld.sec.email)
    page.goto(meeting_url)
    row = page.locator(f"#guests tr[data-uscc='{mworld.guests[0].uscc}']")
    assert "已接受" in row.inner_text() and "扩产用地指标" in row.locator(".topics").inner_text()
    page.click("#print-link")
    page.wait_for_load_state()
    assert "扩产用地指标" in page.locator("#guest-sheet").inner_text()
    assert page.locator(".place-card").count() == 7  # six guests and the host

    db.session.expire_all()
    m = db.session.query(Meeting).one()
    assert db.session.query(Invitation).filter_by(meeting_id=m.id).count() == 6
