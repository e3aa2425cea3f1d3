"""Quiet-day checks: build the engine's inputs from the database and answer SPEC §3.5 questions.

The engine (rules/quietdays.py) is pure; this module is the only place that turns rows into its dataclasses,
so the API, the pages, the booking path and the bulk planner all ask the same engine with the same inputs.
Loading is done with a handful of column-only queries (one per table), never one query per enterprise:
the bulk planner asks about 10,000 enterprises in one request.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from sqlalchemy import and_, extract, func, select

from extensions import db
from models.department import Department
from models.enterprise import Enterprise
from models.inspection import Inspection
from models.jurisdiction import Jurisdiction
from models.policy import PolicyException, QuietDayPolicy, policy_enterprises
from models.user import User
from operations.calendar import load_calendar
from operations.errors import DomainError, Forbidden, NotFound
from operations.labels import field_label
from operations.validate import get_choice, get_date, get_str, invalid, reject_unknown
from rules import quietdays as qd

MAX_DAYS = qd.MAX_WINDOW_DAYS
MAX_BULK = 10_000
CHECK_ROLES = ("inspector", "admin", "secretariat")
# Inspections in these states still take (or took) place, so they count against caps and are "planned".
COUNTED_STATUSES = ("planned", "pending_approval", "checked_in", "completed")
_IN_CHUNK = 5000  # below SQLite's bound-parameter limit


def local_today() -> date:
    """Today in the configured time zone (Asia/Shanghai): the day an inspector stands at the gate."""
    tz = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return datetime.now(ZoneInfo(tz)).date()


# ------------------------------------------------------------------------------------------ jurisdictions


class Jurisdictions:
    """All jurisdictions as code chains (the tree is small: hundreds of rows at most)."""

    def __init__(self) -> None:
        rows = db.session.execute(
            select(Jurisdiction.id, Jurisdiction.code, Jurisdiction.parent_id,
                   Jurisdiction.annual_inspection_cap)
        ).all()
        self.code_by_id = {r.id: r.code for r in rows}
        self.id_by_code = {r.code: r.id for r in rows}
        self.parent = {r.id: r.parent_id for r in rows}
        self.caps = {r.code: r.annual_inspection_cap for r in rows if r.annual_inspection_cap is not None}
        self._chains: dict[int, tuple[str, ...]] = {}

    def chain(self, jurisdiction_id: int) -> tuple[str, ...]:
        """Own code first, then the ancestors up to the root (a cycle in bad data stops the walk)."""
        out = self._chains.get(jurisdiction_id)
        if out is None:
            codes: list[str] = []
            node: int | None = jurisdiction_id
            while node is not None and node in self.code_by_id and self.code_by_id[node] not in codes:
                codes.append(self.code_by_id[node])
                node = self.parent.get(node)
            out = tuple(codes)
            self._chains[jurisdiction_id] = out
        return out

    def chain_of_code(self, code: str) -> tuple[str, ...]:
        jid = self.id_by_code.get(code)
        return self.chain(jid) if jid is not None else ()


def jurisdictions() -> Jurisdictions:
    if has_app_context() and "qd_jurisdictions" in g:
        return g.qd_jurisdictions
    out = Jurisdictions()
    if has_app_context():
        g.qd_jurisdictions = out
    return out


# ------------------------------------------------------------------------------------------ policies


def _frozen_list(value: Any) -> frozenset[str]:
    return frozenset(v for v in (value or []) if isinstance(v, str))


def policy_inputs(policy_ids: Iterable[int] | None = None, statuses: Sequence[str] = ("active",),
                  force_active: bool = False) -> list[qd.Policy]:
    """Engine policies (with exceptions and explicit lists) in three queries.

    ``force_active`` builds a draft or revoked policy as if it were active: the policy page previews the days
    its rule would protect whatever its status.
    """
    juris = jurisdictions()
    stmt = select(
        QuietDayPolicy.id, QuietDayPolicy.title, QuietDayPolicy.jurisdiction_id, QuietDayPolicy.rule,
        QuietDayPolicy.valid_from, QuietDayPolicy.valid_until, QuietDayPolicy.status,
        QuietDayPolicy.ownership, QuietDayPolicy.sizes, QuietDayPolicy.blocked_kinds, QuietDayPolicy.binds,
    )
    ids = list(policy_ids) if policy_ids is not None else None
    if ids is not None:
        stmt = stmt.where(QuietDayPolicy.id.in_(ids))
    else:
        stmt = stmt.where(QuietDayPolicy.status.in_(statuses))
    rows = db.session.execute(stmt).all()
    if not rows:
        return []
    wanted = [r.id for r in rows]
    lifts: dict[int, set[date]] = {}
    adds: dict[int, set[date]] = {}
    exc_stmt = select(PolicyException.policy_id, PolicyException.date, PolicyException.effect)
    listed_stmt = select(policy_enterprises.c.policy_id, Enterprise.uscc).join(
        Enterprise, Enterprise.id == policy_enterprises.c.enterprise_id)
    if ids is not None:
        exc_stmt = exc_stmt.where(PolicyException.policy_id.in_(wanted))
        listed_stmt = listed_stmt.where(policy_enterprises.c.policy_id.in_(wanted))
    else:
        exc_stmt = exc_stmt.join(QuietDayPolicy).where(QuietDayPolicy.status.in_(statuses))
        listed_stmt = listed_stmt.join(
            QuietDayPolicy, QuietDayPolicy.id == policy_enterprises.c.policy_id
        ).where(QuietDayPolicy.status.in_(statuses))
    for pid, d, effect in db.session.execute(exc_stmt):
        (adds if effect == "add" else lifts).setdefault(pid, set()).add(d)
    listed: dict[int, set[str]] = {}
    for pid, uscc in db.session.execute(listed_stmt):
        listed.setdefault(pid, set()).add(uscc)
    out = []
    for r in rows:
        try:
            rule = qd.parse_rule(r.rule or {})
        except qd.RuleError:
            current_app.logger.error("policy %s has an invalid stored rule %r; ignored", r.id, r.rule)
            continue
        out.append(qd.Policy(
            id=r.id,
            title=r.title,
            jurisdiction_code=juris.code_by_id.get(r.jurisdiction_id, ""),
            rule=rule,
            valid_from=r.valid_from,
            valid_until=r.valid_until,
            status="active" if force_active else r.status,
            ownership=_frozen_list(r.ownership),
            sizes=_frozen_list(r.sizes),
            enterprises=frozenset(listed.get(r.id, ())),
            blocked_kinds=_frozen_list(r.blocked_kinds),
            binds=r.binds if r.binds in qd.BINDS else "level_and_below",
            lifts=frozenset(lifts.get(r.id, ())),
            adds=frozenset(adds.get(r.id, ())),
        ))
    return out


def engine() -> qd.Engine:
    """The engine over all active policies, one per request (writes call :func:`invalidate`)."""
    if has_app_context() and "qd_engine" in g:
        return g.qd_engine
    eng = qd.Engine(policy_inputs(), load_calendar())
    if has_app_context():
        g.qd_engine = eng
    return eng


def invalidate() -> None:
    if has_app_context():
        g.pop("qd_engine", None)
        g.pop("qd_jurisdictions", None)


def preview_engine(policy_id: int) -> qd.Engine:
    """An engine holding one policy as if active: the days its rule, validity and exceptions protect."""
    return qd.Engine(policy_inputs([policy_id], force_active=True), load_calendar())


# ---------------------------------------------------------------------------------- enterprises, agencies


def enterprise_input(ent: Enterprise) -> qd.Enterprise:
    return qd.Enterprise(ent.uscc, jurisdictions().chain(ent.jurisdiction_id), ent.ownership, ent.size)


def agency_input(dept: Department) -> qd.Agency:
    return qd.Agency(dept.code, jurisdictions().chain(dept.jurisdiction_id), dept.annual_inspection_cap)


def find_enterprise(uscc: str, *, for_update: bool = False) -> Enterprise:
    if not isinstance(uscc, str) or not uscc or len(uscc) > 18:
        raise NotFound(_("No enterprise with this credit code."), details={"uscc": str(uscc)[:40]})
    stmt = select(Enterprise).where(Enterprise.uscc == uscc)
    if for_update:
        # Serialises bookings of one enterprise on PostgreSQL so two can never both pass the cap count.
        stmt = stmt.with_for_update()
    ent = db.session.scalar(stmt)
    if ent is None:
        raise NotFound(_("No enterprise with this credit code."), details={"uscc": uscc})
    return ent


def find_department(code: str, field: str = "department") -> Department:
    dept = db.session.scalar(select(Department).where(Department.code == code))
    if dept is None:
        raise invalid(field, _("Unknown department %(code)s.", code=code))
    if not dept.inspects:
        raise invalid(field, _("%(name)s is not an inspecting agency.", name=dept.name))
    return dept


def resolve_department(user: User, code: str | None, field: str = "department") -> Department:
    """The agency a user acts for: an inspector only for their own; admin and secretariat must name one."""
    if user.role == "inspector":
        own = user.department
        if own is None:
            raise Forbidden(_("Your account is not attached to an inspecting agency."))
        if code and code != own.code:
            raise Forbidden(_("Inspectors act only for their own agency."))
        if not own.inspects:
            raise Forbidden(_("%(name)s is not an inspecting agency.", name=own.name))
        return own
    if user.role in ("admin", "secretariat"):
        if not code:
            raise invalid(field, _("%(field)s is required.", field=field_label(field)), "missing_field")
        return find_department(code, field)
    raise Forbidden(_("You do not have permission to do this."))


# ------------------------------------------------------------------------------------------ caps


def cap_state(agency: qd.Agency, department_id: int, enterprises: Mapping[int, str], first_year: int,
              last_year: int, *, exclude_visit: int | None = None) -> qd.CapState:
    """Counted routine/random inspections per enterprise and year, by this agency and by all agencies.

    Grouped SQL, one query per count. Joined inspections (joint_with) are one visit for the enterprise, so the
    all-agency count counts distinct visits. ``exclude_visit`` leaves out one visit: a booking that joins an
    existing visit adds no visit of its own.
    """
    start, end = date(first_year, 1, 1), date(last_year, 12, 31)
    base = and_(
        Inspection.kind.in_(tuple(qd.CAPPED_KINDS)),
        Inspection.status.in_(COUNTED_STATUSES),
        Inspection.date >= start,
        Inspection.date <= end,
    )
    ids = list(enterprises)
    # A large list is cheaper to filter in Python than to send as thousands of parameters.
    scoped = len(ids) <= _IN_CHUNK
    cond = and_(base, Inspection.enterprise_id.in_(ids)) if scoped else base
    year = extract("year", Inspection.date)
    by_agency: dict[tuple[str, str, int], int] = {}
    if agency.annual_cap is not None:
        stmt = (select(Inspection.enterprise_id, year, func.count())
                .where(cond, Inspection.department_id == department_id)
                .group_by(Inspection.enterprise_id, year))
        for eid, y, n in db.session.execute(stmt):
            uscc = enterprises.get(eid)
            if uscc is not None:
                by_agency[(uscc, agency.code, int(y))] = n
    juris = jurisdictions()
    total: dict[tuple[str, int], int] = {}
    if juris.caps:
        visit = func.coalesce(Inspection.joint_with_id, Inspection.id)
        stmt = select(Inspection.enterprise_id, year, func.count(func.distinct(visit))).where(cond)
        if exclude_visit is not None:
            stmt = stmt.where(visit != exclude_visit)
        stmt = stmt.group_by(Inspection.enterprise_id, year)
        for eid, y, n in db.session.execute(stmt):
            uscc = enterprises.get(eid)
            if uscc is not None:
                total[(uscc, int(y))] = n
    return qd.CapState(jurisdiction_caps=dict(juris.caps), used_by_agency=by_agency, used_total=total)


# ------------------------------------------------------------------------------------------ JSON


def policy_ref(p: qd.Policy) -> dict[str, Any]:
    return {"policy_id": p.id, "title": p.title, "jurisdiction_code": p.jurisdiction_code}


def cap_owner_name(cap: qd.CapInfo) -> str:
    """The department or jurisdiction whose cap this is, by name (refusals name it)."""
    if cap.scope == "department":
        name = db.session.scalar(select(Department.name).where(Department.code == cap.code))
    else:
        name = db.session.scalar(select(Jurisdiction.name).where(Jurisdiction.code == cap.code))
    return name or cap.code


def cap_json(cap: qd.CapInfo | None, *, with_owner: bool = False) -> dict[str, Any] | None:
    if cap is None:
        return None
    out: dict[str, Any] = {"limit": cap.limit, "used": cap.used, "scope": cap.scope, "code": cap.code,
                           "reached": cap.reached}
    if with_owner:
        out["owner_name"] = cap_owner_name(cap)
    return out


def result_json(result: qd.CheckResult) -> dict[str, Any]:
    return {
        "uscc": result.uscc,
        "date": result.date.isoformat(),
        "kind": result.kind,
        "department": result.agency_code,
        "protected": result.protected,
        "allowed": result.allowed,
        "blocking": [policy_ref(p) for p in result.blocking],
        "advisory": [policy_ref(p) for p in result.advisory],
        "exempt": [policy_ref(p) for p in result.exempt],
        "requires_justification": result.requires_justification,
        "requires_approval": result.requires_approval,
        "cap": cap_json(result.cap, with_owner=True),
        "cap_reached": result.cap_reached,
        "next_allowed_date": result.next_allowed_date.isoformat() if result.next_allowed_date else None,
    }


# ------------------------------------------------------------------------------------------ questions


def check_one(ent: Enterprise, d: date, kind: str, dept: Department, *,
              exclude_visit: int | None = None) -> qd.CheckResult:
    """SPEC §3.5 for one booking; caps are counted for every year the 366-day look-ahead touches."""
    agency = agency_input(dept)
    last = d + timedelta(days=MAX_DAYS - 1)
    caps = cap_state(agency, dept.id, {ent.id: ent.uscc}, d.year, last.year, exclude_visit=exclude_visit)
    return engine().check(enterprise_input(ent), d, kind, agency, caps)


def _kind(args: Mapping[str, Any], *, required: bool = True) -> str | None:
    return get_choice(args, "kind", qd.KINDS, required=required)


def check(user: User, args: Mapping[str, Any]) -> dict[str, Any]:
    """GET /api/v1/check and the inspector's check page."""
    uscc = get_str(args, "uscc", max_len=18)
    d = get_date(args, "date")
    kind = _kind(args)
    dept = resolve_department(user, get_str(args, "department", required=False, max_len=40))
    ent = find_enterprise(uscc)
    out = result_json(check_one(ent, d, kind, dept))
    out["enterprise_name"] = ent.name
    return out


def _range(args: Mapping[str, Any]) -> tuple[date, date]:
    start = get_date(args, "from")
    end = get_date(args, "to")
    if end < start:
        raise invalid("to", _("%(to)s must not be before %(from)s.", to=field_label("to"),
                              **{"from": field_label("from")}))
    if (end - start).days + 1 > MAX_DAYS:
        raise invalid("to", _("A range may cover at most %(n)s days.", n=MAX_DAYS), "range_too_long")
    return start, end


def days(user: User, uscc: str, args: Mapping[str, Any]) -> dict[str, Any]:
    """GET /api/v1/enterprises/{uscc}/days: one entry per day of an inclusive range of at most 366 days.

    Enterprise users ask about their own enterprise only; for them kind and department are optional, and
    without both ``allowed`` is null (only ``protected`` means something without an agency and kind).
    """
    ent = find_enterprise(uscc)
    if user.role == "enterprise" and user.enterprise_id != ent.id:
        raise Forbidden(_("You may only see your own enterprise."))
    start, end = _range(args)
    code = get_str(args, "department", required=False, max_len=40)
    if user.role == "enterprise":
        kind = _kind(args, required=False)
        if (kind is None) != (code is None):
            field = "kind" if kind is None else "department"
            raise invalid(field, _("Give both kind and department, or neither."))
        dept = find_department(code) if code else None
    else:
        kind = _kind(args)
        dept = resolve_department(user, code)
    eng = engine()
    ent_in = enterprise_input(ent)
    if dept is None or kind is None:
        protected = eng.protected_days(ent_in, start, end)
        workdays = eng.workdays(start, end)
        items = []
        for i in range((end - start).days + 1):
            d = start + timedelta(days=i)
            ids = protected.get(d, ())
            items.append({"date": d.isoformat(), "workday": workdays[i], "protected": bool(ids),
                          "allowed": None, "policy_ids": list(ids)})
        return {"uscc": ent.uscc, "from": start.isoformat(), "to": end.isoformat(), "kind": None,
                "department": None, "days": items}
    agency = agency_input(dept)
    caps = cap_state(agency, dept.id, {ent.id: ent.uscc}, start.year, end.year)
    result = eng.days(ent_in, start, end, kind, agency, caps)
    return {
        "uscc": ent.uscc, "from": start.isoformat(), "to": end.isoformat(), "kind": kind,
        "department": dept.code,
        "days": [{"date": r.date.isoformat(), "workday": r.workday, "protected": r.protected,
                  "allowed": r.allowed, "policy_ids": list(r.policy_ids)} for r in result],
    }


def _load_enterprises(usccs: Sequence[str]) -> dict[str, tuple[int, int, str, str | None]]:
    """uscc -> (id, jurisdiction_id, ownership, size), column-only, in chunks."""
    out = {}
    cols = (Enterprise.uscc, Enterprise.id, Enterprise.jurisdiction_id, Enterprise.ownership, Enterprise.size)
    for i in range(0, len(usccs), _IN_CHUNK):
        chunk = usccs[i:i + _IN_CHUNK]
        stmt = select(*cols).where(Enterprise.uscc.in_(chunk))
        for uscc, eid, jid, ownership, size in db.session.execute(stmt):
            out[uscc] = (eid, jid, ownership, size)
    return out


def bulk(user: User, data: Mapping[str, Any]) -> str:
    """POST /api/v1/checks: allowed dates per enterprise for campaign planning; returns the JSON text.

    The text is assembled per group of identical answers: most enterprises of a campaign share their allowed
    dates, so each distinct list is encoded once.
    """
    reject_unknown(data, ("department", "kind", "from", "to", "enterprises"))
    kind = _kind(data)
    start, end = _range(data)
    raw = data.get("enterprises")
    if raw is None:
        raise invalid("enterprises", _("%(field)s is required.", field=field_label("enterprises")), "missing_field")
    if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
        raise invalid("enterprises", _("%(field)s must be a list of credit codes.", field=field_label("enterprises")))
    if not raw:
        raise invalid("enterprises", _("%(field)s must not be empty.", field=field_label("enterprises")))
    if len(raw) > MAX_BULK:
        raise invalid("enterprises", _("At most %(n)s enterprises per request.", n=MAX_BULK), "too_many")
    dept = resolve_department(user, get_str(data, "department", required=False, max_len=40))
    usccs = list(dict.fromkeys(raw))
    rows = _load_enterprises(usccs)
    unknown = [u for u in usccs if u not in rows]
    if unknown:
        raise DomainError("unknown_enterprises", _("Unknown credit codes: %(n)s.", n=len(unknown)),
                          status=422,
                          details={"field": "enterprises", "unknown": unknown[:1000], "count": len(unknown)})
    juris = jurisdictions()
    ents = [qd.Enterprise(u, juris.chain(jid), own, size) for u, (_eid, jid, own, size) in rows.items()]
    agency = agency_input(dept)
    caps = cap_state(agency, dept.id, {eid: u for u, (eid, *_rest) in rows.items()}, start.year, end.year)
    result = engine().bulk_allowed(ents, start, end, kind, agency, caps)
    window = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    iso = {d: d.isoformat() for d in window}
    fragments: dict[tuple[date, ...], str] = {}
    parts = []
    for uscc in usccs:
        key = tuple(result[uscc])
        frag = fragments.get(key)
        if frag is None:
            frag = json.dumps([iso[d] for d in key])
            fragments[key] = frag
        parts.append(f'{json.dumps(uscc)}: {{"allowed_dates": {frag}}}')
    return '{"results": {' + ", ".join(parts) + "}}"
