"""Policy pages: list, create and edit forms (validated like the API), year calendar, exceptions, revoke."""

from __future__ import annotations

import re
from datetime import date

from extensions import db
from models import AuditLog, PolicyException, QuietDayPolicy
from tests import quietdays_fixtures as qf
from tests.factories import login
from tests.quietdays_fixtures import counts

world, today = qf.world, qf.today


def form(**over):
    data = {
        "jurisdiction_code": "430212",
        "title": "渌口区宁静期",
        "reference": "",
        "rule_type": "month_days",
        "day_from": "1",
        "day_to": "15",
        "valid_from": "2026-01-01",
        "valid_until": "",
        "ownership": [],
        "sizes": ["above_scale"],
        "enterprises": "",
        "blocked_kinds": ["routine", "random"],
        "binds": "level_and_below",
        "status": "active",
    }
    data.update(over)
    return data


def protected_days(html: str) -> list[str]:
    return re.findall(r'class="day protected[^"]*" data-date="([\d-]+)"', html)


def test_everyone_signed_in_reads_the_list(client, world):
    login(client, world.enterprise_user)
    resp = client.get("/policies/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "民营企业宁静日" in html
    assert "/policies/new" not in html  # no write action offered


def test_create_through_the_form(client, world):
    login(client, world.secretariat)
    resp = client.post("/policies/new", data=form())
    assert resp.status_code == 302
    row = db.session.query(QuietDayPolicy).filter_by(title="渌口区宁静期").one()
    assert row.rule == {"type": "month_days", "from": 1, "to": 15}
    assert row.sizes == ["above_scale"] and row.status == "active" and row.jurisdiction_id == world.lukou.id
    assert db.session.query(AuditLog).filter_by(entity="quiet_day_policy", action="create").count() == 1


def test_form_errors_are_shown_next_to_the_field_and_change_nothing(client, world):
    login(client, world.admin)
    for over, text in (
        ({"day_from": "20", "day_to": "5"}, "规则截止不能早于规则起始"),
        ({"rule_type": "weekdays", "weekdays": []}, "请至少选择一个星期几"),
        ({"valid_until": "2025-01-01"}, "失效日期不能早于生效日期"),
        ({"enterprises": "91430200MA00000000"}, "91430200MA00000000"),
    ):
        before = counts()
        resp = client.post("/policies/new", data=form(**over))
        assert resp.status_code == 422, over
        html = resp.get_data(as_text=True)
        assert text in html, over
        assert 'class="error"' in html
        assert counts() == before


def test_other_roles_cannot_create(client, world):
    login(client, world.inspector)
    assert client.get("/policies/new").status_code == 403
    assert client.post("/policies/new", data=form()).status_code == 403


def test_year_calendar_shows_rule_validity_and_exceptions(client, world):
    world.policy.valid_until = date(2026, 12, 16)
    db.session.add_all(
        [
            PolicyException(policy=world.policy, date=date(2026, 11, 23), effect="lift", reason="统一检查日"),
            PolicyException(policy=world.policy, date=date(2026, 11, 27), effect="add", reason="订货会"),
        ]
    )
    db.session.commit()
    login(client, world.inspector)
    html = client.get(f"/policies/{world.policy.id}?year=2026").get_data(as_text=True)
    days = protected_days(html)
    assert "2026-11-24" in days and "2026-11-23" not in days and "2026-11-27" in days
    assert "2026-12-16" in days and "2026-12-21" not in days  # validity ends on the 16th (a Wednesday)
    assert html.count('class="month-block"') == 12
    assert "每周一至周三为宁静日" in html or "Every Mon to Wed is a quiet day" in html
    assert len(days) == len(set(days))
    later = client.get(f"/policies/{world.policy.id}?year=2027").get_data(as_text=True)
    assert protected_days(later) == []
    assert client.get(f"/policies/{world.policy.id}?year=abc").status_code == 400


def test_exception_form_and_duplicate(client, world):
    login(client, world.admin)
    url = f"/policies/{world.policy.id}/exceptions"
    resp = client.post(url, data={"date": "2026-11-23", "effect": "lift", "reason": "全市统一检查日"})
    assert resp.status_code == 302
    exc = db.session.query(PolicyException).one()
    assert exc.created_by_id == world.admin.id
    before = counts()
    resp = client.post(url, data={"date": "2026-11-23", "effect": "add", "reason": "again"})
    assert resp.status_code == 409
    resp = client.post(url, data={"date": "", "effect": "add", "reason": "x"})
    assert resp.status_code == 422
    assert counts() == before and db.session.query(PolicyException).count() == 1
    resp = client.post(f"/policies/{world.policy.id}/exceptions/{exc.id}/delete")
    assert resp.status_code == 302 and db.session.query(PolicyException).count() == 0


def test_revoke_needs_reason_and_edit_is_then_refused(client, world):
    login(client, world.admin)
    resp = client.post(f"/policies/{world.policy.id}/revoke", data={"reason": ""})
    assert resp.status_code == 422
    db.session.refresh(world.policy)
    assert world.policy.status == "active"
    resp = client.post(f"/policies/{world.policy.id}/revoke", data={"reason": "到期"})
    assert resp.status_code == 302
    db.session.refresh(world.policy)
    assert world.policy.status == "revoked" and world.policy.revoked_reason == "到期"
    resp = client.post(f"/policies/{world.policy.id}/edit", data=form(jurisdiction_code="430200"))
    assert resp.status_code == 409


def test_edit_prefills_and_saves_draft_then_activate(client, world):
    login(client, world.secretariat)
    html = client.get(f"/policies/{world.policy.id}/edit").get_data(as_text=True)
    assert 'value="民营企业宁静日"' in html
    resp = client.post(
        f"/policies/{world.policy.id}/edit",
        data=form(
            jurisdiction_code="430200",
            title="改名",
            rule_type="weekdays",
            weekdays=["1", "2"],
            sizes=[],
            ownership=["private"],
            status="draft",
        ),
    )
    assert resp.status_code == 302
    db.session.refresh(world.policy)
    assert world.policy.title == "改名" and world.policy.status == "draft"
    assert world.policy.rule == {"type": "weekdays", "weekdays": [1, 2]}
    assert client.post(f"/policies/{world.policy.id}/activate").status_code == 302
    db.session.refresh(world.policy)
    assert world.policy.status == "active"


def test_missing_policy_is_404(client, world):
    login(client, world.admin)
    assert client.get("/policies/999999").status_code == 404
    assert client.post("/policies/999999/revoke", data={"reason": "x"}).status_code == 404
