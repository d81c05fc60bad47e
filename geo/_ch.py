"""Customizable contraction hierarchies (RoutingKit, via ``routingkit-cch``) for many-to-many travel times.

The road graph alone is contracted; snapped points never enter the hierarchy. A point lies on an edge and
reaches the graph through at most two arcs (to the edge's ends), so the time from origin ``o`` to destination
``d`` is the smallest of ``off_o(a) + T(a, b) + off_d(b)`` over those end nodes ``a`` and ``b``, or the direct
run along a shared edge. ``T`` is a node-to-node table between the distinct end nodes only, answered by one
CCH sweep per node; the partial-edge offsets are added afterwards in floating point.

RoutingKit weights are 32-bit integers, so times are scaled to integer units as fine as the network's
diameter allows (about a microsecond on central Hanoi): the node-to-node part carries a rounding error of at
most half a unit per edge on the route, far below a microsecond per second of travel.

The nested-dissection order (the only costly preprocessing step) is cached on disk next to the network cache;
the hierarchy and its customization are rebuilt from it once per process and network, in milliseconds.
"""

from __future__ import annotations

import hashlib
import logging
import os
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

from geo import paths
from geo.network import RoadNetwork

try:
    import routingkit_cch as _rk
except ImportError:  # pragma: no cover - the scipy path in geo.matrix takes over
    _rk = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

INF_WEIGHT = 2**31 - 1
"""RoutingKit's infinite weight; every distance and every arc weight must stay below it, integer units."""

RANGE_USE = 0.9
"""Share of the integer range the network's diameter bound may fill; the rest absorbs the rounding of the arcs.
RoutingKit adds two weights below :data:`INF_WEIGHT` in unsigned 32 bits, which cannot wrap, and treats sums
at or above it as no route, so every route no longer than the diameter stays exact up to rounding."""

MIN_ARC_S = 1e-6
"""Smallest arc time, s; the same floor as ``geo.matrix.MIN_ARC_S`` so both backends agree on zero arcs."""

ORDER_VERSION = 1
"""Bumped whenever the way the order is computed changes, so stale cached orders are recomputed."""


def available() -> bool:
    """Whether the compiled CCH backend is installed."""
    return _rk is not None


@dataclass(frozen=True)
class Hierarchy:
    """A customized contraction hierarchy of one network's travel times.

    Attributes
    ----------
    cch
        The RoutingKit hierarchy (topology only).
    metric
        Its customization with the scaled travel times.
    scale
        Integer units per second of travel time.
    """

    cch: Any
    metric: Any
    scale: float


def _road_arcs(network: RoadNetwork) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tail, head and travel time (s) of the road arcs, parallel edges collapsed to the fastest."""
    fastest = network.fastest_edge.tocoo()
    time = np.maximum(network.edge_time[fastest.data - 1], MIN_ARC_S)
    return fastest.row.astype(np.int64), fastest.col.astype(np.int64), time


def _order(network: RoadNetwork, tail: np.ndarray, head: np.ndarray) -> np.ndarray:
    """Inertial-flow nested-dissection order of the nodes, read from or written to the cache folder."""
    digest = hashlib.sha256()
    for part in (np.int64(network.n_nodes), tail, head, network.node_lon, network.node_lat):
        digest.update(np.ascontiguousarray(part).tobytes())
    cache_file = paths.cache_dir() / f"cch-order-{digest.hexdigest()[:16]}-v{ORDER_VERSION}.npy"
    if cache_file.exists():
        return np.load(cache_file)
    order = np.asarray(
        _rk.compute_order_inertial(
            network.n_nodes,
            tail.tolist(),
            head.tolist(),
            network.node_lat.tolist(),
            network.node_lon.tolist(),
        ),
        dtype=np.int64,
    )
    # Written to a name of this process's own first, then renamed: a concurrent reader never sees half a file,
    # and two processes building the same order (the service's workers, the tests' workers) never write into one.
    partial = cache_file.with_name(f"{cache_file.stem}.{os.getpid()}.part.npy")
    np.save(partial, order)
    partial.replace(cache_file)
    log.info("CCH order of %d nodes cached in %s", network.n_nodes, cache_file.name)
    return order


def _diameter_bound_s(network: RoadNetwork, weights: sp.csr_array) -> float:
    """An upper bound on every shortest travel time of a strongly connected graph, s.

    Any route ``a -> b`` is no longer than ``a -> r -> b`` for a fixed node ``r``, so the longest time into
    ``r`` plus the longest time out of it bounds them all. The tightest of a few central roots is kept, as a
    tighter bound leaves a finer integer unit (a few milliseconds of search, once per network).
    """
    dx, dy = network.node_x - network.node_x.mean(), network.node_y - network.node_y.mean()
    roots = np.argsort(dx * dx + dy * dy)[:: max(1, network.n_nodes // 64)][:8]
    out_of = csgraph.dijkstra(weights, directed=True, indices=roots)
    into = csgraph.dijkstra(weights.T.tocsr(), directed=True, indices=roots)
    return float((out_of.max(axis=1) + into.max(axis=1)).min())


def build(network: RoadNetwork) -> Hierarchy | None:
    """Contract and customize the travel times of a network.

    Parameters
    ----------
    network
        The road network.

    Returns
    -------
    Hierarchy or None
        ``None`` when ``routingkit-cch`` is not installed or the graph is not strongly connected (then no
        diameter bound guards the integer range, and the caller should use the scipy path).
    """
    if _rk is None or network.n_nodes == 0:
        return None
    tail, head, time = _road_arcs(network)
    weights = sp.csr_array((time, (tail, head)), shape=(network.n_nodes, network.n_nodes))
    n_parts, _ = csgraph.connected_components(weights, directed=True, connection="strong")
    if n_parts != 1:
        log.info("network has %d strong components; CCH backend not used", n_parts)
        return None
    scale = RANGE_USE * INF_WEIGHT / _diameter_bound_s(network, weights)
    cch = _rk.CCH(_order(network, tail, head).tolist(), tail.tolist(), head.tolist(), False)
    metric = _rk.CCHMetric(cch, np.rint(time * scale).astype(np.int64).tolist())
    return Hierarchy(cch, metric, scale)


_hierarchies: dict[int, Hierarchy | None] = {}
"""Hierarchies of live networks by ``id``; entries leave with their network (``RoadNetwork`` is unhashable,
and the hierarchy is kept off the network object so pickling a network stays as it is)."""


def hierarchy(network: RoadNetwork) -> Hierarchy | None:
    """The hierarchy of a network, built on first use and kept while the network lives (see :func:`build`)."""
    key = id(network)
    if key not in _hierarchies:
        _hierarchies[key] = build(network)
        weakref.finalize(network, _hierarchies.pop, key, None)
    return _hierarchies[key]


def _sweeps(query: Callable[[], Any], nodes: np.ndarray) -> np.ndarray:
    """One pinned-side query object answering a sweep per node: rows in RoutingKit integer units (nan if none)."""
    sweep = query()
    answer = sweep.distances_from if hasattr(sweep, "distances_from") else sweep.distances_to
    rows = [answer(node) for node in nodes.tolist()]
    try:
        return np.array(rows, dtype=np.int64).astype(float)
    except TypeError:
        # RoutingKit answers None for no route, which a float array reads as nan.
        return np.array(rows, dtype=float)


THREAD_MIN_SWEEPS = 256
"""Fewest sweeps worth splitting over threads; RoutingKit releases the GIL during a sweep, so two threads
take about 60 % of the time of one on 1,700 sweeps (bench/matrix.py), and small tables are not worth it."""

_pool: ThreadPoolExecutor | None = None


def _workers() -> int:
    return max(1, min(4, os.cpu_count() or 1))


def node_table(ch: Hierarchy, sources: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Shortest travel times between road nodes, s: ``(len(sources), len(targets))``, ``inf`` if no route.

    One sweep per node of the larger side against the smaller side pinned in the hierarchy (a pinned side
    costs once, a sweep per node), spread over threads when there are many.
    """
    global _pool
    if len(sources) == 0 or len(targets) == 0:
        return np.zeros((len(sources), len(targets)))
    transpose = len(sources) > len(targets)
    pinned, swept = (sources, targets) if transpose else (targets, sources)

    def query() -> Any:
        if transpose:
            return _rk.CCHManyToOne(ch.metric, pinned.tolist())
        return _rk.CCHOneToMany(ch.metric, pinned.tolist())

    n_threads = _workers() if len(swept) >= THREAD_MIN_SWEEPS else 1
    if n_threads == 1:
        table = _sweeps(query, swept)
    else:
        if _pool is None:
            _pool = ThreadPoolExecutor(_workers(), thread_name_prefix="cch")
        chunks = np.array_split(swept, n_threads)
        table = np.concatenate(list(_pool.map(lambda chunk: _sweeps(query, chunk), chunks)))
    table[np.isnan(table)] = np.inf
    table /= ch.scale
    return table.T if transpose else table


def point_times(
    node_times: Callable[[np.ndarray, np.ndarray], np.ndarray],
    leave: tuple[np.ndarray, ...],
    arrive: tuple[np.ndarray, ...],
    direct: tuple[np.ndarray, ...],
    shape: tuple[int, int],
) -> np.ndarray:
    """Travel times between snapped points from their arcs onto and off the road graph, s.

    Parameters
    ----------
    node_times
        Shortest times between road nodes, s, as ``node_times(sources, targets)`` (e.g. :func:`node_table`
        with a hierarchy bound, or a scipy search for reference).
    leave
        ``(origin, node, time)`` arcs from origins to road nodes, time in s (``geo.matrix._arcs_from``).
    arrive
        ``(node, destination, time)`` arcs from road nodes to destinations, time in s
        (``geo.matrix._arcs_to``).
    direct
        ``(origin, destination, time)`` runs along a shared edge, time in s (``geo.matrix._same_road``).
    shape
        ``(n_origins, n_destinations)``.

    Returns
    -------
    numpy.ndarray
        ``shape`` travel times, s; ``inf`` where no route.
    """
    oi, onode, otime = leave
    dnode, dj, dtime = arrive
    sources, source_pos = np.unique(onode, return_inverse=True)
    targets, target_pos = np.unique(dnode, return_inverse=True)
    table = node_times(sources, targets)
    # A point has at most two arcs, so the minimum over them takes one vectorised pass per arc rank.
    by_origin = np.full((shape[0], len(targets)), np.inf)
    for arcs in _rounds(oi):
        by_origin[oi[arcs]] = np.minimum(
            by_origin[oi[arcs]], table[source_pos[arcs]] + np.maximum(otime[arcs], MIN_ARC_S)[:, None]
        )
    best = np.full(shape, np.inf)
    for arcs in _rounds(dj):
        best[:, dj[arcs]] = np.minimum(
            best[:, dj[arcs]], by_origin[:, target_pos[arcs]] + np.maximum(dtime[arcs], MIN_ARC_S)[None, :]
        )
    so, sd, st = direct
    np.minimum.at(best, (so, sd), np.maximum(st, MIN_ARC_S))
    return best


def _rounds(owner: np.ndarray) -> list[np.ndarray]:
    """Split arc indices into groups in which no point owns two arcs, so fancy-index writes do not collide."""
    order = np.argsort(owner, kind="stable")
    sorted_owner = owner[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_owner[1:] != sorted_owner[:-1]
    # Rank of each arc among the arcs of its point: 0 for the first, 1 for the second, ...
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - start
    return [order[rank == r] for r in range(int(rank.max()) + 1)] if len(order) else []
