"""Idempotency-Key, its own rules shown on bookings: keys are per user and last 24 hours, a refused request
releases its key, a malformed key is 422, the document names the header once. Replay, reuse with another body and
parallel retries, on every idempotent create: test_idempotency_creates.py."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from extensions import db
from models import IdempotencyKey, Inspection
from tests import quietdays_fixtures as qf

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


def test_openapi_documents_the_header_on_bookings(client):
    doc = client.get("/api/v1/openapi.json").get_json()
    names = [p["name"] for p in doc["paths"]["/api/v1/inspections"]["post"].get("parameters", [])]
    assert names.count("Idempotency-Key") == 1
    again = client.get("/api/v1/openapi.json").get_json()
    assert again["paths"]["/api/v1/inspections"]["post"]["parameters"] == \
        doc["paths"]["/api/v1/inspections"]["post"]["parameters"]
