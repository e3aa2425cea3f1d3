"""The audit log as a clerk reads it: Chinese names for actions and records, local times, and only the fields a
write changed, each as "label: before → after".

The log stores whole JSON snapshots (operations/audit.record) because that is what an investigation needs; a
person scanning the page needs the difference. Everything here is presentation: nothing is written.

Other features name their own actions and records with
``labels.register(choices={"audit_log.action": {...}, "audit_log.entity": {...}})`` in their own module, so
this file needs no edit when they add one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context
from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from operations import labels
from operations.labels import choice_label, field_label

ACTION_LABELS = {
    "create": _l("Added"),
    "update": _l("Changed"),
    "delete": _l("Deleted"),
    "revoke": _l("Revoked"),
    "import": _l("Imported"),
    "login": _l("Logged in"),
    "approve": _l("Approved"),
    "reject": _l("Rejected"),
    "cancel": _l("Cancelled"),
    "check_in": _l("Checked in"),
    "complete": _l("Completed"),
    "rate": _l("Rated"),
    # meetings (issue 8)
    "invite": _l("Invited"),
    "respond": _l("Replied"),
    "schedule": _l("Scheduled"),
    "reschedule": _l("Rescheduled"),
    "held": _l("Held"),
    "accept_visit": _l("Visit accepted"),
    "counter_propose": _l("Other time proposed"),
    "save_minutes": _l("Minutes saved"),
    "raise_issue": _l("Raised an issue"),
}
ENTITY_LABELS = {
    "jurisdiction": _l("Jurisdiction"),
    "department": _l("Agency"),
    "enterprise": _l("Enterprise"),
    "user": _l("User"),
    "api_token": _l("API token"),
    "calendar_year": _l("Working-day calendar"),
    "inspection": _l("Inspection"),
    "quiet_day_policy": _l("Quiet-day policy"),
    "policy_exception": _l("Policy exception"),
    "meeting": _l("Meeting"),
    "meeting_series": _l("Meeting series"),
    "invitation": _l("Invitation"),
    "minutes_issue": _l("Issue from the minutes"),
}
labels.register(choices={"audit_log.action": ACTION_LABELS, "audit_log.entity": ENTITY_LABELS},
                fields={"audit_from": _l("From date"), "audit_to": _l("To date")})

# Labels for the fields the snapshots hold. They are only a fallback: a label the validation layer registers
# (operations/labels) wins, so a field reads the same in a form error and in the log.
_FIELD_FALLBACK = {
    "id": _l("Number"),
    "code": _l("Code"),
    "name": _l("Name"),
    "short_name": _l("Short name"),
    "parent_code": _l("Parent jurisdiction"),
    "jurisdiction_code": _l("Jurisdiction"),
    "annual_inspection_cap": _l("Annual inspection cap"),
    "inspects": _l("Inspects enterprises"),
    "handles": _l("Handles follow-ups"),
    "uscc": _l("Enterprise"),
    "ownership": _l("Ownership"),
    "industry": _l("Industry"),
    "size": _l("Size"),
    "address": _l("Address"),
    "liaison_name": _l("Liaison cadre"),
    "liaison_phone": _l("Liaison phone"),
    "email": _l("Email"),
    "role": _l("Role"),
    "department_code": _l("Agency"),
    "department": _l("Agency"),
    "enterprise_uscc": _l("Enterprise"),
    "is_head": _l("Agency head"),
    "active": _l("Account enabled"),
    "locale": _l("Language"),
    "user": _l("User"),
    "revoked": _l("Revoked"),
    "year": _l("Year"),
    "holidays": _l("Holidays"),
    "workdays": _l("Adjusted working days"),
    "date": _l("Date"),
    "kind": _l("Kind"),
    "subject": _l("Subject"),
    "justification": _l("Justification"),
    "reference": _l("Reference"),
    "emergency": _l("Emergency"),
    "record_overdue": _l("Record overdue"),
    "on_protected_day": _l("On a quiet day"),
    "status": _l("Status"),
    "joint_with": _l("Joint visit with inspection"),
    "created_at": _l("Created at"),
    "approved_at": _l("Approved at"),
    "checked_in_at": _l("Checked in at"),
    "completed_at": _l("Completed at"),
    "cancelled_at": _l("Cancelled at"),
    "revoked_at": _l("Revoked at"),
    "result": _l("Result"),
    "cancel_reason": _l("Reason for cancelling"),
    "rated": _l("Rated"),
    "title": _l("Title"),
    "rule": _l("Rule"),
    "valid_from": _l("Valid from"),
    "valid_until": _l("Valid until"),
    "sizes": _l("Sizes"),
    "enterprises": _l("Listed enterprises"),
    "enterprise_count": _l("Number of listed enterprises"),
    "blocked_kinds": _l("Blocked kinds"),
    "binds": _l("Binds"),
    "exceptions": _l("Exceptions"),
    "revoked_reason": _l("Reason for revoking"),
    "policy_id": _l("Policy"),
    "effect": _l("Effect"),
    "reason": _l("Reason"),
    "created_by": _l("Created by"),
    "file": _l("File"),
    "created": _l("New records"),
    "updated": _l("Updated records"),
    "unchanged": _l("Unchanged records"),
    "errors": _l("Errors"),
    # meetings (issue 8): only where operations/meeting_fields registers no label
    "meeting_id": _l("Meeting"),
    "number": _l("Session number"),
    "next_number": _l("Next session number"),
    "responded_at": _l("Replied at"),
    "counter_proposal": _l("Other time proposed"),
    "invitations": _l("Invited enterprises"),
    "row": _l("Row"),
    "column": _l("Column"),
    "message": _l("Message"),
}
# A code shown next to its name is one fact: the name field is folded into the code's line.
_NAME_OF = {"uscc": "enterprise_name", "department": "department_name", "jurisdiction_code": "jurisdiction_name"}
# Derived or bookkeeping values that only repeat another line (the id is the record column's number).
_SKIP = {"id", "rule_text", "updated_at", "enterprise_count", "enterprise_name", "department_name",
         "jurisdiction_name", "sequence", "host_ids"}
# A list of ids next to the same list with names: the names are shown, under the ids' label.
_LABEL_AS = {"hosts": "host_ids"}
# Stored choices whose names depend on the table (both inspections and policies have a "status").
_TABLE_OF = {"inspection": "inspections", "quiet_day_policy": "quiet_day_policies", "meeting": "meetings",
             "meeting_series": "meeting_series", "invitation": "invitations", "minutes_issue": "minutes_issues"}
_EFFECT_LABELS = {"add": _l("Added (protected)"), "lift": _l("Lifted (not protected)")}
# Whole lists of dates or credit codes are unreadable; past this length a list change shows what was added
# and removed instead.
_LIST_DIFF_AT = 4
_LIST_SHOWN = 10


@dataclass(frozen=True)
class Change:
    """One line of a change: the field's label and its old and new value as text ("" = none)."""

    field: str
    label: str
    before: str
    after: str
    # A long list shows only what left (before) and what came (after).
    partial: bool = False


def action_label(code: str) -> str:
    return choice_label("audit_log.action", code)


def entity_label(code: str) -> str:
    return choice_label("audit_log.entity", code)


def label_for(code: str, entity: str = "") -> str:
    """The field's label: the table's own ("meetings.title" 主题) before the bare code's (policy 名称)."""
    code = _LABEL_AS.get(code, code)
    table = _TABLE_OF.get(entity)
    for key in ((f"{table}.{code}",) if table else ()) + (code,):
        registered = field_label(key)
        if registered != key:
            return registered
    found = _FIELD_FALLBACK.get(code)
    return str(found) if found is not None else code


def timezone_label() -> str:
    zone = current_app.config.get("TIMEZONE", "Asia/Shanghai") if has_app_context() else "Asia/Shanghai"
    return _("Beijing time") if zone in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else zone


def local_time(at: datetime) -> str:
    """A stored UTC moment in the configured time zone, to the second (Flask-Babel rebases naive UTC)."""
    return format_datetime(at, "yyyy-MM-dd HH:mm:ss")


def utc_bounds(first: date | None, last: date | None) -> tuple[datetime | None, datetime | None]:
    """Local calendar days [first, last] as naive UTC moments [start, end) for filtering ``AuditLog.at``: a clerk
    asks for "the 23rd" in Beijing time, which starts at 16:00 UTC the day before."""
    zone = ZoneInfo(current_app.config.get("TIMEZONE", "Asia/Shanghai"))

    def utc(d: date) -> datetime:
        return datetime.combine(d, time.min, zone).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)

    return (utc(first) if first else None, utc(last + timedelta(days=1)) if last else None)


def _iso_moment(value: str) -> datetime | None:
    """A stored moment ("…Z" in UTC, or with an offset such as +08:00) as naive UTC; other text is None."""
    if not (isinstance(value, str) and "T" in value and len(value) >= 19):
        return None
    try:
        moment = datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        return None
    return moment.astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def _choice(entity: str, field: str, value: Any) -> str | None:
    table = _TABLE_OF.get(entity)
    for key in ((f"{table}.{field}",) if table else ()) + (field,):
        if value in labels.CHOICE_LABELS.get(key, {}):
            return choice_label(key, value)
    if field == "effect" and value in _EFFECT_LABELS:
        return str(_EFFECT_LABELS[value])
    return None


def format_value(entity: str, field: str, value: Any, snapshot: Mapping[str, Any] | None = None) -> str:
    """One stored value as a person reads it: choice names, 是/否, local times, rules as a sentence."""
    if value is None or value == "" or value == []:
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field == "rule" and isinstance(value, Mapping):
        from operations.policies import rule_text  # the one sentence a rule reads as, shared with the pages

        return rule_text(value) or _fallback_json(value)
    if isinstance(value, list):
        shown = _(", ").join(_item(entity, field, v) for v in value[:_LIST_SHOWN])
        if len(value) > _LIST_SHOWN:  # a white list of hundreds of credit codes would swamp the page
            return _("%(items)s … and %(n)s more", items=shown, n=len(value) - _LIST_SHOWN)
        return shown
    if isinstance(value, Mapping):
        return _fallback_json(value)
    named = _choice(entity, field, value)
    if named is not None:
        return named
    moment = _iso_moment(value) if isinstance(value, str) else None
    if moment is not None:
        return local_time(moment)
    text = str(value)
    name_field = _NAME_OF.get(field)
    if snapshot and name_field and snapshot.get(name_field):
        return f"{snapshot[name_field]}（{text}）"
    return text


def _item(entity: str, field: str, value: Any) -> str:
    if isinstance(value, Mapping) and (value.get("name") or value.get("enterprise_name")):
        return str(value.get("name") or value["enterprise_name"])  # listed by name (hosts, invitations)
    if field == "exceptions" and isinstance(value, Mapping):
        effect = _choice(entity, "effect", value.get("effect")) or value.get("effect") or ""
        reason = value.get("reason") or ""
        return " ".join(str(part) for part in (value.get("date"), effect, reason) if part)
    return format_value(entity, field, value)


def _fallback_json(value: Mapping[str, Any]) -> str:
    return "；".join(f"{label_for(str(k))}：{format_value('', str(k), v)}" for k, v in value.items())


def _key(value: Any) -> str:
    return repr(value)


def changes(entity: str, before: Any, after: Any) -> list[Change]:
    """The fields that differ between two snapshots, in the snapshot's order (a creation lists every filled
    field, a deletion every field it had). Non-dict snapshots are shown whole under one line."""
    if any(snap is not None and not isinstance(snap, Mapping) for snap in (before, after)):
        return [Change("", "", _plain(before), _plain(after))]
    old: Mapping[str, Any] = before or {}
    new: Mapping[str, Any] = after or {}
    out: list[Change] = []
    for field in list(old) + [k for k in new if k not in old]:
        if field in _SKIP:
            continue
        a, b = old.get(field), new.get(field)
        if a == b or (a in (None, "", []) and b in (None, "", [])):
            continue
        if isinstance(a, list) and isinstance(b, list) and max(len(a), len(b)) > _LIST_DIFF_AT:
            removed = [v for v in a if _key(v) not in {_key(x) for x in b}]
            added = [v for v in b if _key(v) not in {_key(x) for x in a}]
            out.append(Change(field, label_for(field, entity), format_value(entity, field, removed),
                              format_value(entity, field, added), partial=True))
            continue
        out.append(Change(field, label_for(field, entity), format_value(entity, field, a, old),
                          format_value(entity, field, b, new)))
    return out


def _plain(value: Any) -> str:
    if value is None:
        return ""
    return str(value)


def summary(entity: str, before: Any, after: Any) -> str:
    """A name for the record (enterprise name, policy title, subject), so the reader need not look up ids."""
    for snap in (after, before):
        if not isinstance(snap, Mapping):
            continue
        for key in ("title", "name", "enterprise_name", "subject", "user", "file"):
            value = snap.get(key)
            if value:
                return f"《{value}》" if key == "title" else str(value)
    return ""
