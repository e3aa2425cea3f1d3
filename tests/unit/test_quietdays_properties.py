"""Property tests: the engine's entry points agree with each other and with a naive reading of SPEC §3.5.

The reference below is deliberately naive: one date at a time, written from the spec text, no bitmaps, no
grouping, no caches. The engine must give the same answers on random policies, enterprises, agencies and caps.
Dates straddle 2026 (chinesecalendar data, with make-up weekends) and 2027 (Mon–Fri fallback or a notice).
"""

import calendar as stdcal
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.quietdays import (
    CAPPED_KINDS,
    KINDS,
    Agency,
    CapState,
    Engine,
    Enterprise,
    Policy,
    Rule,
)
from rules.workdays import WorkdayCalendar, YearNotice

SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FIRST = date(2025, 12, 1)
LAST = date(2027, 2, 28)

# A small jurisdiction tree: province > two cities > districts.
CHAINS = {
    "430000": ("430000",),
    "430200": ("430200", "430000"),
    "430100": ("430100", "430000"),
    "430212": ("430212", "430200", "430000"),
    "430202": ("430202", "430200", "430000"),
    "430102": ("430102", "430100", "430000"),
}
USCCS = ("91350100M000100Y43", "914403001922038216", "91110108551385082Q", "91110000100000000R")
AGENCY_CODES = ("amr", "fire")
OWNERSHIPS = ("private", "state", "foreign")
SIZES = ("above_scale", "small")

# Every combination of jurisdiction, ownership and size; USCCs cycle so explicit lists hit some of them.
POPULATION = tuple(
    Enterprise(USCCS[i % len(USCCS)], chain, ownership, size)
    for i, (chain, ownership, size) in enumerate(
        (chain, ownership, size)
        for chain in CHAINS.values() for ownership in OWNERSHIPS for size in (None, *SIZES)
    )
)

CALENDARS = (
    WorkdayCalendar(),
    # A 2027 notice: New Year's Day and Spring Festival off, two make-up weekend days.
    WorkdayCalendar({2027: YearNotice(
        holidays=frozenset({date(2027, 1, 1)} | {date(2027, 2, d) for d in range(6, 13)}),
        workdays=frozenset({date(2027, 1, 2), date(2027, 2, 20)}),
    )}),
)

dates = st.dates(min_value=FIRST, max_value=LAST)
# Policies are issued mostly high in the tree so that most of them cover the random enterprise.
POLICY_JURISDICTIONS = st.sampled_from(("430000", "430000", "430200", "430200", "430212", "430100", "430102"))


@st.composite
def rules(draw: st.DrawFn) -> Rule:
    rtype = draw(st.sampled_from(("weekdays", "month_days", "first_workdays_open", "date_range")))
    if rtype == "weekdays":
        return Rule("weekdays", weekdays=frozenset(draw(st.sets(st.integers(1, 7), min_size=1))))
    if rtype == "month_days":
        a = draw(st.integers(1, 31))
        return Rule("month_days", day_from=a, day_to=draw(st.integers(a, 31)))
    if rtype == "first_workdays_open":
        return Rule("first_workdays_open", count=draw(st.integers(1, 23)))
    a, b = sorted((draw(dates), draw(dates)))
    return Rule("date_range", date_from=a, date_to=b)


@st.composite
def policies(draw: st.DrawFn, pid: int) -> Policy:
    # Mostly long validity so that coverage and rules, not validity, decide; sometimes short or empty
    # (valid_until before valid_from never protects).
    valid_from = draw(st.just(FIRST) | dates)
    valid_until = draw(st.none() | st.just(LAST) | dates)
    listed = draw(st.sets(st.sampled_from(USCCS), max_size=2)) if draw(st.integers(0, 4)) == 0 else set()
    blocked = draw(st.just(frozenset({"routine", "random"})) | st.frozensets(st.sampled_from(KINDS)))
    return Policy(
        id=pid,
        title=f"p{pid}",
        jurisdiction_code=draw(POLICY_JURISDICTIONS),
        rule=draw(rules()),
        valid_from=valid_from,
        valid_until=valid_until,
        status=draw(st.sampled_from(("active", "active", "active", "draft", "revoked"))),
        ownership=draw(st.just(frozenset()) | st.frozensets(st.sampled_from(OWNERSHIPS), min_size=1)),
        sizes=draw(st.just(frozenset()) | st.frozensets(st.sampled_from(SIZES), min_size=1)),
        enterprises=frozenset(listed),
        blocked_kinds=blocked,
        binds=draw(st.sampled_from(("level", "level_and_below"))),
        lifts=draw(st.frozensets(dates, max_size=4)),
        adds=draw(st.frozensets(dates, max_size=4)),
    )


@st.composite
def policy_sets(draw: st.DrawFn) -> list[Policy]:
    n = draw(st.integers(0, 6))
    ids = draw(st.lists(st.integers(1, 99), min_size=n, max_size=n, unique=True))
    return [draw(policies(pid)) for pid in ids]


@st.composite
def enterprises(draw: st.DrawFn, uscc: str | None = None) -> Enterprise:
    return Enterprise(
        uscc=uscc or draw(st.sampled_from(USCCS)),
        jurisdictions=CHAINS[draw(st.sampled_from(sorted(CHAINS)))],
        ownership=draw(st.sampled_from(OWNERSHIPS)),
        size=draw(st.none() | st.sampled_from(SIZES)),
    )


@st.composite
def agencies(draw: st.DrawFn) -> Agency:
    return Agency(
        code=draw(st.sampled_from(AGENCY_CODES)),
        jurisdictions=CHAINS[draw(st.sampled_from(sorted(CHAINS)))],
        annual_cap=draw(st.none() | st.integers(0, 3)),
    )


@st.composite
def cap_states(draw: st.DrawFn) -> CapState:
    years = st.integers(2025, 2028)
    counts = st.integers(0, 4)
    codes = st.sampled_from(sorted(CHAINS))
    return CapState(
        jurisdiction_caps=draw(st.dictionaries(codes, st.integers(0, 3), max_size=2)),
        used_by_agency=draw(st.dictionaries(
            st.tuples(st.sampled_from(USCCS), st.sampled_from(AGENCY_CODES), years), counts, max_size=6)),
        used_total=draw(st.dictionaries(st.tuples(st.sampled_from(USCCS), years), counts, max_size=6)),
    )


# --------------------------------------------------------------------------------------------- reference


def naive_rule_matches(rule: Rule, d: date, cal: WorkdayCalendar) -> bool:
    if rule.type == "weekdays":
        return d.isoweekday() in rule.weekdays
    if rule.type == "month_days":
        month_end = stdcal.monthrange(d.year, d.month)[1]
        return rule.day_from <= d.day <= min(rule.day_to, month_end)
    if rule.type == "first_workdays_open":
        # Walk the month from its 1st, numbering working days.
        number = sum(1 for day in range(1, d.day + 1) if cal.is_workday(d.replace(day=day)))
        is_open = cal.is_workday(d) and number <= rule.count
        return not is_open
    return rule.date_from <= d <= rule.date_to


def naive_protects(p: Policy, d: date, e: Enterprise, cal: WorkdayCalendar) -> bool:
    if p.status != "active":
        return False
    if d < p.valid_from or (p.valid_until is not None and d > p.valid_until):
        return False
    if p.jurisdiction_code not in e.jurisdictions:
        return False
    if p.enterprises:
        if e.uscc not in p.enterprises:
            return False
    else:
        if p.ownership and e.ownership not in p.ownership:
            return False
        if p.sizes and e.size not in p.sizes:
            return False
    return d in p.adds or (naive_rule_matches(p.rule, d, cal) and d not in p.lifts)


def naive_binds(p: Policy, a: Agency) -> bool:
    if p.binds == "level":
        return a.jurisdictions[0] == p.jurisdiction_code
    return p.jurisdiction_code in a.jurisdictions


def naive_caps(e: Enterprise, year: int, kind: str, a: Agency, caps: CapState) -> list[tuple[int, int]]:
    """(limit, used) of every cap that applies."""
    if kind not in CAPPED_KINDS:
        return []
    out = []
    if a.annual_cap is not None:
        out.append((a.annual_cap, caps.used_by_agency.get((e.uscc, a.code, year), 0)))
    for code in e.jurisdictions:
        if code in caps.jurisdiction_caps:
            out.append((caps.jurisdiction_caps[code], caps.used_total.get((e.uscc, year), 0)))
    return out


def naive_check(ps: list[Policy], e: Enterprise, d: date, kind: str, a: Agency, caps: CapState,
                cal: WorkdayCalendar) -> dict:
    protecting = sorted((p for p in ps if naive_protects(p, d, e, cal)), key=lambda p: p.id)
    advisory = [p.id for p in protecting if not naive_binds(p, a)]
    blocking = [p.id for p in protecting if naive_binds(p, a) and kind in p.blocked_kinds]
    exempt = [p.id for p in protecting if naive_binds(p, a) and kind not in p.blocked_kinds]
    applicable = naive_caps(e, d.year, kind, a, caps)
    reached = any(used >= limit for limit, used in applicable)
    tightest = min(applicable, key=lambda c: (c[0] - c[1], c[0])) if applicable else None
    allowed = not blocking and not reached
    return {
        "protected": bool(protecting),
        "ids": tuple(p.id for p in protecting),
        "allowed": allowed,
        "blocking": blocking,
        "advisory": advisory,
        "exempt": exempt,
        "cap": tightest,
        "cap_reached": reached,
        "requires_justification": allowed and bool(exempt),
    }


def naive_next_allowed(ps: list[Policy], e: Enterprise, d: date, kind: str, a: Agency, caps: CapState,
                       cal: WorkdayCalendar) -> date | None:
    # SPEC §3.5.4: the first *working day* on which the check is allowed.
    for i in range(366):
        day = d + timedelta(days=i)
        if cal.is_workday(day) and naive_check(ps, e, day, kind, a, caps, cal)["allowed"]:
            return day
    return None


# --------------------------------------------------------------------------------------------- properties


@SETTINGS
@given(
    ps=policy_sets(), ents=st.lists(enterprises(), min_size=1, max_size=2), agency=agencies(),
    caps=cap_states(), kind=st.sampled_from(KINDS), start=dates, length=st.integers(1, 40),
    cal=st.sampled_from(CALENDARS),
)
def test_check_equals_days_equals_naive(ps, ents, agency, caps, kind, start, length, cal) -> None:
    engine = Engine(ps, cal)
    end = start + timedelta(days=length - 1)
    # days() for the whole population against the reference: cheap, and it exercises coverage broadly.
    for ent in POPULATION:
        for row in engine.days(ent, start, end, kind, agency, caps):
            want = naive_check(ps, ent, row.date, kind, agency, caps, cal)
            assert row.protected == want["protected"]
            assert row.allowed == want["allowed"]
            assert row.policy_ids == want["ids"]
    # check() in full detail for a few enterprises.
    for ent in ents:
        days = engine.days(ent, start, end, kind, agency, caps)
        protected = engine.protected_days(ent, start, end)
        assert [r.date for r in days] == [start + timedelta(days=i) for i in range(length)]
        for row in days:
            r = engine.check(ent, row.date, kind, agency, caps)
            ids = tuple(sorted(p.id for p in r.blocking + r.advisory + r.exempt))
            assert (r.protected, r.allowed, ids) == (row.protected, row.allowed, row.policy_ids)
            assert protected.get(row.date, ()) == (row.policy_ids if row.protected else ())
            want = naive_check(ps, ent, row.date, kind, agency, caps, cal)
            assert r.protected == want["protected"]
            assert r.allowed == want["allowed"]
            assert [p.id for p in r.blocking] == want["blocking"]
            assert [p.id for p in r.advisory] == want["advisory"]
            assert [p.id for p in r.exempt] == want["exempt"]
            assert r.cap_reached == want["cap_reached"]
            assert (None if r.cap is None else (r.cap.limit, r.cap.used)) == want["cap"]
            assert r.requires_justification == r.requires_approval == want["requires_justification"]
            assert r.allowed == (not r.blocking and not r.cap_reached)


@SETTINGS
@given(
    ps=policy_sets(), ent=enterprises(), agency=agencies(), caps=cap_states(),
    kind=st.sampled_from(KINDS), d=dates, cal=st.sampled_from(CALENDARS),
)
def test_next_allowed_date(ps, ent, agency, caps, kind, d, cal) -> None:
    engine = Engine(ps, cal)
    r = engine.check(ent, d, kind, agency, caps)
    days = engine.days(ent, d, d + timedelta(days=365), kind, agency, caps)
    assert all(row.workday == cal.is_workday(row.date) for row in days)
    first = next((row.date for row in days if row.allowed and row.workday), None)
    assert r.next_allowed_date == first
    assert r.next_allowed_date == naive_next_allowed(ps, ent, d, kind, agency, caps, cal)
    assert (r.next_allowed_date == d) == (r.allowed and cal.is_workday(d))
    assert r.next_allowed_date is None or cal.is_workday(r.next_allowed_date)


@SETTINGS
@given(
    ps=policy_sets(), agency=agencies(), caps=cap_states(), kind=st.sampled_from(KINDS), start=dates,
    length=st.integers(1, 366), cal=st.sampled_from(CALENDARS),
    ents=st.lists(st.sampled_from(USCCS).flatmap(lambda u: enterprises(u)), max_size=8),
)
def test_bulk_allowed_equals_days(ps, agency, caps, kind, start, length, cal, ents) -> None:
    engine = Engine(ps, cal)
    everyone = engine.bulk_allowed(POPULATION, start, start + timedelta(days=length - 1), kind, agency, caps)
    assert set(everyone) == set(USCCS)
    end = start + timedelta(days=length - 1)
    out = engine.bulk_allowed(ents, start, end, kind, agency, caps)
    # The last enterprise with a given USCC wins, as in any dict built from a list.
    last = {e.uscc: e for e in ents}
    assert set(out) == set(last)
    for uscc, ent in last.items():
        want = [row.date for row in engine.days(ent, start, end, kind, agency, caps) if row.allowed]
        assert out[uscc] == want


@SETTINGS
@given(
    ps=policy_sets(), cal=st.sampled_from(CALENDARS),
    queries=st.lists(st.tuples(enterprises(), dates, st.sampled_from(KINDS), agencies(), cap_states()),
                     min_size=2, max_size=12),
)
def test_a_remembered_check_answers_as_a_fresh_engine(ps, cal, queries) -> None:
    """Engine.check remembers what the policies say per coverage group, date, kind and agency (issue 11); asked
    again, in any order and with other caps, every answer equals a fresh engine's and the reference."""
    engine = Engine(ps, cal)
    for ent, d, kind, agency, caps in queries + list(reversed(queries)):
        fresh = Engine(ps, cal).check(ent, d, kind, agency, caps)
        assert engine.check(ent, d, kind, agency, caps) == fresh
        want = naive_check(ps, ent, d, kind, agency, caps, cal)
        assert [p.id for p in fresh.blocking] == want["blocking"] and fresh.allowed == want["allowed"]
