"""The registry of the day's handover records (``handover_records``, :mod:`ops.records`): the numbers the system
issues for the postmen's visits to agencies and authorities, each once, with what it covers and its status.

Revision ID: 0013
Revises: 0012
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "handover_records",
        sa.Column("no", sa.String(32), primary_key=True),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("plan_id", sa.String(32), nullable=False),
        sa.Column("postman", sa.String(64), nullable=False),
        sa.Column("place", sa.String(64), nullable=False),
        sa.Column("handed", sa.JSON, nullable=False),
        sa.Column("taken", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("issued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("voided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("void_reason", sa.String(16), nullable=True),
        sa.UniqueConstraint("day", "seq", name="uq_handover_records_day_seq"),
    )
    op.create_index("ix_handover_records_plan_id", "handover_records", ["plan_id"])


def downgrade() -> None:
    op.drop_index("ix_handover_records_plan_id", table_name="handover_records")
    op.drop_table("handover_records")
