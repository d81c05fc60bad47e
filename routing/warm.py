"""The warm start of the dispatch model: the day as a general ALNS instance, searched, read back as routes.

OR-Tools alone builds its first plan by parallel cheapest insertion, which on a few hundred pickup-and-delivery
pairs with breaks takes longer than the dispatcher's limit and leaves postmen idle (issue 9). The adaptive large
neighbourhood search of :mod:`routing.alns` takes the same model — every postman's own start, end, shift,
longest working day (leaving later to keep it), capacity, costs and lunch break, several windows per stop,
penalties by priority, mandatory tasks, loads already on board and the rest of a plan in progress — and hands its
plan to OR-Tools, which checks it on the full model.

The break is a stop of its own in the search: taken where the postman is (after a stop, while waiting), of its
full length, starting inside its window; a day that ends before the break could begin, or begins after its
latest start, goes without (:meth:`routing.problem.Break.needed`). OR-Tools is freer (a break may also cut a
drive, or fall before the postman leaves or after he is back, outside his working day), so every plan of the
search is a plan of OR-Tools.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from routing import alns
from routing.problem import Problem

if TYPE_CHECKING:
    from routing.solver import StopKey, _Table, _Vehicle

log = logging.getLogger(__name__)

BREAK_PENALTY = 10**13
"""Penalty of a break left out of a route: above any task's (a postman always takes his lunch)."""


def instance(
    problem: Problem,
    vehicles: Sequence[_Vehicle],
    table: _Table,
    owner: Mapping[str, int] | None = None,
) -> alns.Instance:
    """The day as a general ALNS instance: the table's nodes in their order, then one break node per postman.

    Parameters
    ----------
    problem
        The problem (matrices and costs).
    vehicles
        The postmen with where and when they start, what they carry and whether the break is still due.
    table
        The nodes of the OR-Tools model (starts, ends, task stops), in that order.
    owner
        Per task id, the only vehicle that may serve it (a re-optimisation that keeps assignments).
    """
    nodes = table.nodes
    nv = len(vehicles)
    used_places = np.unique([n.index for n in nodes])
    row = {int(x): i for i, x in enumerate(used_places)}
    sub = np.ix_(used_places, used_places)
    times = problem.arcs[sub].astype(np.int64)
    dist = problem.distances[sub]
    classes: dict[tuple[float, float], int] = {}
    costs: list[np.ndarray] = []
    for v in vehicles:
        key = (v.postman.cost_per_km, v.postman.cost_per_hour)
        if key not in classes:
            classes[key] = len(costs)
            costs.append(np.rint(dist * (key[0] / 1000.0) + times * (key[1] / 3600.0)).astype(np.int64))
    width = max(len(n.windows) for n in nodes)
    table_rows, windows = [], []
    for n in nodes:
        table_rows.append((row[n.index], n.service, n.demand))
        w = sorted(n.windows)
        windows.append(w + [(-1, -1)] * (width - len(w)))
    for vi, v in enumerate(vehicles):
        m = v.postman
        # A postman under way leaves from where he is at once; one at the depot may leave later.
        windows[vi] = [(v.earliest, v.earliest if v.done else m.shift_end)] + [(-1, -1)] * (width - 1)
        windows[nv + vi] = [(max(m.shift_start, v.earliest), m.shift_end)] + [(-1, -1)] * (width - 1)
    fleet = []
    requests: list[tuple[int, int]] = []
    penalties: list[int] = []
    allowed: list[int] = []
    for vi, v in enumerate(vehicles):
        m = v.postman
        brk = -1
        b = m.lunch
        if b is not None and v.lunch and b.latest - max(b.earliest, v.earliest) >= b.duration:
            brk = len(table_rows)
            table_rows.append((-1, b.duration, 0))
            windows.append([(max(b.earliest, v.earliest), b.latest - b.duration)] + [(-1, -1)] * (width - 1))
            requests.append((brk, -1))
            penalties.append(BREAK_PENALTY)
            allowed.append(vi)
        cost_class = classes[(m.cost_per_km, m.cost_per_hour)]
        fleet.append((vi, nv + vi, brk, m.capacity, v.load, cost_class, int(m.fixed_cost)))
    owner = owner or {}
    for p, d, t in table.pairs:
        requests.append((p, d))
        penalties.append(t.penalty)
        allowed.append(owner.get(t.id, -1))
    for node, t, vehicle in table.singles:
        requests.append((node, -1))
        penalties.append(t.penalty)
        allowed.append(vehicle if vehicle is not None else owner.get(t.id, -1))
    return alns.Instance(
        times,
        np.stack(costs),
        np.array(table_rows, dtype=np.int64),
        np.array(windows, dtype=np.int64),
        np.array(requests, dtype=np.int64).reshape(-1, 2),
        np.array(fleet, dtype=np.int64),
        penalties=np.array(penalties, dtype=np.int64),
        allowed=np.array(allowed, dtype=np.int64),
        longest=np.array([-1 if v.max_work is None else v.max_work for v in vehicles], dtype=np.int64),
    )


def initial_nodes(table: _Table, routes: Sequence[Sequence[StopKey]]) -> list[list[int]]:
    """Routes given as task stops, as node lists of the instance (stops unknown to the table left out)."""
    return [[table.key_node[k] for k in r if k in table.key_node] for r in routes]


def search(
    problem: Problem,
    vehicles: Sequence[_Vehicle],
    table: _Table,
    *,
    time_limit_s: float,
    sized_s: float | None,
    seed: int = 0,
    owner: Mapping[str, int] | None = None,
    initial: Sequence[Sequence[StopKey]] | None = None,
) -> tuple[list[list[StopKey]], alns.Result]:
    """Search the day within ``time_limit_s`` seconds and return each vehicle's task stops in order.

    With ``sized_s``, the search also stops at a budget of work of that many seconds (:data:`alns.WORK_RATE`), so
    that the same input and seed give the same routes unless the clock ends the search first
    (``Result.stopped_by_clock``); without, the clock alone ends it.
    """
    data = instance(problem, vehicles, table, owner)
    work = None if sized_s is None else int(alns.WORK_RATE * sized_s)
    start = initial_nodes(table, initial) if initial else None
    found = alns.plan(data, time_limit_s=time_limit_s, work=work, seed=seed, initial=start)
    keys = [n.key for n in table.nodes]
    routes = [[keys[x] for x in r if x < len(keys) and keys[x] is not None] for r in found.routes]
    return routes, found  # type: ignore[return-value]


def schedules(table: _Table, found: alns.Result) -> list[list[tuple[int, int]]]:
    """Per vehicle, the table nodes of the search's route (start and end included, breaks left out) with the
    start of service at each.

    A vehicle whose schedule leaves a window (a stop past every window, started at the search's infinity, which
    printed as "320255973501901:56") goes straight from its start to its end instead: its tasks are left to the
    plan's own insertion and explanations (:func:`routing.solver.solve`), never given absurd times.
    """
    assert found.starts is not None
    nv = len(found.routes)
    out = []
    for k, route in enumerate(found.routes):
        seq = [k, *route, nv + k]
        sched = [(x, t) for x, t in zip(seq, found.starts[k], strict=True) if x < len(table.nodes)]
        if all(any(lo <= t <= hi for lo, hi in table.nodes[x].windows) for x, t in sched):
            out.append(sched)
            continue
        start, end = table.nodes[k], table.nodes[nv + k]
        leave = start.windows[0][0]
        log.warning("the search's schedule of vehicle %d leaves a window: it goes straight to its end", k)
        out.append([(k, leave), (nv + k, leave + int(table.problem.arcs[start.index, end.index]))])
    return out
