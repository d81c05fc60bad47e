"""Fixtures of the operations tests: the store on SQLite and on a real PostgreSQL/PostGIS server.

The PostgreSQL server is Debian's packaged cluster (``postgresql-15``, ``postgresql-15-postgis-3``, installed by
``.ci/system-packages``), started with ``pg_ctlcluster`` (PostgreSQL refuses to run as root; the cluster runs as
the ``postgres`` user). A test database with the PostGIS extension is created for the session and dropped at
the end. When the server cannot be started the PostgreSQL tests fail, saying why; they are never skipped.
``AGENCYNET_TEST_POSTGRES_URL`` names an existing server's database (with PostGIS) instead.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ops import database, tables

CLUSTER = ("15", "main")


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


def _psql(sql: str, db: str = "postgres") -> None:
    done = _run("runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-d", db, "-Atc", sql)
    if done.returncode != 0:
        pytest.fail(f"PostgreSQL: {sql!r} failed: {done.stderr.strip()}", pytrace=False)


def _start_cluster() -> int:
    """Start the packaged cluster if it is down; its port."""
    if os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None:
        pytest.fail(
            "the PostgreSQL tests start Debian's packaged cluster: run them as root with postgresql-15 and "
            "postgresql-15-postgis-3 installed (.ci/system-packages), or set AGENCYNET_TEST_POSTGRES_URL",
            pytrace=False,
        )
    status = _run("pg_ctlcluster", *CLUSTER, "status")
    if status.returncode != 0:
        started = _run("pg_ctlcluster", *CLUSTER, "start")
        if started.returncode != 0:
            pytest.fail(f"pg_ctlcluster {' '.join(CLUSTER)} start failed: {started.stderr.strip()}", pytrace=False)
    for _ in range(60):
        if _run("pg_isready", "-q", "-h", "127.0.0.1").returncode == 0:
            break
        time.sleep(0.5)
    else:
        pytest.fail("PostgreSQL did not accept connections within 30 s of pg_ctlcluster start", pytrace=False)
    port = _run("runuser", "-u", "postgres", "--", "psql", "-Atc", "show port")
    return int(port.stdout.strip() or 5432)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A database with PostGIS on a real PostgreSQL server, for the session."""
    given = os.environ.get("AGENCYNET_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    port = _start_cluster()
    name = f"agencynet_test_{secrets.token_hex(4)}"
    password = secrets.token_hex(12)
    _psql(f"DROP ROLE IF EXISTS {name}")
    _psql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    _psql(f"CREATE DATABASE {name} OWNER {name}")
    _psql("CREATE EXTENSION postgis", db=name)
    try:
        yield f"postgresql+psycopg://{name}:{password}@127.0.0.1:{port}/{name}"
    finally:
        _psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        _psql(f"DROP ROLE IF EXISTS {name}")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of an empty store: a SQLite file, or the PostgreSQL test database emptied."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    url = request.getfixturevalue("postgres_url")
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
