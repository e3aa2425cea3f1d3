"""Check-in only when it can succeed (issue 6): 确认入企 is offered only for a planned inspection of the
inspector's agency today; otherwise the page says why. The joint-visit hint links only to pages the inspector
may open."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from extensions import db
from models import Inspection
from tests import quietdays_fixtures as qf
from tests.factories import create_user, login

world = qf.world
today = qf.today


def _add(world, status: str, dept=None, day=None, **kw) -> Inspection:
    row = Inspection(enterprise=world.ent, department=dept or world.amr, date=day or qf.TODAY, kind="routine",
                     subject=kw.pop("subject", "检查"), status=status, **kw)
    db.session.add(row)
    db.session.commit()
    return row


def _page(client, world) -> str:
    resp = client.get(f"/checkin/{world.ent.uscc}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_no_plan_no_button_and_says_why(client, world):
    login(client, world.inspector)
    html = _page(client, world)
    assert 'id="checkin-form"' not in html and "确认入企" not in html
    assert "本部门今天没有对该企业的检查计划" in html
    assert 'action="/checkin/' + world.ent.uscc + '/emergency"' in html  # the emergency path stays open


def test_pending_approval_says_the_head_must_approve(client, world):
    _add(world, "pending_approval")
    login(client, world.inspector)
    html = _page(client, world)
    assert 'id="checkin-form"' not in html and "须经部门负责人批准后才能确认入企" in html


@pytest.mark.parametrize("status", ["checked_in", "completed"])
def test_nothing_left_to_check_in(client, world, status):
    _add(world, status)
    login(client, world.inspector)
    html = _page(client, world)
    assert 'id="checkin-form"' not in html and "今天没有待入企的检查" in html


def test_planned_today_offers_the_button_and_it_works(client, world):
    planned = _add(world, "planned")
    login(client, world.inspector)
    html = _page(client, world)
    assert 'id="checkin-form"' in html and "确认入企" in html
    assert client.post(f"/checkin/{world.ent.uscc}").status_code == 302
    db.session.refresh(planned)
    assert planned.status == "checked_in"


def test_other_agencies_plan_does_not_offer_the_button(client, world):
    _add(world, "planned", dept=world.em)
    login(client, world.inspector)
    assert 'id="checkin-form"' not in _page(client, world)


def test_detail_page_offers_check_in_only_on_the_day(client, world):
    tomorrow = _add(world, "planned", day=qf.TODAY + timedelta(days=1))
    todays = _add(world, "planned")
    login(client, world.inspector)
    assert "确认入企" not in client.get(f"/inspections/{tomorrow.id}").get_data(as_text=True)
    html = client.get(f"/inspections/{todays.id}").get_data(as_text=True)
    assert f'action="/inspections/{todays.id}/check-in"' in html and "确认入企" in html


def test_joint_hint_links_only_to_pages_the_inspector_may_open(client, world):
    other = _add(world, "planned", dept=world.em, day=qf.THURSDAY, subject="应急检查")
    mine = _add(world, "planned", day=qf.THURSDAY + timedelta(days=1))
    login(client, world.inspector)
    html = client.get(f"/inspections/{mine.id}").get_data(as_text=True)
    hint = html.split('id="joint-suggestion"', 1)[1].split("</div>", 1)[0]
    assert f"#{other.id}" in hint  # named, so the two agencies can talk about it
    links = [h.replace("&amp;", "&") for h in re.findall(r'href="([^"]+)"', hint)]
    assert links and f"/inspections/{other.id}" not in links
    for href in links:
        assert client.get(href).status_code == 200, href
    assert client.get(f"/inspections/{other.id}").status_code == 403  # which is why it is not linked


def test_joined_visits_link_only_what_opens(client, world):
    other = _add(world, "planned", dept=world.em, day=qf.THURSDAY)
    mine = _add(world, "planned", day=qf.THURSDAY, joint_with_id=other.id)
    login(client, world.inspector)
    joined = client.get(f"/inspections/{mine.id}").get_data(as_text=True).split('id="joined"', 1)[1]
    joined = joined.split("</dd>", 1)[0]
    assert f"#{other.id}" in joined and f'href="/inspections/{other.id}"' not in joined
    client.post("/logout")
    login(client, world.admin)  # the admin may open both: linked
    joined = client.get(f"/inspections/{mine.id}").get_data(as_text=True).split('id="joined"', 1)[1]
    assert f'href="/inspections/{other.id}"' in joined.split("</dd>", 1)[0]


@pytest.mark.parametrize("role", ["admin", "secretariat", "official", "department", "enterprise"])
def test_checkin_page_is_for_inspectors_only(client, world, role):
    _add(world, "planned")
    login(client, world.enterprise_user if role == "enterprise" else create_user(role))
    assert client.get(f"/checkin/{world.ent.uscc}").status_code == 403
    assert client.post(f"/checkin/{world.ent.uscc}").status_code == 403
