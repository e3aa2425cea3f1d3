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
from sqlalchemy import ColumnElement, func, or_, select

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


@dataclass
class Feed:
    """One feed: its identity (for the validator), its header and its sources."""

    identity: tuple[Any, ...]
    meta: Callable[[], rf.FeedMeta]
    sources: Sequence[Source]
    filename: str
    private: bool = True
    window: Window = field(default_factory=lambda: Window.around(checks.local_today()))

    def validator(self, host: str, locale: str) -> tuple[str, datetime]:
        """(key, last_modified) without loading a single event row: the key changes whenever the bytes can."""
        versions = [s.version() for s in self.sources]
        parts = (self.identity, host, locale, self.window.start, tuple(v.fingerprint for v in versions))
        key = hashlib.sha256(repr(parts).encode()).hexdigest()
        stamps = [v.modified for v in versions if v.modified is not None] + [self.window.rolled_at()]
        return key, max(stamps).replace(microsecond=0)

    def render(self, host: str) -> bytes:
        events: list[rf.AllDayEvent | rf.TimedEvent] = []
        for source in self.sources:
            events.extend(source.events(self.window, host))
        return rf.render(self.meta(), events)


# --------------------------------------------------------------------------------------- ETag cache


class EtagCache:
    """validator key -> strong ETag of the bytes rendered for it (bounded LRU, per process).

    The bytes are a pure function of the validator key (deterministic rendering), so a key seen before answers
    If-None-Match without rendering. A miss only costs one render; it is never wrong.
    """

    def __init__(self, size: int = 4096) -> None:
        self._data: OrderedDict[str, str] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            found = self._data.get(key)
            if found is not None:
                self._data.move_to_end(key)
            return found

    def put(self, key: str, etag: str) -> None:
        with self._lock:
            self._data[key] = etag
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


etags = EtagCache()


# --------------------------------------------------------------------------------------- versions


def _max(*values: datetime | None) -> datetime | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def _audit_cols(*conds: ColumnElement[bool]):
    return (
        select(func.max(AuditLog.id)).where(*conds).scalar_subquery(),
        select(func.max(AuditLog.at)).where(*conds).scalar_subquery(),
    )


def quiet_version(extra_audit: ColumnElement[bool] | None = None) -> Version:
    """Everything the quiet-day engine reads, in one statement: policies, exceptions, white lists, the
    working-day calendar (first_workdays_open) and the audit trail (which alone records deletions)."""
    audit_cond = AuditLog.entity.in_(QUIET_ENTITIES)
    if extra_audit is not None:
        audit_cond = or_(audit_cond, extra_audit)
    row = db.session.execute(select(
        select(func.count()).select_from(QuietDayPolicy).scalar_subquery(),
        select(func.max(QuietDayPolicy.updated_at)).scalar_subquery(),
        select(func.count()).select_from(PolicyException).scalar_subquery(),
        select(func.max(PolicyException.id)).scalar_subquery(),
        select(func.max(PolicyException.created_at)).scalar_subquery(),
        select(func.count()).select_from(policy_enterprises).scalar_subquery(),
        select(func.count()).select_from(CalendarYear).scalar_subquery(),
        select(func.max(CalendarYear.updated_at)).scalar_subquery(),
        select(func.count()).select_from(Jurisdiction).scalar_subquery(),
        *_audit_cols(audit_cond),
    )).one()
    return Version(tuple(row), _max(row[1], row[4], row[7], row[10]))


def inspections_version(cond: ColumnElement[bool], names_audit: ColumnElement[bool]) -> Version:
    """Inspections never get deleted; every change sets one of their timestamps. ``names_audit`` covers the
    names the events show (a renamed agency or enterprise)."""
    row = db.session.execute(select(
        select(func.count()).select_from(Inspection).where(cond).scalar_subquery(),
        select(func.max(Inspection.id)).where(cond).scalar_subquery(),
        select(func.max(Inspection.created_at)).where(cond).scalar_subquery(),
        select(func.max(Inspection.approved_at)).where(cond).scalar_subquery(),
        select(func.max(Inspection.checked_in_at)).where(cond).scalar_subquery(),
        select(func.max(Inspection.completed_at)).where(cond).scalar_subquery(),
        select(func.max(Inspection.cancelled_at)).where(cond).scalar_subquery(),
        select(func.count()).select_from(Inspection).where(cond, Inspection.status == "cancelled")
        .scalar_subquery(),
        *_audit_cols(names_audit),
    )).one()
    return Version(tuple(row), _max(*row[2:7], row[9]))


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


def enterprise_quiet_events(ent: Enterprise) -> Callable[[Window, str], list[rf.AllDayEvent]]:
    """Exactly the days the check API calls protected: the same engine call as GET …/days."""

    def events(window: Window, host: str) -> list[rf.AllDayEvent]:
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
        out = []
        for insp, dept_name, ent_name in rows:
            who = dept_name if show == "agency" else ent_name
            lines = [insp.subject, _("Kind: %(kind)s", kind=KIND_LABELS.get(insp.kind, insp.kind)),
                     _("Status: %(status)s", status=INSPECTION_STATUS_LABELS.get(insp.status, insp.status))]
            if insp.justification:
                lines.append(_("Justification: %(text)s", text=insp.justification))
            if insp.reference:
                lines.append(_("Reference: %(ref)s", ref=insp.reference))
            out.append(rf.AllDayEvent(
                uid=f"inspection-{insp.id}-{scope}@{host}",
                summary=_("Inspection: %(who)s", who=who),
                description="\n".join(str(line) for line in lines),
                start=insp.date, last=insp.date,
                modified=_max(insp.created_at, insp.approved_at, insp.checked_in_at, insp.completed_at,
                              insp.cancelled_at),
                sequence=1 if insp.status == "cancelled" else 0,
                status=_ICAL_STATUS.get(insp.status, "CONFIRMED"),
                categories=(_("Inspection"),),
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

    source = Source("quiet_days", quiet_version, public_quiet_events(jurisdiction))
    return Feed(("public", jurisdiction.id), meta, [source], f"quiet-days-{jurisdiction.code}.ics",
                private=False)


def _entity_audit(entity: str, *ids: object) -> ColumnElement[bool]:
    return (AuditLog.entity == entity) & AuditLog.entity_id.in_([str(i) for i in ids])


def sources_for(user: User) -> list[Source]:
    """What a user's personal feed holds, by role (SPEC §6). Meetings and follow-ups join here."""
    user_audit = _entity_audit("user", user.id)
    if user.role == "enterprise" and user.enterprise is not None:
        ent = user.enterprise
        own = _entity_audit("enterprise", ent.id, ent.uscc)
        cond = Inspection.enterprise_id == ent.id
        return [
            Source("quiet_days", lambda: quiet_version(or_(own, user_audit)), enterprise_quiet_events(ent)),
            Source("inspections", lambda: inspections_version(cond, AuditLog.entity == "department"),
                   inspection_events(cond, f"e{ent.id}", show="agency")),
        ]
    if user.role == "inspector" and user.department is not None:
        cond = Inspection.department_id == user.department_id
        return [
            Source("inspections", lambda: inspections_version(cond, or_(AuditLog.entity == "enterprise",
                                                                        user_audit)),
                   inspection_events(cond, f"a{user.department_id}", show="enterprise")),
        ]
    return []


def personal_feed(user: User) -> Feed:
    def meta() -> rf.FeedMeta:
        if user.role == "enterprise" and user.enterprise is not None:
            name = _("%(name)s: quiet days and appointments", name=user.enterprise.short_name or user.enterprise.name)
        elif user.role in ("inspector", "department") and user.department is not None:
            name = _("%(name)s: calendar", name=user.department.name)
        else:
            name = _("%(name)s: calendar", name=user.name)
        return rf.FeedMeta(name=name, description=_("Zhengqi personal calendar. Keep this link secret."))

    # The user's own fields that choose the sources are part of the identity: a changed role or enterprise
    # is a different feed.
    identity = ("user", user.id, user.role, user.enterprise_id, user.department_id)
    return Feed(identity, meta, sources_for(user), "zhengqi.ics")
