"""Points to positions on road edges: projection onto the nearest drivable edge, not the nearest node.

A snapped point sits at ``fraction`` of the way along a directed edge ``u -> v``; travel times from and to it
add the partial edge (see :mod:`geo.matrix`). On a two-way road the point is put on the edge of the pair with
the smaller index, so two points on one road always share an edge.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import shapely
from numba import njit

from geo import _grid
from geo._errors import InputError, OutOfAreaError
from geo.network import RoadNetwork

DEFAULT_MAX_DISTANCE_M = 500.0
"""Farthest a point may lie from any road of the profile before it counts as outside the map, m."""


@dataclass(frozen=True)
class Snapped:
    """Points placed on the road network.

    Attributes
    ----------
    edge
        Index of the edge each point lies on.
    fraction
        Position along that edge from its start node, 0 to 1.
    distance_m
        Straight-line distance from the input point to the road, m.
    lon, lat
        The position on the road, degrees.
    """

    edge: np.ndarray
    fraction: np.ndarray
    distance_m: np.ndarray
    lon: np.ndarray
    lat: np.ndarray

    def __len__(self) -> int:
        return len(self.edge)

    def subset(self, index: np.ndarray | list[int]) -> Snapped:
        """The snapped points at ``index``, in that order."""
        return Snapped(*(getattr(self, f)[index] for f in ("edge", "fraction", "distance_m", "lon", "lat")))


def check_coordinates(lons: np.ndarray, lats: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Longitudes and latitudes as float arrays; :class:`InputError` names the first invalid point."""
    lons = np.atleast_1d(np.asarray(lons, dtype=float))
    lats = np.atleast_1d(np.asarray(lats, dtype=float))
    if lons.shape != lats.shape:
        raise InputError(f"{len(lons)} longitudes but {len(lats)} latitudes")
    bad = ~(np.isfinite(lons) & np.isfinite(lats) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(f"point {i}: invalid coordinates lat={lats[i]}, lon={lons[i]}")
    return lons, lats


def to_edges(
    network: RoadNetwork,
    lons: np.ndarray,
    lats: np.ndarray,
    *,
    max_distance_m: float | None = DEFAULT_MAX_DISTANCE_M,
) -> Snapped:
    """Snap points to the nearest edge of the network.

    Parameters
    ----------
    network
        The road network.
    lons, lats
        Point coordinates, degrees (EPSG:4326).
    max_distance_m
        Points farther than this from every road raise :class:`OutOfAreaError`, m; None for no limit.

    Returns
    -------
    Snapped
        One position per input point, in input order.
    """
    lons, lats = check_coordinates(lons, lats)
    x, y = network.from_wgs84.transform(lons, lats)
    grid, lines = network.grid, network.edge_lines
    edge, fraction, distance, lon, lat = _snap(
        grid.arrays,
        lines.offset,
        lines.along,
        lines.lonlat,
        network.edge_rev,
        np.asarray(x, dtype=float),
        np.asarray(y, dtype=float),
        math.inf if max_distance_m is None else float(max_distance_m),
    )
    if (edge < 0).any():
        missing = int(np.flatnonzero(edge < 0)[0])
        gap = road_distances(network, lons[missing : missing + 1], lats[missing : missing + 1])[0]
        how_far = (
            f"{gap:,.0f} m from the nearest {network.profile} road (limit {max_distance_m:,.0f} m)"
            if np.isfinite(gap) and max_distance_m is not None
            else f"its projection ({network.crs.name}) cannot place it"
        )
        raise OutOfAreaError(
            f"point {missing} (lat={lats[missing]:.6f}, lon={lons[missing]:.6f}) is outside the map: {how_far}"
        )
    return Snapped(edge, fraction, distance, lon, lat)


@njit(cache=True)
def _snap(
    grid: tuple,
    offset: np.ndarray,
    along: np.ndarray,
    lonlat: np.ndarray,
    edge_rev: np.ndarray,
    x: np.ndarray,
    y: np.ndarray,
    limit: float,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Each point's edge (-1 beyond ``limit``, m, from every road; the pair's lower index on a two-way road),
    fraction along it, distance to it (m), and position's longitude and latitude.

    The nearest edge is searched on the segment grid (:attr:`geo._grid.SegmentGrid.arrays`, whose vertices are
    those of the edge lines). The projection onto it
    is what :func:`shapely.line_locate_point`, :func:`shapely.line_interpolate_point`, :func:`shapely.distance`
    and a transform back to longitude/latitude did, in compiled code (their dozen calls per point were a third
    of a nearest-agency answer, bench/api.py): the closest point of each segment, the first closest segment
    kept, as GEOS does. The position's longitude and latitude are interpolated between the segment's two
    vertices (exact transforms of the projected ones) rather than projected back: the projection's curvature
    between two vertices moves it by a few millimetres at most (2.5 mm over 20,000 random points of Hanoi).
    """
    xy = grid[7]
    n = len(x)
    edges = np.full(n, -1, dtype=np.int64)
    fraction, distance, lon, lat = np.zeros(n), np.zeros(n), np.zeros(n), np.zeros(n)
    for p in range(n):
        e = _grid.nearest_edge(grid, x[p], y[p], limit)
        if e < 0:
            continue
        a, b = offset[e], offset[e + 1]
        best, at, share = np.inf, a, 0.0
        for i in range(a, b - 1):
            dx, dy = xy[i + 1, 0] - xy[i, 0], xy[i + 1, 1] - xy[i, 1]
            span = dx * dx + dy * dy
            t = 0.0 if span == 0 else min(max(((x[p] - xy[i, 0]) * dx + (y[p] - xy[i, 1]) * dy) / span, 0.0), 1.0)
            gap = np.hypot(x[p] - (xy[i, 0] + t * dx), y[p] - (xy[i, 1] + t * dy))
            if gap < best:
                best, at, share = gap, i, t
        total = along[b - 1]
        f = min(max((along[at] + share * (along[at + 1] - along[at])) / total, 0.0), 1.0) if total > 0 else 0.0
        rev = edge_rev[e]
        edges[p], fraction[p] = (rev, 1.0 - f) if 0 <= rev < e else (e, f)
        distance[p] = best
        lon[p] = lonlat[at, 0] + share * (lonlat[at + 1, 0] - lonlat[at, 0])
        lat[p] = lonlat[at, 1] + share * (lonlat[at + 1, 1] - lonlat[at, 1])
    return edges, fraction, distance, lon, lat


def road_distances(network: RoadNetwork, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
    """Straight-line distance from each point to the nearest road of the network, m; infinite for a point the
    map's projection cannot place (far around the globe, where it gives no finite coordinates)."""
    lons, lats = check_coordinates(lons, lats)
    points = shapely.points(*network.from_wgs84.transform(lons, lats))
    placed, nearest = network.tree.query_nearest(points, all_matches=False)
    distances = np.full(len(points), np.inf)
    distances[placed] = shapely.distance(points[placed], network.edge_geom[nearest])
    return distances
