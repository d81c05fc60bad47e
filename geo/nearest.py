"""Nearest agencies by travel time, with the route along the roads.

The map searches the reversed graph once from every agency at load (:func:`geo.matrix.target_table`); a query
then reads the times at the two ends of the point's edge, so it never searches the graph again. The route is
read back from the next hops stored by that search.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from numba import njit

from geo import _routes, matrix, snap
from geo.addressmap import AddressMap
from geo.network import RoadNetwork
from geo.snap import Snapped

ON_FOOT_M = 20.0
"""An agency this close behind the point on its own one-way road is reached there, along the kerb on foot with the
motorbike pushed, not by a loop round the block (m, timed at the road's speed): the point of an agency chosen on
the map, rounded to six decimals (10 cm), could fall past its own door on Đinh Tiên Hoàng and lose it from its
own nearest agencies."""


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


@dataclass(frozen=True)
class Found:
    """The agencies reached soonest from a point, fastest first, as arrays (:func:`find`).

    Attributes
    ----------
    point
        The point as snapped onto the roads.
    targets
        Row of each agency in :attr:`geo.addressmap.AddressMap.agencies`.
    travel_time_s, distance_m
        Travel time (s) and length along the roads (m) of each route.
    coords
        The routes' vertices (longitude, latitude) one after the other: route ``i`` is
        ``coords[offset[i]:offset[i + 1]]``, from the point to the agency.
    offset
        Where each route starts in ``coords``, and where the last ends.
    """

    point: Snapped
    targets: np.ndarray
    travel_time_s: np.ndarray
    distance_m: np.ndarray
    coords: np.ndarray
    offset: np.ndarray
    inside: int = 0
    """How many of the agencies, listed first, lie inside the area asked (a ward, :func:`find_from`); 0 else."""

    def agencies(self, amap: AddressMap) -> list[NearestAgency]:
        """The agencies found, each with its route."""
        ids, names, kinds = amap.agency_labels
        ends = self.offset.tolist()
        return [
            NearestAgency(ids[t], names[t], kinds[t], time, length, Route(self.coords[a:b], length, time))
            for t, time, length, a, b in zip(
                self.targets.tolist(),
                self.travel_time_s.tolist(),
                self.distance_m.tolist(),
                ends[:-1],
                ends[1:],
                strict=True,
            )
        ]


def find(
    amap: AddressMap,
    lon: float,
    lat: float,
    *,
    k: int = 3,
    among: np.ndarray | None = None,
    max_distance_m: float | None = snap.DEFAULT_MAX_DISTANCE_M,
) -> Found:
    """The ``k`` agencies reached soonest from a point, fastest first, in one compiled call after the point's
    projection (see :func:`nearest_agencies`, which lists them; ``lon`` and ``lat`` are checked by the caller).

    The point is snapped as :func:`geo.snap.to_edges` does, the agency table read at the two ends of its edge
    (never searched again) and each route read back from the table's next hops.
    """
    x, y = amap.network.from_wgs84.transform(lon, lat)
    found = _find_at(amap, float(x), float(y), k=k, among=among, max_distance_m=max_distance_m)
    if found.point.edge[0] < 0:
        amap.snap(np.array([lon]), np.array([lat]), max_distance_m=max_distance_m)  # raises, saying how far
    return found


def find_from(
    amap: AddressMap,
    lon: float,
    lat: float,
    area: shapely.Geometry | None = None,
    *,
    within: bool = False,
    k: int = 3,
    among: np.ndarray | None = None,
) -> Found:
    """The ``k`` agencies reached soonest from a point, or from the place ``area`` stands for
    (:attr:`geo.addressmap.Located.area`), fastest first. Any point of the map is answered, from its nearest road
    however far (a point in a lake).

    - A landmark's own area or a street's line is left from any point of its edge. "Gần hồ gươm" (near the lake)
      is near its shore all round: from a point of the lake, snapped to its nearest road (one-way Đinh Tiên
      Hoàng), the main post office on that road, behind the point, was not even among the nearest six; "phố
      Huế" is the whole street, not its middle. The edge is sampled every :data:`EDGE_SPACING_M` (at most
      :data:`EDGE_POINTS` points), each point searched from as :func:`find` does (each a compiled call), and
      each agency kept from the point it is reached soonest from; its route starts there, and the answer's
      :attr:`Found.point` is the first route's start (the point is the area's, for the map, not searched from).
    - An area ``within`` (a ward: "làm căn cước ở Hoàn Kiếm") lists the agencies inside it first, then the
      nearest outside, each set fastest first from the point (:attr:`Found.inside` says how many are inside):
      asked for those in a ward, an agency over its border nearer the point is not one of them.
    """
    if area is None:
        return find(amap, lon, lat, k=k, among=among, max_distance_m=None)
    mask = _mask(amap, among)  # once for every search
    if within:
        inside = amap.agencies_in(area)
        x, y = amap.network.from_wgs84.transform(lon, lat)
        first = _find_at(amap, float(x), float(y), k=k, among=mask & inside, max_distance_m=None)
        if first.targets.size == k:
            return replace(first, inside=k)
        rest = _find_at(amap, float(x), float(y), k=k - first.targets.size, among=mask & ~inside, max_distance_m=None)
        both = _picked([first, rest], np.arange(first.targets.size + rest.targets.size))
        return replace(both, inside=first.targets.size)
    xs, ys = edge_points(area, amap.network)
    return _soonest(
        [_find_at(amap, px, py, k=k, among=mask, max_distance_m=None) for px, py in zip(xs, ys, strict=True)], k
    )


EDGE_SPACING_M = 50.0
"""Points of an area's edge (a lake's shore) are searched from this far apart along it, m: a road along the
shore is reached from the edge within half of it."""

EDGE_POINTS = 64
"""At most this many points of an edge are searched from (a park of 3 km round is sampled every 50 m; a larger
area more sparsely)."""


def edge_points(shape: shapely.Geometry, network: RoadNetwork) -> tuple[list[float], list[float]]:
    """Points along a shape's edge (degrees in), in the network's metres: a polygon's outer rings (an island in a
    lake is left out), a line itself; :data:`EDGE_SPACING_M` apart, at most :data:`EDGE_POINTS`, at the middle
    of equal stretches."""
    parts = shapely.get_parts(shape)
    polygons = shapely.get_type_id(parts) == shapely.GeometryType.POLYGON
    edge = shapely.multilinestrings(np.where(polygons, shapely.get_exterior_ring(parts), parts))
    edge = shapely.transform(edge, lambda xy: np.column_stack(network.from_wgs84.transform(xy[:, 0], xy[:, 1])))
    length = float(shapely.length(edge))
    n = min(EDGE_POINTS, max(1, math.ceil(length / EDGE_SPACING_M)))
    points = shapely.line_interpolate_point(edge, (np.arange(n) + 0.5) * length / n)
    return shapely.get_x(points).tolist(), shapely.get_y(points).tolist()


def _find_at(
    amap: AddressMap, x: float, y: float, *, k: int, among: np.ndarray | None, max_distance_m: float | None
) -> Found:
    """:func:`find` from the point ``(x, y)`` in the network's metres; its point's edge is -1 when it is beyond
    ``max_distance_m`` of every road."""
    edge, fraction, distance, at_lon, at_lat, targets, times, coords, offset, length = _find(
        amap.network.grid.arrays,
        _arrays(amap.network, amap.agency_table),
        x,
        y,
        math.inf if max_distance_m is None else float(max_distance_m),
        _mask(amap, among),
        k,
    )
    return Found(Snapped(edge, fraction, distance, at_lon, at_lat), targets, times, length, coords, offset)


def _mask(amap: AddressMap, among: np.ndarray | None) -> np.ndarray:
    """``among`` as the boolean mask over the agencies the compiled search takes (a mask is taken as it is)."""
    return np.ones(len(amap.agencies), dtype=np.bool_) if among is None else np.asarray(among, dtype=np.bool_)


def _soonest(found: list[Found], k: int) -> Found:
    """The ``k`` targets of several answers reached soonest, each from the answer reaching it soonest (the first
    of equal ones), fastest first, with their routes; the point is that of the first route's answer."""
    targets = np.concatenate([f.targets for f in found])
    times = np.concatenate([f.travel_time_s for f in found])
    source = np.repeat(np.arange(len(found)), [f.targets.size for f in found])
    order = np.lexsort((source, times))
    _, first = np.unique(targets[order], return_index=True)
    return _picked(found, order[np.sort(first)][:k])


def _picked(found: list[Found], at: np.ndarray) -> Found:
    """The targets at positions ``at`` of the answers' targets one after the other, in that order, with their
    routes; the point is that of the first one's answer (the first answer's when none is picked)."""
    start = np.concatenate([[0], np.cumsum([f.targets.size for f in found])])
    source = np.searchsorted(start, at, side="right") - 1
    routes = [
        found[s].coords[found[s].offset[i] : found[s].offset[i + 1]]
        for s, i in zip(source.tolist(), (at - start[source]).tolist(), strict=True)
    ]
    offset = np.concatenate([[0], np.cumsum([len(r) for r in routes])]).astype(np.int64)
    point = found[int(source[0]) if source.size else 0].point
    coords = np.concatenate(routes) if routes else np.zeros((0, 2))
    return Found(
        point,
        np.concatenate([f.targets for f in found])[at],
        np.concatenate([f.travel_time_s for f in found])[at],
        np.concatenate([f.distance_m for f in found])[at],
        coords,
        offset,
    )


def _arrays(network: RoadNetwork, table: matrix.TargetTable) -> tuple:
    """The network's and the table's arrays as :func:`_fastest` takes them, in its order."""
    lines = network.edge_lines
    return (
        lines.offset,
        lines.along,
        lines.lonlat,
        network.edge_u,
        network.edge_v,
        network.edge_rev,
        network.edge_length,
        network.edge_time,
        table.time_s,
        table.next_edge,
        table.targets.edge,
        table.targets.fraction,
    )


@njit(cache=True)
def _find(grid: tuple, arrays: tuple, x: float, y: float, limit: float, among: np.ndarray, k: int) -> tuple:
    """:func:`geo.snap._snap` of the point ``(x, y)`` on ``grid`` (:attr:`geo._grid.SegmentGrid.arrays`), then
    :func:`_fastest` from it with ``arrays`` (:func:`_arrays`); nothing beyond ``limit`` (m)."""
    offset, along, lonlat, _, _, edge_rev = arrays[:6]
    point = snap._snap(grid, offset, along, lonlat, edge_rev, np.array([x]), np.array([y]), limit)
    edge, fraction = point[0][0], point[1][0]
    if edge < 0:
        none = np.zeros(0, dtype=np.int64)
        return (*point, none, np.zeros(0), np.zeros((0, 2)), np.zeros(1, dtype=np.int64), np.zeros(0))
    return (*point, *_fastest(arrays, edge, fraction, among, k))


@njit(cache=True)
def _fastest(
    arrays: tuple,
    edge: int,
    fraction: float,
    among: np.ndarray,
    k: int,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` targets of ``among`` reached soonest from the point at ``fraction`` of ``edge``, stable on ties.

    The point leaves its edge forwards (to ``v``) or, on a two-way road or at ``u`` itself, backwards (to ``u``),
    as :func:`geo.matrix.times_to_targets` has it, or runs along its edge to a target ahead on it (or behind it, on
    a two-way road or within :data:`ON_FOOT_M` on a one-way one); each target's
    time is read at those ends in the table. Done with numpy, these steps were a dozen small-array calls for a
    few microseconds of work each (bench/api.py). ``arrays`` are the network's and the table's (:func:`_arrays`).

    Returns
    -------
    targets, times_s, coords, offset, length_m
        The targets and their times; their routes as :func:`geo._routes.routes` gives them.
    """
    _, _, _, edge_u, edge_v, edge_rev, edge_length, edge_time, time_s, _, target_edge, target_fraction = arrays
    rev = edge_rev[edge]
    back = rev >= 0 or fraction * edge_length[edge] <= matrix.AT_NODE_M
    nodes = np.array([edge_v[edge], edge_u[edge]])[: 2 if back else 1]
    arc = np.array([(1 - fraction) * edge_time[edge], fraction * edge_time[rev] if rev >= 0 else 0.0])[: len(nodes)]
    n = len(target_edge)
    direct = np.full(n, np.inf)
    best = np.full(n, np.inf)
    for t in range(n):
        if not among[t]:
            continue
        for j in range(len(nodes)):
            best[t] = min(best[t], arc[j] + time_s[t, nodes[j]])
        if target_edge[t] == edge:
            tf = target_fraction[t]
            if tf >= fraction:
                direct[t] = (tf - fraction) * edge_time[edge]
            elif rev >= 0:
                direct[t] = (fraction - tf) * edge_time[rev]
            elif (fraction - tf) * edge_length[edge] <= ON_FOOT_M:
                direct[t] = (fraction - tf) * edge_time[edge]
            best[t] = min(best[t], direct[t])
    candidates = np.flatnonzero(among)
    order = candidates[np.argsort(best[candidates], kind="mergesort")][: max(1, k)]
    coords, starts, lengths, totals = _routes.routes(arrays, edge, fraction, nodes, arc, direct, order)
    return order, totals, coords, starts, lengths


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
    among = np.zeros(len(table.targets), dtype=np.bool_)
    among[target] = True
    _, times, coords, _, length = _fastest(
        _arrays(network, table), int(point.edge[0]), float(point.fraction[0]), among, 1
    )
    return Route(coords, float(length[0]), float(times[0]))


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
    snap.check_coordinates(np.array([lon]), np.array([lat]))
    return find(amap, lon, lat, k=k, among=among, max_distance_m=max_distance_m).agencies(amap)
