"""The pages' offline basemap: the project's own roads and wards as compact GeoJSON, built once and cached.

Coordinates are rounded to 5 decimals (about 1 m) and ward outlines simplified, so the main roads load in a
fraction of a second and all roads in about a second over loopback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo.addressmap import AddressMap

log = logging.getLogger(__name__)

MAIN_CLASSES = ("trunk", "primary", "secondary", "tertiary", "trunk_link", "primary_link", "secondary_link")
"""Road classes drawn at low zoom (the first class of a multi-valued ``highway`` decides)."""

WARD_TOLERANCE_DEG = 0.00005
"""Simplification tolerance of ward outlines, degrees (about 5 m)."""

ROAD_TOLERANCE_DEG = 0.00002
"""Simplification tolerance of the main roads drawn in a map file, degrees (about 2 m, less than a road's width
drawn at the zoom a file opens at): a third off their size (central Hanoi's, 239 KB as GeoJSON, 162 KB)."""


def _rounded(geometry: shapely.Geometry) -> dict:
    return shapely.geometry.mapping(shapely.set_precision(geometry, 1e-5))


def _main_class(highway: object) -> str:
    return str(highway).split(";")[0].strip()


def road_geojson(amap: AddressMap, detail: str) -> bytes:
    """Road edges as GeoJSON bytes: ``detail`` ``main`` (main classes) or ``all``; property ``c`` is the class."""
    edges, classes = _roads(amap, detail)
    features = [
        {"type": "Feature", "geometry": _rounded(g), "properties": {"c": c, "n": n or ""}}
        for g, c, n in zip(edges.geometry, classes, edges["name"], strict=True)
    ]
    log.info("basemap %s: %d road features", detail, len(features))
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


def main_roads(amap: AddressMap, bounds: Sequence[float]) -> shapely.Geometry:
    """The main roads crossing ``bounds`` (west, south, east, north, degrees) as one geometry, simplified
    (:data:`ROAD_TOLERANCE_DEG`) and to 5 decimals: the background of a map exported as a file (:mod:`api.maps`)."""
    edges, _ = _roads(amap, "main")
    lines = edges.geometry.to_numpy()
    crossing = shapely.multilinestrings(lines[shapely.intersects(lines, shapely.box(*bounds))])
    return shapely.set_precision(shapely.simplify(crossing, ROAD_TOLERANCE_DEG), 1e-5)


def _roads(amap: AddressMap, detail: str) -> tuple[gpd.GeoDataFrame, np.ndarray]:
    """The road edges of ``detail`` (``main`` classes or ``all``), one direction of a two-way road, and their
    classes."""
    edges = amap.network.edges_frame()
    classes = np.array([_main_class(h) for h in edges["highway"]])
    if detail == "main":
        edges, classes = edges[np.isin(classes, MAIN_CLASSES)], classes[np.isin(classes, MAIN_CLASSES)]
    # Both directions of a two-way road are separate edges: draw one.
    u, v = edges["u"].to_numpy(), edges["v"].to_numpy()
    keep = ~(edges["oneway"].to_numpy() == False) | (u <= v)  # noqa: E712
    return edges[keep], classes[keep]


def ward_geojson(amap: AddressMap) -> bytes:
    """Ward outlines with ``ward_id``, ``name``, ``kind``, ``population`` and ``area_km2`` as GeoJSON bytes."""
    wards = amap.layers.wards
    features = [
        {
            "type": "Feature",
            "geometry": _rounded(shapely.simplify(g, WARD_TOLERANCE_DEG)),
            "properties": {"ward_id": str(i), "name": n, "kind": k, "population": int(p), "area_km2": float(a)},
        }
        for g, i, n, k, p, a in zip(
            wards.geometry,
            wards["ward_id"],
            wards["name"],
            wards["kind"],
            wards["population"].fillna(0),
            wards["area_km2"].fillna(0),
            strict=True,
        )
    ]
    return json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False).encode()


class Basemap:
    """The basemap layers of one map, each built on first use and kept."""

    def __init__(self, amap: AddressMap) -> None:
        self.amap = amap
        self._cache: dict[str, bytes] = {}

    def roads(self, detail: str) -> bytes:
        """Roads GeoJSON (:func:`road_geojson`)."""
        if detail not in self._cache:
            self._cache[detail] = road_geojson(self.amap, detail)
        return self._cache[detail]

    def wards(self) -> bytes:
        """Wards GeoJSON (:func:`ward_geojson`)."""
        if "wards" not in self._cache:
            self._cache["wards"] = ward_geojson(self.amap)
        return self._cache["wards"]
