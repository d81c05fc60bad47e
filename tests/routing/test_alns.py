"""The adaptive large neighbourhood search: optimal on instances small enough to enumerate, feasible and at the
best known on easy benchmark files, fleet minimisation, and clear errors on malformed data."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from routing import alns, instances
from routing.errors import ProblemError

ROOT = instances.benchmarks_dir()
needs_files = pytest.mark.skipif(not ROOT.is_dir(), reason=f"benchmark files not found at {ROOT}")


def _data(xy, nodes, requests, *, capacity, fleet):
    xy = np.asarray(xy, dtype=float)
    d = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    return alns.Data(d, d, np.asarray(nodes, dtype=np.int64), np.asarray(requests), capacity, fleet)


def _route_ok(data: alns.Data, route: list[int]) -> bool:
    """Independent check of one route: windows, capacity, each delivery after its pickup."""
    t, load, prev, seen = data.nodes[0, 0], 0, 0, set()
    delivery_of = {int(d): int(p) for p, d in data.requests if d >= 0}
    for node in [*route, 0]:
        t = max(data.nodes[node, 0], t + data.nodes[prev, 2] + data.times[prev, node])
        load += data.nodes[node, 3]
        if t > data.nodes[node, 1] or load > data.capacity or delivery_of.get(node, node) not in seen | {node}:
            return False
        seen.add(node)
        prev = node
    return True


def _cost(data: alns.Data, routes: list[list[int]]) -> int:
    return int(sum(data.distances[a, b] for r in routes for a, b in itertools.pairwise([0, *r, 0])))


def _brute_force(data: alns.Data) -> tuple[int, int]:
    """(vehicles, distance) of the best plan, by enumerating assignments to routes and visit orders."""
    best = (10**9, 10**18)
    n_req = len(data.requests)
    for owner in itertools.product(range(data.fleet), repeat=n_req):
        routes = []
        for k in sorted(set(owner)):
            nodes = [int(x) for r in range(n_req) if owner[r] == k for x in data.requests[r] if x >= 0]
            feasible = [list(p) for p in itertools.permutations(nodes) if _route_ok(data, list(p))]
            if not feasible:
                break
            routes.append(min(feasible, key=lambda p: _cost(data, [p])))
        else:
            best = min(best, (len(routes), _cost(data, routes)))
    return best


def test_matches_enumeration_on_a_small_vrptw():
    xy = [[0, 0], [10, 0], [20, 0], [0, 10], [0, 20], [-10, -10], [15, 15]]
    nodes = [[0, 400, 0, 0], [0, 60, 5, 3], [50, 120, 5, 3], [0, 400, 5, 4], [0, 400, 5, 2], [0, 90, 5, 3]]
    nodes.append([0, 400, 5, 2])
    requests = [[c, -1] for c in range(1, 7)]
    data = _data(xy, nodes, requests, capacity=10, fleet=3)
    found = alns.search(data, time_limit_s=0.5, seed=1)
    assert not found.unserved
    assert all(_route_ok(data, r) for r in found.routes)
    assert (found.vehicles, found.distance) == _brute_force(data)
    assert found.distance == _cost(data, found.routes)


def test_matches_enumeration_on_a_small_pdptw():
    xy = [[0, 0], [10, 0], [30, 0], [0, 10], [0, 30], [-10, 0], [-25, 5], [12, 12], [5, 25]]
    nodes = [[0, 500, 0, 0]]
    nodes += [[0, 200, 2, 5], [0, 200, 2, -5], [0, 100, 2, 6], [0, 300, 2, -6]]
    nodes += [[0, 300, 2, 4], [100, 300, 2, -4], [0, 300, 2, 3], [0, 300, 2, -3]]
    requests = [[1, 2], [3, 4], [5, 6], [7, 8]]
    data = _data(xy, nodes, requests, capacity=10, fleet=2)
    found = alns.search(data, time_limit_s=0.5, seed=2)
    assert not found.unserved
    assert all(_route_ok(data, r) for r in found.routes)
    for p, d in requests:
        (route,) = [r for r in found.routes if p in r]
        assert d in route and route.index(p) < route.index(d)
    assert (found.vehicles, found.distance) == _brute_force(data)


def test_fewer_vehicles_win_at_equal_distance():
    # Customers on opposite sides of the depot: one route through both and two return trips have the same
    # length, so only the fleet minimisation decides.
    xy = [[0, 0], [50, 0], [-50, 0]]
    nodes = [[0, 10_000, 0, 0], [0, 10_000, 0, 1], [0, 10_000, 0, 1]]
    data = _data(xy, nodes, [[1, -1], [2, -1]], capacity=5, fleet=2)
    found = alns.search(data, time_limit_s=0.3)
    assert found.vehicles == 1 and found.distance == 200
    assert found.fleet_history[-1][1] == 1


def test_unreachable_request_is_left_out_and_named():
    xy = [[0, 0], [10, 0], [1000, 0]]
    nodes = [[0, 5000, 0, 0], [0, 5000, 0, 1], [0, 50, 0, 1]]
    data = _data(xy, nodes, [[1, -1], [2, -1]], capacity=5, fleet=2)
    found = alns.search(data, time_limit_s=0.3)
    assert found.unserved == [1]
    assert found.routes == [[1]]


@pytest.mark.parametrize(
    ("nodes", "requests", "message"),
    [
        ([[0, 9, 0, 0], [0, 9, 0, 1]], [[1, -1], [1, -1]], "exactly one request"),
        ([[0, 9, 0], [0, 9, 0]], [[1, -1]], "4 columns"),
    ],
)
def test_malformed_data_is_refused(nodes, requests, message):
    d = np.zeros((2, 2), dtype=np.int64)
    with pytest.raises(ProblemError, match=message):
        alns.Data(d, d, np.array(nodes), np.array(requests), 5, 1)


def test_matrix_shape_is_checked():
    with pytest.raises(ProblemError, match="3x3"):
        alns.Data(np.zeros((2, 2)), np.zeros((3, 3)), np.zeros((3, 4)), np.array([[1, 2]]), 5, 1)


@needs_files
@pytest.mark.parametrize(("name", "fmt"), [("lc101", "lilim"), ("C101", "solomon")])
def test_reaches_the_best_known_on_easy_benchmark_files(name, fmt):
    folder = ROOT / ("lilim/100" if fmt == "lilim" else "solomon")
    inst = instances.read(folder / f"{name}.txt", fmt)
    found = alns.search(instances.to_alns(inst), time_limit_s=3.0)
    assert not found.unserved
    assert instances.exact_violations(inst, found.routes) == []
    assert (found.vehicles, round(instances.exact_distance(inst, found.routes), 2)) == (10, 828.94)
