"""Navigation by role: each entry names the roles that see it, so the menu never offers a refused page."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

import access


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label: object


NAV = (
    NavItem("main.dashboard", _l("Dashboard")),
    NavItem("meetings.calendar", _l("Meetings")),  # meetings
    NavItem("meetings.notices_page", _l("Notices")),  # meetings
    NavItem("inspections.check_page", _l("Check a date")),
    NavItem("inspections.list_page", _l("Inspections")),
    NavItem("policies.list_page", _l("Quiet-day policies")),
    NavItem("enterprise_portal.calendar", _l("My quiet days")),
    # followups
    NavItem("followups.ledger_page", _l("Follow-up items")),
    NavItem("followups.board", _l("Supervision board")),
    NavItem("admin.enterprises", _l("Enterprises")),
    NavItem("admin.jurisdictions", _l("Jurisdictions")),
    NavItem("admin.departments", _l("Departments")),
    NavItem("admin.users", _l("Users")),
    NavItem("admin.calendar", _l("Working-day calendar")),
    NavItem("admin.audit", _l("Audit log")),
)


def navigation() -> list[tuple[str, object]]:
    """Entries the current user may open; endpoints not (yet) registered are skipped."""
    if not current_user.is_authenticated:
        return []
    out = []
    for item in NAV:
        if item.endpoint not in current_app.view_functions:
            continue
        rule = access.access_rule(item.endpoint)
        if rule in (access.PUBLIC, access.AUTHENTICATED) or (
            isinstance(rule, frozenset) and current_user.role in rule
        ):
            out.append((url_for(item.endpoint), item.label))
    # qdcore: an agency head sees the approval queue with its count.
    from blueprints.inspections.routes import approvals_nav_item

    approvals = approvals_nav_item()
    if approvals is not None:
        out.insert(1, approvals)
    return out
