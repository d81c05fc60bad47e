"""Tracking for citizens: where a dossier is and when its result is expected, without personal data.

A citizen gives the dossier's code and the last four digits of the applicant's phone. A wrong check answers
exactly like an unknown code, and repeated wrong tries from one client are throttled.
"""

from __future__ import annotations

import re
import threading
import time
import weakref
from collections import defaultdict, deque
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Engine

from geo import hours
from ops import tables

WHERE = {
    "received": "agency",
    "digitised": "agency",
    "to_authority": "in_transit",
    "at_authority": "authority",
    "decided": "authority",
    "returning": "in_transit",
    "for_collection": "agency",
    "returned": "returned",
    "cancelled": "agency",
    "failed_return": "in_transit",
}
"""Where the dossier is: at the agency, in transit, at the authority, or back with the citizen. The pages and the API
say the state and the place in words, in the citizen's language (``tracking`` in the catalogues of
:mod:`api.i18n`). A home pickup not yet collected is at the applicant's home (:func:`where`)."""


def where(state: str, channel: str, place: str | None = None, agency_id: str | None = None) -> str:
    """Where a dossier in ``state`` that came by ``channel`` to ``agency_id``, its last move made at ``place``, is
    (:data:`WHERE`): a home pickup received, not yet collected, is at the applicant's ``home``; one digitised at the
    door and not yet handed over at a post office is with the postman (``in_transit``); one the postman brought back
    to another post office than its agency (:data:`ops.dossiers.TRANSFERS`) is at that ``post_office``."""
    if channel == "home_pickup" and state == "received":
        return "home"
    if channel == "home_pickup" and state == "digitised" and place == "address":
        return "in_transit"
    if channel == "home_pickup" and state == "digitised" and place not in (None, agency_id):
        return "post_office"
    return WHERE[state]


RETURN_DAYS = 1
"""Working days from the appointment date to a result brought to the citizen's address (assumption: one postal
round); a result returned at the agency is expected on the appointment date."""


_d, _a, _e, _n = tables.dossiers, tables.authorities, tables.events, tables.notice_choices
_BY_CODE = (
    sa.select(
        _d.c.code,
        _d.c.state,
        _d.c.due_date,
        _d.c.return_mode,
        _d.c.applicant_phone,
        _d.c.procedure,
        _d.c.agency_id,
        _d.c.channel,
        _a.c.name,
        _a.c.level,
        _n.c.sms,
        _e.c.state,
        _e.c.at,
        _e.c.place,
        _e.c.reason,
    )
    .select_from(
        _d.outerjoin(_a, _a.c.code == _d.c.authority_code)
        .outerjoin(_n, _n.c.dossier_code == _d.c.code)
        .outerjoin(_e, _e.c.dossier_code == _d.c.code)
    )
    .where(_d.c.code == sa.bindparam("code"))
    .order_by(_e.c.seq)
)
"""The one query of tracking, built once (building it anew took longer than running it): the dossier, the name
and level of the authority deciding it, whether its applicant takes the SMS notices, and its journey, one row per
step (by the primary keys and the unique index on code and sequence)."""
_SQLITE_BY_CODE = str(_BY_CODE.compile(dialect=sqlite.dialect()))


def result_expected(due: date, return_mode: str) -> date:
    """When the applicant has the result of a dossier due on ``due``: that day at its agency, the
    :data:`RETURN_DAYS`-th working day after at the applicant's address (the post brings it)."""
    return due if return_mode == "agency" else hours.working_day_after(due, RETURN_DAYS)


def track(engine: Engine, code: str, phone_last4: str) -> dict | None:
    """The public view of a dossier, or ``None`` for an unknown code or a wrong check (the same answer).

    Returns
    -------
    dict or None
        ``code``, ``procedure``, ``state``, ``where`` (:func:`where`), ``channel`` (``counter``, ``online``,
        ``home_pickup``), ``appointment`` (the due date),
        ``result_expected`` (a date, or ``None`` once returned or cancelled), ``return_mode`` (``agency`` or
        ``address``), ``agency_id`` (the agency that received it), ``authority`` and ``authority_level`` (the
        name and level, ``commune`` or ``city``, of the authority deciding it; ``None`` when the store does not
        know it), ``sms`` (whether the applicant takes the SMS notices: :func:`ops.notices.choose`) and ``steps``,
        its journey (``state`` and ``at``, Hanoi time to the minute), with ``places``, where
        each step was made (for the words of a change of hands, :data:`ops.dossiers.TRANSFERS`: not to be shown),
        and ``reasons``, why (a failed delivery's, for its words); nothing about the applicant, nor who moved it.
    """
    rows: Sequence[Any]
    if engine.dialect.name == "sqlite":
        rows = _sqlite_rows(engine, code)
    else:
        with engine.connect() as conn:
            rows = conn.execute(_BY_CODE, {"code": code}).all()
    if not rows:
        return None
    code, state, due_date, return_mode, phone, procedure, agency_id, channel, authority, level, sms = rows[0][:11]
    if len(phone_last4) != 4 or _NOT_DIGIT.sub("", phone)[-4:] != phone_last4:
        return None
    due = due_date if isinstance(due_date, date) else date.fromisoformat(due_date)
    expected = None if state in ("returned", "cancelled") else result_expected(due, return_mode)
    return {
        "code": code,
        "procedure": procedure,
        "state": state,
        "where": where(state, channel, rows[-1][-2], agency_id),
        "channel": channel,
        "appointment": due.isoformat(),
        "result_expected": None if expected is None else expected.isoformat(),
        "return_mode": return_mode,
        "agency_id": agency_id,
        "authority": authority,
        "authority_level": level,
        "sms": sms is None or bool(sms),
        "steps": [{"state": step, "at": _hanoi_minute(at)} for *_, step, at, _, _ in rows if step is not None],
        "places": [place for *_, step, _, place, _ in rows if step is not None],
        "reasons": [reason for *_, step, _, _, reason in rows if step is not None],
    }


_NOT_DIGIT = re.compile(r"\D")
_HANOI_OFFSET = hours.HANOI.utcoffset(None)


def _hanoi_minute(at: datetime | str) -> str:
    """A stored time (UTC; SQLite's ISO text without offset) in Hanoi, to the minute: "2026-02-03T09:15"."""
    when = datetime.fromisoformat(at) if isinstance(at, str) else at
    if when.tzinfo is None:  # UTC without its offset: Hanoi's (fixed) added, cheaper than converting
        return (when + _HANOI_OFFSET).isoformat(timespec="minutes")
    return when.astimezone(hours.HANOI).isoformat(timespec="minutes")[:16]


_cursors = threading.local()


def _sqlite_rows(engine: Engine, code: str) -> list[tuple]:
    """The rows of ``code`` read on a SQLite file through a DBAPI cursor the thread keeps for the engine.

    SQLAlchemy's execution (a connection from the pool, the cache of compiled statements, parameter and result
    processing) cost about 14 times the indexed read itself on a local file (80 µs against 6 µs, bench/api.py),
    and tracking is a public operation under load. The cursor is opened once per thread and engine, with the
    engine's own connection set-up (WAL, pragmas); a read opens no transaction, so it sees every commit. Dates
    and times come back as SQLite stores them, ISO text.
    """
    held: weakref.WeakKeyDictionary = _cursors.__dict__.setdefault("by_engine", weakref.WeakKeyDictionary())
    cursor = held.get(engine)
    if cursor is None:
        cursor = held[engine] = engine.raw_connection().cursor()
    # Every row read, so the statement ends and holds no snapshot of the file open.
    return cursor.execute(_SQLITE_BY_CODE, (code,)).fetchall()


class Throttle:
    """At most ``tries`` wrong answers per client in a sliding ``window_s``; then the client waits.

    Kept in the process's memory: one service process answers tracking (a shared store would be needed to
    throttle across several workers).
    """

    def __init__(self, tries: int = 5, window_s: float = 900.0) -> None:
        self.tries = tries
        self.window_s = window_s
        self._misses: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def wait_s(self, client: str) -> float:
        """Seconds the client must wait before trying again (0 when it may try now)."""
        now = time.monotonic()
        with self._lock:
            misses = self._misses[client]
            while misses and misses[0] <= now - self.window_s:
                misses.popleft()
            return 0.0 if len(misses) < self.tries else misses[0] + self.window_s - now

    def miss(self, client: str) -> None:
        """Count a wrong try."""
        with self._lock:
            self._misses[client].append(time.monotonic())
