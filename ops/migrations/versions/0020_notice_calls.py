"""The counter's phone calls to an applicant his notice did not reach (``notice_calls``, :mod:`ops.notices`): at
which move of the dossier, whether he was reached and now knows, who called and when.

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_calls",
        sa.Column("dossier_code", sa.String(64), primary_key=True),
        sa.Column("seq", sa.Integer, primary_key=True),
        sa.Column("reached", sa.Boolean, nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_calls")
