"""Fixtures of the operations tests: the store on SQLite and on a real PostgreSQL/PostGIS server.

The PostgreSQL server is Debian's packaged cluster started by :mod:`tests.pgserver`; a test database with the
PostGIS extension is created for the session and dropped at the end. When the server cannot be started the
PostgreSQL tests fail, saying why; they are never skipped. ``AGENCYNET_TEST_POSTGRES_URL`` names an existing
server's database (with PostGIS) instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo.addressmap import AddressMap
from ops import database, tables
from ops.store import Store
from tests import pgserver
from tests.ops import daycases


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database with PostGIS on a real PostgreSQL server, for the session; fails (never skips) without one."""
    try:
        with pgserver.database() as url:
            yield url
    except pgserver.ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store: a SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    return emptied(request.getfixturevalue("postgres_url"))


def emptied(url: str) -> str:
    """``url``, the PostgreSQL test database, its tables emptied (its schema upgraded first)."""
    engine = database.connect(url)
    with engine.begin() as conn:
        names = ", ".join(t.name for t in tables.metadata.sorted_tables)
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(backend_url: str) -> Iterator[Engine]:
    """The store on both backends (every test using it runs twice)."""
    engine = database.connect(backend_url)
    yield engine
    engine.dispose()


@pytest.fixture
def store(backend_url: str, hanoi: AddressMap) -> Iterator[Store]:
    """A store with the dossiers of :mod:`tests.ops.daycases`, on SQLite and on PostgreSQL."""
    store = Store(backend_url)
    daycases.seed(store.engine, hanoi)
    yield store
    store.close()


@pytest.fixture
def sqlite_store(tmp_path: Path, hanoi: AddressMap) -> Iterator[Store]:
    """The store of :func:`store` on SQLite only."""
    store = Store(f"sqlite:///{tmp_path / 'day.sqlite'}")
    daycases.seed(store.engine, hanoi)
    yield store
    store.close()
