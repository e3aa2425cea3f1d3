"""Follow-up forms: CSRF and lengths only; the operations validate the values for the page and the API alike."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length

from blueprints.inspections.forms import opts
from operations.followup_labels import CATEGORY_LABELS, LEVEL_LABELS, RATING_LABELS, SOURCE_LABELS


class AssignForm(FlaskForm):
    source = SelectField(_l("Source"), choices=opts(SOURCE_LABELS.items()), validate_choice=False)
    meeting_id = StringField(_l("Meeting"), validators=[Length(max=12)])
    minutes_issue_id = StringField(_l("Issue in the minutes"), validators=[Length(max=12)])
    uscc = StringField(_l("Enterprise credit code (USCC)"), validators=[Length(max=18)])
    title = StringField(_l("Title"), validators=[Length(max=300)])
    description = TextAreaField(_l("Issue description"), validators=[Length(max=4000)])
    category = SelectField(_l("Category"), choices=opts(CATEGORY_LABELS.items()), validate_choice=False)
    lead_department = SelectField(_l("Lead department"), choices=[], validate_choice=False)
    assist_departments = SelectMultipleField(_l("Assisting departments"), choices=[], validate_choice=False)
    level = SelectField(_l("Assignment level"), choices=opts(LEVEL_LABELS.items()), validate_choice=False)
    workdays = StringField(_l("Time limit (working days)"), validators=[Length(max=4)])
    assigned_on = StringField(_l("Assignment date"), validators=[Length(max=10)], render_kw={"type": "date"})


class NoteForm(FlaskForm):
    note = TextAreaField(_l("Progress note"), validators=[Length(max=4000)])


class ResolveForm(FlaskForm):
    resolution = TextAreaField(_l("Resolution"), validators=[Length(max=4000)])


class RateForm(FlaskForm):
    rating = SelectField(_l("Rating"), choices=[], validate_choice=False)
    comment = TextAreaField(_l("Comment (required when sending the item back)"), validators=[Length(max=2000)])

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        # Built per request: the names are translated in the reader's language.
        self.rating.choices = opts((str(k), f"{k} · {v}") for k, v in RATING_LABELS.items())


class ExtendForm(FlaskForm):
    due_date = StringField(_l("New due date"), validators=[Length(max=10)], render_kw={"type": "date"})
    reason = TextAreaField(_l("Reason"), validators=[Length(max=2000)])


class DecideForm(FlaskForm):
    decision = SelectField(_l("Decision"), choices=opts([("approved", _l("Approve")), ("refused", _l("Refuse"))]),
                           validate_choice=False)
    note = StringField(_l("Note"), validators=[Length(max=2000)])


class SuperviseForm(FlaskForm):
    note = StringField(_l("Note"), validators=[Length(max=2000)])
