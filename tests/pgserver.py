"""A real PostgreSQL/PostGIS server for the store tests and the ingest benchmark: Debian's packaged cluster.

PostgreSQL refuses to run as root, so the packaged cluster (``postgresql-15``, with ``postgresql-15-postgis-3``;
installed by ``.ci/system-packages``) is started with ``pg_ctlcluster`` and runs as the ``postgres`` user. A
database with the PostGIS extension and its own login role is created per use and dropped afterwards.
"""

from __future__ import annotations

import os
import secrets
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

CLUSTER = ("15", "main")


class ServerError(RuntimeError):
    """The server could not be started or prepared; the message says why."""


def _run(*command: str) -> subprocess.CompletedProcess:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def sql(statement: str, db: str = "postgres") -> str:
    """Run ``statement`` on the packaged cluster as its superuser (in database ``db``); its output."""
    done = _run("runuser", "-u", "postgres", "--", "psql", "-v", "ON_ERROR_STOP=1", "-d", db, "-Atc", statement)
    if done.returncode != 0:
        raise ServerError(f"PostgreSQL: {statement!r} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def start() -> int:
    """Start the packaged cluster if it is down and wait for it; returns its port."""
    if os.geteuid() != 0 or shutil.which("pg_ctlcluster") is None:
        raise ServerError(
            "a real PostgreSQL server is needed: run as root with postgresql-15 and postgresql-15-postgis-3 "
            "installed (.ci/system-packages), or name a database with PostGIS in AGENCYNET_TEST_POSTGRES_URL"
        )
    if _run("pg_ctlcluster", *CLUSTER, "status").returncode != 0:
        started = _run("pg_ctlcluster", *CLUSTER, "start")
        # Another test process may have started it in the meantime (the tests run in parallel workers).
        if started.returncode != 0 and _run("pg_ctlcluster", *CLUSTER, "status").returncode != 0:
            raise ServerError(f"pg_ctlcluster {' '.join(CLUSTER)} start failed: {started.stderr.strip()}")
    for _ in range(60):
        if _run("pg_isready", "-q", "-h", "127.0.0.1").returncode == 0:
            return int(sql("show port"))
        time.sleep(0.5)
    raise ServerError("PostgreSQL did not accept connections within 30 s of pg_ctlcluster start")


@contextmanager
def database() -> Iterator[str]:
    """A fresh database with PostGIS on the packaged cluster (or ``AGENCYNET_TEST_POSTGRES_URL``); its URL."""
    given = os.environ.get("AGENCYNET_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    port = start()
    name = f"agencynet_test_{secrets.token_hex(4)}"
    password = secrets.token_hex(12)
    sql(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'")
    try:
        sql(f"CREATE DATABASE {name} OWNER {name}")
        sql("CREATE EXTENSION postgis", db=name)
        yield f"postgresql+psycopg://{name}:{password}@127.0.0.1:{port}/{name}"
    finally:
        sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        sql(f"DROP ROLE IF EXISTS {name}")
