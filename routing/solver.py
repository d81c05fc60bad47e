"""Dispatch with OR-Tools: the routing model of a :class:`~routing.problem.Problem`, solved into a Plan.

The model has a time dimension (travel plus service, waiting allowed, several windows per stop as a range with
the gaps removed, shifts, maximum working time, lunch breaks) and a load dimension (capacity in dossier units).
Each shuttle, result return or home pickup is a pickup-and-delivery pair served by one postman, pickup first.
Tasks are optional with a drop penalty by priority; a task that must be done today gets a penalty larger than
any plan, so it is left out only when it cannot be served, and the plan then says why.

Determinism: the OR-Tools routing search is single-threaded and has no random choices, so two runs with the
same input and the same stopping rule give the same plan. A wall-clock limit is not such a rule (a loaded
machine does fewer steps), so by default the search is bounded by a number of solutions derived from the time
limit (:data:`SOLUTIONS_PER_SECOND`), with the wall clock only as a safety cap at twice the limit; the plan's
``meta["deterministic"]`` says whether the cap had to stop the search. Pass ``deterministic=False`` to use
the whole wall-clock budget instead (the benchmarks do, to compare at equal time).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2, routing_parameters_pb2

from geo._errors import InfeasibleError
from routing import warm
from routing.plan import Plan, Route, Stop, Unserved
from routing.problem import ALL_DAY, Postman, Problem, Task, Window, hhmm

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
        self.manager = pywrapcp.RoutingIndexManager(len(nodes), nv, list(range(nv)), list(range(nv, 2 * nv)))
        routing = self.routing = pywrapcp.RoutingModel(self.manager)
        solver = routing.solver()

        idx = np.array([n.index for n in nodes])
        service = np.array([n.service for n in nodes], dtype=np.int64)
        travel = problem.times[np.ix_(idx, idx)].astype(np.int64)
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

    def read_routes(self, assignment: pywrapcp.Assignment) -> list[list[StopKey]]:
        """The routes of a solution as task stops."""
        out = []
        for vi in range(len(self.vehicles)):
            seq, i = [], self.routing.Start(vi)
            i = assignment.Value(self.routing.NextVar(i))
            while not self.routing.IsEnd(i):
                key = self.nodes[self.manager.IndexToNode(i)].key
                assert key is not None
                seq.append(key)
                i = assignment.Value(self.routing.NextVar(i))
            out.append(seq)
        return out

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
                    arrival = prev_dep + int(p.times[prev.index, node.index])
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
            routes.append(route_from_stops(p, m, stops, v.taken_break or brk))
        return routes


def route_from_stops(problem: Problem, postman: Postman, stops: Sequence[Stop], brk: tuple[int, int] | None) -> Route:
    """A route with its distance (metres), driving time (seconds) and cost (cost units) summed over its stops."""
    idx = np.array([s.place_index for s in stops])
    dist = int(problem.distances[idx[:-1], idx[1:]].sum()) if len(idx) > 1 else 0
    drive = int(problem.times[idx[:-1], idx[1:]].sum()) if len(idx) > 1 else 0
    used = any(s.task is not None for s in stops)
    cost = arc_cost(problem, postman, idx) + (postman.fixed_cost if used else 0)
    return Route(postman.id, tuple(stops), dist, drive, cost, *(brk or (None, None)))


def arc_cost(problem: Problem, postman: Postman, idx: np.ndarray) -> int:
    """Cost of driving through matrix indices ``idx`` in order, cost units, rounded arc by arc as the solver."""
    if len(idx) < 2:
        return 0
    d = problem.distances[idx[:-1], idx[1:]]
    t = problem.times[idx[:-1], idx[1:]]
    return int(np.rint(d * (postman.cost_per_km / 1000.0) + t * (postman.cost_per_hour / 3600.0)).sum())


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
    )


def reoptimise(
    problem: Problem,
    plan: Plan,
    progress: Mapping[str, Progress],
    *,
    new_tasks: Sequence[Task] = (),
    time_limit_s: float = 10.0,
    deterministic: bool = True,
    keep_assignment: bool = False,
) -> tuple[Problem, Plan]:
    """Insert new tasks into a plan in progress without touching what is done.

    Each postman restarts from his current place and clock with what he carries; done stops are copied
    unchanged into the new plan, followed by a ``position`` stop (where and when he was free) and his new
    remaining route. The search starts from the remaining part of the old plan, so stops move only when the
    cost improves.

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
    time_limit_s, deterministic
        As for :func:`solve`.
    keep_assignment
        Forbid moving a planned task to another postman (new tasks may go anywhere).

    Returns
    -------
    tuple
        The problem with the new tasks (to check the plan against) and the new plan.
    """
    full = Problem.build(
        problem.times,
        problem.distances,
        problem.places.values(),
        problem.depots.values(),
        problem.postmen,
        [*problem.tasks, *new_tasks],
    )
    tasks_by_id = {t.id: t for t in full.tasks}
    vehicles, finished, carried = [], set(), {}
    initial: dict[str, list[StopKey]] = {}
    owner: dict[str, int] = {}
    for vi, m in enumerate(full.postmen):
        route = plan.route(m.id)
        pr = progress.get(m.id)
        if pr is None:
            vehicles.append(_Vehicle(m, full.depots[m.start_depot].place, m.shift_start, max_work=m.max_work))
            initial[m.id] = [(s.task, s.kind) for s in route.stops if s.task is not None]
            continue
        done = route.stops[: pr.done]
        picked = {s.task for s in done if s.kind == "pickup" and s.task is not None}
        delivered = {s.task for s in done if s.kind in ("delivery", "visit") and s.task is not None}
        finished |= delivered
        load = sum(tasks_by_id[t].load for t in picked - delivered)
        for t in picked - delivered:
            carried[t] = vi
        lunch_taken = route.break_end is not None and route.break_end <= pr.clock
        in_lunch = route.break_start is not None and route.break_start < pr.clock < (route.break_end or 0)
        worked = pr.clock - done[0].departure
        max_work = None if m.max_work is None else max(0, m.max_work - worked)
        taken = (route.break_start, route.break_end) if lunch_taken or in_lunch else None
        vehicles.append(
            _Vehicle(m, pr.place, pr.clock, load, taken is None, max_work, tuple(done), taken)  # type: ignore[arg-type]
        )
        rest: list[StopKey] = [(s.task, s.kind) for s in route.stops[pr.done :] if s.task is not None]
        initial[m.id] = rest
        for key in rest:
            owner[key[0]] = vi
    remaining = [t for t in full.tasks if t.id not in finished]
    return full, _run(
        full,
        vehicles,
        remaining,
        carried,
        time_limit_s=time_limit_s,
        deterministic=deterministic,
        first_solution="PARALLEL_CHEAPEST_INSERTION",
        initial_routes=initial,
        fixed_owner=owner if keep_assignment else None,
    )


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
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
    fixed_owner: Mapping[str, int] | None = None,
    explain: bool = True,
    tune: Callable[[routing_parameters_pb2.RoutingSearchParameters], None] | None = None,
    warm_start: bool = True,
    seed: int = 0,
) -> Plan:
    started = time.perf_counter()
    deadline = started + time_limit_s

    def left() -> float:
        return deadline - time.perf_counter()

    table = _Table(problem, vehicles, tasks, carried)
    hinted = [list(initial_routes.get(v.postman.id, ())) for v in vehicles] if initial_routes else None
    alns_meta: dict = {}
    if warm_start:
        # The search gets the limit less what building the OR-Tools model, reading the plan back and explaining
        # what is left out will take (measured: about 2 us per node pair of the model, see module notes).
        reserve = MODEL_SECONDS_PER_PAIR * len(table.nodes) ** 2 + RESERVE_S + 2 * EXPLAIN_SHARE * time_limit_s
        budget = max(min(0.05, time_limit_s / 4), left() - reserve)
        hinted, found = warm.search(
            problem,
            vehicles,
            table,
            time_limit_s=budget,
            deterministic=deterministic,
            seed=seed,
            owner=fixed_owner,
            initial=hinted,
        )
        alns_meta = {"alns_iterations": found.iterations, "alns_cost": found.distance}
        deterministic = deterministic and not found.stopped_by_clock
    built = time.perf_counter()
    model = _Model(problem, vehicles, table)
    log.debug("OR-Tools model of %d nodes built in %.2f s", len(table.nodes), time.perf_counter() - built)
    if fixed_owner:
        for key, ni in model.key_node.items():
            if key[0] in fixed_owner and key[0] not in carried:
                _allow_only(model.routing, model.manager.NodeToIndex(ni), fixed_owner[key[0]])
    solution_limit = None
    wall = max(RESERVE_S, left() - (EXPLAIN_SHARE * time_limit_s if explain else 0.0))
    if deterministic:
        solution_limit = max(10, round(time_limit_s * SOLUTIONS_PER_SECOND))
    params = search_parameters(
        time_limit_s=wall, first_solution=first_solution, metaheuristic=metaheuristic, solution_limit=solution_limit
    )
    if tune is not None:
        tune(params)
    assignment = None
    model.routing.CloseModelWithParameters(params)
    if hinted:
        hint = model.routing.ReadAssignmentFromRoutes(model.routes_to_indices(hinted), True)
        if hint is None:
            log.info("the starting routes are not feasible on the full model; searching from scratch")
            assignment = model.routing.SolveWithParameters(params)
        else:
            assignment = model.routing.SolveFromAssignmentWithParameters(hint, params)
            if assignment is None:
                assignment = hint
    else:
        assignment = model.routing.SolveWithParameters(params)
    log.debug("OR-Tools done %.2f s after the start", time.perf_counter() - started)
    status = model.routing.status()
    status_name = _STATUS.get(status, str(status))
    if assignment is None:
        raise _infeasible(problem, status_name)
    routes = model.to_routes(assignment)
    served = {k[0] for r in model.read_routes(assignment) for k in r}
    served |= {s.task for v in vehicles for s in v.done if s.task is not None}
    dropped = [t for t in tasks if t.id not in served]
    elapsed = time.perf_counter() - started
    plan = Plan(
        tuple(routes),
        objective=assignment.ObjectiveValue(),
        status=status_name,
        meta={
            "time_s": round(elapsed, 3),
            "deterministic": deterministic and elapsed < 0.98 * time_limit_s,
            **alns_meta,
        },
    )
    unserved = tuple(Unserved(t.id, explain_unserved(problem, plan, t) if explain else "not analysed") for t in dropped)
    plan.meta["time_s"] = round(time.perf_counter() - started, 3)
    log.info("plan: %d postmen, %d m, %d unserved, %.1f s", plan.vehicles, plan.distance, len(unserved), elapsed)
    return Plan(plan.routes, unserved, plan.objective, plan.status, plan.meta)


def _infeasible(problem: Problem, status: str) -> Exception:
    return InfeasibleError(
        f"no plan found ({status}); the shifts, breaks and windows leave no schedule "
        f"for {len(problem.postmen)} postmen (try a longer time limit or more postmen)"
    )


# --------------------------------------------------------------------------------------------- explanations
def explain_unserved(problem: Problem, plan: Plan, task: Task) -> str:
    """Why ``task`` is not in ``plan``, by analysis.

    First the task alone (capacity, windows reachable within shifts, round trip within the shift); then the
    cheapest feasible insertion into the plan's routes (breaks left where they are): when there is none the
    plan is full, otherwise the insertion cost is compared with the drop penalty.
    """
    obstacle = problem.task_obstacle(task)
    if obstacle is not None:
        return obstacle
    best: int | None = None
    by_id = {m.id: m for m in problem.postmen}
    for route in plan.routes:
        m = by_id[route.postman]
        delta = _cheapest_insertion(problem, m, route, task)
        if delta is not None and (best is None or delta < best):
            best = delta
    if best is None:
        return "no postman's route can take it without breaking a window, the capacity or the shift"
    if best > task.penalty:
        return f"dropped by the optimiser: cost {best} > penalty {task.penalty}"
    return f"not inserted by the search within its limit (cheapest insertion costs {best} <= penalty {task.penalty})"


def _cheapest_insertion(problem: Problem, m: Postman, route: Route, task: Task) -> int | None:
    """Added cost of the cheapest feasible insertion of ``task`` into ``route``, or ``None``.

    Stops already done (up to a ``position`` stop) stay; the break stays where the plan put it.
    """
    if task.load > m.capacity:
        return None
    stops = list(route.stops)
    first = max((i for i, s in enumerate(stops) if s.kind == "position"), default=0)
    base = arc_cost(problem, m, np.array([s.place_index for s in stops])) + (m.fixed_cost if route.used else 0)
    windows = _windows_by_stop(problem)
    items: list[tuple[int, int, tuple[Window, ...], int | None, int]] = [
        (s.place_index, s.departure - s.start, windows.get((s.task, s.kind), ALL_DAY), s.load, 0) for s in stops
    ]
    p_item = (problem.index(task.pickup), task.pickup_service, problem.windows(task, "pickup"), None, task.load)
    d_item = None
    if task.delivery is not None:
        d_item = (
            problem.index(task.delivery),
            task.delivery_service,
            problem.windows(task, "delivery"),
            None,
            -task.load,
        )
    brk = (
        (route.break_start, route.break_end) if route.break_start is not None and route.break_end is not None else None
    )
    best = None
    n = len(stops)
    for i in range(first + 1, n):
        for j in range(i, n) if d_item is not None else [None]:
            seq = [*items[:i], p_item, *items[i:]]
            if j is not None and d_item is not None:
                seq.insert(j + 1, d_item)
            if not _feasible(problem, m, seq, first, stops[first].departure, brk):
                continue
            delta = arc_cost(problem, m, np.array([s[0] for s in seq])) + m.fixed_cost - base
            if best is None or delta < best:
                best = delta
    return best


def _windows_by_stop(problem: Problem) -> dict[tuple[str | None, str], tuple[Window, ...]]:
    out: dict[tuple[str | None, str], tuple[Window, ...]] = {}
    for t in problem.tasks:
        out[(t.id, "visit" if t.kind == "visit" else "pickup")] = problem.windows(t, "pickup")
        if t.delivery is not None:
            out[(t.id, "delivery")] = problem.windows(t, "delivery")
    return out


def _feasible(
    problem: Problem, m: Postman, seq: Sequence[tuple], first: int, t0: int, brk: tuple[int, int] | None
) -> bool:
    """Whether a stop sequence keeps windows, capacity and the shift when leaving stop ``first`` at ``t0``.

    Each item is (matrix index, service s, windows, planned load after the stop or ``None`` for the inserted
    stops, load change of an inserted stop).
    """
    t, extra, planned = t0, 0, seq[first][3]
    for k in range(first + 1, len(seq)):
        index, service, windows, load, delta = seq[k]
        arrive = t + int(problem.times[seq[k - 1][0], index])
        if brk is not None and t <= brk[0] < arrive:
            arrive += brk[1] - brk[0]
        start = _earliest(arrive, windows)
        if start is not None and brk is not None and start < brk[1] and start + service > brk[0]:
            start = _earliest(brk[1], windows)
        if start is None:
            return False
        t = start + service
        extra += delta
        if load is not None:
            planned = load
        if planned + extra > m.capacity:
            return False
    return t <= m.shift_end


def _earliest(arrival: int, windows: Sequence[Window]) -> int | None:
    for s, e in windows:
        if arrival <= e:
            return max(arrival, s)
    return None
