"""Siting models against brute force on small random instances, and their fail-fast messages."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from geo._errors import InfeasibleError
from geo.siting import CapacitatedPMedian, MaxCoverage, PCenter, PMedian, SetCover


def instance(seed: int, n_demand: int = 14, n_cand: int = 9, *, integer: bool = True):
    """Random planar instance: travel times proportional to distance, weights 1..5."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 100, (n_demand, 2))
    cand = rng.uniform(0, 100, (n_cand, 2))
    cost = np.linalg.norm(demand[:, None] - cand[None], axis=2) * 6.0
    if integer:
        cost = np.round(cost)
    weights = rng.integers(1, 6, n_demand).astype(float)
    return cost, weights


def combos(n_cand: int, fixed: list[int], k: int):
    free = [j for j in range(n_cand) if j not in fixed]
    for combo in itertools.combinations(free, k):
        yield np.array(sorted([*fixed, *combo]), dtype=int)


def brute_pmedian(cost, weights, p, fixed):
    return min((weights * cost[:, s].min(axis=1)).sum() for s in combos(cost.shape[1], fixed, p))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("fixed", [[], [2], [0, 5]])
@pytest.mark.parametrize("method", ["branch", "mip"])
def test_pmedian_matches_brute_force(seed, fixed, method):
    cost, weights = instance(seed, integer=seed % 2 == 0)
    model = PMedian.from_matrix(cost, weights, p=3, fixed_open=fixed, method=method).solve(time_limit_s=20)
    assert model.objective == pytest.approx(brute_pmedian(cost, weights, 3, fixed))
    assert model.optimal and model.gap == 0.0
    assert model.bound <= model.objective + 1e-6
    assert model.new_sites.size == 3
    assert set(fixed) <= set(model.sites.tolist())
    assert not set(fixed) & set(model.new_sites.tolist())
    np.testing.assert_array_equal(cost[np.arange(len(cost)), model.assignment], cost[:, model.sites].min(axis=1))


def test_pmedian_gap_needing_branching_is_closed():
    # Many clients, few sites: the Lagrangian root bound alone seldom closes these.
    cost, weights = instance(11, n_demand=80, n_cand=16)
    model = PMedian.from_matrix(cost, weights, p=4).solve(time_limit_s=30)
    assert model.objective == pytest.approx(brute_pmedian(cost, weights, 4, []))
    assert model.optimal


def test_from_layers_uses_the_matrix_function_and_flags():
    cost, weights = instance(3)
    demand = pd.DataFrame({"households": weights})
    candidates = pd.DataFrame({"agency": [j == 4 for j in range(cost.shape[1])]})
    model = PMedian.from_layers(
        demand, candidates, lambda d, c: cost, weight_column="households", fixed_column="agency", p=2
    ).solve(time_limit_s=10)
    assert model.fixed_sites.tolist() == [4]
    assert model.objective == pytest.approx(brute_pmedian(cost, weights, 2, [4]))


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fixed", [[], [1]])
def test_max_coverage_matches_brute_force(seed, fixed):
    cost, weights = instance(seed)
    limit = float(np.quantile(cost, 0.2))
    model = MaxCoverage.from_matrix(cost, weights, p=2, max_time_s=limit, fixed_open=fixed).solve(time_limit_s=20)
    best = max(weights[(cost[:, s] <= limit).any(axis=1)].sum() for s in combos(cost.shape[1], fixed, 2))
    assert model.objective == pytest.approx(best)
    assert model.optimal and model.upper_bound == pytest.approx(best)
    assert model.covered.sum() == (cost[:, model.sites] <= limit).any(axis=1).sum()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fixed", [[], [3]])
def test_set_cover_matches_brute_force(seed, fixed):
    cost, weights = instance(seed)
    limit = float(cost.min(axis=1).max() * 1.3)
    model = SetCover.from_matrix(cost, weights, max_time_s=limit, fixed_open=fixed).solve(time_limit_s=20)
    best = next(
        k
        for k in range(cost.shape[1] + 1)
        if any((cost[:, s] <= limit).any(axis=1).all() for s in combos(cost.shape[1], fixed, k))
    )
    assert model.objective == best and model.new_sites.size == best and model.optimal
    assert (cost[:, model.sites].min(axis=1) <= limit).all()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fixed", [[], [0]])
def test_pcenter_matches_brute_force(seed, fixed):
    cost, weights = instance(seed)
    model = PCenter.from_matrix(cost, weights, p=3, fixed_open=fixed).solve(time_limit_s=30)
    best = min(cost[:, s].min(axis=1).max() for s in combos(cost.shape[1], fixed, 3))
    assert model.objective == pytest.approx(best)
    assert model.optimal and model.bound == pytest.approx(best)
    assert model.new_sites.size == 3


def brute_capacitated(cost, weights, p, capacity, fixed):
    best = np.inf
    for sites in combos(cost.shape[1], fixed, p):
        for choice in itertools.product(sites, repeat=len(weights)):
            load = np.bincount(choice, weights=weights, minlength=cost.shape[1])
            if (load <= capacity).all():
                best = min(best, (weights * cost[np.arange(len(weights)), list(choice)]).sum())
    return best


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("fixed", [[], [1]])
def test_capacitated_matches_brute_force(seed, fixed):
    cost, weights = instance(seed, n_demand=6, n_cand=5)
    capacity = np.ceil(weights.sum() / 1.6)
    model = CapacitatedPMedian.from_matrix(cost, weights, p=2, capacity=capacity, fixed_open=fixed)
    model.solve(time_limit_s=20)
    assert model.objective == pytest.approx(brute_capacitated(cost, weights, 2, capacity, fixed))
    assert model.optimal
    assert (model.load <= capacity + 1e-6).all()
    assert set(model.assignment.tolist()) <= set(model.sites.tolist())


def test_capacitated_with_ample_capacity_is_the_p_median():
    cost, weights = instance(5)
    split = CapacitatedPMedian.from_matrix(cost, weights, p=3, capacity=1e6, single_source=False)
    assert split.solve(time_limit_s=20).objective == pytest.approx(brute_pmedian(cost, weights, 3, []))


def test_p_larger_than_free_candidates_fails_with_numbers():
    cost, weights = instance(0, n_cand=5)
    with pytest.raises(InfeasibleError, match=r"p = 4 new sites requested but only 3 candidates .*2 fixed open"):
        PMedian.from_matrix(cost, weights, p=4, fixed_open=[0, 1])


def test_capacity_below_demand_fails_with_numbers():
    cost, _ = instance(0, n_demand=4, n_cand=5)
    expected = r"total demand 40 exceeds the largest capacity 2 new and 1 fixed sites can offer \(33\)"
    with pytest.raises(InfeasibleError, match=expected):
        CapacitatedPMedian.from_matrix(cost, np.full(4, 10.0), p=2, capacity=[9, 9, 12, 12, 10], fixed_open=[0])


def test_set_cover_names_unreachable_demand():
    cost = np.array([[100.0, 900.0], [700.0, 800.0], [50.0, 60.0], [1000.0, 650.0]])
    with pytest.raises(InfeasibleError, match=r"2 demand points are farther than 600 s .*worst: demand 1 \(nearest"):
        SetCover.from_matrix(cost, max_time_s=600)


def test_demand_without_any_path_fails():
    cost = np.array([[1.0, 2.0], [np.inf, np.inf], [3.0, 1.0]])
    with pytest.raises(InfeasibleError, match=r"1 demand points cannot reach any candidate .*demand 1"):
        PMedian.from_matrix(cost, p=1)


def test_capacitated_shows_zero_demand_rows_at_their_nearest_site():
    cost, weights = instance(2, n_demand=6, n_cand=5)
    weights[0] = 0.0
    model = CapacitatedPMedian.from_matrix(cost, weights, p=2, capacity=weights.sum()).solve(time_limit_s=20)
    assert model.assignment[0] == model.sites[np.argmin(cost[0, model.sites])]
    assert model.load.sum() == pytest.approx(weights.sum())
