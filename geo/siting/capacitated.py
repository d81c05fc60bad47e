"""Capacitated p-median: each open site serves at most its capacity (e.g. dossiers a day).

A MIP with OR-Tools over (demand, site) pairs with the strong linking rows ``x_ij <= y_j``; demand can be
served by one site only (single sourcing, the default, as a household goes to one agency) or split.

The full model has one variable per reachable pair, which SCIP cannot even take through the root on a city
(600 demand cells x 340 sites: no bound, no incumbent in 30 s). So, when there are more than
:data:`K_NEAREST` candidates, the solve runs in steps (see :mod:`geo.siting._capacity`):

1. a Lagrangian ascent on the FULL model (assignment rows relaxed, one continuous knapsack per site) gives
   the lower bound; each set of sites it opens is screened by a regret assignment with shift/swap search;
2. the best sets get their assignment from the rounded transportation LP (much closer to optimal than the
   regret pass, as full agencies push demand far), then a vertex substitution swaps new sites for the
   candidates the relaxation values most;
3. a restricted MIP keeps the pairs of each row with its :data:`K_NEAREST` nearest candidates and nearest
   fixed sites, plus the incumbent's pairs (so it stays feasible), and is warm-started with the incumbent;
4. what time is left continues the ascent against the best incumbent.

The reported bound is a bound of the full problem, never of a restricted one, so the gap is honest. With at
most :data:`K_NEAREST` candidates the restricted MIP is the full one and the solve is exact.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from geo._errors import InfeasibleError, InputError
from geo.siting import _capacity, _heuristic, _mip
from geo.siting._base import LocateModel, check_reachable, nearest_assignment, relative_gap

log = logging.getLogger(__name__)

K_NEAREST = 20
"""Candidates (and fixed sites) kept per demand row in the restricted MIP: 22,500 of the 204,000 pairs of the
Hanoi instance. It trades the MIP's size against how far capacity may push demand; the bound never depends on
it."""

BOUND_SHARE = 0.3
"""Share of the time budget given to the first Lagrangian ascent (it usually converges sooner)."""

POLISH = 5
"""Site sets (best first by the quick regret screen) whose assignment is redone by rounding the transportation
LP."""

SWAP_CANDIDATES = 40
"""Candidates (most wanted by the Lagrangian relaxation first) tried in place of each new site."""

SWAP_SHARE = 0.3
"""Share of the time budget for swapping new sites; the restricted MIP gets what is left."""


@dataclass
class _Restricted:
    """The capacitated MIP over a subset of the (demand, site) pairs: ``x`` (one per pair) then ``y``."""

    rows_i: np.ndarray
    cols_j: np.ndarray
    c: np.ndarray
    a: sp.csr_array
    row_lb: np.ndarray
    row_ub: np.ndarray
    var_lb: np.ndarray
    var_ub: np.ndarray

    def solve(self, model: CapacitatedPMedian, best: _capacity.Solution | None, deadline: float) -> _mip.MipResult:
        """Solve with the model's solver until ``deadline``, warm-started from ``best`` when given."""
        n_x = self.rows_i.size
        hint = None
        if best is not None:
            hint = np.zeros(self.c.size)
            hint[np.flatnonzero(self.cols_j == best.assign[self.rows_i])] = 1.0
            hint[n_x + best.sites] = 1.0
        return _mip.solve_mip(
            self.c,
            self.a,
            self.row_lb,
            self.row_ub,
            var_lb=self.var_lb,
            var_ub=self.var_ub,
            integer=np.concatenate([np.full(n_x, model.single_source), np.ones(self.c.size - n_x, dtype=bool)]),
            time_limit_s=deadline - time.perf_counter(),
            solver=model.solver,
            hint=hint,
        )


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
        start = time.perf_counter()
        n_d, n_c = self.cost.shape
        w = self.weights
        rows = np.flatnonzero(w > 0)
        wc = w[rows, None] * self.cost[rows]
        best: _capacity.Solution | None = None
        screened: dict[tuple[int, ...], float] = {}

        def keep(sol: _capacity.Solution | None) -> None:
            nonlocal best
            if sol is not None and (best is None or sol.cost < best.cost):
                best = sol

        def try_sites(sites: np.ndarray) -> float:
            key = tuple(sites.tolist())
            if key not in screened:
                sol = _capacity.heuristic(wc, w[rows], self.capacity, sites)
                screened[key] = np.inf if sol is None else sol.cost
                keep(sol)
            return best.cost if best is not None else np.inf

        if rows.size == 0:
            # Nothing to serve: any p sites do, at no cost.
            sites = np.union1d(self.fixed_open, np.setdiff1d(np.arange(n_c), self.fixed_open)[: self.p])
            self._store_alloc(np.zeros((n_d, n_c)), sites, 0.0, 0.0, optimal=True)
            return
        finite = np.isfinite(wc)
        penalised = np.where(finite, wc, 10.0 * (wc[finite].max() if finite.any() else 1.0) + 1.0)
        greedy = _heuristic.greedy(penalised, self.fixed_open, self.p)
        try_sites(greedy)
        keep(_capacity.rounded_lp(wc, w[rows], self.capacity, greedy))
        # Without an incumbent the restriction could cut off every feasible solution: keep all pairs then.
        full = n_c <= K_NEAREST or best is None
        bound, lam = -np.inf, None
        if not full:
            assert best is not None
            lag = _capacity.lagrangian(
                wc,
                w[rows],
                self.capacity,
                self.fixed_open,
                self.p,
                best.cost,
                deadline=start + BOUND_SHARE * (deadline - start),
                on_sites=try_sites,
            )
            bound, lam = lag.value, lag.lam
            # The regret screen ranks the site sets the ascent proposed; the LP rounding is better but costs
            # about 0.1 s a set, so only the most promising get it.
            for key in sorted(screened, key=screened.__getitem__)[:POLISH]:
                if time.perf_counter() > start + (BOUND_SHARE + 0.05) * (deadline - start):
                    break
                keep(_capacity.rounded_lp(wc, w[rows], self.capacity, np.array(key, dtype=np.int64)))
            assert best is not None
            free = np.setdiff1d(np.arange(n_c), self.fixed_open)
            ranked = free[np.argsort(lag.rho[free], kind="stable")][:SWAP_CANDIDATES]
            best = _capacity.swap_sites(
                wc,
                w[rows],
                self.capacity,
                best,
                self.fixed_open,
                ranked,
                deadline=start + (BOUND_SHARE + SWAP_SHARE) * (deadline - start),
            )
            log.debug("first ascent: bound %.6g, incumbent %.6g, %d iterations", bound, best.cost, lag.iterations)
            if relative_gap(best.cost, bound) == 0.0:
                self._store(rows, best.assign, best.sites, best.cost, bound, optimal=True)
                return
        model = self._restricted_model(rows, wc, None if full else best)
        # Leave a little time for the ascent to resume against the MIP's incumbent.
        res = model.solve(self, best, deadline - (0.0 if full else 0.1 * (deadline - time.perf_counter())))
        if full and res.status == "infeasible":
            raise InfeasibleError(
                f"no assignment of {w.sum():g} demand to {self.p} new and {self.fixed_open.size} fixed sites "
                "respects the capacities (demand points reach too few sites)"
            )
        use_mip = res.x is not None and (best is None or res.objective < best.cost - 1e-9 * abs(best.cost))
        if best is None and not use_mip:
            raise InfeasibleError(f"no feasible solution found within the time limit ({res.status})")
        if full and np.isfinite(res.bound):
            bound = max(bound, float(res.bound))
        upper = float(res.objective) if use_mip or best is None else best.cost
        if lam is not None and time.perf_counter() < deadline and relative_gap(upper, bound) > 0:
            # The Polyak step aims at the incumbent: with a better one the ascent moves further.
            lag = _capacity.lagrangian(
                wc, w[rows], self.capacity, self.fixed_open, self.p, upper, deadline=deadline, lam0=lam
            )
            bound = max(bound, lag.value)
        if use_mip and res.x is not None:
            n_x = model.rows_i.size
            alloc = np.zeros((n_d, n_c))
            alloc[rows[model.rows_i], model.cols_j] = np.clip(res.x[:n_x], 0.0, 1.0)
            sites = np.flatnonzero(res.x[n_x:] > 0.5)
            self._store_alloc(alloc, sites, upper, bound, optimal=full and res.status == "optimal")
        else:
            assert best is not None
            self._store(rows, best.assign, best.sites, best.cost, bound, optimal=False)

    def _restricted_model(self, rows: np.ndarray, wc: np.ndarray, best: _capacity.Solution | None) -> _Restricted:
        """The MIP over the K nearest candidates and fixed sites of each row and the incumbent's pairs (all if none)."""
        n_r, n_c = wc.shape
        keep = np.isfinite(wc)
        if best is not None and n_c > K_NEAREST:
            nearest = np.argpartition(wc, K_NEAREST - 1, axis=1)[:, :K_NEAREST]
            mask = np.zeros_like(keep)
            np.put_along_axis(mask, nearest, True, axis=1)
            # Full existing agencies push demand past many closer candidates: keep the nearest agencies too.
            fixed = self.fixed_open
            if fixed.size > K_NEAREST:
                near_fixed = fixed[np.argpartition(wc[:, fixed], K_NEAREST - 1, axis=1)[:, :K_NEAREST]]
                np.put_along_axis(mask, near_fixed, True, axis=1)
            else:
                mask[:, fixed] = True
            mask[np.arange(n_r), best.assign] = True
            keep &= mask
        rows_i, cols_j = np.nonzero(keep)
        n_x = rows_i.size
        w = self.weights[rows]
        is_fixed = np.zeros(n_c, dtype=bool)
        is_fixed[self.fixed_open] = True
        r = np.arange(n_x)
        y0 = n_x
        blocks = [
            # assignment: each demand row with weight is served once
            sp.csr_array((np.ones(n_x), (rows_i, r)), shape=(n_r, n_x + n_c)),
            # capacity: sum_i w_i x_ij - C_j y_j <= 0
            sp.csr_array(
                (
                    np.concatenate([w[rows_i], -self.capacity]),
                    (np.concatenate([cols_j, np.arange(n_c)]), np.concatenate([r, y0 + np.arange(n_c)])),
                ),
                shape=(n_c, n_x + n_c),
            ),
            # linking x_ij <= y_j, which tightens the relaxation a lot
            sp.csr_array(
                (np.concatenate([np.ones(n_x), -np.ones(n_x)]), (np.tile(r, 2), np.concatenate([r, y0 + cols_j]))),
                shape=(n_x, n_x + n_c),
            ),
            sp.csr_array(np.concatenate([np.zeros(n_x), ~is_fixed]).reshape(1, -1)),
        ]
        log.debug("restricted model: %d of %d pairs", n_x, int(np.isfinite(wc).sum()))
        return _Restricted(
            rows_i=rows_i,
            cols_j=cols_j,
            c=np.concatenate([wc[rows_i, cols_j], np.zeros(n_c)]),
            a=sp.vstack(blocks, format="csr"),
            row_lb=np.concatenate([np.ones(n_r), np.full(n_c, -np.inf), np.full(n_x, -np.inf), [self.p]]),
            row_ub=np.concatenate([np.ones(n_r), np.zeros(n_c), np.zeros(n_x), [self.p]]),
            var_lb=np.concatenate([np.zeros(n_x), is_fixed.astype(float)]),
            var_ub=np.ones(n_x + n_c),
        )

    def _store(
        self, rows: np.ndarray, col: np.ndarray, sites: np.ndarray, objective: float, bound: float, *, optimal: bool
    ) -> None:
        """Result attributes from a single-source assignment of the rows of positive weight."""
        alloc = np.zeros(self.cost.shape)
        alloc[rows, col] = 1.0
        self._store_alloc(alloc, sites, objective, bound, optimal=optimal)

    def _store_alloc(
        self, alloc: np.ndarray, sites: np.ndarray, objective: float, bound: float, *, optimal: bool
    ) -> None:
        """Result attributes from an allocation matrix (share of each row served by each site)."""
        self.allocation = alloc
        self.sites = np.asarray(sites, dtype=np.int64)
        # Rows of zero demand carry no flow; they are shown as served by their nearest open site.
        nearest = nearest_assignment(self.cost, self.sites)
        self.assignment = np.where(alloc.max(axis=1) > 0, alloc.argmax(axis=1), nearest).astype(np.int64)
        self.load = self.weights @ alloc
        self.objective = float(objective)
        self.bound = float(min(bound, objective))
        self.status = "optimal" if optimal or relative_gap(self.objective, self.bound) == 0.0 else "feasible"
