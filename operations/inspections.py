"""Inspections: booking under the quiet-day rules and caps (SPEC §3.2–3.4), approval, the lifecycle
planned → (pending_approval) → checked_in → completed / cancelled, 扫码入企 check-in and the rating.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import extract, func, select
from sqlalchemy.orm import joinedload

from extensions import db
from models.base import utcnow
from models.department import Department
from models.enterprise import Enterprise
from models.inspection import INSPECTION_STATUSES, Inspection
from models.refusal import InspectionRefusal
from models.user import User
from operations import audit, checks, concurrency
from operations.calendar import load_calendar
from operations.errors import DomainError, Forbidden, NotFound
from operations.labels import INSPECTION_STATUS_LABELS, choice_label
from operations.validate import get_bool, get_choice, get_date, get_int, get_str, invalid, reject_unknown
from rules import quietdays as qd

BOOK_FIELDS = ("uscc", "department", "date", "kind", "subject", "justification", "reference", "emergency",
               "joint_with")
OPEN_STATUSES = ("planned", "pending_approval")
JOINT_WINDOW_DAYS = 14
EMERGENCY_RECORD_WORKDAYS = 3
# Ratings are published in steps (SPEC §3.6: agencies see ratings only in aggregate). A live average would
# betray each new rating (4.67 over 3 becoming 3.75 over 4 says the new one was a 1), so only closed calendar
# months count, and months are pooled until a step holds at least this many ratings: what a step adds is the
# sum of five or more ratings, never one enterprise's.
MIN_RATINGS_FOR_AVERAGE = 5
# refusals: the answers that count as a *refused* booking on the dashboard (stored in inspection_refusals).
# Only the rules refusing a well-formed request: a quiet day, a full annual cap, a second booking of the same
# enterprise by the same agency that day, and a quiet-day inspection booked too late for the head's approval
# (all 409). Not 422 answers (bad or missing input, including a missing justification, which the user fixes
# and sends again: counting them would count typing mistakes), nor 403/404.
REFUSED_CODES = frozenset({"quiet_day", "frequency_cap", "duplicate_inspection", "approval_too_late"})


# ------------------------------------------------------------------------------------------ reading


def shows_grounds(viewer: Any, insp: Inspection) -> bool:
    """Whether ``viewer`` may read the grounds (justification, reference) of ``insp``.

    Not the inspected enterprise for a complaint verification: the grounds name or point to the complainant,
    whom the law protects; the enterprise sees the kind and the date only. Agencies see them."""
    return not (getattr(viewer, "role", None) == "enterprise" and insp.kind == "complaint")


def to_json(insp: Inspection, viewer: User | None = None) -> dict[str, Any]:
    grounds = shows_grounds(viewer, insp)
    out = {
        "id": insp.id,
        "uscc": insp.enterprise.uscc,
        "enterprise_name": insp.enterprise.name,
        "department": insp.department.code,
        "department_name": insp.department.name,
        "date": insp.date.isoformat(),
        "kind": insp.kind,
        "subject": insp.subject,
        "justification": insp.justification if grounds else None,
        "reference": insp.reference if grounds else None,
        "emergency": insp.emergency,
        "record_overdue": insp.record_overdue,
        "on_protected_day": insp.on_protected_day,
        "status": insp.status,
        "joint_with": insp.joint_with_id,
        "created_at": insp.created_at.isoformat() + "Z" if insp.created_at else None,
        "approved_at": insp.approved_at.isoformat() + "Z" if insp.approved_at else None,
        "checked_in_at": insp.checked_in_at.isoformat() + "Z" if insp.checked_in_at else None,
        "completed_at": insp.completed_at.isoformat() + "Z" if insp.completed_at else None,
        "result": insp.result,
        "cancelled_at": insp.cancelled_at.isoformat() + "Z" if insp.cancelled_at else None,
        "cancel_reason": insp.cancel_reason,
        "rejected_at": insp.rejected_at.isoformat() + "Z" if insp.rejected_at else None,
        "rejection_reason": insp.rejection_reason,
    }
    # Only the enterprise that gave a rating learns which inspection is rated (and its value); an agency seeing
    # `rated` flip on one inspection would know who rated it, so agencies get the stepped averages only.
    if viewer is not None and viewer.role == "enterprise" and viewer.enterprise_id == insp.enterprise_id:
        out["rated"] = insp.rating is not None
        out["rating"] = insp.rating
        out["rating_comment"] = insp.rating_comment
    return out


def can_see(user: User, insp: Inspection) -> bool:
    if user.role in ("admin", "secretariat"):
        return True
    if user.role == "inspector":
        return user.department_id == insp.department_id
    if user.role == "enterprise":
        return user.enterprise_id == insp.enterprise_id
    return False


def get_inspection(inspection_id: int) -> Inspection:
    insp = db.session.get(Inspection, inspection_id)
    if insp is None:
        raise NotFound(_("No such inspection."))
    return insp


def get_visible(user: User, inspection_id: int) -> Inspection:
    insp = get_inspection(inspection_id)
    if not can_see(user, insp):
        raise Forbidden(_("This inspection belongs to another agency or enterprise."))
    return insp


def joined_visits(insp: Inspection) -> list[Inspection]:
    """The other inspections of the same visit (综合查一次), whichever side of the join ``insp`` is."""
    root = insp.joint_with_id or insp.id
    rows = db.session.scalars(
        select(Inspection).where(
            (Inspection.id == root) | (Inspection.joint_with_id == root), Inspection.id != insp.id
        ).order_by(Inspection.id)
    )
    return list(rows)


def list_statement(user: User, args: Mapping[str, Any]):
    """Inspections visible to ``user``, filtered by uscc, department, from, to, status; by date."""
    # No joins in the statement: the list's total counts it as a subquery, and over a million inspections a
    # count through joins reads every enterprise too. The uscc and agency filters are id lookups instead, and
    # the rows' enterprise and department come with the page through eager joins (not part of the count).
    stmt = select(Inspection)
    uscc = get_str(args, "uscc", required=False, max_len=18)
    code = get_str(args, "department", required=False, max_len=40)
    start = get_date(args, "from", required=False)
    end = get_date(args, "to", required=False)
    status = get_choice(args, "status", INSPECTION_STATUSES, required=False, labels="inspections.status")
    if user.role == "inspector":
        own = user.department.code if user.department else None
        if code and code != own:
            raise Forbidden(_("Inspectors see only their own agency's inspections."))
        stmt = stmt.where(Inspection.department_id == user.department_id)
    elif user.role == "enterprise":
        own_uscc = user.enterprise.uscc if user.enterprise else None
        if uscc and uscc != own_uscc:
            raise Forbidden(_("You may only see your own enterprise."))
        stmt = stmt.where(Inspection.enterprise_id == user.enterprise_id)
    elif user.role not in ("admin", "secretariat"):
        raise Forbidden(_("You do not have permission to do this."))
    if uscc:
        stmt = stmt.where(Inspection.enterprise_id == select(Enterprise.id).where(Enterprise.uscc == uscc)
                          .scalar_subquery())
    if code:
        stmt = stmt.where(Inspection.department_id == select(Department.id).where(Department.code == code)
                          .scalar_subquery())
    if start:
        stmt = stmt.where(Inspection.date >= start)
    if end:
        stmt = stmt.where(Inspection.date <= end)
    if status:
        stmt = stmt.where(Inspection.status == status)
    # Listing 50 rows is one query, not 101 (each row shows its enterprise and agency).
    return stmt.options(joinedload(Inspection.enterprise, innerjoin=True),
                        joinedload(Inspection.department, innerjoin=True)).order_by(
        Inspection.date.desc(), Inspection.id.desc())


def _month_start_utc(today: date) -> datetime:
    """00:00 on the first of ``today``'s month in the app's time zone, as the naive UTC of ``rated_at``."""
    tz = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))
    local = datetime(today.year, today.month, 1, tzinfo=tz)
    return local.astimezone(UTC).replace(tzinfo=None)


def ratings_summary(user: User) -> list[dict[str, Any]]:
    """Published average and count of ratings per department: never per inspection, never per enterprise.

    Only months closed before the current one count, pooled in order until a step holds at least
    MIN_RATINGS_FOR_AVERAGE ratings; a remainder waits for later months. ``published_until`` names the last
    month in the published figures."""
    if user.role == "inspector":
        scope = Inspection.department_id == user.department_id
    elif user.role in ("admin", "secretariat"):
        scope = None
    else:
        raise Forbidden(_("You do not have permission to do this."))
    cutoff = _month_start_utc(checks.local_today())
    year, month = extract("year", Inspection.rated_at), extract("month", Inspection.rated_at)
    stmt = (select(Department.code, Department.name, year, month, func.count(Inspection.rating),
                   func.sum(Inspection.rating))
            .join(Department, Department.id == Inspection.department_id)
            .where(Inspection.rating.is_not(None), Inspection.rated_at < cutoff)
            .group_by(Department.code, Department.name, year, month)
            .order_by(Department.code, year, month))
    if scope is not None:
        stmt = stmt.where(scope)
    published: dict[str, dict[str, Any]] = {}
    pool: dict[str, tuple[int, int]] = {}
    for code, name, y, m, count, total in db.session.execute(stmt):
        row = published.setdefault(code, {"department": code, "department_name": name, "count": 0,
                                          "sum": 0, "published_until": None})
        pooled_count, pooled_sum = pool.get(code, (0, 0))
        pooled_count, pooled_sum = pooled_count + count, pooled_sum + int(total)
        if pooled_count >= MIN_RATINGS_FOR_AVERAGE:
            row["count"] += pooled_count
            row["sum"] += pooled_sum
            row["published_until"] = f"{int(y):04d}-{int(m):02d}"
            pooled_count, pooled_sum = 0, 0
        pool[code] = (pooled_count, pooled_sum)
    out = []
    for row in published.values():
        count, total = row.pop("count"), row.pop("sum")
        out.append({**row, "count": count, "average": round(total / count, 2) if count else None})
    return out


# ------------------------------------------------------------------------------------------ booking


def joint_suggestion(ent: Enterprise, dept: Department, d: date) -> dict[str, Any] | None:
    """Another agency's open inspection of this enterprise within 14 days: suggest one visit (综合查一次)."""
    rows = db.session.scalars(
        select(Inspection).where(
            Inspection.enterprise_id == ent.id,
            Inspection.department_id != dept.id,
            Inspection.status.in_(OPEN_STATUSES),
            Inspection.date >= d - timedelta(days=JOINT_WINDOW_DAYS),
            Inspection.date <= d + timedelta(days=JOINT_WINDOW_DAYS),
        )
    ).all()
    if not rows:
        return None
    best = min(rows, key=lambda r: (abs((r.date - d).days), r.date, r.id))
    return {"inspection_id": best.id, "id": best.id, "department": best.department.code,
            "department_name": best.department.name, "date": best.date.isoformat()}


def _joint_target(value: int, ent: Enterprise, dept: Department) -> Inspection:
    target = db.session.get(Inspection, value)
    if target is None or target.enterprise_id != ent.id:
        raise invalid("joint_with", _("No inspection %(id)s of this enterprise to join.", id=value))
    if target.department_id == dept.id:
        raise invalid("joint_with", _("A joint visit is with another agency."))
    if target.status not in OPEN_STATUSES:
        raise invalid("joint_with", _("Inspection %(id)s is no longer planned.", id=value))
    return target


def same_day_booking(enterprise_id: int, department_id: int, d: date) -> Inspection | None:
    """The agency's first booking of this enterprise on ``d`` that still takes (or took) place (SPEC §3.5.5)."""
    return db.session.scalar(select(Inspection).where(
        Inspection.enterprise_id == enterprise_id, Inspection.department_id == department_id,
        Inspection.date == d, Inspection.status.in_(checks.COUNTED_STATUSES),
    ).order_by(Inspection.id).limit(1))


def duplicate_booking(first: Inspection) -> DomainError:
    """409 duplicate_inspection naming the first booking: one agency visits an enterprise once a day, and a
    second agency that day joins the visit instead (综合查一次)."""
    return DomainError(
        "duplicate_inspection",
        _("%(dept)s already has inspection no. %(id)s of this enterprise on %(date)s (%(status)s); "
          "one agency books one inspection of an enterprise per day.",
          dept=first.department.name, id=first.id, date=first.date.isoformat(),
          status=choice_label("inspections.status", first.status)),
        status=409, field="date",
        details={"existing": {"id": first.id, "date": first.date.isoformat(), "status": first.status,
                              "kind": first.kind, "department": first.department.code}},
    )


def cap_sentence(cap: dict[str, Any], year: int) -> str:
    """Whose cap refuses, and how full it is: the refusal must say so, not only name a quiet day."""
    if cap["scope"] == "department":
        return _("the annual cap of %(owner)s is reached: at most %(limit)s routine or random inspections of "
                 "this enterprise a year, %(used)s already booked in %(year)s",
                 owner=cap["owner_name"], limit=cap["limit"], used=cap["used"], year=year)
    return _("the annual cap of %(owner)s for all agencies together is reached: at most %(limit)s routine or "
             "random inspections of this enterprise a year, %(used)s already booked in %(year)s",
             owner=cap["owner_name"], limit=cap["limit"], used=cap["used"], year=year)


def _refusal(result: qd.CheckResult) -> DomainError:
    next_date = result.next_allowed_date.isoformat() if result.next_allowed_date else None
    cap = checks.cap_json(result.cap, with_owner=True) if result.cap_reached else None
    if next_date:
        after = _("Next allowed working day: %(date)s.", date=next_date)
    else:
        after = _("No working day in the next 366 days is allowed.")
    if result.blocking:
        titles = "、".join(p.title if p.title.startswith("《") else f"《{p.title}》" for p in result.blocking)
        message = _("%(date)s is a quiet day for this enterprise under %(titles)s.", date=result.date.isoformat(),
                    titles=titles)
        if cap is not None:
            # The next date may jump to next year because of the cap: say so, or the date looks arbitrary.
            message += " " + _("Besides, %(cap)s.", cap=cap_sentence(cap, result.date.year))
        details: dict[str, Any] = {"next_allowed_date": next_date,
                                   "policies": list(checks.policy_refs(result.blocking))}
        if cap is not None:
            details["cap"] = cap
        return DomainError("quiet_day", f"{message} {after}", status=409, details=details)
    cap = cap or checks.cap_json(result.cap, with_owner=True) or {}
    message = _("Refused: %(cap)s.", cap=cap_sentence(cap, result.date.year)) if cap else _(
        "The annual inspection cap is reached.")
    return DomainError(
        "frequency_cap", f"{message} {after}", status=409,
        details={**cap, "cap": cap, "next_allowed_date": next_date},
    )


def _refused(err: DomainError, enterprise_id: int, jurisdiction_id: int, department_id: int,
              d: date) -> DomainError:
    """Roll the booking back, store the refusal in its own short transaction, and return ``err`` to raise.

    The row is written after the rollback so that it outlives the refused booking, and it is best effort: a
    failure to store it is logged and the user still gets the 409 (never a 500 because of the statistics)."""
    db.session.rollback()
    try:
        db.session.add(InspectionRefusal(enterprise_id=enterprise_id, jurisdiction_id=jurisdiction_id,
                                         department_id=department_id, date=d, code=err.code))
        db.session.commit()
    except Exception:  # any database failure here must not hide the refusal itself
        db.session.rollback()
        current_app.logger.exception("could not store the refused booking (%s)", err.code)
    return err


def book(user: User, data: Mapping[str, Any]) -> tuple[Inspection, dict[str, Any]]:
    """Book an inspection; returns it and extra answer fields (joint suggestion, advisory policies)."""
    reject_unknown(data, BOOK_FIELDS)
    uscc = get_str(data, "uscc", max_len=18)
    kind = get_choice(data, "kind", qd.KINDS)
    subject = get_str(data, "subject", max_len=300)
    justification = get_str(data, "justification", required=False, max_len=4000)
    reference = get_str(data, "reference", required=False, max_len=200)
    emergency = get_bool(data, "emergency")
    joint_id = get_int(data, "joint_with", required=False, minimum=1)
    requested = get_date(data, "date", required=joint_id is None)
    if emergency and kind in qd.CAPPED_KINDS:
        raise invalid("emergency", _("Routine and random inspections cannot be emergencies."))
    dept = checks.resolve_department(user, get_str(data, "department", required=False, max_len=40))
    try:
        ent = checks.find_enterprise(uscc)
    except NotFound:
        raise invalid("uscc", _("No enterprise with this credit code.")) from None
    # Caps and the one-booking-per-day rule are counts over this enterprise's inspections: count and insert
    # in one serialised transaction (SQLite BEGIN IMMEDIATE across threads and gunicorn workers; PostgreSQL
    # locks the enterprise row), so parallel bookings queue and each sees the ones before it.
    concurrency.begin_write((Enterprise, ent.id))
    target = None
    if joint_id is not None:
        target = _joint_target(joint_id, ent, dept)
        if requested is not None and requested != target.date:
            raise invalid("date", _("A joint visit takes place on the date of the visit it joins (%(date)s).",
                                    date=target.date.isoformat()))
    d: date = target.date if target is not None else requested
    today = checks.local_today()
    if d < today and not emergency:
        raise invalid("date", _("The date is in the past; only emergencies are recorded afterwards."))
    root = (target.joint_with_id or target.id) if target is not None else None
    # Kept as plain ids: the rollback before storing a refusal expires the objects.
    ids = {"enterprise_id": ent.id, "jurisdiction_id": ent.jurisdiction_id, "department_id": dept.id, "d": d}
    first = same_day_booking(ent.id, dept.id, d)
    if first is not None:
        raise _refused(duplicate_booking(first), **ids)
    result = checks.check_one(ent, d, kind, dept, exclude_visit=root)
    if not result.allowed:
        raise _refused(_refusal(result), **ids)
    status = "planned"
    if result.requires_justification:
        if not justification:
            raise DomainError(
                "justification_required",
                _("%(date)s is a quiet day for this enterprise: a %(kind)s needs a written justification.",
                  date=d.isoformat(), kind=choice_label("kind", kind)),
                status=422, field="justification",
                details={"policies": list(checks.policy_refs(result.exempt))},
            )
        if not emergency:
            if d <= today:
                raise _refused(DomainError(
                    "approval_too_late",
                    _("An inspection on a quiet day needs the head's approval before the date; "
                      "choose a later date or record it as an emergency."),
                    status=409, field="date"), **ids)
            status = "pending_approval"
    overdue = emergency and today > load_calendar().add_workdays(d, EMERGENCY_RECORD_WORKDAYS)
    insp = Inspection(
        enterprise_id=ent.id, department_id=dept.id, date=d, kind=kind, subject=subject,
        justification=justification, reference=reference, emergency=emergency, record_overdue=overdue,
        on_protected_day=result.protected, status=status, joint_with_id=root, created_by_id=user.id,
    )
    db.session.add(insp)
    db.session.flush()
    audit.record("create", "inspection", insp.id, after=to_json(insp))
    suggestion = None if target is not None else joint_suggestion(ent, dept, d)
    db.session.commit()
    extra: dict[str, Any] = {
        "advisory": list(checks.policy_refs(result.advisory)),
        "exempt": list(checks.policy_refs(result.exempt)),
        "cap": checks.cap_json(result.cap),
    }
    if suggestion:
        extra["joint_suggestion"] = suggestion
    return insp, extra


# ------------------------------------------------------------------------------------------ lifecycle


def _own_agency(user: User, insp: Inspection) -> None:
    if user.role != "inspector" or user.department_id != insp.department_id:
        raise Forbidden(_("Only inspectors of %(name)s may do this.", name=insp.department.name))


def _state_error(insp: Inspection) -> DomainError:
    messages = {
        "pending_approval": _("This inspection is still waiting for the head's approval."),
        "checked_in": _("This inspection is already checked in."),
        "completed": _("This inspection is already completed."),
        "cancelled": _("This inspection was cancelled."),
        "rejected": _("The agency's head rejected this inspection: %(reason)s", reason=insp.rejection_reason or "—"),
        "planned": _("This inspection is planned and not yet checked in."),
    }
    code = {"pending_approval": "pending_approval", "checked_in": "already_checked_in"}.get(insp.status,
                                                                                           "invalid_state")
    return DomainError(code, messages.get(insp.status, insp.status), status=409,
                       details={"status": insp.status})


def _transition(insp: Inspection, action: str, changes: Mapping[str, Any],
                audit_extra: Mapping[str, Any] | None = None) -> Inspection:
    """Write ``changes`` only if the inspection is still in the state the caller read and checked.

    A conditional UPDATE on that state (concurrency.transition): of parallel requests (30 cancels, a check-in
    racing a cancel) exactly one matches; the others get the 409 a request arriving later would get, so the
    answer does not depend on whether one lost the race or simply came second."""
    before = to_json(insp)
    try:
        concurrency.transition(insp, [before["status"]], changes)
    except DomainError as err:
        if err.code != "invalid_state":
            raise
        db.session.rollback()
        raise _state_error(get_inspection(insp.id)) from None
    audit.record(action, "inspection", insp.id, before=before, after={**to_json(insp), **(audit_extra or {})})
    db.session.commit()
    return insp


def _may_decide(user: User, insp: Inspection) -> None:
    """The agency's head decides, and never on their own booking (four eyes: 双人复核)."""
    _own_agency(user, insp)
    if not user.is_head:
        raise Forbidden(_("Only the agency's head may approve inspections on quiet days."))
    if insp.created_by_id == user.id:
        raise DomainError("four_eyes", _("You booked this inspection yourself: another head of %(name)s must "
                                         "decide on it.", name=insp.department.name), status=403)


def approval_queue(user: User) -> list[Inspection]:
    """Inspections of the head's agency waiting for approval, soonest first (the dashboard queue)."""
    if user.role != "inspector" or not user.is_head or user.department_id is None:
        return []
    return list(db.session.scalars(select(Inspection).where(
        Inspection.department_id == user.department_id, Inspection.status == "pending_approval",
    ).order_by(Inspection.date, Inspection.id)))


def approval_count(user: User) -> int:
    if user.role != "inspector" or not user.is_head or user.department_id is None:
        return 0
    return db.session.scalar(select(func.count()).select_from(Inspection).where(
        Inspection.department_id == user.department_id, Inspection.status == "pending_approval")) or 0


def _decide(insp: Inspection, action: str, changes: Mapping[str, Any]) -> Inspection:
    """pending_approval → ``changes["status"]`` as one conditional UPDATE: of two heads deciding at once,
    exactly one wins and the other gets 409 invalid_state naming the decision already taken."""
    before = to_json(insp)
    concurrency.transition(insp, ["pending_approval"], changes, names=INSPECTION_STATUS_LABELS)
    audit.record(action, "inspection", insp.id, before=before, after=to_json(insp))
    db.session.commit()
    return insp


def approve(user: User, inspection_id: int) -> Inspection:
    insp = get_inspection(inspection_id)
    _may_decide(user, insp)
    if insp.status != "pending_approval":
        raise concurrency.invalid_state("inspections", insp.status, ["pending_approval"],
                                        INSPECTION_STATUS_LABELS)
    if checks.local_today() >= insp.date:
        raise DomainError("too_late", _("Approval must be given before the inspection date."), status=409)
    return _decide(insp, "approve", {"status": "planned", "approved_by_id": user.id, "approved_at": utcnow()})


def reject(user: User, inspection_id: int, data: Mapping[str, Any]) -> Inspection:
    """The head refuses a pending inspection, with a reason the booker reads; it never takes place."""
    insp = get_inspection(inspection_id)
    _may_decide(user, insp)
    reject_unknown(data, ("reason",))
    reason = get_str(data, "reason", max_len=1000)
    if insp.status != "pending_approval":
        raise concurrency.invalid_state("inspections", insp.status, ["pending_approval"],
                                        INSPECTION_STATUS_LABELS)
    return _decide(insp, "reject", {"status": "rejected", "rejected_by_id": user.id, "rejected_at": utcnow(),
                                    "rejection_reason": reason})


def cancel(user: User, inspection_id: int, data: Mapping[str, Any]) -> Inspection:
    insp = get_inspection(inspection_id)
    if user.role == "inspector":
        _own_agency(user, insp)
    elif user.role not in ("admin", "secretariat"):
        raise Forbidden(_("You do not have permission to do this."))
    reject_unknown(data, ("reason",))
    reason = get_str(data, "reason", max_len=1000)
    if insp.status not in OPEN_STATUSES:
        raise _state_error(insp)
    return _transition(insp, "cancel", {"status": "cancelled", "cancelled_at": utcnow(),
                                        "cancel_reason": reason, "cancelled_by_id": user.id})


def check_in(user: User, inspection_id: int) -> Inspection:
    insp = get_inspection(inspection_id)
    _own_agency(user, insp)
    if insp.status != "planned":
        raise _state_error(insp)
    if insp.date != checks.local_today():
        raise DomainError("not_today", _("This inspection is planned for %(date)s, not today.",
                                         date=insp.date.isoformat()), status=409)
    return _transition(insp, "check_in", {"status": "checked_in", "checked_in_at": utcnow(),
                                          "checked_in_by_id": user.id})


def todays_for(user: User, ent: Enterprise) -> list[Inspection]:
    """The inspector's agency's inspections of ``ent`` today (Asia/Shanghai), cancelled and rejected ones
    aside (neither takes place)."""
    if user.role != "inspector" or user.department_id is None:
        return []
    return list(db.session.scalars(select(Inspection).where(
        Inspection.enterprise_id == ent.id, Inspection.department_id == user.department_id,
        Inspection.date == checks.local_today(), Inspection.status.not_in(("cancelled", "rejected")),
    ).order_by(Inspection.id)))


def check_in_at(user: User, uscc: str) -> Inspection:
    """扫码入企: check in against today's planned inspection of the inspector's agency, or say why not."""
    ent = checks.find_enterprise(uscc)
    if user.role != "inspector":
        raise Forbidden(_("Only inspectors check in."))
    todays = todays_for(user, ent)
    planned = [i for i in todays if i.status == "planned"]
    if planned:
        return check_in(user, planned[0].id)
    for status in ("pending_approval", "checked_in", "completed"):
        found = [i for i in todays if i.status == status]
        if found:
            raise _state_error(found[0])
    raise DomainError("none_planned",
                      _("Your agency has no inspection of this enterprise planned for today."), status=409)


def emergency_check_in(user: User, uscc: str, data: Mapping[str, Any]) -> Inspection:
    """An emergency inspection without a prior plan: recorded as emergency for today, then checked in."""
    payload = {k: data.get(k) for k in ("kind", "subject", "justification", "reference")}
    payload.update({"uscc": uscc, "date": checks.local_today().isoformat(), "emergency": True})
    if not payload.get("justification"):
        raise invalid("justification", _("An emergency inspection needs a written justification."),
                      "justification_required")
    insp, _extra = book(user, payload)
    return check_in(user, insp.id)


def complete(user: User, inspection_id: int, data: Mapping[str, Any]) -> Inspection:
    insp = get_inspection(inspection_id)
    _own_agency(user, insp)
    reject_unknown(data, ("result",))
    result = get_str(data, "result", required=False, max_len=4000)
    if insp.status != "checked_in":
        raise _state_error(insp)
    return _transition(insp, "complete", {"status": "completed", "completed_at": utcnow(), "result": result,
                                          "completed_by_id": user.id})


def rate(user: User, inspection_id: int, data: Mapping[str, Any]) -> Inspection:
    insp = get_inspection(inspection_id)
    if user.role != "enterprise" or user.enterprise_id != insp.enterprise_id:
        raise Forbidden(_("Only the inspected enterprise rates an inspection."))
    reject_unknown(data, ("rating", "comment"))
    rating = get_int(data, "rating", minimum=1, maximum=5)
    comment = get_str(data, "comment", required=False, max_len=1000)
    # The rating does not change the status, so the status alone cannot guard it: lock the row and re-read it,
    # so that of two parallel ratings the second sees the first (one rating per inspection).
    concurrency.begin_write((Inspection, insp.id))
    if insp.status != "completed":
        raise DomainError("not_completed", _("Only completed inspections can be rated."), status=409)
    if insp.rating is not None:
        raise DomainError("already_rated", _("This inspection has already been rated."), status=409)
    # The audit log (admins only) keeps the value; agencies never read it there.
    return _transition(insp, "rate", {"rating": rating, "rating_comment": comment, "rated_at": utcnow()},
                       {"rating": rating, "rating_comment": comment})
