"""Zhengqi application factory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask, abort, current_app, g, jsonify, render_template, request, session
from flask.json.provider import DefaultJSONProvider
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from werkzeug import routing
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import access
from config import INSTANCE_DIR, Config
from extensions import babel, csrf, db, limiter, login_manager, migrate
from i18n import compile_catalogs
from operations.errors import DomainError

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


class IntegerConverter(routing.IntegerConverter):
    """`<int:...>` that matches at most 9 digits, so every id fits a 32-bit column: a longer number is simply not
    found (404) instead of overflowing the database driver. Limited in the regex, not with `max=`, because a
    failed conversion makes werkzeug answer 405 for the other methods of the URL. (Same class name as werkzeug's,
    so tools that look at the converter's name still see an integer.)"""

    regex = r"\d{1,9}"


class JSONProvider(DefaultJSONProvider):
    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # Deeply nested input is malformed JSON for our purposes; ValueError makes get_json() say so.
            raise ValueError("JSON nested too deeply") from None


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = IntegerConverter
    app.config.from_object(Config())
    if test_config:
        app.config.update(test_config)
    INSTANCE_DIR.mkdir(exist_ok=True)
    compile_catalogs()
    if app.config.get("BEHIND_PROXY"):
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_hooks(app)
    register_commands(app)
    return app


def select_locale() -> str:
    if request and request.args.get("lang") in ("zh_CN", "en"):
        return request.args["lang"]
    chosen = session.get("lang") if request else None
    if chosen in ("zh_CN", "en"):
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in ("zh_CN", "en"):
        return current_user.locale
    return "zh_CN"


def register_extensions(app: Flask) -> None:
    import models  # noqa: F401  (registers the tables with the metadata)
    from operations import concurrency

    concurrency.install()

    db.init_app(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    limiter.init_app(app)
    limiter.request_filter(_only_limited_views)  # scale
    login_manager.init_app(app)
    from blueprints.auth.session import init_login

    init_login(login_manager)


# scale
def _only_limited_views() -> bool:
    """True (skip Flask-Limiter) for a view that declares no limit while no default or application limit is set.

    Only the logins declare limits (@limiter.limit wraps them and marks the wrapper), yet the limiter resolves
    limits for every request: nearly half of /healthz's time in the app (issue 11). With a default limit
    configured, every request is checked again.
    """
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits:
        return False
    view = current_app.view_functions.get(request.endpoint or "")
    return view is not None and getattr(view, "__wrapper-limiter-instance", None) is None


def register_blueprints(app: Flask) -> None:
    from blueprints import all_blueprints

    for bp, url_prefix, is_api in all_blueprints():
        app.register_blueprint(bp, url_prefix=url_prefix)
        if is_api:
            # The API authenticates only by bearer token and ignores the session cookie, so CSRF cannot reach it.
            csrf.exempt(bp)


def _error_json(code: str, message: str, status: int, details: dict | None = None):
    return jsonify({"error": {"code": code, "message": message, "details": details or {}}}), status


HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_field",
    429: "too_many_requests",
    500: "internal_error",
}


def register_errorhandlers(app: Flask) -> None:
    def messages() -> dict[int, str]:
        return {
            400: _("The request could not be understood."),
            401: _("Authentication required."),
            403: _("You do not have permission to do this."),
            404: _("The page or record was not found."),
            405: _("This method is not allowed here."),
            413: _("The upload is too large."),
            429: _("Too many attempts. Please wait a minute and try again."),
            500: _("Something went wrong on our side. It has been logged."),
        }

    @app.errorhandler(DomainError)
    def domain_error(err: DomainError):
        if access.is_api_request():
            return jsonify(err.to_json()), err.status
        return render_template("errors/error.html", status=err.status, message=err.message), err.status

    @app.errorhandler(CSRFError)
    def csrf_error(err: CSRFError):
        message = _("The form expired or was not sent from this site. Please reload the page and try again.")
        if access.is_api_request():
            return _error_json("csrf_failed", message, 400)
        return render_template("errors/error.html", status=400, message=message), 400

    @app.errorhandler(HTTPException)
    def http_error(err: HTTPException):
        status = err.code or 500
        message = messages().get(status, err.description or "")
        if access.is_api_request():
            resp, code = _error_json(HTTP_CODES.get(status, "http_error"), message, status)
            if status == 401:
                resp.headers["WWW-Authenticate"] = 'Bearer realm="zhengqi"'
        else:
            resp, code = render_template("errors/error.html", status=status, message=message), status
        resp = app.make_response((resp, code))
        allow = dict(err.get_headers()).get("Allow")
        if allow:
            resp.headers["Allow"] = allow  # RFC 9110: a 405 must say which methods are allowed
        return resp

    @app.errorhandler(Exception)
    def unhandled(err: Exception):
        app.logger.exception("unhandled error")
        db.session.rollback()
        message = messages()[500]
        if access.is_api_request():
            return _error_json("internal_error", message, 500)
        return render_template("errors/error.html", status=500, message=message), 500


def reject_nul() -> None:
    """No URL of ours has NUL in its path or query, and passed on to PostgreSQL it fails the query (a 500), so
    such a request is refused up front for every view."""
    args = request.args
    if "\x00" in request.path or any("\x00" in k or any("\x00" in v for v in args.getlist(k)) for k in args):
        abort(400)


def register_hooks(app: Flask) -> None:
    app.before_request(reject_nul)
    app.before_request(access.enforce)

    @app.after_request
    def security_headers(resp):
        resp.headers.setdefault("Content-Security-Policy", CSP)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            resp.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return resp

    @app.context_processor
    def inject() -> dict[str, Any]:
        from blueprints.nav import navigation

        return {"navigation": navigation, "current_locale": select_locale(), "g": g}

    from blueprints.labels import jinja_globals

    app.jinja_env.globals.update(jinja_globals())


def register_commands(app: Flask) -> None:
    from cli import register

    register(app)
