"""The photos of stop events by dossier (``dossier_photos``, :mod:`ops.photos`): each photo kept by 0023 under its
event's key, listed again under every dossier its task carried, with the day, task and event, so that the counter
finds a dossier's photos without reading the plans. Up, the photos already kept are listed from their day's plan.

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    listed = op.create_table(
        "dossier_photos",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_code", sa.String(64), nullable=False),
        sa.Column("event_key", sa.String(200), sa.ForeignKey("stop_photos.event_key"), nullable=False),
        sa.Column("day", sa.Date, nullable=False),
        sa.Column("task", sa.String(64), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.UniqueConstraint("dossier_code", "event_key", name="uq_dossier_photos_dossier_code_event_key"),
    )
    bind = op.get_bind()
    metadata = sa.MetaData()
    photos = sa.Table("stop_photos", metadata, sa.Column("event_key", sa.String(200)), sa.Column("at", sa.DateTime))
    plans = sa.Table(
        "plans", metadata, sa.Column("id", sa.String(32)), sa.Column("request", sa.JSON), sa.Column("state", sa.JSON)
    )
    rows = []
    for key in bind.execute(sa.select(photos.c.event_key).order_by(photos.c.at)).scalars():
        parts = key.split(":")
        if len(parts) != 4 or parts[0] != "day":  # not a stop event's key (ops.stopkeys.event_key)
            continue
        _, plan_id, task, event = parts
        plan = bind.execute(sa.select(plans.c.request, plans.c.state).where(plans.c.id == plan_id)).first()
        if plan is None or "date" not in (plan.request or {}):
            continue
        day = date.fromisoformat(plan.request["date"])
        for code in (plan.state or {}).get("dossiers", {}).get(task, []):
            rows.append({"dossier_code": code, "event_key": key, "day": day, "task": task, "event": event})
    if rows:
        bind.execute(sa.insert(listed), rows)


def downgrade() -> None:
    op.drop_table("dossier_photos")
