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

import geopandas as gpd
import numpy as np
import shapely

from geo.network import RoadNetwork

ADDRESS_RADIUS_M = 40.0
"""A numbered address point this close to a point is its address, m (a house's frontage and a shop inside)."""

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
        self._houses = shapely.points(x, y)
        self._house_tree = shapely.STRtree(self._houses)
        self._house_label = (numbered["housenumber"] + " " + numbered["street"]).to_numpy(dtype=object)
        named = np.flatnonzero(network.edge_name != "")
        self._roads = network.edge_geom[named]
        self._road_tree = shapely.STRtree(self._roads)
        # osmnx joins the names of merged ways with "; ": the first is the road's.
        self._road_name = np.array([str(n).split(";")[0].strip() for n in network.edge_name[named]], dtype=object)
        self._ward_names = [] if wards is None else wards["name"].astype(str).tolist()
        self._ward_tree = None if wards is None else shapely.STRtree(wards.geometry.values)

    def labels(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """What is at many points, in the network's metres: each point's label and kind (``""`` for none, see
        :class:`Described`), its distance to that place (m, NaN for none) and the place's point (shapely points
        in metres, None for none)."""
        points = shapely.points(np.asarray(x, dtype=float), np.asarray(y, dtype=float))
        label = np.full(points.size, "", dtype=object)
        kind = np.full(points.size, "", dtype=object)
        distance = np.full(points.size, np.nan)
        at = np.full(points.size, None, dtype=object)
        for tree, names, places, what, radius in (
            (self._house_tree, self._house_label, self._houses, "address", ADDRESS_RADIUS_M),
            (self._road_tree, self._road_name, self._roads, "street", STREET_RADIUS_M),
        ):
            rest = np.flatnonzero(kind == "")
            if not rest.size or not names.size:
                continue
            (rows, hits), metres = tree.query_nearest(
                points[rest], max_distance=radius, return_distance=True, all_matches=False
            )
            found = rest[rows]
            label[found], kind[found], distance[found] = names[hits], what, metres
            # The place's point: an address point itself, a road's point nearest the point.
            at[found] = shapely.get_point(shapely.shortest_line(places[hits], points[found]), 0)
        return label, kind, distance, at

    def at(self, lon: float, lat: float) -> Described:
        """What is at the point (``lon``, ``lat``, degrees): its address or street, and its ward."""
        x, y = self._network.from_wgs84.transform(lon, lat)
        label, kind, distance, at = (column[0] for column in self.labels(np.array([x]), np.array([y])))
        place_lon = place_lat = None
        if at is not None:
            # To 1e-7 degree (1 cm), as the answers' coordinates.
            place_lon, place_lat = (round(float(v), 7) for v in self._network.to_wgs84.transform(at.x, at.y))
        return Described(
            label or None,
            kind or None,
            None if math.isnan(distance) else round(float(distance), 1),
            place_lon,
            place_lat,
            self._ward(lon, lat),
        )

    def _ward(self, lon: float, lat: float) -> str | None:
        """The name of the ward the point lies in (the first of the map's, on a border); None outside every one."""
        if self._ward_tree is None:
            return None
        inside = self._ward_tree.query(shapely.Point(lon, lat), predicate="intersects")
        return self._ward_names[int(inside.min())] if inside.size else None
