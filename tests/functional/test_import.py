"""Enterprise import (联系企业清单): CSV in UTF-8 / UTF-8 with BOM / GB18030, XLSX; all rows or none."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, Enterprise, Jurisdiction
from rules.uscc import make_uscc
from tests.factories import auth_headers, create_enterprise, create_jurisdiction, create_user, login

ZH_HEADER = [
    "序号",
    "统一社会信用代码",
    "企业名称",
    "所属区划",
    "所有制",
    "行业",
    "规模",
    "联企干部",
    "联系电话",
]
EN_HEADER = [
    "uscc",
    "name",
    "jurisdiction_code",
    "ownership",
    "industry",
    "size",
    "liaison_name",
    "liaison_phone",
]
A = make_uscc("9", "1", "430212", "MA4L00001")
B = make_uscc("9", "1", "430211", "MA4L00002")
C = make_uscc("9", "2", "430211", "MA4L00003")
ROWS = [
    [
        "1",
        A,
        "株洲时代工程塑料科技有限责任公司",
        "430212",
        "民营",
        "工程塑料",
        "规上",
        "刘晓欢",
        "0731-28511001",
    ],
    ["2", B, "株洲天元精密机械有限公司", "天元区", "国有", "机械", "中型", "", ""],
    ["3", C, "天元区王氏五金店", "430211", "个体工商户", "", "", "胡军", "13800000000"],
]


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Enterprise))


def audits() -> int:
    return db.session.scalar(select(func.count()).select_from(AuditLog))


def csv_bytes(rows, header=ZH_HEADER, encoding="utf-8") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows, header=ZH_HEADER) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(
            [int(c) if c.isdigit() and len(c) == 6 else c for c in row]
        )  # a district typed as a number
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


@pytest.fixture
def districts(ctx):
    city = create_jurisdiction("430200", "株洲市")
    create_jurisdiction("430211", "天元区", parent=city)
    create_jurisdiction("430212", "渌口区", parent=city)
    return city


@pytest.fixture
def admin(client):
    return auth_headers(create_user("admin"))


def upload(client, headers, data: bytes, name: str):
    return client.post(
        "/api/v1/enterprises/import",
        data={"file": (io.BytesIO(data), name)},
        headers=headers,
        content_type="multipart/form-data",
    )


def assert_imported():
    rows = {e.uscc: e for e in db.session.scalars(select(Enterprise))}
    assert set(rows) == {A, B, C}
    assert (
        rows[A].ownership == "private"
        and rows[A].size == "above_scale"
        and rows[A].jurisdiction.code == "430212"
    )
    assert rows[A].name == "株洲时代工程塑料科技有限责任公司" and rows[A].liaison_phone == "0731-28511001"
    assert rows[B].ownership == "state" and rows[B].size == "medium" and rows[B].jurisdiction.code == "430211"
    assert rows[B].liaison_name is None
    assert rows[C].ownership == "individual" and rows[C].size is None and rows[C].industry is None


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (csv_bytes(ROWS), "list.csv"),
        (b"\xef\xbb\xbf" + csv_bytes(ROWS), "list-bom.csv"),
        (csv_bytes(ROWS, encoding="gb18030"), "excel.csv"),
        (xlsx_bytes(ROWS), "list.xlsx"),
        (xlsx_bytes(ROWS), "named-wrongly.csv"),  # recognised by content
    ],
    ids=["utf8", "utf8-bom", "gb18030", "xlsx", "xlsx-by-content"],
)
def test_import_formats(client, admin, districts, data, name):
    resp = upload(client, admin, data, name)
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json() == {"created": 3, "updated": 0, "unchanged": 0, "errors": []}
    assert_imported()
    creates = db.session.scalar(
        select(func.count())
        .select_from(AuditLog)
        .where(AuditLog.entity == "enterprise", AuditLog.action == "create")
    )
    summary = db.session.scalar(select(AuditLog).where(AuditLog.action == "import"))
    assert creates == 3 and summary.after["created"] == 3


def test_english_headers(client, admin, districts):
    rows = [r[1:] for r in ROWS]
    rows[0][3] = "private"
    rows[0][5] = "above_scale"
    resp = upload(client, admin, csv_bytes(rows, header=EN_HEADER), "en.csv")
    assert resp.status_code == 200, resp.get_json()
    assert_imported()


def test_one_bad_row_imports_nothing_and_names_row_and_column(client, admin, districts):
    bad = [list(r) for r in ROWS]
    bad[1][1] = B[:17] + ("0" if B[17] != "0" else "1")  # wrong check character on spreadsheet row 3
    bad[2][4] = "合资"  # unknown ownership on row 4
    before = audits()
    resp = upload(client, admin, csv_bytes(bad), "bad.csv")
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "import_invalid"
    report = err["details"]["errors"]
    assert {(e["row"], e["column"]) for e in report} == {(3, "统一社会信用代码"), (4, "所有制")}
    assert any("校验码" in e["message"] for e in report)  # the check character, in the default Chinese
    assert count() == 0 and audits() == before


@pytest.mark.parametrize(
    ("mutate", "column"),
    [
        (lambda r: r.__setitem__(2, ""), "企业名称"),
        (lambda r: r.__setitem__(3, "999999"), "所属区划"),
        (lambda r: r.__setitem__(6, "巨型"), "规模"),
        (lambda r: r.__setitem__(8, "电话"), "联系电话"),
        (lambda r: r.__setitem__(1, ROWS[0][1]), "统一社会信用代码"),  # same code as row 2
        (lambda r: r.__setitem__(1, ROWS[0][1].lower()), "统一社会信用代码"),
    ],
)
def test_each_bad_cell_is_reported(client, admin, districts, mutate, column):
    rows = [list(r) for r in ROWS]
    mutate(rows[2])
    resp = upload(client, admin, csv_bytes(rows), "bad.csv")
    assert resp.status_code == 422
    report = resp.get_json()["error"]["details"]["errors"]
    assert report[0]["row"] == 4 and report[0]["column"] == column
    assert count() == 0


def test_existing_enterprises_are_updated(client, admin, districts):
    create_enterprise(uscc=A, name="旧名称", jurisdiction=districts, ownership="state")
    tianyuan = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == "430211"))
    create_enterprise(
        uscc=B, name=ROWS[1][2], jurisdiction=tianyuan, ownership="state", size="medium", industry="机械"
    )
    before = audits()
    resp = upload(client, admin, csv_bytes(ROWS), "list.csv")
    assert resp.status_code == 200
    assert resp.get_json() == {"created": 1, "updated": 1, "unchanged": 1, "errors": []}
    assert_imported()
    assert count() == 3
    update = db.session.scalar(
        select(AuditLog).where(AuditLog.entity == "enterprise", AuditLog.action == "update")
    )
    assert update.entity_id == A and update.before["name"] == "旧名称"
    assert update.after["name"] == ROWS[0][2]
    assert audits() == before + 3  # one update, one create, one summary; the unchanged row writes nothing


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "empty.csv"),
        (csv_bytes([]), "header-only.csv"),
        (csv_bytes(ROWS, header=["名称", "代码"]), "no-columns.csv"),
        (b"PK\x03\x04garbage", "broken.xlsx"),
        (b"\x00\xff\xfe\x00" * 10, "binary.csv"),
        (b"not a workbook", "old.xls"),
    ],
)
def test_unusable_files(client, admin, districts, data, name):
    resp = upload(client, admin, data, name)
    assert resp.status_code == 422, resp.get_data(as_text=True)
    assert resp.get_json()["error"]["message"]
    assert count() == 0


def test_missing_file_field(client, admin, districts):
    resp = client.post(
        "/api/v1/enterprises/import", data={}, headers=admin, content_type="multipart/form-data"
    )
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "file"


def test_secretariat_may_import_inspector_may_not(client, districts):
    resp = upload(client, auth_headers(create_user("inspector")), csv_bytes(ROWS), "list.csv")
    assert resp.status_code == 403 and count() == 0
    resp = upload(client, auth_headers(create_user("secretariat")), csv_bytes(ROWS), "list.csv")
    assert resp.status_code == 200 and count() == 3


# --- the page ---


def test_import_page_shows_report(client, districts):
    login(client, create_user("secretariat"))
    assert client.get("/admin/enterprises/import").status_code == 200
    bad = [list(r) for r in ROWS]
    bad[0][3] = "888888"
    resp = client.post(
        "/admin/enterprises/import",
        data={"file": (io.BytesIO(csv_bytes(bad)), "bad.csv")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    assert "所属区划" in html and "<td>2</td>" in html and "888888" in html
    assert count() == 0
    resp = client.post(
        "/admin/enterprises/import",
        data={"file": (io.BytesIO(xlsx_bytes(ROWS)), "ok.xlsx")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 303  # redirect after the write: a refresh does not import again
    assert count() == 3
    assert client.post("/admin/enterprises/import", data={}).status_code == 422


def test_templates_download_and_import_back(client, admin, districts):
    login(client, create_user("admin"))
    resp = client.get("/admin/enterprises/import/template.csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf") and "统一社会信用代码" in resp.data.decode("utf-8-sig")
    assert upload(client, admin, resp.data, "template.csv").get_json()["created"] == 1
    resp = client.get("/admin/enterprises/import/template.xlsx")
    assert resp.status_code == 200
    sheet = load_workbook(io.BytesIO(resp.data)).active
    assert sheet["A1"].value == "统一社会信用代码"
    assert upload(client, admin, resp.data, "template.xlsx").get_json()["unchanged"] == 1
    assert client.get("/admin/enterprises/import/template.pdf").status_code == 404
