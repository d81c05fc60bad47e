"""``agencynet demo``: build the map and draw the route from a sample address to its nearest agency."""

from __future__ import annotations

import argparse
from pathlib import Path

import folium
import shapely

from api import i18n, maps
from api.commands._common import add_lang_option, add_map_options, load_map
from geo import nearest, paths, webmap
from geo.addressmap import AddressMap

SAMPLE_ADDRESS = "58 Phố Hào Nam"
"""A real OSM address in Phường Ô Chợ Dừa, about 1 km by road from its nearest agency."""

KIND_COLOURS = {
    "post_office": "red",
    "ems": "orange",
    "viettel_post": "darkred",
    "fpt_shop": "blue",
    "public_admin_centre": "green",
}


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("demo", help="build the map and write an HTML map of a nearest-agency route")
    parser.add_argument("--address", default=SAMPLE_ADDRESS, help=f"start address (default {SAMPLE_ADDRESS!r})")
    parser.add_argument("--out", type=Path, help="HTML file to write (default data/out/demo.html; draws offline)")
    add_lang_option(parser)
    add_map_options(parser)
    parser.set_defaults(func=run)


def demo_map(
    amap: AddressMap, start: tuple[float, float], label: str, results: list[nearest.NearestAgency], lang: str
) -> folium.Map:
    """A map drawn offline (:func:`geo.webmap.new_map`) of the main roads, wards, agencies and authorities, and of the
    routes from ``start`` to its nearest agencies, in ``lang``."""
    texts = i18n.catalogue(lang)
    said, kinds = texts["maps"], texts["kind"]
    net = amap.network
    west, south, east, north = net.node_lon.min(), net.node_lat.min(), net.node_lon.max(), net.node_lat.max()
    shown = shapely.MultiLineString([r.route.geometry for r in results]).union(shapely.Point(start))
    x0, y0, x1, y1 = shown.bounds
    margin = maps.MARGIN_DEG
    fmap = webmap.new_map((x0 - margin, y0 - margin, x1 + margin, y1 + margin), said)
    maps.add_roads(fmap, amap, (west, south, east, north), said)
    wards = amap.layers.wards.cx[west:east, south:north]
    folium.GeoJson(
        wards[["name", "kind", "population_estimated", "geometry"]],
        name=texts["js"]["layer_wards"],
        style_function=lambda _f: {"color": "#555", "weight": 1, "fillOpacity": 0.03},
        tooltip=folium.GeoJsonTooltip(
            ["name", "population_estimated"], aliases=[said["ward"], texts["report"]["columns"]["population"]]
        ),
    ).add_to(fmap)
    agencies = folium.FeatureGroup(name=said["agencies"]).add_to(fmap)
    for row in amap.layers.agencies.cx[west:east, south:north].itertuples():
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x],
            radius=6,
            color=KIND_COLOURS.get(row.kind, "gray"),
            fill=True,
            fill_opacity=0.9,
            tooltip=f"{row.name or kinds.get(row.kind, row.kind)} ({kinds.get(row.kind, row.kind)})",
        ).add_to(agencies)
    authorities = folium.FeatureGroup(name=said["authorities"]).add_to(fmap)
    for row in amap.layers.authorities.cx[west:east, south:north].itertuples():
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.DivIcon(
                icon_size=(14, 14),
                icon_anchor=(7, 7),
                html='<div style="width:10px;height:10px;background:#7b1fa2;border:2px solid #fff"></div>',
            ),
            tooltip=row.name,
        ).add_to(authorities)
    routes = folium.FeatureGroup(name=said["nearest"]).add_to(fmap)
    for rank, result in enumerate(results, 1):
        coords = [(lat, lon) for lon, lat in result.route.geometry.coords]
        folium.PolyLine(
            coords,
            weight=6 if rank == 1 else 3,
            color="#1a73e8" if rank == 1 else "#7baaf7",
            tooltip=f"{rank}. "
            + said["route"].format(
                name=result.name, minutes=f"{result.travel_time_s / 60:.1f}", km=f"{result.distance_m / 1000:.2f}"
            ),
        ).add_to(routes)
    folium.CircleMarker(
        [start[1], start[0]],
        radius=9,
        color="#fff",
        weight=3,
        fill=True,
        fill_color="#188038",
        fill_opacity=1,
        tooltip=label,
    ).add_to(fmap)
    return fmap


def run(args: argparse.Namespace) -> int:
    amap = load_map(args)
    hit = amap.geocode(args.address)
    start = (float(hit["lon"]), float(hit["lat"]))
    results = nearest.nearest_agencies(amap, *start, k=3)
    out = args.out or paths.REPO_ROOT / "data" / "out" / "demo.html"
    maps.save(demo_map(amap, start, hit["label"], results, args.lang), out, args.lang, "demo_title")
    best = results[0]
    print(f"from {hit['label']}: nearest agency {best.name} ({best.travel_time_s / 60:.1f} min by {args.profile})")
    print(f"map written to {out}")
    return 0
