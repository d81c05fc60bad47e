"""Whether each applicant takes the SMS notices of a dossier (``notice_choices``, :mod:`ops.notices`): a dossier
without a row takes them; the applicant may stop them, and take them again, from the tracking page.

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notice_choices",
        sa.Column("dossier_code", sa.String(64), primary_key=True),
        sa.Column("sms", sa.Boolean, nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("notice_choices")
