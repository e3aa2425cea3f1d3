"""The check page's month calendar: one cell per day, coloured by what the day means for *this* agency.

A policy of another level that does not bind the agency is advice, not a refusal: such a day stays green and
says so, instead of carrying the red-day word 宁静日 on a green cell (issue 6). The legend lists every class
used here (LEGEND), and a test checks that no cell class is left unexplained.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from operations.calendar import load_calendar

# css class -> what the legend says; the order is the legend's.
LEGEND = (
    ("allowed", _l("Allowed")),
    ("advisory", _l("Allowed; a quiet day of another level that does not bind your agency (advice only)")),
    ("caution", _l("Quiet day: allowed with a written justification and the head's approval")),
    ("refused", _l("Quiet day: this kind of inspection is not allowed")),
    ("cap", _l("Not allowed: the annual inspection cap is reached")),
    # Weekends and holidays are drawn as such by the month grid (policies/_calendar.html, issue 6 defect 2).
    ("offday", _l("Not a working day (weekend or holiday)")),
    ("past", _l("Past date: only emergencies are recorded afterwards")),
    ("today", _l("Today")),
)


def check_cell(item: Mapping[str, Any], roles: Mapping[int, str]) -> dict[str, Any]:
    """``item`` is one day of operations.checks.days; ``roles`` maps its policy ids to blocking / exempt /
    advisory for the agency and kind asked about."""
    found = {roles.get(pid) for pid in item.get("policy_ids", ())}
    if not item["allowed"]:
        if "blocking" in found:
            return {"cls": "refused", "note": _l("quiet day")}
        return {"cls": "refused cap", "note": _l("cap reached")}
    if "exempt" in found:
        return {"cls": "caution", "note": _l("justify")}
    if "advisory" in found:
        return {"cls": "allowed advisory", "note": _l("advice only")}
    return {"cls": "allowed", "note": ""}


def legend_for(cells: Mapping[Any, Mapping[str, Any]], today_shown: bool) -> list[tuple[str, Any]]:
    """The legend lines for the classes the month actually uses (a key listing absent colours is noise)."""
    used = {c for cell in cells.values() for c in str(cell.get("cls", "")).split()}
    if today_shown:
        used.add("today")
    calendar = load_calendar()
    if any(not calendar.is_workday(d) for d in cells if isinstance(d, date)):
        used.add("offday")
    return [(cls, text) for cls, text in LEGEND if cls in used]
