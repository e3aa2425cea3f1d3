"""Parallel identical creations: exactly one is created, the others get 409 `duplicate` naming the existing
record, never a 500 — for the API, the admin pages and the import. SQLite and (TEST_DATABASE_URL) PostgreSQL."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from extensions import db
from models import AuditLog, CalendarYear, Enterprise, PolicyException, User
from tests import quietdays_fixtures as qf
from tests.factories import dummy_uscc
from tests.functional.test_import import ROWS, csv_bytes
from tests.parallel import error_codes, fresh, run_parallel, statuses

world, today = qf.world, qf.today
N = 30


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def _audits(entity: str, action: str) -> int:
    return _count(AuditLog, AuditLog.entity == entity, AuditLog.action == action)


def _duplicates(results) -> list[dict]:
    return [r.get_json()["error"] for r in results if r.status_code == 409]


def test_thirty_parallel_identical_users_via_api(app, client, world):
    headers = world.headers(world.admin)
    body = {"email": "same@example.gov.cn", "name": "同一人", "role": "secretariat",
            "password": "long enough password"}
    results = run_parallel(app, N, lambda c, i: c.post("/api/v1/users", json=body, headers=headers))
    assert statuses(results) == [201] + [409] * (N - 1), statuses(results)
    assert error_codes(results) == {"duplicate"}
    winner = next(r.get_json() for r in results if r.status_code == 201)
    for err in _duplicates(results):
        assert err["details"]["existing"]["id"] == winner["id"], err
        assert err["details"]["field"] == "email" and "same@example.gov.cn" in err["message"]
    fresh()
    assert _count(User, User.email == "same@example.gov.cn") == 1
    assert _audits("user", "create") == 1


def test_thirty_parallel_identical_enterprises_via_api(app, client, world):
    headers = world.headers(world.secretariat)
    uscc = dummy_uscc(9001)
    body = {"uscc": uscc, "name": "并发新建有限公司", "jurisdiction_code": "430212", "ownership": "private"}
    results = run_parallel(app, N, lambda c, i: c.post("/api/v1/enterprises", json=body, headers=headers))
    assert statuses(results) == [201] + [409] * (N - 1), statuses(results)
    assert error_codes(results) == {"duplicate"}
    assert {e["details"]["existing"]["uscc"] for e in _duplicates(results)} == {uscc}
    assert all("并发新建有限公司" in str(e["details"]["existing"]["label"]) for e in _duplicates(results))
    fresh()
    assert _count(Enterprise, Enterprise.uscc == uscc) == 1
    assert _audits("enterprise", "create") == 1


def test_parallel_identical_users_via_the_admin_page(app, client, world):
    form = {"email": "page@example.gov.cn", "name": "页面", "role": "secretariat",
            "password": "long enough password", "active": "y"}
    admin_email = world.admin.email

    def log_in(c, _i):
        resp = c.post("/login", data={"email": admin_email, "password": "correct horse battery"})
        assert resp.status_code == 302

    results = run_parallel(app, 10, lambda c, i: c.post("/admin/users/new", data=form), setup=log_in)
    assert statuses(results) == [302] + [409] * 9, statuses(results)
    refused = [r for r in results if r.status_code == 409]
    assert all("page@example.gov.cn" in r.get_data(as_text=True) for r in refused)
    fresh()
    assert _count(User, User.email == "page@example.gov.cn") == 1


def test_thirty_parallel_identical_policy_exceptions(app, client, world):
    pid = world.policy.id
    headers = world.headers(world.admin)
    body = {"date": "2026-12-02", "effect": "lift", "reason": "专项行动"}
    results = run_parallel(app, N, lambda c, i: c.post(f"/api/v1/quiet-day-policies/{pid}/exceptions",
                                                        json=body, headers=headers))
    assert statuses(results) == [201] + [409] * (N - 1), statuses(results)
    assert error_codes(results) == {"duplicate"}
    winner = next(r.get_json() for r in results if r.status_code == 201)
    assert {e["details"]["existing"]["id"] for e in _duplicates(results)} == {winner["id"]}
    fresh()
    assert _count(PolicyException, PolicyException.policy_id == pid) == 1
    assert _audits("policy_exception", "create") == 1


def test_thirty_parallel_saves_of_a_new_calendar_year(app, client, world):
    """PUT replaces a year's notice: parallel saves behave as if made one after another (one creates, the
    rest replace it), never a 500."""
    headers = world.headers(world.admin)
    body = {"holidays": ["2031-01-01"], "workdays": []}
    results = run_parallel(app, N, lambda c, i: c.put("/api/v1/calendar/2031", json=body, headers=headers))
    assert statuses(results) == [200] * N, statuses(results)
    fresh()
    assert _count(CalendarYear, CalendarYear.year == 2031) == 1
    assert _audits("calendar_year", "create") == 1


def _tianyuan(world) -> None:
    qf.create_jurisdiction("430211", "天元区", parent=world.zhuzhou)


def test_parallel_imports_of_one_file(app, client, world):
    _tianyuan(world)
    data = csv_bytes(ROWS)
    headers = world.headers(world.secretariat)

    def upload(c, i):
        return c.post("/api/v1/enterprises/import", data={"file": (io.BytesIO(data), "same.csv")},
                      headers=headers, content_type="multipart/form-data")

    results = run_parallel(app, 8, upload)
    assert statuses(results) == [200] * 8, statuses(results)
    answers = sorted((r.get_json()["created"], r.get_json()["unchanged"]) for r in results)
    assert answers == [(0, 3)] * 7 + [(3, 0)], answers
    fresh()
    assert _audits("enterprise", "create") == 3


def test_import_racing_a_single_creation_is_a_409_naming_it(app, client, world):
    _tianyuan(world)
    data = csv_bytes(ROWS)
    headers = world.headers(world.secretariat)
    a_uscc = ROWS[0][1]
    body = {"uscc": a_uscc, "name": "单独新建", "jurisdiction_code": "430212", "ownership": "private"}

    def work(c, i):
        if i == 0:
            return c.post("/api/v1/enterprises/import", data={"file": (io.BytesIO(data), "a.csv")},
                          headers=headers, content_type="multipart/form-data")
        return c.post("/api/v1/enterprises", json=body, headers=headers)

    results = run_parallel(app, 6, work)
    assert all(s in (200, 201, 409) for s in statuses(results)), statuses(results)
    assert error_codes(results) <= {"duplicate"}
    fresh()
    assert _count(Enterprise, Enterprise.uscc == a_uscc) == 1
