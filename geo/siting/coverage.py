"""Coverage models: maximal coverage (MCLP) and location set covering (LSCP), solved as MIPs with OR-Tools.

A demand point is *covered* when an open site is within ``max_time_s`` seconds of travel.
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


def _check_time(max_time_s: float) -> float:
    if not (np.isfinite(max_time_s) and max_time_s >= 0):
        raise InputError(f"max_time_s must be a finite number of seconds >= 0, got {max_time_s}")
    return float(max_time_s)


def cover_rows(reach: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> sp.csr_array:
    """Incidence matrix ``rows x cols`` of ``reach`` (demand within the time limit of a site)."""
    return sp.csr_array(reach[np.ix_(rows, cols)].astype(float))


def set_cover(
    reach: np.ndarray,
    must_cover: np.ndarray,
    free: np.ndarray,
    *,
    max_sites: int | None,
    time_limit_s: float,
    solver: str,
) -> _mip.MipResult:
    """Fewest sites of ``free`` covering every row of ``must_cover`` (at most ``max_sites`` when given)."""
    a = cover_rows(reach, must_cover, free)
    row_lb, row_ub = np.ones(must_cover.size), np.full(must_cover.size, np.inf)
    if max_sites is not None:
        a = sp.vstack([a, sp.csr_array(np.ones((1, free.size)))], format="csr")
        row_lb, row_ub = np.append(row_lb, 0.0), np.append(row_ub, float(max_sites))
    n = free.size
    return _mip.solve_mip(
        np.ones(n),
        a,
        row_lb,
        row_ub,
        var_lb=np.zeros(n),
        var_ub=np.ones(n),
        integer=np.ones(n, dtype=bool),
        time_limit_s=time_limit_s,
        solver=solver,
    )


class SetCover(LocateModel):
    """Location set covering (LSCP): the fewest new sites so that all demand is within ``max_time_s``.

    Objective: number of NEW sites (fixed-open sites are free and cover what they reach).

    Parameters
    ----------
    cost
        Travel times in seconds, ``n_demand x n_candidates``.
    weights
        Demand weight per row; rows of weight 0 need no cover.
    max_time_s
        Travel-time limit in seconds within which every demand must have an open site.
    fixed_open
        Candidate indices that stay open (existing agencies).
    solver
        OR-Tools MIP solver: ``SCIP`` (default), ``HIGHS``, ``CBC`` or ``CP_SAT``.
    """

    def __init__(
        self,
        cost: Any,
        weights: Any = None,
        *,
        max_time_s: float,
        fixed_open: Any = (),
        solver: str = "SCIP",
    ) -> None:
        super().__init__(cost, weights, p=0, fixed_open=fixed_open)
        self.max_time_s = _check_time(max_time_s)
        self.solver = solver
        check_reachable(self.cost, self.weights, within=self.max_time_s)

    def _solve(self, deadline: float) -> None:
        reach = self.cost <= self.max_time_s
        covered = reach[:, self.fixed_open].any(axis=1) if self.fixed_open.size else np.zeros(self.n_demand, bool)
        must = np.flatnonzero(~covered & (self.weights > 0))
        free = np.setdiff1d(np.arange(self.n_candidates), self.fixed_open)
        if must.size == 0:
            self.sites, self.objective, self.bound, self.status = self.fixed_open, 0.0, 0.0, "optimal"
        else:
            res = set_cover(
                reach, must, free, max_sites=None, time_limit_s=deadline - time.perf_counter(), solver=self.solver
            )
            if res.x is None:
                raise InfeasibleError(f"no cover found within the time limit ({res.status})")
            self.sites = np.union1d(self.fixed_open, free[res.x > 0.5])
            self.objective = float(self.sites.size - self.fixed_open.size)
            self.bound = float(np.ceil(res.bound - 1e-6))
            self.status = "optimal" if res.status == "optimal" else "feasible"
        self.p = int(self.sites.size - self.fixed_open.size)
        self.assignment = nearest_assignment(self.cost, self.sites)


class MaxCoverage(LocateModel):
    """Maximal covering location (MCLP): ``p`` new sites covering the most demand within ``max_time_s``.

    Objective: total weight of covered demand, counting demand the fixed-open sites already cover. The
    :attr:`bound` is an upper bound (maximisation). :attr:`covered` marks covered demand rows.

    Parameters
    ----------
    cost
        Travel times in seconds, ``n_demand x n_candidates``.
    weights
        Demand weight per row; all ones when omitted.
    p
        Number of NEW sites to open, in addition to ``fixed_open``.
    max_time_s
        Travel-time limit in seconds that counts as covered.
    fixed_open
        Candidate indices that stay open (existing agencies).
    solver
        OR-Tools MIP solver: ``SCIP`` (default), ``HIGHS``, ``CBC`` or ``CP_SAT``.
    """

    maximize = True

    def __init__(
        self,
        cost: Any,
        weights: Any = None,
        *,
        p: int,
        max_time_s: float,
        fixed_open: Any = (),
        solver: str = "SCIP",
    ) -> None:
        super().__init__(cost, weights, p=p, fixed_open=fixed_open)
        self.max_time_s = _check_time(max_time_s)
        self.solver = solver
        self.covered = np.zeros(self.n_demand, dtype=bool)

    def _solve(self, deadline: float) -> None:
        reach = self.cost <= self.max_time_s
        base = reach[:, self.fixed_open].any(axis=1) if self.fixed_open.size else np.zeros(self.n_demand, bool)
        free = np.setdiff1d(np.arange(self.n_candidates), self.fixed_open)
        open_rows = np.flatnonzero(~base & (self.weights > 0) & reach[:, free].any(axis=1))
        base_weight = float(self.weights[base].sum())
        if self.p == 0 or open_rows.size == 0:
            chosen = free[: self.p]
            self.bound = base_weight + float(self.weights[open_rows].sum()) if self.p else base_weight
            self.status = "optimal"
        else:
            n_y, n_z = free.size, open_rows.size
            inc = cover_rows(reach, open_rows, free)
            # rows: z_i - sum_{j covers i} y_j <= 0 ; sum_j y_j = p
            a = sp.vstack(
                [
                    sp.hstack([-inc, sp.identity(n_z, format="csr")]),
                    sp.hstack([sp.csr_array(np.ones((1, n_y))), sp.csr_array((1, n_z))]),
                ],
                format="csr",
            )
            row_lb = np.append(np.full(n_z, -np.inf), float(self.p))
            row_ub = np.append(np.zeros(n_z), float(self.p))
            c = np.concatenate([np.zeros(n_y), self.weights[open_rows]])
            res = _mip.solve_mip(
                c,
                a,
                row_lb,
                row_ub,
                var_lb=np.zeros(n_y + n_z),
                var_ub=np.ones(n_y + n_z),
                integer=np.concatenate([np.ones(n_y, bool), np.zeros(n_z, bool)]),
                maximize=True,
                time_limit_s=deadline - time.perf_counter(),
                solver=self.solver,
            )
            if res.x is None:
                raise InfeasibleError(f"no solution found within the time limit ({res.status})")
            chosen = free[res.x[:n_y] > 0.5]
            self.bound = base_weight + float(res.bound)
            self.status = "optimal" if res.status == "optimal" else "feasible"
        self.sites = np.union1d(self.fixed_open, chosen)
        self.covered = np.asarray(reach[:, self.sites].any(axis=1), dtype=bool)
        self.objective = float(self.weights[self.covered].sum())
        if self.status == "optimal":
            self.bound = self.objective
        self.assignment = nearest_assignment(self.cost, self.sites)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values, with the covered demand rows."""
        return {**super().to_dict(), "max_time_s": self.max_time_s, "covered": self.covered.tolist()}
