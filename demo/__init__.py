"""The demo data set (`flask --app app demo`): idempotent, printed logins."""

from __future__ import annotations


def run_demo() -> list[str]:
    """Load every part in order (quiet days need the reference data) and return the lines to print."""
    from demo import followups as followups_demo  # followups
    from demo import meetings, quietdays, reference

    lines: list[str] = []
    parts: tuple = (reference, quietdays)
    parts += (meetings,)  # meetings
    parts += (followups_demo,)  # followups: after meetings, whose issues it assigns
    for part in parts:
        lines.extend(part.load())
    return lines
