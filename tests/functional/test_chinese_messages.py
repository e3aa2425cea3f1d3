"""Every validation message in the Chinese locale names a field by its Chinese label and a choice by its
Chinese name (issue #6, defect 5): a walk over the API bodies and queries, the quiet-day rule errors, the HTML
forms and the import report, each field given missing, null, wrongly typed, out-of-range and malformed values.
A message fails when it contains a raw field or choice code, or an untranslated English sentence."""

from __future__ import annotations

import csv
import html as html_lib
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest

from operations.labels import CHOICE_LABELS, FIELD_LABELS
from rules import quietdays as qd
from tests import quietdays_fixtures as qf
from tests.factories import login

world, today = qf.world, qf.today

# Words a Chinese message may legitimately contain: formats and file types, not field names.
ALLOWED_WORDS = {"YYYY", "MM", "DD", "CSV", "XLSX", "UTF", "GB", "JSON", "API", "ISO", "xls", "xlsx", "csv"}
WORD = re.compile(r"[A-Za-z][A-Za-z_]*")
SENTENCE = re.compile(r"[A-Za-z]{2,}[ ,:;'’]+[A-Za-z]{2,}")


def codes() -> set[str]:
    """Every field code and every choice code the app knows."""
    out = {c for c in FIELD_LABELS if "." not in c}
    for field, names in CHOICE_LABELS.items():
        out |= {str(k) for k in names if isinstance(k, str)}
        out |= set(field.split("."))
    out |= set(qd.KINDS) | set(qd.RULE_TYPES) | set(qd.BINDS)
    return {c for c in out if len(c) > 2}


def problems(message: str, known: set[str]) -> list[str]:
    found = []
    text = re.sub(r"\b\d{4}-\d{2}-\d{2}\b", "", message)
    for word in WORD.findall(text):
        if word in known and word not in ALLOWED_WORDS:
            found.append(f"raw code {word!r}")
    sentence = SENTENCE.search(text)
    if sentence and not all(w in ALLOWED_WORDS for w in WORD.findall(sentence.group(0))):
        found.append(f"English {sentence.group(0)!r}")
    return found


def variants(value: Any) -> Iterator[tuple[str, Any]]:
    yield "missing", ...
    yield "null", None
    yield "object", {"x": 1}
    yield "huge", 10**12
    yield "negative", -5
    yield "text", "不是一个值"
    yield "long", "长" * 5000
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        yield "bad date", "2026-02-30"
    if isinstance(value, list):
        yield "bad item", ["不存在的值"]
        yield "empty list", []
    if isinstance(value, bool):
        yield "bad bool", "也许"


def walk(send, base: dict[str, Any]) -> list[tuple[str, str, int, str]]:
    """Send ``base`` with each field replaced by each bad variant; collect the 4xx messages."""
    out = []
    for field, value in base.items():
        for name, bad in variants(value):
            payload = {k: v for k, v in base.items() if k != field}
            if bad is not ...:
                payload[field] = bad
            resp = send(payload)
            if 400 <= resp.status_code < 500 and resp.status_code != 401 and resp.is_json:
                out.append((field, name, resp.status_code, resp.get_json()["error"]["message"]))
    return out


def assert_chinese(collected: list[tuple[str, str, int, str]]) -> None:
    known = codes()
    bad = [(f, v, s, m, p) for f, v, s, m in collected if (p := problems(m, known))]
    assert bad == [], "\n".join(f"{f} [{v}] {s}: {m}  <- {p}" for f, v, s, m, p in bad[:40])


def test_the_detector_catches_what_the_issue_reported():
    known = codes()
    for message in ("subject 为必填项", "complaint须填写书面理由", "size 必须是以下之一：above_scale、large",
                    "day of month 40 is not in 1..31", "from：must be an integer"):
        assert problems(message, known), message
    assert problems("检查事项为必填项。", known) == []
    assert problems("日期必须是日期（YYYY-MM-DD）。", known) == []


@pytest.fixture
def api(client, world):
    def send(method: str, url: str, user) -> Any:
        def go(payload: dict[str, Any]):
            if method == "GET":
                return client.get(url, query_string={k: v for k, v in payload.items()
                                                     if isinstance(v, str | int)}, headers=world.headers(user))
            return client.open(url, method=method, json=payload, headers=world.headers(user))
        return go
    return send


def test_inspection_and_check_messages_are_chinese(api, world):
    booking = {"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "日常检查",
               "justification": "投诉", "reference": "12345", "emergency": False, "joint_with": 1}
    collected = walk(api("POST", "/api/v1/inspections", world.inspector), booking)
    collected += walk(api("POST", "/api/v1/inspections", world.admin), {**booking, "department": "zz-amr"})
    collected += walk(api("GET", "/api/v1/check", world.admin),
                      {"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "routine", "department": "zz-amr"})
    collected += walk(api("GET", f"/api/v1/enterprises/{world.ent.uscc}/days", world.admin),
                      {"from": "2026-11-01", "to": "2026-11-30", "kind": "routine", "department": "zz-amr"})
    collected += walk(api("POST", "/api/v1/checks", world.admin),
                      {"department": "zz-amr", "kind": "routine", "from": "2026-11-01", "to": "2026-11-30",
                       "enterprises": [world.ent.uscc]})
    # Refusals by the rules, not only by field checks.
    send = api("POST", "/api/v1/inspections", world.inspector)
    for extra in ({"date": "2026-11-23"}, {"date": "2026-11-23", "kind": "complaint"},
                  {"date": "2026-11-30", "to": "x"}):
        resp = send({**booking, "joint_with": None, "justification": None, **extra})
        collected.append(("rule", str(extra), resp.status_code, resp.get_json()["error"]["message"]))
    assert len(collected) > 60
    assert_chinese(collected)


def test_policy_and_rule_messages_are_chinese(api, world):
    policy = {"jurisdiction_code": "430200", "title": "民营企业宁静日", "reference": "十条意见",
              "rule": {"type": "weekdays", "weekdays": [1, 2, 3]}, "valid_from": "2026-01-01",
              "valid_until": "2026-12-31", "ownership": ["private"], "sizes": ["above_scale"], "enterprises": [],
              "blocked_kinds": ["routine"], "binds": "level", "status": "draft"}
    send = api("POST", "/api/v1/quiet-day-policies", world.admin)
    collected = walk(send, policy)
    rules = [
        {"type": "month_days", "from": 40, "to": 41}, {"type": "month_days", "from": "1", "to": 25},
        {"type": "month_days", "from": 20, "to": 10}, {"type": "month_days", "from": 1},
        {"type": "weekdays", "weekdays": []}, {"type": "weekdays", "weekdays": [9]},
        {"type": "weekdays", "weekdays": "1,2"}, {"type": "weekdays", "weekdays": [True]},
        {"type": "first_workdays_open", "count": 99}, {"type": "first_workdays_open", "count": "五"},
        {"type": "date_range", "from": "2026-05-01", "to": "2026-03-01"},
        {"type": "date_range", "from": "20260301", "to": "2026-05-31"},
        {"type": "date_range", "from": "2026-02-30", "to": "2026-05-31"},
        {"type": "weekly"}, {"type": "weekdays", "weekdays": [1], "from": 1}, {"weekdays": [1]}, [1, 2],
    ]
    for rule in rules:
        resp = send({**policy, "rule": rule})
        assert resp.status_code == 422, (rule, resp.get_json())
        collected.append(("rule", str(rule), 422, resp.get_json()["error"]["message"]))
    pid = world.policy.id
    collected += walk(api("PATCH", f"/api/v1/quiet-day-policies/{pid}", world.admin), {"title": "新标题",
                                                                                       "valid_until": "2027-01-01"})
    collected += walk(api("POST", f"/api/v1/quiet-day-policies/{pid}/exceptions", world.admin),
                      {"date": "2026-11-23", "effect": "lift", "reason": "统一检查日"})
    assert_chinese(collected)


def test_reference_data_and_calendar_messages_are_chinese(api, world):
    collected = walk(api("POST", "/api/v1/jurisdictions", world.admin),
                     {"code": "430211", "name": "天元区", "parent_code": "430200", "annual_inspection_cap": 2})
    collected += walk(api("POST", "/api/v1/departments", world.admin),
                      {"code": "zz-fire", "name": "株洲市消防救援支队", "jurisdiction_code": "430200",
                       "inspects": True, "handles": False, "annual_inspection_cap": 2})
    collected += walk(api("POST", "/api/v1/enterprises", world.admin),
                      {"uscc": "91430200MA4L00009X", "name": "测试企业", "jurisdiction_code": "430200",
                       "ownership": "private", "industry": "机械", "size": "small"})
    collected += walk(api("POST", "/api/v1/users", world.admin),
                      {"email": "new@example.gov.cn", "name": "新用户", "role": "inspector",
                       "password": "correct horse battery", "department_code": "zz-amr"})
    collected += walk(api("PUT", "/api/v1/calendar/2027", world.admin),
                      {"holidays": ["2027-01-01"], "workdays": ["2027-01-02"]})
    assert_chinese(collected)


def test_import_report_is_chinese(client, world):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["统一社会信用代码", "企业名称", "所属区划", "所有制", "规模"])
    writer.writerow(["91430200MA4L0000XX", "", "999999", "合资", "巨型"])
    writer.writerow(["", "某企业", "430200", "", ""])
    resp = client.post("/api/v1/enterprises/import", headers=world.headers(world.admin),
                       data={"file": (io.BytesIO(out.getvalue().encode()), "bad.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    report = resp.get_json()["error"]["details"]["errors"]
    assert len(report) >= 4
    assert_chinese([("import", str(e["row"]), 422, e["message"]) for e in report])
    # A file without the required columns, headed in English.
    resp = client.post("/api/v1/enterprises/import", headers=world.headers(world.admin),
                       data={"file": (io.BytesIO(b"industry,size\n\xe6\x9c\xba\xe6\xa2\xb0,small\n"), "x.csv")},
                       content_type="multipart/form-data")
    assert resp.status_code == 422
    errors = resp.get_json()["error"]["details"].get("errors", [])
    assert_chinese([("import", "header", 422, e["message"]) for e in errors])


def _form_errors(html: str) -> list[str]:
    found = re.findall(r'<div class="error" role="alert">(.*?)</div>', html, re.S)
    found += re.findall(r'class="flash flash-error"[^>]*>(.*?)</div>', html, re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in found]


def test_form_messages_are_chinese(client, world):
    login(client, world.admin)
    forms = {
        "/inspections/new": [{}, {"uscc": world.ent.uscc, "date": "2026-02-30", "kind": "routine",
                                  "subject": "检查", "department": "zz-amr"},
                             {"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "complaint",
                              "subject": "检查", "department": "zz-amr"}],
        "/policies/new": [{}, {"jurisdiction_code": "430200", "title": "宁静日", "rule_type": "month_days",
                               "day_from": "40", "day_to": "41", "valid_from": "2026-01-01"},
                          {"jurisdiction_code": "430200", "title": "长" * 400, "rule_type": "weekdays",
                           "weekdays": ["9"], "valid_from": "2026-13-01"}],
        "/admin/enterprises/new": [{}, {"uscc": "X" * 30, "name": "测" * 300, "jurisdiction_code": "999999",
                                        "ownership": "guild", "liaison_phone": "call me"}],
        "/admin/departments/new": [{}, {"code": "BAD CODE", "name": "部门", "annual_inspection_cap": "-1"}],
        "/admin/users/new": [{}, {"email": "zhang.example.gov.cn", "name": "某人", "role": "inspector",
                                  "password": "short"}],
    }
    collected = []
    for url, payloads in forms.items():
        for data in payloads:
            resp = client.post(url + "?lang=zh_CN", data=data)
            assert resp.status_code >= 400, (url, data, resp.status_code)
            messages = _form_errors(resp.get_data(as_text=True))
            assert messages, (url, data)
            collected += [(url, str(data)[:40], resp.status_code, m) for m in messages]
    assert_chinese(collected)


FIELD_USE = re.compile(r'(?:get_(?:str|int|date|choice|list|bool)\(\s*\w+,\s*"([a-z_.]+)"|invalid\(\s*"([a-z_.]+)"'
                       r'|field="([a-z_.]+)")')


def test_every_validated_field_has_a_chinese_label(app):
    """Static half of the walk: any field code the operations validate (now or in code added later) has a
    registered label, so no message can fall back to the raw code."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    missing: dict[str, set[str]] = {}
    for base in ("operations", "blueprints"):
        for path in (root / base).rglob("*.py"):
            for match in FIELD_USE.finditer(path.read_text(encoding="utf-8")):
                code = next(g for g in match.groups() if g)
                # A bare code or a "<table>.<column>" registration (COORD: labels of shared codes by table).
                if code not in FIELD_LABELS and not any(k.endswith(f".{code}") for k in FIELD_LABELS):
                    missing.setdefault(code, set()).add(path.name)
    assert missing == {}
    with app.test_request_context("/?lang=zh_CN"):
        untranslated = {code: str(label) for code, label in FIELD_LABELS.items()
                        if re.search(r"[A-Za-z]{3,}", re.sub(r"\(.*?\)", "", str(label)))}
    assert untranslated == {}
