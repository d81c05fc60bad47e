"""Capacitated p-median: each open site serves at most its capacity (e.g. dossiers a day).

A MIP with OR-Tools over (demand, site) pairs with the strong linking rows ``x_ij <= y_j``; demand can be
served by one site only (single sourcing, the default, as a household goes to one agency) or split.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np
import scipy.sparse as sp

from geo._errors import InfeasibleError, InputError
from geo.siting import _mip
from geo.siting._base import LocateModel, check_reachable, nearest_assignment

log = logging.getLogger(__name__)


class CapacitatedPMedian(LocateModel):
    """p-median where the demand weight served by a site may not exceed its capacity.

    Objective: total demand-weighted travel time (weight times seconds). :attr:`load` holds the weight each
    open site serves; :attr:`allocation` the share of each demand row served by each site.

    Parameters
    ----------
    cost
        Travel times in seconds, ``n_demand x n_candidates``.
    weights
        Demand per row, in the unit of ``capacity`` (e.g. dossiers a day).
    p
        Number of NEW sites to open, in addition to ``fixed_open``.
    capacity
        Capacity of every candidate (one number) or of each candidate (one per column), same unit as weights.
    fixed_open
        Candidate indices that stay open (existing agencies).
    single_source
        Serve each demand row from a single site (default) rather than splitting it.
    solver
        OR-Tools MIP solver: ``SCIP`` (default), ``HIGHS``, ``CBC`` or ``CP_SAT``.
    """

    def __init__(
        self,
        cost: Any,
        weights: Any = None,
        *,
        p: int,
        capacity: Any,
        fixed_open: Any = (),
        single_source: bool = True,
        solver: str = "SCIP",
    ) -> None:
        super().__init__(cost, weights, p=p, fixed_open=fixed_open)
        cap = np.broadcast_to(np.asarray(capacity, dtype=float), (self.n_candidates,)).copy()
        if not np.isfinite(cap).all() or (cap < 0).any():
            raise InputError("capacity must be finite and non-negative")
        self.capacity = cap
        self.single_source = single_source
        self.solver = solver
        check_reachable(self.cost, self.weights)
        free = np.setdiff1d(np.arange(self.n_candidates), self.fixed_open)
        best_total = cap[self.fixed_open].sum() + np.sort(cap[free])[::-1][: self.p].sum()
        demand = self.weights.sum()
        if best_total < demand:
            raise InfeasibleError(
                f"total demand {demand:g} exceeds the largest capacity {self.p} new and "
                f"{self.fixed_open.size} fixed sites can offer ({best_total:g})"
            )
        if single_source and self.weights.max() > cap.max():
            i = int(np.argmax(self.weights))
            raise InfeasibleError(
                f"demand {i} ({self.weights[i]:g}) exceeds every site's capacity (largest {cap.max():g}); "
                "use single_source=False to split it"
            )
        self.allocation = np.zeros((0, 0))
        self.load = np.zeros(self.n_candidates)

    def _solve(self, deadline: float) -> None:
        n_d, n_c = self.cost.shape
        is_fixed = np.zeros(n_c, dtype=bool)
        is_fixed[self.fixed_open] = True
        rows_i, cols_j = np.nonzero(np.isfinite(self.cost) & (self.weights[:, None] > 0))
        n_x = rows_i.size
        # variables: x (one per reachable pair), then y (one per candidate; fixed ones have bounds [1, 1])
        y0 = n_x
        w = self.weights
        r = np.arange(n_x)
        blocks = []
        # assignment: each demand row with weight is served once
        served_rows = np.unique(rows_i)
        row_of = np.searchsorted(served_rows, rows_i)
        blocks.append(sp.csr_array((np.ones(n_x), (row_of, r)), shape=(served_rows.size, n_x + n_c)))
        # capacity: sum_i w_i x_ij - C_j y_j <= 0
        cap = sp.csr_array(
            (
                np.concatenate([w[rows_i], -self.capacity]),
                (np.concatenate([cols_j, np.arange(n_c)]), np.concatenate([r, y0 + np.arange(n_c)])),
            ),
            shape=(n_c, n_x + n_c),
        )
        blocks.append(cap)
        # linking x_ij <= y_j, which tightens the relaxation a lot
        blocks.append(
            sp.csr_array(
                (np.concatenate([np.ones(n_x), -np.ones(n_x)]), (np.tile(r, 2), np.concatenate([r, y0 + cols_j]))),
                shape=(n_x, n_x + n_c),
            )
        )
        card = np.zeros((1, n_x + n_c))
        card[0, y0:] = ~is_fixed
        blocks.append(sp.csr_array(card))
        a = sp.vstack(blocks, format="csr")
        row_lb = np.concatenate([np.ones(served_rows.size), np.full(n_c, -np.inf), np.full(n_x, -np.inf), [self.p]])
        row_ub = np.concatenate([np.ones(served_rows.size), np.zeros(n_c), np.zeros(n_x), [self.p]])
        c = np.concatenate([w[rows_i] * self.cost[rows_i, cols_j], np.zeros(n_c)])
        var_lb = np.concatenate([np.zeros(n_x), is_fixed.astype(float)])
        integer = np.concatenate([np.full(n_x, self.single_source), np.ones(n_c, dtype=bool)])
        res = _mip.solve_mip(
            c,
            a,
            row_lb,
            row_ub,
            var_lb=var_lb,
            var_ub=np.ones(n_x + n_c),
            integer=integer,
            time_limit_s=deadline - time.perf_counter(),
            solver=self.solver,
        )
        if res.status == "infeasible":
            raise InfeasibleError(
                f"no assignment of {w.sum():g} demand to {self.p} new and {self.fixed_open.size} fixed sites "
                "respects the capacities (demand points reach too few sites)"
            )
        if res.x is None:
            raise InfeasibleError(f"no feasible solution found within the time limit ({res.status})")
        x = np.clip(res.x[:n_x], 0.0, 1.0)
        alloc = np.zeros((n_d, n_c))
        alloc[rows_i, cols_j] = x
        self.allocation = alloc
        self.sites = np.flatnonzero(res.x[y0:] > 0.5)
        # Rows of zero demand carry no flow; they are shown as served by their nearest open site.
        nearest = nearest_assignment(self.cost, self.sites)
        self.assignment = np.where(alloc.max(axis=1) > 0, alloc.argmax(axis=1), nearest).astype(np.int64)
        self.load = w @ alloc
        self.objective = float(c[:n_x] @ x)
        self.bound = float(res.bound)
        self.status = "optimal" if res.status == "optimal" else "feasible"
