"""A single GET /api/v1/check costs one SQL statement (the token with its user, and riding on it the enterprise, the
quiet-day generation, the named agency and the cap counts) whatever the number of policies, enterprises or
inspections (issue 11 allows three); other reads stay within three. Counted on the real engine with an event
listener. The ridden row answers exactly as the check's own query does."""

from __future__ import annotations

import random
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from sqlalchemy import event, insert, select

from extensions import db
from models import Enterprise, Inspection, QuietDayPolicy
from rules.uscc import make_uscc
from tests import quietdays_fixtures as qf

world, today = qf.world, qf.today

MAX_QUERIES = 3
CHECK_QUERIES = 1


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(db.engine, "before_cursor_execute", record)


def _grow(world, policies: int, enterprises: int, inspections: int) -> None:
    """More of everything, in bulk: policies over the whole tree, enterprises, counted inspections."""
    rng = random.Random(11)
    juris = [world.hunan, world.zhuzhou, world.lukou]
    rows = [{"jurisdiction_id": juris[i % 3].id, "title": f"政策{i}",
             "rule": {"type": "month_days", "from": 1 + i % 20, "to": 28}, "valid_from": date(2025, 1, 1),
             "status": "active", "ownership": [], "sizes": [], "blocked_kinds": ["routine", "random"],
             "binds": "level_and_below"} for i in range(policies)]
    if rows:
        db.session.execute(insert(QuietDayPolicy), rows)
    db.session.execute(insert(Enterprise), [
        {"uscc": make_uscc("9", "1", "430212", f"QC{i:07d}"), "name": f"企业{i}", "jurisdiction_id": world.lukou.id,
         "ownership": "private"} for i in range(enterprises)])
    ids = [world.ent.id, *db.session.scalars(select(Enterprise.id))]
    db.session.execute(insert(Inspection), [
        {"enterprise_id": world.ent.id if i % 10 == 0 else rng.choice(ids), "department_id": world.amr.id,
         "date": date(2026, 1, 5) + timedelta(days=rng.randrange(300)), "kind": "routine", "subject": "x",
         "status": "completed"} for i in range(inspections)])
    db.session.commit()


def _check_queries(client, world, user, **extra: str) -> tuple[int, dict]:
    query = "&".join(f"{k}={v}" for k, v in {"uscc": world.ent.uscc, "date": "2026-11-23", "kind": "routine",
                                              **extra}.items())
    url = f"/api/v1/check?{query}"
    headers = world.headers(user)  # outside the count: reading user.id here may refresh the test's object
    first = client.get(url, headers=headers)  # builds this worker's engine, stamps the token
    assert first.status_code == 200, first.get_json()
    with counted() as statements:
        resp = client.get(url, headers=headers)
    assert resp.status_code == 200
    assert resp.get_json() == first.get_json()
    assert len(statements) <= MAX_QUERIES, "\n\n".join(statements)
    return len(statements), resp.get_json()


def test_a_check_costs_one_statement_at_any_size(client, world):
    world.zhuzhou.annual_inspection_cap = 5  # a jurisdiction cap too, so both counts are needed
    db.session.commit()
    small = {role: _check_queries(client, world, user, **extra)[0] for role, user, extra in (
        ("inspector", world.inspector, {}), ("admin", world.admin, {"department": "zz-amr"}))}
    # The city's cap, not the agency's: its name comes from the snapshot, not from a query.
    count, answer = _check_queries(client, world, world.admin, department="zz-em")
    assert count == CHECK_QUERIES and answer["cap"]["owner_name"] == "株洲市", answer
    _grow(world, policies=300, enterprises=500, inspections=2000)
    large = {}
    for role, user, extra in (("inspector", world.inspector, {}), ("admin", world.admin, {"department": "zz-amr"})):
        large[role], answer = _check_queries(client, world, user, **extra)
        assert len(answer["blocking"]) > 100  # the new policies are in the answer: the engine was rebuilt
        assert answer["cap"]["used"] > 0  # and the inspections are counted
    assert small == large == {"inspector": CHECK_QUERIES, "admin": CHECK_QUERIES}


def test_an_enterprise_month_costs_three_queries_too(client, world):
    _grow(world, policies=100, enterprises=50, inspections=500)
    url = f"/api/v1/enterprises/{world.ent.uscc}/days?from=2026-11-01&to=2026-11-30&kind=routine"
    headers = world.headers(world.inspector)
    assert client.get(url, headers=headers).status_code == 200
    with counted() as statements:
        resp = client.get(url, headers=headers)
    assert resp.status_code == 200 and len(resp.get_json()["days"]) == 30
    assert len(statements) <= MAX_QUERIES, "\n\n".join(statements)


def test_the_inspections_list_is_three_queries_not_one_per_row(client, world):
    """Token, total, page: the rows' enterprises and agencies come with the page (no N+1)."""
    _grow(world, policies=0, enterprises=60, inspections=200)
    for url, user in (("/api/v1/inspections?limit=100", world.admin),
                      ("/api/v1/inspections?limit=100", world.inspector),
                      (f"/api/v1/inspections?uscc={world.ent.uscc}&department=zz-amr", world.admin)):
        headers = world.headers(user)
        assert client.get(url, headers=headers).status_code == 200
        with counted() as statements:
            resp = client.get(url, headers=headers)
        body = resp.get_json()
        assert resp.status_code == 200 and len(body["items"]) == min(100, body["total"]) > 10
        assert len({i["uscc"] for i in body["items"]}) > 5 or "uscc=" in url
        assert len(statements) <= 3, "\n\n".join(statements)


def test_login_limit_still_applies_when_other_views_skip_the_limiter(client, world):
    """Views without a limit skip Flask-Limiter (app._only_limited_views); the login's limit must still bite."""
    for _ in range(5):
        resp = client.post("/api/v1/auth/token", json={"email": world.admin.email, "password": "wrong"})
        assert resp.status_code == 401
        assert resp.headers.get("X-RateLimit-Limit")  # the after-request hook still reports a checked limit
    assert client.post("/api/v1/auth/token", json={"email": world.admin.email, "password": "wrong"}).status_code \
        == 429
    headers = world.headers(world.inspector)
    for _ in range(10):  # no limit on checks
        assert client.get(f"/api/v1/check?uscc={world.ent.uscc}&date=2026-11-23&kind=routine",
                          headers=headers).status_code == 200


def test_a_configured_default_limit_applies_to_every_request_again(client, world):
    """Flask-Limiter's per-request hook is skipped while no default or application limit is set (app.py,
    issue 11); configure one and undecorated views are limited again."""
    from flask_limiter import Limit

    from extensions import limiter

    free = [client.get("/healthz") for _ in range(5)]  # no limit configured
    assert all(r.status_code == 200 and "X-RateLimit-Limit" not in r.headers for r in free)
    manager = limiter.limit_manager
    manager.set_default_limits([Limit(limit_provider="3 per minute", key_function=limiter._key_func).bind(limiter)])
    try:
        answers = [client.get("/healthz").status_code for _ in range(4)]
    finally:
        manager.set_default_limits([])
    assert answers == [200, 200, 200, 429]
    assert client.get("/healthz").status_code == 200


def _own_answer(app, user, args: dict[str, str]) -> tuple[int, dict]:
    """What checks.check answers with its own query (no token, so no ridden row): the page's path."""
    from operations import checks
    from operations.errors import DomainError

    with app.test_request_context("/inspections/check"):
        try:
            return 200, checks.check(db.session.get(type(user), user.id), args)
        except DomainError as err:
            return err.status, err.to_json()


def test_the_row_read_with_the_token_answers_as_the_checks_own_query(app, client, world):
    """Every branch of a check over the API (one statement) against the same check making its own query: caps
    of both years near a year's end, joint visits, another agency's visits, each refusal in its order."""
    world.zhuzhou.annual_inspection_cap = 3
    world.amr.annual_inspection_cap = 2
    first = Inspection(enterprise_id=world.ent.id, department_id=world.amr.id, date=date(2026, 3, 2),
                       kind="routine", subject="x", status="completed")
    db.session.add(first)
    db.session.flush()
    db.session.add_all([
        Inspection(enterprise_id=world.ent.id, department_id=world.em.id, date=date(2026, 3, 2), kind="routine",
                   subject="joint", status="completed", joint_with_id=first.id),
        Inspection(enterprise_id=world.ent.id, department_id=world.em.id, date=date(2027, 5, 6), kind="random",
                   subject="y", status="planned"),
        Inspection(enterprise_id=world.ent.id, department_id=world.amr.id, date=date(2027, 2, 1), kind="routine",
                   subject="z", status="planned"),
        Inspection(enterprise_id=world.other_ent.id, department_id=world.amr.id, date=date(2026, 4, 1),
                   kind="routine", subject="other", status="completed"),
    ])
    db.session.commit()
    ent, other = world.ent.uscc, world.other_ent.uscc
    cases = [
        (world.inspector, {"uscc": ent, "date": "2026-11-23", "kind": "routine"}),
        (world.inspector, {"uscc": ent, "date": "2026-12-31", "kind": "random"}),
        (world.inspector, {"uscc": other, "date": "2026-11-25", "kind": "routine", "department": "zz-amr"}),
        (world.em_inspector, {"uscc": ent, "date": "2027-01-04", "kind": "routine"}),
        (world.head, {"uscc": ent, "date": "2026-11-23", "kind": "special"}),
        (world.admin, {"uscc": ent, "date": "2026-12-30", "kind": "routine", "department": "zz-amr"}),
        (world.secretariat, {"uscc": ent, "date": "2026-11-26", "kind": "routine", "department": "zz-em"}),
        (world.admin, {"uscc": ent, "date": "2026-11-23", "kind": "routine", "department": "hn-amr"}),
        # refusals, each as the check's own query refuses it
        (world.inspector, {"uscc": ent, "date": "2026-11-23", "kind": "routine", "department": "zz-em"}),
        (world.admin, {"uscc": ent, "date": "2026-11-23", "kind": "routine"}),
        (world.admin, {"uscc": ent, "date": "2026-11-23", "kind": "routine", "department": "nope"}),
        (world.admin, {"uscc": "91430212MA4XXXXX0X", "date": "2026-11-23", "kind": "routine",
                       "department": "zz-amr"}),
        (world.inspector, {"uscc": "91430212MA4XXXXX0X", "date": "2026-11-23", "kind": "routine"}),
        (world.inspector, {"uscc": ent, "date": "2026-02-30", "kind": "routine"}),
        (world.inspector, {"uscc": ent, "date": "2026-11-23", "kind": "visit"}),
    ]
    answers = set()
    for user, args in cases:
        query = "&".join(f"{k}={v}" for k, v in args.items())
        headers = world.headers(user)
        resp = client.get(f"/api/v1/check?{query}", headers=headers)
        assert (resp.status_code, resp.get_json()) == _own_answer(app, user, args), args
        answers.add((resp.status_code, str(resp.get_json().get("cap"))))
    assert {code for code, _cap in answers} == {200, 403, 404, 422}
    # the cases differ: an agency's cap and the city's, counted over one year and over two
    assert len({cap for code, cap in answers if code == 200}) >= 3


def test_a_ridden_row_is_used_only_once_and_for_its_own_user_and_arguments(app, world):
    from flask import g

    from operations import auth

    rider = auth.Rider(None, {"uscc": "a"})  # type: ignore[arg-type]
    rider.row, rider.user_id = (1, 2, 3), world.inspector.id
    with app.test_request_context("/api/v1/check"):
        assert rider.row_for(world.inspector, {"uscc": "b"}) is None
        assert rider.row_for(world.admin, {"uscc": "a"}) is None
        assert rider.row_for(world.inspector, {"uscc": "a"}) == (1, 2, 3)
        g.token_rider = rider
        assert auth.take_rider() is rider
        assert auth.take_rider() is None  # taken: not used twice
