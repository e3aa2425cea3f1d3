"""Idempotency-Key on every create that has no natural key: inspections, meetings, meeting series, minutes
issues, follow-up items, their progress notes and quiet-day policies. Without the key a retried request makes a
second record (or is refused as a conflict with the first, so the client never learns it succeeded); with it the
retry gets the first answer, another body under the same key is refused, and parallel retries make one record.
The decorated views and the OpenAPI document list the same operations. (test_idempotency.py: the key's own
rules, on bookings.)"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from extensions import db
from models import AuditLog, Inspection, Meeting, MeetingSeries, MinutesIssue, QuietDayPolicy
from models.followup import FollowUp, FollowUpEvent
from openapi import IDEMPOTENCY_KEY, IDEMPOTENT, build_openapi
from operations import invitations
from tests import followups_fixtures as ff
from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.parallel import fresh, run_parallel, statuses

world, today, mworld, fu_world = qf.world, qf.today, mf.mworld, ff.fu_world


def _meeting_with_a_guest(w) -> str:
    m = mf.book(w.sec, title="第二期早餐会", host_ids=[w.secretary.id])
    invitations.invite(w.sec, m.id, {"uscc": w.guests[0].uscc})
    return f"/api/v1/meetings/{m.id}/issues"


@dataclass(frozen=True)
class Case:
    name: str
    world: str  # the fixture that builds the data
    model: type
    url: Callable[[Any], str]
    body: Callable[[Any], dict[str, Any]]
    other: dict[str, Any]  # what makes another request under the same key
    user: Callable[[Any], Any] = field(default=lambda w: w.sec)
    refused_again: str | None = None  # the error a keyless repeat gets, where the first one blocks it


CASES = [
    Case("inspection", "world", Inspection, lambda w: "/api/v1/inspections",
         lambda w: {"uscc": w.state_ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "重试测试"},
         {"subject": "另一次检查"}, user=lambda w: w.inspector, refused_again="duplicate_inspection"),
    Case("meeting", "mworld", Meeting, lambda w: "/api/v1/meetings",
         lambda w: {"series_id": w.series.id, "title": "第一期早餐会", "starts_at": "2026-11-26T07:30:00+08:00",
                    "host_ids": [w.mayor.id], "venue": "市委小会议室"},
         {"title": "另一期早餐会"}, refused_again="host_conflict"),
    Case("meeting series", "mworld", MeetingSeries, lambda w: "/api/v1/meeting-series",
         lambda w: {"name": "醴陵市政企“早餐会”", "jurisdiction_code": "430200", "kind": "breakfast"},
         {"kind": "lunch"}),
    Case("minutes issue", "mworld", MinutesIssue, _meeting_with_a_guest,
         lambda w: {"uscc": w.guests[0].uscc, "title": "扩产用地指标", "category": "land"},
         {"category": "finance"}),
    Case("quiet-day policy", "mworld", QuietDayPolicy, lambda w: "/api/v1/quiet-day-policies",
         lambda w: {"jurisdiction_code": "430200", "title": "规上企业宁静日", "rule": {"type": "weekdays",
                    "weekdays": [4]}, "valid_from": "2026-12-01", "blocked_kinds": ["routine"],
                    "binds": "level", "status": "draft"},
         {"title": "另一项宁静日"}),
    Case("follow-up item", "fu_world", FollowUp, lambda w: "/api/v1/follow-ups",
         lambda w: w.payload(), {"title": "另一件事"}, user=lambda w: w.secretariat),
]


@pytest.fixture(params=CASES, ids=[c.name for c in CASES])
def case(request):
    c: Case = request.param
    w = request.getfixturevalue(c.world)
    return c, w, c.url(w)


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _post(client, c: Case, w, url: str, key: str | None, **over):
    headers = dict(w.headers(c.user(w)))
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, json={**c.body(w), **over}, headers=headers)


def test_a_retry_with_the_same_key_gets_the_first_answer_and_no_second_record(client, case):
    c, w, url = case
    before = _count(c.model)
    first = _post(client, c, w, url, "retry-1")
    assert first.status_code == 201, first.get_json()
    audits = _count(AuditLog)
    again = _post(client, c, w, url, "retry-1")
    assert again.status_code == 201 and again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert _count(c.model) == before + 1
    assert _count(AuditLog) == audits


def test_without_a_key_the_same_request_twice_does_not_get_the_first_answer(client, case):
    """Why the key is needed here: nothing else tells a retry from a second request."""
    c, w, url = case
    before = _count(c.model)
    first = _post(client, c, w, url, None)
    again = _post(client, c, w, url, None)
    assert first.status_code == 201
    if c.refused_again:  # e.g. the hosts are busy with the first meeting now
        assert again.status_code == 409 and again.get_json()["error"]["code"] == c.refused_again
        assert _count(c.model) == before + 1
    else:
        assert again.status_code == 201 and again.get_json()["id"] != first.get_json()["id"]
        assert _count(c.model) == before + 2


def test_the_same_key_with_another_body_is_refused(client, case):
    c, w, url = case
    before = _count(c.model)
    assert _post(client, c, w, url, "retry-2").status_code == 201
    resp = _post(client, c, w, url, "retry-2", **c.other)
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["code"] == "idempotency_key_reused" and error["details"]["field"] == "Idempotency-Key"
    assert "幂等键" in error["message"]
    assert _count(c.model) == before + 1


def test_parallel_retries_with_one_key_make_one_record(app, client, case):
    c, w, url = case
    before = _count(c.model)
    headers = {**w.headers(c.user(w)), "Idempotency-Key": "burst"}
    body = c.body(w)
    results = run_parallel(app, 8, lambda cl, i: cl.post(url, json=body, headers=headers))
    codes = statuses(results)
    assert all(code in (201, 409) for code in codes), codes
    assert 201 in codes
    created = {r.get_json()["id"] for r in results if r.status_code == 201}
    assert len(created) == 1  # every 201 is the first answer, replayed
    for r in results:
        if r.status_code == 409:
            assert r.get_json()["error"]["code"] == "idempotency_in_progress"
    fresh()
    assert _count(c.model) == before + 1


def test_a_retried_progress_note_is_added_once(client, fu_world):
    """A progress note is a new event on the item each time: with the key a retry replays the first answer."""
    w = fu_world
    item = client.post("/api/v1/follow-ups", json=w.payload(), headers=w.headers(w.secretariat)).get_json()
    url = f"/api/v1/follow-ups/{item['id']}/progress"

    def notes() -> int:
        return db.session.scalar(select(func.count()).select_from(FollowUpEvent)
                                 .where(FollowUpEvent.follow_up_id == item["id"], FollowUpEvent.kind == "progress"))

    def post(key: str | None, note: str = "已与企业对接，现场踏勘完成"):
        headers = {**w.headers(w.lead_user), **({"Idempotency-Key": key} if key else {})}
        return client.post(url, json={"note": note}, headers=headers)

    first = post("note-1")
    assert first.status_code == 200, first.get_json()
    again = post("note-1")
    assert again.status_code == 200 and again.get_json() == first.get_json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert notes() == 1
    refused = post("note-1", note="另一条进展")
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "idempotency_key_reused"
    assert notes() == 1
    assert post(None).status_code == 200 and post(None).status_code == 200  # without a key: two more notes
    assert notes() == 3


def test_parallel_retries_of_a_progress_note_add_it_once(app, client, fu_world):
    w = fu_world
    item = client.post("/api/v1/follow-ups", json=w.payload(), headers=w.headers(w.secretariat)).get_json()
    url = f"/api/v1/follow-ups/{item['id']}/progress"
    headers = {**w.headers(w.lead_user), "Idempotency-Key": "note-burst"}
    results = run_parallel(app, 8, lambda cl, i: cl.post(url, json={"note": "现场踏勘完成"}, headers=headers))
    codes = statuses(results)
    assert all(code in (200, 409) for code in codes), codes
    assert 200 in codes
    for r in results:
        if r.status_code == 409:
            assert r.get_json()["error"]["code"] == "idempotency_in_progress"
    fresh()
    assert db.session.scalar(select(func.count()).select_from(FollowUpEvent).where(
        FollowUpEvent.follow_up_id == item["id"], FollowUpEvent.kind == "progress")) == 1


def _openapi_path(rule: str) -> str:
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def test_the_decorated_views_and_the_openapi_document_agree(app):
    decorated = {(_openapi_path(rule.rule), method.lower())
                 for rule in app.url_map.iter_rules()
                 if getattr(app.view_functions[rule.endpoint], "idempotent", False)
                 for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert decorated == set(IDEMPOTENT)
    paths = build_openapi()["paths"]
    for path, method in IDEMPOTENT:
        assert paths[path][method]["parameters"].count(IDEMPOTENCY_KEY) == 1, path
