"""Serves the OpenAPI 3.1 document describing /api/v1."""

from __future__ import annotations

from flask import Blueprint, jsonify

from access import public
from openapi import build_openapi

api = Blueprint("docs_api", __name__)


@api.route("/openapi.json")
@public
def openapi_json():
    return jsonify(build_openapi())
