"""Benchmark of balanced days (:mod:`routing.balance`) against the cheapest plan, at the same time limit.

For each day, the cheapest plan (``routing.solver.solve``) and the balanced one (``routing.balance.solve``) are
made in the same process with the same limit on the wall clock. Printed per day: tasks served, postmen used,
when the last postman is back, the longest working day (leaving to coming back), the cost (VND) and the wall
time of each; then what balancing changed: the last return earlier by, the longest day as a share of the
cheapest plan's, and the cost as a multiple of it.

Then the day as it goes: halfway between the first departure and the balanced plan's last return, the postman
with the most stops is sent home (``shift_ends``), or a substitute is called in (a postman more, from the first
one's post office). The balanced plan is re-planned from where each postman is then, cheapest
(``routing.solver.reoptimise``) and balanced (``routing.balance.reoptimise``), at the same limit, and the same
figures printed.

The days: generated Hanoi days (``ops.scenario.generate`` on the default map, postmen as given) and the
demonstration store's Monday (``ops.demo`` seeded as of 2026-12-07 00:00 in Hanoi, the day planned from its
dossiers with the demo postmen, as ``agencynet plan-day --date 2026-12-07`` would).

Usage::

    python bench/balance.py [--sizes 30:4,60:6,150:8] [--seed 1] [--time-limit 10] [--no-demo] [--no-replans]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import addressmap
from geo.hours import HANOI
from ops import day as days
from ops import daytasks, demo, scenario
from ops.store import Store
from routing import alns, balance, check, solver
from routing.plan import Plan
from routing.problem import Problem, clock, hhmm

DEMO_MONDAY = date(2026, 12, 7)


def demo_monday(amap: addressmap.AddressMap) -> Problem:
    """The demonstration store's Monday as the dispatch page plans it: its dossiers' tasks, the demo postmen."""
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/demo.sqlite")
        demo.seed(store, amap, now=datetime(2026, 12, 7, tzinfo=HANOI))
        team = days.crew(store)
        served = days.area(store, amap, team)
        tasks = daytasks.from_states(store.engine, amap, DEMO_MONDAY, agencies=served, capacity=40)
        store.close()
    return scenario.from_records(
        amap, team, tasks.tasks, addresses=tasks.addresses, day=DEMO_MONDAY, leave_impossible=True
    ).problem


def figures(problem: Problem, plan: Plan, wall: float) -> dict:
    """What a plan gives: served, used, last return, longest day, cost, wall time, checker."""
    used = [r for r in plan.routes if r.used]
    return {
        "served": len(problem.tasks) - len(plan.unserved),
        "used": len(used),
        "back": hhmm(max((r.stops[-1].arrival for r in used), default=0)),
        "longest_h": round(max((r.stops[-1].arrival - r.stops[0].departure for r in used), default=0) / 3600, 2),
        "cost": plan.cost,
        "wall_s": round(wall, 1),
        "check": check.check(problem, plan).ok,
    }


def measure(name: str, problem: Problem, limit: float) -> list[dict]:
    """The cheapest and the balanced plan of ``problem``, each within ``limit`` seconds."""
    rows = []
    for kind, solve in (("cheapest", solver.solve), ("balanced", balance.solve)):
        started = time.perf_counter()
        plan = solve(problem, time_limit_s=limit)
        rows.append(
            {"day": name, "tasks": len(problem.tasks), "plan": kind}
            | figures(problem, plan, time.perf_counter() - started)
        )
    return rows


def measure_replans(name: str, problem: Problem, limit: float) -> list[dict]:
    """The balanced plan of ``problem`` re-planned halfway through its day after each event, cheapest and
    balanced, each within ``limit`` seconds."""
    plan = balance.solve(problem, time_limit_s=limit)
    used = [r for r in plan.routes if r.used]
    if not used:
        return []
    first = min(r.stops[0].departure for r in used)
    when = (first + max(r.stops[-1].arrival for r in used)) // 2 // 300 * 300
    where = solver.progress_at(plan, when)
    busiest = max(used, key=lambda r: len(r.stops)).postman
    substitute = replace(problem.postmen[0], id="substitute")
    joined = problem.rebuilt(postmen=[*problem.postmen, substitute])
    events = {
        f"{busiest} sent home at {hhmm(when)}": (problem, {busiest: when}),
        f"a substitute called in at {hhmm(when)}": (joined, None),
    }
    rows = []
    for event, (day, ends) in events.items():
        for kind, reoptimise in (("cheapest", solver.reoptimise), ("balanced", balance.reoptimise)):
            started = time.perf_counter()
            full, new = reoptimise(day, plan, where, clock=when, time_limit_s=limit, shift_ends=ends)
            rows.append(
                {"day": f"{name}, {event}", "tasks": len(full.tasks), "plan": kind}
                | figures(full, new, time.perf_counter() - started)
            )
    return rows


def add_day_options(parser: argparse.ArgumentParser, sizes: str) -> None:
    """The options choosing the days: generated ``sizes`` (``tasks:postmen``, comma-separated), their seed, the
    demonstration Monday or not, and the time limit of each plan."""
    parser.add_argument("--sizes", default=sizes, help="generated days, tasks:postmen, comma-separated")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated days")
    parser.add_argument("--time-limit", type=float, default=10.0, help="seconds per plan (default 10)")
    parser.add_argument("--no-demo", action="store_true", help="leave out the demonstration store's Monday")


def chosen_days(amap: addressmap.AddressMap, args: argparse.Namespace) -> list[tuple[str, Problem]]:
    """The days the options of :func:`add_day_options` choose, each with its name."""
    days_: list[tuple[str, Problem]] = []
    for size in args.sizes.split(","):
        tasks, postmen = (int(x) for x in size.split(":"))
        problem = scenario.generate(amap, tasks, postmen=postmen, seed=args.seed).problem
        days_.append((f"generated {tasks} tasks, {postmen} postmen, seed {args.seed}", problem))
    if not args.no_demo:
        days_.append((f"demo Monday {DEMO_MONDAY}", demo_monday(amap)))
    return days_


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_day_options(parser, "30:4,60:6,150:8")
    parser.add_argument("--no-replans", action="store_true", help="leave out the re-plans of the days as they go")
    args = parser.parse_args(argv)
    amap = addressmap.load()
    alns.warm_up()
    days_ = chosen_days(amap, args)
    rows = [row for name, problem in tqdm(days_, desc="days") for row in measure(name, problem, args.time_limit)]
    if not args.no_replans:
        rows += [
            row
            for name, problem in tqdm(days_, desc="re-plans")
            for row in measure_replans(name, problem, args.time_limit)
        ]
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(table.to_string(index=False))
        print()
        for name, group in table.groupby("day", sort=False):
            cheap, even = group.set_index("plan").loc["cheapest"], group.set_index("plan").loc["balanced"]
            earlier = (clock(cheap["back"]) - clock(even["back"])) / 3600
            print(
                f"{name}: back {earlier:+.2f} h earlier, longest day x{even['longest_h'] / cheap['longest_h']:.2f}, "
                f"cost x{even['cost'] / cheap['cost']:.2f}, served {even['served']} vs {cheap['served']}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
