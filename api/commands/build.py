"""``agencynet build``: build the digital address map and save it as a GeoPackage."""

from __future__ import annotations

import argparse
from pathlib import Path

from api.commands._common import add_map_options, load_map
from geo import paths, store


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("build", help="build the road network and layers; write a GeoPackage")
    add_map_options(parser)
    parser.add_argument("--out", type=Path, help="GeoPackage to write (default data/out/hanoi-<profile>.gpkg)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    amap = load_map(args)
    out = args.out or paths.REPO_ROOT / "data" / "out" / f"hanoi-{args.profile}.gpkg"
    store.write(out, amap.network, amap.layers)
    report = amap.network.report
    layers = amap.layers
    rows = [
        ("source", report.source),
        ("profile", report.profile),
        ("ways kept / read", f"{report.ways_kept:,} / {report.ways_read:,}"),
        ("nodes", f"{report.nodes:,}"),
        ("edges", f"{report.edges:,}"),
        (
            "dropped (outside largest strongly connected part)",
            f"{report.dropped_nodes:,} nodes, {report.dropped_edges:,} edges",
        ),
        ("road length", f"{report.total_km:,.1f} km of directed edges"),
        ("agencies", f"{len(layers.agencies)} ({len(amap.agencies)} on this map)"),
        ("authorities", f"{len(layers.authorities)}"),
        ("wards", f"{len(layers.wards)}"),
        ("landmarks", f"{len(layers.landmarks)}"),
        (
            "households",
            f"{int(layers.households['households'].sum()):,} in {len(layers.households):,} address points"
            f" ({int(layers.households['synthetic'].sum()):,} synthetic)",
        ),
        ("network built in", f"{report.seconds:.1f} s" + (" (from cache)" if report.from_cache else "")),
        ("written", str(out)),
    ]
    width = max(len(k) for k, _ in rows)
    for key, value in rows:
        print(f"{key:<{width}}  {value}")
    return 0
