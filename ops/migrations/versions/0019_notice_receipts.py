"""How each notice a gateway took went and whether it arrived (``sent_notices``, :mod:`ops.receipts`): the channel
(``sms``, ``zalo``), the provider's own id of the message, and its delivery receipt (``delivered`` or
``undelivered``, when, and the provider's words), so that the counter can say "reached the phone at 10:02".

Revision ID: 0019
Revises: 0018
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

COLUMNS = ("channel", "provider_id", "receipt", "receipt_at", "receipt_words")


def upgrade() -> None:
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("sent_notices") as batch:
        batch.add_column(sa.Column("channel", sa.String(16), nullable=True))
        batch.add_column(sa.Column("provider_id", sa.String(100), nullable=True))
        batch.add_column(sa.Column("receipt", sa.String(16), nullable=True))
        batch.add_column(sa.Column("receipt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("receipt_words", sa.String(300), nullable=True))
    op.create_index("ix_sent_notices_provider_id", "sent_notices", ["provider_id"])


def downgrade() -> None:
    op.drop_index("ix_sent_notices_provider_id", "sent_notices")
    with op.batch_alter_table("sent_notices") as batch:
        for column in reversed(COLUMNS):
            batch.drop_column(column)
