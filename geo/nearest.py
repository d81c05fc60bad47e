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

from geo import _routes, matrix, snap
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


def _routes_to(network: RoadNetwork, table: matrix.TargetTable, start: _Start, targets: list[int]) -> list[Route]:
    """The fastest routes from a start to targets of the table (see :func:`route_to_target`), in one compiled
    call (:func:`geo._routes.routes`)."""
    lines = network.edge_lines
    direct = np.full(len(table.targets), np.inf)
    for target, seconds in start.direct_s.items():
        direct[target] = seconds
    coords, offset, length, time = _routes.routes(
        lines.offset,
        lines.along,
        lines.lonlat,
        network.edge_u,
        network.edge_v,
        network.edge_rev,
        network.edge_length,
        table.time_s,
        table.next_edge,
        table.targets.edge,
        table.targets.fraction,
        start.edge,
        start.fraction,
        start.nodes,
        start.arc_time_s,
        direct,
        np.asarray(targets, dtype=np.int64),
    )
    ends = offset.tolist()
    return [
        Route(coords[a:b], distance, total)
        for a, b, distance, total in zip(ends[:-1], ends[1:], length.tolist(), time.tolist(), strict=True)
    ]


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
    return _routes_to(network, table, _Start.of(network, table, point), [target])[0]


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
    targets = order.tolist()
    routes = _routes_to(amap.network, table, start, targets)
    return [
        NearestAgency(ids[t], names[t], kinds[t], float(times[t]), route.distance_m, route)
        for t, route in zip(targets, routes, strict=True)
    ]
