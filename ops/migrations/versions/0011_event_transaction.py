"""The transaction that wrote each event (``dossier_events.tx``), for the portal's feed of changes
(:mod:`ops.changes`): on PostgreSQL the writing transaction's id (``pg_current_xact_id()``), so that the feed
serves an event only once every transaction that began writing before it has ended and never skips one that
commits late; on SQLite, where writers take turns, 0 (the events' ids are in the order they were committed).

Events written before this migration take the migration's own transaction id on PostgreSQL: all older than any
new one, in the order of their ids.

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

WRITER = {"postgresql": "(pg_current_xact_id()::text::bigint)", "sqlite": "0"}
"""The column's default on each backend: the id of the transaction writing the row."""


def upgrade() -> None:
    default = sa.text(WRITER[op.get_bind().dialect.name])
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("dossier_events") as batch:
        batch.add_column(sa.Column("tx", sa.BigInteger, nullable=False, server_default=default))
    op.create_index("ix_dossier_events_tx_id", "dossier_events", ["tx", "id"])


def downgrade() -> None:
    op.drop_index("ix_dossier_events_tx_id", table_name="dossier_events")
    with op.batch_alter_table("dossier_events") as batch:
        batch.drop_column("tx")
