"""the signed log: entries and signed tree heads; the chain head is derived from the log

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 09:00:00.000000

``log_entry`` holds every report and publication as the entry that was signed, with its leaf
hash; ``tree_head`` every signed tree head. Both are append-only, like the reports. The
single-row ``report_chain``, updated on every append, is dropped: the next report's id and
``prev_hash`` come from the last report, and appends are serialised by a transaction-level
advisory lock (PostgreSQL) or the write lock (SQLite), which a role with only SELECT and
INSERT may take. On PostgreSQL every log table also refuses TRUNCATE, which row triggers do not
cover.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.append_only import protect, unprotect


revision: str = '0005'
down_revision: str | None = '0004'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

LOG_TABLES = ('allocation_report', 'publication', 'plan', 'weight_set_event')
NEW_TABLES = ('log_entry', 'tree_head')


def _no_truncate(table: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(
            f'CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} '
            f'FOR EACH STATEMENT EXECUTE FUNCTION {table}_append_only()'
        )


def _allow_truncate(table: str) -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(f'DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}')


def upgrade() -> None:
    op.create_table('log_entry',
    sa.Column('leaf_index', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=True),
    sa.Column('publication_id', sa.Integer(), nullable=True),
    sa.Column('entry', sa.Text(), nullable=False),
    sa.Column('leaf_hash', sa.String(length=64), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint(
        "(kind = 'report' AND report_id IS NOT NULL AND publication_id IS NULL) OR "
        "(kind = 'publication' AND publication_id IS NOT NULL AND report_id IS NULL)",
        name='ck_log_entry_kind',
    ),
    sa.CheckConstraint('leaf_index >= 0', name='ck_log_entry_leaf_index'),
    sa.ForeignKeyConstraint(['publication_id'], ['publication.id'], ),
    sa.ForeignKeyConstraint(['report_id'], ['allocation_report.id'], ),
    sa.PrimaryKeyConstraint('leaf_index'),
    sa.UniqueConstraint('publication_id'),
    sa.UniqueConstraint('report_id')
    )
    op.create_table('tree_head',
    sa.Column('tree_size', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.Column('signed_at', sa.String(length=32), nullable=False),
    sa.Column('key_id', sa.String(length=40), nullable=False),
    sa.Column('signature', sa.String(length=100), nullable=False),
    sa.CheckConstraint('tree_size >= 1', name='ck_tree_head_size'),
    sa.PrimaryKeyConstraint('tree_size')
    )
    for table in NEW_TABLES:
        protect(table)
    for table in (*LOG_TABLES, *NEW_TABLES):
        _no_truncate(table)
    op.drop_table('report_chain')


def downgrade() -> None:
    op.create_table('report_chain',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('length', sa.Integer(), nullable=False),
    sa.Column('head_hash', sa.String(length=80), nullable=True),
    sa.CheckConstraint('id = 1', name='ck_report_chain_single_row'),
    sa.PrimaryKeyConstraint('id')
    )
    op.execute(
        "INSERT INTO report_chain (id, length, head_hash) SELECT 1, COUNT(*), "
        "(SELECT report_hash FROM allocation_report ORDER BY id DESC LIMIT 1) "
        "FROM allocation_report"
    )
    for table in (*LOG_TABLES, *NEW_TABLES):
        _allow_truncate(table)
    for table in NEW_TABLES:
        unprotect(table)
    op.drop_table('tree_head')
    op.drop_table('log_entry')
