"""Many-to-many shortest travel times and distances: the only place that computes shortest paths.

Every optimisation in agencynet (siting, dispatch, nearest agency) consumes matrices from this module.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import partial

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from geo import _ch
from geo.network import RoadNetwork
from geo.snap import Snapped

log = logging.getLogger(__name__)


def shortest_paths(
    weights: sp.csr_array | sp.csr_matrix,
    sources: np.ndarray,
    *,
    targets: np.ndarray | None = None,
    directed: bool = True,
    limit: float = np.inf,
) -> np.ndarray:
    """Shortest path lengths from each source to each target of a weighted graph.

    Parameters
    ----------
    weights
        Square sparse matrix of edge weights; entry ``(i, j)`` is the weight of the arc from ``i`` to ``j``.
        Explicit zeros are arcs of weight zero.
    sources
        Node indices to start from.
    targets
        Node indices to report; all nodes when omitted.
    directed
        Whether arcs are one-way; when false each arc is usable in both directions.
    limit
        Stop each search beyond this length; unreached nodes get ``inf``.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(len(sources), len(targets))`` in the unit of the weights; ``inf`` where no path.
    """
    sources = np.asarray(sources, dtype=np.int64)
    lengths = csgraph.dijkstra(weights, directed=directed, indices=sources, limit=limit)
    if targets is None:
        return lengths
    return lengths[:, np.asarray(targets, dtype=np.int64)]


MIN_ARC_S = 1e-6
"""Smallest arc weight: a point exactly on a node gives a zero-length partial edge, and zero weights in a
sparse matrix are ambiguous to ``scipy.sparse.csgraph``, s."""


@dataclass(frozen=True)
class TravelMatrix:
    """Travel times (and distances) between snapped points along the fastest routes.

    Attributes
    ----------
    time_s
        ``(n_origins, n_destinations)`` travel time, s; ``inf`` where no route.
    distance_m
        Length of those fastest routes, m; ``None`` unless asked for.
    """

    time_s: np.ndarray
    distance_m: np.ndarray | None = None


@dataclass(frozen=True)
class _Augmented:
    """The road graph plus one virtual node per origin and per destination."""

    time: sp.csr_array
    length: sp.csr_array
    origin_nodes: np.ndarray
    destination_nodes: np.ndarray


AT_NODE_M = 0.01
"""A snapped point closer than this to an edge end is at that node and may leave (or be reached) by any of its
edges, even on a one-way edge whose direction would otherwise forbid it, m."""


def _arcs_from(network: RoadNetwork, points: Snapped) -> tuple[np.ndarray, ...]:
    """Arcs from snapped points onto the graph: (point index, node, time, length)."""
    e, f = points.edge, points.fraction
    rev = network.edge_rev[e]
    back = (rev >= 0) | (f * network.edge_length[e] <= AT_NODE_M)
    back_time = np.where(rev >= 0, f * network.edge_time[np.maximum(rev, 0)], 0.0)
    back_length = np.where(rev >= 0, f * network.edge_length[np.maximum(rev, 0)], 0.0)
    i = np.arange(len(points))
    return (
        np.concatenate([i, i[back]]),
        np.concatenate([network.edge_v[e], network.edge_u[e][back]]),
        np.concatenate([(1 - f) * network.edge_time[e], back_time[back]]),
        np.concatenate([(1 - f) * network.edge_length[e], back_length[back]]),
    )


def _arcs_to(network: RoadNetwork, points: Snapped) -> tuple[np.ndarray, ...]:
    """Arcs from the graph into snapped points: (node, point index, time, length)."""
    e, f = points.edge, points.fraction
    rev = network.edge_rev[e]
    back = (rev >= 0) | ((1 - f) * network.edge_length[e] <= AT_NODE_M)
    back_time = np.where(rev >= 0, (1 - f) * network.edge_time[np.maximum(rev, 0)], 0.0)
    back_length = np.where(rev >= 0, (1 - f) * network.edge_length[np.maximum(rev, 0)], 0.0)
    i = np.arange(len(points))
    return (
        np.concatenate([network.edge_u[e], network.edge_v[e][back]]),
        np.concatenate([i, i[back]]),
        np.concatenate([f * network.edge_time[e], back_time[back]]),
        np.concatenate([f * network.edge_length[e], back_length[back]]),
    )


def _same_road(network: RoadNetwork, origins: Snapped, destinations: Snapped) -> tuple[np.ndarray, ...]:
    """Direct arcs from origins to destinations on the same edge: (origin, destination, time, length)."""
    order = np.argsort(destinations.edge, kind="stable")
    sorted_edges = destinations.edge[order]
    lo = np.searchsorted(sorted_edges, origins.edge, side="left")
    hi = np.searchsorted(sorted_edges, origins.edge, side="right")
    counts = hi - lo
    o = np.repeat(np.arange(len(origins)), counts)
    d = order[np.concatenate([np.arange(a, b) for a, b in zip(lo, hi, strict=True)])] if counts.sum() else o
    e = origins.edge[o]
    fo, fd = origins.fraction[o], destinations.fraction[d]
    ahead = fd >= fo
    rev = network.edge_rev[e]
    usable = ahead | (rev >= 0)
    time = np.where(ahead, (fd - fo) * network.edge_time[e], (fo - fd) * network.edge_time[np.maximum(rev, 0)])
    length = np.where(ahead, (fd - fo) * network.edge_length[e], (fo - fd) * network.edge_length[np.maximum(rev, 0)])
    return o[usable], d[usable], time[usable], length[usable]


def _min_csr(rows: np.ndarray, cols: np.ndarray, time: np.ndarray, length: np.ndarray, n: int) -> tuple:
    """Time and length CSR matrices keeping, for repeated arcs, the fastest one (COO would add them up)."""
    order = np.lexsort((time, cols, rows))
    rows, cols, time, length = rows[order], cols[order], time[order], length[order]
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
    rows, cols = rows[first], cols[first]
    time = np.maximum(time[first], MIN_ARC_S)
    return (
        sp.csr_array((time, (rows, cols)), shape=(n, n)),
        sp.csr_array((length[first], (rows, cols)), shape=(n, n)),
    )


def _augment(network: RoadNetwork, origins: Snapped, destinations: Snapped) -> _Augmented:
    """The road graph with origins and destinations joined by their partial edges."""
    n = network.n_nodes
    origin_nodes = n + np.arange(len(origins))
    destination_nodes = n + len(origins) + np.arange(len(destinations))
    fastest = network.fastest_edge.tocoo()
    road = fastest.data - 1
    oi, ov, ot, ol = _arcs_from(network, origins)
    du, dj, dt, dl = _arcs_to(network, destinations)
    so, sd, st, sl = _same_road(network, origins, destinations)
    rows = np.concatenate([fastest.row, origin_nodes[oi], du, origin_nodes[so]])
    cols = np.concatenate([fastest.col, ov, destination_nodes[dj], destination_nodes[sd]])
    time = np.concatenate([network.edge_time[road], ot, dt, st])
    length = np.concatenate([network.edge_length[road], ol, dl, sl])
    time_csr, length_csr = _min_csr(rows, cols, time, length, n + len(origins) + len(destinations))
    return _Augmented(time_csr, length_csr, origin_nodes, destination_nodes)


def _path_lengths(length: sp.csr_array, predecessors: np.ndarray) -> np.ndarray:
    """Length of every shortest-path-tree path, by pointer doubling over the predecessor arrays.

    Written by hand because scipy returns only predecessors; doubling sums each tree path in
    ``log2(depth)`` vectorised steps instead of walking every path in Python.
    """
    rows = np.arange(predecessors.shape[0])[:, None]
    parent = predecessors.astype(np.int64)
    has_parent = parent >= 0
    # Length of the arc from each node's predecessor to the node, looked up in CSR order.
    keys = np.repeat(np.arange(length.shape[0]), np.diff(length.indptr)) * length.shape[1] + length.indices
    wanted = np.where(has_parent, parent, 0) * length.shape[1] + np.arange(length.shape[1])[None, :]
    acc = np.where(has_parent, length.data[np.searchsorted(keys, wanted)], 0.0)
    while has_parent.any():
        safe = np.where(has_parent, parent, 0)
        acc = acc + np.where(has_parent, acc[rows, safe], 0.0)
        parent = np.where(has_parent, parent[rows, safe], -9999)
        has_parent = parent >= 0
    return acc


def travel_times(
    network: RoadNetwork,
    origins: Snapped,
    destinations: Snapped | None = None,
    *,
    with_distance: bool = False,
) -> TravelMatrix:
    """Many-to-many travel times between snapped points, one-way streets respected.

    Parameters
    ----------
    network
        The road network of the travel profile.
    origins
        Snapped start points.
    destinations
        Snapped end points; the origins when omitted.
    with_distance
        Also compute the length of each fastest route (slower: needs the shortest-path trees).

    Returns
    -------
    TravelMatrix
        Times in seconds (and distances in metres), including the partial edges at both ends.
    """
    destinations = origins if destinations is None else destinations
    if not with_distance:
        # Contraction hierarchies answer the node-to-node part ~10x faster than one Dijkstra per origin on
        # the augmented graph (bench/matrix.py); the scipy search below is the reference and the fallback.
        hierarchy = _ch.hierarchy(network)
        if hierarchy is not None:
            oi, onode, otime, _ = _arcs_from(network, origins)
            dnode, dj, dtime, _ = _arcs_to(network, destinations)
            so, sd, st, _ = _same_road(network, origins, destinations)
            times = _ch.point_times(
                partial(_ch.node_table, hierarchy),
                (oi, onode, otime),
                (dnode, dj, dtime),
                (so, sd, st),
                (len(origins), len(destinations)),
            )
            return TravelMatrix(times)
    graph = _augment(network, origins, destinations)
    if not with_distance:
        times = shortest_paths(graph.time, graph.origin_nodes, targets=graph.destination_nodes)
        return TravelMatrix(times)
    times, predecessors = csgraph.dijkstra(
        graph.time, directed=True, indices=graph.origin_nodes, return_predecessors=True
    )
    lengths = _path_lengths(graph.length, predecessors)
    dest = graph.destination_nodes
    return TravelMatrix(times[:, dest], np.where(np.isfinite(times[:, dest]), lengths[:, dest], np.inf))


@dataclass(frozen=True)
class TargetTable:
    """Travel times from every road node to each of a set of targets, with the next edge on each route.

    Built once by searching the reversed graph from every target; afterwards the time from any snapped point
    to any target is a lookup over the point's two edge ends (see :func:`times_to_targets`).

    Attributes
    ----------
    time_s
        ``(n_targets, n_nodes)`` time from each node to each target, s.
    next_edge
        ``(n_targets, n_nodes)`` road edge taken from each node towards the target; ``-1`` where the next step
        is the target's own partial edge (or there is none).
    targets
        The snapped targets.
    """

    time_s: np.ndarray
    next_edge: np.ndarray
    targets: Snapped


def target_table(network: RoadNetwork, targets: Snapped) -> TargetTable:
    """Search the reversed graph once from each target (e.g. every agency) to every node.

    Parameters
    ----------
    network
        The road network.
    targets
        Snapped targets.

    Returns
    -------
    TargetTable
        Times from each node to each target and the next hops of those routes.
    """
    empty = targets.subset(np.array([], dtype=np.int64))
    graph = _augment(network, empty, targets)
    reverse = graph.time.T.tocsr()
    times, nxt = csgraph.dijkstra(reverse, directed=True, indices=graph.destination_nodes, return_predecessors=True)
    nodes = nxt[:, : network.n_nodes]
    road = (nodes >= 0) & (nodes < network.n_nodes)
    rows = np.broadcast_to(np.arange(network.n_nodes), nodes.shape)
    next_edge = np.full(nodes.shape, -1, dtype=np.int64)
    next_edge[road] = network.edge_between(rows[road], nodes[road])
    return TargetTable(times[:, : network.n_nodes].astype(np.float32), next_edge, targets)


def times_to_targets(network: RoadNetwork, table: TargetTable, points: Snapped) -> np.ndarray:
    """Travel time from each snapped point to each target of a table, s: ``(n_points, n_targets)``.

    The fastest of leaving the point's edge forwards (to ``v``) or, on a two-way road, backwards (to ``u``),
    plus the direct run along the same edge when a target lies ahead on it.
    """
    i, node, time, _ = _arcs_from(network, points)
    via = time[:, None] + table.time_s[:, node].T
    best = np.full((len(points), len(table.targets)), np.inf)
    np.minimum.at(best, i, via)
    so, st, direct, _ = _same_road(network, points, table.targets)
    np.minimum.at(best, (so, st), direct)
    return best
