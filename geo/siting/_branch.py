"""Lagrangian branch-and-bound for p-median: proves optimality when the relaxation leaves a gap.

Depth-first over sites (open first, then closed). Each node re-optimises the Lagrangian bound of the
restricted problem from its parent's multipliers, prunes against the incumbent, and fixes further sites by
reduced costs, so the tree stays small on instances whose root gap is a few per cent (Beasley 1993).
"""

from __future__ import annotations

import logging
import time

import numpy as np

from geo.siting import _bounds

log = logging.getLogger(__name__)


def _close_enough(bound: float, upper: float, resolution: float) -> bool:
    return bound > upper - max(resolution, 1e-9 * abs(upper))


def branch_and_bound(
    w: np.ndarray,
    fixed: np.ndarray,
    p: int,
    sites: np.ndarray,
    upper: float,
    *,
    closed: np.ndarray,
    opened: np.ndarray,
    lam: np.ndarray,
    root_bound: float,
    deadline: float,
    resolution: float = 0.0,
    node_iterations: int = 150,
) -> tuple[np.ndarray, float, float, int]:
    """Search for a p-median solution cheaper than ``upper`` or prove there is none.

    Parameters
    ----------
    w
        Weighted costs (weight times seconds), ``n_demand x n_candidates``.
    fixed
        Sites open in every solution.
    p
        Number of sites to open besides ``fixed``.
    sites, upper
        The incumbent solution (all open sites) and its cost.
    closed, opened
        Sites already fixed closed / open at the root (by reduced costs).
    lam, root_bound
        Multipliers and bound of the root relaxation.
    deadline
        ``time.perf_counter()`` value at which to stop.
    resolution
        Granularity of objective values (1 for integer data).
    node_iterations
        Subgradient iterations per node.

    Returns
    -------
    tuple
        Best sites, their cost, the proven lower bound, and the number of nodes explored.
    """
    n_cand = w.shape[1]
    is_fixed = np.zeros(n_cand, dtype=bool)
    is_fixed[fixed] = True
    c0 = np.zeros(n_cand, dtype=bool)
    c0[closed] = True
    o0 = np.zeros(n_cand, dtype=bool)
    o0[opened] = True
    stack = [(c0, o0, lam, root_bound)]
    nodes = 0
    while stack:
        if time.perf_counter() > deadline:
            break
        is_closed, is_opened, node_lam, parent_bound = stack.pop()
        if _close_enough(parent_bound, upper, resolution):
            continue
        nodes += 1
        must = np.flatnonzero(is_fixed | is_opened)
        allowed = np.flatnonzero(~is_closed)
        p_free = p - int(is_opened.sum())
        n_free = allowed.size - must.size
        if p_free < 0 or p_free > n_free:
            continue
        if p_free == 0 or p_free == n_free:
            leaf = must if p_free == 0 else allowed
            cost = float(w[:, leaf].min(axis=1).sum())
            if cost < upper:
                sites, upper = leaf, cost
            continue
        sub = w[:, allowed]
        must_pos = np.searchsorted(allowed, must)

        def evaluate(chosen: np.ndarray, sub: np.ndarray = sub, allowed: np.ndarray = allowed) -> float:
            nonlocal sites, upper
            cost = float(sub[:, chosen].min(axis=1).sum())
            if cost < upper:
                sites, upper = allowed[chosen], cost
                log.debug("branch-and-bound: new incumbent %.6g", cost)
            return upper

        res = _bounds.subgradient(
            sub,
            must_pos,
            p_free,
            upper,
            deadline=deadline,
            resolution=resolution,
            max_iter=node_iterations,
            patience=15,
            lam0=node_lam,
            mu0=0.5,
            on_solution=evaluate,
        )
        bound = max(res.bound, parent_bound)
        if _close_enough(bound, upper, resolution):
            continue
        cl, op = _bounds.reduced_cost_fixing(res, must_pos, p_free, upper, resolution=resolution)
        is_closed = is_closed.copy()
        is_closed[allowed[cl]] = True
        is_opened = is_opened.copy()
        is_opened[allowed[op]] = True
        # Branch on the free site the relaxation likes most among those it opens.
        free = np.setdiff1d(np.arange(allowed.size), np.union1d(must_pos, np.union1d(cl, op)))
        if free.size == 0:
            stack.append((is_closed, is_opened, res.lam, bound))
            continue
        j = allowed[free[np.argmin(res.rho[free])]]
        shut = is_closed.copy()
        shut[j] = True
        take = is_opened.copy()
        take[j] = True
        stack.append((shut, is_opened, res.lam, bound))
        stack.append((is_closed, take, res.lam, bound))
    lower = min([upper] + [b for *_, b in stack])
    if not stack:
        lower = upper
    log.debug("branch-and-bound: %d nodes, cost %.6g, bound %.6g", nodes, upper, lower)
    return np.sort(sites), upper, lower, nodes
