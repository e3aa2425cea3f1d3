"""Admin forms. They carry CSRF and render the fields; the rules live in operations/reference.py, whose errors
are attached back to the field they name (so the page and the API refuse exactly the same input)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField, TextAreaField

from blueprints.labels import OWNERSHIP_LABELS, ROLE_LABELS, SIZE_LABELS


def _choices(labels: dict, blank: object | None = None) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = [("", blank)] if blank is not None else []
    return out + list(labels.items())


class JurisdictionForm(FlaskForm):
    code = StringField(_l("Code (6 digits)"))
    name = StringField(_l("Name"))
    parent_code = SelectField(_l("Parent jurisdiction"), validate_choice=False)
    annual_inspection_cap = StringField(_l("Annual routine-inspection cap per enterprise"))


class DepartmentForm(FlaskForm):
    code = StringField(_l("Code"))
    name = StringField(_l("Name"))
    jurisdiction_code = SelectField(_l("Jurisdiction"), validate_choice=False)
    inspects = BooleanField(_l("Inspecting agency (执法部门)"))
    handles = BooleanField(_l("Handles follow-up items (承办单位)"))
    annual_inspection_cap = StringField(_l("Annual routine-inspection cap per enterprise"))


class EnterpriseForm(FlaskForm):
    uscc = StringField(_l("Unified social credit code"))
    name = StringField(_l("Name"))
    short_name = StringField(_l("Short name"))
    jurisdiction_code = SelectField(_l("Jurisdiction"), validate_choice=False)
    ownership = SelectField(_l("Ownership"), validate_choice=False)
    industry = StringField(_l("Industry"))
    size = SelectField(_l("Size"), validate_choice=False)
    address = StringField(_l("Address"))
    liaison_name = StringField(_l("Liaison cadre"))
    liaison_phone = StringField(_l("Liaison phone"))

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.ownership.choices = _choices(OWNERSHIP_LABELS, _l("— choose —"))
        self.size.choices = _choices(SIZE_LABELS, _l("— not set —"))


class UserForm(FlaskForm):
    email = EmailField(_l("Email"))
    name = StringField(_l("Name"))
    role = SelectField(_l("Role"), validate_choice=False)
    password = PasswordField(_l("Password (at least 8 characters)"))
    department_code = SelectField(_l("Department"), validate_choice=False)
    enterprise_uscc = StringField(_l("Enterprise (credit code)"))
    is_head = BooleanField(_l("Head of the agency (approves exempt inspections)"))
    active = BooleanField(_l("Active (may log in)"), default=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.role.choices = _choices(ROLE_LABELS, _l("— choose —"))


class CalendarForm(FlaskForm):
    holidays = TextAreaField(_l("Holidays (days off), one date per line"))
    workdays = TextAreaField(_l("Make-up working days (调休上班), one date per line"))


class ImportForm(FlaskForm):
    file = FileField(_l("CSV or XLSX file"), validators=[FileRequired(_l("Choose a file to upload."))])
