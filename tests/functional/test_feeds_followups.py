"""Follow-up items in a department's feed: due dates of the items it leads or assists, never another
department's; an approved extension moves the event under the same UID with a higher SEQUENCE; a resolved
item stays as STATUS:CANCELLED."""

from __future__ import annotations

from datetime import date

import pytest

from operations import feeds as of
from tests import followups_fixtures as ff
from tests.feed_checks import assert_feed_rules, events_by_uid, icaljs_days, python_days, unfolded

fu_world = ff.fu_world


@pytest.fixture(autouse=True)
def _forget_renders():
    of.rendered.clear()  # ids start again at 1 in every test (see test_feeds.py)


def feed(client, w, user) -> str:
    resp = client.post("/api/v1/feed-token", headers=w.headers(user))
    assert resp.status_code == 201, resp.get_json()
    return "/" + resp.get_json()["url"].split("/", 3)[3]


def act(client, w, user, item_id: int, action: str, body: dict | None = None):
    resp = client.post(f"/api/v1/follow-ups/{item_id}/{action}", json=body or {}, headers=w.headers(user))
    assert resp.status_code in (200, 201), resp.get_json()
    return resp.get_json()


def test_lead_and_assisting_departments_see_the_due_date_others_do_not(client, fu_world):
    w = fu_world
    item = w.create(client)
    due = date.fromisoformat(item["due_date"])
    for user, scope, sees in ((w.lead_user, w.lead.id, True), (w.assist_user, w.assist.id, True),
                              (w.other_user, w.other.id, False)):
        body = client.get(feed(client, w, user)).data
        assert_feed_rules(body)
        uid = f"followup-{item['id']}-d{scope}@localhost"
        assert (uid in events_by_uid(body)) is sees
        if sees:
            ev = events_by_uid(body)[uid]
            assert ev["DTSTART"].dt == due and str(ev["STATUS"]) == "CONFIRMED"
            assert "厂房用地指标落实" in str(ev["SUMMARY"]) and w.ent.name in str(ev["DESCRIPTION"])
            window = of.Window.around(w.today)
            prefix = f"followup-{item['id']}-"
            assert python_days(body, window.start, window.end, uid_prefix=prefix) == {due}
            assert icaljs_days(body, window.start, window.end, uid_prefix=prefix) == {due}


def test_extension_moves_the_event_and_resolution_cancels_it(client, fu_world):
    w = fu_world
    item = w.create(client)
    path = feed(client, w, w.lead_user)
    uid = f"followup-{item['id']}-d{w.lead.id}@localhost"
    first = client.get(path)
    assert int(events_by_uid(first.data)[uid]["SEQUENCE"]) == 0
    act(client, w, w.lead_user, item["id"], "extend", {"due_date": "2026-12-04", "reason": "需省厅批复"})
    act(client, w, w.secretariat, item["id"], "extension-decision", {"decision": "approved"})
    second = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
    assert second.status_code == 200
    ev = events_by_uid(second.data)[uid]
    assert ev["DTSTART"].dt == date(2026, 12, 4) and int(ev["SEQUENCE"]) == 1
    assert "DTEND;VALUE=DATE:20261205" in unfolded(second.data)
    act(client, w, w.lead_user, item["id"], "resolve", {"resolution": "已协调落实用地指标"})
    ev = events_by_uid(client.get(path).data)[uid]
    assert str(ev["STATUS"]) == "CANCELLED" and int(ev["SEQUENCE"]) == 2


def test_the_ledger_offers_departments_the_subscribe_panel(client, fu_world):
    from tests.factories import login

    login(client, fu_world.lead_user)
    html = client.get("/follow-ups").get_data(as_text=True)
    assert 'id="subscribe"' in html and 'action="/feeds/subscribe"' in html
