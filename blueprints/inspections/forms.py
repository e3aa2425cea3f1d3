from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length

from blueprints.labels import KIND_LABELS

EXEMPT_KINDS = [(k, v) for k, v in KIND_LABELS.items() if k not in ("routine", "random")]


def opts(pairs) -> list[SelectChoice]:
    """Choices as SelectChoice (WTForms 3.3 deprecates tuples)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class BookingForm(FlaskForm):
    """Values stay text: operations.inspections.book validates them for the page and the API alike."""

    uscc = StringField(_l("Enterprise credit code (USCC)"), validators=[Length(max=18)])
    department = SelectField(_l("Agency"), choices=[], validate_choice=False)
    date = StringField(_l("Date"), validators=[Length(max=10)], render_kw={"type": "date"})
    kind = SelectField(_l("Kind"), choices=opts(KIND_LABELS.items()))
    subject = StringField(_l("Subject"), validators=[Length(max=300)])
    justification = TextAreaField(_l("Justification (required on quiet days)"), validators=[Length(max=4000)])
    reference = StringField(_l("Reference (e.g. complaint number)"), validators=[Length(max=200)])
    emergency = BooleanField(_l("Emergency (goes ahead at once; recorded within 3 working days)"))
    joint_with = StringField(_l("Join the visit of inspection no."), validators=[Length(max=12)])


class ReasonForm(FlaskForm):
    reason = StringField(_l("Reason"), validators=[Length(max=1000)])


class ResultForm(FlaskForm):
    result = TextAreaField(_l("Result"), validators=[Length(max=4000)])


class RatingForm(FlaskForm):
    rating = SelectField(_l("Rating"), choices=opts((str(n), str(n)) for n in range(5, 0, -1)))
    comment = StringField(_l("Comment"), validators=[Length(max=1000)])


class EmergencyForm(FlaskForm):
    kind = SelectField(_l("Kind"), choices=opts(EXEMPT_KINDS))
    subject = StringField(_l("Subject"), validators=[Length(max=300)])
    justification = TextAreaField(_l("Justification"), validators=[Length(max=4000)])
    reference = StringField(_l("Reference (e.g. complaint number)"), validators=[Length(max=200)])


class EmptyForm(FlaskForm):
    """CSRF only."""
