"""The database of the operations store: one URL, an engine, the schema brought up to date by Alembic.

SQLite (a file under ``data/``, created on first use) runs in WAL mode with a busy timeout so readers never
wait for the writer; the same code runs on PostgreSQL with PostGIS given ``AGENCYNET_DATABASE_URL``.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.util import CommandError
from sqlalchemy.engine import Engine

from ops.errors import StoreError

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


def _json_loads(text: str | bytes) -> Any:
    """The store's JSON read by orjson, three times as fast as the standard library on a day's plan (260 KB: 2.7
    against 8.6 ms; every stop event and view of the day reads it); a document orjson refuses (``NaN``, which the
    standard library writes) by the standard library."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


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

    Raises
    ------
    StoreError
        When the URL names no usable database, the database does not answer or refuses the account, or its
        schema is one this code does not know; one line, the password hidden.
    """
    given = url(database_url)
    try:
        engine = sa.create_engine(given, json_deserializer=_json_loads)
    except (sa.exc.ArgumentError, ImportError) as exc:  # not a URL, an unknown dialect, a driver not installed
        raise StoreError(f"database URL {_shown(given)}: {first_line(exc)}") from None
    if engine.dialect.name == "sqlite":
        sa.event.listen(engine, "connect", _sqlite_pragmas)
    shown = engine.url.render_as_string(hide_password=True)
    try:
        upgrade(engine)
    # The driver's refusal, or a revision this code does not have (the store of a newer agencynet).
    except (sa.exc.DBAPIError, CommandError) as exc:
        engine.dispose()
        reason = exc.orig if isinstance(exc, sa.exc.DBAPIError) else exc
        raise StoreError(f"database {shown}: {first_line(reason)}") from None
    log.info("database %s", shown)
    return engine


def _shown(given: str) -> str:
    """A database URL as it may be printed: its password hidden (nothing of it when it cannot be read)."""
    try:
        return sa.engine.make_url(given).render_as_string(hide_password=True)
    except sa.exc.ArgumentError:
        return "(not a URL)"


def first_line(exc: BaseException | None) -> str:
    """The first line of an exception's message (a driver's message goes on with hints on further lines)."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def upgrade(engine: Engine) -> None:
    """Apply the missing Alembic migrations (``ops/migrations``) in one transaction."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")
