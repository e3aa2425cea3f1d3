"""Run N requests at once through the Flask test client, as N gunicorn workers would: each thread has its own
client, request context and database session, and a barrier releases them together."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from flask import Flask

from extensions import db


def run_parallel(app: Flask, n: int, work: Callable[[Any, int], Any], timeout: float = 120,
                 setup: Callable[[Any, int], Any] | None = None) -> list[Any]:
    """``work(client, i)`` in ``n`` threads released together; returns each result (or the exception).
    ``setup(client, i)`` runs before the barrier (e.g. a login, so only the request under test races)."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        client = app.test_client()
        try:
            if setup is not None:
                setup(client, i)
            barrier.wait()
            results[i] = work(client, i)
        except Exception as err:  # the test inspects what each thread got
            results[i] = err

    _start_and_join(run, n, timeout, "a request thread hung")
    return results


def statuses(results: list[Any]) -> list[int | str]:
    """Sorted HTTP statuses (an exception shows as its repr, so a test failure says what went wrong)."""
    return sorted((r.status_code if hasattr(r, "status_code") else repr(r) for r in results), key=str)


def error_codes(results: list[Any]) -> set[str]:
    return {r.get_json()["error"]["code"] for r in results
            if hasattr(r, "status_code") and r.status_code >= 400 and r.is_json}


def fresh() -> None:
    """Forget what the test's own session has cached, so the checks below read what the threads wrote."""
    db.session.expire_all()


def run_operations(app: Flask, n: int, work: Callable[[int], Any], timeout: float = 90) -> list[Any]:
    """``work(i)`` called directly (an operation, no HTTP) in ``n`` threads released together, each in its own
    app context and database session; returns each result or the exception it raised."""
    barrier = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        with app.app_context():
            try:
                barrier.wait()
                results[i] = work(i)
            except Exception as err:  # the test inspects what each thread got
                db.session.rollback()
                results[i] = err
            finally:
                db.session.remove()

    _start_and_join(run, n, timeout, "a thread hung")
    return results


def outcome_codes(results: list[Any]) -> list[str]:
    """Sorted outcomes of operations: "ok", a DomainError's code, or an unexpected exception's repr."""
    from operations.errors import DomainError

    return sorted(r.code if isinstance(r, DomainError) else ("ok" if not isinstance(r, Exception) else repr(r))
                  for r in results)


def _start_and_join(run: Callable[[int], None], n: int, timeout: float, hung: str) -> None:
    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), hung
