"""``agencynet solve``: solve a standard benchmark instance (Solomon, Li & Lim, OR-Library p-median)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from geo._errors import InputError

FORMATS = ("solomon", "lilim", "pmed")


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("solve", help="solve a Solomon, Li & Lim or OR-Library p-median file")
    parser.add_argument("file", type=Path, help="instance file")
    parser.add_argument("--format", required=True, choices=FORMATS, help="file format")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds of search (default 30)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise InputError(f"no such instance file: {args.file}")
    if args.time_limit <= 0:
        raise InputError(f"--time-limit must be positive, got {args.time_limit}")
    if args.format == "pmed":
        from geo.siting import pmed

        result = pmed.solve_benchmark(args.file, time_limit_s=args.time_limit)
    else:
        from routing import alns, instances

        alns.warm_up()  # the first run compiles the search (numba caches it): not counted in the time limit
        result = instances.solve_benchmark(args.file, args.format, time_limit_s=args.time_limit)
    if args.json:
        print(json.dumps(result, ensure_ascii=False))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    return 0
