"""Quiet-day policy pages: list, create, edit, activate, revoke, exceptions, and a year calendar."""

from __future__ import annotations

import contextlib
import re
from datetime import date
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import func, select

from access import authenticated, roles
from blueprints.policies.forms import ExceptionForm, PolicyForm, RevokeForm, opts
from blueprints.policies.grid import month_weeks, page_number, parse_year
from extensions import db
from models.jurisdiction import Jurisdiction
from operations import checks, policies
from operations.errors import DomainError
from operations.validate import parse_int

bp = Blueprint("policies", __name__)

WRITERS = ("admin", "secretariat")
PER_PAGE = 30
# Rule errors name the API JSON key; the form splits `from`/`to` by rule type.
_RULE_FIELDS = {
    "rule.type": "rule_type", "rule.weekdays": "weekdays", "rule.count": "count", "rule": "rule_type",
}


def can_write() -> bool:
    return current_user.is_authenticated and current_user.role in WRITERS


def _number(value: str | None) -> Any:
    value = (value or "").strip()
    if not value:
        return None
    # Not str.isdigit(): it takes '²', which int() refuses. Anything that is not a plain number goes to the rule
    # check as text and comes back as a 422 on its field.
    number = parse_int(value)
    return value if number is None else number


def form_data(form: PolicyForm) -> dict[str, Any]:
    rtype = form.rule_type.data
    rule: dict[str, Any] = {"type": rtype}
    if rtype == "weekdays":
        rule["weekdays"] = [_number(v) for v in form.weekdays.data or []]
    elif rtype == "month_days":
        rule["from"], rule["to"] = _number(form.day_from.data), _number(form.day_to.data)
    elif rtype == "first_workdays_open":
        rule["count"] = _number(form.count.data)
    else:
        rule["from"], rule["to"] = form.date_from.data or None, form.date_to.data or None
    usccs = [u for u in re.split(r"[\s,，;；]+", form.enterprises.data or "") if u]
    return {
        "jurisdiction_code": form.jurisdiction_code.data,
        "title": form.title.data,
        "reference": form.reference.data or None,
        "rule": rule,
        "valid_from": form.valid_from.data or None,
        "valid_until": form.valid_until.data or None,
        "ownership": list(form.ownership.data or []),
        "sizes": list(form.sizes.data or []),
        "enterprises": usccs,
        "blocked_kinds": list(form.blocked_kinds.data or []),
        "binds": form.binds.data,
        "status": form.status.data,
    }


def attach_error(form, err: DomainError) -> None:
    """Show a refusal next to the field it names, or at the top of the form."""
    name = str(err.details.get("field") or "")
    if name in ("rule.from", "rule.to"):
        prefix = "date" if getattr(form, "rule_type", None) and form.rule_type.data == "date_range" else "day"
        name = f"{prefix}_{name[5:]}"
    name = _RULE_FIELDS.get(name, name)
    field = getattr(form, name, None) if name else None
    if field is not None and hasattr(field, "errors"):
        field.errors = [*field.errors, err.message]
    else:
        flash(err.message, "error")


def _jurisdiction_choices(form: PolicyForm) -> None:
    rows = db.session.execute(select(Jurisdiction.code, Jurisdiction.name).order_by(Jurisdiction.code)).all()
    form.jurisdiction_code.choices = opts((code, f"{name}（{code}）") for code, name in rows)


def _fill_form(form: PolicyForm, row) -> None:
    rule = row.rule or {}
    form.jurisdiction_code.data = row.jurisdiction.code
    form.title.data = row.title
    form.reference.data = row.reference
    form.rule_type.data = rule.get("type")
    form.weekdays.data = [str(d) for d in rule.get("weekdays", [])]
    if rule.get("type") == "month_days":
        form.day_from.data, form.day_to.data = str(rule.get("from")), str(rule.get("to"))
    if rule.get("type") == "date_range":
        form.date_from.data, form.date_to.data = rule.get("from"), rule.get("to")
    if rule.get("type") == "first_workdays_open":
        form.count.data = str(rule.get("count"))
    form.valid_from.data = row.valid_from.isoformat()
    form.valid_until.data = row.valid_until.isoformat() if row.valid_until else ""
    form.ownership.data = list(row.ownership or [])
    form.sizes.data = list(row.sizes or [])
    form.enterprises.data = "\n".join(e.uscc for e in row.enterprises)
    form.blocked_kinds.data = list(row.blocked_kinds or [])
    form.binds.data = row.binds
    form.status.data = row.status if row.status in ("draft", "active") else "draft"


@bp.route("/", methods=["GET"])
@authenticated
def list_page():
    args = request.args.to_dict()
    page = page_number(args.pop("page", None))
    filters = {k: v for k, v in args.items() if k in ("jurisdiction", "status", "inherited") and v}
    error = None
    try:
        stmt = policies.list_statement(filters)
    except DomainError as err:
        error, stmt = err, policies.list_statement({})
        filters = {}
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    juris = db.session.execute(select(Jurisdiction.code, Jurisdiction.name).order_by(Jurisdiction.code)).all()
    return render_template("policies/list.html", rows=rows, total=total, page=page, per_page=PER_PAGE,
                           filters=filters, jurisdictions=juris, rule_text=policies.rule_text, error=error,
                           can_write=can_write()), (error.status if error else 200)


@bp.route("/new", methods=["GET", "POST"])
@roles(*WRITERS)
def new_page():
    form = PolicyForm()
    _jurisdiction_choices(form)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                row = policies.create_policy(form_data(form))
            except DomainError as err:
                attach_error(form, err)
                status = err.status
            else:
                flash(_("Policy saved."), "success")
                return redirect(url_for("policies.detail", policy_id=row.id))
    return render_template("policies/form.html", form=form, row=None), status


def _render_detail(row, status: int = 200, exception_form: ExceptionForm | None = None,
                   revoke_form: RevokeForm | None = None):
    today = checks.local_today()
    try:
        year = parse_year(request.args.get("year"), today.year)
    except DomainError as err:
        abort(400, err.message)
    eng = checks.preview_engine(row.id)
    protected: set[date] = set()
    # A stored rule that no longer parses protects nothing (checks logs it).
    with contextlib.suppress(KeyError):
        protected = set(eng.policy_days(row.id, date(year, 1, 1), date(year, 12, 31)))
    notes = {x.date: _("added") if x.effect == "add" else _("lifted") for x in row.exceptions}
    months = []
    for month in range(1, 13):
        weeks = month_weeks(year, month)
        cells = {d: {"cls": "protected" if d in protected else "", "note": notes.get(d, "")}
                 for week in weeks for d in week if d is not None}
        months.append((month, weeks, cells))
    return render_template(
        "policies/detail.html", row=row, year=year, months=months, protected_count=len(protected),
        rule_text=policies.rule_text(row.rule or {}), can_write=can_write(),
        # None = may read the whole list; otherwise only what the viewer may see of it (its own enterprise).
        listed=None if policies.sees_listed_enterprises(current_user) else policies.visible_enterprises(
            row, current_user),
        own=getattr(current_user, "enterprise_id", None),
        exception_form=exception_form or ExceptionForm(formdata=None), revoke_form=revoke_form or RevokeForm(
            formdata=None), today=today,
    ), status


@bp.route("/<int:policy_id>", methods=["GET"])
@authenticated
def detail(policy_id: int):
    return _render_detail(policies.get_policy(policy_id))


@bp.route("/<int:policy_id>/edit", methods=["GET", "POST"])
@roles(*WRITERS)
def edit(policy_id: int):
    row = policies.get_policy(policy_id)
    form = PolicyForm()
    _jurisdiction_choices(form)
    status = 200
    if request.method == "GET":
        _fill_form(form, row)
    else:
        status = 422
        if form.validate_on_submit():
            try:
                policies.update_policy(row.id, form_data(form))
            except DomainError as err:
                attach_error(form, err)
                status = err.status
            else:
                flash(_("Policy saved."), "success")
                return redirect(url_for("policies.detail", policy_id=row.id))
    return render_template("policies/form.html", form=form, row=row), status


@bp.route("/<int:policy_id>/activate", methods=["POST"])
@roles(*WRITERS)
def activate(policy_id: int):
    row = policies.get_policy(policy_id)
    try:
        policies.activate_policy(policy_id)
    except DomainError as err:
        flash(err.message, "error")
        return _render_detail(row, err.status)
    flash(_("Policy activated."), "success")
    return redirect(url_for("policies.detail", policy_id=policy_id))


@bp.route("/<int:policy_id>/revoke", methods=["POST"])
@roles(*WRITERS)
def revoke(policy_id: int):
    row = policies.get_policy(policy_id)
    form = RevokeForm()
    try:
        policies.revoke_policy(policy_id, form.reason.data)
    except DomainError as err:
        db.session.rollback()
        attach_error(form, err)
        return _render_detail(row, err.status, revoke_form=form)
    flash(_("Policy revoked; it is kept for history."), "success")
    return redirect(url_for("policies.detail", policy_id=policy_id))


@bp.route("/<int:policy_id>/exceptions", methods=["POST"])
@roles(*WRITERS)
def add_exception(policy_id: int):
    row = policies.get_policy(policy_id)
    form = ExceptionForm()
    try:
        exc = policies.add_exception(policy_id, {"date": form.date.data or None, "effect": form.effect.data,
                                                 "reason": form.reason.data})
    except DomainError as err:
        db.session.rollback()
        attach_error(form, err)
        return _render_detail(row, err.status, exception_form=form)
    flash(_("Exception on %(date)s saved.", date=exc.date.isoformat()), "success")
    return redirect(url_for("policies.detail", policy_id=policy_id, year=exc.date.year))


@bp.route("/<int:policy_id>/exceptions/<int:exception_id>/delete", methods=["POST"])
@roles(*WRITERS)
def delete_exception(policy_id: int, exception_id: int):
    row = policies.get_policy(policy_id)
    try:
        policies.delete_exception(policy_id, exception_id)
    except DomainError as err:
        if err.status == 404:
            raise
        flash(err.message, "error")
        return _render_detail(row, err.status)
    flash(_("Exception removed."), "success")
    return redirect(url_for("policies.detail", policy_id=policy_id))
