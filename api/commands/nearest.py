"""``agencynet nearest``: the nearest agencies by road from a point or a typed address."""

from __future__ import annotations

import argparse
import json
from datetime import datetime

import numpy as np

from api.commands._common import add_map_options, load_map
from geo import agencies, hours, nearest
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
    parser.add_argument("--open-now", action="store_true", help="only agencies open at --at (Hanoi time)")
    parser.add_argument(
        "--at",
        type=_hanoi_time,
        help="time to read the opening hours at, Hanoi local time (ISO 8601: 2026-02-17T10:00); default now",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_map_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.lat is not None and args.lon is None:
        raise InputError("--lat needs --lon")
    if args.k < 1:
        raise InputError(f"-k must be at least 1, got {args.k}")
    amap = load_map(args)
    procedure = args.procedure
    if args.address is not None:
        # "đổi bằng lái xe gần hồ gươm": from the lake, the agencies taking driving licences (unless --procedure).
        at = amap.locate(args.address)
        lon, lat, area, within = at.lon, at.lat, at.area, at.within
        query = {"address": args.address, "matched": at.label, "score": round(at.score, 3)}
        procedure = procedure or at.procedure
    else:
        lon, lat, area, within = args.lon, args.lat, None, False
        # What is there, for the asker to see the point is the one meant.
        there = amap.reverse.at(lon, lat)
        query = {"near": ", ".join(part for part in (there.label, there.ward) if part) or None}
    query |= {"lat": lat, "lon": lon, "profile": args.profile, "k": args.k}
    when = args.at or datetime.now(hours.HANOI).replace(tzinfo=None)
    holiday = hours.holiday(when.date(), "en")
    query |= {"procedure": procedure or None, "open_now": args.open_now, "at": when.isoformat(timespec="minutes")}
    among = _among(amap, procedure, args.open_now, when)
    inside = 0
    if area is None:
        results = nearest.nearest_agencies(amap, lon, lat, k=args.k, among=among)
    else:  # a lake or a street from its edge all round ("hồ gươm"), a ward's own agencies first
        found = nearest.find_from(amap, lon, lat, area, within=within, k=args.k, among=among)
        results, inside = found.agencies(amap), found.inside
    states = [hours.state(amap.agency_details[r.agency_id]["opening_hours"], when) for r in results]
    if within:
        query["inside"] = inside
    if args.json:
        records = [r.to_dict() | state for r, state in zip(results, states, strict=True)]
        print(json.dumps({"query": query, "holiday": holiday, "results": records}, ensure_ascii=False))
        return 0
    if "matched" in query:
        print(f"{query['matched']} (score {query['score']})")
    elif query["near"]:
        print(f"near {query['near']}")
    if procedure is not None:
        print(f"only agencies accepting {procedure}" if procedure else "only public-service agents")
    if holiday:
        print(f"{when:%d/%m/%Y} is a public holiday: {holiday}")
    if not results:
        print("no agency left by the filters (--procedure, --open-now)")
    for rank, (r, state) in enumerate(zip(results, states, strict=True), 1):
        where = f" (in {query['matched']})" if rank <= inside else ""
        print(
            f"{rank}. {r.name or '(unnamed)'} [{r.kind}]{where} {r.travel_time_s / 60:.1f} min, "
            f"{r.distance_m / 1000:.2f} km, {_in_words(state, when)}"
        )
    return 0


def _hanoi_time(text: str) -> datetime:
    """``--at``: an ISO 8601 time, taken as Hanoi time unless it carries an offset."""
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO 8601 time (2026-02-17T10:00): {text!r}") from None
    try:
        return at.astimezone(hours.HANOI).replace(tzinfo=None) if at.tzinfo is not None else at
    except OverflowError:
        raise argparse.ArgumentTypeError(f"no date in Hanoi at {text!r}") from None


def _in_words(state: dict, when: datetime) -> str:
    """ "open, closes 19:00" or "closed, opens Mon 23/02 08:00": the day said when it is not ``when``'s."""
    word = ("open", "closes") if state["open_now"] else ("closed", "opens")
    if state["changes_at"] is None:
        return word[0]
    change = datetime.fromisoformat(str(state["changes_at"]))
    day = "" if change.date() == when.date() else f"{change:%a %d/%m} "
    return f"{word[0]}, {word[1]} {day}{change:%H:%M}"


def _among(amap: AddressMap, procedure: str | None, open_now: bool, when: datetime) -> np.ndarray | None:
    """The agencies that accept ``procedure`` (``""``: any, the public-service agents; None: every agency) and,
    with ``open_now``, are open ``when`` (Hanoi local time), as a mask over
    :attr:`geo.addressmap.AddressMap.agencies`; None when both filters are off."""
    if procedure is None and not open_now:
        return None
    details = [amap.agency_details[str(a)] for a in amap.agencies["agency_id"]]
    return np.array(
        [
            (procedure is None or (procedure in d["procedures"] if procedure else bool(d["procedures"])))
            and (not open_now or hours.is_open(d["opening_hours"], when))
            for d in details
        ],
        dtype=bool,
    )
