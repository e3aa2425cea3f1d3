"""`@idempotent` for API views that create a record with no natural key, where a retry would make a second one
(inspections, meetings, meeting series, minutes issues, follow-up items and their progress notes, quiet-day
policies; openapi.IDEMPOTENT documents the same list). Creates keyed by a unique value (a credit code, a
department code, an e-mail) need none: their retry is a 409 `duplicate` naming the record that won.

    @api.route("/inspections", methods=["POST"])
    @roles(*PLANNERS)
    @idempotent
    def book(): ...

Without the `Idempotency-Key` header the view runs as usual. With it, the first answer (status and body) of a
successful request is stored for 24 hours and a retry with the same key and body gets it again (with the header
`Idempotent-Replayed: true`) instead of creating a second record. See operations/idempotency.py.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Response, current_app, request
from flask_login import current_user

from operations import idempotency

F = TypeVar("F", bound=Callable[..., Any])


def idempotent(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        raw = request.headers.get(idempotency.HEADER)
        if raw is None or not current_user.is_authenticated:
            return view(*args, **kwargs)
        key = idempotency.check_key(raw)
        user_id = current_user.id
        endpoint = f"{request.method} {request.path}"[:300]
        fingerprint = idempotency.request_hash(request.method, request.path, request.get_data())
        stored = idempotency.begin(user_id, key, endpoint, fingerprint)
        if stored is not None:
            replay = Response(stored.body, status=stored.status, content_type=stored.content_type)
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        try:
            resp = current_app.make_response(view(*args, **kwargs))
        except BaseException:
            idempotency.release(user_id, key)
            raise
        idempotency.finish(user_id, key, resp.status_code, resp.get_data(as_text=True), resp.content_type or "")
        return resp

    wrapper.idempotent = True  # type: ignore[attr-defined]  # read by the test that the OpenAPI list agrees
    return wrapper  # type: ignore[return-value]
