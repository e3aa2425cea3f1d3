"""Calendar labels that do not mislead (issue 6): on the check page a quiet day of a policy that does not bind
the asking agency is advice (green, "仅提示"), not a red-word quiet day on a green day; every colour used is in
the legend; the enterprise's own calendar says which agencies each policy binds.

World (tests/quietdays_fixtures.py): Zhuzhou's Mon–Wed policy for private enterprises binds Zhuzhou and below
for routine and random inspections; the province's agency (hn-amr) is not bound; today is Thu 2026-11-19."""

from __future__ import annotations

import re

import pytest

from operations import inspections
from tests import quietdays_fixtures as qf
from tests.factories import create_user, login

world = qf.world
today = qf.today

MONDAY = "2026-11-23"
THURSDAY = "2026-11-26"


def _cells(html: str) -> dict[str, tuple[set[str], str]]:
    """date -> (css classes, note text) of the month grid."""
    out = {}
    for m in re.finditer(r'<div class="day ([^"]*)" data-date="([0-9-]+)"[^>]*>(.*?)</div>', html, re.S):
        note = re.search(r'<span class="note">(.*?)</span>', m.group(3))
        out[m.group(2)] = (set(m.group(1).split()), note.group(1) if note else "")
    return out


def _legend(html: str) -> set[str]:
    block = html.split('id="legend"', 1)[1].split("</ul>", 1)[0]
    return set(re.findall(r'data-class="([a-z]+)"', block))


def _check(client, ent, kind="routine", day=MONDAY):
    resp = client.get(f"/check?uscc={ent.uscc}&date={day}&kind={kind}")
    assert resp.status_code == 200
    return resp.get_data(as_text=True)


def test_policy_that_does_not_bind_the_agency_is_advice_not_a_quiet_day(client, world):
    login(client, create_user("inspector", department=world.province))
    html = _check(client, world.ent)
    classes, note = _cells(html)[MONDAY]
    assert "advisory" in classes and "allowed" in classes
    assert note == "仅提示" and "宁静日" not in note
    assert "提示（不约束贵部门）" in html  # the facts of the chosen day say the same
    legend = html.split('id="legend"', 1)[1].split("</ul>", 1)[0]
    assert "不约束本部门" in legend


def test_binding_policy_is_a_red_quiet_day(client, world):
    login(client, world.inspector)
    cls, note = _cells(_check(client, world.ent))[MONDAY]
    assert "refused" in cls and "advisory" not in cls and note == "宁静日"
    cls, note = _cells(_check(client, world.ent))[THURSDAY]
    assert cls == {"allowed"} and note == ""


def test_kind_the_policy_does_not_block_needs_a_justification(client, world):
    login(client, world.inspector)
    cls, note = _cells(_check(client, world.ent, kind="complaint"))[MONDAY]
    assert "caution" in cls and note == "须说明理由"


def test_cap_refusal_is_told_apart_from_a_quiet_day(client, world):
    for day in ("2026-11-26", "2026-11-27"):  # zz-amr's yearly cap is 2
        inspections.book(world.inspector, {"uscc": world.ent.uscc, "date": day, "kind": "routine",
                                           "subject": "日常检查"})
    login(client, world.inspector)
    cells = _cells(_check(client, world.ent, day="2026-11-30"))
    assert "cap" not in cells["2026-11-30"][0]  # a Monday: the quiet day is the reason shown, not the cap
    cls, note = cells["2026-11-26"]
    assert {"refused", "cap"} <= cls and note == "已达上限"


@pytest.mark.parametrize("kind", ["routine", "complaint"])
@pytest.mark.parametrize("who", ["inspector", "province"])
def test_legend_explains_every_colour_used(client, world, kind, who):
    user = world.inspector if who == "inspector" else create_user("inspector", department=world.province)
    login(client, user)
    html = _check(client, world.ent, kind=kind)
    used = set().union(*(cls for cls, _note in _cells(html).values()))
    assert used - _legend(html) == set(), used - _legend(html)


def test_admin_choosing_an_agency_gets_the_same_labels(client, world):
    login(client, world.admin)
    html = client.get(f"/check?uscc={world.ent.uscc}&date={MONDAY}&kind=routine&department=hn-amr"
                      ).get_data(as_text=True)
    assert "advisory" in _cells(html)[MONDAY][0]


def test_enterprise_calendar_says_which_agencies_each_policy_binds(client, world):
    own_level = qf.add_policy(world.lukou, title="渌口区本级宁静日", rule={"type": "weekdays", "weekdays": [4]},
                              binds="level")
    login(client, world.enterprise_user)
    html = client.get("/my/calendar?month=2026-11").get_data(as_text=True)
    city = html.split(f'data-policy="{world.policy.id}"', 1)[1].split("</details>", 1)[0]
    assert "约束株洲市及其下辖各级执法部门" in city and "日常检查" in city
    assert "株洲市市场监督管理局" in city and "株洲市应急管理局" in city
    assert "湖南省市场监督管理局" not in city  # the province is above Zhuzhou: not bound
    lukou = html.split(f'data-policy="{own_level.id}"', 1)[1].split("</details>", 1)[0]
    assert "仅约束渌口区本级执法部门" in lukou and "受约束的执法部门（0 个）" in lukou
    assert "其他层级的执法部门不受上述政策约束" in html


@pytest.mark.parametrize("role", ["enterprise", "official", "department"])
def test_check_page_refuses_other_roles(client, world, role):
    login(client, world.enterprise_user if role == "enterprise" else create_user(role))
    assert client.get(f"/check?uscc={world.ent.uscc}").status_code == 403


@pytest.mark.parametrize("role", ["inspector", "admin", "secretariat"])
def test_enterprise_calendar_is_for_enterprises_only(client, world, role):
    login(client, {"inspector": world.inspector, "admin": world.admin, "secretariat": world.secretariat}[role])
    assert client.get("/my/calendar").status_code == 403


@pytest.mark.parametrize("page", ["enterprise", "public", "policy"])
def test_other_calendars_explain_every_colour_too(client, world, page):
    user, url = {
        "enterprise": (world.enterprise_user, "/my/calendar?month=2026-11"),
        "public": (None, "/public/quiet-days/430212?month=2026-11"),
        "policy": (world.admin, f"/policies/{world.policy.id}?year=2026"),
    }[page]
    if user:
        login(client, user)
    html = client.get(url).get_data(as_text=True)
    used = set().union(*(cls for cls, _note in _cells(html).values()))
    assert {"protected", "today"} <= used  # November 2026 holds today (the 19th) and quiet days
    assert used - _legend(html) == set(), used - _legend(html)
