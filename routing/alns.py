"""Adaptive large neighbourhood search for one-depot VRPTW and PDPTW: the warm start of the benchmark search.

After Ropke & Pisinger (2006), "An adaptive large neighborhood search heuristic for the pickup and delivery
problem with time windows", *Transportation Science* 40(4). Each iteration removes a number of requests (at
random, the most expensive ones, or related ones by Shaw's measure), puts them back by greedy or regret-k
insertion, with or without noise, and accepts the result by simulated annealing; the weights of the operators
follow their success. Fleet minimisation is the paper's: take a route out, put its requests in a request bank
that costs a large penalty per request, and search until the bank is empty, then take the next route out.

A *request* is one customer (VRPTW) or one pickup with its delivery (PDPTW, same route, pickup first). Times,
windows, loads and distances are integers (the benchmark reader scales them); the objective is total distance
plus the bank penalty.

The general search (a postman's day) starts from routes filled one after another (Solomon's sequential
insertion), so that each postman keeps to one part of the city. It uses both cores: small fleets as whole plans
searched side by side from their own seeds (one from regret insertion's first plan), the one behind taking the
leader's best plan after each stretch of the budget; large fleets in parts, the routes dealt at random into one
part per core for each stretch and joined after it. The end of each stretch searches every route alone (with a
few requests left out), the routes shared among the cores. The compiled iterations release the GIL, so plain
threads run them.

Why by hand: no maintained library does this for paired pickups and deliveries. OR-Tools' local search moves
one pair at a time and stalls on the hard PDPTW instances (see :mod:`routing.instances`), PyVRP has no paired
pickups and deliveries, and the ``alns`` package is a framework whose operators would still have to be written,
with Python calls per operator; here one compiled (numba) call runs a chunk of iterations.
"""

from __future__ import annotations

import logging
import math
import os
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import NamedTuple

import numpy as np
from numba import njit

from routing.errors import ProblemError

log = logging.getLogger(__name__)

_INF = np.int64(1) << np.int64(60)
_RANK_STEP = np.int64(1) << np.int64(44)
_E, _L, _S, _Q = 0, 1, 2, 3
"""Columns of a benchmark node table (:class:`Data`): window start, window end, service time, load change."""
_P, _SV, _LD = 0, 1, 2
"""Columns of the general node table: place (row of the matrices; -1 for a break), service time, load change."""
_VS, _VE, _VB, _VC, _VL, _VK, _VF, _VW = 0, 1, 2, 3, 4, 5, 6, 7
"""Columns of the vehicle table: start node, end node, break node (-1: none), capacity, load at the start,
cost class (matrix of ``costs``), fixed cost when used; in the compiled layout, the longest working day (-1: no
limit)."""

REMOVAL_SHARE = 0.4
"""At most this share of the requests (and at most 100) leave the plan in one iteration (the paper's xi)."""
GENERAL_REMOVAL_SHARE = 0.1
"""Share of the requests that may leave the plan in one iteration of the general search, between 20 and 100.

Measured on generated Hanoi days at equal CPU time: on a 1,000-task day (25 postmen) a cap of 100 served 946
requests and 200 served 966 where 20 served 900 (large removals let whole districts be re-planned); on a 300-task
day 20 served 295 where 100 served 289 (five times fewer iterations in the same time)."""

BANK_SAMPLE = 10
"""Requests left out by earlier iterations that one repair tries again (besides those it just removed)."""

CONSTRUCT_BATCH = 100
"""Requests inserted by one regret repair when the general search builds its first plan."""

FILL_LAMBDA = 0.5
"""Weight of a request's cost alone in the routes filled one after another (0: cheapest insertion).

On the 1,000-task day seed 2 (57 s, search seeds 0-3, tasks served): 0.5 gave 972-992 (mean 980.5), 1.0
959-967 (964.5); 0, 0.25 and 2.0 on seeds 0 and 1: 968 and 967, 978 and 969, 947 and 961."""

CHUNK_S = 0.05
"""Seconds of one compiled call of the search, at most: the wall clock is read between calls."""

SEGMENT = 100
"""Iterations between two updates of the operator weights (the paper's segment)."""

REACTION = 0.1
"""How far a segment's scores move the operator weights (the paper's r)."""

SCORES = (33.0, 9.0, 13.0)
"""Score of an operator pair for a new best plan, a better plan, an accepted worse plan (the paper's sigmas)."""

START_WORSE = 0.05
"""The starting temperature accepts a plan this much longer than the first one with probability 1/2 (w)."""

DISTANCE_PENALTY = 1.0
"""Cost of a request left out while shortening the routes, in longest arcs.

Low, so that the search may pass through plans that leave a request or two out: with the fleet at its minimum,
half the candidates miss a request, and with the fleet phase's penalty they were all rejected. The best plan is
still the one serving every request. Measured at 27 s on 10 files with long routes (RC202, R211, RC207, R204,
lrc201, ...): sum of gaps to the best known 28.3% with the fleet penalty, 12.8% and 21.4% (two seeds) with 1.0,
19.3% with 0.5, 33.5% with 3.0.
"""

FLEET_TRY = 0.1
"""Share of the budget one try at a plan with one vehicle less may take."""

PENALTY = 20.0
"""Cost of a request left out, in longest arcs of the instance (the best plan serves the most requests anyway)."""

END_TEMPERATURE = 0.002
"""Temperature at the end of a phase, as a share of the starting temperature."""

WORKERS = min(2, len(os.sched_getaffinity(0)))
"""Searches of the general search run side by side, one per core (the compiled iterations release the GIL)."""

EPOCHS = 8
"""Stretches of the general search's budget; the searches side by side meet after each."""

DECOMPOSE_FLEET = 12
"""Fleets from this size are searched in parts side by side (:func:`_apart`), smaller ones as whole plans side
by side that meet after each stretch (:func:`_together`)."""

ROUTE_SHARE = 0.15
"""Share of each stretch of the general search in which every route is searched alone (:func:`_apart`)."""

WORK_PER_CALL = 4
"""Work counted for one trial of a request on a route, besides one unit per stop of the route: the budget of a
deterministic search is counted in such units (:func:`plan`), which follow the search's time whatever the
routes' lengths, where a count of iterations did not (an iteration on a route of 70 stops costs several on
routes of 17)."""

WORK_PER_ITERATION = 40
"""Work counted for an iteration besides its insertions (copying the plan, choosing the operators): what an
iteration of a day with one task costs, where the insertions count for almost nothing."""

WORK_RATE = 2_200_000
"""Units of work a thread does in a second (:data:`WORK_PER_CALL`, :data:`WORK_PER_ITERATION`), as the budgets
of work are sized: ``WORK_RATE * seconds``.

Measured here (2 cores, both searching; session 41, units per CPU second of the search's stretches, 4-s limits):
3.6-4.1 million on generated days of 30, 60, 150 and 300 tasks and 3.8 million on the demonstration Monday,
3.3-3.6 million on the same days under a common end of the shifts (:mod:`routing.balance`), 2.6 million on the
Monday under one (tight windows make each unit of work cost more), 5.5 million on a day of one task; the
iterations a second meanwhile ranged from 197 (300 tasks) to 2,281 (30 tasks) and 125,831 (one task). The rate
is set below the lowest, so that on such a machine the work, not the clock, ends the search (the same plan every
run), and on a slower or busier one the clock ends it on time (``Result.stopped_by_clock``); on a day without
tight limits the search then ends after about 60% of its time. Until session 41 the budget was a count of
iterations, 400,000 x seconds / requests^1.5: the Monday ran 1,299 iterations a second against the 1,677 it
assumed, and neither it nor a 60-task day was ever planned the same twice here."""

WORK_PER_STRETCH = 1_500
"""Work counted for setting up a stretch in a thread (its search built, the routes copied in, the plans joined
after it; :func:`_apart`, :func:`_together`), which no iteration counts: about 0.7 ms (measured, session 42: a
stretch of every route alone took 3.8-4.3 ms for 6 routes and 5.4-6.5 ms for 8 with one iteration each). In a
balanced day's short steps (0.2 s of search, 8 stretches of 8 searches each) it was a sixth of the time, and the
clock, not the work, ended the search."""

DAY_CHECK_STOPS = 8
"""Stops of a route whose check of the longest working day (:func:`_fits_day`) counts as one unit of work besides
one per check: a unit of :data:`WORK_PER_CALL` stands for all that an insertion does at a stop, about 250 ns, the
check about 0.9 us on a route of 40 stops. Measured (session 42, 4-s searches under a common end and a longest
day of 5 h): counted one unit per stop, the work ran at 18-28 million units a second against 3.6-4.1 on the same
days without a limit, and a deterministic search stopped after a sixth of its time; without counting the checks,
1.1-1.7 million."""

FIRST_PLANS_WORK = 2
"""With a budget of work, the first plans stop at this many times the budget (the requests not yet in stay out,
and no work is left to search): :data:`WORK_RATE` is about half the least rate they were measured at (3.8-7
million units a second), so at the slowest they end near the search's time. Measured (session 43): a 300-task
day's first plans at a 2-s limit took 1.6 times its budget (cut at once, they left out tasks the search had the
time for); under a tight longest day in a balanced day's step, 14 times (2.1 s of a 0.5-s step)."""

ITERATIONS_PER_REQUEST_S = 500
"""With a budget of work, a search also ends after this many iterations per request per second of its budget: a
small day finds its plan in a few hundred iterations, and a day of one task would otherwise spend its whole
budget on 100,000 iterations a second."""


@dataclass(frozen=True)
class Data:
    """A one-depot instance in integer units; node 0 is the depot.

    Parameters
    ----------
    times
        Travel times between nodes.
    distances
        Arc costs between nodes (the objective).
    nodes
        One row per node: window start, window end, service time, load change (positive at a pickup, negative
        at a delivery). The depot's window is the shift.
    requests
        One row per request: its node and, for a pickup-and-delivery pair, the delivery node (else ``-1``).
    capacity
        Vehicle capacity.
    fleet
        Vehicles available.
    """

    times: np.ndarray
    distances: np.ndarray
    nodes: np.ndarray
    requests: np.ndarray
    capacity: int
    fleet: int

    def __post_init__(self) -> None:
        n = len(self.nodes)
        if self.times.shape != (n, n) or self.distances.shape != (n, n):
            raise ProblemError(
                f"matrices must be {n}x{n} for {n} nodes, got {self.times.shape}, {self.distances.shape}"
            )
        if self.nodes.shape[1:] != (4,) or self.requests.shape[1:] != (2,):
            raise ProblemError("nodes need 4 columns (start, end, service, load) and requests 2 (node, delivery)")
        served = np.concatenate([self.requests[:, 0], self.requests[self.requests[:, 1] >= 0, 1]])
        if sorted(served.tolist()) != list(range(1, n)):
            raise ProblemError("every node but the depot must belong to exactly one request")

    def general(self) -> Instance:
        """The instance in the general layout: every vehicle starts and ends at node 0, one window per node."""
        n = len(self.nodes)
        nodes = np.stack([np.arange(n), self.nodes[:, _S], self.nodes[:, _Q]], axis=1)
        vehicles = np.tile(np.array([0, 0, -1, self.capacity, 0, 0, 0]), (self.fleet, 1))
        return Instance(
            self.times,
            self.distances[None, :, :],
            nodes,
            self.nodes[:, None, _E : _L + 1],
            self.requests,
            vehicles,
            homogeneous=True,
        )


@dataclass(frozen=True)
class Instance:
    """The general instance: vehicles of their own (start, end, shift, capacity, costs, break), several windows
    per node, requests with their own penalty and, for loads already on board, their vehicle.

    Parameters
    ----------
    times
        Travel times between places.
    costs
        Arc costs between places, one matrix per cost class.
    nodes
        One row per node: place (row of the matrices; ``-1`` for a break, which is taken where the postman
        is), service time (a break's duration), load change.
    windows
        Per node, windows for the start of service, sorted, ``(start, end)``; padded with ``(-1, -1)`` rows
        after the node's own windows. A vehicle's start node window is when it may leave, its end node window
        when it must be back; a break node's window is when the break may start.
    requests
        One row per request: its node and, for a pickup-and-delivery pair, the delivery node (else ``-1``).
    vehicles
        One row per vehicle: start node, end node, break node (``-1``: none), capacity, load on board at the
        start, cost class, fixed cost when the vehicle serves anything.
    penalties
        Cost of leaving each request out; ``None`` for the benchmark's lexicographic goal (fewest requests out,
        then the fleet, then the distance).
    allowed
        Per request, the only vehicle that may serve it (a load already on board), or ``-1``.
    longest
        Per vehicle, the longest working day, from leaving the start to arriving at the end (``-1``: no limit); the
        vehicle may leave later than its start window opens to keep it. ``None``: no vehicle has one.
    homogeneous
        Whether the vehicles are interchangeable (then one empty route stands for all of them).
    """

    times: np.ndarray
    costs: np.ndarray
    nodes: np.ndarray
    windows: np.ndarray
    requests: np.ndarray
    vehicles: np.ndarray
    penalties: np.ndarray | None = None
    allowed: np.ndarray | None = None
    longest: np.ndarray | None = None
    homogeneous: bool = False

    def __post_init__(self) -> None:
        n, k = len(self.nodes), len(self.vehicles)
        if self.nodes.shape[1:] != (3,) or self.vehicles.shape[1:] != (7,) or self.windows.shape[0] != n:
            raise ProblemError("nodes need 3 columns, vehicles 7, and windows one row per node")
        if self.costs.ndim != 3 or self.costs.shape[1:] != self.times.shape:
            raise ProblemError(f"costs must be classes x {self.times.shape}, got {self.costs.shape}")
        fixed = {*self.vehicles[:, _VS].tolist(), *self.vehicles[:, _VE].tolist()}
        served = np.concatenate([self.requests[:, 0], self.requests[self.requests[:, 1] >= 0, 1]]).tolist()
        if len(set(served)) != len(served) or set(served) & fixed:
            raise ProblemError("a request node appears twice or is also a vehicle's start or end")
        if k == 0:
            raise ProblemError("no vehicles")

    @property
    def fleet(self) -> int:
        """Number of vehicles."""
        return len(self.vehicles)

    def as_tuple(self, capacity_only: bool = False) -> tuple:
        """The arrays in the layout the compiled functions take."""
        width = max(1, self.windows.shape[1])
        windows = np.full((len(self.nodes), width, 2), -1, dtype=np.int64)
        windows[:, : self.windows.shape[1]] = self.windows
        count = (windows[:, :, 1] >= 0).sum(axis=1).astype(np.int64)
        allowed = self.allowed if self.allowed is not None else np.full(len(self.requests), -1)
        longest = self.longest if self.longest is not None else np.full(len(self.vehicles), -1)
        vehicles = np.column_stack([self.vehicles, longest])
        return (
            np.ascontiguousarray(self.times, dtype=np.int64),
            np.ascontiguousarray(self.costs, dtype=np.int64),
            np.ascontiguousarray(self.nodes, dtype=np.int64),
            windows,
            count,
            np.ascontiguousarray(self.requests, dtype=np.int64),
            np.ascontiguousarray(vehicles, dtype=np.int64),
            np.ascontiguousarray(allowed, dtype=np.int64),
            np.int64(self.homogeneous),
        )


@dataclass(frozen=True)
class Result:
    """Routes found by :func:`search`: node sequences without start and end; ``unserved`` requests by index.

    ``routes`` has one list per vehicle in the general search (breaks included, empty for an unused vehicle)
    and one per used vehicle in the benchmark search. ``distance`` is the summed arc cost (fixed costs too).
    """

    routes: list[list[int]]
    distance: int
    unserved: list[int]
    iterations: int
    fleet_history: list[tuple[float, int]]
    """(seconds, vehicles) each time a complete plan with fewer vehicles was found."""
    stopped_by_clock: bool = False
    """Whether the wall clock ended the search before its iteration budget."""
    breaks: list[int | None] | None = None
    """Per vehicle of the general search, when its break starts (``None``: no break in the route)."""
    starts: list[list[int]] | None = None
    """Per vehicle of the general search, the start of service at each stop of the route, start and end
    included: the earliest schedule, leaving later when that keeps the vehicle's longest working day."""

    @property
    def vehicles(self) -> int:
        """Number of routes used."""
        return sum(1 for r in self.routes if r)


# --- the plan: fixed-size arrays, one row per route, the vehicle's start and end nodes at both ends --------------
# seq[k, 0..len+1]: nodes of route k; start: start of service at each position; latest: latest start of service
# there that keeps the rest of the route feasible; load: load after the stop; where[node]: route of the node or -1;
# cost[k]: arc cost of route k plus its fixed cost when used; place[k, pos]: matrix row of the place of each
# position (a break is where the stop before it is); peak[k, pos]: highest load from the position to the end.


def _empty(inst: tuple) -> tuple:
    n_nodes, fleet = len(inst[2]), len(inst[6])
    vehicles = inst[6]
    width = n_nodes + 2
    seq = np.zeros((fleet, width), dtype=np.int64)
    rlen = np.zeros(fleet, dtype=np.int64)
    where = np.full(n_nodes, -1, dtype=np.int64)
    for k in range(fleet):
        seq[k, 0] = vehicles[k, _VS]
        if vehicles[k, _VB] >= 0:
            seq[k, 1] = vehicles[k, _VB]
            where[vehicles[k, _VB]] = k
            rlen[k] = 1
        seq[k, rlen[k] + 1] = vehicles[k, _VE]
    sol = (
        seq,
        rlen,
        np.zeros(fleet, dtype=np.int64),
        np.zeros((fleet, width), dtype=np.int64),
        np.zeros((fleet, width), dtype=np.int64),
        np.zeros((fleet, width), dtype=np.int64),
        where,
        np.zeros((fleet, width), dtype=np.int64),
        np.zeros((fleet, width), dtype=np.int64),
        np.zeros(1, dtype=np.int64),
    )
    for k in range(fleet):
        _refresh(sol, inst, k)
        # A break that an empty route cannot keep (a working day that ends before the break's window opens) waits
        # in the bank: held in the route, it left no room for any stop.
        if vehicles[k, _VB] >= 0 and not _feasible(sol, inst, k):
            where[vehicles[k, _VB]] = -1
            _compact(sol, inst, k)
    return sol


@njit(cache=True)
def _copy(src, dst):
    dst[0][:, :] = src[0]
    dst[1][:] = src[1]
    dst[2][:] = src[2]
    dst[3][:, :] = src[3]
    dst[4][:, :] = src[4]
    dst[5][:, :] = src[5]
    dst[6][:] = src[6]
    dst[7][:, :] = src[7]
    dst[8][:, :] = src[8]


@njit(cache=True, inline="always")
def _open(inst, node, t):
    """Earliest start of service at `node` for an arrival at `t`, or _INF when every window has closed."""
    win, count = inst[3], inst[4]
    for w in range(count[node]):
        if t <= win[node, w, 1]:
            return max(t, win[node, w, 0])
    return _INF


@njit(cache=True, inline="always")
def _close(inst, node, t):
    """Latest start of service at `node` no later than `t`, or -_INF when no window opens by then."""
    win, count = inst[3], inst[4]
    for w in range(count[node] - 1, -1, -1):
        if win[node, w, 0] <= t:
            return min(t, win[node, w, 1])
    return -_INF


@njit(cache=True, inline="always")
def _route_used(sol, inst, k):
    """Whether route k serves a request (its break alone does not count)."""
    brk = inst[6][k, _VB]
    return sol[1][k] > (1 if brk >= 0 and sol[6][brk] == k else 0)


@njit(cache=True)
def _places(inst, seq, n, out):
    """Fill `out` with the matrix row of the place of each position of the route seq[0..n+1] (a break is where the
    stop before it is)."""
    nodes = inst[2]
    here = nodes[seq[0], _P]
    for pos in range(n + 2):
        there = nodes[seq[pos], _P]
        if there >= 0:
            here = there
        out[pos] = here


@njit(cache=True)
def _forward(inst, seq, place, n, t, out):
    """Fill `out` with the earliest start of service at each position of the route seq[0..n+1] (places `place`)
    from a start of service `t` at its start node; returns the start of service at its end node."""
    times, nodes = inst[0], inst[2]
    out[0] = t
    for pos in range(1, n + 2):
        t = _open(inst, seq[pos], t + nodes[seq[pos - 1], _SV] + times[place[pos - 1], place[pos]])
        out[pos] = t
    return t


@njit(cache=True)
def _backward(inst, seq, place, n, out):
    """Fill `out` with the latest start of service at each position of the route seq[0..n+1] that keeps the rest
    of it inside its windows (-_INF where none does); returns that at its start node."""
    times, nodes = inst[0], inst[2]
    t = _close(inst, seq[n + 1], _INF)
    out[n + 1] = t
    for pos in range(n, -1, -1):
        t = _close(inst, seq[pos], t - nodes[seq[pos], _SV] - times[place[pos], place[pos + 1]])
        out[pos] = t
    return t


@njit(cache=True)
def _shortest_day(inst, seq, n):
    """The working day of the route seq[0..n+1] (from leaving its start to the start of service at its end) when
    its vehicle leaves as late as the route allows, then goes on as early as it can; _INF when no schedule
    keeps its windows.

    Exact with one window per stop: leaving later then only takes up waiting. With several, a stop may wait for
    its next window instead: the day found is then longer than the shortest, never shorter, so a route kept
    within a limit by it is kept."""
    place = np.empty(n + 2, dtype=np.int64)
    scratch = np.empty(n + 2, dtype=np.int64)
    _places(inst, seq, n, place)
    leave = _backward(inst, seq, place, n, scratch)
    if leave == -_INF:
        return _INF
    return _forward(inst, seq, place, n, leave, scratch) - leave - inst[2][seq[0], _SV]


@njit(cache=True)
def _fits_day(sol, inst, k, p, i, d, j):
    """Whether route k with node p after position i (and node d after position j, when d >= 0) keeps its vehicle's
    longest working day. The route's earliest schedule (``start``) may leave too early for it: the day is
    measured leaving as late as the route allows (:func:`_shortest_day`)."""
    limit = inst[6][k, _VW]
    if limit < 0:
        return True
    m = sol[1][k]
    seq = sol[0][k]
    sol[9][0] += 1 + m // DAY_CHECK_STOPS
    trial = np.empty(m + 4, dtype=np.int64)
    w = 0
    for pos in range(m + 2):
        trial[w] = seq[pos]
        w += 1
        if pos == i:
            trial[w] = p
            w += 1
        if d >= 0 and pos == j:
            trial[w] = d
            w += 1
    return _shortest_day(inst, trial, w - 2) <= limit


@njit(cache=True)
def _kept_day(inst, seq, n, limit, out):
    """Fill `out` with the schedule of the route seq[0..n+1] that leaves at the earliest start of service at its
    start node keeping the working day within `limit` (-1: none), by bisection between the earliest departure
    and the latest the route allows (the latest when none keeps it)."""
    place = np.empty(n + 2, dtype=np.int64)
    _places(inst, seq, n, place)
    service = inst[2][seq[0], _SV]
    lo = _open(inst, seq[0], 0)
    if _forward(inst, seq, place, n, lo, out) - lo - service <= limit or limit < 0:
        return
    hi = max(lo, _backward(inst, seq, place, n, out))
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if _forward(inst, seq, place, n, mid, out) - mid - service <= limit:
            hi = mid
        else:
            lo = mid
    _forward(inst, seq, place, n, hi, out)


@njit(cache=True)
def _refresh(sol, inst, k):
    seq, rlen, cost, start, latest, load, place, peak = sol[0], sol[1], sol[2], sol[3], sol[4], sol[5], sol[7], sol[8]
    costs, nodes, vehicles = inst[1], inst[2], inst[6]
    cc = vehicles[k, _VK]
    m = rlen[k]
    _places(inst, seq[k], m, place[k])
    _forward(inst, seq[k], place[k], m, _open(inst, seq[k, 0], 0), start[k])
    _backward(inst, seq[k], place[k], m, latest[k])
    ld = vehicles[k, _VL]
    load[k, 0] = ld
    c = 0
    for pos in range(1, m + 2):
        ld += nodes[seq[k, pos], _LD]
        load[k, pos] = ld
        c += costs[cc, place[k, pos - 1], place[k, pos]]
    if _route_used(sol, inst, k):
        c += vehicles[k, _VF]
    cost[k] = c
    peak[k, m + 1] = load[k, m + 1]
    for pos in range(m, -1, -1):
        peak[k, pos] = max(load[k, pos], peak[k, pos + 1])


@njit(cache=True, inline="always")
def _after(sol, inst, k, i, here, leave):
    """Whether leaving `here` at `leave`, inserted after position i of route k, keeps the rest feasible; and the
    place of the next real stop (a break right after position i is taken at `here`)."""
    seq, latest, place = sol[0], sol[4], sol[7]
    times, nodes = inst[0], inst[2]
    b = seq[k, i + 1]
    if nodes[b, _P] < 0:
        tb = _open(inst, b, leave)
        nxt = place[k, i + 2]
        ok = tb < _INF and tb + nodes[b, _SV] + times[here, nxt] <= latest[k, i + 2]
        return ok, nxt
    nxt = place[k, i + 1]
    return leave + times[here, nxt] <= latest[k, i + 1], nxt


@njit(cache=True)
def _best_insertion(sol, inst, k, r, bound):
    """Cheapest feasible insertion of request r in route k that costs less than `bound`: (cost, pickup position,
    delivery position), or (_INF, -1, -1).

    The vehicle's longest working day is checked on the cheapest insertion found without it, and only when that
    one breaks it on each better insertion in a second pass: checking every better one slowed the search of days
    without a longest day by a sixth (the check's calls in the inner loops, although they returned at once)."""
    found = _insertion(sol, inst, k, r, bound, False)
    if found[1] < 0 or inst[6][k, _VW] < 0:
        return found
    if _fits_day(sol, inst, k, inst[5][r, 0], found[1], inst[5][r, 1], found[2]):
        return found
    return _insertion(sol, inst, k, r, bound, True)


@njit(cache=True)
def _insertion(sol, inst, k, r, bound, day):
    """:func:`_best_insertion`, each better insertion checked against the longest working day when `day`."""
    seq, rlen, start, latest, load, place, peak = sol[0], sol[1], sol[3], sol[4], sol[5], sol[7], sol[8]
    times, costs, nodes, requests, vehicles, allowed = inst[0], inst[1], inst[2], inst[5], inst[6], inst[7]
    best, bi, bj = bound, -1, -1
    if allowed[r] >= 0 and allowed[r] != k:
        return _INF, -1, -1
    sol[9][0] += rlen[k] + WORK_PER_CALL
    cc = vehicles[k, _VK]
    capacity = vehicles[k, _VC]
    p = requests[r, 0]
    brk = nodes[p, _P] < 0
    fixed = 0 if brk or _route_used(sol, inst, k) else vehicles[k, _VF]
    d = requests[r, 1]
    m = rlen[k]
    qp = nodes[p, _LD]
    lp = nodes[p, _P]
    sp = nodes[p, _SV]
    last = inst[3][p, inst[4][p] - 1, 1]
    if d < 0 and qp > 0 and peak[k, m + 1] + qp > capacity:
        return _INF, -1, -1  # a visit's load stays on board to the end, where the route is already full
    if d < 0:
        for i in range(m + 1):
            if start[k, i] > last:
                break
            if peak[k, i + 1] + qp > capacity or load[k, i] + qp < 0:
                continue
            a = seq[k, i]
            here = place[k, i]
            at = here if brk else lp  # a break is taken where the postman is
            t = _open(inst, p, start[k, i] + nodes[a, _SV] + times[here, at])
            if t >= _INF:
                continue
            ok, nxt = _after(sol, inst, k, i, at, t + sp)
            if not ok:
                continue
            delta = costs[cc, here, at] + costs[cc, at, nxt] - costs[cc, here, nxt] + fixed
            if delta < best and (not day or _fits_day(sol, inst, k, p, i, -1, -1)):
                best, bi, bj = delta, i, -1
        return (best, bi, bj) if bi >= 0 else (_INF, -1, -1)
    ld_ = nodes[d, _P]
    sd = nodes[d, _SV]
    # The pickup alone already costs base[x] after position at[x] (arc costs keep the triangle inequality up to
    # rounding): a position whose pickup alone costs the best pair found or more is not tried.
    base = np.empty(m + 1, dtype=np.int64)
    at = np.empty(m + 1, dtype=np.int64)
    n = 0
    lowest = _INF
    for i in range(m + 1):
        if start[k, i] > last:
            break
        if load[k, i] + qp > capacity:
            continue
        here = place[k, i]
        nxt_i = place[k, i + 2] if nodes[seq[k, i + 1], _P] < 0 else place[k, i + 1]
        base[n] = costs[cc, here, lp] + costs[cc, lp, nxt_i] - costs[cc, here, nxt_i] + fixed
        at[n] = i
        lowest = min(lowest, base[n])
        n += 1
    if lowest >= best:
        return _INF, -1, -1
    # The delivery alone after each position j on the route's own schedule, and the cheapest such position from j
    # on before the pair's load stops fitting: once the pickup's push has died out (a stop starts when it did, at
    # its own place), the rest of the route runs on its own schedule and the delivery's best place there is
    # known. A pair's insertion then costs about the route's length instead of its square. (A stop may also start
    # earlier than it did, when a break moves to the pickup's place: then the loop goes on, the rest differs.)
    tail = np.empty(m + 2, dtype=np.int64)
    tail_at = np.empty(m + 2, dtype=np.int64)
    tail[m + 1], tail_at[m + 1] = _INF, -1
    for j in range(m, at[0], -1):
        tail[j], tail_at[j] = _INF, -1
        if load[k, j] + qp > capacity:
            continue
        tail[j], tail_at[j] = tail[j + 1], tail_at[j + 1]
        cp = place[k, j]
        td = _open(inst, d, start[k, j] + nodes[seq[k, j], _SV] + times[cp, ld_])
        if td >= _INF:
            continue
        ok, nxt = _after(sol, inst, k, j, ld_, td + sd)
        if ok:
            delta = costs[cc, cp, ld_] + costs[cc, ld_, nxt] - costs[cc, cp, nxt]
            if delta <= tail[j]:
                tail[j], tail_at[j] = delta, j
    for x in range(n):
        if base[x] >= best:
            continue
        i = at[x]
        a = seq[k, i]
        here = place[k, i]
        tp = _open(inst, p, start[k, i] + nodes[a, _SV] + times[here, lp])
        if tp >= _INF:
            continue
        # Delivery right after the pickup.
        td = _open(inst, d, tp + sp + times[lp, ld_])
        if td < _INF:
            ok, nxt = _after(sol, inst, k, i, ld_, td + sd)
            if ok:
                delta = costs[cc, here, lp] + costs[cc, lp, ld_] + costs[cc, ld_, nxt] - costs[cc, here, nxt] + fixed
                if delta < best and (not day or _fits_day(sol, inst, k, p, i, d, i)):
                    best, bi, bj = delta, i, i
        # Delivery after position j > i: the stops in between are pushed by the pickup and carry its load.
        t = tp
        prev = p
        prev_place = lp
        for j in range(i + 1, m + 1):
            c = seq[k, j]
            cp = nodes[c, _P]
            moved = cp < 0 and j == i + 1
            if cp < 0:
                cp = prev_place
            t = _open(inst, c, t + nodes[prev, _SV] + times[prev_place, cp])
            if t >= _INF or (not moved and t > latest[k, j]) or load[k, j] + qp > capacity:
                break
            if t == start[k, j] and cp == place[k, j]:
                if base[x] + tail[j] < best and (not day or _fits_day(sol, inst, k, p, i, d, tail_at[j])):
                    best, bi, bj = base[x] + tail[j], i, tail_at[j]
                break
            prev, prev_place = c, cp
            nb = seq[k, j + 1]
            nxt = place[k, j + 2] if nodes[nb, _P] < 0 else place[k, j + 1]
            delta = base[x] + costs[cc, cp, ld_] + costs[cc, ld_, nxt] - costs[cc, cp, nxt]
            if delta >= best:
                continue
            td = _open(inst, d, t + nodes[c, _SV] + times[cp, ld_])
            if td >= _INF:
                continue
            if _after(sol, inst, k, j, ld_, td + sd)[0] and (not day or _fits_day(sol, inst, k, p, i, d, j)):
                best, bi, bj = delta, i, j
    return (best, bi, bj) if bi >= 0 else (_INF, -1, -1)


@njit(cache=True)
def _insert(sol, inst, k, r, i, j):
    seq, rlen, where = sol[0], sol[1], sol[6]
    requests = inst[5]
    p = requests[r, 0]
    d = requests[r, 1]
    m = rlen[k]
    if d < 0:
        for pos in range(m + 1, i, -1):
            seq[k, pos + 1] = seq[k, pos]
        seq[k, i + 1] = p
        rlen[k] = m + 1
    else:
        for pos in range(m + 1, j, -1):
            seq[k, pos + 2] = seq[k, pos]
        seq[k, j + 2] = d
        for pos in range(j, i, -1):
            seq[k, pos + 1] = seq[k, pos]
        seq[k, i + 1] = p
        rlen[k] = m + 2
        where[d] = k
    where[p] = k
    _refresh(sol, inst, k)


@njit(cache=True)
def _remove(sol, inst, chosen, count):
    """Take requests chosen[:count] out of their routes.

    A route whose break now comes too late goes without it, and the break back to the bank: the break is taken
    where the postman is, so with the stop before it gone he waits for it at an earlier place and drives on
    after it (seen on a test day: the next stop's window had closed). Without its break, a route only gets
    earlier; the repair puts the break back where it fits."""
    rlen, where = sol[1], sol[6]
    requests = inst[5]
    touched = np.zeros(len(rlen), dtype=np.bool_)
    for x in range(count):
        r = chosen[x]
        for node in (requests[r, 0], requests[r, 1]):
            if node >= 0 and where[node] >= 0:
                touched[where[node]] = True
                where[node] = -1
    for k in range(len(rlen)):
        if not touched[k]:
            continue
        _compact(sol, inst, k)
        brk = inst[6][k, _VB]
        if brk >= 0 and where[brk] == k and not _feasible(sol, inst, k):
            where[brk] = -1
            _compact(sol, inst, k)


@njit(cache=True)
def _compact(sol, inst, k):
    """Close the gaps of the nodes taken out of route k (``where`` no longer k) and refresh its schedule."""
    seq, rlen, where = sol[0], sol[1], sol[6]
    m = rlen[k]
    end = seq[k, m + 1]
    w = 1
    for pos in range(1, m + 1):
        node = seq[k, pos]
        if where[node] == k:
            seq[k, w] = node
            w += 1
    seq[k, w] = end
    rlen[k] = w - 1
    _refresh(sol, inst, k)


@njit(cache=True)
def _feasible(sol, inst, k):
    """Whether every stop of route k starts inside a window and early enough for the rest of the route, and the
    route keeps its vehicle's longest working day."""
    for pos in range(sol[1][k] + 2):
        if sol[3][k, pos] >= _INF or sol[3][k, pos] > sol[4][k, pos]:
            return False
    limit = inst[6][k, _VW]
    return limit < 0 or _shortest_day(inst, sol[0][k], sol[1][k]) <= limit


@njit(cache=True)
def _bank(sol, inst):
    """Requests not in any route."""
    return np.flatnonzero(sol[6][inst[5][:, 0]] < 0)


@njit(cache=True)
def _served(sol, inst):
    """Requests in a route."""
    return np.flatnonzero(sol[6][inst[5][:, 0]] >= 0)


@njit(cache=True)
def _objective(sol, inst, pen):
    """Arc and fixed costs plus the penalty of every request left out (pen: per request); a break left out costs
    nothing when its route does not need it (:func:`_break_needed`)."""
    f = sol[2].sum()
    nodes, requests, vehicles = inst[2], inst[5], inst[6]
    for r in _bank(sol, inst):
        p = requests[r, 0]
        if nodes[p, _P] < 0:
            k = np.flatnonzero(vehicles[:, _VB] == p)[0]
            if not _break_needed(sol, inst, k):
                continue
        f += pen[r]
    return f


@njit(cache=True)
def _break_needed(sol, inst, k):
    """Whether route k must hold its break: it serves something, and its day (as the plan schedules it,
    :func:`_kept_day`) ends after the break could begin and begins before the break's latest start. A day of the
    morning, or one of the afternoon under a longest working day, needs none (as :mod:`routing.check` has it)."""
    if not _route_used(sol, inst, k):
        return False
    n = sol[1][k]
    seq = sol[0][k]
    day = np.empty(n + 2, dtype=np.int64)
    _kept_day(inst, seq, n, inst[6][k, _VW], day)
    window = inst[3][inst[6][k, _VB], 0]
    return day[n + 1] > window[0] and day[0] + inst[2][seq[0], _SV] < window[1]


@njit(cache=True)
def _used(sol, inst):
    n = 0
    for k in range(len(sol[1])):
        n += _route_used(sol, inst, k)
    return n


@njit(cache=True)
def _first_empty(sol, inst, vmax):
    """The empty route that stands for all of them when the fleet is homogeneous (-1 at vmax routes used)."""
    used = 0
    empty = -1
    for k in range(len(sol[1])):
        if _route_used(sol, inst, k):
            used += 1
        elif empty < 0:
            empty = k
    return empty if used < vmax else -1


@njit(cache=True)
def _open_to(sol, inst, k, empty):
    """Whether route k may take a request: used, the representative empty route, or any of a mixed fleet."""
    return inst[8] == 0 or k == empty or _route_used(sol, inst, k)


@njit(cache=True)
def _column(sol, inst, k, bank, active, table, at_i, at_j, noise, pen):
    """Best insertion of each active request of the bank in route k, among those cheaper than its penalty."""
    for b in range(len(bank)):
        if not active[b]:
            continue
        c, i, j = _best_insertion(sol, inst, k, bank[b], pen[bank[b]])
        if c < _INF and noise > 0:
            c = max(0, c + np.int64(np.random.randint(-noise, noise + 1)))
        table[b, k], at_i[b, k], at_j[b, k] = c, i, j


@njit(cache=True)
def _repair(sol, inst, bank, regret, noise, vmax, pen, work_end):
    """Insert the bank's requests by regret-k insertion (k = 1: greedy), each only where it costs less than its
    penalty, until the plan's count of work reaches `work_end` (-1: no end); returns how many stay out."""
    n_routes = len(sol[1])
    nb = len(bank)
    table = np.full((nb, n_routes), _INF, dtype=np.int64)
    at_i = np.zeros((nb, n_routes), dtype=np.int64)
    at_j = np.zeros((nb, n_routes), dtype=np.int64)
    active = np.ones(nb, dtype=np.bool_)
    empty = _first_empty(sol, inst, vmax)
    for k in range(n_routes):
        if 0 <= work_end <= sol[9][0]:  # the table alone costs a bank's insertions into every route
            return nb
        if _open_to(sol, inst, k, empty):
            _column(sol, inst, k, bank, active, table, at_i, at_j, noise, pen)
    left = nb
    big = 1e15
    firsts = np.empty(max(regret, 1), dtype=np.int64)
    while left > 0 and not 0 <= work_end <= sol[9][0]:
        pick, pick_k, score_best = -1, -1, -np.inf
        for b in range(nb):
            if not active[b]:
                continue
            row = table[b]
            # The `regret` smallest costs over routes (an empty route of a homogeneous fleet counts once).
            firsts[:] = _INF
            ks = -1
            for k in range(n_routes):
                c = row[k]
                if c >= _INF or c >= pen[bank[b]] or not _open_to(sol, inst, k, empty):
                    continue
                if c < firsts[-1]:
                    h = len(firsts) - 1
                    while h > 0 and firsts[h - 1] > c:
                        firsts[h] = firsts[h - 1]
                        h -= 1
                    firsts[h] = c
                    if h == 0:
                        ks = k
            if ks < 0:
                continue
            if regret <= 1:
                score = -float(firsts[0])
            else:
                score = 0.0
                for h in range(1, regret):
                    score += (big if firsts[h] >= _INF else float(firsts[h])) - float(firsts[0])
                score -= 1e-6 * float(firsts[0])
            if score > score_best:
                pick, pick_k, score_best = b, ks, score
        if pick < 0:
            break
        was_empty = not _route_used(sol, inst, pick_k)
        _insert(sol, inst, pick_k, bank[pick], at_i[pick, pick_k], at_j[pick, pick_k])
        active[pick] = False
        left -= 1
        _column(sol, inst, pick_k, bank, active, table, at_i, at_j, noise, pen)
        if was_empty and inst[8] != 0:
            empty = _first_empty(sol, inst, vmax)
            if empty >= 0:
                _column(sol, inst, empty, bank, active, table, at_i, at_j, noise, pen)
    return left


@njit(cache=True)
def _alone(inst, k, r):
    """Arc cost of vehicle k serving request r alone, from its start to its end (Solomon's d0i; 0 for a break)."""
    nodes, vehicles, requests = inst[2], inst[6], inst[5]
    p, d = requests[r, 0], requests[r, 1]
    lp = nodes[p, _P]
    if lp < 0:
        return 0
    c = inst[1][vehicles[k, _VK]]
    start, end = nodes[vehicles[k, _VS], _P], nodes[vehicles[k, _VE], _P]
    last = nodes[d, _P] if d >= 0 else lp
    return c[start, lp] + (c[lp, last] if d >= 0 else 0) + c[last, end] - c[start, end]


@njit(cache=True)
def _fill_in_turn(sol, inst, bank, pen, lam, work_end):
    """Fill the routes one after another (Solomon's sequential insertion, I1): each empty route starts from the
    feasible request that costs most to serve alone from its vehicle (:func:`_alone`), then takes the request with
    the best ``lam * alone - cost of its insertion`` until none fits; returns how many stay out.

    A route built whole keeps to one part of the city; the regret repair fills all routes at once and, given the
    day in batches by time, sends every postman everywhere (on a 1,000-task day its plan had 20% more route-place
    visits than VROOM's, and the search did not undo it). A request that did not fit a route is not tried there
    again: inserting stops only makes a route later and fuller (one left out there for costing its penalty or
    more may miss a cheaper place that a later stop opens; the regret insertion after this one can still find
    it). It stops when the plan's count of work reaches `work_end` (-1: no end)."""
    nb = len(bank)
    active = np.ones(nb, dtype=np.bool_)
    fits = np.zeros(nb, dtype=np.bool_)
    cost = np.empty(nb, dtype=np.int64)
    at_i = np.empty(nb, dtype=np.int64)
    at_j = np.empty(nb, dtype=np.int64)
    alone = np.empty(nb, dtype=np.int64)
    left = nb
    for k in range(len(sol[1])):
        if left == 0:
            break
        # A route that already serves requests (a plan in progress) needs no seed.
        seeded = False
        for pos in range(1, sol[1][k] + 1):
            seeded |= inst[2][sol[0][k, pos], _P] >= 0
        for b in range(nb):
            fits[b] = active[b]
            if active[b]:
                alone[b] = _alone(inst, k, bank[b])
        while not 0 <= work_end <= sol[9][0]:
            pick, score_best = -1, -np.inf
            for b in range(nb):
                if not fits[b]:
                    continue
                cost[b], at_i[b], at_j[b] = _best_insertion(sol, inst, k, bank[b], pen[bank[b]])
                if cost[b] >= _INF:
                    fits[b] = False
                    continue
                score = float(alone[b]) if not seeded else lam * float(alone[b]) - float(cost[b])
                if score > score_best:
                    pick, score_best = b, score
            if pick < 0:
                break
            _insert(sol, inst, k, bank[pick], at_i[pick], at_j[pick])
            active[pick] = fits[pick] = False
            left -= 1
            seeded = True
    return left


@njit(cache=True)
def _repair_in_turn(sol, inst, bank, noise, vmax, pen):
    """Insert the bank's requests one after the other, in the bank's order, each at its cheapest place over all
    routes if cheaper than its penalty: one insertion evaluation per request and route, where the regret repair
    re-evaluates every route a request went into for all requests left, so that large removals stay affordable
    (the greedy insertion of Christiaens & Vanden Berghe's SISR)."""
    empty = _first_empty(sol, inst, vmax)
    left = 0
    for r in bank:
        best, bk, bi, bj = _INF, -1, -1, -1
        for k in range(len(sol[1])):
            if not _open_to(sol, inst, k, empty):
                continue
            # Only an insertion that may beat the best so far (noise included) is worth finding.
            c, i, j = _best_insertion(sol, inst, k, r, min(pen[r], best + noise))
            if c < _INF and noise > 0:
                c = max(0, c + np.int64(np.random.randint(-noise, noise + 1)))
            if c < best:
                best, bk, bi, bj = c, k, i, j
        if bk < 0:
            left += 1
            continue
        was_empty = not _route_used(sol, inst, bk)
        _insert(sol, inst, bk, r, bi, bj)
        if was_empty and inst[8] != 0:
            empty = _first_empty(sol, inst, vmax)
    return left


@njit(cache=True)
def _destroy_random(sol, inst, q, chosen):
    served = _served(sol, inst)
    np.random.shuffle(served)
    q = min(q, len(served))
    chosen[:q] = served[:q]
    return q


@njit(cache=True)
def _positions(sol):
    """Per node in a route: its position there and its start of service (0 for nodes out of the plan)."""
    seq, rlen, start = sol[0], sol[1], sol[3]
    pos_of = np.zeros(len(sol[6]), dtype=np.int64)
    start_of = np.zeros(len(sol[6]), dtype=np.int64)
    for k in range(len(rlen)):
        for pos in range(1, rlen[k] + 1):
            pos_of[seq[k, pos]] = pos
            start_of[seq[k, pos]] = start[k, pos]
    return pos_of, start_of


@njit(cache=True, inline="always")
def _gap(sol, inst, k, pos):
    """Cost saved by taking the stop at `pos` out of route k (a break beside it stays where the postman is)."""
    seq, place = sol[0], sol[7]
    costs, nodes = inst[1], inst[2]
    cc = inst[6][k, _VK]
    here = nodes[seq[k, pos], _P]
    if here < 0:
        return 0
    a = place[k, pos - 1]
    nxt = pos + 1 if nodes[seq[k, pos + 1], _P] >= 0 else pos + 2
    b = place[k, nxt]
    return costs[cc, a, here] + costs[cc, here, b] - costs[cc, a, b]


@njit(cache=True)
def _saving(sol, inst, r, pos_of):
    """Estimated cost saved by taking request r out of its route (both stops counted apart)."""
    requests = inst[5]
    p, d = requests[r, 0], requests[r, 1]
    k = sol[6][p]
    saved = _gap(sol, inst, k, pos_of[p])
    if d >= 0:
        saved += _gap(sol, inst, k, pos_of[d])
    return saved


@njit(cache=True)
def _biased(ranked, power):
    """An element of `ranked`, front ones likelier: the floor(y^power * n)-th for y uniform in [0, 1)."""
    return ranked[int(np.random.random() ** power * len(ranked))]


@njit(cache=True)
def _destroy_worst(sol, inst, q, chosen, power):
    served = _served(sol, inst)
    pos_of = _positions(sol)[0]
    savings = np.empty(len(served), dtype=np.int64)
    for x in range(len(served)):
        savings[x] = -_saving(sol, inst, served[x], pos_of)
    order = served[np.argsort(savings, kind="mergesort")]
    q = min(q, len(order))
    taken = np.zeros(len(order), dtype=np.bool_)
    n = 0
    while n < q:
        x = _biased(np.flatnonzero(~taken), power)  # among those left, most expensive first
        taken[x] = True
        chosen[n] = order[x]
        n += 1
    return q


@njit(cache=True)
def _relatedness(inst, r, s, scale, start_of):
    """Shaw's relatedness of two requests (smaller is closer): distance, start times and load, normalised."""
    times = inst[0]
    nodes = inst[2]
    requests = inst[5]
    pr, dr, ps, ds = requests[r, 0], requests[r, 1], requests[s, 0], requests[s, 1]
    if nodes[pr, _P] < 0 or nodes[ps, _P] < 0:
        return 1e9  # a break is related to nothing
    value = 9.0 * times[nodes[pr, _P], nodes[ps, _P]] / scale[0]
    value += 2.0 * abs(nodes[pr, _LD] - nodes[ps, _LD]) / scale[2]
    value += 3.0 * abs(start_of[pr] - start_of[ps]) / scale[1]
    if dr >= 0 and ds >= 0:
        value += 9.0 * times[nodes[dr, _P], nodes[ds, _P]] / scale[0]
        value += 3.0 * abs(start_of[dr] - start_of[ds]) / scale[1]
    return value


@njit(cache=True)
def _destroy_shaw(sol, inst, q, chosen, power, scale):
    served = _served(sol, inst)
    q = min(q, len(served))
    if q == 0:
        return 0
    start_of = _positions(sol)[1]
    taken = np.zeros(len(served), dtype=np.bool_)
    first = np.random.randint(len(served))
    taken[first] = True
    chosen[0] = served[first]
    n = 1
    while n < q:
        ref = chosen[np.random.randint(n)]
        rest = np.flatnonzero(~taken)
        rel = np.empty(len(rest))
        for x in range(len(rest)):
            rel[x] = _relatedness(inst, ref, served[rest[x]], scale, start_of)
        x = _biased(rest[np.argsort(rel)], power)
        taken[x] = True
        chosen[n] = served[x]
        n += 1
    return q


@njit(cache=True)
def _roulette(weights):
    x = np.random.random() * weights.sum()
    for i in range(len(weights)):
        x -= weights[i]
        if x <= 0 and weights[i] > 0:
            return i
    return len(weights) - 1


REPAIRS = np.array([0, 1, 2, 3, 4], dtype=np.int64)
"""Regret depth of each insertion operator (1 = greedy; 0 = one request after the other, in random order)."""


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@njit(cache=True, nogil=True)
def _iterate(
    cur,
    cand,
    best,
    inst,
    vmax,
    pen,
    rank_pen,
    iters,
    temp,
    cooling,
    weights,
    scores,
    uses,
    state,
    scale,
    noise,
    cap,
    work_end,
    iter_end,
):
    """Run `iters` ALNS iterations, or fewer once `cand`'s work count reaches `work_end` or the iteration count
    `iter_end` (each when not negative); state = [f_cur, rank_best, iteration]; returns the temperature reached.

    `pen` is the penalty per request left out that the acceptance sees, `rank_pen` the one the best plan is
    ranked by; at most `cap` requests leave the plan in one iteration. The temperature is multiplied by
    `cooling` after each iteration, or with a work budget once per unit of work the iteration did."""
    n_req = len(inst[5])
    q_max = max(1, min(cap, int(REMOVAL_SHARE * n_req)))
    q_min = min(4, q_max)
    chosen = np.empty(n_req, dtype=np.int64)
    n_destroy = 3
    for _ in range(iters):
        if (work_end >= 0 and cand[9][0] >= work_end) or (iter_end >= 0 and state[2] >= iter_end):
            break
        work = cand[9][0]
        cand[9][0] += WORK_PER_ITERATION
        _copy(cur, cand)
        q = np.random.randint(q_min, q_max + 1)
        op_d = _roulette(weights[:n_destroy])
        op_r = _roulette(weights[n_destroy : n_destroy + len(REPAIRS)])
        op_n = _roulette(weights[n_destroy + len(REPAIRS) :])
        if op_d == 0:
            got = _destroy_random(cand, inst, q, chosen)
        elif op_d == 1:
            got = _destroy_worst(cand, inst, q, chosen, 3.0)
        else:
            got = _destroy_shaw(cand, inst, q, chosen, 6.0, scale)
        _remove(cand, inst, chosen, got)
        bank = _bank(cand, inst)
        np.random.shuffle(bank)
        if len(bank) > got + BANK_SAMPLE:
            # The requests just removed, and a few of those left out before (a long bank would make every
            # repair try all of them on every route).
            fresh = np.zeros(len(cand[6]), dtype=np.bool_)
            for x in range(got):
                fresh[inst[5][chosen[x], 0]] = True
            keep = np.empty(len(bank), dtype=np.int64)
            n_keep, n_old = 0, 0
            for r in bank:
                if fresh[inst[5][r, 0]] or n_old < BANK_SAMPLE:
                    if not fresh[inst[5][r, 0]]:
                        n_old += 1
                    keep[n_keep] = r
                    n_keep += 1
            bank = keep[:n_keep]
        if REPAIRS[op_r] == 0:
            _repair_in_turn(cand, inst, bank, noise if op_n == 1 else 0, vmax, rank_pen)
        else:
            _repair(cand, inst, bank, REPAIRS[op_r], noise if op_n == 1 else 0, vmax, rank_pen, -1)
        f = _objective(cand, inst, pen)
        score = 0.0
        rank = _objective(cand, inst, rank_pen)
        if rank < state[1]:
            _copy(cand, best)
            state[1] = rank
            score = SCORES[0]
        if f < state[0]:
            if score == 0.0:
                score = SCORES[1]
            _copy(cand, cur)
            state[0] = f
        elif f > state[0] and np.random.random() < math.exp(-(f - state[0]) / max(temp, 1e-9)):
            score = SCORES[2]
            _copy(cand, cur)
            state[0] = f
        elif f == state[0]:
            _copy(cand, cur)
        for op in (op_d, n_destroy + op_r, n_destroy + len(REPAIRS) + op_n):
            scores[op] += score
            uses[op] += 1
        temp *= cooling if work_end < 0 else cooling ** (cand[9][0] - work)
        state[2] += 1
        if state[2] % SEGMENT == 0:
            for op in range(len(weights)):
                if uses[op] > 0:
                    weights[op] = (1 - REACTION) * weights[op] + REACTION * scores[op] / uses[op]
                if weights[op] > 0:  # a weight of 0 is an operator left out
                    weights[op] = max(weights[op], 0.05)
                scores[op] = 0.0
                uses[op] = 0
    return temp


class _Search:
    """The current, candidate and best plans of one run, with the operator weights."""

    def __init__(self, data: Instance, seed: int) -> None:
        self.data = data
        self.inst = data.as_tuple()
        self.cur, self.cand, self.best = (_empty(self.inst) for _ in range(3))
        self.weights = np.ones(3 + len(REPAIRS) + 2)
        if data.penalties is None:
            # The benchmark files' routes are short and their removals small enough for the regret repairs; the
            # one-after-the-other repair (for the long routes of a postman's day) is left out there.
            self.weights[3 + int(np.flatnonzero(REPAIRS == 0)[0])] = 0.0
        self.scores = np.zeros_like(self.weights)
        self.uses = np.zeros_like(self.weights)
        self.state = np.zeros(3, dtype=np.int64)
        cost = max(1, int(data.costs.max()))
        windows = data.windows[data.windows[:, :, 1] >= 0]
        span = max(1, int(windows[:, 1].max() - windows[:, 0].min())) if len(windows) else 1
        loads = max(1.0, float(np.abs(data.nodes[:, _LD]).max()))
        self.scale = np.array([max(1.0, float(data.times.max())), float(span), loads])
        self.noise = max(1, int(0.025 * cost))
        share = int(GENERAL_REMOVAL_SHARE * len(data.requests))
        self.cap = 100 if data.penalties is None else min(100, max(20, share))
        self.penalty = np.full(len(data.requests), int(PENALTY * cost + 1), dtype=np.int64)
        self.ranked = (
            np.full(len(data.requests), _RANK_STEP, dtype=np.int64)
            if data.penalties is None
            else np.ascontiguousarray(data.penalties, dtype=np.int64)
        )
        _seed(seed)

    def distance(self, sol: tuple) -> int:
        return int(sol[2].sum())

    def banked(self, sol: tuple) -> np.ndarray:
        return _bank(sol, self.inst)

    def reset_to(self, sol: tuple, pen: np.ndarray) -> None:
        """Make `sol` current and best, with the objective for penalties `pen`."""
        for other in (self.cur, self.best):
            if other is not sol:
                _copy(sol, other)
        self.state[0] = _objective(sol, self.inst, pen)
        self.state[1] = _objective(sol, self.inst, self.ranked)

    def run(
        self,
        vmax: int,
        seconds: float,
        *,
        stop_when_complete: bool,
        t0: float,
        pen: np.ndarray,
        t1: float | None = None,
        work: int | None = None,
        iterations: int | None = None,
        chunk: int = 50,
    ) -> bool:
        """Iterate for `seconds` (or until `work` units are done, or `iterations` run, whichever ends first;
        :data:`WORK_PER_CALL`), at least one chunk, cooling from t0 to t1 (default END_TEMPERATURE * t0) over the
        seconds (or over the work when a budget is given).

        Returns True when stopped because the best plan left no request out.
        """
        started = time.perf_counter()
        temp = t0
        end = END_TEMPERATURE if t1 is None else t1 / t0
        work_end = -1 if work is None else int(self.cand[9][0]) + work
        iter_end = -1 if iterations is None else int(self.state[2]) + iterations
        elapsed = 0.0
        while True:
            # Geometric cooling to t1 over the budget: by the clock, or by a fixed factor per unit of work when the
            # budget is work (then neither the chunks' sizes nor the machine's speed change the plan).
            if work is None:
                goal = t0 * end ** min(1.0, (elapsed + 0.05) / max(seconds, 0.05))
                cooling = (goal / temp) ** (1.0 / chunk) if temp > 0 else 1.0
            else:
                cooling = end ** (1.0 / max(work, 1))
            before = time.perf_counter()
            temp = _iterate(
                self.cur, self.cand, self.best, self.inst, vmax, pen, self.ranked, chunk, temp, cooling,
                self.weights, self.scores, self.uses, self.state, self.scale, self.noise, self.cap, work_end,
                iter_end,
            )  # fmt: skip
            if stop_when_complete and len(self.banked(self.best)) == 0:
                return True
            now = time.perf_counter()
            elapsed = now - started
            if (work is not None and self.cand[9][0] >= work_end) or (iter_end >= 0 and self.state[2] >= iter_end):
                return False
            # Chunks of about CHUNK_S seconds, so that the clock is read often enough to stop in time, and no
            # longer than the time left: one slow chunk (a thread waiting for the GIL) shortens the next, it
            # does not end the search while iterations still fit.
            per_iteration = max((now - before) / chunk, 1e-7)
            if elapsed + per_iteration >= seconds:
                return False
            chunk = int(max(1, min(50, CHUNK_S / per_iteration, (seconds - elapsed) / per_iteration)))


def search(
    data: Data,
    *,
    time_limit_s: float,
    fleet_share: float = 0.5,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Result:
    """Fewest vehicles first, then shortest distance, within ``time_limit_s`` seconds (benchmark instances).

    Parameters
    ----------
    data
        The instance.
    time_limit_s
        Wall-clock budget in seconds.
    fleet_share
        Share of the budget the fleet minimisation may use at most; the rest shortens the routes.
    seed
        Seed of the random choices (the result also depends on the machine's speed, as the phases are timed).
    progress
        Called with (phase, vehicles, distance) at each improvement of the fleet and at the end.

    Returns
    -------
    Result
        The best plan; ``unserved`` is empty unless even the whole fleet could not serve every request.
    """
    started = time.perf_counter()

    def left() -> float:
        return time_limit_s - (time.perf_counter() - started)

    general = data.general()
    s = _Search(general, seed)
    bank = s.banked(s.cur)
    _repair(s.cur, s.inst, bank, 2, 0, data.fleet, s.ranked, -1)
    first_distance = max(1, s.distance(s.cur))
    t0 = -START_WORSE * first_distance / math.log(0.5)
    s.reset_to(s.cur, s.penalty)
    history: list[tuple[float, int]] = []
    if len(s.banked(s.cur)):
        # Not every request fits yet: search with the whole fleet until the bank is empty.
        s.run(data.fleet, fleet_share * left(), stop_when_complete=True, t0=t0, pen=s.penalty)
    complete = _empty(s.inst)
    _copy(s.best, complete)
    vehicles = int(_used(complete, s.inst))
    if not len(s.banked(complete)):
        history.append((time.perf_counter() - started, vehicles))
    fleet_end = started + fleet_share * time_limit_s
    tries = 0
    while not len(s.banked(complete)) and vehicles > 1 and time.perf_counter() < fleet_end:
        # Take out the route with the fewest requests (the next one on a failed try) and search without it.
        trial = _empty(s.inst)
        _copy(complete, trial)
        sizes = np.where(trial[1] > 0, trial[1], np.iinfo(np.int64).max)
        k = int(np.argsort(sizes, kind="stable")[tries])
        out = np.flatnonzero(trial[6][data.requests[:, 0]] == k).astype(np.int64)
        _remove(trial, s.inst, out, len(out))
        _repair(trial, s.inst, s.banked(trial), 2, 0, vehicles - 1, s.ranked, -1)
        s.reset_to(trial, s.penalty)
        budget = min(fleet_end - time.perf_counter(), max(FLEET_TRY * time_limit_s, 1.0))
        if s.run(vehicles - 1, budget, stop_when_complete=True, t0=t0, pen=s.penalty):
            _copy(s.best, complete)
            vehicles = int(_used(complete, s.inst))
            history.append((time.perf_counter() - started, vehicles))
            tries = 0
            if progress:
                progress("fleet", vehicles, s.distance(complete))
        else:
            tries += 1
            if tries >= min(2, vehicles):
                break
    short = np.full(len(data.requests), int(DISTANCE_PENALTY * data.distances.max() + 1), dtype=np.int64)
    s.reset_to(complete, short)
    s.run(vehicles, left(), stop_when_complete=False, t0=t0, pen=short)
    best = s.best
    routes = [[int(x) for x in best[0][k, 1 : best[1][k] + 1]] for k in range(data.fleet) if best[1][k] > 0]
    unserved = [int(r) for r in s.banked(best)]
    if progress:
        progress("distance", len(routes), s.distance(best))
    log.info("alns: %d vehicles, distance %d, %d iterations", len(routes), s.distance(best), int(s.state[2]))
    return Result(routes, s.distance(best), unserved, int(s.state[2]), history)


def plan(
    data: Instance,
    *,
    time_limit_s: float,
    work: int | None = None,
    seed: int = 0,
    initial: list[list[int]] | None = None,
) -> Result:
    """The cheapest plan (arc and fixed costs plus penalties of requests left out) of a general instance.

    Parameters
    ----------
    data
        The instance, with a penalty per request.
    time_limit_s
        Wall-clock budget in seconds; the search stops at it whatever the work done.
    work
        Budget of each thread, in units of work (:data:`WORK_RATE`; also :data:`ITERATIONS_PER_REQUEST_S`), the
        first plans' construction included: with it, the same input and seed give the same plan as long as the
        wall clock does not stop the search first (see ``Result.stopped_by_clock``).
    seed
        Seed of the random choices.
    initial
        Per vehicle, nodes in order (requests only, both stops of a pair) to start from, e.g. the rest of a plan
        in progress; a stop that does not fit any more is put back in the bank.

    Returns
    -------
    Result
        One node list per vehicle, in the vehicle order of ``data`` (breaks included, empty when unused).
    """
    if data.penalties is None:
        raise ProblemError("the general search needs a penalty per request")
    started = time.perf_counter()
    deadline = started + time_limit_s
    whole = WORKERS == 1 or data.fleet < DECOMPOSE_FLEET
    searches = [_Search(data, seed + w) for w in range(WORKERS if whole else 1)]
    # The first plans are built one after another, before any stretch, and their insertions count work like the
    # search's: the budget pays for them (:data:`FIRST_PLANS_WORK`). Left uncharged, they took a third of a
    # balanced day's short step under a tight longest day, and the clock ended the search.
    spent = 0
    for w, x in enumerate(searches):
        if initial:
            _start_from(x, initial)
        # Side by side, the searches start from both first plans; the better leads after the first stretch.
        _construct(x, in_turn=w % 2 == 0, work_end=-1 if work is None else max(0, FIRST_PLANS_WORK * work - spent))
        spent += int(x.cur[9][0])
        x.reset_to(x.cur, x.ranked)
    if work is not None:
        work -= spent  # a budget they used up leaves nothing to search
    s = searches[0]
    t0 = -START_WORSE * max(1, s.distance(s.cur)) / math.log(0.5)
    rng = np.random.default_rng(seed)
    done, by_clock = 0, False
    used, searched = 0, False
    for e in range(EPOCHS if work is None or work > 0 else 0):
        share = None
        if work is not None:
            # A stretch's work is what the budget comes to by its end less what the stretches before it did: one
            # iteration may do more than a stretch's share (a 300-task day's under a tight longest day did three
            # times its share, 16 stretches ran six times the budget, and the clock ended the search), and what
            # it overran is taken from the next; none runs once the budget is spent.
            share = work * (e + 1) // EPOCHS - used
            if share <= 0:
                continue
        searched = True
        now = time.perf_counter()
        # By the clock, each stretch has its share of the time. With a budget of work, the work ends each stretch
        # and the clock only the whole search: a share of the time (a few milliseconds for a route alone in a
        # balanced day's short step) was cut by what no work counts (threads started, parts set up), and the plan
        # was then not repeatable.
        epoch_end = now + (deadline - now) / (EPOCHS - e) if work is None else deadline
        ahead = (1 - ROUTE_SHARE) * (epoch_end - now) if work is None else epoch_end - now
        stretch = _Stretch(s, (seed * EPOCHS + e) * 1_000, e, ahead, t0)
        if whole:
            ran = _together(searches, replace(stretch, work=_part_of(share, 1 - ROUTE_SHARE)))
            s = min(searches, key=lambda x: int(x.state[1]))
        else:
            ran = _apart(s, replace(stretch, work=_part_of(share, 1 - ROUTE_SHARE)), rng, WORKERS)
        # Then every route alone (with a few requests left out): the whole plan's iterations move a route's
        # stops only a few at a time, and a postman's day of 70 stops stays far from its best order.
        polish = replace(
            stretch, search=s, seed=stretch.seed + 500, seconds=epoch_end - time.perf_counter(),
            work=_part_of(share, ROUTE_SHARE),
        )  # fmt: skip
        polished = _apart(s, polish, rng, data.fleet)
        done += ran.iterations + polished.iterations
        by_clock |= ran.late or polished.late
        used += max(share or 0, ran.work + polished.work)  # work a stretch left undone is not given to the next
        for other in searches:  # the leader's plan, after its routes alone, for every search
            if other is not s:
                other.reset_to(s.best, other.ranked)
    if not searched:  # the first plans used the budget: the better of them
        s = min(searches, key=lambda x: int(x.state[1]))
    best = s.best
    routes = [[int(x) for x in best[0][k, 1 : best[1][k] + 1]] for k in range(data.fleet)]
    unserved = [int(r) for r in s.banked(best)]
    starts = [_schedule(s, best, k) for k in range(data.fleet)]
    breaks: list[int | None] = []
    for k, route in enumerate(routes):
        brk = int(data.vehicles[k, _VB])
        breaks.append(starts[k][route.index(brk) + 1] if brk in route else None)
    log.info(
        "alns: %d vehicles, cost %d, %d left out, %d iterations in %.2f s",
        sum(1 for k in range(data.fleet) if _route_used(best, s.inst, k)),
        s.distance(best),
        len(unserved),
        done,
        time.perf_counter() - started,
    )
    return Result(routes, s.distance(best), unserved, done, [], stopped_by_clock=by_clock, breaks=breaks, starts=starts)


def _schedule(s: _Search, sol: tuple, k: int) -> list[int]:
    """The start of service at each stop of route k of `sol`, start and end included: the earliest schedule,
    leaving later when that keeps the vehicle's longest working day (:func:`_kept_day`)."""
    n = int(sol[1][k])
    out = np.empty(n + 2, dtype=np.int64)
    _kept_day(s.inst, sol[0][k], n, s.inst[6][k, _VW], out)
    return [int(x) for x in out]


def _construct(s: _Search, *, in_turn: bool, work_end: int = -1) -> None:
    """The first plan, in ``s.cur``: with `in_turn`, routes filled one after another (:func:`_fill_in_turn`),
    then what is left by regret insertion (mandatory tasks first), else regret insertion alone (all routes at
    once); until the plan's count of work reaches `work_end` (-1: no end), the rest left in the bank.

    Measured with the search alone (:func:`plan`) at 57 s (28 s, 43 s, 19 s) on generated Hanoi days, seeds of the
    search 0-3: the 1,000-task day seed 2 served 972-992 tasks from routes filled in turn against 939-954 from
    regret insertion, although that start had the better objective (it serves the high-priority tasks first,
    wherever they are: the search puts them in anyway, but does not undo routes that cross the city); the 600-task
    day seed 1 570-581 (3 runs) against 550 (the benchmark's run); the 300-task day seed 2 all 300 tasks in 6 of 6
    runs against 2 of 4, seed 1 289-300 against 289-293. On the 150-task day seed 1, where both serve all, regret
    insertion's plan cost 5% less than routes filled in turn alone (1 run), so small fleets search from both side
    by side."""
    data = s.data
    if in_turn:
        _fill_in_turn(s.cur, s.inst, s.banked(s.cur), s.ranked, FILL_LAMBDA, work_end)
    # Breaks and mandatory tasks first, then by penalty; ties by the earliest window. Regret insertion packs the
    # routes better than one request at a time, and in batches it costs the batch's size, not the day's.
    bank = s.banked(s.cur)
    first_open = data.windows[data.requests[bank, 0], 0, 0]
    order = bank[np.lexsort((first_open, -s.ranked[bank]))]
    for batch in np.array_split(order, max(1, len(order) // CONSTRUCT_BATCH)):
        _repair(s.cur, s.inst, np.ascontiguousarray(batch), 2, 0, data.fleet, s.ranked, work_end)


def _part_of(work: int | None, share: float) -> int | None:
    """A work budget's share (at least one unit), or None for a budget by the clock."""
    return None if work is None else max(1, round(work * share))


def _together(searches: list[_Search], stretch: _Stretch) -> _Ran:
    """One stretch of whole plans searched side by side, each from its own seed (a synchronous cooperative ALNS:
    :func:`plan` gives the others the leader's plan after each stretch; with a work budget the exchanges fall
    at amounts of work, so the plan does not depend on the threads' speed). Returns what the searches did, the
    work of the one that did most."""
    runs = _in_threads([replace(stretch, search=x, seed=stretch.seed + w) for w, x in enumerate(searches)])
    return _Ran(sum(r.iterations for r in runs), any(r.late for r in runs), max(r.work for r in runs))


def _apart(s: _Search, stretch: _Stretch, rng: np.random.Generator, n_parts: int) -> _Ran:
    """One stretch of `s.best` searched in `n_parts` parts, WORKERS at a time; the parts' best plans are joined
    into `s` (current and best).

    The routes are dealt at random into the parts, each part with the requests its routes serve and a random
    share of those left out: a decomposition (the parts are smaller, so each iteration is cheaper, and every
    core works). A request that fits only a route of another part gets there in a later stretch. A part is never
    worse than its start, so neither is the joined plan. With a work budget, a part does its thread's share of
    the stretch's work, so the plan does not depend on the threads' speed (work follows time, whatever the part's
    size: :data:`WORK_PER_CALL`). Routes alone also cool from their share of the temperature.

    Returns what the parts did, their work shared among the threads."""
    data = s.data
    assert data.penalties is not None
    best = s.best
    routes = [[int(x) for x in best[0][k, 1 : best[1][k] + 1]] for k in range(data.fleet)]
    group = np.arange(data.fleet) % n_parts
    rng.shuffle(group)
    route_of = best[6][data.requests[:, 0]]
    side = np.where(route_of >= 0, group[np.maximum(route_of, 0)], rng.integers(0, n_parts, len(route_of)))
    allowed = data.allowed if data.allowed is not None else np.full(len(route_of), -1)
    side = np.where(allowed >= 0, group[np.maximum(allowed, 0)], side)
    turns = max(1.0, n_parts / WORKERS)  # parts per thread
    # By the clock, a part has its share of the stretch; with a work budget, any part may run to the stretch's end
    # (a share of the time would cut one whose thread started late before its work was done).
    until = None if stretch.work is None else time.perf_counter() + stretch.seconds
    alone = n_parts == data.fleet
    parts, jobs = [], []
    for w in range(n_parts):
        vehicles, requests = np.flatnonzero(group == w), np.flatnonzero(side == w)
        if len(requests) < 2:
            # Nothing to move, or one request that can only go back where it was (a postman's break on a route
            # with nothing else): the routes stay as they are. Such a part ran ~110,000 empty iterations a second
            # on a 30-task day, under a count of iterations scaled up for its size, and often ran out of time
            # before it (the plan was then never deterministic).
            continue
        renumber = np.full(data.fleet, -1)
        renumber[vehicles] = np.arange(len(vehicles))
        part = _Search(
            Instance(
                data.times, data.costs, data.nodes, data.windows, data.requests[requests], data.vehicles[vehicles],
                penalties=data.penalties[requests],
                allowed=np.where(allowed[requests] >= 0, renumber[np.maximum(allowed[requests], 0)], -1),
                longest=None if data.longest is None else data.longest[vehicles],
            ),
            stretch.seed + w,
        )  # fmt: skip
        if not alone:
            # A half re-plans neighbourhoods as large as the whole plan's: with its own share of the requests
            # it served 931-948 tasks on a 1,000-task day (4 seeds, 57 s), with the whole plan's 939-954.
            part.cap = s.cap
        _start_from(part, [routes[k] for k in vehicles])
        part.reset_to(part.cur, part.ranked)
        size = len(requests) / max(1, len(data.requests))
        work = None if stretch.work is None else max(1, round(stretch.work / turns))
        parts.append(vehicles)
        jobs.append(
            replace(
                stretch, search=part, seed=stretch.seed + w, seconds=stretch.seconds / turns, work=work,
                scale=size if alone else 1.0, until=until,
            )
        )  # fmt: skip
    runs = _in_threads(jobs)
    for vehicles, job in zip(parts, jobs, strict=True):
        found = job.search.best
        for i, k in enumerate(vehicles):
            routes[k] = [int(x) for x in found[0][i, 1 : found[1][i] + 1]]
    s.cur = _empty(s.inst)
    _start_from(s, routes)
    s.reset_to(s.cur, s.ranked)
    threads = max(1, min(WORKERS, len(runs)))
    return _Ran(sum(r.iterations for r in runs), any(r.late for r in runs), sum(r.work for r in runs) // threads)


class _Ran(NamedTuple):
    """What a stretch did: the iterations run, whether the clock ended it before its work was done, and the work it
    counted in a thread (its set-up included, :data:`WORK_PER_STRETCH`)."""

    iterations: int
    late: bool
    work: int


@dataclass
class _Stretch:
    """One stretch of a search in a thread: its seed (numba's random state is the thread's own), the cooling
    from the stretch's share of the temperatures (times `scale`), and the work budget or the clock as its end."""

    search: _Search
    seed: int
    epoch: int
    seconds: float
    t0: float
    work: int | None = None
    scale: float = 1.0
    until: float | None = None
    """A time on the clock (``time.perf_counter``) to stop at, in place of `seconds` from the start."""

    def __call__(self) -> _Ran:
        first = int(self.search.state[2])
        done = int(self.search.cand[9][0])
        work = None if self.work is None else max(1, self.work - WORK_PER_STRETCH)
        most = (
            None
            if work is None
            else max(1, round(ITERATIONS_PER_REQUEST_S * len(self.search.data.requests) * work / WORK_RATE))
        )
        _seed(self.seed)
        t0 = self.t0 * self.scale
        self.search.run(
            self.search.data.fleet,
            self.seconds if self.until is None else self.until - time.perf_counter(),
            stop_when_complete=False,
            t0=t0 * END_TEMPERATURE ** (self.epoch / EPOCHS),
            t1=t0 * END_TEMPERATURE ** ((self.epoch + 1) / EPOCHS),
            pen=self.search.ranked,
            work=work,
            iterations=most,
            chunk=1,
        )
        ran = int(self.search.state[2]) - first
        worked = int(self.search.cand[9][0]) - done
        # Ended by the clock: neither its work nor its iterations done.
        late = work is not None and most is not None and ran < most and worked < work
        return _Ran(ran, late, worked + WORK_PER_STRETCH)


def _in_threads(jobs: list[_Stretch]) -> list[_Ran]:
    """Run the jobs in WORKERS threads and return their answers in order; the first error is raised."""
    if len(jobs) == 1:
        return [jobs[0]()]
    with ThreadPoolExecutor(max_workers=WORKERS, thread_name_prefix="alns") as pool:
        return list(pool.map(lambda job: job(), jobs))


def _start_from(s: _Search, initial: list[list[int]]) -> None:
    """Make the given routes the current plan (breaks left to the repair), each as given when it is feasible, else
    cut short: its last request (both stops of a pair) goes back to the bank until what is left is. A route kept in
    part changes a postman's day less than one emptied, and leaves the repair less to put back: a balanced day's
    step, started from a plan under a looser limit, emptied whole routes, and their repair took more than the
    step's budget of work."""
    requests = s.data.requests
    request = np.full(len(s.data.nodes), -1, dtype=np.int64)  # each stop's request
    request[requests[:, 0]] = np.arange(len(requests))
    pairs = np.flatnonzero(requests[:, 1] >= 0)
    request[requests[pairs, 1]] = pairs
    for k, nodes in enumerate(initial):
        kept = list(nodes)
        while kept and not _put_route(s, k, kept):
            last = request[kept[-1]]
            kept = [x for x in kept if request[x] != last]


def _put_route(s: _Search, k: int, nodes: list[int]) -> bool:
    """Make ``nodes`` route k of the current plan when it is feasible (windows, longest day, capacity); else leave
    the route as it was. Returns whether it was put."""
    sol, inst = s.cur, s.inst
    brk = int(s.data.vehicles[k, _VB])
    held = brk >= 0 and sol[6][brk] == k  # not when the empty route could not keep it (:func:`_empty`)
    end = sol[0][k, sol[1][k] + 1]
    backup = (sol[0][k].copy(), int(sol[1][k]))
    if held:
        sol[6][brk] = -1
    sol[0][k, 1 : len(nodes) + 1] = nodes
    sol[0][k, len(nodes) + 1] = end
    sol[1][k] = len(nodes)
    sol[6][np.asarray(nodes)] = k  # before the refresh: whether the route is used (its fixed cost) reads it
    _refresh(sol, inst, k)
    m = len(nodes) + 2
    capacity = s.data.vehicles[k, _VC]
    if _feasible(sol, inst, k) and sol[8][k, 0] <= capacity and sol[5][k, :m].min() >= 0:
        return True
    sol[6][np.asarray(nodes)] = -1
    sol[0][k], sol[1][k] = backup
    if held:
        sol[6][brk] = k
    _refresh(sol, inst, k)
    return False


def warm_up() -> None:
    """Compile (or load from numba's cache) every compiled function on tiny instances, so timings start warm."""
    xy = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 5]])
    d = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 10).astype(np.int64)
    nodes = np.array([[0, 1000, 0, 0], [0, 1000, 1, 1], [0, 1000, 1, -1], [0, 1000, 1, 1], [0, 1000, 1, -1]])
    requests = np.array([[1, 2], [3, 4]])
    data = Data(d, d, nodes, requests, capacity=2, fleet=2)
    search(data, time_limit_s=0.01)
    general = data.general()
    plan(
        Instance(
            general.times,
            general.costs,
            general.nodes,
            general.windows,
            general.requests,
            general.vehicles,
            penalties=np.full(len(requests), 10**6),
        ),
        time_limit_s=0.01,
    )
