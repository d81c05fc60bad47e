"""Nearest agencies by travel time, with the route along the roads.

The map searches the reversed graph once from every agency at load (:func:`geo.matrix.target_table`); a query
then reads the times at the two ends of the point's edge, so it never searches the graph again. The route is
read back from the next hops stored by that search.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from geo import matrix, snap
from geo.addressmap import AddressMap
from geo.network import RoadNetwork
from geo.snap import Snapped


@dataclass(frozen=True)
class Route:
    """A route along the roads.

    Attributes
    ----------
    coords
        ``(n, 2)`` longitude and latitude of the route, from the start point to the target, degrees.
    distance_m
        Length along the roads, m.
    travel_time_s
        Travel time, s.
    """

    coords: np.ndarray
    distance_m: float
    travel_time_s: float

    @property
    def geometry(self) -> shapely.LineString:
        """The route as a LineString in longitude/latitude."""
        return shapely.LineString(self.coords)


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
            "geometry": {"type": "LineString", "coordinates": self.route.coords.tolist()},
        }


def _part(network: RoadNetwork, edge: int, start: float, end: float) -> tuple[np.ndarray, float]:
    """Coordinates (longitude/latitude) and length (m) of an edge between two fractions of its length.

    The vertices :func:`shapely.ops.substring` keeps (the two ends and the vertices strictly between them),
    read from the network's flat edge lines rather than cut from the projected geometry and projected back;
    on Python floats, as an edge has a handful of vertices.
    """
    lines = network.edge_lines
    a, b = int(lines.offset[edge]), int(lines.offset[edge + 1])
    along, xy = lines.along[a:b].tolist(), lines.lonlat[a:b]
    total = along[-1]

    def point(distance: float) -> list[float]:
        i = min(max(bisect.bisect_right(along, distance) - 1, 0), len(along) - 2)
        span = along[i + 1] - along[i]
        t = min(max((distance - along[i]) / span, 0.0), 1.0) if span > 0 else 0.0
        (x0, y0), (x1, y1) = xy[i].tolist(), xy[i + 1].tolist()
        return [x0 + t * (x1 - x0), y0 + t * (y1 - y0)]

    length = abs(end - start) * float(network.edge_length[edge])
    first = point(start * total)
    if start == end:
        return np.array([first]), length
    inner = xy[bisect.bisect_right(along, start * total) : bisect.bisect_left(along, end * total)]
    return np.vstack([first, inner, point(end * total)]), length


@dataclass(frozen=True)
class _Start:
    """How a snapped point joins the road graph: arcs from it to nodes and direct runs to targets on its edge."""

    edge: int
    fraction: float
    nodes: np.ndarray
    arc_time_s: np.ndarray
    direct_s: dict[int, float]

    @classmethod
    def of(cls, network: RoadNetwork, table: matrix.TargetTable, point: Snapped) -> _Start:
        _, nodes, times, _ = matrix._arcs_from(network, point)
        e = int(point.edge[0])
        direct: dict[int, float] = {}
        on_edge = np.flatnonzero(table.targets.edge == e)
        if len(on_edge):
            _, d, t, _ = matrix._same_road(network, point, table.targets.subset(on_edge))
            direct = {int(on_edge[i]): float(x) for i, x in zip(d, t, strict=True)}
        return cls(e, float(point.fraction[0]), nodes, times, direct)

    def times(self, table: matrix.TargetTable) -> np.ndarray:
        """Travel time to each target of the table, s."""
        best = (self.arc_time_s[:, None] + table.time_s[:, self.nodes].T).min(axis=0)
        for target, time in self.direct_s.items():
            best[target] = min(best[target], time)
        return best


def _route(network: RoadNetwork, table: matrix.TargetTable, start: _Start, target: int) -> Route:
    """The fastest route from a start to target ``target`` of the table (see :func:`route_to_target`)."""
    e, f = start.edge, start.fraction
    te, tf = int(table.targets.edge[target]), float(table.targets.fraction[target])
    via = start.arc_time_s + table.time_s[target, start.nodes]
    best = int(np.argmin(via))
    total = float(via[best])
    direct = start.direct_s.get(target)
    if direct is not None and direct <= total:
        ahead = tf >= f
        coords, length = _part(network, e, f, tf) if ahead else _part(network, int(network.edge_rev[e]), 1 - f, 1 - tf)
        return _to_route([coords], length, direct)

    node = int(start.nodes[best])
    # Arcs from the point come forwards (to v) first, then backwards (to u): along the reverse edge, or
    # nothing when the point sits on u of a one-way edge.
    if best == 0:
        coords, length = _part(network, e, f, 1)
    elif network.edge_rev[e] >= 0:
        coords, length = _part(network, int(network.edge_rev[e]), 1 - f, 1)
    else:
        coords, length = np.empty((0, 2)), 0.0
    edges = table.route_edges(network, target, node)
    pieces = [coords]
    if edges:
        lines, path = network.edge_lines, np.array(edges)
        starts, stops = lines.offset[path], lines.offset[path + 1]
        counts = stops - starts
        pieces.append(lines.lonlat[np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(counts.sum())])
        node = int(network.edge_v[edges[-1]])
        length += float(network.edge_length[path].sum())
    if node == network.edge_u[te]:
        coords, part_length = _part(network, te, 0, tf)
    elif network.edge_rev[te] >= 0:
        coords, part_length = _part(network, int(network.edge_rev[te]), 0, 1 - tf)
    else:
        coords, part_length = np.empty((0, 2)), 0.0
    pieces.append(coords)
    return _to_route(pieces, length + part_length, total)


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
    return _route(network, table, _Start.of(network, table, point), target)


def _to_route(pieces: list[np.ndarray], length: float, time_s: float) -> Route:
    coords = np.vstack([p for p in pieces if len(p)])
    keep = np.ones(len(coords), dtype=bool)
    keep[1:] = np.any(np.diff(coords, axis=0) != 0, axis=1)
    coords = coords[keep]
    if len(coords) == 1:
        coords = np.vstack([coords, coords])
    return Route(coords, length, time_s)


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
    return nearest_from(amap, point, k=k, among=among)


def nearest_from(
    amap: AddressMap, point: Snapped, *, k: int = 3, among: np.ndarray | None = None
) -> list[NearestAgency]:
    """The ``k`` agencies reached soonest from a point already snapped, fastest first.

    The agency table is read at the two ends of the point's edge, never searched again; each route is read back
    from its next hops.

    Parameters
    ----------
    amap
        The loaded map.
    point
        One snapped point (:meth:`geo.addressmap.AddressMap.snap`).
    k, among
        As for :func:`nearest_agencies`.

    Returns
    -------
    list of NearestAgency
        Sorted by travel time, each with its route.
    """
    table = amap.agency_table
    start = _Start.of(amap.network, table, point)
    times = start.times(table)
    candidates = np.arange(len(times)) if among is None else np.flatnonzero(among)
    order = candidates[np.argsort(times[candidates], kind="stable")][: max(1, k)]
    ids, names, kinds = amap.agency_labels
    results = []
    for target in order.tolist():
        route = _route(amap.network, table, start, target)
        results.append(
            NearestAgency(ids[target], names[target], kinds[target], float(times[target]), route.distance_m, route)
        )
    return results
