"""The general search side by side in threads: whole plans that meet after each stretch (small fleets) or a
large fleet in parts, then every route alone. With a work budget, the same seed gives the same plan whatever the
threads' speed, and every plan is one the search itself accepts as feasible."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from routing import alns
from tests.routing.test_alns_insertion import _day

WORK = 200_000
"""A work budget of a few hundred iterations on the test days."""


def _routes(sol: tuple) -> list[list[int]]:
    return [[int(x) for x in sol[0][k, 1 : sol[1][k] + 1]] for k in range(len(sol[1]))]


def _kept_whole(data: alns.Instance, routes: list[list[int]]) -> bool:
    """Whether every route of the plan is feasible: a fresh search started from it keeps every route."""
    search = alns._Search(data, 0)
    alns._start_from(search, routes)
    return all(kept == route for kept, route in zip(_routes(search.cur), routes, strict=True) if route)


@pytest.mark.alone
@pytest.mark.parametrize("parts", [False, True], ids=["whole plans", "in parts"])
def test_same_seed_same_plan_side_by_side(monkeypatch: pytest.MonkeyPatch, parts: bool) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    # The test day has 3 vehicles: a threshold of 2 sends it through the decomposition.
    monkeypatch.setattr(alns, "DECOMPOSE_FLEET", 2 if parts else 100)
    data = _day(2)
    alns.warm_up()  # compiled before the clock runs, as the service does at start
    first = alns.plan(data, time_limit_s=60.0, work=WORK, seed=7)
    second = alns.plan(data, time_limit_s=60.0, work=WORK, seed=7)
    assert not first.stopped_by_clock  # every search, whole plans, parts and routes alone, did its work
    assert first.routes == second.routes and first.distance == second.distance
    assert first.unserved == second.unserved and first.iterations == second.iterations
    assert _kept_whole(data, first.routes)


def test_searches_side_by_side_beat_their_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    data = _day(3)
    assert data.penalties is not None
    start = alns.plan(data, time_limit_s=60.0, work=1, seed=1)
    for parts in (2, 100):
        monkeypatch.setattr(alns, "DECOMPOSE_FLEET", parts)
        found = alns.plan(data, time_limit_s=60.0, work=2 * WORK, seed=1)
        assert _cost(data, found) <= _cost(data, start)
        assert _kept_whole(data, found.routes)


def _cost(data: alns.Instance, found: alns.Result) -> int:
    assert data.penalties is not None
    return found.distance + int(np.asarray(data.penalties)[found.unserved].sum())


def _objective(data: alns.Instance, s: alns._Search) -> int:
    assert data.penalties is not None
    return s.distance(s.best) + int(np.asarray(data.penalties)[s.banked(s.best)].sum())


def test_every_route_alone_keeps_its_requests_and_shortens_its_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    shortened = 0
    for seed in range(4):
        data = _day(seed)
        s = alns._Search(data, seed)
        alns._repair(s.cur, s.inst, s.banked(s.cur), 2, 0, data.fleet, s.ranked, -1)  # the first plan, as `plan` does
        s.reset_to(s.cur, s.ranked)
        before = _objective(data, s)
        owner = s.best[6][data.requests[:, 0]].copy()
        t0 = -alns.START_WORSE * s.distance(s.best) / np.log(0.5)
        ran = alns._apart(s, alns._Stretch(s, seed, 0, 60.0, t0, work=WORK), np.random.default_rng(seed), data.fleet)
        after = _objective(data, s)
        moved = s.best[6][data.requests[:, 0]]
        assert ran.iterations > 0 and not ran.late
        # A request stays on its route or, if it was left out, joins one: the routes are searched apart.
        assert ((moved == owner) | (owner < 0)).all()
        assert after <= before
        assert _kept_whole(data, _routes(s.best))
        shortened += after < before
    assert shortened >= 2  # regret insertion's first plan leaves routes to shorten


def test_a_failure_in_a_thread_reaches_the_caller() -> None:
    def broken() -> alns._Ran:
        raise ValueError("broken search")

    with pytest.raises(ValueError, match="broken search"):
        alns._in_threads([broken, broken])  # type: ignore[list-item]


def test_a_plan_is_scheduled_as_early_as_it_can_be_without_a_longest_day() -> None:
    data = _day(1)
    found = alns.plan(data, time_limit_s=60.0, work=WORK, seed=2)
    search = alns._Search(data, 0)
    alns._start_from(search, found.routes)
    assert found.starts is not None
    for k, route in enumerate(found.routes):
        assert found.starts[k] == search.cur[3][k, : len(route) + 2].tolist(), k


@pytest.mark.alone
def test_the_first_plans_are_paid_from_the_budget_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two searches side by side, each built from its own first plan, one after the other before any stretch.
    monkeypatch.setattr(alns, "WORKERS", 2)
    monkeypatch.setattr(alns, "DECOMPOSE_FLEET", 100)
    data = _day(3)
    built = _first_plans_work(data, 5)
    given: list[int] = []

    def counted(run: Callable[..., alns._Ran]) -> Callable[..., alns._Ran]:
        def spy(*args: Any) -> alns._Ran:
            given.append(next(a for a in args if isinstance(a, alns._Stretch)).work or 0)
            return run(*args)

        return spy

    for name in ("_together", "_apart"):
        monkeypatch.setattr(alns, name, counted(getattr(alns, name)))
    # A budget the first plans used up leaves nothing to search: the plan is the better first plan.
    spent = alns.plan(data, time_limit_s=60.0, work=built, seed=5)
    assert spent.iterations == 0 and not given and not spent.stopped_by_clock
    found = alns.plan(data, time_limit_s=60.0, work=built + WORK, seed=5)
    assert not found.stopped_by_clock
    assert _cost(data, found) <= _cost(data, spent)
    # The stretches share what the first plans left of the budget: the first two (whole plans, then every route
    # alone) an eighth, each later one what the budget comes to by its end less what the ones before did.
    assert abs(given[0] + given[1] - WORK // alns.EPOCHS) <= 2
    assert sum(given) <= WORK + len(given)


@pytest.mark.alone
def test_a_stretch_that_overran_its_share_leaves_the_next_less(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    monkeypatch.setattr(alns, "DECOMPOSE_FLEET", 100)
    data = _day(3)
    shares: list[tuple[int, int]] = []
    together = alns._together

    def spy(searches: list[alns._Search], stretch: alns._Stretch) -> alns._Ran:
        ran = together(searches, stretch)
        shares.append((stretch.work or 0, ran.work))
        return ran

    monkeypatch.setattr(alns, "_together", spy)
    # A budget of a few hundred units a stretch, less than one iteration does: the first stretches overrun, the
    # stretches after them have nothing left, and the search ends near its budget rather than at 16 iterations'.
    found = alns.plan(data, time_limit_s=60.0, work=_first_plans_work(data, 5) + alns.EPOCHS * 300, seed=5)
    assert shares[0][1] > shares[0][0]
    assert 0 < len(shares) < alns.EPOCHS and not found.stopped_by_clock


def _first_plans_work(data: alns.Instance, seed: int) -> int:
    """The work of the two first plans the search builds side by side (:func:`alns.plan`)."""
    built = 0
    for w in range(2):
        search = alns._Search(data, seed + w)
        alns._construct(search, in_turn=w % 2 == 0)
        built += int(search.cur[9][0])
    return built


def test_the_first_plans_stop_where_the_budget_of_work_ends(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    monkeypatch.setattr(alns, "DECOMPOSE_FLEET", 100)
    data = _day(3)
    whole = alns._Search(data, 5)
    alns._construct(whole, in_turn=True)
    quarter = int(whole.cur[9][0]) // (4 * alns.FIRST_PLANS_WORK) * alns.FIRST_PLANS_WORK
    part = alns._Search(data, 5)
    alns._construct(part, in_turn=True, work_end=quarter)
    assert quarter <= part.cur[9][0] < whole.cur[9][0]
    assert len(part.banked(part.cur)) > len(whole.banked(whole.cur))
    # In the search, the first plan built takes what the budget allows them, the second none: the plan is the
    # first, unsearched.
    cut = alns.plan(data, time_limit_s=60.0, work=quarter // alns.FIRST_PLANS_WORK, seed=5)
    assert cut.iterations == 0 and set(cut.unserved) == set(part.banked(part.cur).tolist())


def test_a_route_that_no_longer_fits_is_cut_short_from_its_end() -> None:
    data = _day(1)
    found = alns.plan(data, time_limit_s=60.0, work=WORK, seed=2)
    breaks = set(data.vehicles[:, 2].tolist())
    k = max(range(data.fleet), key=lambda k: len(found.routes[k]))
    route = [x for x in found.routes[k] if x not in breaks]  # a break is left to the repair
    given = [route if j == k else [] for j in range(data.fleet)]
    loose = alns._Search(data, 0)
    alns._start_from(loose, given)
    assert _routes(loose.cur)[k] == route
    day = alns._shortest_day(loose.inst, loose.cur[0][k], len(route))
    # Under a working day a third shorter the route no longer fits: the requests of its last stops go back to the
    # bank (both stops of a pair), the others stay in their order, rather than the whole route emptied.
    longest = np.full(data.fleet, -1, dtype=np.int64)
    longest[k] = day * 2 // 3
    tight = alns.Instance(
        data.times, data.costs, data.nodes, data.windows, data.requests, data.vehicles,
        penalties=data.penalties, allowed=data.allowed, longest=longest,
    )  # fmt: skip
    search = alns._Search(tight, 0)
    alns._start_from(search, given)
    kept = _routes(search.cur)[k]
    assert 0 < len(kept) < len(route) and kept == [x for x in route if x in kept]
    banked = [r for r in search.banked(search.cur) if set(data.requests[r].tolist()) & set(route)]
    assert {x for r in banked for x in data.requests[r].tolist()} == set(route) - set(kept)
    last_kept = max(route.index(x) for x in kept)
    assert all(max(route.index(x) for x in data.requests[r]) > last_kept for r in banked)
    assert alns._shortest_day(search.inst, search.cur[0][k], len(kept)) <= longest[k]
