"""Compiled (numba) read-back of a route's geometry from a target table's next hops.

A nearest-agency answer draws a route per agency: a partial edge from the point, the edges the table's next
hops lead through, a partial edge to the agency. Built with numpy slices and Python lists this took most of the
answer's time (a handful of vertices per edge, many small arrays, bench/api.py); here one compiled call counts
the vertices, then fills one array. The partial edges are cut as :func:`shapely.ops.substring` would (the two
ends and the vertices strictly between them), on the network's flat edge lines (:class:`geo.network.EdgeLines`).
"""

from __future__ import annotations

import numpy as np
from numba import njit

SAME = 1e-9
"""Consecutive vertices closer than this in both longitude and latitude are one (about 0.1 mm), degrees: a point
snapped onto a vertex of its road comes back from the arithmetic a few units in the last place beside it."""


@njit(cache=True)
def _point(along: np.ndarray, lonlat: np.ndarray, a: int, b: int, distance: float, out: np.ndarray, n: int) -> None:
    """Write to ``out[n]`` the point ``distance`` along the vertices ``a:b``, linearly between two of them."""
    i = min(max(int(np.searchsorted(along[a:b], distance, side="right")) - 1, 0), b - a - 2)
    span = along[a + i + 1] - along[a + i]
    t = min(max((distance - along[a + i]) / span, 0.0), 1.0) if span > 0 else 0.0
    for c in range(2):
        out[n, c] = lonlat[a + i, c] + t * (lonlat[a + i + 1, c] - lonlat[a + i, c])


@njit(cache=True)
def _part(
    offset: np.ndarray,
    along: np.ndarray,
    lonlat: np.ndarray,
    edge: int,
    start: float,
    end: float,
    out: np.ndarray,
    n: int,
    fill: bool,
) -> int:
    """Vertices of ``edge`` from fraction ``start`` of its length to ``end`` (backwards when ``start > end``),
    written from ``out[n]`` when ``fill`` (else only counted); the next free row."""
    if start > end:
        m = _part(offset, along, lonlat, edge, end, start, out, n, fill)
        if fill:
            out[n:m] = out[n:m][::-1].copy()
        return m
    a, b = offset[edge], offset[edge + 1]
    total = along[b - 1]
    if fill:
        _point(along, lonlat, a, b, start * total, out, n)
    n += 1
    if start == end:
        return n
    lo = np.searchsorted(along[a:b], start * total, side="right")
    hi = np.searchsorted(along[a:b], end * total, side="left")
    for j in range(lo, hi):
        if fill:
            out[n, 0], out[n, 1] = lonlat[a + j, 0], lonlat[a + j, 1]
        n += 1
    if fill:
        _point(along, lonlat, a, b, end * total, out, n)
    return n + 1


@njit(cache=True)
def route_coords(
    offset: np.ndarray,
    along: np.ndarray,
    lonlat: np.ndarray,
    edge_u: np.ndarray,
    edge_v: np.ndarray,
    edge_rev: np.ndarray,
    edge_length: np.ndarray,
    next_edge: np.ndarray,
    first: int,
    first_start: float,
    first_end: float,
    node: int,
    target_edge: int,
    target_fraction: float,
) -> tuple[np.ndarray, float]:
    """Coordinates (longitude/latitude, consecutive repeats dropped, at least two) and length (m) of a route.

    The route runs along edge ``first`` from fraction ``first_start`` to ``first_end`` (none when ``first``
    is -1), then, unless ``node`` is -1, from ``node`` along the next hops ``next_edge`` (one target's row of
    the table) to their end, and onto the target's edge up to ``target_fraction``: forwards when the hops end
    at its start node, else along its reverse edge (none on a one-way edge).
    """
    out = np.empty((0, 2))
    n = 0
    length = 0.0
    for fill in (False, True):
        n = 0
        length = 0.0
        if first >= 0:
            n = _part(offset, along, lonlat, first, first_start, first_end, out, n, fill)
            length += abs(first_end - first_start) * edge_length[first]
        if node >= 0:
            v = node
            while next_edge[v] >= 0:
                e = next_edge[v]
                for j in range(offset[e], offset[e + 1]):
                    if fill:
                        out[n, 0], out[n, 1] = lonlat[j, 0], lonlat[j, 1]
                    n += 1
                length += edge_length[e]
                v = edge_v[e]
            if v == edge_u[target_edge]:
                n = _part(offset, along, lonlat, target_edge, 0.0, target_fraction, out, n, fill)
                length += target_fraction * edge_length[target_edge]
            elif edge_rev[target_edge] >= 0:
                back = edge_rev[target_edge]
                n = _part(offset, along, lonlat, back, 0.0, 1.0 - target_fraction, out, n, fill)
                length += (1.0 - target_fraction) * edge_length[back]
        if not fill:
            out = np.empty((max(n, 2), 2))
    kept = 0
    for i in range(n):
        if kept == 0 or abs(out[i, 0] - out[kept - 1, 0]) > SAME or abs(out[i, 1] - out[kept - 1, 1]) > SAME:
            out[kept, 0], out[kept, 1] = out[i, 0], out[i, 1]
            kept += 1
    if kept == 1:
        out[1, 0], out[1, 1] = out[0, 0], out[0, 1]
        kept = 2
    return out[:kept].copy(), length


@njit(cache=True)
def routes(
    arrays: tuple,
    edge: int,
    fraction: float,
    nodes: np.ndarray,
    arc_time_s: np.ndarray,
    direct_s: np.ndarray,
    targets: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The fastest routes from a snapped point to several targets of a table, in one call.

    ``arrays`` are the network's edge lines and edges and the table's times, next edges and targets' positions,
    as :func:`geo.nearest._arrays` gives them. The point lies at ``fraction`` of ``edge`` and joins the graph at
    ``nodes`` after ``arc_time_s`` (forwards to the edge's end first, then backwards); ``direct_s`` is the time
    along its own edge to each target of the table (``inf`` where it reaches none so).

    Returns
    -------
    coords, offset, length_m, time_s
        The routes' vertices one after the other (route ``i`` at ``offset[i]:offset[i + 1]``), lengths (m)
        and times (s).
    """
    offset, along, lonlat, edge_u, edge_v, edge_rev, edge_length, _ = arrays[:8]
    time_s, next_edge, target_edge, target_fraction = arrays[8:]
    k = len(targets)
    pieces = []
    lengths, totals = np.empty(k), np.empty(k)
    starts = np.zeros(k + 1, dtype=np.int64)
    for i in range(k):
        target = targets[i]
        best, total = 0, np.inf
        for j in range(len(nodes)):
            via = arc_time_s[j] + time_s[target, nodes[j]]
            if via < total:
                best, total = j, via
        node = nodes[best]
        te, tf = target_edge[target], target_fraction[target]
        direct = direct_s[target]
        if direct < np.inf and direct <= total:
            # Along the point's own edge: forwards, or backwards along its reverse edge.
            node, total = -1, direct
            if tf >= fraction:
                first, first_start, first_end = edge, fraction, tf
            elif edge_rev[edge] >= 0:
                first, first_start, first_end = edge_rev[edge], 1 - fraction, 1 - tf
            else:
                # A few metres back along a one-way edge, on foot (geo.nearest.ON_FOOT_M).
                first, first_start, first_end = edge, fraction, tf
        elif best == 0:
            # Arcs from the point come forwards (to v) first, then backwards (to u): along the reverse edge, or
            # nothing when the point sits on u of a one-way edge.
            first, first_start, first_end = edge, fraction, 1.0
        elif edge_rev[edge] >= 0:
            first, first_start, first_end = edge_rev[edge], 1 - fraction, 1.0
        else:
            first, first_start, first_end = -1, 0.0, 0.0
        coords, length = route_coords(
            offset,
            along,
            lonlat,
            edge_u,
            edge_v,
            edge_rev,
            edge_length,
            next_edge[target],
            first,
            first_start,
            first_end,
            node,
            te,
            tf,
        )
        pieces.append(coords)
        lengths[i], totals[i] = length, total
        starts[i + 1] = starts[i] + len(coords)
    out = np.empty((starts[k], 2))
    for i in range(k):
        out[starts[i] : starts[i + 1]] = pieces[i]
    return out, starts, lengths, totals
