from __future__ import annotations

from flask import Blueprint, g, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from access import authenticated, public
from blueprints.apiutil import json_body
from blueprints.auth.session import bearer_token
from blueprints.auth.throttle import throttled_login
from operations.auth import authenticate, expires_at_json, issue, revoke_token_value
from operations.errors import DomainError
from operations.validate import get_str

api = Blueprint("auth_api", __name__)


@api.route("/auth/token", methods=["POST"])
@throttled_login
@public
def token():
    data = json_body()
    email = get_str(data, "email")
    password = get_str(data, "password")
    user = authenticate(email, password)
    if user is None:
        g.login_failed = True
        raise DomainError("invalid_credentials", _("Wrong email or password."), status=401)
    name = get_str(data, "name", required=False, max_len=100, default="api")
    token, row = issue(user, name)
    return jsonify({"token": token, "expires_at": expires_at_json(row)}), 201


@api.route("/auth/token", methods=["DELETE"])
@authenticated
def revoke_current():
    revoke_token_value(bearer_token() or "")
    return "", 204


@api.route("/me", methods=["GET"])
@authenticated
def me():
    return jsonify(current_user.to_json())
