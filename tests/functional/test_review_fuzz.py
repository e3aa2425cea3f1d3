"""Regressions found by fuzzing (schemathesis) and the security review: each request here used to give a 500,
leave the site, or let a hostile upload eat the server's memory."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, Enterprise, User
from operations import importer
from operations.validate import get_int, get_str, parse_int
from tests.factories import auth_headers, create_enterprise, create_jurisdiction, create_user, login


def _audit_count() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def _assert_json_error(resp, status: int, code: str | None = None) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    body = resp.get_json()
    assert set(body["error"]) == {"code", "message", "details"}
    if code is not None:
        assert body["error"]["code"] == code
    return body


# --- integers in query strings and paths ---------------------------------------------------------------------


@pytest.mark.parametrize("query", [
    "limit=%C2%B2",  # '²' passes str.isdigit() but int() refuses it
    "offset=--5",  # lstrip('-') made this look numeric
    "offset=99999999999999999999999",  # overflowed SQLite's 64-bit integers
    "offset=" + "9" * 5000,  # more digits than int() will convert
    "limit=%D9%A3",  # Arabic-Indic three: a digit to Python, not to a client
])
def test_bad_paging_numbers_are_422(client, query):
    headers = auth_headers(create_user("admin"))
    body = _assert_json_error(client.get(f"/api/v1/enterprises?{query}", headers=headers), 422, "invalid_field")
    assert body["error"]["details"]["field"] in ("limit", "offset")


@pytest.mark.parametrize("user", ["%C2%B2", "99999999999999999999999"])
def test_audit_user_filter_never_500(client, user):
    admin = create_user("admin")
    resp = client.get(f"/api/v1/audit?user={user}", headers=auth_headers(admin))
    assert resp.status_code == 200
    assert resp.get_json()["total"] == 0


def test_audit_user_filter_by_id_still_works(client):
    admin = create_user("admin")
    headers = auth_headers(admin)  # issuing the token is audited with this admin as actor
    other = create_user("admin")
    auth_headers(other)
    items = client.get(f"/api/v1/audit?user={admin.id}", headers=headers).get_json()["items"]
    assert items and all(admin.email in i["actor"] for i in items)


@pytest.mark.parametrize("path", [
    "/api/v1/users/99999999999999999999999",
    "/api/v1/quiet-day-policies/36893488147419103231",
    "/api/v1/inspections/353418890759638819536896",
])
def test_huge_ids_in_paths_are_404(client, path):
    resp = client.get(path, headers=auth_headers(create_user("admin")))
    _assert_json_error(resp, 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [
    ("PATCH", "/api/v1/users/34386452239"),
    ("DELETE", "/api/v1/quiet-day-policies/549755813889"),
    ("PUT", "/api/v1/calendar/576460752303423487"),
])
def test_huge_ids_are_404_for_every_method_not_405(client, method, path):
    resp = client.open(path, method=method, headers=auth_headers(create_user("admin")), json={})
    _assert_json_error(resp, 404, "not_found")


def test_huge_id_on_html_page_is_404(client):
    login(client, create_user("admin"))
    assert client.get("/admin/users/99999999999999999999999/edit").status_code == 404


@pytest.mark.parametrize("query", ["page=%C2%B2", "page=" + "9" * 5000, "page=99999999999999999999"])
def test_admin_list_pages_ignore_bad_page_numbers(client, query):
    login(client, create_user("admin"))
    for page in ("/admin/enterprises", "/admin/users", "/admin/audit"):
        assert client.get(f"{page}?{query}").status_code == 200, page


def test_admin_calendar_ignores_odd_year(client):
    login(client, create_user("admin"))
    assert client.get("/admin/calendar?year=%C2%B2%C2%B2%C2%B2%C2%B2").status_code == 200


def test_parse_int_table():
    assert [parse_int(v) for v in ("7", " -3 ", "+4", 12, True, "²", "٣", "--5", "1e3", "", 2**31)] == [
        7, -3, 4, 12, None, None, None, None, None, None, None]


def test_get_int_out_of_range_names_the_field(ctx):
    for value in (2**40, "99999999999999999999"):
        with pytest.raises(Exception) as info:
            get_int({"n": value}, "n")
        assert info.value.field == "n" and info.value.status == 422


# --- NUL and other control characters ------------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/api/v1/enterprises?q=a%00b",
    "/api/v1/users?q=%00",
    "/api/v1/audit?entity=%00",
    "/api/v1/enterprises/%00",
    "/api/v1/jurisdictions/43%0000",
    "/api/v1/inspections?status=%00",
])
def test_nul_in_url_is_400_not_a_database_error(client, path):
    # On PostgreSQL NUL inside a query parameter fails the statement; refused before any view runs.
    _assert_json_error(client.get(path, headers=auth_headers(create_user("admin"))), 400, "bad_request")


def test_nul_in_json_text_is_422_and_nothing_is_written(client):
    create_jurisdiction("430200", "株洲市")
    headers = auth_headers(create_user("admin"))
    before = _audit_count()
    resp = client.post("/api/v1/departments", headers=headers,
                       json={"code": "zz-x", "name": "a\x00b", "jurisdiction_code": "430200"})
    body = _assert_json_error(resp, 422, "invalid_field")
    assert body["error"]["details"]["field"] == "name"
    assert _audit_count() == before


def test_get_str_keeps_line_breaks_but_refuses_control_characters(ctx):
    assert get_str({"t": "第一行\n第二行\t!"}, "t") == "第一行\n第二行\t!"
    for bad in ("a\x00", "a\x1b[31m", "\x7f"):
        with pytest.raises(Exception) as info:
            get_str({"t": bad}, "t")
        assert info.value.field == "t"


# --- malformed JSON ---------------------------------------------------------------------------------------------


def test_deeply_nested_json_is_400(client):
    headers = {**auth_headers(create_user("admin")), "Content-Type": "application/json"}
    resp = client.post("/api/v1/jurisdictions", headers=headers, data="[" * 100_000 + "]" * 100_000)
    _assert_json_error(resp, 400, "malformed_json")


# --- 405 names the allowed methods ------------------------------------------------------------------------------


def test_405_has_allow_header(client):
    resp = client.open("/api/v1/me", method="TRACE")
    _assert_json_error(resp, 405, "method_not_allowed")
    assert set(resp.headers["Allow"].split(", ")) >= {"GET"}
    html = client.open("/login", method="PUT")
    assert html.status_code == 405 and "POST" in html.headers["Allow"]


# --- redirects after login stay on this site ----------------------------------------------------------------------


@pytest.mark.parametrize("target", [
    "/\\evil.example",
    "/\\/evil.example",
    "/\t/evil.example",
    "/%09/evil.example",  # decoded to a tab by the query-string parser
    "//evil.example",
    "https://evil.example/",
    "/ /evil.example",
])
def test_login_next_cannot_leave_the_site(client, target):
    from urllib.parse import quote

    user = create_user("admin")
    resp = client.post(f"/login?next={quote(target, safe='%')}",
                       data={"email": user.email, "password": "correct horse battery"})
    assert resp.status_code == 302
    location = resp.headers["Location"]
    assert "evil" not in location, location


def test_login_next_to_a_local_page_still_works(client):
    user = create_user("admin")
    resp = client.post("/login?next=/admin/users%3Fpage%3D2",
                       data={"email": user.email, "password": "correct horse battery"})
    assert resp.headers["Location"].endswith("/admin/users?page=2")


def test_language_switch_cannot_redirect_off_site(client):
    resp = client.post("/lang/en", data={"next": "/\\evil.example"})
    assert resp.status_code == 302 and "evil" not in resp.headers["Location"]


def test_login_starts_a_fresh_session_but_keeps_the_language(client):
    user = create_user("admin")
    with client.session_transaction() as sess:
        sess["planted"] = "by someone else"
        sess["lang"] = "en"
    login(client, user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        assert sess["lang"] == "en"
        assert sess["_user_id"] == user.get_id()  # id plus password fingerprint


# --- hostile spreadsheets -------------------------------------------------------------------------------------


def _template_parts() -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(importer.template_xlsx())) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(parts: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in parts.items():
            zf.writestr(name, content)
    return buf.getvalue()


def _upload(client, headers, data: bytes, name: str = "list.xlsx"):
    return client.post("/api/v1/enterprises/import", headers=headers,
                       data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


@pytest.mark.parametrize("part, content", [
    ("xl/worksheets/sheet1.xml", b"<worksheet><sheetData><row><c t='s'><v>1</v></c></row>"),  # truncated XML
    ("xl/styles.xml", b"<x"),
    ("xl/workbook.xml", b"<workbook/>"),  # no sheets at all
])
def test_damaged_xlsx_is_a_clear_422(client, part, content):
    headers = auth_headers(create_user("admin"))
    before = (_audit_count(), db.session.scalar(select(func.count()).select_from(Enterprise)))
    resp = _upload(client, headers, _zip({**_template_parts(), part: content}))
    body = _assert_json_error(resp, 422, "import_invalid")
    assert body["error"]["details"]["errors"]
    assert (_audit_count(), db.session.scalar(select(func.count()).select_from(Enterprise))) == before


def test_zip_bomb_is_refused_before_it_is_unpacked(client):
    parts = _template_parts()
    sheet = parts["xl/worksheets/sheet1.xml"]
    cut = sheet.index(b"</sheetData>")
    huge = b'<row r="3"><c r="A3" t="inlineStr"><is><t>' + b"A" * (80 * 1024 * 1024) + b"</t></is></c></row>"
    bomb = _zip({**parts, "xl/worksheets/sheet1.xml": sheet[:cut] + huge + sheet[cut:]})
    assert len(bomb) < 1024 * 1024  # small on the wire, 80 MB unpacked
    resp = _upload(client, auth_headers(create_user("admin")), bomb)
    body = _assert_json_error(resp, 422, "import_invalid")
    assert "too large" in body["error"]["message"] or "过大" in body["error"]["message"]


def test_far_right_cell_does_not_pad_every_row(ctx):
    # A cell in column XFD used to make openpyxl return 16,384 cells for every row.
    parts = _template_parts()
    sheet = parts["xl/worksheets/sheet1.xml"].replace(b'<dimension ref="A1:I2"', b'<dimension ref="A1:XFD2"')
    rows = importer.read_rows("x.xlsx", _zip({**parts, "xl/worksheets/sheet1.xml": sheet}))
    assert all(len(r) <= importer.MAX_COLUMNS for r in rows)
    assert rows[1][0] == "91430211MA4L00000J"


def test_csv_with_nul_in_a_cell_reports_the_row(client):
    create_jurisdiction("430200", "株洲市")
    uscc = create_enterprise().uscc
    csv = f"统一社会信用代码,企业名称,所属区划,所有制\n{uscc},坏\x00名字,430200,民营\n".encode()
    headers = auth_headers(create_user("admin"))
    before = _audit_count()
    resp = _upload(client, headers, csv, "list.csv")
    errors = _assert_json_error(resp, 422, "import_invalid")["error"]["details"]["errors"]
    assert errors[0]["row"] == 2 and errors[0]["column"] == "企业名称"
    assert _audit_count() == before
    assert db.session.scalar(select(Enterprise.name).where(Enterprise.uscc == uscc)) != "坏\x00名字"


# --- error pages ------------------------------------------------------------------------------------------------


def test_unhandled_error_page_leaks_nothing(app, client, monkeypatch):
    from operations import reference

    def boom(*_a, **_k):
        raise RuntimeError("secret-internal-detail /work/main/operations/reference.py")

    monkeypatch.setattr(reference, "users_stmt", boom)
    admin = create_user("admin")
    api = client.get("/api/v1/users", headers=auth_headers(admin))
    _assert_json_error(api, 500, "internal_error")
    login(client, admin)
    page = client.get("/admin/users")
    assert page.status_code == 500
    for resp in (api, page):
        text = resp.get_data(as_text=True)
        assert "secret-internal-detail" not in text and "Traceback" not in text and ".py" not in text


def test_users_unchanged_by_refused_requests(client):
    admin = create_user("admin")
    headers = auth_headers(admin)
    n = db.session.scalar(select(func.count()).select_from(User))
    client.post("/api/v1/users", headers=headers, json={"email": "a\x00@x.cn", "name": "x", "role": "admin",
                                                        "password": "long enough pw"})
    client.patch(f"/api/v1/users/{admin.id}", headers=headers, json={"name": "\x00"})
    assert db.session.scalar(select(func.count()).select_from(User)) == n
    assert db.session.get(User, admin.id).name == admin.name


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.lists(st.sampled_from(["%", "0", "2", "5", "a", "F", "=", "&", "+", ";", "\x00", "%C3%A9",
                                        "é".encode().decode("latin-1")]), max_size=14).map("".join))
def test_nul_is_found_in_the_raw_query_exactly_when_the_parsed_query_holds_one(app, query):
    """reject_nul reads the raw query string (issue 11); it must refuse exactly what the parsed arguments would.
    (A WSGI query string holds the request's bytes as latin-1 characters.)"""
    from werkzeug.exceptions import BadRequest

    from app import reject_nul

    with app.test_request_context("/", environ_overrides={"QUERY_STRING": query}):
        from flask import request

        parsed = any("\x00" in k or any("\x00" in v for v in request.args.getlist(k)) for k in request.args)
        try:
            reject_nul()
            refused = False
        except BadRequest:
            refused = True
    assert refused == parsed, query
