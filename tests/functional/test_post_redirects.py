"""No resubmission on refresh (issue 6): every page POST that changes something answers with a redirect
(Post/Redirect/Get), the page it leads to opens, and reloading that page writes nothing more.

One case per write, each with valid input and the role that may do it; the write is proven by a new audit row
(every write is audited), the refresh by an unchanged count after GETting the target twice."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from extensions import db
from models import ApiToken, AuditLog, Inspection, PolicyException
from operations import auth as auth_ops
from operations import calendar, policies
from rules.uscc import make_uscc
from tests import quietdays_fixtures as qf
from tests.factories import create_user, login
from tests.functional.test_import import csv_bytes

world = qf.world
today = qf.today


def _audit_rows() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog)) or 0


def _inspection(world, status: str = "planned", day: date | None = None, kind: str = "routine") -> Inspection:
    row = Inspection(enterprise=world.ent, department=world.amr, date=day or qf.TODAY, kind=kind,
                     subject="检查", status=status)
    db.session.add(row)
    db.session.commit()
    return row


# Each case: (user attribute of the world, setup(world) -> (url, data, extra post kwargs)).
Case = Callable[[qf.World], tuple[str, dict, dict]]


CASES: dict[str, tuple[str, Case]] = {
    "jurisdiction_new": ("admin", lambda w: ("/admin/jurisdictions/new", {
        "code": "430211", "name": "天元区", "parent_code": "430200"}, {})),
    "jurisdiction_edit": ("admin", lambda w: ("/admin/jurisdictions/430212/edit", {
        "name": "渌口", "parent_code": "430200"}, {})),
    "department_new": ("admin", lambda w: ("/admin/departments/new", {
        "code": "zz-tax", "name": "株洲市税务局", "jurisdiction_code": "430200", "inspects": "y"}, {})),
    "department_edit": ("admin", lambda w: ("/admin/departments/zz-em/edit", {
        "name": "株洲市应急局", "jurisdiction_code": "430200", "inspects": "y"}, {})),
    "enterprise_new": ("admin", lambda w: ("/admin/enterprises/new", {
        "uscc": make_uscc("9", "1", "430212", "MA4L0777X"), "name": "新建企业有限公司", "jurisdiction_code": "430212",
        "ownership": "private"}, {})),
    "enterprise_edit": ("admin", lambda w: (f"/admin/enterprises/{w.ent.uscc}/edit", {
        "name": "改名企业有限公司", "jurisdiction_code": "430212", "ownership": "private"}, {})),
    "user_new": ("admin", lambda w: ("/admin/users/new", {
        "email": "new.official@example.gov.cn", "name": "新用户", "role": "official",
        "password": "long enough password", "active": "y"}, {})),
    "user_edit": ("admin", lambda w: (f"/admin/users/{w.secretariat.id}/edit", {
        "email": w.secretariat.email, "name": "改名秘书", "role": "secretariat", "active": "y"}, {})),
    "calendar_save": ("admin", lambda w: ("/admin/calendar/2031", {
        "holidays": "2031-10-01\n2031-10-02", "workdays": ""}, {})),
    "calendar_delete": ("admin", lambda w: (
        calendar.set_year_notice(2031, {"holidays": ["2031-10-01"], "workdays": []}) and "/admin/calendar/2031/delete",
        {}, {})),
    "login": ("", lambda w: ("/login", {"email": w.official.email, "password": "correct horse battery"}, {})),
    "language": ("secretariat", lambda w: ("/lang/en", {"next": "/"}, {})),
    "token_create": ("secretariat", lambda w: ("/profile/tokens", {"name": "手机"}, {})),
    "token_revoke": ("secretariat", lambda w: (
        f"/profile/tokens/{_token_id(w.secretariat)}/revoke", {}, {})),
    "inspection_book": ("inspector", lambda w: ("/inspections/new", {
        "uscc": w.ent.uscc, "date": qf.THURSDAY.isoformat(), "kind": "routine", "subject": "日常检查"}, {})),
    "inspection_approve": ("head", lambda w: (
        f"/inspections/{_inspection(w, 'pending_approval', qf.MONDAY, kind='complaint').id}/approve",
        {}, {})),
    "inspection_check_in": ("inspector", lambda w: (f"/inspections/{_inspection(w).id}/check-in", {}, {})),
    "inspection_complete": ("inspector", lambda w: (
        f"/inspections/{_inspection(w, 'checked_in').id}/complete", {"result": "未发现问题"}, {})),
    "inspection_cancel": ("inspector", lambda w: (
        f"/inspections/{_inspection(w, day=qf.THURSDAY).id}/cancel", {"reason": "企业停产"}, {})),
    "inspection_rate": ("enterprise_user", lambda w: (
        f"/inspections/{_inspection(w, 'completed', qf.TODAY - timedelta(days=1)).id}/rate",
        {"rating": "5"}, {})),
    "checkin_scan": ("inspector", lambda w: (_inspection(w) and f"/checkin/{w.ent.uscc}", {}, {})),
    "checkin_emergency": ("inspector", lambda w: (f"/checkin/{w.ent.uscc}/emergency", {
        "kind": "accident", "subject": "险情处置", "justification": "企业报告泄漏"}, {})),
    "policy_new": ("admin", lambda w: ("/policies/new", {
        "jurisdiction_code": "430200", "title": "周四宁静日", "rule_type": "weekdays", "weekdays": ["4"],
        "valid_from": "2026-12-01", "blocked_kinds": ["routine"], "binds": "level_and_below",
        "status": "draft"}, {})),
    "policy_edit": ("admin", lambda w: (f"/policies/{w.policy.id}/edit", {
        "jurisdiction_code": "430200", "title": "民营企业宁静日（修订）", "rule_type": "weekdays",
        "weekdays": ["1", "2", "3"], "valid_from": "2022-01-01", "ownership": ["private"],
        "blocked_kinds": ["routine", "random"], "binds": "level_and_below", "status": "active"}, {})),
    "policy_activate": ("admin", lambda w: (f"/policies/{_draft(w).id}/activate", {}, {})),
    "policy_revoke": ("admin", lambda w: (f"/policies/{w.policy.id}/revoke", {"reason": "政策整合"}, {})),
    "exception_add": ("admin", lambda w: (f"/policies/{w.policy.id}/exceptions", {
        "date": "2026-12-07", "effect": "lift", "reason": "集中服务日"}, {})),
    "exception_delete": ("admin", lambda w: (
        f"/policies/{w.policy.id}/exceptions/{_exception(w).id}/delete", {}, {})),
}


def _token_id(user) -> int:
    auth_ops.issue_token(user, "旧令牌")
    return db.session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id.desc())
                              ).first().id


def _draft(w):
    return qf.add_policy(w.zhuzhou, title="草稿政策", status="draft")


def _exception(w) -> PolicyException:
    return policies.add_exception(w.policy.id, {"date": "2026-12-08", "effect": "lift", "reason": "调整"})


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_page_write_redirects_and_a_refresh_writes_nothing(client, world, name):
    who, setup = CASES[name]
    world.official = create_user("official")
    url, data, extra = setup(world)
    if who:
        login(client, getattr(world, who))
    before = _audit_rows()
    resp = client.post(url, data=data, **extra)
    assert resp.status_code in (302, 303), (name, resp.status_code, resp.get_data(as_text=True)[:2000])
    assert _audit_rows() > before, f"{name}: the POST wrote nothing (no audit row)"
    written = _audit_rows()
    target = resp.headers["Location"]
    for _refresh in range(2):
        assert client.get(target).status_code == 200, (name, target)
    assert _audit_rows() == written, f"{name}: reloading {target} wrote again"


def test_import_redirects_and_the_report_survives_the_redirect(client, world):
    login(client, world.admin)
    rows = [["1", make_uscc("9", "1", "430212", "MA4L0888X"), "导入企业有限公司", "430212", "民营", "", "", "",
             ""]]
    resp = client.post("/admin/enterprises/import", data={"file": (io.BytesIO(csv_bytes(rows)), "list.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 303
    html = client.get(resp.headers["Location"]).get_data(as_text=True)
    assert "导入完成：新增 1 家" in html  # the summary travels in the flash


def test_new_token_is_shown_once_and_not_again_on_refresh(client, world):
    login(client, world.secretariat)
    resp = client.post("/profile/tokens", data={"name": "手机"})
    assert resp.status_code == 303
    first = client.get("/profile").get_data(as_text=True)
    token = first.split('id="new-token">')[1].split("<")[0]
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    again = client.get("/profile").get_data(as_text=True)
    assert token not in again and 'id="new-token"' not in again
    assert db.session.scalar(select(func.count()).select_from(ApiToken).where(
        ApiToken.user_id == world.secretariat.id)) == 2  # the world's API token and this one; no third


@pytest.mark.parametrize("who", ["admin", "secretariat", "inspector", "enterprise_user", "official"])
def test_every_role_gets_its_new_token_through_a_redirect(client, world, who):
    if who == "official":
        world.official = create_user("official")
    login(client, getattr(world, who))
    resp = client.post("/profile/tokens", data={"name": "接口"})
    assert resp.status_code == 303 and resp.headers["Location"].endswith("/profile")
    assert 'id="new-token"' in client.get("/profile").get_data(as_text=True)


@pytest.mark.parametrize("role", ["inspector", "official", "department", "enterprise"])
def test_import_page_refuses_other_roles_and_imports_nothing(client, world, role):
    login(client, world.enterprise_user if role == "enterprise" else create_user(role))
    before = _audit_rows()
    rows = [["1", make_uscc("9", "1", "430212", "MA4L0999X"), "越权导入有限公司", "430212", "民营", "", "", "", ""]]
    resp = client.post("/admin/enterprises/import", data={"file": (io.BytesIO(csv_bytes(rows)), "list.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 403 and _audit_rows() == before
