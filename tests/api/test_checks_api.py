"""Checks through the API give the engine's answers (SPEC §3.5) with the inputs read from the database:
single check, an enterprise's days, bulk planning; field validation; who may ask what."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from extensions import db
from models import Inspection, PolicyException
from operations import checks
from rules.workdays import WorkdayCalendar
from tests import quietdays_fixtures as qf
from tests.factories import create_department, create_enterprise, dummy_uscc
from tests.quietdays_fixtures import add_policy

world, today = qf.world, qf.today


def check(client, world, user=None, **params):
    params.setdefault("kind", "routine")
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return client.get(f"/api/v1/check?{query}", headers=world.headers(user or world.inspector))


def test_monday_refused_with_exact_shape(client, world):
    resp = check(client, world, uscc=world.ent.uscc, date="2026-11-23")
    assert resp.status_code == 200
    data = resp.get_json()
    expected = {
        "uscc": world.ent.uscc,
        "date": "2026-11-23",
        "kind": "routine",
        "department": "zz-amr",
        "protected": True,
        "allowed": False,
        "blocking": [
            {"policy_id": world.policy.id, "title": "民营企业宁静日", "jurisdiction_code": "430200"}
        ],
        "advisory": [],
        "requires_justification": False,
        "requires_approval": False,
        "next_allowed_date": "2026-11-26",
    }
    assert {k: data[k] for k in expected} == expected
    assert data["cap"]["limit"] == 2 and data["cap"]["used"] == 0


def test_api_agrees_with_the_engine_for_a_month_of_kinds(client, world):
    add_policy(
        world.lukou,
        {"type": "month_days", "from": 1, "to": 15},
        title="渌口区宁静期",
        ownership=[],
        sizes=["above_scale"],
        binds="level",
    )
    lk = create_department("lk-amr", "渌口区市场监督管理局", world.lukou)
    eng_inputs = checks  # read with the same builders the API uses
    with_ctx = []
    for dept in (world.amr, lk, world.province):
        for kind in ("routine", "complaint"):
            agency = eng_inputs.agency_input(dept)
            engine = qf.checks.engine()
            for offset in range(0, 40, 3):
                d = date(2026, 11, 1) + timedelta(days=offset)
                expected = engine.check(
                    eng_inputs.enterprise_input(world.ent),
                    d,
                    kind,
                    agency,
                    eng_inputs.cap_state(agency, dept.id, {world.ent.id: world.ent.uscc}, d.year, d.year + 1),
                )
                got = check(
                    client,
                    world,
                    world.admin,
                    uscc=world.ent.uscc,
                    date=d.isoformat(),
                    kind=kind,
                    department=dept.code,
                ).get_json()
                assert got["allowed"] == expected.allowed, (dept.code, kind, d)
                assert got["protected"] == expected.protected
                assert [p["policy_id"] for p in got["advisory"]] == [p.id for p in expected.advisory]
                with_ctx.append(got["allowed"])
    assert True in with_ctx and False in with_ctx  # the sample covers both answers


def test_district_policy_is_advisory_for_city_and_blocking_for_district(client, world):
    p = add_policy(
        world.lukou, {"type": "month_days", "from": 1, "to": 15}, title="渌口区宁静期", ownership=[]
    )
    create_department("lk-amr", "渌口区市场监督管理局", world.lukou)
    city = check(
        client, world, world.admin, uscc=world.state_ent.uscc, date="2026-11-05", department="zz-amr"
    )
    district = check(
        client, world, world.admin, uscc=world.state_ent.uscc, date="2026-11-05", department="lk-amr"
    )
    assert city.get_json()["allowed"] is True and city.get_json()["advisory"][0]["policy_id"] == p.id
    assert district.get_json()["allowed"] is False and district.get_json()["blocking"][0]["policy_id"] == p.id


def test_exempt_kind_needs_justification_and_approval(client, world):
    data = check(client, world, uscc=world.ent.uscc, date="2026-11-23", kind="complaint").get_json()
    assert data["allowed"] is True and data["protected"] is True
    assert data["requires_justification"] is True and data["requires_approval"] is True
    assert data["cap"] is None


def test_validity_end_is_inclusive(client, world):
    world.policy.valid_until = date(2026, 11, 24)
    db.session.commit()
    assert check(client, world, uscc=world.ent.uscc, date="2026-11-24").get_json()["allowed"] is False
    assert check(client, world, uscc=world.ent.uscc, date="2026-11-30").get_json()["protected"] is False
    world.policy.valid_from = date(2026, 11, 24)
    db.session.commit()
    assert check(client, world, uscc=world.ent.uscc, date="2026-11-23").get_json()["protected"] is False


def test_exceptions_override_the_rule(client, world):
    db.session.add_all(
        [
            PolicyException(policy=world.policy, date=date(2026, 11, 23), effect="lift", reason="统一检查日"),
            PolicyException(policy=world.policy, date=date(2026, 11, 27), effect="add", reason="订货会"),
        ]
    )
    db.session.commit()
    monday = check(client, world, uscc=world.ent.uscc, date="2026-11-23").get_json()
    assert monday["protected"] is False and monday["allowed"] is True
    friday = check(client, world, uscc=world.ent.uscc, date="2026-11-27").get_json()
    assert friday["protected"] is True and friday["allowed"] is False
    # The next allowed date skips the added Friday, the weekend (not working days) and the Mon–Wed block.
    assert (
        check(client, world, uscc=world.ent.uscc, date="2026-11-27").get_json()["next_allowed_date"]
        == "2026-12-03"
    )


def test_first_workdays_open_over_october_2026(client, world):
    world.policy.rule = {"type": "first_workdays_open", "count": 5}
    db.session.commit()
    resp = client.get(
        f"/api/v1/enterprises/{world.ent.uscc}/days?from=2026-10-01&to=2026-10-31&kind=routine",
        headers=world.headers(world.inspector),
    )
    assert resp.status_code == 200
    days = resp.get_json()["days"]
    assert len(days) == 31
    open_days = [d["date"] for d in days if d["allowed"]]
    # Golden Week Oct 1–7 off; Saturday Oct 10 is a make-up working day (调休).
    expected = [d.isoformat() for d in WorkdayCalendar().first_workdays(2026, 10, 5)]
    assert open_days == expected == ["2026-10-08", "2026-10-09", "2026-10-10", "2026-10-12", "2026-10-13"]
    assert all(d["protected"] == (d["date"] not in expected) for d in days)
    assert {tuple(d["policy_ids"]) for d in days if d["protected"]} == {(world.policy.id,)}


def test_caps_count_non_cancelled_routine_and_random(client, world):
    for d, kind, status in (
        (date(2026, 3, 5), "routine", "completed"),
        (date(2026, 4, 9), "random", "cancelled"),
        (date(2026, 5, 7), "complaint", "completed"),
    ):
        db.session.add(
            Inspection(
                enterprise=world.ent, department=world.amr, date=d, kind=kind, subject="x", status=status
            )
        )
    db.session.commit()
    data = check(client, world, uscc=world.ent.uscc, date="2026-11-26").get_json()
    assert data["cap"] == {"limit": 2, "used": 1, "scope": "department", "code": "zz-amr", "reached": False,
                           "owner_name": "株洲市市场监督管理局"}
    assert data["allowed"] is True
    db.session.add(
        Inspection(
            enterprise=world.ent,
            department=world.amr,
            date=date(2026, 6, 4),
            kind="random",
            subject="y",
            status="planned",
        )
    )
    db.session.commit()
    data = check(client, world, uscc=world.ent.uscc, date="2026-11-26").get_json()
    assert data["allowed"] is False and data["cap_reached"] is True and data["cap"]["used"] == 2
    assert data["next_allowed_date"] == "2027-01-01"  # a Friday, first day of a new cap year


def test_jurisdiction_cap_counts_joined_visits_once(client, world):
    world.zhuzhou.annual_inspection_cap = 2
    db.session.commit()
    first = Inspection(
        enterprise=world.ent,
        department=world.em,
        date=date(2026, 3, 5),
        kind="routine",
        subject="a",
        status="completed",
    )
    db.session.add(first)
    db.session.flush()
    db.session.add(
        Inspection(
            enterprise=world.ent,
            department=world.amr,
            date=date(2026, 3, 5),
            kind="routine",
            subject="b",
            status="completed",
            joint_with_id=first.id,
        )
    )
    db.session.commit()
    data = check(client, world, uscc=world.ent.uscc, date="2026-11-26", kind="random").get_json()
    # Agency cap: zz-amr used 1 of 2; jurisdiction cap: one visit (joined) of 2.
    assert data["allowed"] is True
    assert data["cap"]["used"] == 1


def test_days_range_limits_and_fields(client, world):
    h = world.headers(world.inspector)
    base = f"/api/v1/enterprises/{world.ent.uscc}/days"
    assert (
        client.get(f"{base}?from=2026-01-01&to=2027-01-01&kind=routine", headers=h).status_code == 200
    )  # 366
    for query, field in (
        ("from=2026-01-01&to=2027-01-02&kind=routine", "to"),
        ("from=2026-02-01&to=2026-01-01&kind=routine", "to"),
        ("from=2026-13-01&to=2026-12-01&kind=routine", "from"),
        ("to=2026-12-01&kind=routine", "from"),
        ("from=2026-11-01&to=2026-11-02&kind=parking", "kind"),
        ("from=2026-11-01&to=2026-11-02", "kind"),
    ):
        resp = client.get(f"{base}?{query}", headers=h)
        assert resp.status_code == 422, query
        assert resp.get_json()["error"]["details"]["field"] == field
    assert (
        client.get(
            f"/api/v1/enterprises/{dummy_uscc(999)}/days?from=2026-11-01&to=2026-11-02&kind=routine",
            headers=h,
        ).status_code
        == 404
    )


@pytest.mark.parametrize(
    "params, field",
    [
        ({"date": "2026-11-23"}, "uscc"),
        ({"uscc": "X", "date": "2026-11-23", "kind": "inspection"}, "kind"),
        ({"uscc": "X", "date": "23/11/2026"}, "date"),
        ({"uscc": "X"}, "date"),
    ],
)
def test_check_bad_fields_are_422(client, world, params, field):
    params = {k: (world.ent.uscc if v == "X" else v) for k, v in params.items()}
    resp = check(client, world, **params)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["field"] == field


def test_check_unknown_enterprise_is_404(client, world):
    assert check(client, world, uscc=dummy_uscc(4242), date="2026-11-23").status_code == 404


def test_department_rules_by_role(client, world):
    # An inspector asks for their own agency (default) and never another's.
    assert (
        check(client, world, uscc=world.ent.uscc, date="2026-11-23", department="zz-amr").status_code == 200
    )
    resp = check(client, world, uscc=world.ent.uscc, date="2026-11-23", department="zz-em")
    assert resp.status_code == 403
    # Admin and secretariat must name an inspecting agency.
    resp = check(client, world, world.admin, uscc=world.ent.uscc, date="2026-11-23")
    assert resp.status_code == 422 and resp.get_json()["error"]["details"]["field"] == "department"
    resp = check(
        client, world, world.secretariat, uscc=world.ent.uscc, date="2026-11-23", department="zz-nope"
    )
    assert resp.status_code == 422
    create_department("zz-nr", "自然资源局", world.zhuzhou, inspects=False)
    resp = check(client, world, world.secretariat, uscc=world.ent.uscc, date="2026-11-23", department="zz-nr")
    assert resp.status_code == 422
    # Enterprise users cannot use the check endpoint at all.
    assert (
        check(client, world, world.enterprise_user, uscc=world.ent.uscc, date="2026-11-23").status_code == 403
    )


def test_enterprise_sees_only_its_own_days(client, world):
    h = world.headers(world.enterprise_user)
    own = client.get(f"/api/v1/enterprises/{world.ent.uscc}/days?from=2026-11-23&to=2026-11-26", headers=h)
    assert own.status_code == 200
    days = own.get_json()["days"]
    assert [d["protected"] for d in days] == [True, True, True, False]
    assert all(
        d["allowed"] is None for d in days
    )  # without kind and department only `protected` means anything
    with_kind = client.get(
        f"/api/v1/enterprises/{world.ent.uscc}/days?from=2026-11-23&to=2026-11-26"
        "&kind=routine&department=zz-amr",
        headers=h,
    ).get_json()["days"]
    assert [d["allowed"] for d in with_kind] == [False, False, False, True]
    half = client.get(
        f"/api/v1/enterprises/{world.ent.uscc}/days?from=2026-11-23&to=2026-11-26&kind=routine", headers=h
    )
    assert half.status_code == 422
    other = client.get(
        f"/api/v1/enterprises/{world.other_ent.uscc}/days?from=2026-11-23&to=2026-11-26", headers=h
    )
    assert other.status_code == 403


def test_bulk_matches_single_checks(client, world):
    ents = [world.ent, world.state_ent, world.other_ent]
    resp = client.post(
        "/api/v1/checks",
        json={
            "kind": "routine",
            "from": "2026-11-20",
            "to": "2026-12-10",
            "enterprises": [e.uscc for e in ents],
        },
        headers=world.headers(world.inspector),
    )
    assert resp.status_code == 200 and resp.mimetype == "application/json"
    results = resp.get_json()["results"]
    assert set(results) == {e.uscc for e in ents}
    for ent in ents:
        days = client.get(
            f"/api/v1/enterprises/{ent.uscc}/days?from=2026-11-20&to=2026-12-10&kind=routine",
            headers=world.headers(world.inspector),
        ).get_json()["days"]
        assert results[ent.uscc]["allowed_dates"] == [d["date"] for d in days if d["allowed"]]
    assert "2026-11-23" not in results[world.ent.uscc]["allowed_dates"]
    assert "2026-11-23" in results[world.state_ent.uscc]["allowed_dates"]  # state-owned: not covered


def test_bulk_validation(client, world):
    h = world.headers(world.inspector)
    good = {"kind": "routine", "from": "2026-11-01", "to": "2026-11-30", "enterprises": [world.ent.uscc]}
    missing = [dummy_uscc(7001), dummy_uscc(7002)]
    resp = client.post("/api/v1/checks", json={**good, "enterprises": [world.ent.uscc, *missing]}, headers=h)
    assert resp.status_code == 422
    assert resp.get_json()["error"]["details"]["unknown"] == missing
    for over, field in (
        ({"enterprises": []}, "enterprises"),
        ({"enterprises": "x"}, "enterprises"),
        ({"enterprises": [1]}, "enterprises"),
        ({"to": "2027-12-01"}, "to"),
        ({"kind": "x"}, "kind"),
        ({"from": None}, "from"),
        ({"extra": 1}, "extra"),
    ):
        resp = client.post("/api/v1/checks", json={**good, **over}, headers=h)
        assert resp.status_code == 422, over
        assert resp.get_json()["error"]["details"]["field"] == field
    too_many = {**good, "enterprises": [world.ent.uscc] * 10_001}
    resp = client.post("/api/v1/checks", json=too_many, headers=h)
    assert resp.status_code == 422 and resp.get_json()["error"]["code"] == "too_many"
    assert client.post("/api/v1/checks", json={**good, "department": "zz-em"}, headers=h).status_code == 403
    assert client.post("/api/v1/checks", json=good, headers=world.headers(world.admin)).status_code == 422
    assert (
        client.post("/api/v1/checks", json=good, headers=world.headers(world.enterprise_user)).status_code
        == 403
    )


def test_bulk_applies_caps_per_enterprise(client, world):
    capped = create_enterprise(jurisdiction=world.lukou, ownership="state")
    for d in (date(2026, 2, 5), date(2026, 3, 5)):
        db.session.add(
            Inspection(
                enterprise=capped,
                department=world.amr,
                date=d,
                kind="routine",
                subject="x",
                status="completed",
            )
        )
    db.session.commit()
    resp = client.post(
        "/api/v1/checks",
        json={
            "kind": "random",
            "from": "2026-12-30",
            "to": "2027-01-02",
            "enterprises": [capped.uscc, world.state_ent.uscc],
        },
        headers=world.headers(world.inspector),
    )
    results = resp.get_json()["results"]
    assert results[capped.uscc]["allowed_dates"] == ["2027-01-01", "2027-01-02"]
    assert results[world.state_ent.uscc]["allowed_dates"] == [
        "2026-12-30",
        "2026-12-31",
        "2027-01-01",
        "2027-01-02",
    ]
