"""OpenAPI paths for meetings and visits (API.md "Meetings and visits")."""

from __future__ import annotations

from typing import Any

from openapi.common import COMPONENTS, PAGING, errors, json_body, list_of, ok, path_param, query

REF = "#/components/schemas/"
KINDS = ["breakfast", "lunch", "symposium", "visit"]
STATUSES = ["draft", "proposed", "scheduled", "held", "cancelled"]
TIME = {"type": "string", "format": "date-time",
        "description": "ISO 8601; with an offset it may be in any zone, without one it is Asia/Shanghai. "
        "Answers always give Asia/Shanghai with +08:00."}
NULL_TIME = {"type": ["string", "null"], "format": "date-time"}
NULL_STR = {"type": ["string", "null"]}
NULL_INT = {"type": ["integer", "null"]}
MEETING_ID = path_param("meeting_id", "integer")
INVITATION_ID = path_param("invitation_id", "integer")

INVITATION = {
    "type": "object",
    "required": ["id", "meeting_id", "uscc", "status"],
    "properties": {
        "id": {"type": "integer"}, "meeting_id": {"type": "integer"}, "uscc": {"type": "string"},
        "enterprise_name": {"type": "string"}, "short_name": NULL_STR, "representative": NULL_STR,
        "status": {"type": "string", "enum": ["invited", "accepted", "declined"]},
        "topics": {**NULL_STR, "description": "What the enterprise will raise (提需求、定菜单)."},
        "responded_at": NULL_TIME, "starts_at": TIME,
        "meeting": {"type": "object", "description": "GET /invitations only: the meeting it is for."},
    },
}

SCHEMAS: dict[str, Any] = {
    "MeetingSeries": {
        "type": "object",
        "required": ["id", "name", "jurisdiction_code", "kind"],
        "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"}, "jurisdiction_code": {"type": "string"},
            "kind": {"type": "string", "enum": KINDS}, "default_venue": NULL_STR,
            "default_capacity": {"type": "integer"}, "default_start_time": {**NULL_STR, "pattern": "^\\d{2}:\\d{2}$"},
            "default_duration_minutes": {"type": "integer"},
            "next_number": {"type": "integer", "description": "The 第N期 the next session gets; never reused."},
        },
    },
    "Meeting": {
        "type": "object",
        "required": ["id", "number", "status", "kind", "title", "starts_at", "ends_at", "sequence"],
        "properties": {
            "id": {"type": "integer"}, "series_id": NULL_INT, "series_name": NULL_STR,
            "number": {**NULL_INT, "description": "第N期 within the series (null outside a series)."},
            "kind": {"type": "string", "enum": KINDS}, "title": {"type": "string"},
            "starts_at": TIME, "ends_at": TIME, "venue": NULL_STR, "capacity": NULL_INT,
            "status": {"type": "string", "enum": STATUSES,
                       "description": "`proposed`: a visit on the enterprise's quiet day, until it accepts."},
            "sequence": {"type": "integer", "description": "Grows with every reschedule or cancellation "
                         "(iCalendar SEQUENCE)."},
            "host_ids": {"type": "array", "items": {"type": "integer"}},
            "hosts": {"type": "array", "items": {"type": "object"}},
            "department_codes": {"type": "array", "items": {"type": "string"}},
            "uscc": NULL_STR, "enterprise_name": NULL_STR, "on_protected_day": {"type": "boolean"},
            "counter_proposal": {"type": ["object", "null"], "description": "The visited enterprise's proposed time."},
            "cancel_reason": NULL_STR, "cancelled_at": NULL_TIME, "updated_at": NULL_TIME,
            "invitations": {"type": "array", "items": {"$ref": REF + "Invitation"},
                            "description": "An enterprise user sees only its own invitation."},
        },
    },
    "Invitation": INVITATION,
    "MinutesRevision": {
        "type": "object", "required": ["number", "text"],
        "properties": {"number": {"type": "integer"}, "text": {"type": "string"}, "author": NULL_STR,
                       "created_at": {"type": "string", "format": "date-time"}},
    },
    "MinutesIssue": {
        "type": "object", "required": ["id", "meeting_id", "uscc", "title"],
        "description": "An issue raised at a meeting by one enterprise; follow-up items link to its id.",
        "properties": {"id": {"type": "integer"}, "meeting_id": {"type": "integer"}, "uscc": {"type": "string"},
                       "enterprise_name": {"type": "string"}, "title": {"type": "string"}, "description": NULL_STR,
                       "category": NULL_STR, "created_at": {"type": "string", "format": "date-time"}},
    },
}
COMPONENTS["schemas"].update(SCHEMAS)

MEETING = {"$ref": REF + "Meeting"}
CONFLICT_NOTE = ("409 `host_conflict` / `venue_conflict`: `message` names the other meeting, its time and link; "
                 "`details.meeting` has its id, title, times and url. Touching meetings (one ends when the next "
                 "starts) do not conflict. 422 `end_before_start` when the end is not after the start.")
BOOKING = {
    "type": "object",
    "required": ["title", "starts_at", "host_ids"],
    "properties": {
        "series_id": {"type": "integer", "description": "Numbers the session 第N期; kind, venue, capacity and "
                      "the end default from the series."},
        "kind": {"type": "string", "enum": KINDS, "description": "Required without series_id."},
        "title": {"type": "string", "maxLength": 300}, "starts_at": TIME,
        "ends_at": {**TIME, "description": "Required without series_id."},
        "venue": {"type": "string", "maxLength": 200}, "host_ids": {"type": "array", "items": {"type": "integer"}},
        "department_codes": {"type": "array", "items": {"type": "string"}},
        "capacity": {"type": "integer", "minimum": 1, "maximum": 500},
        "uscc": {"type": "string", "description": "The visited enterprise (kind visit only)."},
        "status": {"type": "string", "enum": ["draft", "scheduled"], "description": "Default scheduled."},
    },
}
PATCH = {"type": "object", "minProperties": 1,
         "properties": {k: BOOKING["properties"][k] for k in ("title", "starts_at", "ends_at", "venue", "host_ids",
                                                              "department_codes", "capacity")}}
EDIT_ERRORS = errors(400, 401, 403, 404, 409, 422)

PATHS: dict[str, Any] = {
    "/api/v1/meeting-series": {
        "post": {"summary": "Create a meeting series (secretariat, admin)",
                 "requestBody": json_body({"type": "object", "required": ["name", "jurisdiction_code", "kind"],
                                           "properties": {"name": {"type": "string"},
                                                          "jurisdiction_code": {"type": "string"},
                                                          "kind": {"type": "string", "enum": KINDS},
                                                          "default_venue": {"type": "string"},
                                                          "default_capacity": {"type": "integer"},
                                                          "default_start_time": {"type": "string"},
                                                          "default_duration_minutes": {"type": "integer"}}}),
                 "responses": {**ok("Created", {"$ref": REF + "MeetingSeries"}, 201), **errors(400, 401, 403, 422)}},
        "get": {"summary": "List series", "parameters": PAGING,
                "responses": {**ok("Series", list_of({"$ref": REF + "MeetingSeries"})), **errors(401, 403, 422)}},
    },
    "/api/v1/meetings": {
        "post": {"summary": "Book a meeting or visit (secretariat, admin)", "description": CONFLICT_NOTE
                 + " A visit on a protected day of the enterprise is created with status `proposed`.",
                 "requestBody": json_body(BOOKING),
                 "responses": {**ok("Booked", MEETING, 201), **errors(400, 401, 403, 409, 422)}},
        "get": {"summary": "Meetings the caller may see (secretariat all; officials those they host; departments "
                "those they attend; enterprises their invitations and visits)",
                "parameters": [query("from", fmt="date-time", description="Meetings ending after this time."),
                               query("to", fmt="date-time", description="Meetings starting before this time."),
                               query("status", enum=STATUSES), query("kind", enum=KINDS),
                               query("series_id", "integer"), *PAGING],
                "responses": {**ok("Meetings", list_of(MEETING)), **errors(401, 403, 422)}},
    },
    "/api/v1/meetings/{meeting_id}": {
        "get": {"summary": "One meeting", "parameters": [MEETING_ID],
                "responses": {**ok("Meeting", MEETING), **errors(401, 403, 404)}},
        "patch": {"summary": "Reschedule or change (the same conflict rules; hosts and invitees are told)",
                  "description": CONFLICT_NOTE + " Moving only the start keeps the duration.",
                  "parameters": [MEETING_ID], "requestBody": json_body(PATCH),
                  "responses": {**ok("Changed", MEETING), **EDIT_ERRORS}},
    },
    "/api/v1/meetings/{meeting_id}/cancel": {
        "post": {"summary": "Cancel with a reason; the meeting is kept, shown cancelled", "parameters": [MEETING_ID],
                 "requestBody": json_body({"type": "object", "required": ["reason"],
                                           "properties": {"reason": {"type": "string", "maxLength": 1000}}}),
                 "responses": {**ok("Cancelled", MEETING), **EDIT_ERRORS}},
    },
    "/api/v1/meetings/{meeting_id}/schedule": {
        "post": {"summary": "A draft becomes scheduled (a visit on a quiet day: proposed)", "parameters": [MEETING_ID],
                 "responses": {**ok("Scheduled", MEETING), **errors(401, 403, 404, 409)}},
    },
    "/api/v1/meetings/{meeting_id}/held": {
        "post": {"summary": "Record a scheduled meeting that has taken place as held", "parameters": [MEETING_ID],
                 "responses": {**ok("Held", MEETING), **errors(401, 403, 404, 409)}},
    },
    "/api/v1/meetings/{meeting_id}/accept": {
        "post": {"summary": "The visited enterprise accepts a proposed visit", "parameters": [MEETING_ID],
                 "responses": {**ok("Scheduled", MEETING), **errors(401, 403, 404, 409)}},
    },
    "/api/v1/meetings/{meeting_id}/counter-proposal": {
        "post": {"summary": "The visited enterprise proposes another time", "parameters": [MEETING_ID],
                 "requestBody": json_body({"type": "object", "required": ["starts_at", "ends_at"],
                                           "properties": {"starts_at": TIME, "ends_at": TIME,
                                                          "note": {"type": "string"}}}),
                 "responses": {**ok("Recorded", MEETING), **errors(400, 401, 403, 404, 409, 422)}},
    },
    "/api/v1/meetings/{meeting_id}/invitations": {
        "post": {"summary": "Invite an enterprise", "description": "409 `capacity_full` (every invitation not "
                 "declined holds a seat) or `already_invited`.", "parameters": [MEETING_ID],
                 "requestBody": json_body({"type": "object", "required": ["uscc"],
                                           "properties": {"uscc": {"type": "string"},
                                                          "representative": {"type": "string"}}}),
                 "responses": {**ok("Invited", {"$ref": REF + "Invitation"}, 201), **EDIT_ERRORS}},
        "get": {"summary": "The guest list with topics (secretariat, hosts)", "parameters": [MEETING_ID],
                "responses": {**ok("Guests", {"type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": REF + "Invitation"}}, "total": {"type": "integer"},
                    "capacity": NULL_INT}}), **errors(401, 403, 404)}},
    },
    "/api/v1/invitations": {
        "get": {"summary": "The enterprise's own invitations", "parameters": PAGING,
                "responses": {**ok("Invitations", list_of({"$ref": REF + "Invitation"})), **errors(401, 403, 422)}},
    },
    "/api/v1/invitations/{invitation_id}": {
        "get": {"summary": "One invitation (its enterprise, the secretariat, the hosts)", "parameters": [INVITATION_ID],
                "responses": {**ok("Invitation", {"$ref": REF + "Invitation"}), **errors(401, 403, 404)}},
    },
    "/api/v1/invitations/{invitation_id}/respond": {
        "post": {"summary": "Accept or decline, with topics (only the invited enterprise's users)",
                 "parameters": [INVITATION_ID],
                 "requestBody": json_body({"type": "object", "required": ["response"], "properties": {
                     "response": {"type": "string", "enum": ["accepted", "declined"]},
                     "topics": {"type": "string", "maxLength": 4000}, "representative": {"type": "string"}}}),
                 "responses": {**ok("Answered", {"$ref": REF + "Invitation"}), **EDIT_ERRORS}},
    },
    "/api/v1/enterprise-search": {
        "get": {"summary": "Find enterprises to invite by name, short name or USCC",
                "parameters": [query("q", required=True)],
                "responses": {**ok("Matches", {"type": "object", "properties": {"items": {"type": "array"}}}),
                              **errors(401, 403, 422)}},
    },
    "/api/v1/meetings/{meeting_id}/minutes": {
        "put": {"summary": "Save the minutes; each changed save is a new revision", "parameters": [MEETING_ID],
                "requestBody": json_body({"type": "object", "required": ["text"],
                                          "properties": {"text": {"type": "string"}}}),
                "responses": {**ok("Current revision", {"$ref": REF + "MinutesRevision"}), **EDIT_ERRORS}},
        "get": {"summary": "Minutes with all revisions and the issues raised", "parameters": [MEETING_ID],
                "responses": {**ok("Minutes", {"type": "object", "properties": {
                    "current": {"oneOf": [{"$ref": REF + "MinutesRevision"}, {"type": "null"}]},
                    "revisions": {"type": "array", "items": {"$ref": REF + "MinutesRevision"}},
                    "issues": {"type": "array", "items": {"$ref": REF + "MinutesIssue"}}}}),
                    **errors(401, 403, 404)}},
    },
    "/api/v1/meetings/{meeting_id}/minutes/diff": {
        "get": {"summary": "Unified diff between two revisions",
                "parameters": [MEETING_ID, query("from", "integer", required=True),
                               query("to", "integer", required=True)],
                "responses": {**ok("Diff", {"type": "object", "properties": {
                    "from": {"type": "integer"}, "to": {"type": "integer"},
                    "diff": {"type": "array", "items": {"type": "string"}}}}), **errors(401, 403, 404, 422)}},
    },
    "/api/v1/meetings/{meeting_id}/issues": {
        "post": {"summary": "Record an issue raised by a guest (or the visited enterprise)", "parameters": [MEETING_ID],
                 "requestBody": json_body({"type": "object", "required": ["uscc", "title"], "properties": {
                     "uscc": {"type": "string"}, "title": {"type": "string"}, "description": {"type": "string"},
                     "category": {"type": "string", "enum": ["land", "finance", "labour", "approval", "utilities",
                                                             "listing", "policy", "other"]}}}),
                 "responses": {**ok("Recorded", {"$ref": REF + "MinutesIssue"}, 201), **EDIT_ERRORS}},
        "get": {"summary": "Issues raised at the meeting", "parameters": [MEETING_ID],
                "responses": {**ok("Issues", {"type": "object", "properties": {
                    "items": {"type": "array", "items": {"$ref": REF + "MinutesIssue"}},
                    "total": {"type": "integer"}}}), **errors(401, 403, 404)}},
    },
    "/api/v1/notices": {
        "get": {"summary": "The caller's in-app notices, newest first",
                "responses": {**ok("Notices", {"type": "object", "properties": {
                    "items": {"type": "array"}, "total": {"type": "integer"}, "unread": {"type": "integer"}}}),
                    **errors(401)}},
    },
}
