"""Benchmark dispatch on generated Hanoi days: agencynet's ``routing.solver.solve`` against VROOM, same limit.

Each day is made by ``ops.scenario.generate`` on the default map (central Hanoi, motorbike profile) with
postmen scaled to the volume. Both solvers get the very same day in the same process and the same time limit
on the wall clock: agencynet with ``deterministic=False`` (the whole budget), VROOM (pyvroom) at exploration
level 5 with 2 threads and the limit as its ``timeout``. VROOM is given:

- the problem's travel times with the places' setups (``Problem.arcs``) as durations, and the distance matrix;
- one vehicle per postman: start and end depots, capacity, the shift as its time window, the lunch break as a
  break whose start lies in ``[earliest, latest - duration]`` with the duration as service, and the costs as
  ``VehicleCosts(fixed, per_hour, per_km)``: the postman's fixed cost, cost per hour and cost per km (VND);
- one shipment per pickup-and-delivery task (one job with a pickup amount for a one-stop visit): places,
  service times, the load, and the windows of each stop intersected with the place's opening hours, every
  window kept; the priority as VROOM's priority (20 per level above routine, 100 for a mandatory task).

What VROOM cannot take: drop penalties (VROOM serves what it can, highest priorities first, and never drops a
task for its cost, so it is favoured on the count of tasks served); the maximum working time (VROOM limits
driving time only; generated days have none); and a break it may skip (VROOM schedules a used vehicle's break
even on a day that ends before the break window, at no cost since waiting is free). Tasks whose windows do not
meet the opening hours are not given to VROOM (no solver can serve them).

Both plans go through ``routing.check`` (VROOM's solution is converted into a routing Plan) and both costs are
recomputed by the checker with one cost function (arc costs rounded arc by arc, plus fixed costs): the cost
comparison is like for like. Wall times include model building, search and explanations (agencynet) and
input building, search and reading the solution (VROOM).

Usage::

    python bench/dispatch.py [--sizes 60,150,300,600,1000] [--seeds 1,2,3] [--time-limit-scale 1] [--csv OUT]
"""

from __future__ import annotations

import argparse
import functools
import logging
import sys
import time
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing import alns, check, insertion, solver
from routing.plan import Plan, Route, Stop, Unserved
from routing.problem import Problem, Task

if TYPE_CHECKING:
    import vroom

    from geo.addressmap import AddressMap

log = logging.getLogger("bench.dispatch")

TIME_LIMITS_S = {60: 10.0, 150: 20.0, 300: 30.0, 600: 45.0, 1000: 60.0}
"""Time limit per day size (tasks -> seconds); a size not listed takes the limit of the next size up."""

TASKS_PER_POSTMAN = 40
"""Postmen scale with the volume: one per this many tasks, at least :data:`MIN_POSTMEN`."""

MIN_POSTMEN = 6

VROOM_PRIORITY_STEP = 20
"""VROOM priority (0-100) per priority level above routine; a mandatory task gets 100."""


@functools.cache
def _address_map() -> AddressMap:
    from geo import addressmap

    return addressmap.load()


def generated_day(n_tasks: int, *, postmen: int, seed: int) -> Problem:
    """A generated Hanoi day on the default map: the one place that composes the map and the scenario."""
    from ops import scenario

    return scenario.generate(_address_map(), n_tasks, postmen=postmen, seed=seed).problem


def time_limit(n_tasks: int, scale: float) -> float:
    """The limit of a day of ``n_tasks`` tasks, seconds, times ``scale``."""
    sizes = sorted(TIME_LIMITS_S)
    size = next((s for s in sizes if s >= n_tasks), sizes[-1])
    return TIME_LIMITS_S[size] * scale


def postmen_for(n_tasks: int) -> int:
    """Postmen on a day of ``n_tasks`` tasks."""
    return max(MIN_POSTMEN, round(n_tasks / TASKS_PER_POSTMAN))


# ------------------------------------------------------------------------------------------------------ VROOM
def vroom_input(problem: Problem) -> vroom.Input:
    """The day as a ``vroom.Input``: same matrices, vehicles, shipments, windows, breaks and costs.

    The durations are :attr:`Problem.arcs`, the drives with the places' setups, rather than VROOM's own
    ``setup``: VROOM's windows bound the start of the setup, ours the start of the service after it."""
    import vroom

    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=_c_order(problem.arcs))
    inp.set_distances_matrix(profile="car", matrix_input=_c_order(problem.distances))
    for k, m in enumerate(problem.postmen):
        breaks = []
        if m.lunch is not None:
            b = m.lunch
            breaks = [vroom.Break(k, [vroom.TimeWindow(b.earliest, b.latest - b.duration)], service=b.duration)]
        inp.add_vehicle(
            vroom.Vehicle(
                k,
                start=problem.depot_index(m.start_depot),
                end=problem.depot_index(m.end),
                capacity=vroom.Amount([m.capacity]),
                time_window=vroom.TimeWindow(m.shift_start, m.shift_end),
                breaks=breaks,
                costs=vroom.VehicleCosts(
                    fixed=int(m.fixed_cost), per_hour=round(m.cost_per_hour), per_km=round(m.cost_per_km)
                ),
            )
        )
    for k, t in enumerate(problem.tasks):
        if not _has_windows(problem, t):
            continue
        pickup = [vroom.TimeWindow(a, b) for a, b in problem.windows(t, "pickup")]
        priority = 100 if t.mandatory else VROOM_PRIORITY_STEP * (min(max(t.priority, 1), 5) - 1)
        if t.delivery is None:
            inp.add_job(
                vroom.Job(
                    k,
                    problem.index(t.pickup),
                    default_service=t.pickup_service,
                    pickup=vroom.Amount([t.load]),
                    time_windows=pickup,
                    priority=priority,
                )
            )
            continue
        delivery = [vroom.TimeWindow(a, b) for a, b in problem.windows(t, "delivery")]
        inp.add_shipment(
            vroom.ShipmentStep(k, problem.index(t.pickup), default_service=t.pickup_service, time_windows=pickup),
            vroom.ShipmentStep(k, problem.index(t.delivery), default_service=t.delivery_service, time_windows=delivery),
            amount=vroom.Amount([t.load]),
            priority=priority,
        )
    return inp


def _c_order(matrix: np.ndarray) -> np.ndarray:
    """A matrix rounded to ``uint32`` in row-major order: pyvroom reads the buffer as row-major whatever the
    strides, so a column-major matrix (as ``geo.matrix`` may return) would reach VROOM transposed."""
    return np.ascontiguousarray(np.rint(matrix), dtype=np.uint32)


def _has_windows(problem: Problem, task: Task) -> bool:
    """Whether both stops of a task have some opening left (an empty list means 'any time' to VROOM)."""
    return bool(problem.windows(task, "pickup")) and (task.delivery is None or bool(problem.windows(task, "delivery")))


def vroom_plan(problem: Problem, solution: vroom.Solution) -> Plan:
    """VROOM's solution as a routing Plan (stops, times, loads, break), to be checked and costed like ours."""
    steps = solution.routes
    places = {p.index: p.id for p in problem.places.values()}
    routes, served = [], set()
    for k, m in enumerate(problem.postmen):
        rows = steps[steps["vehicle_id"] == k]
        if rows.empty:
            here = problem.depots[m.start_depot].place
            there = problem.depots[m.end].place
            t = m.shift_start
            back = t + int(problem.times[problem.index(here), problem.index(there)])
            stops = [
                Stop("start", here, problem.index(here), t, t, t, 0),
                Stop("end", there, problem.index(there), back, back, back, 0),
            ]
            routes.append(_route(problem, k, stops, None))
            continue
        stops, brk, load = [], None, 0
        for row in rows.itertuples(index=False):
            arrival = int(row.arrival)
            start = arrival + int(row.waiting_time) + int(row.setup)
            departure = start + int(row.service)
            kind = str(row.type)
            if kind == "break":
                brk = (start, departure)
                continue
            index = int(row.location_index)
            if kind in ("start", "end"):
                stops.append(Stop(kind, places[index], index, arrival, start, start, load))  # type: ignore[arg-type]
                continue
            task = problem.tasks[int(row.id)]
            stop_kind = {"pickup": "pickup", "delivery": "delivery", "job": "visit"}[kind]
            load += -task.load if stop_kind == "delivery" else task.load
            served.add(task.id)
            stops.append(Stop(stop_kind, places[index], index, arrival, start, departure, load, task.id))  # type: ignore[arg-type]
        routes.append(_route(problem, k, stops, brk))
    unserved = tuple(Unserved(t.id, "left unassigned by VROOM") for t in problem.tasks if t.id not in served)
    return Plan(tuple(routes), unserved, status="VROOM")


def _route(problem: Problem, k: int, stops: list[Stop], brk: tuple[int, int] | None) -> Route:
    m = problem.postmen[k]
    idx = [s.place_index for s in stops]
    distance = sum(int(problem.distances[a, b]) for a, b in pairwise(idx))
    drive = sum(int(problem.times[a, b]) for a, b in pairwise(idx))
    return Route(m.id, tuple(stops), distance, drive, insertion.route_cost(problem, m, stops), *(brk or (None, None)))


def solve_vroom(problem: Problem, *, time_limit_s: float, threads: int) -> Plan:
    """VROOM's plan for the day at exploration level 5 within ``time_limit_s``."""
    inp = vroom_input(problem)
    solution = inp.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=time_limit_s))
    return vroom_plan(problem, solution)


# ---------------------------------------------------------------------------------------------------- the run
def run_day(n_tasks: int, seed: int, *, scale: float, threads: int) -> dict:
    """Both solvers on one generated day: served, postmen used, checked cost, wall time."""
    postmen = postmen_for(n_tasks)
    problem = generated_day(n_tasks, postmen=postmen, seed=seed)
    limit = time_limit(n_tasks, scale)
    row: dict = {"tasks": n_tasks, "seed": seed, "postmen": postmen, "limit_s": limit}
    for name, run in (
        ("agencynet", lambda: solver.solve(problem, time_limit_s=limit, deterministic=False)),
        ("vroom", lambda: solve_vroom(problem, time_limit_s=limit, threads=threads)),
    ):
        started = time.perf_counter()
        plan = run()
        wall = time.perf_counter() - started
        verdict = check.check(problem, plan)
        if not verdict.ok:
            log.warning("%s, %d tasks seed %d: %s", name, n_tasks, seed, "; ".join(verdict.violations[:5]))
        row |= {
            f"{name}_served": len(verdict.served),
            f"{name}_used": plan.vehicles,
            f"{name}_cost": verdict.cost,
            f"{name}_wall_s": round(wall, 2),
            f"{name}_violations": len(verdict.violations),
        }
    row["cost_ratio"] = round(row["agencynet_cost"] / row["vroom_cost"], 4) if row["vroom_cost"] else np.nan
    row["wall_over_limit"] = round(row["agencynet_wall_s"] / limit, 3)
    return row


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """The issue's targets: met or not, with the figures."""
    both_all = (table["agencynet_served"] == table["tasks"]) & (table["vroom_served"] == table["tasks"])
    served_ok = table["agencynet_served"] >= table["vroom_served"]
    cost_ok = (table["cost_ratio"] <= 1.0) | ~both_all
    mean_ratio = float(table["cost_ratio"].mean())
    wall_limit = 1.1 * table["limit_s"] + np.where(table["limit_s"] < 10, 1.0, 0.0)
    wall_ok = table["agencynet_wall_s"] <= wall_limit
    valid = (table["agencynet_violations"] == 0).sum()
    rows = [
        ("served >= VROOM's on every day", f"{int(served_ok.sum())}/{len(table)} days", bool(served_ok.all())),
        (
            "cost <= VROOM's where both serve all",
            f"{int((cost_ok & both_all).sum())}/{int(both_all.sum())} days",
            bool(cost_ok.all()),
        ),
        ("mean cost ratio <= 0.95", f"{mean_ratio:.4f}", mean_ratio <= 0.95),
        ("wall <= 1.1 x limit", f"max {float(table['wall_over_limit'].max()):.3f} x", bool(wall_ok.all())),
        (
            "plans pass routing.check",
            f"{int(valid)}/{len(table)} (VROOM {int((table['vroom_violations'] == 0).sum())})",
            bool(valid == len(table)),
        ),
    ]
    return pd.DataFrame(rows, columns=["target", "measured", "met"]).set_index("target")


def _ints(text: str) -> list[int]:
    try:
        return [int(x) for x in text.split(",") if x.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=_ints, default=sorted(TIME_LIMITS_S), help="tasks per day (default 60,...,1000)"
    )
    parser.add_argument("--seeds", type=_ints, default=[1, 2, 3], help="seeds of the generated days (default 1,2,3)")
    parser.add_argument(
        "--time-limit-scale",
        type=float,
        default=1.0,
        help="multiply the per-size limits (60:10 s, 150:20 s, 300:30 s, 600:45 s, 1000:60 s)",
    )
    parser.add_argument("--vroom-threads", type=int, default=2, help="threads for VROOM (default 2)")
    parser.add_argument("--csv", type=Path, help="also write the per-day table here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    days = [(n, seed) for n in args.sizes for seed in args.seeds]
    alns.warm_up()  # compiles the numba search before any clock starts (VROOM comes compiled)
    rows = []
    for n, seed in tqdm(days, desc="days", unit="day"):
        rows.append(run_day(n, seed, scale=args.time_limit_scale, threads=args.vroom_threads))
    table = pd.DataFrame(rows)
    if args.csv:
        table.to_csv(args.csv, index=False)
    with pd.option_context("display.width", 250, "display.max_rows", 500):
        print(table.to_string(index=False))
        print(
            f"\nsummary over {len(table)} days (agencynet / VROOM cost ratio; VROOM with {args.vroom_threads} threads):"
        )
        print(summary(table).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
