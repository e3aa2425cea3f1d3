"""The ledger (问题解决台账): who sees which items, the filters, the urgency order, and the CSV/XLSX export.

One statement serves the API list, the HTML ledger, the department queue and the export, so a filter means the
same thing everywhere. Warning filters compare against `rules.followups.Thresholds`, the very dates the
per-row colour is computed from.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Select, and_, case, false, func, not_, or_, select
from sqlalchemy.orm import aliased, joinedload, selectinload

from extensions import db
from models.department import Department
from models.enterprise import Enterprise
from models.followup import FollowUp, follow_up_assists
from models.user import User
from operations import followup_labels as fl
from operations.errors import Forbidden
from operations.followups import hosted_meeting_ids, thresholds
from operations.validate import get_bool, get_date, get_int, get_str, invalid
from rules import followups as fr

FILTERS = ("status", "department", "warning", "uscc", "meeting", "supervised", "from", "to", "sort")
SORTS = ("urgency", "assigned")
# A department or an enterprise works through its own list most urgent first; the secretariat's ledger of the
# whole city opens on the newest assignments, which an index serves at any size (urgency is computed per row,
# so sorting 200,000 items by it means reading them all; `sort=urgency` still asks for it).
URGENCY_FIRST = ("department", "enterprise")
VIEWERS = ("admin", "secretariat", "department", "enterprise", "official")
MAX_RANGE_DAYS = 366


def red_clause(th: fr.Thresholds):
    return and_(FollowUp.status.in_(fr.OPEN_STATUSES), FollowUp.due_on < th.today)


def yellow_clause(th: fr.Thresholds):
    return and_(FollowUp.status.in_(fr.OPEN_STATUSES), FollowUp.due_on >= th.today,
                or_(FollowUp.due_on < th.yellow_due_before, FollowUp.last_progress_on < th.stale_before))


def urgency(th: fr.Thresholds):
    """0 red, 1 yellow, 2 other open, 3 resolved, 4 closed: the department queue's order."""
    return case(
        (red_clause(th), 0),
        (yellow_clause(th), 1),
        (FollowUp.status.in_(fr.OPEN_STATUSES), 2),
        (FollowUp.status == "resolved", 3),
        else_=4,
    )


def _department_items(department_id: int):
    """Items the department leads or assists.

    On PostgreSQL ``lead = x OR id = ANY(ARRAY(…assists…))``: the array is computed once, so the planner
    combines two index scans (BitmapOr) instead of joining against the whole table, which ``IN (subquery)``
    makes it do. SQLite has no arrays and is happy with ``IN``.
    """
    assisted = select(follow_up_assists.c.follow_up_id).where(follow_up_assists.c.department_id == department_id)
    if db.session.get_bind().dialect.name == "postgresql":
        return or_(FollowUp.lead_department_id == department_id,
                   FollowUp.id == func.any(func.array(assisted.scalar_subquery())))
    return or_(FollowUp.lead_department_id == department_id, FollowUp.id.in_(assisted))


def visible_clause(user: User):
    if user.role in ("admin", "secretariat"):
        return None
    if user.role == "department":
        return _department_items(user.department_id) if user.department_id else false()
    if user.role == "enterprise":
        return FollowUp.enterprise_id == user.enterprise_id if user.enterprise_id else false()
    if user.role == "official":
        hosted = hosted_meeting_ids(user)
        supervised = FollowUp.supervised_on.is_not(None)
        return or_(supervised, FollowUp.meeting_id.in_(hosted)) if hosted else supervised
    raise Forbidden(_("You do not have permission to do this."))


def statement(user: User, args: Mapping[str, Any], th: fr.Thresholds | None = None, *,
              order: str | None = None) -> Select:
    """Items visible to ``user`` matching the filters; every bad filter is a 422 naming it."""
    th = th or thresholds()
    stmt = select(FollowUp)
    where = visible_clause(user)
    if where is not None:
        stmt = stmt.where(where)
    status = fl.get_choice(args, "status", fr.STATUSES, "follow_ups.status", required=False)
    if status:
        stmt = stmt.where(FollowUp.status == status)
    code = get_str(args, "department", required=False, max_len=40)
    if code:
        dept_id = db.session.scalar(select(Department.id).where(Department.code == code))
        if dept_id is None:
            raise invalid("department", _("No department with the code %(code)s.", code=code), "unknown_department")
        stmt = stmt.where(_department_items(dept_id))
    warning = fl.get_choice(args, "warning", ("yellow", "red", "none"), "follow_ups.warning", required=False)
    if warning == "red":
        stmt = stmt.where(red_clause(th))
    elif warning == "yellow":
        stmt = stmt.where(yellow_clause(th))
    elif warning == "none":
        stmt = stmt.where(not_(or_(red_clause(th), yellow_clause(th))))
    uscc = get_str(args, "uscc", required=False, max_len=18)
    if uscc:
        if user.role == "enterprise" and (user.enterprise is None or user.enterprise.uscc != uscc):
            raise Forbidden(_("You may only see your own enterprise."))
        ent_id = db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc))
        stmt = stmt.where(FollowUp.enterprise_id == (ent_id or -1))
    meeting = get_int(args, "meeting", required=False, minimum=1)
    if meeting:
        stmt = stmt.where(FollowUp.meeting_id == meeting)
    if args.get("supervised") not in (None, ""):
        supervised = get_bool(args, "supervised")
        stmt = stmt.where(FollowUp.supervised_on.is_not(None) if supervised else FollowUp.supervised_on.is_(None))
    start = get_date(args, "from", required=False)
    end = get_date(args, "to", required=False)
    if start and end:
        if end < start:
            raise invalid("to", _("The end date is before the start date."))
        if (end - start).days > MAX_RANGE_DAYS:
            raise invalid("to", _("The date range is longer than %(n)s days.", n=MAX_RANGE_DAYS))
    if start:
        stmt = stmt.where(FollowUp.assigned_on >= start)
    if end:
        stmt = stmt.where(FollowUp.assigned_on <= end)
    sort = fl.get_choice(args, "sort", SORTS, "follow_ups.sort", required=False)
    order = order or sort or ("urgency" if user.role in URGENCY_FIRST else "assigned")
    if order == "urgency":
        stmt = stmt.order_by(urgency(th), FollowUp.due_on, FollowUp.id)
    else:
        stmt = stmt.order_by(FollowUp.assigned_on.desc(), FollowUp.id.desc())
    return stmt


def with_rows(stmt: Select) -> Select:
    """Load what a page row shows in a constant number of queries (never one per row)."""
    return stmt.options(joinedload(FollowUp.enterprise), joinedload(FollowUp.lead_department),
                        selectinload(FollowUp.assist_departments))


def clean_filters(raw: Mapping[str, Any]) -> dict[str, str]:
    return {k: str(v).strip() for k, v in raw.items() if k in FILTERS and str(v).strip()}


# ------------------------------------------------------------------------------------------ export


def neutralise(value: object) -> object:
    """A text cell starting with = + - @ (or a tab/CR that Excel skips) would run as a formula when the ledger
    is opened in Excel or WPS (CSV injection): prefix it with an apostrophe so it stays text."""
    if isinstance(value, str) and value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def headers() -> list[str]:
    return [_("No."), _("Enterprise"), _("Credit code"), _("Issue"), _("Issue description"), _("Category"),
            _("Source"), _("Lead department"), _("Assisting departments"), _("Assignment level"),
            _("Assignment date"), _("Due date"), _("Status"), _("Warning"), _("Under supervision"),
            _("Resolution"), _("Resolved on"), _("Rating"), _("Sent back"), _("Closed on")]


def _export_rows(user: User, args: Mapping[str, Any]) -> Iterator[list[object]]:
    th = thresholds()
    base = statement(user, args, th, order="assigned").subquery()
    item = aliased(FollowUp, base)
    assist = (select(func.aggregate_strings(Department.name, "、"))
              .select_from(follow_up_assists.join(Department, Department.id == follow_up_assists.c.department_id))
              .where(follow_up_assists.c.follow_up_id == item.id).scalar_subquery())
    lead = aliased(Department)
    cols = select(item.id, Enterprise.name, Enterprise.uscc, item.title, item.description, item.category,
                  item.source, lead.name, assist, item.level, item.assigned_on, item.due_on, item.status,
                  item.last_progress_on, item.supervised_on, item.resolution, item.resolved_on, item.rating,
                  item.reopen_count, item.closed_on) \
        .join(Enterprise, Enterprise.id == item.enterprise_id).join(lead, lead.id == item.lead_department_id) \
        .order_by(item.assigned_on.desc(), item.id.desc())
    yes, no = _("Yes"), _("No")
    # Translated once per export, not once per cell: a lazy label looks its catalog up on every str().
    category_l, source_l, level_l, status_l, warning_l, rating_l = (
        {k: str(v) for k, v in labels.items()} for labels in (
            fl.CATEGORY_LABELS, fl.SOURCE_LABELS, fl.LEVEL_LABELS, fl.STATUS_LABELS, fl.WARNING_LABELS,
            fl.RATING_LABELS))
    # Streamed from a server-side cursor in batches: 200,000 rows never sit in memory at once.
    result = db.session.execute(cols.execution_options(yield_per=2000, stream_results=True))
    for (id_, ent_name, uscc, title, desc, category, source, lead_name, assists, level, assigned_on, due_on,
         status, last_progress_on, supervised_on, resolution, resolved_on, rating, reopens, closed_on) in result:
        warn = fr.warning(status, due_on, last_progress_on, th)
        yield [id_, ent_name, uscc, title, desc or "", category_l.get(category, category),
               source_l.get(source, source), lead_name, assists or "", level_l.get(level, level), assigned_on,
               due_on, status_l.get(status, status), warning_l[warn] if warn else "",
               yes if supervised_on else no, resolution or "", resolved_on or "",
               rating_l[rating] if rating else "", reopens, closed_on or ""]


def export_csv(user: User, args: Mapping[str, Any]) -> Iterator[bytes]:
    """The ledger as CSV (UTF-8 with a BOM so Excel opens the Chinese correctly).

    Rows are written to a temporary file as they come from the cursor, inside the request (the labels need its
    locale, the rows its database session), and the file is then streamed: memory stays flat either way."""
    rows = _export_rows(user, args)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8-sig", newline="", suffix=".csv", delete=False) as fh:
        path = fh.name
        writer = csv.writer(fh)
        writer.writerow(headers())
        for row in rows:
            writer.writerow([_cell_text(v) for v in row])
    return _stream_file(path)


def _stream_file(path: str) -> Iterator[bytes]:
    # Unlinked at once: the open handle keeps the data until the response is sent (or dropped unsent), so no
    # temporary file is ever left behind.
    fh = open(path, "rb")  # noqa: SIM115  (closed by the generator or the garbage collector)
    os.unlink(path)

    def chunks() -> Iterator[bytes]:
        with fh:
            while block := fh.read(64 * 1024):
                yield block

    return chunks()


def _cell_text(value: object) -> object:
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(value)


def export_xlsx(user: User, args: Mapping[str, Any]) -> Iterator[bytes]:
    """The ledger as an XLSX file, built with openpyxl's write-only mode (rows go to a temporary file as they
    are written, so memory stays flat) and then streamed in chunks."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    rows = _export_rows(user, args)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(_("Ledger"))
    bold = Font(bold=True)
    header_cells = []
    for name in headers():
        cell = WriteOnlyCell(ws, value=name)
        cell.font = bold
        header_cells.append(cell)
    ws.append(header_cells)
    for row in rows:
        ws.append([neutralise(v) if v != "" else None for v in row])
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    wb.save(path)
    return _stream_file(path)
