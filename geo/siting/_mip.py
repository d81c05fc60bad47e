"""A thin, vectorised bridge from sparse matrices to OR-Tools' MIP solvers.

Models are built as an ``MPModelProto`` from numpy arrays rather than through ``pywraplp`` calls, because
a p-median formulation has hundreds of thousands of non-zeros and per-coefficient Python calls would cost
more than the solve.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.linear_solver import linear_solver_pb2 as pb
from ortools.linear_solver import pywraplp

log = logging.getLogger(__name__)

SOLVERS = {
    "SCIP": pb.MPModelRequest.SCIP_MIXED_INTEGER_PROGRAMMING,
    "HIGHS": pb.MPModelRequest.HIGHS_MIXED_INTEGER_PROGRAMMING,
    "CBC": pb.MPModelRequest.CBC_MIXED_INTEGER_PROGRAMMING,
    "CP_SAT": pb.MPModelRequest.SAT_INTEGER_PROGRAMMING,
}


@dataclass(frozen=True)
class MipResult:
    """Outcome of one MIP solve.

    ``status`` is one of ``"optimal"``, ``"feasible"`` (time limit with an incumbent), ``"infeasible"`` or
    ``"unknown"`` (time limit without an incumbent, or a solver failure). ``x`` is ``None`` without an
    incumbent. ``bound`` is the solver's proven dual bound in the sense of the objective.
    """

    status: str
    x: np.ndarray | None
    objective: float
    bound: float


def solve_mip(
    c: np.ndarray,
    a: sp.csr_array | sp.csr_matrix,
    row_lb: np.ndarray,
    row_ub: np.ndarray,
    *,
    var_lb: np.ndarray,
    var_ub: np.ndarray,
    integer: np.ndarray,
    maximize: bool = False,
    time_limit_s: float = 60.0,
    solver: str = "SCIP",
    hint: np.ndarray | None = None,
) -> MipResult:
    """Solve ``min/max c @ x`` subject to ``row_lb <= a @ x <= row_ub`` and variable bounds.

    Parameters
    ----------
    c
        Objective coefficients, one per variable.
    a
        Constraint matrix, one row per constraint.
    row_lb, row_ub
        Row bounds; ``-inf`` / ``inf`` for one-sided rows.
    var_lb, var_ub
        Variable bounds.
    integer
        Boolean mask of integer variables.
    maximize
        Maximise instead of minimise.
    time_limit_s
        Wall-clock limit of the solver in seconds.
    solver
        One of ``SCIP``, ``HIGHS``, ``CBC``, ``CP_SAT``.
    hint
        A feasible solution to start from (used by solvers that accept hints).
    """
    a = sp.csr_array(a)
    model = pb.MPModelProto(maximize=maximize)
    n_var = len(c)
    for j in range(n_var):
        model.variable.add(
            lower_bound=float(var_lb[j]),
            upper_bound=float(var_ub[j]),
            objective_coefficient=float(c[j]),
            is_integer=bool(integer[j]),
        )
    indptr, indices, data = a.indptr, a.indices.tolist(), a.data.tolist()
    for i in range(a.shape[0]):
        lo, hi = indptr[i], indptr[i + 1]
        model.constraint.add(
            lower_bound=float(row_lb[i]),
            upper_bound=float(row_ub[i]),
            var_index=indices[lo:hi],
            coefficient=data[lo:hi],
        )
    if hint is not None and solver != "HIGHS":
        nz = np.flatnonzero(hint)
        model.solution_hint.var_index.extend(nz.tolist())
        model.solution_hint.var_value.extend(np.asarray(hint, dtype=float)[nz].tolist())
    request = pb.MPModelRequest(
        model=model,
        solver_type=SOLVERS[solver],
        solver_time_limit_seconds=max(float(time_limit_s), 0.01),
    )
    if solver == "CP_SAT":
        # Two workers: the machines this runs on have two cores and are shared.
        request.solver_specific_parameters = "num_workers:2"
    response = pb.MPSolutionResponse()
    pywraplp.Solver.SolveWithProto(request, response)
    status = response.status
    log.debug("MIP %s: %d vars, %d rows, status %s", solver, n_var, a.shape[0], response.status_str)
    if status == pb.MPSOLVER_OPTIMAL:
        x = np.asarray(response.variable_value)
        return MipResult("optimal", x, response.objective_value, response.objective_value)
    if status == pb.MPSOLVER_FEASIBLE:
        x = np.asarray(response.variable_value)
        return MipResult("feasible", x, response.objective_value, response.best_objective_bound)
    if status == pb.MPSOLVER_INFEASIBLE:
        return MipResult("infeasible", None, np.nan, np.nan)
    bound = response.best_objective_bound
    if not np.isfinite(bound):
        bound = np.inf if maximize else -np.inf
    return MipResult("unknown", None, np.nan, bound)
