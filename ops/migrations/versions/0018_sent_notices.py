"""The notices each receiver took, by dossier (``sent_notices``, :mod:`ops.notices`): what the counter says when an
applicant asks whether he was sent one.

Revision ID: 0018
Revises: 0017
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sent_notices",
        sa.Column("receiver", sa.String(64), primary_key=True),
        sa.Column("ref", sa.String(100), primary_key=True),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_sent_notices_dossier_code", "sent_notices", ["dossier_code"])


def downgrade() -> None:
    op.drop_index("ix_sent_notices_dossier_code", "sent_notices")
    op.drop_table("sent_notices")
