"""Random quiet-day rules and policy exceptions for the benchmark data sets (bulk_bench.py and feeds_bench.py
built them with the same loop). Not a benchmark itself (run_all.py runs only *_bench.py)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any


def random_rules(rng: random.Random, n: int, first: date, offsets: tuple[int, int]) -> list[dict[str, Any]]:
    """``n`` rules cycling through the four rule types; a date range starts ``first`` + randint(*offsets) days
    and lasts 5 to 60 days."""
    rules: list[dict[str, Any]] = []
    for i in range(n):
        kind = i % 4
        if kind == 0:
            rules.append({"type": "weekdays", "weekdays": sorted(rng.sample(range(1, 8), rng.randint(1, 3)))})
        elif kind == 1:
            lo = rng.randint(1, 20)
            rules.append({"type": "month_days", "from": lo, "to": rng.randint(lo, 31)})
        elif kind == 2:
            rules.append({"type": "first_workdays_open", "count": rng.randint(3, 10)})
        else:
            a = first + timedelta(days=rng.randint(*offsets))
            rules.append({"type": "date_range", "from": a.isoformat(),
                          "to": (a + timedelta(days=rng.randint(5, 60))).isoformat()})
    return rules


def random_exceptions(rng: random.Random, policy_ids: list[int], n: int, first: date,
                      offsets: tuple[int, int]) -> list[dict[str, Any]]:
    """``n`` exception rows (lift or add) on distinct (policy, date) pairs, dates ``first`` + randint(*offsets)."""
    seen: set[tuple[int, date]] = set()
    rows: list[dict[str, Any]] = []
    while len(rows) < n:
        pid, d = rng.choice(policy_ids), first + timedelta(days=rng.randint(*offsets))
        if (pid, d) not in seen:
            seen.add((pid, d))
            rows.append({"policy_id": pid, "date": d, "effect": rng.choice(("lift", "add")), "reason": "bench"})
    return rows
