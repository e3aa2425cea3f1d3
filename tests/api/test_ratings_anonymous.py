"""Ratings stay anonymous in aggregate (issue #6): agencies never learn which inspection was rated, and the
published averages change only in steps of closed calendar months holding at least 5 ratings, so no single
rating can be read from a change. Today is frozen on 2026-11-19 (Asia/Shanghai)."""

from __future__ import annotations

from datetime import date, datetime

from extensions import db
from models import Inspection
from tests import quietdays_fixtures as qf
from tests.factories import create_user

world, today = qf.world, qf.today
RATINGS = "/api/v1/inspection-ratings"


def rated(world, dept, rating: int, rated_at: datetime, ent=None) -> Inspection:
    """A completed inspection rated at ``rated_at`` (naive UTC, as stored)."""
    row = Inspection(enterprise_id=(ent or world.state_ent).id, department_id=dept.id,
                     date=rated_at.date(), kind="complaint", subject="核查", status="completed",
                     rating=rating, rated_at=rated_at, created_by_id=world.inspector.id)
    db.session.add(row)
    db.session.commit()
    return row


def summary(client, world, user=None) -> list[dict]:
    resp = client.get(RATINGS, headers=world.headers(user or world.inspector))
    assert resp.status_code == 200, resp.get_json()
    return resp.get_json()["items"]


def test_months_are_pooled_until_a_step_holds_five_ratings(client, world):
    for day, value in ((3, 5), (10, 5), (20, 5)):
        rated(world, world.amr, value, datetime(2026, 9, day, 4))
    assert summary(client, world) == [{"department": "zz-amr", "department_name": world.amr.name, "count": 0,
                                       "average": None, "published_until": None}]
    for day in (5, 6):
        rated(world, world.amr, 1, datetime(2026, 10, day, 4))
    step = summary(client, world)
    assert step == [{"department": "zz-amr", "department_name": world.amr.name, "count": 5, "average": 3.4,
                     "published_until": "2026-10"}]
    # A rating this month changes nothing yet: the agency cannot tell it came in, let alone its value.
    rated(world, world.amr, 1, datetime(2026, 11, 18, 4))
    # 2026-10-31 17:00 UTC is 1 November in Shanghai: the running month, not October.
    rated(world, world.amr, 1, datetime(2026, 10, 31, 17))
    assert summary(client, world) == step


def test_the_issue_example_cannot_be_read_any_more(client, world):
    """4.67 over 3 then 3.75 over 4 told the agency the new rating was a 1; now neither figure appears."""
    for value in (5, 5, 4):
        rated(world, world.amr, value, datetime(2026, 10, 8, 4))
    before = summary(client, world)
    rated(world, world.amr, 1, datetime(2026, 11, 2, 4))
    assert summary(client, world) == before
    assert before[0]["average"] is None and before[0]["count"] == 0


def test_ratings_are_scoped_per_role(client, world):
    for _ in range(5):
        rated(world, world.amr, 4, datetime(2026, 10, 8, 4))
        rated(world, world.em, 2, datetime(2026, 10, 9, 4))
    own = summary(client, world, world.inspector)
    assert [(r["department"], r["count"], r["average"]) for r in own] == [("zz-amr", 5, 4.0)]
    every = summary(client, world, world.admin)
    assert [(r["department"], r["count"], r["average"]) for r in every] == [("zz-amr", 5, 4.0),
                                                                           ("zz-em", 5, 2.0)]
    assert summary(client, world, world.secretariat) == every
    for user in (world.enterprise_user, create_user("department", department=world.amr),
                 create_user("official")):
        assert client.get(RATINGS, headers=world.headers(user)).status_code == 403


def test_only_the_rating_enterprise_sees_which_inspection_is_rated(client, world):
    mine = rated(world, world.amr, 5, datetime(2026, 11, 18, 4), ent=world.ent)
    other = Inspection(enterprise_id=world.ent.id, department_id=world.amr.id, date=date(2026, 11, 17),
                       kind="complaint", subject="核查", status="completed", created_by_id=world.inspector.id)
    db.session.add(other)
    db.session.commit()
    for user in (world.inspector, world.head, world.admin, world.secretariat):
        items = client.get("/api/v1/inspections", headers=world.headers(user)).get_json()["items"]
        assert items and all("rated" not in i and "rating" not in i for i in items), user.role
        detail = client.get(f"/api/v1/inspections/{mine.id}", headers=world.headers(user)).get_json()
        assert "rated" not in detail and "rating" not in detail
    items = {i["id"]: i for i in client.get("/api/v1/inspections",
                                            headers=world.headers(world.enterprise_user)).get_json()["items"]}
    assert items[mine.id]["rated"] is True and items[mine.id]["rating"] == 5
    assert items[other.id]["rated"] is False
