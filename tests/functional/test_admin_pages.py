"""Admin pages: forms show field errors and change nothing on bad input; lists, tree, calendar, audit log."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, CalendarYear, Department, Enterprise, Jurisdiction, User
from rules.uscc import make_uscc
from tests.factories import create_department, create_enterprise, create_jurisdiction, create_user, login

VALID = make_uscc("9", "1", "430211", "MA4L00009")


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def tree(ctx):
    province = create_jurisdiction("430000", "湖南省")
    city = create_jurisdiction("430200", "株洲市", parent=province, cap=2)
    create_jurisdiction("430211", "天元区", parent=city)
    return city


@pytest.fixture
def admin(client):
    user = create_user("admin")
    login(client, user)
    return user


def test_pages_render_in_chinese(client, admin, tree):
    create_department(code="zz-amr", name="株洲市市场监督管理局", jurisdiction=tree)
    ent = create_enterprise(uscc=VALID, name="株洲天元精密机械有限公司", jurisdiction=tree)
    for url in (
        "/admin/jurisdictions",
        "/admin/departments",
        "/admin/enterprises",
        "/admin/users",
        "/admin/calendar",
        "/admin/audit",
        "/admin/jurisdictions/new",
        "/admin/departments/new",
        "/admin/enterprises/new",
        "/admin/users/new",
        "/admin/enterprises/import",
        f"/admin/enterprises/{ent.uscc}",
        f"/admin/enterprises/{ent.uscc}/edit",
        "/admin/jurisdictions/430200/edit",
        "/admin/departments/zz-amr/edit",
        f"/admin/users/{admin.id}/edit",
    ):
        resp = client.get(url)
        assert resp.status_code == 200, url
        html = resp.get_data(as_text=True)
        assert 'lang="zh-CN"' in html and "style=" not in html and "<script" not in html, url


def test_jurisdiction_tree_nests_children(client, admin, tree):
    html = client.get("/admin/jurisdictions").get_data(as_text=True)
    assert html.index("湖南省") < html.index("株洲市") < html.index("天元区")
    assert html.count("<ul") >= 3  # province > city > district


def test_create_enterprise_form(client, admin, tree):
    resp = client.post(
        "/admin/enterprises/new",
        data={
            "uscc": VALID,
            "name": "株洲新企业有限公司",
            "jurisdiction_code": "430211",
            "ownership": "private",
            "size": "",
            "industry": "",
            "liaison_phone": "0731-1234567",
        },
    )
    assert resp.status_code == 302
    row = db.session.scalar(select(Enterprise))
    assert (
        row.uscc == VALID and row.size is None and row.industry is None and row.jurisdiction.code == "430211"
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"uscc": VALID[:17] + ("0" if VALID[17] != "0" else "1")}, "check character"),
        ({"uscc": VALID.lower()}, "upper-case"),
        ({"name": ""}, "Name is required"),
        ({"jurisdiction_code": "999999"}, "999999"),
        ({"ownership": "guild"}, "Ownership must be one of"),
        ({"liaison_phone": "call me"}, "phone number"),
    ],
)
def test_enterprise_form_errors_show_on_the_field(client, admin, tree, change, message):
    data = {
        "uscc": VALID,
        "name": "株洲新企业有限公司",
        "jurisdiction_code": "430211",
        "ownership": "private",
    }
    data.update(change)
    resp = client.post("/admin/enterprises/new?lang=en", data=data)
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert 'class="field has-error"' in html and message in html
    assert count(Enterprise) == 0 and count(AuditLog) == 1  # the login


def test_edit_enterprise_keeps_uscc(client, admin, tree):
    create_enterprise(uscc=VALID, name="旧名", jurisdiction=tree)
    resp = client.post(
        f"/admin/enterprises/{VALID}/edit",
        data={
            "uscc": "ignored",
            "name": "新名",
            "jurisdiction_code": "430200",
            "ownership": "state",
            "size": "large",
        },
    )
    assert resp.status_code == 302
    row = db.session.scalar(select(Enterprise))
    assert row.uscc == VALID and row.name == "新名" and row.ownership == "state" and row.size == "large"


def test_enterprise_list_search_filter_and_paging(client, admin, tree):
    tianyuan = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "430211"))
    for i in range(55):
        create_enterprise(name=f"批量企业{i:02d}有限公司", jurisdiction=tianyuan if i % 2 else tree)
    create_enterprise(name="株洲时代工程塑料科技有限责任公司", jurisdiction=tree)
    page1 = client.get("/admin/enterprises").get_data(as_text=True)
    assert "56" in page1 and "批量企业00" in page1 and "page=2" in page1
    page2 = client.get("/admin/enterprises?page=2").get_data(as_text=True)
    assert "批量企业54" not in page1 and "时代工程" in page2 + page1
    found = client.get("/admin/enterprises?q=时代").get_data(as_text=True)
    assert "时代工程" in found and "批量企业" not in found
    district = client.get("/admin/enterprises?jurisdiction=430211").get_data(as_text=True)
    assert "批量企业01" in district and "批量企业02" not in district
    assert client.get("/admin/enterprises?jurisdiction=999999").status_code == 422
    assert client.get("/admin/enterprises?page=abc").status_code == 200


def test_enterprise_user_cannot_open_admin_enterprise_pages(client, tree):
    own = create_enterprise(jurisdiction=tree)
    login(client, create_user("enterprise", enterprise=own))
    assert client.get("/admin/enterprises").status_code == 403
    assert client.get(f"/admin/enterprises/{own.uscc}").status_code == 403


@pytest.mark.parametrize("role", ["official", "inspector", "department"])
def test_readers_see_list_but_no_edit_links(client, tree, role):
    ent = create_enterprise(jurisdiction=tree)
    login(client, create_user(role))
    html = client.get(f"/admin/enterprises/{ent.uscc}").get_data(as_text=True)
    assert ent.name in html and f"/admin/enterprises/{ent.uscc}/edit" not in html
    assert client.get(f"/admin/enterprises/{ent.uscc}/edit").status_code == 403
    assert client.post("/admin/enterprises/new", data={"uscc": VALID}).status_code == 403


def test_jurisdiction_form_create_edit_and_cycle(client, admin, tree):
    resp = client.post(
        "/admin/jurisdictions/new",
        data={"code": "430212", "name": "渌口区", "parent_code": "430200", "annual_inspection_cap": ""},
    )
    assert resp.status_code == 302
    assert (
        db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "430212")).parent.code == "430200"
    )
    resp = client.post(
        "/admin/jurisdictions/new?lang=en", data={"code": "4302", "name": "x", "parent_code": ""}
    )
    assert resp.status_code == 422 and "6 digits" in resp.get_data(as_text=True)
    resp = client.post(
        "/admin/jurisdictions/430200/edit?lang=en",
        data={"name": "株洲市", "parent_code": "430211", "annual_inspection_cap": "2"},
    )
    assert resp.status_code == 422 and "under itself" in resp.get_data(as_text=True)
    resp = client.post(
        "/admin/jurisdictions/430200/edit",
        data={"name": "株洲市", "parent_code": "430000", "annual_inspection_cap": "-1"},
    )
    assert resp.status_code == 422
    db.session.refresh(tree)
    assert tree.parent.code == "430000" and tree.annual_inspection_cap == 2
    resp = client.post(
        "/admin/jurisdictions/430200/edit",
        data={"name": "株洲市", "parent_code": "430000", "annual_inspection_cap": "3"},
    )
    assert resp.status_code == 302
    db.session.refresh(tree)
    assert tree.annual_inspection_cap == 3
    assert client.get("/admin/jurisdictions/999999/edit").status_code == 404


def test_department_form(client, admin, tree):
    resp = client.post(
        "/admin/departments/new",
        data={"code": "zz-amr", "name": "市场监管局", "jurisdiction_code": "430200", "inspects": "y"},
    )
    assert resp.status_code == 302
    row = db.session.scalar(select(Department))
    assert row.inspects is True and row.handles is False
    resp = client.post(
        "/admin/departments/new", data={"code": "zz-amr", "name": "重复", "jurisdiction_code": "430200"}
    )
    # A duplicate is a 409 on the page as in the API (the page shows the refusal's own status).
    assert resp.status_code == 409 and count(Department) == 1
    resp = client.post(
        "/admin/departments/zz-amr/edit",
        data={
            "name": "市场监管局",
            "jurisdiction_code": "430200",
            "handles": "y",
            "annual_inspection_cap": "2",
        },
    )
    assert resp.status_code == 302
    db.session.refresh(row)
    assert row.handles is True and row.inspects is False and row.annual_inspection_cap == 2


def test_user_forms_create_reset_deactivate(client, admin, tree):
    dept = create_department(code="zz-amr", jurisdiction=tree)
    resp = client.post(
        "/admin/users/new?lang=en",
        data={"email": "insp@example.gov.cn", "name": "赵强", "role": "inspector", "password": "short"},
    )
    assert resp.status_code == 422 and "at least 8" in resp.get_data(as_text=True)
    resp = client.post(
        "/admin/users/new?lang=en",
        data={"email": "insp@example.gov.cn", "name": "赵强", "role": "inspector", "password": "long enough"},
    )
    assert resp.status_code == 422 and "must belong to a department" in resp.get_data(as_text=True)
    assert count(User) == 1
    resp = client.post(
        "/admin/users/new",
        data={
            "email": "insp@example.gov.cn",
            "name": "赵强",
            "role": "inspector",
            "password": "long enough",
            "department_code": "zz-amr",
            "is_head": "y",
        },
    )
    assert resp.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "insp@example.gov.cn"))
    assert user.department_id == dept.id and user.is_head
    base = {
        "email": user.email,
        "name": user.name,
        "role": "inspector",
        "department_code": "zz-amr",
        "is_head": "y",
        "active": "y",
    }
    resp = client.post(f"/admin/users/{user.id}/edit", data={**base, "password": ""})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.check_password("long enough")  # blank keeps the password
    resp = client.post(f"/admin/users/{user.id}/edit", data={**base, "password": "brand new pw"})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.check_password("brand new pw")
    resp = client.post(f"/admin/users/{user.id}/edit", data={k: v for k, v in base.items() if k != "active"})
    assert resp.status_code == 302
    db.session.refresh(user)
    assert user.active is False
    resp = client.post(
        f"/admin/users/{admin.id}/edit?lang=en",
        data={"email": admin.email, "name": admin.name, "role": "admin"},
    )
    assert resp.status_code == 409 and "cannot deactivate your own" in resp.get_data(as_text=True)


def test_calendar_page_save_show_remove(client, admin):
    html = client.get("/admin/calendar?year=2031&lang=en").get_data(as_text=True)
    assert "Monday to Friday" in html
    resp = client.post(
        "/admin/calendar/2031",
        data={"holidays": "2031-10-01\n2031-10-02\r\n2031-10-06", "workdays": "2031-09-27"},
    )
    assert resp.status_code == 302
    row = db.session.get(CalendarYear, 2031)
    assert row.holidays == ["2031-10-01", "2031-10-02", "2031-10-06"] and row.workdays == ["2031-09-27"]
    html = client.get("/admin/calendar?year=2031&lang=en").get_data(as_text=True)
    assert "official notice entered here" in html and "2031-10-06" in html
    assert 'class="day protected" title="2031-10-06"' in html  # a Monday off
    assert 'class="day allowed" title="2031-09-27"' in html  # a make-up Saturday
    resp = client.post(
        "/admin/calendar/2031?lang=en", data={"holidays": "2031-10-01\n2030-05-01", "workdays": ""}
    )
    assert resp.status_code == 422 and "2030-05-01 is not in 2031" in resp.get_data(as_text=True)
    db.session.refresh(row)
    assert row.holidays == ["2031-10-01", "2031-10-02", "2031-10-06"]
    assert client.post("/admin/calendar/2031/delete").status_code == 302
    assert db.session.get(CalendarYear, 2031) is None
    assert client.get("/admin/calendar?year=99999").status_code == 200  # falls back to this year


def test_audit_page_filters_and_shows_the_change(client, admin, tree):
    client.post("/admin/jurisdictions/430211/edit", data={"name": "天元", "parent_code": "430200"})
    html = client.get("/admin/audit?entity=jurisdiction&action=update").get_data(as_text=True)
    # The changed field, before and after, in Chinese (tests/functional/test_audit_readable.py for the rest).
    assert '<td class="old">天元区</td>' in html and '<td class="new">天元</td>' in html
    assert "login" not in html.split("<tbody>")[1]
    html = client.get("/admin/audit?user=nobody").get_data(as_text=True)
    assert "天元" not in html.split("<tbody>")[1]
