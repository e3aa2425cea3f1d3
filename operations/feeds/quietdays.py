"""Quiet days in feeds: a jurisdiction's policies (public feed) and an enterprise's protected days, expanded on
the server into plain all-day events (a lifted day simply disappears: no RRULE/EXDATE pitfalls in clients)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import Select, func, or_, select

from extensions import db
from models.audit import AuditLog
from models.calendar import CalendarYear
from models.enterprise import Enterprise
from models.jurisdiction import Jurisdiction
from models.policy import PolicyException, QuietDayPolicy, policy_enterprises
from operations import checks, policies
from operations.feeds.core import Owner, Quick, Source, Version, Window, _audit_cols, _max, _own_audit, _params
from operations.labels import OWNERSHIP_LABELS, SIZE_LABELS
from rules import feeds as rf

# Audit entities whose writes can change what a quiet-day feed shows (deletions leave only an audit row).
QUIET_ENTITIES = ("quiet_day_policy", "policy_exception", "calendar_year", "jurisdiction")


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
        *checks.generation_columns(),
    )


@functools.cache
def _quiet_quick_stmt() -> Select:
    """The quiet-day generation — bumped by a database trigger on every insert, update and delete of the
    engine's inputs (policies, exceptions, white lists, the working-day calendar, jurisdictions; migration
    0007), whatever the write path — and the latest audit id about the owner (its enterprise's ownership and
    size choose its policies)."""
    return select(
        *checks.generation_columns(),
        select(func.max(AuditLog.id)).where(_own_audit()).scalar_subquery(),
    )


def quiet_quick(owner: Owner | None = None) -> Quick:
    return Quick(_quiet_quick_stmt(), _params(owner))


def quiet_version(owner: Owner | None = None) -> Version:
    row = db.session.connection().execute(_quiet_stmt(), _params(owner)).one()
    return Version(tuple(row), _max(row[1], row[4], row[7], row[10]))


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


def public_quiet_events(load: Callable[[], Jurisdiction]) -> Callable[[Window, str], list[rf.AllDayEvent]]:
    def events(window: Window, host: str) -> list[rf.AllDayEvent]:
        jurisdiction = load()
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
        # The same snapshot (engine and jurisdiction tree) the days API answers from.
        snap = checks.snapshot()
        eng = snap.engine
        protected = eng.protected_days(checks.enterprise_input(ent, snap.jurisdictions), window.start, window.end)
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


def public_source(load: Callable[[], Jurisdiction]) -> Source:
    return Source("quiet_days", lambda: quiet_version(None), public_quiet_events(load),
                  quick=lambda: quiet_quick(None))


def enterprise_source(owner: Owner) -> Source:
    ent_id = owner.enterprise_id
    return Source("quiet_days", lambda: quiet_version(owner),
                  enterprise_quiet_events(lambda: db.session.get(Enterprise, ent_id)),
                  quick=lambda: quiet_quick(owner))
