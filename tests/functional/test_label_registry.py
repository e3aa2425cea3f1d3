"""The field-label registry is global by code: a code registered twice with different labels must refuse to
import instead of letting the last module win (it did: the calendar notice's "workdays" read as a follow-up's
time limit, because operations/followup_labels.py was imported after operations/field_names.py)."""

from __future__ import annotations

import pytest
from flask_babel import lazy_gettext as _l

from operations import labels
from operations.labels import CHOICE_LABELS, FIELD_LABELS, LabelConflict, register
from tests import followups_fixtures as ff

fu_world = ff.fu_world

CODE = "test_label_registry.code"


@pytest.fixture
def scratch():
    """A code of the test's own, removed afterwards: the registry is process-wide."""
    yield CODE
    FIELD_LABELS.pop(CODE, None)
    CHOICE_LABELS.pop(CODE, None)


def test_a_code_registered_again_with_another_label_is_refused(scratch):
    register(fields={scratch: _l("Title")})
    with pytest.raises(LabelConflict) as raised:
        register(fields={scratch: _l("Theme"), "test_label_registry.other": _l("Name")})
    assert scratch in str(raised.value) and "'Title'" in str(raised.value) and "'Theme'" in str(raised.value)
    # The first label stays, and nothing of the refused call was added.
    assert FIELD_LABELS[scratch]._args == ("Title",)
    assert "test_label_registry.other" not in FIELD_LABELS


def test_the_same_msgid_registered_again_is_fine(scratch):
    register(fields={scratch: _l("Title")}, choices={scratch: {"a": _l("Draft")}})
    register(fields={scratch: _l("Title")}, choices={scratch: {"a": _l("Draft"), "b": _l("Active")}})
    assert FIELD_LABELS[scratch]._args == ("Title",)
    assert set(CHOICE_LABELS[scratch]) == {"a", "b"}


def test_a_choice_renamed_under_the_same_field_is_refused(scratch):
    register(choices={scratch: {"a": _l("Draft")}})
    with pytest.raises(LabelConflict, match="'Active'"):
        register(choices={scratch: {"a": _l("Active")}})
    assert CHOICE_LABELS[scratch]["a"]._args == ("Draft",)


def test_the_registrations_of_every_feature_agree():
    """Every feature module registers at import; had two disagreed, importing them would have raised. Re-running
    each module's registrations against the filled registry proves they agree with what won."""
    from operations import audit_view, field_names, followup_labels, meeting_fields  # noqa: F401

    register(fields=field_names.FIELDS, choices=field_names.CHOICES)
    register(choices={"audit_log.action": audit_view.ACTION_LABELS, "audit_log.entity": audit_view.ENTITY_LABELS})
    register(choices=followup_labels.CHOICES)
    assert labels.FIELD_LABELS["workdays"]._args == ("Make-up working days",)
    assert labels.FIELD_LABELS["follow_ups.workdays"]._args == ("Time limit (working days)",)
    assert labels.FIELD_LABELS["q"]._args == ("Search text",)


def test_the_calendar_and_a_follow_up_name_their_own_workdays(client, fu_world):
    """The collision the refusal revealed, seen from outside: each form names its own field."""
    resp = client.put("/api/v1/calendar/2027", json={"holidays": [], "workdays": "2027-02-07"},
                      headers=fu_world.headers(fu_world.admin))
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["details"]["field"] == "workdays"
    assert "调休上班日期" in error["message"] and "办理时限" not in error["message"]

    resp = client.post("/api/v1/follow-ups", json=fu_world.payload(workdays=0),
                       headers=fu_world.headers(fu_world.secretariat))
    assert resp.status_code == 422
    error = resp.get_json()["error"]
    assert error["details"]["field"] == "workdays"
    assert "办理时限（工作日）" in error["message"] and "调休" not in error["message"]
