"""OpenAPI paths for quiet-day policies, checks and inspections (API.md "Quiet days", "Checks",
"Inspections")."""

from __future__ import annotations

from typing import Any

from openapi.common import COMPONENTS, PAGING, errors, json_body, list_of, ok, path_param, query

REF = "#/components/schemas/"
KINDS = ["routine", "random", "complaint", "accident", "assigned", "case", "licensing", "requested"]
DATE = {"type": "string", "format": "date"}
NULL_DATE = {"type": ["string", "null"], "format": "date"}
KIND = {"type": "string", "enum": KINDS}
STATUS = {"type": "string", "enum": ["planned", "pending_approval", "checked_in", "completed", "cancelled",
                                     "rejected"]}
POLICY_STATUSES = ["draft", "active", "revoked"]
OWNERSHIP = {"type": "string", "enum": ["private", "state", "foreign", "collective", "individual"]}
SIZE = {"type": "string", "enum": ["above_scale", "large", "medium", "small", "micro"]}
BINDS = {"type": "string", "enum": ["level", "level_and_below"]}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
ID = {"type": "integer"}
POLICY_REF = {
    "type": "object",
    "required": ["policy_id", "title", "jurisdiction_code"],
    "properties": {
        "policy_id": {"type": "integer"},
        "title": {"type": "string"},
        "jurisdiction_code": {"type": "string"},
    },
}
CAP = {
    "type": ["object", "null"],
    "description": "The tightest cap for routine/random bookings (null for other kinds or when none is set).",
    "required": ["limit", "used", "scope", "code"],
    "properties": {
        "limit": {"type": "integer"},
        "used": {"type": "integer"},
        "scope": {"type": "string", "enum": ["department", "jurisdiction"]},
        "code": {"type": "string"},
        "reached": {"type": "boolean"},
        "owner_name": {"type": "string", "description": "The department or jurisdiction whose cap this is."},
    },
}

SCHEMAS: dict[str, Any] = {
    "Rule": {
        "description": "weekdays: ISO weekdays (1 = Monday); month_days: day-of-month range (a `to` past the "
        "month's end means the end); first_workdays_open: protected except the first N working "
        "days of each month; date_range: inclusive dates.",
        "oneOf": [
            {
                "type": "object",
                "required": ["type", "weekdays"],
                "additionalProperties": False,
                "properties": {
                    "type": {"const": "weekdays"},
                    "weekdays": {
                        "type": "array",
                        "minItems": 1,
                        "items": {"type": "integer", "minimum": 1, "maximum": 7},
                    },
                },
            },
            {
                "type": "object",
                "required": ["type", "from", "to"],
                "additionalProperties": False,
                "properties": {
                    "type": {"const": "month_days"},
                    "from": {"type": "integer", "minimum": 1, "maximum": 31},
                    "to": {"type": "integer", "minimum": 1, "maximum": 31},
                },
            },
            {
                "type": "object",
                "required": ["type", "count"],
                "additionalProperties": False,
                "properties": {
                    "type": {"const": "first_workdays_open"},
                    "count": {"type": "integer", "minimum": 1, "maximum": 23},
                },
            },
            {
                "type": "object",
                "required": ["type", "from", "to"],
                "additionalProperties": False,
                "properties": {"type": {"const": "date_range"}, "from": DATE, "to": DATE},
            },
        ],
    },
    "PolicyException": {
        "type": "object",
        "required": ["id", "date", "effect", "reason", "created_by"],
        "properties": {
            "policy_id": {"type": "integer", "description": "In the answer to POST .../exceptions."},
            "id": {"type": "integer"},
            "date": DATE,
            "effect": {"type": "string", "enum": ["lift", "add"]},
            "reason": {"type": "string"},
            "created_by": {"type": ["string", "null"]},
        },
    },
    "PolicyInput": {
        "type": "object",
        "properties": {
            "jurisdiction_code": {"type": "string"},
            "title": {"type": "string", "maxLength": 200},
            "reference": {"type": ["string", "null"], "maxLength": 300},
            "rule": {"$ref": REF + "Rule"},
            "valid_from": DATE,
            "valid_until": NULL_DATE,
            "ownership": {"type": "array", "items": OWNERSHIP},
            "sizes": {"type": "array", "items": SIZE},
            "enterprises": {
                "type": "array",
                "items": {"type": "string"},
                "description": "USCCs; non-empty: the policy covers exactly these (白名单).",
            },
            "blocked_kinds": {
                "type": ["array", "null"],
                "items": KIND,
                "description": "Default [routine, random].",
            },
            "binds": BINDS,
            "status": {
                "type": "string",
                "enum": ["draft", "active"],
                "description": "Default draft; revoking is DELETE.",
            },
        },
    },
    "Policy": {
        "description": "A policy as the caller may read it. Its own schema, not PolicyInput: `status` may be "
        "`revoked`, and `enterprises` is cut down for enterprise users.",
        "type": "object",
        "required": [
            "id", "jurisdiction_code", "jurisdiction_name", "title", "reference", "rule", "rule_text",
            "valid_from", "valid_until", "status", "ownership", "sizes", "enterprises", "enterprise_count",
            "blocked_kinds", "binds", "exceptions", "created_at", "updated_at", "revoked_at", "revoked_reason",
        ],
        "properties": {
            "id": {"type": "integer"},
            "jurisdiction_code": {"type": "string"},
            "jurisdiction_name": {"type": "string"},
            "title": {"type": "string"},
            "reference": {"type": ["string", "null"]},
            "rule": {"$ref": REF + "Rule"},
            "rule_text": {"type": "string", "description": "The rule in plain words (UI language)."},
            "valid_from": DATE,
            "valid_until": NULL_DATE,
            "status": {"type": "string", "enum": POLICY_STATUSES},
            "ownership": {"type": "array", "items": OWNERSHIP},
            "sizes": {"type": "array", "items": SIZE},
            "enterprises": {
                "type": "array",
                "items": {"type": "string"},
                "description": "USCCs the policy names (白名单). Government users get the whole list; an "
                "enterprise user gets at most its own USCC, never another enterprise's: read "
                "`enterprise_count` to tell a white list from a policy for everyone.",
            },
            "enterprise_count": {
                "type": "integer",
                "minimum": 0,
                "description": "How many enterprises the policy names in all; 0: it covers every enterprise "
                "matching ownership and sizes.",
            },
            "blocked_kinds": {"type": "array", "items": KIND},
            "binds": BINDS,
            "exceptions": {"type": "array", "items": {"$ref": REF + "PolicyException"}},
            "created_at": NULL_TIME,
            "updated_at": NULL_TIME,
            "revoked_at": NULL_TIME,
            "revoked_reason": {"type": ["string", "null"]},
        },
    },
    "Check": {
        "type": "object",
        "required": [
            "uscc", "date", "kind", "department", "protected", "allowed", "blocking", "advisory", "exempt",
            "requires_justification", "requires_approval", "cap", "cap_reached", "next_allowed_date",
            "enterprise_name",
        ],
        "properties": {
            "uscc": {"type": "string"},
            "date": DATE,
            "kind": KIND,
            "department": {"type": "string"},
            "protected": {"type": "boolean"},
            "allowed": {"type": "boolean"},
            "blocking": {"type": "array", "items": POLICY_REF},
            "advisory": {"type": "array", "items": POLICY_REF},
            "exempt": {"type": "array", "items": POLICY_REF},
            "requires_justification": {"type": "boolean"},
            "requires_approval": {"type": "boolean"},
            "cap": CAP,
            "cap_reached": {"type": "boolean"},
            "next_allowed_date": NULL_DATE,
            "enterprise_name": {"type": "string"},
        },
    },
    "Inspection": {
        "type": "object",
        "required": [
            "id", "uscc", "enterprise_name", "department", "department_name", "date", "kind", "subject",
            "justification", "reference", "emergency", "record_overdue", "on_protected_day", "status",
            "joint_with", "created_at", "approved_at", "checked_in_at", "completed_at", "result",
            "cancelled_at", "cancel_reason",
        ],
        "properties": {
            "id": {"type": "integer"},
            "uscc": {"type": "string"},
            "enterprise_name": {"type": "string"},
            "department": {"type": "string"},
            "department_name": {"type": "string"},
            "date": DATE,
            "kind": KIND,
            "subject": {"type": "string"},
            "justification": {"type": ["string", "null"]},
            "reference": {"type": ["string", "null"]},
            "emergency": {"type": "boolean"},
            "record_overdue": {
                "type": "boolean",
                "description": "An emergency recorded more than 3 working days after its date.",
            },
            "on_protected_day": {"type": "boolean"},
            "status": STATUS,
            "joint_with": {"type": ["integer", "null"], "description": "The visit this inspection joins."},
            "created_at": NULL_TIME,
            "approved_at": NULL_TIME,
            "checked_in_at": NULL_TIME,
            "completed_at": NULL_TIME,
            "result": {"type": ["string", "null"]},
            "cancelled_at": NULL_TIME,
            "cancel_reason": {"type": ["string", "null"]},
            "rejected_at": NULL_TIME,
            "rejection_reason": {"type": ["string", "null"], "description": "Why the agency's head rejected it."},
            "rated": {"type": "boolean", "description": "Only shown to the enterprise that rated: agencies never "
                      "learn which inspection was rated."},
            "rating": {
                "type": ["integer", "null"],
                "description": "Only shown to the enterprise that rated.",
            },
            "rating_comment": {
                "type": ["string", "null"],
                "description": "Only shown to the enterprise that rated.",
            },
        },
    },
    "InspectionBooked": {
        "description": "The booked inspection and what the check found on the way.",
        "allOf": [{"$ref": REF + "Inspection"}],
        "type": "object",
        "required": ["advisory", "exempt", "cap"],
        "properties": {
            "advisory": {"type": "array", "items": POLICY_REF},
            "exempt": {"type": "array", "items": POLICY_REF},
            "cap": CAP,
            "joint_suggestion": {
                "type": "object",
                "description": "Another agency's open inspection of this enterprise within 14 days.",
                "required": ["id", "inspection_id", "department", "department_name", "date"],
                "properties": {
                    "id": ID,
                    "inspection_id": ID,
                    "department": {"type": "string"},
                    "department_name": {"type": "string"},
                    "date": DATE,
                },
            },
        },
    },
    "InspectionDetail": {
        "allOf": [{"$ref": REF + "Inspection"}],
        "type": "object",
        "required": ["joined"],
        "properties": {
            "joined": {
                "type": "array",
                "description": "The other inspections of the same visit (same enterprise, other agencies).",
                "items": {
                    "type": "object",
                    "required": ["id", "department", "date", "status"],
                    "properties": {"id": ID, "department": {"type": "string"}, "date": DATE, "status": STATUS},
                },
            },
        },
    },
    "Days": {
        "type": "object",
        "required": ["uscc", "from", "to", "kind", "department", "days"],
        "properties": {
            "uscc": {"type": "string"},
            "from": DATE,
            "to": DATE,
            "kind": {"type": ["string", "null"], "enum": [*KINDS, None]},
            "department": {"type": ["string", "null"]},
            "days": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["date", "workday", "protected", "allowed", "policy_ids"],
                    "properties": {
                        "date": DATE,
                        "workday": {"type": "boolean", "description": "A working day on the working-day "
                                    "calendar (weekends and holidays stay allowed by the rules)."},
                        "protected": {"type": "boolean"},
                        "allowed": {"type": ["boolean", "null"]},
                        "policy_ids": {"type": "array", "items": {"type": "integer"}},
                    },
                },
            },
        },
    },
}
COMPONENTS["schemas"].update(SCHEMAS)

POLICY = {"$ref": REF + "Policy"}
INSPECTION = {"$ref": REF + "Inspection"}
POLICY_ID = path_param("policy_id", "integer")
INSPECTION_ID = path_param("inspection_id", "integer")
REASON = {"type": "object", "properties": {"reason": {"type": "string", "maxLength": 1000}}}


def _action(
    summary: str, body: dict | None = None, codes: tuple[int, ...] = (401, 403, 404, 409, 422)
) -> dict:
    out: dict[str, Any] = {
        "summary": summary,
        "parameters": [INSPECTION_ID],
        "responses": {**ok("The inspection", INSPECTION), **errors(*codes)},
    }
    if body is not None:
        # The body is optional, but one that is sent must be a JSON object: 400 `malformed_json` otherwise.
        out["requestBody"] = {"required": False, "content": {"application/json": {"schema": body}}}
        out["responses"].update(errors(400))
    return out


PATHS: dict[str, Any] = {
    "/api/v1/quiet-day-policies": {
        "post": {
            "summary": "Create a quiet-day policy (admin, secretariat)",
            "requestBody": json_body(
                {
                    "allOf": [{"$ref": REF + "PolicyInput"}],
                    "required": ["jurisdiction_code", "title", "rule", "valid_from"],
                }
            ),
            "responses": {**ok("Created", POLICY, 201), **errors(400, 401, 403, 422)},
        },
        "get": {
            "summary": "List policies (everyone signed in); newest first",
            "description": "Enterprise users see at most their own enterprise in `enterprises` (see Policy).",
            "parameters": [
                query("jurisdiction", description="Issued by this jurisdiction (6-digit code)."),
                query("inherited", "boolean",
                      description="With `jurisdiction`: also the policies of the jurisdictions above it. "
                      "true/false (also 1/0, yes/no); anything else is 422."),
                query("status", enum=POLICY_STATUSES),
                *PAGING,
            ],
            "responses": {**ok("Policies", list_of(POLICY)), **errors(401, 422)},
        },
    },
    "/api/v1/quiet-day-policies/{policy_id}": {
        "get": {
            "summary": "One policy with its rule and exceptions",
            "parameters": [POLICY_ID],
            "responses": {**ok("Policy", POLICY), **errors(401, 404)},
        },
        "patch": {
            "summary": "Edit a policy (any subset of fields; revoked policies are read-only: 409)",
            "parameters": [POLICY_ID],
            "requestBody": json_body({"$ref": REF + "PolicyInput"}),
            "responses": {**ok("Policy", POLICY), **errors(400, 401, 403, 404, 409, 422)},
        },
        "delete": {
            "summary": "Revoke a policy (kept for history); reason in the body or ?reason=",
            "parameters": [POLICY_ID, query("reason")],
            "requestBody": {"required": False, "content": {"application/json": {"schema": REASON}}},
            "responses": {**ok("Revoked policy", POLICY), **errors(401, 403, 404, 409, 422)},
            "description": "A malformed body is ignored (some clients cannot send one with DELETE); the "
            "reason is then taken from ?reason=.",
        },
    },
    "/api/v1/quiet-day-policies/{policy_id}/exceptions": {
        "post": {
            "summary": "Add a single-date exception (one per policy and date: 409 duplicate)",
            "parameters": [POLICY_ID],
            "requestBody": json_body(
                {
                    "type": "object",
                    "required": ["date", "effect", "reason"],
                    "properties": {
                        "date": DATE,
                        "effect": {"enum": ["lift", "add"]},
                        "reason": {"type": "string"},
                    },
                }
            ),
            "responses": {
                **ok("Created", {"$ref": REF + "PolicyException"}, 201),
                **errors(400, 401, 403, 404, 409, 422),
            },
        },
    },
    "/api/v1/quiet-day-policies/{policy_id}/exceptions/{exception_id}": {
        "delete": {
            "summary": "Remove an exception",
            "parameters": [POLICY_ID, path_param("exception_id", "integer")],
            "responses": {"204": {"description": "Removed"}, **errors(401, 403, 404, 409)},
        },
    },
    "/api/v1/check": {
        "get": {
            "summary": "May this agency carry out this kind of inspection of this enterprise on this date?",
            "description": "Inspectors: department defaults to, and must be, their own (403 otherwise). "
            "Admin and secretariat: department required.",
            "parameters": [
                query("uscc", required=True),
                query("date", required=True, fmt="date"),
                query("kind", required=True, enum=KINDS),
                query("department"),
            ],
            "responses": {
                **ok("The answer (SPEC §3.5)", {"$ref": REF + "Check"}),
                **errors(401, 403, 404, 422),
            },
        },
    },
    "/api/v1/enterprises/{uscc}/days": {
        "get": {
            "summary": "One entry per day of an inclusive range (at most 366 days)",
            "description": "Enterprise users: their own enterprise only; kind and department optional "
            "(without them `allowed` is null and only `protected` is meaningful).",
            "parameters": [
                path_param("uscc"),
                query("from", required=True, fmt="date"),
                query("to", required=True, fmt="date"),
                query("kind", enum=KINDS),
                query("department"),
            ],
            "responses": {
                **ok("Days", {"$ref": REF + "Days"}),
                **errors(401, 403, 404, 422),
            },
        },
    },
    "/api/v1/checks": {
        "post": {
            "summary": "Campaign planning: allowed dates per enterprise (≤ 10,000 enterprises, ≤ 366 days)",
            "requestBody": json_body(
                {
                    "type": "object",
                    "required": ["kind", "from", "to", "enterprises"],
                    "properties": {
                        "department": {"type": "string"},
                        "kind": KIND,
                        "from": DATE,
                        "to": DATE,
                        "enterprises": {"type": "array", "maxItems": 10000, "items": {"type": "string"}},
                        # scale: the compact form, [from, to] runs of allowed dates
                        "format": {"type": "string", "enum": ["dates", "ranges"], "default": "dates"},
                    },
                }
            ),
            "responses": {
                **ok(
                    "Allowed dates (streamed); with format=ranges `allowed_ranges` replaces `allowed_dates`",
                    {
                        "type": "object",
                        "properties": {
                            "format": {"type": "string", "enum": ["ranges"]},
                            "results": {
                                "type": "object",
                                "additionalProperties": {
                                    "type": "object",
                                    "properties": {
                                        "allowed_dates": {"type": "array", "items": DATE},
                                        "allowed_ranges": {
                                            "type": "array",
                                            "items": {"type": "array", "items": DATE, "minItems": 2,
                                                      "maxItems": 2},
                                        },
                                    },
                                },
                            },
                        },
                    },
                ),
                **errors(400, 401, 403, 422),
            },
        },
    },
    "/api/v1/inspections": {
        "post": {
            "summary": "Book an inspection under the quiet-day rules and caps",
            "description": "409 `quiet_day` (details next_allowed_date — the first allowed working day —, "
            "policies, and `cap` when the cap is reached too) or `frequency_cap` (details limit, used, scope, "
            "code, owner_name: whose cap) or `duplicate_inspection` (details existing: the same agency's "
            "first booking of this enterprise that day; joining the same visit again counts too); "
            "422 `justification_required` for an exempt kind on a quiet day. "
            "On a quiet day the status is pending_approval unless emergency. `joint_with` "
            "books the same date as another agency's visit (one visit). The answer may carry "
            "`joint_suggestion` {id, department, date} for another agency's visit within 14 days.",
            "requestBody": json_body(
                {
                    "type": "object",
                    "required": ["uscc", "kind", "subject"],
                    "properties": {
                        "uscc": {"type": "string"},
                        "department": {"type": "string"},
                        "date": DATE,
                        "kind": KIND,
                        "subject": {"type": "string"},
                        "justification": {"type": "string"},
                        "reference": {"type": "string"},
                        "emergency": {"type": "boolean"},
                        "joint_with": {"type": "integer"},
                    },
                }
            ),
            "responses": {
                **ok("Booked", {"$ref": REF + "InspectionBooked"}, 201),
                **errors(400, 401, 403, 409, 422),
            },
        },
        "get": {
            "summary": "Inspections visible to the caller (own agency / own enterprise / all for admin)",
            "parameters": [
                query("uscc"),
                query("department"),
                query("from", fmt="date"),
                query("to", fmt="date"),
                query("status", enum=STATUS["enum"]),
                *PAGING,
            ],
            "responses": {**ok("Inspections", list_of(INSPECTION)), **errors(401, 403, 422)},
        },
    },
    "/api/v1/inspections/{inspection_id}": {
        "get": {
            "summary": "One inspection (with the joined visits)",
            "parameters": [INSPECTION_ID],
            "responses": {**ok("Inspection", {"$ref": REF + "InspectionDetail"}), **errors(401, 403, 404)},
        },
    },
    "/api/v1/inspections/{inspection_id}/approve": {
        "post": _action(
            "Approve an inspection on a quiet day (the agency's head, before the date; never one they "
            "booked themselves: 403 four_eyes; 409 invalid_state when already decided)",
            codes=(401, 403, 404, 409),
        ),
    },
    "/api/v1/inspections/{inspection_id}/reject": {
        "post": _action(
            "Reject an inspection waiting for approval, with a reason (the agency's head; not their own "
            "booking: 403 four_eyes; 409 invalid_state when already decided)",
            {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}},
        ),
    },
    "/api/v1/inspections/{inspection_id}/cancel": {
        "post": _action(
            "Cancel a planned inspection",
            {"type": "object", "required": ["reason"], "properties": {"reason": {"type": "string"}}},
        ),
    },
    "/api/v1/inspections/{inspection_id}/check-in": {
        "post": _action("Check in (own agency, on the inspection date)", codes=(401, 403, 404, 409)),
    },
    "/api/v1/inspections/{inspection_id}/complete": {
        "post": _action(
            "Complete a checked-in inspection",
            {"type": "object", "properties": {"result": {"type": "string"}}},
        ),
    },
    "/api/v1/inspections/{inspection_id}/rate": {
        "post": _action(
            "The inspected enterprise rates a completed inspection once (1–5)",
            {
                "type": "object",
                "required": ["rating"],
                "properties": {
                    "rating": {"type": "integer", "minimum": 1, "maximum": 5},
                    "comment": {"type": "string"},
                },
            },
        ),
    },
    "/api/v1/inspection-ratings": {
        "get": {
            "summary": "Ratings per agency, published in steps: closed calendar months only, pooled until a step holds "
                       "at least 5 ratings (count and average; never per inspection)",
            "responses": {
                **ok(
                    "Aggregates",
                    {
                        "type": "object",
                        "properties": {
                            "items": {
                                "type": "array",
                                "items": {
                                    "type": "object",
                                    "properties": {
                                        "department": {"type": "string"},
                                        "department_name": {"type": "string"},
                                        "count": {"type": "integer"},
                                        "average": {"type": ["number", "null"]},
                                        "published_until": {
                                            "type": ["string", "null"],
                                            "description": "The last month (YYYY-MM) in the published figures.",
                                        },
                                    },
                                },
                            },
                            "min_count_for_average": {
                                "type": "integer",
                                "description": "Each published step holds at least this many ratings.",
                            },
                            "period": {"type": "string", "enum": ["month"],
                                       "description": "Ratings are published per closed calendar month."},
                        },
                    },
                ),
                **errors(401, 403),
            },
        },
    },
}
