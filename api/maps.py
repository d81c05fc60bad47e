"""Map exports of the faces: a dispatch plan's routes (:func:`ops.scenario.route_lines`) as one HTML file that draws
offline (:mod:`geo.webmap`), in the reader's language."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import shapely

from api import basemap, i18n
from geo import webmap
from geo.addressmap import AddressMap
from geo.siting.access import Coverage
from geo.siting.scenario import SiteScenario, drawn, layers
from routing.problem import hhmm

COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999", "#66c2a5")
"""Route colours, one per postman (ColorBrewer Set1)."""

LEAFLET_URL = "/static/leaflet"
"""Where the service serves Leaflet: its maps link it there rather than carry it."""

ROADS_PANE = "roads"
"""The pane of a map's roads, under Leaflet's overlays (z-index 350 < 400)."""

MARGIN_DEG = 0.005
"""Least room around the routes on the map, degrees (about 500 m); half their extent when that is more (the roads
drawn fill the window the map opens in)."""


def route_map(geojson: dict, texts: Mapping[str, Any], amap: AddressMap | None = None) -> folium.Map:
    """A map of :func:`ops.scenario.route_lines`: one layer per postman in his colour (named by a swatch of it in the
    layer control), numbered stops with their kind, task, time and place, over the main roads of ``amap`` when given
    (:func:`api.basemap.main_roads`).

    Parameters
    ----------
    geojson
        The routes and stops.
    texts
        A catalogue of :mod:`api.i18n` (its ``maps`` and ``kind`` parts).
    amap
        The map the plan was made on; none for the routes alone.
    """
    said = texts["maps"]
    features = geojson["features"]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    west, south, east, north = shapely.GeometryCollection(shapes).bounds if shapes else (0.0, 0.0, 0.0, 0.0)
    fmap = webmap.new_map((west, south, east, north), said)
    if amap is not None:
        dx, dy = max(MARGIN_DEG, (east - west) / 2), max(MARGIN_DEG, (north - south) / 2)
        add_roads(fmap, amap, (west - dx, south - dy, east + dx, north + dy), said)
    postmen = sorted({f["properties"]["postman"] for f in features})
    colour = {p: COLOURS[i % len(COLOURS)] for i, p in enumerate(postmen)}
    layers: dict[str, folium.FeatureGroup] = {}
    for feature in features:
        props = feature["properties"]
        name = props.get("postman_name") or props["postman"]
        if props["postman"] not in layers:
            swatch = f'<span style="color:{colour[props["postman"]]}">■</span> {html.escape(name)}'
            layers[props["postman"]] = folium.FeatureGroup(name=swatch)
            layers[props["postman"]].add_to(fmap)
        layer, paint = layers[props["postman"]], colour[props["postman"]]
        if feature["geometry"]["type"] == "LineString" and feature["geometry"]["coordinates"]:
            coords = [(y, x) for x, y in feature["geometry"]["coordinates"]]
            folium.PolyLine(coords, color=paint, weight=4, tooltip=name).add_to(layer)
        elif feature["geometry"]["type"] == "Point":
            x, y = feature["geometry"]["coordinates"]
            label = said["stop"].format(
                postman=name,
                seq=props["seq"],
                kind=texts["kind"].get(props["kind"], props["kind"]),
                task=props["task"] or "",
                time=hhmm(props["arrival"]),
                place=props["name"],
            )
            folium.Marker(
                [y, x],
                tooltip=" ".join(label.split()),  # no double space where a stop has no task
                icon=folium.DivIcon(
                    class_name="stop",
                    html=f'<div style="background:{paint};color:#fff;border-radius:9px;'
                    f'width:18px;text-align:center;font:11px sans-serif">{props["seq"]}</div>',
                ),
            ).add_to(layer)
    return fmap


def add_roads(fmap: folium.Map, amap: AddressMap, bounds: Sequence[float], texts: Mapping[str, str]) -> folium.Map:
    """Draw the main roads of ``amap`` crossing ``bounds`` (west, south, east, north) on ``fmap`` in grey, its
    background: in a pane of their own under the map's other layers whatever the order they are added in (a ward's
    shading over them, a site's marker above), named by the ``maps`` texts of a catalogue."""
    folium.map.CustomPane(ROADS_PANE, z_index=350, pointer_events=False).add_to(fmap)
    folium.GeoJson(
        shapely.geometry.mapping(basemap.main_roads(amap, bounds)),
        name=texts["roads"],
        style_function=lambda _f: {"color": "#9aa0a6", "weight": 2, "opacity": 0.8},
        pane=ROADS_PANE,
        interactive=False,
    ).add_to(fmap)
    return fmap


def coverage_map(result: Coverage, amap: AddressMap, lang: str, *, minutes: float | None = None) -> folium.Map:
    """A coverage map (:meth:`geo.siting.access.Coverage.folium_map`, at ``minutes``) in ``lang``, over the main
    roads of its wards."""
    texts = i18n.catalogue(lang)
    fmap = result.folium_map(texts, minutes=minutes)
    return add_roads(fmap, amap, tuple(result.wards.total_bounds), texts["maps"])


def scenario_map(result: SiteScenario, amap: AddressMap, lang: str) -> folium.Map:
    """A siting scenario's map (:meth:`geo.siting.scenario.SiteScenario.folium_map`) in ``lang``, over the main roads of
    the wards it covers."""
    texts = i18n.catalogue(lang)
    fmap = result.folium_map(texts)
    return add_roads(fmap, amap, tuple(result.before.wards.total_bounds), texts["maps"])


def stored_scenario_map(geojson: dict, minutes: float, amap: AddressMap, lang: str) -> folium.Map:
    """A stored scenario's map, drawn from its GeoJSON (:func:`geo.siting.scenario.layers`) in ``lang`` as the
    catalogue says it today, over the main roads of its wards."""
    texts = i18n.catalogue(lang)
    before, after, sites = layers(geojson)
    fmap = drawn(before, after, sites, minutes, texts)
    return add_roads(fmap, amap, tuple(before.total_bounds), texts["maps"])


def save(fmap: folium.Map, path: Path, lang: str, title: str) -> None:
    """Write a map of :func:`geo.webmap.new_map` to ``path`` as one HTML file in ``lang`` that draws offline, entitled
    by the ``maps`` text ``title`` of the catalogue."""
    path.parent.mkdir(parents=True, exist_ok=True)
    said = i18n.catalogue(lang)["maps"]
    webmap.save(fmap, path, said, title=said[title])


def served(fmap: folium.Map, lang: str, title: str, *, standalone: bool = False) -> str:
    """A map of :func:`geo.webmap.new_map` as an HTML page of the service in ``lang``, entitled by the ``maps`` text
    ``title`` of the catalogue: linking the service's Leaflet (:data:`LEAFLET_URL`), or carrying it when
    ``standalone`` (a page to keep or send as a file)."""
    said = i18n.catalogue(lang)["maps"]
    return webmap.document(fmap, said, title=said[title], leaflet=None if standalone else LEAFLET_URL)
