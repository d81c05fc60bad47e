"""``agencynet authorities``: fill the registry of deciding units from the map (``seed``) or a CSV (``import``)."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.commands._common import add_map_options, load_map
from api.commands._store import add_database_option, open_store
from ops import authorities


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("authorities", help="registry of deciding units: seed from the map, import a CSV")
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    seed = sub.add_parser("seed", help="official Hanoi units located by the map's committees, city-level bodies")
    add_map_options(seed)
    add_database_option(seed)
    seed.set_defaults(func=run_seed)
    load = sub.add_parser("import", help="add or replace units from a CSV: code,name,level[,lat,lon]")
    load.add_argument("file", type=Path, help="CSV file (UTF-8)")
    add_database_option(load)
    load.set_defaults(func=run_import)


def run_seed(args: argparse.Namespace) -> int:
    amap = load_map(args)
    with open_store(args) as engine:
        found = authorities.seed(engine, amap)
    print(f"{found['units']} deciding units, {found['located']} located on the map")
    return 0


def run_import(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        count = authorities.import_csv(engine, args.file)
    print(f"{count} deciding units imported from {args.file}")
    return 0
