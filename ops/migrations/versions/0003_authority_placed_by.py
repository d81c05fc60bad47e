"""Who placed a deciding unit on the map and when (``authorities.located_by``, ``located_at``): a unit the map
has no place for is placed by a dispatcher or the operator (``PUT /authorities/{code}/location``), and a seat
that moves the day's routes says whose word it is.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("authorities") as batch:
        batch.add_column(sa.Column("located_by", sa.String(200), nullable=True))
        batch.add_column(sa.Column("located_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authorities") as batch:
        batch.drop_column("located_at")
        batch.drop_column("located_by")
