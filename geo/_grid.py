"""A uniform grid of the road segments, and the nearest edge of a point searched on it in compiled code (numba).

shapely's STRtree answers the same question, but a query of one point costs several calls (a geometry made for
the point, the tree's search, results unpacked) for a few microseconds of work: a sixth of a nearest-agency
answer (bench/api.py). Here the point's cell and the rings of cells around it are searched until no cell left
can hold a closer segment; distances are exact (point to segment in the map's CRS), and of edges equally near
(a two-way road's pair, or the edges that meet at a point on a node) the lowest index is kept, so the answer does
not depend on the search's order.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numba import njit

CELL_M = 50.0
"""Side of a grid cell, m: about the length of a Hanoi alley segment, so that a cell holds a few segments."""


@dataclass(frozen=True)
class SegmentGrid:
    """Road segments (two consecutive vertices of an edge line) by the grid cells their bounding boxes cover.

    Attributes
    ----------
    origin
        ``(x, y)`` of the grid's lower-left corner in the network's CRS, m.
    shape
        Cells along x and y.
    cell_offset
        Segments of cell ``iy * shape[0] + ix`` are ``cell_segments[cell_offset[c]:cell_offset[c + 1]]``.
    cell_segments
        Index of each segment's first vertex in ``xy``.
    xy
        ``(n_vertices, 2)`` the vertices of the edge lines, edge after edge, m.
    vertex_edge
        The edge of each vertex.
    """

    origin: tuple[float, float]
    shape: tuple[int, int]
    cell_offset: np.ndarray
    cell_segments: np.ndarray
    xy: np.ndarray
    vertex_edge: np.ndarray

    @classmethod
    def build(cls, xy: np.ndarray, offset: np.ndarray) -> SegmentGrid:
        """The grid of edge lines with vertices ``xy`` (m), those of edge ``j`` at ``offset[j]:offset[j + 1]``."""
        vertex_edge = np.repeat(np.arange(len(offset) - 1), np.diff(offset))
        start = np.flatnonzero(vertex_edge[:-1] == vertex_edge[1:])
        low = np.minimum(xy[start], xy[start + 1])
        high = np.maximum(xy[start], xy[start + 1])
        origin = xy.min(axis=0)
        nx, ny = (np.floor((xy.max(axis=0) - origin) / CELL_M).astype(np.int64) + 1).tolist()
        first = np.floor((low - origin) / CELL_M).astype(np.int64)
        last = np.floor((high - origin) / CELL_M).astype(np.int64)
        width = last[:, 0] - first[:, 0] + 1
        counts = width * (last[:, 1] - first[:, 1] + 1)
        segment = np.repeat(np.arange(len(start)), counts)
        within = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
        cell = (first[segment, 1] + within // width[segment]) * nx + first[segment, 0] + within % width[segment]
        order = np.argsort(cell, kind="stable")
        cell_offset = np.searchsorted(cell[order], np.arange(nx * ny + 1))
        segments = start[segment[order]]
        return cls((float(origin[0]), float(origin[1])), (nx, ny), cell_offset, segments, xy, vertex_edge)

    def nearest(self, x: np.ndarray, y: np.ndarray, max_distance: float | None) -> np.ndarray:
        """The nearest edge of each point ``(x, y)`` (m), -1 where none lies within ``max_distance`` (m)."""
        limit = math.inf if max_distance is None else float(max_distance)
        return _nearest(self.arrays, np.asarray(x, dtype=float), np.asarray(y, dtype=float), limit)

    @property
    def arrays(self) -> tuple:
        """The grid as compiled code takes it (:func:`nearest_edge`): lower-left ``x``, ``y``, cell side, cells
        along x and y, ``cell_offset``, ``cell_segments``, ``xy``, ``vertex_edge``."""
        return (*self.origin, CELL_M, *self.shape, self.cell_offset, self.cell_segments, self.xy, self.vertex_edge)


@njit(cache=True)
def _segment_distance(xy: np.ndarray, i: int, px: float, py: float) -> float:
    ax, ay, bx, by = xy[i, 0], xy[i, 1], xy[i + 1, 0], xy[i + 1, 1]
    dx, dy = bx - ax, by - ay
    span = dx * dx + dy * dy
    t = 0.0 if span == 0 else min(max(((px - ax) * dx + (py - ay) * dy) / span, 0.0), 1.0)
    return np.hypot(px - (ax + t * dx), py - (ay + t * dy))


@njit(cache=True)
def _nearest(grid: tuple, x: np.ndarray, y: np.ndarray, limit: float) -> np.ndarray:
    out = np.empty(len(x), dtype=np.int64)
    for p in range(len(x)):
        out[p] = nearest_edge(grid, x[p], y[p], limit)
    return out


@njit(cache=True)
def nearest_edge(grid: tuple, px: float, py: float, limit: float) -> int:
    """The nearest edge of the point ``(px, py)`` on ``grid`` (:attr:`SegmentGrid.arrays`); -1 when none lies
    within ``limit`` (m)."""
    if not (math.isfinite(px) and math.isfinite(py)):
        return -1  # a point the map's projection cannot place lies on no road
    x0, y0, size, nx, ny, cell_offset, cell_segments, xy, vertex_edge = grid
    cx, cy = math.floor((px - x0) / size), math.floor((py - y0) / size)
    best, edge = math.inf, -1
    # The rings nearer than the grid's own cells hold none of them: a point beyond the grid starts at the first
    # ring that meets it (ring by ring from its own cell, a point thousands of km away took hours without a limit).
    r = max(0, -cx, cx - (nx - 1), -cy, cy - (ny - 1))
    while True:
        for iy in range(max(cy - r, 0), min(cy + r, ny - 1) + 1):
            # The ring's top and bottom rows whole, its sides only at their two ends.
            step = 1 if iy == cy - r or iy == cy + r else 2 * r
            for ix in range(cx - r, cx + r + 1, step):
                if ix < 0 or ix >= nx:
                    continue
                c = iy * nx + ix
                for k in range(cell_offset[c], cell_offset[c + 1]):
                    i = cell_segments[k]
                    d = _segment_distance(xy, i, px, py)
                    e = vertex_edge[i]
                    if d < best or (d == best and e < edge):
                        best, edge = d, e
        # Every cell outside the rings searched lies at least this far from the point.
        gap = min(
            px - (x0 + (cx - r) * size),
            x0 + (cx + r + 1) * size - px,
            py - (y0 + (cy - r) * size),
            y0 + (cy + r + 1) * size - py,
        )
        covered = cx - r <= 0 and cy - r <= 0 and cx + r >= nx - 1 and cy + r >= ny - 1
        if best <= gap or gap > limit or covered:
            break
        r += 1
    return edge if best <= limit else -1
