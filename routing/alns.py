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

Why by hand: no maintained library does this for paired pickups and deliveries. OR-Tools' local search moves
one pair at a time and stalls on the hard PDPTW instances (see :mod:`routing.instances`), PyVRP has no paired
pickups and deliveries, and the ``alns`` package is a framework whose operators would still have to be written,
with Python calls per operator; here one compiled (numba) call runs a chunk of iterations.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numba import njit

from routing.errors import ProblemError

log = logging.getLogger(__name__)

_INF = np.int64(1) << np.int64(60)
_RANK_STEP = np.int64(1) << np.int64(44)
_E, _L, _S, _Q = 0, 1, 2, 3
"""Columns of the node table: window start, window end, service time, load change."""

REMOVAL_SHARE = 0.4
"""At most this share of the requests (and at most 100) leave the plan in one iteration (the paper's xi)."""

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

    def as_tuple(self) -> tuple:
        """The arrays in the layout the compiled functions take."""
        return (
            np.ascontiguousarray(self.times, dtype=np.int64),
            np.ascontiguousarray(self.distances, dtype=np.int64),
            np.ascontiguousarray(self.nodes, dtype=np.int64),
            np.ascontiguousarray(self.requests, dtype=np.int64),
            np.int64(self.capacity),
        )


@dataclass(frozen=True)
class Result:
    """Routes found by :func:`search`: node sequences without the depot; ``unserved`` requests by index."""

    routes: list[list[int]]
    distance: int
    unserved: list[int]
    iterations: int
    fleet_history: list[tuple[float, int]]
    """(seconds, vehicles) each time a complete plan with fewer vehicles was found."""

    @property
    def vehicles(self) -> int:
        """Number of routes used."""
        return len(self.routes)


# --- the plan: fixed-size arrays, one row per route, depot at both ends -----------------------------------------
# seq[k, 0..len+1]: nodes of route k (seq[k, 0] = seq[k, len+1] = 0); start: start of service at each position;
# latest: latest start of service there that keeps the rest of the route feasible; load: load after the stop;
# where[node]: route of the node or -1; cost[k]: distance of route k.


def _empty(n_nodes: int, fleet: int) -> tuple:
    width = n_nodes + 2
    seq = np.zeros((fleet, width), dtype=np.int64)
    return (
        seq,
        np.zeros(fleet, dtype=np.int64),
        np.zeros(fleet, dtype=np.int64),
        np.zeros((fleet, width), dtype=np.int64),
        np.zeros((fleet, width), dtype=np.int64),
        np.zeros((fleet, width), dtype=np.int64),
        np.full(n_nodes, -1, dtype=np.int64),
    )


@njit(cache=True)
def _copy(src, dst):
    dst[0][:, :] = src[0]
    dst[1][:] = src[1]
    dst[2][:] = src[2]
    dst[3][:, :] = src[3]
    dst[4][:, :] = src[4]
    dst[5][:, :] = src[5]
    dst[6][:] = src[6]


@njit(cache=True)
def _refresh(sol, inst, k):
    seq, rlen, cost, start, latest, load = sol[0], sol[1], sol[2], sol[3], sol[4], sol[5]
    times, dist, nodes = inst[0], inst[1], inst[2]
    m = rlen[k]
    t = nodes[0, _E]
    start[k, 0] = t
    load[k, 0] = 0
    ld = 0
    c = 0
    for pos in range(1, m + 2):
        a = seq[k, pos - 1]
        b = seq[k, pos]
        t = max(nodes[b, _E], t + nodes[a, _S] + times[a, b])
        start[k, pos] = t
        ld += nodes[b, _Q]
        load[k, pos] = ld
        c += dist[a, b]
    cost[k] = c
    latest[k, m + 1] = nodes[0, _L]
    for pos in range(m, -1, -1):
        a = seq[k, pos]
        latest[k, pos] = min(nodes[a, _L], latest[k, pos + 1] - nodes[a, _S] - times[a, seq[k, pos + 1]])


@njit(cache=True)
def _best_insertion(sol, inst, k, r):
    """Cheapest feasible insertion of request r in route k: (cost, pickup position, delivery position)."""
    seq, rlen, start, latest, load = sol[0], sol[1], sol[3], sol[4], sol[5]
    times, dist, nodes, requests, capacity = inst[0], inst[1], inst[2], inst[3], inst[4]
    p = requests[r, 0]
    d = requests[r, 1]
    m = rlen[k]
    best, bi, bj = _INF, -1, -1
    qp = nodes[p, _Q]
    if d < 0:
        if load[k, m + 1] + qp > capacity:
            return best, bi, bj
        for i in range(m + 1):
            a = seq[k, i]
            if start[k, i] > nodes[p, _L]:
                break
            b = seq[k, i + 1]
            t = max(nodes[p, _E], start[k, i] + nodes[a, _S] + times[a, p])
            if t > nodes[p, _L]:
                continue
            if max(nodes[b, _E], t + nodes[p, _S] + times[p, b]) > latest[k, i + 1]:
                continue
            delta = dist[a, p] + dist[p, b] - dist[a, b]
            if delta < best:
                best, bi, bj = delta, i, -1
        return best, bi, bj
    for i in range(m + 1):
        a = seq[k, i]
        if start[k, i] > nodes[p, _L]:
            break
        if load[k, i] + qp > capacity:
            continue
        tp = max(nodes[p, _E], start[k, i] + nodes[a, _S] + times[a, p])
        if tp > nodes[p, _L]:
            continue
        b = seq[k, i + 1]
        # Delivery right after the pickup.
        td = max(nodes[d, _E], tp + nodes[p, _S] + times[p, d])
        if td <= nodes[d, _L] and max(nodes[b, _E], td + nodes[d, _S] + times[d, b]) <= latest[k, i + 1]:
            delta = dist[a, p] + dist[p, d] + dist[d, b] - dist[a, b]
            if delta < best:
                best, bi, bj = delta, i, i
        # Delivery after position j > i: the stops in between are pushed by the pickup and carry its load.
        base = dist[a, p] + dist[p, b] - dist[a, b]
        t = tp
        prev = p
        for j in range(i + 1, m + 1):
            c = seq[k, j]
            t = max(nodes[c, _E], t + nodes[prev, _S] + times[prev, c])
            prev = c
            if t > latest[k, j] or load[k, j] + qp > capacity or t > nodes[d, _L]:
                break
            nb = seq[k, j + 1]
            td = max(nodes[d, _E], t + nodes[c, _S] + times[c, d])
            if td > nodes[d, _L]:
                continue
            if max(nodes[nb, _E], td + nodes[d, _S] + times[d, nb]) > latest[k, j + 1]:
                continue
            delta = base + dist[c, d] + dist[d, nb] - dist[c, nb]
            if delta < best:
                best, bi, bj = delta, i, j
    return best, bi, bj


@njit(cache=True)
def _insert(sol, inst, k, r, i, j):
    seq, rlen, where = sol[0], sol[1], sol[6]
    requests = inst[3]
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
    """Take requests chosen[:count] out of their routes."""
    seq, rlen, where = sol[0], sol[1], sol[6]
    requests = inst[3]
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
        m = rlen[k]
        w = 1
        for pos in range(1, m + 1):
            node = seq[k, pos]
            if where[node] == k:
                seq[k, w] = node
                w += 1
        seq[k, w] = 0
        rlen[k] = w - 1
        _refresh(sol, inst, k)


@njit(cache=True)
def _bank(sol, inst):
    """Requests not in any route."""
    return np.flatnonzero(sol[6][inst[3][:, 0]] < 0)


@njit(cache=True)
def _served(sol, inst):
    """Requests in a route."""
    return np.flatnonzero(sol[6][inst[3][:, 0]] >= 0)


@njit(cache=True)
def _objective(sol, penalty, n_bank):
    return sol[2].sum() + penalty * n_bank


@njit(cache=True)
def _rank(sol, n_bank):
    """Order of plans for the best one: fewer requests left out first, then shorter."""
    return n_bank * _RANK_STEP + sol[2].sum()


@njit(cache=True)
def _used(sol):
    return (sol[1] > 0).sum()


@njit(cache=True)
def _first_empty(sol, vmax):
    rlen = sol[1]
    used = 0
    empty = -1
    for k in range(len(rlen)):
        if rlen[k] > 0:
            used += 1
        elif empty < 0:
            empty = k
    return empty if used < vmax else -1


@njit(cache=True)
def _column(sol, inst, k, bank, active, table, at_i, at_j, noise):
    for b in range(len(bank)):
        if not active[b]:
            continue
        c, i, j = _best_insertion(sol, inst, k, bank[b])
        if c < _INF and noise > 0:
            c = max(0, c + np.int64(np.random.randint(-noise, noise + 1)))
        table[b, k], at_i[b, k], at_j[b, k] = c, i, j


@njit(cache=True)
def _repair(sol, inst, bank, regret, noise, vmax):
    """Insert the bank's requests by regret-k insertion (k = 1: greedy); returns how many stay out."""
    n_routes = len(sol[1])
    nb = len(bank)
    table = np.full((nb, n_routes), _INF, dtype=np.int64)
    at_i = np.zeros((nb, n_routes), dtype=np.int64)
    at_j = np.zeros((nb, n_routes), dtype=np.int64)
    active = np.ones(nb, dtype=np.bool_)
    empty = _first_empty(sol, vmax)
    for k in range(n_routes):
        if sol[1][k] > 0 or k == empty:
            _column(sol, inst, k, bank, active, table, at_i, at_j, noise)
    left = nb
    big = 1e15
    firsts = np.empty(max(regret, 1), dtype=np.int64)
    while left > 0:
        pick, pick_k, score_best = -1, -1, -np.inf
        for b in range(nb):
            if not active[b]:
                continue
            row = table[b]
            # The `regret` smallest costs over routes (an empty route counts once).
            firsts[:] = _INF
            ks = -1
            for k in range(n_routes):
                c = row[k]
                if c >= _INF or (sol[1][k] == 0 and k != empty):
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
        was_empty = sol[1][pick_k] == 0
        _insert(sol, inst, pick_k, bank[pick], at_i[pick, pick_k], at_j[pick, pick_k])
        active[pick] = False
        left -= 1
        _column(sol, inst, pick_k, bank, active, table, at_i, at_j, noise)
        if was_empty:
            empty = _first_empty(sol, vmax)
            if empty >= 0:
                _column(sol, inst, empty, bank, active, table, at_i, at_j, noise)
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


@njit(cache=True)
def _saving(sol, inst, r, pos_of):
    """Distance saved by taking request r out of its route."""
    seq, where = sol[0], sol[6]
    dist = inst[1]
    requests = inst[3]
    p, d = requests[r, 0], requests[r, 1]
    k = where[p]
    pos_p = pos_of[p]
    pos_d = pos_of[d] if d >= 0 else -1
    a, b = seq[k, pos_p - 1], seq[k, pos_p + 1]
    if d < 0:
        return dist[a, p] + dist[p, b] - dist[a, b]
    if pos_d == pos_p + 1:
        nb = seq[k, pos_d + 1]
        return dist[a, p] + dist[p, d] + dist[d, nb] - dist[a, nb]
    c, nb = seq[k, pos_d - 1], seq[k, pos_d + 1]
    return dist[a, p] + dist[p, b] - dist[a, b] + dist[c, d] + dist[d, nb] - dist[c, nb]


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
    dist = inst[1]
    nodes = inst[2]
    requests = inst[3]
    pr, dr, ps, ds = requests[r, 0], requests[r, 1], requests[s, 0], requests[s, 1]
    value = 9.0 * dist[pr, ps] / scale[0] + 2.0 * abs(nodes[pr, _Q] - nodes[ps, _Q]) / scale[2]
    value += 3.0 * abs(start_of[pr] - start_of[ps]) / scale[1]
    if dr >= 0 and ds >= 0:
        value += 9.0 * dist[dr, ds] / scale[0] + 3.0 * abs(start_of[dr] - start_of[ds]) / scale[1]
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
        if x <= 0:
            return i
    return len(weights) - 1


REPAIRS = np.array([1, 2, 3, 4], dtype=np.int64)
"""Regret depth of each insertion operator (1 = greedy)."""


@njit(cache=True)
def _seed(seed):
    np.random.seed(seed)


@njit(cache=True)
def _iterate(cur, cand, best, inst, vmax, penalty, iters, temp, cooling, weights, scores, uses, state, scale, noise):
    """Run `iters` ALNS iterations; state = [f_cur, f_best, iteration]; returns the temperature reached."""
    n_req = len(inst[3])
    q_max = max(1, min(100, int(REMOVAL_SHARE * n_req)))
    q_min = min(4, q_max)
    chosen = np.empty(n_req, dtype=np.int64)
    n_destroy = 3
    for _ in range(iters):
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
        left = _repair(cand, inst, bank, REPAIRS[op_r], noise if op_n == 1 else 0, vmax)
        f = _objective(cand, penalty, left)
        score = 0.0
        rank = _rank(cand, left)
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
        temp *= cooling
        state[2] += 1
        if state[2] % SEGMENT == 0:
            for op in range(len(weights)):
                if uses[op] > 0:
                    weights[op] = (1 - REACTION) * weights[op] + REACTION * scores[op] / uses[op]
                weights[op] = max(weights[op], 0.05)
                scores[op] = 0.0
                uses[op] = 0
    return temp


class _Search:
    """The current, candidate and best plans of one run, with the operator weights."""

    def __init__(self, data: Data, seed: int) -> None:
        self.inst = data.as_tuple()
        n = len(data.nodes)
        self.cur, self.cand, self.best = (_empty(n, data.fleet) for _ in range(3))
        for sol in (self.cur, self.cand, self.best):
            for k in range(data.fleet):
                _refresh(sol, self.inst, k)
        self.weights = np.ones(3 + len(REPAIRS) + 2)
        self.scores = np.zeros_like(self.weights)
        self.uses = np.zeros_like(self.weights)
        self.state = np.zeros(3, dtype=np.int64)
        dist = data.distances
        span = max(1, int(data.nodes[0, _L] - data.nodes[0, _E]))
        loads = max(1.0, float(np.abs(data.nodes[:, _Q]).max()))
        self.scale = np.array([max(1.0, float(dist.max())), float(span), loads])
        self.noise = max(1, int(0.025 * dist.max()))
        self.penalty = int(PENALTY * dist.max() + 1)
        _seed(seed)

    def distance(self, sol: tuple) -> int:
        return int(sol[2].sum())

    def banked(self, sol: tuple) -> np.ndarray:
        return _bank(sol, self.inst)

    def reset_to(self, sol: tuple, vmax: int) -> None:
        """Make `sol` current and best, with objective values for `vmax` vehicles."""
        for other in (self.cur, self.best):
            if other is not sol:
                _copy(sol, other)
        n_bank = len(self.banked(sol))
        self.state[0] = _objective(sol, self.penalty, n_bank)
        self.state[1] = _rank(sol, n_bank)

    def run(
        self, vmax: int, seconds: float, *, stop_when_complete: bool, t0: float, penalty: int, chunk: int = 50
    ) -> bool:
        """Iterate for `seconds`, at least one chunk (cooling from t0 to END_TEMPERATURE * t0).

        Returns True when stopped because the best plan left no request out.
        """
        started = time.perf_counter()
        temp = t0
        elapsed = 0.0
        while True:
            # Geometric cooling in wall-clock time: the temperature reached is t0 * END^(elapsed / seconds).
            goal = t0 * END_TEMPERATURE ** min(1.0, (elapsed + 0.05) / max(seconds, 0.05))
            cooling = (goal / temp) ** (1.0 / chunk) if temp > 0 else 1.0
            temp = _iterate(
                self.cur, self.cand, self.best, self.inst, vmax, penalty, chunk, temp, cooling,
                self.weights, self.scores, self.uses, self.state, self.scale, self.noise,
            )  # fmt: skip
            if stop_when_complete and len(self.banked(self.best)) == 0:
                return True
            elapsed = time.perf_counter() - started
            if elapsed >= seconds:
                return False


def search(
    data: Data,
    *,
    time_limit_s: float,
    fleet_share: float = 0.5,
    seed: int = 0,
    progress: Callable[[str, int, int], None] | None = None,
) -> Result:
    """Fewest vehicles first, then shortest distance, within ``time_limit_s`` seconds.

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

    s = _Search(data, seed)
    bank = s.banked(s.cur)
    _repair(s.cur, s.inst, bank, 2, 0, data.fleet)
    first_distance = max(1, s.distance(s.cur))
    t0 = -START_WORSE * first_distance / math.log(0.5)
    s.reset_to(s.cur, data.fleet)
    history: list[tuple[float, int]] = []
    if len(s.banked(s.cur)):
        # Not every request fits yet: search with the whole fleet until the bank is empty.
        s.run(data.fleet, fleet_share * left(), stop_when_complete=True, t0=t0, penalty=s.penalty)
    complete = _empty(len(data.nodes), data.fleet)
    _copy(s.best, complete)
    vehicles = int(_used(complete))
    if not len(s.banked(complete)):
        history.append((time.perf_counter() - started, vehicles))
    fleet_end = started + fleet_share * time_limit_s
    tries = 0
    while not len(s.banked(complete)) and vehicles > 1 and time.perf_counter() < fleet_end:
        # Take out the route with the fewest requests (the next one on a failed try) and search without it.
        trial = _empty(len(data.nodes), data.fleet)
        _copy(complete, trial)
        sizes = np.where(trial[1] > 0, trial[1], np.iinfo(np.int64).max)
        k = int(np.argsort(sizes, kind="stable")[tries])
        out = np.flatnonzero(trial[6][data.requests[:, 0]] == k).astype(np.int64)
        _remove(trial, s.inst, out, len(out))
        _repair(trial, s.inst, s.banked(trial), 2, 0, vehicles - 1)
        s.reset_to(trial, vehicles - 1)
        budget = min(fleet_end - time.perf_counter(), max(FLEET_TRY * time_limit_s, 1.0))
        if s.run(vehicles - 1, budget, stop_when_complete=True, t0=t0, penalty=s.penalty):
            _copy(s.best, complete)
            vehicles = int(_used(complete))
            history.append((time.perf_counter() - started, vehicles))
            tries = 0
            if progress:
                progress("fleet", vehicles, s.distance(complete))
        else:
            tries += 1
            if tries >= min(2, vehicles):
                break
    s.reset_to(complete, vehicles)
    s.run(vehicles, left(), stop_when_complete=False, t0=t0, penalty=int(DISTANCE_PENALTY * data.distances.max() + 1))
    best = s.best
    routes = [[int(x) for x in best[0][k, 1 : best[1][k] + 1]] for k in range(data.fleet) if best[1][k] > 0]
    unserved = [int(r) for r in s.banked(best)]
    if progress:
        progress("distance", len(routes), s.distance(best))
    log.info("alns: %d vehicles, distance %d, %d iterations", len(routes), s.distance(best), int(s.state[2]))
    return Result(routes, s.distance(best), unserved, int(s.state[2]), history)


def warm_up() -> None:
    """Compile (or load from numba's cache) every compiled function on a tiny instance, so timings start warm."""
    xy = np.array([[0, 0], [10, 0], [0, 10], [10, 10], [5, 5]])
    d = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1)) * 10).astype(np.int64)
    nodes = np.array([[0, 1000, 0, 0], [0, 1000, 1, 1], [0, 1000, 1, -1], [0, 1000, 1, 1], [0, 1000, 1, -1]])
    requests = np.array([[1, 2], [3, 4]])
    search(Data(d, d, nodes, requests, capacity=2, fleet=2), time_limit_s=0.01)
