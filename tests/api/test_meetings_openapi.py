"""Real answers of the meetings API validate against the schemas the OpenAPI document gives for them."""

from __future__ import annotations

import pytest

from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.api.test_openapi_responses import conforms

world, today, mworld = qf.world, qf.today, mf.mworld


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def test_meeting_answers_match_the_document(client, mworld, spec):
    h = mworld.headers(mworld.sec)
    body = {"series_id": mworld.series.id, "title": "早餐会", "starts_at": "2026-11-19T07:30+08:00",
            "host_ids": [mworld.mayor.id]}
    m = conforms(spec, client.post("/api/v1/meetings", json=body, headers=h), "/api/v1/meetings", "post")
    conforms(spec, client.post("/api/v1/meetings", json=body, headers=h), "/api/v1/meetings", "post")  # 409
    conforms(spec, client.post("/api/v1/meetings", json={**body, "title": ""}, headers=h), "/api/v1/meetings", "post")
    path = "/api/v1/meetings/{meeting_id}"
    conforms(spec, client.get(f"/api/v1/meetings/{m['id']}", headers=h), path, "get")
    conforms(spec, client.get("/api/v1/meetings", headers=h), "/api/v1/meetings", "get")
    conforms(spec, client.get("/api/v1/meeting-series", headers=h), "/api/v1/meeting-series", "get")
    inv = conforms(spec, client.post(f"/api/v1/meetings/{m['id']}/invitations", json={"uscc": mworld.guests[0].uscc},
                                     headers=h), path + "/invitations", "post")
    conforms(spec, client.post(f"/api/v1/invitations/{inv['id']}/respond", json={"response": "accepted",
             "topics": "用地"}, headers=mworld.headers(mworld.guest_users[0])),
             "/api/v1/invitations/{invitation_id}/respond", "post")
    conforms(spec, client.get("/api/v1/invitations", headers=mworld.headers(mworld.guest_users[0])),
             "/api/v1/invitations", "get")
    conforms(spec, client.post(f"/api/v1/meetings/{m['id']}/held", headers=h), path + "/held", "post")
    conforms(spec, client.put(f"/api/v1/meetings/{m['id']}/minutes", json={"text": "一"}, headers=h),
             path + "/minutes", "put")
    conforms(spec, client.post(f"/api/v1/meetings/{m['id']}/issues", json={"uscc": mworld.guests[0].uscc,
             "title": "用地"}, headers=h), path + "/issues", "post")
    conforms(spec, client.get(f"/api/v1/meetings/{m['id']}/minutes", headers=h), path + "/minutes", "get")
    conforms(spec, client.post(f"/api/v1/meetings/{m['id']}/cancel", json={"reason": "x"}, headers=h),
             path + "/cancel", "post")
