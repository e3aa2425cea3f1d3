"""The ledger export (台账): Chinese headers, the filters, formula neutralisation in CSV and XLSX, opened back with
openpyxl and the csv module; who may export what."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from openpyxl import load_workbook

from tests import followups_fixtures as ff
from tests.factories import login

fu_world = ff.fu_world
EVIL = ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+1", "-2+3", "@SUM(A1)"]


def _items(client, w):
    a = w.create(client, title=EVIL[0], description=EVIL[1], assigned_on="2026-11-10")  # red
    b = w.create(client, title="厂房用地", description=EVIL[2], lead_department=w.other.code,
                 assist_departments=[])
    c = w.create(client, title=EVIL[3], description="正常描述")
    return a, b, c


def _xlsx(resp):
    assert resp.status_code == 200, resp.data[:300]
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(resp.data)).active
    width = ws.max_column
    return [list(r) + [None] * (width - len(r)) for r in ws.iter_rows(values_only=True)]


def test_xlsx_opens_back_with_chinese_headers_and_neutralised_values(client, fu_world):
    w = fu_world
    a, b, c = _items(client, w)
    rows = _xlsx(client.get("/api/v1/follow-ups/export.xlsx", headers=w.headers(w.secretariat)))
    header = rows[0]
    assert header[:3] == ["编号", "企业", "信用代码"] and "牵头单位" in header and "预警" in header
    by_id = {r[0]: dict(zip(header, r, strict=True)) for r in rows[1:]}
    assert set(by_id) == {a["id"], b["id"], c["id"]}
    row_a = by_id[a["id"]]
    # No cell is a formula: each dangerous value comes back as text with a leading apostrophe.
    assert row_a["问题"] == "'" + EVIL[0]
    assert row_a["问题描述"] == "'" + EVIL[1]
    assert by_id[b["id"]]["问题描述"] == "'" + EVIL[2]
    assert by_id[c["id"]]["问题"] == "'" + EVIL[3]
    assert row_a["企业"] == w.ent.name and row_a["信用代码"] == w.ent.uscc
    assert row_a["牵头单位"] == "株洲市自然资源和规划局" and row_a["协办单位"] == "株洲市人力资源和社会保障局"
    assert row_a["预警"] == "红色预警" and row_a["状态"] == "已交办" and row_a["交办级别"] == "即交即办"
    assert row_a["类别"] == "用地" and row_a["来源"] == "会议" and row_a["挂号督办"] == "否"
    assert row_a["交办日期"].date() == date(2026, 11, 10) and row_a["办结期限"].date() == date(2026, 11, 17)


def test_xlsx_never_contains_a_formula_cell(client, fu_world):
    w = fu_world
    _items(client, w)
    resp = client.get("/api/v1/follow-ups/export.xlsx", headers=w.headers(w.secretariat))
    ws = load_workbook(io.BytesIO(resp.data)).active
    assert all(cell.data_type != "f" for row in ws.iter_rows() for cell in row)


def test_csv_has_bom_chinese_headers_and_neutralised_values(client, fu_world):
    w = fu_world
    _a, _b, _c = _items(client, w)
    resp = client.get("/api/v1/follow-ups/export.csv", headers=w.headers(w.secretariat))
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    assert resp.data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(resp.data.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "企业", "信用代码"]
    texts = [cell for row in rows[1:] for cell in row]
    for evil in EVIL:
        assert "'" + evil in texts
        assert evil not in texts
    assert not any(cell[:1] in ("=", "+", "-", "@") for cell in texts)


def test_export_follows_the_filters(client, fu_world):
    w = fu_world
    a, b, _c = _items(client, w)
    h = w.headers(w.secretariat)
    rows = _xlsx(client.get("/api/v1/follow-ups/export.xlsx?warning=red", headers=h))
    assert [r[0] for r in rows[1:]] == [a["id"]]
    rows = _xlsx(client.get("/api/v1/follow-ups/export.xlsx?department=zz-fin", headers=h))
    assert [r[0] for r in rows[1:]] == [b["id"]]
    resp = client.get("/api/v1/follow-ups/export.csv?status=nope", headers=h)
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "status"


def test_department_exports_only_its_items_and_enterprises_cannot_export(client, fu_world):
    w = fu_world
    _a, b, _c = _items(client, w)
    rows = _xlsx(client.get("/api/v1/follow-ups/export.xlsx", headers=w.headers(w.other_user)))
    assert [r[0] for r in rows[1:]] == [b["id"]]
    assert client.get("/api/v1/follow-ups/export.csv", headers=w.headers(w.enterprise_user)).status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_ledger_page_exports_with_the_session(client, fu_world, fmt):
    w = fu_world
    _items(client, w)
    login(client, w.secretariat)
    resp = client.get(f"/follow-ups/export.{fmt}?warning=red")
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
