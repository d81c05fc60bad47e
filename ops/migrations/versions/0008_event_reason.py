"""Why a move happened, as a machine code (``dossier_events.reason``): a result that failed at the citizen's door
says why (``nobody_home``, ``refused``, ``address_not_found`` ...), so that the next day's tasks know whether to try
the door again or keep it at its agency for collection, and the citizen's page can say it (null for the moves that
need no reason).

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("dossier_events") as batch:
        batch.add_column(sa.Column("reason", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dossier_events") as batch:
        batch.drop_column("reason")
