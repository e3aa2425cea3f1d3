"""One guard per concurrency pattern, the same on SQLite and PostgreSQL.

A rule that two parallel requests could break (a cap, a capacity, a conflict, a state transition, a unique
record) is enforced inside a *writing transaction* that nobody else can interleave with:

- `begin_write(*rows)` — call it first in any operation that reads and then writes under a rule. On SQLite it
  starts ``BEGIN IMMEDIATE``: one writer at a time across threads and gunicorn workers sharing the file (others
  wait up to the busy timeout), and everything read afterwards is current. On PostgreSQL it locks the given rows
  (``SELECT … FOR UPDATE``, in id order so two requests never deadlock) and re-reads them.
- `lock_key(name)` — for rules no single row guards (a venue's slots, a host's calendar): a transaction-scoped
  advisory lock on PostgreSQL; on SQLite the immediate transaction already serialises.
- `transition(obj, expected, changes)` — a conditional ``UPDATE … WHERE status IN expected``: exactly one of
  several parallel transitions matches, the others get 409 ``invalid_state`` naming the state they found.
- `commit_unique(existing)` — a unique violation at commit is 409 ``duplicate`` naming the existing record.

SQLite keeps pysqlite's default transaction handling (reads outside a transaction, an implicit deferred BEGIN
before the first write), so plain writes never hold a stale read snapshot; only `begin_write` makes a
transaction immediate. WAL lets readers carry on while a writer works.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import event, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import Pool

from extensions import db
from operations.errors import DomainError
from operations.labels import choice_label

BUSY_TIMEOUT_MS = 30_000
_IMMEDIATE = "zhengqi_immediate"
_installed = False


def install() -> None:
    """Connection settings for every SQLite engine the process creates (apps, tests, CLI, benches)."""
    global _installed
    if _installed:
        return
    _installed = True

    @event.listens_for(Engine, "connect")
    def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
        if type(dbapi_connection).__module__ != "sqlite3":
            return
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            # WAL is an optimisation (readers go on while one writes); if another connection holds the file
            # just now, the next connection switches it.
            with contextlib.suppress(sqlite3.OperationalError):
                cursor.execute("PRAGMA journal_mode = WAL")
        finally:
            cursor.close()

    @event.listens_for(Engine, "rollback")
    @event.listens_for(Engine, "commit")
    def _transaction_ended(conn: Any) -> None:
        conn.info.pop(_IMMEDIATE, None)

    @event.listens_for(Pool, "checkin")
    def _returned(_dbapi_connection: Any, record: Any) -> None:
        # The pool rolls back on return without a Connection-level event.
        record.info.pop(_IMMEDIATE, None)


def _is_sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def begin_write(*rows: tuple[type, int | None]) -> None:
    """Start the serialised writing transaction of a rule-guarded operation; see the module docstring.

    ``rows`` are ``(Model, id)`` pairs to lock on PostgreSQL (ignored on SQLite, where the whole database is
    locked for writing). Objects read before the call are expired, so what the rule reads next is current.
    Pending changes are flushed and committed first: call it before writing anything.
    """
    session = db.session
    if _is_sqlite():
        conn = session.connection()
        if conn.info.get(_IMMEDIATE):
            return
        raw = conn.connection.dbapi_connection
        if raw is not None and raw.in_transaction:
            session.commit()
            conn = session.connection()
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        conn.info[_IMMEDIATE] = True
        session.expire_all()
        return
    if session.new or session.dirty or session.deleted:
        session.flush()
    session.expire_all()
    by_model: dict[type, set[int]] = {}
    for model, row_id in rows:
        if row_id is not None:
            by_model.setdefault(model, set()).add(row_id)
    for model in sorted(by_model, key=lambda m: m.__tablename__):
        ids = sorted(by_model[model])
        session.execute(
            select(model).where(model.id.in_(ids)).order_by(model.id).with_for_update()
            .execution_options(populate_existing=True)
        ).all()


def lock_key(name: str) -> None:
    """Serialise on a name (e.g. ``venue:市民中心201``) for the rest of the transaction (PostgreSQL)."""
    if _is_sqlite():
        return
    key = int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)
    db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def transition(
    obj: Any,
    expected: Iterable[str],
    changes: Mapping[str, Any],
    *,
    state_attr: str = "status",
    names: Mapping[str, Any] | None = None,
) -> None:
    """Apply ``changes`` only if the row is still in one of the ``expected`` states, else 409 invalid_state.

    The check and the write are one statement, so of parallel requests exactly one matches. The caller audits
    and commits; ``obj`` is expired so it shows the new values.
    """
    model = type(obj)
    column = getattr(model, state_attr)
    expected = list(expected)
    result = db.session.execute(
        update(model).where(model.id == obj.id, column.in_(expected)).values(**changes)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        current = db.session.scalar(select(column).where(model.id == obj.id))
        raise invalid_state(model.__tablename__, current, expected, names)
    db.session.expire(obj)


def invalid_state(entity: str, current: str | None, expected: Iterable[str] = (),
                  names: Mapping[str, Any] | None = None) -> DomainError:
    name = str(names[current]) if names and current in names else choice_label(f"{entity}.status", current)
    return DomainError(
        "invalid_state",
        _("This cannot be done any more: the record is now “%(state)s”.", state=name),
        status=409,
        details={"status": current, "expected": list(expected)},
    )


def _is_unique_violation(err: IntegrityError) -> bool:
    orig = err.orig
    if getattr(orig, "sqlstate", None) == "23505":  # psycopg: unique_violation
        return True
    return "UNIQUE constraint failed" in str(orig)


def duplicate(found: Mapping[str, Any] | None, message: str | None = None, field: str | None = None,
              value: Any = None) -> DomainError:
    """409 ``duplicate`` naming the existing record; the same answer for a pre-check and a lost race."""
    found = dict(found or {})
    label = found.get("label") or found.get("name") or found.get("code") or found.get("id")
    details: dict[str, Any] = {"existing": found}
    if value is not None:
        details["value"] = value
    return DomainError(
        "duplicate",
        message or _("This record already exists: %(name)s.", name=label if label is not None else "—"),
        status=409,
        details=details,
        field=field,
    )


@contextlib.contextmanager
def unique_guard(existing: Callable[[], Mapping[str, Any] | None], message: str | None = None,
                 field: str | None = None, value: Any = None) -> Iterator[None]:
    """Like `commit_unique` for a block that also flushes (an insert flushed to get its id for the audit row
    raises the unique violation at the flush, before any commit)."""
    try:
        yield
    except IntegrityError as err:
        db.session.rollback()
        if not _is_unique_violation(err):
            raise
        raise duplicate(existing(), message, field, value) from None


def commit_unique(existing: Callable[[], Mapping[str, Any] | None], message: str | None = None,
                  field: str | None = None, value: Any = None) -> None:
    """Commit; if a parallel request inserted the same unique record first, 409 ``duplicate`` naming it.

    ``existing`` runs after the rollback and describes the record that won (e.g. ``{"id": 3, "email": …}``).
    """
    with unique_guard(existing, message, field, value):
        db.session.commit()
