"""Service areas (isochrones) of agencies: where a citizen can ride from to reach an agency within T minutes.

The area is built from the road edges, not from circles: every edge a citizen can start anywhere on and still
arrive in time, plus the reached part of the edges only partly within reach, buffered by
:data:`DEFAULT_BUFFER_M` (the houses along the alley) and unioned into polygons.

Direction: travel TO the agency. The times are those of a :class:`geo.matrix.TargetTable` (node -> agency, the
map's ``agency_table`` for existing agencies), so one-way streets are respected in the direction citizens ride,
and no new search is needed. A point at fraction ``f`` of a directed edge ``u -> v`` of travel time ``tau``
reaches the agency in ``(1 - f) tau + time(v)``, as in :func:`geo.matrix.times_to_targets`; the opposite
direction of a two-way road is its own edge, so both sides are covered; points on the agency's own edge may
also ride straight to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import shapely

from geo._errors import InputError
from geo.matrix import TargetTable
from geo.network import RoadNetwork

log = logging.getLogger(__name__)

DEFAULT_MINUTES: tuple[int, ...] = (5, 10, 15)
"""Thresholds of the service areas, min."""

DEFAULT_BUFFER_M = 50.0
"""Half-width of the area around a reached road, m: the depth of the houses along a Hanoi street or alley."""

QUAD_SEGMENTS = 4
"""Segments per quarter circle of the buffers' round caps; 4 keeps polygons small, error < 2 m at 50 m."""


def substrings(geoms: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """The parts of linestrings between two fractions of their length, vectorised.

    Parameters
    ----------
    geoms
        Linestrings.
    start, end
        Fractions (0-1) of each line's length where its part begins and ends; ``start <= end``.

    Returns
    -------
    numpy.ndarray
        One linestring per input, through the original vertices between the two ends.
    """
    geoms = np.asarray(geoms, dtype=object)
    start = np.clip(np.asarray(start, dtype=float), 0.0, 1.0)
    end = np.clip(np.asarray(end, dtype=float), start, 1.0)
    n = len(geoms)
    if n == 0:
        return np.array([], dtype=object)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    step = np.hypot(*np.diff(coords, axis=0).T)
    step[index[1:] != index[:-1]] = 0.0
    along = np.concatenate([[0.0], np.cumsum(step)])
    first = np.searchsorted(index, np.arange(n))
    along -= along[first][index]
    total = shapely.length(geoms)
    fraction = np.divide(along, total[index], out=np.zeros_like(along), where=total[index] > 0)
    inner = (fraction > start[index]) & (fraction < end[index])
    ends_a = shapely.get_coordinates(shapely.line_interpolate_point(geoms, start, normalized=True))
    ends_b = shapely.get_coordinates(shapely.line_interpolate_point(geoms, end, normalized=True))
    rows = np.arange(n)
    all_coords = np.vstack([ends_a, coords[inner], ends_b])
    owner = np.concatenate([rows, index[inner], rows])
    position = np.concatenate([np.full(n, -1.0), fraction[inner], np.full(n, 2.0)])
    order = np.lexsort((position, owner))
    return shapely.linestrings(all_coords[order], indices=owner[order])


def reached_lines(network: RoadNetwork, table: TargetTable, target: int, seconds: float) -> np.ndarray:
    """The road (parts) from which the target is reached within ``seconds``, in the network's metric CRS.

    Parameters
    ----------
    network
        The road network the table was built on.
    table
        Travel times from every node to each target.
    target
        Index of the target in the table.
    seconds
        Travel-time limit, s.

    Returns
    -------
    numpy.ndarray
        Linestrings: fully reached edges and the reached ends of partly reached ones.
    """
    edges, starts, ends = _reached(network, table, target, seconds)
    return substrings(network.edge_geom[edges], starts, ends)


def _reached(
    network: RoadNetwork, table: TargetTable, target: int, seconds: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The edges (parts) of :func:`reached_lines`: each edge with the fractions of its length where its reached
    part starts and ends."""
    if not 0 <= target < len(table.targets):
        raise InputError(f"target {target} out of range 0..{len(table.targets) - 1}")
    node_time = table.time_s[target].astype(float)
    tau = network.edge_time
    slack = seconds - node_time[network.edge_v]
    reached = slack > 0
    safe_tau = np.where(tau > 0, tau, 1.0)
    start = np.where(tau > 0, np.clip(1.0 - slack / safe_tau, 0.0, 1.0), 0.0)
    edges = np.flatnonzero(reached)
    starts, ends = start[edges], np.ones(edges.size)
    # Citizens already on the agency's own edge can ride straight to it, before any node.
    edge, fraction = int(table.targets.edge[target]), float(table.targets.fraction[target])
    extra = [(edge, max(0.0, fraction - seconds / max(tau[edge], 1e-9)), fraction)]
    rev = int(network.edge_rev[edge])
    if rev >= 0:
        back = 1.0 - fraction
        extra.append((rev, max(0.0, back - seconds / max(tau[rev], 1e-9)), back))
    edges = np.concatenate([edges, [e for e, _, _ in extra]]).astype(np.int64)
    starts = np.concatenate([starts, [a for _, a, _ in extra]])
    ends = np.concatenate([ends, [b for _, _, b in extra]])
    keep = ends > starts
    return edges[keep], starts[keep], ends[keep]


def service_areas(
    network: RoadNetwork,
    table: TargetTable,
    *,
    ids: Sequence[str] | None = None,
    targets: Sequence[int] | None = None,
    minutes: float | Sequence[float] = DEFAULT_MINUTES,
    buffer_m: float = DEFAULT_BUFFER_M,
) -> gpd.GeoDataFrame:
    """Service-area polygons of targets (agencies): where citizens reach them within each number of minutes.

    Parameters
    ----------
    network
        The road network the table was built on.
    table
        Travel times from every node to each target (node -> target: citizens ride to the agency), e.g.
        ``AddressMap.agency_table``.
    ids
        Identifier of every target of the table (e.g. ``amap.agencies.agency_id``); ``"0"``, ``"1"`` ... when
        omitted.
    targets
        Indices of the targets to draw; all of them when omitted.
    minutes
        Travel-time limits, min.
    buffer_m
        Half-width of the area around each reached road, m.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per target and limit, in EPSG:4326: ``agency_id``, ``minutes`` (min), ``area_km2`` (km2),
        ``geometry`` ((Multi)Polygon; empty when nothing is reached). Larger limits come later.
    """
    limits = sorted({float(m) for m in np.atleast_1d(np.asarray(minutes, dtype=float))})
    if not limits or any(not (np.isfinite(m) and m > 0) for m in limits):
        raise InputError(f"service-area minutes must be positive, got {minutes}")
    if not (np.isfinite(buffer_m) and buffer_m > 0):
        raise InputError(f"buffer_m must be positive, got {buffer_m}")
    names = [str(i) for i in range(len(table.targets))] if ids is None else [str(i) for i in ids]
    if len(names) != len(table.targets):
        raise InputError(f"{len(names)} ids for {len(table.targets)} targets")
    chosen = range(len(table.targets)) if targets is None else [int(t) for t in targets]
    rows = []
    for target in chosen:
        area = shapely.Polygon()
        # Where the part of each edge already in ``area`` starts (NaN: none), and the same for the few parts
        # that end before their edge does (on the agency's own edge), by edge and end.
        drawn = np.full(network.n_edges, np.nan)
        short: dict[tuple[int, float], float] = {}
        for limit in limits:
            edges, starts, ends = _reached(network, table, target, limit * 60.0)
            whole = ends == 1.0
            new = np.ones(len(edges), dtype=bool)
            new[whole] = drawn[edges[whole]] != starts[whole]
            for i in np.flatnonzero(~whole):
                new[i] = short.get((int(edges[i]), float(ends[i]))) != starts[i]
            if new.any():
                # Each area is the one before it and the roads reached since (a road part grown is drawn again):
                # the union is the costly part, 1.5 s for the 26,000 edges of the central map drawn whole.
                lines = substrings(network.edge_geom[edges[new]], starts[new], ends[new])
                # Buffer each line, then one cascaded union: ~200x faster than buffering the multi-line (GEOS
                # nodes all lines against each other first), 0.15 s for the ~4,000 edges of a 10-minute area.
                pieces = shapely.buffer(lines, buffer_m, quad_segs=QUAD_SEGMENTS)
                area = shapely.union_all(np.append(pieces, area))
                drawn[edges[whole]] = starts[whole]
                parts = zip(edges[~whole].tolist(), starts[~whole].tolist(), ends[~whole].tolist(), strict=True)
                short |= {(e, b): a for e, a, b in parts}
            rows.append((names[target], limit, area.area / 1e6, area))
    frame = gpd.GeoDataFrame(
        rows, columns=["agency_id", "minutes", "area_km2", "geometry"], geometry="geometry", crs=network.crs
    )
    log.debug("%d service areas", len(frame))
    return frame.to_crs(4326)
