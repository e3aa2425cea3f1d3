"""The quiet-day engine lives across requests and is rebuilt exactly when its inputs change (issue 11).

Two app instances on one database stand for two gunicorn workers: each keeps its own cached engine, and a
write through one (API, raw SQL as psql would do it, a rolled-back transaction) is seen by the other on its
very next request.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import create_engine, insert, text, update

from app import create_app
from extensions import db
from models import CalendarYear, Enterprise, Jurisdiction, PolicyException, QuietDayPolicy, policy_enterprises
from models.generation import ENGINE_TABLES
from operations import checks
from rules.uscc import make_uscc
from tests import quietdays_fixtures as qf
from tests.conftest import IsolatedClient

world, today = qf.world, qf.today

MONDAY = "2026-11-23"  # protected by the world's Mon–Wed policy
WEDNESDAY = "2026-11-25"


@pytest.fixture
def second_app(app: Flask) -> Iterator[Flask]:
    """Another worker: its own app, engine pool and engine cache, on the same database."""
    other = create_app({key: app.config[key] for key in (
        "TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "WTF_CSRF_ENABLED", "SERVER_NAME")})
    other.test_client_class = IsolatedClient
    yield other
    with other.app_context():
        db.engine.dispose()


def _allowed(client, world, day: str) -> bool:
    resp = client.get(f"/api/v1/check?uscc={world.ent.uscc}&date={day}&kind=routine",
                      headers=world.headers(world.inspector))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["allowed"]


def _cached(app: Flask) -> checks.Snapshot:
    return app.extensions[checks._CACHE]["snapshot"]


def test_engine_is_kept_across_requests_until_an_input_changes(app, client, world, second_app):
    other = second_app.test_client()
    assert _allowed(other, world, MONDAY) is False
    built = _cached(second_app)
    assert _allowed(other, world, WEDNESDAY) is False
    assert _cached(second_app) is built  # no write in between: the same engine answered
    # Booking an inspection writes, but not the engine's inputs: still the same engine.
    resp = client.post("/api/v1/inspections", headers=world.headers(world.inspector),
                       json={"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "检查"})
    assert resp.status_code == 201, resp.get_json()
    assert _allowed(other, world, MONDAY) is False
    assert _cached(second_app) is built


def test_api_write_through_one_app_is_seen_at_once_by_the_other(app, client, world, second_app):
    other = second_app.test_client()
    assert _allowed(other, world, MONDAY) is False
    assert _allowed(client, world, MONDAY) is False
    resp = client.post(f"/api/v1/quiet-day-policies/{world.policy.id}/exceptions",
                       headers=world.headers(world.admin),
                       json={"date": MONDAY, "effect": "lift", "reason": "集中整治"})
    assert resp.status_code == 201, resp.get_json()
    assert _allowed(other, world, MONDAY) is True  # the other worker's very next request
    assert _allowed(other, world, WEDNESDAY) is False  # only the lifted day changed
    resp = second_app.test_client().delete(f"/api/v1/quiet-day-policies/{world.policy.id}",
                                           headers=world.headers(world.admin), json={"reason": "废止"})
    assert resp.status_code in (200, 204), resp.get_data(as_text=True)
    assert _allowed(client, world, WEDNESDAY) is True  # and the other way round


def test_raw_sql_write_from_another_connection_is_seen(app, client, world, second_app):
    """A write that no application code sees (psql, a script, another service) still bumps the generation."""
    other = second_app.test_client()
    assert _allowed(other, world, WEDNESDAY) is False
    outside = create_engine(db.engine.url)
    try:
        with outside.begin() as conn:
            conn.execute(text("UPDATE quiet_day_policies SET status = 'revoked' WHERE id = :id"),
                         {"id": world.policy.id})
    finally:
        outside.dispose()
    assert _allowed(other, world, WEDNESDAY) is True
    assert _allowed(client, world, WEDNESDAY) is True


def test_a_rolled_back_write_never_poisons_the_cache(app, client, world, second_app):
    """A transaction builds an engine from its own uncommitted write and rolls back; a later committed write
    reaches the same generation number, but never the same key (the nonce), so no worker serves the
    rolled-back engine."""
    other = second_app.test_client()
    assert _allowed(other, world, MONDAY) is False
    with second_app.app_context():
        db.session.execute(update(QuietDayPolicy).where(QuietDayPolicy.id == world.policy.id)
                           .values(status="revoked"))
        poisoned = checks.snapshot()  # built and cached inside the uncommitted transaction
        assert poisoned.engine.check(
            checks.enterprise_input(db.session.get(Enterprise, world.ent.id)), date(2026, 11, 23), "routine",
            checks.agency_input(world.amr), checks.cap_state(checks.agency_input(world.amr), world.amr.id,
                                                             {}, 2026, 2027)).allowed
        db.session.rollback()
    assert _cached(second_app) is poisoned
    # A committed write of another kind takes the generation to the same number…
    db.session.add(PolicyException(policy_id=world.policy.id, date=date(2026, 12, 31), effect="lift",
                                   reason="年终"))
    db.session.commit()
    committed = checks.read_generation()
    assert committed is not None and poisoned.key is not None
    assert committed[0] == poisoned.key[0] and committed != poisoned.key
    # …and the other worker rebuilds: the policy is active again (the revocation never committed).
    assert _allowed(other, world, MONDAY) is False


@pytest.mark.parametrize("table", [*ENGINE_TABLES, "enterprises"])
def test_every_write_to_an_engine_input_bumps_the_generation(ctx, world, table):
    writes = {
        "quiet_day_policies": [
            insert(QuietDayPolicy).values(jurisdiction_id=world.zhuzhou.id, title="新政策", rule=qf.MON_WED,
                                          valid_from=date(2026, 1, 1), status="draft", ownership=[], sizes=[],
                                          blocked_kinds=[], binds="level"),
            update(QuietDayPolicy).values(title="改名"),
            text("DELETE FROM quiet_day_policies WHERE status = 'draft'"),
        ],
        "policy_exceptions": [
            insert(PolicyException).values(policy_id=world.policy.id, date=date(2026, 5, 1), effect="add",
                                           reason="x"),
            update(PolicyException).values(effect="lift"),
            text("DELETE FROM policy_exceptions"),
        ],
        "policy_enterprises": [
            insert(policy_enterprises).values(policy_id=world.policy.id, enterprise_id=world.ent.id),
            text("DELETE FROM policy_enterprises"),
        ],
        "calendar_years": [
            insert(CalendarYear).values(year=2027, holidays=[], workdays=[]),
            update(CalendarYear).values(holidays=["2027-01-01"]),
            text("DELETE FROM calendar_years"),
        ],
        "jurisdictions": [
            update(Jurisdiction).where(Jurisdiction.id == world.zhuzhou.id).values(annual_inspection_cap=3),
        ],
        "enterprises": [
            update(Enterprise).where(Enterprise.id == world.other_ent.id).values(uscc="91430200MA00000009"),
        ],
    }[table]
    for statement in writes:
        before = checks.read_generation()
        db.session.execute(statement)
        db.session.commit()
        after = checks.read_generation()
        assert after is not None and before is not None
        assert after[0] > before[0] and after[1] != before[1], (table, str(statement))


def test_writes_elsewhere_leave_the_generation_alone(ctx, world):
    before = checks.read_generation()
    db.session.execute(update(Enterprise).where(Enterprise.id == world.ent.id).values(name="新名称"))
    db.session.commit()
    assert checks.read_generation() == before


def test_emptied_generation_row_means_no_sharing_until_the_next_write(app, client, world, second_app):
    """The tests empty every table, the generation row too: nothing is then cached across requests, and the
    next write re-creates the row with a fresh nonce."""
    db.session.execute(text("DELETE FROM quietday_generation"))
    db.session.commit()
    assert checks.read_generation() is None
    other = second_app.test_client()
    assert _allowed(other, world, MONDAY) is False
    assert second_app.extensions.get(checks._CACHE, {}).get("snapshot") is None
    world.policy.status = "revoked"
    db.session.commit()
    assert checks.read_generation() is not None
    assert _allowed(other, world, MONDAY) is True


def test_cli_write_in_another_process_is_seen(app, client, world, second_app):
    """`flask bench-data` in its own process writes policies with COPY/executemany, no ORM events at all."""
    other = second_app.test_client()
    assert _allowed(other, world, MONDAY) is False
    built = _cached(second_app)
    env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": "cli-test"}
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "bench-data", "--policies", "40", "--enterprises", "30",
         "--inspections", "0"], cwd=app.root_path, env=env, capture_output=True, text=True, timeout=300,
        check=False)
    assert done.returncode == 0, done.stderr
    uscc = make_uscc("9", "1", "990101", "BD0000000")  # the first bench enterprise
    url = f"/api/v1/enterprises/{uscc}/days?from=2026-01-01&to=2026-12-31&kind=routine&department=bench-990100"
    seen = other.get(url, headers=world.headers(world.admin))
    assert seen.status_code == 200, seen.get_json()
    assert _cached(second_app) is not built  # rebuilt on the first request after the CLI's commit
    fresh = create_app({key: app.config[key] for key in ("TESTING", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY")})
    fresh.test_client_class = IsolatedClient
    try:
        truth = fresh.test_client().get(url, headers=world.headers(world.admin))
    finally:
        with fresh.app_context():
            db.engine.dispose()
    assert seen.get_json() == truth.get_json()
    assert any(d["protected"] for d in seen.get_json()["days"])  # the CLI's policies are in the answer
