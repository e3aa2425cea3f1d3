"""Helpers for the JSON API: body parsing and pagination per API.md conventions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import request
from flask_babel import gettext as _
from sqlalchemy import Select, func, select

from extensions import db
from operations.errors import DomainError
from operations.validate import get_int, reject_control_characters


def json_body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if data is None:
        raise DomainError("malformed_json", _("The request body must be a JSON object."), status=400)
    if not isinstance(data, dict):
        raise DomainError("malformed_json", _("The request body must be a JSON object."), status=400)
    reject_control_characters(data)
    return data


def paginate(stmt: Select, serialize: Callable[[Any], dict]) -> dict[str, Any]:
    args = request.args
    limit = get_int(args, "limit", required=False, minimum=1, maximum=500, default=50)
    offset = get_int(args, "offset", required=False, minimum=0, default=0)
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    rows = db.session.scalars(stmt.limit(limit).offset(offset)).all()
    return {"items": [serialize(r) for r in rows], "total": total, "limit": limit, "offset": offset}
