"""Calendar feeds: which events a feed holds, and a cheap validator that says whether they changed.

A feed is a list of *sources*. A source is two small functions:

* ``version()`` — a few aggregate columns (counts, max ids, max timestamps) that change whenever anything the
  source reads changes, plus the latest modification time among them. It runs on every request, including the
  conditional ones answered with 304, so it is one SQL statement and never loads rows.
* ``events(window, host)`` — the events themselves (rules/feeds.py types), only called when the feed is rendered.

Adding a kind of event to a feed (meetings, follow-ups) is one more source in :func:`sources_for`.
Rendering is pure (rules/feeds.py); the HTTP conditional logic lives in blueprints/feeds.
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
from flask_babel import gettext as _
from sqlalchemy import ColumnElement, DateTime, Select, bindparam, func, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from extensions import db
from models.audit import AuditLog
from models.calendar import CalendarYear
from models.department import Department
from models.enterprise import Enterprise
from models.inspection import Inspection
from models.jurisdiction import Jurisdiction
from models.policy import PolicyException, QuietDayPolicy, policy_enterprises
from models.user import User
from operations import checks, policies
from operations.labels import INSPECTION_STATUS_LABELS, KIND_LABELS, OWNERSHIP_LABELS, SIZE_LABELS
from rules import feeds as rf

# A rolling window keeps the feed far below Google's 1 MB limit while still showing a year ahead.
DAYS_BACK = 30
DAYS_AHEAD = 400
FEED_ROLES = ("enterprise", "official", "secretariat", "inspector", "department")
# Audit entities whose writes can change what a quiet-day feed shows (deletions leave only an audit row).
QUIET_ENTITIES = ("quiet_day_policy", "policy_exception", "calendar_year", "jurisdiction")


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
    quick: Callable[[], tuple[Any, ...]] | None = None


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

    def quick_key(self, host: str, locale: str) -> str:
        """The hot-path key: what every poll computes. See :attr:`Source.quick`."""
        prints = tuple(s.quick() if s.quick else s.version().fingerprint for s in self.sources)
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


# --------------------------------------------------------------------------------------- versions


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


def _audit_cols(cond: ColumnElement[bool]):
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


# The statements are built once and run with bind parameters through Core on the session's connection: on the
# 304 path, building and hashing a statement of a dozen subqueries, and the ORM's per-statement bookkeeping,
# would cost more than running it.
@functools.cache
def _quiet_stmt() -> Select:
    """Everything the quiet-day engine reads: policies, exceptions, white lists, the working-day calendar
    (first_workdays_open), jurisdictions, and the audit trail, which alone records deletions."""
    return select(
        select(func.count()).select_from(QuietDayPolicy).scalar_subquery(),
        select(func.max(QuietDayPolicy.updated_at)).scalar_subquery(),
        select(func.count()).select_from(PolicyException).scalar_subquery(),
        select(func.max(PolicyException.id)).scalar_subquery(),
        select(func.max(PolicyException.created_at)).scalar_subquery(),
        select(func.count()).select_from(policy_enterprises).scalar_subquery(),
        select(func.count()).select_from(CalendarYear).scalar_subquery(),
        select(func.max(CalendarYear.updated_at)).scalar_subquery(),
        select(func.count()).select_from(Jurisdiction).scalar_subquery(),
        *_audit_cols(or_(AuditLog.entity.in_(QUIET_ENTITIES), _own_audit())),
    )


def _touched():
    """An inspection's latest change: every transition sets one of these timestamps."""
    created = Inspection.created_at
    return greatest(created, *(func.coalesce(c, created) for c in (
        Inspection.approved_at, Inspection.checked_in_at, Inspection.completed_at, Inspection.cancelled_at)))


@functools.cache
def _inspections_stmt(by: str) -> Select:
    """Inspections are never deleted and every change sets one of their timestamps, so count, max id and the
    latest touch cover them (one index range). The audit part covers the names the events show: the agency's
    for an enterprise, the enterprise's for an agency."""
    column = Inspection.enterprise_id if by == "enterprise" else Inspection.department_id
    names = "department" if by == "enterprise" else "enterprise"
    return select(
        select(func.count(), func.max(Inspection.id), func.max(_touched()))
        .where(column == bindparam("owner")).subquery(),
        *_audit_cols(or_(AuditLog.entity == names, _own_audit())),
    )


@functools.cache
def _quiet_quick_stmt() -> Select:
    """Index-only counts and ids, plus the audit trail's latest id for quiet-day entities (updates and
    deletions are audited; inserts also move a count)."""
    return select(
        select(func.count()).select_from(QuietDayPolicy).scalar_subquery(),
        select(func.max(QuietDayPolicy.id)).scalar_subquery(),
        select(func.count()).select_from(PolicyException).scalar_subquery(),
        select(func.max(PolicyException.id)).scalar_subquery(),
        select(func.count()).select_from(policy_enterprises).scalar_subquery(),
        select(func.count()).select_from(CalendarYear).scalar_subquery(),
        select(func.count()).select_from(Jurisdiction).scalar_subquery(),
        select(func.max(AuditLog.id)).where(or_(AuditLog.entity.in_(QUIET_ENTITIES), _own_audit()))
        .scalar_subquery(),
    )


@functools.cache
def _inspections_quick_stmt(by: str) -> Select:
    """The owner's inspections by index only (count, max id: inserts), and the latest audit id of any
    inspection (every transition is audited) and of the names shown."""
    column = Inspection.enterprise_id if by == "enterprise" else Inspection.department_id
    names = "department" if by == "enterprise" else "enterprise"
    return select(
        select(func.count(), func.max(Inspection.id)).where(column == bindparam("owner")).subquery(),
        select(func.max(AuditLog.id)).where(AuditLog.entity == "inspection").scalar_subquery(),
        select(func.max(AuditLog.id)).where(or_(AuditLog.entity == names, _own_audit())).scalar_subquery(),
    )


def quiet_quick(owner: Owner | None = None) -> tuple[Any, ...]:
    return tuple(db.session.connection().execute(_quiet_quick_stmt(), _params(owner)).one())


def inspections_quick(by: str, owner_id: int, owner: Owner) -> tuple[Any, ...]:
    return tuple(db.session.connection().execute(_inspections_quick_stmt(by),
                                                 {"owner": owner_id, **_params(owner)}).one())


def _params(owner: Owner | None) -> dict[str, Any]:
    return {"user_key": str(owner.user_id) if owner else "", "uscc": (owner.uscc or "") if owner else ""}


def quiet_version(owner: Owner | None = None) -> Version:
    row = db.session.connection().execute(_quiet_stmt(), _params(owner)).one()
    return Version(tuple(row), _max(row[1], row[4], row[7], row[10]))


def inspections_version(by: str, owner_id: int, owner: Owner) -> Version:
    row = db.session.connection().execute(_inspections_stmt(by), {"owner": owner_id, **_params(owner)}).one()
    return Version(tuple(row), _max(row[2], row[4]))


# --------------------------------------------------------------------------------------- quiet days


def covers_text(row: QuietDayPolicy) -> str:
    """Whom a policy covers, for the public: a white list is only counted, never named (SPEC §6)."""
    if row.enterprises:
        return _("Only the enterprises it names (%(n)s in all).", n=len(row.enterprises))
    owners = "、".join(str(OWNERSHIP_LABELS.get(o, o)) for o in row.ownership) or _("All ownership types")
    sizes = "、".join(str(SIZE_LABELS.get(s, s)) for s in row.sizes) or _("all sizes")
    return f"{owners} · {sizes} · " + _("in %(name)s and below", name=row.jurisdiction.name)


def _policy_modified() -> dict[int, datetime | None]:
    """Per policy: the later of its own update and its newest exception (DTSTAMP of its events)."""
    latest_exc = dict(db.session.execute(
        select(PolicyException.policy_id, func.max(PolicyException.created_at)).group_by(PolicyException.policy_id)
    ).all())
    out: dict[int, datetime | None] = {}
    for pid, updated in db.session.execute(select(QuietDayPolicy.id, QuietDayPolicy.updated_at)):
        out[pid] = _max(updated, latest_exc.get(pid))
    return out


def public_quiet_events(jurisdiction: Jurisdiction) -> Callable[[Window, str], list[rf.AllDayEvent]]:
    def events(window: Window, host: str) -> list[rf.AllDayEvent]:
        eng = checks.engine()
        modified = _policy_modified()
        out = []
        for row in policies.active_policies_for(jurisdiction):
            try:
                days = eng.policy_days(row.id, window.start, window.end)
            except KeyError:  # a stored rule that no longer parses (logged when the engine is built)
                continue
            lines = [
                policies.rule_text(row.rule or {}),
                _("Issued by: %(name)s", name=row.jurisdiction.name),
                _("Covers: %(who)s", who=covers_text(row)),
            ]
            if row.reference:
                lines.append(_("Document reference: %(ref)s", ref=row.reference))
            lines.append(_("On quiet days, routine inspections of the enterprises a policy covers are not "
                           "carried out."))
            for first, last in rf.merge_runs(days):
                out.append(rf.AllDayEvent(
                    uid=f"quiet-p{row.id}-{first:%Y%m%d}@{host}",
                    summary=_("Quiet day: %(title)s", title=row.title),
                    description="\n".join(lines),
                    start=first, last=last, modified=modified.get(row.id),
                    categories=(_("Quiet day"),),
                ))
        return out

    return events


def enterprise_quiet_events(load: Callable[[], Enterprise | None]) -> Callable[[Window, str], list[rf.AllDayEvent]]:
    """Exactly the days the check API calls protected: the same engine call as GET …/days."""

    def events(window: Window, host: str) -> list[rf.AllDayEvent]:
        ent = load()
        if ent is None:
            return []
        eng = checks.engine()
        protected = eng.protected_days(checks.enterprise_input(ent), window.start, window.end)
        modified = _policy_modified()
        out = []
        for first, last in rf.merge_runs(protected, key=protected.__getitem__):
            ids = protected[first]
            titles = [eng.policy(pid).title for pid in ids]
            summary = (_("Quiet day: %(title)s", title=titles[0]) if len(titles) == 1
                       else _("Quiet day (%(n)s policies)", n=len(titles)))
            description = _("Routine inspections of your enterprise are not carried out on these days.") + "\n"
            description += "\n".join(f"· {t}" for t in titles)
            out.append(rf.AllDayEvent(
                uid=f"quiet-e{ent.id}-{first:%Y%m%d}@{host}",
                summary=summary, description=description, start=first, last=last,
                modified=_max(*(modified.get(pid) for pid in ids)), categories=(_("Quiet day"),),
            ))
        return out

    return events


# --------------------------------------------------------------------------------------- inspections


_ICAL_STATUS = {"planned": "CONFIRMED", "pending_approval": "TENTATIVE", "checked_in": "CONFIRMED",
                "completed": "CONFIRMED", "cancelled": "CANCELLED"}


def inspection_events(cond: ColumnElement[bool], scope: str, *, show: str
                      ) -> Callable[[Window, str], list[rf.AllDayEvent]]:
    """Inspections matching ``cond`` as all-day events (an inspection has a date, not a time). ``show`` is
    whose name the title carries: the agency (for the enterprise) or the enterprise (for the agency).
    Cancelled ones stay, as CANCELLED with a SEQUENCE bump, so subscribed calendars drop or strike them."""

    def events(window: Window, host: str) -> list[rf.AllDayEvent]:
        rows = db.session.execute(
            select(Inspection, Department.name, Enterprise.name)
            .join(Department, Department.id == Inspection.department_id)
            .join(Enterprise, Enterprise.id == Inspection.enterprise_id)
            .where(cond, Inspection.date >= window.start, Inspection.date <= window.end)
            .order_by(Inspection.id)
        ).all()
        # Translated once per render, not once per event: a thousand events would otherwise spend more time in
        # the translation layer than in the database.
        kinds = {k: str(v) for k, v in KIND_LABELS.items()}
        statuses = {k: str(v) for k, v in INSPECTION_STATUS_LABELS.items()}
        tpl = {"kind": _("Kind: %(kind)s"), "status": _("Status: %(status)s"),
               "why": _("Justification: %(text)s"), "ref": _("Reference: %(ref)s"),
               "summary": _("Inspection: %(who)s")}
        category = (_("Inspection"),)
        out = []
        for insp, dept_name, ent_name in rows:
            who = dept_name if show == "agency" else ent_name
            lines = [insp.subject, tpl["kind"] % {"kind": kinds.get(insp.kind, insp.kind)},
                     tpl["status"] % {"status": statuses.get(insp.status, insp.status)}]
            if insp.justification:
                lines.append(tpl["why"] % {"text": insp.justification})
            if insp.reference:
                lines.append(tpl["ref"] % {"ref": insp.reference})
            out.append(rf.AllDayEvent(
                uid=f"inspection-{insp.id}-{scope}@{host}",
                summary=tpl["summary"] % {"who": who},
                description="\n".join(lines),
                start=insp.date, last=insp.date,
                modified=_max(insp.created_at, insp.approved_at, insp.checked_in_at, insp.completed_at,
                              insp.cancelled_at),
                sequence=1 if insp.status == "cancelled" else 0,
                status=_ICAL_STATUS.get(insp.status, "CONFIRMED"),
                categories=category,
            ))
        return out

    return events


# --------------------------------------------------------------------------------------- feeds


def public_feed(jurisdiction: Jurisdiction) -> Feed:
    def meta() -> rf.FeedMeta:
        return rf.FeedMeta(
            name=_("Quiet days in %(name)s", name=jurisdiction.name),
            description=_("The quiet days of the policies in force in %(name)s (its own and those above it).",
                          name=jurisdiction.name),
        )

    source = Source("quiet_days", lambda: quiet_version(None), public_quiet_events(jurisdiction),
                    quick=lambda: quiet_quick(None))
    return Feed(("public", jurisdiction.id), meta, [source], f"quiet-days-{jurisdiction.code}.ics",
                private=False)


@dataclass(frozen=True)
class Owner:
    """Whose personal feed it is: the few columns that choose its sources, read with the token in one query on
    every poll. Names and rows are loaded only when the feed is rendered."""

    user_id: int
    role: str
    enterprise_id: int | None
    uscc: str | None
    department_id: int | None


def sources_for(owner: Owner) -> list[Source]:
    """What a personal feed holds, by role (SPEC §6). Meetings and follow-ups join here."""
    if owner.role == "enterprise" and owner.enterprise_id is not None:
        ent_id = owner.enterprise_id
        cond = Inspection.enterprise_id == ent_id
        return [
            Source("quiet_days", lambda: quiet_version(owner),
                   enterprise_quiet_events(lambda: db.session.get(Enterprise, ent_id)),
                   quick=lambda: quiet_quick(owner)),
            Source("inspections", lambda: inspections_version("enterprise", ent_id, owner),
                   inspection_events(cond, f"e{ent_id}", show="agency"),
                   quick=lambda: inspections_quick("enterprise", ent_id, owner)),
        ]
    if owner.role == "inspector" and owner.department_id is not None:
        dept_id = owner.department_id
        cond = Inspection.department_id == dept_id
        return [
            Source("inspections", lambda: inspections_version("department", dept_id, owner),
                   inspection_events(cond, f"a{dept_id}", show="enterprise"),
                   quick=lambda: inspections_quick("department", dept_id, owner)),
        ]
    return []


def personal_feed(owner: Owner) -> Feed:
    def meta() -> rf.FeedMeta:
        user = db.session.get(User, owner.user_id)
        assert user is not None
        if user.role == "enterprise" and user.enterprise is not None:
            name = _("%(name)s: quiet days and appointments", name=user.enterprise.short_name or user.enterprise.name)
        elif user.role in ("inspector", "department") and user.department is not None:
            name = _("%(name)s: calendar", name=user.department.name)
        else:
            name = _("%(name)s: calendar", name=user.name)
        return rf.FeedMeta(name=name, description=_("Zhengqi personal calendar. Keep this link secret."))

    # The owner's fields that choose the sources are part of the identity: a changed role or enterprise is a
    # different feed.
    identity = ("user", owner.user_id, owner.role, owner.enterprise_id, owner.department_id)
    return Feed(identity, meta, sources_for(owner), "zhengqi.ics")
