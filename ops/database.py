"""The database of the operations store: one URL, an engine, the schema brought up to date by Alembic.

SQLite (a file under ``data/``, created on first use) runs in WAL mode with a busy timeout so readers never
wait for the writer; the same code runs on PostgreSQL with PostGIS given ``AGENCYNET_DATABASE_URL``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

DEFAULT_DATABASE = Path("data") / "agencynet.sqlite"
"""Default database file, relative to the working directory (``data/*.sqlite`` is git-ignored)."""

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def url(given: str = "") -> str:
    """The database URL: ``given``, else ``AGENCYNET_DATABASE_URL``, else the default SQLite file."""
    chosen = given or os.environ.get("AGENCYNET_DATABASE_URL", "")
    if chosen:
        return chosen
    DEFAULT_DATABASE.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_DATABASE}"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    # NORMAL in WAL mode: a committed transaction survives a crash of the process (not of the machine).
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def connect(database_url: str = "") -> Engine:
    """An engine on the database, its schema upgraded to the newest migration.

    Parameters
    ----------
    database_url
        SQLAlchemy URL; :func:`url` decides when empty.

    Returns
    -------
    Engine
        The engine; dispose of it when done.
    """
    engine = sa.create_engine(url(database_url))
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    upgrade(engine)
    log.info("database %s", engine.url.render_as_string(hide_password=True))
    return engine


def upgrade(engine: Engine) -> None:
    """Apply the missing Alembic migrations (``ops/migrations``) in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
