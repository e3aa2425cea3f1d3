"""/healthz: the database is pinged (a failure is a 503 at once), a success is remembered for a moment so a flood
of probes is not a flood of database work (issue 11)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from extensions import db


@pytest.fixture
def pings(app, monkeypatch):
    calls: list[int] = []
    real = db.engine.dialect.do_ping

    def counted(dbapi_connection):
        calls.append(1)
        return real(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    app.extensions.pop("zhengqi.healthz", None)
    yield calls
    app.extensions.pop("zhengqi.healthz", None)


def test_a_success_is_remembered_for_the_ttl_only(client, app, pings, monkeypatch):
    assert [client.get("/healthz").get_json() for _ in range(5)] == [{"status": "ok"}] * 5
    assert len(pings) == 1  # within a second: one ping
    monkeypatch.setitem(app.config, "HEALTHZ_DB_TTL_SECONDS", 0)
    for _ in range(3):
        assert client.get("/healthz").status_code == 200
    assert len(pings) == 4  # no memory: a ping per probe


def test_a_database_that_does_not_answer_is_a_503_and_never_remembered(client, app, pings, monkeypatch):
    assert client.get("/healthz").status_code == 200

    def down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setitem(app.config, "HEALTHZ_DB_TTL_SECONDS", 0)
    monkeypatch.setattr(db.engine, "raw_connection", down)
    resp = client.get("/healthz")
    assert resp.status_code == 503 and resp.get_json() == {"status": "unavailable"}
    monkeypatch.setitem(app.config, "HEALTHZ_DB_TTL_SECONDS", 60)  # a failure is not remembered as a success
    assert client.get("/healthz").status_code == 503
    monkeypatch.undo()
    assert client.get("/healthz").status_code == 200
