"""``agencynet simulate-dossiers``: a seeded synthetic quarter of the portal's feed on the map."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.commands._common import add_map_options, load_map
from ops import simulate


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("simulate-dossiers", help="write a synthetic quarter of dossiers as JSON Lines")
    parser.add_argument("--quarter", required=True, help="quarter, e.g. 2026Q1")
    parser.add_argument("--out", type=Path, required=True, help="JSON Lines file to write")
    parser.add_argument("--seed", type=int, default=1, help="seed of every draw (default 1)")
    parser.add_argument(
        "--count", type=int, help=f"dossiers in the quarter (default {simulate.PER_QUARTER:,}, Phú Thọ's rate)"
    )
    add_map_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    simulate.quarter_days(args.quarter)  # a bad quarter fails before the map is loaded
    amap = load_map(args)
    records = simulate.simulate(amap, args.quarter, seed=args.seed, count=args.count)
    written = simulate.write(args.out, records)
    dossiers = sum(1 for r in records if r["type"] == "dossier")
    print(f"{written} records ({dossiers} dossiers, {written - dossiers} portal events, synthetic) in {args.out}")
    return 0
