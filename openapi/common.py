"""Shared OpenAPI pieces: security, the error body, pagination, and small builders."""

from __future__ import annotations

from typing import Any

COMPONENTS: dict[str, Any] = {
    "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
    "schemas": {
        "Error": {
            "type": "object",
            "required": ["error"],
            "properties": {
                "error": {
                    "type": "object",
                    "required": ["code", "message", "details"],
                    "properties": {
                        "code": {"type": "string"},
                        "message": {"type": "string"},
                        "details": {"type": "object"},
                    },
                }
            },
        },
    },
    "parameters": {
        "limit": {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 500}},
        "offset": {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
    },
}

ERROR_RESPONSE = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}


def errors(*codes: int) -> dict[str, Any]:
    names = {
        400: "Malformed request (`malformed_json`: the body is not a JSON object; `bad_request`)",
        401: "No or bad token (`token_expired`)", 403: "Not allowed", 404: "Not found", 409: "Refused by a rule",
        422: "Invalid field", 429: "Too many attempts",
    }
    return {str(c): {"description": names.get(c, "Error"), "content": ERROR_RESPONSE} for c in codes}


def json_body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def ok(description: str, schema: dict[str, Any] | None = None, status: int = 200) -> dict[str, Any]:
    body: dict[str, Any] = {"description": description}
    if schema is not None:
        body["content"] = {"application/json": {"schema": schema}}
    return {str(status): body}


def list_of(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["items", "total"],
        "properties": {
            "items": {"type": "array", "items": item},
            "total": {"type": "integer", "description": "All matches, not only this page."},
            "limit": {"type": "integer"},
            "offset": {"type": "integer"},
        },
    }


def query(name: str, schema_type: str = "string", required: bool = False, fmt: str | None = None,
          enum: list[str] | None = None, description: str | None = None) -> dict:
    """A query parameter. An empty value (``?to=``) counts as not given, as everywhere in this API."""
    schema: dict[str, Any] = {"type": schema_type}
    if fmt:
        schema["format"] = fmt
    if enum:
        schema["enum"] = list(enum)
    out = {"name": name, "in": "query", "required": required, "schema": schema}
    if description:
        out["description"] = description
    return out


def path_param(name: str, schema_type: str = "string") -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": schema_type}}


PAGING = [{"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/offset"}]
