"""Follow-up items in a department's feed: each item's due date (限时办结) as an all-day event.

Items the department leads or assists. Open items are confirmed events; once resolved or closed they stay as
``STATUS:CANCELLED`` (Google drops them, Apple strikes them through), so a done item leaves the calendar without
a stale reminder. SEQUENCE counts what moved the item: approved extensions (the date moved), resolutions and
reopenings — it only ever grows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import pgettext
from sqlalchemy import ColumnElement, Select, bindparam, func, select

from extensions import db
from models.audit import AuditLog
from models.enterprise import Enterprise
from models.followup import FollowUp, FollowUpEvent, FollowUpExtension, follow_up_assists
from operations.feeds.core import Owner, Quick, Source, Version, Window, _audit_cols, _max
from operations.followup_labels import CATEGORY_LABELS, LEVEL_LABELS, STATUS_LABELS
from rules import feeds as rf

# Every change to an item writes a history event (assigned, progress, resolved, rated, reopened, closed,
# extension_*, supervised) and an audit row.
FOLLOWUP_ENTITIES = ("follow_up", "follow_up_extension")
DONE = ("resolved", "closed")


def _cond(param: str) -> ColumnElement[bool]:
    owner = bindparam(param)
    assisted = select(follow_up_assists.c.follow_up_id).where(follow_up_assists.c.department_id == owner)
    return (FollowUp.lead_department_id == owner) | FollowUp.id.in_(assisted)


# Built once, run with bind parameters through Core (see operations/feeds/core.py on the 304 path).
@functools.cache
def _version_stmt() -> Select:
    cond = _cond("owner")
    mine = select(FollowUp.id).where(cond)
    return select(
        select(func.count(), func.max(FollowUp.id)).where(cond).subquery(),
        select(func.count()).select_from(FollowUpEvent).where(FollowUpEvent.follow_up_id.in_(mine))
        .scalar_subquery(),
        select(func.max(FollowUpEvent.id)).where(FollowUpEvent.follow_up_id.in_(mine)).scalar_subquery(),
        select(func.max(FollowUpEvent.at)).where(FollowUpEvent.follow_up_id.in_(mine)).scalar_subquery(),
        *_audit_cols(AuditLog.entity.in_(FOLLOWUP_ENTITIES)),
    )


@functools.cache
def _quick_stmt() -> Select:
    """Primary-key maxima only: a new item or any history event (every change writes one) moves them."""
    return select(
        select(func.max(FollowUp.id)).scalar_subquery(),
        select(func.max(FollowUpEvent.id)).scalar_subquery(),
        select(func.max(AuditLog.id)).where(AuditLog.entity.in_(FOLLOWUP_ENTITIES)).scalar_subquery(),
    )


def followups_version(department_id: int) -> Version:
    row = db.session.connection().execute(_version_stmt(), {"owner": department_id}).one()
    # Only the items' own history times make Last-Modified (the audit time may be another department's item).
    return Version(tuple(row), row[4])


def followups_quick() -> Quick:
    return Quick(_quick_stmt(), {})


def followup_events(department_id: int) -> Callable[[Window, str], list[rf.AllDayEvent]]:
    def events(window: Window, host: str) -> list[rf.AllDayEvent]:
        params = {"owner": department_id}
        rows = db.session.execute(
            select(FollowUp, Enterprise.name).join(Enterprise, Enterprise.id == FollowUp.enterprise_id)
            .where(_cond("owner"), FollowUp.due_on >= window.start, FollowUp.due_on <= window.end)
            .order_by(FollowUp.id), params
        ).all()
        ids = [item.id for item, _name in rows]
        touched = dict(db.session.execute(
            select(FollowUpEvent.follow_up_id, func.max(FollowUpEvent.at))
            .where(FollowUpEvent.follow_up_id.in_(ids)).group_by(FollowUpEvent.follow_up_id)
        ).all()) if ids else {}
        moved = dict(db.session.execute(
            select(FollowUpExtension.follow_up_id, func.count())
            .where(FollowUpExtension.follow_up_id.in_(ids), FollowUpExtension.status == "approved")
            .group_by(FollowUpExtension.follow_up_id)
        ).all()) if ids else {}
        statuses = {k: str(v) for k, v in STATUS_LABELS.items()}
        categories = {k: str(v) for k, v in CATEGORY_LABELS.items()}
        levels = {k: str(v) for k, v in LEVEL_LABELS.items()}
        lead, assist = _("Lead department"), _("Assisting department")
        out = []
        for item, ent_name in rows:
            done = item.status in DONE
            lines = [
                _("Enterprise: %(name)s", name=ent_name),
                _("Status: %(status)s", status=statuses.get(item.status, item.status)),
                f"{categories.get(item.category, item.category)} · {levels.get(item.level, item.level)} · "
                + (lead if item.lead_department_id == department_id else assist),
            ]
            if item.supervised_on is not None:
                lines.append(_("Under supervision since %(day)s", day=item.supervised_on.isoformat()))
            out.append(rf.AllDayEvent(
                uid=f"followup-{item.id}-d{department_id}@{host}",
                summary=_("Due: %(title)s", title=item.title),
                description="\n".join(lines), start=item.due_on, last=item.due_on,
                modified=_max(item.created_at, touched.get(item.id)),
                sequence=moved.get(item.id, 0) + 2 * item.reopen_count + (1 if done else 0),
                status="CANCELLED" if done else "CONFIRMED",
                # 督办事项 in a calendar app's category list; the ledger and the audit log call an item 问题.
                categories=(pgettext("feed category", "Follow-up item"),),
            ))
        return out

    return events


def source(owner: Owner) -> Source:
    department_id = owner.department_id
    assert department_id is not None
    return Source("followups", lambda: followups_version(department_id), followup_events(department_id),
                  quick=followups_quick)
