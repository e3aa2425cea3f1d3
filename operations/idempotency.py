"""Idempotency keys: a client that retries a create request (a timeout, a flaky mobile network) sends the same
`Idempotency-Key` header and gets the first answer back instead of creating the record twice.

Per user and key: the first request *reserves* the key (a row with status 0, committed before the work, so a
parallel retry hits the unique constraint and waits its turn with a 409), then stores the answer. A retry with
the same endpoint and body within 24 hours gets that answer; the same key with another body is refused, since
the client is confused about what it sent. A request that is refused (4xx) or fails (5xx) releases its key: it
created nothing, so a retry may run again.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from extensions import db
from models.base import utcnow
from models.idempotency import IdempotencyKey
from operations.errors import DomainError
from operations.validate import invalid

HEADER = "Idempotency-Key"
TTL = timedelta(hours=24)
# A reservation older than this is from a worker that died mid-request; another request may take it over.
STALE = timedelta(minutes=5)
IN_PROGRESS = 0
MAX_KEY = 200


@dataclass(frozen=True)
class Stored:
    status: int
    body: str
    content_type: str


def check_key(value: str) -> str:
    key = value.strip()
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise invalid(HEADER, _("The Idempotency-Key header must be 1 to %(n)s printable ASCII characters.",
                                n=MAX_KEY))
    return key


def request_hash(method: str, path: str, body: bytes) -> str:
    """The request's fingerprint: the same JSON in another key order or spacing is the same request."""
    try:
        canonical = json.dumps(json.loads(body), sort_keys=True, ensure_ascii=False).encode()
    except ValueError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _mismatch() -> DomainError:
    return DomainError("idempotency_key_reused",
                       _("This Idempotency-Key was already used for a different request; use a new key."),
                       status=422, field=HEADER)


def _in_progress() -> DomainError:
    return DomainError("idempotency_in_progress",
                       _("A request with this Idempotency-Key is still being processed; retry shortly."),
                       status=409, field=HEADER)


def _find(user_id: int, key: str) -> IdempotencyKey | None:
    return db.session.scalar(select(IdempotencyKey).where(IdempotencyKey.user_id == user_id,
                                                          IdempotencyKey.key == key))


def begin(user_id: int, key: str, endpoint: str, fingerprint: str) -> Stored | None:
    """The stored answer to replay, or None after reserving the key for this request (committed)."""
    now = utcnow()
    row = _find(user_id, key)
    if row is not None:
        expired = row.created_at < now - TTL
        stale = row.status_code == IN_PROGRESS and row.created_at < now - STALE
        if expired or stale:
            db.session.delete(row)
            db.session.commit()
        elif row.endpoint != endpoint or row.request_hash != fingerprint:
            raise _mismatch()
        elif row.status_code == IN_PROGRESS:
            raise _in_progress()
        else:
            return Stored(row.status_code, row.response_body or "", row.content_type or "application/json")
    # Old answers are kept for 24 hours only; clearing them here needs no scheduler.
    db.session.execute(delete(IdempotencyKey).where(IdempotencyKey.created_at < now - TTL))
    db.session.add(IdempotencyKey(user_id=user_id, key=key, endpoint=endpoint, request_hash=fingerprint,
                                  status_code=IN_PROGRESS, created_at=now))
    try:
        db.session.commit()
    except IntegrityError:
        # A parallel request with the same key reserved it first: same answer as finding it in progress,
        # unless it was for another request.
        db.session.rollback()
        row = _find(user_id, key)
        if row is not None and (row.endpoint != endpoint or row.request_hash != fingerprint):
            raise _mismatch() from None
        raise _in_progress() from None
    return None


def finish(user_id: int, key: str, status: int, body: str, content_type: str) -> None:
    """Store a successful answer for replay; otherwise release the key (nothing was created)."""
    db.session.rollback()  # whatever the request left uncommitted is not ours to commit
    row = _find(user_id, key)
    if row is None:
        return
    if 200 <= status < 300:
        row.status_code = status
        row.response_body = body
        row.content_type = content_type[:100]
    else:
        db.session.delete(row)
    db.session.commit()


def release(user_id: int, key: str) -> None:
    finish(user_id, key, 500, "", "")

