"""Blueprint registry: (blueprint, url prefix, is_api)."""

from __future__ import annotations

from flask import Blueprint


def all_blueprints() -> list[tuple[Blueprint, str | None, bool]]:
    from blueprints.account import bp as account_bp  # qdcore
    from blueprints.admin.api import api as admin_api
    from blueprints.admin.routes import bp as admin_bp
    from blueprints.auth.api import api as auth_api
    from blueprints.auth.routes import bp as auth_bp
    from blueprints.docs import api as docs_api
    from blueprints.enterprise_portal.routes import bp as enterprise_bp
    from blueprints.feeds.api import api as feeds_api  # feeds
    from blueprints.feeds.routes import bp as feeds_bp  # feeds

    # followups
    from blueprints.followups.api import api as followups_api
    from blueprints.followups.routes import bp as followups_bp
    from blueprints.inspections.api import api as inspections_api
    from blueprints.inspections.routes import bp as inspections_bp
    from blueprints.main.routes import bp as main_bp
    from blueprints.meetings.api import api as meetings_api  # meetings
    from blueprints.meetings.routes import bp as meetings_bp  # meetings
    from blueprints.policies.api import api as policies_api
    from blueprints.policies.routes import bp as policies_bp
    from blueprints.public.routes import bp as public_bp

    return [
        (main_bp, None, False),
        (auth_bp, None, False),
        (admin_bp, "/admin", False),
        (policies_bp, "/policies", False),
        (inspections_bp, None, False),
        (enterprise_bp, "/my", False),
        (public_bp, "/public", False),
        (auth_api, "/api/v1", True),
        (admin_api, "/api/v1", True),
        (policies_api, "/api/v1", True),
        (inspections_api, "/api/v1", True),
        (docs_api, "/api/v1", True),
        # meetings
        (meetings_bp, None, False),
        (meetings_api, "/api/v1", True),
        # feeds
        (feeds_bp, None, False),
        (feeds_api, "/api/v1", True),
        # followups
        (followups_bp, None, False),
        (followups_api, "/api/v1", True),
        # qdcore
        (account_bp, None, False),
    ]
