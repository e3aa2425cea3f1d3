"""scale: quiet-day generation row and its triggers; indexes for province-scale data

Revision ID: 0007
Revises: 0004
Create Date: 2026-11-23

Every write to a table the quiet-day engine is built from bumps ``quietday_generation`` in the same
transaction, by a trigger: workers keep the engine across requests and rebuild it when the generation they
read differs from the one they built it for (operations/checks.py). A trigger rather than application code so
that no write path (ORM, Core, raw SQL, the CLI, psql, COPY) can forget it.
"""
import secrets

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0004'  # main's head when scale merged main (was '0001')
branch_labels = None
depends_on = None

# Keep in step with models.generation.ENGINE_TABLES (a test checks every one of them bumps).
ENGINE_TABLES = ("quiet_day_policies", "policy_exceptions", "policy_enterprises", "calendar_years",
                 "jurisdictions")

# A missing row (every table emptied, as the tests do) is re-created with a fresh random nonce, so a key
# cached before can never match again.
PG_FUNCTION = """
CREATE FUNCTION quietday_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO quietday_generation (id, generation, nonce)
    VALUES (1, 1, floor(random() * 9e15)::bigint)
    ON CONFLICT (id) DO UPDATE
        SET generation = quietday_generation.generation + 1, nonce = EXCLUDED.nonce;
    RETURN NULL;
END
$$
"""
SQLITE_BUMP = """
    INSERT INTO quietday_generation (id, generation, nonce)
    VALUES (1, 1, abs(random() % 9000000000000000))
    ON CONFLICT (id) DO UPDATE SET generation = generation + 1, nonce = excluded.nonce;
"""


def _triggers(dialect: str) -> list[str]:
    if dialect == "postgresql":
        # Statement-level: one bump per statement, so a COPY or a bulk insert of white lists costs one update.
        out = [PG_FUNCTION]
        for table in ENGINE_TABLES:
            out.append(f"CREATE TRIGGER quietday_gen_{table} AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                       f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION quietday_bump_generation()")
        out.append("CREATE TRIGGER quietday_gen_enterprises AFTER UPDATE OF uscc OR DELETE ON enterprises "
                   "FOR EACH STATEMENT EXECUTE FUNCTION quietday_bump_generation()")
        return out
    out = []
    for table in ENGINE_TABLES:
        for event in ("INSERT", "UPDATE", "DELETE"):
            out.append(f"CREATE TRIGGER quietday_gen_{table}_{event.lower()} AFTER {event} ON {table} "
                       f"BEGIN {SQLITE_BUMP} END")
    for event in ("UPDATE OF uscc", "DELETE"):
        name = event.split()[0].lower()
        out.append(f"CREATE TRIGGER quietday_gen_enterprises_{name} AFTER {event} ON enterprises "
                   f"BEGIN {SQLITE_BUMP} END")
    return out


def _trigger_names(dialect: str) -> list[tuple[str, str]]:
    if dialect == "postgresql":
        return [(f"quietday_gen_{t}", t) for t in (*ENGINE_TABLES, "enterprises")]
    names = [(f"quietday_gen_{t}_{e}", t) for t in ENGINE_TABLES for e in ("insert", "update", "delete")]
    return [*names, ("quietday_gen_enterprises_update", "enterprises"),
            ("quietday_gen_enterprises_delete", "enterprises")]


def upgrade():
    op.create_table('quietday_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.Column('nonce', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_quietday_generation_single_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quietday_generation'))
    )
    op.execute(sa.text("INSERT INTO quietday_generation (id, generation, nonce) VALUES (1, 1, :nonce)")
               .bindparams(nonce=secrets.randbits(52)))
    dialect = op.get_bind().dialect.name
    for statement in _triggers(dialect):
        op.execute(statement)
    # Province scale (1,000,000 inspections): an agency's list and caps by date, and the admin's whole list
    # newest first, are read through an index in list order instead of sorting every row.
    # Plain CREATE INDEX, not batch mode: a batch on SQLite may rebuild the table and drop its triggers.
    op.create_index('ix_inspections_department_date', 'inspections', ['department_id', 'date', 'id'])
    op.create_index('ix_inspections_date_id', 'inspections', ['date', 'id'])
    # Deleting an enterprise (and the white lists that name it) looks the pairs up by enterprise.
    op.create_index('ix_policy_enterprises_enterprise_id', 'policy_enterprises', ['enterprise_id'])


def downgrade():
    op.drop_index('ix_policy_enterprises_enterprise_id', 'policy_enterprises')
    op.drop_index('ix_inspections_date_id', 'inspections')
    op.drop_index('ix_inspections_department_date', 'inspections')
    dialect = op.get_bind().dialect.name
    for name, table in _trigger_names(dialect):
        op.execute(f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if dialect == "postgresql" else ""))
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS quietday_bump_generation()")
    op.drop_table('quietday_generation')
