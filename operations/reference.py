"""Reference data: jurisdictions, departments, enterprises, users, and the audit-log browser.

Every write validates the whole input first, writes, records an audit row in the same transaction, then
commits; HTML pages, the JSON API, the importer and the CLI all call these functions.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Mapping
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import has_request_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, or_, select

from extensions import db
from models.audit import AuditLog
from models.department import Department
from models.enterprise import OWNERSHIPS, SIZES, Enterprise
from models.jurisdiction import Jurisdiction
from models.user import ROLES, User
from operations import audit, auth, concurrency, field_names  # noqa: F401  (field_names registers the Chinese field labels)
from operations.errors import DomainError, NotFound
from operations.labels import choice_label, field_label
from operations.validate import (
    MISSING,
    get_bool,
    get_choice,
    get_int,
    get_str,
    has_control,
    invalid,
    parse_int,
    reject_unknown,
)
from rules.uscc import validate_uscc

JURISDICTION_CODE = re.compile(r"^[0-9]{6}$")
DEPARTMENT_CODE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
PHONE = re.compile(r"^\+?[0-9][0-9 ()-]{4,38}$")
MAX_CAP = 1000
MIN_PASSWORD = 8
# Roles that must belong to a department / an enterprise (and only they may).
DEPARTMENT_ROLES = ("department", "inspector")
ENTERPRISE_ROLES = ("enterprise",)
# Roles that may read the enterprise register (an enterprise user reads only its own record).
ENTERPRISE_READERS = ("admin", "secretariat", "official", "inspector", "department")
ENTERPRISE_WRITERS = ("admin", "secretariat")

USCC_REASONS = {
    "type": _l("the code must be text"),
    "empty": _l("the code is empty"),
    "whitespace": _l("the code contains spaces or other whitespace"),
    "length": _l("the code must be exactly 18 characters"),
    "lowercase": _l("letters must be upper-case"),
    "charset": _l("only digits and upper-case letters other than I, O, Z, S, V are allowed"),
    "check_character": _l("the check character (18th) does not match the first 17 characters"),
}


# The unique column of each kind of record: a duplicate names the record already holding the value.
_UNIQUE = {Jurisdiction: "code", Department: "code", Enterprise: "uscc", User: "email"}


def _existing(model: type, value: object) -> dict[str, Any] | None:
    """The stored record holding `value` in `model`'s unique column, described for a 409 `duplicate`."""
    column = getattr(model, _UNIQUE[model])
    if model is User and isinstance(value, str):
        row = db.session.scalar(select(model).where(func.lower(column) == value.lower()))
    else:
        row = db.session.scalar(select(model).where(column == value))
    if row is None:
        return None
    out = {"id": row.id, _UNIQUE[model]: getattr(row, _UNIQUE[model]), "name": row.name}
    out["label"] = f"{row.name}（{out[_UNIQUE[model]]}）"
    return out


def duplicate(model: type | str, value: object, message: str) -> DomainError:
    """409 `duplicate` naming the existing record of `model` (a field name instead names no record: the form
    other branches may still call)."""
    if isinstance(model, str):
        return concurrency.duplicate(None, message, model, value)
    return concurrency.duplicate(_existing(model, value), message, _UNIQUE[model], value)


def _unique(model: type, value: object, message: str) -> contextlib.AbstractContextManager[None]:
    """Turn a lost race on the unique column (at flush or commit) into the same 409 the pre-check gives."""
    return concurrency.unique_guard(lambda: _existing(model, value), message, _UNIQUE[model], value)


def _insert(row: Any, entity: str, key: object, *rest: Any) -> None:
    """Add `row`, audit its creation (keyed by `key`, or its id once flushed) and commit; a lost race on its
    unique column becomes the same 409 as the pre-check, naming the record that won.

    ``rest`` ends with the message; the former ``field, value`` before it are accepted and ignored (the unique
    column is known per model), so callers written against the old signature keep working."""
    message = rest[-1]
    model = type(row)
    with _unique(model, getattr(row, _UNIQUE[model]), message):
        db.session.add(row)
        db.session.flush()
        audit.record("create", entity, row.id if key is None else key, after=row.to_json())
        db.session.commit()


def _present(data: Mapping[str, Any], field: str) -> bool:
    return data.get(field, MISSING) is not MISSING


def _key(value: object, max_len: int) -> str | None:
    """`value` if it can name a stored row (text, short, no control characters), else None: a lookup by
    anything else cannot match, and NUL would make PostgreSQL fail the query instead."""
    if not isinstance(value, str) or len(value) > max_len or has_control(value):
        return None
    return value


def search_text(value: object, field: str) -> str | None:
    """A search/filter argument from a query string: None if blank, 422 if not text or unusable."""
    return get_str({field: value}, field, required=False, max_len=200)


def _like(text: str) -> str:
    """A LIKE pattern matching `text` literally anywhere (escape character: backslash)."""
    text = text.strip()[:200].replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{text}%"


def _cap(data: Mapping[str, Any]) -> int | None:
    return get_int(data, "annual_inspection_cap", required=False, minimum=0, maximum=MAX_CAP)


# --- jurisdictions --------------------------------------------------------------------------------


def get_jurisdiction(code: object) -> Jurisdiction:
    row = None
    if _key(code, 40) is not None:
        row = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if row is None:
        raise NotFound(_("No jurisdiction with code %(code)s.", code=code), details={"code": code})
    return row


def _jurisdiction_ref(data: Mapping[str, Any], field: str, *, required: bool) -> Jurisdiction | None:
    code = get_str(data, field, required=required, max_len=6)
    if code is None:
        return None
    row = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == code))
    if row is None:
        raise invalid(field, _("No jurisdiction with code %(code)s.", code=code), "unknown_jurisdiction")
    return row


def _jurisdiction_code(data: Mapping[str, Any]) -> str:
    code = get_str(data, "code", max_len=6)
    if not JURISDICTION_CODE.match(code):
        raise invalid("code", _("A jurisdiction code is 6 digits (GB/T 2260), e.g. 430200."))
    return code


def create_jurisdiction(data: Mapping[str, Any]) -> Jurisdiction:
    reject_unknown(data, ("code", "name", "parent_code", "annual_inspection_cap"))
    code = _jurisdiction_code(data)
    name = get_str(data, "name", max_len=100)
    parent = _jurisdiction_ref(data, "parent_code", required=False)
    cap = _cap(data)
    message = _("A jurisdiction with code %(code)s already exists.", code=code)
    if db.session.scalar(select(Jurisdiction.id).where(Jurisdiction.code == code)) is not None:
        raise duplicate(Jurisdiction, code, message)
    row = Jurisdiction(code=code, name=name, parent=parent, annual_inspection_cap=cap)
    _insert(row, "jurisdiction", code, message)
    return row


def update_jurisdiction(code: str, data: Mapping[str, Any]) -> Jurisdiction:
    row = get_jurisdiction(code)
    reject_unknown(data, ("code", "name", "parent_code", "annual_inspection_cap"))
    if _present(data, "code") and data["code"] != row.code:
        raise invalid("code", _("The code of a jurisdiction cannot be changed."))
    changes: dict[str, Any] = {}
    if _present(data, "name"):
        changes["name"] = get_str(data, "name", max_len=100)
    if _present(data, "parent_code"):
        parent = _jurisdiction_ref(data, "parent_code", required=False)
        # Walking up from the new parent must never reach this node, or the tree would become a loop.
        if parent is not None and row in parent.chain():
            message = _("A jurisdiction cannot be placed under itself or its own sub-area.")
            raise invalid("parent_code", message, "cycle")
        changes["parent"] = parent
    if _present(data, "annual_inspection_cap"):
        changes["annual_inspection_cap"] = _cap(data)
    _apply_changes(row, changes, "jurisdiction", row.code)
    return row


def _apply_changes(row: Any, changes: Mapping[str, Any], entity: str, key: str) -> None:
    """Set `changes` on `row`, audit before/after only when something really changed, commit."""
    before = row.to_json()
    for attr, value in changes.items():
        setattr(row, attr, value)
    db.session.flush()
    if row.to_json() != before:
        audit.record("update", entity, key, before=before, after=row.to_json())
    db.session.commit()


def jurisdiction_tree() -> list[tuple[int, Jurisdiction]]:
    """All jurisdictions in tree order as (depth, node): roots first, children under their parent by code."""
    rows = db.session.scalars(select(Jurisdiction).order_by(Jurisdiction.code)).all()
    children: dict[int | None, list[Jurisdiction]] = {}
    for r in rows:
        children.setdefault(r.parent_id, []).append(r)
    out: list[tuple[int, Jurisdiction]] = []
    seen: set[int] = set()

    def walk(node: Jurisdiction, depth: int) -> None:
        if node.id in seen:
            return
        seen.add(node.id)
        out.append((depth, node))
        for child in children.get(node.id, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    for r in rows:  # anything unreachable from a root (should not happen) is still listed
        walk(r, 0)
    return out


def subtree_ids(root: Jurisdiction) -> list[int]:
    """Ids of `root` and every jurisdiction below it."""
    pairs = db.session.execute(select(Jurisdiction.id, Jurisdiction.parent_id)).all()
    children: dict[int | None, list[int]] = {}
    for jid, parent_id in pairs:
        children.setdefault(parent_id, []).append(jid)
    out, stack = [], [root.id]
    while stack:
        jid = stack.pop()
        if jid in out:
            continue
        out.append(jid)
        stack.extend(children.get(jid, []))
    return out


def jurisdictions_stmt() -> Select:
    return select(Jurisdiction).order_by(Jurisdiction.code)


# --- departments ----------------------------------------------------------------------------------


def get_department(code: object) -> Department:
    row = None
    if _key(code, 40) is not None:
        row = db.session.scalar(select(Department).where(Department.code == code))
    if row is None:
        raise NotFound(_("No department with code %(code)s.", code=code), details={"code": code})
    return row


def _department_ref(data: Mapping[str, Any], field: str) -> Department | None:
    code = get_str(data, field, required=False, max_len=40)
    if code is None:
        return None
    row = db.session.scalar(select(Department).where(Department.code == code))
    if row is None:
        raise invalid(field, _("No department with code %(code)s.", code=code), "unknown_department")
    return row


DEPARTMENT_FIELDS = ("code", "name", "jurisdiction_code", "inspects", "handles", "annual_inspection_cap")


def create_department(data: Mapping[str, Any]) -> Department:
    reject_unknown(data, DEPARTMENT_FIELDS)
    code = get_str(data, "code", max_len=40)
    if not DEPARTMENT_CODE.match(code):
        message = _("A department code uses lower-case letters, digits, '-' and '_' (e.g. zz-amr).")
        raise invalid("code", message)
    name = get_str(data, "name", max_len=200)
    jurisdiction = _jurisdiction_ref(data, "jurisdiction_code", required=True)
    inspects = get_bool(data, "inspects")
    handles = get_bool(data, "handles")
    cap = _cap(data)
    message = _("A department with code %(code)s already exists.", code=code)
    if db.session.scalar(select(Department.id).where(Department.code == code)) is not None:
        raise duplicate(Department, code, message)
    row = Department(code=code, name=name, jurisdiction=jurisdiction, inspects=inspects, handles=handles,
                     annual_inspection_cap=cap)
    _insert(row, "department", code, message)
    return row


def update_department(code: str, data: Mapping[str, Any]) -> Department:
    row = get_department(code)
    reject_unknown(data, DEPARTMENT_FIELDS)
    if _present(data, "code") and data["code"] != row.code:
        raise invalid("code", _("The code of a department cannot be changed."))
    changes: dict[str, Any] = {}
    if _present(data, "name"):
        changes["name"] = get_str(data, "name", max_len=200)
    if _present(data, "jurisdiction_code"):
        changes["jurisdiction"] = _jurisdiction_ref(data, "jurisdiction_code", required=True)
    for flag in ("inspects", "handles"):
        if _present(data, flag):
            if data[flag] is None:
                # null would otherwise read as "false" and silently switch the department's role off.
                raise invalid(flag, _("%(field)s must be true or false.", field=field_label(flag)))
            changes[flag] = get_bool(data, flag)
    if _present(data, "annual_inspection_cap"):
        changes["annual_inspection_cap"] = _cap(data)
    _apply_changes(row, changes, "department", row.code)
    return row


def departments_stmt() -> Select:
    return select(Department).order_by(Department.code)


# --- enterprises ----------------------------------------------------------------------------------


def check_uscc(value: object, field: str = "uscc") -> str:
    """The USCC exactly as given, or a 422 `invalid_uscc` naming the reason; never repaired silently."""
    if value is None or value == "" or value is MISSING:
        raise invalid(field, _("%(field)s is required.", field=field_label(field)), "missing_field")
    reason = validate_uscc(value)  # type: ignore[arg-type]
    if reason is not None:
        raise DomainError(
            "invalid_uscc",
            _("Invalid unified social credit code: %(reason)s.", reason=USCC_REASONS.get(reason, reason)),
            status=422,
            details={"reason": reason, "value": value if isinstance(value, str) else None},
            field=field,
        )
    return value  # type: ignore[return-value]


def _phone(data: Mapping[str, Any]) -> str | None:
    value = get_str(data, "liaison_phone", required=False, max_len=40)
    if value is not None and not PHONE.match(value):
        message = _("A phone number uses digits, spaces, '-', '(' and ')', e.g. 0731-22836000.")
        raise invalid("liaison_phone", message)
    return value


# One validator per writable field: the importer runs them one by one to report every bad cell of a row.
ENTERPRISE_VALIDATORS: dict[str, Callable[[Mapping[str, Any]], Any]] = {
    "name": lambda d: get_str(d, "name", max_len=200),
    "short_name": lambda d: get_str(d, "short_name", required=False, max_len=60),
    "jurisdiction_code": lambda d: _jurisdiction_ref(d, "jurisdiction_code", required=True),
    "ownership": lambda d: get_choice(d, "ownership", OWNERSHIPS),
    "industry": lambda d: get_str(d, "industry", required=False, max_len=100),
    "size": lambda d: get_choice(d, "size", SIZES, required=False),
    "address": lambda d: get_str(d, "address", required=False, max_len=300),
    "liaison_name": lambda d: get_str(d, "liaison_name", required=False, max_len=100),
    "liaison_phone": _phone,
}
ENTERPRISE_FIELDS = ("uscc", *ENTERPRISE_VALIDATORS)
# Model attribute for each field (the jurisdiction is stored as a relationship).
_ATTR = {"jurisdiction_code": "jurisdiction"}


def enterprise_values(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Validated model attributes for the fields in `data` (all fields unless `partial`)."""
    out: dict[str, Any] = {}
    for field, validator in ENTERPRISE_VALIDATORS.items():
        if partial and not _present(data, field):
            continue
        out[_ATTR.get(field, field)] = validator(data)
    return out


def get_enterprise(uscc: object) -> Enterprise:
    row = None
    if _key(uscc, 40) is not None:
        row = db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if row is None:
        raise NotFound(_("No enterprise with code %(uscc)s.", uscc=uscc), details={"uscc": uscc})
    return row


def enterprise_for(user: Any, uscc: object) -> Enterprise:
    """The enterprise `user` asked for, refusing an enterprise user any enterprise but their own."""
    row = get_enterprise(uscc)
    if user.role == "enterprise" and user.enterprise_id != row.id:
        raise DomainError("forbidden", _("You may only see your own enterprise."), status=403)
    return row


def create_enterprise(data: Mapping[str, Any]) -> Enterprise:
    reject_unknown(data, ENTERPRISE_FIELDS)
    uscc = check_uscc(data.get("uscc", MISSING))
    values = enterprise_values(data)
    message = _("An enterprise with code %(uscc)s already exists.", uscc=uscc)
    if db.session.scalar(select(Enterprise.id).where(Enterprise.uscc == uscc)) is not None:
        raise duplicate(Enterprise, uscc, message)
    row = Enterprise(uscc=uscc, **values)
    _insert(row, "enterprise", uscc, message)
    return row


def apply_enterprise(row: Enterprise, values: Mapping[str, Any]) -> bool:
    """Set validated values on `row` and audit the change; True if anything changed. Does not commit."""
    before = row.to_json() if row.id is not None else None
    for key, value in values.items():
        setattr(row, key, value)
    db.session.flush()
    after = row.to_json()
    if before == after:
        return False
    audit.record("update" if before else "create", "enterprise", row.uscc, before=before, after=after)
    return True


def update_enterprise(uscc: str, data: Mapping[str, Any]) -> Enterprise:
    row = get_enterprise(uscc)
    reject_unknown(data, ENTERPRISE_FIELDS)
    if _present(data, "uscc") and data["uscc"] != row.uscc:
        raise invalid("uscc", _("The credit code of an enterprise cannot be changed."))
    values = enterprise_values(data, partial=True)
    apply_enterprise(row, values)
    db.session.commit()
    return row


def enterprises_stmt(q: str | None = None, jurisdiction: str | None = None) -> Select:
    """Enterprises whose name, short name or USCC contains `q`, in `jurisdiction` or below it."""
    stmt = select(Enterprise).order_by(Enterprise.name, Enterprise.uscc)
    q = search_text(q, "q")
    jurisdiction = search_text(jurisdiction, "jurisdiction")
    if q:
        like = _like(q)
        stmt = stmt.where(or_(Enterprise.name.ilike(like, escape="\\"),
                              Enterprise.short_name.ilike(like, escape="\\"),
                              Enterprise.uscc.like(like.upper(), escape="\\")))
    if jurisdiction:
        root = db.session.scalar(select(Jurisdiction).where(Jurisdiction.code == jurisdiction))
        if root is None:
            raise invalid("jurisdiction", _("No jurisdiction with code %(code)s.", code=jurisdiction),
                          "unknown_jurisdiction")
        stmt = stmt.where(Enterprise.jurisdiction_id.in_(subtree_ids(root)))
    return stmt


# --- users ----------------------------------------------------------------------------------------


def get_user(user_id: object) -> User:
    row = None
    if isinstance(user_id, int) and parse_int(user_id) is not None:
        row = db.session.get(User, user_id)
    if row is None:
        raise NotFound(_("No user with id %(id)s.", id=user_id), details={"id": user_id})
    return row


def _email(data: Mapping[str, Any]) -> str:
    value = get_str(data, "email", max_len=200)
    try:
        normalized = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise invalid("email", _("%(value)s is not a valid email address.", value=value)) from None
    return normalized.lower()


def _password(data: Mapping[str, Any]) -> str:
    value = data.get("password")
    if value is None or value == "":
        raise invalid("password", _("%(field)s is required.", field=field_label("password")), "missing_field")
    if not isinstance(value, str):
        raise invalid("password", _("%(field)s must be text.", field=field_label("password")))
    if len(value) < MIN_PASSWORD:
        raise invalid("password", _("The password must have at least %(n)s characters.", n=MIN_PASSWORD),
                      "weak_password")
    if len(value) > 200:
        raise invalid("password", _("%(field)s is longer than %(n)s characters.", field=field_label("password"),
                                    n=200))
    return value


def _enterprise_ref(data: Mapping[str, Any], field: str) -> Enterprise | None:
    value = data.get(field)
    if value is None or value == "":
        return None
    uscc = check_uscc(value, field)
    row = db.session.scalar(select(Enterprise).where(Enterprise.uscc == uscc))
    if row is None:
        raise invalid(field, _("No enterprise with code %(uscc)s.", uscc=uscc), "unknown_enterprise")
    return row


def _check_membership(role: str, department: Department | None, enterprise: Enterprise | None,
                      is_head: bool) -> None:
    if role in DEPARTMENT_ROLES and department is None:
        raise invalid("department_code", _("A department or inspector user must belong to a department."),
                      "missing_field")
    if role not in DEPARTMENT_ROLES and department is not None:
        raise invalid("department_code", _("Only department and inspector users belong to a department."))
    if role in ENTERPRISE_ROLES and enterprise is None:
        message = _("An enterprise user must belong to an enterprise.")
        raise invalid("enterprise_uscc", message, "missing_field")
    if role not in ENTERPRISE_ROLES and enterprise is not None:
        raise invalid("enterprise_uscc", _("Only enterprise users belong to an enterprise."))
    if is_head and role != "inspector":
        raise invalid("is_head", _("Only an inspector can be the head of an agency."))


def _email_taken(email: str, exclude_id: int | None = None) -> bool:
    stmt = select(User.id).where(func.lower(User.email) == email)
    if exclude_id is not None:
        stmt = stmt.where(User.id != exclude_id)
    return db.session.scalar(stmt) is not None


USER_CREATE_FIELDS = ("email", "name", "role", "password", "department_code", "enterprise_uscc", "is_head")
USER_UPDATE_FIELDS = (*USER_CREATE_FIELDS, "active")


def create_user(data: Mapping[str, Any]) -> User:
    """Create a user from email, role, password, name and (per role) department_code, enterprise_uscc,
    is_head."""
    reject_unknown(data, USER_CREATE_FIELDS)
    email = _email(data)
    name = get_str(data, "name", max_len=100)
    role = get_choice(data, "role", ROLES)
    password = _password(data)
    department = _department_ref(data, "department_code")
    enterprise = _enterprise_ref(data, "enterprise_uscc")
    is_head = get_bool(data, "is_head")
    _check_membership(role, department, enterprise, is_head)
    message = _("A user with email %(email)s already exists.", email=email)
    if _email_taken(email):
        raise duplicate(User, email, message)
    user = User(email=email, name=name, role=role, department=department, enterprise=enterprise,
                is_head=is_head)
    user.set_password(password)
    _insert(user, "user", None, message)
    return user


def update_user(user_id: int, data: Mapping[str, Any], acting: Any = None) -> User:
    """Change a user's fields; `password` resets it. `acting` (default: the logged-in user) may not lock
    themselves out by deactivating their own account or dropping their own admin role."""
    user = get_user(user_id)
    reject_unknown(data, USER_UPDATE_FIELDS)
    if acting is None and has_request_context() and current_user.is_authenticated:
        acting = current_user
    changes: dict[str, Any] = {}
    if _present(data, "email"):
        changes["email"] = _email(data)
        if _email_taken(changes["email"], exclude_id=user.id):
            raise duplicate(User, changes["email"],
                            _("A user with email %(email)s already exists.", email=changes["email"]))
    if _present(data, "name"):
        changes["name"] = get_str(data, "name", max_len=100)
    role = user.role
    if _present(data, "role"):
        role = changes["role"] = get_choice(data, "role", ROLES)
    department = user.department
    if _present(data, "department_code"):
        department = changes["department"] = _department_ref(data, "department_code")
    elif role not in DEPARTMENT_ROLES:
        department = changes["department"] = None  # a role change away from a department drops it
    enterprise = user.enterprise
    if _present(data, "enterprise_uscc"):
        enterprise = changes["enterprise"] = _enterprise_ref(data, "enterprise_uscc")
    elif role not in ENTERPRISE_ROLES:
        enterprise = changes["enterprise"] = None
    is_head = user.is_head
    if _present(data, "is_head"):
        is_head = changes["is_head"] = get_bool(data, "is_head")
    elif role != "inspector":
        is_head = changes["is_head"] = False
    _check_membership(role, department, enterprise, is_head)
    if _present(data, "active"):
        changes["active"] = get_bool(data, "active")
    password = _password(data) if _present(data, "password") else None
    if acting is not None and acting.id == user.id:
        if changes.get("active") is False:
            raise DomainError("self_lockout", _("You cannot deactivate your own account."), status=409,
                              field="active")
        if user.role == "admin" and role != "admin":
            raise DomainError("self_lockout", _("You cannot remove your own administrator role."), status=409,
                              field="role")
    before = user.to_json()
    message = _("A user with email %(email)s already exists.", email=changes.get("email", user.email))
    with _unique(User, changes.get("email", user.email), message):
        for key, value in changes.items():
            setattr(user, key, value)
        if password is not None:
            user.set_password(password)
        db.session.flush()
        after = user.to_json()
        if password is not None:
            # The audit trail says that a reset happened, never what the password is.
            before, after = {**before, "password": None}, {**after, "password": "reset"}
        if after != before:
            audit.record("update", "user", user.id, before=before, after=after)
        if password is not None or (before["active"] and not user.active):
            # A reset or a deactivation ends everything issued under the old state: API tokens and every
            # browser session (a copied token or cookie must not outlive it).
            reason = "password_reset" if password is not None else "deactivated"
            auth.revoke_all_tokens(user, reason)
            auth.end_all_sessions(user)
        db.session.commit()
    return user


def users_stmt(role: str | None = None, q: str | None = None) -> Select:
    stmt = select(User).order_by(User.email)
    role = search_text(role, "role")
    q = search_text(q, "q")
    if role:
        if role not in ROLES:
            message = _("%(field)s must be one of: %(choices)s.", field=field_label("role"),
                        choices="、".join(choice_label("role", r) for r in ROLES))
            raise invalid("role", message)
        stmt = stmt.where(User.role == role)
    if q:
        like = _like(q.lower())
        stmt = stmt.where(or_(func.lower(User.email).like(like, escape="\\"),
                              User.name.like(like, escape="\\")))
    return stmt


# --- audit log ------------------------------------------------------------------------------------


def audit_stmt(entity: str | None = None, user: str | None = None, action: str | None = None,
               entity_id: str | None = None) -> Select:
    """Audit rows, newest first. `user` is a user id or (part of) the actor's email or name."""
    stmt = select(AuditLog).order_by(AuditLog.at.desc(), AuditLog.id.desc())
    entity, action = search_text(entity, "entity"), search_text(action, "action")
    entity_id, user = search_text(entity_id, "entity_id"), search_text(user, "user")
    if entity:
        stmt = stmt.where(AuditLog.entity == entity)
    if action:
        stmt = stmt.where(AuditLog.action == action)
    if entity_id:
        stmt = stmt.where(AuditLog.entity_id == entity_id)
    if user:
        user_id = parse_int(user)
        if user_id is not None:
            stmt = stmt.where(AuditLog.user_id == user_id)
        else:
            like = _like(user)
            stmt = stmt.where(AuditLog.actor.like(like, escape="\\"))
    return stmt


def audit_filter_values() -> tuple[list[str], list[str]]:
    """The entities and actions present in the log, for the filter select boxes."""
    entities = db.session.scalars(select(AuditLog.entity).distinct().order_by(AuditLog.entity)).all()
    actions = db.session.scalars(select(AuditLog.action).distinct().order_by(AuditLog.action)).all()
    return list(entities), list(actions)
