"""The day's tasks from the dossiers' states: what postmen must carry on a date, as records of
:func:`ops.scenario.from_records`.

- Paper dossiers ``received`` or ``digitised`` at an agency -> a shuttle to their authority; the
  dossiers of one agency for one authority are one pickup and one handover, with their summed load (split only
  where the sum exceeds a postman's capacity).
- ``decided`` results -> from the authority back to the agency (grouped the same way), or to the citizen's
  address when ``return_mode`` is ``address`` (within a household's hours, :data:`ops.scenario.HOME_HOURS`).
  A ``failed_return`` (nobody at home) waits at its agency and is brought to the address again, up to
  :data:`DOOR_ATTEMPTS` tries at the door; after them, or once the result was refused or the address not found
  (:data:`FOR_COLLECTION`), it goes to its agency, where the citizen collects it. One for collection at its agency
  (the agency closed, or a re-plan left no time) goes there from the post office it was brought back to (before,
  it was taken to the applicant's door).
- Home-pickup requests (``channel`` ``home_pickup``, priority groups) still ``received`` -> a pickup at the
  address in the window asked for (:data:`ops.scenario.PICKUP_WINDOW_S` from the time of the request), taken to
  the authority; a request of an earlier day not yet served is picked up any time in a household's hours. On a
  day the authority is closed (a weekend, a public holiday) it is taken to its agency, if open, and goes on with
  the next working day's shuttle (:mod:`ops.dayevents`: ``digitised`` there; brought back undelivered, from the
  postman's post office).
- A dossier still in a postman's bag from an earlier day (``to_authority`` or ``returning``, or a home pickup
  ``digitised`` at the door: picked up, and neither handed over nor recorded brought back) is no task: nobody
  knows where it is until its event is recorded. It is listed as left out (``still_carried``, with the postman
  and since when), so that the day's waiting list asks for it; it was missing from every later day's plan
  before.
- Priority grows as the due date nears (:data:`PRIORITY_BY_DAYS_LEFT`); a dossier past its due date is
  mandatory. A task takes the highest priority of its dossiers and is mandatory if one of them is.

A dossier counts in the state it had reached when the day began (what comes in during the day waits for the
next one, except the home pickups asked for that day, and the dossiers a postman sent home brought back, which a
re-plan gives another postman: :func:`ops.day.replan`). Dossiers that cannot become a task (agency,
authority or address not on the map) are listed with the reason.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlalchemy.sql.expression import ColumnElement

from geo import snap
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, authorities, scenario, tables
from ops.dossiers import utc
from routing.plan import Reason
from routing.problem import hhmm

log = logging.getLogger(__name__)

PRIORITY_BY_DAYS_LEFT = {0: 5, 1: 4, 2: 3, 3: 2, 4: 2}
"""Priority of a dossier by days left to its due date (1 when more than four days are left; assumption: the
last working week before the appointment counts as near)."""

DOOR_ATTEMPTS = 2
"""Tries at the citizen's door before a result is kept at its agency for collection (assumption: as the post
office does with a registered item, a second try and then a notice to collect it)."""

FOR_COLLECTION = ("refused", "address_not_found")
"""Failures at the door (``dossier_events.reason``, :data:`ops.dayevents.FAILURES`) after which the door is not
tried again: the result goes to its agency for collection."""

NOT_AT_DOOR = ("no_time",)
"""Failures that were no try at the door: the postman did not get there."""

HOME_PICKUP_PRIORITY = 4
"""Least priority of a home pickup (priority groups: people with meritorious service, social protection)."""

SHUTTLE_STATES = ("received", "digitised")
RETURN_STATES = ("decided", "failed_return")
CARRIED_STATES = ("to_authority", "returning")
"""States of a dossier in a postman's bag (and ``digitised`` at the applicant's door: :func:`carried`)."""


def carried(row: sa.Row) -> bool:
    """Whether the dossier of ``row`` (its state and its last event's ``place``) is in a postman's bag: on its way,
    or a home pickup digitised at the door and not yet handed over at a post office (:mod:`ops.dayevents`)."""
    return row.state in CARRIED_STATES or (row.state == "digitised" and row.place == "address")


@dataclass
class DayTasks:
    """The tasks of a day and the dossiers behind them.

    Attributes
    ----------
    tasks
        Task records (``id``, ``kind``, ``pickup``, ``delivery``, ``load``, windows, ``priority``, ``mandatory``).
    addresses
        Places the tasks visit that are not the map's (:func:`ops.scenario.from_records`): citizens' addresses,
        ``id`` (``address:<code>``), ``lat``, ``lon``; and authorities located by a point the operator imported
        (:func:`ops.authorities.located`), with ``role`` ``authority``.
    dossiers
        Task id -> codes of the dossiers it carries.
    excluded
        Dossiers that could not become a task, as :func:`left_out` gives them.
    synthetic
        Whether a dossier the tasks carry is synthetic (the day's plan then says so, as its pages and sheets do).
    """

    tasks: list[dict] = field(default_factory=list)
    addresses: list[dict] = field(default_factory=list)
    dossiers: dict[str, list[str]] = field(default_factory=dict)
    excluded: list[dict] = field(default_factory=list)
    synthetic: bool = False

    @property
    def codes(self) -> list[str]:
        """Every dossier of the tasks."""
        return [c for codes in self.dossiers.values() for c in codes]


def left_out(code: str, why: Reason) -> dict:
    """A dossier left out of the day (no task, or its task unserved): ``code``, ``reason`` in words, and
    ``reason_code`` and ``values`` as in :class:`routing.plan.Reason`."""
    return {"code": code, "reason": why.text, "reason_code": why.code, "values": why.values}


def urgency(due: date, day: date) -> tuple[int, bool]:
    """Priority (1-5) and whether it is mandatory, of a dossier due on ``due``, on ``day``."""
    left = (due - day).days
    if left < 0:
        return 5, True
    return PRIORITY_BY_DAYS_LEFT.get(left, 1), False


def day_start(day: date) -> datetime:
    """Midnight at the start of ``day`` in Hanoi."""
    return datetime.combine(day, time(0, 0), HANOI)


def _rows(
    engine: Engine,
    day: date,
    agencies: Collection[str] | None,
    skip: Collection[str],
    again: Collection[str],
    known_at: datetime | None,
) -> list[sa.Row]:
    """The dossiers waiting on ``day``: in a waiting state reached before the day began, the home pickups asked
    for that day (before ``known_at``, when given), and those of ``again`` (a store holding later events, such as a
    whole synthetic quarter, is read as it stood then)."""
    asked_by = day_start(day + timedelta(days=1))
    asked_by = asked_by if known_at is None else min(asked_by, known_at)
    d, ev = tables.dossiers, tables.events
    tried = ev.alias("tried")
    # Counted for the failed returns only (the others need no count, and a quarter's store holds thousands).
    counted = sa.select(sa.func.count()).where(tried.c.dossier_code == d.c.code, door_try(tried)).scalar_subquery()
    door_tries = sa.case((d.c.state == "failed_return", counted), else_=0)
    waiting = sa.or_(
        sa.and_(d.c.state.in_(SHUTTLE_STATES), d.c.channel != "online"),
        d.c.state.in_(RETURN_STATES + CARRIED_STATES),
    )
    last = sa.and_(ev.c.dossier_code == d.c.code, ev.c.seq == d.c.seq)
    query = (
        sa.select(
            d.c.code,
            d.c.state,
            d.c.channel,
            d.c.return_mode,
            d.c.agency_id,
            d.c.authority_code,
            d.c.received_at,
            d.c.due_date,
            d.c.lat,
            d.c.lon,
            d.c.synthetic,
            ev.c.who,
            ev.c.at,
            ev.c.place,
            ev.c.reason,
            door_tries.label("door_tries"),
        )
        .join(ev, last)
        .where(
            waiting,
            sa.or_(
                ev.c.at < day_start(day),
                sa.and_(
                    d.c.channel == "home_pickup",
                    d.c.state == "received",
                    ev.c.at < asked_by,
                ),
                d.c.code.in_(sorted(again)),
            ),
        )
    )
    if agencies is not None:
        query = query.where(d.c.agency_id.in_(sorted(agencies)))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(d.c.code)).all()
    return [r for r in rows if r.code not in skip]


def _on_roads(amap: AddressMap, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Whether each point is inside the map and near enough to a road to be snapped."""
    net = amap.network
    inside = (
        (lon >= net.node_lon.min())
        & (lon <= net.node_lon.max())
        & (lat >= net.node_lat.min())
        & (lat <= net.node_lat.max())
    )
    near = np.zeros(len(lon), dtype=bool)
    if inside.any():
        near[inside] = snap.road_distances(net, lon[inside], lat[inside]) <= snap.DEFAULT_MAX_DISTANCE_M
    return near


def door_try(events: sa.FromClause) -> ColumnElement[bool]:
    """Whether a row of ``events`` (``dossier_events`` or an alias) is a try at the citizen's door that failed: a
    failed return, but one where the postman did not get there (:data:`NOT_AT_DOOR`); one recorded before reasons had
    codes was at the door, nobody at home."""
    return sa.and_(
        events.c.state == "failed_return", sa.or_(events.c.reason.is_(None), events.c.reason.not_in(NOT_AT_DOOR))
    )


def door_given_up(tries: int, reason: str | None) -> bool:
    """Whether a result asked for at the citizen's address, whose last try failed for ``reason`` after ``tries``
    at the door, goes to its agency for collection instead: tried :data:`DOOR_ATTEMPTS` times, or refused there,
    or its address not found (:data:`FOR_COLLECTION`)."""
    return reason in FOR_COLLECTION or tries >= DOOR_ATTEMPTS


def _for_collection(row: sa.Row) -> bool:
    """Whether a dossier of the waiting ones (:func:`_rows`) is a result kept at its agency for collection."""
    return row.state == "failed_return" and door_given_up(row.door_tries, row.reason)


def _home_pickup_to(amap: AddressMap, row: sa.Row, authority: str, day: date, office_hours: Mapping[str, str]) -> str:
    """Where a dossier picked up at home on ``day`` is taken: its authority, or, when that is closed all day (a
    weekend, a public holiday; in its own ``office_hours`` where it has them), its agency if open, where it waits
    for the next working day's shuttle instead of at the citizen's home."""
    agency = row.agency_id
    closed = not scenario.opening_windows(amap, authority, "authority", day, office_hours)
    if closed and agency in amap.agency_details and scenario.opening_windows(amap, agency, "agency", day):
        return agency
    return authority


def _still_carried(row: sa.Row, names: Mapping[str, str]) -> Reason:
    """Why a dossier picked up on an earlier day and neither handed over nor brought back is no task: who has it
    (``postman``, his ``postman_name``) since when (``since``, the ``day`` it was picked up)."""
    since = utc(row.at).astimezone(HANOI)
    values = {"postman": row.who, "since": f"{since:%H:%M}", "day": since.date().isoformat()}
    if row.who in names:
        values["postman_name"] = names[row.who]
    text = (
        f"still with postman {row.who} since {values['since']} on {values['day']}: record it handed over, or "
        "brought back to its agency (a failed event), before it can be planned again"
    )
    return Reason(text, "still_carried", values)


def from_states(
    engine: Engine,
    amap: AddressMap,
    day: date,
    *,
    agencies: Collection[str] | None = None,
    capacity: int = scenario.POSTMAN_CAPACITY,
    skip: Collection[str] = (),
    again: Collection[str] = (),
    first: int = 1,
    known_at: datetime | None = None,
) -> DayTasks:
    """The tasks of ``day`` from the dossiers in the store.

    Parameters
    ----------
    engine
        The store.
    amap
        The map (agencies, authorities, roads).
    day
        The date planned.
    agencies
        Only dossiers of these agencies (the area of a depot's postmen); all when omitted.
    capacity
        Most dossier units in one task (the smallest capacity of the postmen), so that every task fits.
    skip
        Codes already planned (a re-plan adds only the others).
    again
        Codes brought back during the day by a postman sent home (:func:`ops.day.replan`): planned again that day,
        picked up no earlier than they were brought back.
    first
        Number of the first task id (``T0001``...).
    known_at
        When the day is planned: the home pickups asked for later that day are not known yet (a synthetic past day
        planned in a store holding its whole quarter, :mod:`ops.pastdays`); all of the day's when omitted.

    Returns
    -------
    DayTasks
        Tasks, addresses, dossiers per task and the dossiers left out with reasons.
    """
    rows = _rows(engine, day, agencies, skip, again, known_at)
    out = DayTasks()
    if not rows:
        return out
    map_agencies, map_authorities = scenario.map_places(amap)
    agency_ids = set(map_agencies["place_id"])
    seats = authorities.located(engine)
    own = authorities.office_hours(engine)
    # Units at a point the operator imported (a gap of the map filled): on the day's places when on its roads.
    imported = [seat for seat in seats.values() if not seat.on_map]
    on_roads = _on_roads(amap, np.array([s.lon for s in imported]), np.array([s.lat for s in imported]))
    authority_ids = set(map_authorities["place_id"]) | {
        s.place_id for s, ok in zip(imported, on_roads, strict=True) if ok
    }
    home_ok = dict(
        zip(
            (r.code for r in rows),
            _on_roads(amap, np.array([r.lon for r in rows]), np.array([r.lat for r in rows])),
            strict=True,
        )
    )
    groups: dict[tuple[str, str, str], list[sa.Row]] = defaultdict(list)
    singles: list[tuple[str, sa.Row, str, str, str | None]] = []
    start = day_start(day)
    called = authorities.called(engine, {r.authority_code for r in rows})

    def unit(code: str) -> dict[str, str]:
        """The values of a reason about the unit ``code``: its code, and its name where the registry has it."""
        return {"authority": code} | ({"authority_name": called[code]} if code in called else {})

    carriers = accounts.full_names(engine, {r.who for r in rows if carried(r)})
    for r in rows:
        if carried(r):
            out.excluded.append(left_out(r.code, _still_carried(r, carriers)))
            continue
        seat = seats.get(r.authority_code)
        authority = None if seat is None else seat.place_id
        pickup_at_home = r.channel == "home_pickup" and r.state == "received"
        to_address = r.return_mode == "address" and r.state in RETURN_STATES and not _for_collection(r)
        needs_authority = r.state != "failed_return"
        needs_agency = not pickup_at_home
        if needs_agency and r.agency_id not in agency_ids:
            why = Reason(f"agency {r.agency_id} is not on the map", "agency_not_on_map", {"agency": r.agency_id})
            out.excluded.append(left_out(r.code, why))
        elif needs_authority and authority is None:
            text = f"authority {r.authority_code} has no location (agencynet dossiers gaps)"
            out.excluded.append(left_out(r.code, Reason(text, "authority_unlocated", unit(r.authority_code))))
        elif needs_authority and authority not in authority_ids:
            text = f"authority {r.authority_code} is not on the map's roads"
            out.excluded.append(left_out(r.code, Reason(text, "authority_off_roads", unit(r.authority_code))))
        elif (pickup_at_home or to_address) and not home_ok[r.code]:
            why = Reason("the applicant's address is off the map's roads", "address_off_roads")
            out.excluded.append(left_out(r.code, why))
        elif pickup_at_home:
            received = utc(r.received_at)
            window = None
            if received >= start:
                opens = int((received - start).total_seconds())
                window = f"{hhmm(opens)}-{hhmm(min(opens + scenario.PICKUP_WINDOW_S, 24 * 3600 - 60))}"
            singles.append(
                ("home_pickup", r, f"address:{r.code}", _home_pickup_to(amap, r, str(authority), day, own), window)
            )
        elif r.state == "failed_return":
            # From the post office it was brought back to (older records: its agency), to the door or its agency.
            back = r.place if r.place in agency_ids else r.agency_id
            singles.append(("result_return", r, back, f"address:{r.code}" if to_address else r.agency_id, None))
        elif to_address:
            singles.append(("result_return", r, str(authority), f"address:{r.code}", None))
        elif r.state == "decided":
            groups[("result_return", str(authority), r.agency_id)].append(r)
        else:
            # From where it waits: its agency, or the post office a home pickup was brought back to.
            at = r.place if r.state == "digitised" and r.place in agency_ids else r.agency_id
            groups[("shuttle", at, str(authority))].append(r)
    number = iter(range(first, first + len(rows) + 1))

    def ready(members: list[sa.Row], window: str | None = None) -> str | None:
        """The pickup window of ``members``: from when the last of them was brought back, if one was today."""
        back = [utc(m.at) for m in members if m.code in again and utc(m.at) >= start]
        if not back:
            return window
        return f"{hhmm(int((max(back) - start).total_seconds()))}-{hhmm(24 * 3600 - 60)}"

    def add(kind: str, pickup: str, delivery: str, members: list[sa.Row], window: str | None = None) -> None:
        marks = [urgency(m.due_date, day) for m in members]
        task_id = f"T{next(number):04d}"
        out.tasks.append(
            {
                "id": task_id,
                "kind": kind,
                "pickup": pickup,
                "delivery": delivery,
                "load": len(members),
                "pickup_window": ready(members, window),
                "priority": max([p for p, _ in marks] + [HOME_PICKUP_PRIORITY if kind == "home_pickup" else 1]),
                "mandatory": any(m for _, m in marks),
            }
        )
        out.dossiers[task_id] = [m.code for m in members]
        out.synthetic = out.synthetic or any(m.synthetic for m in members)

    for (kind, pickup, delivery), members in sorted(groups.items()):
        for k in range(0, len(members), max(capacity, 1)):
            add(kind, pickup, delivery, members[k : k + max(capacity, 1)])
    for kind, r, pickup, delivery, window in singles:
        add(kind, pickup, delivery, [r], window)
        if f"address:{r.code}" in (pickup, delivery):
            out.addresses.append({"id": f"address:{r.code}", "lat": r.lat, "lon": r.lon})
    visited = {place for t in out.tasks for place in (t["pickup"], t["delivery"])}
    out.addresses += [
        {"id": s.place_id, "lat": s.lat, "lon": s.lon, "role": "authority"} for s in imported if s.place_id in visited
    ]
    log.info("day %s: %d tasks for %d dossiers, %d left out", day, len(out.tasks), len(out.codes), len(out.excluded))
    return out
