"""Settings read from the environment; see README "Configuration"."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

BASE_DIR = Path(__file__).resolve().parent
INSTANCE_DIR = BASE_DIR / "instance"


def normalize_database_url(url: str) -> str:
    """Accept the URL forms hosting platforms hand out and pin PostgreSQL to psycopg 3."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class ConfigError(RuntimeError):
    """A setting the app cannot start with, named with what it accepts."""


def _number(env: os._Environ[str] | dict[str, str], name: str, default: float, *, whole: bool = True,
            low: float = 0, high: float | None = None) -> Any:
    """A numeric setting: a clear error naming the variable instead of Python's ``int()`` traceback."""
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = int(raw) if whole else float(raw)
    except ValueError:
        value = None
    if value is None or value != value or value < low or (high is not None and value > high):  # NaN too
        kind = "a whole number" if whole else "a number"
        bound = f"from {low:g} to {high:g}" if high is not None else f"of at least {low:g}"
        raise ConfigError(f"{name} must be {kind} {bound}; got {raw!r}")
    return value


def _development_secret_key() -> str:
    # A stable generated key keeps development sessions valid across restarts without a committed secret.
    INSTANCE_DIR.mkdir(exist_ok=True)
    path = INSTANCE_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(48))
        path.chmod(0o600)
    return path.read_text().strip()


class Config:
    def __init__(self) -> None:
        env = os.environ
        self.ZHENGQI_ENV = env.get("ZHENGQI_ENV", "development")
        production = self.ZHENGQI_ENV == "production"
        secret = env.get("SECRET_KEY")
        if not secret:
            if production:
                raise RuntimeError("SECRET_KEY must be set when ZHENGQI_ENV=production")
            secret = _development_secret_key()
        self.SECRET_KEY = secret
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(
            env.get("DATABASE_URL") or f"sqlite:///{INSTANCE_DIR / 'zhengqi.sqlite3'}"
        )
        self.TIMEZONE = env.get("TIMEZONE", "Asia/Shanghai")
        self.RATELIMIT_STORAGE_URI = env.get("RATELIMIT_STORAGE_URI", "memory://")
        self.RATELIMIT_HEADERS_ENABLED = True
        self.BABEL_DEFAULT_LOCALE = "zh_CN"
        self.BABEL_DEFAULT_TIMEZONE = self.TIMEZONE
        self.LANGUAGES = ["zh_CN", "en"]
        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        # Behind HTTPS (production) cookies must never travel in clear text.
        self.SESSION_COOKIE_SECURE = production or env.get("SESSION_COOKIE_SECURE") == "1"
        self.REMEMBER_COOKIE_SECURE = self.SESSION_COOKIE_SECURE
        self.PREFERRED_URL_SCHEME = "https" if production else "http"
        # hardening: how many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host (ProxyFix
        # hops). 0 (the default, production included) trusts none: a client's own X-Forwarded-For is ignored, so
        # rotating it cannot dodge the login limits. Behind one nginx set TRUSTED_PROXIES=1 (README
        # "Production"). BEHIND_PROXY=1 is the older spelling of one hop.
        self.TRUSTED_PROXIES = _number(env, "TRUSTED_PROXIES", 1 if env.get("BEHIND_PROXY") == "1" else 0)
        self.MAX_CONTENT_LENGTH = 10 * 1024 * 1024
        # A restarted PostgreSQL is noticed by pinging connections that sat idle in the pool longer than this
        # (operations/connections.py), not with a ping before every checkout: one more round trip on every
        # request (issue 11). A SQLite file cannot drop the connection.
        self.DB_PING_AFTER_IDLE_SECONDS = _number(env, "DB_PING_AFTER_IDLE_SECONDS", 10.0, whole=False)
        # /healthz remembers a successful database ping this long (a failure never): see blueprints/main.
        self.HEALTHZ_DB_TTL_SECONDS = _number(env, "HEALTHZ_DB_TTL_SECONDS", 1.0, whole=False)
        self.WTF_CSRF_TIME_LIMIT = None
        # Checked by app.before_request for the methods that change something (issue 11: the default hook did
        # its exemption lookups for every GET too).
        self.WTF_CSRF_CHECK_DEFAULT = False
        self.LOGIN_RATE_LIMIT = env.get("LOGIN_RATE_LIMIT", "5 per minute")
        # hardening
        # API tokens end after this many days; a new one is created on the profile page or POST /auth/token.
        self.TOKEN_TTL_DAYS = _number(env, "TOKEN_TTL_DAYS", 90, low=1)
        # Failed logins are limited per account and address (LOGIN_RATE_LIMIT), per address over all accounts
        # (generous: an office behind one NAT address shares it) and per account over all addresses (against
        # guessing from many addresses). See blueprints/auth/throttle.py.
        self.LOGIN_ADDRESS_RATE_LIMIT = env.get("LOGIN_ADDRESS_RATE_LIMIT", "30 per minute")
        self.LOGIN_ACCOUNT_RATE_LIMIT = env.get("LOGIN_ACCOUNT_RATE_LIMIT", "50 per hour")
        # meetings: e-mail for notices, only when MAIL_SERVER is set (the in-app notice is always written).
        self.MAIL_SERVER = env.get("MAIL_SERVER") or None
        self.MAIL_PORT = _number(env, "MAIL_PORT", 25, low=1, high=65535)
        self.MAIL_USE_TLS = env.get("MAIL_USE_TLS") == "1"
        self.MAIL_USERNAME = env.get("MAIL_USERNAME") or None
        self.MAIL_PASSWORD = env.get("MAIL_PASSWORD") or None
        self.MAIL_DEFAULT_SENDER = env.get("MAIL_DEFAULT_SENDER") or "zhengqi@localhost"
        # feeds: polling calendar clients per address; links are https unless an intranet serves plain http.
        self.FEED_RATE_LIMIT = env.get("FEED_RATE_LIMIT", "120 per minute")
        self.FEED_URL_SCHEME = env.get("FEED_URL_SCHEME", "https")
