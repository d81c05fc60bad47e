"""Dispatch with OR-Tools: the routing model of a :class:`~routing.problem.Problem`, solved into a Plan.

The model has a time dimension (travel plus service, waiting allowed, several windows per stop as a range with
the gaps removed, shifts, maximum working time, lunch breaks) and a load dimension (capacity in dossier units).
Each shuttle, result return or home pickup is a pickup-and-delivery pair served by one postman, pickup first.
Tasks are optional with a drop penalty by priority; a task that must be done today gets a penalty larger than
any plan, so it is left out only when it cannot be served, and the plan then says why.

The search (issue 9): the adaptive large neighbourhood search of :mod:`routing.warm` builds and improves the
plan for most of the limit; OR-Tools then takes it on the full model (given the break times), checks it and
shortens it with guided local search for what is left. Days above :data:`POLISH_MAX_NODES` keep the search's
own schedule. Tasks dropped although a route can still take them for less than their penalty are put in
(:func:`routing.insertion.insertions`), and every task left out is explained. All of it within the limit on the
wall clock: the search gets the limit less the measured cost of building the OR-Tools model and a share for
OR-Tools and the explanations.

Determinism: with ``deterministic=True`` (the default) the warm start stops at a budget of work scaled to
the limit (:data:`routing.alns.WORK_RATE`), after which OR-Tools takes its plan and stops at its first
solution (from scratch, without the warm start, OR-Tools stops at a number of solutions,
:data:`SOLUTIONS_PER_SECOND`); both are also stopped by the wall clock. Same input, seed and limit give the
same plan whenever the budgets, not the clock, end the searches (an idle machine); ``meta["deterministic"]``
says whether that was so. ``deterministic=False`` uses the whole wall-clock budget (the benchmarks do, to
compare at equal time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from routing import alns, insertion, warm
from routing.errors import InfeasibleError, ProblemError
from routing.plan import Plan, Reason, Route, Stop, Unserved
from routing.problem import Postman, Problem, Task, Window, hhmm

log = logging.getLogger(__name__)

_STATUS = {
    0: "NOT_SOLVED",
    1: "SUCCESS",
    2: "PARTIAL_SUCCESS",
    3: "FAIL",
    4: "FAIL_TIMEOUT",
    5: "INVALID",
    6: "INFEASIBLE",
    7: "OPTIMAL",
}

SOLUTIONS_PER_SECOND = 20
"""Solutions allowed per second of time limit when the search must be deterministic.

OR-Tools counts every solution the local search accepts. Measured on this project's 2-core machine under load:
about 20-40 a second with guided local search on a 100-task pickup-and-delivery day with 6 postmen, many more
on small problems, so the count normally ends the search before the time limit."""

POLISH_MAX_NODES = 1300
"""Largest model (task stops plus two nodes per postman) that OR-Tools takes the warm start of.

Given the search's routes and break times (:meth:`_Model.hint`), OR-Tools takes a 600-task day's plan in 0.25 s and
a 1,000-task day's in 1.3 s (measured here, 15 and 25 postmen), but its model of the larger one costs seconds of the
search's limit (:data:`MODEL_SECONDS_PER_PAIR`) and, stopping at its first solution in deterministic mode, it only
times the plan anew. Above this size the search's own schedule is the plan (``Plan.status`` ``WARM_START``), checked
like any other."""

MODEL_SECONDS_PER_PAIR = 2e-6
"""Seconds to build the OR-Tools model and read a plan into it, per pair of nodes (its matrices are dense)."""

RESERVE_S = 0.3
"""Seconds kept back at least for OR-Tools to read the warm start (it does so under the search's time limit)."""

EXPLAIN_SHARE = 0.05
"""Share of the limit for OR-Tools' own search from the warm start, and again for the explanations of unserved
tasks."""

StopKey = tuple[str, str]
"""A task stop: task id and ``"pickup"``, ``"delivery"`` or ``"visit"``."""


@dataclass(frozen=True)
class Progress:
    """Where a postman is in his day when the plan is re-optimised.

    Parameters
    ----------
    place
        Id of the place where the postman is now (or where he will be free next).
    clock
        Time he is free there, seconds since midnight.
    done
        Number of stops of his current route already done, counting the start at the depot.
    """

    place: str
    clock: int
    done: int = 1


def progress_at(plan: Plan, when: int) -> dict[str, Progress]:
    """Where each postman of a plan is at a clock time, for :func:`reoptimise`.

    A stop counts as done once its service has ended by ``when``; the postman is then free at that stop's
    place from ``when`` (or from its departure, or the end of a break he is on, if later). Postmen who have
    not left yet are left out.
    """
    progress = {}
    for route in plan.routes:
        done = [s for s in route.stops if s.departure <= when]
        if route.used and done:
            free = max(when, done[-1].departure)
            if (
                route.break_start is not None
                and route.break_end is not None
                and route.break_start <= when < route.break_end
            ):
                free = max(free, route.break_end)
            progress[route.postman] = Progress(done[-1].place, free, len(done))
    return progress


@dataclass
class _Node:
    key: StopKey | None
    kind: str
    place: str
    index: int
    service: int
    windows: tuple[Window, ...]
    demand: int
    task: Task | None = None


@dataclass
class _Vehicle:
    postman: Postman
    start_place: str
    earliest: int
    load: int = 0
    lunch: bool = True
    max_work: int | None = None
    done: tuple[Stop, ...] = ()
    taken_break: tuple[int, int] | None = None


class _Table:
    """The nodes of a day: each vehicle's start and end, then one node per task stop (carried loads: delivery only)."""

    def __init__(
        self,
        problem: Problem,
        vehicles: Sequence[_Vehicle],
        tasks: Sequence[Task],
        carried: Mapping[str, int],
    ) -> None:
        self.problem = problem
        nodes: list[_Node] = []
        for v in vehicles:
            m = v.postman
            nodes.append(
                _Node(None, "start", v.start_place, problem.index(v.start_place), 0, ((v.earliest, m.shift_end),), 0)
            )
        for v in vehicles:
            m = v.postman
            place = problem.depots[m.end].place
            nodes.append(_Node(None, "end", place, problem.index(place), 0, ((m.shift_start, m.shift_end),), 0))
        self.key_node: dict[StopKey, int] = {}
        self.pairs: list[tuple[int, int, Task]] = []
        self.singles: list[tuple[int, Task, int | None]] = []
        for t in tasks:
            if t.id in carried:
                self.key_node[(t.id, "delivery")] = len(nodes)
                self.singles.append((len(nodes), t, carried[t.id]))
                nodes.append(self._stop(t, "delivery"))
            elif t.kind == "visit":
                self.key_node[(t.id, "visit")] = len(nodes)
                self.singles.append((len(nodes), t, None))
                nodes.append(self._stop(t, "visit"))
            else:
                self.key_node[(t.id, "pickup")] = len(nodes)
                nodes.append(self._stop(t, "pickup"))
                self.key_node[(t.id, "delivery")] = len(nodes)
                nodes.append(self._stop(t, "delivery"))
                self.pairs.append((len(nodes) - 2, len(nodes) - 1, t))
        self.nodes = nodes

    def _stop(self, t: Task, kind: str) -> _Node:
        p = self.problem
        if kind == "delivery":
            assert t.delivery is not None
            return _Node(
                (t.id, kind),
                kind,
                t.delivery,
                p.index(t.delivery),
                t.delivery_service,
                p.windows(t, "delivery"),
                -t.load,
                t,
            )
        return _Node(
            (t.id, kind), kind, t.pickup, p.index(t.pickup), t.pickup_service, p.windows(t, "pickup"), t.load, t
        )


class _Model:
    """The OR-Tools model of a problem, kept together with the node table to read solutions back."""

    def __init__(self, problem: Problem, vehicles: Sequence[_Vehicle], table: _Table) -> None:
        self.problem, self.vehicles, self.table = problem, list(vehicles), table
        nv = len(self.vehicles)
        nodes = table.nodes
        self.key_node = table.key_node
        pairs, singles = table.pairs, table.singles
        self.nodes = nodes
        self.breaks: dict[int, pywrapcp.IntervalVar] = {}
        self.manager = pywrapcp.RoutingIndexManager(len(nodes), nv, list(range(nv)), list(range(nv, 2 * nv)))
        routing = self.routing = pywrapcp.RoutingModel(self.manager)
        solver = routing.solver()

        idx = np.array([n.index for n in nodes])
        service = np.array([n.service for n in nodes], dtype=np.int64)
        travel = problem.arcs[np.ix_(idx, idx)].astype(np.int64)
        dist = problem.distances[np.ix_(idx, idx)]
        self.travel = travel
        time_cb = routing.RegisterTransitMatrix((travel + service[:, None]).tolist())
        cost_cbs: dict[tuple[float, float], int] = {}
        for vi, v in enumerate(self.vehicles):
            m = v.postman
            key = (m.cost_per_km, m.cost_per_hour)
            if key not in cost_cbs:
                cost = np.rint(dist * (m.cost_per_km / 1000.0) + travel * (m.cost_per_hour / 3600.0))
                cost_cbs[key] = routing.RegisterTransitMatrix(cost.astype(np.int64).tolist())
            routing.SetArcCostEvaluatorOfVehicle(cost_cbs[key], vi)
            routing.SetFixedCostOfVehicle(int(m.fixed_cost), vi)

        horizon = 24 * 3600
        for v in self.vehicles:
            horizon = max(horizon, v.postman.shift_end, v.earliest)
        for n in nodes:
            horizon = max(horizon, *(e for _, e in n.windows))
        routing.AddDimension(time_cb, horizon, horizon, False, "time")
        tdim = self.time = routing.GetDimensionOrDie("time")
        demand_cb = routing.RegisterUnaryTransitVector([n.demand for n in nodes])
        routing.AddDimensionWithVehicleCapacity(
            demand_cb, 0, [v.postman.capacity for v in self.vehicles], False, "load"
        )
        ldim = self.load = routing.GetDimensionOrDie("load")

        for ni in range(2 * nv, len(nodes)):
            _set_windows(tdim.CumulVar(self.manager.NodeToIndex(ni)), nodes[ni].windows)
        for vi, v in enumerate(self.vehicles):
            m = v.postman
            start, end = routing.Start(vi), routing.End(vi)
            # A postman on his way is where he is now; one at the depot may leave later.
            tdim.CumulVar(start).SetRange(v.earliest, v.earliest if v.done else m.shift_end)
            tdim.CumulVar(end).SetRange(max(m.shift_start, v.earliest), m.shift_end)
            ldim.CumulVar(start).SetValue(v.load)
            if v.max_work is not None:
                tdim.SetSpanUpperBoundForVehicle(v.max_work, vi)
            if m.lunch is not None and v.lunch:
                b = m.lunch
                earliest = max(b.earliest, v.earliest)
                if b.latest - earliest >= b.duration:
                    interval = solver.FixedDurationIntervalVar(
                        earliest, b.latest - b.duration, b.duration, False, f"break {vi}"
                    )
                    self.breaks[vi] = interval
                    # Service times by routing index: a break may not interrupt a service.
                    visit = [int(service[self.manager.IndexToNode(i)]) for i in range(routing.Size())]
                    tdim.SetBreakIntervalsOfVehicle([interval], vi, visit)
                else:
                    log.info("postman %r: too late for the break (%s)", m.id, hhmm(v.earliest))
            # Compact schedules: come back as early as possible, then leave as late as that allows.
            routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(end))
            routing.AddVariableMaximizedByFinalizer(tdim.CumulVar(start))

        for p, d, t in pairs:
            pi, di = self.manager.NodeToIndex(p), self.manager.NodeToIndex(d)
            routing.AddPickupAndDelivery(pi, di)
            solver.Add(routing.VehicleVar(pi) == routing.VehicleVar(di))
            solver.Add(tdim.CumulVar(pi) <= tdim.CumulVar(di))
            # The pair is dropped as a whole, so each node carries half the task's penalty.
            routing.AddDisjunction([pi], (t.penalty + 1) // 2)
            routing.AddDisjunction([di], (t.penalty + 1) // 2)
        for node, t, vehicle in singles:
            ni = self.manager.NodeToIndex(node)
            if vehicle is not None:
                _allow_only(routing, ni, vehicle)
            routing.AddDisjunction([ni], t.penalty)
        for ni in range(2 * nv, len(nodes)):
            routing.AddVariableMinimizedByFinalizer(tdim.CumulVar(self.manager.NodeToIndex(ni)))

    def routes_to_indices(self, routes: Sequence[Sequence[StopKey]]) -> list[list[int]]:
        """Routing indices of routes given as task stops; stops unknown to the model are skipped."""
        return [[self.manager.NodeToIndex(self.key_node[k]) for k in r if k in self.key_node] for r in routes]

    def hint(self, routes: Sequence[Sequence[StopKey]], breaks: Sequence[int | None]) -> pywrapcp.Assignment | None:
        """A first solution from routes and break start times (seconds), or ``None`` when they do not fit.

        OR-Tools' own reading of routes (``ReadAssignmentFromRoutes``) searches for the break times and takes
        about 30 s on a 1,000-task day; given the times it only checks them."""
        assignment = self.routing.solver().Assignment()
        if not self.routing.RoutesToAssignment(self.routes_to_indices(routes), True, True, assignment):
            return None
        for vi, interval in self.breaks.items():
            start = breaks[vi] if vi < len(breaks) else None
            if start is None:
                continue
            assignment.Add(interval)
            assignment.SetStartValue(interval, start)
            assignment.SetDurationValue(interval, interval.DurationMin())
            assignment.SetEndValue(interval, start + interval.DurationMin())
            assignment.SetPerformedValue(interval, 1)
        return assignment

    def to_routes(self, assignment: pywrapcp.Assignment) -> list[Route]:
        """Routes with times, loads, distances and costs read from a solution."""
        breaks: dict[int, tuple[int, int]] = {}
        intervals = assignment.IntervalVarContainer()
        for k in range(intervals.Size()):
            el = intervals.Element(k)
            if el.PerformedValue():
                vi = int(el.Var().Name().split()[-1])
                breaks[vi] = (el.StartValue(), el.StartValue() + el.DurationValue())
        routes = []
        p = self.problem
        for vi, v in enumerate(self.vehicles):
            m = v.postman
            stops: list[Stop] = list(v.done)
            i = self.routing.Start(vi)
            prev: _Node | None = None
            prev_dep = 0
            while True:
                n = self.manager.IndexToNode(i)
                node = self.nodes[n]
                start = assignment.Value(self.time.CumulVar(i))
                load = assignment.Value(self.load.CumulVar(i)) + node.demand
                if prev is None:
                    arrival = start
                else:
                    arrival = prev_dep + int(p.arcs[prev.index, node.index])
                    br = breaks.get(vi)
                    if br is not None and prev_dep <= br[0] < arrival:
                        arrival += br[1] - br[0]
                # After a re-optimisation the route goes on from where the postman is.
                kind = "position" if node.kind == "start" and v.done else node.kind
                task = node.key[0] if node.key else None
                departure = start + int(node.service)
                stops.append(
                    Stop(kind, node.place, int(node.index), min(arrival, start), start, departure, load, task)  # type: ignore[arg-type]
                )
                prev, prev_dep = node, departure
                if self.routing.IsEnd(i):
                    break
                i = assignment.Value(self.routing.NextVar(i))
            used = any(s.task is not None for s in stops)
            brk = breaks.get(vi) if used else None
            begin, end = stops[0].departure, stops[-1].arrival
            if brk is not None and m.lunch is not None and not m.lunch.needed(begin, end):
                # OR-Tools places every break, on duty or not: one outside a day that needs none is not the day's.
                brk = brk if brk[0] < end and brk[1] > begin else None
            routes.append(route_from_stops(p, m, stops, v.taken_break or brk))
        return routes


def route_from_stops(problem: Problem, postman: Postman, stops: Sequence[Stop], brk: tuple[int, int] | None) -> Route:
    """A route with its distance (metres), driving time (seconds) and cost (cost units) summed over its stops."""
    idx = np.array([s.place_index for s in stops])
    dist = int(problem.distances[idx[:-1], idx[1:]].sum()) if len(idx) > 1 else 0
    drive = int(problem.times[idx[:-1], idx[1:]].sum()) if len(idx) > 1 else 0
    used = any(s.task is not None for s in stops)
    cost = problem.arc_cost(postman, idx) + (postman.fixed_cost if used else 0)
    return Route(postman.id, tuple(stops), dist, drive, cost, *(brk or (None, None)))


def _allow_only(routing: pywrapcp.RoutingModel, index: int, vehicle: int) -> None:
    """Let only ``vehicle`` serve routing index ``index`` (or nobody, when it is dropped)."""
    routing.VehicleVar(index).SetValues([-1, vehicle])


def _set_windows(var: pywrapcp.IntVar, windows: Sequence[Window]) -> None:
    """Restrict a cumul variable to the union of windows: their span, with the gaps removed."""
    windows = sorted(windows)
    var.SetRange(windows[0][0], max(e for _, e in windows))
    reach = windows[0][1]
    for s, e in windows[1:]:
        if s > reach + 1:
            var.RemoveInterval(reach + 1, s - 1)
        reach = max(reach, e)


def search_parameters(
    *,
    time_limit_s: float,
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION",
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    solution_limit: int | None = None,
) -> pywrapcp.DefaultRoutingSearchParameters:
    """OR-Tools search parameters: first solution strategy and metaheuristic by name, limits in seconds."""
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = getattr(routing_enums_pb2.FirstSolutionStrategy, first_solution)
    params.local_search_metaheuristic = getattr(routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic)
    params.time_limit.FromMilliseconds(max(1, int(time_limit_s * 1000)))
    if solution_limit is not None:
        params.solution_limit = solution_limit
    return params


def solve(
    problem: Problem,
    *,
    time_limit_s: float = 30.0,
    deterministic: bool = True,
    first_solution: str = "PARALLEL_CHEAPEST_INSERTION",
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    initial_routes: Mapping[str, Sequence[StopKey]] | None = None,
    explain: bool = True,
    tune: Callable[[routing_parameters_pb2.RoutingSearchParameters], None] | None = None,
    warm_start: bool = True,
    seed: int = 0,
    or_tools: bool = True,
) -> Plan:
    """Plan the day: route every postman and say why each unserved task is unserved.

    Parameters
    ----------
    problem
        The validated problem.
    time_limit_s
        Search budget in seconds (see the module notes on determinism).
    deterministic
        Bound the search by a number of steps derived from the limit rather than by the wall clock.
    first_solution
        Name of an OR-Tools first solution strategy, e.g. ``PARALLEL_CHEAPEST_INSERTION``.
    metaheuristic
        Name of an OR-Tools local search metaheuristic, e.g. ``GUIDED_LOCAL_SEARCH`` or ``GREEDY_DESCENT``.
    initial_routes
        Per postman id, task stops ``(task id, "pickup" | "delivery" | "visit")`` in order, to start the
        search from (a previous plan); postmen left out start empty.
    explain
        Analyse why each unserved task is unserved (skip it when only the routes matter).
    tune
        Called with the OR-Tools ``RoutingSearchParameters`` once they are set, to adjust them further (e.g.
        operators or the guided local search coefficient); the default leaves them as they are.
    warm_start
        Start OR-Tools from the plan of the adaptive large neighbourhood search (:mod:`routing.warm`), which
        takes most of the limit; without it OR-Tools builds its own first plan by ``first_solution``.
    seed
        Seed of the warm start's random choices.
    or_tools
        With the warm start, OR-Tools takes its plan on the full model (and, by the clock, searches on from it);
        without, the search's own schedule is the plan, as on days above :data:`POLISH_MAX_NODES`, and the search
        has the time the model would take (a balanced day's bisection steps, :mod:`routing.balance`).

    Returns
    -------
    Plan
        Routes, unserved tasks with reasons, objective and solver status.
    """
    vehicles = [
        _Vehicle(m, problem.depots[m.start_depot].place, m.shift_start, max_work=m.max_work) for m in problem.postmen
    ]
    return _run(
        problem,
        vehicles,
        problem.tasks,
        {},
        time_limit_s=time_limit_s,
        deterministic=deterministic,
        first_solution=first_solution,
        metaheuristic=metaheuristic,
        initial_routes=initial_routes,
        explain=explain,
        tune=tune,
        warm_start=warm_start,
        seed=seed,
        or_tools=or_tools,
    )


def reoptimise(
    problem: Problem,
    plan: Plan,
    progress: Mapping[str, Progress],
    *,
    new_tasks: Sequence[Task] = (),
    clock: int | None = None,
    time_limit_s: float = 10.0,
    deterministic: bool = True,
    keep_assignment: bool = False,
    shift_ends: Mapping[str, int] | None = None,
    cap: Callable[[Postman], Postman] | None = None,
    explain: bool = True,
    or_tools: bool = True,
) -> tuple[Problem, Plan]:
    """Insert new tasks into a plan in progress without touching what is done.

    Each postman restarts from his current place and clock with what he carries; done stops are copied
    unchanged into the new plan, followed by a ``position`` stop (where and when he was free) and his new
    remaining route. The search starts from the remaining part of the old plan, so stops move only when the
    cost improves.

    A postman of ``problem`` without a route in ``plan`` joins the day (a substitute called in): he leaves his
    depot at the start of his shift, no earlier than ``clock``, and takes what the search gives him.

    A postman who can no longer be back at his end depot within his shift (it is over, or ends before he could
    drive back from where he is) keeps his route as it was planned, ``closed``: the events recorded after the
    fact say what became of its stops, and no task is added to it or taken from it (one of its dossiers may be
    in his bag, or handed over without the event recorded yet).

    Parameters
    ----------
    problem
        The problem the plan was made for.
    plan
        The plan in progress.
    progress
        Per postman id, where he is; postmen left out have not started (nothing done).
    new_tasks
        Tasks to add.
    clock
        The time of the re-optimisation, seconds since midnight: a postman left out of ``progress`` is at his
        depot from then (from the start of his shift when omitted).
    time_limit_s, deterministic
        As for :func:`solve`.
    keep_assignment
        Forbid moving a planned task to another postman (new tasks may go anywhere).
    shift_ends
        New ends of shifts, seconds since midnight, per postman id: one sent home early (taken ill, his motorbike
        broken down) or kept late. He is back at his end depot by the new end, or goes back at once when it
        comes before he could be (his shift then ends when he is back); the others take the stops he can no
        longer make, and what he carries and cannot deliver on time is carried back (``carried_back``).
    cap
        Each postman, his shift as it now ends, as the search is to see him: tighter limits (a balanced re-plan's
        common end and longest day, :func:`routing.balance.reoptimise`). Under them every task may be left
        undone at its penalty, and one out who can no longer be back by the limited end keeps his route as
        planned (``closed``).
    explain, or_tools
        As for :func:`solve`.

    Returns
    -------
    tuple
        The problem with the new tasks and shifts (to check the plan against, without ``cap``) and the new plan.

    Raises
    ------
    ProblemError
        Every postman's route is closed and there are tasks to add (``new_tasks``), or a new shift end is given
        for a postman whose route is closed or who is not in the plan.
    """
    postmen = problem.postmen
    if shift_ends:
        progress = _not_coming(problem, progress, shift_ends)
        postmen = _shifts_ended(problem, plan, progress, clock, shift_ends)
    full = problem.rebuilt(
        postmen=postmen,
        tasks=[*problem.tasks, *new_tasks],
        promised={t.id for t in problem.tasks} if shift_ends else (),
    )
    searched = full
    if cap is not None:
        searched = full.rebuilt(postmen=[cap(m) for m in postmen], promised={t.id for t in full.tasks})
    tasks_by_id = {t.id: t for t in full.tasks}
    vehicles: list[_Vehicle] = []
    finished: set[str] = set()
    carried: dict[str, int] = {}
    closed: list[Route] = []
    initial: dict[str, list[StopKey]] = {}
    owner: dict[str, int] = {}
    routes = {r.postman: r for r in plan.routes}
    for m in searched.postmen:
        # Called in since the plan: a day with nothing planned, so that he starts as one not out yet does.
        route = routes[m.id] if m.id in routes else _stay_at_depot(full, m)
        pr = _progress(full, m, progress.get(m.id), clock)
        vi = len(vehicles)
        if pr is None:
            if route.closed:
                closed.append(route)
                continue
            vehicles.append(_Vehicle(m, full.depots[m.start_depot].place, m.shift_start, max_work=m.max_work))
            initial[m.id] = [(s.task, s.kind) for s in route.stops if s.task is not None]
            continue
        done, now = _resume(route, pr)
        lunch_taken = route.break_end is not None and route.break_end <= pr.clock
        in_lunch = route.break_start is not None and route.break_start < pr.clock < (route.break_end or 0)
        if route.closed or _back_too_late(full, m, pr.place, now):
            # No time left in his shift (an empty time window, on which OR-Tools fails outright): as planned.
            closed.append(replace(route, closed=True))
            continue
        picked = {s.task for s in done if s.kind == "pickup" and s.task is not None}
        delivered = {s.task for s in done if s.kind in ("delivery", "visit") and s.task is not None}
        finished |= delivered
        load = sum(tasks_by_id[t].load for t in picked - delivered)
        for t in picked - delivered:
            carried[t] = vi
        worked = now - done[0].departure
        max_work = None if m.max_work is None else max(0, m.max_work - worked)
        taken = (route.break_start, route.break_end) if lunch_taken or in_lunch else None
        vehicles.append(
            _Vehicle(m, pr.place, now, load, taken is None, max_work, tuple(done), taken)  # type: ignore[arg-type]
        )
        rest: list[StopKey] = [(s.task, s.kind) for s in route.stops[pr.done :] if s.task is not None]
        initial[m.id] = rest
        for key in rest:
            owner[key[0]] = vi
    theirs = {s.task for r in closed for s in r.stops if s.task is not None}
    remaining = [t for t in full.tasks if t.id not in finished | theirs]
    if not vehicles:
        if new_tasks:
            raise ProblemError("every postman's route is closed (the shifts are over): no task can be added to it")
        return full, replace(plan, routes=tuple(closed))
    return full, _run(
        searched,
        vehicles,
        remaining,
        carried,
        closed=closed,
        time_limit_s=time_limit_s,
        deterministic=deterministic,
        first_solution="PARALLEL_CHEAPEST_INSERTION",
        initial_routes=initial,
        fixed_owner=owner if keep_assignment else None,
        explain=explain,
        or_tools=or_tools,
    )


def _stay_at_depot(problem: Problem, postman: Postman) -> Route:
    """The route of ``postman`` with no stop: from his start depot at the start of his shift to his end depot."""
    start, end = problem.depots[postman.start_depot].place, problem.depots[postman.end].place
    home = postman.shift_start + int(problem.arcs[problem.index(start), problem.index(end)])
    stops = [
        Stop("start", start, problem.index(start), postman.shift_start, postman.shift_start, postman.shift_start, 0),
        Stop("end", end, problem.index(end), home, home, home, 0),
    ]
    return route_from_stops(problem, postman, stops, None)


def _progress(problem: Problem, postman: Postman, given: Progress | None, clock: int | None) -> Progress | None:
    """Where ``postman`` is: as ``given``, else, not started by the clock, at his depot from then (so that nothing
    is planned before it); None when he starts his shift as planned."""
    if given is None and clock is not None and clock > postman.shift_start:
        return Progress(problem.depots[postman.start_depot].place, clock, 1)
    return given


def _resume(route: Route, progress: Progress) -> tuple[tuple[Stop, ...], int]:
    """The stops of ``route`` done at ``progress`` and the time the postman goes on from his last one."""
    # A postman back at his depot goes out again from there: his end stop is not one of the stops done.
    done = route.stops[: min(progress.done, len(route.stops) - 1)]
    in_lunch = route.break_start is not None and route.break_start < progress.clock < (route.break_end or 0)
    # A postman at lunch goes on when it ends.
    now = route.break_end if in_lunch and route.break_end is not None else progress.clock
    # Done stops keep their planned times: the postman goes on from the last one no earlier than it ends.
    return done, max(now, done[-1].departure)


def _back_at(problem: Problem, postman: Postman, place: str, now: int) -> int:
    """When ``postman``, free at ``place`` at ``now``, is back at his end depot going straight there."""
    home = problem.depots[postman.end].place
    return now + int(problem.arcs[problem.index(place), problem.index(home)])


def _back_too_late(problem: Problem, postman: Postman, place: str, now: int) -> bool:
    """Whether ``postman``, free at ``place`` at ``now``, cannot be back at his end depot within his shift."""
    return _back_at(problem, postman, place, now) > postman.shift_end


def _not_coming(problem: Problem, progress: Mapping[str, Progress], ends: Mapping[str, int]) -> dict[str, Progress]:
    """``progress`` without the postmen of ``ends`` it has at their depot before their shifts begin, nothing done:
    not started, they need not come at all (else each stayed at work until the plan had him leave)."""
    starts = {m.id: m.shift_start for m in problem.postmen}
    return {k: p for k, p in progress.items() if k not in ends or k not in starts or p.done > 1 or p.clock > starts[k]}


def _shifts_ended(
    problem: Problem, plan: Plan, progress: Mapping[str, Progress], clock: int | None, ends: Mapping[str, int]
) -> tuple[Postman, ...]:
    """The postmen of ``problem`` with the shift ends of ``ends``, each no earlier than he can be back at his end
    depot from where he is (:func:`reoptimise`)."""
    known = {m.id for m in problem.postmen}
    if unknown := sorted(set(ends) - known):
        raise ProblemError(f"no postman {unknown[0]!r} in the plan: his shift cannot end")
    postmen = []
    for m in problem.postmen:
        if m.id not in ends:
            postmen.append(m)
            continue
        route = plan.route(m.id)
        if route.closed:
            raise ProblemError(f"the route of postman {m.id!r} is closed (his shift was over): it cannot change")
        pr = _progress(problem, m, progress.get(m.id), clock)
        if pr is None:  # not out yet: he need not come at all
            postmen.append(replace(m, shift_end=max(ends[m.id], m.shift_start)))
            continue
        now = _resume(route, pr)[1]
        end = max(ends[m.id], _back_at(problem, m, pr.place, now))
        pending = m.lunch is not None and (route.break_start is None or route.break_start >= now)
        # Sent home before his break, he takes it only if he can still be back by the end after it.
        lunch = m.lunch if not pending or _break_fits(problem, m, pr.place, now, end) else None
        postmen.append(replace(m, shift_end=end, lunch=lunch))
    return tuple(postmen)


def _break_fits(problem: Problem, postman: Postman, place: str, now: int, end: int) -> bool:
    """Whether ``postman``, free at ``place`` at ``now``, can take his whole break inside its window and be back at
    his end depot by ``end``: after driving there when it still fits, else before."""
    lunch = postman.lunch
    assert lunch is not None
    back = _back_at(problem, postman, place, now)
    at_home = max(back, lunch.earliest) + lunch.duration
    if at_home <= lunch.latest:
        return at_home <= end
    first = max(now, lunch.earliest) + lunch.duration
    return first <= lunch.latest and first + back - now <= end


def _run(
    problem: Problem,
    vehicles: Sequence[_Vehicle],
    tasks: Sequence[Task],
    carried: Mapping[str, int],
    *,
    time_limit_s: float,
    deterministic: bool,
    first_solution: str,
    initial_routes: Mapping[str, Sequence[StopKey]] | None,
    closed: Sequence[Route] = (),
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    fixed_owner: Mapping[str, int] | None = None,
    explain: bool = True,
    tune: Callable[[routing_parameters_pb2.RoutingSearchParameters], None] | None = None,
    warm_start: bool = True,
    seed: int = 0,
    or_tools: bool = True,
) -> Plan:
    started = time.perf_counter()
    deadline = started + time_limit_s

    def left() -> float:
        return deadline - time.perf_counter()

    # A task with a stop that has no window (asked outside the place's hours, or the place closed that day) is
    # left out of the search and explained with the tasks dropped (the model had no window to give it).
    table = _Table(problem, vehicles, [t for t in tasks if _schedulable(problem, t)], carried)
    hinted = (
        [[key for key in initial_routes.get(v.postman.id, ()) if key in table.key_node] for v in vehicles]
        if initial_routes
        else None
    )
    alns_meta: dict = {}
    breaks: list[int | None] | None = None
    found: alns.Result | None = None
    polish = not warm_start or (or_tools and len(table.nodes) <= POLISH_MAX_NODES)
    if warm_start:
        # The search gets the limit less what building the OR-Tools model, reading the plan back and explaining
        # what is left out will take (measured: about 2 us per node pair of the model, see module notes); a plan
        # OR-Tools is not to take keeps back only the checking and explaining.
        reserve = (RESERVE_S if or_tools else 0.0) + EXPLAIN_SHARE * time_limit_s
        if polish:
            reserve += MODEL_SECONDS_PER_PAIR * len(table.nodes) ** 2 + EXPLAIN_SHARE * time_limit_s
        least = min(0.05, time_limit_s / 4)
        hinted, found = warm.search(
            problem,
            vehicles,
            table,
            time_limit_s=max(least, left() - reserve),
            # The budget of work from the limit, not from the clock: the milliseconds the table took would change it.
            sized_s=max(least, time_limit_s - reserve) if deterministic else None,
            seed=seed,
            owner=fixed_owner,
            initial=hinted,
        )
        alns_meta = {"alns_iterations": found.iterations, "alns_cost": found.distance}
        breaks = found.breaks
        deterministic = deterministic and not found.stopped_by_clock
        if not polish:
            routes = _scheduled_routes(problem, vehicles, table, found)
            return finish(
                problem, [*routes, *closed], tasks, "WARM_START", started, deterministic, alns_meta, explain, deadline
            )
    built = time.perf_counter()
    model = _Model(problem, vehicles, table)
    log.debug("OR-Tools model of %d nodes built in %.2f s", len(table.nodes), time.perf_counter() - built)
    if fixed_owner:
        for key, ni in model.key_node.items():
            if key[0] in fixed_owner and key[0] not in carried:
                _allow_only(model.routing, model.manager.NodeToIndex(ni), fixed_owner[key[0]])
    solution_limit = None
    wall = max(RESERVE_S, left() - (EXPLAIN_SHARE * time_limit_s if explain else 0.0))
    if deterministic and found is not None:
        # OR-Tools takes the search's plan and stops: from a warm start its guided local search accepted fewer
        # than 10 solutions in 11 s on a 300-task day, so a count never ended it and the clock made the plan
        # differ from run to run (the search's own budget is the one that scales with the limit).
        solution_limit = 1
    elif deterministic:
        solution_limit = max(10, round(time_limit_s * SOLUTIONS_PER_SECOND))
    params = search_parameters(
        time_limit_s=wall, first_solution=first_solution, metaheuristic=metaheuristic, solution_limit=solution_limit
    )
    if found is not None:
        # OR-Tools times the search's plan (stops and breaks: a small CP-SAT problem per route with a break) under its
        # limit of a large neighbourhood move, 100 ms by default; a day of 450 tasks with lunch breaks on a busy
        # machine overran it, and OR-Tools took no plan (status FAIL, not a timeout). The step gets the whole wall.
        params.lns_time_limit.FromMilliseconds(max(100, int(wall * 1000)))
    if tune is not None:
        tune(params)
    assignment = None
    searching = time.perf_counter()
    model.routing.CloseModelWithParameters(params)
    if found is not None:
        hint = model.hint(hinted or [], breaks or [])
        if hint is not None:
            assignment = model.routing.SolveFromAssignmentWithParameters(hint, params)
    elif hinted:
        hint = model.routing.ReadAssignmentFromRoutes(model.routes_to_indices(hinted), True)
        if hint is None:
            log.info("the starting routes are not feasible on the full model; searching from scratch")
            assignment = model.routing.SolveWithParameters(params)
        else:
            assignment = model.routing.SolveFromAssignmentWithParameters(hint, params)
    else:
        assignment = model.routing.SolveWithParameters(params)
    log.debug("OR-Tools done %.2f s after the start", time.perf_counter() - started)
    # A search its solution budget did not end was ended by the clock: another run may differ.
    deterministic = deterministic and time.perf_counter() - searching < 0.95 * wall
    status = model.routing.status()
    status_name = _STATUS.get(status, str(status))
    if assignment is None and found is not None:
        # OR-Tools could not take the plan within the limit: the search's own schedule is the plan, checked like
        # any other.
        log.warning("OR-Tools did not take the warm start (%s); the plan is the search's own", status_name)
        routes = _scheduled_routes(problem, vehicles, table, found)
        status_name = "WARM_START"
    elif assignment is None:
        raise _infeasible(problem, status_name)
    else:
        routes = model.to_routes(assignment)
    return finish(problem, [*routes, *closed], tasks, status_name, started, deterministic, alns_meta, explain, deadline)


def _schedulable(problem: Problem, task: Task) -> bool:
    """Whether each stop of ``task`` has a time it can be served at."""
    stops: tuple[Literal["pickup", "delivery"], ...] = ("pickup",) if task.delivery is None else ("pickup", "delivery")
    return all(problem.windows(task, stop) for stop in stops)


def finish(
    problem: Problem,
    routes: list[Route],
    tasks: Sequence[Task],
    status: str,
    started: float,
    deterministic: bool,
    meta: dict,
    explain: bool,
    until: float | None = None,
) -> Plan:
    """The plan of the routes found (in the order of the postmen): dropped tasks that still fit put in, the others
    explained.

    Parameters
    ----------
    problem
        The problem the routes are a plan of.
    routes
        The routes, closed ones included.
    tasks
        The tasks there were to plan (a closed route's are not).
    status, meta
        The search's status and notes, kept in the plan (``meta`` gets ``time_s`` and ``deterministic``).
    started
        When the search began (:func:`time.perf_counter`), for ``time_s``.
    deterministic
        Whether the search would find the same routes again.
    explain
        Analyse why each task left out is (else each is ``not_analysed``).
    until
        When the time limit is over (:func:`time.perf_counter`): no task is put in after it. The tasks left out
        are then those the search left, which the checker may find a route for (a violation it names); the
        limit is kept.
    """
    order = {m.id: i for i, m in enumerate(problem.postmen)}
    routes = sorted(routes, key=lambda r: order[r.postman])
    # A task is served by its last stop. One picked up before a re-optimisation whose delivery no route can still
    # make (a mandatory stop after it would be late) is carried back to the post office: its pickup stays done.
    served = {s.task for r in routes for s in r.stops if s.task is not None and s.kind != "pickup"}
    carried_back = {
        s.task: r.postman for r in routes for s in r.stops if s.kind == "pickup" and s.task and s.task not in served
    }
    dropped = [t for t in tasks if t.id not in served]
    elapsed = time.perf_counter() - started
    plan = Plan(
        tuple(routes), status=status, meta={"time_s": round(elapsed, 3), "deterministic": deterministic, **meta}
    )
    plan, dropped = _fill(problem, plan, [t for t in dropped if t.id not in carried_back], until)
    unexplained = Reason("not analysed", "not_analysed")
    reasons = (
        insertion.explanations(problem, plan, dropped)
        if explain
        else dict.fromkeys((t.id for t in dropped), unexplained)
    )
    for task, postman in carried_back.items():
        text = f"picked up by postman {postman!r} before the re-plan, no route can still deliver it: he brings it back"
        reasons[task] = Reason(text, "carried_back", {"postman": postman})
    # A closed route's too: its tasks are not among ``tasks`` (what was left to plan).
    dropped += [t for t in problem.tasks if t.id in carried_back]
    unserved = tuple(Unserved.of(t.id, reasons[t.id]) for t in dropped)
    plan.meta["time_s"] = round(time.perf_counter() - started, 3)
    log.info("plan: %d postmen, %d m, %d unserved, %.1f s", plan.vehicles, plan.distance, len(unserved), elapsed)
    objective = plan.cost + sum(t.penalty for t in dropped)
    return Plan(plan.routes, unserved, objective, plan.status, plan.meta)


def _infeasible(problem: Problem, status: str) -> Exception:
    return InfeasibleError(
        f"no plan found ({status}); the shifts, breaks and windows leave no schedule "
        f"for {len(problem.postmen)} postmen (try a longer time limit or more postmen)"
    )


def _scheduled_routes(problem: Problem, vehicles: Sequence[_Vehicle], table: _Table, found: alns.Result) -> list[Route]:
    """Routes of the search's own earliest schedule (done stops first after a re-optimisation)."""
    assert found.breaks is not None
    routes = []
    for vi, (v, sched) in enumerate(zip(vehicles, warm.schedules(table, found), strict=True)):
        m = v.postman
        b = found.breaks[vi]
        brk = (b, b + m.lunch.duration) if b is not None and m.lunch is not None else None
        stops: list[Stop] = list(v.done)
        load, prev_dep, prev = v.load, None, None
        for x, start in sched:
            node = table.nodes[x]
            arrival = start
            if prev is not None and prev_dep is not None:
                # The break, when taken between the two stops, is taken on leaving the first.
                leave = brk[1] if brk is not None and prev_dep <= brk[0] < start else prev_dep
                arrival = leave + int(problem.arcs[prev, node.index])
            load += node.demand
            kind = "position" if node.kind == "start" and v.done else node.kind
            stops.append(
                Stop(
                    kind,  # type: ignore[arg-type]
                    node.place,
                    node.index,
                    min(arrival, start),
                    start,
                    start + node.service,
                    load,
                    node.key[0] if node.key else None,
                )  # type: ignore[arg-type]
            )
            prev_dep, prev = start + node.service, node.index
        used = any(s.task is not None for s in stops)
        routes.append(route_from_stops(problem, m, stops, v.taken_break or (brk if used else None)))
    return routes


def _fill(problem: Problem, plan: Plan, dropped: Sequence[Task], until: float | None) -> tuple[Plan, list[Task]]:
    """Insert, cheapest first, every dropped task that some route can still take for less than its penalty (the
    checker's rule: no dossier is dropped that a postman could still take, a mandatory one least of all), until
    the clock says ``until``; returns the plan and the tasks still dropped."""
    left = [t for t in dropped if problem.task_obstacle(t) is None]
    kept = [t for t in dropped if t not in left]
    # Each insertion changes one route: only its insertions are found again (a plan of 150 tasks leaving 60 out,
    # as under a balanced day's tight limits, took 17 s finding every route's again after each).
    routes = insertion.by_route(problem, plan, left, until=until)
    while left and (until is None or time.perf_counter() < until):
        found = insertion.cheapest(plan, routes, left)
        fits = [(f.cost, t.id) for t in left if (f := found[t.id]) is not None and f.cost < t.penalty]
        if not fits:
            break
        task = next(t for t in left if t.id == min(fits)[1])
        fit = found[task.id]
        assert fit is not None
        log.info("task %r inserted after the search (postman %r, cost %d)", task.id, fit.postman, fit.cost)
        plan = insertion.insert(plan, task, fit)
        left.remove(task)
        routes |= insertion.by_route(problem, plan, left, {fit.postman}, until)
    return plan, kept + left
