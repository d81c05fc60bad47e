"""Dispatch plans: compose :mod:`routing` on the map, and keep what a plan needs to continue.

A stored plan keeps its day as plain records (postmen and tasks in the form of
:func:`ops.scenario.from_records`), so that re-optimisation rebuilds the problem on the current map and
adds the new tasks' places. A generated day is stored in the same form.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from geo.addressmap import AddressMap
from ops import scenario
from ops.errors import FieldError, FieldErrors
from ops.scenario import Scenario
from routing import balance, check, solver
from routing.plan import Plan, Route, Stop, Unserved
from routing.problem import Problem, Window, clock, hhmm
from routing.solver import Progress

log = logging.getLogger(__name__)

MIN_SEARCH_SHARE = 0.5
"""Least share of a whole plan's time limit left to the search, however long the travel times took."""


@dataclass
class Outcome:
    """A solved day: the records it was built from, the plan, the checker's verdict (violations and shortfalls,
    :class:`routing.check.CheckResult`) and the GeoJSON."""

    postmen: list[dict]
    tasks: list[dict]
    synthetic: bool
    plan: Plan
    violations: list[str]
    warnings: list[str]
    geojson: dict
    addresses: list[dict] = field(default_factory=list)
    shortfalls: list[str] = field(default_factory=list)

    def state(self) -> dict:
        """What re-optimisation needs (stored, never served)."""
        return {"postmen": self.postmen, "tasks": self.tasks, "synthetic": self.synthetic, "addresses": self.addresses}

    def result(self) -> dict:
        """What the service serves to dispatchers."""
        return {
            "synthetic": self.synthetic,
            "check": not self.violations,
            "violations": self.violations,
            "shortfalls": self.shortfalls,
            "warnings": self.warnings,
            "plan": self.plan.to_dict(),
            "balance": self.plan.meta.get("balance"),
            "geojson": self.geojson,
        }


def _windows(windows: tuple[Window, ...] | None) -> str | None:
    return None if windows is None else ",".join(f"{hhmm(s)}-{hhmm(e)}" for s, e in windows)


def records(problem: Problem) -> tuple[list[dict], list[dict]]:
    """Postmen and task records (the form of :func:`ops.scenario.from_records`) of a map problem."""
    postmen = [
        {
            "id": m.id,
            "depot": m.start_depot.removeprefix("depot:"),
            "capacity": m.capacity,
            "shift": f"{hhmm(m.shift_start)}-{hhmm(m.shift_end)}",
            "lunch": m.lunch is not None,
        }
        for m in problem.postmen
    ]
    tasks = [
        {
            "id": t.id,
            "kind": t.kind,
            "pickup": t.pickup,
            "delivery": t.delivery,
            "load": t.load,
            "pickup_window": _windows(t.pickup_windows),
            "delivery_window": _windows(t.delivery_windows),
            "priority": t.priority,
            "mandatory": t.mandatory,
        }
        for t in problem.tasks
    ]
    return postmen, tasks


def _finish(
    amap: AddressMap, day: Scenario, plan: Plan, postmen: list[dict], tasks: list[dict], addresses: list[dict]
) -> Outcome:
    verdict = check.check(day.problem, plan)
    names = postman_names(postmen)
    plan = _named(plan, day, names)
    geojson = scenario.route_lines(amap, day, plan, names=names)
    problem = day.problem
    return Outcome(
        postmen,
        tasks,
        day.synthetic,
        plan,
        list(verdict.violations),
        list(problem.warnings),
        geojson,
        addresses,
        list(verdict.shortfalls),
    )


def _named(plan: Plan, day: Scenario, postmen: Mapping[str, str]) -> Plan:
    """The plan with the places and postmen of its unserved tasks' reasons named beside their ids (``place_name``
    beside ``place``, ``depot_name``, ``postman_name``), for the reasons to be said with the names people read
    ("Bảo hiểm xã hội thành phố Hà Nội", not "osm:node/4272709090")."""
    places = {p: n for p, n in zip(day.places["place_id"], day.places["name"], strict=True) if n}
    names = {"place": places, "depot": places, "postman": postmen}

    def named(values: dict) -> dict:
        return values | {f"{k}_name": ids[values[k]] for k, ids in names.items() if values.get(k) in ids}

    return replace(plan, unserved=tuple(replace(u, values=named(u.values)) for u in plan.unserved))


def postman_names(postmen: list[dict]) -> dict[str, str]:
    """The full names of postmen records that give one (``name``), by id."""
    return {p["id"]: p["name"] for p in postmen if p.get("name")}


def generated(
    amap: AddressMap, n_tasks: int, postmen: int, seed: int, *, time_limit_s: float, balanced: bool = False
) -> Outcome:
    """Plan a generated (synthetic) day of ``n_tasks`` tasks for ``postmen`` postmen (``balanced`` as for
    :func:`explicit`)."""
    day = scenario.generate(amap, n_tasks, postmen=postmen, seed=seed)
    plan = _solve(day.problem, time_limit_s, balanced)
    crew, tasks = records(day.problem)
    return _finish(amap, day, plan, crew, tasks, [])


def explicit(
    amap: AddressMap,
    postmen: list[dict],
    tasks: list[dict],
    *,
    time_limit_s: float,
    addresses: list[dict] | None = None,
    whole: bool = False,
    leave_impossible: bool = False,
    names: Mapping[str, str] | None = None,
    day: date | None = None,
    balanced: bool = False,
    office_hours: Mapping[str, str] | None = None,
) -> Outcome:
    """Plan a day given as records (postmen with depots, tasks between places of the map and ``addresses``,
    see :func:`ops.scenario.from_records`, as ``leave_impossible``, ``names``, ``day`` and ``office_hours``).

    ``time_limit_s`` bounds the search, or with ``whole`` the whole plan: the search then gets what is left after
    the travel times, less as much again for drawing the routes along the roads (which costs about the same).
    ``balanced``: the last postman back as early as possible first, then the longest working day as short as
    possible, then the cost (:mod:`routing.balance`); the cheapest plan otherwise."""
    began = time.perf_counter()
    planned = scenario.from_records(
        amap,
        postmen,
        tasks,
        addresses=addresses,
        leave_impossible=leave_impossible,
        names=names,
        day=day,
        office_hours=office_hours,
    )
    if whole:
        spent = time.perf_counter() - began
        time_limit_s = max(time_limit_s - 2 * spent, MIN_SEARCH_SHARE * time_limit_s)
    plan = _solve(planned.problem, time_limit_s, balanced)
    return _finish(amap, planned, plan, postmen, tasks, list(addresses or []))


def _solve(problem: Problem, time_limit_s: float, balanced: bool) -> Plan:
    if balanced:
        return balance.solve(problem, time_limit_s=time_limit_s)
    return solver.solve(problem, time_limit_s=time_limit_s)


def plan_from_dict(data: dict) -> Plan:
    """The :class:`Plan` of :meth:`Plan.to_dict`."""
    routes = tuple(
        Route(**{**r, "stops": tuple(Stop(**s) for s in r["stops"])})  # type: ignore[arg-type]
        for r in data["routes"]
    )
    return Plan(
        routes,
        tuple(Unserved(**u) for u in data["unserved"]),
        objective=data["objective"],
        status=data["status"],
    )


def _reindexed(plan: Plan, problem: Problem) -> Plan:
    """The plan with each stop's matrix index looked up in ``problem`` (place tables differ between builds)."""
    routes = tuple(
        replace(r, stops=tuple(replace(s, place_index=problem.index(s.place)) for s in r.stops)) for r in plan.routes
    )
    return replace(plan, routes=routes)


def progress_of(plan: Plan, problem: Problem, given: dict[str, dict]) -> dict[str, Progress]:
    """Per postman progress from the request, checked against the plan (fields named in errors)."""
    out = {}
    postmen = {r.postman: r for r in plan.routes}
    for name, p in given.items():
        field = f"progress.{name}"
        if name not in postmen:
            raise FieldError(field, f"no postman {name!r} in this plan", code="postman_not_in_plan", postman=name)
        if p["place"] not in problem.places:
            raise FieldError(
                f"{field}.place",
                f"place {p['place']!r} is not a place of this plan",
                code="place_not_in_plan",
                place=p["place"],
            )
        if p["done"] > len(postmen[name].stops):
            stops = len(postmen[name].stops)
            raise FieldError(
                f"{field}.done",
                f"the route of {name!r} has only {stops} stops",
                code="past_the_route",
                postman=name,
                stops=stops,
            )
        hours, minutes = (int(x) for x in p["clock"].split(":"))
        out[name] = Progress(p["place"], hours * 3600 + minutes * 60, p["done"])
    return out


def reoptimised(
    amap: AddressMap,
    state: dict,
    stored_plan: dict,
    new_tasks: list[dict],
    *,
    at: str | None,
    progress: dict[str, dict] | None,
    time_limit_s: float,
    new_addresses: list[dict] | None = None,
    leave_impossible: bool = False,
    names: Mapping[str, str] | None = None,
    day: date | None = None,
    shift_ends: Mapping[str, str] | None = None,
    joining: list[dict] | None = None,
    balanced: bool = False,
    office_hours: Mapping[str, str] | None = None,
) -> Outcome:
    """Insert ``new_tasks`` into a stored plan; stops done by ``at`` (or as ``progress`` says) stay fixed.

    ``new_addresses`` are the places of the new tasks that are citizens' addresses, and ``leave_impossible``,
    ``names``, ``day`` and ``office_hours`` as for :func:`explicit`. ``shift_ends`` (``HH:MM`` per postman id)
    ends shifts early or late (:func:`routing.solver.reoptimise`); the postmen records keep the shifts as they now end.
    ``joining``: postmen records (as for :func:`ops.scenario.from_records`) of postmen called in, who leave their
    depot at the start of their shift, no earlier than ``at``; each refused that is in the plan already
    (``joining[k].id``: ``postman_in_plan``) or malformed. ``balanced``: the plan was balanced
    (:func:`explicit`) and the new one is (:func:`routing.balance.reoptimise`)."""
    ends = _shift_ends(stored_plan, shift_ends or {})
    joining = joining or []
    in_plan = {p["id"] for p in state["postmen"]}
    refused = scenario.postmen_errors(amap, joining, "joining") + [
        FieldError(
            f"joining[{k}].id", f"postman {p['id']!r} is in the plan already", code="postman_in_plan", postman=p["id"]
        )
        for k, p in enumerate(joining)
        if p.get("id") in in_plan
    ]
    if refused:
        raise FieldErrors(refused)
    known = {t["id"] for t in state["tasks"]}
    for k, t in enumerate(new_tasks):
        if t["id"] in known:
            raise FieldError(
                f"tasks[{k}].id", f"task {t['id']!r} is already in the plan", code="task_in_plan", task=t["id"]
            )
    all_tasks = [*state["tasks"], *new_tasks]
    # One record per place: a unit placed again since the plan is routed to its new point.
    addresses = list({a["id"]: a for a in [*state.get("addresses", []), *(new_addresses or [])]}.values())
    crew = [*state["postmen"], *joining]
    planned = scenario.from_records(
        amap,
        crew,
        all_tasks,
        addresses=addresses,
        leave_impossible=leave_impossible,
        names=names,
        day=day,
        office_hours=office_hours,
    )
    fresh = {t["id"] for t in new_tasks}
    full = planned.problem
    before = full.rebuilt(tasks=[t for t in full.tasks if t.id not in fresh])
    plan = _reindexed(plan_from_dict(stored_plan), before)
    when = clock(at) if at is not None else None
    where = solver.progress_at(plan, when) if when is not None else progress_of(plan, before, progress or {})
    # Each postman is free from where he is, or from his depot (no earlier than ``at``); the engine closes the
    # route of one whose shift is over by then, and there must be someone left to take the new tasks.
    free = {m.id: where[m.id].clock if m.id in where else max(m.shift_start, when or 0) for m in before.postmen}
    if all(free[m.id] > m.shift_end for m in before.postmen):
        last = max(before.postmen, key=lambda m: m.shift_end)
        raise FieldError(
            "at" if at is not None else "progress",
            f"every postman's shift is over by {hhmm(free[last.id])} (the last, {last.id!r}'s, ends at "
            f"{hhmm(last.shift_end)}): no task can be added to this plan",
            code="shifts_over_at",
            postman=last.id,
            end=hhmm(last.shift_end),
            at=hhmm(free[last.id]),
        )
    # A balanced day stays balanced, its planned tasks with their postmen (the cheaper plan of one taking
    # another's being what the dispatcher chose against) unless shifts change or postmen join, which is to move them.
    problem, new_plan = (balance.reoptimise if balanced else solver.reoptimise)(
        before,
        plan,
        where,
        new_tasks=[t for t in full.tasks if t.id in fresh],
        clock=when,
        time_limit_s=time_limit_s,
        shift_ends=ends,
        keep_assignment=balanced and not ends and not joining,
    )
    replanned = Scenario(problem, planned.places, planned.synthetic or state["synthetic"])
    # The end to the minute he is back, rounded up: rounded to the nearest, it came before him (10:22:23, "10:22")
    # and the checker refused his closed route at the next re-plan.
    shifts = {
        m.id: f"{hhmm(m.shift_start)}-{hhmm(-(-m.shift_end // 60) * 60)}" for m in problem.postmen if m.id in ends
    }
    postmen = [p | {"shift": shifts[p["id"]]} if p["id"] in shifts else p for p in crew]
    return _finish(amap, replanned, new_plan, postmen, all_tasks, addresses)


def _shift_ends(stored_plan: dict, ends: Mapping[str, str]) -> dict[str, int]:
    """New shift ends in seconds since midnight, checked against the stored plan's routes (fields named in
    errors)."""
    routes = {r["postman"]: r for r in stored_plan["routes"]}
    for name in ends:
        field = f"shift_ends.{name}"
        if name not in routes:
            raise FieldError(field, f"no postman {name!r} in this plan", code="postman_not_in_plan", postman=name)
        if routes[name].get("closed"):
            raise FieldError(
                field,
                f"the shift of {name!r} was over when the day was last re-planned: his route is closed",
                code="route_closed",
                postman=name,
            )
    return {name: clock(end) for name, end in ends.items()}
