"""Admin pages: jurisdictions, departments, enterprises (and import), users, working-day calendar,
audit log."""

from __future__ import annotations

import calendar as stdcal
from collections.abc import Callable
from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import Select, func, select

from access import roles
from blueprints.admin.forms import (
    CalendarForm,
    DepartmentForm,
    EnterpriseForm,
    ImportForm,
    JurisdictionForm,
    UserForm,
)
from blueprints.auth.forms import EmptyForm
from extensions import db
from models.audit import AuditLog
from operations import audit_view, calendar, importer, reference
from operations.errors import DomainError
from operations.validate import parse_date, parse_int

bp = Blueprint("admin", __name__)

PER_PAGE = 50
READERS = reference.ENTERPRISE_READERS
WRITERS = reference.ENTERPRISE_WRITERS


# --- helpers ---


def _page_number() -> int:
    value = parse_int(request.args.get("page", "1"))
    return value if value is not None and 0 < value < 100_000 else 1


def _page_of(stmt: Select) -> tuple[list[Any], int, int]:
    page = _page_number()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
    items = db.session.scalars(stmt.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
    return list(items), total, page


def _form_data(form: FlaskForm, skip: tuple[str, ...] = ()) -> dict[str, Any]:
    """The submitted values keyed as the operations expect: blank text is 'not given' (None)."""
    out: dict[str, Any] = {}
    for f in form:
        if f.name in ("csrf_token", *skip):
            continue
        value = f.data
        out[f.name] = None if isinstance(value, str) and not value.strip() else value
    return out


def _submit(form: FlaskForm, action: Callable[[], Any]) -> Any:
    """Run `action` after CSRF/form checks; a refusal is shown on the field it names. None when refused."""
    if not form.validate_on_submit():
        return None
    try:
        return action()
    except DomainError as err:
        db.session.rollback()
        target = getattr(form, err.field, None) if err.field else None
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, err.message]  # type: ignore[union-attr]
        else:
            flash(err.message, "error")
        return None


def _form_page(form: FlaskForm, action: Callable[[], Any], message: Callable[[Any], str],
               target: Callable[[Any], str], template: str, row: Any) -> Any:
    """A create/edit page: on success flash and redirect; otherwise the form again (422 after a refused POST)."""
    saved = _submit(form, action)
    if saved is not None:
        flash(message(saved), "success")
        return redirect(target(saved))
    status = 422 if request.method == "POST" else 200
    return render_template(template, form=form, row=row), status


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _jurisdiction_choices(blank: str | None = None) -> list[tuple[str, str]]:
    out = [("", blank)] if blank is not None else []
    out += [(j.code, "\u3000" * depth + f"{j.name} ({j.code})") for depth, j in reference.jurisdiction_tree()]
    return out


def _department_choices() -> list[tuple[str, str]]:
    rows = db.session.scalars(reference.departments_stmt()).all()
    return [("", _("— none —"))] + [(d.code, f"{d.name} ({d.code})") for d in rows]


# --- jurisdictions ---


@bp.route("/jurisdictions")
@roles("admin")
def jurisdictions():
    roots = [j for depth, j in reference.jurisdiction_tree() if depth == 0]
    return render_template("admin/jurisdictions.html", roots=roots)


def _jurisdiction_form(row: Any | None) -> Any:
    form = JurisdictionForm(obj=None)
    form.parent_code.choices = _jurisdiction_choices(_("— none (top level) —"))
    if request.method == "GET" and row is not None:
        form.code.data = row.code
        form.name.data = row.name
        form.parent_code.data = row.parent.code if row.parent else ""
        form.annual_inspection_cap.data = _text(row.annual_inspection_cap)
    return form


@bp.route("/jurisdictions/new", methods=["GET", "POST"])
@roles("admin")
def jurisdiction_new():
    form = _jurisdiction_form(None)
    return _form_page(
        form, lambda: reference.create_jurisdiction(_form_data(form)),
        lambda saved: _("Jurisdiction %(name)s created.", name=saved.name),
        lambda saved: url_for("admin.jurisdictions"),
        "admin/jurisdiction_form.html", None,
    )


@bp.route("/jurisdictions/<code>/edit", methods=["GET", "POST"])
@roles("admin")
def jurisdiction_edit(code: str):
    row = reference.get_jurisdiction(code)
    form = _jurisdiction_form(row)
    return _form_page(
        form, lambda: reference.update_jurisdiction(code, _form_data(form, skip=("code",))),
        lambda saved: _("Jurisdiction %(name)s saved.", name=saved.name),
        lambda saved: url_for("admin.jurisdictions"),
        "admin/jurisdiction_form.html", row,
    )


# --- departments ---


@bp.route("/departments")
@roles("admin")
def departments():
    rows = db.session.scalars(reference.departments_stmt()).all()
    return render_template("admin/departments.html", rows=rows)


def _department_form(row: Any | None) -> DepartmentForm:
    form = DepartmentForm()
    form.jurisdiction_code.choices = _jurisdiction_choices(_("— choose —"))
    if request.method == "GET" and row is not None:
        form.code.data = row.code
        form.name.data = row.name
        form.jurisdiction_code.data = row.jurisdiction.code
        form.inspects.data = row.inspects
        form.handles.data = row.handles
        form.annual_inspection_cap.data = _text(row.annual_inspection_cap)
    return form


@bp.route("/departments/new", methods=["GET", "POST"])
@roles("admin")
def department_new():
    form = _department_form(None)
    return _form_page(
        form, lambda: reference.create_department(_form_data(form)),
        lambda saved: _("Department %(name)s created.", name=saved.name),
        lambda saved: url_for("admin.departments"),
        "admin/department_form.html", None,
    )


@bp.route("/departments/<code>/edit", methods=["GET", "POST"])
@roles("admin")
def department_edit(code: str):
    row = reference.get_department(code)
    form = _department_form(row)
    return _form_page(
        form, lambda: reference.update_department(code, _form_data(form, skip=("code",))),
        lambda saved: _("Department %(name)s saved.", name=saved.name),
        lambda saved: url_for("admin.departments"),
        "admin/department_form.html", row,
    )


# --- enterprises ---


@bp.route("/enterprises")
@roles(*READERS)
def enterprises():
    q = (request.args.get("q") or "").strip()[:200]
    jurisdiction = (request.args.get("jurisdiction") or "").strip()[:6]
    error = None
    try:
        items, total, page = _page_of(reference.enterprises_stmt(q or None, jurisdiction or None))
    except DomainError as err:
        error, items, total, page = err.message, [], 0, 1
    return render_template(
        "admin/enterprises.html", items=items, total=total, page=page, per_page=PER_PAGE, q=q,
        jurisdiction=jurisdiction, jurisdictions=_jurisdiction_choices(_("All jurisdictions")), error=error,
        can_edit=current_user.role in WRITERS,
    ), (422 if error else 200)


def _enterprise_form(row: Any | None) -> EnterpriseForm:
    form = EnterpriseForm()
    form.jurisdiction_code.choices = _jurisdiction_choices(_("— choose —"))
    if request.method == "GET" and row is not None:
        for name in ("uscc", "name", "short_name", "ownership", "industry", "address", "liaison_name",
                     "liaison_phone"):
            getattr(form, name).data = getattr(row, name) or ""
        form.size.data = row.size or ""
        form.jurisdiction_code.data = row.jurisdiction.code
    return form


@bp.route("/enterprises/new", methods=["GET", "POST"])
@roles(*WRITERS)
def enterprise_new():
    form = _enterprise_form(None)
    return _form_page(
        form, lambda: reference.create_enterprise(_form_data(form)),
        lambda saved: _("Enterprise %(name)s created.", name=saved.name),
        lambda saved: url_for("admin.enterprise_view", uscc=saved.uscc),
        "admin/enterprise_form.html", None,
    )


@bp.route("/enterprises/import", methods=["GET", "POST"])
@roles(*WRITERS)
def enterprise_import():
    form = ImportForm()
    result = None
    report = None
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            upload = form.file.data
            try:
                result = importer.import_enterprises(upload.filename or "", upload.read())
                message = _("Import done: %(created)s created, %(updated)s updated, %(unchanged)s unchanged.",
                            created=result.created, updated=result.updated, unchanged=result.unchanged)
                flash(message, "success")
                # Redirect after the write: a refresh must not import the file a second time.
                return redirect(url_for("admin.enterprise_import"), code=303)
            except importer.ImportRefused as err:
                db.session.rollback()
                if any(e.row for e in err.result.errors):  # problems in given rows: the per-row report
                    report = err.result.errors
                    flash(err.message, "error")
                else:  # a whole-file refusal (empty, header only): it belongs to the file field
                    form.file.errors = [*form.file.errors, err.message]
            except DomainError as err:
                db.session.rollback()
                # A whole-file problem (empty, unreadable) belongs to the file field: shown next to it and
                # in the summary at the top, like every other field error.
                form.file.errors = [*form.file.errors, err.message]
    return render_template("admin/enterprise_import.html", form=form, result=result, report=report,
                           columns=importer.COLUMNS, required=importer.REQUIRED), status


@bp.route("/enterprises/import/template.<fmt>")
@roles(*WRITERS)
def enterprise_import_template(fmt: str):
    if fmt == "csv":
        return Response(importer.template_csv(), mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=enterprises-template.csv"})
    if fmt == "xlsx":
        return Response(
            importer.template_xlsx(),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            headers={"Content-Disposition": "attachment; filename=enterprises-template.xlsx"},
        )
    abort(404)


@bp.route("/enterprises/<uscc>")
@roles(*READERS)
def enterprise_view(uscc: str):
    row = reference.enterprise_for(current_user, uscc)
    users = row_users(row.id) if current_user.role == "admin" else []
    return render_template("admin/enterprise_view.html", row=row, users=users,
                           can_edit=current_user.role in WRITERS)


def row_users(enterprise_id: int) -> list[Any]:
    from models.user import User

    stmt = select(User).where(User.enterprise_id == enterprise_id).order_by(User.email)
    return list(db.session.scalars(stmt))


@bp.route("/enterprises/<uscc>/edit", methods=["GET", "POST"])
@roles(*WRITERS)
def enterprise_edit(uscc: str):
    row = reference.get_enterprise(uscc)
    form = _enterprise_form(row)
    return _form_page(
        form, lambda: reference.update_enterprise(uscc, _form_data(form, skip=("uscc",))),
        lambda saved: _("Enterprise %(name)s saved.", name=saved.name),
        lambda saved: url_for("admin.enterprise_view", uscc=saved.uscc),
        "admin/enterprise_form.html", row,
    )


# --- users ---


@bp.route("/users")
@roles("admin")
def users():
    role = request.args.get("role") or None
    q = (request.args.get("q") or "").strip()[:200]
    if role and role not in reference.ROLES:
        role = None
    items, total, page = _page_of(reference.users_stmt(role, q or None))
    return render_template("admin/users.html", items=items, total=total, page=page, per_page=PER_PAGE,
                           role=role or "", q=q)


def _user_form(row: Any | None) -> UserForm:
    form = UserForm()
    form.department_code.choices = _department_choices()
    if request.method == "GET" and row is not None:
        form.email.data = row.email
        form.name.data = row.name
        form.role.data = row.role
        form.department_code.data = row.department.code if row.department else ""
        form.enterprise_uscc.data = row.enterprise.uscc if row.enterprise else ""
        form.is_head.data = row.is_head
        form.active.data = row.active
    return form


@bp.route("/users/new", methods=["GET", "POST"])
@roles("admin")
def user_new():
    form = _user_form(None)
    return _form_page(
        form, lambda: reference.create_user(_form_data(form, skip=("active",))),
        lambda saved: _("User %(email)s created.", email=saved.email),
        lambda saved: url_for("admin.users"),
        "admin/user_form.html", None,
    )


@bp.route("/users/<int:user_id>/edit", methods=["GET", "POST"])
@roles("admin")
def user_edit(user_id: int):
    row = reference.get_user(user_id)
    form = _user_form(row)

    def save() -> Any:
        data = _form_data(form)
        if data.get("password") is None:
            data.pop("password")  # blank means "keep the current password"
        return reference.update_user(user_id, data)

    return _form_page(
        form, save,
        lambda saved: _("User %(email)s saved.", email=saved.email),
        lambda saved: url_for("admin.users"),
        "admin/user_form.html", row,
    )


# --- working-day calendar ---


def _year_arg() -> int:
    year = parse_int(request.args.get("year", "")) or date.today().year
    return year if calendar.MIN_YEAR <= year <= calendar.MAX_YEAR else date.today().year


def _months(year: int) -> list[dict[str, Any]]:
    """Month grids for the page: each week a list of None (blank) or (day, is_workday, note)."""
    cal = calendar.load_calendar()
    info = calendar.year_info(year)
    holidays, workdays = set(info["holidays"]), set(info["workdays"])
    months = []
    for month in range(1, 13):
        weeks = []
        for week in stdcal.Calendar(firstweekday=0).monthdatescalendar(year, month):
            cells = []
            for d in week:
                if d.month != month:
                    cells.append(None)
                    continue
                iso = d.isoformat()
                note = _("Off") if iso in holidays else _("Work") if iso in workdays else ""
                cells.append((d, cal.is_workday(d), note))
            weeks.append(cells)
        months.append({"month": month, "weeks": weeks})
    return months


def _calendar_page(year: int, form: CalendarForm, status: int = 200):
    info = calendar.year_info(year)
    stored = db.session.get(calendar.CalendarYear, year)
    return render_template("admin/calendar.html", year=year, info=info, form=form, months=_months(year),
                           stored=stored, delete_form=EmptyForm()), status


@bp.route("/calendar", endpoint="calendar")
@roles("admin")
def calendar_page():
    year = _year_arg()
    form = CalendarForm()
    stored = db.session.get(calendar.CalendarYear, year)
    if stored is not None:
        form.holidays.data = "\n".join(sorted(stored.holidays))
        form.workdays.data = "\n".join(sorted(stored.workdays))
    return _calendar_page(year, form)


@bp.route("/calendar/<int:year>", methods=["POST"])
@roles("admin")
def calendar_save(year: int):
    calendar.check_year(year)
    form = CalendarForm()

    def save() -> Any:
        data = {"holidays": calendar.parse_date_lines(form.holidays.data),
                "workdays": calendar.parse_date_lines(form.workdays.data)}
        return calendar.set_year_notice(year, data)

    saved = _submit(form, save)
    if saved is not None:
        flash(_("The holiday notice for %(year)s is saved.", year=year), "success")
        return redirect(url_for("admin.calendar", year=year))
    return _calendar_page(year, form, 422)


@bp.route("/calendar/<int:year>/delete", methods=["POST"])
@roles("admin")
def calendar_delete(year: int):
    calendar.check_year(year)
    form = EmptyForm()
    if form.validate_on_submit():
        calendar.delete_year_notice(year)
        flash(_("The holiday notice for %(year)s was removed.", year=year), "success")
    return redirect(url_for("admin.calendar", year=year))


# --- audit log ---


@bp.route("/audit")
@roles("admin")
def audit():
    args = request.args
    entity = (args.get("entity") or "").strip()[:60]
    action = (args.get("action") or "").strip()[:60]
    user = (args.get("user") or "").strip()[:200]
    entity_id = (args.get("entity_id") or "").strip()[:60]
    stmt = reference.audit_stmt(entity, user, action, entity_id)
    # Days as the clerk means them (Beijing time); a bad date is named next to its field and not applied.
    days: dict[str, str] = {}
    errors: dict[str, str] = {}
    bounds: dict[str, Any] = {}
    for name in ("from", "to"):
        days[name] = (args.get(name) or "").strip()[:10]
        if days[name]:
            try:
                bounds[name] = parse_date(days[name], f"audit_{name}")
            except DomainError as err:
                errors[name] = err.message
    start, end = audit_view.utc_bounds(bounds.get("from"), bounds.get("to"))
    if start is not None:
        stmt = stmt.where(AuditLog.at >= start)
    if end is not None:
        stmt = stmt.where(AuditLog.at < end)
    items, total, page = _page_of(stmt)
    entities, actions = reference.audit_filter_values()
    return render_template("admin/audit.html", items=items, total=total, page=page, per_page=PER_PAGE,
                           entity=entity, action=action, user=user, entity_id=entity_id, entities=entities,
                           actions=actions, view=audit_view, days=days, errors=errors), 422 if errors else 200
