"""What is at a point of the map, in words: its address or its street, and its ward (reverse geocoding).

A citizen who clicks the map, and an agency OSM gives no address, are told the nearest numbered address point
within :data:`ADDRESS_RADIUS_M` ("18 Nguyễn Du"), else the name of the nearest named road within
:data:`STREET_RADIUS_M` ("Phố Huế"), else nothing: a point off the map's roads (the POI layers cover the whole
city, the road extracts a part of it) is not given the name of a road kilometres away. This is what Nominatim's
``/reverse`` answers at its "building" and "street" zoom levels; here over the map's own layers, in memory.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo._grid import SegmentGrid, nearest_edge
from geo.network import RoadNetwork

ADDRESS_RADIUS_M = 40.0
"""A numbered address point this close to a point is its address, m (a house's frontage and a shop inside)."""

ROAD_CLASSES = ("motorway", "trunk", "primary", "secondary", "tertiary", "unclassified", "residential")
"""OSM's road classes, major first (a ``_link`` ranks with its road; other classes after these)."""

STREET_RADIUS_M = 150.0
"""A named road this close to a point is its street when no address point is, m. The agencies of the central map
lie within 150 m of a named road or beyond 290 m of any (off the extract's roads)."""


@dataclass(frozen=True)
class Described:
    """What is at a point (:meth:`Reverse.at`)."""

    label: str | None
    """The nearest numbered address ("18 Nguyễn Du") or named road ("Phố Huế"); None when neither is near."""
    kind: str | None
    """``address`` or ``street``, as ``label`` is; None with it."""
    distance_m: float | None
    """From the point to the address point, or to the road, m."""
    lon: float | None
    lat: float | None
    """The address point, or the road's point nearest the point, degrees."""
    ward: str | None
    """The ward (or commune) the point lies in ("Phường Cửa Nam"); None outside every ward of the map."""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record, the fields by name (``dataclasses.asdict`` costs as much as finding them)."""
        return dict(vars(self))


class Reverse:
    """The numbered addresses, named roads and wards of a map, to say what is at a point (see the module).

    Parameters
    ----------
    addresses
        Address points with ``housenumber`` and ``street`` (the ``addresses`` layer, EPSG:4326); those lacking
        either are left out.
    network
        The road network; its named edges are the streets.
    wards
        Ward areas with ``name`` (EPSG:4326); none by default.
    """

    def __init__(self, addresses: gpd.GeoDataFrame, network: RoadNetwork, wards: gpd.GeoDataFrame | None = None):
        numbered = addresses[(addresses["housenumber"] != "") & (addresses["street"] != "")]
        self._network = network
        x, y = network.from_wgs84.transform(numbered.geometry.x.to_numpy(), numbered.geometry.y.to_numpy())
        self._houses = np.column_stack([x, y]).reshape(-1, 2)
        self._house_label = (numbered["housenumber"] + " " + numbered["street"]).tolist()
        # Major roads first: the grid keeps the first of equally near roads, so that a corner is said on the
        # larger street ("Phố Phan Đình Phùng", not the lane it meets there).
        named = np.flatnonzero(network.edge_name != "")
        named = named[np.argsort([_rank(str(h)) for h in network.edge_highway[named]], kind="stable")]
        self._roads = network.edge_geom[named]
        # osmnx joins the names of merged ways with "; ": the first is the road's.
        self._road_name = [str(n).split(";")[0].strip() for n in network.edge_name[named]]
        # Both searched on the compiled grid the snapping uses (a house is a segment of no length): an STRtree's
        # or a k-d tree's query of one point costs several times more in calls than in search.
        self._house_grid = _grid(np.repeat(self._houses, 2, axis=0), np.arange(0, 2 * len(self._houses) + 1, 2))
        coords, index = shapely.get_coordinates(self._roads, return_index=True)
        self._road_grid = _grid(coords, np.searchsorted(index, np.arange(len(self._roads) + 1)))
        self._ward_names = [] if wards is None else wards["name"].astype(str).tolist()
        self._ward_tree = None if wards is None else shapely.STRtree(wards.geometry.values)

    def labels(self, x: np.ndarray, y: np.ndarray) -> tuple[list[str], list[str]]:
        """What is at many points, in the network's metres: each point's label and kind (``""`` for none; see
        :class:`Described`)."""
        places = [self._place(float(px), float(py)) for px, py in zip(x, y, strict=True)]
        return [place[0] for place in places], [place[1] for place in places]

    def at(self, lon: float, lat: float) -> Described:
        """What is at the point (``lon``, ``lat``, degrees): its address or street, and its ward."""
        x, y = self._network.from_wgs84.transform(lon, lat)
        label, kind, distance, px, py = self._place(float(x), float(y))
        if not kind:
            return Described(None, None, None, None, None, self._ward(lon, lat))
        # To 1e-7 degree (1 cm), as the answers' coordinates.
        place_lon, place_lat = self._network.to_wgs84.transform(px, py)
        return Described(
            label, kind, round(distance, 1), round(place_lon, 7), round(place_lat, 7), self._ward(lon, lat)
        )

    def _place(self, x: float, y: float) -> tuple[str, str, float, float, float]:
        """The label, kind, distance (m) and point (x, y, m) of what is at ``(x, y)`` (network metres); an empty
        kind for nothing near. One point at a time: a click is one, and a batch's arrays cost more than this
        for one (the agencies without an address are a few dozen)."""
        house = -1 if self._house_grid is None else nearest_edge(self._house_grid, x, y, ADDRESS_RADIUS_M)
        if house >= 0:
            hx, hy = self._houses[house]
            return self._house_label[house], "address", math.hypot(hx - x, hy - y), float(hx), float(hy)
        road = -1 if self._road_grid is None else nearest_edge(self._road_grid, x, y, STREET_RADIUS_M)
        if road < 0:
            return "", "", math.nan, math.nan, math.nan
        point = shapely.Point(x, y)
        nearest = shapely.get_point(shapely.shortest_line(self._roads[road], point), 0)
        return self._road_name[road], "street", float(shapely.distance(point, nearest)), nearest.x, nearest.y

    def _ward(self, lon: float, lat: float) -> str | None:
        """The name of the ward the point lies in (the first of the map's, on a border); None outside every one."""
        if self._ward_tree is None:
            return None
        inside = self._ward_tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self._ward_names[int(inside.min())] if inside.size else None


def _grid(xy: np.ndarray, offset: np.ndarray) -> tuple | None:
    """The compiled grid (:attr:`geo._grid.SegmentGrid.arrays`) of lines with vertices ``xy`` (m), line ``j`` at
    ``offset[j]:offset[j + 1]``; None for no line."""
    return SegmentGrid.build(xy, offset).arrays if len(offset) > 1 else None


def _rank(highway: str) -> int:
    """The rank of a road's class in :data:`ROAD_CLASSES` (osmnx joins a merged way's classes with "; ": its
    best), after them for another."""
    ranks = [
        ROAD_CLASSES.index(c)
        for c in (part.strip().removesuffix("_link") for part in highway.split(";"))
        if c in ROAD_CLASSES
    ]
    return min(ranks, default=len(ROAD_CLASSES))
