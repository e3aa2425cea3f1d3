"""Reference-data API (API.md "Reference data"): jurisdictions, departments, enterprises, users, calendar,
audit log."""

from __future__ import annotations

from flask import Blueprint, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from access import roles
from blueprints.apiutil import json_body, paginate
from operations import calendar, importer, reference
from operations.errors import DomainError

api = Blueprint("admin_api", __name__)

READERS = reference.ENTERPRISE_READERS
WRITERS = reference.ENTERPRISE_WRITERS


# --- jurisdictions ---


@api.route("/jurisdictions", methods=["POST"])
@roles("admin")
def create_jurisdiction():
    return jsonify(reference.create_jurisdiction(json_body()).to_json()), 201


@api.route("/jurisdictions", methods=["GET"])
@roles("admin")
def list_jurisdictions():
    return jsonify(paginate(reference.jurisdictions_stmt(), lambda r: r.to_json()))


@api.route("/jurisdictions/<code>", methods=["GET"])
@roles("admin")
def get_jurisdiction(code: str):
    return jsonify(reference.get_jurisdiction(code).to_json())


@api.route("/jurisdictions/<code>", methods=["PATCH"])
@roles("admin")
def update_jurisdiction(code: str):
    reference.get_jurisdiction(code)  # 404 before judging the body
    return jsonify(reference.update_jurisdiction(code, json_body()).to_json())


# --- departments ---


@api.route("/departments", methods=["POST"])
@roles("admin")
def create_department():
    return jsonify(reference.create_department(json_body()).to_json()), 201


@api.route("/departments", methods=["GET"])
@roles("admin")
def list_departments():
    return jsonify(paginate(reference.departments_stmt(), lambda r: r.to_json()))


@api.route("/departments/<code>", methods=["GET"])
@roles("admin")
def get_department(code: str):
    return jsonify(reference.get_department(code).to_json())


@api.route("/departments/<code>", methods=["PATCH"])
@roles("admin")
def update_department(code: str):
    reference.get_department(code)
    return jsonify(reference.update_department(code, json_body()).to_json())


# --- enterprises ---


@api.route("/enterprises", methods=["POST"])
@roles(*WRITERS)
def create_enterprise():
    return jsonify(reference.create_enterprise(json_body()).to_json()), 201


@api.route("/enterprises", methods=["GET"])
@roles(*READERS)
def list_enterprises():
    stmt = reference.enterprises_stmt(request.args.get("q"), request.args.get("jurisdiction"))
    return jsonify(paginate(stmt, lambda r: r.to_json()))


@api.route("/enterprises/import", methods=["POST"])
@roles(*WRITERS)
def import_enterprises():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise DomainError("missing_field", _("Upload the file as multipart field 'file'."), field="file")
    result = importer.import_enterprises(upload.filename, upload.read())
    return jsonify(result.to_json())


@api.route("/enterprises/<uscc>", methods=["GET"])
@roles(*READERS, "enterprise")
def get_enterprise(uscc: str):
    return jsonify(reference.enterprise_for(current_user, uscc).to_json())


@api.route("/enterprises/<uscc>", methods=["PATCH"])
@roles(*WRITERS)
def update_enterprise(uscc: str):
    reference.get_enterprise(uscc)
    return jsonify(reference.update_enterprise(uscc, json_body()).to_json())


# --- users ---


@api.route("/users", methods=["POST"])
@roles("admin")
def create_user():
    return jsonify(reference.create_user(json_body()).to_json()), 201


@api.route("/users", methods=["GET"])
@roles("admin")
def list_users():
    stmt = reference.users_stmt(request.args.get("role"), request.args.get("q"))
    return jsonify(paginate(stmt, lambda r: r.to_json()))


@api.route("/users/<int:user_id>", methods=["GET"])
@roles("admin")
def get_user(user_id: int):
    return jsonify(reference.get_user(user_id).to_json())


@api.route("/users/<int:user_id>", methods=["PATCH"])
@roles("admin")
def update_user(user_id: int):
    reference.get_user(user_id)
    return jsonify(reference.update_user(user_id, json_body()).to_json())


# --- working-day calendar ---


@api.route("/calendar/<int:year>", methods=["GET"])
@roles("admin")
def get_calendar(year: int):
    return jsonify(calendar.year_info(year))


@api.route("/calendar/<int:year>", methods=["PUT"])
@roles("admin")
def put_calendar(year: int):
    calendar.check_year(year)
    calendar.set_year_notice(year, json_body())
    return jsonify(calendar.year_info(year))


@api.route("/calendar/<int:year>", methods=["DELETE"])
@roles("admin")
def delete_calendar(year: int):
    calendar.check_year(year)
    calendar.delete_year_notice(year)
    return "", 204


# --- audit log ---


@api.route("/audit", methods=["GET"])
@roles("admin")
def list_audit():
    args = request.args
    stmt = reference.audit_stmt(args.get("entity"), args.get("user"), args.get("action"),
                                args.get("entity_id"))
    return jsonify(paginate(stmt, lambda r: r.to_json()))
