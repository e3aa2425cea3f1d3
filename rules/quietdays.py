"""The quiet-day (宁静日) engine: which days are protected for an enterprise, which inspections may be booked.

Implements SPEC §3.5 exactly. Inputs are plain frozen dataclasses built by the app from the database; nothing
here touches Flask or SQLAlchemy.

Design: every question (one check, an enterprise's days, bulk campaign planning, calendars) goes through the
same day-mask code, so the answers cannot disagree.

* A policy's protected days are computed once per calendar year as an int bitmap (bit ``i`` = January 1st +
  ``i`` days): status, validity, rule, ``lift`` and ``add`` exceptions. A query window is cut out of the year
  bitmaps with shifts.
* Coverage depends only on the enterprise's jurisdiction chain, ownership, size and explicit-list
  memberships, so enterprises sharing those share one set of masks (bulk planning computes each group once).
* Classification (advisory / blocking / exempt) depends only on policy, agency and kind.
* Caps depend on the enterprise and the calendar year; a reached cap removes a whole year from the allowed
  mask.
"""

from __future__ import annotations

import calendar as _stdcal
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from rules.workdays import WorkdayCalendar, year_start_ordinal

__all__ = [
    "BINDS",
    "CAPPED_KINDS",
    "DEFAULT_BLOCKED_KINDS",
    "KINDS",
    "MAX_FIRST_WORKDAYS",
    "MAX_WINDOW_DAYS",
    "RULE_TYPES",
    "STATUSES",
    "Agency",
    "CapInfo",
    "CapState",
    "CheckResult",
    "DayResult",
    "Engine",
    "Enterprise",
    "Policy",
    "Rule",
    "RuleError",
    "mask_offsets",
    "mask_runs",
    "parse_rule",
    "rule_to_json",
]

KINDS = ("routine", "random", "complaint", "accident", "assigned", "case", "licensing", "requested")
CAPPED_KINDS = frozenset({"routine", "random"})
DEFAULT_BLOCKED_KINDS = frozenset({"routine", "random"})
RULE_TYPES = ("weekdays", "month_days", "first_workdays_open", "date_range")
STATUSES = ("draft", "active", "revoked")
BINDS = ("level", "level_and_below")
MAX_WINDOW_DAYS = 366
_CHECK_MEMO_SIZE = 20_000  # remembered check answers per engine (per generation, per worker)
_TYPES_TEXT = ", ".join(RULE_TYPES)
MAX_FIRST_WORKDAYS = 23  # no month has more than 23 working days, so a larger N would protect nothing

RuleType = Literal["weekdays", "month_days", "first_workdays_open", "date_range"]
Classification = Literal["advisory", "blocking", "exempt"]


# --------------------------------------------------------------------------------------------------- rules


class RuleError(ValueError):
    """An invalid rule; ``field`` is the API JSON key at fault (``type``, ``weekdays``, ``from``, ``to``…).

    ``message`` is English for logs and tests of this pure layer; ``reason`` (a stable code) and ``params`` let
    the app say the same in the user's language with the field's label (users never read ``message``).
    """

    def __init__(self, field: str, message: str, reason: str = "invalid", **params: Any) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message
        self.reason = reason
        self.params = params


def _is_int(value: object) -> bool:
    # bool is an int subclass; `true` in JSON must not pass as weekday 1.
    return isinstance(value, int) and not isinstance(value, bool)


@dataclass(frozen=True)
class Rule:
    """A policy rule. Only the fields of its ``type`` are set (so equal rules compare and hash equal)."""

    type: RuleType
    weekdays: frozenset[int] = frozenset()  # ISO weekdays, 1 = Monday
    day_from: int | None = None
    day_to: int | None = None
    count: int | None = None
    date_from: date | None = None
    date_to: date | None = None

    def __post_init__(self) -> None:
        if self.type not in RULE_TYPES:
            raise RuleError("type", f"unknown rule type {self.type!r}; expected one of {_TYPES_TEXT}",
                            "unknown_type", value=self.type)
        used = {
            "weekdays": ("weekdays",),
            "month_days": ("day_from", "day_to"),
            "first_workdays_open": ("count",),
            "date_range": ("date_from", "date_to"),
        }[self.type]
        for name in ("weekdays", "day_from", "day_to", "count", "date_from", "date_to"):
            if name not in used and getattr(self, name) not in (None, frozenset()):
                raise RuleError(name, f"not allowed for rule type {self.type}", "not_allowed", rule_type=self.type)
        if self.type == "weekdays":
            if not self.weekdays:
                raise RuleError("weekdays", "at least one weekday is required", "weekdays_empty")
            for day in self.weekdays:
                if not _is_int(day) or not 1 <= day <= 7:
                    raise RuleError("weekdays", f"weekday {day!r} is not an ISO weekday 1..7", "weekday_range",
                                    value=day)
        elif self.type == "month_days":
            for key, value in (("from", self.day_from), ("to", self.day_to)):
                if not _is_int(value) or not 1 <= value <= 31:  # type: ignore[operator]
                    raise RuleError(key, f"day of month {value!r} is not in 1..31", "day_range", value=value)
            if self.day_from > self.day_to:  # type: ignore[operator]
                raise RuleError("to", "'to' must not be before 'from'", "to_before_from")
        elif self.type == "first_workdays_open":
            if not _is_int(self.count) or not 1 <= self.count <= MAX_FIRST_WORKDAYS:  # type: ignore[operator]
                raise RuleError("count", f"count must be an integer in 1..{MAX_FIRST_WORKDAYS}", "count_range",
                                maximum=MAX_FIRST_WORKDAYS)
        else:
            for key, value in (("from", self.date_from), ("to", self.date_to)):
                if not isinstance(value, date) or isinstance(value, datetime):
                    raise RuleError(key, "a date is required", "required")
            if self.date_from > self.date_to:  # type: ignore[operator]
                raise RuleError("to", "'to' must not be before 'from'", "to_before_from")


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_RULE_KEYS = {
    "weekdays": {"type", "weekdays"},
    "month_days": {"type", "from", "to"},
    "first_workdays_open": {"type", "count"},
    "date_range": {"type", "from", "to"},
}


def _require(data: Mapping[str, Any], key: str) -> Any:
    if key not in data or data[key] is None:
        raise RuleError(key, "required", "required")
    return data[key]


def _parse_int(data: Mapping[str, Any], key: str) -> int:
    value = _require(data, key)
    if not _is_int(value):
        raise RuleError(key, "must be an integer", "not_int")
    return value


def _parse_date(data: Mapping[str, Any], key: str) -> date:
    value = _require(data, key)
    # date.fromisoformat in 3.11 also takes "20260301" and week dates; the API promises YYYY-MM-DD only.
    if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
        raise RuleError(key, "must be a date YYYY-MM-DD", "not_date")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise RuleError(key, f"{value!r} is not a valid date", "bad_date", value=value) from None
    # The same bounds as every other date field (operations.validate): the calendar covers 2000–2100.
    if not 2000 <= parsed.year <= 2100:
        raise RuleError(key, "must be between the years 2000 and 2100", "year_range")
    return parsed


def parse_rule(data: Mapping[str, Any]) -> Rule:
    """Build a rule from its API JSON; raises :class:`RuleError` naming the faulty field.

    ``{"type": "weekdays", "weekdays": [1, 2, 3]}`` · ``{"type": "month_days", "from": 1, "to": 25}`` ·
    ``{"type": "first_workdays_open", "count": 5}`` · ``{"type": "date_range", "from": "2026-03-01",
    "to": "2026-05-31"}``. Unknown keys are rejected so a mistyped key is not silently ignored.
    """
    if not isinstance(data, Mapping):
        raise RuleError("rule", "must be an object", "not_object")
    rtype = _require(data, "type")
    if not isinstance(rtype, str) or rtype not in RULE_TYPES:
        raise RuleError("type", f"unknown rule type {rtype!r}; expected one of {_TYPES_TEXT}", "unknown_type",
                        value=rtype)
    extra = sorted(str(k) for k in data if k not in _RULE_KEYS[rtype])
    if extra:
        raise RuleError(extra[0], f"not allowed for rule type {rtype}", "not_allowed", rule_type=rtype)
    if rtype == "weekdays":
        days = _require(data, "weekdays")
        if isinstance(days, (str, bytes, Mapping)) or not isinstance(days, Iterable):
            raise RuleError("weekdays", "must be a list of ISO weekdays 1..7", "weekdays_list")
        days = list(days)
        if not all(_is_int(d) for d in days):
            raise RuleError("weekdays", "weekdays must be integers 1..7", "weekdays_list")
        return Rule("weekdays", weekdays=frozenset(days))
    if rtype == "month_days":
        return Rule("month_days", day_from=_parse_int(data, "from"), day_to=_parse_int(data, "to"))
    if rtype == "first_workdays_open":
        return Rule("first_workdays_open", count=_parse_int(data, "count"))
    return Rule("date_range", date_from=_parse_date(data, "from"), date_to=_parse_date(data, "to"))


def rule_to_json(rule: Rule) -> dict[str, Any]:
    """The API JSON of a rule (inverse of :func:`parse_rule`)."""
    if rule.type == "weekdays":
        return {"type": "weekdays", "weekdays": sorted(rule.weekdays)}
    if rule.type == "month_days":
        return {"type": "month_days", "from": rule.day_from, "to": rule.day_to}
    if rule.type == "first_workdays_open":
        return {"type": "first_workdays_open", "count": rule.count}
    assert rule.date_from is not None and rule.date_to is not None
    return {"type": "date_range", "from": rule.date_from.isoformat(), "to": rule.date_to.isoformat()}


# --------------------------------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Policy:
    id: int
    title: str
    jurisdiction_code: str
    rule: Rule
    valid_from: date
    valid_until: date | None  # None = open-ended; otherwise inclusive
    status: str  # draft | active | revoked; only active policies protect
    ownership: frozenset[str] = frozenset()  # empty = all
    sizes: frozenset[str] = frozenset()  # empty = all
    # USCCs; non-empty = exactly these enterprises (白名单), ownership and sizes are then ignored
    enterprises: frozenset[str] = frozenset()
    blocked_kinds: frozenset[str] = DEFAULT_BLOCKED_KINDS
    binds: str = "level_and_below"  # level | level_and_below
    lifts: frozenset[date] = frozenset()
    adds: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        # A typo here would silently change who is protected, so refuse it.
        if self.status not in STATUSES:
            raise ValueError(f"policy {self.id}: unknown status {self.status!r}")
        if self.binds not in BINDS:
            raise ValueError(f"policy {self.id}: unknown binds {self.binds!r}")


@dataclass(frozen=True)
class Enterprise:
    uscc: str
    jurisdictions: tuple[str, ...]  # own jurisdiction first, then its ancestors up to the root
    ownership: str
    size: str | None = None


@dataclass(frozen=True)
class Agency:
    code: str
    jurisdictions: tuple[str, ...]  # own jurisdiction first, then its ancestors
    annual_cap: int | None = None


@dataclass(frozen=True)
class CapState:
    """Caps and counted bookings, built by the app per query. The default is "no caps, nothing booked"."""

    jurisdiction_caps: Mapping[str, int] = field(default_factory=dict)  # code -> annual cap, capped ones only
    used_by_agency: Mapping[tuple[str, str, int], int] = field(default_factory=dict)  # (uscc, agency, year)
    used_total: Mapping[tuple[str, int], int] = field(default_factory=dict)  # (uscc, year), all agencies


# --------------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class CapInfo:
    limit: int
    used: int
    scope: Literal["department", "jurisdiction"]
    code: str  # agency code or jurisdiction code

    @property
    def reached(self) -> bool:
        return self.used >= self.limit


@dataclass(frozen=True)
class CheckResult:
    uscc: str
    date: date
    kind: str
    agency_code: str
    protected: bool
    allowed: bool
    blocking: tuple[Policy, ...]
    advisory: tuple[Policy, ...]
    exempt: tuple[Policy, ...]
    requires_justification: bool
    requires_approval: bool
    cap: CapInfo | None
    cap_reached: bool
    next_allowed_date: date | None


@dataclass(frozen=True)
class DayResult:
    date: date
    protected: bool
    allowed: bool
    policy_ids: tuple[int, ...]  # the protecting policies, sorted
    # Weekends and holidays stay allowed by the rules (SPEC §3.5.4) but are shown as non-working days.
    workday: bool = True


# --------------------------------------------------------------------------------------------------- engine


def _range_bits(lo: int, hi: int) -> int:
    """Bits lo..hi inclusive (empty when hi < lo)."""
    if hi < lo:
        return 0
    return ((1 << (hi - lo + 1)) - 1) << lo


def _year_length(year: int) -> int:
    return 366 if _stdcal.isleap(year) else 365


_REPEAT_7 = sum(1 << (7 * k) for k in range(53))


def _binds(policy: Policy, agency: Agency) -> bool:
    if policy.binds == "level":
        return agency.jurisdictions[:1] == (policy.jurisdiction_code,)
    return policy.jurisdiction_code in agency.jurisdictions


def _classify(policy: Policy, agency: Agency, kind: str) -> Classification:
    if not _binds(policy, agency):
        return "advisory"
    return "blocking" if kind in policy.blocked_kinds else "exempt"


def classify(policy: Policy, agency: Agency, kind: str) -> Classification:
    """What one policy means for one agency and kind on the days it protects (pages colour days by it)."""
    return _classify(policy, agency, kind)


def _window(start: date, end: date, limit: int | None) -> int:
    if end < start:
        raise ValueError("end is before start")
    n = (end - start).days + 1
    if limit is not None and n > limit:
        raise ValueError(f"range of {n} days exceeds {limit} days")
    return n


def _set_bits(mask: int) -> list[int]:
    out = []
    while mask:
        low = mask & -mask
        out.append(low.bit_length() - 1)
        mask ^= low
    return out


def mask_offsets(mask: int) -> list[int]:
    """Offsets of the set bits of a day mask, ascending."""
    return _set_bits(mask)


def mask_runs(mask: int) -> list[tuple[int, int]]:
    """Runs of consecutive set bits of a day mask as inclusive ``(first, last)`` offsets, ascending.

    Bit arithmetic per run, not per day: a year with a few quiet weekdays is some fifty runs, not 300 days.
    """
    out = []
    while mask:
        first = (mask & -mask).bit_length() - 1
        shifted = mask >> first
        length = ((shifted + 1) & ~shifted).bit_length() - 1  # the trailing ones of ``shifted``
        out.append((first, first + length - 1))
        mask &= ~(((1 << length) - 1) << first)
    return out


class _Query:
    """Per-query state: window masks per policy and classification per policy for one agency and kind."""

    __slots__ = ("agency", "caps", "cls", "engine", "full", "kind", "n", "pmask", "start_ord")

    def __init__(self, engine: Engine, start: date, n: int, kind: str | None, agency: Agency | None,
                 caps: CapState | None) -> None:
        self.engine = engine
        self.start_ord = start.toordinal()
        self.n = n
        self.kind = kind
        self.agency = agency
        self.caps = caps
        self.pmask: dict[int, int] = {}
        self.cls: dict[int, Classification] = {}
        self.full = (1 << n) - 1

    def mask(self, policy: Policy) -> int:
        m = self.pmask.get(policy.id)
        if m is None:
            m = self.engine._window_mask(policy, self.start_ord, self.n)
            self.pmask[policy.id] = m
        return m

    def classify(self, policy: Policy) -> Classification:
        c = self.cls.get(policy.id)
        if c is None:
            assert self.agency is not None and self.kind is not None
            c = _classify(policy, self.agency, self.kind)
            self.cls[policy.id] = c
        return c

    def blocking_mask(self, policies: tuple[Policy, ...]) -> int:
        m = 0
        for p in policies:
            if self.classify(p) == "blocking":
                m |= self.mask(p)
        return m

    def years(self) -> list[tuple[int, int, int]]:
        """(year, first offset, last offset) of each calendar year the window touches."""
        out = []
        first = date.fromordinal(self.start_ord)
        last = date.fromordinal(self.start_ord + self.n - 1)
        for year in range(first.year, last.year + 1):
            origin = year_start_ordinal(year)
            lo = max(0, origin - self.start_ord)
            hi = min(self.n - 1, origin + _year_length(year) - 1 - self.start_ord)
            out.append((year, lo, hi))
        return out


class Engine:
    """Answers SPEC §3.5 checks for a fixed set of policies and a working-day calendar."""

    def __init__(self, policies: Iterable[Policy], calendar: WorkdayCalendar) -> None:
        self.calendar = calendar
        self._policies: dict[int, Policy] = {}
        self._by_jurisdiction: dict[str, list[Policy]] = {}  # active policies without an explicit list
        self._by_uscc: dict[str, list[Policy]] = {}  # active policies listing the enterprise
        for p in policies:
            if p.id in self._policies:
                raise ValueError(f"duplicate policy id {p.id}")
            self._policies[p.id] = p
            if p.status != "active":
                continue  # never protects: keep it out of every hot loop
            if p.enterprises:
                for uscc in p.enterprises:
                    self._by_uscc.setdefault(uscc, []).append(p)
            else:
                self._by_jurisdiction.setdefault(p.jurisdiction_code, []).append(p)
        self._year_masks: dict[tuple[int, int], int] = {}
        self._rule_masks: dict[tuple[Rule, int], int] = {}
        self._exceptions: dict[int, dict[int, tuple[int, int]]] = {}
        self._coverage: dict[tuple[tuple[str, ...], str, str | None], tuple[Policy, ...]] = {}
        self._checked: dict[tuple[Any, ...], tuple[int, tuple[Policy, ...], tuple[Policy, ...],
                                                   tuple[Policy, ...]]] = {}

    def policy(self, policy_id: int) -> Policy:
        return self._policies[policy_id]

    # ---- per-year masks

    def _rule_year_mask(self, rule: Rule, year: int) -> int:
        key = (rule, year)
        m = self._rule_masks.get(key)
        if m is not None:
            return m
        length = _year_length(year)
        full = (1 << length) - 1
        if rule.type == "weekdays":
            first = date(year, 1, 1).isoweekday()
            pattern = sum(1 << j for j in range(7) if (first - 1 + j) % 7 + 1 in rule.weekdays)
            m = (pattern * _REPEAT_7) & full
        elif rule.type == "month_days":
            assert rule.day_from is not None and rule.day_to is not None
            m = 0
            offset = 0
            for month in range(1, 13):
                month_len = _stdcal.monthrange(year, month)[1]
                # A `to` beyond the month's end means the month's end (SPEC §3.5).
                m |= _range_bits(offset + rule.day_from - 1, offset + min(rule.day_to, month_len) - 1)
                offset += month_len
        elif rule.type == "first_workdays_open":
            assert rule.count is not None
            m = full & ~self.calendar.first_workdays_bits(year, rule.count)
        else:
            assert rule.date_from is not None and rule.date_to is not None
            origin = year_start_ordinal(year)
            lo = max(rule.date_from.toordinal() - origin, 0)
            hi = min(rule.date_to.toordinal() - origin, length - 1)
            m = _range_bits(lo, hi)
        self._rule_masks[key] = m
        return m

    def _exception_masks(self, policy: Policy, year: int) -> tuple[int, int]:
        per_year = self._exceptions.get(policy.id)
        if per_year is None:
            built: dict[int, list[int]] = {}
            for kind_index, dates in ((0, policy.adds), (1, policy.lifts)):
                for d in dates:
                    masks = built.setdefault(d.year, [0, 0])
                    masks[kind_index] |= 1 << (d.toordinal() - year_start_ordinal(d.year))
            per_year = {y: (a, lf) for y, (a, lf) in built.items()}
            self._exceptions[policy.id] = per_year
        return per_year.get(year, (0, 0))

    def _policy_year_mask(self, policy: Policy, year: int) -> int:
        """Days of ``year`` that ``policy`` protects for the enterprises it covers."""
        key = (policy.id, year)
        m = self._year_masks.get(key)
        if m is not None:
            return m
        m = 0
        if policy.status == "active":
            origin = year_start_ordinal(year)
            lo = max(policy.valid_from.toordinal() - origin, 0)
            hi = _year_length(year) - 1
            if policy.valid_until is not None:
                hi = min(policy.valid_until.toordinal() - origin, hi)
            validity = _range_bits(lo, hi)
            if validity:
                adds, lifts = self._exception_masks(policy, year)
                # An add protects even where the rule does not; it still needs validity (hence the final &).
                m = validity & (adds | (self._rule_year_mask(policy.rule, year) & ~lifts))
        self._year_masks[key] = m
        return m

    def _workday_mask(self, start_ord: int, n: int) -> int:
        """Working days of the window (bit ``i`` = start + ``i`` days) per the working-day calendar."""
        first = date.fromordinal(start_ord).year
        last = date.fromordinal(start_ord + n - 1).year
        m = 0
        for year in range(first, last + 1):
            bits = self.calendar.year_bits(year)
            shift = year_start_ordinal(year) - start_ord
            m |= bits << shift if shift >= 0 else bits >> -shift
        return m & ((1 << n) - 1)

    def _window_mask(self, policy: Policy, start_ord: int, n: int) -> int:
        first = date.fromordinal(start_ord).year
        last = date.fromordinal(start_ord + n - 1).year
        m = 0
        for year in range(first, last + 1):
            ym = self._policy_year_mask(policy, year)
            if ym:
                shift = year_start_ordinal(year) - start_ord
                m |= ym << shift if shift >= 0 else ym >> -shift
        return m & ((1 << n) - 1)

    # ---- coverage

    def _covering(self, ent: Enterprise) -> tuple[Policy, ...]:
        """Active policies that cover ``ent`` (jurisdiction and coverage; not yet dates), sorted by id."""
        key = (ent.jurisdictions, ent.ownership, ent.size)
        general = self._coverage.get(key)
        if general is None:
            found = []
            for code in ent.jurisdictions:
                for p in self._by_jurisdiction.get(code, ()):
                    ownership_ok = not p.ownership or ent.ownership in p.ownership
                    if ownership_ok and (not p.sizes or ent.size in p.sizes):
                        found.append(p)
            general = tuple(sorted(found, key=lambda p: p.id))
            self._coverage[key] = general
        listed = self._by_uscc.get(ent.uscc)
        if listed:
            extra = [p for p in listed if p.jurisdiction_code in ent.jurisdictions]
            if extra:
                return tuple(sorted(general + tuple(extra), key=lambda p: p.id))
        return general

    def _group_key(self, ent: Enterprise) -> tuple[Any, ...]:
        listed = self._by_uscc.get(ent.uscc)
        ids = tuple(p.id for p in listed if p.jurisdiction_code in ent.jurisdictions) if listed else ()
        return (ent.jurisdictions, ent.ownership, ent.size, ids)

    # ---- caps

    @staticmethod
    def _check_kind(kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown inspection kind {kind!r}")

    def _cap_info(self, ent: Enterprise, year: int, kind: str, agency: Agency,
                  caps: CapState) -> CapInfo | None:
        """The tightest cap for this booking (least remaining; ties -> smallest limit), or None."""
        if kind not in CAPPED_KINDS:
            return None
        candidates: list[CapInfo] = []
        if agency.annual_cap is not None:
            used = caps.used_by_agency.get((ent.uscc, agency.code, year), 0)
            candidates.append(CapInfo(agency.annual_cap, used, "department", agency.code))
        total = caps.used_total.get((ent.uscc, year), 0)
        for code in ent.jurisdictions:
            limit = caps.jurisdiction_caps.get(code)
            if limit is not None:
                candidates.append(CapInfo(limit, total, "jurisdiction", code))
        if not candidates:
            return None
        # min() keeps the first of equal keys: department, then the enterprise's own jurisdiction upwards.
        return min(candidates, key=lambda c: (c.limit - c.used, c.limit))

    def _cap_blocked(self, q: _Query, ent: Enterprise, years: list[tuple[int, int, int]],
                     jlimits: dict[tuple[str, ...], int | None]) -> int:
        """Offsets of the window falling in a year where a cap is reached for ``ent``."""
        assert q.kind is not None and q.agency is not None and q.caps is not None
        if q.kind not in CAPPED_KINDS:
            return 0
        caps = q.caps
        agency_cap = q.agency.annual_cap
        # Every jurisdiction cap is compared with the same total, so only the smallest matters here.
        if ent.jurisdictions in jlimits:
            jlimit = jlimits[ent.jurisdictions]
        else:
            limits = [caps.jurisdiction_caps[c] for c in ent.jurisdictions if c in caps.jurisdiction_caps]
            jlimit = min(limits) if limits else None
            jlimits[ent.jurisdictions] = jlimit
        if agency_cap is None and jlimit is None:
            return 0
        blocked = 0
        for year, lo, hi in years:
            if (agency_cap is not None
                    and caps.used_by_agency.get((ent.uscc, q.agency.code, year), 0) >= agency_cap) or (
                    jlimit is not None and caps.used_total.get((ent.uscc, year), 0) >= jlimit):
                blocked |= _range_bits(lo, hi)
        return blocked

    # ---- public API

    def check(self, ent: Enterprise, d: date, kind: str, agency: Agency, caps: CapState) -> CheckResult:
        """SPEC §3.5 for one enterprise, date, kind and agency; ``next_allowed_date`` is the first allowed
        working day of the 366 days from ``d``."""
        self._check_kind(kind)
        q = _Query(self, d, MAX_WINDOW_DAYS, kind, agency, caps)
        # What the policies say depends only on the coverage group, the date, the kind and the agency: the engine
        # never changes, so it is remembered (a province enterprise is covered by a hundred policies, and
        # inspectors mostly ask about the same few days).
        key = (self._group_key(ent), q.start_ord, kind, agency.code, agency.jurisdictions)
        said = self._checked.get(key)
        if said is None:
            policies = self._covering(ent)
            found: dict[str, list[Policy]] = {"blocking": [], "advisory": [], "exempt": []}
            mask_of_blocking = 0
            for p in policies:
                m = q.mask(p)
                cls = q.classify(p)
                if cls == "blocking":
                    mask_of_blocking |= m
                if m & 1:
                    found[cls].append(p)
            said = (mask_of_blocking, tuple(found["blocking"]), tuple(found["advisory"]), tuple(found["exempt"]))
            if len(self._checked) >= _CHECK_MEMO_SIZE:
                self._checked.clear()
            self._checked[key] = said
        blocking_mask, blocking, advisory, exempt = said
        allowed_mask = q.full & ~blocking_mask & ~self._cap_blocked(q, ent, q.years(), {})
        allowed = bool(allowed_mask & 1)
        cap = self._cap_info(ent, d.year, kind, agency, caps)
        # Nobody plans an inspection for New Year's Day: the next date offered is a working day (SPEC §3.5.4).
        offered = allowed_mask & self._workday_mask(q.start_ord, q.n)
        if offered:
            next_allowed: date | None = d + timedelta(days=(offered & -offered).bit_length() - 1)
        else:
            next_allowed = None
        needs_justification = allowed and bool(exempt)
        return CheckResult(
            uscc=ent.uscc,
            date=d,
            kind=kind,
            agency_code=agency.code,
            protected=bool(blocking or advisory or exempt),
            allowed=allowed,
            blocking=blocking,
            advisory=advisory,
            exempt=exempt,
            requires_justification=needs_justification,
            requires_approval=needs_justification,
            cap=cap,
            cap_reached=cap is not None and cap.reached,
            next_allowed_date=next_allowed,
        )

    def days(self, ent: Enterprise, start: date, end: date, kind: str, agency: Agency,
             caps: CapState) -> list[DayResult]:
        """One entry per day of ``[start, end]`` (at most 366 days)."""
        self._check_kind(kind)
        n = _window(start, end, MAX_WINDOW_DAYS)
        q = _Query(self, start, n, kind, agency, caps)
        policies = self._covering(ent)
        masks = [(p.id, q.mask(p)) for p in policies]
        masks = [(pid, m) for pid, m in masks if m]
        allowed_mask = q.full & ~q.blocking_mask(policies) & ~self._cap_blocked(q, ent, q.years(), {})
        workdays = self._workday_mask(q.start_ord, n)
        # Walk each policy's protected days, not every (day, policy) pair: an enterprise of a province is
        # covered by dozens of policies. Policies come sorted by id, so each day's ids stay sorted.
        per_day: list[list[int]] = [[] for _ in range(n)]
        for pid, m in masks:
            for i in _set_bits(m):
                per_day[i].append(pid)
        return [DayResult(start + timedelta(days=i), bool(per_day[i]), bool((allowed_mask >> i) & 1),
                          tuple(per_day[i]), bool((workdays >> i) & 1)) for i in range(n)]

    def workdays(self, start: date, end: date) -> list[bool]:
        """Whether each day of ``[start, end]`` is a working day (calendars without an agency and kind)."""
        n = _window(start, end, None)
        m = self._workday_mask(start.toordinal(), n)
        return [bool((m >> i) & 1) for i in range(n)]

    def bulk_allowed_masks(self, ents: Sequence[Enterprise], start: date, end: date, kind: str, agency: Agency,
                           caps: CapState) -> dict[str, int]:
        """Allowed days of ``[start, end]`` (at most 366) per USCC as a bit mask (bit ``i`` = start + i days).

        Enterprises with the same answer get equal ints, so callers can encode each distinct answer once.
        """
        self._check_kind(kind)
        n = _window(start, end, MAX_WINDOW_DAYS)
        q = _Query(self, start, n, kind, agency, caps)
        years = q.years()
        groups: dict[tuple[Any, ...], int] = {}
        jlimits: dict[tuple[str, ...], int | None] = {}
        # Blocked days per (jurisdiction, ownership, size): a province has thousands of coverage groups but
        # each is the union of two or three of these, so each policy is looked at once per such key, not once
        # per group (the same union _covering() takes, split by jurisdiction).
        partial: dict[tuple[str, str, str | None], int] = {}
        out: dict[str, int] = {}
        for ent in ents:
            key = self._group_key(ent)
            base = groups.get(key)
            if base is None:
                blocked = 0
                for code in ent.jurisdictions:
                    pkey = (code, ent.ownership, ent.size)
                    m = partial.get(pkey)
                    if m is None:
                        m = q.blocking_mask(tuple(
                            p for p in self._by_jurisdiction.get(code, ())
                            if (not p.ownership or ent.ownership in p.ownership)
                            and (not p.sizes or ent.size in p.sizes)))
                        partial[pkey] = m
                    blocked |= m
                listed = self._by_uscc.get(ent.uscc)
                if listed:
                    blocked |= q.blocking_mask(tuple(p for p in listed if p.jurisdiction_code in ent.jurisdictions))
                base = q.full & ~blocked
                groups[key] = base
            blocked = self._cap_blocked(q, ent, years, jlimits)
            out[ent.uscc] = base & ~blocked if blocked & base else base
        return out

    def bulk_allowed(self, ents: Sequence[Enterprise], start: date, end: date, kind: str, agency: Agency,
                     caps: CapState) -> dict[str, list[date]]:
        """Allowed dates of ``[start, end]`` (at most 366 days) per USCC, for campaign planning."""
        masks = self.bulk_allowed_masks(ents, start, end, kind, agency, caps)
        dates = [start + timedelta(days=i) for i in range(_window(start, end, MAX_WINDOW_DAYS))]
        lists: dict[int, list[date]] = {}
        out: dict[str, list[date]] = {}
        for uscc, mask in masks.items():
            found = lists.get(mask)
            if found is None:
                found = lists[mask] = [dates[i] for i in _set_bits(mask)]
            out[uscc] = found.copy()  # callers may mutate; never share a list
        return out

    def protected_days(self, ent: Enterprise, start: date, end: date) -> dict[date, tuple[int, ...]]:
        """Protected dates of ``[start, end]`` -> ids of the protecting policies (any kind, any agency)."""
        n = _window(start, end, None)
        q = _Query(self, start, n, None, None, None)
        out: dict[date, list[int]] = {}
        for p in self._covering(ent):
            for i in _set_bits(q.mask(p)):
                out.setdefault(start + timedelta(days=i), []).append(p.id)
        return {d: tuple(sorted(ids)) for d, ids in sorted(out.items())}

    def policy_days(self, policy_id: int, start: date, end: date) -> list[date]:
        """Dates of ``[start, end]`` the policy protects for the enterprises it covers (public calendars)."""
        n = _window(start, end, None)
        m = self._window_mask(self._policies[policy_id], start.toordinal(), n)
        return [start + timedelta(days=i) for i in _set_bits(m)]
