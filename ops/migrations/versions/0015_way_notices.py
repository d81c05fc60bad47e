"""Which applicants were told that the postman is on his way to their door (``way_notices``, :mod:`ops.notices`):
once a day each, at the time said.

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "way_notices",
        sa.Column("dossier_code", sa.String(64), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        sa.Column("expected", sa.String(5), nullable=False),
        sa.Column("ref", sa.String(100), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("way_notices")
