"""The notices an SMS provider will never deliver to their phone, passed over so that the others go on
(``refused_notices``, :mod:`ops.notices`).

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "refused_notices",
        sa.Column("receiver", sa.String(64), primary_key=True),
        sa.Column("ref", sa.String(100), primary_key=True),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("refused_notices")
