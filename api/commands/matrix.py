"""``agencynet matrix``: travel times or distances between points of CSV files."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd

from api.commands._common import add_map_options, load_map
from geo import matrix
from geo._errors import InputError


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("matrix", help="many-to-many travel times or distances")
    parser.add_argument("--from", dest="origins", type=Path, required=True, help="CSV with columns id,lat,lon")
    parser.add_argument("--to", dest="destinations", type=Path, help="CSV with columns id,lat,lon (default: --from)")
    parser.add_argument("--metric", choices=("time", "distance"), default="time", help="seconds or metres")
    parser.add_argument("--out", type=Path, required=True, help="CSV to write: from_id,to_id,value")
    add_map_options(parser)
    parser.set_defaults(func=run)


def read_points(path: Path) -> pd.DataFrame:
    """Points of a CSV with columns ``id,lat,lon``; :class:`InputError` names the file, line and problem."""
    if not path.is_file():
        raise InputError(f"no such CSV file: {path}")
    try:
        frame = pd.read_csv(path, dtype={"id": str})
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a readable CSV ({exc})") from None
    missing = {"id", "lat", "lon"} - set(frame.columns)
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(sorted(missing))} (need id,lat,lon)")
    for column in ("lat", "lon"):
        values = pd.to_numeric(frame[column], errors="coerce")
        bad = values.isna()
        if bad.any():
            line = int(np.flatnonzero(bad)[0]) + 2
            raise InputError(f"{path}, line {line}: {column} is not a number: {frame[column].iloc[line - 2]!r}")
        frame[column] = values
    if frame.empty:
        raise InputError(f"{path}: no points")
    if frame["id"].isna().any() or frame["id"].duplicated().any():
        raise InputError(f"{path}: ids must be present and unique")
    return frame


def run(args: argparse.Namespace) -> int:
    origins = read_points(args.origins)
    destinations = read_points(args.destinations) if args.destinations else origins
    amap = load_map(args)
    try:
        o = amap.snap(origins["lon"].values, origins["lat"].values)
        d = amap.snap(destinations["lon"].values, destinations["lat"].values)
    except InputError as exc:
        raise InputError(f"{exc} (ids and order as in the CSV files)") from None
    result = matrix.travel_times(amap.network, o, d, with_distance=args.metric == "distance")
    values = result.distance_m if result.distance_m is not None else result.time_s
    out = pd.DataFrame(
        {
            "from_id": np.repeat(origins["id"].values, len(destinations)),
            "to_id": np.tile(destinations["id"].values, len(origins)),
            "value": np.round(values.ravel(), 3),
        }
    )
    out.to_csv(args.out, index=False)
    print(f"wrote {len(out):,} {args.metric} values ({len(origins)} x {len(destinations)}) to {args.out}")
    return 0
