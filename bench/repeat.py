"""Benchmark of repeatable plans: each day planned twice with ``deterministic=True``, against the plan of the whole
limit by the clock (``deterministic=False``) in the same run.

The deterministic search stops at a budget of work sized from the limit (``routing.alns.WORK_RATE``); it is
repeatable when that budget, not the clock, ends every search (``plan.meta["deterministic"]``). Printed per day:
whether each run says so, whether the two plans are the same (stops, times and postmen), the search's iterations,
the cost and the wall time of each; then, against the clock's plan of the same day and limit, the cost as a
multiple (what stopping early costs) and the wall time as a share. With ``--balanced`` the balanced plans
(``routing.balance.solve``) are planned twice as well.

The days: generated Hanoi days (``ops.scenario.generate`` on the default map, postmen as given), among them one
postman with all the tasks (a route of 60 stops, where a budget counted in iterations ran out of time), and the
demonstration store's Monday.

Usage::

    python bench/repeat.py [--sizes 30:4,60:6,150:8,300:10,30:1] [--seed 1] [--time-limit 10] [--no-demo]
                           [--balanced]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.balance import add_day_options, chosen_days
from geo import addressmap
from routing import alns, balance, check, solver
from routing.plan import Plan
from routing.problem import Problem


def planned(solve: Callable[..., Plan], problem: Problem, limit: float, deterministic: bool) -> tuple[Plan, float]:
    """A plan of ``problem`` by ``solve`` within ``limit`` seconds, and its wall time."""
    started = time.perf_counter()
    plan = solve(problem, time_limit_s=limit, deterministic=deterministic)
    return plan, time.perf_counter() - started


def measure(name: str, problem: Problem, limit: float, kinds: dict[str, Callable[..., Plan]]) -> list[dict]:
    """Per kind of plan, two deterministic plans of ``problem`` and the clock's, compared."""
    rows = []
    for kind, solve in kinds.items():
        clock_plan, clock_wall = planned(solve, problem, limit, False)
        first, first_wall = planned(solve, problem, limit, True)
        second, second_wall = planned(solve, problem, limit, True)
        rows.append(
            {
                "day": name,
                "plan": kind,
                "said repeatable": f"{first.meta['deterministic']}/{second.meta['deterministic']}",
                "same": first.stops.equals(second.stops),
                "iterations": f"{first.meta.get('alns_iterations')}/{second.meta.get('alns_iterations')}",
                "cost": first.cost,
                "cost x clock": round(first.cost / clock_plan.cost, 3),
                "wall_s": f"{first_wall:.1f}/{second_wall:.1f}",
                "wall / clock": round(max(first_wall, second_wall) / clock_wall, 2),
                "check": check.check(problem, first).ok and check.check(problem, second).ok,
            }
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_day_options(parser, "30:4,60:6,150:8,300:10,30:1")
    parser.add_argument("--balanced", action="store_true", help="also the balanced plans, twice each")
    args = parser.parse_args(argv)
    amap = addressmap.load()
    alns.warm_up()
    days = chosen_days(amap, args)
    kinds: dict[str, Callable[..., Plan]] = {"cheapest": solver.solve}
    if args.balanced:
        kinds["balanced"] = balance.solve
    rows = [row for name, problem in tqdm(days, desc="days") for row in measure(name, problem, args.time_limit, kinds)]
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(pd.DataFrame(rows).to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
