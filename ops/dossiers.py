"""The dossier and its journey: fields, states, the allowed moves, and moves recorded as append-only events.

A dossier is received (and digitised) at an agency, shuttled to the deciding authority and handed over against
a signed record, decided, and its result brought back to the agency or the citizen's door (Decision
45/2016/QĐ-TTg; Circular 17/2017/TT-BTTTT art. 5). Every move is a row of ``dossier_events``; the state of a
dossier is the state of its last event, mirrored on its row in the same transaction, and a move names the
event number it follows, so two concurrent moves cannot both win.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import pairwise
from typing import Annotated, Literal, get_args

import shapely
import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from sqlalchemy.engine import Connection, Engine

from geo.agencies import PROCEDURES, Procedure
from ops import tables
from ops.errors import ConflictError, TransitionError, UnknownError

log = logging.getLogger(__name__)

Channel = Literal["counter", "online", "home_pickup"]
ReturnMode = Literal["agency", "address"]
PriorityGroup = Literal["none", "meritorious", "social_protection"]

State = Literal[
    "received",
    "digitised",
    "to_authority",
    "at_authority",
    "decided",
    "returning",
    "for_collection",
    "returned",
    "cancelled",
    "failed_return",
]
STATES: tuple[str, ...] = get_args(State)
"""Every state of a dossier, in the order of its journey, then the side states."""

MOVES: dict[str, tuple[str, ...]] = {
    "received": ("digitised", "at_authority", "cancelled"),
    "digitised": ("to_authority", "cancelled"),
    "to_authority": ("at_authority", "digitised", "cancelled"),
    "at_authority": ("decided", "cancelled"),
    "decided": ("returning", "cancelled"),
    "returning": ("for_collection", "returned", "failed_return", "cancelled"),
    "for_collection": ("returned", "cancelled"),
    "failed_return": ("decided", "cancelled"),
    "returned": (),
    "cancelled": (),
}
"""The states each state may move to; ``received -> at_authority`` only for online dossiers (no shuttle),
``to_authority -> digitised`` brings a dossier the postman could not hand over back to its agency for the next
shuttle, ``failed_return`` (citizen not at home) goes back to ``decided`` for another try, and a result brought to
its agency for collection is ``for_collection`` there until the applicant takes it at the counter
(``returned``; straight to ``returned`` when the applicant takes it as it arrives)."""

OPEN_STATES: tuple[str, ...] = tuple(s for s in STATES if MOVES[s])
"""The states a dossier is still open in: every one but the final ``returned`` and ``cancelled``."""

RESULT_HANDED = ("for_collection", "returned")
"""The moves that end the service's part of a dossier: its result at its agency for collection, or handed to the
applicant; the first of them is when its result was returned (the quarter's figures, :mod:`ops.report_figures`)."""

OWED_STATES: tuple[str, ...] = tuple(s for s in OPEN_STATES if s not in RESULT_HANDED)
"""The open states the service still owes the dossier's result in: a result waiting at its agency for the
applicant is not late, whatever day the applicant comes."""


def overdue(state: str, due: date, today: date) -> bool:
    """Whether a dossier in ``state`` due on ``due`` is late on ``today``: due before, its result still owed."""
    return due < today and state in OWED_STATES


TRANSFERS = ("digitised",)
"""States a dossier changes hands in without changing state (:func:`transfer`): a home pickup digitised at the
applicant's door on a day its authority is closed is handed over at its agency, against a signed record, or
brought back to the postman's post office, and waits there for the next working day's shuttle."""

HANDOVERS = ("at_authority", "for_collection", "returned")
"""Moves that hand the dossier over against a signed record (Circular 17/2017 art. 5): a record number is required,
except for an online dossier reaching its authority and a result signed for on a phone or tablet
(:mod:`ops.proofs`)."""

Code = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


PHONE = r"^\+?[0-9 .-]{8,20}$"
"""An applicant's phone number: 8 to 20 digits, spaces, dots or hyphens, a leading + allowed."""


class Applicant(BaseModel):
    """The applicant: personal data, read only by the roles that need it and logged when read."""

    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    phone: Annotated[str, StringConstraints(pattern=PHONE)]
    address: Text
    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    priority_group: PriorityGroup = "none"


class Dossier(BaseModel):
    """A dossier as the portal sends it (the ``dossier`` records of the feed, without ``type``)."""

    model_config = ConfigDict(extra="forbid")

    code: Code
    procedure: Procedure
    received_at: datetime
    agency_id: Code
    authority_code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]
    channel: Channel
    return_mode: ReturnMode
    due_date: date
    insured_value: int = Field(ge=0, description="Insured value of the dossier, VND")
    applicant: Applicant
    synthetic: bool = False

    def row(self) -> dict:
        """The columns of the ``dossiers`` row (without state), with the hash of the content."""
        received = utc(self.received_at)
        a = self.applicant
        return {
            "code": self.code,
            "procedure": self.procedure,
            "received_at": received,
            "agency_id": self.agency_id,
            "authority_code": self.authority_code,
            "channel": self.channel,
            "return_mode": self.return_mode,
            "due_date": self.due_date,
            "insured_value": self.insured_value,
            "applicant_name": a.name,
            "applicant_phone": a.phone,
            "applicant_address": a.address,
            "lat": a.lat,
            "lon": a.lon,
            "priority_group": a.priority_group,
            "synthetic": self.synthetic,
            "content_hash": hashlib.blake2b(self.model_dump_json().encode(), digest_size=16).hexdigest(),
        }


def content_hash(record: dict) -> str:
    """A short hash of a record's canonical JSON: equal content, equal hash."""
    text = json.dumps(record, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def utc(when: datetime) -> datetime:
    """An aware time in UTC, as the store keeps times (SQLite keeps no offset; a naive time is taken as UTC)."""
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when.astimezone(UTC)


def next_states(state: str, *, channel: str) -> list[str]:
    """The states a dossier of ``channel`` may move to from ``state`` (:data:`MOVES`; a paper dossier goes to its
    authority by shuttle, so ``received -> at_authority`` is for online ones only)."""
    return [m for m in MOVES[state] if channel == "online" or (state, m) != ("received", "at_authority")]


def place_of(to: str, row: dict) -> str | None:
    """Where a move to ``to`` of the dossier of ``row`` (:func:`current`) happens: at the agency (received,
    digitised, handed to a postman, a result brought there for collection or collected there), at the authority
    (reached, deciding, a result picked up), at the applicant's address (a result brought home); nowhere for a
    cancellation."""
    if to == "cancelled":
        return None
    if to in ("at_authority", "decided", "returning"):
        return row["authority_code"]
    at_agency = row["state"] == "for_collection"  # a result kept there, whatever was asked
    if to == "failed_return" or (to == "returned" and row["return_mode"] == "address" and not at_agency):
        return "address"
    return row["agency_id"]


def needs_record(to: str, *, channel: str) -> bool:
    """Whether the move to ``to`` hands a dossier of ``channel`` over against a signed record (:data:`HANDOVERS`;
    an online dossier reaches its authority without paper)."""
    return to in HANDOVERS and not (to == "at_authority" and channel == "online")


def check_move(code: str, state: str, to: str, *, channel: str) -> None:
    """Raise :class:`TransitionError` unless ``state -> to`` is allowed for a dossier of ``channel``."""
    if to not in STATES:
        states = ", ".join(STATES)
        raise TransitionError(
            f"dossier {code}: unknown state {to!r} (one of {states})",
            code="unknown_state",
            dossier=code,
            to=to,
            states=states,
        )
    allowed = next_states(state, channel=channel)
    if to not in allowed:
        why = f"allowed: {', '.join(allowed)}" if allowed else f"{state} is final"
        raise TransitionError(
            f"dossier {code} is {state}: move to {to} refused ({why})",
            code="transition_refused" if allowed else "dossier_closed",
            dossier=code,
            state=state,
            to=to,
        )


@dataclass(frozen=True)
class Event:
    """One move of a dossier: its number, the state reached, when, who, where, the handover record, and why (a
    machine code, for a delivery that failed: :data:`ops.dayevents.FAILURES`)."""

    seq: int
    state: str
    at: datetime
    who: str
    place: str | None
    record_no: str | None
    reason: str | None = None


def derived_state(events: Iterable[Event]) -> str:
    """The state of a dossier from its events: the state of the last one, each move checked against :data:`MOVES`
    (or a change of hands, :data:`TRANSFERS`)."""
    ordered = sorted(events, key=lambda e: e.seq)
    if not ordered or ordered[0].state != "received":
        raise ValueError("a dossier's journey starts with 'received'")
    for a, b in pairwise(ordered):
        if b.state not in MOVES[a.state] and not a.state == b.state in TRANSFERS:
            raise ValueError(f"event {b.seq}: {a.state} -> {b.state} is not an allowed move")
    return ordered[-1].state


def history(engine: Engine, code: str) -> list[Event]:
    """The events of a dossier, first to last (empty for an unknown code)."""
    ev = tables.events
    query = sa.select(ev.c.seq, ev.c.state, ev.c.at, ev.c.who, ev.c.place, ev.c.record_no, ev.c.reason)
    with engine.connect() as conn:
        rows = conn.execute(query.where(ev.c.dossier_code == code).order_by(ev.c.seq)).all()
    return [Event(*r) for r in rows]


def taken_at_home(events: Iterable[Event]) -> Event | None:
    """The move in which a home pickup's paper dossier was taken at the applicant's address (digitised there, or
    taken on to its authority): when the dossier was really received from the applicant; None before."""
    return next((e for e in events if e.place == "address" and e.state in ("digitised", "to_authority")), None)


def current(engine: Engine, code: str) -> dict:
    """The dossier's row as a dict, with ``place``, where its last event happened (personal data included: callers
    check the role and log the read).

    Raises
    ------
    UnknownError
        No dossier has this code.
    """
    d, ev = tables.dossiers, tables.events
    last = d.outerjoin(ev, sa.and_(ev.c.dossier_code == d.c.code, ev.c.seq == d.c.seq))
    with engine.connect() as conn:
        row = conn.execute(sa.select(d, ev.c.place).select_from(last).where(d.c.code == code)).mappings().first()
    if row is None:
        raise UnknownError(f"no dossier {code!r}", code="dossier_not_found", dossier=code)
    return dict(row)


def move(
    engine: Engine,
    code: str,
    to: str,
    *,
    who: str,
    place: str | None = None,
    record_no: str | None = None,
    at: datetime | None = None,
    expected_seq: int | None = None,
) -> Event:
    """Move a dossier to state ``to``, appending its event.

    Parameters
    ----------
    engine
        The store.
    code
        The dossier's code.
    to
        The state to move to.
    who
        User name (or ``portal``) recording the move.
    place
        Where: an agency id, an authority code or ``address``.
    record_no
        Number of the signed handover record (required for a handover, :data:`HANDOVERS`).
    at
        When (now when omitted).
    expected_seq
        The event number the caller read; the move is refused if the dossier moved since.

    Returns
    -------
    Event
        The new event.

    Raises
    ------
    UnknownError
        No dossier has this code.
    TransitionError
        The move is not allowed from the dossier's state (the message names the dossier, its state and the move).
    ConflictError
        Another move was recorded since the dossier was read; read it again and retry.
    """
    with engine.begin() as conn:
        return advance(conn, code, to, who=who, place=place, record_no=record_no, at=at, expected_seq=expected_seq)


def advance(
    conn: Connection,
    code: str,
    to: str,
    *,
    who: str,
    place: str | None = None,
    record_no: str | None = None,
    at: datetime | None = None,
    expected_seq: int | None = None,
    reason: str | None = None,
    signed: bool = False,
) -> Event:
    """:func:`move` in the caller's transaction, so that several dossiers (one stop's) move together or not at all;
    ``reason`` says why, as a machine code (a failed delivery's); a handover ``signed`` for on a phone or tablet
    (:mod:`ops.proofs`, written by the caller) needs no record number.

    The dossier is read before the transaction's first write (the SQLite driver begins it at that write), and
    :func:`append` refuses the move if it moved since.
    """
    d = tables.dossiers
    row = conn.execute(sa.select(d.c.state, d.c.seq, d.c.channel).where(d.c.code == code)).first()
    if row is None:
        raise UnknownError(f"no dossier {code!r}", code="dossier_not_found", dossier=code)
    state, seq, channel = row.state, row.seq, row.channel
    if expected_seq is not None and expected_seq != seq:
        raise ConflictError(
            f"dossier {code} moved since event {expected_seq} (now {state}, event {seq})",
            code="dossier_moved",
            dossier=code,
            seq=expected_seq,
        )
    check_move(code, state, to, channel=channel)
    if needs_record(to, channel=channel) and not (record_no or signed):
        raise TransitionError(
            f"dossier {code}: the move to {to} is a handover and needs record_no",
            code="handover_needs_record",
            dossier=code,
            to=to,
        )
    event = Event(seq + 1, to, utc(at or datetime.now(UTC)), who, place, record_no, reason)
    append(conn, code, seq, event)
    if to == "at_authority":
        _apply_waiting_decision(conn, code, event.seq)
    log.info("dossier %s: %s -> %s by %s", code, state, to, who)
    return event


def transfer(
    conn: Connection, code: str, *, who: str, place: str, record_no: str | None = None, at: datetime | None = None
) -> Event:
    """Record that a dossier changed hands without changing state (:data:`TRANSFERS`), in the caller's transaction:
    an event of the same state at its new ``place``, with the signed record's number where there is one.

    Raises
    ------
    UnknownError
        No dossier has this code.
    TransitionError
        The dossier is in a state that does not change hands so (it is at an authority, on its way ...).
    """
    d = tables.dossiers
    row = conn.execute(sa.select(d.c.state, d.c.seq).where(d.c.code == code)).first()
    if row is None:
        raise UnknownError(f"no dossier {code!r}", code="dossier_not_found", dossier=code)
    if row.state not in TRANSFERS:
        raise TransitionError(
            f"dossier {code} is {row.state}: it changes hands only by a move",
            code="transition_refused",
            dossier=code,
            state=row.state,
            to=row.state,
        )
    event = Event(row.seq + 1, row.state, utc(at or datetime.now(UTC)), who, place, record_no)
    append(conn, code, row.seq, event)
    log.info("dossier %s: %s, handed to %s by %s", code, row.state, place, who)
    return event


def append(conn: Connection, code: str, seq: int, event: Event) -> None:
    """Append ``event`` to a dossier's journey after event ``seq``, in the caller's transaction.

    The conditional update is the transaction's first write, so it waits for the other writers and sees their
    commits (SQLite) or takes the row lock (PostgreSQL); :class:`ConflictError` when the dossier moved since.
    """
    d = tables.dossiers
    done = conn.execute(
        d.update()
        .where(d.c.code == code, d.c.seq == seq)
        .values(state=event.state, seq=event.seq, updated_at=datetime.now(UTC))
    )
    if done.rowcount != 1:
        raise ConflictError(
            f"dossier {code} moved since event {seq}; read it again and retry",
            code="dossier_moved",
            dossier=code,
            seq=seq,
        )
    conn.execute(
        tables.events.insert().values(
            dossier_code=code,
            seq=event.seq,
            state=event.state,
            at=event.at,
            who=event.who,
            place=event.place,
            record_no=event.record_no,
            reason=event.reason,
        )
    )


def _apply_waiting_decision(conn: Connection, code: str, seq: int) -> None:
    """Record the portal's decision that arrived before the dossier reached its authority."""
    pe = tables.portal_events
    waiting = conn.execute(
        sa.select(pe.c.id, pe.c.at).where(pe.c.dossier_code == code, pe.c.event == "decided", ~pe.c.applied)
    ).first()
    if waiting is not None:
        append(conn, code, seq, Event(seq + 1, "decided", waiting.at, "portal", None, None))
        conn.execute(pe.update().where(pe.c.id == waiting.id).values(applied=True))


def summary(engine: Engine) -> dict:
    """``{"total": N, "by_state": {...}, "by_procedure": {...}}`` of the dossiers in the store."""
    d = tables.dossiers
    with engine.connect() as conn:
        by_state: dict[str, int] = {
            s: n for s, n in conn.execute(sa.select(d.c.state, sa.func.count()).group_by(d.c.state))
        }
        by_procedure: dict[str, int] = {
            p: n for p, n in conn.execute(sa.select(d.c.procedure, sa.func.count()).group_by(d.c.procedure))
        }
    return {
        "total": sum(by_state.values()),
        "by_state": {s: by_state[s] for s in STATES if s in by_state},
        "by_procedure": {p: by_procedure[p] for p in PROCEDURES if p in by_procedure},
    }


LISTED = (
    "code",
    "procedure",
    "state",
    "received_at",
    "due_date",
    "agency_id",
    "authority_code",
    "channel",
    "return_mode",
)
"""The columns of :func:`listing`: no personal data."""


def listing(
    engine: Engine,
    *,
    agency_id: str | None = None,
    state: str | None = None,
    due_before: date | None = None,
    also: Sequence[sa.ColumnElement[bool]] = (),
    limit: int = 100,
    offset: int = 0,
) -> tuple[int, list[dict]]:
    """Open dossiers (not returned nor cancelled), the most urgent first (due date, then received), without personal
    data, with the time of their last event (``since``: in their state since then), and how many there are. Results
    waiting at their agency (``state`` ``for_collection``) come the longest waiting first: none of them is late.

    Parameters
    ----------
    agency_id
        Only those received at this agency.
    state
        Only those in this state (a closed one lists the closed); every open state when omitted.
    due_before
        Only those due before this day whose result is still owed (:data:`OWED_STATES`: overdue, given today).
    also
        Conditions of the caller's on a row of :data:`ops.tables.dossiers` (its applicant not reached by the notice
        of where it stands: :func:`ops.notices.unreached`).
    limit, offset
        The page of the list.
    """
    d = tables.dossiers
    where: list[sa.ColumnElement[bool]] = [d.c.state == state if state is not None else d.c.state.in_(OPEN_STATES)]
    if agency_id is not None:
        where.append(d.c.agency_id == agency_id)
    if due_before is not None:
        where += [d.c.due_date < due_before, d.c.state.in_(OWED_STATES)]
    where += also
    ev = tables.events
    last = ev.join(d, sa.and_(ev.c.dossier_code == d.c.code, ev.c.seq == d.c.seq))
    query = sa.select(*(d.c[c] for c in LISTED), ev.c.at.label("since")).select_from(last).where(*where)
    urgent = (ev.c.at,) if state == "for_collection" else (d.c.due_date, d.c.received_at)
    with engine.connect() as conn:
        total = conn.execute(sa.select(sa.func.count()).select_from(d).where(*where)).scalar_one()
        rows = conn.execute(query.order_by(*urgent, d.c.code).limit(limit).offset(offset))
        return total, [dict(r._mapping) for r in rows]


def within(engine: Engine, polygon_wkt: str, *, states: Iterable[str] = ("decided",)) -> list[str]:
    """Codes of the dossiers in ``states`` whose applicant address lies inside a polygon (lon/lat WKT).

    On PostgreSQL this is one query on the PostGIS ``geom`` column and its spatial index; on SQLite a bounding
    box query, then the exact test with shapely.
    """
    d = tables.dossiers
    wanted = list(states)
    if engine.dialect.name == "postgresql":
        # geom is generated by the database from lon and lat (migration 0001), so it is not a Core column.
        inside = sa.func.ST_Within(sa.literal_column("dossiers.geom"), sa.func.ST_GeomFromText(polygon_wkt, 4326))
        query = sa.select(d.c.code).where(d.c.state.in_(wanted), inside).order_by(d.c.code)
        with engine.connect() as conn:
            return list(conn.scalars(query))
    shape = shapely.from_wkt(polygon_wkt)
    west, south, east, north = shape.bounds
    query = sa.select(d.c.code, d.c.lon, d.c.lat).where(
        d.c.state.in_(wanted), d.c.lon.between(west, east), d.c.lat.between(south, north)
    )
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(d.c.code)).all()
    hits = shapely.contains_xy(shape, [r.lon for r in rows], [r.lat for r in rows]) if rows else []
    return [r.code for r, hit in zip(rows, hits, strict=True) if hit]
