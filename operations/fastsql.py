"""The few SELECTs every API request or check makes, run with the driver's cursor (issue 11).

SQLAlchemy's execution layer (execution context, result objects, events) costs about as much per statement as
the SQL itself on an indexed lookup, and the session's begin and close as much again. A :class:`Prepared`
statement is the same Core ``select`` compiled once per dialect, with its parameter and result conversions taken
from the column types (dates and booleans on SQLite). `Prepared.read` runs it on a pooled connection borrowed for
the one statement (autocommit on PostgreSQL: no BEGIN, no ROLLBACK), or, once the session's transaction holds a
connection, on that one, seeing the session's uncommitted writes exactly like ``session.connection()
.execute(stmt)``. The borrowed connection's cursor is kept with it in the pool for the next read. Listeners of
``before_cursor_execute`` still see every statement (tests count them).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from flask import has_app_context
from sqlalchemy import Select, event
from sqlalchemy.engine import Connection, Dialect, Engine
from sqlalchemy.orm import Session

from extensions import db


class _Compiled:
    __slots__ = ("bind_processors", "defaults", "order", "positional", "result_processors", "sql")

    def __init__(self, stmt: Select, dialect: Dialect) -> None:
        compiled = stmt.compile(dialect=dialect)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a prepared statement cannot expand parameters per execution")
        self.sql: str = compiled.string
        self.positional: bool = bool(compiled.positional)
        self.order: Sequence[str] = tuple(compiled.positiontup or ())
        # Literal values SQLAlchemy turned into anonymous parameters (the 1 of a CASE, a primary key).
        self.defaults: dict[str, Any] = {name: bind.value for name, bind in compiled.binds.items()
                                         if bind.value is not None and not bind.required}
        self.bind_processors: dict[str, Callable[[Any], Any]] = {}
        for name, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                self.bind_processors[name] = processor
        processors = [column.type.dialect_impl(dialect).result_processor(dialect, None)
                      for column in stmt.selected_columns]
        # None when no column needs converting (PostgreSQL mostly): rows are then taken as they come.
        self.result_processors: list[Callable[[Any], Any] | None] | None = processors if any(processors) else None

    def parameters(self, params: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        values = {**self.defaults, **params}
        for name, processor in self.bind_processors.items():
            if name in values:
                values[name] = processor(values[name])
        if self.positional:
            return [values[name] for name in self.order]
        return values


class Prepared:
    """A Core SELECT run with the driver's cursor (see `read`); rows come back as tuples of converted values."""

    def __init__(self, stmt: Select, **by_dialect: Select) -> None:
        """``by_dialect``: the same question asked another way on one database (``postgresql=...``), with the
        same columns in the same order."""
        self.stmt = stmt
        self._stmts = by_dialect
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            stmt = self._stmts.get(dialect.name, self.stmt)
            found = self._by_dialect[dialect.name] = _Compiled(stmt, dialect)
        return found

    def all(self, params: Mapping[str, Any]) -> list[tuple]:
        """Rows on the session's connection: inside its transaction, seeing its writes."""
        conn = db.session.connection()
        cursor = conn.connection.dbapi_connection.cursor()
        try:
            return self._run(conn.engine, cursor, params, conn)
        finally:
            cursor.close()

    def read(self, params: Mapping[str, Any]) -> list[tuple]:
        """Rows for a request that has not begun a transaction: on a pooled driver connection borrowed for this
        statement alone (committed data, no transaction), which spares the session's begin and close; inside a
        transaction, on the session's connection as `all`. Borrowed per statement, never held while the
        session takes another: a request never waits for a second connection while holding one."""
        if not has_app_context():
            return self.all(params)
        registry = db.session.registry
        # Asked without creating a session: a request that never needs one (a check) then has none to close.
        if registry.has() and registry().info.get(_CONNECTED):
            return self.all(params)
        engine = db.engine
        borrowed = engine.raw_connection()
        dbapi = borrowed.dbapi_connection
        postgres = engine.dialect.name == "postgresql"
        try:
            if postgres:
                dbapi.autocommit = True  # no BEGIN, no ROLLBACK: READ COMMITTED reads the same either way
            return self._run(engine, _kept_cursor(borrowed, dbapi), params, None)
        finally:
            try:
                if postgres and not dbapi.closed:
                    dbapi.autocommit = False  # given back as lent
            finally:
                borrowed.close()

    def _run(self, engine: Engine, cursor: Any, params: Mapping[str, Any], conn: Connection | None) -> list[tuple]:
        compiled = self._compiled(engine.dialect)
        args = compiled.parameters(params)
        if engine._has_events or (conn is not None and conn._has_events):
            (conn or engine).dispatch.before_cursor_execute(conn, cursor, compiled.sql, args, None, False)
        cursor.execute(compiled.sql, args)
        rows = cursor.fetchall()
        processors = compiled.result_processors
        if processors is None:
            return [tuple(row) for row in rows]
        return [tuple(value if p is None or value is None else p(value) for p, value in zip(processors, row,
                                                                                            strict=True))
                for row in rows]

    def first_read(self, params: Mapping[str, Any]) -> tuple | None:
        rows = self.read(params)
        return rows[0] if rows else None


_CONNECTED = "zhengqi_connected"
_CURSOR = "zhengqi.read_cursor"


def _kept_cursor(borrowed: Any, dbapi: Any) -> Any:
    """A cursor kept with the pooled connection for these reads: making one is as much work for psycopg as the
    statement (issue 11). Kept in the connection record's info, which the pool empties when it replaces the
    driver connection; checked against the connection anyway. The session's statements use cursors of their own."""
    kept = borrowed.info.get(_CURSOR)
    if kept is None or kept[0] is not dbapi or getattr(kept[1], "closed", False):
        kept = borrowed.info[_CURSOR] = (dbapi, dbapi.cursor())
    return kept[1]


# Whether the session's transaction holds a connection (it may have written through it): `in_transaction()` is
# already true once an object is added, before any connection is taken.
@event.listens_for(Session, "after_begin")
def _connected(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info[_CONNECTED] = True


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(_CONNECTED, None)
