"""Working-day calendar API: the official notice for a year, and what each year's data comes from."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, CalendarYear
from operations.calendar import load_calendar
from tests.factories import auth_headers, create_user

# A plausible notice for 2031 (no package data): National Day week off, with make-up Saturdays around it.
NOTICE = {
    "holidays": ["2031-10-01", "2031-10-02", "2031-10-03", "2031-10-06", "2031-10-07"],
    "workdays": ["2031-09-27", "2031-10-11"],
}


@pytest.fixture
def admin(client):
    return auth_headers(create_user("admin"))


def audit_count() -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditLog).where(AuditLog.entity == "calendar_year")
    )


def test_year_without_data_reports_fallback(client, admin):
    resp = client.get("/api/v1/calendar/2031", headers=admin)
    assert resp.status_code == 200
    assert resp.get_json() == {
        "year": 2031,
        "source": "fallback",
        "fallback": True,
        "holidays": [],
        "workdays": [],
    }


def test_package_year_reports_chinesecalendar(client, admin):
    body = client.get("/api/v1/calendar/2024", headers=admin).get_json()
    assert body["source"] == "chinesecalendar" and body["fallback"] is False
    assert "2024-10-01" in body["holidays"] and "2024-10-12" in body["workdays"]


def test_put_notice_changes_working_days(client, admin):
    # Before: Monday 2031-10-06 is a working day (fallback), Saturday 2031-09-27 is not.
    assert load_calendar().is_workday(date(2031, 10, 6))
    resp = client.put("/api/v1/calendar/2031", json=NOTICE, headers=admin)
    assert resp.status_code == 200, resp.get_json()
    body = resp.get_json()
    assert body["source"] == "notice" and body["fallback"] is False
    assert body["holidays"] == NOTICE["holidays"] and body["workdays"] == NOTICE["workdays"]
    got = client.get("/api/v1/calendar/2031", headers=admin).get_json()
    assert got == body
    from flask import g

    g.pop("workday_calendar", None)
    cal = load_calendar()
    assert not cal.is_workday(date(2031, 10, 6))  # Monday, now a holiday
    assert cal.is_workday(date(2031, 9, 27))  # Saturday, now a make-up working day
    assert cal.is_workday(date(2031, 10, 8))  # untouched Wednesday
    assert cal.source(2031) == "notice"
    entry = db.session.scalar(select(AuditLog).where(AuditLog.entity == "calendar_year"))
    assert entry.action == "create" and entry.before is None and entry.after["holidays"] == NOTICE["holidays"]


def test_replacing_and_removing_a_notice(client, admin):
    client.put("/api/v1/calendar/2031", json=NOTICE, headers=admin)
    resp = client.put("/api/v1/calendar/2031", json={"holidays": ["2031-01-01"]}, headers=admin)
    assert resp.status_code == 200 and resp.get_json()["holidays"] == ["2031-01-01"]
    assert resp.get_json()["workdays"] == []
    entry = db.session.scalars(select(AuditLog).order_by(AuditLog.id.desc())).first()
    assert entry.action == "update" and entry.before["holidays"] == NOTICE["holidays"]
    assert client.delete("/api/v1/calendar/2031", headers=admin).status_code == 204
    assert client.get("/api/v1/calendar/2031", headers=admin).get_json()["source"] == "fallback"
    assert db.session.get(CalendarYear, 2031) is None
    assert audit_count() == 3
    assert client.delete("/api/v1/calendar/2031", headers=admin).status_code == 404


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"holidays": ["2030-12-31"]}, "holidays"),  # outside the year
        ({"workdays": ["2032-01-01"]}, "workdays"),
        ({"holidays": ["2031-10-01", "2031-10-01"]}, "holidays"),  # duplicate
        ({"holidays": ["2031-10-01"], "workdays": ["2031-10-01"]}, "workdays"),  # both lists
        ({"holidays": ["2031-02-30"]}, "holidays"),
        ({"holidays": ["31-10-01"]}, "holidays"),
        ({"holidays": [20311001]}, "holidays"),
        ({"holidays": "2031-10-01"}, "holidays"),
        ({"weekends": []}, "weekends"),
    ],
)
def test_bad_notice_is_422_and_changes_nothing(client, admin, body, field):
    client.put("/api/v1/calendar/2031", json=NOTICE, headers=admin)
    before = audit_count()
    resp = client.put("/api/v1/calendar/2031", json=body, headers=admin)
    assert resp.status_code == 422, resp.get_json()
    assert resp.get_json()["error"]["details"]["field"] == field
    assert client.get("/api/v1/calendar/2031", headers=admin).get_json()["holidays"] == NOTICE["holidays"]
    assert audit_count() == before


@pytest.mark.parametrize("year", [1999, 2101, 999999])
def test_year_out_of_range(client, admin, year):
    assert client.get(f"/api/v1/calendar/{year}", headers=admin).status_code == 422
    assert client.put(f"/api/v1/calendar/{year}", json={}, headers=admin).status_code == 422
    assert db.session.scalar(select(func.count()).select_from(CalendarYear)) == 0


def test_malformed_body(client, admin):
    resp = client.put(
        "/api/v1/calendar/2031", data="nope", headers={**admin, "Content-Type": "application/json"}
    )
    assert resp.status_code == 400


@pytest.mark.parametrize("role", ["secretariat", "official", "inspector", "department", "enterprise"])
def test_only_admin_edits_the_calendar(client, role):
    headers = auth_headers(create_user(role))
    assert client.put("/api/v1/calendar/2031", json=NOTICE, headers=headers).status_code == 403
    assert db.session.get(CalendarYear, 2031) is None
