"""The OpenAPI 3.1 document for /api/v1, assembled from one module per feature."""

from __future__ import annotations

from typing import Any

import openapi.feeds  # feeds
from openapi import auth, meetings, quietdays, reference
from openapi import followups as followups_doc  # followups
from openapi.common import COMPONENTS

# Each module exposes PATHS (and may add to COMPONENTS["schemas"]); order only affects the document's order.
FEATURES = (auth, reference, quietdays)
FEATURES += (meetings,)  # meetings
FEATURES += (openapi.feeds,)  # feeds
FEATURES += (followups_doc,)  # followups


# Create operations that accept an Idempotency-Key: the views decorated with blueprints/idempotency.idempotent
# (tests/hardening/test_idempotency.py checks that the two lists agree).
IDEMPOTENT = (
    ("/api/v1/inspections", "post"),
    ("/api/v1/meetings", "post"),
    ("/api/v1/meeting-series", "post"),
    ("/api/v1/meetings/{meeting_id}/issues", "post"),
    ("/api/v1/follow-ups", "post"),
    ("/api/v1/follow-ups/{item_id}/progress", "post"),
    ("/api/v1/quiet-day-policies", "post"),
)
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key", "in": "header", "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    "description": "Retry safely: the same key and body by the same user within 24 hours returns the first "
    "answer (header `Idempotent-Replayed: true`); the same key with another body is 422 "
    "`idempotency_key_reused`; while the first is still running, 409 `idempotency_in_progress`.",
}


def build_openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for module in FEATURES:
        paths.update(module.PATHS)
    for path, method in IDEMPOTENT:
        operation = paths.get(path, {}).get(method)
        if operation is not None and IDEMPOTENCY_KEY not in operation.get("parameters", []):
            # A copy: the feature modules' PATHS stay as written, however often the document is built.
            paths[path] = {**paths[path], method: {**operation, "parameters": [*operation.get("parameters", []),
                                                                                 IDEMPOTENCY_KEY]}}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Zhengqi API",
            "version": "1.0.0",
            "description": "Quiet days, inspections, meetings and follow-ups for government–enterprise service. "
            "An empty query value (`?to=`) counts as not given; any other invalid value is a 422 naming it.",
        },
        "servers": [{"url": "/"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": COMPONENTS,
    }
