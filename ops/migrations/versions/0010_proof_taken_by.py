"""A proof is taken by the postman at the door or by the staff at the counter (a result collected at its agency):
``proofs.postman`` becomes ``proofs.taken_by``.

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch: SQLite alters a table by copying it.
    with op.batch_alter_table("proofs") as batch:
        batch.alter_column("postman", new_column_name="taken_by")


def downgrade() -> None:
    with op.batch_alter_table("proofs") as batch:
        batch.alter_column("taken_by", new_column_name="postman")
