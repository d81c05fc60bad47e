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
    i = np.searchsorted(along[a:b], distance, side="right") - 1
    i = min(max(i, 0), b - a - 2)
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
    """Vertices of ``edge`` between fractions ``start <= end`` of its length, written from ``out[n]`` when
    ``fill`` (else only counted); the next free row."""
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
