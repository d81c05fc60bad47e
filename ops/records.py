"""The day's handover records (biên bản giao nhận hồ sơ), numbered by the system.

Dossiers change hands between a postman and an agency or authority against a record both sign (Circular
17/2017/TT-BTTTT art. 5): dossiers handed over to be decided, results handed back, the day's dossiers taken at an
agency, the results taken at the authority. The system issues one record for each visit of a postman's route to an
agency or authority (the stops in a row at one place, as his page groups them): what he hands over there and what he
takes. Its number is printed on his route sheet and on the record itself, to sign at the visit, and his phone offers
it when he records the handover or the pickup. An event recorded under one of the registry's numbers is checked
against it: the number of another visit, or a void one, is refused, so that a slip of the finger does not file the
dossiers under another record. A number of another form (a paper record of the authority's own) is taken as
written, as before.

Numbers run per day, ``BBGN-20260204-0007``, and none is issued twice: a registry of numbered records keeps the
spoilt ones too. A re-plan that changes a visit (a task added to it, or taken off the route) voids its record, said
why (``replanned``), and issues another; a new plan of the day does the same for the records of the one before. A
record whose stops were all settled without it is void: ``failed`` when the last one failed, ``replaced`` when it
went under another number or none.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ops import dossiers, stopkeys, tables
from ops.errors import FieldError

PREFIX = "BBGN"
"""The numbers' prefix: biên bản giao nhận."""

NUMBER = re.compile(rf"{PREFIX}-\d{{8}}-\d{{4,}}")
"""A number of the registry, ``BBGN-<day YYYYMMDD>-<its sequence in the day>``."""

Status = Literal["issued", "used", "void"]
"""A record to sign, one a handover was recorded under, a void one."""

VoidReason = Literal["replanned", "failed", "replaced"]
"""Why a record is void: its visit changed or left the plan, its stops failed, or went under other numbers (or
none)."""

Side = Literal["handed", "taken"]
"""What a record lists: the dossiers the postman hands over at the visit (the deliveries of its tasks there), and
those he takes (their pickups)."""

SIDES: dict[str, Side] = {"delivery": "handed", "pickup": "taken"}
"""The side of a record a stop of each kind is on."""

SETTLES: dict[Side, tuple[str, ...]] = {"handed": ("handed_over", "failed"), "taken": ("picked_up", "failed")}
"""The events that settle a task's stop on each side (a failure before the pickup settles both)."""

EVENT_SIDE: dict[str, Side] = {"handed_over": "handed", "picked_up": "taken"}
"""The side of a record an event records under its number."""

ISSUE_TRIES = 3
"""Tries at issuing a plan's records when another plan of the day took the same next number at once."""


@dataclass(frozen=True)
class Visit:
    """A postman's visit to an agency or authority: at ``place``, from his stop ``seq``, the tasks he hands over
    there (``handed``, their deliveries) and those he takes (``taken``, their pickups)."""

    postman: str
    place: str
    seq: int
    handed: tuple[str, ...]
    taken: tuple[str, ...]


def number(day: date, seq: int) -> str:
    """The number of the ``seq``-th record issued for ``day``."""
    return f"{PREFIX}-{day:%Y%m%d}-{seq:04d}"


def runs(stops: list[dict]) -> list[list[dict]]:
    """The stops of a route with a task in a row at one place, in order: a postman's visits (a citizen's door
    among them)."""
    tasks = [s for s in stops if s["task"]]
    return [list(run) for _, run in itertools.groupby(tasks, key=lambda s: s["place"])]


def visits(routes: list[dict]) -> list[Visit]:
    """The visits of a day's routes (:func:`ops.day.report`'s) to agencies and authorities, in route order
    (:func:`runs`; a citizen's address takes no record)."""
    out = []
    for route in routes:
        for group in runs(route["stops"]):
            place = group[0]["place"]
            if not place.startswith("address:"):
                handed, taken = ([s["task"] for s in group if SIDES[s["kind"]] == side] for side in ("handed", "taken"))
                out.append(Visit(route["postman"], place, group[0]["seq"], tuple(handed), tuple(taken)))
    return out


def settled_stops(events: dict[str, dict[str, dict]]) -> set[tuple[str, Side]]:
    """The stops settled by their tasks' events (:func:`ops.stopkeys.recorded`), as ``(task, side)``."""
    return {
        (task, side)
        for task, said in events.items()
        for side, ending in SETTLES.items()
        if any(e in said for e in ending)
    }


def issue(engine: Engine, day: date, plan_id: str, routes: list[dict], *, at: datetime | None = None) -> list[str]:
    """Issue the handover records of the plan ``plan_id`` of ``day``, new or re-planned.

    A visit whose stops still to settle are those of a record issued before keeps it; any other with a stop to
    settle gets a new number. The records left without their visit, and those of the day's other plans still to
    sign, are void (``replanned``). Stops settled already and those of a record used are in no new record.

    Parameters
    ----------
    engine
        The store's engine.
    day, plan_id
        The day and its plan.
    routes
        The plan's routes as :func:`ops.day.report` says them: each stop's ``task``, ``kind``, ``place`` and
        ``dossiers``.
    at
        When (now when omitted).

    Returns
    -------
    list of str
        The numbers issued now, in route order.
    """
    settled = settled_stops(stopkeys.recorded(engine, plan_id))
    carried = {(s["task"], SIDES[s["kind"]]): s["dossiers"] for r in routes for s in r["stops"] if s["task"]}
    when = at or datetime.now(UTC)
    tries = 0
    while True:
        tries += 1
        try:
            with engine.begin() as conn:
                return _issue(conn, day, plan_id, visits(routes), settled, carried, when)
        except sa.exc.IntegrityError:
            # Another plan of the day took the same next number at once: count again.
            if tries == ISSUE_TRIES:
                raise


def _issue(
    conn: Connection,
    day: date,
    plan_id: str,
    planned: list[Visit],
    settled: set[tuple[str, Side]],
    carried: dict[tuple[str, Side], list[str]],
    when: datetime,
) -> list[str]:
    r = tables.handover_records
    rows = conn.execute(sa.select(r).where(r.c.day == day)).mappings().all()
    used = {
        (t, side)
        for row in rows
        if row["plan_id"] == plan_id and row["status"] == "used"
        for side in ("handed", "taken")
        for t in row[side]["tasks"]
    }

    done = settled | used

    def pending(handed: Collection[str], taken: Collection[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The stops of a visit still to settle, each side."""
        return tuple(t for t in handed if (t, "handed") not in done), tuple(
            t for t in taken if (t, "taken") not in done
        )

    live = {
        (row["postman"], row["place"], pending(row["handed"]["tasks"], row["taken"]["tasks"])): row["no"]
        for row in rows
        if row["plan_id"] == plan_id and row["status"] == "issued"
    }
    stale = [row["no"] for row in rows if row["plan_id"] != plan_id and row["status"] == "issued"]
    new = []
    for visit in planned:
        sides = pending(visit.handed, visit.taken)
        key = (visit.postman, visit.place, sides)
        if any(sides) and live.pop(key, None) is None:
            new.append(key)
    stale += list(live.values())
    if stale:
        voided = {"status": "void", "voided_at": when, "void_reason": "replanned"}
        conn.execute(r.update().where(r.c.no.in_(stale), r.c.status == "issued").values(**voided))
    last = max((row["seq"] for row in rows), default=0)

    def side(tasks: tuple[str, ...], kind: Side) -> dict:
        return {"tasks": list(tasks), "dossiers": [c for t in tasks for c in carried[(t, kind)]]}

    issued = [
        {
            "no": number(day, last + k),
            "day": day,
            "seq": last + k,
            "plan_id": plan_id,
            "postman": postman,
            "place": place,
            "handed": side(handed, "handed"),
            "taken": side(taken, "taken"),
            "status": "issued",
            "issued_at": when,
        }
        for k, (postman, place, (handed, taken)) in enumerate(new, start=1)
    ]
    if issued:
        conn.execute(r.insert(), issued)
    return [str(row["no"]) for row in issued]


def _live(conn: Connection, plan_id: str, task: str, side: Side) -> sa.RowMapping | None:
    """The record of ``task``'s stop on ``side`` in plan ``plan_id``, still to sign or used, if any."""
    r = tables.handover_records
    rows = conn.execute(sa.select(r).where(r.c.plan_id == plan_id, r.c.status != "void")).mappings()
    return next((row for row in rows if task in row[side]["tasks"]), None)


def check(engine: Engine, plan_id: str, task: str, event: str, record_no: str | None) -> str | None:
    """The number an ``event`` of ``task`` (of plan ``plan_id``) at an agency or authority is recorded under.

    Parameters
    ----------
    engine
        The store's engine.
    plan_id, task
        The plan and the task.
    event
        ``handed_over`` or ``picked_up`` (:data:`EVENT_SIDE`).
    record_no
        The number the postman gives: one of the registry's (:data:`NUMBER`, in any case) must be the record of the
        task's stop; another (a paper form of the authority's own) is taken as written. None at a handover: the
        task's record (the officer signing on the phone signs it), or None when it has none; None at a pickup: None.

    Raises
    ------
    FieldError
        ``record_no`` names no record issued (``record_unknown``), a void one (``record_void``) or the record of
        another visit (``record_not_for_task``); the message says the task's own.
    """
    r = tables.handover_records
    side = EVENT_SIDE[event]
    with engine.connect() as conn:
        own = _live(conn, plan_id, task, side)
        if record_no is None:
            return None if own is None or side == "taken" else str(own["no"])
        no = record_no.strip().upper()
        if not NUMBER.fullmatch(no):
            return record_no
        row = conn.execute(sa.select(r).where(r.c.no == no)).mappings().first()
    mine = f"task {task}'s is {own['no']}" if own is not None else f"task {task} has none"
    ours = "" if own is None else str(own["no"])
    if row is None:
        text = f"no handover record {no} was issued ({mine})"
        raise FieldError("record_no", text, code="record_unknown", record_no=no, task=task, own=ours)
    if row["status"] == "void":
        text = f"handover record {no} is void, {row['void_reason']} ({mine})"
        raise FieldError("record_no", text, code="record_void", record_no=no, task=task, own=ours)
    if row["plan_id"] != plan_id or task not in row[side]["tasks"]:
        text = f"handover record {no} is another visit's ({mine})"
        raise FieldError("record_no", text, code="record_not_for_task", record_no=no, task=task, own=ours)
    return no


def settle(
    conn: Connection,
    plan_id: str,
    task: str,
    *,
    event: str,
    record_no: str | None,
    at: datetime,
    settled: Collection[tuple[str, Side]],
) -> None:
    """Write what a stop event of ``task`` does to its records, in the event's transaction ``conn``: an event under
    the record's number uses it; a record whose stops are then all settled, none under it, is void (``failed``
    after a failure, ``replaced`` after an event under another number or none).

    Parameters
    ----------
    settled
        The plan's stops settled before this event (:func:`settled_stops`).
    """
    now = set(settled) | {(task, side) for side, ending in SETTLES.items() if event in ending}
    r = tables.handover_records
    for side in ("handed", "taken"):
        row = _live(conn, plan_id, task, side) if (task, side) in now and (task, side) not in settled else None
        if row is None:
            continue
        if EVENT_SIDE.get(event) == side and record_no == row["no"]:
            used = {"status": "used", "used_at": sa.func.coalesce(r.c.used_at, at)}
            conn.execute(r.update().where(r.c.no == row["no"]).values(**used))
        elif row["status"] == "issued" and all((t, s) in now for s in ("handed", "taken") for t in row[s]["tasks"]):
            why = "failed" if event == "failed" else "replaced"
            conn.execute(r.update().where(r.c.no == row["no"]).values(status="void", voided_at=at, void_reason=why))


def numbers(engine: Engine, plan_id: str) -> dict[tuple[str, str], str]:
    """The number of the record of each stop in plan ``plan_id`` still to sign or used, by ``(task, kind)``
    (``kind`` a stop's: ``pickup`` or ``delivery``)."""
    r = tables.handover_records
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(r.c.no, r.c.handed, r.c.taken).where(r.c.plan_id == plan_id, r.c.status != "void")
        )
        return {
            (task, kind): no
            for no, handed, taken in rows
            for kind, listed in (("delivery", handed), ("pickup", taken))
            for task in listed["tasks"]
        }


def of_day(engine: Engine, day: date, *, postman: str | None = None) -> list[dict]:
    """The registry of ``day``: every number issued, in order (a postman's only, with ``postman``).

    Returns
    -------
    list of dict
        ``{"no", "seq", "plan_id", "postman", "place", "handed", "taken", "status", "void_reason", "issued_at",
        "used_at", "voided_at"}``: ``handed`` and ``taken`` each ``{"tasks", "dossiers"}``; the times in UTC (null
        until then).
    """
    r = tables.handover_records
    query = sa.select(r).where(r.c.day == day).order_by(r.c.seq)
    if postman is not None:
        query = query.where(r.c.postman == postman)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    times = ("issued_at", "used_at", "voided_at")
    return [
        {k: v for k, v in row.items() if k != "day" and k not in times}
        | {k: None if row[k] is None else dossiers.utc(row[k]).isoformat() for k in times}
        for row in rows
    ]


def procedures(engine: Engine, codes: Collection[str]) -> dict[str, str]:
    """The procedure of each dossier of ``codes``, as a record lists its dossiers."""
    d = tables.dossiers
    with engine.connect() as conn:
        return {code: p for code, p in conn.execute(sa.select(d.c.code, d.c.procedure).where(d.c.code.in_(codes)))}
