"""``agencynet plan-day``: the day's tasks from the dossiers in the store, planned and saved."""

from __future__ import annotations

import argparse
import json
import re
from datetime import date, datetime
from pathlib import Path

from api import i18n, maps
from api.commands._common import add_lang_option, add_map_options, balanced_line, load_map, read_json
from api.commands._store import add_database_option
from api.schemas import CLOCK
from geo import warm
from geo._errors import InputError
from geo.hours import HANOI
from ops import day, records
from ops.store import Store
from routing import alns


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("plan-day", help="plan a day from the dossiers in the store and save the plan")
    parser.add_argument("--date", required=True, help="the day, YYYY-MM-DD")
    parser.add_argument(
        "--postmen", type=Path, help="JSON list of postmen (id, depot, ...); default: the postman accounts"
    )
    parser.add_argument("--time-limit", type=float, default=20.0, help="seconds of search (default 20)")
    parser.add_argument(
        "--from",
        dest="start",
        metavar="HH:MM",
        help="plan from this clock: no postman leaves before it (default: now when --date is today, else the shifts' "
        "start)",
    )
    parser.add_argument(
        "--balanced",
        action="store_true",
        help="the last postman back as early as possible, then the longest working day as short, then the cost "
        "(default: the cheapest plan, which may give one postman the whole day)",
    )
    parser.add_argument("--json", action="store_true", help="print the day as JSON")
    parser.add_argument("--map", type=Path, help="write an HTML map of the routes (draws offline)")
    add_lang_option(parser)
    add_database_option(parser)
    add_map_options(parser)
    parser.set_defaults(func=run)


def read_postmen(path: Path) -> list[dict]:
    """A postmen file: a JSON list of postmen, or an object with a list ``postmen``."""
    data = read_json(path, "postmen")
    postmen = data.get("postmen") if isinstance(data, dict) else data
    if not isinstance(postmen, list) or not postmen:
        raise InputError(f"{path}: expected a non-empty list of postmen (or an object with a list 'postmen')")
    return postmen


def run(args: argparse.Namespace) -> int:
    try:
        when = date.fromisoformat(args.date)
    except ValueError:
        raise InputError(f"--date: expected YYYY-MM-DD, got {args.date!r}") from None
    if args.time_limit <= 0:
        raise InputError(f"--time-limit must be positive, got {args.time_limit}")
    if args.start is not None and not re.fullmatch(CLOCK, args.start):
        raise InputError(f"--from: expected HH:MM, got {args.start!r}")
    start = args.start or day.planned_from(when, datetime.now(HANOI))
    postmen = read_postmen(args.postmen) if args.postmen is not None else None
    store = Store(args.database)
    try:
        day.crew(store, postmen)  # no postmen is an error before the map is loaded
        amap = load_map(args)
        # The first run compiles the search and the routes' code (numba caches them): not counted in the time limit.
        alns.warm_up()
        warm.warm_up(amap)
        plan_id, answer = day.plan(
            store, amap, when, postmen=postmen, time_limit_s=args.time_limit, start=start, balanced=args.balanced
        )
        record = store.get("plan", plan_id) if plan_id else None
        numbers = records.numbers(store.engine, plan_id) if plan_id else {}
    finally:
        store.close()
    if args.map and record is not None:
        geojson = record["result"]["geojson"]
        maps.save(maps.route_map(geojson, i18n.catalogue(args.lang), amap), args.map, args.lang, "routes_title")
    if args.json:
        print(json.dumps(answer, ensure_ascii=False))
        return 0
    short = len(record["result"].get("shortfalls", [])) if record is not None else 0
    print(
        f"{answer['date']}: {answer['tasks']} tasks, {answer['served_dossiers']} of {answer['dossiers']} dossiers "
        f"served; checker: {'ok' if answer['check'] else 'violations'}"
        + (f" ({short} mandatory task{'s do' if short > 1 else ' does'} not fit in the day)" if short else "")
        + (f"; plan {plan_id}" if plan_id else "; nothing to plan")
    )
    if answer.get("balance"):
        print(balanced_line(answer["balance"]))
    for route in answer["routes"]:
        said = route.get("postman_name") or route["postman"]
        who = said if said == route["postman"] else f"{said} ({route['postman']})"
        print(f"  {who}: {route['distance_m'] / 1000:.1f} km")
        for stop in route["stops"]:
            if stop["task"]:
                # At an agency or authority: the number of the visit's record, to sign there.
                no = numbers.get((stop["task"], stop["kind"]))
                print(
                    f"    {stop['arrival']}-{stop['departure']} {stop['kind']:<8} {stop['task']} "
                    f"{stop['name'] or _said(stop['place'])}: {', '.join(stop['dossiers'])}"
                    + (f" (record {no})" if no else "")
                )
    for item in answer["unserved"]:
        # The names of the places and postmen the reason gives by id.
        names = [v for k, v in item.get("values", {}).items() if k.endswith("_name")]
        print(f"  unserved {item['code']}: {item['reason']}" + (f" ({', '.join(names)})" if names else ""))
    if args.map and record is not None:
        print(f"map written to {args.map}")
    return 0


def _said(place: str) -> str:
    """A place without a name: an applicant's address said by its dossier ("address:HOME" was printed as it is),
    not by the words only those carrying the dossier read."""
    return f"applicant's address ({place.removeprefix('address:')})" if place.startswith("address:") else place
