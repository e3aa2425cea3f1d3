"""The demo data set (`flask --app app demo`): idempotent, printed logins."""

from __future__ import annotations


def run_demo() -> list[str]:
    """Load every part in order (quiet days need the reference data) and return the lines to print."""
    from demo import followups as followups_demo  # followups
    from demo import quietdays, reference

    lines: list[str] = []
    for part in (reference, quietdays, followups_demo):  # followups: followups_demo
        lines.extend(part.load())
    return lines
