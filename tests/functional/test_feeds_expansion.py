"""The feeds say exactly what the check API says: every feed is expanded by recurring-ical-events (Python) and by
Mozilla's ical.js (Node), and both expansions must equal the API's protected days, day for day, over the whole
published window — across policy kinds, exceptions, a white list, a month end, a year end and a fallback year."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from extensions import db
from operations import checks
from operations import feeds as of
from tests import quietdays_fixtures as qf
from tests.feed_checks import assert_feed_rules, icaljs_days, python_days

world, today = qf.world, qf.today


@pytest.fixture(autouse=True)
def _forget_renders():
    # Every test starts from an emptied database whose ids start again at 1, so a cached rendering of an
    # earlier test could match by id and count; a server never sees its data vanish like that.
    of.rendered.clear()


def api_protected(client, world, user, uscc: str, start: date, end: date) -> set[date]:
    """GET /api/v1/enterprises/{uscc}/days in ranges of at most 366 days (the API's limit)."""
    out: set[date] = set()
    cur = start
    while cur <= end:
        last = min(end, cur + timedelta(days=365))
        resp = client.get(f"/api/v1/enterprises/{uscc}/days", query_string={"from": cur.isoformat(),
                          "to": last.isoformat()}, headers=world.headers(user))
        assert resp.status_code == 200, resp.get_json()
        days = resp.get_json()["days"]
        assert len(days) == (last - cur).days + 1
        out.update(date.fromisoformat(d["date"]) for d in days if d["protected"])
        cur = last + timedelta(days=1)
    return out


@pytest.fixture
def varied(world):
    """Policies of every rule type, at three levels, with exceptions and a white list."""
    admin = world.headers(world.admin)
    lukou = qf.add_policy(world.lukou, {"type": "month_days", "from": 28, "to": 31}, title="渌口区月末宁静日",
                          ownership=["state"], sizes=[])
    province = qf.add_policy(world.hunan, {"type": "first_workdays_open", "count": 5}, title="湖南省首五日开放",
                             ownership=["private"], valid_from=date(2026, 12, 1), valid_until=date(2027, 2, 28))
    listed = qf.add_policy(world.zhuzhou, {"type": "date_range", "from": "2027-03-01", "to": "2027-03-20"},
                           title="白名单免检期", ownership=[])
    listed.enterprises = [world.ent]
    draft = qf.add_policy(world.zhuzhou, {"type": "weekdays", "weekdays": [4, 5]}, title="草案", status="draft")
    db.session.commit()
    return {"lukou": lukou, "province": province, "listed": listed, "draft": draft, "admin": admin}


def _exceptions(client, varied, world):
    admin = varied["admin"]
    for pid, day, effect in ((world.policy.id, "2026-11-23", "lift"), (world.policy.id, "2026-11-26", "add"),
                             (varied["lukou"].id, "2026-12-31", "lift"), (varied["listed"].id, "2027-03-25", "add")):
        resp = client.post(f"/api/v1/quiet-day-policies/{pid}/exceptions", headers=admin,
                           json={"date": day, "effect": effect, "reason": "测试例外"})
        assert resp.status_code == 201, resp.get_json()


@pytest.mark.parametrize("who", ["ent", "other_ent", "state_ent"])
def test_enterprise_feed_expands_to_the_apis_protected_days(client, world, varied, who):
    _exceptions(client, varied, world)
    ent = getattr(world, who)
    user = {"ent": world.enterprise_user, "other_ent": world.other_enterprise_user}.get(who)
    if user is None:
        from tests.factories import create_user

        user = create_user("enterprise", enterprise=ent)
    resp = client.post("/api/v1/feed-token", headers=world.headers(user))
    path = "/" + resp.get_json()["url"].split("/", 3)[3]
    body = client.get(path).data
    assert_feed_rules(body)
    window = of.Window.around(qf.TODAY)
    expected = api_protected(client, world, user, ent.uscc, window.start, window.end)
    assert expected, "the scenario protects some days"
    prefix = f"quiet-e{ent.id}-"
    assert python_days(body, window.start, window.end, uid_prefix=prefix) == expected
    assert icaljs_days(body, window.start, window.end, uid_prefix=prefix) == expected
    # Days just outside the window are not published.
    assert python_days(body, window.start - timedelta(days=60), window.start - timedelta(days=1)) == set()


def test_public_feed_expands_to_each_policys_days(client, world, varied):
    _exceptions(client, varied, world)
    body = client.get("/feeds/quiet-days/430212.ics").data
    assert_feed_rules(body)
    window = of.Window.around(qf.TODAY)
    eng = checks.engine()
    for key in ("lukou", "province", "listed"):
        policy = varied[key]
        expected = set(eng.policy_days(policy.id, window.start, window.end))
        prefix = f"quiet-p{policy.id}-"
        assert python_days(body, window.start, window.end, uid_prefix=prefix) == expected, key
        assert icaljs_days(body, window.start, window.end, uid_prefix=prefix) == expected, key
    expected = set(eng.policy_days(world.policy.id, window.start, window.end))
    assert date(2026, 11, 23) not in expected and date(2026, 11, 26) in expected
    assert python_days(body, window.start, window.end, uid_prefix=f"quiet-p{world.policy.id}-") == expected
    assert f"quiet-p{varied['draft'].id}-" not in body.decode()
