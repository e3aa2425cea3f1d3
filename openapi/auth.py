from openapi.common import errors, json_body, ok

PATHS = {
    "/api/v1/auth/token": {
        "post": {
            "summary": "Exchange email and password for a bearer token",
            "security": [],
            "requestBody": json_body({
                "type": "object",
                "required": ["email", "password"],
                "properties": {"email": {"type": "string"}, "password": {"type": "string"},
                               "name": {"type": "string"}},
            }),
            "responses": {
                **ok("Token created", {"type": "object", "properties": {"token": {"type": "string"}}}, 201),
                **errors(400, 401, 422, 429),
            },
        },
        "delete": {
            "summary": "Revoke the token used for this request",
            "responses": {"204": {"description": "Revoked"}, **errors(401)},
        },
    },
    "/api/v1/me": {
        "get": {
            "summary": "The authenticated user",
            "responses": {**ok("User", {"$ref": "#/components/schemas/User"}), **errors(401)},
        },
    },
    "/api/v1/openapi.json": {
        "get": {"summary": "This document", "security": [], "responses": ok("OpenAPI document")},
    },
    "/api/v1/docs": {
        "get": {"summary": "This document as an HTML page for people", "security": [],
                "responses": {"200": {"description": "HTML page", "content": {"text/html": {}}}}},
    },
}
