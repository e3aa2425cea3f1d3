"""The shared concurrency guards (operations/concurrency.py) hold under parallel threads on the database the
suite runs on (SQLite file by default, PostgreSQL with TEST_DATABASE_URL): each thread has its own app context
and session, as a request in another worker would."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from extensions import db
from models import Jurisdiction, QuietDayPolicy
from operations import concurrency
from operations.errors import DomainError
from tests import factories as f
from tests.parallel import outcome_codes, run_operations

THREADS = 10


def _parallel(app, work):
    return run_operations(app, THREADS, work)


_codes = outcome_codes


def _count_children(parent_id: int) -> int:
    return db.session.scalar(select(func.count()).select_from(Jurisdiction)
                             .where(Jurisdiction.parent_id == parent_id))


def test_begin_write_serialises_read_then_write(app, ctx):
    """A cap of 3 children, checked then inserted by 10 threads at once: exactly 3 get in."""
    parent = f.create_jurisdiction("430200", "株洲市")
    parent_id = parent.id

    def add_child(i: int) -> str:
        concurrency.begin_write((Jurisdiction, parent_id))
        if _count_children(parent_id) >= 3:
            raise DomainError("cap_reached", "full", status=409)
        db.session.add(Jurisdiction(code=f"4302{i + 10:02d}", name=f"区{i}", parent_id=parent_id))
        db.session.commit()
        return "ok"

    results = _parallel(app, add_child)
    assert _codes(results) == ["cap_reached"] * (THREADS - 3) + ["ok"] * 3
    db.session.expire_all()
    assert _count_children(parent_id) == 3


def test_transition_has_exactly_one_winner(app, ctx):
    j = f.create_jurisdiction("430200", "株洲市")
    policy = QuietDayPolicy(jurisdiction_id=j.id, title="宁静日", rule={"type": "weekdays", "weekdays": [1]},
                            valid_from=date(2026, 1, 1), status="draft", ownership=[], sizes=[],
                            blocked_kinds=["routine"])
    db.session.add(policy)
    db.session.commit()
    policy_id = policy.id

    def activate(_i: int) -> str:
        row = db.session.get(QuietDayPolicy, policy_id)
        concurrency.transition(row, ["draft"], {"status": "active"})
        db.session.commit()
        return "ok"

    results = _parallel(app, activate)
    assert _codes(results) == ["invalid_state"] * (THREADS - 1) + ["ok"]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert {r.details["status"] for r in refused} == {"active"}
    assert {r.status for r in refused} == {409}
    db.session.expire_all()
    assert db.session.get(QuietDayPolicy, policy_id).status == "active"


def test_transition_names_the_current_state_in_chinese(app, ctx):
    j = f.create_jurisdiction("430200", "株洲市")
    policy = QuietDayPolicy(jurisdiction_id=j.id, title="宁静日", rule={"type": "weekdays", "weekdays": [1]},
                            valid_from=date(2026, 1, 1), status="revoked", ownership=[], sizes=[],
                            blocked_kinds=["routine"])
    db.session.add(policy)
    db.session.commit()
    with pytest.raises(DomainError) as caught:
        concurrency.transition(policy, ["draft"], {"status": "active"})
    assert caught.value.code == "invalid_state"
    assert "已撤销" in caught.value.message or "撤销" in caught.value.message, caught.value.message
    assert "revoked" not in caught.value.message
    db.session.rollback()
    assert db.session.get(QuietDayPolicy, policy.id).status == "revoked"


def test_commit_unique_turns_a_parallel_duplicate_into_409(app, ctx):
    def create(_i: int) -> str:
        db.session.add(Jurisdiction(code="430200", name="株洲市"))
        concurrency.commit_unique(lambda: {"code": "430200"})
        return "ok"

    results = _parallel(app, create)
    assert _codes(results) == ["duplicate"] * (THREADS - 1) + ["ok"]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert {r.details["existing"]["code"] for r in refused} == {"430200"}
    assert db.session.scalar(select(func.count()).select_from(Jurisdiction)) == 1
