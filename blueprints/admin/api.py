from __future__ import annotations

from flask import Blueprint

api = Blueprint("admin_api", __name__)
