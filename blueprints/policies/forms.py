from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from blueprints.labels import BINDS_LABELS, KIND_LABELS, OWNERSHIP_LABELS, RULE_TYPE_LABELS, SIZE_LABELS


def opts(pairs) -> list[SelectChoice]:
    """Choices as SelectChoice (WTForms 3.3 deprecates tuples)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:  # values are checked by operations.policies, with field messages
        pass


class PolicyForm(FlaskForm):
    """Field values stay text: operations.policies validates them once, for the pages and the API alike."""

    jurisdiction_code = SelectField(_l("Issuing jurisdiction"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    reference = StringField(_l("Document reference"), validators=[Optional(), Length(max=300)])
    rule_type = SelectField(_l("Rule"), choices=opts(RULE_TYPE_LABELS.items()))
    weekdays = MultiCheckboxField(_l("Weekdays"), choices=opts([
        ("1", _l("Monday")), ("2", _l("Tuesday")), ("3", _l("Wednesday")), ("4", _l("Thursday")),
        ("5", _l("Friday")), ("6", _l("Saturday")), ("7", _l("Sunday"))]))
    day_from = StringField(_l("From day of month"), validators=[Length(max=10)])
    day_to = StringField(_l("To day of month"), validators=[Length(max=10)])
    count = StringField(_l("Open working days at the start of each month"), validators=[Length(max=10)])
    date_from = StringField(_l("From date"), validators=[Length(max=10)], render_kw={"type": "date"})
    date_to = StringField(_l("To date"), validators=[Length(max=10)], render_kw={"type": "date"})
    valid_from = StringField(_l("Valid from"), validators=[Length(max=10)], render_kw={"type": "date"})
    valid_until = StringField(_l("Valid until (empty: open end)"), validators=[Length(max=10)],
                              render_kw={"type": "date"})
    ownership = MultiCheckboxField(_l("Ownership types (none ticked: all)"),
                                   choices=opts(OWNERSHIP_LABELS.items()))
    sizes = MultiCheckboxField(_l("Size classes (none ticked: all)"), choices=opts(SIZE_LABELS.items()))
    enterprises = TextAreaField(_l("Listed enterprises (credit codes, one per line; white list)"),
                                validators=[Length(max=200000)])
    blocked_kinds = MultiCheckboxField(_l("Blocked inspection kinds"), choices=opts(KIND_LABELS.items()),
                                       default=["routine", "random"])
    binds = SelectField(_l("Binds"), choices=opts(BINDS_LABELS.items()), default="level_and_below")
    status = SelectField(_l("Status"), choices=opts([("draft", _l("Draft")), ("active", _l("Active"))]),
                         default="draft")


class ExceptionForm(FlaskForm):
    date = StringField(_l("Date"), validators=[Length(max=10)], render_kw={"type": "date"})
    effect = SelectField(_l("Effect"), choices=opts([("lift", _l("Lift: the date is not protected")),
                                                     ("add", _l("Add: the date is protected"))]))
    reason = StringField(_l("Reason"), validators=[Length(max=1000)])


class RevokeForm(FlaskForm):
    reason = StringField(_l("Reason for revoking"), validators=[Length(max=1000)])
