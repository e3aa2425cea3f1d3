"""JSON API for quiet-day policies (API.md "Quiet days"): all signed-in users read; admins write."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_login import current_user

from access import authenticated, roles
from blueprints.apiutil import json_body, paginate
from blueprints.idempotency import idempotent
from operations import policies

api = Blueprint("policies_api", __name__)

WRITERS = ("admin", "secretariat")


def _json(row) -> dict:
    # An enterprise user sees only its own enterprise in a policy's list, never the others it names.
    return policies.to_json(row, current_user)


@api.route("/quiet-day-policies", methods=["POST"])
@roles(*WRITERS)
@idempotent  # policies have no natural key: a retry would publish the same rule twice
def create():
    row = policies.create_policy(json_body())
    return jsonify(_json(row)), 201


@api.route("/quiet-day-policies", methods=["GET"])
@authenticated
def index():
    return jsonify(paginate(policies.list_statement(request.args), _json))


@api.route("/quiet-day-policies/<int:policy_id>", methods=["GET"])
@authenticated
def show(policy_id: int):
    return jsonify(_json(policies.get_policy(policy_id)))


@api.route("/quiet-day-policies/<int:policy_id>", methods=["PATCH"])
@roles(*WRITERS)
def update(policy_id: int):
    policies.get_policy(policy_id)  # 404 before complaining about the body
    return jsonify(_json(policies.update_policy(policy_id, json_body())))


@api.route("/quiet-day-policies/<int:policy_id>", methods=["DELETE"])
@roles(*WRITERS)
def revoke(policy_id: int):
    policies.get_policy(policy_id)
    # Some HTTP clients cannot send a body with DELETE, so the reason may also come as ?reason=.
    body = request.get_json(silent=True)
    reason = body.get("reason") if isinstance(body, dict) else None
    reason = reason or request.args.get("reason")
    return jsonify(_json(policies.revoke_policy(policy_id, reason)))


@api.route("/quiet-day-policies/<int:policy_id>/exceptions", methods=["POST"])
@roles(*WRITERS)
def add_exception(policy_id: int):
    policies.get_policy(policy_id)
    exc = policies.add_exception(policy_id, json_body())
    return jsonify({"policy_id": policy_id, **exc.to_json()}), 201


@api.route("/quiet-day-policies/<int:policy_id>/exceptions/<int:exception_id>", methods=["DELETE"])
@roles(*WRITERS)
def delete_exception(policy_id: int, exception_id: int):
    policies.delete_exception(policy_id, exception_id)
    return "", 204
