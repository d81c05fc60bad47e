"""Solomon VRPTW and Li & Lim PDPTW benchmark files, read into the dispatch problem model and solved.

Both formats use Euclidean distances in double precision with travel time equal to distance. The dispatch
model is integral, so coordinates are scaled by :data:`SCALE`: arc times are rounded *up* (a plan feasible
with them is feasible in double precision) and arc distances to the nearest unit; reported distances are
recomputed in double precision from the coordinates.

The benchmark objective is hierarchical (vehicles first, then distance). :func:`solve_instance` runs the
adaptive large neighbourhood search of :mod:`routing.alns` (fleet minimisation, then distance) on the same
integers for 90% of the budget, and hands its routes to OR-Tools on the full dispatch model
(:func:`routing.solver.solve` with ``initial_routes``), which re-checks them and shortens them with guided local
search for the rest (:data:`POLISH_SHARE`). The plan returned is OR-Tools', passed through
:func:`routing.check.check` and a double-precision re-check.

Why the warm start: OR-Tools alone, with its own construction, route-removal phases and large neighbourhood
operators (:data:`LNS_OPERATORS`), reached 849 vehicles over the 112 files at 30 s (3.5% above the best known
distance where the vehicle counts matched); its local search moves one pickup-and-delivery pair at a time and
stalls on the hard Li & Lim files. In the polish, Li & Lim files keep the LNS operators and Solomon files the
default operators with a guided local search coefficient of 0.5 (:data:`SOLOMON_GLS_LAMBDA`), which escaped the
cycles of the default on R102 and RC201.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from ortools.constraint_solver import routing_parameters_pb2
from ortools.util import optional_boolean_pb2

from routing import alns, check, solver
from routing.errors import InfeasibleError, ProblemError
from routing.plan import Plan
from routing.problem import ALL_DAY, Depot, Place, Postman, Problem, Task

log = logging.getLogger(__name__)

SCALE = 1000
"""Integer units per benchmark distance (and time) unit."""

FIXED_COST = 10**9
"""Cost of using one more vehicle, in scaled distance units: above any instance's total distance."""

LNS_OPERATORS = (
    "use_global_cheapest_insertion_close_nodes_lns",
    "use_local_cheapest_insertion_close_nodes_lns",
    "use_global_cheapest_insertion_expensive_chain_lns",
    "use_local_cheapest_insertion_expensive_chain_lns",
    "use_path_lns",
    "use_inactive_lns",
    "use_relocate_neighbors",
    "use_cross_exchange",
)
"""OR-Tools local search operators, off by default, that the benchmark search turns on (see the module notes)."""

POLISH_SHARE = 0.1
"""Share of the budget OR-Tools gets at the end to take the warm start on the full model and shorten it."""

SOLOMON_GLS_LAMBDA = 0.5
"""Guided local search coefficient of the final phase on Solomon instances (OR-Tools' default is 0.1)."""


def _tuning(*, lns: bool, gls_lambda: float | None = None):
    """A ``tune`` hook for :func:`routing.solver.solve`: LNS operators on and/or another GLS coefficient."""

    def tune(params: routing_parameters_pb2.RoutingSearchParameters) -> None:
        if lns:
            for name in LNS_OPERATORS:
                setattr(params.local_search_operators, name, optional_boolean_pb2.BOOL_TRUE)
        if gls_lambda is not None:
            params.guided_local_search_lambda_coefficient = gls_lambda

    return tune


def benchmarks_dir() -> Path:
    """The shared benchmark folder: ``AGENCYNET_BENCHMARKS`` or ``../shared/benchmarks`` beside the repo."""
    env = os.environ.get("AGENCYNET_BENCHMARKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks"


@dataclass(frozen=True)
class Instance:
    """A benchmark instance; node 0 is the depot. Times and distances in the file's units.

    ``sibling[i]`` is, for a Li & Lim pickup, its delivery node, and for a delivery its pickup node (``-1``
    for Solomon and the depot).
    """

    name: str
    format: str
    vehicles: int
    capacity: int
    xy: np.ndarray
    demand: np.ndarray
    ready: np.ndarray
    due: np.ndarray
    service: np.ndarray
    sibling: np.ndarray

    @property
    def customers(self) -> int:
        """Number of nodes besides the depot."""
        return len(self.xy) - 1

    def distances(self) -> np.ndarray:
        """Euclidean distance matrix in double precision."""
        diff = self.xy[:, None, :] - self.xy[None, :, :]
        return np.hypot(diff[..., 0], diff[..., 1])


def read(path: Path, fmt: str) -> Instance:
    """Read a ``solomon`` or ``lilim`` file (LF or CRLF line ends)."""
    if fmt == "solomon":
        return read_solomon(path)
    if fmt == "lilim":
        return read_lilim(path)
    raise ProblemError(f"unknown benchmark format {fmt!r} (expected solomon or lilim)")


def read_solomon(path: Path) -> Instance:
    """Read a Solomon VRPTW file: name, vehicle count and capacity, then one row per node."""
    lines = [ln.strip() for ln in Path(path).read_text().splitlines()]
    lines = [ln for ln in lines if ln]
    try:
        name = lines[0]
        k = next(i for i, ln in enumerate(lines) if ln.upper().startswith("NUMBER"))
        vehicles, capacity = (int(x) for x in lines[k + 1].split()[:2])
        h = next(i for i, ln in enumerate(lines) if ln.upper().startswith("CUST NO"))
        rows = np.array([[float(x) for x in ln.split()] for ln in lines[h + 1 :]], dtype=float)
    except (StopIteration, ValueError, IndexError) as exc:
        raise ProblemError(f"{path}: not a Solomon file ({exc})") from exc
    if rows.ndim != 2 or rows.shape[1] != 7:
        raise ProblemError(f"{path}: expected 7 columns per node, got shape {rows.shape}")
    return Instance(
        name,
        "solomon",
        vehicles,
        capacity,
        rows[:, 1:3],
        rows[:, 3].astype(int),
        rows[:, 4],
        rows[:, 5],
        rows[:, 6],
        np.full(len(rows), -1),
    )


def read_lilim(path: Path) -> Instance:
    """Read a Li & Lim PDPTW file: ``K Q speed`` then one row per node with pickup and delivery siblings."""
    lines = [ln.split() for ln in Path(path).read_text().splitlines() if ln.strip()]
    try:
        vehicles, capacity = int(lines[0][0]), int(lines[0][1])
        rows = np.array([[float(x) for x in ln] for ln in lines[1:]], dtype=float)
    except (ValueError, IndexError) as exc:
        raise ProblemError(f"{path}: not a Li & Lim file ({exc})") from exc
    if rows.ndim != 2 or rows.shape[1] != 9:
        raise ProblemError(f"{path}: expected 9 columns per node, got shape {rows.shape}")
    if not (rows[:, 0] == np.arange(len(rows))).all():
        raise ProblemError(f"{path}: node ids are not 0..{len(rows) - 1} in order")
    demand = rows[:, 3].astype(int)
    sibling = np.where(demand > 0, rows[:, 8], np.where(demand < 0, rows[:, 7], -1)).astype(int)
    return Instance(
        Path(path).stem,
        "lilim",
        vehicles,
        capacity,
        rows[:, 1:3],
        demand,
        rows[:, 4],
        rows[:, 5],
        rows[:, 6],
        sibling,
    )


def _scaled(inst: Instance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arc times (rounded up), arc distances (rounded) and per node ready, due, service, demand, all integers."""
    d = inst.distances() * SCALE
    nodes = np.stack([inst.ready * SCALE, inst.due * SCALE, inst.service * SCALE, inst.demand], axis=1)
    return np.ceil(d - 1e-6).astype(np.int64), np.rint(d).astype(np.int64), np.round(nodes).astype(np.int64)


def to_problem(inst: Instance, *, vehicles: int | None = None, fixed_cost: int = FIXED_COST) -> Problem:
    """The instance as a dispatch problem, times and distances scaled by :data:`SCALE`.

    Every customer is a mandatory task (a ``visit`` for Solomon, a ``shuttle`` pair for Li & Lim); each
    vehicle costs :data:`FIXED_COST` so that fewer vehicles always win, then distance.
    """
    times, dist, nodes = _scaled(inst)
    ready, due, service = (nodes[:, c].tolist() for c in range(3))

    def win(i: int) -> tuple[tuple[int, int], ...]:
        return ((ready[i], due[i]),)

    places = [Place("0", 0, ALL_DAY)] + [Place(str(i), i, win(i)) for i in range(1, len(inst.xy))]
    depot = Depot("depot", "0")
    postmen = [
        Postman(
            f"v{k}",
            "depot",
            inst.capacity,
            shift_start=ready[0],
            shift_end=due[0],
            cost_per_km=1000.0,
            cost_per_hour=0.0,
            fixed_cost=fixed_cost,
        )
        for k in range(vehicles if vehicles is not None else inst.vehicles)
    ]
    tasks = []
    for i in range(1, len(inst.xy)):
        if inst.format == "solomon":
            tasks.append(Task(str(i), "visit", str(i), None, int(inst.demand[i]), service[i], 0, mandatory=True))
        elif inst.demand[i] > 0:
            j = int(inst.sibling[i])
            tasks.append(
                Task(
                    str(i),
                    "shuttle",
                    str(i),
                    str(j),
                    int(inst.demand[i]),
                    service[i],
                    service[j],
                    mandatory=True,
                )
            )
    return Problem.build(times, dist, places, [depot], postmen, tasks)


def to_alns(inst: Instance) -> alns.Data:
    """The instance for :func:`routing.alns.search`, on the same scaled integers as :func:`to_problem`."""
    times, dist, nodes = _scaled(inst)
    if inst.format == "solomon":
        customers = np.arange(1, len(inst.xy))
        requests = np.stack([customers, np.full(len(customers), -1)], axis=1)
    else:
        pickups = np.flatnonzero(inst.demand > 0)
        requests = np.stack([pickups, inst.sibling[pickups]], axis=1)
    return alns.Data(times, dist, nodes, requests.astype(np.int64), inst.capacity, inst.vehicles)


def _stops(inst: Instance, route: list[int]) -> list[tuple[str, str]]:
    """Task stops of a route of node numbers (a Li & Lim task is named after its pickup node)."""
    if inst.format == "solomon":
        return [(str(c), "visit") for c in route]
    return [(str(c), "pickup") if inst.demand[c] > 0 else (str(int(inst.sibling[c])), "delivery") for c in route]


def solve_instance(inst: Instance, *, time_limit_s: float, seed: int = 0) -> tuple[Problem, Plan]:
    """Solve a benchmark instance within ``time_limit_s`` seconds of wall clock (see the module notes).

    Returns the problem of the final plan (its number of postmen is the number of vehicles kept) and the
    plan, which serves every customer.
    """
    started = time.perf_counter()

    def left() -> float:
        return time_limit_s - (time.perf_counter() - started)

    found = alns.search(to_alns(inst), time_limit_s=(1 - POLISH_SHARE) * time_limit_s, seed=seed)
    if found.unserved:
        raise InfeasibleError(f"{inst.name}: {len(found.unserved)} requests left out by the whole fleet")
    problem = to_problem(inst, vehicles=found.vehicles, fixed_cost=0)
    initial = {m.id: _stops(inst, r) for m, r in zip(problem.postmen, found.routes, strict=True)}
    # OR-Tools takes the plan on the full model: it is re-checked there and shortened with the time left.
    tune = _tuning(lns=True) if inst.format == "lilim" else _tuning(lns=False, gls_lambda=SOLOMON_GLS_LAMBDA)
    plan = solver.solve(
        problem,
        time_limit_s=max(0.2, left()),
        deterministic=False,
        initial_routes=initial,
        explain=False,
        tune=tune,
        warm_start=False,
    )
    if plan.unserved or plan.vehicles > found.vehicles:
        raise InfeasibleError(f"{inst.name}: OR-Tools did not keep the plan of the warm start")
    log.info("%s: warm start %d vehicles %d; OR-Tools %d", inst.name, found.vehicles, found.distance, plan.distance)
    return problem, plan


def route_ids(plan: Plan) -> list[list[int]]:
    """Customer ids (node numbers of the file) in visit order, one list per used route, depot excluded."""
    return [[int(s.place) for s in r.stops if s.task is not None] for r in plan.routes if r.used]


def exact_distance(inst: Instance, routes: list[list[int]]) -> float:
    """Total Euclidean distance of routes in double precision, depot to depot."""
    d = inst.distances()
    return float(sum(d[a, b] for r in routes for a, b in zip([0, *r], [*r, 0], strict=False)))


def exact_violations(inst: Instance, routes: list[list[int]]) -> list[str]:
    """Check routes in double precision: every customer once, capacity, windows, pairs in order."""
    d = inst.distances()
    out: list[str] = []
    seen = [c for r in routes for c in r]
    if sorted(seen) != list(range(1, len(inst.xy))):
        out.append(f"customers not each visited once ({len(seen)} visits, {len(set(seen))} distinct)")
    for k, r in enumerate(routes):
        t, load, prev, where = inst.ready[0], 0, 0, {c: i for i, c in enumerate(r)}
        for c in [*r, 0]:
            t = max(t + d[prev, c], inst.ready[c])
            if t > inst.due[c] + 1e-9:
                out.append(f"route {k}: node {c} served at {t:.3f} after due {inst.due[c]:g}")
            t += inst.service[c]
            load += inst.demand[c]
            if load > inst.capacity or load < 0:
                out.append(f"route {k}: load {load} at node {c} outside 0..{inst.capacity}")
            if inst.format == "lilim" and inst.demand[c] < 0 and where.get(int(inst.sibling[c]), math.inf) > where[c]:
                out.append(f"route {k}: delivery {c} before (or without) its pickup {inst.sibling[c]}")
            prev = c
    return out


def solve_benchmark(path: Path, fmt: str, *, time_limit_s: float) -> dict:
    """Solve a Solomon or Li & Lim file and report it in the benchmark convention.

    Parameters
    ----------
    path
        Instance file.
    fmt
        ``solomon`` or ``lilim``.
    time_limit_s
        Search budget, seconds of wall clock.

    Returns
    -------
    dict
        ``instance`` (name), ``vehicles``, ``distance`` (double precision, rounded to 2 decimals) and
        ``routes`` (customer ids in visit order, depot excluded).

    Raises
    ------
    InfeasibleError
        When the plan found does not pass :func:`routing.check.check` or the double-precision check.
    """
    inst = read(Path(path), fmt)
    problem, plan = solve_instance(inst, time_limit_s=time_limit_s)
    result = check.check(problem, plan)
    routes = route_ids(plan)
    violations = [*result.violations, *result.shortfalls, *exact_violations(inst, routes)]  # every customer
    if violations:
        raise InfeasibleError(f"{inst.name}: plan fails the checker: " + "; ".join(violations[:5]))
    return {
        "instance": inst.name,
        "vehicles": len(routes),
        "distance": round(exact_distance(inst, routes), 2),
        "routes": routes,
    }
