"""Shared column helpers."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    # Stored naive in UTC so SQLite and PostgreSQL round-trip the same value.
    return datetime.now(UTC).replace(tzinfo=None)
