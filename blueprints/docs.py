"""Serves the OpenAPI 3.1 document describing /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template

from access import public
from openapi import build_openapi

api = Blueprint("docs_api", __name__)


@api.route("/openapi.json")
@public
def openapi_json():
    return jsonify(build_openapi())


@api.route("/docs")
@public
def api_docs():
    """The API for people: every endpoint with its method and summary, grouped by feature, and the links to the
    machine-readable document. Public like the document itself; the endpoints still need a token."""
    spec = build_openapi()
    groups: dict[str, list[tuple[str, str, str]]] = {}
    for path, operations in spec["paths"].items():
        feature = path.removeprefix("/api/v1/").split("/", 1)[0]
        for method, op in operations.items():
            if isinstance(op, dict) and "responses" in op:
                groups.setdefault(feature, []).append((method.upper(), path, op.get("summary", "")))
    return render_template("docs/api.html", info=spec["info"], groups=groups)
