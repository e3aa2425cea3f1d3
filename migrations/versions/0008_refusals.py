"""refusals (issue 9): refused inspection bookings, counted per jurisdiction on the dashboard.

Revision ID: 0008
Revises: 0003
Create Date: 2026-11-23

"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'inspection_refusals',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('jurisdiction_id', sa.Integer(), nullable=False),
        sa.Column('department_id', sa.Integer(), nullable=False),
        sa.Column('enterprise_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(['department_id'], ['departments.id'],
                                name=op.f('fk_inspection_refusals_department_id_departments')),
        sa.ForeignKeyConstraint(['enterprise_id'], ['enterprises.id'],
                                name=op.f('fk_inspection_refusals_enterprise_id_enterprises')),
        sa.ForeignKeyConstraint(['jurisdiction_id'], ['jurisdictions.id'],
                                name=op.f('fk_inspection_refusals_jurisdiction_id_jurisdictions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_inspection_refusals')),
    )
    op.create_index('ix_inspection_refusals_jurisdiction_date', 'inspection_refusals',
                    ['jurisdiction_id', 'date'], unique=False)


def downgrade():
    op.drop_index('ix_inspection_refusals_jurisdiction_date', table_name='inspection_refusals')
    op.drop_table('inspection_refusals')
