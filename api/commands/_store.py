"""The ``--database`` option of the store commands."""

from __future__ import annotations

import argparse

from sqlalchemy.engine import Engine

from ops import database


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database URL``: the store (default ``$AGENCYNET_DATABASE_URL``, else ``data/agencynet.sqlite``)."""
    parser.add_argument(
        "--database", default="", metavar="URL", help="SQLAlchemy URL of the store (default $AGENCYNET_DATABASE_URL)"
    )


def open_store(args: argparse.Namespace) -> Engine:
    """The store the options name, migrated."""
    return database.connect(args.database)
