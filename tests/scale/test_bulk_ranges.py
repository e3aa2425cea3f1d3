"""POST /api/v1/checks with "format": "ranges": the same allowed dates as the default form, as [from, to] runs;
streamed; the default answer unchanged (issue 11)."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta
from itertools import pairwise

from hypothesis import given
from hypothesis import strategies as st

from extensions import db
from models import Inspection
from operations import checks
from rules.quietdays import mask_offsets, mask_runs
from tests import quietdays_fixtures as qf
from tests.factories import create_enterprise

world, today = qf.world, qf.today


def _expand(ranges: list[list[str]]) -> list[str]:
    out = []
    for first, last in ranges:
        d, end = date.fromisoformat(first), date.fromisoformat(last)
        assert d <= end
        while d <= end:
            out.append(d.isoformat())
            d += timedelta(days=1)
    return out


@given(st.integers(min_value=0, max_value=(1 << 366) - 1))
def test_runs_cover_exactly_the_set_bits(mask):
    runs = mask_runs(mask)
    assert [i for a, b in runs for i in range(a, b + 1)] == mask_offsets(mask)
    # maximal runs: never two touching
    assert all(b + 1 < a2 for (_a, b), (a2, _b) in pairwise(runs))


def test_runs_edges():
    assert mask_runs(0) == []
    assert mask_runs(1) == [(0, 0)]
    assert mask_runs(0b1110111) == [(0, 2), (4, 6)]
    assert mask_runs((1 << 366) - 1) == [(0, 365)]


def test_ranges_equal_the_dates_form(client, world):
    capped = create_enterprise(jurisdiction=world.lukou, ownership="private")
    for n in range(2):  # the agency's cap of 2 reached for 2026: no date left in 2026 for this one
        db.session.add(Inspection(enterprise_id=capped.id, department_id=world.amr.id, date=date(2026, 3, 2 + n),
                                  kind="routine", subject="x", status="completed"))
    db.session.commit()
    ents = [world.ent.uscc, world.state_ent.uscc, world.other_ent.uscc, capped.uscc]
    body = {"kind": "routine", "from": "2026-07-01", "to": "2027-06-30", "enterprises": ents}
    h = world.headers(world.inspector)
    dates = client.post("/api/v1/checks", json=body, headers=h)
    ranges = client.post("/api/v1/checks", json={**body, "format": "ranges"}, headers=h)
    explicit = client.post("/api/v1/checks", json={**body, "format": "dates"}, headers=h)
    assert dates.status_code == ranges.status_code == explicit.status_code == 200
    assert dates.is_streamed and ranges.is_streamed
    assert explicit.get_data() == dates.get_data()
    as_dates, as_ranges = dates.get_json(), ranges.get_json()
    assert "format" not in as_dates and as_ranges["format"] == "ranges"
    assert list(as_ranges["results"]) == ents  # in the order asked
    for uscc in ents:
        assert set(as_ranges["results"][uscc]) == {"allowed_ranges"}
        assert _expand(as_ranges["results"][uscc]["allowed_ranges"]) == as_dates["results"][uscc]["allowed_dates"]
    # Mon–Wed are quiet for the private enterprise: runs of Thursday..Sunday
    assert ["2026-07-02", "2026-07-05"] in as_ranges["results"][world.ent.uscc]["allowed_ranges"]
    assert as_ranges["results"][capped.uscc]["allowed_ranges"][0][0] >= "2027-01-01"
    assert as_ranges["results"][world.state_ent.uscc]["allowed_ranges"] == [["2026-07-01", "2027-06-30"]]


def test_many_enterprises_stream_in_pieces(client, world, monkeypatch):
    rng = random.Random(3)
    usccs = [create_enterprise(jurisdiction=world.lukou, ownership=rng.choice(("private", "state"))).uscc
             for _ in range(30)]
    monkeypatch.setattr(checks, "_STREAM_CHUNK", 7)  # several pieces with 30 enterprises
    body = {"kind": "routine", "from": "2026-11-01", "to": "2026-11-30", "enterprises": usccs, "format": "ranges"}
    resp = client.post("/api/v1/checks", json=body, headers=world.headers(world.inspector))
    assert resp.status_code == 200 and resp.is_streamed
    pieces = list(resp.response)
    assert len(pieces) == 2 + 5  # opening, ceil(30 / 7) pieces of enterprises, closing
    assert list(json.loads(b"".join(pieces))["results"]) == usccs


def test_bad_format_is_refused_and_changes_nothing(client, world):
    body = {"kind": "routine", "from": "2026-11-01", "to": "2026-11-30", "enterprises": [world.ent.uscc]}
    for bad in ("Ranges", "csv", 1, ["ranges"]):
        resp = client.post("/api/v1/checks", json={**body, "format": bad}, headers=world.headers(world.inspector))
        assert resp.status_code == 422, bad
        error = resp.get_json()["error"]
        assert error["details"]["field"] == "format"
        assert "格式" in error["message"] and "日期区间" in error["message"]
