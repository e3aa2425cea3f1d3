"""Benchmark of the meeting conflict check (operations.meetings.check_conflicts) on a busy calendar.

Fills a fresh SQLite database with 20,000 meetings over three years (50 officials, 30 venues, 1–3 hosts each),
then times, for 200 candidate bookings,

* the real check: one indexed range query for overlapping meetings, then the pure rules on the few found
  (target <= 20 ms per booking);
* the naive baseline in the same run: load every non-cancelled meeting with its hosts and run the same rules
  over all of them (target: the real check >= 10x faster).

Exits non-zero if the two disagree on any candidate. Run from the repository root: ``python bench/meetings_bench.py``.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from flask_migrate import upgrade
from sqlalchemy import insert, select
from sqlalchemy.orm import selectinload

from app import create_app
from extensions import db
from models import Meeting, User, meeting_hosts
from operations import meetings
from operations.errors import DomainError
from rules import meetings as rules

N_MEETINGS = 20_000
N_OFFICIALS = 50
N_VENUES = 30
CANDIDATES = 200
START = datetime(2025, 1, 1, 0, 0)
TARGET_MS = 20
RATIO_TARGET = 10


def fill(rng: random.Random) -> list[int]:
    db.session.execute(insert(User), [{"email": f"o{i}@bench", "name": f"领导{i}", "role": "official",
                                       "password_hash": "x"} for i in range(N_OFFICIALS)])
    officials = list(db.session.scalars(select(User.id)))
    rows, hosts = [], []
    for i in range(N_MEETINGS):
        start = START + timedelta(days=rng.randrange(3 * 365), minutes=rng.randrange(7 * 60, 20 * 60, 15))
        rows.append({"id": i + 1, "kind": "breakfast", "title": f"会{i}", "starts_at": start,
                     "ends_at": start + timedelta(minutes=rng.choice((60, 90, 120))),
                     "venue": f"会议室{rng.randrange(N_VENUES)}",
                     "status": rng.choice(("scheduled", "scheduled", "held", "cancelled")), "sequence": 0})
        hosts += [{"meeting_id": i + 1, "user_id": h} for h in rng.sample(officials, rng.randint(1, 3))]
    db.session.execute(insert(Meeting), rows)
    db.session.execute(insert(meeting_hosts), hosts)
    db.session.commit()
    return officials


def real(slot: rules.Slot) -> str | None:
    try:
        meetings.check_conflicts(slot)
    except DomainError as err:
        return err.code
    return None


def naive(slot: rules.Slot) -> str | None:
    everything = db.session.scalars(select(Meeting).options(selectinload(Meeting.hosts))
                                    .where(Meeting.status != "cancelled")).all()
    found = rules.first_conflict(slot, [meetings._slot(m) for m in everything])
    return found.code if found else None


def main() -> int:
    tmp = tempfile.mkdtemp(prefix="zhengqi-bench-")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.sqlite3", "SECRET_KEY": "bench",
                      "SERVER_NAME": "localhost"})
    rng = random.Random(8)
    with app.app_context():
        upgrade(directory=str(Path(app.root_path) / "migrations"))
        officials = fill(rng)
        candidates = []
        for _ in range(CANDIDATES):
            start = START + timedelta(days=rng.randrange(3 * 365), minutes=rng.randrange(7 * 60, 20 * 60, 15))
            candidates.append(rules.Slot(None, "新会", start, start + timedelta(minutes=90),
                                         frozenset(rng.sample(officials, 2)), f"会议室{rng.randrange(N_VENUES)}"))
        t0 = time.perf_counter()
        got = [real(c) for c in candidates]
        real_ms = (time.perf_counter() - t0) * 1000 / CANDIDATES
        sample = candidates[:10]
        t0 = time.perf_counter()
        expected = [naive(c) for c in sample]
        naive_ms = (time.perf_counter() - t0) * 1000 / len(sample)
    conflicts = sum(g is not None for g in got)
    ratio = naive_ms / real_ms if real_ms else float("inf")
    print(f"{N_MEETINGS} meetings; {CANDIDATES} candidate bookings, {conflicts} refused")
    print(f"indexed check: {real_ms:.2f} ms per booking (target <= {TARGET_MS} ms)")
    print(f"naive scan:    {naive_ms:.2f} ms per booking (same run baseline); ratio {ratio:.0f}x "
          f"(target >= {RATIO_TARGET}x)")
    if got[:10] != expected:
        print("MISMATCH between the indexed check and the naive scan:", got[:10], expected)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
