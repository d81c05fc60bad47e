"""When the postman is expected at a citizen's door today, for the citizen's tracking: the home pickup not yet
collected, or the result to be brought home, as a window around the planned arrival in the day's newest plan (as
delivery services give the recipient a window), until the stop is settled by its event (:mod:`ops.dayevents`).

The window follows the day as it goes, as delivery trackers move their estimate: a postman behind his plan (his
last stop settled later than planned, or a stop before the citizen's still open past its planned arrival) brings the
window that much later, and the citizen is told how many stops come before his, and when the postman is on his way
to the door (:func:`on_the_way`). Nothing else about the postman or his other stops."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from cachetools.func import ttl_cache

from geo.hours import HANOI
from ops import dayevents, stopkeys, tables
from ops.store import Store
from routing.problem import clock, hhmm

VISIT_MARGIN_S = 30 * 60
"""Half the window a citizen is told the postman comes in, around his planned arrival (assumption: an hour, as
parcel services announce their couriers; rounded outward to 5 minutes and kept within the stop's own window)."""

ON_THE_WAY_S = 20 * 60
"""How long before the postman is expected at a door, the stops of his route before it all settled, he is said to be
on his way (:func:`on_the_way`), as Onfleet tells a recipient once the task before is done (assumption: twenty
minutes, time to come home from the market or a neighbour's)."""

LATER_S = 15 * 60
"""How much later than the time an applicant was told the postman is on his way he must now be expected for the
applicant to be told again (:func:`later`; assumption: a quarter of an hour, what a wait at home bears before one
wonders whether he still comes)."""

NEWEST_PLAN_TTL_S = 10.0
"""How long tracking keeps which plan of a day is the newest, s: a re-plan reaches the citizens' page that much
later, and a dossier awaiting its postman is tracked without a query of the plans (bench/api.py: ``/track`` cost
twice as much in process with it)."""


def awaits_door(state: str, channel: str, return_mode: str) -> bool:
    """Whether a dossier in ``state`` waits for a postman at the citizen's door: a home pickup not yet collected, or
    a result to be brought home not yet handed over."""
    if channel == "home_pickup" and state == "received":
        return True
    return return_mode == "address" and state in ("decided", "returning", "failed_return")


def door_visit(store: Store, code: str, *, now: datetime) -> dict | None:
    """When the postman is expected at the door of dossier ``code`` today (Hanoi's date of ``now``), by the day's
    newest plan and the events recorded on his route since, for the citizen to be at home.

    Returns
    -------
    dict or None
        ``{"kind": "pickup" | "delivery", "date", "from", "to", "expected", "late", "arrived", "delay_min",
        "stops_before"}``: the dossier collected or its result brought, in the window ``from``-``to`` (``HH:MM``,
        :data:`VISIT_MARGIN_S` around the planned arrival, later by ``delay_min``, the minutes the postman is behind
        his plan: :func:`ops.dayevents.behind`); ``expected``, that arrival (``HH:MM``); ``late`` once the window is
        past and the stop not settled, or the delay would bring him after the stop's hours (the window and the
        arrival then the planned ones), unless he is there; ``arrived``, when he said he came to the door (``HH:MM``,
        the stop still to settle: he is there), else None; ``stops_before``, the stops of his route before the
        citizen's not settled yet. None when no plan of today has the dossier at its door, or the stop is settled
        (done or failed).
    """
    local = now.astimezone(HANOI)
    newest = _newest_plan(store, local.date().isoformat())
    if newest is None:
        return None
    door = _doors(store, *newest).get(code)
    if door is None:
        return None
    stop, earlier = door
    events = _events(store, newest[0], [*earlier, stop])
    settled = dayevents.settled_at([*earlier, stop], events)
    if (stop["task"], stop["kind"]) in settled:
        return None
    seconds = local.hour * 3600 + local.minute * 60
    came = dayevents.arrived_at([*earlier, stop], events)
    delay = dayevents.behind(earlier, settled, seconds, came)
    here = came.get((stop["task"], stop["kind"]))
    opens, closes = (clock(t) for t in stop["window"].split("-"))
    planned = clock(stop["arrival"])
    # So far behind that he would come after the stop's hours: the window planned, said late.
    beyond = planned + delay > max(closes, planned)
    arrival = planned if beyond else planned + delay
    start = max(opens, (arrival - VISIT_MARGIN_S) // 300 * 300)
    end = min(max(closes, arrival), -(-(arrival + VISIT_MARGIN_S) // 300) * 300)
    return {
        "kind": stop["kind"],
        "date": local.date().isoformat(),
        "from": hhmm(start),
        "to": hhmm(end),
        "expected": hhmm(arrival),
        "late": here is None and (beyond or seconds > end),
        "arrived": None if here is None else hhmm(here),
        "delay_min": delay // 60,
        "stops_before": sum((s["task"], s["kind"]) not in settled for s in earlier),
    }


def on_the_way(visit: dict, now: datetime) -> str | None:
    """When the postman on his way to the door of ``visit`` (:func:`door_visit` at ``now``) is expected, ``HH:MM``
    rounded up to five minutes, now at the earliest: once every stop of his route before the door is settled and he
    is expected within :data:`ON_THE_WAY_S`; None before, when he is late past the window, and once he is there."""
    if visit["late"] or visit["stops_before"] or visit.get("arrived"):
        return None
    expected, seconds = _expected(visit, now)
    return None if expected - seconds > ON_THE_WAY_S else _said(expected)


def later(visit: dict, now: datetime, told: str) -> str | None:
    """When the postman is now expected at the door of ``visit`` (:func:`door_visit` at ``now``), ``HH:MM`` as
    :func:`on_the_way` says it, if :data:`LATER_S` or more after the time the applicant was ``told`` (a re-plan put
    stops before his door, or the postman has fallen behind); None otherwise, when he is late past the window, and once
    he is there."""
    if visit["late"] or visit.get("arrived"):
        return None
    said = _said(_expected(visit, now)[0])
    return said if clock(said) - clock(told) >= LATER_S else None


def _expected(visit: dict, now: datetime) -> tuple[int, int]:
    """When the postman is expected at the door of ``visit``, now at the earliest, and now: seconds of Hanoi's day."""
    local = now.astimezone(HANOI)
    seconds = local.hour * 3600 + local.minute * 60 + local.second
    return max(clock(visit["expected"]), seconds), seconds


def _said(expected: int) -> str:
    """A time expected as the applicant is told it: ``HH:MM``, rounded up to five minutes."""
    return hhmm(-(-expected // 300) * 300)


def _events(store: Store, plan_id: str, stops: list[dict]) -> dict[str, dict[str, dict]]:
    """The events recorded at ``stops`` of a plan, those that settle them and the arrivals, by task and event (as
    :func:`ops.stopkeys.recorded` reads them all), in one indexed read."""
    k = tables.idempotency
    names = (*dayevents.SETTLING, *(dayevents.arrival(side) for side in ("pickup", "delivery")))
    keys = {stopkeys.event_key(plan_id, s["task"], e): (s["task"], e) for s in stops for e in names}
    with store.engine.connect() as conn:
        rows = conn.execute(sa.select(k.c.key, k.c.response).where(k.c.key.in_(keys)))
        events: dict[str, dict[str, dict]] = {}
        for key, answer in rows:
            task, event = keys[key]
            events.setdefault(task, {})[event] = answer
    return events


def doors(store: Store, day: str) -> dict[str, tuple[dict, list[dict]]]:
    """The stops at citizens' doors of the newest plan of ``day`` (``YYYY-MM-DD``) by the dossiers they serve, each
    with the task stops of its route before it; empty without a plan."""
    newest = _newest_plan(store, day)
    return {} if newest is None else _doors(store, *newest)


@ttl_cache(maxsize=16, ttl=NEWEST_PLAN_TTL_S)
def _newest_plan(store: Store, day: str) -> tuple[str, int] | None:
    """:meth:`ops.store.Store.latest_version` of the plan of ``day``, kept :data:`NEWEST_PLAN_TTL_S`."""
    return store.latest_version("plan", date=day)


@lru_cache(maxsize=4)
def _doors(store: Store, plan_id: str, version: int) -> dict[str, tuple[dict, list[dict]]]:
    """The stops of a plan's version at citizens' doors by the dossiers they serve, each with the task stops of its
    route before it (a version never changes: kept, so that tracking reads a plan only when it is new)."""
    record = store.get("plan", plan_id)
    if record is None or record["version"] != version:
        return {}
    out = {}
    for route in record["result"]["day"]["routes"]:
        stops = [s for s in route["stops"] if s["task"]]
        for k, stop in enumerate(stops):
            if stop["place"].startswith("address:"):
                out.update({code: (stop, stops[:k]) for code in stop["dossiers"]})
    return out
