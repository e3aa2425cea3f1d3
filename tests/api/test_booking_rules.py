"""Issue #6 booking rules through the API: one booking per agency, enterprise and day (SPEC §3.5.5), the next
allowed date is a working day and every day says `workday` (§3.5.4), and a refusal by a cap names the cap."""

from __future__ import annotations

from extensions import db
from models import Inspection
from tests import quietdays_fixtures as qf
from tests.quietdays_fixtures import counts

world, today = qf.world, qf.today
URL = "/api/v1/inspections"


def book(client, world, user=None, **data):
    payload = {"uscc": world.ent.uscc, "date": "2026-11-26", "kind": "routine", "subject": "食品安全检查"}
    payload.update(data)
    return client.post(URL, json={k: v for k, v in payload.items() if v is not None},
                       headers=world.headers(user or world.inspector))


def notice_2027(client, world) -> None:
    """The admin enters the official 2027 notice: chinesecalendar has no data for 2027."""
    resp = client.put("/api/v1/calendar/2027", json={"holidays": ["2027-01-01"], "workdays": []},
                      headers=world.headers(world.admin))
    assert resp.status_code in (200, 201), resp.get_json()


# ------------------------------------------------------------------------------------------ duplicates


def test_second_booking_by_the_same_agency_on_the_same_day_is_refused(client, world):
    first = book(client, world)
    assert first.status_code == 201
    first_id = first.get_json()["id"]
    before = counts()
    for kind, extra in (("routine", {}), ("random", {}), ("complaint", {"justification": "投诉"})):
        resp = book(client, world, kind=kind, **extra)
        assert resp.status_code == 409, resp.get_json()
        err = resp.get_json()["error"]
        assert err["code"] == "duplicate_inspection"
        assert err["details"]["existing"]["id"] == first_id
        assert err["details"]["existing"]["date"] == "2026-11-26"
        assert f"{first_id}" in err["message"] and "株洲市市场监督管理局" in err["message"]
        assert "planned" not in err["message"] and "已计划" in err["message"]  # the status by its name
    assert counts() == before
    # The head of the same agency is the same agency; admin booking for it too.
    assert book(client, world, world.head).get_json()["error"]["code"] == "duplicate_inspection"
    resp = book(client, world, world.admin, department="zz-amr")
    assert resp.get_json()["error"]["code"] == "duplicate_inspection"
    assert counts() == before
    # Another agency the same day is a joint visit, not a duplicate; another day is a new booking.
    assert book(client, world, world.em_inspector).status_code == 201
    assert book(client, world, date="2026-11-27", kind="licensing").status_code == 201


def test_the_cap_of_2_is_not_used_up_by_two_bookings_on_one_day(client, world):
    assert book(client, world).status_code == 201
    assert book(client, world).get_json()["error"]["code"] == "duplicate_inspection"
    # The second routine booking of the year on another day still fits the cap of 2.
    assert book(client, world, date="2026-12-03").status_code == 201


def test_a_cancelled_booking_does_not_count_as_the_first(client, world):
    iid = book(client, world).get_json()["id"]
    resp = client.post(f"{URL}/{iid}/cancel", json={"reason": "企业停产"}, headers=world.headers(world.inspector))
    assert resp.status_code == 200
    assert book(client, world).status_code == 201


def test_joining_the_same_visit_again_is_refused(client, world):
    em = book(client, world, world.em_inspector, kind="complaint", justification="投诉")
    assert em.status_code == 201
    visit = em.get_json()["id"]
    joined = book(client, world, date=None, joint_with=visit)
    assert joined.status_code == 201, joined.get_json()
    joined_id = joined.get_json()["id"]
    before = counts()
    for _ in range(2):
        resp = book(client, world, date=None, joint_with=visit)
        assert resp.status_code == 409
        err = resp.get_json()["error"]
        assert err["code"] == "duplicate_inspection"
        assert err["details"]["existing"]["id"] == joined_id
    assert counts() == before
    assert db.session.query(Inspection).filter_by(joint_with_id=visit).count() == 1


# ------------------------------------------------------------------------------------------ working days


def test_next_allowed_date_skips_a_weekend(client, world):
    # Friday 27th is made a quiet day; Saturday and Sunday are allowed by the rules but not working days,
    # Mon–Wed are quiet days: the next working day offered is Thursday 3 December.
    world.policy.rule = {"type": "weekdays", "weekdays": [1, 2, 3, 5]}
    db.session.commit()
    resp = book(client, world, date="2026-11-27")
    assert resp.status_code == 409
    assert resp.get_json()["error"]["details"]["next_allowed_date"] == "2026-12-03"
    check = client.get("/api/v1/check", query_string={"uscc": world.ent.uscc, "date": "2026-11-28",
                                                      "kind": "routine"}, headers=world.headers(world.inspector))
    data = check.get_json()
    assert data["allowed"] is True and data["next_allowed_date"] == "2026-12-03"


def test_cap_refusal_offers_the_first_working_day_of_next_year_and_names_the_cap(client, world):
    notice_2027(client, world)
    uscc = world.state_ent.uscc  # no quiet day covers it: only the cap and the calendar decide
    assert book(client, world, uscc=uscc, date="2026-11-26").status_code == 201
    assert book(client, world, uscc=uscc, date="2026-11-27").status_code == 201
    before = counts()
    resp = book(client, world, uscc=uscc, date="2026-12-03")
    assert resp.status_code == 409
    err = resp.get_json()["error"]
    assert err["code"] == "frequency_cap"
    # New Year's Day 2027 is a holiday by the admin's notice, the 2nd and 3rd are a weekend.
    assert err["details"]["next_allowed_date"] == "2027-01-04"
    details = err["details"]
    assert (details["limit"], details["used"], details["scope"], details["code"]) == (2, 2, "department", "zz-amr")
    assert details["owner_name"] == "株洲市市场监督管理局"
    for text in ("株洲市市场监督管理局", "2", "上限", "2027-01-04"):
        assert text in err["message"], err["message"]
    assert "cap" not in err["message"] and "routine" not in err["message"]
    assert counts() == before


def test_quiet_day_refusal_also_names_a_reached_cap(client, world):
    """A routine booking on a quiet day whose next date jumps to next year: the cap is named too."""
    notice_2027(client, world)
    world.zhuzhou.annual_inspection_cap = 1
    db.session.commit()
    assert book(client, world, world.em_inspector, date="2026-11-26").status_code == 201
    resp = book(client, world, date="2026-11-23")
    err = resp.get_json()["error"]
    assert resp.status_code == 409 and err["code"] == "quiet_day"
    assert err["details"]["policies"][0]["policy_id"] == world.policy.id
    assert err["details"]["cap"]["scope"] == "jurisdiction" and err["details"]["cap"]["owner_name"] == "株洲市"
    assert (err["details"]["cap"]["limit"], err["details"]["cap"]["used"]) == (1, 1)
    assert "宁静日" in err["message"] and "株洲市" in err["message"] and "上限" in err["message"]
    # 2027-01-01 is a holiday, Mon 4 – Wed 6 are quiet days: Thursday 7 January.
    assert err["details"]["next_allowed_date"] == "2027-01-07"


def test_every_day_says_whether_it_is_a_working_day(client, world):
    for user, query in ((world.inspector, {"kind": "routine"}), (world.enterprise_user, {})):
        resp = client.get(f"/api/v1/enterprises/{world.ent.uscc}/days",
                          query_string={"from": "2026-09-30", "to": "2026-10-10", **query},
                          headers=world.headers(user))
        assert resp.status_code == 200, resp.get_json()
        days = resp.get_json()["days"]
        # National Day week (chinesecalendar 2026); Saturday 10 October is a make-up working day.
        assert [d["workday"] for d in days] == [True] + [False] * 7 + [True, True, True]
