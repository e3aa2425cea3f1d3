"""The audit log as a clerk reads it (issue 6): Chinese names for actions and records, Beijing times, and only
the fields a write changed, each as label: old → new, with choice names rather than codes."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from extensions import db
from models import AuditLog
from operations import audit_view, calendar, policies
from tests import quietdays_fixtures as qf
from tests.factories import create_enterprise, create_jurisdiction, create_user, login

world = qf.world
today = qf.today


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = [row.split(">", 1)[1] for row in body.split("<tr data-action")[1:]]  # drop the row's attributes
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)) for row in rows]


@pytest.fixture
def admin(client):
    user = create_user("admin", name="系统管理员")
    login(client, user)
    return user


def test_update_shows_changed_fields_only_with_chinese_labels_and_choice_names(client, admin):
    zz = create_jurisdiction("430200", "株洲市")
    ent = create_enterprise(name="株洲旧名有限公司", jurisdiction=zz, size="small", address="天元区1号")
    resp = client.post(f"/admin/enterprises/{ent.uscc}/edit", data={
        "name": "株洲新名有限公司", "jurisdiction_code": "430200", "ownership": "private", "size": "medium",
        "address": "天元区1号"})
    assert resp.status_code == 302
    html = client.get("/admin/audit?entity=enterprise&action=update").get_data(as_text=True)
    rows = _rows(html)
    assert len(rows) == 1
    row = rows[0]
    assert "修改" in row and "企业" in row and "系统管理员" in row
    assert re.search(r"名称 株洲旧名有限公司 → 株洲新名有限公司", row), row
    assert re.search(r"规模 小型 → 中型", row), row  # choice names, not small/medium
    assert "地址" not in row  # unchanged fields are left out
    for raw in ("update", "enterprise", "size", "medium", "&#34;", "{"):
        assert raw not in row, raw


def test_times_are_beijing_time(client, admin):
    db.session.add(AuditLog(at=datetime(2026, 11, 23, 2, 30, 5), actor="system", action="login", entity="user",
                            entity_id="1"))
    db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "时间（北京时间）" in html
    assert "2026-11-23 10:30:05" in html  # 02:30:05 UTC is 10:30:05 in Asia/Shanghai
    assert "02:30:05" not in _rows(html)[0]  # the UTC time stays machine-readable only (<time datetime>)


def test_policy_lifecycle_reads_as_sentences(client, world):
    login(client, world.admin)
    policies.revoke_policy(world.policy.id, "机构改革，政策整合")
    html = client.get(f"/admin/audit?entity=quiet_day_policy&entity_id={world.policy.id}").get_data(as_text=True)
    row = _rows(html)[0]
    assert "撤销" in row and "宁静日政策" in row and "《民营企业宁静日》" in row
    assert re.search(r"状态 生效 → 已撤销", row), row  # the policy's status names, not the inspection's
    assert "撤销理由" in row and "机构改革，政策整合" in row
    assert "revoked" not in row and "active" not in row


def test_created_record_lists_its_filled_fields(client, world):
    login(client, world.admin)
    policies.create_policy({"jurisdiction_code": "430200", "title": "周四宁静日", "rule": {
        "type": "weekdays", "weekdays": [4]}, "valid_from": "2026-12-01", "blocked_kinds": ["routine"],
        "binds": "level", "ownership": ["private", "state"]})
    html = client.get("/admin/audit?entity=quiet_day_policy&action=create").get_data(as_text=True)
    row = _rows(html)[0]
    assert "新建" in row and "《周四宁静日》" in row
    assert "规则 每周四为宁静日" in row  # the rule as the sentence the policy page shows
    assert "所有制 民营、国有" in row and "禁止的检查类型 日常检查" in row and "约束范围 仅本级" in row
    assert "行政区划 株洲市（430200）" in row  # the name next to the code
    assert "生效日期 2026-12-01" in row and "状态 草稿" in row
    assert "指定企业数" not in row and "编号" not in row  # bookkeeping that repeats another line
    for raw in ("weekdays", "level", "routine", "private", "draft"):
        assert raw not in row, raw


def test_long_list_shows_what_was_added_and_removed(client, admin):
    calendar.set_year_notice(2031, {"holidays": [f"2031-10-0{d}" for d in range(1, 8)], "workdays": []})
    calendar.set_year_notice(2031, {"holidays": [f"2031-10-0{d}" for d in range(1, 7)] + ["2031-10-09"],
                             "workdays": []})
    html = client.get("/admin/audit?entity=calendar_year&action=update").get_data(as_text=True)
    row = _rows(html)[0]
    assert "放假日期" in row  # as the calendar form labels the field (放假日期，每行一个)
    assert "移除：2031-10-07" in row and "新增：2031-10-09" in row
    assert "2031-10-01" not in row  # the unchanged part of the list is not repeated


def test_filters_offer_chinese_names(client, admin):
    create_enterprise()
    db.session.add(AuditLog(actor="system", action="check_in", entity="inspection", entity_id="7"))
    db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    entity_select = html.split('id="entity"', 1)[1].split("</select>", 1)[0]
    action_select = html.split('id="action"', 1)[1].split("</select>", 1)[0]
    assert '<option value="inspection" >检查</option>' in entity_select
    assert '<option value="check_in" >已入企</option>' in action_select
    assert '<option value="login" >登录</option>' in action_select
    # The filtered list still works on the codes.
    assert len(_rows(client.get("/admin/audit?action=check_in").get_data(as_text=True))) == 1


def test_unknown_codes_fall_back_to_the_code(ctx):
    """A feature that has not registered its names yet shows its code rather than breaking the page."""
    assert audit_view.action_label("frobnicate") == "frobnicate"
    assert audit_view.changes("meeting", None, {"agenda_x": 1})[0].label == "agenda_x"


@pytest.mark.parametrize("role", ["secretariat", "official", "department", "inspector", "enterprise"])
def test_only_admins_read_the_audit_log(client, role):
    login(client, create_user(role))
    assert client.get("/admin/audit").status_code == 403


def test_anonymous_is_sent_to_login(client):
    resp = client.get("/admin/audit")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_date_filter_means_beijing_days(client, admin):
    # March 2025: far from the real clock, so the admin's own login row (today) stays out of these days.
    for at, entity_id in ((datetime(2025, 3, 22, 15, 59), "late-22nd"), (datetime(2025, 3, 22, 16, 0), "23rd"),
                          (datetime(2025, 3, 23, 15, 59, 59), "end-23rd"), (datetime(2025, 3, 23, 16, 0), "24th")):
        db.session.add(AuditLog(at=at, actor="system", action="login", entity="user", entity_id=entity_id))
    db.session.commit()
    html = client.get("/admin/audit?from=2025-03-23&to=2025-03-23").get_data(as_text=True)
    shown = {row.split("用户 ", 1)[1].split()[0] for row in _rows(html)}
    assert shown == {"23rd", "end-23rd"}  # 16:00 UTC on the 22nd is midnight of the 23rd in Beijing
    html = client.get("/admin/audit?from=2025-03-24&to=2025-03-24").get_data(as_text=True)
    assert {row.split("用户 ", 1)[1].split()[0] for row in _rows(html)} == {"24th"}
    assert 'value="2025-03-24"' in html  # the filter stays filled in


def test_bad_date_filter_is_named_next_to_its_field(client, admin):
    resp = client.get("/admin/audit?from=2026-13-45")
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    block = html.split('id="audit-from"', 1)[1].split("</div>", 1)[0]
    assert "开始日期 必须是日期" in block or "开始日期必须是日期" in block


def test_a_long_list_is_cut_with_a_count(ctx):
    usccs = [f"914302120000000{n:03d}" for n in range(25)]
    change = audit_view.changes("quiet_day_policy", None, {"enterprises": usccs})[0]
    assert change.after.count("9143021200") == 10 and change.after.endswith("等，另有 15 项")


def test_meeting_snapshots_read_with_the_meeting_names(ctx):
    """Labels and choices are looked up by <table>.<column> first: a meeting's kind is its meeting type, not an
    inspection kind; moments with an offset are shown in Beijing time; hosts by name."""
    before = {"kind": "visit", "title": "走访联诚集团", "status": "scheduled", "sequence": 0,
              "starts_at": "2026-11-26T09:00:00+08:00", "host_ids": [9], "hosts": [{"id": 9, "name": "陈恢清"}]}
    after = {**before, "status": "held", "starts_at": "2026-11-26T01:30:00Z"}
    created = {c.field: c for c in audit_view.changes("meeting", None, before)}
    assert created["kind"].label == "会议类型" and created["kind"].after not in ("visit", "")
    assert created["title"].label == "主题"
    assert created["starts_at"].after == "2026-11-26 09:00:00"
    assert created["hosts"].after == "陈恢清" and "host_ids" not in created and "sequence" not in created
    changed = {c.field: c for c in audit_view.changes("meeting", before, after)}
    assert set(changed) == {"status", "starts_at"}
    assert "scheduled" not in changed["status"].before and "held" not in changed["status"].after
    assert (changed["starts_at"].before, changed["starts_at"].after) == ("2026-11-26 09:00:00", "2026-11-26 09:30:00")
