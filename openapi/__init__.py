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


def build_openapi() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for module in FEATURES:
        paths.update(module.PATHS)
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
