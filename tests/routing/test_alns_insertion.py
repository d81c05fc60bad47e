"""The search's cheapest insertion of a request (the pair's delivery read from the route's own schedule once the
pickup's push has died out) equals trying every pickup and delivery position, on random days with several
windows per stop, lunch breaks, loads and a fixed cost."""

from __future__ import annotations

import numpy as np
import pytest

from routing import alns

N_PLACES = 30
BREAK = -1


def _day(seed: int) -> alns.Instance:
    """Pairs on a grid (Manhattan times: the triangle inequality holds exactly), 3 vehicles with a break each."""
    rng = np.random.default_rng(seed)
    xy = rng.integers(0, 40, size=(N_PLACES, 2))
    times = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * 60
    costs = np.stack([times * 2, times * 3])
    n_pairs, fleet = 24, 3
    nodes, windows = [], []
    for k in range(fleet):  # start and end of each vehicle at place 0 or 1
        nodes += [[k % 2, 0, 0], [k % 2, 0, 0]]
        windows += [[[0, 36_000], [-1, -1]], [[0, 36_000], [-1, -1]]]
    nodes += [[BREAK, 1_800, 0]] * fleet
    windows += [[[14_000, 16_000], [-1, -1]]] * fleet
    requests = []
    for _ in range(n_pairs):
        p, d = rng.choice(np.arange(2, N_PLACES), size=2, replace=False)
        load = int(rng.integers(1, 3))
        first = int(rng.integers(0, 20_000))
        pick = (
            [[first, first + 7_200], [first + 12_000, first + 15_000]]
            if rng.random() < 0.4
            else [
                [first, first + 14_000],
                [-1, -1],
            ]
        )
        requests.append([len(nodes), len(nodes) + 1])
        nodes += [[int(p), 300, load], [int(d), 300, -load]]
        windows += [pick, [[first, 36_000], [-1, -1]]]
    vehicles = [[2 * k, 2 * k + 1, 2 * fleet + k, 5, 0, k % 2, 5_000 * k] for k in range(fleet)]
    requests += [[2 * fleet + k, -1] for k in range(fleet)]
    return alns.Instance(
        times,
        costs,
        np.array(nodes),
        np.array(windows),
        np.array(requests),
        np.array(vehicles),
        penalties=np.full(len(requests), 10**9),
        allowed=np.array([-1] * n_pairs + list(range(fleet))),  # each break on its own vehicle
    )


def _feasible(sol: tuple, k: int, capacity: int) -> bool:
    m = sol[1][k] + 2
    start, latest, load = sol[3][k, :m], sol[4][k, :m], sol[5][k, :m]
    return bool((start < 1 << 59).all() and (start <= latest).all() and load.min() >= 0 and load.max() <= capacity)


def _brute_force(sol: tuple, inst: tuple, k: int, r: int) -> int:
    """The cheapest feasible insertion of request r into route k over every pair of positions (none where the
    request belongs to another vehicle: a break, or a load on board)."""
    best = int(alns._INF)
    if inst[7][r] not in (-1, k):
        return best
    trial = alns._empty(inst)
    m = int(sol[1][k])
    pair = inst[5][r, 1] >= 0
    for i in range(m + 1):
        for j in range(i, m + 1) if pair else [-1]:
            alns._copy(sol, trial)
            alns._insert(trial, inst, k, r, i, j)
            if _feasible(trial, k, int(inst[6][k, 3])):
                best = min(best, int(trial[2][k] - sol[2][k]))
    return best


@pytest.mark.parametrize("seed", range(4))
def test_cheapest_insertion_equals_every_position(seed: int) -> None:
    data = _day(seed)
    found = alns.plan(data, time_limit_s=5.0, work=20_000, seed=seed)
    search = alns._Search(data, seed)
    alns._start_from(search, found.routes)
    sol, inst = search.cur, search.inst
    served = [r for r in range(len(data.requests)) if sol[6][data.requests[r, 0]] >= 0 and data.requests[r, 1] >= 0]
    out = served[:: max(1, len(served) // 6)]
    chosen = np.array(out, dtype=np.int64)
    alns._remove(sol, inst, chosen, len(chosen))
    compared = 0
    for r in [*out, *alns._bank(sol, inst)]:
        for k in range(data.fleet):
            cost, i, j = alns._best_insertion(sol, inst, k, int(r), alns._INF)
            expected = _brute_force(sol, inst, k, int(r))
            assert cost == expected, f"seed {seed}, request {r}, route {k}: {cost} at ({i}, {j}), expected {expected}"
            if cost < alns._INF:
                compared += 1
                trial = alns._empty(inst)
                alns._copy(sol, trial)
                alns._insert(trial, inst, k, int(r), i, j)
                assert _feasible(trial, k, int(inst[6][k, 3])) and trial[2][k] - sol[2][k] == cost
    assert compared > 0, "some insertions must be feasible for the comparison to mean anything"


def test_a_bound_keeps_only_cheaper_insertions() -> None:
    data = _day(0)
    found = alns.plan(data, time_limit_s=5.0, work=20_000, seed=0)
    search = alns._Search(data, 0)
    alns._start_from(search, found.routes)
    sol, inst = search.cur, search.inst
    r = next(r for r in range(len(data.requests)) if sol[6][data.requests[r, 0]] >= 0 and data.requests[r, 1] >= 0)
    alns._remove(sol, inst, np.array([r], dtype=np.int64), 1)
    costs = [int(alns._best_insertion(sol, inst, k, r, alns._INF)[0]) for k in range(data.fleet)]
    cheapest = min(costs)
    assert cheapest < alns._INF
    assert alns._best_insertion(sol, inst, costs.index(cheapest), r, cheapest)[0] == alns._INF
    assert alns._best_insertion(sol, inst, costs.index(cheapest), r, cheapest + 1)[0] == cheapest
