"""`flask meetings ...`: the secretariat's meeting operations from the command line (the same operations as
the pages and the API): list what is coming, book from a JSON body, cancel with a reason."""

from __future__ import annotations

import json

import click
from flask import Flask
from sqlalchemy import func, select

from extensions import db
from models.base import utcnow
from models.user import User
from operations import bookings, meetings
from operations.errors import DomainError
from operations.meeting_fields import span_text


def _acting(email: str) -> User:
    user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
    if user is None:
        raise click.ClickException(f"no user {email}")
    return user


def register(app: Flask) -> None:
    @app.cli.group("meetings")
    def group() -> None:
        """Meetings and visits."""

    @group.command("upcoming")
    @click.option("--as", "email", required=True, help="Whose view (e-mail): the secretariat sees all.")
    @click.option("--limit", default=20, show_default=True)
    def upcoming(email: str, limit: int) -> None:
        """List the next meetings USER may see, in Asia/Shanghai time."""
        stmt = meetings.visible_statement(_acting(email), utcnow()).limit(limit)
        for m in db.session.scalars(stmt):
            number = f" 第{m.number}期" if m.number else ""
            click.echo(f"{m.id}\t{span_text(m.starts_at, m.ends_at)}\t{m.status}\t{m.title}{number}")

    @group.command("book")
    @click.option("--as", "email", required=True, help="The secretariat user booking (e-mail).")
    @click.argument("body")
    def book(email: str, body: str) -> None:
        """Book from a JSON body shaped like POST /api/v1/meetings."""
        try:
            data = json.loads(body)
        except ValueError:
            raise click.ClickException("the body must be a JSON object") from None
        if not isinstance(data, dict):
            raise click.ClickException("the body must be a JSON object")
        try:
            m = bookings.book(_acting(email), data)
        except DomainError as err:
            raise click.ClickException(f"{err.code}: {err.message}") from None
        click.echo(f"booked meeting {m.id} ({m.status}){f' 第{m.number}期' if m.number else ''}")

    @group.command("cancel")
    @click.option("--as", "email", required=True)
    @click.option("--reason", required=True)
    @click.argument("meeting_id", type=int)
    def cancel(email: str, reason: str, meeting_id: int) -> None:
        """Cancel MEETING_ID with a reason (kept, shown cancelled)."""
        try:
            bookings.cancel(_acting(email), meeting_id, {"reason": reason})
        except DomainError as err:
            raise click.ClickException(f"{err.code}: {err.message}") from None
        click.echo(f"cancelled meeting {meeting_id}")
