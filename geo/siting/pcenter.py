"""p-center: open p new sites (besides the fixed ones) so that the worst travel time is as small as possible.

Solved by binary search over the distinct travel times: a radius is feasible when a set cover of the demand
within that radius needs at most ``p`` new sites (each cover an OR-Tools MIP). Radii proven infeasible raise
the lower bound; a time-out leaves the gap open but reported.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import numpy as np

from geo._errors import InfeasibleError
from geo.siting._base import LocateModel, check_reachable, nearest_assignment
from geo.siting.coverage import set_cover

log = logging.getLogger(__name__)


class PCenter(LocateModel):
    """Minimise the worst travel time from demand to its nearest open site with ``p`` new sites.

    Objective: the largest travel time in seconds over demand rows of positive weight. Among solutions of
    that radius, the extra sites (when the cover needs fewer than ``p``) are chosen greedily to lower the
    total weighted travel time.

    Parameters
    ----------
    cost
        Travel times in seconds, ``n_demand x n_candidates``.
    weights
        Demand weight per row; rows of weight 0 are ignored.
    p
        Number of NEW sites to open, in addition to ``fixed_open``.
    fixed_open
        Candidate indices that stay open (existing agencies).
    solver
        OR-Tools MIP solver of the covers: ``SCIP`` (default), ``HIGHS``, ``CBC`` or ``CP_SAT``.
    """

    def __init__(self, cost: Any, weights: Any = None, *, p: int, fixed_open: Any = (), solver: str = "SCIP") -> None:
        super().__init__(cost, weights, p=p, fixed_open=fixed_open)
        if self.p + self.fixed_open.size == 0:
            raise InfeasibleError("p = 0 and no fixed-open site: nothing would serve the demand")
        check_reachable(self.cost, self.weights)
        self.solver = solver

    def _feasible(self, radius: float, deadline: float) -> tuple[bool | None, np.ndarray]:
        """Whether ``p`` new sites cover all demand within ``radius``: True, False (proven) or None."""
        reach = self.cost <= radius
        rows = np.flatnonzero(self.weights > 0)
        if self.fixed_open.size:
            rows = rows[~reach[np.ix_(rows, self.fixed_open)].any(axis=1)]
        free = np.setdiff1d(np.arange(self.n_candidates), self.fixed_open)
        if rows.size == 0:
            return True, free[:0]
        if not reach[np.ix_(rows, free)].any(axis=1).all() or self.p == 0:
            return False, free[:0]
        remaining = deadline - time.perf_counter()
        if remaining <= 0:
            return None, free[:0]
        res = set_cover(reach, rows, free, max_sites=self.p, time_limit_s=remaining, solver=self.solver)
        if res.x is not None:
            return True, free[res.x > 0.5]
        return (False if res.status == "infeasible" else None), free[:0]

    def _pad(self, sites: np.ndarray) -> np.ndarray:
        """Add sites greedily (lowest total weighted time) until ``p`` new ones are open."""
        sites = np.union1d(self.fixed_open, sites)
        w = self.weights[:, None] * np.where(np.isfinite(self.cost), self.cost, 1e30)
        best = w[:, sites].min(axis=1) if sites.size else np.full(self.n_demand, 1e30)
        while sites.size - self.fixed_open.size < self.p:
            gain = np.minimum(w, best[:, None]).sum(axis=0)
            gain[sites] = np.inf
            j = int(np.argmin(gain))
            sites = np.union1d(sites, [j])
            best = np.minimum(best, w[:, j])
        return sites

    def _solve(self, deadline: float) -> None:
        active = self.weights > 0
        sub = self.cost[active]
        radii = np.unique(sub[np.isfinite(sub)])
        # Every demand needs at least its nearest candidate: a radius below that is never feasible.
        lo = int(np.searchsorted(radii, sub.min(axis=1).max()))
        hi = radii.size - 1
        proven_lo = lo
        feasible, sites = self._feasible(radii[hi], deadline)
        if feasible is False:
            raise InfeasibleError(
                f"p = {self.p} new sites with {self.fixed_open.size} fixed cannot reach all demand at any "
                "travel time; raise p"
            )
        if feasible is None:
            raise InfeasibleError("no feasible p-center solution found within the time limit")
        while lo < hi:
            mid = (lo + hi) // 2
            ok, found = self._feasible(radii[mid], deadline)
            if ok:
                hi, sites = mid, found
            else:
                lo = mid + 1
                if ok is False:
                    proven_lo = lo
        self.sites = self._pad(sites)
        self.assignment = nearest_assignment(self.cost, self.sites)
        self.objective = float(self.cost[active][:, self.sites].min(axis=1).max())
        self.bound = float(radii[min(proven_lo, radii.size - 1)])
        self.status = "optimal" if self.bound >= self.objective else "feasible"
