"""Feed endpoints (.ics) with HTTP validators, and the page that issues a personal feed link.

Conditional requests are answered from a cheap validator (a few aggregate columns, operations/feeds.py) before
any event is loaded: calendar clients poll every few minutes to every day, and nearly every poll is a 304.
"""

from __future__ import annotations

import hashlib
from datetime import UTC

import segno
from flask import Blueprint, Response, abort, current_app, g, render_template, request, url_for
from flask_babel import force_locale
from flask_login import current_user
from sqlalchemy import select
from werkzeug.http import http_date

from access import public, roles
from blueprints.auth.forms import EmptyForm
from extensions import db, limiter
from models.feed import FeedToken
from models.jurisdiction import Jurisdiction
from operations import feed_tokens
from operations import feeds as of

bp = Blueprint("feeds", __name__)

CONTENT_TYPE = "text/calendar; charset=utf-8"


def _rate_limit() -> str:
    # Per client address: polling clients stay far below it; a token-guessing loop does not.
    return current_app.config.get("FEED_RATE_LIMIT", "120 per minute")


# ------------------------------------------------------------------------------------------ links


def feed_url(endpoint: str, **values: str) -> str:
    """The https URL of a feed (Google's "From URL" and outlook.com want https; Apple and Outlook desktop get the
    webcal:// twin). The scheme is configurable for a plain-http intranet."""
    scheme = current_app.config.get("FEED_URL_SCHEME", "https")
    return url_for(endpoint, _external=True, _scheme=scheme, **values)


def links(url: str) -> dict[str, str]:
    """What the subscribe panel shows: the URL, its webcal:// form and a QR code (SVG data URI: no script,
    allowed by the CSP's img-src data:)."""
    webcal = "webcal://" + url.split("://", 1)[1]
    qr = segno.make(url, error="m")
    return {"url": url, "webcal": webcal, "qr": qr.svg_data_uri(scale=4, border=2)}


@bp.app_template_global("public_feed_links")
def public_feed_links(code: str) -> dict[str, str]:
    return links(feed_url("feeds.public_feed", code=code))


@bp.app_template_global("personal_feed_links")
def personal_feed_links(token: str) -> dict[str, str]:
    return links(feed_url("feeds.personal_feed", token=token))


@bp.app_template_global("feed_live_token")
def feed_live_token() -> FeedToken | None:
    """The current user's live feed token row (its prefix only is shown), for the subscribe panel."""
    if not current_user.is_authenticated or current_user.role not in of.FEED_ROLES:
        return None
    return feed_tokens.live_token(current_user)


@bp.app_context_processor
def feed_globals() -> dict:
    return {"FEED_ROLES": of.FEED_ROLES}


# ------------------------------------------------------------------------------------------ HTTP


def _headers(feed: of.Feed, etag: str | None, modified) -> dict[str, str]:
    headers = {
        "Content-Type": CONTENT_TYPE,
        "Last-Modified": http_date(modified.replace(tzinfo=UTC)),
        # no-cache: revalidate every time (cheap here); no-transform: proxies must not gzip (Outlook fails).
        "Cache-Control": ("private" if feed.private else "public") + ", no-cache, no-transform",
        "Content-Disposition": f'inline; filename="{feed.filename}"',
    }
    if etag:
        headers["ETag"] = etag
    if feed.private:
        headers["X-Robots-Tag"] = "noindex"
        headers["Referrer-Policy"] = "no-referrer"  # the URL is the secret
    return headers


def serve(feed: of.Feed, quick: str) -> Response:
    """200 with the bytes, or 304; the feed is rendered at most once per change per process.

    1. The quick key (index-only counts and audit ids) finds what this process rendered before: its ETag, bytes
       and Last-Modified. This is the path of nearly every poll.
    2. Otherwise the full validator (aggregates over the rows, with the real modification times) finds an
       identical earlier rendering — a change elsewhere that did not touch this feed — or answers
       If-Modified-Since without rendering.
    3. Otherwise the feed is rendered and remembered under both keys.
    If-None-Match is answered first (RFC 9110 §13.2.2), If-Modified-Since only without it.
    """
    host, lang = request.host, _lang()
    has_inm = "If-None-Match" in request.headers
    entry = of.rendered.get(quick)
    if entry is None:
        full, modified = feed.validator(host, lang)
        entry = of.rendered.get(full)
        if entry is None:
            since = None if has_inm else request.if_modified_since
            if since is not None and modified.replace(tzinfo=UTC) <= since:
                return Response(status=304, headers=_headers(feed, None, modified))
            with force_locale(lang):
                body = feed.render(host)
            etag = '"' + hashlib.sha256(body).hexdigest()[:40] + '"'
            entry = of.Rendered(etag, body, modified)
            of.rendered.put(full, entry)
            g.feed_rendered = True  # counted by the rate limit (see _count)
        of.rendered.put(quick, entry)
    if has_inm:
        if request.if_none_match.contains_weak(entry.etag.strip('"')):
            return Response(status=304, headers=_headers(feed, entry.etag, entry.modified))
    else:
        since = request.if_modified_since
        if since is not None and entry.modified.replace(tzinfo=UTC) <= since:
            return Response(status=304, headers=_headers(feed, entry.etag, entry.modified))
    return Response(entry.body, status=200, headers=_headers(feed, entry.etag, entry.modified))


def _lang() -> str:
    # Calendar apps send no cookie: the language is the URL's (?lang=en) or Chinese, never the session's, so
    # one URL always means the same bytes (and the 304 path needs no locale negotiation).
    return "en" if request.args.get("lang") == "en" else "zh_CN"


def _count(resp: Response) -> bool:
    """What the rate limit counts: misses (a token or code guessed wrong) and renders. Polls answered from the
    validator or the render cache cost about as much as a trivial page and are not counted, so a phone that
    polls every few minutes never hits the limit while a guessing loop or a render flood does."""
    return resp.status_code == 404 or bool(g.get("feed_rendered"))


@bp.route("/feeds/quiet-days/<code>.ics", methods=["GET"])
@limiter.shared_limit(_rate_limit, scope="feeds", deduct_when=_count)
@public
def public_feed(code: str) -> Response:
    if not (code.isascii() and code.isdigit() and len(code) == 6):
        abort(404)
    # The poll's two statements run on a pooled connection: a 304 never needs the ORM session.
    with db.engine.connect() as conn:
        jid = conn.execute(select(Jurisdiction.id).where(Jurisdiction.code == code)).scalar()
        if jid is None:
            abort(404)
        feed = of.public_feed(jid, code)
        quick = feed.quick_key(request.host, _lang(), conn)
    return serve(feed, quick)


@bp.route("/feeds/<token>.ics", methods=["GET"])
@limiter.shared_limit(_rate_limit, scope="feeds", deduct_when=_count)
@public
def personal_feed(token: str) -> Response:
    # The poll's two statements run on a pooled connection: a 304 never needs the ORM session.
    with db.engine.connect() as conn:
        owner = feed_tokens.owner_for(token, conn)
        if owner is None:
            # Unknown and revoked look the same: a 404 tells a guesser nothing.
            abort(404)
        feed = of.personal_feed(owner)
        quick = feed.quick_key(request.host, _lang(), conn)
    return serve(feed, quick)


# ------------------------------------------------------------------------------------------ pages


@bp.route("/feeds/subscribe", methods=["GET"])
@roles(*of.FEED_ROLES)
def subscribe_page() -> str:
    return render_template("feeds/subscribe.html", live=feed_tokens.live_token(current_user), token=None,
                           form=EmptyForm())


@bp.route("/feeds/subscribe", methods=["POST"])
@roles(*of.FEED_ROLES)
def issue_link() -> tuple[str, int]:
    # CSRFProtect has already checked the form's token before this view runs.
    token = feed_tokens.issue(current_user)
    return render_template("feeds/subscribe.html", live=feed_tokens.live_token(current_user), token=token,
                           form=EmptyForm()), 201
