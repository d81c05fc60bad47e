"""What every location-allocation model shares: input checks, constructors and the result attributes."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np

from geo._errors import InfeasibleError, InputError

log = logging.getLogger(__name__)

MatrixFn = Callable[[Any, Any], np.ndarray]


def as_cost(cost: Any) -> np.ndarray:
    """A travel-time matrix as a float array, checked: two dimensions, no NaN, nothing negative."""
    arr = np.array(cost, dtype=float)
    if arr.ndim != 2 or arr.shape[0] == 0 or arr.shape[1] == 0:
        raise InputError(f"cost must be a non-empty (n_demand x n_candidates) matrix, got shape {arr.shape}")
    if np.isnan(arr).any():
        i, j = np.argwhere(np.isnan(arr))[0]
        raise InputError(f"cost has {int(np.isnan(arr).sum())} NaN entries (first: demand {i}, candidate {j})")
    if (arr < 0).any():
        i, j = np.argwhere(arr < 0)[0]
        raise InputError(f"cost has negative entries (demand {i}, candidate {j}: {arr[i, j]})")
    return arr


def as_weights(weights: Any, n_demand: int) -> np.ndarray:
    """Demand weights as a float vector of length ``n_demand``; all ones when ``None``."""
    if weights is None:
        return np.ones(n_demand)
    arr = np.asarray(weights, dtype=float).ravel()
    if arr.shape != (n_demand,):
        raise InputError(f"weights has {arr.size} entries, the cost matrix has {n_demand} demand rows")
    if not np.isfinite(arr).all() or (arr < 0).any():
        bad = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
        raise InputError(f"weights must be finite and non-negative; demand {bad} has {arr[bad]}")
    return arr


def as_fixed(fixed_open: Any, n_candidates: int) -> np.ndarray:
    """Indices of candidates that stay open, checked and sorted."""
    arr = np.unique(np.asarray(fixed_open if fixed_open is not None else [], dtype=np.int64).ravel())
    if arr.size and (arr[0] < 0 or arr[-1] >= n_candidates):
        raise InputError(f"fixed_open indices must lie in 0..{n_candidates - 1}, got {arr.min()}..{arr.max()}")
    return arr


def check_p(p: int, n_candidates: int, n_fixed: int) -> int:
    """Check that ``p`` new sites can be chosen among the candidates that are not already open."""
    if int(p) != p or p < 0:
        raise InputError(f"p must be a non-negative integer, got {p}")
    free = n_candidates - n_fixed
    if p > free:
        raise InfeasibleError(
            f"p = {p} new sites requested but only {free} candidates are not already open "
            f"({n_candidates} candidates, {n_fixed} fixed open)"
        )
    return int(p)


def check_reachable(cost: np.ndarray, weights: np.ndarray, *, within: float = np.inf, what: str = "") -> None:
    """Fail when some demand with positive weight has no candidate within ``within`` seconds.

    The message names how many demand points fail and the worst one (the farthest from its nearest candidate).
    """
    nearest = cost.min(axis=1)
    bad = np.flatnonzero((nearest > within) & (weights > 0)) if np.isfinite(within) else np.array([], int)
    unreachable = np.flatnonzero(~np.isfinite(nearest) & (weights > 0))
    if unreachable.size:
        raise InfeasibleError(
            f"{unreachable.size} demand points cannot reach any candidate site{what} "
            f"(first: demand {int(unreachable[0])}, weight {weights[unreachable[0]]:g})"
        )
    if bad.size:
        worst = int(bad[np.argmax(nearest[bad])])
        raise InfeasibleError(
            f"{bad.size} demand points are farther than {within:g} s from every candidate site{what}; "
            f"worst: demand {worst} (nearest candidate {nearest[worst]:g} s away)"
        )


def nearest_assignment(cost: np.ndarray, sites: np.ndarray) -> np.ndarray:
    """Index (column of ``cost``) of the nearest open site of each demand row; -1 when none is reachable."""
    if sites.size == 0:
        return np.full(cost.shape[0], -1, dtype=np.int64)
    sub = cost[:, sites]
    pick = sites[np.argmin(sub, axis=1)]
    pick[~np.isfinite(sub.min(axis=1))] = -1
    return pick.astype(np.int64)


def relative_gap(objective: float, bound: float) -> float:
    """``|objective - bound| / |objective|``; 0 when both are equal, ``inf`` when the bound is unknown."""
    if not (np.isfinite(objective) and np.isfinite(bound)):
        return np.inf
    diff = abs(objective - bound)
    if diff <= 1e-9 * max(1.0, abs(objective)):
        return 0.0
    return diff / max(abs(objective), 1e-12)


class LocateModel:
    """Base of the siting models: a travel-time matrix, demand weights, fixed-open sites, and results.

    A model is built with :meth:`from_matrix` (or :meth:`from_layers`), then :meth:`solve` fills the result
    attributes and returns the model itself.

    Attributes
    ----------
    cost
        Travel times in seconds, ``n_demand x n_candidates``; ``inf`` where a candidate cannot be reached.
    weights
        Demand weight of each row (households, population or dossiers a day).
    p
        Number of new sites to open *in addition to* the fixed-open ones.
    fixed_open
        Candidate indices that are open whatever the solution (existing agencies).
    sites
        All open candidate indices after solving (fixed and new), sorted.
    new_sites
        Candidate indices opened by the solution (not fixed), sorted.
    fixed_sites
        The fixed-open candidate indices.
    assignment
        Candidate index serving each demand row; -1 where none does.
    objective
        Objective value of the solution, in the unit the model documents.
    bound
        Proven bound on the optimal objective: a lower bound when minimising, an upper bound when maximising.
    gap
        Relative optimality gap ``|objective - bound| / |objective|``.
    status
        ``"optimal"`` (proven), ``"feasible"`` (a solution with a gap) or ``"not solved"``.
    solve_time_s
        Wall-clock seconds spent in :meth:`solve`.
    """

    maximize: bool = False

    def __init__(
        self,
        cost: Any,
        weights: Any = None,
        *,
        p: int = 0,
        fixed_open: Sequence[int] | np.ndarray = (),
    ) -> None:
        self.cost = as_cost(cost)
        n_demand, n_candidates = self.cost.shape
        self.weights = as_weights(weights, n_demand)
        self.fixed_open = as_fixed(fixed_open, n_candidates)
        self.p = check_p(p, n_candidates, self.fixed_open.size)
        self.sites = np.array([], dtype=np.int64)
        self.assignment = np.full(n_demand, -1, dtype=np.int64)
        self.objective = np.nan
        self.bound = -np.inf if not self.maximize else np.inf
        self.status = "not solved"
        self.solve_time_s = 0.0

    @classmethod
    def from_matrix(cls, cost: Any, weights: Any = None, **options: Any) -> Self:
        """Build the model from a travel-time matrix.

        Parameters
        ----------
        cost
            Travel times in seconds, ``n_demand x n_candidates``; ``inf`` where no path exists.
        weights
            Demand weight per row (e.g. households); all ones when omitted.
        **options
            Keyword options of the model (``p``, ``fixed_open``, ``minutes`` ...), see the class.
        """
        return cls(cost, weights, **options)

    @classmethod
    def from_layers(
        cls,
        demand: Any,
        candidates: Any,
        matrix_fn: MatrixFn,
        *,
        weight_column: str | None = None,
        fixed_column: str | None = None,
        **options: Any,
    ) -> Self:
        """Build the model from two layers and a function that measures travel times between them.

        Parameters
        ----------
        demand
            Demand points (e.g. a GeoDataFrame of households or ward centroids), one row per demand.
        candidates
            Candidate sites, one row per site; existing agencies included.
        matrix_fn
            ``matrix_fn(demand, candidates)`` returns travel times in seconds,
            ``len(demand) x len(candidates)``.
        weight_column
            Column of ``demand`` holding the demand weight; all ones when omitted.
        fixed_column
            Boolean column of ``candidates`` marking sites that stay open; added to ``fixed_open``.
        **options
            Keyword options of the model (``p`` ...).
        """
        cost = np.asarray(matrix_fn(demand, candidates), dtype=float)
        if cost.shape != (len(demand), len(candidates)):
            raise InputError(f"matrix_fn returned shape {cost.shape}, expected ({len(demand)}, {len(candidates)})")
        weights = None if weight_column is None else np.asarray(demand[weight_column], dtype=float)
        if fixed_column is not None:
            flagged = np.flatnonzero(np.asarray(candidates[fixed_column], dtype=bool))
            options["fixed_open"] = np.union1d(flagged, np.asarray(options.get("fixed_open", ()), dtype=int))
        return cls(cost, weights, **options)

    @property
    def n_demand(self) -> int:
        """Number of demand rows."""
        return self.cost.shape[0]

    @property
    def n_candidates(self) -> int:
        """Number of candidate sites (columns)."""
        return self.cost.shape[1]

    @property
    def new_sites(self) -> np.ndarray:
        """Open sites that the solution added (not fixed open)."""
        return np.setdiff1d(self.sites, self.fixed_open)

    @property
    def fixed_sites(self) -> np.ndarray:
        """Sites open because they were fixed open."""
        return self.fixed_open.copy()

    @property
    def lower_bound(self) -> float:
        """Proven lower bound of a minimisation (same as :attr:`bound`); for a maximisation, the objective."""
        return self.objective if self.maximize else self.bound

    @property
    def upper_bound(self) -> float:
        """Proven upper bound of a maximisation (same as :attr:`bound`); for a minimisation, the objective."""
        return self.bound if self.maximize else self.objective

    @property
    def gap(self) -> float:
        """Relative optimality gap, 0 when proven optimal."""
        return relative_gap(self.objective, self.bound)

    @property
    def optimal(self) -> bool:
        """Whether the solution is proven optimal."""
        return self.status == "optimal"

    def solve(self, *, time_limit_s: float = 60.0) -> Self:
        """Solve the model and fill the result attributes; returns the model.

        Parameters
        ----------
        time_limit_s
            Wall-clock budget in seconds; when it runs out the best solution found is kept and the gap is
            reported.
        """
        if time_limit_s <= 0:
            raise InputError(f"time_limit_s must be positive, got {time_limit_s}")
        start = time.perf_counter()
        self._solve(start + time_limit_s)
        self.solve_time_s = time.perf_counter() - start
        log.info(
            "%s: objective %.6g, bound %.6g, gap %.3g%%, %s, %.2f s",
            type(self).__name__,
            self.objective,
            self.bound,
            100 * self.gap,
            self.status,
            self.solve_time_s,
        )
        return self

    def _solve(self, deadline: float) -> None:
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The result as plain JSON-ready values."""
        return {
            "model": type(self).__name__,
            "p": self.p,
            "sites": self.sites.tolist(),
            "new_sites": self.new_sites.tolist(),
            "fixed_sites": self.fixed_sites.tolist(),
            "assignment": self.assignment.tolist(),
            "objective": float(self.objective),
            "bound": float(self.bound),
            "gap": float(self.gap),
            "status": self.status,
            "solve_time_s": self.solve_time_s,
        }
