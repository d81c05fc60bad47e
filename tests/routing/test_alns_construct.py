"""The general search's first plan: routes filled one after another (Solomon's sequential insertion), each kept
to one part of the map, each filled until no request left fits it."""

from __future__ import annotations

import numpy as np
import pytest

from routing import alns
from tests.routing.test_alns_insertion import _day
from tests.routing.test_alns_parallel import _kept_whole, _routes


def _two_districts(shift_end: int) -> alns.Instance:
    """Ten pairs in a district west of the depot and ten east of it, 100 units apart (Manhattan, a minute each);
    two postmen leave the depot between the districts."""
    rng = np.random.default_rng(3)
    west = rng.integers(0, 6, size=(10, 2))
    east = rng.integers(0, 6, size=(10, 2)) + np.array([100, 0])
    xy = np.vstack([[[50, 0]], west, east])
    times = np.abs(xy[:, None, :] - xy[None, :, :]).sum(axis=2) * 60
    nodes = [[0, 0, 0]] * 4  # starts and ends of both postmen
    windows = [[[0, shift_end]]] * 4
    requests = []
    for offset in (1, 11):  # the places of the western district, then of the eastern one
        for i in range(10):
            requests.append([len(nodes), len(nodes) + 1])
            nodes += [[offset + i, 900, 1], [offset + (i + 3) % 10, 900, -1]]
            windows += [[[0, shift_end]], [[0, shift_end]]]
    vehicles = [[0, 1, -1, 20, 0, 0, 0], [2, 3, -1, 20, 0, 0, 0]]
    return alns.Instance(
        times,
        times[None],
        np.array(nodes),
        np.array(windows),
        np.array(requests),
        np.array(vehicles),
        penalties=np.full(len(requests), 10**9),
    )


def _fill(data: alns.Instance, lam: float = alns.FILL_LAMBDA) -> alns._Search:
    s = alns._Search(data, 0)
    alns._fill_in_turn(s.cur, s.inst, s.banked(s.cur), s.ranked, lam, -1)
    return s


@pytest.mark.parametrize("lam", [0.0, 1.0])
def test_each_route_keeps_to_one_district(lam: float) -> None:
    # A shift too short for both districts (about 24,000 s each with the drive there, 6,000 s between them) but
    # long enough for one.
    data = _two_districts(shift_end=30_000)
    s = _fill(data, lam)
    assert len(s.banked(s.cur)) == 0
    route_of = s.cur[6][data.requests[:, 0]]
    assert len(set(route_of[:10].tolist())) == 1 and len(set(route_of[10:].tolist())) == 1
    assert route_of[0] != route_of[10]
    assert _kept_whole(data, _routes(s.cur))


@pytest.mark.parametrize("seed", range(4))
def test_a_route_is_filled_until_nothing_left_fits(seed: int) -> None:
    data = _day(seed)
    assert data.penalties is not None
    s = _fill(data)
    assert _kept_whole(data, _routes(s.cur))
    served = s.cur[6][data.requests[:, 0]] >= 0
    for r in s.banked(s.cur):
        for k in range(data.fleet):
            assert alns._best_insertion(s.cur, s.inst, k, r, data.penalties[r])[1] < 0, (r, k)
    assert served.sum() + len(s.banked(s.cur)) == len(data.requests)


def test_a_route_in_progress_keeps_its_stops() -> None:
    data = _two_districts(shift_end=30_000)
    s = alns._Search(data, 0)
    given = [[int(x) for x in data.requests[10]], []]  # one eastern pair already on the first postman's route
    alns._start_from(s, given)
    alns._fill_in_turn(s.cur, s.inst, s.banked(s.cur), s.ranked, alns.FILL_LAMBDA, -1)
    route = _routes(s.cur)[0]
    assert [x for x in route if x in given[0]] == given[0]
    # It needs no seed: it goes on in the east, where it already is, and the other postman takes the west.
    route_of = s.cur[6][data.requests[:, 0]]
    assert (route_of[10:] == 0).all() and (route_of[:10] == 1).all()
