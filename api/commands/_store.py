"""The ``--database`` option of the store commands."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Engine

from ops import database


def add_database_option(parser: argparse.ArgumentParser) -> None:
    """``--database URL``: the store (default ``$AGENCYNET_DATABASE_URL``, else ``data/agencynet.sqlite``)."""
    parser.add_argument(
        "--database", default="", metavar="URL", help="SQLAlchemy URL of the store (default $AGENCYNET_DATABASE_URL)"
    )


@contextmanager
def open_store(args: argparse.Namespace) -> Iterator[Engine]:
    """The store the options name, migrated; its connections are released on leaving."""
    engine = database.connect(args.database)
    try:
        yield engine
    finally:
        engine.dispose()
