"""A postman's usual capacity (``users.capacity``, dossier units): one on a bicycle, or with a car, is planned with
what his vehicle carries every day, not the day's default, without the dispatcher setting it each morning.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("capacity", sa.Integer, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("capacity")
