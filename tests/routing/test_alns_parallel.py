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
        penalty = int(np.asarray(data.penalties)[found.unserved].sum())
        assert found.distance + penalty <= start.distance + int(np.asarray(data.penalties)[start.unserved].sum())
        assert _kept_whole(data, found.routes)


def _objective(data: alns.Instance, s: alns._Search) -> int:
    assert data.penalties is not None
    return s.distance(s.best) + int(np.asarray(data.penalties)[s.banked(s.best)].sum())


def test_every_route_alone_keeps_its_requests_and_shortens_its_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    shortened = 0
    for seed in range(4):
        data = _day(seed)
        s = alns._Search(data, seed)
        alns._repair(s.cur, s.inst, s.banked(s.cur), 2, 0, data.fleet, s.ranked)  # the first plan, as `plan` does
        s.reset_to(s.cur, s.ranked)
        before = _objective(data, s)
        owner = s.best[6][data.requests[:, 0]].copy()
        t0 = -alns.START_WORSE * s.distance(s.best) / np.log(0.5)
        ran, late = alns._apart(
            s, alns._Stretch(s, seed, 0, 60.0, t0, work=WORK), np.random.default_rng(seed), data.fleet
        )
        after = _objective(data, s)
        moved = s.best[6][data.requests[:, 0]]
        assert ran > 0 and not late
        # A request stays on its route or, if it was left out, joins one: the routes are searched apart.
        assert ((moved == owner) | (owner < 0)).all()
        assert after <= before
        assert _kept_whole(data, _routes(s.best))
        shortened += after < before
    assert shortened >= 2  # regret insertion's first plan leaves routes to shorten


def test_a_failure_in_a_thread_reaches_the_caller() -> None:
    def broken() -> tuple[int, bool]:
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


def test_the_first_plans_are_paid_from_the_budget_of_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # Two searches side by side, each built from its own first plan, one after the other before any stretch.
    monkeypatch.setattr(alns, "WORKERS", 2)
    monkeypatch.setattr(alns, "DECOMPOSE_FLEET", 100)
    data = _day(3)
    built = 0
    for w in range(2):
        search = alns._Search(data, 5 + w)
        alns._construct(search, in_turn=w % 2 == 0)
        built += int(search.cur[9][0])
    given: list[int] = []

    def counted(run: Callable[..., tuple[int, bool]]) -> Callable[..., tuple[int, bool]]:
        def spy(*args: Any) -> tuple[int, bool]:
            given.append(next(a for a in args if isinstance(a, alns._Stretch)).work or 0)
            return run(*args)

        return spy

    for name in ("_together", "_apart"):
        monkeypatch.setattr(alns, name, counted(getattr(alns, name)))
    found = alns.plan(data, time_limit_s=60.0, work=built + WORK, seed=5)
    assert not found.stopped_by_clock
    # The stretches share what the first plans left of the budget (each share rounded to a unit).
    assert abs(sum(given) - WORK) <= len(given)
