"""The machinery every feed shares: the window, sources and their versions, the feed, the render cache.

A feed is a list of *sources*. A source is a few small functions:

* ``version()`` — aggregate columns (counts, max ids, max timestamps) that change whenever anything the source
  reads changes, plus the latest modification time among them: one SQL statement, no rows loaded.
* ``quick()`` — an even cheaper fingerprint (index-only counts and ids, audit ids), computed on every poll.
* ``events(window, host)`` — the events themselves (rules/feeds.py types), only called when the feed renders.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, Connection, DateTime, Select, bindparam, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.selectable import ScalarSelect

from extensions import db
from models.audit import AuditLog
from operations import checks
from rules import feeds as rf

# A rolling window keeps the feed far below Google's 1 MB limit while still showing a year ahead.
DAYS_BACK = 30
DAYS_AHEAD = 400
FEED_ROLES = ("enterprise", "official", "secretariat", "inspector", "department")


@dataclass(frozen=True)
class Window:
    start: date
    end: date  # inclusive

    @classmethod
    def around(cls, today: date) -> Window:
        return cls(today - timedelta(days=DAYS_BACK), today + timedelta(days=DAYS_AHEAD))

    def rolled_at(self) -> datetime:
        """When this window began (local midnight of its today, in naive UTC): a Last-Modified floor, because a
        rolled window changes the bytes even when no row changed."""
        tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
        today = self.start + timedelta(days=DAYS_BACK)
        local = datetime.combine(today, time.min, tzinfo=tz)
        return local.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


@dataclass(frozen=True)
class Version:
    fingerprint: tuple[Any, ...]
    modified: datetime | None


@dataclass(frozen=True)
class Source:
    name: str
    version: Callable[[], Version]
    events: Callable[[Window, str], list[rf.AllDayEvent | rf.TimedEvent]]
    # A cheaper fingerprint for the hot path (index-only counts and audit ids). It must change whenever the
    # events can — which holds because every write is audited (a project rule) and inserts move counts/ids.
    # Without one, the version's fingerprint serves.
    quick: Callable[[], Quick] | None = None


@dataclass(frozen=True)
class Quick:
    """A source's hot-path fingerprint: a SELECT of scalar subqueries only, built once (so the statements of a
    feed's sources combine into one round trip), and its bind parameters (names unique per source)."""

    stmt: Select
    params: dict[str, Any]


@functools.cache
def _combined(stmts: tuple[Select, ...]) -> Select:
    return select(*(column for stmt in stmts for column in stmt.selected_columns))


@dataclass(frozen=True)
class Owner:
    """Whose personal feed it is: the few columns that choose its sources, read with the token in one query on
    every poll. Names and rows are loaded only when the feed is rendered."""

    user_id: int
    role: str
    enterprise_id: int | None
    uscc: str | None
    department_id: int | None


@dataclass
class Feed:
    """One feed: its identity (for the validator), its header and its sources."""

    identity: tuple[Any, ...]
    meta: Callable[[], rf.FeedMeta]
    sources: Sequence[Source]
    filename: str
    private: bool = True
    window: Window = field(default_factory=lambda: Window.around(checks.local_today()))

    def _key(self, kind: str, host: str, locale: str, fingerprints: tuple[Any, ...]) -> str:
        parts = (kind, self.identity, host, locale, self.window.start, fingerprints)
        return hashlib.sha256(repr(parts).encode()).hexdigest()

    def quick_key(self, host: str, locale: str, conn: Connection | None = None) -> str:
        """The hot-path key: what every poll computes. See :attr:`Source.quick`. ``conn``: a pooled connection
        to read it with instead of the ORM session (a poll answered with 304 never needs the session)."""
        quicks = [s.quick() for s in self.sources if s.quick]
        prints: tuple[Any, ...] = tuple(s.version().fingerprint for s in self.sources if not s.quick)
        if quicks:
            params: dict[str, Any] = {}
            for q in quicks:
                params.update(q.params)
            stmt = _combined(tuple(q.stmt for q in quicks))
            prints += tuple((conn or db.session.connection()).execute(stmt, params).one())
        return self._key("quick", host, locale, prints)

    def validator(self, host: str, locale: str) -> tuple[str, datetime]:
        """(key, last_modified) without loading a single event row: the key changes whenever the bytes can, and
        last_modified is the latest modification time among the sources' rows (or the window's roll)."""
        versions = [s.version() for s in self.sources]
        key = self._key("full", host, locale, tuple(v.fingerprint for v in versions))
        stamps = [v.modified for v in versions if v.modified is not None] + [self.window.rolled_at()]
        return key, max(stamps).replace(microsecond=0)

    def render(self, host: str) -> bytes:
        events: list[rf.AllDayEvent | rf.TimedEvent] = []
        for source in self.sources:
            events.extend(source.events(self.window, host))
        return rf.render(self.meta(), events)


# --------------------------------------------------------------------------------------- render cache


@dataclass(frozen=True)
class Rendered:
    etag: str  # strong, over the bytes
    body: bytes
    modified: datetime  # Last-Modified, naive UTC


class RenderCache:
    """validator key -> :class:`Rendered`, per process, bounded by a byte budget (LRU).

    The bytes are a pure function of the validator key (deterministic rendering), so a key seen before answers
    If-None-Match — and even an unconditional GET — without rendering. A miss only costs one render; it is
    never wrong. Keeping the bytes also means a client that ignores validators cannot make us render again.
    """

    def __init__(self, budget: int = 64 * 1024 * 1024) -> None:
        self._data: OrderedDict[str, Rendered] = OrderedDict()
        self._budget = budget
        self._used = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> Rendered | None:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
            return found

    def put(self, key: str, entry: Rendered) -> None:
        # Two keys (quick and full) may share one entry; its bytes are counted per key, erring on the safe side.
        with self._lock:
            old = self._data.pop(key, None)
            if old is not None:
                self._used -= len(old.body)
            self._data[key] = entry
            self._used += len(entry.body)
            while self._used > self._budget and len(self._data) > 1:
                _key, dropped = self._data.popitem(last=False)
                self._used -= len(dropped.body)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self._used = 0


rendered = RenderCache()


# --------------------------------------------------------------------------------------- SQL helpers


class greatest(FunctionElement):
    """GREATEST(a, b, …) — SQLite spells it max(a, b, …). Arguments must not be NULL (coalesce them): the two
    databases disagree about NULLs here."""

    type = DateTime()
    name = "greatest"
    inherit_cache = True


@compiles(greatest)
def _greatest(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"greatest({compiler.process(element.clauses, **kw)})"


@compiles(greatest, "sqlite")
def _greatest_sqlite(element: greatest, compiler: Any, **kw: Any) -> str:
    return f"max({compiler.process(element.clauses, **kw)})"


def _max(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _audit_cols(cond: ColumnElement[bool]) -> tuple[ScalarSelect[Any], ScalarSelect[Any]]:
    return (
        select(func.max(AuditLog.id)).where(cond).scalar_subquery(),
        select(func.max(AuditLog.at)).where(cond).scalar_subquery(),
    )


def _own_audit() -> ColumnElement[bool]:
    """Audit rows about the feed's owner: their user row (keyed by id) and their enterprise (keyed by USCC)."""
    return or_(
        (AuditLog.entity == "user") & (AuditLog.entity_id == bindparam("user_key")),
        (AuditLog.entity == "enterprise") & (AuditLog.entity_id == bindparam("uscc")),
    )


def _params(owner: Owner | None) -> dict[str, Any]:
    return {"user_key": str(owner.user_id) if owner else "", "uscc": (owner.uscc or "") if owner else ""}
