"""A user changes their own password (issue #6): the current one is required, and every other session ends.

Sessions carry a fingerprint of the password hash (models.user.User.get_id), so a new hash alone ends every
session opened before it; the caller re-issues the current session. API tokens are not sessions: they stay
valid until revoked on the profile page (another system may depend on them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask_babel import gettext as _

from extensions import db
from models.user import User
from operations import audit
from operations.errors import DomainError
from operations.labels import field_label
from operations.reference import MIN_PASSWORD
from operations.validate import invalid

MAX_PASSWORD = 200


def _password_value(data: Mapping[str, Any], field: str) -> str:
    # Taken as typed, never stripped: spaces at either end are part of a password.
    value = data.get(field)
    if value is None or value == "":
        raise invalid(field, _("%(field)s is required.", field=field_label(field)), "missing_field")
    if not isinstance(value, str):
        raise invalid(field, _("%(field)s must be text.", field=field_label(field)))
    if len(value) > MAX_PASSWORD:
        raise invalid(field, _("%(field)s is longer than %(n)s characters.", field=field_label(field),
                               n=MAX_PASSWORD))
    return value


def change_own_password(user: User, data: Mapping[str, Any]) -> None:
    """Check the current password, validate the new one, store it, audit it (never the password itself).

    Raises a 422 naming the field at fault; nothing changes then."""
    current = _password_value(data, "current_password")
    new = _password_value(data, "new_password")
    confirm = data.get("confirm")
    # Checked before anything about the new password, so a guesser learns nothing else first.
    if not user.check_password(current):
        raise invalid("current_password", _("The current password is wrong."), "wrong_password")
    if len(new) < MIN_PASSWORD:
        raise invalid("new_password", _("The password must have at least %(n)s characters.", n=MIN_PASSWORD),
                      "weak_password")
    if new == current:
        raise invalid("new_password", _("The new password must differ from the current one."), "same_password")
    if confirm != new:
        raise DomainError("password_mismatch", _("The two new passwords do not match."), status=422,
                          field="confirm")
    user.set_password(new)
    audit.record("change_password", "user", user.id, before={"password": None}, after={"password": "changed"},
                 actor=user)
    db.session.commit()
