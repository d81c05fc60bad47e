"""A postman's usual shift (``users.shift``, ``HH:MM-HH:MM``): a post office's morning and afternoon postmen are
planned with their own hours every day, not the day's default, without the dispatcher setting them each morning.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("shift", sa.String(11), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("shift")
