"""Zhengqi application factory."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from flask import Flask, abort, current_app, g, jsonify, render_template, request, session
from flask.globals import request_ctx
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSessionInterface
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_limiter import Limiter
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from itsdangerous import URLSafeTimedSerializer
from werkzeug import routing
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

import access
from blueprints.auth.session import load_api_user
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
    # UTF-8 as it is (Chinese titles were six bytes of \uXXXX per character) and keys in the order the code
    # builds them (sorting every object of a check naming a hundred policies was a tenth of its time, issue 11).
    ensure_ascii = False
    sort_keys = False
    # Answers are encoded by orjson: a check naming 88 policies took 65 µs with the json module and 3 µs with it
    # (issue 11). What it would encode differently goes to Flask's own default as before: dates (Flask's HTTP date
    # format), dataclasses; integer keys become strings as with json.
    _ORJSON_OPTIONS = orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS

    def response(self, *args: Any, **kwargs: Any) -> Response:
        if (self.compact is None and self._app.debug) or self.compact is False:
            return super().response(*args, **kwargs)  # indented for reading: the json module
        obj = self._prepare_response_obj(args, kwargs)
        try:
            body = orjson.dumps(obj, default=self.default, option=self._ORJSON_OPTIONS)
        except TypeError:
            # Beyond orjson (an integer over 64 bits) or not JSON at all: the json module answers or raises.
            return super().response(*args, **kwargs)
        return self._app.response_class(body + b"\n", mimetype=self.mimetype)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            # Deeply nested input is malformed JSON for our purposes; ValueError makes get_json() say so.
            raise ValueError("JSON nested too deeply") from None


class Zhengqi(Flask):
    def ensure_sync(self, func: Callable) -> Callable:
        # Flask asks inspect whether each hook is a coroutine function on every request, ten times per request
        # here; the answer never changes for a function, so it is remembered (issue 11).
        cache: dict[Callable, Callable] = self.__dict__.setdefault("_sync_functions", {})
        try:
            return cache[func]
        except KeyError:
            pass
        except TypeError:  # an unhashable callable: ask every time
            return super().ensure_sync(func)
        sync = cache[func] = super().ensure_sync(func)
        return sync


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    app = Zhengqi(__name__, instance_path=str(INSTANCE_DIR), instance_relative_config=True)
    app.json = JSONProvider(app)
    app.url_map.converters["int"] = IntegerConverter
    app.config.from_object(Config())
    if test_config:
        app.config.update(test_config)
    INSTANCE_DIR.mkdir(exist_ok=True)
    compile_catalogs()
    hops = int(app.config.get("TRUSTED_PROXIES") or 0)
    if hops > 0:
        # Trust exactly the configured proxies: X-Forwarded-For gets one entry per hop, so the client address
        # is the one the outermost trusted proxy saw; nginx overwrites -Proto/-Host (README "Production").
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=1, x_host=1)  # type: ignore[method-assign]
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
    from operations import concurrency, connections

    concurrency.install()

    db.init_app(app)
    with app.app_context():
        for engine in db.engines.values():
            connections.install(engine)
    migrate.init_app(app, db, directory=str(app.root_path + "/migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=lambda: app.config["TIMEZONE"])
    limiter.init_app(app)
    _limit_only_in_decorators(app)  # scale
    app.session_interface = SessionInterface()
    login_manager.init_app(app)
    from blueprints.auth.session import init_login

    init_login(login_manager)


# scale
def _limit_only_in_decorators(app: Flask) -> None:
    """Run Flask-Limiter's per-request hooks only where a limit can apply.

    The logins and feeds declare their limits with @limiter.limit/shared_limit, whose wrapper checks them when
    the view runs; the before-request hook only applies default and application-wide limits, and the
    after-request and teardown hooks only report or reset what a checked limit left in the request. Resolving
    on every request that there was nothing to do was a tenth of /healthz's time in the app (issue 11).
    Configure RATELIMIT_DEFAULT or RATELIMIT_APPLICATION and every request is checked again. (No
    blueprint-wide limits are used.)
    """
    before = app.before_request_funcs.setdefault(None, [])
    for i, hook in enumerate(before):
        if getattr(hook, "__func__", None) is Limiter._check_request_limit:
            before[i] = functools.partial(_limit_if_configured, hook)
    after = app.after_request_funcs.setdefault(None, [])
    for i, hook in enumerate(after):
        if getattr(hook, "func", None) is getattr(Limiter, "_Limiter__inject_headers", None):
            after[i] = functools.partial(_only_if_limited, hook)
    teardown = app.teardown_request_funcs.setdefault(None, [])
    for i, hook in enumerate(teardown):
        if getattr(hook, "__func__", None) is getattr(Limiter, "_Limiter__release_context", None):
            teardown[i] = functools.partial(_only_if_limited, hook)


def _limit_if_configured(check: Callable[[], None]) -> None:
    manager = limiter.limit_manager
    if manager.default_limits or manager.application_limits:
        check()


def _only_if_limited(hook: Callable[[Any], Any], arg: Any) -> Any:
    # Flask-Limiter keeps its per-request state on the request context, created by the first limit checked.
    if hasattr(request_ctx._get_current_object(), "_limiter_request_context"):  # type: ignore[attr-defined]
        return hook(arg)
    return arg


class SessionInterface(SecureCookieSessionInterface):
    """Flask's signed-cookie session, with the signing serializer built once per key instead of per request;
    an API call with a bearer token starts from an empty session instead of decoding the cookie (issue 11)."""

    def open_session(self, app: Flask, request: Any) -> Any:
        if bearer_api_request(request):
            return self.session_class()
        return super().open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Any) -> None:
        # Never a cookie on a bearer call: its throwaway session must not replace a browser's own.
        if bearer_api_request(request):
            return
        super().save_session(app, session, response)

    def get_signing_serializer(self, app: Flask) -> URLSafeTimedSerializer | None:
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        cached = app.extensions.get("zhengqi.session_serializer")
        if cached is None or cached[0] != key:
            cached = (key, super().get_signing_serializer(app))
            app.extensions["zhengqi.session_serializer"] = cached
        return cached[1]


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
            code_name = HTTP_CODES.get(status, "http_error")
            if status == 401 and g.get("token_expired"):
                # hardening: an expired token is told apart from a wrong one, so a client knows to get a new one.
                code_name, message = "token_expired", _("The API token has expired; create a new one.")
            resp, code = _error_json(code_name, message, status)
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
    such a request is refused up front for every view.

    Read from the raw WSGI strings, without parsing the query (issue 11: every request pays for this): the path
    arrives decoded, and the query string decodes to a NUL exactly where it holds ``%00`` (a ``%`` followed by two
    hex digits is always an escape) or a raw NUL."""
    environ = request.environ
    query = environ.get("QUERY_STRING", "")
    if "\x00" in environ.get("PATH_INFO", "") or "%00" in query or "\x00" in query:
        abort(400)


UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def before_request() -> object:
    """The app's own checks, in one hook: malformed input, CSRF on forms, then who may use the view."""
    reject_nul()
    # Flask-WTF's default hook (WTF_CSRF_CHECK_DEFAULT, off in Config) looked up exemptions on every request
    # before looking at the method; forms are only posted (issue 11).
    if request.method in UNSAFE_METHODS and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect(apply_exemptions=True)
    if bearer_api_request(request):
        load_api_user(login_manager)
    return access.enforce()


def bearer_api_request(req: Any) -> bool:
    """An API call with a bearer token: authenticated by the token alone (the API never trusts the session
    cookie, so it cannot be reached across sites)."""
    # Asked by the session interface twice and the hook once per request: answered once.
    known = req.environ.get("zhengqi.bearer")
    if known is None:
        known = req.environ["zhengqi.bearer"] = (
            req.path.startswith("/api/") and req.headers.get("Authorization", "")[:7].lower() == "bearer ")
    return known


def register_hooks(app: Flask) -> None:
    app.before_request(before_request)

    defaults = [("Content-Security-Policy", CSP), ("X-Content-Type-Options", "nosniff"),
                ("X-Frame-Options", "DENY"), ("Referrer-Policy", "same-origin")]
    if app.config.get("SESSION_COOKIE_SECURE"):
        defaults.append(("Strict-Transport-Security", "max-age=31536000"))
    security_defaults = [(name.lower(), name, value) for name, value in defaults]

    @app.after_request
    def security_headers(resp):
        # Each header unless the view set its own; one pass over the few headers a response has, instead of a
        # lookup per header (issue 11: every request pays for this).
        headers = resp.headers
        present = {name.lower() for name, _value in headers}
        for lower, name, value in security_defaults:
            if lower not in present:
                headers.add(name, value)
        # hardening: nothing shown to a signed-in user (page or API) may stay in a browser or proxy cache, where
        # the next person at a shared computer would find it.
        # Only a request that looked at its user can have made its answer for that user; asking here would load
        # the user (session or token) for /healthz and every public page (issue 11). Flask-Login keeps the
        # loaded user in g._login_user.
        user = g.get("_login_user")
        if request.endpoint != "static" and user is not None and user.is_authenticated:
            headers["Cache-Control"] = "no-store"
            if "expires" in present:  # Headers.pop of a missing name raises (and builds) an HTTP error first
                headers.remove("Expires")
        return resp

    @app.context_processor
    def inject() -> dict[str, Any]:
        from blueprints.nav import navigation

        return {"navigation": navigation, "current_locale": select_locale(), "g": g}

    from blueprints.labels import jinja_globals

    app.jinja_env.globals.update(jinja_globals())
    # hardening
    from operations.inspections import shows_grounds

    app.jinja_env.globals["shows_grounds"] = shows_grounds


def register_commands(app: Flask) -> None:
    from cli import register

    register(app)
