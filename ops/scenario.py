"""A dispatcher's day on the Hanoi address map: seeded tasks, the travel matrix, and plans drawn on the roads.

The composition of :mod:`geo` (places, snapping, travel times, paths) and :mod:`routing` (the problem and its plan).

Volumes follow CONTEXT.md: a Hanoi district area moves 50-300 tasks a day. The mix (shares below) and the
windows are assumptions documented where they are set. Home pickups go to households of the synthetic
priority-group layer (:mod:`geo.layers`), so every scenario is synthetic and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import hours, matrix, nearest, snap
from geo._errors import InputError
from geo.addressmap import AddressMap
from geo.agencies import OFFICE_HOURS as AUTHORITY_HOURS
from ops.errors import FieldError, FieldErrors
from routing.errors import InfeasibleError
from routing.plan import Plan
from routing.problem import OFFICE_HOURS, Break, Depot, Place, Postman, Problem, Task, Window, clock, hhmm

log = logging.getLogger(__name__)

AGENCY_HOURS: tuple[Window, ...] = ((clock("07:30"), clock("18:00")),)
"""Opening hours of a post office or shop acting as agent (assumption: Vietnam Post counters 07:30-18:00)."""

HOME_HOURS: tuple[Window, ...] = ((clock("08:00"), clock("20:00")),)
"""When a household can receive a result at home (assumption)."""

HOURS: dict[str, tuple[Window, ...]] = {
    "depot": AGENCY_HOURS,
    "agency": AGENCY_HOURS,
    "authority": OFFICE_HOURS,
    "household": HOME_HOURS,
    "address": HOME_HOURS,
}
"""Opening hours of a place by its role (a citizen's address: a household's hours)."""

SETUP_S: dict[str, int] = {"depot": 0, "agency": 180, "authority": 240, "household": 0, "address": 0}
"""Seconds spent once on coming to a place, by its role (assumption): at an authority, parking, the guard's desk
and the one-stop counter's queue; at an agency, parking and its counter; none at the postman's own post office
or at a door. Stops in a row at one place share it (:attr:`routing.problem.Place.setup`)."""

SERVICE_S: dict[str, int] = {"depot": 60, "agency": 60, "authority": 60, "household": 300, "address": 300}
"""Seconds of each stop, by the role of its place (assumption): at a counter, a dossier checked against the
handover record's list; at a door, the citizen's papers checked, listed, co-signed, packed and sealed (Circular
17/2017/TT-BTTTT art. 5). A lone stop at an authority takes the 5 minutes it took before setups were counted."""

TASK_MIX = {"shuttle": 0.5, "result_return": 0.3, "home_pickup": 0.2}
"""Share of each task kind in a generated day (assumption: most traffic is dossiers moving to authorities)."""

POSTMAN_CAPACITY = 40
"""Dossier units one postman's motorbike carries (assumption: two panniers of about 20 folders)."""

SHIFT = "07:30-17:30"
"""A postman's shift when his record gives none (assumption: the agencies' counters with the time to drive back)."""

BREAK_FROM_S = 6 * 3600
"""A shift this long or longer owes a break (Labour Code 2019, art. 109: at least 30 minutes in a working day of 6
hours or more); a shorter one (a morning or an afternoon round) has none, whatever its record asks."""

PICKUP_WINDOW_S = 2 * 3600
"""Length of the window a citizen asks for a home pickup, s (assumption)."""

SYNTHETIC_HOME = "Hộ dân (giả lập)"
"""The name of a household stop: synthetic, and said so in Vietnamese, as the pages say the places of a day."""


def postman_id(k: int) -> str:
    """The id of the ``k``-th postman (from 0) of a generated day or of a scenario that names none: "Bưu tá 1"."""
    return f"Bưu tá {k + 1}"


@dataclass
class Scenario:
    """A generated day: the problem, the places on the map and what they are.

    Attributes
    ----------
    problem
        The validated dispatch problem (travel times and distances in its matrices).
    places
        One row per place: ``place_id``, ``role`` (depot, agency, authority, household, address), ``name``, ``lon``,
        ``lat``; row ``i`` is matrix index ``i``.
    synthetic
        Always true: tasks and households are generated.
    """

    problem: Problem
    places: pd.DataFrame
    synthetic: bool = True


def generate(amap: AddressMap, n_tasks: int, *, postmen: int = 6, seed: int = 1) -> Scenario:
    """Generate a day of dossier tasks on the map.

    Parameters
    ----------
    amap
        The loaded address map.
    n_tasks
        Number of tasks (shuttles, result returns, home pickups by :data:`TASK_MIX`).
    postmen
        Number of postmen, spread over the post offices chosen as depots.
    seed
        Seed of every draw.

    Returns
    -------
    Scenario
        The problem with its matrices and the table of places.
    """
    rng = np.random.default_rng(seed)
    agencies, authorities = map_places(amap)
    households = amap.layers.households
    priority = households[(households["meritorious"] + households["social_protection"]) > 0]
    post_offices = agencies[agencies["kind"] == "post_office"]
    depot_rows = post_offices.sample(min(max(1, postmen // 2), len(post_offices)), random_state=seed)

    kinds = rng.choice(list(TASK_MIX), size=n_tasks, p=list(TASK_MIX.values()))
    homes = priority.sample(int((kinds != "shuttle").sum()), random_state=seed, replace=len(priority) < n_tasks)
    homes = homes.assign(role="household", place_id=homes["household_id"], name=SYNTHETIC_HOME)
    depot_rows = depot_rows.assign(role="depot", place_id="depot:" + depot_rows["agency_id"])
    table = _place_table([depot_rows, agencies, authorities, homes])
    depot_ids = depot_rows["place_id"].tolist()
    crew = [
        Postman(postman_id(k), depot_ids[k % len(depot_ids)], POSTMAN_CAPACITY, lunch=Break()) for k in range(postmen)
    ]
    agency_ids = table.loc[table["role"] == "agency", "place_id"].to_numpy()
    authority_ids = table.loc[table["role"] == "authority", "place_id"].to_numpy()
    home_ids = iter(homes["place_id"].tolist())
    tasks = []
    for i, kind in enumerate(kinds):
        load = int(rng.integers(1, 4))
        priority_level = int(rng.choice([1, 1, 1, 2, 3]))
        if kind == "shuttle":
            task = Task(
                f"T{i:03d}",
                "shuttle",
                rng.choice(agency_ids),
                rng.choice(authority_ids),
                load=load,
                priority=priority_level,
            )
        elif kind == "result_return":
            to_home = rng.random() < 0.3
            task = Task(
                f"T{i:03d}",
                "result_return",
                rng.choice(authority_ids),
                next(home_ids) if to_home else rng.choice(agency_ids),
                load=load,
                priority=priority_level,
            )
        else:
            start = int(rng.integers(clock("08:00"), clock("15:00")) // 900 * 900)
            task = Task(
                f"T{i:03d}",
                "home_pickup",
                next(home_ids),
                rng.choice(agency_ids),
                load=1,
                pickup_windows=((start, start + PICKUP_WINDOW_S),),
                priority=4,
                mandatory=False,
            )
        tasks.append(task)
    return _scenario(amap, table, crew, tasks)


def map_places(amap: AddressMap) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Agencies and authorities that lie on the map's roads, with ``role`` and ``place_id`` columns."""
    agencies = amap.agencies.assign(role="agency", place_id=amap.agencies["agency_id"])
    authorities = amap.layers.authorities
    west, south = amap.network.node_lon.min(), amap.network.node_lat.min()
    east, north = amap.network.node_lon.max(), amap.network.node_lat.max()
    authorities = authorities.cx[west:east, south:north]
    near = snap.road_distances(amap.network, authorities.geometry.x.values, authorities.geometry.y.values)
    authorities = authorities[near <= snap.DEFAULT_MAX_DISTANCE_M].assign(
        role="authority", place_id=lambda f: f["authority_id"]
    )
    return agencies, authorities


def _place_table(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per distinct place: ``place_id``, ``role``, ``name``, ``lon``, ``lat``."""
    table = pd.concat(frames, ignore_index=True).drop_duplicates("place_id")
    return pd.DataFrame(
        {
            "place_id": table["place_id"].values,
            "role": table["role"].values,
            "name": table["name"].fillna("").values,
            "lon": table.geometry.x.values,
            "lat": table.geometry.y.values,
        }
    )


def opening_windows(
    amap: AddressMap, place: str, role: str, day: date | None, office_hours: Mapping[str, str] | None = None
) -> tuple[Window, ...]:
    """When a place of a day's plan is open on ``day``: an agency (and a postman's depot there) by its opening
    hours (:attr:`geo.addressmap.AddressMap.agency_details`), an authority by its own office hours where
    ``office_hours`` has them for its place (:func:`ops.authorities.office_hours`), else by the public
    administration's (closed at weekends and on public holidays), as the calendar says on that date; empty when
    closed all day. A citizen's door, and every place of a day without a date, by its role's usual hours
    (:data:`HOURS`)."""
    if day is None or role not in ("agency", "depot", "authority"):
        return HOURS[role]
    if role == "authority":
        return hours.windows_on((office_hours or {}).get(place, AUTHORITY_HOURS), day)
    return hours.windows_on(amap.agency_details[place.removeprefix("depot:")]["opening_hours"], day)


def _scenario(
    amap: AddressMap,
    table: pd.DataFrame,
    crew: list[Postman],
    tasks: list[Task],
    *,
    leave_impossible: bool = False,
    day: date | None = None,
    office_hours: Mapping[str, str] | None = None,
) -> Scenario:
    """Snap the places, compute the travel matrices and build (validate) the problem, each place open on ``day``
    (:func:`opening_windows`, authorities in their ``office_hours``); with ``leave_impossible``, a task that must
    be done but that no postman can do is left out with its reason instead of refusing the day."""
    points = amap.snap(table["lon"].values, table["lat"].values)
    travel = matrix.travel_times(amap.network, points, with_distance=True)
    roles = dict(zip(table["place_id"], table["role"], strict=True))
    places = [
        Place(pid, i, opening_windows(amap, pid, role, day, office_hours), SETUP_S[role])
        for i, (pid, role) in enumerate(roles.items())
    ]
    tasks = [
        replace(
            t,
            pickup_service=SERVICE_S[roles[t.pickup]],
            delivery_service=SERVICE_S[roles[t.delivery]] if t.delivery is not None else t.delivery_service,
        )
        for t in tasks
    ]
    depots = [Depot(pid, pid) for pid in table.loc[table["role"] == "depot", "place_id"]]
    assert travel.distance_m is not None  # asked for with_distance
    times, distances = travel.time_s.round(), travel.distance_m.round()
    try:
        problem = Problem.build(times, distances, places, depots, crew, tasks)
    except InfeasibleError as exc:
        if not (leave_impossible and exc.reasons):
            raise
        # A working day planned late, or an overdue dossier no shift can reach: what cannot be done today waits,
        # said why (the solver explains an optional task left out), and the rest is planned.
        log.info("scenario: %d tasks that must be done cannot be: left out", len(exc.reasons))
        tasks = [replace(t, mandatory=False) if t.id in exc.reasons else t for t in tasks]
        problem = Problem.build(times, distances, places, depots, crew, tasks)
    log.info("scenario: %d places, %d tasks, %d postmen", len(places), len(tasks), len(crew))
    return Scenario(problem, table)


def _at(where: str, exc: Exception) -> FieldError:
    """``exc``, raised reading record ``where``, as the error of its field (of the record when it names none)."""
    return exc if isinstance(exc, FieldError) else FieldError(where, str(exc))


def windows(text: str | None, where: str) -> tuple[Window, ...] | None:
    """Windows written ``"08:00-10:00"`` or ``"08:00-11:30,13:30-17:00"`` (a task's, a stop's of a day's plan),
    seconds of the day; ``None`` when absent. Text of another form is refused as field ``where``."""
    return _parsed(text, where) if text else None


def _shift(rec: dict, where: str) -> Window:
    """A postman record's shift: its first window, :data:`SHIFT` when it gives none."""
    return _parsed(rec.get("shift") or SHIFT, where)[0]


def _parsed(text: str, where: str) -> tuple[Window, ...]:
    spans = []
    for part in str(text).split(","):
        start, sep, end = part.strip().partition("-")
        if not sep:
            raise FieldError(
                where, f"window {part.strip()!r} is not HH:MM-HH:MM", code="bad_window", window=part.strip()
            )
        spans.append((clock(start.strip()), clock(end.strip())))
    return tuple(spans)


def on_duty_from(postmen: list[dict], start: str) -> list[dict]:
    """``postmen`` records as they can still work from ``start`` (``HH:MM``), for a day planned once it has begun:
    a shift begun by then starts then, a lunch break that no longer fits in its window is left out, and a postman
    whose shift is over by then is left out."""
    at, lunch = clock(start), Break()
    working = []
    for k, rec in enumerate(postmen):
        begin, end = _shift(rec, f"postmen[{k}].shift")
        if at < end:
            lunch_fits = rec.get("lunch", True) and at + lunch.duration <= lunch.latest
            working.append(rec | {"shift": f"{hhmm(max(begin, at))}-{hhmm(end)}", "lunch": lunch_fits})
    return working


def _crew(
    agencies: pd.DataFrame, postmen: list[dict], field: str
) -> tuple[list[Postman], list[pd.DataFrame], list[FieldError]]:
    """The postmen of ``postmen`` records (each named ``field[k]`` in the errors), their depots' rows, and what is
    wrong with the records."""
    errors: list[FieldError] = []
    crew, depot_rows = [], []
    seen: set[str] = set()
    for k, rec in enumerate(postmen):
        where = f"{field}[{k}]"
        postman = str(rec.get("id", postman_id(k)))
        if postman in seen:
            text = f"postman id {postman!r} is given twice"
            errors.append(FieldError(f"{where}.id", text, code="duplicate_postman", postman=postman))
        seen.add(postman)
        depot = rec.get("depot")
        if depot not in agencies["place_id"].values:
            text = f"unknown agency {depot!r} (an agency_id of the map)"
            errors.append(FieldError(f"{where}.depot", text, code="unknown_agency", agency=depot))
            continue
        try:
            shift = _shift(rec, f"{where}.shift")
            crew.append(
                Postman(
                    postman,
                    f"depot:{depot}",
                    int(rec.get("capacity", POSTMAN_CAPACITY)),
                    shift_start=shift[0],
                    shift_end=shift[1],
                    lunch=Break() if rec.get("lunch", True) and shift[1] - shift[0] >= BREAK_FROM_S else None,
                )
            )
        except (InputError, TypeError, ValueError) as exc:
            errors.append(_at(where, exc))
        depot_rows.append(agencies[agencies["place_id"] == depot].assign(role="depot", place_id=f"depot:{depot}"))
    return crew, depot_rows, errors


def postmen_errors(amap: AddressMap, postmen: list[dict], field: str) -> list[FieldError]:
    """What is wrong with ``postmen`` records (unknown depot, malformed shift, an id twice), each error naming
    ``field[k]`` and the key."""
    return _crew(map_places(amap)[0], postmen, field)[2]


def from_records(
    amap: AddressMap,
    postmen: list[dict],
    tasks: list[dict],
    *,
    addresses: list[dict] | None = None,
    leave_impossible: bool = False,
    names: Mapping[str, str] | None = None,
    day: date | None = None,
    office_hours: Mapping[str, str] | None = None,
) -> Scenario:
    """A day written by hand (a dispatcher's scenario file or an API request), on the map's places.

    Parameters
    ----------
    amap
        The loaded map.
    postmen
        Records with ``id``, ``depot`` (an ``agency_id``), and optionally ``capacity`` (dossier units),
        ``shift`` (``"07:30-17:30"``) and ``lunch`` (true for a 45-minute break inside 11:30-13:30, taken on a
        shift of :data:`BREAK_FROM_S` or longer).
    tasks
        Records with ``id``, ``kind`` (shuttle, result_return, home_pickup), ``pickup`` and ``delivery`` (an
        ``agency_id``, ``authority_id`` or ``household_id`` of the map), and optionally ``load``,
        ``pickup_window`` / ``delivery_window`` (``"HH:MM-HH:MM[,HH:MM-HH:MM]"``), ``priority`` (1-5) and
        ``mandatory``.
    addresses
        More places for the tasks, records with ``id``, ``lat`` and ``lon``: citizens' addresses that are not
        households of the map (served in a household's hours, :data:`HOME_HOURS`), and, with ``role``
        ``authority``, deciding units at a point the operator gave (:func:`ops.authorities.located`).
    leave_impossible
        A ``mandatory`` task that no postman can do (its windows out of every shift's reach) is left out, with
        its reason, instead of refusing the day (a working day planned from the store).
    names
        Names of places to give instead of the map's, by place id (the registry's units at their seats,
        :func:`ops.authorities.seats`).
    day
        The date planned: agencies and authorities open as their hours say on it (:func:`opening_windows`);
        without it, every place keeps its role's usual hours (:data:`HOURS`).
    office_hours
        The registry's units' own office hours, by place id (:func:`ops.authorities.office_hours`).

    Returns
    -------
    Scenario
        The validated problem; ``synthetic`` is false unless a task visits a (synthetic) household.

    Raises
    ------
    FieldErrors
        Every unknown place, depot or malformed record, each naming the record and the field.
    """
    agencies, authorities = map_places(amap)
    homes = amap.layers.households.assign(
        role="household", place_id=amap.layers.households["household_id"], name=SYNTHETIC_HOME
    )
    frames = [agencies, authorities, homes]
    if addresses:
        frames.append(
            gpd.GeoDataFrame(
                {
                    "place_id": [a["id"] for a in addresses],
                    "role": [a.get("role", "address") for a in addresses],
                    "name": "",
                },
                geometry=gpd.points_from_xy([a["lon"] for a in addresses], [a["lat"] for a in addresses]),
                crs=homes.crs,
            )
        )
    known = pd.concat(frames, ignore_index=True).set_index("place_id")
    if names:
        renamed = known.index.isin(list(names))
        known.loc[renamed, "name"] = [names[p] for p in known.index[renamed]]
    crew, depot_rows, errors = _crew(agencies, postmen, "postmen")
    records: list[Task] = []
    used: set[str] = set()
    seen: set[str] = set()
    for k, rec in enumerate(tasks):
        where = f"tasks[{k}]"
        task = str(rec.get("id", f"T{k:03d}"))
        if task in seen:
            errors.append(
                FieldError(f"{where}.id", f"task id {task!r} is given twice", code="duplicate_task", task=task)
            )
        seen.add(task)
        for field in ("pickup", "delivery"):
            place = rec.get(field)
            if place not in known.index:
                text = f"unknown place {place!r} (an agency, authority or household id)"
                errors.append(FieldError(f"{where}.{field}", text, code="unknown_place", place=str(place)))
        try:
            records.append(
                Task(
                    task,
                    rec.get("kind", "shuttle"),
                    str(rec.get("pickup")),
                    str(rec.get("delivery")),
                    load=int(rec.get("load", 1)),
                    pickup_windows=windows(rec.get("pickup_window"), f"{where}.pickup_window"),
                    delivery_windows=windows(rec.get("delivery_window"), f"{where}.delivery_window"),
                    priority=int(rec.get("priority", 1)),
                    mandatory=bool(rec.get("mandatory", False)),
                )
            )
        except (InputError, TypeError, ValueError) as exc:
            errors.append(_at(where, exc))
        used.update(str(rec.get(f)) for f in ("pickup", "delivery"))
    if not crew and not errors:
        errors.append(FieldError("postmen", "at least one postman is needed", code="no_postman_given"))
    if errors:
        raise FieldErrors(errors)
    visited = known.loc[sorted(used & set(known.index))].reset_index()
    table = _place_table([*depot_rows, visited])
    scenario = _scenario(
        amap, table, crew, records, leave_impossible=leave_impossible, day=day, office_hours=office_hours
    )
    scenario.synthetic = bool((table["role"] == "household").any())
    return scenario


def route_lines(amap: AddressMap, scenario: Scenario, plan: Plan, names: Mapping[str, str] | None = None) -> dict:
    """The plan as a GeoJSON FeatureCollection: one LineString per postman along the roads, one Point per stop.

    Parameters
    ----------
    amap
        The map the scenario was generated on.
    scenario
        The scenario (for place coordinates).
    plan
        A plan of the scenario's problem.
    names
        The postmen's full names by id; a postman without one is said by his id.

    Returns
    -------
    dict
        GeoJSON FeatureCollection; features carry ``postman`` and ``postman_name``, and stops ``seq``, ``kind``,
        ``task``, ``arrival``.
    """
    said = names or {}
    places = scenario.places
    points = amap.snap(places["lon"].values, places["lat"].values)
    used = sorted({s.place_index for r in plan.routes if r.used for s in r.stops})
    table = matrix.target_table(amap.network, points.subset(used))
    column = {p: k for k, p in enumerate(used)}
    features = []
    for route in plan.routes:
        if not route.used:
            continue
        parts = []
        for a, b in zip(route.stops[:-1], route.stops[1:], strict=True):
            if a.place_index == b.place_index:
                continue
            leg = nearest.route_to_target(amap.network, table, points.subset([a.place_index]), column[b.place_index])
            parts.extend(leg.geometry.coords)
        line = shapely.LineString(parts) if len(parts) > 1 else shapely.LineString()
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(line),
                "properties": {
                    "postman": route.postman,
                    "postman_name": said.get(route.postman, route.postman),
                    "distance_m": route.distance,
                    "travel_time_s": route.travel_time,
                },
            }
        )
        for seq, stop in enumerate(route.stops):
            row = places.iloc[stop.place_index]
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": [float(row["lon"]), float(row["lat"])]},
                    "properties": {
                        "postman": route.postman,
                        "postman_name": said.get(route.postman, route.postman),
                        "seq": seq,
                        "kind": stop.kind,
                        "task": stop.task,
                        "place": stop.place,
                        "role": row["role"],
                        "name": row["name"],
                        "arrival": stop.arrival,
                    },
                }
            )
    return {"type": "FeatureCollection", "features": features}
