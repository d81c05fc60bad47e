"""``agencynet demo``: build the map and draw the route from a sample address to its nearest agency."""

from __future__ import annotations

import argparse
from pathlib import Path

import folium

from api.commands._common import add_map_options, load_map
from geo import nearest, paths
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
    parser.add_argument("--out", type=Path, help="HTML file to write (default data/out/demo.html)")
    add_map_options(parser)
    parser.set_defaults(func=run)


def demo_map(
    amap: AddressMap, start: tuple[float, float], label: str, results: list[nearest.NearestAgency]
) -> folium.Map:
    """A folium map of the covered wards, agencies, authorities and the routes to the nearest agencies."""
    net = amap.network
    west, south, east, north = net.node_lon.min(), net.node_lat.min(), net.node_lon.max(), net.node_lat.max()
    fmap = folium.Map(location=[start[1], start[0]], zoom_start=15, tiles="OpenStreetMap", control_scale=True)
    wards = amap.layers.wards.cx[west:east, south:north]
    folium.GeoJson(
        wards[["name", "kind", "population_estimated", "geometry"]],
        name="wards (2025)",
        style_function=lambda _f: {"color": "#555", "weight": 1, "fillOpacity": 0.03},
        tooltip=folium.GeoJsonTooltip(["name", "population_estimated"], aliases=["ward", "population"]),
    ).add_to(fmap)
    agencies = folium.FeatureGroup(name="agencies").add_to(fmap)
    for row in amap.layers.agencies.cx[west:east, south:north].itertuples():
        folium.CircleMarker(
            [row.geometry.y, row.geometry.x],
            radius=6,
            color=KIND_COLOURS.get(row.kind, "gray"),
            fill=True,
            fill_opacity=0.9,
            tooltip=f"{row.name or '(unnamed)'} [{row.kind}]",
        ).add_to(agencies)
    authorities = folium.FeatureGroup(name="authorities").add_to(fmap)
    for row in amap.layers.authorities.cx[west:east, south:north].itertuples():
        folium.Marker(
            [row.geometry.y, row.geometry.x],
            icon=folium.Icon(color="purple", icon="university", prefix="fa"),
            tooltip=f"{row.name} [{row.kind}]",
        ).add_to(authorities)
    routes = folium.FeatureGroup(name="routes").add_to(fmap)
    for rank, result in enumerate(results, 1):
        coords = [(lat, lon) for lon, lat in result.route.geometry.coords]
        folium.PolyLine(
            coords,
            weight=6 if rank == 1 else 3,
            color="#1a73e8" if rank == 1 else "#7baaf7",
            tooltip=f"{rank}. {result.name}: {result.travel_time_s / 60:.1f} min, {result.distance_m / 1000:.2f} km",
        ).add_to(routes)
    folium.Marker([start[1], start[0]], tooltip=label, icon=folium.Icon(color="green", icon="home")).add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap


def run(args: argparse.Namespace) -> int:
    amap = load_map(args)
    hit = amap.geocode(args.address)
    start = (float(hit["lon"]), float(hit["lat"]))
    results = nearest.nearest_agencies(amap, *start, k=3)
    out = args.out or paths.REPO_ROOT / "data" / "out" / "demo.html"
    out.parent.mkdir(parents=True, exist_ok=True)
    demo_map(amap, start, hit["label"], results).save(out)
    best = results[0]
    print(f"from {hit['label']}: nearest agency {best.name} ({best.travel_time_s / 60:.1f} min by {args.profile})")
    print(f"map written to {out}")
    return 0
