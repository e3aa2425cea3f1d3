"""Forms of the meeting pages. Field values stay text and go to the operations unchanged, so a page and the
API validate alike; the form class only carries the CSRF token."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask_wtf import FlaskForm


class CsrfForm(FlaskForm):
    """CSRF only; the fields are rendered by the templates and read from request.form."""


def form_data(source: Any, fields: Iterable[str], keep_empty: bool | Iterable[str] = False) -> dict[str, Any]:
    """The named form fields, stripped; empty ones are left out (the operation treats them as not given)
    unless ``keep_empty`` says the field is cleared on purpose (e.g. topics)."""
    keep = set(fields) if keep_empty is True else set(keep_empty or ())
    out: dict[str, Any] = {}
    for name in fields:
        value = source.get(name)
        if value is None:
            continue
        value = value.strip()
        if value or name in keep:
            out[name] = value
    return out
