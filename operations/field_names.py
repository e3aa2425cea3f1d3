"""Chinese labels for the field codes of the quiet-day core, checks, inspections, reference data and the
calendar (issue #6): a message names a field by its label (“统一社会信用代码为必填项”), never by its API code,
which stays in ``details.field``. Other features register their own fields in their own modules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from operations.labels import register

FIELDS = {
    # inspections and checks
    "uscc": _l("Unified social credit code"),
    "department": _l("Inspecting agency"),
    "date": _l("Date"),
    "kind": _l("Inspection kind"),
    "subject": _l("Subject of the inspection"),
    "justification": _l("Written justification"),
    "reference": _l("Reference number"),
    "emergency": _l("Emergency"),
    "joint_with": _l("Joint visit (inspection no.)"),
    "reason": _l("Reason"),
    "result": _l("Result"),
    "rating": _l("Rating"),
    "comment": _l("Comment"),
    "from": _l("Start date"),
    "to": _l("End date"),
    "enterprises": _l("Enterprise list"),
    "month": _l("Month"),
    "q": _l("Search text"),
    "limit": _l("Page size"),
    "offset": _l("Offset"),
    # quiet-day policies
    "jurisdiction_code": _l("Jurisdiction"),
    "jurisdiction": _l("Jurisdiction"),
    "title": _l("Title"),
    "rule": _l("Quiet-day rule"),
    "rule.type": _l("Rule type"),
    "rule.weekdays": _l("Weekdays"),
    "rule.from": _l("Rule start"),
    "rule.to": _l("Rule end"),
    "rule.count": _l("Number of open working days"),
    "type": _l("Rule type"),
    "weekdays": _l("Weekdays"),
    "count": _l("Number of open working days"),
    "valid_from": _l("Valid from"),
    "valid_until": _l("Valid until"),
    "ownership": _l("Ownership"),
    "sizes": _l("Size classes"),
    "blocked_kinds": _l("Blocked inspection kinds"),
    "binds": _l("Binds"),
    "status": _l("Status"),
    "effect": _l("Exception type"),
    "inherited": _l("Include higher-level policies"),
    # reference data and users
    "code": _l("Code"),
    "name": _l("Name"),
    "short_name": _l("Short name"),
    "parent_code": _l("Parent jurisdiction"),
    "annual_inspection_cap": _l("Annual inspection cap"),
    "inspects": _l("Inspecting agency (执法部门)"),
    "handles": _l("Handles follow-up items"),
    "industry": _l("Industry"),
    "size": _l("Size class"),
    "address": _l("Address"),
    "liaison_name": _l("Liaison cadre"),
    "liaison_phone": _l("Liaison cadre's phone"),
    "email": _l("Email"),
    "role": _l("Role"),
    "password": _l("Password"),
    "department_code": _l("Department"),
    "enterprise_uscc": _l("Enterprise"),
    "is_head": _l("Head of the agency"),
    "active": _l("Active"),
    "file": _l("File"),
    # working-day calendar
    "year": _l("Year"),
    "holidays": _l("Holidays"),
    "workdays": _l("Make-up working days"),
    # follow-up codes validated without a label of their own (found by the static walk after the merge)
    "due_date": _l("Due date"),
    "note": _l("Note"),
    "meeting": _l("Meeting"),
    # own password change and approvals
    "current_password": _l("Current password"),
    "new_password": _l("New password"),
    "confirm": _l("Repeat the new password"),
}

# Choice names by "<table>.<column>" (a bare code like "status" is shared by several tables; see
# validate.get_choice(labels=...)); "effect" is used by policy exceptions only.
EFFECT_LABELS = {"lift": _l("Lifted (not a quiet day on this date)"), "add": _l("Added quiet day")}
CHOICES = {
    "policy_exceptions.effect": EFFECT_LABELS,
    "effect": EFFECT_LABELS,
}

register(fields=FIELDS, choices=CHOICES)
