"""The per-request shortcuts of issue 11 give the same answers as the slow paths they replaced.

- ``operations.fastsql.Prepared`` runs a Core SELECT on the session's driver connection: values converted as
  SQLAlchemy would (dates, datetimes, booleans on SQLite), the session's uncommitted writes visible, listeners
  told of every statement.
- The API user kept per worker (``operations.auth``) is rebuilt as soon as the user or its agency changes, and
  a revoked token or a deactivated user is refused on the very next request.
- JSON answers encoded by orjson (``app.JSONProvider``) are byte for byte what the json module gave.
"""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import bindparam, event, select, update

from extensions import db
from models import Department, Enterprise, Inspection, User
from models.user import ApiToken
from operations.fastsql import Prepared
from tests import quietdays_fixtures as qf

world, today = qf.world, qf.today

_INSPECTIONS = Prepared(
    select(Inspection.__table__.c.id, Inspection.__table__.c.date, Inspection.__table__.c.created_at)
    .where(Inspection.__table__.c.enterprise_id == bindparam("eid"), Inspection.__table__.c.date >= bindparam("d"))
    .order_by(Inspection.__table__.c.id))
_DEPARTMENT = Prepared(select(Department.__table__.c.code, Department.__table__.c.inspects,
                              Department.__table__.c.annual_inspection_cap)
                       .where(Department.__table__.c.code == bindparam("code")))


def test_prepared_rows_equal_sqlalchemys_own(world):
    db.session.add_all([Inspection(enterprise=world.ent, department=world.amr, date=date(2026, 11, d),
                                   kind="routine", subject="x", status="planned") for d in (24, 25, 2)])
    db.session.commit()
    params = {"eid": world.ent.id, "d": date(2026, 11, 10)}
    fast = _INSPECTIONS.all(params)
    slow = [tuple(r) for r in db.session.connection().execute(_INSPECTIONS.stmt, params).all()]
    assert fast == slow and len(fast) == 2  # the date parameter was compared as a date, not as text
    assert all(isinstance(d, date) and isinstance(c, datetime) for _i, d, c in fast)
    code, inspects, cap = _DEPARTMENT.first_read({"code": "zz-amr"})
    assert (code, inspects, cap) == ("zz-amr", True, 2) and inspects is True  # a bool, not SQLite's 1
    assert _DEPARTMENT.first_read({"code": "nobody"}) is None


def test_prepared_sees_the_sessions_uncommitted_writes_and_is_counted(world):
    db.session.add(Inspection(enterprise=world.ent, department=world.amr, date=date(2026, 12, 1), kind="routine",
                              subject="x", status="planned"))
    db.session.flush()  # in this transaction only
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        rows = _INSPECTIONS.all({"eid": world.ent.id, "d": date(2026, 12, 1)})
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(rows) == 1 and len(seen) == 1 and "FROM inspections" in seen[0]
    db.session.rollback()
    assert _INSPECTIONS.all({"eid": world.ent.id, "d": date(2026, 12, 1)}) == []


def test_a_statement_that_expands_per_execution_is_refused(ctx):
    with pytest.raises(ValueError):
        Prepared(select(Enterprise.id).where(Enterprise.id.in_(bindparam("ids", expanding=True))))._compiled(
            db.engine.dialect)


def _check(client, world, user, **extra):
    query = "&".join(f"{k}={v}" for k, v in {"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "routine",
                                              **extra}.items())
    return client.get(f"/api/v1/check?{query}", headers=world.headers(user))


def _days_department(client, world) -> str:
    """The agency a month of /days acts for: that view's user is the ORM user, a check's the read-only copy."""
    resp = client.get(f"/api/v1/enterprises/{world.ent.uscc}/days?from=2026-11-01&to=2026-11-02&kind=routine",
                      headers=world.headers(world.inspector))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["department"]


def test_the_kept_api_user_follows_changes_to_the_user_and_its_agency(client, world, monkeypatch):
    from operations import auth

    built: list[type] = []
    for name in ("_token_user_copy", "_attached_user"):
        original = getattr(auth, name)
        monkeypatch.setattr(auth, name, lambda *a, _f=original: built.append(type(r := _f(*a))) or r)
    headers = world.headers(world.inspector)
    assert _check(client, world, world.inspector).get_json()["department"] == "zz-amr"
    assert _days_department(client, world) == "zz-amr"
    # a check rides on the token: its user is the read-only copy; a month of /days has the ORM user
    assert built == [auth.TokenUser, User]
    # Moved to another agency behind the app's back (another worker, the CLI): the next request acts for it.
    db.session.execute(update(User).where(User.id == world.inspector.id).values(department_id=world.em.id))
    db.session.commit()
    assert _check(client, world, world.inspector).get_json()["department"] == "zz-em"
    assert _days_department(client, world) == "zz-em"
    # The agency itself changes: its new cap is used at once.
    db.session.execute(update(Department).where(Department.id == world.em.id).values(annual_inspection_cap=1))
    db.session.commit()
    assert _check(client, world, world.inspector).get_json()["cap"]["limit"] == 1
    # A new role: the inspector's routes close, the next request is refused.
    db.session.execute(update(User).where(User.id == world.inspector.id).values(role="enterprise"))
    db.session.commit()
    assert client.get(f"/api/v1/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine",
                      headers=headers).status_code == 403


def test_a_revoked_token_or_a_deactivated_user_is_refused_on_the_next_request(client, world):
    assert _check(client, world, world.inspector).status_code == 200
    assert _check(client, world, world.admin, department="zz-amr").status_code == 200
    db.session.execute(update(ApiToken).where(ApiToken.user_id == world.inspector.id)
                       .values(revoked_at=datetime(2026, 11, 23)))
    db.session.execute(update(User).where(User.id == world.admin.id).values(active=False))
    db.session.commit()
    assert _check(client, world, world.inspector).status_code == 401
    assert _check(client, world, world.admin, department="zz-amr").status_code == 401


@pytest.mark.parametrize("day", ["2026-03-02", "2026-12-21"])
def test_the_cap_counts_read_with_the_enterprise_equal_the_booking_paths(client, world, day):
    """A check reads its cap counts with the enterprise (one query); a booking counts them with `cap_state`. Both
    must agree, across a year boundary, with joint visits and other agencies' inspections."""
    from operations import checks

    world.zhuzhou.annual_inspection_cap = 4
    db.session.commit()
    rows = []
    for i, (d, dept) in enumerate([(date(2026, 2, 3), world.amr), (date(2026, 5, 6), world.em),
                                   (date(2027, 1, 12), world.amr), (date(2027, 3, 9), world.em),
                                   (date(2027, 4, 1), world.province)]):
        rows.append(Inspection(enterprise=world.ent, department=dept, date=d, kind="routine", subject=f"x{i}",
                               status="completed"))
    db.session.add_all(rows)
    db.session.flush()
    db.session.add(Inspection(enterprise=world.ent, department=world.em, date=date(2027, 1, 12), kind="routine",
                              subject="joint", status="completed", joint_with_id=rows[2].id))  # one visit
    db.session.commit()
    for user, extra in ((world.inspector, {}), (world.admin, {"department": "zz-amr"})):
        answer = _check(client, world, user, **extra, date=day).get_json()
        booking = checks.check_one(checks.find_enterprise(world.ent.uscc), date.fromisoformat(day), "routine",
                                   checks.find_department("zz-amr"))
        expected = checks.result_json(booking, checks.find_department("zz-amr"))
        assert {k: answer[k] for k in expected} == expected
        assert answer["cap"] is not None and answer["cap"]["used"] > 0


def test_a_read_outside_a_transaction_borrows_a_connection_for_the_statement_alone(app, world):
    """`Prepared.read` spares a request that has not begun a transaction the session's begin and close: a pooled
    driver connection borrowed for the one statement and given back as lent (nothing held while the session
    takes its own); inside a transaction it reads on the session's connection and sees the session's writes."""
    ent_id, amr_id = world.ent.id, world.amr.id
    db.session.commit()
    pool = db.engine.pool
    with app.test_request_context("/api/v1/check"):
        db.session.remove()
        out_before = pool.checkedout()
        assert _INSPECTIONS.read({"eid": ent_id, "d": date(2026, 1, 1)}) == []
        assert not db.session().info.get("zhengqi_connected")  # the session never took a connection
        assert pool.checkedout() == out_before  # and nothing is held after the statement
        if db.engine.dialect.name == "postgresql":
            with db.engine.connect() as conn:  # the next borrower gets the connection as the pool lent it
                assert conn.connection.dbapi_connection.autocommit is False
        db.session.add(Inspection(enterprise_id=ent_id, department_id=amr_id, date=date(2026, 12, 2),
                                  kind="routine", subject="x", status="planned"))
        db.session.flush()
        assert len(_INSPECTIONS.read({"eid": ent_id, "d": date(2026, 1, 1)})) == 1  # the session's own write
        db.session.rollback()
        db.session.remove()


def test_reads_keep_one_cursor_per_pooled_connection_and_a_new_one_for_a_new_connection(app, world):
    """Making a psycopg cursor is as much work as the statement: a read reuses the one kept with its pooled
    connection; a connection the pool replaced gets a cursor of its own, and the answers stay right."""
    ent_id = world.ent.id
    db.session.commit()
    seen: list[tuple[Any, Any]] = []  # the objects themselves: an id could be reused once one is freed

    def record(_conn, cursor, *_args) -> None:
        seen.append((cursor.connection, cursor))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with app.test_request_context("/api/v1/check"):
            db.session.remove()
            for _ in range(6):
                assert _INSPECTIONS.read({"eid": ent_id, "d": date(2026, 1, 1)}) == []
            cursors_by_connection: dict[int, set[int]] = {}
            for conn, cursor in seen:
                cursors_by_connection.setdefault(id(conn), set()).add(id(cursor))
            assert all(len(c) == 1 for c in cursors_by_connection.values()), cursors_by_connection
            before = list(seen)
            db.engine.pool.dispose()  # every pooled driver connection replaced
            seen.clear()
            assert _INSPECTIONS.read({"eid": ent_id, "d": date(2026, 1, 1)}) == []
            assert seen and all(seen[0][1] is not cursor for _c, cursor in before)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def test_a_bearer_api_call_uses_the_token_alone_and_ignores_the_session_cookie(client, world):
    """The API user comes from the token only (app.before_request, issue 11): a signed-in browser session does not
    authenticate an API call, does not replace its token's user, and the call sets no cookie."""
    from tests.factories import login

    login(client, world.admin)  # the client now carries the admin's session cookie
    assert client.get(f"/api/v1/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine").status_code == 401
    resp = _check(client, world, world.inspector)
    assert resp.status_code == 200 and resp.get_json()["department"] == "zz-amr"  # the inspector, not the admin
    assert "Set-Cookie" not in resp.headers
    me = client.get("/api/v1/me", headers=world.headers(world.inspector)).get_json()
    assert me["email"] == world.inspector.email
    bad = client.get("/api/v1/me", headers={"Authorization": "Bearer zq_not-a-token"})
    assert bad.status_code == 401 and "Set-Cookie" not in bad.headers
    # A page under /api/ that writes its session (the docs page's form token) still sets no cookie on a bearer
    # call, so the browser's own session survives it.
    docs = client.get("/api/v1/docs", headers=world.headers(world.inspector))
    assert docs.status_code == 200 and "Set-Cookie" not in docs.headers
    assert client.get("/").status_code == 200  # the admin is still signed in


@dataclasses.dataclass
class _Pair:
    a: int
    when: date


@pytest.mark.parametrize("value", [
    {"policy_id": 3, "title": "株洲市企业宁静日", "nested": [{"x": None, "y": True, "z": 1.5}], "e": [], "o": {}},
    {"date": date(2026, 11, 23), "at": datetime(2026, 11, 23, 8, 30, 5)},  # Flask's HTTP dates, as before
    {"amount": Decimal("12.50"), "id": uuid.UUID(int=7), "pair": _Pair(1, date(2026, 1, 2))},
    {1: "integer keys become strings", "s": "引号\"与\\反斜杠\n换行\u2028"},
    [1, -2, 3.25, 10**18, "emoji 🚀", ("tuple", "too")],
    {"big": 10**30},  # beyond orjson: the json module answers
    "just a string",
])
def test_json_answers_are_what_the_json_module_gave(app, value):
    from flask import json as flask_json
    from flask.json.provider import DefaultJSONProvider

    from app import JSONProvider

    with app.test_request_context("/"):
        fast = app.json.response(value).get_data()
        plain = JSONProvider.__mro__[1]  # the json module's provider, with our settings
        assert plain is DefaultJSONProvider
        slow = plain.response(app.json, value).get_data()
        assert fast == slow, (fast, slow)
        assert flask_json.loads(fast) == flask_json.loads(slow)


def test_what_is_not_json_still_fails_as_before(app):
    from flask.json.provider import DefaultJSONProvider

    with app.test_request_context("/"):
        for value in ({"a": {1, 2}}, {"f": object()}):
            with pytest.raises(TypeError):
                app.json.response(value)
            with pytest.raises(TypeError):
                DefaultJSONProvider.response(app.json, value)


def test_a_lazy_chinese_message_is_encoded_as_its_text(app):
    from flask_babel import lazy_gettext

    with app.test_request_context("/", headers={"Accept-Language": "zh-CN"}):
        body = app.json.response({"message": lazy_gettext("Format")}).get_data(as_text=True)
    assert body == '{"message":"格式"}\n'


def test_policy_refs_are_made_once_and_equal_the_plain_ones(ctx, monkeypatch):
    from operations import checks
    from rules import quietdays as qd

    def policy(i: int, title: str) -> qd.Policy:
        return qd.Policy(id=i, title=title, jurisdiction_code="430200", rule=qd.parse_rule({"type": "weekdays",
                         "weekdays": [1]}), valid_from=date(2026, 1, 1), valid_until=None,
                         status="active")

    a, b = policy(1, "宁静日一"), policy(2, "宁静日二")
    first, renamed = (a, b), (a, policy(2, "宁静日二（修订）"))
    refs = checks.policy_refs(first)
    assert list(refs) == [checks.policy_ref(p) for p in first]
    assert checks.policy_refs(first) is refs  # the same answer again: nothing made
    assert [r["title"] for r in checks.policy_refs(renamed)] == ["宁静日一", "宁静日二（修订）"]
    assert checks.policy_refs(()) == ()
    monkeypatch.setattr(checks, "_REFS_MAX", 1)  # full: emptied, and still right
    assert list(checks.policy_refs((b, a))) == [checks.policy_ref(b), checks.policy_ref(a)]
    assert list(checks.policy_refs(first)) == [checks.policy_ref(p) for p in first]
