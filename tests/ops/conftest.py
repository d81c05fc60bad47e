"""Fixtures of the operations tests: the store on SQLite and on a real PostgreSQL/PostGIS server, and a real HTTP
server standing for a receiver of the pushed feed (the portal, the SMS gateway).

The PostgreSQL server is Debian's packaged cluster started by :mod:`tests.pgserver`; a test database with the
PostGIS extension is created for the session and dropped at the end. When the server cannot be started the
PostgreSQL tests fail, saying why; they are never skipped. ``AGENCYNET_TEST_POSTGRES_URL`` names an existing
server's database (with PostGIS) instead.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
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


@dataclass
class Portal:
    """A real HTTP server on loopback that takes the batches POSTed to it, answering ``answers`` in turn (200 once
    they run out) with the bodies ``replies`` in turn (empty once they run out), and keeps every request: its
    headers and its body."""

    url: str
    answers: list[int] = field(default_factory=list)
    replies: list[bytes] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def taken(self) -> list[dict]:
        """The changes of the batches answered 2xx, in the order they came."""
        # Not strict: read while a request is being kept, the lists may differ by its status for a moment.
        return [
            c
            for status, (_, body) in zip(self.statuses, self.requests, strict=False)
            if status < 300
            for c in json.loads(body)["changes"]
        ]


@pytest.fixture
def portal() -> Iterator[Portal]:
    state = Portal(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            status = state.answers.pop(0) if state.answers else 200
            state.statuses.append(status)
            state.requests.append((dict(self.headers), body))
            self.send_response(status)
            said = state.replies.pop(0) if state.replies else b"" if status < 300 else b"portal says no"
            self.send_header("Content-Length", str(len(said)))
            self.end_headers()
            self.wfile.write(said)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/dossier-updates"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
