"""POST /api/v1/feed-token: a new personal feed link (the old one stops working)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify
from flask_login import current_user

from access import roles
from blueprints.feeds.routes import personal_feed_links
from operations import feed_tokens
from operations.feeds import FEED_ROLES

api = Blueprint("feeds_api", __name__)


@api.route("/feed-token", methods=["POST"])
@roles(*FEED_ROLES)
def feed_token() -> tuple[Response, int]:
    token = feed_tokens.issue(current_user)
    found = personal_feed_links(token)
    return jsonify({"url": found["url"], "webcal": found["webcal"]}), 201
