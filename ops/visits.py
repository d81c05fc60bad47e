"""When the postman is expected at a citizen's door today, for the citizen's tracking: the home pickup not yet
collected, or the result to be brought home, as a window around the planned arrival in the day's newest plan (as
delivery services give the recipient a window), until the stop is settled by its event (:mod:`ops.dayevents`).
Nothing about the postman or his other stops."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from cachetools.func import ttl_cache

from geo.hours import HANOI
from ops import dayevents, tables
from ops.store import Store
from routing.problem import clock, hhmm

VISIT_MARGIN_S = 30 * 60
"""Half the window a citizen is told the postman comes in, around his planned arrival (assumption: an hour, as
parcel services announce their couriers; rounded outward to 5 minutes and kept within the stop's own window)."""

_SETTLING = {"pickup": ("picked_up", "failed"), "delivery": dayevents.TERMINAL}
"""The events that settle a stop of each kind (as the day as it goes has them, :mod:`ops.dayevents`)."""

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
    newest plan, for the citizen to be at home: nothing about the postman or his other stops.

    Returns
    -------
    dict or None
        ``{"kind": "pickup" | "delivery", "date", "from", "to", "late"}``: the dossier collected or its result
        brought, in the window ``from``-``to`` (``HH:MM``, :data:`VISIT_MARGIN_S` around the planned arrival);
        ``late`` once the window is past and the stop not settled. None when no plan of today has the dossier at its
        door, or the stop is settled (done or failed).
    """
    local = now.astimezone(HANOI)
    newest = _newest_plan(store, local.date().isoformat())
    if newest is None:
        return None
    stop = _doors(store, *newest).get(code)
    if stop is None:
        return None
    k = tables.idempotency
    settling = [dayevents.event_key(newest[0], stop["task"], event) for event in _SETTLING[stop["kind"]]]
    with store.engine.connect() as conn:
        if conn.execute(sa.select(k.c.key).where(k.c.key.in_(settling)).limit(1)).first() is not None:
            return None
    opens, closes = (clock(t) for t in stop["window"].split("-"))
    arrival = clock(stop["arrival"])
    start = max(opens, (arrival - VISIT_MARGIN_S) // 300 * 300)
    end = min(max(closes, arrival), -(-(arrival + VISIT_MARGIN_S) // 300) * 300)
    seconds = local.hour * 3600 + local.minute * 60
    return {
        "kind": stop["kind"],
        "date": local.date().isoformat(),
        "from": hhmm(start),
        "to": hhmm(end),
        "late": seconds > end,
    }


@ttl_cache(maxsize=16, ttl=NEWEST_PLAN_TTL_S)
def _newest_plan(store: Store, day: str) -> tuple[str, int] | None:
    """:meth:`ops.store.Store.latest_version` of the plan of ``day``, kept :data:`NEWEST_PLAN_TTL_S`."""
    return store.latest_version("plan", date=day)


@lru_cache(maxsize=4)
def _doors(store: Store, plan_id: str, version: int) -> dict[str, dict]:
    """The stops of a plan's version at citizens' doors by the dossiers they serve (a version never changes: kept,
    so that tracking reads a plan only when it is new)."""
    record = store.get("plan", plan_id)
    if record is None or record["version"] != version:
        return {}
    return {
        code: stop
        for route in record["result"]["day"]["routes"]
        for stop in route["stops"]
        if stop["place"].startswith("address:")
        for code in stop["dossiers"]
    }
