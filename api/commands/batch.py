"""``agencynet batch``: every region of a regions file as one task on dask.distributed, one national table."""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from api import i18n
from api.commands._common import add_lang_option
from geo._errors import InputError
from ops import regions


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "batch", help="run every region of a regions file on dask.distributed and gather the national table"
    )
    parser.add_argument("regions", type=Path, help="regions file (TOML), e.g. data/regions/hanoi.toml")
    parser.add_argument("--scheduler", help="address of a running dask scheduler (default: a local cluster)")
    parser.add_argument("--workers", type=int, help="worker processes of the local cluster (default: one per core)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (regions.csv, .gpkg, .html)")
    add_lang_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.workers is not None and args.workers < 1:
        raise InputError(f"--workers must be at least 1, got {args.workers}")
    if args.scheduler and args.workers is not None:
        raise InputError("--workers sizes the local cluster; a --scheduler brings its own workers")
    parsed = regions.read(args.regions)
    with tqdm(total=len(parsed.regions), desc="regions", unit="region", disable=None) as bar:

        def done(row: dict) -> None:
            bar.set_postfix_str(f"{row['region']}: {row['status'][:40]}")
            bar.update(1)

        result = regions.batch(
            parsed,
            args.out,
            texts=i18n.catalogue(args.lang),
            scheduler=args.scheduler,
            workers=args.workers,
            progress=done,
        )
    table = result.table
    ok = int((table["status"] == "ok").sum())
    engine = f"on {result.scheduler} with {result.workers} workers" if result.computed else "without a cluster"
    print(
        f"{ok} of {len(table)} regions ok ({len(result.computed)} computed, {len(result.reused)} reused) "
        f"{engine} in {result.seconds:.1f} s"
    )
    for row in table.itertuples():
        if row.status == "ok":
            faster = "" if pd.isna(row.gain_mean_time_min) else f", mean time -{row.gain_mean_time_min:.2f} min"
            print(
                f"  {row.region}: {row.nodes:,} nodes, {row.agencies} agencies, {row.persons:,} persons, "
                f"{100 * row.share_10min:.1f} % within 10 min, {100 * row.share_15min:.1f} % within 15 min; "
                f"+{row.sites_proposed} sites: {row.gain_10min_pp:+.2f} pp within 10 min{faster}"
            )
        else:
            print(f"  {row.region}: {row.status}")
    for path in result.files:
        print(f"written {path}")
    return 0
