"""OpenAPI paths for follow-up items and the dashboard figures (API.md "Follow-up items")."""

from __future__ import annotations

from typing import Any

from openapi.common import COMPONENTS, PAGING, errors, json_body, list_of, ok, path_param, query

REF = "#/components/schemas/"
DATE = {"type": "string", "format": "date"}
NULL_DATE = {"type": ["string", "null"], "format": "date"}
STATUSES = ["assigned", "in_progress", "resolved", "closed"]
SOURCES = ["meeting", "visit", "request", "hotline"]
CATEGORIES = ["land", "finance", "labour", "approval", "utilities", "listing", "policy", "other"]
LEVELS = ["immediate", "joint", "leader"]
ITEM_ID = path_param("item_id", "integer")

SCHEMAS: dict[str, Any] = {
    "FollowUpNew": {
        "type": "object",
        "additionalProperties": False,
        "required": ["uscc", "title", "lead_department"],
        "properties": {
            "source": {"type": "string", "enum": SOURCES,
                       "description": "Required for the secretariat; an enterprise may only send `request`."},
            "meeting_id": {"type": "integer"},
            "uscc": {"type": "string"},
            "title": {"type": "string", "maxLength": 300},
            "description": {"type": "string", "maxLength": 4000},
            "category": {"type": "string", "enum": CATEGORIES},
            "lead_department": {"type": "string", "description": "Department code (牵头单位)."},
            "assist_departments": {"type": "array", "items": {"type": "string"}},
            "level": {"type": "string", "enum": LEVELS,
                      "description": "即交即办 5, 会商交办 15, 领导交办 30 working days (default immediate)."},
            "workdays": {"type": "integer", "minimum": 1, "maximum": 250},
            "assigned_on": {**DATE, "description": "Default today; may be in the past (at most a year)."},
        },
    },
    "FollowUp": {
        "type": "object",
        "required": ["id", "status", "due_date", "warning", "supervised", "rating"],
        "properties": {
            "id": {"type": "integer"},
            "source": {"type": "string", "enum": SOURCES},
            "meeting_id": {"type": ["integer", "null"]},
            "minutes_issue_id": {"type": ["integer", "null"]},
            "uscc": {"type": "string"},
            "enterprise_name": {"type": "string"},
            "title": {"type": "string"},
            "description": {"type": ["string", "null"]},
            "category": {"type": "string", "enum": CATEGORIES},
            "lead_department": {"type": "string"},
            "lead_department_name": {"type": "string"},
            "assist_departments": {"type": "array", "items": {"type": "string"}},
            "level": {"type": "string", "enum": LEVELS},
            "workdays": {"type": "integer"},
            "assigned_on": DATE,
            "due_date": DATE,
            "calendar_fallback": {"type": "boolean", "description": "The due date's year has no holiday notice "
                                  "yet: counted Monday to Friday, it may move when the notice is entered."},
            "status": {"type": "string", "enum": STATUSES},
            "warning": {"type": ["string", "null"], "enum": ["yellow", "red", None],
                        "description": "Computed when read: red overdue; yellow ≤ 3 working days left or no "
                        "progress for 10 working days."},
            "supervised": {"type": "boolean"},
            "supervised_on": NULL_DATE,
            "last_progress_on": DATE,
            "resolution": {"type": ["string", "null"]},
            "resolved_on": NULL_DATE,
            "closed_on": NULL_DATE,
            "close_reason": {"type": ["string", "null"], "enum": ["rated", "unrated", None]},
            "rating": {"type": ["integer", "null"], "minimum": 1, "maximum": 5},
            "reopen_count": {"type": "integer"},
            "pending_extension": {"type": ["object", "null"]},
            "history": {"type": "array", "items": {"type": "object"}},
        },
    },
}
ROWS = {"type": "array", "items": {"type": "object"}}
SCHEMAS["FollowUpStats"] = {
    "type": "object",
    "required": ["as_of", "totals", "series", "departments", "jurisdictions"],
    "properties": {
        "as_of": DATE,
        "totals": {"type": "object", "description": "raised, resolved, closed, on_time_rate (%), overdue"},
        "series": {**ROWS, "description": "Per meeting series: sessions_held, guests, items_raised, "
                   "items_resolved, on_time_rate"},
        "departments": {**ROWS, "description": "Per lead department: assigned, resolved, on_time, on_time_rate, "
                        "overdue, rated, average_rating, satisfaction_rate (ratings ≥ 3)"},
        "jurisdictions": {**ROWS, "description": "Inspections per jurisdiction: allowed (not cancelled), "
                          "cancelled, refused (bookings refused by a quiet day, a cap, a same-day "
                          "duplicate or too late for approval; 422 bad input is not counted), "
                          "protected_with_justification"},
    },
}
COMPONENTS["schemas"].update(SCHEMAS)
ITEM = {"$ref": REF + "FollowUp"}


def _action(summary: str, body: dict[str, Any], result: dict[str, Any] | None = None,
            status: int = 200) -> dict[str, Any]:
    return {"post": {
        "summary": summary, "tags": ["Follow-ups"], "parameters": [ITEM_ID], "requestBody": json_body(body),
        "responses": {**ok("Done", result or ITEM, status), **errors(400, 401, 403, 404, 409, 422)}}}


def _obj(required: list[str], **props: Any) -> dict[str, Any]:
    return {"type": "object", "additionalProperties": False, "required": required, "properties": props}


FILTERS = [
    query("status", enum=STATUSES), query("department", description="Lead or assisting department code"),
    query("warning", enum=["yellow", "red", "none"]), query("uscc"),
    query("meeting", "integer"), query("supervised", "boolean"),
    query("from", fmt="date", description="Assigned on or after"),
    query("to", fmt="date", description="Assigned on or before"),
    query("sort", enum=["urgency", "assigned"], description="Default: urgency (red, yellow, then by due date) "
          "for departments and enterprises, newest assignment first for the others"),
]
EXPORT = {"get": {"summary": "The ledger (台账), Chinese headers; values starting with = + - @ are neutralised",
                  "tags": ["Follow-ups"], "parameters": FILTERS,
                  "responses": {"200": {"description": "The file"}, **errors(401, 403, 422)}}}

PATHS: dict[str, Any] = {
    "/api/v1/follow-ups": {
        "post": {"summary": "Assign a follow-up item (an enterprise: its own request)", "tags": ["Follow-ups"],
                 "requestBody": json_body({"$ref": REF + "FollowUpNew"}),
                 "responses": {**ok("Created", ITEM, 201), **errors(400, 401, 403, 422)}},
        "get": {"summary": "Items visible to the caller, most urgent first", "tags": ["Follow-ups"],
                "parameters": [*FILTERS, *PAGING],
                "responses": {**ok("Items", list_of(ITEM)), **errors(401, 403, 422)}},
    },
    "/api/v1/follow-ups/{item_id}": {
        "get": {"summary": "One item with its history", "tags": ["Follow-ups"], "parameters": [ITEM_ID],
                "responses": {**ok("The item", ITEM), **errors(401, 403, 404)}}},
    "/api/v1/follow-ups/{item_id}/progress": _action(
        "Progress note (lead or assisting department)", _obj(["note"], note={"type": "string"})),
    "/api/v1/follow-ups/{item_id}/resolve": _action(
        "Resolve (lead department)", _obj(["resolution"], resolution={"type": "string"})),
    "/api/v1/follow-ups/{item_id}/rate": _action(
        "Rate a resolution (the enterprise); 2 or less reopens it and needs a comment",
        _obj(["rating"], rating={"type": "integer", "minimum": 1, "maximum": 5}, comment={"type": "string"})),
    "/api/v1/follow-ups/{item_id}/extend": _action(
        "Request an extension before the due date (lead department)",
        _obj(["due_date", "reason"], due_date=DATE, reason={"type": "string"}),
        {"type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"},
                                          "due_date": DATE, "reason": {"type": "string"}}}, 201),
    "/api/v1/follow-ups/{item_id}/extension-decision": _action(
        "Approve or refuse the pending extension (secretariat)",
        _obj(["decision"], decision={"type": "string", "enum": ["approved", "refused"]}, note={"type": "string"})),
    "/api/v1/follow-ups/{item_id}/supervise": {"post": {
        "summary": "挂号督办: put under supervision (secretariat); optional body {note}", "tags": ["Follow-ups"],
        "parameters": [ITEM_ID],
        "requestBody": {"required": False, "content": {"application/json": {"schema": _obj(
            [], note={"type": "string"})}}},
        "responses": {**ok("Done", ITEM), **errors(400, 401, 403, 404, 409, 422)}}},
    "/api/v1/follow-ups/export.csv": EXPORT,
    "/api/v1/follow-ups/export.xlsx": EXPORT,
    "/api/v1/stats": {"get": {
        "summary": "Dashboard figures: totals, per series, per department, per jurisdiction", "tags": ["Follow-ups"],
        "parameters": [query("jurisdiction"), query("from", fmt="date"), query("to", fmt="date")],
        "responses": {**ok("Figures", {"$ref": REF + "FollowUpStats"}), **errors(401, 403, 422)}}},
}
