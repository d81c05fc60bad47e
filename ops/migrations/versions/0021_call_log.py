"""Every phone call of the counter to an applicant his notice did not reach, with what was said (``notice_calls``,
:mod:`ops.notices`): 0020 kept the last call of each move only, and no note. Each call is now a row of its own,
numbered, with its ``note``; down again, the last call of each move is kept.

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

COLUMNS = ("dossier_code", "seq", "reached", "by", "at")
"""The columns 0020's table and this one's have alike."""


def _table(name: str, *, log: bool) -> sa.Table:
    """The calls' table as 0020 made it (one row per move), or as a log of every call with its note (``log``)."""
    return sa.Table(
        name,
        sa.MetaData(),
        *([sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)] if log else []),
        sa.Column("dossier_code", sa.String(64), nullable=False, primary_key=not log),
        sa.Column("seq", sa.Integer, nullable=False, primary_key=not log),
        sa.Column("reached", sa.Boolean, nullable=False),
        sa.Column("by", sa.String(64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        *([sa.Column("note", sa.String(300), nullable=True)] if log else []),
    )


def _replace(*, log: bool) -> None:
    """Put the table of the other form in place of ``notice_calls``, its calls copied: each one into a log; the last
    of each move out of it. Read whole first: a few calls a day, and a table renamed on PostgreSQL would keep the
    names of its key and index, which the new one takes."""
    bind = op.get_bind()
    before = _table("notice_calls", log=not log)
    calls = bind.execute(sa.select(before).order_by(before.c.at)).mappings().all()
    if not log:  # the last call of each move
        calls = list({(c["dossier_code"], c["seq"]): c for c in sorted(calls, key=lambda c: c["id"])}.values())
    op.drop_table("notice_calls")
    after = _table("notice_calls", log=log)
    after.create(bind)
    if log:
        op.create_index("ix_notice_calls_dossier_code_seq", "notice_calls", ["dossier_code", "seq"])
    if calls:
        bind.execute(sa.insert(after), [{name: c[name] for name in COLUMNS} for c in calls])


def upgrade() -> None:
    _replace(log=True)


def downgrade() -> None:
    _replace(log=False)
