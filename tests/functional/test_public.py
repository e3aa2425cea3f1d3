"""The public quiet-day page of a jurisdiction: no login, its own and higher-level active policies."""

from __future__ import annotations

import re

from tests import quietdays_fixtures as qf
from tests.quietdays_fixtures import add_policy

world, today = qf.world, qf.today


def test_public_page_lists_own_and_higher_policies_with_calendars(client, world):
    add_policy(
        world.lukou,
        {"type": "month_days", "from": 1, "to": 15},
        title="渌口区规上企业宁静期",
        ownership=[],
        sizes=["above_scale"],
    )
    add_policy(world.zhuzhou, {"type": "weekdays", "weekdays": [5]}, title="草稿政策", status="draft")
    add_policy(world.zhuzhou, {"type": "weekdays", "weekdays": [4]}, title="已废止政策", status="revoked")
    resp = client.get("/public/quiet-days/430212?month=2026-11&lang=zh_CN")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "民营企业宁静日" in html and "渌口区规上企业宁静期" in html
    assert "草稿政策" not in html and "已废止政策" not in html
    sections = html.split('class="card policy-section"')[1:]
    assert len(sections) == 2
    weekly = re.findall(r'class="day protected[^"]*" data-date="([\d-]+)"', sections[0])
    monthly = re.findall(r'class="day protected[^"]*" data-date="([\d-]+)"', sections[1])
    assert len(weekly) == 13 and "2026-11-23" in weekly
    assert monthly == [f"2026-11-{d:02d}" for d in range(1, 16)]
    assert "login" not in resp.request.path


def test_city_page_does_not_show_district_policies(client, world):
    add_policy(world.lukou, {"type": "month_days", "from": 1, "to": 15}, title="渌口区规上企业宁静期")
    html = client.get("/public/quiet-days/430200").get_data(as_text=True)
    assert "民营企业宁静日" in html and "渌口区规上企业宁静期" not in html


def test_unknown_jurisdiction_and_bad_month(client, world):
    assert client.get("/public/quiet-days/999999").status_code == 404
    assert client.get("/public/quiet-days/430200?month=2026-00").status_code == 422


def test_demo_data_is_idempotent_and_respects_the_rules(client, ctx, monkeypatch):
    from demo import quietdays as demo_quietdays
    from demo import run_demo
    from extensions import db
    from models import Inspection, PolicyException, QuietDayPolicy
    from operations import checks

    assert demo_quietdays.load() == []  # reference data missing: nothing to attach to, no failure
    monkeypatch.setattr(checks, "local_today", lambda: qf.TODAY)
    run_demo()
    first = (
        db.session.query(QuietDayPolicy).count(),
        db.session.query(PolicyException).count(),
        db.session.query(Inspection).count(),
    )
    run_demo()
    assert (
        db.session.query(QuietDayPolicy).count(),
        db.session.query(PolicyException).count(),
        db.session.query(Inspection).count(),
    ) == first
    assert first[0] == 3 and first[1] == 2
    statuses = {i.status for i in db.session.query(Inspection)}
    assert statuses == {"planned", "pending_approval", "checked_in", "completed", "cancelled"}
    assert db.session.query(Inspection).filter(Inspection.joint_with_id.is_not(None)).count() == 1
    assert any(i.rating for i in db.session.query(Inspection))
    html = client.get("/public/quiet-days/430212").get_data(as_text=True)
    assert "株洲市民营企业宁静日" in html and "渌口区规上企业宁静期" in html
