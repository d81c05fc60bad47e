"""``agencynet plan-sites``: where the next agencies should open, with the coverage per ward before and after."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api import maps
from api.commands._common import add_lang_option, add_map_options, load_map
from geo._errors import InputError
from geo.siting import scenario


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "plan-sites",
        help="choose new agency sites (existing agencies stay open) and report coverage per ward",
        description="Existing agencies stay open; new sites are chosen among candidates (default: authorities, "
        "named addresses and street points on the map). Models: "
        + "; ".join(f"{k}: {v}" for k, v in scenario.MODELS.items()),
    )
    parser.add_argument("--model", default="pmedian", help=f"{', '.join(scenario.MODELS)} (default pmedian)")
    parser.add_argument("--p", type=int, help="number of new sites (not used by lscp)")
    parser.add_argument(
        "--minutes", type=float, default=scenario.DEFAULT_MINUTES, help="coverage threshold T, min (default 10)"
    )
    parser.add_argument("--capacity", type=float, help="dossiers a day per site: capacitated p-median")
    parser.add_argument("--candidates", type=Path, help="candidate sites: GeoJSON points or CSV with lat,lon[,id,name]")
    parser.add_argument(
        "--time-limit", type=float, default=scenario.DEFAULT_TIME_LIMIT_S, help="solver seconds (default 30)"
    )
    parser.add_argument(
        "--cell", type=float, default=scenario.DEFAULT_CELL_M, help="side of the demand cells, m (default 250)"
    )
    parser.add_argument("--map", type=Path, help="write an HTML map (coverage before/after, sites; draws offline)")
    parser.add_argument("--areas", action="store_true", help="draw the new sites' service areas on the map")
    parser.add_argument("--json", action="store_true", help="print the scenario as JSON (with GeoJSON)")
    add_lang_option(parser)
    add_map_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    # Checked before loading the map: a typo should cost no seconds.
    scenario.check_options(args.model, args.p, args.minutes, args.capacity, args.time_limit)
    if not (args.cell > 0):
        raise InputError(f"--cell must be positive metres, got {args.cell:g}")
    candidates = scenario.read_candidates(args.candidates) if args.candidates is not None else None
    amap = load_map(args)
    result = scenario.plan(
        amap,
        model=args.model,
        p=args.p,
        minutes=args.minutes,
        capacity=args.capacity,
        candidates=candidates,
        time_limit_s=args.time_limit,
        cell_m=args.cell,
        with_areas=args.areas and args.map is not None,
    )
    if args.map:
        maps.save(maps.scenario_map(result, amap, args.lang), args.map, args.lang, "scenario_title")
    if args.json:
        print(json.dumps(result.to_dict() | {"geojson": result.to_geojson()}, ensure_ascii=False))
        return 0
    before, after = result.before.total, result.after.total
    key = result.share_key
    gap = f"{100 * result.gap:.2f} %" if result.gap == result.gap and result.gap != float("inf") else "unknown"
    print(
        f"{result.model}: {result.p} new sites besides {len(result.sites) - result.p} agencies; objective "
        f"{result.objective:,.6g} {result.objective_unit}, bound {result.bound:,.6g}, gap {gap}, {result.status}, "
        f"{result.solve_time_s:.2f} s ({result.n_demand} demand cells x {result.n_candidates} sites)"
    )
    print(
        f"population within {result.minutes:g} min: {100 * before[key]:.1f} % -> {100 * after[key]:.1f} %; "
        f"mean travel time {before['mean_time_min']:.2f} -> {after['mean_time_min']:.2f} min "
        f"({before['population']:,.0f} persons, mostly synthetic)"
    )
    for row in result.new_sites.itertuples():
        print(
            f"  new: {row.site_id} {row.name or '(unnamed)'} [{row.kind}] at {row.geometry.y:.5f},"
            f"{row.geometry.x:.5f}: {row.population_served:,.0f} persons"
        )
    changes = result.ward_changes()
    for row in changes[changes["share_after"] > changes["share_before"]].head(10).itertuples():
        print(f"  {row.name}: {100 * row.share_before:.1f} % -> {100 * row.share_after:.1f} % within T")
    if args.map:
        print(f"map written to {args.map}")
    return 0
