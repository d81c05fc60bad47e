"""Where each receiver of the pushed feed of changes stands (``feed_pushes``, :mod:`ops.push`): the cursor of the
last change it took, kept in the store so that a push started again goes on from there.

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "feed_pushes",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("cursor", sa.String(41), nullable=False),
        sa.Column("pushed", sa.BigInteger, nullable=False),
        sa.Column("pushed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("failure", sa.String(500), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("feed_pushes")
