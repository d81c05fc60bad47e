"""Heuristics and a Lagrangian lower bound for the capacitated p-median.

Everything works on a weighted cost matrix ``wc`` (demand weight times travel time, ``n_demand x
n_candidates``, ``inf`` where a site cannot be reached) restricted to the demand rows with positive weight.

The bound relaxes the assignment rows ``sum_j x_ij = 1`` with multipliers ``lam``. What is left splits by
site: opening ``j`` is worth ``rho[j] = min sum_i (wc[i, j] - lam[i]) x_ij`` subject to
``sum_i w_i x_ij <= C_j``, ``0 <= x_ij <= 1``, a continuous knapsack solved exactly by taking the items of most
negative cost per unit of weight first. The bound is ``sum(lam) + rho over the fixed sites and the p smallest
of the free ones``: valid for the full model (all pairs, single source or split) whatever ``lam`` is, and at
best equal to its LP relaxation with the strong linking rows ``x_ij <= y_j``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.optimize import linprog

log = logging.getLogger(__name__)

MAX_SWAP_ROWS = 2000
"""Above this many demand rows the local search only shifts: a swap pass builds several rows x rows arrays."""


@dataclass
class Solution:
    """A single-source assignment: the open sites, the site of each demand row and its total cost."""

    sites: np.ndarray
    assign: np.ndarray
    cost: float


def _fill(rows: np.ndarray, sub: np.ndarray, w: np.ndarray, room: np.ndarray, out: np.ndarray) -> bool:
    """Give each of ``rows``, in order, the cheapest column of ``sub`` with room left; False if one fits nowhere.

    ``room`` (per column) and ``out`` (column per row) are updated in place.
    """
    for i in rows:
        row = np.where(room >= w[i] - 1e-9, sub[i], np.inf)
        k = int(np.argmin(row))
        if not np.isfinite(row[k]):
            return False
        room[k] -= w[i]
        out[i] = k
    return True


def assign(wc: np.ndarray, w: np.ndarray, cap: np.ndarray, sites: np.ndarray) -> np.ndarray | None:
    """Single-source assignment of every row to one of ``sites`` within the capacities, by regret.

    Rows are taken in decreasing regret (second-cheapest minus cheapest site), larger weights first on ties,
    and each goes to its cheapest site that still has room; a row whose nearest sites are full is then served
    where it hurts least. Returns the column of ``wc`` serving each row, or ``None`` when a row fits nowhere.
    """
    sub = wc[:, sites]
    room = cap[sites].astype(float).copy()
    if sites.size > 1:
        two = np.partition(sub, 1, axis=1)[:, :2]
        regret = two[:, 1] - two[:, 0]
    else:
        regret = np.zeros(sub.shape[0])
    # Infinite regret (one reachable site) must come first; lexsort keys: last is primary.
    order = np.lexsort((-w, -np.nan_to_num(regret, posinf=np.finfo(float).max)))
    out = np.empty(sub.shape[0], dtype=np.int64)
    return sites[out] if _fill(order, sub, w, room, out) else None


def improve(
    wc: np.ndarray, w: np.ndarray, cap: np.ndarray, sites: np.ndarray, col: np.ndarray, *, max_moves: int = 5000
) -> np.ndarray:
    """Local search on a single-source assignment with fixed open sites: best shift, else best swap of two rows.

    A shift moves one row to another open site with room; a swap exchanges the sites of two rows when both
    sites keep within capacity (only up to :data:`MAX_SWAP_ROWS` rows). Stops at a local optimum or after
    ``max_moves`` moves.
    """
    sub = wc[:, sites]
    pos = np.searchsorted(sites, col)
    room = cap[sites] - np.bincount(pos, weights=w, minlength=sites.size)
    rows = np.arange(sub.shape[0])
    tol = 1e-9 * max(1.0, float(np.abs(sub[rows, pos]).sum()))
    for _ in range(max_moves):
        cur = sub[rows, pos]
        delta = sub - cur[:, None]
        delta[room[None, :] < w[:, None] - 1e-9] = np.inf
        i, k = np.unravel_index(int(np.argmin(delta)), delta.shape)
        if delta[i, k] < -tol:
            room[pos[i]] += w[i]
            room[k] -= w[i]
            pos[i] = k
            continue
        if sub.shape[0] > MAX_SWAP_ROWS:
            break
        # Swap rows a (at site s) and b (at site t): a goes to t, b to s.
        at = sub[:, pos]  # at[a, b]: cost of row a at the site of row b
        dswap = at + at.T - cur[:, None] - cur[None, :]
        dw = w[:, None] - w[None, :]  # weight site t gains when a comes in and b leaves, indexed [a, b]
        ok = (room[pos][None, :] >= dw - 1e-9) & (room[pos][:, None] >= -dw - 1e-9)
        dswap = np.where(ok & (pos[:, None] != pos[None, :]), dswap, np.inf)
        a, b = np.unravel_index(int(np.argmin(dswap)), dswap.shape)
        if not dswap[a, b] < -tol:
            break
        s, t = pos[a], pos[b]
        room[s] += w[a] - w[b]
        room[t] += w[b] - w[a]
        pos[a], pos[b] = t, s
    return sites[pos]


def solution_cost(wc: np.ndarray, col: np.ndarray) -> float:
    """Total weighted cost of an assignment."""
    return float(wc[np.arange(wc.shape[0]), col].sum())


def heuristic(wc: np.ndarray, w: np.ndarray, cap: np.ndarray, sites: np.ndarray) -> Solution | None:
    """Regret assignment to ``sites`` then local search; ``None`` when the regret pass finds no room.

    Cheap (a few milliseconds): used to screen the many site sets a Lagrangian ascent proposes.
    """
    col = assign(wc, w, cap, sites)
    if col is None:
        return None
    col = improve(wc, w, cap, sites, col)
    return Solution(sites, col, solution_cost(wc, col))


def rounded_lp(wc: np.ndarray, w: np.ndarray, cap: np.ndarray, sites: np.ndarray) -> Solution | None:
    """Assignment to ``sites`` from the transportation LP (split demand), rounded, then local search.

    A vertex of the transportation LP splits at most one row per site, so rounding those few rows and a
    local search land close to the LP value. On the Hanoi instance this is 4 % cheaper than the regret
    assignment, whose greedy order sends the last rows far away. ``None`` when the LP fails or a split row
    fits nowhere.
    """
    sub = wc[:, sites]
    n, k = sub.shape
    ok = np.isfinite(sub)
    ri, cj = np.nonzero(ok)
    r = np.arange(ri.size)
    res = linprog(
        sub[ri, cj],
        A_ub=sp.csr_array((w[ri], (cj, r)), shape=(k, ri.size)),
        b_ub=cap[sites],
        A_eq=sp.csr_array((np.ones(ri.size), (ri, r)), shape=(n, ri.size)),
        b_eq=np.ones(n),
        bounds=(0.0, 1.0),
        # Dual simplex returns a vertex, which is what keeps the number of split rows small.
        method="highs-ds",
    )
    if res.status != 0:
        return None
    x = np.zeros((n, k))
    x[ri, cj] = res.x
    pos = np.argmax(x, axis=1)
    whole = x[np.arange(n), pos] > 1.0 - 1e-7
    room = cap[sites] - np.bincount(pos[whole], weights=w[whole], minlength=k)
    if not _fill(np.flatnonzero(~whole)[np.argsort(-w[~whole])], sub, w, room, pos):
        return None
    col = improve(wc, w, cap, sites, sites[pos])
    return Solution(sites, col, solution_cost(wc, col))


def swap_sites(
    wc: np.ndarray,
    w: np.ndarray,
    cap: np.ndarray,
    best: Solution,
    fixed: np.ndarray,
    candidates: np.ndarray,
    *,
    deadline: float,
) -> Solution:
    """Vertex substitution on the new sites: replace one by a candidate while the rounded-LP assignment improves.

    First improvement over (open new site, candidate) pairs, ``candidates`` tried in the order given (most
    promising first); each try costs one transportation LP, so the list is kept short and the time bounded.
    """
    improved = True
    while improved:
        improved = False
        for out in np.setdiff1d(best.sites, fixed):
            for c in candidates:
                if time.perf_counter() > deadline:
                    return best
                if c in best.sites:
                    continue
                sites = np.sort(np.append(best.sites[best.sites != out], c))
                sol = rounded_lp(wc, w, cap, sites) or heuristic(wc, w, cap, sites)
                if sol is not None and sol.cost < best.cost - 1e-9 * abs(best.cost):
                    log.debug("site swap %d -> %d: %.6g", out, c, sol.cost)
                    best, improved = sol, True
                    break
            if improved:
                break
    return best


@dataclass
class Bound:
    """Best Lagrangian bound, its multipliers, the number of subgradient iterations and the site values.

    ``rho[j]`` is what opening ``j`` adds to the bound: the most negative are the sites the relaxation wants.
    """

    value: float
    lam: np.ndarray
    iterations: int
    rho: np.ndarray


def _evaluate(
    wc: np.ndarray, w: np.ndarray, cap: np.ndarray, lam: np.ndarray, fixed: np.ndarray, free: np.ndarray, p: int
) -> tuple[float, np.ndarray, np.ndarray, np.ndarray]:
    """Bound for ``lam``, the chosen sites, how much of each row they serve (the subgradient) and ``rho``."""
    r = wc - lam[:, None]
    neg = r < 0
    x = neg.astype(float)
    rneg = np.where(neg, r, 0.0)
    over = np.flatnonzero(w @ x > cap)
    if over.size:
        # Only sites whose attractive rows outweigh their capacity need the ratio sort of the knapsack.
        ratio = np.where(neg[:, over], rneg[:, over] / w[:, None], np.inf)
        order = np.argsort(ratio, axis=0)
        ws = w[order]
        before = np.cumsum(ws, axis=0) - ws
        frac = np.clip((cap[over][None, :] - before) / ws, 0.0, 1.0)
        frac[~np.isfinite(np.take_along_axis(ratio, order, axis=0))] = 0.0
        part = np.empty_like(frac)
        np.put_along_axis(part, order, frac, axis=0)
        x[:, over] = part
    rho = (rneg * x).sum(axis=0)
    chosen = np.concatenate([fixed, free[np.argpartition(rho[free], p - 1)[:p]]]) if p > 0 else fixed
    bound = float(lam.sum() + rho[chosen].sum())
    return bound, chosen, x[:, chosen].sum(axis=1), rho


def lagrangian(
    wc: np.ndarray,
    w: np.ndarray,
    cap: np.ndarray,
    fixed: np.ndarray,
    p: int,
    upper: float,
    *,
    deadline: float,
    max_iter: int = 3000,
    patience: int = 25,
    lam0: np.ndarray | None = None,
    on_sites: Callable[[np.ndarray], float] | None = None,
) -> Bound:
    """Maximise the Lagrangian bound by subgradient steps (Polyak step towards the incumbent ``upper``).

    Parameters
    ----------
    wc
        Weighted costs, ``n_demand x n_candidates``, rows of positive weight only; ``inf`` where unreachable.
    w
        Positive demand weight of each row.
    cap
        Capacity of each candidate.
    fixed
        Candidates open in every solution.
    p
        Number of sites opened besides the fixed ones.
    upper
        Cost of the best known solution (``inf`` when none is known yet).
    deadline
        ``time.perf_counter()`` value at which to stop.
    max_iter, patience
        Iteration limit; the step factor halves after ``patience`` iterations without progress and the ascent
        stops once it is below 1e-4.
    lam0
        Multipliers to start from (those of an earlier ascent, continued once the incumbent improved).
    on_sites
        Called with the sites the relaxation opens whenever they change; returns the cost of a feasible
        solution built on them so that the step size aims at a better incumbent.
    """
    n_c = wc.shape[1]
    free = np.setdiff1d(np.arange(n_c), fixed)
    finite = np.where(np.isfinite(wc), wc, np.nan)
    # The cheapest reachable cost of each row: the uncapacitated all-open bound, a valid start.
    lam = np.nanmin(finite, axis=1) if lam0 is None else lam0.copy()
    best = Bound(-np.inf, lam.copy(), 0, np.zeros(n_c))
    mu, stall, seen, it = 2.0, 0, set(), 0
    for it in range(1, max_iter + 1):
        bound, chosen, served, rho = _evaluate(wc, w, cap, lam, fixed, free, p)
        if bound > best.value + 1e-12 * abs(bound):
            best = Bound(bound, lam.copy(), it, rho)
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                mu, stall = mu / 2, 0
        if on_sites is not None:
            key = tuple(np.sort(chosen).tolist())
            if key not in seen:
                seen.add(key)
                upper = min(upper, on_sites(np.sort(chosen)))
        g = 1.0 - served
        norm = float(g @ g)
        target = upper if np.isfinite(upper) else abs(bound) * 1.1 + 1.0
        if norm < 1e-18 or best.value >= upper - 1e-9 * abs(upper) or mu < 1e-4 or time.perf_counter() > deadline:
            break
        lam = lam + mu * max(target - bound, 1e-9 * abs(bound)) / norm * g
    best.iterations = it
    log.debug("capacitated Lagrangian bound %.6g after %d iterations (upper %.6g)", best.value, it, upper)
    return best
