"""Forms (issue 6): errors at the top (linking to their field) and next to the field; an empty upload says
what is missing; the policy form groups its rule fields by rule type for static/js/policy-form.js, loaded from
a file (strict CSP: no inline script)."""

from __future__ import annotations

import io
import re

import pytest

from extensions import db
from models import Inspection
from tests import quietdays_fixtures as qf
from tests.factories import login

world = qf.world
today = qf.today


def _summary(html: str) -> str:
    assert 'id="error-summary"' in html, "no error summary at the top"
    return html.split('id="error-summary"', 1)[1].split("</div>", 1)[0]


def _field_error(html: str, field_id: str) -> str:
    """The error text shown in the field block that holds the input with this id."""
    block = html.split(f'id="{field_id}"', 1)[1].split('<div class="field', 1)[0]
    found = re.findall(r'<div class="error" role="alert">(.*?)</div>', block)
    assert found, f"no error next to {field_id}"
    return " ".join(found)


def _upload(client, payload):
    return client.post("/admin/enterprises/import", data=payload, content_type="multipart/form-data")


@pytest.mark.parametrize("who", ["admin", "secretariat"])
def test_upload_without_a_file_says_choose_a_file(client, world, who):
    login(client, getattr(world, who))
    resp = _upload(client, {"file": (io.BytesIO(b""), "")})  # what a browser sends when nothing was chosen
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "请选择要上传的文件" in _field_error(html, "file")
    assert '<a href="#file">' in _summary(html) and "请选择要上传的文件" in _summary(html)


@pytest.mark.parametrize(("content", "message"), [
    (b"", "文件为空"),
    ("统一社会信用代码,企业名称,所属区划,所有制\n".encode(), "文件只有表头，没有企业数据"),
])
def test_empty_file_says_what_is_missing_next_to_the_field(client, world, content, message):
    login(client, world.admin)
    resp = _upload(client, {"file": (io.BytesIO(content), "list.csv")})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert message in _field_error(html, "file") and message in _summary(html)


def test_admin_form_errors_at_the_top_and_next_to_the_field(client, world):
    login(client, world.admin)
    resp = client.post("/admin/jurisdictions/new", data={"code": "12", "name": "", "parent_code": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    summary = _summary(html)
    assert '<a href="#code">' in summary
    assert _field_error(html, "code") in summary  # the same words in both places
    assert html.index('id="error-summary"') < html.index('id="code"')  # at the top, before the fields


def test_policy_form_errors_at_the_top_and_next_to_the_field(client, world):
    login(client, world.admin)
    resp = client.post("/policies/new", data={
        "jurisdiction_code": "430200", "title": "月中宁静日", "rule_type": "month_days", "day_from": "40",
        "day_to": "45", "valid_from": "2026-12-01", "blocked_kinds": ["routine"], "binds": "level_and_below",
        "status": "draft"})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert '<a href="#day_from">' in _summary(html)
    assert "40" in _field_error(html, "day_from")


def test_no_summary_when_nothing_is_wrong(client, world):
    login(client, world.admin)
    for url in ("/policies/new", "/admin/jurisdictions/new", "/admin/enterprises/import"):
        assert 'id="error-summary"' not in client.get(url).get_data(as_text=True), url


def test_policy_form_groups_rule_fields_and_loads_its_script_from_a_file(client, world):
    login(client, world.admin)
    resp = client.get("/policies/new")
    html = resp.get_data(as_text=True)
    groups = dict(re.findall(r'data-rule-type="([a-z_]+)"(.*?)</div>\s*</div>', html, re.S))
    assert set(groups) == {"weekdays", "month_days", "first_workdays_open", "date_range"}
    assert 'name="weekdays"' in groups["weekdays"] and 'id="day_from"' in groups["month_days"]
    assert 'id="count"' in groups["first_workdays_open"] and 'id="date_from"' in groups["date_range"]
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.S)
    assert scripts and all('src="/static/js/policy-form.js"' in attrs and not body.strip()
                           for attrs, body in scripts)
    assert "script-src 'self'" in resp.headers["Content-Security-Policy"]
    assert client.get("/static/js/policy-form.js").status_code == 200


def test_action_forms_on_detail_pages_are_summarised_too(client, world):
    insp = Inspection(enterprise=world.ent, department=world.amr, date=qf.THURSDAY, kind="routine", subject="检查",
                      status="planned")
    db.session.add(insp)
    db.session.commit()
    login(client, world.inspector)
    resp = client.post(f"/inspections/{insp.id}/cancel", data={"reason": ""})
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert '<a href="#reason">' in _summary(html) and _field_error(html, "reason") in _summary(html)

    client.post("/logout")
    login(client, world.admin)
    resp = client.post(f"/policies/{world.policy.id}/exceptions", data={"date": "", "effect": "lift", "reason": ""})
    assert resp.status_code == 422
    assert '<a href="#date">' in _summary(resp.get_data(as_text=True))
