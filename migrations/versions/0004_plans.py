"""multi-year plans: a plan table, and reports and publications that name their plan

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 21:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.append_only import protect, unprotect


revision: str = '0004'
down_revision: str | None = '0003'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('plan',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('first_year', sa.Integer(), nullable=False),
    sa.Column('last_year', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=16), nullable=False),
    sa.Column('scenario_id', sa.Integer(), nullable=True),
    sa.Column('input_hash', sa.String(length=80), nullable=False),
    sa.Column('plan_hash', sa.String(length=80), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['scenario_id'], ['scenario.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('plan_hash')
    )
    protect('plan')
    # A nullable column with a reference is added in place on both backends (SQLite needs no
    # table rebuild for it), so the append-only triggers of both tables stay as they are.
    for table in ('allocation_report', 'publication'):
        if op.get_bind().dialect.name == 'sqlite':
            op.execute(f'ALTER TABLE {table} ADD COLUMN plan_id INTEGER REFERENCES plan (id)')
        else:
            op.add_column(
                table, sa.Column('plan_id', sa.Integer(), sa.ForeignKey('plan.id'), nullable=True)
            )
    op.create_index('ix_allocation_report_plan_id', 'allocation_report', ['plan_id'])


def downgrade() -> None:
    for table in ('publication', 'allocation_report'):
        unprotect(table)
    op.drop_index('ix_allocation_report_plan_id', 'allocation_report')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_column('plan_id')
    with op.batch_alter_table('allocation_report', schema=None) as batch_op:
        batch_op.drop_column('plan_id')
    for table in ('publication', 'allocation_report'):
        protect(table)
    unprotect('plan')
    op.drop_table('plan')
