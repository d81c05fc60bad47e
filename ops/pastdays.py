"""Synthetic past working days carried out as the service carries out a day: planned from the store, then settled
stop by stop by the postmen's events.

:mod:`ops.journeys` writes the moves of the past in bulk, without plans. For the last working days before a moment,
this module plans each day from the dossiers as they stand that morning (:func:`ops.day.plan`, balanced) and
records every stop of every route through :func:`ops.dayevents.record`, as the postman's page does: the dossiers
move by those events, the handover records are used, the doors are signed for and the doors nobody opened are
photographed. The dispatcher's week of work (:mod:`ops.performance`), the day pages, the sheets and the photos at the
counter then show real work. What the plans do not carry (other agencies' dossiers, decisions, results collected at
the counter) is carried out by :mod:`ops.journeys` between the days.

The postmen run late by a random walk along their routes, say they came to most visits some minutes before settling
their first stop (``arrived``: the week's figures time the visits from it), a few events are recorded away from their
stop, and a
share of the results brought to a door find nobody there, are refused or find no such address (assumptions below);
pickups and handovers at offices and the home pickups always succeed here, so that no dossier is left for
:mod:`ops.journeys` to move on a day its plan has spoken for.
"""

from __future__ import annotations

import base64
import io
import logging
import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from PIL import Image, ImageDraw
from tqdm import tqdm

from geo import warm
from geo.addressmap import AddressMap
from geo.hours import HANOI, is_working_day
from ops import day as days
from ops import dayevents, journeys, proofs, records
from ops.accounts import Principal
from ops.daytasks import day_start
from ops.store import Store
from routing import alns
from routing.problem import clock

log = logging.getLogger(__name__)

FAILED_AT_DOOR = 0.1
"""Share of the results brought to a citizen's door that are not handed over (assumption)."""

DOOR_FAILURES = {"nobody_home": 0.8, "address_not_found": 0.1, "refused": 0.1}
"""Why, with their shares (assumption): mostly nobody at home, who is tried again the next day."""

PHOTOGRAPHED = 0.6
"""Share of those failures the postman photographs the door of (assumption)."""

DRIFT_MIN, SPREAD_MIN = 0.8, 2.5
"""Each stop adds to the postman's delay behind his plan a normal draw of this mean and spread, minutes
(assumption: a route of 40 stops ends some 30 minutes late); he is never more than :data:`AHEAD_MIN` early."""

AHEAD_MIN = 5.0
"""The most a postman is ahead of his plan, minutes."""

ARRIVAL_SAID = 0.9
"""Share of visits the postman says he came to (``arrived``) before settling their stops (assumption: now and then the
button is forgotten)."""

BEFORE_FIRST_MIN = {"door": (6.5, 2.0), "office": (7.0, 3.0)}
"""Minutes from coming to a visit to settling its first stop, mean and spread of a normal draw (at least 2): at a
door, the papers checked and signed (the plan gives 5 minutes); at an office, parking and the counter's queue, then
the first dossier (the plan gives 4 to 5) (assumption)."""

FAR = 0.03
"""Share of events recorded with the phone away from the stop, 400-900 m (assumption: a form filled in later)."""

PLANNED_AT = time(7, 0)
"""When each day is planned, Hanoi time."""


@dataclass(frozen=True)
class Carried:
    """What :func:`carry_out` did: the days planned, the stop events recorded (failures among them) and the moves
    :mod:`ops.journeys` wrote."""

    days: tuple[str, ...]
    events: int
    failures: int
    moves: int


def working_days_before(until: datetime, count: int) -> list[datetime]:
    """The starts (midnight, Hanoi) of the last ``count`` working days before the day of ``until``, oldest first."""
    day = until.astimezone(HANOI).date()
    found: list[datetime] = []
    while len(found) < count:
        day -= timedelta(days=1)
        if is_working_day(day):
            found.append(day_start(day))
    return found[::-1]


def carry_out(
    store: Store,
    amap: AddressMap,
    until: datetime,
    *,
    planned_days: int,
    seed: int,
    time_limit_s: float,
    progress: bool = False,
) -> Carried:
    """Carry out the synthetic dossiers until ``until``: the last ``planned_days`` working days before it by plans
    and stop events, the rest by :func:`ops.journeys.carry_out`.

    Parameters
    ----------
    store
        The store, with its synthetic dossiers and postmen accounts (the plans' crew).
    amap
        The map.
    until
        Nothing is done at or after it.
    planned_days
        Working days planned and carried out stop by stop.
    seed
        Seed of the delays, failures, positions, signatures and photos (and of :mod:`ops.journeys`).
    time_limit_s
        Time limit of each day's plan, s.
    progress
        Show the days on standard error.

    Returns
    -------
    Carried
        The days planned and what was written.
    """
    rng = random.Random(seed)
    moves = events = failures = 0
    planned: list[str] = []
    # The first plan would compile the search and the routes' code (numba caches them), not within its time limit.
    alns.warm_up()
    warm.warm_up(amap)
    for start in tqdm(working_days_before(until, planned_days), desc="planned days", disable=not progress):
        moves += journeys.carry_out(store.engine, start, seed=seed)
        day = start.date()
        plan_id, answer = days.plan(
            store, amap, day, time_limit_s=time_limit_s, balanced=True, at=datetime.combine(day, PLANNED_AT, HANOI)
        )
        if plan_id is None:
            continue
        planned.append(day.isoformat())
        numbers = records.numbers(store.engine, plan_id)
        for route in answer["routes"]:
            done = _route(store, start, route, numbers, rng, seed)
            events += len(done)
            failures += sum(e["event"] == "failed" for e in done)
    moves += journeys.carry_out(store.engine, until, seed=seed)
    log.info("past days %s: %d stop events (%d failed), %d moves", planned, events, failures, moves)
    return Carried(tuple(planned), events, failures, moves)


def _route(store: Store, start: datetime, route: dict, numbers: dict, rng: random.Random, seed: int) -> list[dict]:
    """Record every stop of ``route`` on the day beginning at ``start``, in order, late by a random walk.

    Whether a stop fails is drawn from its day and dossiers, not from its place in the route: a day planned
    otherwise (a search run by the clock) fails at the same doors."""
    postman = Principal(route["postman"], "postman")
    late, last = 0.0, start
    recorded: list[dict] = []
    for run in records.runs(route["stops"]):
        settled = []
        for stop in run:
            late = max(-AHEAD_MIN, late + rng.gauss(DRIFT_MIN, SPREAD_MIN))
            last = max(last + timedelta(seconds=30), start + timedelta(seconds=clock(stop["departure"]), minutes=late))
            settled.append(last)
        if rng.random() < ARRIVAL_SAID:
            came = _came(run[0], settled[0], previous=recorded[-1]["at"] if recorded else None, rng=rng)
            for stop in run:
                dayevents.record(store, start.date(), task=stop["task"], event="arrived", who=postman, at=came)
        for stop, at in zip(run, settled, strict=True):
            fate = random.Random(f"{seed} {start.date()} {stop['kind']} {' '.join(stop['dossiers'])}")
            recorded.append(_settle(store, start, stop, numbers, rng, fate, postman, at))
    return recorded


def _came(stop: dict, first: datetime, *, previous: str | None, rng: random.Random) -> datetime:
    """When the postman came to the visit beginning with ``stop``, its first stop settled at ``first``: some minutes
    before (:data:`BEFORE_FIRST_MIN`), after the event before it (``previous``, ISO) and a minute on the road."""
    mean, spread = BEFORE_FIRST_MIN["door" if stop["place"].startswith("address:") else "office"]
    came = first - timedelta(minutes=max(2.0, rng.gauss(mean, spread)))
    if previous is not None:
        came = max(came, datetime.fromisoformat(previous) + timedelta(minutes=1))
    return min(came, first)


def _settle(
    store: Store,
    start: datetime,
    stop: dict,
    numbers: dict,
    rng: random.Random,
    fate: random.Random,
    postman: Principal,
    at: datetime,
) -> dict:
    """Record ``stop``'s event at ``at``: picked up, handed over, delivered, or at a door failed as ``fate`` says."""
    door = stop["place"].startswith("address:")
    task, kind = stop["task"], stop["kind"]
    details: dict = {"position": _position(stop, rng), "at": at}
    if kind == "delivery" and door and fate.random() < FAILED_AT_DOOR:
        reason = fate.choices(list(DOOR_FAILURES), weights=list(DOOR_FAILURES.values()))[0]
        photo = _door_photo(rng) if fate.random() < PHOTOGRAPHED else None
        details |= {"reason_code": reason, "photo": photo}
        event = "failed"
    elif kind == "pickup":
        event = "picked_up"
        details |= {"proof": proofs.synthetic(rng)} if door else {"record_no": numbers.get((task, kind))}
    elif door:
        event = "delivered"
        details["proof"] = proofs.synthetic(rng)
    else:
        event = "handed_over"
        details["record_no"] = numbers[(task, kind)]
    return dayevents.record(store, start.date(), task=task, event=event, who=postman, **details)


def _position(stop: dict, rng: random.Random) -> dict:
    """Where the phone was: a few metres from the stop, now and then hundreds of metres away."""
    metres = rng.uniform(400, 900) if rng.random() < FAR else abs(rng.gauss(0, 12))
    heading = rng.uniform(0, 2 * math.pi)
    north, east = metres * math.cos(heading), metres * math.sin(heading)
    lat = stop["lat"] + north / 111_320
    lon = stop["lon"] + east / (111_320 * math.cos(math.radians(stop["lat"])))
    return {"lat": round(lat, 6), "lon": round(lon, 6), "accuracy_m": round(rng.uniform(5, 25))}


def _door_photo(rng: random.Random) -> str:
    """A made-up photo of a closed door, marked SYNTHETIC, as the data URL the postman's page sends.

    Drawn here: no photo of a real door may stand for one in synthetic data.
    """
    wall = tuple(rng.randrange(170, 230) for _ in range(3))
    door = tuple(rng.randrange(60, 140) for _ in range(3))
    image = Image.new("RGB", (640, 480), wall)
    draw = ImageDraw.Draw(image)
    left = rng.randrange(180, 300)
    draw.rectangle((left, 90, left + 170, 470), fill=door, outline=(40, 40, 40), width=4)
    draw.ellipse((left + 140, 270, left + 154, 284), fill=(210, 180, 60))
    draw.rectangle((left + 50, 40, left + 120, 75), fill=(30, 60, 140))
    draw.text((left + 58, 50), f"{rng.randrange(1, 200)}", fill=(255, 255, 255), font_size=22)
    draw.text((20, 20), "SYNTHETIC", fill=(200, 0, 0), font_size=36)
    kept = io.BytesIO()
    image.save(kept, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(kept.getvalue()).decode()
