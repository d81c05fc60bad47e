"""A deciding unit's own office hours (``authorities.hours``, OSM ``opening_hours`` syntax): a committee whose
one-stop counter also receives on Saturday mornings, or a body with other hours, is planned in its hours rather
than the public administration's usual ones (null keeps those).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("authorities") as batch:
        batch.add_column(sa.Column("hours", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("authorities") as batch:
        batch.drop_column("hours")
