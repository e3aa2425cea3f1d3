"""The enterprise's own calendar: its quiet days with policy names, inspections planned on it, its code."""

from __future__ import annotations

import re
from datetime import date

from extensions import db
from models import Inspection
from tests import quietdays_fixtures as qf
from tests.factories import login

world, today = qf.world, qf.today


def test_enterprise_calendar_shows_own_quiet_days_and_inspections(client, world):
    db.session.add_all(
        [
            Inspection(
                enterprise=world.ent,
                department=world.amr,
                date=date(2026, 11, 24),
                kind="complaint",
                subject="投诉核查",
                justification="12345投诉：异味",
                reference="12345-77",
                status="planned",
                on_protected_day=True,
            ),
            Inspection(
                enterprise=world.other_ent,
                department=world.em,
                date=date(2026, 11, 25),
                kind="routine",
                subject="别家的检查",
                justification="别家的理由",
                status="planned",
            ),
        ]
    )
    db.session.commit()
    login(client, world.enterprise_user)
    resp = client.get("/my/calendar?month=2026-11")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    protected = re.findall(r'class="day protected[^"]*" data-date="([\d-]+)"', html)
    assert "2026-11-23" in protected and "2026-11-26" not in protected
    assert len(protected) == 13  # Mondays (5) to Wednesdays of November 2026
    assert "民营企业宁静日" in html
    # A complaint's grounds stay with the agencies (they point to the complainant): kind and date only.
    assert "12345投诉：异味" not in html and "12345-77" not in html and world.amr.name in html
    assert "投诉举报核查" in html and "2026-11-24" in html
    assert "别家的理由" not in html and "别家的检查" not in html
    assert f"/inspections/code/{world.ent.uscc}" in html
    assert client.get("/my/calendar?month=2026-12").status_code == 200
    assert client.get("/my/calendar?month=november").status_code == 422


def test_only_enterprise_users(client, world):
    login(client, world.inspector)
    assert client.get("/my/calendar").status_code == 403


def test_policy_outside_coverage_not_shown(client, world):
    login(client, world.other_enterprise_user)
    html = client.get("/my/calendar?month=2026-11").get_data(as_text=True)
    assert "民营企业宁静日" in html  # also private: covered
    world.policy.sizes = ["above_scale"]
    db.session.commit()
    html = client.get("/my/calendar?month=2026-11").get_data(as_text=True)
    assert re.findall(r'class="day protected', html) == []
