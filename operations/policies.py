"""Quiet-day policies (宁静日): create, edit, activate, revoke, exceptions — for the pages and the API."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import delete as sql_delete
from sqlalchemy import select

from extensions import db
from models.base import utcnow
from models.enterprise import OWNERSHIPS, SIZES, Enterprise
from models.jurisdiction import Jurisdiction
from models.policy import PolicyException, QuietDayPolicy
from operations import audit, checks, concurrency
from operations.errors import DomainError, NotFound
from operations.labels import choice_label, field_label
from operations.validate import get_bool, get_choice, get_date, get_list, get_str, invalid, reject_unknown
from rules import quietdays as qd

FIELDS = ("jurisdiction_code", "title", "reference", "rule", "valid_from", "valid_until", "ownership",
          "sizes", "enterprises", "blocked_kinds", "binds", "status")
EFFECTS = ("lift", "add")
STATUSES = ("draft", "active", "revoked")

_SHORT_DAYS = {1: _l("Mon"), 2: _l("Tue"), 3: _l("Wed"), 4: _l("Thu"), 5: _l("Fri"), 6: _l("Sat"),
               7: _l("Sun")}


def _actor_id() -> int | None:
    # Also called from the CLI (demo data), where there is no request and so no signed-in user.
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def rule_text(rule: Mapping[str, Any]) -> str:
    """The rule in one plain sentence, e.g. 每周一至周三为宁静日."""
    rtype = rule.get("type")
    if rtype == "weekdays":
        days = sorted(d for d in rule.get("weekdays", []) if d in _SHORT_DAYS)
        if not days:
            return ""
        if len(days) > 1 and days == list(range(days[0], days[-1] + 1)):
            return _("Every %(first)s to %(last)s is a quiet day", first=_SHORT_DAYS[days[0]],
                     last=_SHORT_DAYS[days[-1]])
        return _("Every %(days)s is a quiet day", days=_(", ").join(str(_SHORT_DAYS[d]) for d in days))
    if rtype == "month_days":
        return _("Days %(from)s to %(to)s of every month are quiet days", **{"from": rule.get("from"),
                                                                              "to": rule.get("to")})
    if rtype == "first_workdays_open":
        return _("Every day is a quiet day except the first %(n)s working days of each month",
                 n=rule.get("count"))
    if rtype == "date_range":
        return _("Every day from %(from)s to %(to)s is a quiet day", **{"from": rule.get("from"),
                                                                        "to": rule.get("to")})
    return ""


def sees_listed_enterprises(viewer: Any) -> bool:
    """Whether ``viewer`` may read every enterprise a policy names (a white list, 白名单).

    Government users may; an enterprise user (and the anonymous public) may not: the list would tell one
    enterprise who else the government exempts. ``viewer`` is a User, an anonymous user or None (public)."""
    return bool(viewer is not None and getattr(viewer, "is_authenticated", False)
                and getattr(viewer, "role", None) != "enterprise")


def visible_enterprises(p: QuietDayPolicy, viewer: Any) -> list[Enterprise]:
    """The enterprises of ``p``'s list that ``viewer`` may see: all of them, or at most the viewer's own."""
    if sees_listed_enterprises(viewer):
        return list(p.enterprises)
    own = getattr(viewer, "enterprise_id", None) if viewer is not None else None
    return [e for e in p.enterprises if own is not None and e.id == own]


def audit_json(p: QuietDayPolicy) -> dict[str, Any]:
    """The whole policy, every listed enterprise included: for the audit log (admins only)."""
    return _json(p, list(p.enterprises))


def to_json(p: QuietDayPolicy, viewer: Any) -> dict[str, Any]:
    """The policy as ``viewer`` may read it (API.md); ``enterprise_count`` says how many it names in all,
    so a white list stays recognisable when ``enterprises`` is cut down to the viewer's own."""
    return _json(p, visible_enterprises(p, viewer))


def _json(p: QuietDayPolicy, enterprises: list[Enterprise]) -> dict[str, Any]:
    return {
        "id": p.id,
        "jurisdiction_code": p.jurisdiction.code,
        "jurisdiction_name": p.jurisdiction.name,
        "title": p.title,
        "reference": p.reference,
        "rule": p.rule,
        "rule_text": rule_text(p.rule or {}),
        "valid_from": p.valid_from.isoformat(),
        "valid_until": p.valid_until.isoformat() if p.valid_until else None,
        "status": p.status,
        "ownership": list(p.ownership or []),
        "sizes": list(p.sizes or []),
        "enterprises": [e.uscc for e in enterprises],
        "enterprise_count": len(p.enterprises),
        "blocked_kinds": list(p.blocked_kinds or []),
        "binds": p.binds,
        "exceptions": [x.to_json() for x in p.exceptions],
        "created_at": p.created_at.isoformat() + "Z" if p.created_at else None,
        "updated_at": p.updated_at.isoformat() + "Z" if p.updated_at else None,
        "revoked_at": p.revoked_at.isoformat() + "Z" if p.revoked_at else None,
        "revoked_reason": p.revoked_reason,
    }


def get_policy(policy_id: int) -> QuietDayPolicy:
    row = db.session.get(QuietDayPolicy, policy_id)
    if row is None:
        raise NotFound(_("No such quiet-day policy."))
    return row


def find_jurisdiction(code: Any, field: str = "jurisdiction_code") -> Jurisdiction:
    if not isinstance(code, str) or not code:
        raise invalid(field, _("%(field)s is required.", field=field_label(field)), "missing_field")
    code = get_str({field: code}, field, max_len=20)  # control characters never reach the query
    row = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if row is None:
        raise invalid(field, _("Unknown jurisdiction %(code)s.", code=code[:20]))
    return row


_RULE_PROBLEMS = {
    "unknown_type": _l("%(field)s must be one of: %(choices)s."),
    "not_allowed": _l("%(field)s does not belong to a rule of type “%(rule_type)s”."),
    "weekdays_empty": _l("choose at least one weekday."),
    "weekday_range": _l("%(value)s is not a weekday (1 = Monday … 7 = Sunday)."),
    "weekdays_list": _l("%(field)s must be a list of weekdays 1 to 7 (1 = Monday)."),
    "day_range": _l("%(field)s: day of month %(value)s is not between 1 and 31."),
    "to_before_from": _l("%(to)s must not be before %(from)s."),
    "count_range": _l("%(field)s must be a whole number from 1 to %(maximum)s."),
    "required": _l("%(field)s is required."),
    "not_int": _l("%(field)s must be a whole number."),
    "not_date": _l("%(field)s must be a date (YYYY-MM-DD)."),
    "bad_date": _l("%(field)s: %(value)s is not a valid date."),
    "year_range": _l("%(field)s must be between the years 2000 and 2100."),
    "not_object": _l("The rule must be an object with a rule type."),
}


def rule_problem(err: qd.RuleError) -> str:
    """A rule error in the user's language: the field by its label, a rule type by its name."""
    template = _RULE_PROBLEMS.get(err.reason)
    if template is None:  # a reason added to the engine without a sentence here: still no English
        return str(_("%(field)s is not valid.", field=_rule_field(err.field)))
    params: dict[str, Any] = {"field": _rule_field(err.field), "to": _rule_field("to"),
                              "from": _rule_field("from")}
    for key, value in err.params.items():
        params[key] = value if isinstance(value, int) else str(value)[:40]
    if "rule_type" in params:
        params["rule_type"] = choice_label("type", params["rule_type"])
    params["choices"] = "、".join(choice_label("type", t) for t in qd.RULE_TYPES)
    return str(template) % params


def _rule_field(code: str) -> str:
    found = field_label(f"rule.{code}")
    return found if found != f"rule.{code}" else field_label(code)


def _parse_rule(value: Any) -> dict[str, Any]:
    if value is None:
        raise invalid("rule", _("%(field)s is required.", field=field_label("rule")), "missing_field")
    if not isinstance(value, Mapping):
        raise invalid("rule", _("The rule must be an object with a rule type."))
    try:
        return qd.rule_to_json(qd.parse_rule(value))
    except qd.RuleError as err:
        raise DomainError("invalid_rule", _("Invalid quiet-day rule: %(problem)s", problem=rule_problem(err)),
                          status=422, field=f"rule.{err.field}",
                          details={"reason": err.reason}) from None


def _enterprises(values: list[str], jurisdiction: Jurisdiction) -> list[Enterprise]:
    if not values:
        return []
    rows = db.session.scalars(select(Enterprise).where(Enterprise.uscc.in_(values))).all()
    by_uscc = {e.uscc: e for e in rows}
    missing = [u for u in values if u not in by_uscc]
    if missing:
        raise DomainError("invalid_field",
                          _("Unknown credit codes: %(codes)s.", codes=", ".join(missing[:20])), status=422,
                          field="enterprises", details={"unknown": missing})
    juris = checks.jurisdictions()
    outside = [e.uscc for e in rows if jurisdiction.code not in juris.chain(e.jurisdiction_id)]
    if outside:
        raise DomainError(
            "invalid_field",
            _("These enterprises are not in %(name)s or below it: %(codes)s.", name=jurisdiction.name,
              codes=", ".join(outside[:20])),
            status=422, field="enterprises", details={"outside": outside})
    return [by_uscc[u] for u in values]


def _validate(data: Mapping[str, Any], current: QuietDayPolicy | None) -> dict[str, Any]:
    """Validated values for every field present (all of them on create)."""
    creating = current is None
    out: dict[str, Any] = {}

    def present(name: str) -> bool:
        return creating or name in data

    if present("jurisdiction_code"):
        out["jurisdiction"] = find_jurisdiction(data.get("jurisdiction_code"))
    if present("title"):
        out["title"] = get_str(data, "title", max_len=200)
    if present("reference"):
        out["reference"] = get_str(data, "reference", required=False, max_len=300)
    if present("rule"):
        out["rule"] = _parse_rule(data.get("rule"))
    if present("valid_from"):
        out["valid_from"] = get_date(data, "valid_from")
    if present("valid_until"):
        out["valid_until"] = get_date(data, "valid_until", required=False)
    if present("ownership"):
        out["ownership"] = get_list(data, "ownership", choices=OWNERSHIPS)
    if present("sizes"):
        out["sizes"] = get_list(data, "sizes", choices=SIZES)
    if present("blocked_kinds"):
        if data.get("blocked_kinds") is None:
            out["blocked_kinds"] = sorted(qd.DEFAULT_BLOCKED_KINDS)
        else:
            out["blocked_kinds"] = get_list(data, "blocked_kinds", choices=qd.KINDS)
    if present("binds"):
        out["binds"] = get_choice(data, "binds", qd.BINDS, required=False, default="level_and_below")
    if present("status"):
        # Revoking goes through DELETE (with a reason), never through a status edit.
        out["status"] = get_choice(data, "status", ("draft", "active"), required=False, default="draft",
                                   labels="quiet_day_policies.status")
    valid_from = out.get("valid_from", current.valid_from if current else None)
    valid_until = out.get("valid_until", current.valid_until if current else None)
    if valid_from and valid_until and valid_until < valid_from:
        raise invalid("valid_until", _("%(to)s must not be before %(from)s.", to=field_label("valid_until"),
                                      **{"from": field_label("valid_from")}))
    jurisdiction = out.get("jurisdiction", current.jurisdiction if current else None)
    if present("enterprises"):
        out["enterprises"] = _enterprises(get_list(data, "enterprises"), jurisdiction)
    elif "jurisdiction" in out and current is not None and current.enterprises:
        _enterprises([e.uscc for e in current.enterprises], jurisdiction)
    return out


def _apply(row: QuietDayPolicy, values: Mapping[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def create_policy(data: Mapping[str, Any]) -> QuietDayPolicy:
    reject_unknown(data, FIELDS)
    values = _validate(data, None)
    row = QuietDayPolicy(created_by_id=_actor_id())
    _apply(row, values)
    db.session.add(row)
    db.session.flush()
    audit.record("create", "quiet_day_policy", row.id, after=audit_json(row))
    db.session.commit()
    checks.invalidate()
    return row


def _editable(row: QuietDayPolicy) -> None:
    if row.status == "revoked":
        raise DomainError("policy_revoked", _("A revoked policy is kept for history and cannot be changed."),
                          status=409)


def update_policy(policy_id: int, data: Mapping[str, Any]) -> QuietDayPolicy:
    row = get_policy(policy_id)
    reject_unknown(data, FIELDS)
    # Lock the row and re-read it: an edit racing a revocation must not change a policy that was just revoked.
    concurrency.begin_write((QuietDayPolicy, row.id))
    _editable(row)
    values = _validate(data, row)
    before = audit_json(row)
    _apply(row, values)
    row.updated_at = utcnow()
    db.session.flush()
    audit.record("update", "quiet_day_policy", row.id, before=before, after=audit_json(row))
    db.session.commit()
    checks.invalidate()
    return row


def activate_policy(policy_id: int) -> QuietDayPolicy:
    row = get_policy(policy_id)
    _editable(row)
    if row.status == "active":
        return row
    before = audit_json(row)
    try:
        # Conditional on "draft": of parallel activations one writes (and audits); the others find the policy
        # active, which is what they asked for.
        concurrency.transition(row, ["draft"], {"status": "active", "updated_at": utcnow()})
    except DomainError:
        db.session.rollback()
        row = get_policy(policy_id)
        _editable(row)
        return row
    audit.record("update", "quiet_day_policy", row.id, before=before, after=audit_json(row))
    db.session.commit()
    checks.invalidate()
    return row


def _already_revoked() -> DomainError:
    return DomainError("already_revoked", _("This policy is already revoked."), status=409,
                       details={"status": "revoked"})


def revoke_policy(policy_id: int, reason: Any) -> QuietDayPolicy:
    row = get_policy(policy_id)
    if row.status == "revoked":
        raise _already_revoked()
    reason = get_str({"reason": reason}, "reason", max_len=1000)
    before = audit_json(row)
    try:
        # One statement checks and writes, so of parallel revocations exactly one is recorded; the others get
        # the answer a later request gets.
        concurrency.transition(row, ["draft", "active"], {"status": "revoked", "revoked_at": utcnow(),
                                                         "revoked_reason": reason})
    except DomainError:
        db.session.rollback()
        raise _already_revoked() from None
    audit.record("revoke", "quiet_day_policy", row.id, before=before, after=audit_json(row))
    db.session.commit()
    checks.invalidate()
    return row


def add_exception(policy_id: int, data: Mapping[str, Any]) -> PolicyException:
    row = get_policy(policy_id)
    reject_unknown(data, ("date", "effect", "reason"))
    d: date = get_date(data, "date")
    effect = get_choice(data, "effect", EFFECTS)
    reason = get_str(data, "reason", max_len=1000)
    _editable(row)
    message = _("This policy already has an exception on %(date)s.", date=d.isoformat())

    def existing() -> dict[str, Any] | None:
        found = db.session.scalar(select(PolicyException).where(PolicyException.policy_id == policy_id,
                                                                PolicyException.date == d))
        return {"label": d.isoformat(), **found.to_json()} if found is not None else None

    if existing() is not None:
        raise concurrency.duplicate(existing(), message, "date", d.isoformat())
    # The unique (policy, date) constraint decides a race; the loser gets the same 409 naming the winner.
    with concurrency.unique_guard(existing, message, "date", d.isoformat()):
        exc = PolicyException(policy=row, date=d, effect=effect, reason=reason,
                              created_by_id=_actor_id())
        db.session.add(exc)
        db.session.flush()
        audit.record("create", "policy_exception", exc.id, after={"policy_id": row.id, **exc.to_json()})
        db.session.commit()
    checks.invalidate()
    return exc


def delete_exception(policy_id: int, exception_id: int) -> None:
    row = get_policy(policy_id)
    exc = db.session.get(PolicyException, exception_id)
    if exc is None or exc.policy_id != row.id:
        raise NotFound(_("No such exception."))
    _editable(row)
    before = {"policy_id": row.id, **exc.to_json()}
    # One DELETE statement decides: of parallel deletions one removes the row (and is audited); the others
    # find nothing, as a later request would (the ORM's delete would fail on the missing row instead).
    done = db.session.execute(sql_delete(PolicyException).where(PolicyException.id == exception_id)
                              .execution_options(synchronize_session=False))
    if done.rowcount != 1:
        db.session.rollback()
        raise NotFound(_("No such exception."))
    db.session.expunge(exc)
    audit.record("delete", "policy_exception", exception_id, before=before)
    db.session.commit()
    checks.invalidate()


def list_statement(args: Mapping[str, Any]):
    """Policies, newest first; ``jurisdiction`` = issued by it, plus those above it with ``inherited=1``."""
    stmt = select(QuietDayPolicy).order_by(QuietDayPolicy.id.desc())
    # Every filter is checked even when another makes it moot: `inherited=null` is a 422, never ignored.
    # An empty value means "not given", as in operations.validate.
    code = get_str(args, "jurisdiction", required=False, max_len=20)
    inherited = get_bool(args, "inherited")
    status = get_choice(args, "status", STATUSES, required=False, labels="quiet_day_policies.status")
    if code:
        j = find_jurisdiction(code, "jurisdiction")
        codes = list(checks.jurisdictions().chain(j.id)) if inherited else [j.code]
        ids = [checks.jurisdictions().id_by_code[c] for c in codes]
        stmt = stmt.where(QuietDayPolicy.jurisdiction_id.in_(ids))
    if status:
        stmt = stmt.where(QuietDayPolicy.status == status)
    return stmt


def active_policies_for(jurisdiction: Jurisdiction) -> list[QuietDayPolicy]:
    """Active policies in force in a jurisdiction: its own and those of the jurisdictions above it."""
    juris = checks.jurisdictions()
    ids = [juris.id_by_code[c] for c in juris.chain(jurisdiction.id)]
    return list(db.session.scalars(
        select(QuietDayPolicy)
        .where(QuietDayPolicy.jurisdiction_id.in_(ids), QuietDayPolicy.status == "active")
        .order_by(QuietDayPolicy.id)
    ))
