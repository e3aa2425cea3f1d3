"""The schema comes only from migrations, and the models and the migrations agree."""

from __future__ import annotations

import os

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from extensions import db


def _migrations_dir(app) -> str:
    return os.path.join(app.root_path, "migrations")


def test_models_and_migrations_agree(app, ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata)
    assert diff == []


def test_upgrade_to_head_and_back_to_base(app, ctx):
    directory = _migrations_dir(app)
    downgrade(directory=directory, revision="base")
    remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    assert remaining == set()
    upgrade(directory=directory)
    tables = set(inspect(db.engine).get_table_names())
    assert {t.name for t in db.metadata.sorted_tables} <= tables
