"""Random JSON bodies and query strings against the API: never a 500, every refusal in the JSON error shape.

A small, fast stand-in for a schemathesis run (see the review report): the field names of each endpoint are
mixed with random keys, and the values are any JSON (including NUL and other control characters, dates at the
ends of the calendar, huge numbers, deep nesting, lists of strings). It runs in both CI passes; NUL only fails on
PostgreSQL (SQLite stores it), so `test_nul_in_lists_and_fields_never_500_on_postgres` is required there."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extensions import db
from models import QuietDayPolicy
from tests.conftest import require_postgres
from tests.factories import auth_headers, create_department, create_enterprise, create_jurisdiction, create_user

SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

TEXT = st.text(max_size=30) | st.sampled_from(["", " ", "\x00", "²", "--5", "430200", "2026-11-23", "zz-amr",
                                               "91430211MA4L00000J", "private", "routine", "true", "9" * 30,
                                               "9999-06-30", "0001-01-01", "2101-01-01", "a\x00b", "\x07",
                                               "\x1b[0m", "430200\x00"])
# Lists of strings: list fields (enterprises, ownership, holidays) were where NUL slipped through.
STRINGS = st.lists(TEXT, max_size=4)
SCALAR = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | TEXT | STRINGS
JSON = st.recursive(SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                    max_leaves=8)

ENDPOINTS: list[tuple[str, str, tuple[str, ...]]] = [
    ("POST", "/api/v1/jurisdictions", ("code", "name", "parent_code", "annual_inspection_cap")),
    ("PATCH", "/api/v1/jurisdictions/430200", ("name", "parent_code", "annual_inspection_cap")),
    ("POST", "/api/v1/departments", ("code", "name", "jurisdiction_code", "inspects", "handles")),
    ("POST", "/api/v1/enterprises", ("uscc", "name", "jurisdiction_code", "ownership", "size", "liaison_phone")),
    ("POST", "/api/v1/users", ("email", "name", "role", "password", "department_code", "enterprise_uscc",
                               "is_head")),
    ("PUT", "/api/v1/calendar/2027", ("holidays", "workdays")),
    ("POST", "/api/v1/quiet-day-policies", ("jurisdiction_code", "title", "rule", "valid_from", "valid_until",
                                            "ownership", "sizes", "enterprises", "blocked_kinds", "binds",
                                            "status")),
    ("POST", "/api/v1/checks", ("usccs", "from", "to", "kind", "department")),
    ("POST", "/api/v1/inspections", ("uscc", "date", "kind", "department", "joint_with", "emergency",
                                     "justification")),
    ("POST", "/api/v1/auth/token", ("email", "password", "name")),
    ("PATCH", "/api/v1/enterprises/91430211MA4L00000J", ("name", "jurisdiction_code", "ownership", "size",
                                                         "liaison_phone")),
    ("POST", "/api/v1/quiet-day-policies/1/exceptions", ("date", "effect", "reason")),
    ("DELETE", "/api/v1/quiet-day-policies/1", ("reason",)),
]
QUERIES = [
    ("/api/v1/enterprises", ("q", "jurisdiction", "limit", "offset")),
    ("/api/v1/users", ("q", "role", "limit", "offset")),
    ("/api/v1/audit", ("entity", "user", "action", "entity_id", "limit")),
    ("/api/v1/check", ("uscc", "date", "kind", "department")),
    ("/api/v1/inspections", ("status", "from", "to", "department", "uscc", "limit")),
    ("/api/v1/quiet-day-policies", ("jurisdiction", "status", "inherited", "limit", "offset")),
]


def body_for(fields: tuple[str, ...]) -> st.SearchStrategy[Any]:
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(fields, JSON))
    return known | JSON


def _assert_clean(resp, where: str) -> None:
    assert resp.status_code < 500, (where, resp.status_code, resp.get_data(as_text=True)[:300])
    if resp.status_code == 204:
        return
    assert resp.is_json, (where, resp.status_code, resp.content_type)
    if resp.status_code >= 400:
        error = resp.get_json()["error"]
        assert set(error) == {"code", "message", "details"}, where
        assert isinstance(error["code"], str) and error["message"], where


@pytest.fixture
def admin_headers(ctx):
    root = create_jurisdiction("430200", "株洲市")
    create_department("zz-amr", jurisdiction=root)
    create_enterprise("91430211MA4L00000J", jurisdiction=root)
    db.session.add(QuietDayPolicy(jurisdiction_id=root.id, title="宁静日", rule={"type": "weekdays",
                                  "weekdays": [1]}, valid_from=date(2026, 1, 1), status="draft", ownership=[],
                                  sizes=[], blocked_kinds=["routine"]))
    db.session.commit()
    return auth_headers(create_user("admin"))


@pytest.mark.parametrize(("method", "url", "fields"), ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_random_bodies_never_500(client, admin_headers, method, url, fields):
    @SETTINGS
    @given(body=body_for(fields))
    def run(body):
        _assert_clean(client.open(url, method=method, headers=admin_headers, json=body), f"{method} {url} {body!r}")

    run()


@pytest.mark.parametrize(("url", "fields"), QUERIES, ids=[u for u, _ in QUERIES])
def test_random_query_strings_never_500(client, admin_headers, url, fields):
    @SETTINGS
    @given(args=st.dictionaries(st.sampled_from(fields), TEXT, max_size=len(fields)))
    def run(args):
        _assert_clean(client.get(url, headers=admin_headers, query_string=args), f"GET {url} {args!r}")

    run()


@SETTINGS
@given(raw=st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_raw_bytes_as_json_body_are_400_or_422(client, admin_headers, raw):
    resp = client.post("/api/v1/jurisdictions", headers={**admin_headers, "Content-Type": "application/json"},
                       data=raw)
    _assert_clean(resp, repr(raw))


NUL_TEXT = st.sampled_from(["\x00", "a\x00", "\x00430200", "91430211MA4L00000\x00"])
NUL_VALUE = NUL_TEXT | st.lists(NUL_TEXT | TEXT, min_size=1, max_size=3).filter(lambda v: any("\x00" in x for x in v))


@pytest.mark.postgres
@pytest.mark.parametrize(("method", "url", "fields"), ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_nul_in_lists_and_fields_never_500_on_postgres(client, admin_headers, method, url, fields):
    """Each known field given NUL (alone, inside text, inside a list) while the others are plausible."""
    require_postgres()

    @SETTINGS
    @given(field=st.sampled_from(fields), value=NUL_VALUE, rest=st.fixed_dictionaries({}, optional=dict.fromkeys(
        fields, TEXT | STRINGS)))
    def run(field, value, rest):
        body = {**rest, field: value}
        resp = client.open(url, method=method, headers=admin_headers, json=body)
        _assert_clean(resp, f"{method} {url} {body!r}")
        assert resp.status_code >= 400, (url, body)

    run()
