"""Quiet-day checks: build the engine's inputs from the database and answer SPEC §3.5 questions.

The engine (rules/quietdays.py) is pure; this module is the only place that turns rows into its dataclasses,
so the API, the pages, the booking path and the bulk planner all ask the same engine with the same inputs.
Loading is done with a handful of column-only queries (one per table), never one query per enterprise:
the bulk planner asks about 10,000 enterprises in one request.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from flask import current_app, g, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, String, and_, bindparam, case, event, extract, func, literal_column, select, true
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from extensions import db
from models.department import Department
from models.enterprise import Enterprise
from models.generation import QuietDayGeneration
from models.inspection import Inspection
from models.jurisdiction import Jurisdiction
from models.policy import PolicyException, QuietDayPolicy, policy_enterprises
from models.user import User
from operations import auth
from operations.calendar import build_calendar, load_calendar
from operations.errors import DomainError, Forbidden, NotFound
from operations.fastsql import Prepared
from operations.labels import field_label
from operations.labels import register as register_labels
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
                   Jurisdiction.annual_inspection_cap, Jurisdiction.name)
        ).all()
        self.code_by_id = {r.id: r.code for r in rows}
        # Names too (a refusal names the jurisdiction whose cap it is): any write to jurisdictions bumps the
        # generation, so they are as fresh as the snapshot.
        self.name_by_code = {r.code: r.name for r in rows}
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
    """The jurisdiction tree of the current snapshot (see :func:`snapshot`)."""
    return snapshot().jurisdictions


# ------------------------------------------------------------------------------------------ policies


def _frozen_list(value: Any) -> frozenset[str]:
    return frozenset(v for v in (value or []) if isinstance(v, str))


def policy_inputs(policy_ids: Iterable[int] | None = None, statuses: Sequence[str] = ("active",),
                  force_active: bool = False, juris: Jurisdictions | None = None) -> list[qd.Policy]:
    """Engine policies (with exceptions and explicit lists) in three queries.

    ``force_active`` builds a draft or revoked policy as if it were active: the policy page previews the days
    its rule would protect whatever its status.
    """
    juris = juris or jurisdictions()
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


# ------------------------------------------------------------------------------ the engine across requests
#
# Building the engine reads every active policy, exception, white list, calendar notice and jurisdiction: its
# cost grows with the province, so each worker keeps one snapshot (engine + jurisdiction tree) across requests,
# keyed by the (generation, nonce) row that a trigger bumps in the same transaction as every write to those
# tables (migration 0007). Each request reads that row (one primary-key lookup, or a column of a query it
# makes anyway) and rebuilds when it differs, so a write committed by any worker or the CLI is seen by the
# next request everywhere: never a stale answer after a write has returned.

GenerationKey = tuple[int, int]
_CACHE = "zhengqi.quietday_snapshot"
_UNREAD: Any = object()


@dataclass(frozen=True)
class Snapshot:
    key: GenerationKey | None  # None: no generation row (emptied tables); such a snapshot is never shared
    jurisdictions: Jurisdictions
    engine: qd.Engine


def generation_columns() -> tuple[Any, Any]:
    """The generation and nonce as scalar subqueries, to ride along a query a request makes anyway."""
    where = QuietDayGeneration.id == 1
    return (select(QuietDayGeneration.generation).where(where).scalar_subquery().label("qd_generation"),
            select(QuietDayGeneration.nonce).where(where).scalar_subquery().label("qd_nonce"))


def generation_key(generation: int | None, nonce: int | None) -> GenerationKey | None:
    return None if generation is None or nonce is None else (int(generation), int(nonce))


def read_generation() -> GenerationKey | None:
    row = db.session.execute(select(QuietDayGeneration.generation, QuietDayGeneration.nonce)
                             .where(QuietDayGeneration.id == 1)).first()
    return generation_key(*row) if row is not None else None


def _build_snapshot(key: GenerationKey | None) -> Snapshot:
    juris = Jurisdictions()
    return Snapshot(key, juris, qd.Engine(policy_inputs(juris=juris), build_calendar()))


def snapshot(key: GenerationKey | None = _UNREAD) -> Snapshot:
    """The engine and jurisdictions for the committed generation ``key`` (read now when not given).

    Within a request the snapshot is remembered in ``g`` until the session writes or ends a transaction
    (:func:`_forget_on_write`), so repeated calls cost nothing and a request sees its own writes.
    """
    if not has_app_context():
        return _build_snapshot(None)
    memo: Snapshot | None = g.get("qd_snapshot")
    if memo is not None and (key is _UNREAD or memo.key == key):
        return memo
    if key is _UNREAD:
        key = read_generation()
    cache = current_app.extensions.setdefault(_CACHE, {})
    snap: Snapshot | None = cache.get("snapshot")
    if snap is None or key is None or snap.key != key:
        snap = _build_snapshot(key)
        if key is not None:
            # One slot: only the newest generation is ever asked for again. A rebuild racing another thread
            # is harmless, each snapshot being correct for its own key.
            cache["snapshot"] = snap
    g.qd_snapshot = snap
    return snap


def engine() -> qd.Engine:
    """The engine over all active policies for the committed generation (cached across requests)."""
    return snapshot().engine


def invalidate() -> None:
    """Forget this request's snapshot (kept for callers; any write already does it, see below)."""
    if has_app_context():
        g.pop("qd_snapshot", None)


@event.listens_for(Session, "after_flush")
@event.listens_for(Session, "after_transaction_end")
def _forget_on_write(*_args: Any) -> None:
    # A flush may have written policies (the trigger bumped the generation inside this transaction), and a
    # transaction that ended may have been rolled back: either way the next question re-reads the generation.
    invalidate()


@event.listens_for(Session, "do_orm_execute")
def _forget_on_statement(state: Any) -> None:
    # session.execute(update(...)/insert(...)/text(...)) writes without a flush.
    if not state.is_select:
        invalidate()


def preview_engine(policy_id: int) -> qd.Engine:
    """An engine holding one policy as if active: the days its rule, validity and exceptions protect."""
    return qd.Engine(policy_inputs([policy_id], force_active=True), load_calendar())


# ---------------------------------------------------------------------------------- enterprises, agencies


def enterprise_input(ent: Enterprise | EnterpriseRow, juris: Jurisdictions | None = None) -> qd.Enterprise:
    juris = juris or jurisdictions()
    return qd.Enterprise(ent.uscc, juris.chain(ent.jurisdiction_id), ent.ownership, ent.size)


def agency_input(dept: Department | AgencyRow, juris: Jurisdictions | None = None) -> qd.Agency:
    juris = juris or jurisdictions()
    return qd.Agency(dept.code, juris.chain(dept.jurisdiction_id), dept.annual_inspection_cap)


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


def resolve_department(user: User | auth.TokenUser, code: str | None, field: str = "department", *,
                       found: AgencyRow | None = None) -> Department | AgencyRow | auth.TokenAgency:
    """The agency a user acts for: an inspector only for their own; admin and secretariat must name one.

    ``found`` is the department already read for ``code`` (a check joins it to the enterprise lookup).
    """
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
        if found is not None and found.code == code:
            if not found.inspects:
                raise invalid(field, _("%(name)s is not an inspecting agency.", name=found.name))
            return found
        return find_department(code, field)
    raise Forbidden(_("You do not have permission to do this."))


# ------------------------------------------------------------------------------------------ caps


def _counted(t: Any, start: Any, end: Any) -> Any:
    """Inspections that count towards a cap, dated from ``start`` to ``end``."""
    return and_(
        # Constants written into the SQL: an IN of bound values is expanded when every check runs.
        t.kind.in_([literal_column(f"'{k}'") for k in sorted(qd.CAPPED_KINDS)]),
        t.status.in_([literal_column(f"'{s}'") for s in COUNTED_STATUSES]),
        t.date >= start,
        t.date <= end,
    )


@functools.cache
def _cap_statement(scoped: bool, exclude: bool, as_array: bool = False, single: bool = False) -> Any:
    """Both cap counts grouped by enterprise and year, built once per shape (see _ENTERPRISE_STMT), on the
    table's columns: plain rows, no ORM bookkeeping."""
    t = Inspection.__table__.c
    year = extract("year", t.date)
    visit = func.coalesce(t.joint_with_id, t.id)
    counted_visit = case((visit != bindparam("exclude_visit"), visit)) if exclude else visit
    cond = _counted(t, bindparam("start"), bindparam("end"))
    if scoped and single:
        cond = and_(cond, t.enterprise_id == bindparam("id"))  # a check: no list to expand per execution
    elif scoped and as_array:
        cond = and_(cond, t.enterprise_id == func.any(bindparam("ids", type_=ARRAY(Integer))))
    elif scoped:
        cond = and_(cond, t.enterprise_id.in_(bindparam("ids", expanding=True)))
    return (select(t.enterprise_id, year, func.count(case((t.department_id == bindparam("department_id"), 1))),
                   func.count(func.distinct(counted_visit)))
            .where(cond).group_by(t.enterprise_id, year))


@functools.cache
def _single_cap_statement(exclude: bool) -> Prepared:
    """The counts for one enterprise (a check, a booking, a month): run on the driver connection."""
    return Prepared(_cap_statement(True, exclude, single=True))


def cap_state(agency: qd.Agency, department_id: int, enterprises: Mapping[int, str], first_year: int,
              last_year: int, *, exclude_visit: int | None = None,
              juris: Jurisdictions | None = None) -> qd.CapState:
    """Counted routine/random inspections per enterprise and year, by this agency and by all agencies.

    One grouped query for both counts (a check reads them with its enterprise instead, see `check`). Joined inspections
    (joint_with) are one visit for the enterprise, so the all-agency count counts distinct visits.
    ``exclude_visit`` leaves out one visit: a booking that joins an existing visit adds no visit of its own.
    """
    juris = juris or jurisdictions()
    if agency.annual_cap is None and not juris.caps:
        return qd.CapState()  # nothing to count: no query
    ids = list(enterprises)
    # PostgreSQL takes any number of ids as one array parameter; elsewhere a large list is cheaper to filter
    # in Python than to send as thousands of parameters.
    as_array = db.engine.dialect.name == "postgresql"
    scoped = as_array or len(ids) <= _IN_CHUNK
    params: dict[str, Any] = {"start": date(first_year, 1, 1), "end": date(last_year, 12, 31),
                              "department_id": department_id}
    single = len(ids) == 1
    if single:
        params["id"] = ids[0]
    elif scoped:
        params["ids"] = ids
    if exclude_visit is not None:
        params["exclude_visit"] = exclude_visit
    if single:
        # Inside a booking's transaction on its connection (counting its own writes), else borrowed.
        rows = _single_cap_statement(exclude_visit is not None).read(params)
    else:
        # fetchall: row-by-row fetching costs psycopg a check per row, seconds over a campaign's 30,000 groups.
        rows = db.session.connection().execute(_cap_statement(scoped, exclude_visit is not None, as_array),
                                               params).all()
    return _caps(agency, juris, ((enterprises[eid], int(y), n_agency, n_total)
                                 for eid, y, n_agency, n_total in rows if eid in enterprises))


def _caps(agency: qd.Agency, juris: Jurisdictions,
          counts: Iterable[tuple[str, int, int, int]]) -> qd.CapState:
    """The CapState of counted inspections given as (uscc, year, by this agency, visits by all agencies)."""
    want_agency = agency.annual_cap is not None
    want_total = bool(juris.caps)
    if not (want_agency or want_total):
        return qd.CapState()
    by_agency: dict[tuple[str, str, int], int] = {}
    total: dict[tuple[str, int], int] = {}
    for uscc, y, n_agency, n_total in counts:
        if want_agency and n_agency:
            by_agency[(uscc, agency.code, y)] = n_agency
        if want_total and n_total:
            total[(uscc, y)] = n_total
    return qd.CapState(jurisdiction_caps=dict(juris.caps) if want_total else {}, used_by_agency=by_agency,
                       used_total=total)


# ------------------------------------------------------------------------------------------ JSON


def policy_ref(p: qd.Policy) -> dict[str, Any]:
    return {"policy_id": p.id, "title": p.title, "jurisdiction_code": p.jurisdiction_code}


_REFS: dict[int, tuple[Any, tuple[dict[str, Any], ...]]] = {}
_REF: dict[int, tuple[qd.Policy, dict[str, Any]]] = {}
_REFS_MAX = 20_000


def policy_refs(policies: tuple[qd.Policy, ...]) -> tuple[dict[str, Any], ...]:
    """The JSON of a list of policies named by an answer, made once per list and once per policy: the engine
    remembers its answers (the same tuples come back), and a province check names about a hundred policies
    (issue 11). Shared between answers: read only. Each cache keeps the object its key is the id of, so an id is
    never reused while its entry lives; both are emptied when full (a few MB at most)."""
    if not policies:
        return ()
    kept = _REFS.get(id(policies))
    if kept is None or kept[0] is not policies:
        if len(_REFS) >= _REFS_MAX or len(_REF) >= _REFS_MAX:
            _REFS.clear()
            _REF.clear()
        refs = []
        for p in policies:
            one = _REF.get(id(p))
            if one is None or one[0] is not p:
                one = _REF[id(p)] = (p, policy_ref(p))
            refs.append(one[1])
        kept = _REFS[id(policies)] = (policies, tuple(refs))
    return kept[1]


def cap_owner_name(cap: qd.CapInfo, agency: Department | AgencyRow | None = None,
                   juris: Jurisdictions | None = None) -> str:
    """The department or jurisdiction whose cap this is, by name (refusals name it). ``juris``: the snapshot the
    answer came from, which knows the jurisdictions' names (a check then makes no query for them)."""
    if cap.scope == "department" and agency is not None and agency.code == cap.code:
        # The agency asking is already loaded: no extra query for a check, held to one statement
        # (tests/scale/test_check_queries.py).
        name = agency.name
    elif cap.scope == "department":
        name = db.session.scalar(select(Department.name).where(Department.code == cap.code))
    elif juris is not None:
        name = juris.name_by_code.get(cap.code)
    else:
        name = db.session.scalar(select(Jurisdiction.name).where(Jurisdiction.code == cap.code))
    return name or cap.code


def cap_json(cap: qd.CapInfo | None, *, with_owner: bool = False, agency: Department | AgencyRow | None = None,
             juris: Jurisdictions | None = None) -> dict[str, Any] | None:
    if cap is None:
        return None
    out: dict[str, Any] = {"limit": cap.limit, "used": cap.used, "scope": cap.scope, "code": cap.code,
                           "reached": cap.reached}
    if with_owner:
        out["owner_name"] = cap_owner_name(cap, agency, juris)
    return out


def result_json(result: qd.CheckResult, agency: Department | AgencyRow | None = None,
                juris: Jurisdictions | None = None) -> dict[str, Any]:
    return {
        "uscc": result.uscc,
        "date": result.date.isoformat(),
        "kind": result.kind,
        "department": result.agency_code,
        "protected": result.protected,
        "allowed": result.allowed,
        "blocking": list(policy_refs(result.blocking)),
        "advisory": list(policy_refs(result.advisory)),
        "exempt": list(policy_refs(result.exempt)),
        "requires_justification": result.requires_justification,
        "requires_approval": result.requires_approval,
        "cap": cap_json(result.cap, with_owner=True, agency=agency, juris=juris),
        "cap_reached": result.cap_reached,
        "next_allowed_date": result.next_allowed_date.isoformat() if result.next_allowed_date else None,
    }


# ------------------------------------------------------------------------------------------ questions


def check_one(ent: Enterprise | EnterpriseRow, d: date, kind: str, dept: Department | AgencyRow, *,
              exclude_visit: int | None = None, snap: Snapshot | None = None) -> qd.CheckResult:
    """SPEC §3.5 for one booking; caps are counted for every year the 366-day look-ahead touches."""
    snap = snap or snapshot()
    agency = agency_input(dept, snap.jurisdictions)
    last = d + timedelta(days=MAX_DAYS - 1)
    caps = cap_state(agency, dept.id, {ent.id: ent.uscc}, d.year, last.year, exclude_visit=exclude_visit,
                     juris=snap.jurisdictions)
    return snap.engine.check(enterprise_input(ent, snap.jurisdictions), d, kind, agency, caps)


class EnterpriseRow(NamedTuple):
    """What a check needs of an enterprise, read as plain columns (no ORM object on the hot path)."""

    id: int
    uscc: str
    name: str
    jurisdiction_id: int
    ownership: str
    size: str | None


class AgencyRow(NamedTuple):
    id: int
    code: str
    name: str
    jurisdiction_id: int
    inspects: bool
    annual_inspection_cap: int | None


_ENT = Enterprise.__table__.c
_DEPT = Department.__table__
_ENTERPRISE_COLUMNS = (_ENT.id, _ENT.uscc, _ENT.name, _ENT.jurisdiction_id, _ENT.ownership, _ENT.size)


def _agency_columns(dept: Any) -> tuple[Any, ...]:
    return (dept.c.id, dept.c.code, dept.c.name, dept.c.jurisdiction_id, dept.c.inspects,
            dept.c.annual_inspection_cap)


_GEN = QuietDayGeneration.__table__.c
_GEN_COLUMNS = (select(_GEN.generation).where(_GEN.id == 1).scalar_subquery().label("qd_generation"),
                select(_GEN.nonce).where(_GEN.id == 1).scalar_subquery().label("qd_nonce"))
# Built once, on table columns: SQLAlchemy memoises a statement's cache key on the object, and a Core statement
# skips the ORM's compile and result layers; together a good part of a check's cost in Python.


def _cap_count_columns(department_id: Any) -> tuple[Any, ...]:
    """A check's cap counts as columns of its enterprise lookup (issue 11: one round trip fewer): for each of
    the two years a check's look-ahead can touch, the agency's counted inspections of this enterprise and all
    agencies' counted visits, like `_cap_statement`."""
    t = Inspection.__table__.c
    visit = func.coalesce(t.joint_with_id, t.id)
    out = []
    for n in (1, 2):
        counted = and_(t.enterprise_id == _ENT.id, _counted(t, bindparam(f"start{n}"), bindparam(f"end{n}")))
        # CASE, not a WHERE on the agency: the counts must be found through the enterprise's index; a
        # province agency has hundreds of thousands of inspections a year.
        out.append(select(func.count(case((t.department_id == department_id, literal_column("1")))))
                   .where(counted).scalar_subquery().label(f"agency{n}"))
        out.append(select(func.count(func.distinct(visit))).where(counted).scalar_subquery().label(f"total{n}"))
    return tuple(out)


# Built once, on table columns: compiled once per dialect and run on the driver connection (operations.fastsql).
_ENTERPRISE_STMT = select(*_ENTERPRISE_COLUMNS, *_GEN_COLUMNS).where(_ENT.uscc == bindparam("uscc"))
# A check's row: the enterprise (6 columns), the agency named by ``code`` (6), the generation (2), the counts (4)
# of the given agency (an inspector's own), else of the named one (admin and secretariat).
_CHECK_ROW_STMT = (select(*_ENTERPRISE_COLUMNS, *_agency_columns(_DEPT), *_GEN_COLUMNS,
                          *_cap_count_columns(func.coalesce(bindparam("department_id", type_=Integer), _DEPT.c.id)))
                   .select_from(Enterprise.__table__.outerjoin(_DEPT, _DEPT.c.code == bindparam("code")))
                   .where(_ENT.uscc == bindparam("uscc")))
_ENTERPRISE = Prepared(_ENTERPRISE_STMT)
_CHECK_ROW = Prepared(_CHECK_ROW_STMT)

# The same row read with the bearer token (operations.auth.Rider): the whole check is then one statement. The
# counts are for the agency the check will act for: an inspector's own (the token's user's, read in this very
# statement), otherwise the one named.
_NAMED = _DEPT.alias("named_department")
_USERS = User.__table__.c
_ACTING_AGENCY = case((_USERS.role == literal_column("'inspector'"), _USERS.department_id), else_=_NAMED.c.id)


def _cap_counts_lateral(department_id: Any) -> Any:
    """PostgreSQL: the same four counts as `_cap_count_columns`, from one scan of the enterprise's inspections
    over both years (a LATERAL subquery with FILTERed counts), not four: measured 10–20 µs less of the
    server's CPU per check."""
    t = Inspection.__table__.c
    visit = func.coalesce(t.joint_with_id, t.id)
    first, second = t.date <= bindparam("end1"), t.date >= bindparam("start2")
    one = literal_column("1")
    return (select(func.count(one).filter(and_(first, t.department_id == department_id)).label("agency1"),
                   func.count(func.distinct(visit)).filter(first).label("total1"),
                   func.count(one).filter(and_(second, t.department_id == department_id)).label("agency2"),
                   func.count(func.distinct(visit)).filter(second).label("total2"))
            .where(t.enterprise_id == _ENT.id, _counted(t, bindparam("start1"), bindparam("end2")))
            .lateral("cap_counts"))


def _check_joins(token_from: Any) -> Any:
    return (token_from.outerjoin(Enterprise.__table__, _ENT.uscc == bindparam("uscc"))
            .outerjoin(_NAMED, _NAMED.c.code == bindparam("code")))


_CAP_COUNTS = _cap_counts_lateral(_ACTING_AGENCY)
_CHECK_RIDER = auth.riding(
    (*_ENTERPRISE_COLUMNS, *_agency_columns(_NAMED), *_GEN_COLUMNS, *_cap_count_columns(_ACTING_AGENCY)),
    _check_joins,
    postgresql=((*_ENTERPRISE_COLUMNS, *_agency_columns(_NAMED), *_GEN_COLUMNS, *_CAP_COUNTS.c),
                lambda token_from: _check_joins(token_from).outerjoin(_CAP_COUNTS, true())))


def _enterprise_and_snapshot(uscc: str) -> tuple[EnterpriseRow, Snapshot]:
    """The enterprise and the snapshot of its generation, in one query (the generation rides along)."""
    if not isinstance(uscc, str) or not uscc or len(uscc) > 18:
        find_enterprise(uscc)  # raises NotFound
    row = _ENTERPRISE.first_read({"uscc": uscc})
    if row is None:
        find_enterprise(uscc)  # raises NotFound
        raise AssertionError("unreachable")
    return EnterpriseRow(*row[:6]), snapshot(generation_key(row[6], row[7]))


def _kind(args: Mapping[str, Any], *, required: bool = True) -> str | None:
    return get_choice(args, "kind", qd.KINDS, required=required)


def _check_args(args: Mapping[str, Any]) -> tuple[date, str, dict[str, Any]]:
    """A check's date, kind and the parameters of its row (enterprise, agency code, the two years counted)."""
    uscc = get_str(args, "uscc", max_len=18)
    d = get_date(args, "date")
    kind = _kind(args)
    code = get_str(args, "department", required=False, max_len=40)
    if not isinstance(uscc, str) or not uscc or len(uscc) > 18:
        find_enterprise(uscc)  # raises NotFound
    first, last = d.year, (d + timedelta(days=MAX_DAYS - 1)).year
    return d, kind, {"uscc": uscc, "code": code or None, "start1": date(first, 1, 1), "end1": date(first, 12, 31),
                     "start2": date(last, 1, 1), "end2": date(last, 12, 31)}


def check_rider(args: Mapping[str, Any]) -> auth.Rider | None:
    """The check's row, to be read with the bearer token (blueprints: ``rides_on_token``); None for arguments
    the check will refuse anyway."""
    raw = args.to_dict() if hasattr(args, "to_dict") else dict(args)
    try:
        parsed = _check_args(raw)
    except DomainError:
        return None
    return auth.Rider(_CHECK_RIDER, parsed[2], parsed=(raw, parsed))


def check(user: User | auth.TokenUser, args: Mapping[str, Any]) -> dict[str, Any]:
    """GET /api/v1/check and the inspector's check page.

    One row answers it: the enterprise, the quiet-day generation, the agency named by ``department`` (admin and
    secretariat) and the cap counts of the two years the answer can touch. Over the API it was read with the
    bearer token (one statement in all); otherwise it is one query of its own. Anything not found falls back to
    the plain lookups, which raise the usual errors in the usual order (department first).
    """
    rider = auth.take_rider()
    # The same arguments the rider parsed (the view's are the query string too): parsed once per request.
    d, kind, params = rider.parsed[1] if rider is not None and rider.parsed[0] == args else _check_args(args)
    uscc, code = params["uscc"], params["code"]
    row = rider.row_for(user, params) if rider is not None else None
    dept: Department | AgencyRow | auth.TokenAgency
    if user.role in ("admin", "secretariat") and code:
        if row is None:
            row = _CHECK_ROW.first_read({**params, "department_id": None})
        if row is None or row[0] is None or row[6] is None:
            resolve_department(user, code)  # raises: unknown department
            find_enterprise(uscc)  # raises: unknown enterprise
            raise AssertionError("unreachable")
        dept = resolve_department(user, code, found=AgencyRow(*row[6:12]))
    else:
        dept = resolve_department(user, code)  # refuses before the enterprise is looked up, as always
        if row is None:
            row = _CHECK_ROW.first_read({**params, "department_id": dept.id})
        if row is None or row[0] is None:
            find_enterprise(uscc)  # raises NotFound
            raise AssertionError("unreachable")
    ent, gen, counts = EnterpriseRow(*row[:6]), row[12:14], row[14:18]
    snap = snapshot(generation_key(*gen))
    agency = agency_input(dept, snap.jurisdictions)
    first, last = params["start1"].year, params["start2"].year
    years_counted = [(ent.uscc, first, *counts[0:2])] + ([(ent.uscc, last, *counts[2:4])] if last != first else [])
    caps = _caps(agency, snap.jurisdictions, years_counted)
    result = snap.engine.check(enterprise_input(ent, snap.jurisdictions), d, kind, agency, caps)
    out = result_json(result, dept, snap.jurisdictions)
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
    ent, snap = _enterprise_and_snapshot(uscc)
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
    eng = snap.engine
    ent_in = enterprise_input(ent, snap.jurisdictions)
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
    agency = agency_input(dept, snap.jurisdictions)
    caps = cap_state(agency, dept.id, {ent.id: ent.uscc}, start.year, end.year, juris=snap.jurisdictions)
    result = eng.days(ent_in, start, end, kind, agency, caps)
    return {
        "uscc": ent.uscc, "from": start.isoformat(), "to": end.isoformat(), "kind": kind,
        "department": dept.code,
        "days": [{"date": r.date.isoformat(), "workday": r.workday, "protected": r.protected,
                  "allowed": r.allowed, "policy_ids": list(r.policy_ids)} for r in result],
    }


def _load_enterprises(usccs: Sequence[str]) -> dict[str, tuple[int, int, str, str | None]]:
    """uscc -> (id, jurisdiction_id, ownership, size): table columns (plain rows, no ORM bookkeeping), one
    array parameter on PostgreSQL, chunks below SQLite's parameter limit elsewhere."""
    out = {}
    t = Enterprise.__table__.c
    cols = (t.uscc, t.id, t.jurisdiction_id, t.ownership, t.size)
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        stmts = [select(*cols).where(t.uscc == func.any(bindparam("usccs", list(usccs), type_=ARRAY(String))))]
    else:
        stmts = [select(*cols).where(t.uscc.in_(usccs[i:i + _IN_CHUNK])) for i in range(0, len(usccs), _IN_CHUNK)]
    for stmt in stmts:
        for uscc, eid, jid, ownership, size in conn.execute(stmt).all():
            out[uscc] = (eid, jid, ownership, size)
    return out


BULK_FORMATS = ("dates", "ranges")
_STREAM_CHUNK = 500  # enterprises per streamed piece: a few hundred kB, never the whole answer in one string

register_labels(fields={"format": _l("Format")},
                choices={"format": {"dates": _l("Dates"), "ranges": _l("Date ranges")}})


def bulk(user: User, data: Mapping[str, Any]) -> Iterator[str]:
    """POST /api/v1/checks: allowed dates per enterprise for campaign planning, as JSON text in pieces.

    Everything that can fail (validation, the database, the engine) runs before this returns, so an error is a
    proper JSON error; the returned iterator only encodes, and the route streams it. ``"format": "ranges"``
    answers ``allowed_ranges`` as ``[from, to]`` runs instead of every date (10,000 × 366 in a few MB instead
    of 43). Each distinct answer is encoded once: most enterprises of a campaign share theirs.
    """
    reject_unknown(data, ("department", "kind", "from", "to", "enterprises", "format"))
    kind = _kind(data)
    start, end = _range(data)
    fmt = get_choice(data, "format", BULK_FORMATS, required=False, default="dates")
    raw = data.get("enterprises")
    if raw is None:
        raise invalid("enterprises", _("%(field)s is required.", field=field_label("enterprises")),
                      "missing_field")
    if not isinstance(raw, list) or not all(isinstance(u, str) for u in raw):
        raise invalid("enterprises", _("%(field)s must be a list of credit codes.",
                                       field=field_label("enterprises")))
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
    snap = snapshot()
    juris = snap.jurisdictions
    ents = [qd.Enterprise(u, juris.chain(jid), own, size) for u, (_eid, jid, own, size) in rows.items()]
    agency = agency_input(dept, juris)
    caps = cap_state(agency, dept.id, {eid: u for u, (eid, *_rest) in rows.items()}, start.year, end.year,
                     juris=juris)
    masks = snap.engine.bulk_allowed_masks(ents, start, end, kind, agency, caps)
    iso = [(start + timedelta(days=i)).isoformat() for i in range((end - start).days + 1)]
    return _bulk_json(usccs, masks, iso, fmt)


def _bulk_json(usccs: list[str], masks: Mapping[str, int], iso: list[str], fmt: str) -> Iterator[str]:
    key = "allowed_ranges" if fmt == "ranges" else "allowed_dates"
    fragments: dict[int, str] = {}
    yield '{"format": "ranges", "results": {' if fmt == "ranges" else '{"results": {'
    for i in range(0, len(usccs), _STREAM_CHUNK):
        parts = []
        for uscc in usccs[i:i + _STREAM_CHUNK]:
            mask = masks[uscc]
            frag = fragments.get(mask)
            if frag is None:
                if fmt == "ranges":
                    frag = json.dumps([[iso[a], iso[b]] for a, b in qd.mask_runs(mask)])
                else:
                    frag = json.dumps([iso[d] for d in qd.mask_offsets(mask)])
                fragments[mask] = frag
            parts.append(f'{json.dumps(uscc)}: {{"{key}": {frag}}}')
        yield (", " if i else "") + ", ".join(parts)
    yield "}}"
