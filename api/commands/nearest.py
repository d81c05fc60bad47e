"""``agencynet nearest``: the nearest agencies by road from a point or a typed address."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

import numpy as np

from api.commands._common import add_map_options, load_map
from geo import agencies, nearest
from geo._errors import InputError
from geo.addressmap import AddressMap


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("nearest", help="nearest agencies by travel time, with routes")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--lat", type=float, help="latitude (with --lon)")
    where.add_argument("--address", help="typed address or place name, with or without diacritics")
    parser.add_argument("--lon", type=float, help="longitude (with --lat)")
    parser.add_argument("-k", type=int, default=3, help="how many agencies (default 3)")
    parser.add_argument("--procedure", choices=agencies.PROCEDURES, help="only agencies that accept this procedure")
    parser.add_argument("--open-now", action="store_true", help="only agencies open now (Hanoi time)")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_map_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.lat is not None and args.lon is None:
        raise InputError("--lat needs --lon")
    if args.k < 1:
        raise InputError(f"-k must be at least 1, got {args.k}")
    amap = load_map(args)
    if args.address is not None:
        hit = amap.geocode(args.address)
        lon, lat = float(hit["lon"]), float(hit["lat"])
        query = {"address": args.address, "matched": hit["label"], "score": round(float(hit["score"]), 3)}
    else:
        lon, lat = args.lon, args.lat
        query = {}
    query |= {"lat": lat, "lon": lon, "profile": args.profile, "k": args.k}
    query |= {"procedure": args.procedure, "open_now": args.open_now}
    among = _among(amap, args.procedure, args.open_now)
    results = nearest.nearest_agencies(amap, lon, lat, k=args.k, among=among)
    if args.json:
        print(json.dumps({"query": query, "results": [r.to_dict() for r in results]}, ensure_ascii=False))
        return 0
    if "matched" in query:
        print(f"{query['matched']} (score {query['score']})")
    if not results:
        print("no agency left by the filters (--procedure, --open-now)")
    for rank, r in enumerate(results, 1):
        print(
            f"{rank}. {r.name or '(unnamed)'} [{r.kind}] {r.travel_time_s / 60:.1f} min, {r.distance_m / 1000:.2f} km"
        )
    return 0


def _among(amap: AddressMap, procedure: str | None, open_now: bool) -> np.ndarray | None:
    """The agencies that accept ``procedure`` (any when None) and, with ``open_now``, are open now in Hanoi, as a
    mask over :attr:`geo.addressmap.AddressMap.agencies`; None when both filters are off."""
    if procedure is None and not open_now:
        return None
    now = datetime.now(agencies.HANOI).replace(tzinfo=None)
    details = [amap.agency_details[str(a)] for a in amap.agencies["agency_id"]]
    return np.array(
        [
            (procedure is None or procedure in d["procedures"])
            and (not open_now or agencies.is_open(d["opening_hours"], now))
            for d in details
        ],
        dtype=bool,
    )
