"""Flask CLI commands: users, tokens, demo data (see API.md "CLI")."""

from __future__ import annotations

import click
from flask import Flask


def register(app: Flask) -> None:
    from blueprints.meetings.cli import register as register_meetings  # meetings

    register_meetings(app)  # meetings

    @app.cli.group()
    def users() -> None:
        """Manage users."""

    @users.command("create")
    @click.argument("email")
    @click.option("--role", required=True)
    @click.option("--password", required=True)
    @click.option("--name", default=None)
    @click.option("--department", "department_code", default=None)
    @click.option("--enterprise", "enterprise_uscc", default=None)
    @click.option("--head", is_flag=True, default=False, help="Inspector is the agency's head (approves).")
    def users_create(email, role, password, name, department_code, enterprise_uscc, head) -> None:
        """Create a user."""
        from operations.errors import DomainError
        from operations.reference import create_user

        data = {"email": email, "role": role, "password": password, "name": name or email.split("@")[0],
                "department_code": department_code, "enterprise_uscc": enterprise_uscc, "is_head": head}
        try:
            user = create_user(data)
        except DomainError as err:
            raise click.ClickException(f"{err.code}: {err.message}") from None
        click.echo(f"created user {user.id} {user.email} ({user.role})")

    @app.cli.group()
    def tokens() -> None:
        """Manage API tokens."""

    @tokens.command("create")
    @click.argument("email")
    @click.option("--name", default="cli")
    def tokens_create(email, name) -> None:
        """Issue an API token for EMAIL and print it once."""
        from sqlalchemy import func, select

        from extensions import db
        from models.user import User
        from operations.auth import issue_token

        user = db.session.scalar(select(User).where(func.lower(User.email) == email.lower()))
        if user is None:
            raise click.ClickException(f"no user {email}")
        click.echo(issue_token(user, name))

    @app.cli.command("import-enterprises")
    @click.argument("path", type=click.Path(exists=True, dir_okay=False))
    def import_enterprises(path) -> None:
        """Import the enterprise list (CSV or XLSX): all rows or, if any row is bad, none."""
        from pathlib import Path

        from operations.errors import DomainError
        from operations.importer import ImportRefused
        from operations.importer import import_enterprises as run_import

        file = Path(path)
        try:
            result = run_import(file.name, file.read_bytes())
        except ImportRefused as err:
            for e in err.result.errors:
                click.echo(f"row {e.row}, column {e.column}: {e.message}", err=True)
            raise click.ClickException(err.message) from None
        except DomainError as err:
            raise click.ClickException(f"{err.code}: {err.message}") from None
        click.echo(f"created {result.created}, updated {result.updated}, unchanged {result.unchanged}")

    @app.cli.command("demo")
    def demo() -> None:
        """Load the demo data set (idempotent) and print the demo logins."""
        from demo import run_demo

        for line in run_demo():
            click.echo(line)

    # scale
    @app.cli.command("bench-data")
    @click.option("--policies", default=2_000, show_default=True)
    @click.option("--enterprises", default=100_000, show_default=True)
    @click.option("--inspections", default=1_000_000, show_default=True)
    @click.option("--seed", default=11, show_default=True)
    def bench_data(policies: int, enterprises: int, inspections: int, seed: int) -> None:
        """Load the province-scale bench data set (bench/; PostgreSQL recommended). Refused if loaded."""
        from demo.bench_data import generate

        click.echo(f"loading {policies:,} policies, {enterprises:,} enterprises, {inspections:,} inspections")
        try:
            counts = generate(policies, enterprises, inspections, seed, echo=click.echo)
        except RuntimeError as err:
            raise click.ClickException(str(err)) from None
        click.echo("bench data loaded: " + ", ".join(f"{v:,} {k}" for k, v in counts.items()))

    # followups
    @app.cli.group()
    def followups() -> None:
        """Follow-up items: daily reminders and closing."""

    @followups.command("remind")
    def followups_remind() -> None:
        """Close unrated resolutions, then e-mail departments their yellow/red items and the secretariat a
        digest (when MAIL_SERVER is set). Run daily from cron; a second run the same day sends nothing new."""
        from operations.followup_reminders import remind

        result = remind()
        click.echo(f"closed unrated: {len(result.closed)}")
        if not result.smtp:
            click.echo("MAIL_SERVER is not set: no e-mail sent")
            return
        click.echo(f"sent: {len(result.sent)} {' '.join(result.sent)}".rstrip())
        click.echo(f"already sent today: {len(result.skipped)} {' '.join(result.skipped)}".rstrip())
