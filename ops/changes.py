"""The feed of changes the province's portal reads: every move of every dossier, in the order they became visible,
a page at a time after a cursor, so that the portal's own record of each dossier follows it (received at the
agency, at its authority, its result returned) without asking for each one.

The portal keeps the cursor of the last change it read and asks for what came after it. A change is never served
twice nor skipped, even when two transactions write events at once and the one that began first commits last:

- on SQLite writers take turns, and events are numbered in the order they were committed (``tx`` is 0);
- on PostgreSQL an event carries the id of the transaction that wrote it (``tx``, migration 0011), and the feed
  serves, ordered by ``(tx, id)``, only the events of transactions older than the oldest one that may still be
  running in this database (:data:`_HORIZON`). Every transaction of this database older than that horizon has ended,
  so what a later read sees for the first time comes from a younger transaction, after the cursor. An event waits at
  most as long as the longest transaction of this database that was running when it was written: the transactions
  of the server's other databases (another store, another application) cannot write these events, and do not hold
  them back.

A change says the state reached, when, where (an agency id, an authority code, or ``address`` for the applicant's
home: never the address itself), the number of the signed handover record, why (a failed delivery's reason), and
whether the portal itself sent it; nothing about the applicant, nor which account recorded it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo._errors import InputError
from ops import tables
from ops.dossiers import utc
from ops.ingest import PORTAL

LIMIT = 1000
"""Most changes in one page."""

_CURSOR = re.compile(r"(\d{1,19})-(\d{1,19})")
_BIGGEST = 2**63 - 1
"""The largest transaction id and event number (both stored as 64-bit integers)."""


@dataclass(frozen=True)
class Cursor:
    """Where a reader of the feed stands: the ``(tx, id)`` of the last change it read; written ``"tx-id"``."""

    tx: int
    id: int

    def __str__(self) -> str:
        return f"{self.tx}-{self.id}"


START = Cursor(0, 0)
"""Before the first change."""


def cursor(text: str) -> Cursor:
    """The cursor written ``text`` (``"0-1234"``, as a page of the feed gives it).

    Raises
    ------
    InputError
        Not two whole numbers joined by a dash.
    """
    hit = _CURSOR.fullmatch(text)
    if hit is None or max(int(hit[1]), int(hit[2])) > _BIGGEST:
        raise InputError(f"after: a cursor of the feed such as 0-1234 (as its last page gave it), got {text!r}")
    return Cursor(int(hit[1]), int(hit[2]))


_HORIZON = sa.literal_column(
    """(SELECT coalesce(min(x::text::bigint), pg_snapshot_xmax(pg_current_snapshot())::text::bigint)
    FROM pg_snapshot_xip(pg_current_snapshot()) AS x
    WHERE NOT EXISTS (
        SELECT FROM pg_stat_activity AS a
        WHERE a.datname <> current_database() AND a.backend_xid::text::bigint = x::text::bigint % 4294967296))""",
    sa.BigInteger,
)
"""The oldest transaction id of the statement's snapshot that may still be running in this database; the snapshot's
upper bound when none.

PostgreSQL's own horizon (``pg_snapshot_xmin``) is the whole server's, so a long transaction in another database
would hold the feed back. The snapshot's running transactions (64-bit ``xid8``) are matched against the backends of
the server (``pg_stat_activity``, read after the snapshot was taken; its ``backend_xid`` is the 32-bit id, the low
half of the 64-bit one, and unique among running transactions): one is passed over only when a backend of another
database is seen running it. One that ended meanwhile, or whose backend the reader may not see, still counts, which
only delays the feed a moment. No function of PostgreSQL gives a database's own horizon; hence the query."""


def _horizon(engine: Engine) -> sa.ColumnElement[bool]:
    """The events the feed may serve now: all of them on SQLite, those of ended transactions on PostgreSQL."""
    if engine.dialect.name != "postgresql":
        return sa.true()
    return tables.events.c.tx < _HORIZON


def _later(engine: Engine, since: Cursor) -> sa.ColumnElement[bool]:
    """The events after ``since`` that the feed may serve now."""
    ev = tables.events
    return sa.and_(
        sa.tuple_(ev.c.tx, ev.c.id) > sa.tuple_(sa.literal(since.tx), sa.literal(since.id)), _horizon(engine)
    )


def count(engine: Engine, since: Cursor = START) -> int:
    """How many changes after ``since`` the feed may serve now (what a reader at ``since`` has still to read)."""
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).where(_later(engine, since))).scalar_one()


def after(engine: Engine, since: Cursor = START, *, limit: int = LIMIT) -> dict[str, Any]:
    """The changes after ``since``, at most ``limit`` of them.

    Parameters
    ----------
    engine
        The store.
    since
        The cursor of the last change read (:data:`START` for the first page).
    limit
        Most changes returned, 1 to :data:`LIMIT`.

    Returns
    -------
    dict
        ``changes`` (each ``cursor``, ``code``, ``seq``, ``state``, ``at`` in UTC, ``place``, ``record_no``,
        ``reason``, ``by_portal``), ``next`` (the cursor to ask after next time: the last change's, or ``since``
        when there is none) and ``more`` (whether more changes are ready beyond this page).
    """
    if not 1 <= limit <= LIMIT:
        raise InputError(f"limit: 1 to {LIMIT}, got {limit}")
    ev = tables.events
    query = (
        sa.select(ev.c.tx, ev.c.id, ev.c.dossier_code, ev.c.seq, ev.c.state, ev.c.at, ev.c.place, ev.c.record_no)
        .add_columns(ev.c.reason, ev.c.who)
        .where(_later(engine, since))
        .order_by(ev.c.tx, ev.c.id)
        .limit(limit + 1)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    page = rows[:limit]
    changes = [
        {
            "cursor": str(Cursor(r.tx, r.id)),
            "code": r.dossier_code,
            "seq": r.seq,
            "state": r.state,
            "at": utc(r.at).isoformat(),
            "place": r.place,
            "record_no": r.record_no,
            "reason": r.reason,
            "by_portal": r.who == PORTAL,
        }
        for r in page
    ]
    last = Cursor(page[-1].tx, page[-1].id) if page else since
    return {"changes": changes, "next": str(last), "more": len(rows) > limit}
