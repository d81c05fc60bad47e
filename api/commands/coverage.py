"""``agencynet coverage``: travel time from every household to its nearest agency, per ward."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api import maps
from api.commands._common import add_lang_option, add_map_options, load_map
from geo._errors import InputError
from geo.siting import access


def _minutes(text: str) -> tuple[float, ...]:
    try:
        values = [float(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise InputError(f"--minutes must be numbers separated by commas, got {text!r}") from None
    return access.check_minutes(values)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("coverage", help="population within T minutes of an agency, per ward")
    parser.add_argument("--minutes", default="10,15,20", help="thresholds, min, comma-separated (default 10,15,20)")
    parser.add_argument("--least", type=int, default=10, help="how many least-served wards to list (default 10)")
    parser.add_argument("--map", type=Path, help="write an HTML map (share within the first threshold; draws offline)")
    parser.add_argument("--json", action="store_true", help="print the totals and the ward table as JSON")
    add_lang_option(parser)
    add_map_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    minutes = _minutes(args.minutes)
    if args.least < 0:
        raise InputError(f"--least must be non-negative, got {args.least}")
    amap = load_map(args)
    result = access.coverage(amap, minutes=minutes)
    if args.map:
        maps.save(maps.coverage_map(result, amap, args.lang, minutes=minutes[0]), args.map, args.lang, "coverage_title")
    least = result.least_served(n=args.least)
    if args.json:
        payload = {
            "minutes": list(minutes),
            "total": {k: float(v) for k, v in result.total.items()},
            "least_served": json.loads(least.round(4).to_json(orient="records", force_ascii=False)),
            "geojson": result.to_geojson(),
        }
        print(json.dumps(payload, ensure_ascii=False))
        return 0
    total = result.total
    shares = ", ".join(f"{100 * total[f'share_within_{m:g}']:.1f} % within {m:g} min" for m in minutes)
    print(
        f"{total['population']:,.0f} persons in {len(result.wards)} wards (mostly synthetic households): {shares}; "
        f"mean {total['mean_time_min']:.2f} min to the nearest of {len(amap.agencies)} agencies"
    )
    first = f"share_within_{minutes[0]:g}"
    for row in least.itertuples():
        print(
            f"  {row.rank:>2}. {row.name}: {100 * getattr(row, first):.1f} % within {minutes[0]:g} min, "
            f"mean {row.mean_time_min:.1f} min, p95 {row.p95_time_min:.1f} min ({row.population:,.0f} persons)"
        )
    if args.map:
        print(f"map written to {args.map}")
    return 0
