"""Reference-data API: jurisdictions, departments, enterprises, users, audit (API.md "Reference data")."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, Department, Enterprise, Jurisdiction, User
from rules.uscc import make_uscc
from tests.factories import (
    auth_headers,
    create_department,
    create_enterprise,
    create_jurisdiction,
    create_user,
    dummy_uscc,
)

VALID = make_uscc("9", "1", "430211", "MA4L00001")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def audits(entity: str | None = None) -> int:
    stmt = select(func.count()).select_from(AuditLog)
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    return db.session.scalar(stmt)


@pytest.fixture
def admin(client):
    return auth_headers(create_user("admin"))


@pytest.fixture
def zhuzhou(ctx):
    province = create_jurisdiction("430000", "湖南省")
    city = create_jurisdiction("430200", "株洲市", parent=province, cap=2)
    create_jurisdiction("430211", "天元区", parent=city)
    create_jurisdiction("430212", "渌口区", parent=city)
    return city


def enterprise_body(**over):
    body = {
        "uscc": VALID,
        "name": "株洲测试科技有限公司",
        "jurisdiction_code": "430211",
        "ownership": "private",
        "industry": "制造业",
        "size": "above_scale",
    }
    body.update(over)
    return body


# --- USCC ---


def test_create_enterprise_with_valid_uscc(client, admin, zhuzhou):
    resp = client.post(
        "/api/v1/enterprises",
        json=enterprise_body(liaison_name="张三", liaison_phone="0731-2283600"),
        headers=admin,
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["uscc"] == VALID and body["jurisdiction_code"] == "430211" and body["liaison_name"] == "张三"
    row = db.session.scalar(select(Enterprise).where(Enterprise.uscc == VALID))
    assert row is not None and row.size == "above_scale"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity == "enterprise"))
    assert (
        entry.action == "create"
        and entry.entity_id == VALID
        and entry.after["name"] == "株洲测试科技有限公司"
    )
    assert entry.before is None and entry.actor.endswith(">")


def _wrong_check(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:17] + alphabet[(alphabet.index(code[17]) + 1) % 31]


@pytest.mark.parametrize(
    ("uscc", "reason"),
    [
        (_wrong_check(VALID), "check_character"),
        (VALID[:17], "length"),
        (VALID + "0", "length"),
        (
            VALID[:10] + VALID[10:].lower() if any(c.isalpha() for c in VALID[10:]) else VALID.lower(),
            "lowercase",
        ),
        (VALID.lower(), "lowercase"),
        ("I" + VALID[1:], "charset"),
        ("91430211MO4L00001" + "0", "charset"),
        ("91430211MZ4L00001" + "0", "charset"),
        ("91430211MS4L00001" + "0", "charset"),
        ("91430211MV4L00001" + "0", "charset"),
        (" " + VALID[1:], "whitespace"),
        (12345, "type"),
    ],
)
def test_bad_uscc_is_422_and_nothing_stored(client, admin, zhuzhou, uscc, reason):
    before = audits()
    resp = client.post("/api/v1/enterprises", json=enterprise_body(uscc=uscc), headers=admin)
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "invalid_uscc"
    assert err["details"]["reason"] == reason
    assert err["details"]["field"] == "uscc"
    assert err["message"]
    assert count(Enterprise) == 0
    assert audits() == before


def test_wrong_check_character_message_names_the_reason(client, admin, zhuzhou):
    resp = client.post("/api/v1/enterprises", json=enterprise_body(uscc=_wrong_check(VALID)), headers=admin)
    assert "校验码" in resp.get_json()["error"]["message"]  # Chinese by default: names the check character


def test_duplicate_uscc_is_409(client, admin, zhuzhou):
    assert client.post("/api/v1/enterprises", json=enterprise_body(), headers=admin).status_code == 201
    before = audits()
    resp = client.post("/api/v1/enterprises", json=enterprise_body(name="另一家"), headers=admin)
    assert resp.status_code == 409
    assert resp.get_json()["error"]["code"] == "duplicate"
    assert count(Enterprise) == 1 and audits() == before


# --- bad input, table-driven ---

ENTERPRISE_BAD = [
    ({"name": None}, "name"),
    ({"name": ""}, "name"),
    ({"name": "x" * 201}, "name"),
    ({"name": 5}, "name"),
    ({"jurisdiction_code": None}, "jurisdiction_code"),
    ({"jurisdiction_code": "999999"}, "jurisdiction_code"),
    ({"ownership": "private-ish"}, "ownership"),
    ({"ownership": None}, "ownership"),
    ({"size": "huge"}, "size"),
    ({"industry": "x" * 101}, "industry"),
    ({"industry": ["x"]}, "industry"),
    ({"address": "x" * 301}, "address"),
    ({"liaison_name": "x" * 101}, "liaison_name"),
    ({"liaison_phone": "call me"}, "liaison_phone"),
    ({"liaison_phone": "12"}, "liaison_phone"),
    ({"uscc": None}, "uscc"),
    ({"colour": "red"}, "colour"),
]


@pytest.mark.parametrize(("change", "field"), ENTERPRISE_BAD)
def test_create_enterprise_bad_field(client, admin, zhuzhou, change, field):
    before = audits()
    body = enterprise_body(**change)
    if change.get("name", "") is None:
        body.pop("name")
    resp = client.post("/api/v1/enterprises", json=body, headers=admin)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert count(Enterprise) == 0 and audits() == before


@pytest.mark.parametrize(("change", "field"), [c for c in ENTERPRISE_BAD if c[1] not in ("uscc",)])
def test_patch_enterprise_bad_field(client, admin, zhuzhou, change, field):
    row = create_enterprise(uscc=VALID, name="原名", jurisdiction=zhuzhou)
    before, snapshot = audits(), row.to_json()
    resp = client.patch(f"/api/v1/enterprises/{VALID}", json=change, headers=admin)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    db.session.refresh(row)
    assert row.to_json() == snapshot and audits() == before


@pytest.mark.parametrize("body", [None, "[]", "not json", '"text"'])
def test_malformed_body_is_400(client, admin, zhuzhou, body):
    for url in ("/api/v1/enterprises", "/api/v1/jurisdictions", "/api/v1/departments", "/api/v1/users"):
        resp = client.post(url, data=body, headers={**admin, "Content-Type": "application/json"})
        assert resp.status_code == 400, (url, body)
        assert resp.get_json()["error"]["code"] == "malformed_json"
    assert count(Enterprise) == 0 and count(Department) == 0 and count(User) == 1


def test_patch_enterprise_changes_fields_and_audits(client, admin, zhuzhou):
    create_enterprise(uscc=VALID, name="原名", jurisdiction=zhuzhou)
    resp = client.patch(
        f"/api/v1/enterprises/{VALID}",
        json={"name": "新名", "size": None, "jurisdiction_code": "430212"},
        headers=admin,
    )
    assert resp.status_code == 200
    assert resp.get_json()["name"] == "新名" and resp.get_json()["jurisdiction_code"] == "430212"
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.entity == "enterprise", AuditLog.action == "update")
    )
    assert entry.before["name"] == "原名" and entry.after["name"] == "新名"
    assert entry.before["jurisdiction_code"] == "430200" and entry.after["jurisdiction_code"] == "430212"


def test_patch_cannot_change_uscc(client, admin, zhuzhou):
    create_enterprise(uscc=VALID, jurisdiction=zhuzhou)
    resp = client.patch(f"/api/v1/enterprises/{VALID}", json={"uscc": dummy_uscc()}, headers=admin)
    assert resp.status_code == 422
    assert db.session.scalar(select(Enterprise.uscc)) == VALID


def test_missing_enterprise_is_404(client, admin, zhuzhou):
    assert client.get(f"/api/v1/enterprises/{VALID}", headers=admin).status_code == 404
    assert client.patch(f"/api/v1/enterprises/{VALID}", json={"name": "x"}, headers=admin).status_code == 404


# --- enterprise search ---


def test_search_by_name_and_uscc_and_jurisdiction_subtree(client, admin, zhuzhou):
    tianyuan = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "430211"))
    lukou = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "430212"))
    province = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "430000"))
    a = create_enterprise(name="株洲时代工程塑料科技有限责任公司", jurisdiction=lukou)
    b = create_enterprise(name="湖南华旦新材料有限公司", jurisdiction=lukou)
    c = create_enterprise(name="天元精密机械有限公司", jurisdiction=tianyuan)
    d = create_enterprise(name="省直企业", jurisdiction=province)

    def names(query):
        resp = client.get(f"/api/v1/enterprises{query}", headers=admin)
        assert resp.status_code == 200, resp.get_json()
        return {i["uscc"] for i in resp.get_json()["items"]}, resp.get_json()["total"]

    assert names("?q=时代") == ({a.uscc}, 1)
    assert names(f"?q={c.uscc[-6:]}") == ({c.uscc}, 1)
    assert names(f"?q={c.uscc[-6:].lower()}") == ({c.uscc}, 1)
    assert names("?jurisdiction=430212") == ({a.uscc, b.uscc}, 2)
    assert names("?jurisdiction=430200") == ({a.uscc, b.uscc, c.uscc}, 3)
    assert names("?jurisdiction=430000") == ({a.uscc, b.uscc, c.uscc, d.uscc}, 4)
    assert names("?jurisdiction=430212&q=华旦") == ({b.uscc}, 1)
    assert names("?q=%25") == (set(), 0)  # a literal %, not a wildcard
    page = client.get("/api/v1/enterprises?limit=2&offset=2", headers=admin).get_json()
    assert page["total"] == 4 and len(page["items"]) == 2
    bad = client.get("/api/v1/enterprises?jurisdiction=999999", headers=admin)
    assert bad.status_code == 422
    assert client.get("/api/v1/enterprises?limit=501", headers=admin).status_code == 422


# --- who may do what with enterprises ---


@pytest.mark.parametrize("role", ["admin", "secretariat", "official", "inspector", "department"])
def test_readers_see_any_enterprise(client, zhuzhou, role):
    row = create_enterprise(jurisdiction=zhuzhou)
    headers = auth_headers(create_user(role))
    assert client.get(f"/api/v1/enterprises/{row.uscc}", headers=headers).status_code == 200
    assert client.get("/api/v1/enterprises", headers=headers).get_json()["total"] == 1


def test_enterprise_user_sees_only_its_own(client, zhuzhou):
    own = create_enterprise(jurisdiction=zhuzhou)
    other = create_enterprise(jurisdiction=zhuzhou)
    headers = auth_headers(create_user("enterprise", enterprise=own))
    assert client.get(f"/api/v1/enterprises/{own.uscc}", headers=headers).status_code == 200
    resp = client.get(f"/api/v1/enterprises/{other.uscc}", headers=headers)
    assert resp.status_code == 403
    assert other.name not in resp.get_data(as_text=True)
    assert client.get("/api/v1/enterprises", headers=headers).status_code == 403


def test_secretariat_creates_and_edits_enterprises(client, zhuzhou):
    headers = auth_headers(create_user("secretariat"))
    assert client.post("/api/v1/enterprises", json=enterprise_body(), headers=headers).status_code == 201
    resp = client.patch(f"/api/v1/enterprises/{VALID}", json={"liaison_name": "李四"}, headers=headers)
    assert resp.status_code == 200 and resp.get_json()["liaison_name"] == "李四"


@pytest.mark.parametrize("role", ["official", "inspector", "department", "enterprise"])
def test_other_roles_cannot_write_enterprises(client, zhuzhou, role):
    row = create_enterprise(jurisdiction=zhuzhou, name="原名")
    headers = auth_headers(create_user(role, enterprise=row if role == "enterprise" else None))
    assert client.post("/api/v1/enterprises", json=enterprise_body(), headers=headers).status_code == 403
    assert (
        client.patch(f"/api/v1/enterprises/{row.uscc}", json={"name": "x"}, headers=headers).status_code
        == 403
    )
    assert count(Enterprise) == 1
    db.session.refresh(row)
    assert row.name == "原名"


@pytest.mark.parametrize("role", ["secretariat", "official", "inspector", "department", "enterprise"])
def test_only_admin_manages_jurisdictions_departments_users(client, zhuzhou, role):
    headers = auth_headers(create_user(role))
    assert (
        client.post(
            "/api/v1/jurisdictions", json={"code": "430299", "name": "x"}, headers=headers
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/departments",
            json={"code": "x", "name": "x", "jurisdiction_code": "430200"},
            headers=headers,
        ).status_code
        == 403
    )
    assert (
        client.post(
            "/api/v1/users",
            json={"email": "a@b.cn", "name": "x", "role": "admin", "password": "12345678"},
            headers=headers,
        ).status_code
        == 403
    )
    assert client.get("/api/v1/audit", headers=headers).status_code == 403


# --- jurisdictions ---


def test_jurisdiction_create_get_list_patch(client, admin):
    resp = client.post("/api/v1/jurisdictions", json={"code": "430000", "name": "湖南省"}, headers=admin)
    assert resp.status_code == 201
    assert resp.get_json() == {
        "code": "430000",
        "name": "湖南省",
        "parent_code": None,
        "annual_inspection_cap": None,
    }
    resp = client.post(
        "/api/v1/jurisdictions",
        json={"code": "430200", "name": "株洲市", "parent_code": "430000", "annual_inspection_cap": 2},
        headers=admin,
    )
    assert resp.status_code == 201 and resp.get_json()["parent_code"] == "430000"
    assert client.get("/api/v1/jurisdictions/430200", headers=admin).get_json()["annual_inspection_cap"] == 2
    listing = client.get("/api/v1/jurisdictions", headers=admin).get_json()
    assert [i["code"] for i in listing["items"]] == ["430000", "430200"] and listing["total"] == 2
    resp = client.patch(
        "/api/v1/jurisdictions/430200", json={"annual_inspection_cap": None, "name": "株洲"}, headers=admin
    )
    assert resp.status_code == 200 and resp.get_json()["annual_inspection_cap"] is None
    entry = db.session.scalar(
        select(AuditLog).where(AuditLog.entity == "jurisdiction", AuditLog.action == "update")
    )
    assert entry.before["annual_inspection_cap"] == 2 and entry.after["name"] == "株洲"
    assert audits("jurisdiction") == 3


JURISDICTION_BAD = [
    ({"code": "43020"}, "code", 422),
    ({"code": "4302000"}, "code", 422),
    ({"code": "43020a"}, "code", 422),
    ({"code": "４３０２１１"}, "code", 422),  # full-width digits
    ({"code": 430211}, "code", 422),
    ({"code": None}, "code", 422),
    ({"name": ""}, "name", 422),
    ({"name": "x" * 101}, "name", 422),
    ({"parent_code": "999999"}, "parent_code", 422),
    ({"annual_inspection_cap": -1}, "annual_inspection_cap", 422),
    ({"annual_inspection_cap": "two"}, "annual_inspection_cap", 422),
    ({"annual_inspection_cap": 1.5}, "annual_inspection_cap", 422),
    ({"annual_inspection_cap": True}, "annual_inspection_cap", 422),
    ({"extra": 1}, "extra", 422),
    ({"code": "430200"}, "code", 409),  # already exists
]


@pytest.mark.parametrize(("change", "field", "status"), JURISDICTION_BAD)
def test_create_jurisdiction_bad_input(client, admin, zhuzhou, change, field, status):
    before_rows, before_audit = count(Jurisdiction), audits()
    body = {"code": "430202", "name": "荷塘区", "parent_code": "430200", **change}
    resp = client.post("/api/v1/jurisdictions", json=body, headers=admin)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert count(Jurisdiction) == before_rows and audits() == before_audit


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"parent_code": "430200"}, "parent_code"),
        ({"parent_code": "430211"}, "parent_code"),
        ({"code": "430201"}, "code"),
        ({"annual_inspection_cap": -3}, "annual_inspection_cap"),
        ({"name": None}, "name"),
    ],
)
def test_patch_jurisdiction_refuses_cycles_and_bad_fields(client, admin, zhuzhou, change, field):
    before = audits()
    resp = client.patch("/api/v1/jurisdictions/430200", json=change, headers=admin)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    db.session.refresh(zhuzhou)
    assert zhuzhou.parent.code == "430000" and zhuzhou.annual_inspection_cap == 2 and audits() == before


def test_missing_jurisdiction_is_404(client, admin):
    assert client.get("/api/v1/jurisdictions/430200", headers=admin).status_code == 404
    assert client.patch("/api/v1/jurisdictions/430200", json={}, headers=admin).status_code == 404


# --- departments ---


def test_department_create_get_patch(client, admin, zhuzhou):
    body = {
        "code": "zz-amr",
        "name": "株洲市市场监督管理局",
        "jurisdiction_code": "430200",
        "inspects": True,
        "handles": True,
        "annual_inspection_cap": 2,
    }
    resp = client.post("/api/v1/departments", json=body, headers=admin)
    assert resp.status_code == 201 and resp.get_json() == body
    assert client.get("/api/v1/departments/zz-amr", headers=admin).get_json() == body
    resp = client.patch(
        "/api/v1/departments/zz-amr", json={"handles": False, "jurisdiction_code": "430212"}, headers=admin
    )
    assert resp.status_code == 200
    assert resp.get_json()["handles"] is False and resp.get_json()["jurisdiction_code"] == "430212"
    assert client.get("/api/v1/departments", headers=admin).get_json()["total"] == 1
    assert audits("department") == 2


DEPARTMENT_BAD = [
    ({"code": "ZZ-AMR"}, "code", 422),
    ({"code": "zz amr"}, "code", 422),
    ({"code": "-zz"}, "code", 422),
    ({"code": "x" * 41}, "code", 422),
    ({"code": None}, "code", 422),
    ({"name": None}, "name", 422),
    ({"name": "x" * 201}, "name", 422),
    ({"jurisdiction_code": None}, "jurisdiction_code", 422),
    ({"jurisdiction_code": "999999"}, "jurisdiction_code", 422),
    ({"inspects": "maybe"}, "inspects", 422),
    ({"handles": 3}, "handles", 422),
    ({"annual_inspection_cap": -1}, "annual_inspection_cap", 422),
    ({"annual_inspection_cap": 1001}, "annual_inspection_cap", 422),
    ({"code": "zz-taken"}, "code", 409),
]


@pytest.mark.parametrize(("change", "field", "status"), DEPARTMENT_BAD)
def test_create_department_bad_input(client, admin, zhuzhou, change, field, status):
    create_department(code="zz-taken", jurisdiction=zhuzhou)
    before_rows, before_audit = count(Department), audits()
    body = {"code": "zz-amr", "name": "市场监管局", "jurisdiction_code": "430200", "inspects": True, **change}
    resp = client.post("/api/v1/departments", json=body, headers=admin)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert count(Department) == before_rows and audits() == before_audit


@pytest.mark.parametrize(("change", "field", "status"), [c for c in DEPARTMENT_BAD if c[1] != "code"])
def test_patch_department_bad_input(client, admin, zhuzhou, change, field, status):
    row = create_department(code="zz-amr", jurisdiction=zhuzhou)
    snapshot, before = row.to_json(), audits()
    resp = client.patch("/api/v1/departments/zz-amr", json=change, headers=admin)
    assert resp.status_code == status, resp.get_json()
    db.session.refresh(row)
    assert row.to_json() == snapshot and audits() == before


# --- users ---


def test_user_create_list_patch(client, admin, zhuzhou):
    dept = create_department(code="zz-amr", jurisdiction=zhuzhou)
    ent = create_enterprise(jurisdiction=zhuzhou)
    resp = client.post(
        "/api/v1/users",
        json={
            "email": "Inspector@Example.gov.cn",
            "name": "赵强",
            "role": "inspector",
            "password": "long enough",
            "department_code": "zz-amr",
        },
        headers=admin,
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    assert body["email"] == "inspector@example.gov.cn" and body["department_code"] == dept.code
    assert "password" not in str(body) and "hash" not in str(body)
    resp = client.post(
        "/api/v1/users",
        json={
            "email": "ent@example.gov.cn",
            "name": "李娜",
            "role": "enterprise",
            "password": "long enough",
            "enterprise_uscc": ent.uscc,
        },
        headers=admin,
    )
    assert resp.status_code == 201 and resp.get_json()["enterprise_uscc"] == ent.uscc
    listing = client.get("/api/v1/users?role=inspector", headers=admin).get_json()
    assert listing["total"] == 1 and listing["items"][0]["name"] == "赵强"
    uid = body["id"]
    resp = client.patch(f"/api/v1/users/{uid}", json={"is_head": True}, headers=admin)
    assert resp.status_code == 200 and resp.get_json()["is_head"] is True
    # the new user can log in, then admin resets the password and deactivates the account
    assert (
        client.post(
            "/api/v1/auth/token", json={"email": "inspector@example.gov.cn", "password": "long enough"}
        ).status_code
        == 201
    )
    resp = client.patch(f"/api/v1/users/{uid}", json={"password": "another secret"}, headers=admin)
    assert resp.status_code == 200
    user = db.session.get(User, uid)
    assert user.check_password("another secret") and not user.check_password("long enough")
    entry = db.session.scalars(
        select(AuditLog)
        .where(AuditLog.entity == "user", AuditLog.entity_id == str(uid))
        .order_by(AuditLog.id.desc())
    ).first()
    assert entry.after["password"] == "reset" and "another secret" not in str(entry.after)
    resp = client.patch(f"/api/v1/users/{uid}", json={"active": False}, headers=admin)
    assert resp.status_code == 200 and resp.get_json()["active"] is False
    assert (
        client.post(
            "/api/v1/auth/token", json={"email": "inspector@example.gov.cn", "password": "another secret"}
        ).status_code
        == 401
    )


USER_BAD = [
    ({"email": "not-an-email"}, "email", 422),
    ({"email": None}, "email", 422),
    ({"email": "x" * 197 + "@a.cn"}, "email", 422),
    ({"email": "a@b@example.gov.cn"}, "email", 422),
    ({"name": ""}, "name", 422),
    ({"role": "superuser"}, "role", 422),
    ({"password": "short"}, "password", 422),
    ({"password": None}, "password", 422),
    ({"password": 12345678}, "password", 422),
    ({"role": "inspector", "department_code": None}, "department_code", 422),
    ({"role": "department", "department_code": "zz-missing"}, "department_code", 422),
    ({"role": "admin", "department_code": "zz-amr"}, "department_code", 422),
    ({"role": "enterprise"}, "enterprise_uscc", 422),
    (
        {"role": "enterprise", "enterprise_uscc": VALID},
        "enterprise_uscc",
        422,
    ),  # valid code, no such enterprise
    ({"role": "enterprise", "enterprise_uscc": "123"}, "enterprise_uscc", 422),
    ({"role": "secretariat", "is_head": True}, "is_head", 422),
    ({"is_head": "sure"}, "is_head", 422),
    ({"active": False}, "active", 422),  # not a create field
    ({"email": "Taken@example.gov.cn"}, "email", 409),
]


@pytest.mark.parametrize(("change", "field", "status"), USER_BAD)
def test_create_user_bad_input(client, admin, zhuzhou, change, field, status):
    create_department(code="zz-amr", jurisdiction=zhuzhou)
    create_user("official", email="taken@example.gov.cn")
    before_rows, before_audit = count(User), audits()
    body = {
        "email": "new@example.gov.cn",
        "name": "新用户",
        "role": "admin",
        "password": "long enough",
        **change,
    }
    resp = client.post("/api/v1/users", json=body, headers=admin)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert count(User) == before_rows and audits() == before_audit


@pytest.mark.parametrize(
    ("change", "field", "status"),
    [
        ({"email": "bad"}, "email", 422),
        ({"email": "taken@example.gov.cn"}, "email", 409),
        ({"role": "inspector"}, "department_code", 422),
        ({"password": "short"}, "password", 422),
        ({"is_head": True}, "is_head", 422),
        ({"active": "perhaps"}, "active", 422),
        ({"id": 3}, "id", 422),
    ],
)
def test_patch_user_bad_input(client, admin, zhuzhou, change, field, status):
    create_user("official", email="taken@example.gov.cn")
    user = create_user("secretariat", email="me@example.gov.cn")
    snapshot, before = user.to_json(), audits()
    resp = client.patch(f"/api/v1/users/{user.id}", json=change, headers=admin)
    assert resp.status_code == status, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    db.session.refresh(user)
    assert user.to_json() == snapshot and audits() == before


def test_admin_cannot_lock_themselves_out(client, zhuzhou):
    me = create_user("admin")
    headers = auth_headers(me)
    resp = client.patch(f"/api/v1/users/{me.id}", json={"active": False}, headers=headers)
    assert resp.status_code == 409 and resp.get_json()["error"]["code"] == "self_lockout"
    resp = client.patch(f"/api/v1/users/{me.id}", json={"role": "official"}, headers=headers)
    assert resp.status_code == 409
    db.session.refresh(me)
    assert me.active and me.role == "admin"


def test_role_change_drops_stale_membership(client, admin, zhuzhou):
    dept = create_department(jurisdiction=zhuzhou)
    user = create_user("inspector", department=dept, is_head=True)
    resp = client.patch(f"/api/v1/users/{user.id}", json={"role": "official"}, headers=admin)
    assert resp.status_code == 200
    assert resp.get_json()["department_code"] is None and resp.get_json()["is_head"] is False


def test_missing_user_is_404(client, admin):
    assert client.get("/api/v1/users/999999", headers=admin).status_code == 404
    assert client.patch("/api/v1/users/999999", json={"name": "x"}, headers=admin).status_code == 404


# --- audit API ---


def test_audit_api_filters_newest_first(client, zhuzhou):
    me = create_user("admin", name="审计员")
    headers = auth_headers(me)
    client.post(
        "/api/v1/jurisdictions",
        json={"code": "430202", "name": "荷塘区", "parent_code": "430200"},
        headers=headers,
    )
    client.patch("/api/v1/jurisdictions/430202", json={"name": "荷塘"}, headers=headers)
    client.post("/api/v1/enterprises", json=enterprise_body(), headers=headers)
    resp = client.get("/api/v1/audit?entity=jurisdiction", headers=headers).get_json()
    mine = [i for i in resp["items"] if i["entity_id"] == "430202"]
    assert [i["action"] for i in mine] == ["update", "create"]
    assert mine[0]["before"]["name"] == "荷塘区" and mine[0]["after"]["name"] == "荷塘"
    by_user = client.get(f"/api/v1/audit?user={me.id}", headers=headers).get_json()
    assert {i["entity"] for i in by_user["items"]} >= {"jurisdiction", "enterprise"}
    assert all("审计员" in i["actor"] for i in by_user["items"])
    by_action = client.get("/api/v1/audit?action=update", headers=headers).get_json()
    assert by_action["total"] == 1
    assert client.get("/api/v1/audit?user=nobody-at-all", headers=headers).get_json()["total"] == 0
    assert client.get("/api/v1/audit?offset=-1", headers=headers).status_code == 422


def test_patch_department_flag_null_is_refused(client, ctx):
    from tests.factories import auth_headers, create_department, create_user

    admin = create_user("admin")
    dept = create_department(inspects=True)
    resp = client.patch(f"/api/v1/departments/{dept.code}", json={"inspects": None}, headers=auth_headers(admin))
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "inspects"
    db.session.refresh(dept)
    assert dept.inspects is True


def test_short_name_is_stored_and_searchable(client, ctx):
    from tests.factories import auth_headers, create_user, dummy_uscc, get_or_create_jurisdiction

    get_or_create_jurisdiction()
    admin = create_user("admin")
    headers = auth_headers(admin)
    body = {"uscc": dummy_uscc(), "name": "株洲时代工程塑料科技有限责任公司", "short_name": "时代工塑",
            "jurisdiction_code": "430200", "ownership": "private"}
    assert client.post("/api/v1/enterprises", json=body, headers=headers).status_code == 201
    found = client.get("/api/v1/enterprises?q=时代工塑", headers=headers).get_json()
    assert [e["uscc"] for e in found["items"]] == [body["uscc"]]
    assert found["items"][0]["short_name"] == "时代工塑"
    too_long = {**body, "uscc": dummy_uscc(), "short_name": "长" * 61}
    resp = client.post("/api/v1/enterprises", json=too_long, headers=headers)
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "short_name"
