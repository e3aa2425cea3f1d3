"""One English msgid, two Chinese wordings: the places that need different words have their own catalog entries
(a pgettext context), so each page reads as its feature wrote it. Before, the batch merged last won: the feed
category and the audit log both read 企业诉求, the meeting calendar's month button 月份."""

from __future__ import annotations

import re

import pytest

from operations import feeds as of
from tests import followups_fixtures as ff
from tests.factories import login
from tests.feed_checks import events_by_uid

fu_world = ff.fu_world


@pytest.fixture(autouse=True)
def _forget_renders():
    of.rendered.clear()


def test_the_feed_category_of_a_due_date_reads_dubanshixiang(client, fu_world):
    w = fu_world
    item = w.create(client)
    resp = client.post("/api/v1/feed-token", headers=w.headers(w.lead_user))
    body = client.get("/" + resp.get_json()["url"].split("/", 3)[3]).data
    event = events_by_uid(body)[f"followup-{item['id']}-d{w.lead.id}@localhost"]
    assert [str(c) for c in event["CATEGORIES"].cats] == ["督办事项"]


def test_the_audit_log_names_a_follow_up_as_the_ledger_does(client, fu_world):
    w = fu_world
    item = w.create(client)
    login(client, w.admin)
    html = client.get("/admin/audit?entity=follow_up").get_data(as_text=True)
    cell = re.search(r'data-entity="follow_up">.*?<td class="record">([^<]*)<code>' + str(item["id"]), html, re.S)
    assert cell is not None and cell.group(1).strip() == "问题"
    english = client.get("/admin/audit?entity=follow_up&lang=en").get_data(as_text=True)
    assert '<td class="record">Follow-up item <code>' in english


def test_the_meeting_calendar_switches_between_yue_and_zhou(client, fu_world):
    login(client, fu_world.secretariat)

    def buttons(url: str) -> list[str]:
        html = client.get(url).get_data(as_text=True)
        return re.findall(r'<a class="button" href="/meetings\?view=(?:month|week)[^"]*"[^>]*>([^<]+)</a>', html)

    assert buttons("/meetings") == ["月", "周"]
    assert buttons("/meetings?lang=en") == ["Month", "Week"]


def test_the_calendar_notice_names_its_holidays_field_as_its_form_does(client, fu_world):
    resp = client.put("/api/v1/calendar/2027", json={"holidays": "2027-10-01", "workdays": []},
                      headers=fu_world.headers(fu_world.admin))
    assert resp.status_code == 422
    assert resp.get_json()["error"]["message"].startswith("放假日期")
