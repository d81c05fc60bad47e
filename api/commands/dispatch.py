"""``agencynet dispatch``: postmen's routes for a day of dossier tasks on the Hanoi map."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api import i18n, maps
from api.commands._common import add_lang_option, add_map_options, balanced_line, load_map, read_json
from geo._errors import InputError
from ops import scenario
from routing import alns, balance, check, solver
from routing.problem import hhmm


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dispatch", help="plan postmen's routes for a generated day of tasks")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--scenario", type=Path, help="JSON file of postmen and tasks (see data/scenarios/)")
    source.add_argument("--generate", type=int, default=60, metavar="N", help="generate N tasks (default 60)")
    parser.add_argument("--postmen", type=int, default=6, help="number of postmen (default 6)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the generated day")
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds of search (default 20)")
    parser.add_argument(
        "--balanced",
        action="store_true",
        help="the last postman back as early as possible, then the longest working day as short, then the cost",
    )
    parser.add_argument("--map", type=Path, help="write an HTML map of the routes (draws offline)")
    add_lang_option(parser)
    parser.add_argument("--json", action="store_true", help="print the plan as JSON (with GeoJSON routes)")
    add_map_options(parser)
    parser.set_defaults(func=run)


def read_scenario(path: Path) -> dict:
    """A scenario file: JSON with lists ``postmen`` and ``tasks`` (see :func:`ops.scenario.from_records`)."""
    records = read_json(path, "scenario")
    if not isinstance(records, dict) or not all(isinstance(records.get(k), list) for k in ("postmen", "tasks")):
        raise InputError(f"{path}: expected an object with lists 'postmen' and 'tasks'")
    return records


def run(args: argparse.Namespace) -> int:
    if args.generate < 1 or args.postmen < 1:
        raise InputError("--generate and --postmen must be at least 1")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit must be positive, got {args.time_limit}")
    amap = load_map(args)
    if args.scenario is not None:
        records = read_scenario(args.scenario)
        day = scenario.from_records(amap, records["postmen"], records["tasks"])
    else:
        day = scenario.generate(amap, args.generate, postmen=args.postmen, seed=args.seed)
    alns.warm_up()  # the first run compiles the search (numba caches it): not counted in the time limit
    solve = balance.solve if args.balanced else solver.solve
    plan = solve(day.problem, time_limit_s=args.time_limit)
    verdict = check.check(day.problem, plan)
    geojson = scenario.route_lines(amap, day, plan)
    if args.map:
        maps.save(maps.route_map(geojson, i18n.catalogue(args.lang), amap), args.map, args.lang, "routes_title")
    if args.json:
        payload = plan.to_dict() | {
            "synthetic": day.synthetic,
            "check": verdict.ok,
            "balance": plan.meta.get("balance"),
            "geojson": geojson,
        }
        print(json.dumps(payload, ensure_ascii=False, default=str))
        return 0
    checked = "ok" if verdict.ok else "; ".join(verdict.violations)
    label = " (synthetic)" if day.synthetic else ""
    print(
        f"{len(day.problem.tasks)} tasks{label}, {len(day.problem.postmen)} postmen: {plan.vehicles} used, "
        f"{plan.distance / 1000:.1f} km, {len(plan.unserved)} unserved; checker: {checked}"
    )
    if "balance" in plan.meta:
        print(balanced_line(plan.meta["balance"]))
    for route in plan.routes:
        if route.used:
            print(
                f"  {route.postman}: {len(route.stops) - 2} stops, {route.distance / 1000:.1f} km, "
                f"{hhmm(route.stops[0].departure)}-{hhmm(route.stops[-1].arrival)}"
            )
    for item in plan.unserved:
        print(f"  unserved {item.task}: {item.reason}")
    if args.map:
        print(f"map written to {args.map}")
    return 0
