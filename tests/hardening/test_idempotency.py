"""Idempotency-Key on bookings: a retry with the same key and body gets the first answer and creates nothing;
the same key with another body is refused; keys are per user and last 24 hours; parallel retries make one."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from extensions import db
from models import AuditLog, IdempotencyKey, Inspection
from tests import quietdays_fixtures as qf
from tests.parallel import fresh, run_parallel, statuses

world, today = qf.world, qf.today
URL = "/api/v1/inspections"


def _body(world, **over) -> dict:
    return {"uscc": world.state_ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "重试测试", **over}


def _book(client, world, key: str | None, user=None, **over):
    headers = dict(world.headers(user or world.inspector))
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(URL, json=_body(world, **over), headers=headers)


def _inspections() -> int:
    return db.session.scalar(select(func.count()).select_from(Inspection))


def test_retry_with_the_same_key_and_body_returns_the_first_answer(client, world):
    first = _book(client, world, "order-1")
    assert first.status_code == 201
    audits = db.session.scalar(select(func.count()).select_from(AuditLog))
    again = _book(client, world, "order-1")
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _inspections() == 1
    assert db.session.scalar(select(func.count()).select_from(AuditLog)) == audits


def test_same_key_with_another_body_is_refused(client, world):
    assert _book(client, world, "order-2").status_code == 201
    resp = _book(client, world, "order-2", subject="另一次检查")
    assert resp.status_code == 422
    err = resp.get_json()["error"]
    assert err["code"] == "idempotency_key_reused" and err["details"]["field"] == "Idempotency-Key"
    assert "Idempotency-Key" in err["message"] or "幂等" in err["message"]
    assert _inspections() == 1


def test_without_the_header_each_post_creates(client, world):
    assert _book(client, world, None).status_code == 201
    # another day: one agency books one enterprise once a day (409 duplicate_inspection)
    assert _book(client, world, None, date="2026-11-27").status_code == 201
    assert _inspections() == 2


def test_keys_are_per_user(client, world):
    assert _book(client, world, "shared-key").status_code == 201
    other = _book(client, world, "shared-key", user=world.head, date="2026-11-27")
    assert other.status_code == 201 and other.headers.get("Idempotent-Replayed") is None
    assert _inspections() == 2


def test_a_key_is_remembered_for_24_hours(client, world):
    assert _book(client, world, "old-key").status_code == 201
    row = db.session.scalar(select(IdempotencyKey))
    row.created_at -= timedelta(hours=25)
    db.session.commit()
    resp = _book(client, world, "old-key", date="2026-11-27")  # a remembered key would refuse another body
    assert resp.status_code == 201 and resp.headers.get("Idempotent-Replayed") is None
    assert _inspections() == 2


def test_a_refused_request_releases_its_key(client, world):
    refused = _book(client, world, "fix-and-retry", date="2026-11-23", uscc=world.ent.uscc)  # a quiet day
    assert refused.status_code == 409
    assert db.session.scalar(select(func.count()).select_from(IdempotencyKey)) == 0
    assert _book(client, world, "fix-and-retry", date="2026-11-26", uscc=world.ent.uscc).status_code == 201


def test_a_bad_key_is_422(client, world):
    for bad in ("x" * 201, "  ", "键"):
        resp = _book(client, world, bad)
        assert resp.status_code == 422, bad
        assert resp.get_json()["error"]["details"]["field"] == "Idempotency-Key"
    assert _inspections() == 0


def test_parallel_retries_with_one_key_create_one_booking(app, client, world):
    headers = {**world.headers(world.inspector), "Idempotency-Key": "burst"}
    body = _body(world)
    results = run_parallel(app, 10, lambda c, i: c.post(URL, json=body, headers=headers))
    codes = statuses(results)
    assert all(code in (201, 409) for code in codes), codes
    assert 201 in codes
    for r in results:
        if r.status_code == 409:
            assert r.get_json()["error"]["code"] == "idempotency_in_progress"
    fresh()
    assert _inspections() == 1


def test_openapi_documents_the_header_on_bookings(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    names = [p["name"] for p in doc["paths"]["/api/v1/inspections"]["post"].get("parameters", [])]
    assert names.count("Idempotency-Key") == 1
    again = client.get("/api/v1/openapi.json").get_json()
    assert again["paths"]["/api/v1/inspections"]["post"]["parameters"] == \
        doc["paths"]["/api/v1/inspections"]["post"]["parameters"]
