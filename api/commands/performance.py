"""``agencynet performance``: the postmen's days against their plans over a period, from the store."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime

from api.commands._store import add_database_option
from geo._errors import InputError
from geo.hours import HANOI
from ops import performance
from ops.store import Store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "performance",
        help="the postmen's days against their plans: stops done, failed and unrecorded, in their window, delays",
    )
    parser.add_argument("--to", help="the period's last day, YYYY-MM-DD (default: today in Hanoi)")
    parser.add_argument(
        "--days", type=int, default=7, help=f"how many days, ending on --to (default 7, at most {performance.MAX_DAYS})"
    )
    parser.add_argument("--postman", metavar="NAME", help="only this postman's routes (his account), day by day")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON (as GET /postmen/performance)")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        last = date.fromisoformat(args.to) if args.to else datetime.now(HANOI).date()
    except ValueError:
        raise InputError(f"--to: expected YYYY-MM-DD, got {args.to!r}") from None
    if not 1 <= args.days <= performance.MAX_DAYS:
        raise InputError(f"--days: expected 1 to {performance.MAX_DAYS}, got {args.days}")
    store = Store(args.database)
    try:
        first = date.fromordinal(max(1, last.toordinal() - args.days + 1))
        said = performance.of_period(store, first, last, postman=args.postman)
    finally:
        store.close()
    if args.json:
        print(json.dumps(said, ensure_ascii=False))
        return 0
    total = said["total"]
    print(
        f"{said['from']} to {said['to']}: {said['days']} day{'s' * (said['days'] != 1)} with a plan, "
        f"{total['stops']} stops" + (" (synthetic dossiers)" if said["synthetic"] else "")
    )
    if said["days"]:
        print(f"  all: {_line(total)}")
    for row in said["postmen"]:
        print(f"  {row['name']} ({row['postman']}), {row['days']} day{'s' * (row['days'] != 1)}: {_line(row)}")
    if args.postman is not None:
        for row in said["by_day"]:
            print(f"    {row['day']}: {_line(row)}")
    return 0


def _line(figures: dict) -> str:
    """A postman's (or all) figures on one line."""
    share = figures["in_window_share"]
    words = [
        f"{figures['done']} done, {figures['failed']} failed, {figures['after_failure']} not visited after a failed "
        f"pickup, {figures['unsettled']} nothing recorded",
        "in the window: " + _share(share),
        f"delay against the plan: median {_minutes(figures['delay_median_min'])}, "
        f"90th percentile {_minutes(figures['delay_p90_min'])}",
        f"{figures['planned_km']:.1f} km and {figures['planned_h']:.1f} h planned",
    ]
    if figures["first_delay_median_min"] is not None:
        words.insert(
            -1,
            f"first stop {_minutes(figures['first_delay_median_min'])}, each leg adding "
            f"{_added(figures['door_added_min'])} to a door, {_added(figures['office_added_min'])} to an office",
        )
    if figures["visits_timed"]:
        words.insert(
            -1,
            f"time at a stop ({figures['visits_timed']} of {figures['visits_settled']} visits timed): doors "
            f"{_spent(figures['door_visit_min'])} against {_spent(figures['door_visit_planned_min'])} planned, "
            f"offices {_spent(figures['office_visit_min'])} against {_spent(figures['office_visit_planned_min'])}",
        )
    if figures["door_settled"]:
        words.insert(2, f"at citizens' doors: {_share(figures['door_in_window_share'])} of {figures['door_settled']}")
    if figures["failures"]:
        words.append("failures: " + ", ".join(f"{code} {n}" for code, n in figures["failures"].items()))
    return "; ".join(words)


def _share(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _minutes(value: float | None) -> str:
    return "-" if value is None else f"{value:+.0f} min"


def _added(value: float | None) -> str:
    return "-" if value is None else f"{value:+.1f} min"


def _spent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f} min"
