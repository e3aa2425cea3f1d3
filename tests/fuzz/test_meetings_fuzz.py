"""Random JSON bodies and query strings against the meetings API: never a 500, every refusal in the JSON error
shape (the same generator as tests/fuzz/test_api_fuzz.py)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests import meetings_fixtures as mf
from tests import quietdays_fixtures as qf
from tests.fuzz.test_api_fuzz import SETTINGS, TEXT, _assert_clean, body_for

world, today, mworld = qf.world, qf.today, mf.mworld

ENDPOINTS = [
    ("POST", "/api/v1/meeting-series", ("name", "jurisdiction_code", "kind", "default_venue", "default_capacity",
                                        "default_start_time", "default_duration_minutes")),
    ("POST", "/api/v1/meetings", ("series_id", "kind", "title", "starts_at", "ends_at", "venue", "host_ids",
                                  "department_codes", "capacity", "uscc", "status")),
    ("PATCH", "/api/v1/meetings/{id}", ("title", "starts_at", "ends_at", "venue", "host_ids", "capacity")),
    ("POST", "/api/v1/meetings/{id}/cancel", ("reason",)),
    ("POST", "/api/v1/meetings/{id}/invitations", ("uscc", "representative")),
    ("PUT", "/api/v1/meetings/{id}/minutes", ("text",)),
    ("POST", "/api/v1/meetings/{id}/issues", ("uscc", "title", "description", "category")),
]


@pytest.fixture
def meeting_id(mworld):
    return mf.book(mworld.sec, host_ids=[mworld.mayor.id]).id


@pytest.mark.parametrize(("method", "url", "fields"), ENDPOINTS, ids=[f"{m} {u}" for m, u, _ in ENDPOINTS])
def test_random_bodies_never_500(client, mworld, meeting_id, method, url, fields):
    headers = mworld.headers(mworld.sec)

    @SETTINGS
    @given(body=body_for(fields))
    def run(body):
        path = url.format(id=meeting_id)
        _assert_clean(client.open(path, method=method, headers=headers, json=body), f"{method} {path} {body!r}")

    run()


def test_random_answers_and_queries_never_500(client, mworld, meeting_id):
    from operations import invitations

    inv = invitations.invite(mworld.sec, meeting_id, {"uscc": mworld.guests[0].uscc})
    user_headers = mworld.headers(mworld.guest_users[0])
    sec_headers = mworld.headers(mworld.sec)

    @SETTINGS
    @given(body=body_for(("response", "topics", "representative")),
           args=st.dictionaries(st.sampled_from(("from", "to", "status", "kind", "series_id", "limit")), TEXT,
                                max_size=4))
    def run(body, args):
        _assert_clean(client.post(f"/api/v1/invitations/{inv.id}/respond", headers=user_headers, json=body),
                      repr(body))
        _assert_clean(client.get("/api/v1/meetings", headers=sec_headers, query_string=args), repr(args))
        _assert_clean(client.get(f"/api/v1/meetings/{meeting_id}/minutes/diff", headers=sec_headers,
                                 query_string=args), repr(args))

    run()
