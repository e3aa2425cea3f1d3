"""Benchmark of the quiet-day engine's bulk planning (SPEC §3.5, POST /api/v1/checks).

Builds 10,000 enterprises in 6 jurisdictions (1 city + 5 districts), 50 policies of mixed rule types and
coverage with 1,000 exceptions, then times

* ``Engine.bulk_allowed`` for all enterprises over 366 days (target <= 0.2 s), from a freshly built engine as
  a request would, and again warm;
* the naive alternative, ``Engine.check`` per (enterprise, day), on a sample, extrapolated to the full set
  (target: bulk >= 100x faster).

Exits non-zero if the bulk answer differs from the per-day checks on the sample.
Run from the repository root: ``python bench/engine_bench.py``.
"""

from __future__ import annotations

import random
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rules.quietdays import Agency, CapState, Engine, Enterprise, Policy, Rule
from rules.uscc import make_uscc
from rules.workdays import WorkdayCalendar

N_ENTERPRISES = 10_000
N_POLICIES = 50
N_EXCEPTIONS = 1_000
SAMPLE = 50
START = date(2026, 7, 1)
END = START + timedelta(days=365)  # 366 days, across a year boundary so caps are per year
BULK_TARGET_S = 0.2
RATIO_TARGET = 100

CITY = "430200"
DISTRICTS = ("430202", "430203", "430204", "430211", "430212")
CHAINS = {CITY: (CITY, "430000"), **{d: (d, CITY, "430000") for d in DISTRICTS}}
OWNERSHIPS = ("private", "state", "foreign", "collective", "individual")
SIZES = (None, "above_scale", "small")
KIND = "routine"


def build(rng: random.Random) -> tuple[list[Enterprise], list[Policy], Agency, CapState]:
    ents = [
        Enterprise(
            uscc=make_uscc("9", "1", rng.choice((*DISTRICTS, CITY)), f"{i:08d}X"),
            jurisdictions=CHAINS[rng.choice((*DISTRICTS, CITY))],
            ownership=rng.choice(OWNERSHIPS),
            size=rng.choice(SIZES),
        )
        for i in range(N_ENTERPRISES)
    ]
    window = [START + timedelta(days=i) for i in range(366)]
    rule_makers = (
        lambda: Rule("weekdays", weekdays=frozenset(rng.sample(range(1, 8), rng.randint(1, 4)))),
        lambda: Rule("month_days", day_from=(a := rng.randint(1, 20)), day_to=rng.randint(a, 31)),
        lambda: Rule("first_workdays_open", count=rng.randint(3, 10)),
        lambda: Rule("date_range", date_from=(a := rng.choice(window)),
                     date_to=a + timedelta(rng.randint(0, 90))),
    )
    # Spread 1,000 exceptions over the policies.
    per_policy = [N_EXCEPTIONS // N_POLICIES] * N_POLICIES
    policies = []
    for pid in range(1, N_POLICIES + 1):
        exc = rng.sample(window, per_policy[pid - 1])
        half = len(exc) // 2
        listed = frozenset(e.uscc for e in rng.sample(ents, 100)) if pid % 10 == 0 else frozenset()
        policies.append(Policy(
            id=pid,
            title=f"policy {pid}",
            jurisdiction_code=rng.choice((CITY, CITY, *DISTRICTS)),
            rule=rule_makers[pid % 4](),
            valid_from=rng.choice((date(2025, 1, 1), *window[:200])),
            valid_until=rng.choice((None, None, *window[100:])),
            status=rng.choice(("active",) * 8 + ("draft", "revoked")),
            ownership=frozenset(rng.sample(OWNERSHIPS, rng.randint(0, 2))),
            sizes=frozenset(rng.sample(("above_scale", "small"), rng.randint(0, 1))),
            enterprises=listed,
            blocked_kinds=frozenset({"routine", "random"}),
            binds=rng.choice(("level", "level_and_below", "level_and_below")),
            lifts=frozenset(exc[:half]),
            adds=frozenset(exc[half:]),
        ))
    agency = Agency("zz-amr", CHAINS[CITY], annual_cap=2)
    used_agency: dict[tuple[str, str, int], int] = {}
    used_total: dict[tuple[str, int], int] = {}
    for e in rng.sample(ents, N_ENTERPRISES // 5):
        year = rng.choice((2026, 2027))
        used_agency[(e.uscc, agency.code, year)] = rng.randint(0, 2)
        used_total[(e.uscc, year)] = used_agency[(e.uscc, agency.code, year)] + rng.randint(0, 2)
    caps = CapState(jurisdiction_caps={CITY: 3}, used_by_agency=used_agency, used_total=used_total)
    return ents, policies, agency, caps


def main() -> int:
    rng = random.Random(20261123)
    ents, policies, agency, caps = build(rng)
    calendar = WorkdayCalendar()
    calendar.year_bits(2026)  # chinesecalendar data is cached process-wide; do not bill it to the engine

    t0 = time.perf_counter()
    engine = Engine(policies, calendar)
    bulk = engine.bulk_allowed(ents, START, END, KIND, agency, caps)
    cold = time.perf_counter() - t0
    warm = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        engine.bulk_allowed(ents, START, END, KIND, agency, caps)
        warm = min(warm, time.perf_counter() - t0)

    sample = rng.sample(ents, SAMPLE)
    days = [START + timedelta(days=i) for i in range((END - START).days + 1)]
    naive_engine = Engine(policies, calendar)
    t0 = time.perf_counter()
    naive = {e.uscc: [d for d in days if naive_engine.check(e, d, KIND, agency, caps).allowed]
             for e in sample}
    naive_sample = time.perf_counter() - t0
    naive_full = naive_sample * N_ENTERPRISES / SAMPLE
    ratio = naive_full / cold

    mismatches = [e.uscc for e in sample if bulk[e.uscc] != naive[e.uscc]]
    allowed_total = sum(len(v) for v in bulk.values())
    print(f"enterprises            {N_ENTERPRISES:>12,}")
    print(f"policies / exceptions  {N_POLICIES:>8} / {N_EXCEPTIONS:,}")
    print(f"window                 {START} .. {END} ({len(days)} days)")
    print(f"allowed (ent, day)     {allowed_total:>12,} of {N_ENTERPRISES * len(days):,}")
    print(f"bulk_allowed, cold     {cold:>12.3f} s   (target <= {BULK_TARGET_S} s; with building the Engine)")
    print(f"bulk_allowed, warm     {warm:>12.3f} s   (best of 3, same Engine)")
    print(f"check() loop, sample   {naive_sample:>12.3f} s   ({SAMPLE} enterprises x {len(days)} days, "
          f"{naive_sample / (SAMPLE * len(days)) * 1e6:.1f} us per check)")
    print(f"check() loop, full     {naive_full:>12.1f} s   (extrapolated to {N_ENTERPRISES:,} enterprises)")
    print(f"speed-up               {ratio:>12.0f} x  (target >= {RATIO_TARGET} x)")
    print(f"bulk == check loop     {'yes' if not mismatches else 'NO: ' + ', '.join(mismatches[:5])}")

    met = cold <= BULK_TARGET_S and ratio >= RATIO_TARGET
    print(f"targets                {'met' if met else 'MISSED'}")
    # Only a wrong answer fails the run: timings vary with the machine, correctness does not.
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
