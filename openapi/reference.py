"""OpenAPI paths for reference data: jurisdictions, departments, enterprises (+ import), users, calendar,
audit log."""

from __future__ import annotations

from typing import Any

from openapi.common import COMPONENTS, PAGING, errors, json_body, list_of, ok, path_param, query

REF = "#/components/schemas/"
CAP = {
    "type": ["integer", "null"],
    "minimum": 0,
    "maximum": 1000,
    "description": "At most N routine/random inspections of one enterprise per calendar year; null: no cap.",
}
USCC = {
    "type": "string",
    "pattern": "^[0-9A-HJ-NPQRTUWXY]{18}$",
    "description": "统一社会信用代码 (GB 32100-2015); the 18th character is checked. A wrong one is 422 "
    "`invalid_uscc` with `details.reason` (length, lowercase, charset, check_character...).",
}
OWNERSHIP = {"type": "string", "enum": ["private", "state", "foreign", "collective", "individual"]}
SIZE = {"type": ["string", "null"], "enum": ["above_scale", "large", "medium", "small", "micro", None]}
ROLE = {
    "type": "string",
    "enum": ["admin", "secretariat", "official", "department", "inspector", "enterprise"],
}
DATES = {"type": "array", "items": {"type": "string", "format": "date"}, "uniqueItems": True}
TEXT = {"type": ["string", "null"]}

SCHEMAS: dict[str, Any] = {
    "Jurisdiction": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^[0-9]{6}$"},
            "name": {"type": "string"},
            "parent_code": {"type": ["string", "null"]},
            "annual_inspection_cap": CAP,
        },
    },
    "Department": {
        "type": "object",
        "properties": {
            "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"},
            "name": {"type": "string"},
            "jurisdiction_code": {"type": "string"},
            "inspects": {"type": "boolean"},
            "handles": {"type": "boolean"},
            "annual_inspection_cap": CAP,
        },
    },
    "Enterprise": {
        "type": "object",
        "properties": {
            "uscc": USCC,
            "name": {"type": "string", "maxLength": 200},
            "short_name": {"type": ["string", "null"], "maxLength": 60},
            "jurisdiction_code": {"type": "string"},
            "ownership": OWNERSHIP,
            "industry": TEXT,
            "size": SIZE,
            "address": TEXT,
            "liaison_name": TEXT,
            "liaison_phone": TEXT,
        },
    },
    "User": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string", "format": "email"},
            "name": {"type": "string"},
            "role": ROLE,
            "department_code": TEXT,
            "enterprise_uscc": TEXT,
            "is_head": {"type": "boolean"},
            "active": {"type": "boolean"},
        },
    },
    "CalendarYear": {
        "type": "object",
        "properties": {
            "year": {"type": "integer"},
            "source": {"type": "string", "enum": ["notice", "chinesecalendar", "fallback"]},
            "fallback": {"type": "boolean", "description": "true: no data, Monday–Friday are working days"},
            "holidays": DATES,
            "workdays": DATES,
        },
    },
    "AuditEntry": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "at": {"type": "string", "format": "date-time"},
            "actor": {"type": "string"},
            "action": {"type": "string"},
            "entity": {"type": "string"},
            "entity_id": TEXT,
            "before": {},
            "after": {},
        },
    },
    "ImportResult": {
        "type": "object",
        "properties": {
            "created": {"type": "integer"},
            "updated": {"type": "integer"},
            "unchanged": {"type": "integer"},
            "errors": {"type": "array", "items": {"$ref": REF + "ImportError"}},
        },
    },
    "ImportError": {
        "type": "object",
        "properties": {
            "row": {"type": "integer", "description": "spreadsheet row (header = 1)"},
            "column": {"type": "string"},
            "message": {"type": "string"},
        },
    },
}
COMPONENTS["schemas"].update(SCHEMAS)


def _ref(name: str) -> dict[str, str]:
    return {"$ref": REF + name}


def _body(required: list[str], properties: dict[str, Any]) -> dict[str, Any]:
    return json_body(
        {"type": "object", "required": required, "properties": properties, "additionalProperties": False}
    )


JURISDICTION_IN = {
    "code": {"type": "string", "pattern": "^[0-9]{6}$"},
    "name": {"type": "string", "maxLength": 100},
    "parent_code": {"type": ["string", "null"]},
    "annual_inspection_cap": CAP,
}
DEPARTMENT_IN = {
    "code": {"type": "string", "pattern": "^[a-z0-9][a-z0-9_-]{0,39}$"},
    "name": {"type": "string", "maxLength": 200},
    "short_name": {"type": ["string", "null"], "maxLength": 60},
    "jurisdiction_code": {"type": "string"},
    "inspects": {"type": "boolean"},
    "handles": {"type": "boolean"},
    "annual_inspection_cap": CAP,
}
ENTERPRISE_IN = {
    "uscc": USCC,
    "name": {"type": "string", "maxLength": 200},
    "short_name": {"type": ["string", "null"], "maxLength": 60},
    "jurisdiction_code": {"type": "string"},
    "ownership": OWNERSHIP,
    "industry": TEXT,
    "size": SIZE,
    "address": TEXT,
    "liaison_name": TEXT,
    "liaison_phone": TEXT,
}
USER_IN = {
    "email": {"type": "string", "format": "email"},
    "name": {"type": "string", "maxLength": 100},
    "role": ROLE,
    "password": {"type": "string", "minLength": 8},
    "department_code": {**TEXT, "description": "required for department and inspector users"},
    "enterprise_uscc": {**TEXT, "description": "required for enterprise users"},
    "is_head": {"type": "boolean", "description": "inspector only: approves exempt inspections"},
}

ADMIN = "Admin only."

PATHS: dict[str, Any] = {
    "/api/v1/jurisdictions": {
        "post": {
            "summary": "Create a jurisdiction (行政区划)",
            "description": ADMIN,
            "requestBody": _body(["code", "name"], JURISDICTION_IN),
            "responses": {**ok("Created", _ref("Jurisdiction"), 201), **errors(400, 401, 403, 409, 422)},
        },
        "get": {
            "summary": "List jurisdictions",
            "description": ADMIN,
            "parameters": PAGING,
            "responses": {**ok("Jurisdictions", list_of(_ref("Jurisdiction"))), **errors(401, 403, 422)},
        },
    },
    "/api/v1/jurisdictions/{code}": {
        "parameters": [path_param("code")],
        "get": {
            "summary": "One jurisdiction",
            "description": ADMIN,
            "responses": {**ok("Jurisdiction", _ref("Jurisdiction")), **errors(401, 403, 404)},
        },
        "patch": {
            "summary": "Change name, parent (no cycles) or cap",
            "description": ADMIN,
            "requestBody": _body([], {k: v for k, v in JURISDICTION_IN.items() if k != "code"}),
            "responses": {**ok("Jurisdiction", _ref("Jurisdiction")), **errors(400, 401, 403, 404, 422)},
        },
    },
    "/api/v1/departments": {
        "post": {
            "summary": "Create a department (执法部门 / 承办单位)",
            "description": ADMIN,
            "requestBody": _body(["code", "name", "jurisdiction_code"], DEPARTMENT_IN),
            "responses": {**ok("Created", _ref("Department"), 201), **errors(400, 401, 403, 409, 422)},
        },
        "get": {
            "summary": "List departments",
            "description": ADMIN,
            "parameters": PAGING,
            "responses": {**ok("Departments", list_of(_ref("Department"))), **errors(401, 403, 422)},
        },
    },
    "/api/v1/departments/{code}": {
        "parameters": [path_param("code")],
        "get": {
            "summary": "One department",
            "description": ADMIN,
            "responses": {**ok("Department", _ref("Department")), **errors(401, 403, 404)},
        },
        "patch": {
            "summary": "Change a department",
            "description": ADMIN,
            "requestBody": _body([], {k: v for k, v in DEPARTMENT_IN.items() if k != "code"}),
            "responses": {**ok("Department", _ref("Department")), **errors(400, 401, 403, 404, 422)},
        },
    },
    "/api/v1/enterprises": {
        "post": {
            "summary": "Create an enterprise",
            "description": "Admin and secretariat.",
            "requestBody": _body(["uscc", "name", "jurisdiction_code", "ownership"], ENTERPRISE_IN),
            "responses": {**ok("Created", _ref("Enterprise"), 201), **errors(400, 401, 403, 409, 422)},
        },
        "get": {
            "summary": "Search enterprises",
            "description": "Admin, secretariat, official, inspector, department. `q` matches the name or the "
            "USCC; `jurisdiction` includes its sub-jurisdictions.",
            "parameters": [query("q"), query("jurisdiction"), *PAGING],
            "responses": {**ok("Enterprises", list_of(_ref("Enterprise"))), **errors(401, 403, 422)},
        },
    },
    "/api/v1/enterprises/import": {
        "post": {
            "summary": "Import the enterprise list (CSV or XLSX)",
            "description": "Admin and secretariat. Headers in Chinese "
                "(统一社会信用代码, 企业名称, 所属区划, 所有制, 行业, "
            "规模, 地址, 联企干部, 联系电话) or English (the field names). CSV may be UTF-8 (with or "
            "without BOM) or GB18030. Every row is validated first; if any fails, nothing is imported "
            "and the 422 `import_invalid` lists `details.errors` [{row, column, message}]. Existing "
            "USCCs are updated.",
            "requestBody": {
                "required": True,
                "content": {
                    "multipart/form-data": {
                        "schema": {
                            "type": "object",
                            "required": ["file"],
                            "properties": {"file": {"type": "string", "format": "binary"}},
                        }
                    }
                },
            },
            "responses": {**ok("Imported", _ref("ImportResult")), **errors(401, 403, 422)},
        },
    },
    "/api/v1/enterprises/{uscc}": {
        "parameters": [path_param("uscc")],
        "get": {
            "summary": "One enterprise",
            "description": "Readers as for the list; an enterprise user only its own (403 otherwise).",
            "responses": {**ok("Enterprise", _ref("Enterprise")), **errors(401, 403, 404)},
        },
        "patch": {
            "summary": "Change an enterprise (not its USCC)",
            "description": "Admin and secretariat.",
            "requestBody": _body([], {k: v for k, v in ENTERPRISE_IN.items() if k != "uscc"}),
            "responses": {**ok("Enterprise", _ref("Enterprise")), **errors(400, 401, 403, 404, 422)},
        },
    },
    "/api/v1/users": {
        "post": {
            "summary": "Create a user",
            "description": ADMIN,
            "requestBody": _body(["email", "name", "role", "password"], USER_IN),
            "responses": {**ok("Created", _ref("User"), 201), **errors(400, 401, 403, 409, 422)},
        },
        "get": {
            "summary": "List users",
            "description": ADMIN,
            "parameters": [query("role", enum=ROLE["enum"]), query("q"), *PAGING],
            "responses": {**ok("Users", list_of(_ref("User"))), **errors(401, 403, 422)},
        },
    },
    "/api/v1/users/{user_id}": {
        "parameters": [path_param("user_id", "integer")],
        "get": {
            "summary": "One user",
            "description": ADMIN,
            "responses": {**ok("User", _ref("User")), **errors(401, 403, 404)},
        },
        "patch": {
            "summary": "Change a user: deactivate (`active`), reset `password`, mark an inspector `is_head`",
            "description": ADMIN + " An admin cannot deactivate or demote themselves (409 `self_lockout`).",
            "requestBody": _body([], {**USER_IN, "active": {"type": "boolean"}}),
            "responses": {**ok("User", _ref("User")), **errors(400, 401, 403, 404, 409, 422)},
        },
    },
    "/api/v1/calendar/{year}": {
        "parameters": [path_param("year", "integer")],
        "get": {
            "summary": "The working-day calendar of a year",
            "description": ADMIN + " `source` says where the year's data comes from; `fallback` years "
            "count Monday–Friday as working days.",
            "responses": {**ok("Calendar year", _ref("CalendarYear")), **errors(401, 403, 404, 422)},
        },
        "put": {
            "summary": "Enter the official holiday notice for a year (replaces an earlier one)",
            "description": ADMIN + " Dates must lie in the year, appear once, and not be in both lists.",
            "requestBody": _body([], {"holidays": DATES, "workdays": DATES}),
            "responses": {**ok("Calendar year", _ref("CalendarYear")), **errors(400, 401, 403, 404, 422)},
        },
        "delete": {
            "summary": "Remove the notice of a year",
            "description": ADMIN,
            "responses": {"204": {"description": "Removed"}, **errors(401, 403, 404, 422)},
        },
    },
    "/api/v1/audit": {
        "get": {
            "summary": "The audit log, newest first",
            "description": ADMIN,
            "parameters": [
                query("entity"),
                query("action"),
                query("entity_id"),
                {**query("user"), "description": "user id, or part of the actor's email or name"},
                *PAGING,
            ],
            "responses": {**ok("Audit entries", list_of(_ref("AuditEntry"))), **errors(401, 403, 422)},
        },
    },
}
