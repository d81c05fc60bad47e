"""The notices a gateway took, found by when (``sent_notices.at``): the quarter's figures read them by it, and the
push reads, every look, the Zalo notices of the last day no receipt confirmed, to send again by SMS
(:func:`ops.notices.silent`): some hundred thousand notices a year in a province.

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_sent_notices_at", "sent_notices", ["at"])


def downgrade() -> None:
    op.drop_index("ix_sent_notices_at", "sent_notices")
