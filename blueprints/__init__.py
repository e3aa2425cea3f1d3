"""Blueprint registry: (blueprint, url prefix, is_api)."""

from __future__ import annotations

from flask import Blueprint


def all_blueprints() -> list[tuple[Blueprint, str | None, bool]]:
    from blueprints.admin.api import api as admin_api
    from blueprints.admin.routes import bp as admin_bp
    from blueprints.auth.api import api as auth_api
    from blueprints.auth.routes import bp as auth_bp
    from blueprints.docs import api as docs_api
    from blueprints.main.routes import bp as main_bp

    return [
        (main_bp, None, False),
        (auth_bp, None, False),
        (admin_bp, "/admin", False),
        (auth_api, "/api/v1", True),
        (admin_api, "/api/v1", True),
        (docs_api, "/api/v1", True),
    ]
