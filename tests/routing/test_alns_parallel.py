"""The general search side by side in threads: whole plans that meet after each stretch (small fleets) or a
large fleet in parts. With an iteration budget, the same seed gives the same plan whatever the threads' speed,
and every plan is one the search itself accepts as feasible."""

from __future__ import annotations

import numpy as np
import pytest

from routing import alns
from tests.routing.test_alns_insertion import _day


def _kept_whole(data: alns.Instance, found: alns.Result) -> bool:
    """Whether every route of the plan is feasible: a fresh search started from it keeps every route."""
    search = alns._Search(data, 0)
    alns._start_from(search, found.routes)
    sol = search.cur
    return all([int(x) for x in sol[0][k, 1 : sol[1][k] + 1]] == route for k, route in enumerate(found.routes) if route)


@pytest.mark.parametrize("parts", [False, True], ids=["whole plans", "in parts"])
def test_same_seed_same_plan_side_by_side(monkeypatch: pytest.MonkeyPatch, parts: bool) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    # The test day has 3 vehicles: a threshold of 2 sends it through the decomposition.
    monkeypatch.setattr(alns, "DECOMPOSE_FLEET", 2 if parts else 100)
    data = _day(2)
    first = alns.plan(data, time_limit_s=60.0, iterations=240, seed=7)
    second = alns.plan(data, time_limit_s=60.0, iterations=240, seed=7)
    assert not first.stopped_by_clock
    assert first.routes == second.routes and first.distance == second.distance
    assert first.unserved == second.unserved
    assert _kept_whole(data, first)
    if not parts:
        assert first.iterations == 2 * 240  # both searches ran the whole budget


def test_searches_side_by_side_beat_their_start(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alns, "WORKERS", 2)
    data = _day(3)
    assert data.penalties is not None
    start = alns.plan(data, time_limit_s=60.0, iterations=1, seed=1)
    for parts in (2, 100):
        monkeypatch.setattr(alns, "DECOMPOSE_FLEET", parts)
        found = alns.plan(data, time_limit_s=60.0, iterations=400, seed=1)
        penalty = int(np.asarray(data.penalties)[found.unserved].sum())
        assert found.distance + penalty <= start.distance + int(np.asarray(data.penalties)[start.unserved].sum())
        assert _kept_whole(data, found)


def test_a_failure_in_a_thread_reaches_the_caller() -> None:
    def broken() -> tuple[int, bool]:
        raise ValueError("broken search")

    with pytest.raises(ValueError, match="broken search"):
        alns._in_threads([broken, broken])  # type: ignore[list-item]
