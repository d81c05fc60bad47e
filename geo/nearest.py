"""Nearest agencies by travel time, with the route along the roads.

The map searches the reversed graph once from every agency at load (:func:`geo.matrix.target_table`); a query
then reads the times at the two ends of the point's edge, so it never searches the graph again. The route is
read back from the next hops stored by that search.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from shapely.ops import substring

from geo import matrix, snap
from geo.addressmap import AddressMap
from geo.network import RoadNetwork
from geo.snap import Snapped


@dataclass(frozen=True)
class Route:
    """A route along the roads.

    Attributes
    ----------
    geometry
        LineString in longitude/latitude, from the start point to the target.
    distance_m
        Length along the roads, m.
    travel_time_s
        Travel time, s.
    """

    geometry: shapely.LineString
    distance_m: float
    travel_time_s: float


@dataclass(frozen=True)
class NearestAgency:
    """One agency in a nearest-agency answer."""

    agency_id: str
    name: str
    kind: str
    travel_time_s: float
    distance_m: float
    route: Route

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready record; ``geometry`` is the route as a GeoJSON LineString."""
        return {
            "agency_id": self.agency_id,
            "name": self.name,
            "kind": self.kind,
            "travel_time_s": round(self.travel_time_s, 1),
            "distance_m": round(self.distance_m, 1),
            "geometry": shapely.geometry.mapping(self.route.geometry),
        }


def _part(network: RoadNetwork, edge: int, start: float, end: float) -> tuple[np.ndarray, float]:
    """Coordinates (metric CRS) and length (m) of an edge between two fractions of its length."""
    piece = substring(network.edge_geom[edge], start, end, normalized=True)
    coords = np.asarray(piece.coords) if not piece.is_empty else np.empty((0, 2))
    return coords, abs(end - start) * float(network.edge_length[edge])


def route_to_target(network: RoadNetwork, table: matrix.TargetTable, point: Snapped, target: int) -> Route:
    """The fastest route from one snapped point to target ``target`` of a table.

    Parameters
    ----------
    network
        The road network the table was built on.
    table
        Table of a one-time reversed search from every target.
    point
        A single snapped point.
    target
        Index of the target in ``table.targets``.

    Returns
    -------
    Route
        Geometry, length and time of the route, partial edges at both ends included.
    """
    e, f = int(point.edge[0]), float(point.fraction[0])
    goal = table.targets.subset([target])
    te, tf = int(goal.edge[0]), float(goal.fraction[0])
    _, nodes, offsets, _ = matrix._arcs_from(network, point)
    via = offsets + table.time_s[target, nodes]
    best = int(np.argmin(via))
    total = float(via[best])
    _, _, direct, _ = matrix._same_road(network, point, goal)
    if len(direct) and direct[0] <= total:
        ahead = tf >= f
        coords, length = _part(network, e, f, tf) if ahead else _part(network, int(network.edge_rev[e]), 1 - f, 1 - tf)
        return _to_route(network, [coords], length, float(direct[0]))

    node = int(nodes[best])
    # Arcs from the point come forwards (to v) first, then backwards (to u): along the reverse edge, or
    # nothing when the point sits on u of a one-way edge.
    if best == 0:
        coords, length = _part(network, e, f, 1)
    elif network.edge_rev[e] >= 0:
        coords, length = _part(network, int(network.edge_rev[e]), 1 - f, 1)
    else:
        coords, length = np.empty((0, 2)), 0.0
    edges = []
    while (edge := int(table.next_edge[target, node])) >= 0:
        edges.append(edge)
        node = int(network.edge_v[edge])
    pieces = [coords, shapely.get_coordinates(network.edge_geom[edges])]
    length += float(network.edge_length[edges].sum())
    if node == network.edge_u[te]:
        coords, part_length = _part(network, te, 0, tf)
    elif network.edge_rev[te] >= 0:
        coords, part_length = _part(network, int(network.edge_rev[te]), 0, 1 - tf)
    else:
        coords, part_length = np.empty((0, 2)), 0.0
    pieces.append(coords)
    return _to_route(network, pieces, length + part_length, total)


def _to_route(network: RoadNetwork, pieces: list, length: float, time_s: float) -> Route:
    coords = np.vstack([np.asarray(p) for p in pieces if len(p)])
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(np.diff(coords, axis=0) != 0, axis=1)
    coords = coords[keep]
    if len(coords) == 1:
        coords = np.vstack([coords, coords])
    lon, lat = network.to_wgs84.transform(coords[:, 0], coords[:, 1])
    return Route(shapely.LineString(np.column_stack([lon, lat])), length, time_s)


def nearest_agencies(
    amap: AddressMap,
    lon: float,
    lat: float,
    *,
    k: int = 3,
    among: np.ndarray | None = None,
    max_distance_m: float | None = snap.DEFAULT_MAX_DISTANCE_M,
) -> list[NearestAgency]:
    """The ``k`` agencies reached soonest from a point, fastest first.

    Parameters
    ----------
    amap
        The loaded map.
    lon, lat
        The citizen's position, degrees.
    k
        How many agencies to return (fewer if the map has fewer).
    among
        Optional boolean mask over ``amap.agencies``: only these agencies are candidates (those accepting a
        procedure, or open now); none may be left, and then the answer is empty.
    max_distance_m
        A point farther than this from every road is off the map (:class:`geo._errors.OutOfAreaError`), m;
        None to start from the nearest road however far (a point in a lake).

    Returns
    -------
    list of NearestAgency
        Sorted by travel time, each with its route.
    """
    point = amap.snap(np.array([lon]), np.array([lat]), max_distance_m=max_distance_m)
    times = matrix.times_to_targets(amap.network, amap.agency_table, point)[0]
    candidates = np.arange(len(times)) if among is None else np.flatnonzero(among)
    order = candidates[np.argsort(times[candidates], kind="stable")][: max(1, k)]
    ids, names, kinds = (amap.agencies[c].to_numpy() for c in ("agency_id", "name", "kind"))
    results = []
    for target in order:
        route = route_to_target(amap.network, amap.agency_table, point, int(target))
        results.append(
            NearestAgency(ids[target], names[target], kinds[target], float(times[target]), route.distance_m, route)
        )
    return results
