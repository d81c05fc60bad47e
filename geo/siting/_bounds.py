"""Lagrangian lower bound for p-median (assignment constraints relaxed), by subgradient optimisation.

With multipliers ``lam`` on "each demand is assigned once", the relaxation splits by site: opening ``j``
is worth ``rho[j] = sum_i min(0, w[i, j] - lam[i])`` and the bound is ``sum(lam) + sum of rho over the fixed
sites and the p smallest of the others`` (Beasley 1993). Reduced costs of that bound close or open sites
for good when they cannot belong to a solution better than the incumbent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

log = logging.getLogger(__name__)


@dataclass
class LagrangianResult:
    """Best bound found, with its site values ``rho`` and multipliers ``lam``."""

    bound: float
    rho: np.ndarray
    lam: np.ndarray
    iterations: int


def _evaluate(w: np.ndarray, lam: np.ndarray, free: np.ndarray, fixed: np.ndarray, p: int, buf: np.ndarray):
    """Bound, site values, chosen sites and how often each demand is served, for multipliers ``lam``."""
    # One scratch buffer: this runs thousands of times on matrices of up to a million entries.
    np.subtract(w, lam[:, None], out=buf)
    np.minimum(buf, 0.0, out=buf)
    rho = buf.sum(axis=0)
    chosen_free = free[np.argpartition(rho[free], p - 1)[:p]] if p > 0 else free[:0]
    chosen = np.concatenate([fixed, chosen_free])
    bound = float(lam.sum() + rho[chosen].sum())
    served = np.count_nonzero(buf[:, chosen], axis=1)
    return bound, rho, chosen, served


def subgradient(
    w: np.ndarray,
    fixed: np.ndarray,
    p: int,
    upper: float,
    *,
    deadline: float,
    resolution: float = 0.0,
    max_iter: int = 5000,
    patience: int = 30,
    lam0: np.ndarray | None = None,
    mu0: float = 2.0,
    mu_min: float = 1e-5,
    on_solution: Callable[[np.ndarray], float] | None = None,
) -> LagrangianResult:
    """Maximise the Lagrangian bound by subgradient steps (Held-Wolfe-Crowder step size).

    Parameters
    ----------
    w
        Weighted costs (weight times seconds), ``n_demand x n_candidates``.
    fixed
        Candidates that are open in every solution.
    p
        Number of sites to open besides the fixed ones.
    upper
        Cost of the best known solution.
    deadline
        ``time.perf_counter()`` value at which to stop.
    resolution
        Granularity of objective values (1 for integer data, 0 otherwise); stops as soon as the bound proves
        the incumbent optimal.
    max_iter, patience, mu0, mu_min
        Iteration limit; halve the step factor after ``patience`` iterations without progress, starting from
        ``mu0``, and stop once it falls below ``mu_min``.
    lam0
        Multipliers to start from (e.g. those of the parent node in a branch-and-bound).
    on_solution
        Called now and then with the sites of the relaxed solution; returns the cost of a feasible solution
        built from them (e.g. after local search) so that the incumbent improves during the ascent.
    """
    n_cand = w.shape[1]
    free = np.setdiff1d(np.arange(n_cand), fixed)
    # Start from each demand's second cheapest cost: a standard, reasonably tight first guess.
    lam = np.partition(w, 1, axis=1)[:, 1] if n_cand > 1 else w[:, 0].copy()
    if lam0 is not None:
        lam = lam0.copy()
    best = LagrangianResult(-np.inf, np.zeros(n_cand), lam.copy(), 0)
    mu, stall, seen = mu0, 0, set()
    buf = np.empty_like(w)
    it = 0
    for it in range(1, max_iter + 1):
        bound, rho, chosen, served = _evaluate(w, lam, free, fixed, p, buf)
        if bound > best.bound + 1e-9 * abs(bound):
            best = LagrangianResult(bound, rho, lam.copy(), it)
            stall = 0
        else:
            stall += 1
            if stall >= patience:
                mu, stall = mu / 2, 0
        if on_solution is not None and (it % 10 == 1):
            key = tuple(np.sort(chosen).tolist())
            if key not in seen:
                seen.add(key)
                upper = min(upper, on_solution(np.sort(chosen)))
        g = 1.0 - served
        norm = float(g @ g)
        if best.bound > upper - max(resolution, 1e-9 * abs(upper)) or norm == 0.0:
            break
        if mu < mu_min or time.perf_counter() > deadline:
            break
        lam = lam + mu * (upper - bound) / norm * g
    best.iterations = it
    log.debug("Lagrangian bound %.6g after %d iterations (upper %.6g)", best.bound, it, upper)
    return best


def reduced_cost_fixing(
    result: LagrangianResult, fixed: np.ndarray, p: int, upper: float, *, resolution: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Sites that must stay closed and sites that must open in any solution cheaper than ``upper``.

    A site outside the Lagrangian choice costs at least ``bound + rho[j] - rho[worst chosen]`` when forced
    open; a chosen site costs at least ``bound - rho[j] + rho[best unchosen]`` when forced closed.
    """
    n_cand = result.rho.size
    free = np.setdiff1d(np.arange(n_cand), fixed)
    if p == 0 or p == free.size:
        return (free, free[:0]) if p == 0 else (free[:0], free)
    order = free[np.argsort(result.rho[free], kind="stable")]
    chosen, rest = order[:p], order[p:]
    threshold = upper - max(resolution, 1e-9 * abs(upper))
    rho_worst_in, rho_best_out = result.rho[chosen[-1]], result.rho[rest[0]]
    closed = rest[result.bound + result.rho[rest] - rho_worst_in > threshold]
    opened = chosen[result.bound - result.rho[chosen] + rho_best_out > threshold]
    return closed, opened
