"""A working day from the store: the postmen, the tasks from the dossiers' states (:mod:`ops.daytasks`), the plan
of the dispatch engine (:mod:`ops.plans`), kept in the store with the dossiers of every task, and the re-plan
during the day with the stops done fixed; each plan and re-plan issues the handover records of its visits to
agencies and authorities (:mod:`ops.records`).

The postmen are the accounts of role ``postman`` (their agency is their depot) unless a list is given. The area
of a list of postmen is the agencies whose nearest depot (straight-line distance) among all postmen's depots is
one of theirs: each post office's postmen serve the agencies around it.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping
from datetime import date, datetime

import numpy as np
import sqlalchemy as sa
from scipy.spatial import cKDTree

from geo._errors import InputError
from geo.addressmap import AddressMap
from ops import authorities, daytasks, plans, records, scenario, tables
from ops.daytasks import DayTasks
from ops.errors import FieldError, UnknownError
from ops.plans import Outcome
from ops.scenario import POSTMAN_CAPACITY
from ops.store import Store
from routing.plan import Stop, Unserved
from routing.problem import hhmm

log = logging.getLogger(__name__)


def crew(store: Store, postmen: list[dict] | None = None) -> list[dict]:
    """The postmen of the day: ``postmen`` checked, else one per ``postman`` account with an agency (with his usual
    shift and capacity when the account has them); each with his account's full name as ``name`` unless the record
    gives one.

    Raises
    ------
    InputError
        No postmen, or a record without ``id`` and ``depot``.
    """
    if postmen is None:
        u = tables.users
        query = sa.select(u.c.name, u.c.agency_id, u.c.full_name, u.c.shift, u.c.capacity)
        query = query.where(u.c.role == "postman", u.c.agency_id.is_not(None))
        with store.engine.connect() as conn:
            rows = conn.execute(query.order_by(u.c.name)).mappings()
            kept = ("shift", "capacity")  # his usual ones, where the account has them
            postmen = [
                {"id": r["name"], "depot": r["agency_id"]}
                | ({"name": r["full_name"]} if r["full_name"] else {})
                | {k: r[k] for k in kept if r[k] is not None}
                for r in rows
            ]
        if not postmen:
            raise InputError(
                "no postmen: add accounts (agencynet users add NAME --role postman --agency ID) or give --postmen FILE",
                code="no_postmen",
            )
    for k, p in enumerate(postmen):
        if not isinstance(p, dict) or not isinstance(p.get("id"), str) or not isinstance(p.get("depot"), str):
            raise InputError(f"postmen[{k}]: expected an object with 'id' and 'depot' (an agency_id)")
    # Postmen given by the dispatcher (their shifts) are named as the pages name their accounts.
    with store.engine.connect() as conn:
        u = tables.users
        ids = [p["id"] for p in postmen]
        names = dict(
            conn.execute(sa.select(u.c.name, u.c.full_name).where(u.c.name.in_(ids), u.c.full_name.is_not(None))).all()
        )
    return [p | {"name": names[p["id"]]} if p["id"] in names and not p.get("name") else p for p in postmen]


def roster(store: Store, amap: AddressMap) -> list[dict]:
    """The postmen accounts as a day is planned with them by default (:func:`crew`), each with his post office's
    name (``depot_name``), shift, capacity and lunch break, for the dispatcher to change the day's shifts; none
    when there are no postmen accounts."""
    try:
        team = crew(store)
    except InputError:
        return []
    offices = amap.layers.agencies.set_index("agency_id")["name"]
    defaults = {"shift": scenario.SHIFT, "capacity": POSTMAN_CAPACITY, "lunch": True}
    return [defaults | p | {"depot_name": offices.get(p["depot"])} for p in team]


def area(store: Store, amap: AddressMap, postmen: list[dict]) -> list[str] | None:
    """Agencies served by ``postmen`` (None: all), by the nearest depot among all postmen's depots.

    Raises
    ------
    InputError
        A depot that is not an agency of the map.
    """
    agencies = amap.agencies.set_index("agency_id")
    for k, p in enumerate(postmen):
        if p["depot"] not in agencies.index:
            raise FieldError(
                f"postmen[{k}].depot",
                f"unknown agency {p['depot']!r} (an agency_id of the map)",
                code="unknown_agency",
                agency=p["depot"],
            )
    u = tables.users
    with store.engine.connect() as conn:
        accounts = set(conn.scalars(sa.select(u.c.agency_id).where(u.c.role == "postman", u.c.agency_id.is_not(None))))
    mine = {p["depot"] for p in postmen}
    depots = sorted(mine | accounts)
    if mine >= set(depots):
        return None
    known = [d for d in depots if d in agencies.index]
    # Straight-line distance in a local plane (longitudes scaled by the cosine of the latitude).
    scale = np.cos(np.radians(float(agencies.geometry.y.mean())))
    points = np.column_stack([agencies.geometry.x * scale, agencies.geometry.y])
    depot_points = np.column_stack([agencies.loc[known].geometry.x * scale, agencies.loc[known].geometry.y])
    _, nearest = cKDTree(depot_points).query(points)
    return sorted(a for a, k in zip(agencies.index, nearest, strict=True) if known[k] in mine)


def report(
    amap: AddressMap,
    day: date,
    outcome: Outcome,
    dossiers: dict[str, list[str]],
    excluded: list[dict],
    office_hours: Mapping[str, str] | None = None,
) -> dict:
    """Per postman the stops with times, windows (asked, else the place's hours on ``day``, an authority's own where
    ``office_hours`` has them) and dossiers and the route along the roads (``line``, a GeoJSON LineString to 6
    decimals, about 10 cm; null for a route that stays at one place), and the dossiers unserved with reasons (the
    ``--json`` of ``agencynet plan-day``)."""
    features = outcome.geojson["features"]
    points = {
        (f["properties"]["postman"], f["properties"]["seq"]): f for f in features if f["geometry"]["type"] == "Point"
    }
    lines = {
        f["properties"]["postman"]: {
            "type": "LineString",
            "coordinates": np.round(f["geometry"]["coordinates"], 6).tolist(),
        }
        for f in features
        if f["geometry"]["type"] == "LineString" and len(f["geometry"]["coordinates"])
    }
    tasks = {t["id"]: t for t in outcome.tasks}
    names = plans.postman_names(outcome.postmen)
    shifts = {p["id"]: p.get("shift") or scenario.SHIFT for p in outcome.postmen}

    def window(stop: Stop, role: str) -> str:
        task = tasks.get(stop.task or "", {})
        asked = task.get("pickup_window" if stop.kind == "pickup" else "delivery_window")
        return asked or ", ".join(
            f"{hhmm(s)}-{hhmm(e)}" for s, e in scenario.opening_windows(amap, stop.place, role, day, office_hours)
        )

    routes = [
        {
            "postman": r.postman,
            "postman_name": names.get(r.postman, r.postman),
            "distance_m": r.distance,
            "travel_time_s": r.travel_time,
            "line": lines.get(r.postman),
            "closed": r.closed,
            "shift": shifts.get(r.postman),
            "stops": [
                {
                    "seq": i,
                    "kind": s.kind,
                    "task": s.task,
                    "place": s.place,
                    "name": points[(r.postman, i)]["properties"]["name"],
                    "lon": points[(r.postman, i)]["geometry"]["coordinates"][0],
                    "lat": points[(r.postman, i)]["geometry"]["coordinates"][1],
                    "window": window(s, points[(r.postman, i)]["properties"]["role"]),
                    "arrival": hhmm(s.arrival),
                    "departure": hhmm(s.departure),
                    "dossiers": dossiers.get(s.task, []) if s.task else [],
                }
                for i, s in enumerate(r.stops)
            ],
        }
        for r in outcome.plan.routes
        # A route re-planned without a task (start, where he was, end) is no route to follow.
        if any(s.task is not None for s in r.stops)
    ]
    # A dossier brought back by a postman sent home is in two tasks (his, and the one giving it to another): it
    # counts once, unserved only when neither serves it, with the later task's reason.
    left = {u.task for u in outcome.plan.unserved}
    served = {code for task, codes in dossiers.items() if task not in left for code in codes}
    order = {task: k for k, task in enumerate(dossiers)}  # the tasks as they were added
    why: dict[str, Unserved] = {}
    for u in outcome.plan.unserved:
        for code in dossiers.get(u.task, []):
            if code not in served and (code not in why or order[why[code].task] < order[u.task]):
                why[code] = u
    unserved = list(excluded) + [daytasks.left_out(code, u.why) for code, u in why.items()]
    total = len({code for codes in dossiers.values() for code in codes}) + len(excluded)
    return {
        "date": day.isoformat(),
        "tasks": len(outcome.tasks),
        "dossiers": total,
        "served_dossiers": total - len(unserved),
        "unserved": unserved,
        "routes": routes,
        "check": not outcome.violations,
        "balance": outcome.plan.meta.get("balance"),
    }


def _empty(day: date, excluded: list[dict]) -> dict:
    return {
        "date": day.isoformat(),
        "tasks": 0,
        "dossiers": len(excluded),
        "served_dossiers": 0,
        "unserved": excluded,
        "routes": [],
        "check": True,
    }


def planned_from(day: date, now: datetime) -> str | None:
    """The clock ``day`` is planned from at ``now`` (Hanoi), ``HH:MM``: now on the day itself, whose shifts may
    have begun (a plan made at 09:40 has no stop at 07:45, late before it is read); None, the shifts' start, on
    another day, to come or past (replayed)."""
    return now.strftime("%H:%M") if day == now.date() else None


def plan(
    store: Store,
    amap: AddressMap,
    day: date,
    *,
    postmen: list[dict] | None = None,
    time_limit_s: float,
    start: str | None = None,
    balanced: bool = False,
    at: datetime | None = None,
) -> tuple[str | None, dict]:
    """Plan ``day`` from the dossiers in the store, save the plan and issue its handover records
    (:func:`ops.records.issue`).

    Parameters
    ----------
    store
        The store (dossiers, accounts, plans).
    amap
        The map.
    day
        The date.
    postmen
        Postmen records (``id``, ``depot``, optionally ``capacity``, ``shift``, ``lunch``); the postman accounts
        when omitted.
    time_limit_s
        Time of the plan (travel times, search, routes on the roads), s; reading and writing the store come on
        top.
    start
        The clock the day is planned from, ``HH:MM``, for a day whose shifts have begun: no postman leaves before
        it (:func:`ops.scenario.on_duty_from`); the shifts' start when omitted.
    balanced
        The last postman back as early as possible, then the cheapest plan (:mod:`routing.balance`); re-plans
        of the day are balanced too (:func:`ops.plans.reoptimised`). The cheapest plan otherwise.
    at
        When the plan is made: stored and its records issued, and the home pickups asked for later unknown (now when
        omitted; a synthetic past day's morning, :mod:`ops.pastdays`).

    Returns
    -------
    tuple
        The stored plan's id (None when there was nothing to plan) and :func:`report`.

    Raises
    ------
    InputError
        Every shift is over at ``start``.
    """
    team = crew(store, postmen)
    if start is not None:
        team = scenario.on_duty_from(team, start)
        if not team:
            raise _shifts_over(day, start)
    served = area(store, amap, team)
    capacity = min(int(p.get("capacity", POSTMAN_CAPACITY)) for p in team)
    own = authorities.office_hours(store.engine)
    tasks = daytasks.from_states(store.engine, amap, day, agencies=served, capacity=capacity, known_at=at)
    if not tasks.tasks:
        return None, _empty(day, tasks.excluded)
    outcome = plans.explicit(
        amap,
        team,
        tasks.tasks,
        addresses=tasks.addresses,
        time_limit_s=time_limit_s,
        whole=True,
        leave_impossible=True,
        names=authorities.seats(store.engine),
        day=day,
        balanced=balanced,
        office_hours=own,
    )
    outcome.synthetic = outcome.synthetic or tasks.synthetic
    answer = report(amap, day, outcome, tasks.dossiers, tasks.excluded, own)
    request = {"date": day.isoformat(), "postmen": team, "time_limit_s": time_limit_s, "balanced": balanced}
    state = outcome.state() | {"area": served, "dossiers": tasks.dossiers, "excluded": tasks.excluded}
    plan_id = store.add("plan", request, state, outcome.result() | {"day": answer}, at=at)
    records.issue(store.engine, day, plan_id, answer["routes"], at=at)
    log.info("day %s: plan %s, %d of %d dossiers served", day, plan_id, answer["served_dossiers"], answer["dossiers"])
    return plan_id, answer


def _shifts_over(day: date, at: str) -> InputError:
    """The refusal of planning ``day`` at a clock ``at`` after every shift."""
    text = f"every shift of {day.isoformat()} is over at {at}: plan another day"
    return InputError(text, code="shifts_over", day=day.isoformat(), at=at)


def stored(store: Store, day: date) -> dict:
    """The newest plan of ``day``.

    Raises
    ------
    UnknownError
        No plan of that date.
    """
    record = store.latest("plan", date=day.isoformat())
    if record is None:
        raise UnknownError(
            f"no plan of {day.isoformat()} (plan it first: agencynet plan-day --date ...)",
            code="plan_not_found",
            day=day.isoformat(),
        )
    return record


def _called_in(store: Store, joining: list[dict], at: str) -> list[dict]:
    """The records of postmen called in at ``at``, named as their accounts are, each shift starting no earlier
    than ``at`` (:func:`ops.scenario.on_duty_from`); a shift over by then is refused (``joining[k].shift``)."""
    on_duty = scenario.on_duty_from(crew(store, joining), at) if joining else []
    for k, p in enumerate(joining):
        if p["id"] not in {q["id"] for q in on_duty}:
            raise FieldError(
                f"joining[{k}].shift",
                f"the shift of {p['id']!r} is over by {at}",
                code="shift_over",
                postman=p["id"],
                at=at,
            )
    return on_duty


def replan(
    store: Store,
    amap: AddressMap,
    day: date,
    *,
    done: dict[str, int],
    at: str,
    time_limit_s: float,
    shift_ends: dict[str, str] | None = None,
    again: Collection[str] = (),
    joining: list[dict] | None = None,
) -> tuple[str, int, dict, int]:
    """Add the dossiers that came in since the day was planned (an urgent home pickup ...), and those it left
    waiting that can go now (their unit placed since), to its plan; the stops done stay fixed and each postman
    continues from his last one at ``at``. Shifts that end otherwise than planned (a postman sent home, one
    kept late) are re-planned for even with nothing to add. A visit the re-plan changes gets a new handover record
    (:func:`ops.records.issue`).

    Parameters
    ----------
    done
        Per postman, the stops of his route done (counting the start), from the stop events.
    at
        The clock now, ``HH:MM``.
    shift_ends
        New shift ends, ``HH:MM`` per postman id: one sent home goes back to his post office by then, or at once
        when he could not be back by then, and the others take the stops he no longer makes
        (:func:`routing.solver.reoptimise`).
    again
        Dossiers of the plan that a postman sent home brought back (:func:`ops.dayevents.brought_back`): each is
        planned again, picked up at its agency no earlier than he brought it back.
    joining
        Postmen called in (records as in :func:`plan`): each leaves his post office at ``at`` or the start of his
        shift, whichever comes later, and the day is re-planned with him even with nothing to add.

    Returns
    -------
    tuple
        The plan's id, its new version, :func:`report` and the number of tasks added.

    Raises
    ------
    InputError
        With something to add, every shift is over at ``at`` (``shifts_over``). A postman whose shift is over
        keeps his route as planned (closed: :func:`routing.solver.reoptimise`); the others take what is added.
    """
    record = stored(store, day)
    state = record["state"]
    joining = _called_in(store, joining or [], at)
    working = [*state["postmen"], *joining]
    capacity = min(int(p.get("capacity", POSTMAN_CAPACITY)) for p in working)
    # The dossiers left waiting are weighed again: the reason may be gone.
    planned = [c for codes in state["dossiers"].values() for c in codes]
    new: DayTasks = daytasks.from_states(
        store.engine,
        amap,
        day,
        agencies=state["area"],
        capacity=capacity,
        skip=set(planned) - set(again),
        again=again,
        first=len(state["tasks"]) + 1,
    )
    if not new.tasks and not shift_ends and not joining:
        return record["id"], record["version"], record["result"]["day"], 0
    if not scenario.on_duty_from(working, at):
        raise _shifts_over(day, at)
    own = authorities.office_hours(store.engine)
    stops = {r["postman"]: r["stops"] for r in record["result"]["plan"]["routes"]}
    progress = {
        name: {"place": route[done.get(name, 1) - 1]["place"], "clock": at, "done": done.get(name, 1)}
        for name, route in stops.items()
    }
    outcome = plans.reoptimised(
        amap,
        state,
        record["result"]["plan"],
        new.tasks,
        at=None,
        progress=progress,
        time_limit_s=time_limit_s,
        new_addresses=new.addresses,
        leave_impossible=True,  # as the day's plan: a dossier that cannot go today waits, said why
        names=authorities.seats(store.engine),
        day=day,
        shift_ends=shift_ends,
        joining=joining,
        balanced=bool(record["request"].get("balanced")),
        office_hours=own,
    )
    outcome.synthetic = outcome.synthetic or new.synthetic
    dossiers = state["dossiers"] | new.dossiers
    excluded = new.excluded
    answer = report(amap, day, outcome, dossiers, excluded, own)
    version = store.update(
        "plan",
        record["id"],
        record["version"],
        state=outcome.state() | {"area": state["area"], "dossiers": dossiers, "excluded": excluded},
        result=outcome.result() | {"day": answer},
    )
    records.issue(store.engine, day, record["id"], answer["routes"])
    log.info("day %s: %d tasks added at %s, plan %s v%d", day, len(new.tasks), at, record["id"], version)
    return record["id"], version, answer, len(new.tasks)
