"""p-median: open p new sites (besides the fixed ones) to minimise total demand-weighted travel time.

Solved in three stages, each cheap enough to run on any size:

1. greedy construction and fast vertex substitution give a good solution (the upper bound);
2. a Lagrangian relaxation gives a lower bound, improves the incumbent with local search from its relaxed
   solutions, and fixes sites open or closed by reduced costs;
3. if a gap remains, a Lagrangian branch-and-bound over the remaining sites closes it (default), or the
   reduced problem goes to an OR-Tools MIP solver in the compact formulation of Elloumi (2010), which indexes
   each demand's *distinct* sorted costs rather than every (demand, site) pair.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from geo._errors import InfeasibleError, InputError
from geo.siting import _bounds, _branch, _heuristic, _mip
from geo.siting._base import LocateModel, check_reachable, nearest_assignment

log = logging.getLogger(__name__)

#: Largest reduced MIP (non-zeros of the constraint matrix) handed to the solver; beyond, the heuristic and
#: the Lagrangian bound stand.
MAX_MIP_NONZEROS = 3_000_000
MU_MIN = 1e-5
#: Relaxed solutions of the Lagrangian ascent that always get a local search.
LOCAL_SEARCH_FREE = 20


def weighted_costs(cost: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, float]:
    """Weight times travel time, with unreachable pairs replaced by a finite penalty larger than any solution.

    Returns the matrix and the penalty.
    """
    w = weights[:, None] * cost
    finite = np.isfinite(w)
    top = float(w[finite].max()) if finite.any() else 1.0
    penalty = (top + 1.0) * (w.shape[0] + 1)
    return np.where(finite, w, penalty), penalty


def objective_resolution(w: np.ndarray) -> float:
    """1 when all weighted costs are integers (so optimal values are integers), else 0."""
    return 1.0 if np.array_equal(w, np.round(w)) and np.abs(w).max() < 2**52 else 0.0


def elloumi_model(
    w: np.ndarray, candidates: np.ndarray, must_open: np.ndarray, n_free: int
) -> tuple[np.ndarray, sp.csr_array, np.ndarray, np.ndarray, np.ndarray, float]:
    """Compact p-median formulation of Elloumi (2010), chained, over a reduced candidate set.

    For demand ``i`` with distinct sorted costs ``D_1 < ... < D_K`` (only up to the cost of its nearest
    must-open site, and up to the rank that p open sites guarantee), ``z_k = 1`` when no open site costs
    ``<= D_k``; cost is ``D_1 + sum_k (D_{k+1} - D_k) z_k``. Rows ``z_k >= z_{k-1} - sum_{j: w_ij = D_k} y_j``
    (``z_0 = 1``) are equivalent to Elloumi's and much sparser.

    Returns objective, matrix, row lower bounds, number of site variables (first), variable upper bounds and
    the objective constant.
    """
    n_site = candidates.size
    total_open = n_free + must_open.size
    sub = w[:, candidates]
    cut_rank = np.sort(sub, axis=1)[:, max(n_site - total_open, 0)]
    cut = np.minimum(cut_rank, w[:, must_open].min(axis=1)) if must_open.size else cut_rank
    rows, cols, vals, row_lb = [], [], [], []
    obj = [np.zeros(n_site)]
    constant = 0.0
    n_var = n_site
    n_row = 0
    for i in range(w.shape[0]):
        ci = sub[i]
        levels = np.unique(ci[ci <= cut[i]])
        constant += float(levels[0])
        k = levels.size - 1  # one z per step between consecutive levels
        if k == 0:
            continue
        z = n_var + np.arange(k)
        obj.append(np.diff(levels))
        # site j enters the row of its level, for levels below the last one
        lev = np.searchsorted(levels, ci)
        site_ok = (ci <= cut[i]) & (lev < k)
        site_idx = np.flatnonzero(site_ok)
        r = n_row + np.arange(k)
        rows += [r, r[1:], r[lev[site_idx]]]
        cols += [z, z[:-1], site_idx]
        vals += [np.ones(k), -np.ones(k - 1), np.ones(site_idx.size)]
        lb = np.zeros(k)
        lb[0] = 1.0
        row_lb.append(lb)
        n_var += k
        n_row += k
    # cardinality of the free sites
    rows.append(np.full(n_site, n_row))
    cols.append(np.arange(n_site))
    vals.append(np.ones(n_site))
    row_lb.append(np.array([float(n_free)]))
    n_row += 1
    a = sp.csr_array((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n_row, n_var))
    row_lb_arr = np.concatenate(row_lb)
    return np.concatenate(obj), a, row_lb_arr, np.array([n_site]), np.ones(n_var), constant


@dataclass
class _Incumbent:
    """Best solution so far: all open sites and their total weighted cost."""

    sites: np.ndarray
    cost: float


class PMedian(LocateModel):
    """Minimise total demand-weighted travel time with ``p`` new sites besides the fixed-open ones.

    Objective: sum over demand of weight times travel time (seconds) to the nearest open site.

    Parameters
    ----------
    cost
        Travel times in seconds, ``n_demand x n_candidates``; ``inf`` where no path exists.
    weights
        Demand weight per row; all ones when omitted.
    p
        Number of NEW sites to open, in addition to ``fixed_open``.
    fixed_open
        Candidate indices that stay open (existing agencies).
    method
        How to close a gap the Lagrangian bound leaves: ``branch`` (Lagrangian branch-and-bound, default) or
        ``mip`` (the reduced problem in Elloumi's formulation, solved by an OR-Tools MIP solver).
    solver
        MIP solver of OR-Tools for ``method="mip"``: ``SCIP`` (default), ``HIGHS``, ``CBC`` or ``CP_SAT``.
    """

    def __init__(
        self,
        cost: Any,
        weights: Any = None,
        *,
        p: int,
        fixed_open: Any = (),
        method: str = "branch",
        solver: str = "SCIP",
    ) -> None:
        super().__init__(cost, weights, p=p, fixed_open=fixed_open)
        if method not in ("branch", "mip"):
            raise InputError(f"method must be 'branch' or 'mip', got {method!r}")
        self.method = method
        self.solver = solver
        self.nodes = 0
        if self.p + self.fixed_open.size == 0:
            raise InfeasibleError("p = 0 and no fixed-open site: nothing would serve the demand")
        check_reachable(self.cost, self.weights)
        self.lagrangian_iterations = 0

    def _solve(self, deadline: float) -> None:
        start = time.perf_counter()
        w, penalty = weighted_costs(self.cost, self.weights)
        fixed, p = self.fixed_open, self.p
        resolution = objective_resolution(w)
        sites, upper = _heuristic.interchange(w, _heuristic.greedy(w, fixed, p), fixed, deadline=deadline)
        log.debug("greedy + interchange: %.6g", upper)
        best = _Incumbent(sites, upper)

        calls = [0]

        def improve(relaxed: np.ndarray) -> float:
            # Local search from the first relaxed solutions, later only from those close to the incumbent:
            # early ones find good solutions when p is large, late ones are many and seldom better.
            calls[0] += 1
            if calls[0] > LOCAL_SEARCH_FREE and w[:, relaxed].min(axis=1).sum() > 1.05 * best.cost:
                return best.cost
            local, cost = _heuristic.interchange(w, relaxed, fixed, deadline=deadline)
            if cost < best.cost:
                best.sites, best.cost = local, cost
            return best.cost

        # Leave the larger part of the budget for the MIP if the bound alone does not close the gap.
        budget = start + 0.4 * (deadline - start)
        lag = _bounds.subgradient(
            w, fixed, p, upper, deadline=budget, resolution=resolution, on_solution=improve, mu_min=MU_MIN
        )
        self.lagrangian_iterations = lag.iterations
        upper, bound = best.cost, lag.bound
        status = "optimal" if bound > upper - max(resolution, 1e-9 * abs(upper)) else "feasible"
        if status == "optimal":
            bound = upper
        if status != "optimal":
            closed, opened = _bounds.reduced_cost_fixing(lag, fixed, p, upper, resolution=resolution)
            log.debug("reduced-cost fixing: %d sites closed, %d opened", closed.size, opened.size)
            if self.method == "mip":
                keep = np.setdiff1d(np.arange(w.shape[1]), closed)
                exact = self._exact(w, keep, opened, deadline, best.sites)
            else:
                found, cost, lower, nodes = _branch.branch_and_bound(
                    w,
                    fixed,
                    p,
                    best.sites,
                    upper,
                    closed=closed,
                    opened=opened,
                    lam=lag.lam,
                    root_bound=lag.bound,
                    deadline=deadline,
                    resolution=resolution,
                )
                self.nodes = nodes
                exact = {"sites": found, "cost": cost, "bound": lower, "optimal": False}
            if exact is not None:
                if exact["cost"] < upper:
                    best.sites, best.cost = exact["sites"], exact["cost"]
                upper = best.cost
                bound = max(bound, exact["bound"])
                if exact["optimal"] or bound > upper - max(resolution, 1e-9 * abs(upper)):
                    status, bound = "optimal", upper
        if resolution and status != "optimal":
            bound = float(np.ceil(bound - 1e-9))
        self.sites = best.sites
        self.objective = float(best.cost)
        self.bound = min(float(bound), self.objective)
        self.status = status
        self.assignment = nearest_assignment(self.cost, self.sites)
        if self.objective >= penalty:
            raise InfeasibleError(
                f"with {p} new and {fixed.size} fixed sites some demand cannot reach any open site; "
                "raise p or fix sites in the unreachable part of the network"
            )

    def _exact(
        self, w: np.ndarray, keep: np.ndarray, opened: np.ndarray, deadline: float, incumbent: np.ndarray
    ) -> dict[str, Any] | None:
        """Solve the p-median restricted to ``keep`` (with ``opened`` forced) exactly, within the deadline."""
        remaining = deadline - time.perf_counter()
        must = np.union1d(self.fixed_open, opened)
        free = np.setdiff1d(keep, must)
        n_free = self.p - opened.size
        if remaining <= 0.05:
            return None
        if n_free == 0 or n_free == free.size:
            sites = must if n_free == 0 else np.union1d(must, free)
            cost = float(w[:, sites].min(axis=1).sum())
            return {"sites": sites, "cost": cost, "bound": cost, "optimal": True}
        c, a, row_lb, (n_site,), ub, constant = elloumi_model(w, free, must, n_free)
        if a.nnz > MAX_MIP_NONZEROS:
            log.info("reduced MIP too large (%d non-zeros); keeping the Lagrangian bound", a.nnz)
            return None
        integer = np.zeros(c.size, dtype=bool)
        integer[:n_site] = True
        hint = None
        if np.isin(incumbent, keep).all() and np.isin(must, incumbent).all():
            hint = np.zeros(c.size)
            hint[:n_site] = np.isin(free, incumbent)
        row_ub = np.full(row_lb.size, np.inf)
        row_ub[-1] = row_lb[-1]
        log.debug("reduced MIP: %d sites, %d variables, %d non-zeros", n_site, c.size, a.nnz)
        remaining = deadline - time.perf_counter()
        res = _mip.solve_mip(
            c,
            a,
            row_lb,
            row_ub,
            var_lb=np.zeros(c.size),
            var_ub=ub,
            integer=integer,
            time_limit_s=remaining,
            solver=self.solver,
            hint=hint,
        )
        if res.x is None:
            return None
        sites = np.union1d(must, free[res.x[:n_site] > 0.5])
        cost = float(w[:, sites].min(axis=1).sum())
        return {
            "sites": sites,
            "cost": cost,
            "bound": res.bound + constant,
            "optimal": res.status == "optimal",
        }
