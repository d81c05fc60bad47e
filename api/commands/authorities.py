"""``agencynet authorities``: fill the registry of deciding units from the map (``seed``) or a CSV (``import``),
list it (``list``), and place a unit at a point or forget that point (``place``, ``unplace``), as the dispatch
page does."""

from __future__ import annotations

import argparse
import getpass
import json
from datetime import datetime
from pathlib import Path

from api.commands._common import add_map_options, load_map
from api.commands._store import add_database_option, open_store
from api.deps import check_on_map
from ops import authorities


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "authorities", help="registry of deciding units: seed from the map, import a CSV, list, place a unit"
    )
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    seed = sub.add_parser("seed", help="official Hanoi units located by the map's committees, city-level bodies")
    add_map_options(seed)
    add_database_option(seed)
    seed.set_defaults(func=run_seed)
    load = sub.add_parser("import", help="add or replace units from a CSV: code,name,level[,lat,lon,hours]")
    load.add_argument("file", type=Path, help="CSV file (UTF-8)")
    add_database_option(load)
    load.set_defaults(func=run_import)
    listing = sub.add_parser("list", help="the units, their seats, who placed them and their open dossiers")
    listing.add_argument("--unlocated", action="store_true", help="only the units without a location")
    listing.add_argument("--json", action="store_true", help="print the units as JSON")
    add_database_option(listing)
    listing.set_defaults(func=run_list)
    place = sub.add_parser("place", help="place a unit at a point of the map (its committee's door)")
    place.add_argument("code", help="the unit's code ('00160')")
    place.add_argument("lat", type=float, help="latitude, degrees")
    place.add_argument("lon", type=float, help="longitude, degrees")
    add_map_options(place)
    add_database_option(place)
    place.set_defaults(func=run_place)
    hours = sub.add_parser("hours", help="a unit's own office hours (OSM opening_hours), or 'default'")
    hours.add_argument("code", help="the unit's code")
    hours.add_argument("hours", help="'Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off', or 'default'")
    add_database_option(hours)
    hours.set_defaults(func=run_hours)
    unplace = sub.add_parser("unplace", help="forget the point a person gave a unit: back to the map's seat")
    unplace.add_argument("code", help="the unit's code")
    add_map_options(unplace)
    add_database_option(unplace)
    unplace.set_defaults(func=run_unplace)


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


def run_list(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        units = authorities.registry(engine, located=False if args.unlocated else None)
    if args.json:
        print(json.dumps(units, ensure_ascii=False, default=datetime.isoformat))
        return 0
    for unit in units:
        print(_line(unit))
    return 0


def run_place(args: argparse.Namespace) -> int:
    amap = load_map(args)
    check_on_map(amap, args.lon, args.lat)
    with open_store(args) as engine:
        unit = authorities.place(engine, args.code, args.lat, args.lon, who=f"cli:{getpass.getuser()}")
    print(_line(unit))
    return 0


def run_hours(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        unit = authorities.set_hours(engine, args.code, None if args.hours == "default" else args.hours)
    print(_line(unit))
    return 0


def run_unplace(args: argparse.Namespace) -> int:
    amap = load_map(args)
    with open_store(args) as engine:
        unit = authorities.unplace(engine, amap, args.code)
    print(_line(unit))
    return 0


def _line(unit: dict) -> str:
    """A unit in one line: code, name, seat (and who placed it), its own office hours, open dossiers."""
    if unit["lat"] is None:
        seat = "no location"
    else:
        seat = f"{unit['lat']:.6f},{unit['lon']:.6f} ({'the map' if unit['on_map'] else unit['source']})"
        if unit["source"] == "operator":
            seat += f", placed by {unit['located_by']} at {unit['located_at']:%Y-%m-%d %H:%M} UTC"
    hours = f", open {unit['hours']}" if unit["hours"] else ""
    return f"{unit['code']} {unit['said']}: {seat}{hours}, {unit['open_dossiers']} open dossiers"
