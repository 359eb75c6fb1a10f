"""publications record whether unadopted weights were acknowledged

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 20:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from migrations.append_only import protect, unprotect


revision: str = '0003'
down_revision: str | None = '0002'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Adding a column with a default needs no table rebuild on SQLite, so the append-only
    # triggers on publication stay in place.
    op.add_column(
        'publication',
        sa.Column(
            'acknowledged_unadopted_weights',
            sa.Boolean(),
            nullable=False,
            server_default=sa.false(),
        ),
    )


def downgrade() -> None:
    # Dropping a column rebuilds the table on SQLite, which drops its triggers: renew them.
    unprotect('publication')
    with op.batch_alter_table('publication', schema=None) as batch_op:
        batch_op.drop_column('acknowledged_unadopted_weights')
    protect('publication')
