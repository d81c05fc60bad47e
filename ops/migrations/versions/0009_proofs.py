"""Proofs signed on the postman's phone (``proofs``): who signed for a result delivered or a dossier picked up at
home, the identity paper the postman checked (its type and last four characters only), or the officer who took a
handover over (no paper), and the signature, one row per dossier of the event.

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "proofs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_key", sa.String(200), nullable=False),
        sa.Column("dossier_code", sa.String(64), sa.ForeignKey("dossiers.code"), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("postman", sa.String(64), nullable=False),
        sa.Column("signer", sa.String(16), nullable=False),
        sa.Column("signer_name", sa.String(200), nullable=True),
        sa.Column("id_type", sa.String(16), nullable=True),
        sa.Column("id_last4", sa.String(4), nullable=True),
        sa.Column("signature", sa.JSON, nullable=False),
        sa.Column("off_m", sa.Integer, nullable=True),
        sa.UniqueConstraint("event_key", "dossier_code", name="uq_proofs_event"),
    )
    op.create_index("ix_proofs_dossier_code", "proofs", ["dossier_code"])


def downgrade() -> None:
    op.drop_index("ix_proofs_dossier_code", table_name="proofs")
    op.drop_table("proofs")
