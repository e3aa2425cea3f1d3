"""What each protecting policy means for one agency and kind, so a calendar can tell a quiet day that blocks
this agency from one that only advises it (SPEC §3.5: a policy binds its own level, or its level and below)."""

from __future__ import annotations

from collections.abc import Iterable

from models.department import Department
from models.policy import QuietDayPolicy
from operations import checks
from rules import quietdays as qd


def policy_roles(dept: Department, kind: str, policy_ids: Iterable[int]) -> dict[int, qd.Classification]:
    """policy id -> "blocking" | "exempt" | "advisory" for ``dept`` booking ``kind`` (active policies)."""
    eng = checks.engine()
    agency = checks.agency_input(dept)
    return {pid: qd.classify(eng.policy(pid), agency, kind) for pid in set(policy_ids)}


def bound_departments(policy: QuietDayPolicy, departments: Iterable[Department]) -> list[Department]:
    """The agencies among ``departments`` that ``policy`` binds: those of its jurisdiction, and with
    binds=level_and_below those of every jurisdiction below it. The rule is the engine's, not a copy."""
    probe = checks.policy_inputs([policy.id], force_active=True)[0]
    return [d for d in departments if qd.classify(probe, checks.agency_input(d), "routine") != "advisory"]
