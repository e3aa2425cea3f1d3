"""Quiet-day engine: boundary tables for SPEC §3.5.

Calendar facts (official 2026 notice, see test_workdays.py): Golden Week Oct 1–7 2026, Sat Oct 10 and
Sun Sep 20 worked; Spring Festival Feb 15–23, Sat Feb 14 and Sat Feb 28 worked; Jan 1–3 off, Sun Jan 4 worked.
2027 and later have no package data (Mon–Fri). Weekdays: 2026-11-23 Mon, 2026-11-26 Thu, 2026-12-31 Thu,
2027-01-01 Fri, 2026-03-02 Mon, 2026-09-01 Tue, 2028-02-29 Tue.

Jurisdictions: 430000 湖南省 > 430200 株洲市 > 430212 渌口区 / 430202 荷塘区; 430100 长沙市 is a sibling city.
"""

from datetime import date, timedelta
from typing import Any

import pytest

from rules.quietdays import (
    Agency,
    CapInfo,
    CapState,
    Engine,
    Enterprise,
    Policy,
    Rule,
    RuleError,
    parse_rule,
    rule_to_json,
)
from rules.workdays import WorkdayCalendar, YearNotice

D = date
CAL = WorkdayCalendar()
NO_CAPS = CapState()

USCC_A = "91350100M000100Y43"
USCC_B = "914403001922038216"

LUKOU = ("430212", "430200", "430000")
HETANG = ("430202", "430200", "430000")
ZHUZHOU = ("430200", "430000")
HUNAN = ("430000",)
CHANGSHA = ("430100", "430000")

ENT = Enterprise(USCC_A, LUKOU, "private", "above_scale")
ENT_STATE = Enterprise(USCC_B, LUKOU, "state", None)

CITY_AMR = Agency("zz-amr", ZHUZHOU)
DISTRICT_AMR = Agency("lk-amr", LUKOU)
PROVINCE_AMR = Agency("hn-amr", HUNAN)
CHANGSHA_AMR = Agency("cs-amr", CHANGSHA)

MON_WED = Rule("weekdays", weekdays=frozenset({1, 2, 3}))
EVERY_DAY = Rule("weekdays", weekdays=frozenset(range(1, 8)))


def policy(pid: int = 1, rule: Rule = MON_WED, **kw: Any) -> Policy:
    fields: dict[str, Any] = {
        "title": f"policy {pid}",
        "jurisdiction_code": "430200",
        "valid_from": D(2025, 1, 1),
        "valid_until": None,
        "status": "active",
    }
    fields.update(kw)
    return Policy(id=pid, rule=rule, **fields)


def check(policies: list[Policy], d: date, ent: Enterprise = ENT, kind: str = "routine",
          agency: Agency = CITY_AMR, caps: CapState = NO_CAPS, calendar: WorkdayCalendar = CAL):
    return Engine(policies, calendar).check(ent, d, kind, agency, caps)


def protects(p: Policy, d: date, ent: Enterprise = ENT, calendar: WorkdayCalendar = CAL) -> bool:
    """Whether p protects d for ent, asked through three entry points that must agree."""
    engine = Engine([p], calendar)
    via_check = engine.check(ent, d, "routine", CITY_AMR, NO_CAPS).protected
    via_days = engine.days(ent, d, d, "routine", CITY_AMR, NO_CAPS)[0].protected
    via_calendar = d in engine.protected_days(ent, d, d)
    assert via_check == via_days == via_calendar
    return via_check


# --------------------------------------------------------------------------------------------- rules x dates


@pytest.mark.parametrize(
    ("p", "d", "expected"),
    [
        # validity: both ends inclusive
        (policy(rule=EVERY_DAY, valid_from=D(2026, 3, 2), valid_until=D(2026, 3, 31)), D(2026, 3, 1), False),
        (policy(rule=EVERY_DAY, valid_from=D(2026, 3, 2), valid_until=D(2026, 3, 31)), D(2026, 3, 2), True),
        (policy(rule=EVERY_DAY, valid_from=D(2026, 3, 2), valid_until=D(2026, 3, 31)), D(2026, 3, 31), True),
        (policy(rule=EVERY_DAY, valid_from=D(2026, 3, 2), valid_until=D(2026, 3, 31)), D(2026, 4, 1), False),
        (policy(rule=EVERY_DAY, valid_from=D(2026, 3, 2), valid_until=D(2026, 3, 2)), D(2026, 3, 2), True),
        # open end
        (policy(rule=EVERY_DAY, valid_from=D(2026, 3, 2)), D(2036, 12, 31), True),
        (policy(rule=EVERY_DAY, valid_from=D(2026, 3, 2)), D(2026, 3, 1), False),
        # weekdays
        (policy(rule=MON_WED), D(2026, 11, 22), False),  # Sunday
        (policy(rule=MON_WED), D(2026, 11, 23), True),  # Monday
        (policy(rule=MON_WED), D(2026, 11, 25), True),  # Wednesday
        (policy(rule=MON_WED), D(2026, 11, 26), False),  # Thursday
        (policy(rule=Rule("weekdays", weekdays=frozenset({7}))), D(2026, 11, 22), True),  # 7 = Sunday
        (policy(rule=Rule("weekdays", weekdays=frozenset({7}))), D(2026, 11, 23), False),
        (policy(rule=MON_WED), D(2028, 2, 29), True),  # leap day, a Tuesday
    ],
)
def test_validity_and_weekdays(p: Policy, d: date, expected: bool) -> None:
    assert protects(p, d) is expected


def month_days(a: int, b: int) -> Policy:
    return policy(rule=Rule("month_days", day_from=a, day_to=b))


@pytest.mark.parametrize(
    ("p", "d", "expected"),
    [
        (month_days(1, 25), D(2026, 1, 1), True),
        (month_days(1, 25), D(2026, 1, 25), True),
        (month_days(1, 25), D(2026, 1, 26), False),
        (month_days(1, 25), D(2026, 1, 31), False),
        (month_days(1, 25), D(2026, 2, 1), True),
        (month_days(20, 31), D(2026, 4, 30), True),  # `to` beyond April's end = April 30
        (month_days(20, 31), D(2026, 5, 1), False),
        (month_days(20, 31), D(2026, 5, 31), True),
        (month_days(20, 31), D(2027, 2, 28), True),  # 28-day February
        (month_days(20, 31), D(2027, 3, 1), False),
        (month_days(20, 31), D(2028, 2, 29), True),  # leap day
        (month_days(20, 31), D(2026, 2, 19), False),
        (month_days(29, 31), D(2027, 2, 28), False),  # February 2027 has no day 29..31
        (month_days(29, 31), D(2028, 2, 28), False),
        (month_days(29, 31), D(2028, 2, 29), True),
        (month_days(31, 31), D(2026, 4, 30), False),  # from beyond the month's end protects nothing
        (month_days(31, 31), D(2026, 5, 31), True),
        (month_days(15, 15), D(2026, 6, 15), True),
        (month_days(15, 15), D(2026, 6, 16), False),
    ],
)
def test_month_days(p: Policy, d: date, expected: bool) -> None:
    assert protects(p, d) is expected


def first_open(n: int) -> Policy:
    return policy(rule=Rule("first_workdays_open", count=n))


@pytest.mark.parametrize(
    ("p", "d", "expected"),
    [
        # October 2026: first 5 working days are Oct 8, 9, 10 (make-up Sat), 12, 13.
        (first_open(5), D(2026, 10, 1), True),
        (first_open(5), D(2026, 10, 7), True),
        (first_open(5), D(2026, 10, 8), False),
        (first_open(5), D(2026, 10, 10), False),  # make-up Saturday is a working day, hence open
        (first_open(5), D(2026, 10, 11), True),  # Sunday
        (first_open(5), D(2026, 10, 13), False),
        (first_open(5), D(2026, 10, 14), True),  # 6th working day
        (first_open(5), D(2026, 10, 31), True),
        # September 2026: Sep 1–4 (Tue–Fri), Sep 7; the make-up Sunday Sep 20 is far beyond.
        (first_open(5), D(2026, 9, 7), False),
        (first_open(5), D(2026, 9, 5), True),  # Saturday between open days
        (first_open(5), D(2026, 9, 8), True),
        (first_open(5), D(2026, 9, 20), True),
        # January 2026: the first working day is the make-up Sunday Jan 4.
        (first_open(1), D(2026, 1, 4), False),
        (first_open(1), D(2026, 1, 2), True),
        (first_open(1), D(2026, 1, 5), True),
        # February 2026: working days 11 and 12 are the make-up Sat 14 and Tue 24 after the festival.
        (first_open(12), D(2026, 2, 14), False),
        (first_open(12), D(2026, 2, 16), True),  # festival Monday
        (first_open(12), D(2026, 2, 24), False),
        (first_open(12), D(2026, 2, 25), True),
        (first_open(12), D(2026, 2, 28), True),  # make-up Sat, but the 16th working day
        # January 2027: no data, Mon–Fri: Jan 1 (Fri), 4, 5, 6, 7 open.
        (first_open(5), D(2027, 1, 1), False),
        (first_open(5), D(2027, 1, 2), True),
        (first_open(5), D(2027, 1, 7), False),
        (first_open(5), D(2027, 1, 8), True),
        # 23: every working day of a month is open, only non-working days are protected.
        (first_open(23), D(2026, 3, 31), False),
        (first_open(23), D(2026, 3, 28), True),
    ],
)
def test_first_workdays_open(p: Policy, d: date, expected: bool) -> None:
    assert protects(p, d) is expected


def test_first_workdays_open_follows_the_admins_notice() -> None:
    # 2027 notice: Jan 1 (Fri) off. The first five working days become Jan 4–8.
    cal = WorkdayCalendar({2027: YearNotice(holidays=frozenset({D(2027, 1, 1)}))})
    assert protects(first_open(5), D(2027, 1, 1), calendar=cal) is True
    assert protects(first_open(5), D(2027, 1, 8), calendar=cal) is False
    assert protects(first_open(5), D(2027, 1, 11), calendar=cal) is True


def date_range(a: date, b: date) -> Policy:
    return policy(rule=Rule("date_range", date_from=a, date_to=b))


@pytest.mark.parametrize(
    ("p", "d", "expected"),
    [
        (date_range(D(2026, 3, 1), D(2026, 5, 31)), D(2026, 2, 28), False),
        (date_range(D(2026, 3, 1), D(2026, 5, 31)), D(2026, 3, 1), True),
        (date_range(D(2026, 3, 1), D(2026, 5, 31)), D(2026, 5, 31), True),
        (date_range(D(2026, 3, 1), D(2026, 5, 31)), D(2026, 6, 1), False),
        (date_range(D(2026, 12, 30), D(2027, 1, 2)), D(2026, 12, 29), False),
        (date_range(D(2026, 12, 30), D(2027, 1, 2)), D(2026, 12, 31), True),
        (date_range(D(2026, 12, 30), D(2027, 1, 2)), D(2027, 1, 2), True),
        (date_range(D(2026, 12, 30), D(2027, 1, 2)), D(2027, 1, 3), False),
        # the range is still cut by validity
        (policy(rule=Rule("date_range", date_from=D(2026, 3, 1), date_to=D(2026, 5, 31)),
                valid_from=D(2026, 4, 1)), D(2026, 3, 31), False),
    ],
)
def test_date_range(p: Policy, d: date, expected: bool) -> None:
    assert protects(p, d) is expected


# --------------------------------------------------------------------------------------------- exceptions


@pytest.mark.parametrize(
    ("p", "d", "expected"),
    [
        (policy(lifts=frozenset({D(2026, 11, 23)})), D(2026, 11, 23), False),  # lift over the rule
        (policy(lifts=frozenset({D(2026, 11, 23)})), D(2026, 11, 24), True),  # only that date
        (policy(adds=frozenset({D(2026, 11, 26)})), D(2026, 11, 26), True),  # add outside the rule
        (policy(adds=frozenset({D(2026, 11, 26)})), D(2026, 11, 27), False),
        # add and lift on the same date: the add wins ("D has an add, or the rule matches and no lift")
        (policy(adds=frozenset({D(2026, 11, 23)}), lifts=frozenset({D(2026, 11, 23)})),
         D(2026, 11, 23), True),
        # an add still needs validity and an active status
        (policy(valid_from=D(2026, 1, 1), adds=frozenset({D(2025, 12, 31)})), D(2025, 12, 31), False),
        (policy(valid_until=D(2026, 11, 25), adds=frozenset({D(2026, 11, 26)})), D(2026, 11, 26), False),
        (policy(valid_until=D(2026, 11, 26), adds=frozenset({D(2026, 11, 26)})), D(2026, 11, 26), True),
        (policy(status="draft", adds=frozenset({D(2026, 11, 26)})), D(2026, 11, 26), False),
        # draft and revoked policies never protect
        (policy(status="draft"), D(2026, 11, 23), False),
        (policy(status="revoked"), D(2026, 11, 23), False),
        # a lift on a month_days rule at the month boundary
        (policy(rule=Rule("month_days", day_from=1, day_to=31), lifts=frozenset({D(2026, 2, 28)})),
         D(2026, 2, 28), False),
    ],
)
def test_exceptions_and_status(p: Policy, d: date, expected: bool) -> None:
    assert protects(p, d) is expected


def test_add_needs_coverage() -> None:
    p = policy(ownership=frozenset({"private"}), adds=frozenset({D(2026, 11, 26)}))
    assert protects(p, D(2026, 11, 26), ENT) is True
    assert protects(p, D(2026, 11, 26), ENT_STATE) is False


# --------------------------------------------------------------------------------------------- coverage


@pytest.mark.parametrize(
    ("p", "ent", "expected"),
    [
        (policy(ownership=frozenset({"private"})), ENT, True),
        (policy(ownership=frozenset({"private"})), ENT_STATE, False),
        (policy(ownership=frozenset({"private", "state"})), ENT_STATE, True),
        (policy(sizes=frozenset({"above_scale"})), ENT, True),
        (policy(sizes=frozenset({"above_scale"})), ENT_STATE, False),  # size unknown
        (policy(ownership=frozenset({"private"}), sizes=frozenset({"small"})), ENT, False),  # both must match
        (policy(), ENT_STATE, True),  # empty lists match all
        # an explicit list covers exactly its enterprises, whatever their ownership and size
        (policy(ownership=frozenset({"state"}), enterprises=frozenset({USCC_A})), ENT, True),
        (policy(enterprises=frozenset({USCC_A})), ENT_STATE, False),
        # ... but only within the policy's jurisdiction
        (policy(jurisdiction_code="430100", enterprises=frozenset({USCC_A})), ENT, False),
        # jurisdiction: at, below, above, sibling
        (policy(jurisdiction_code="430200"), Enterprise(USCC_A, ZHUZHOU, "private"), True),
        (policy(jurisdiction_code="430200"), ENT, True),  # district below the city
        (policy(jurisdiction_code="430000"), ENT, True),  # province above everything
        (policy(jurisdiction_code="430212"), Enterprise(USCC_A, ZHUZHOU, "private"), False),  # ent above
        (policy(jurisdiction_code="430212"), Enterprise(USCC_A, HETANG, "private"), False),  # sibling
        (policy(jurisdiction_code="430100"), ENT, False),  # sibling city
    ],
)
def test_coverage(p: Policy, ent: Enterprise, expected: bool) -> None:
    assert protects(p, D(2026, 11, 23), ent) is expected


# --------------------------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("binds", "agency", "blocks"),
    [
        ("level_and_below", CITY_AMR, True),
        ("level_and_below", DISTRICT_AMR, True),
        ("level_and_below", PROVINCE_AMR, False),  # provincial agency under a city policy: advisory
        ("level_and_below", CHANGSHA_AMR, False),
        ("level", CITY_AMR, True),
        ("level", DISTRICT_AMR, False),
        ("level", PROVINCE_AMR, False),
    ],
)
def test_binds(binds: str, agency: Agency, blocks: bool) -> None:
    p = policy(binds=binds)
    r = check([p], D(2026, 11, 23), agency=agency)
    assert r.protected is True
    assert r.allowed is not blocks
    assert r.blocking == ((p,) if blocks else ())
    assert r.advisory == (() if blocks else (p,))
    assert r.exempt == ()
    assert r.requires_justification is False
    assert r.next_allowed_date == (D(2026, 11, 26) if blocks else D(2026, 11, 23))


@pytest.mark.parametrize("kind", ["complaint", "accident", "assigned", "case", "licensing", "requested"])
def test_exempt_kinds_need_justification(kind: str) -> None:
    p = policy()
    r = check([p], D(2026, 11, 23), kind=kind, caps=CapState(used_total={(USCC_A, 2026): 99},
                                                           jurisdiction_caps={"430000": 2}))
    assert (r.allowed, r.protected) == (True, True)
    assert r.exempt == (p,) and r.blocking == () and r.advisory == ()
    assert r.requires_justification is True and r.requires_approval is True
    assert r.cap is None and r.cap_reached is False  # only routine/random are capped
    assert r.next_allowed_date == D(2026, 11, 23)


def test_exempt_on_unprotected_day_needs_nothing() -> None:
    r = check([policy()], D(2026, 11, 26), kind="complaint")
    assert (r.protected, r.allowed, r.requires_justification) == (False, True, False)


def test_advisory_exempt_kind_needs_no_justification() -> None:
    r = check([policy()], D(2026, 11, 23), kind="complaint", agency=PROVINCE_AMR)
    assert r.advisory and not r.exempt
    assert (r.allowed, r.requires_justification) == (True, False)


def test_blocked_kinds_are_per_policy() -> None:
    p = policy(blocked_kinds=frozenset({"routine", "random", "licensing"}))
    assert check([p], D(2026, 11, 23), kind="licensing").allowed is False
    assert check([p], D(2026, 11, 23), kind="complaint").requires_justification is True
    only_random = policy(blocked_kinds=frozenset({"random"}))
    assert check([only_random], D(2026, 11, 23), kind="routine").requires_justification is True
    assert check([only_random], D(2026, 11, 23), kind="random").allowed is False


def test_blocking_and_exempt_together_is_refused_without_justification_flag() -> None:
    blocking = policy(1)
    exempt = policy(2, blocked_kinds=frozenset({"random"}))
    r = check([exempt, blocking], D(2026, 11, 23), kind="routine")
    assert r.allowed is False
    assert r.blocking == (blocking,) and r.exempt == (exempt,)
    assert r.requires_justification is False and r.requires_approval is False


def test_results_list_policies_by_id() -> None:
    ps = [policy(7), policy(3, jurisdiction_code="430000"), policy(5, jurisdiction_code="430212")]
    engine = Engine(ps, CAL)
    r = engine.check(ENT, D(2026, 11, 23), "routine", DISTRICT_AMR, NO_CAPS)
    assert [p.id for p in r.blocking] == [3, 5, 7]
    # the city agency is not bound by the district's policy 5
    r = engine.check(ENT, D(2026, 11, 23), "routine", CITY_AMR, NO_CAPS)
    assert ([p.id for p in r.blocking], [p.id for p in r.advisory]) == ([3, 7], [5])
    day = engine.days(ENT, D(2026, 11, 23), D(2026, 11, 23), "routine", CITY_AMR, NO_CAPS)[0]
    assert day.policy_ids == (3, 5, 7)
    assert engine.protected_days(ENT, D(2026, 11, 22), D(2026, 11, 23)) == {D(2026, 11, 23): (3, 5, 7)}


# --------------------------------------------------------------------------------------------- caps


THURSDAY = D(2026, 11, 26)
AMR = "zz-amr"  # not protected under MON_WED, so only caps decide


@pytest.mark.parametrize(
    ("agency_cap", "caps", "allowed", "cap"),
    [
        (None, CapState(), True, None),
        (2, CapState(used_by_agency={(USCC_A, "zz-amr", 2026): 1}), True, CapInfo(2, 1, "department", AMR)),
        (2, CapState(used_by_agency={(USCC_A, "zz-amr", 2026): 2}), False, CapInfo(2, 2, "department", AMR)),
        (0, CapState(), False, CapInfo(0, 0, "department", "zz-amr")),
        # another agency's bookings or another year's do not count against this agency's cap
        (2, CapState(used_by_agency={(USCC_A, "lk-amr", 2026): 5, (USCC_A, "zz-amr", 2025): 5}), True,
         CapInfo(2, 0, "department", AMR)),
        # jurisdiction cap counts every agency
        (None, CapState(jurisdiction_caps={"430000": 2}, used_total={(USCC_A, 2026): 1}), True,
         CapInfo(2, 1, "jurisdiction", "430000")),
        (None, CapState(jurisdiction_caps={"430000": 2}, used_total={(USCC_A, 2026): 2}), False,
         CapInfo(2, 2, "jurisdiction", "430000")),
        # a cap of a jurisdiction the enterprise is not in does not apply
        (None, CapState(jurisdiction_caps={"430100": 1}, used_total={(USCC_A, 2026): 5}), True, None),
        # tightest = least remaining: department has 1 left, jurisdiction 2
        (5, CapState(jurisdiction_caps={"430000": 2}, used_by_agency={(USCC_A, "zz-amr", 2026): 4}), True,
         CapInfo(5, 4, "department", "zz-amr")),
        # equal remaining (2): the smaller limit wins
        (3, CapState(jurisdiction_caps={"430000": 2}, used_by_agency={(USCC_A, "zz-amr", 2026): 1}), True,
         CapInfo(2, 0, "jurisdiction", "430000")),
        # two jurisdiction caps over the same total: the smaller one is tighter
        (None, CapState(jurisdiction_caps={"430200": 4, "430000": 2}, used_total={(USCC_A, 2026): 1}), True,
         CapInfo(2, 1, "jurisdiction", "430000")),
        # the department has room but the city is full
        (9, CapState(jurisdiction_caps={"430200": 3}, used_total={(USCC_A, 2026): 3},
                     used_by_agency={(USCC_A, "zz-amr", 2026): 1}), False,
         CapInfo(3, 3, "jurisdiction", "430200")),
    ],
)
def test_caps(agency_cap: int | None, caps: CapState, allowed: bool, cap: CapInfo | None) -> None:
    agency = Agency("zz-amr", ZHUZHOU, agency_cap)
    for kind in ("routine", "random"):
        r = check([policy()], THURSDAY, kind=kind, agency=agency, caps=caps)
        assert r.protected is False
        assert r.allowed is allowed
        assert r.cap == cap
        assert r.cap_reached is (not allowed)


def test_cap_in_one_year_does_not_block_the_next() -> None:
    agency = Agency("zz-amr", ZHUZHOU, 2)
    caps = CapState(used_by_agency={(USCC_A, "zz-amr", 2026): 2})
    r = check([], D(2026, 12, 31), agency=agency, caps=caps)
    assert (r.allowed, r.cap_reached, r.next_allowed_date) == (False, True, D(2027, 1, 1))
    r = check([], D(2027, 1, 1), agency=agency, caps=caps)
    assert (r.allowed, r.cap, r.next_allowed_date) == (True, CapInfo(2, 0, "department", AMR), D(2027, 1, 1))
    # Mon 28 – Wed 30 are quiet days, Thu 31 is capped: the first allowed day is Fri Jan 1 2027.
    r = check([policy()], D(2026, 12, 28), agency=agency, caps=caps)
    assert r.next_allowed_date == D(2027, 1, 1)


def test_cap_reached_in_both_years_looks_further() -> None:
    agency = Agency("zz-amr", ZHUZHOU, 2)
    caps = CapState(used_by_agency={(USCC_A, "zz-amr", 2026): 2, (USCC_A, "zz-amr", 2027): 2})
    assert check([], D(2026, 6, 1), agency=agency, caps=caps).next_allowed_date is None
    # D+365 is 2027-12-31 for the first, 2028-01-01 for the second
    assert check([], D(2026, 12, 31), agency=agency, caps=caps).next_allowed_date is None
    # From 2027-01-01 the window ends on Saturday 2028-01-01: allowed, but not a working day to offer.
    assert check([], D(2027, 1, 1), agency=agency, caps=caps).next_allowed_date is None
    assert check([], D(2027, 1, 3), agency=agency, caps=caps).next_allowed_date == D(2028, 1, 3)


@pytest.mark.parametrize(
    ("d", "expected"),
    [
        (D(2026, 10, 1), D(2026, 10, 8)),  # National Day week (chinesecalendar 2026): Thursday the 8th
        (D(2026, 1, 1), D(2026, 1, 4)),  # New Year's Day; Sunday 4 January is a make-up working day
        (D(2026, 2, 14), D(2026, 2, 14)),  # a make-up Saturday is a working day
        (D(2026, 11, 28), D(2026, 11, 30)),  # an ordinary weekend
    ],
)
def test_next_allowed_date_is_a_working_day(d: date, expected: date) -> None:
    r = check([], d)
    assert r.allowed is True  # the rules allow every day; only the offer skips non-working days
    assert r.next_allowed_date == expected
    assert CAL.is_workday(expected)


def test_next_allowed_date_follows_the_admin_notice() -> None:
    """2027 has no package data; the admin's notice makes New Year's Day a holiday (SPEC §2 calendar)."""
    agency = Agency("zz-amr", ZHUZHOU, 2)
    caps = CapState(used_by_agency={(USCC_A, "zz-amr", 2026): 2})
    fallback = check([], D(2026, 12, 31), agency=agency, caps=caps)
    assert fallback.next_allowed_date == D(2027, 1, 1)  # Mon–Fri fallback: the UI says the year has no data
    cal = WorkdayCalendar({2027: YearNotice(holidays=frozenset({D(2027, 1, 1)}))})
    r = check([], D(2026, 12, 31), agency=agency, caps=caps, calendar=cal)
    assert (r.allowed, r.cap_reached, r.next_allowed_date) == (False, True, D(2027, 1, 4))


def test_days_say_which_are_working_days() -> None:
    rows = Engine([], CAL).days(ENT, D(2026, 9, 30), D(2026, 10, 10), "routine", CITY_AMR, NO_CAPS)
    assert [r.workday for r in rows] == [True] + [False] * 7 + [True, True, True]  # 10-10 a make-up Saturday
    assert all(r.allowed for r in rows)


# --------------------------------------------------------------------------------------------- next allowed


def test_zhuzhou_monday_to_thursday() -> None:
    p = policy(title="民营企业宁静日", ownership=frozenset({"private"}))
    r = check([p], D(2026, 11, 23))
    assert (r.protected, r.allowed, r.next_allowed_date) == (True, False, D(2026, 11, 26))
    assert r.blocking == (p,)
    assert check([p], D(2026, 11, 25)).next_allowed_date == D(2026, 11, 26)
    assert check([p], D(2026, 11, 26)).next_allowed_date == D(2026, 11, 26)
    assert check([p], D(2026, 11, 23), ent=ENT_STATE).allowed is True


@pytest.mark.parametrize(
    ("valid_until", "expected"),
    [
        (None, None),
        (D(2026, 11, 23) + timedelta(days=365), None),  # protected through D+365: nothing in [D, D+365]
        (D(2026, 11, 23) + timedelta(days=364), D(2027, 11, 23)),  # D+365, the last day looked at
    ],
)
def test_next_allowed_date_window(valid_until: date | None, expected: date | None) -> None:
    p = policy(rule=EVERY_DAY, valid_until=valid_until)
    assert check([p], D(2026, 11, 23)).next_allowed_date == expected


# --------------------------------------------------------------------------------------------- days / bulk


def test_days_range_and_limits() -> None:
    engine = Engine([policy()], CAL)
    days = engine.days(ENT, D(2026, 11, 22), D(2026, 11, 29), "routine", CITY_AMR, NO_CAPS)
    assert [d.date for d in days] == [D(2026, 11, 22) + timedelta(days=i) for i in range(8)]
    assert [d.protected for d in days] == [False, True, True, True, False, False, False, False]
    assert [d.allowed for d in days] == [True, False, False, False, True, True, True, True]
    assert [d.policy_ids for d in days] == [(), (1,), (1,), (1,), (), (), (), ()]
    assert len(engine.days(ENT, D(2028, 1, 1), D(2028, 12, 31), "routine", CITY_AMR, NO_CAPS)) == 366
    with pytest.raises(ValueError):
        engine.days(ENT, D(2028, 1, 1), D(2029, 1, 1), "routine", CITY_AMR, NO_CAPS)  # 367 days
    with pytest.raises(ValueError):
        engine.days(ENT, D(2026, 11, 23), D(2026, 11, 22), "routine", CITY_AMR, NO_CAPS)
    with pytest.raises(ValueError):
        engine.days(ENT, D(2026, 11, 23), D(2026, 11, 23), "inspection", CITY_AMR, NO_CAPS)


def test_bulk_allowed() -> None:
    engine = Engine([policy(ownership=frozenset({"private"}))], CAL)
    capped = Enterprise("91110108551385082Q", LUKOU, "state")
    agency = Agency("zz-amr", ZHUZHOU, 1)
    caps = CapState(used_by_agency={(capped.uscc, "zz-amr", 2026): 1})
    start, end = D(2026, 12, 27), D(2027, 1, 3)
    out = engine.bulk_allowed([ENT, ENT_STATE, capped], start, end, "routine", agency, caps)
    # Dec 27 2026 is a Sunday; Jan 3 2027 a Sunday.
    assert out[USCC_A] == [D(2026, 12, 27), D(2026, 12, 31), D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)]
    assert out[USCC_B] == [D(2026, 12, 27) + timedelta(days=i) for i in range(8)]
    assert out[capped.uscc] == [D(2027, 1, 1), D(2027, 1, 2), D(2027, 1, 3)]
    out[USCC_B].clear()  # results are independent lists
    again = engine.bulk_allowed([ENT_STATE, ENT_STATE], start, end, "routine", agency, caps)
    assert len(again[USCC_B]) == 8
    with pytest.raises(ValueError):
        engine.bulk_allowed([ENT], D(2026, 1, 1), D(2027, 1, 2), "routine", agency, caps)  # 367 days


def test_policy_days() -> None:
    engine = Engine([policy(lifts=frozenset({D(2026, 11, 24)}))], CAL)
    assert engine.policy_days(1, D(2026, 11, 22), D(2026, 11, 29)) == [D(2026, 11, 23), D(2026, 11, 25)]


def test_engine_rejects_duplicate_ids_and_bad_policy_fields() -> None:
    with pytest.raises(ValueError):
        Engine([policy(1), policy(1)], CAL)
    with pytest.raises(ValueError):
        policy(status="active ")
    with pytest.raises(ValueError):
        policy(binds="below")


# --------------------------------------------------------------------------------------------- parse_rule


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ([1, 2], "rule"),
        ({}, "type"),
        ({"type": None}, "type"),
        ({"type": "weekly", "weekdays": [1]}, "type"),
        ({"type": 1}, "type"),
        ({"type": "weekdays"}, "weekdays"),
        ({"type": "weekdays", "weekdays": []}, "weekdays"),
        ({"type": "weekdays", "weekdays": [0]}, "weekdays"),
        ({"type": "weekdays", "weekdays": [1, 8]}, "weekdays"),
        ({"type": "weekdays", "weekdays": [True]}, "weekdays"),
        ({"type": "weekdays", "weekdays": ["1"]}, "weekdays"),
        ({"type": "weekdays", "weekdays": [1.0]}, "weekdays"),
        ({"type": "weekdays", "weekdays": "123"}, "weekdays"),
        ({"type": "weekdays", "weekdays": 1}, "weekdays"),
        ({"type": "weekdays", "weekdays": [1], "count": 5}, "count"),
        ({"type": "month_days", "to": 25}, "from"),
        ({"type": "month_days", "from": 1}, "to"),
        ({"type": "month_days", "from": 0, "to": 25}, "from"),
        ({"type": "month_days", "from": 1, "to": 32}, "to"),
        ({"type": "month_days", "from": 26, "to": 25}, "to"),
        ({"type": "month_days", "from": "1", "to": 25}, "from"),
        ({"type": "month_days", "from": True, "to": 25}, "from"),
        ({"type": "month_days", "from": 1, "to": 25.0}, "to"),
        ({"type": "first_workdays_open"}, "count"),
        ({"type": "first_workdays_open", "count": 0}, "count"),
        ({"type": "first_workdays_open", "count": 24}, "count"),
        ({"type": "first_workdays_open", "count": "5"}, "count"),
        ({"type": "first_workdays_open", "count": False}, "count"),
        ({"type": "date_range", "to": "2026-05-31"}, "from"),
        ({"type": "date_range", "from": "2026-03-01"}, "to"),
        ({"type": "date_range", "from": "2026-02-30", "to": "2026-05-31"}, "from"),
        ({"type": "date_range", "from": "2026/03/01", "to": "2026-05-31"}, "from"),
        ({"type": "date_range", "from": "20260301", "to": "2026-05-31"}, "from"),
        ({"type": "date_range", "from": 20260301, "to": "2026-05-31"}, "from"),
        ({"type": "date_range", "from": "2026-03-01", "to": "2026-05-31T00:00"}, "to"),
        ({"type": "date_range", "from": "2026-03-01", "to": "2026-02-28"}, "to"),
    ],
)
def test_parse_rule_errors(data: Any, field: str) -> None:
    with pytest.raises(RuleError) as info:
        parse_rule(data)
    assert info.value.field == field
    assert info.value.message


@pytest.mark.parametrize(
    ("data", "rule"),
    [
        ({"type": "weekdays", "weekdays": [1, 2, 3]}, Rule("weekdays", weekdays=frozenset({1, 2, 3}))),
        ({"type": "month_days", "from": 1, "to": 31}, Rule("month_days", day_from=1, day_to=31)),
        ({"type": "month_days", "from": 25, "to": 25}, Rule("month_days", day_from=25, day_to=25)),
        ({"type": "first_workdays_open", "count": 23}, Rule("first_workdays_open", count=23)),
        ({"type": "first_workdays_open", "count": 1}, Rule("first_workdays_open", count=1)),
        ({"type": "date_range", "from": "2026-03-01", "to": "2026-03-01"},
         Rule("date_range", date_from=D(2026, 3, 1), date_to=D(2026, 3, 1))),
    ],
)
def test_parse_rule_round_trip(data: dict[str, Any], rule: Rule) -> None:
    assert parse_rule(data) == rule
    assert rule_to_json(rule) == data


def test_parse_rule_accepts_duplicate_weekdays() -> None:
    rule = parse_rule({"type": "weekdays", "weekdays": [3, 1, 3]})
    assert rule == Rule("weekdays", weekdays=frozenset({1, 3}))
    assert rule_to_json(rule)["weekdays"] == [1, 3]


def test_rule_constructor_validates_too() -> None:
    with pytest.raises(RuleError):
        Rule("weekdays")
    with pytest.raises(RuleError):
        Rule("month_days", day_from=1, day_to=25, count=3)
    with pytest.raises(RuleError):
        Rule("date_range", date_from=D(2026, 3, 2), date_to=D(2026, 3, 1))
