"""The contraction-hierarchy backend of ``geo.matrix.travel_times`` against the scipy reference search."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo import _ch, matrix, snap
from geo.network import RoadNetwork
from geo.snap import Snapped

pytestmark = pytest.mark.skipif(not _ch.available(), reason="routingkit-cch not installed")

REL = 1e-6
"""Agreement asked of the backends, relative; the integer rounding of the hierarchy stays well below it."""


def _scipy(net: RoadNetwork, origins: Snapped, destinations: Snapped) -> np.ndarray:
    graph = matrix._augment(net, origins, destinations)
    return matrix.shortest_paths(graph.time, graph.origin_nodes, targets=graph.destination_nodes)


def _snap_at(net: RoadNetwork, edges: np.ndarray, fractions: np.ndarray) -> Snapped:
    at = shapely.line_interpolate_point(net.edge_geom[edges], fractions, normalized=True)
    lon, lat = net.to_wgs84.transform(shapely.get_x(at), shapely.get_y(at))
    return snap.to_edges(net, lon, lat)


def _assert_same(fast: np.ndarray, ref: np.ndarray) -> None:
    assert fast.shape == ref.shape
    assert np.array_equal(np.isinf(fast), np.isinf(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(fast[finite], ref[finite], rtol=REL, atol=0)


def test_hierarchy_is_built_for_the_connected_network(motorbike: RoadNetwork) -> None:
    ch = _ch.hierarchy(motorbike)
    assert ch is not None
    assert _ch.hierarchy(motorbike) is ch
    # Finer than a microsecond: the bound keeps the integer range for the diameter of central Hanoi.
    assert ch.scale > 1e5


def test_fast_backend_equals_scipy_on_random_points(motorbike: RoadNetwork) -> None:
    rng = np.random.default_rng(11)
    one_way = np.flatnonzero(motorbike.edge_rev < 0)
    # A third of the points on one-way edges, some at the very ends (node rule), some sharing an edge.
    edges = np.concatenate([rng.choice(one_way, 100), rng.integers(0, motorbike.n_edges, 200)])
    fractions = rng.uniform(0, 1, len(edges))
    fractions[:10], fractions[10:20] = 0.0, 1.0
    origins = _snap_at(motorbike, edges, fractions)
    shared = np.concatenate([edges[:40], rng.integers(0, motorbike.n_edges, 260)])
    destinations = _snap_at(motorbike, shared, rng.uniform(0, 1, len(shared)))
    assert (origins.edge[:40] == destinations.edge[:40]).any(), "expected same-edge pairs"

    fast = matrix.travel_times(motorbike, origins, destinations).time_s
    _assert_same(fast, _scipy(motorbike, origins, destinations))
    # Square and self: the diagonal is the same point, MIN_ARC_S apart in both backends.
    _assert_same(matrix.travel_times(motorbike, origins).time_s, _scipy(motorbike, origins, origins))


def test_same_edge_pairs_on_a_one_way_street(motorbike: RoadNetwork) -> None:
    edge = int(np.flatnonzero((motorbike.edge_rev < 0) & (motorbike.edge_length > 80))[0])
    points = _snap_at(motorbike, np.full(4, edge), np.array([0.1, 0.4, 0.7, 0.95]))
    assert (points.edge == edge).all()
    fast = matrix.travel_times(motorbike, points).time_s
    _assert_same(fast, _scipy(motorbike, points, points))
    # Ahead along the one-way edge is the direct run; behind is around the block.
    assert fast[0, 2] == pytest.approx(0.6 * motorbike.edge_time[edge], rel=REL)
    assert fast[2, 0] > fast[0, 2]


def test_threaded_and_single_sweeps_agree(motorbike: RoadNetwork, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(5)
    points = _snap_at(motorbike, rng.integers(0, motorbike.n_edges, 150), rng.uniform(0, 1, 150))
    monkeypatch.setattr(_ch, "THREAD_MIN_SWEEPS", 10**9)
    single = matrix.travel_times(motorbike, points).time_s
    monkeypatch.setattr(_ch, "THREAD_MIN_SWEEPS", 1)
    threaded = matrix.travel_times(motorbike, points).time_s
    np.testing.assert_array_equal(single, threaded)


def test_empty_sides(motorbike: RoadNetwork) -> None:
    rng = np.random.default_rng(3)
    points = _snap_at(motorbike, rng.integers(0, motorbike.n_edges, 3), rng.uniform(0, 1, 3))
    empty = points.subset(np.array([], dtype=np.int64))
    assert matrix.travel_times(motorbike, empty, points).time_s.shape == (0, 3)
    assert matrix.travel_times(motorbike, points, empty).time_s.shape == (3, 0)
