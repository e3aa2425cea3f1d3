"""JSON API for follow-up items (API.md "Follow-up items"). Each route calls the same operation as its page."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request
from flask_login import current_user

from access import roles
from blueprints.apiutil import json_body, paginate
from blueprints.idempotency import idempotent
from operations import followup_ledger as ledger
from operations import followup_loop as loop
from operations import followup_stats as stats
from operations import followups

api = Blueprint("followups_api", __name__)

VIEWERS = ledger.VIEWERS
EXPORTERS = ("admin", "secretariat", "department", "official")


def _body_or_empty() -> dict:
    if not request.get_data():
        return {}
    return json_body()


def _item(item_id: int, status: int = 200):
    item = followups.get_item(item_id)
    return jsonify(followups.to_json(item, detail=True)), status


@api.route("/follow-ups", methods=["POST"])
@roles("admin", "secretariat", "enterprise")
@idempotent  # only an item from a minutes issue is unique; a retried request or hotline call would repeat
def create():
    item = followups.create(current_user, json_body())
    return _item(item.id, 201)


@api.route("/follow-ups", methods=["GET"])
@roles(*VIEWERS)
def index():
    th = followups.thresholds()
    stmt = ledger.with_rows(ledger.statement(current_user, request.args.to_dict(), th))
    return jsonify(paginate(stmt, lambda i: followups.to_json(i, th)))


@api.route("/follow-ups/<int:item_id>", methods=["GET"])
@roles(*VIEWERS)
def show(item_id: int):
    followups.get_visible(current_user, item_id)
    return _item(item_id)


@api.route("/follow-ups/<int:item_id>/progress", methods=["POST"])
@roles("department")
@idempotent  # notes are not keyed: a retried note would be added twice
def progress(item_id: int):
    loop.progress(current_user, item_id, json_body())
    return _item(item_id)


@api.route("/follow-ups/<int:item_id>/resolve", methods=["POST"])
@roles("department")
def resolve(item_id: int):
    loop.resolve(current_user, item_id, json_body())
    return _item(item_id)


@api.route("/follow-ups/<int:item_id>/rate", methods=["POST"])
@roles("enterprise")
def rate(item_id: int):
    loop.rate(current_user, item_id, json_body())
    return _item(item_id)


@api.route("/follow-ups/<int:item_id>/extend", methods=["POST"])
@roles("department")
def extend(item_id: int):
    ext = loop.request_extension(current_user, item_id, json_body())
    return jsonify({"id": ext.id, "status": ext.status, "due_date": ext.new_due_on.isoformat(),
                    "reason": ext.reason}), 201


@api.route("/follow-ups/<int:item_id>/extension-decision", methods=["POST"])
@roles("admin", "secretariat")
def decide_extension(item_id: int):
    loop.decide_extension(current_user, item_id, json_body())
    return _item(item_id)


@api.route("/follow-ups/<int:item_id>/supervise", methods=["POST"])
@roles("admin", "secretariat")
def supervise(item_id: int):
    loop.supervise(current_user, item_id, _body_or_empty())
    return _item(item_id)


@api.route("/follow-ups/export.csv", methods=["GET"])
@roles(*EXPORTERS)
def export_csv():
    chunks = ledger.export_csv(current_user, request.args.to_dict())
    return Response(chunks, mimetype="text/csv; charset=utf-8",
                    headers={"Content-Disposition": "attachment; filename=ledger.csv"})


@api.route("/follow-ups/export.xlsx", methods=["GET"])
@roles(*EXPORTERS)
def export_xlsx():
    chunks = ledger.export_xlsx(current_user, request.args.to_dict())
    return Response(chunks, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=ledger.xlsx"})


@api.route("/stats", methods=["GET"])
@roles("admin", "secretariat", "official")
def stats_view():
    return jsonify(stats.stats(current_user, request.args.to_dict()))
