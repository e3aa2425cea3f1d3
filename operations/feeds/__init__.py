"""Calendar feeds (SPEC §6): which sources a feed holds, by feed and by role.

Adding a kind of event (meetings, follow-ups) is one module here with a ``source(...)`` function and one line in
:func:`sources_for`. Rendering is pure (rules/feeds.py); the HTTP conditional logic lives in blueprints/feeds.
"""

from __future__ import annotations

from flask_babel import gettext as _

from extensions import db
from models.jurisdiction import Jurisdiction
from models.user import User
from operations.feeds import inspections, meetings, quietdays
from operations.feeds.core import (
    DAYS_AHEAD,
    DAYS_BACK,
    FEED_ROLES,
    Feed,
    Owner,
    RenderCache,
    Rendered,
    Source,
    Version,
    Window,
    rendered,
)
from rules import feeds as rf

__all__ = [
    "DAYS_AHEAD",
    "DAYS_BACK",
    "FEED_ROLES",
    "Feed",
    "Owner",
    "RenderCache",
    "Rendered",
    "Source",
    "Version",
    "Window",
    "personal_feed",
    "public_feed",
    "rendered",
    "sources_for",
]


def public_feed(jurisdiction_id: int, code: str) -> Feed:
    """A jurisdiction's public quiet-day feed. The row itself is only loaded to render."""

    def load() -> Jurisdiction:
        row = db.session.get(Jurisdiction, jurisdiction_id)
        assert row is not None
        return row

    def meta() -> rf.FeedMeta:
        name = load().name
        return rf.FeedMeta(
            name=_("Quiet days in %(name)s", name=name),
            description=_("The quiet days of the policies in force in %(name)s (its own and those above it).",
                          name=name),
        )

    return Feed(("public", jurisdiction_id), meta, [quietdays.public_source(load)], f"quiet-days-{code}.ics",
                private=False)


def sources_for(owner: Owner) -> list[Source]:
    """What a personal feed holds, by role (SPEC §6)."""
    if owner.role == "enterprise" and owner.enterprise_id is not None:
        return [quietdays.enterprise_source(owner), inspections.source("enterprise", owner),
                meetings.source("enterprise", owner)]
    if owner.role == "inspector" and owner.department_id is not None:
        return [inspections.source("department", owner)]
    if owner.role == "official":
        return [meetings.source("host", owner)]
    if owner.role == "secretariat":
        return [meetings.source("secretariat", owner)]
    if owner.role == "department" and owner.department_id is not None:
        return [meetings.source("department", owner)]
    return []


def personal_feed(owner: Owner) -> Feed:
    def meta() -> rf.FeedMeta:
        user = db.session.get(User, owner.user_id)
        assert user is not None
        if user.role == "enterprise" and user.enterprise is not None:
            name = _("%(name)s: quiet days and appointments", name=user.enterprise.short_name or user.enterprise.name)
        elif user.role in ("inspector", "department") and user.department is not None:
            name = _("%(name)s: calendar", name=user.department.name)
        else:
            name = _("%(name)s: calendar", name=user.name)
        return rf.FeedMeta(name=name, description=_("Zhengqi personal calendar. Keep this link secret."))

    # The owner's fields that choose the sources are part of the identity: a changed role or enterprise is a
    # different feed.
    identity = ("user", owner.user_id, owner.role, owner.enterprise_id, owner.department_id)
    return Feed(identity, meta, sources_for(owner), "zhengqi.ics")
