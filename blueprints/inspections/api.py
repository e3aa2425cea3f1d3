"""JSON API for checks and inspections (API.md "Checks", "Inspections")."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user

from access import roles
from blueprints.apiutil import json_body, paginate
from blueprints.auth.session import rides_on_token
from blueprints.idempotency import idempotent
from operations import checks, inspections

api = Blueprint("inspections_api", __name__)

PLANNERS = ("inspector", "admin", "secretariat")


def _args() -> dict:
    return request.args.to_dict()


def _body_or_empty() -> dict:
    # Action endpoints take an optional body: none at all is fine, but a body must be a JSON object.
    if not request.get_data():
        return {}
    return json_body()


@api.route("/check", methods=["GET"])
@roles(*PLANNERS)
@rides_on_token(checks.check_rider)  # the whole check in the token's statement (issue 11)
def check():
    # The user itself, not Flask-Login's proxy: a check asks it a dozen questions (issue 11).
    return jsonify(checks.check(current_user._get_current_object(), _args()))


@api.route("/enterprises/<uscc>/days", methods=["GET"])
@roles(*PLANNERS, "enterprise")
def days(uscc: str):
    return jsonify(checks.days(current_user, uscc, _args()))


@api.route("/checks", methods=["POST"])
@roles(*PLANNERS)
def bulk():
    return Response(checks.bulk(current_user, json_body()), mimetype="application/json")


@api.route("/inspections", methods=["POST"])
@roles(*PLANNERS)
@idempotent  # hardening: a retried booking with the same Idempotency-Key gets the first answer
def book():
    insp, extra = inspections.book(current_user, json_body())
    return jsonify({**inspections.to_json(insp, current_user), **extra}), 201


@api.route("/inspections", methods=["GET"])
@roles(*PLANNERS, "enterprise")
def index():
    stmt = inspections.list_statement(current_user, _args())
    return jsonify(paginate(stmt, lambda i: inspections.to_json(i, current_user)))


@api.route("/inspections/<int:inspection_id>", methods=["GET"])
@roles(*PLANNERS, "enterprise")
def show(inspection_id: int):
    insp = inspections.get_visible(current_user, inspection_id)
    out = inspections.to_json(insp, current_user)
    out["joined"] = [{"id": j.id, "department": j.department.code, "date": j.date.isoformat(),
                      "status": j.status} for j in inspections.joined_visits(insp)]
    return jsonify(out)


@api.route("/inspections/<int:inspection_id>/approve", methods=["POST"])
@roles("inspector")
def approve(inspection_id: int):
    return jsonify(inspections.to_json(inspections.approve(current_user, inspection_id), current_user))


@api.route("/inspections/<int:inspection_id>/reject", methods=["POST"])
@roles("inspector")
def reject(inspection_id: int):
    inspections.get_inspection(inspection_id)
    insp = inspections.reject(current_user, inspection_id, _body_or_empty())
    return jsonify(inspections.to_json(insp, current_user))


@api.route("/inspections/<int:inspection_id>/cancel", methods=["POST"])
@roles(*PLANNERS)
def cancel(inspection_id: int):
    inspections.get_inspection(inspection_id)
    insp = inspections.cancel(current_user, inspection_id, _body_or_empty())
    return jsonify(inspections.to_json(insp, current_user))


@api.route("/inspections/<int:inspection_id>/check-in", methods=["POST"])
@roles("inspector")
def check_in(inspection_id: int):
    return jsonify(inspections.to_json(inspections.check_in(current_user, inspection_id), current_user))


@api.route("/inspections/<int:inspection_id>/complete", methods=["POST"])
@roles("inspector")
def complete(inspection_id: int):
    inspections.get_inspection(inspection_id)
    insp = inspections.complete(current_user, inspection_id, _body_or_empty())
    return jsonify(inspections.to_json(insp, current_user))


@api.route("/inspections/<int:inspection_id>/rate", methods=["POST"])
@roles("enterprise")
def rate(inspection_id: int):
    inspections.get_inspection(inspection_id)
    insp = inspections.rate(current_user, inspection_id, json_body())
    return jsonify(inspections.to_json(insp, current_user))


@api.route("/inspection-ratings", methods=["GET"])
@roles(*PLANNERS)
def ratings():
    return jsonify({"items": inspections.ratings_summary(current_user),
                    "min_count_for_average": inspections.MIN_RATINGS_FOR_AVERAGE, "period": "month"})
