"""Plans and scenarios in the operations store (:mod:`ops.database`: SQLite by default, PostgreSQL when asked).

Each record is one row: a stable id, creation and update times, a version counter and JSON documents. Every
write is one transaction, and an update names the version it read (optimistic locking), so two
re-optimisations of the same plan cannot silently overwrite each other.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ops import database, tables
from ops.dossiers import utc
from ops.errors import ConflictError

log = logging.getLogger(__name__)

TABLES = {"plan": tables.plans, "scenario": tables.scenarios}
"""One table per kind of record: ``request`` as posted, ``state`` needed to continue, ``result`` as served."""


class Store:
    """The records of the service in one database.

    Parameters
    ----------
    url
        SQLAlchemy database URL (:func:`ops.database.url` when empty); the schema is migrated when behind.
    engine
        An engine of a store already open, in place of ``url`` (the records of a store its engine reads otherwise).
    """

    def __init__(self, url: str = "", *, engine: Engine | None = None) -> None:
        self.engine: Engine = engine if engine is not None else database.connect(url)

    def add(self, kind: str, request: dict, state: dict, result: dict, *, at: datetime | None = None) -> str:
        """Store a new record made ``at`` (now when omitted); returns its id (``plan-`` or ``scenario-`` followed by
        12 hex digits)."""
        table = TABLES[kind]
        now = at or datetime.now(UTC)
        record_id = f"{kind}-{secrets.token_hex(6)}"
        with self.engine.begin() as conn:
            conn.execute(
                table.insert().values(
                    id=record_id, created_at=now, updated_at=now, version=1, request=request, state=state, result=result
                )
            )
        return record_id

    def get(self, kind: str, record_id: str) -> dict | None:
        """The record as a dict (columns as keys), or ``None`` when there is no such id."""
        table = TABLES[kind]
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(table).where(table.c.id == record_id)).mappings().first()
        return None if row is None else _timed(dict(row))

    def latest(self, kind: str, **request: str) -> dict | None:
        """The newest record whose request holds these values (``latest("plan", date="2026-02-03")``), or
        ``None``."""
        table = TABLES[kind]
        with self.engine.connect() as conn:
            row = conn.execute(_newest(sa.select(table), table, request)).mappings().first()
        return None if row is None else _timed(dict(row))

    def latest_version(self, kind: str, **request: str) -> tuple[str, int] | None:
        """The id and version of :meth:`latest`'s record, without reading the record (a client holding what it read
        of a version knows whether it still stands), or ``None``."""
        table = TABLES[kind]
        with self.engine.connect() as conn:
            row = conn.execute(_newest(sa.select(table.c.id, table.c.version), table, request)).first()
        return None if row is None else (row.id, row.version)

    def list(self, kind: str, *, limit: int = 50, keys: Sequence[str] = ()) -> list[dict]:
        """The newest records' ids, times and versions, newest first, with the values of their requests' ``keys``
        as text (``keys=("date",)``: a working day's plan; None where a request has none)."""
        table = TABLES[kind]
        asked = [table.c.request[k].as_string().label(k) for k in keys]
        query = (
            sa.select(table.c.id, table.c.created_at, table.c.updated_at, table.c.version, *asked)
            .order_by(table.c.created_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [_timed(dict(r)) for r in conn.execute(query).mappings()]

    def update(self, kind: str, record_id: str, version: int, *, state: dict, result: dict) -> int:
        """Replace a record's state and result if it is still at ``version``; returns the new version.

        Raises
        ------
        ConflictError
            When the record was updated by someone else since ``version`` was read.
        """
        table = TABLES[kind]
        with self.engine.begin() as conn:
            done = conn.execute(
                table.update()
                .where(table.c.id == record_id, table.c.version == version)
                .values(state=state, result=result, version=version + 1, updated_at=datetime.now(UTC))
            )
            if done.rowcount != 1:
                raise ConflictError(
                    f"{kind} {record_id} changed since version {version}",
                    code="record_changed",
                    record=record_id,
                    version=version,
                )
        return version + 1

    def close(self) -> None:
        """Release the connections."""
        self.engine.dispose()


def _newest(query: sa.Select, table: sa.Table, request: dict[str, str]) -> sa.Select:
    """``query`` of ``table`` narrowed to the newest record whose request holds these values."""
    for key, value in request.items():
        query = query.where(table.c.request[key].as_string() == value)
    return query.order_by(table.c.created_at.desc()).limit(1)


def _timed(record: dict) -> dict:
    """``record`` with its times in UTC with their offset, as RFC 3339 and the API's schemas write them (SQLite
    gives them back naive: GET /scenarios/{id} wrote its time without one, which a page would read as local)."""
    return record | {"created_at": utc(record["created_at"]), "updated_at": utc(record["updated_at"])}
