"""Audit trail: every write goes through `record` inside the same transaction as the change."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_login import current_user

from extensions import db
from models.audit import AuditLog
from models.base import utcnow


def _actor() -> tuple[int | None, str]:
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id, f"{current_user.name} <{current_user.email}>"
    return None, "system"


def record(
    action: str,
    entity: str,
    entity_id: object = None,
    before: Any = None,
    after: Any = None,
    actor: Any = None,
) -> AuditLog:
    if actor is not None:
        user_id, label = actor.id, f"{actor.name} <{actor.email}>"
    else:
        user_id, label = _actor()
    entry = AuditLog(
        user_id=user_id,
        actor=label,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=before,
        after=after,
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry


def values(action: str, entity: str, entity_id: object = None, before: Any = None, after: Any = None) -> dict:
    """The column values `record` would write, for a bulk ``insert(AuditLog)`` of many rows at once (the
    enterprise import writes 10,000 in one statement)."""
    user_id, label = _actor()
    return {
        "at": utcnow(),
        "user_id": user_id,
        "actor": label,
        "action": action,
        "entity": entity,
        "entity_id": None if entity_id is None else str(entity_id),
        "before": before,
        "after": after,
        "ip": request.remote_addr if has_request_context() else None,
    }
