"""The operations store: plans and scenarios (kept if an older service created them), dossiers and their
events, portal events, authorities, idempotency keys, users and the access log; PostGIS geometries on
PostgreSQL.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TZ = sa.DateTime(timezone=True)


def _record_table(name: str) -> None:
    if sa.inspect(op.get_bind()).has_table(name):
        return  # created by the service before the store had migrations
    op.create_table(
        name,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )


def upgrade() -> None:
    _record_table("plans")
    _record_table("scenarios")
    op.create_table(
        "dossiers",
        sa.Column("code", sa.String(64), primary_key=True),
        sa.Column("procedure", sa.String(32), nullable=False, index=True),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=False, index=True),
        sa.Column("authority_code", sa.String(32), nullable=False, index=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("return_mode", sa.String(16), nullable=False),
        sa.Column("due_date", sa.Date, nullable=False),
        sa.Column("insured_value", sa.BigInteger, nullable=False),
        sa.Column("applicant_name", sa.String(200), nullable=False),
        sa.Column("applicant_phone", sa.String(32), nullable=False),
        sa.Column("applicant_address", sa.String(500), nullable=False),
        sa.Column("lat", sa.Float, nullable=False),
        sa.Column("lon", sa.Float, nullable=False),
        sa.Column("priority_group", sa.String(24), nullable=False),
        sa.Column("synthetic", sa.Boolean, nullable=False),
        sa.Column("content_hash", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False, index=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
    )
    op.create_table(
        "dossier_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_code", sa.String(64), sa.ForeignKey("dossiers.code"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("who", sa.String(64), nullable=False),
        sa.Column("place", sa.String(64), nullable=True),
        sa.Column("record_no", sa.String(64), nullable=True),
        sa.UniqueConstraint("dossier_code", "seq", name="uq_dossier_events_seq"),
    )
    op.create_table(
        "portal_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_code", sa.String(64), sa.ForeignKey("dossiers.code"), nullable=False),
        sa.Column("event", sa.String(16), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.Column("applied", sa.Boolean, nullable=False),
        sa.UniqueConstraint("dossier_code", "event", "at", name="uq_portal_events"),
    )
    op.create_table(
        "authorities",
        sa.Column("code", sa.String(32), primary_key=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("level", sa.String(16), nullable=False),
        sa.Column("lat", sa.Float, nullable=True),
        sa.Column("lon", sa.Float, nullable=True),
        sa.Column("place_id", sa.String(64), nullable=True),
        sa.Column("source", sa.String(16), nullable=False),
    )
    op.create_table(
        "idempotency_keys",
        sa.Column("key", sa.String(200), primary_key=True),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("status_code", sa.Integer, nullable=False),
        sa.Column("response", sa.JSON, nullable=False),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("password_hash", sa.String(200), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("agency_id", sa.String(64), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
    )
    op.create_table(
        "access_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TZ, nullable=False),
        sa.Column("who", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("dossier_code", sa.String(64), nullable=False, index=True),
        sa.Column("what", sa.String(64), nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        for table in ("dossiers", "authorities"):
            op.execute(
                f"ALTER TABLE {table} ADD COLUMN geom geometry(Point, 4326) "
                "GENERATED ALWAYS AS (ST_SetSRID(ST_MakePoint(lon, lat), 4326)) STORED"
            )
            op.execute(f"CREATE INDEX ix_{table}_geom ON {table} USING gist (geom)")


def downgrade() -> None:
    for name in (
        "access_log",
        "users",
        "idempotency_keys",
        "authorities",
        "portal_events",
        "dossier_events",
        "dossiers",
    ):
        op.drop_table(name)
