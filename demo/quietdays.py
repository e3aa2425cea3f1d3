"""Demo quiet-day policies and inspections (runs after demo.reference).

Idempotent: policies are found by jurisdiction and title, exceptions by date, inspections by their subject.
Dates are computed with the engine around today, so every sample respects the rules it is meant to show.
If the reference rows are missing (demo.reference not loaded), nothing is created.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.department import Department
from models.enterprise import Enterprise
from models.inspection import Inspection
from models.jurisdiction import Jurisdiction
from models.policy import PolicyException, QuietDayPolicy
from models.user import User
from operations import audit, checks, inspections, policies
from operations.errors import DomainError

TEN_POINTS = "《株洲市促进民营经济高质量发展的十条意见》"
REFERENCE_NEEDED = ("430000", "430200", "430212", "430211")
DEPARTMENTS_NEEDED = ("zz-amr", "zz-em", "zz-fire", "zz-eco", "zz-tax", "zz-housing")
USERS_NEEDED = ("inspector@zhengqi.demo", "inspector-head@zhengqi.demo", "enterprise@zhengqi.demo",
                "admin@zhengqi.demo")
WHITE_LIST = ("株洲高新动力电池科技有限公司", "株洲天元精密机械有限公司")
PREFIX = "【演示】"


def _policy_specs(today: date) -> list[dict[str, Any]]:
    return [
        {"jurisdiction_code": "430200", "title": "株洲市民营企业宁静日", "reference": TEN_POINTS,
         "rule": {"type": "weekdays", "weekdays": [1, 2, 3]}, "valid_from": "2022-01-01", "valid_until": None,
         "ownership": ["private"], "sizes": [], "enterprises": [], "blocked_kinds": ["routine", "random"],
         "binds": "level_and_below", "status": "active"},
        {"jurisdiction_code": "430212", "title": "渌口区规上企业宁静期",
         "reference": "渌口区优化营商环境若干措施",
         "rule": {"type": "month_days", "from": 1, "to": 15}, "valid_from": "2025-01-01", "valid_until": None,
         "ownership": [], "sizes": ["above_scale"], "enterprises": [], "blocked_kinds": ["routine", "random"],
         "binds": "level_and_below", "status": "active"},
        {"jurisdiction_code": "430200", "title": "重点项目投产保障免检期（白名单）",
         "reference": "株洲市重点项目调度会纪要",
         "rule": {"type": "date_range", "from": date(today.year, today.month, 1).isoformat(),
                  "to": (date(today.year, today.month, 1) + timedelta(days=89)).isoformat()},
         "valid_from": date(today.year, today.month, 1).isoformat(), "valid_until": None, "ownership": [],
         "sizes": [], "enterprises": "WHITE_LIST", "blocked_kinds": ["routine", "random", "licensing"],
         "binds": "level_and_below", "status": "active"},
    ]


def _first_weekday_after(today: date, iso_weekday: int, min_days: int) -> date:
    d = today + timedelta(days=min_days)
    while d.isoweekday() != iso_weekday:
        d += timedelta(days=1)
    return d


def _ensure_policies(today: date) -> tuple[list[QuietDayPolicy], int]:
    created = 0
    rows = []
    usccs = list(db.session.scalars(select(Enterprise.uscc).where(Enterprise.name.in_(WHITE_LIST))))
    for spec in _policy_specs(today):
        juris = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == spec["jurisdiction_code"]))
        row = db.session.scalar(select(QuietDayPolicy).where(QuietDayPolicy.jurisdiction_id == juris.id,
                                                             QuietDayPolicy.title == spec["title"]))
        if row is None:
            if spec["enterprises"] == "WHITE_LIST":
                spec = {**spec, "enterprises": usccs}
            row = policies.create_policy(spec)
            created += 1
        rows.append(row)
    mon_wed = rows[0]
    # A lift (a citywide safety campaign day) and an add (a day the city added at the enterprises' request).
    lift_day = _first_weekday_after(today, 3, 7)
    add_day = _first_weekday_after(today, 5, 7)
    wanted = [(lift_day, "lift", "全市安全生产集中检查日（市安委会统一部署），当日不作为宁静日"),
              (add_day, "add", "应企业联合申请，年末订货会期间增设宁静日")]
    existing = set(db.session.scalars(
        select(PolicyException.effect).where(PolicyException.policy_id == mon_wed.id)))
    for d, effect, reason in wanted:
        if effect not in existing:
            policies.add_exception(mon_wed.id, {"date": d.isoformat(), "effect": effect, "reason": reason})
            created += 1
    return rows, created


def _dept(code: str) -> Department:
    return db.session.scalar(select(Department).where(Department.code == code))


def _user(email: str) -> User:
    return db.session.scalar(select(User).where(func.lower(User.email) == email))


def _exists(subject: str) -> bool:
    return db.session.scalar(select(Inspection.id).where(Inspection.subject == subject)) is not None


def _allowed_dates(ent: Enterprise, dept: Department, kind: str, start: date, end: date) -> list[date]:
    answer = checks.engine().days(checks.enterprise_input(ent), start, end, kind, checks.agency_input(dept),
                                  checks.cap_state(checks.agency_input(dept), dept.id, {ent.id: ent.uscc},
                                                   start.year, end.year))
    return [r.date for r in answer if r.allowed]


def _protected_dates(ent: Enterprise, start: date, end: date) -> list[date]:
    return sorted(checks.engine().protected_days(checks.enterprise_input(ent), start, end))


def _insert(ent: Enterprise, dept: Department, d: date, kind: str, subject: str, status: str,
            actor: User, **extra: Any) -> Inspection:
    """Past and same-day states cannot be booked through the API (dates in the past are refused), so they
    are inserted here on dates the engine allows, and audited like any write."""
    now = utcnow()
    insp = Inspection(enterprise_id=ent.id, department_id=dept.id, date=d, kind=kind, subject=subject,
                      status=status, created_by_id=actor.id,
                      on_protected_day=bool(_protected_dates(ent, d, d)), **extra)
    if status in ("checked_in", "completed"):
        insp.checked_in_at, insp.checked_in_by_id = now, actor.id
    if status == "completed":
        insp.completed_at, insp.completed_by_id = now, actor.id
    db.session.add(insp)
    db.session.flush()
    audit.record("create", "inspection", insp.id, after=inspections.to_json(insp))
    db.session.commit()
    return insp


def _book(user: User, data: dict[str, Any]) -> Inspection | None:
    try:
        insp, _extra = inspections.book(user, data)
    except DomainError:
        db.session.rollback()
        return None
    return insp


def _ensure_inspections(today: date) -> int:
    by_name = {e.name: e for e in db.session.scalars(select(Enterprise))}
    own = by_name.get("株洲时代工程塑料科技有限责任公司")
    if own is None:
        return 0
    amr, em, eco = _dept("zz-amr"), _dept("zz-em"), _dept("zz-eco")
    inspector, admin = _user("inspector@zhengqi.demo"), _user("admin@zhengqi.demo")
    horizon = today + timedelta(days=60)
    created = 0

    # planned: the next date the Mon–Wed and 1st–15th policies leave open for a routine visit.
    subject = PREFIX + "食品安全日常监督检查"
    planned = db.session.scalar(select(Inspection).where(Inspection.subject == subject))
    if planned is None:
        open_days = _allowed_dates(own, amr, "routine", today + timedelta(days=1), horizon)
        if open_days:
            planned = _book(inspector, {"uscc": own.uscc, "date": open_days[0].isoformat(), "kind": "routine",
                                        "subject": subject})
            created += planned is not None
    # joined: the fire brigade visits together with the market regulator (one visit for the enterprise).
    subject = PREFIX + "消防安全联合检查"
    if planned is not None and not _exists(subject):
        created += _book(admin, {"uscc": own.uscc, "department": "zz-fire", "joint_with": planned.id,
                                 "kind": "routine", "subject": subject}) is not None
    # pending_approval: a complaint check on a quiet day, with justification and reference.
    subject = PREFIX + "投诉举报核查（产品质量）"
    if not _exists(subject):
        quiet = _protected_dates(own, today + timedelta(days=2), horizon)
        if quiet:
            created += _book(inspector, {
                "uscc": own.uscc, "date": quiet[0].isoformat(), "kind": "complaint", "subject": subject,
                "justification": "12315平台实名投诉：产品标识不符，需现场核实",
                "reference": "12315-2026-1108-0231",
            }) is not None
    # cancelled: an environmental check booked and then called off.
    subject = PREFIX + "排污许可执行情况检查"
    if not _exists(subject):
        target = by_name.get("株洲渌口南洲新材料有限公司") or own
        days = _allowed_dates(target, eco, "routine", today + timedelta(days=1), horizon)
        insp = _book(admin, {"uscc": target.uscc, "department": "zz-eco", "date": days[0].isoformat(),
                             "kind": "routine", "subject": subject}) if days else None
        if insp is not None:
            inspections.cancel(admin, insp.id, {"reason": "并入全市生态环境专项行动统一安排"})
            created += 1
    # checked_in: today, where today is allowed (otherwise an emergency on a quiet day, as the rules permit).
    subject = PREFIX + "安全生产现场检查"
    if not _exists(subject):
        target = by_name.get("株洲芦淞服饰产业有限公司") or own
        if _allowed_dates(target, em, "routine", today, today):
            _insert(target, em, today, "routine", subject, "checked_in", admin)
        else:
            _insert(target, em, today, "accident", subject, "checked_in", admin, emergency=True,
                    justification="企业报告粉尘除尘设备异常，需立即现场处置", reference="应急-2026-1122-01")
        created += 1
    # completed with ratings: past visits on allowed dates; three ratings so the agency's average shows.
    for name, rating, comment in (("湖南华旦新材料有限公司", 5, "检查人员规范文明，一次讲清整改要求"),
                                  ("湖南联诚轨道装备有限公司", 4, "提前告知，未影响生产"),
                                  ("株洲金韦硬质合金有限公司", 5, None)):
        target = by_name.get(name)
        subject = PREFIX + f"特种设备安全检查（{name}）"
        if target is None or _exists(subject):
            continue
        days = _allowed_dates(target, amr, "routine", today - timedelta(days=40), today - timedelta(days=5))
        if not days:
            continue
        _insert(target, amr, days[-1], "routine", subject, "completed", inspector,
                result="未发现问题；建议完善特种设备台账", rating=rating, rating_comment=comment,
                rated_at=utcnow())
        created += 1
    return created


def load() -> list[str]:
    have = set(db.session.scalars(select(Jurisdiction.code).where(Jurisdiction.code.in_(REFERENCE_NEEDED))))
    depts = set(db.session.scalars(select(Department.code).where(Department.code.in_(DEPARTMENTS_NEEDED))))
    users = set(db.session.scalars(
        select(func.lower(User.email)).where(func.lower(User.email).in_(USERS_NEEDED))))
    if have != set(REFERENCE_NEEDED) or depts != set(DEPARTMENTS_NEEDED) or users != set(USERS_NEEDED):
        return []
    today = checks.local_today()
    rows, made_policies = _ensure_policies(today)
    checks.invalidate()
    made_inspections = _ensure_inspections(today)
    return [
        "",
        f"Quiet days: {len(rows)} policies ({made_policies} policies/exceptions created), "
        f"{made_inspections} inspections created",
        "Public quiet-day page: /public/quiet-days/430212",
    ]
