"""Authentication: passwords, API tokens."""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from flask import current_app, g, has_app_context, has_request_context
from sqlalchemy import bindparam, delete, func, select, update
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from extensions import db
from models.base import utcnow
from models.department import Department
from models.user import ApiToken, User, UserSession, hash_token
from operations import audit
from operations.errors import NotFound
from operations.fastsql import Prepared

TOKEN_PREFIX = "zq_"  # noqa: S105 - a public marker, not a secret
DEFAULT_TOKEN_TTL_DAYS = 90


def authenticate(email: str, password: str) -> User | None:
    if not isinstance(email, str) or not isinstance(password, str):
        return None
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    if user is None or not user.active:
        # Hash anyway so a missing account takes as long as a wrong password.
        User(password_hash="").set_password(password)
        return None
    return user if user.check_password(password) else None


def token_ttl() -> timedelta:
    days = current_app.config.get("TOKEN_TTL_DAYS", DEFAULT_TOKEN_TTL_DAYS) if has_app_context() else None
    return timedelta(days=days or DEFAULT_TOKEN_TTL_DAYS)


def expiry(row: ApiToken) -> datetime:
    """When the token stops working (tokens issued before expiry existed count from their creation)."""
    return _expiry(row.expires_at, row.created_at)


def _expiry(expires_at: datetime | None, created_at: datetime) -> datetime:
    return expires_at or created_at + token_ttl()


def expires_at_json(row: ApiToken) -> str:
    return expiry(row).isoformat(timespec="seconds") + "Z"


def issue(user: User, name: str = "") -> tuple[str, ApiToken]:
    """Create an API token; returns it in plain text (only its hash is stored) and its row."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = utcnow()
    row = ApiToken(user=user, token_hash=hash_token(token), prefix=token[:10], name=name[:100], created_at=now,
                   expires_at=now + token_ttl())
    db.session.add(row)
    db.session.flush()
    audit.record("create", "api_token", row.id, after={"user": user.email, "name": row.name,
                                                       "expires_at": expires_at_json(row)}, actor=user)
    db.session.commit()
    return token, row


def issue_token(user: User, name: str = "") -> str:
    """Create an API token and return it in plain text; only its hash is stored."""
    return issue(user, name)[0]


# One query for the token, its user and the user's agency: every API request starts here. Read as plain columns
# on the tables (an ORM load of the user and its agency was a fifth of a check's time, issue 11); the ORM user
# that becomes current_user is a copy of one kept per worker, attached without a query when the columns just read
# are exactly the ones it was built from, so a change to the user or its agency (role, agency, deactivation,
# password) is seen at once. A view may have its own first query ride along (`Rider`): a check is then one
# statement in all (operations/checks.py).
_USER_MAPPER, _DEPT_MAPPER = sa_inspect(User), sa_inspect(Department)
_USER_ATTRS = [(attr.key, attr.columns[0]) for attr in _USER_MAPPER.column_attrs]
_DEPT_ATTRS = [(attr.key, attr.columns[0]) for attr in _DEPT_MAPPER.column_attrs]
_T = ApiToken.__table__.c
_TOKEN_COLUMNS = (*(c for _k, c in _USER_ATTRS), *(c for _k, c in _DEPT_ATTRS), _T.id, _T.token_hash,
                  _T.revoked_at, _T.last_used_at, _T.expires_at, _T.created_at)
_TOKEN_FROM = (ApiToken.__table__.join(User.__table__, _T.user_id == User.__table__.c.id)
               .outerjoin(Department.__table__, Department.__table__.c.id == User.__table__.c.department_id))
_TOKEN_WHERE = _T.token_hash == bindparam("token_hash")
_TOKEN = Prepared(select(*_TOKEN_COLUMNS).select_from(_TOKEN_FROM).where(_TOKEN_WHERE))
_N_USER, _N_DEPT, _N_TOKEN = len(_USER_ATTRS), len(_DEPT_ATTRS), len(_TOKEN_COLUMNS)
_ACTIVE = [k for k, _c in _USER_ATTRS].index("active")
_USER_CACHE = "zhengqi.api_users"
_USER_CACHE_MAX = 1024
_USER_KEYS = [k for k, _c in _USER_ATTRS if k != "password_hash"]
_DEPT_KEYS = [k for k, _c in _DEPT_ATTRS]


class TokenAgency(NamedTuple("_TokenAgency", [(k, Any) for k in _DEPT_KEYS])):  # type: ignore[misc]
    """A read-only copy of a token user's agency row (see `TokenUser`)."""


class TokenUser(NamedTuple("_TokenUser", [*((k, Any) for k in _USER_KEYS), ("department", Any)])):  # type: ignore[misc]
    """A read-only copy of a token's user row and agency, for views whose first query rides on the token
    (`Rider`): they read only the user's columns and agency, so no ORM object is built, attached to the session
    and closed with it (an eighth of a check's instructions, issue 11). Immutable, so one copy per worker serves
    every request while the columns read are the same. Flask-Login's user interface, as `User` has it."""

    __slots__ = ()
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return str(self.id)


def riding(columns: Sequence[Any], joins: Callable[[Any], Any],
           **by_dialect: tuple[Sequence[Any], Callable[[Any], Any]]) -> Prepared:
    """The token statement with a view's ``columns`` after its own, its FROM (tokens, users, their agencies)
    extended by ``joins`` (outer joins, so an unknown thing never hides the token). Built once, at import.
    ``by_dialect``: other (columns, joins) for one database, as `Prepared` takes them."""
    def build(cols: Sequence[Any], join: Callable[[Any], Any]) -> Any:
        return select(*_TOKEN_COLUMNS, *cols).select_from(join(_TOKEN_FROM)).where(_TOKEN_WHERE)

    return Prepared(build(columns, joins), **{name: build(*spec) for name, spec in by_dialect.items()})


class Rider:
    """A view's first query, read in the token's statement: one round trip fewer for a request that makes little
    else (a check, issue 11). ``row`` holds the view's columns once the token has been accepted, for ``user_id``;
    the view uses it only when asking exactly ``params`` for that user, and otherwise makes its own query.
    A riding view reads its user's columns and agency only: its user is a `TokenUser`."""

    __slots__ = ("params", "parsed", "prepared", "row", "user_id")

    def __init__(self, prepared: Prepared, params: dict[str, Any], parsed: Any = None) -> None:
        # ``parsed``: whatever the view may reuse of the work done to make ``params`` (its own business).
        self.prepared, self.params, self.parsed = prepared, params, parsed
        self.row: tuple | None = None
        self.user_id: int | None = None

    def row_for(self, user: User | TokenUser, params: Mapping[str, Any]) -> tuple | None:
        if self.row is None or self.user_id != user.id or self.params != params:
            return None
        return self.row


def take_rider() -> Rider | None:
    """This request's rider, once its token was accepted; taken once (``g`` outlives a request where a test keeps
    an application context). The view still asks `Rider.row_for` whether the row answers its question."""
    return g.pop("token_rider", None) if has_request_context() else None


def user_for_token(token: str, rider: Rider | None = None) -> User | TokenUser | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    token_hash_wanted = hash_token(token)
    if has_request_context():
        g.pop("token_rider", None)  # only this token's, never one left in g before
    if rider is None:
        found = _TOKEN.first_read({"token_hash": token_hash_wanted})
    else:
        found = rider.prepared.first_read({**rider.params, "token_hash": token_hash_wanted})
    if found is None:
        return None
    columns = tuple(found[:_N_USER + _N_DEPT])
    token_id, token_hash, revoked_at, last_used_at, expires_at, created_at = found[_N_USER + _N_DEPT:_N_TOKEN]
    if revoked_at is not None or not hmac.compare_digest(token_hash, token_hash_wanted) or not columns[_ACTIVE]:
        return None
    now = utcnow()
    if now >= _expiry(expires_at, created_at):
        # Told apart from a wrong token (401 token_expired), so a client knows to get a new one.
        if has_request_context():
            g.token_expired = True
        return None
    user: User | TokenUser = (_attached_user(token_hash, columns) if rider is None
                              else _token_user_copy(token_hash, columns))
    if rider is not None and has_request_context():
        rider.row, rider.user_id = tuple(found[_N_TOKEN:]), user.id
        g.token_rider = rider
    # Coarse (hourly) so the profile page can show a stale token without a write on every API call.
    if last_used_at is None or (now - last_used_at).total_seconds() > 3600:
        db.session.execute(update(ApiToken).where(ApiToken.id == token_id).values(last_used_at=now))
        db.session.commit()
    return user


def _kept(token_hash: str, columns: tuple) -> list:
    """This worker's copy of the token's user and agency values, rebuilt when the columns read differ:
    [columns, user values, agency values or None, TokenUser or None (made when first asked for)]."""
    cache: dict[str, list] = current_app.extensions.setdefault(_USER_CACHE, {}) if has_app_context() else {}
    kept = cache.get(token_hash)
    if kept is None or kept[0] != columns:
        user_values = {key: value for (key, _c), value in zip(_USER_ATTRS, columns[:_N_USER], strict=True)}
        dept_values = (None if columns[_N_USER] is None else
                       {key: value for (key, _c), value in zip(_DEPT_ATTRS, columns[_N_USER:], strict=True)})
        kept = [columns, user_values, dept_values, None]
        if len(cache) >= _USER_CACHE_MAX:
            cache.clear()
        cache[token_hash] = kept
    return kept


def _token_user_copy(token_hash: str, columns: tuple) -> TokenUser:
    kept = _kept(token_hash, columns)
    if kept[3] is None:
        agency = None if kept[2] is None else TokenAgency(**kept[2])
        kept[3] = TokenUser(**{k: kept[1][k] for k in _USER_KEYS}, department=agency)
    return kept[3]


def _attached_user(token_hash: str, columns: tuple) -> User:
    """The token's user as an ORM object in this session, built from the columns just read (no second query).

    Built the way the ORM builds a loaded row (values straight into the instance, then marked loaded), not
    with ``User(...)`` or ``session.merge``: those run attribute events and cascades, a tenth of a check.
    """
    session = db.session()
    present = session.identity_map.get(_USER_MAPPER.identity_key_from_primary_key((columns[0],)))
    if present is not None:  # already in this session (a CLI or test caller): its own object, changes and all
        return present  # type: ignore[return-value]
    kept = _kept(token_hash, columns)
    department = None
    if kept[2] is not None:
        department = (session.identity_map.get(_DEPT_MAPPER.identity_key_from_primary_key((kept[2]["id"],)))
                      or _as_loaded(_DEPT_MAPPER, kept[2]))
    user = _as_loaded(_USER_MAPPER, kept[1], department=department)
    session.add(user)  # persistent, no SQL; its agency comes along
    return user


def _as_loaded(mapper: Any, values: dict, **related: Any) -> Any:
    """An instance as a query would load it: column values and ``related`` objects, nothing pending."""
    obj = mapper.class_manager.new_instance()
    obj.__dict__.update(values)
    for key, value in related.items():
        set_committed_value(obj, key, value)
    make_transient_to_detached(obj)
    return obj


def _revoke(row: ApiToken) -> None:
    """Revoke once: the conditional UPDATE lets exactly one of parallel revocations write its audit row."""
    done = db.session.execute(
        update(ApiToken).where(ApiToken.id == row.id, ApiToken.revoked_at.is_(None)).values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if done.rowcount == 1:
        audit.record("revoke", "api_token", row.id, before={"revoked": False}, after={"revoked": True})
    db.session.commit()
    db.session.expire(row)


def revoke_token(user: User, token_id: int) -> ApiToken:
    row = db.session.get(ApiToken, token_id)
    if row is None or row.user_id != user.id:
        raise NotFound("token not found")
    if row.revoked_at is None:
        _revoke(row)
    return row


def revoke_token_value(token: str) -> None:
    row = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(token)))
    if row is not None and row.revoked_at is None:
        _revoke(row)


def revoke_all_tokens(user: User, reason: str) -> int:
    """Revoke every live token of ``user`` (a password reset, a deactivation): a token copied before must not
    outlive the change. One audit row says how many and why."""
    done = db.session.execute(
        update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow()).execution_options(synchronize_session=False)
    )
    if done.rowcount:
        audit.record("revoke_all", "api_token", user.id, after={"user": user.email, "count": done.rowcount,
                                                                "reason": reason})
    return done.rowcount


# --- browser sessions -------------------------------------------------------------------------------


def start_session(user: User) -> str:
    """Record a new browser session for ``user``; the returned id goes into the (signed) session cookie."""
    sid = secrets.token_urlsafe(32)
    # Ended sessions are only kept until the user's next login, so the table stays the size of live sessions.
    db.session.execute(
        delete(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_not(None))
        .execution_options(synchronize_session=False)
    )
    db.session.add(UserSession(user_id=user.id, sid_hash=hash_token(sid)))
    return sid


def session_is_live(user: User, sid: object) -> bool:
    if not isinstance(sid, str) or not sid:
        return False
    row = db.session.scalar(select(UserSession).where(UserSession.sid_hash == hash_token(sid)))
    return row is not None and row.user_id == user.id and row.ended_at is None


def end_session(sid: object) -> None:
    """End one browser session (logout): its cookie, even a copy, no longer signs anyone in."""
    if isinstance(sid, str) and sid:
        db.session.execute(
            update(UserSession).where(UserSession.sid_hash == hash_token(sid), UserSession.ended_at.is_(None))
            .values(ended_at=utcnow()).execution_options(synchronize_session=False)
        )


def end_all_sessions(user: User) -> int:
    """End every browser session of ``user`` ("log out everywhere", a password reset, a deactivation)."""
    done = db.session.execute(
        update(UserSession).where(UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow()).execution_options(synchronize_session=False)
    )
    return done.rowcount
