"""qdcore (issue #6): the agency head rejects a pending inspection with a reason.

Revision ID: 0003
Revises: 0005
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
# After 0005 (main's head: meetings, scale, feeds, followups); the lead relinks the chain at merge.
down_revision = '0002'  # chained by the lead: 0001 → 0004 → 0007 → 0006 → 0005 → 0002 → 0003
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rejected_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('rejected_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rejection_reason', sa.Text(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_inspections_rejected_by_id_users'), 'users',
                                    ['rejected_by_id'], ['id'])


def downgrade():
    with op.batch_alter_table('inspections', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_inspections_rejected_by_id_users'), type_='foreignkey')
        batch_op.drop_column('rejection_reason')
        batch_op.drop_column('rejected_by_id')
        batch_op.drop_column('rejected_at')
