"""Balanced days: the last postman back as early as possible, serving as much as the cheapest plan.

The cheapest plan (driving and wages on the road, :class:`~routing.problem.Postman`) often gives one postman
the whole day while the others stay at their post offices: chaining the stops saves the drives out and back. On
the demo Monday one postman takes all 35 tasks and is back at 16:27. A dispatcher may rather have the results
out by mid-morning and a day that does not hang on one person: the "balance" option of dispatch tools
(OptimoRoute's and Routific's). The balanced plan puts the time the last postman is back first and the cost
second: it searches a common end of the shifts ``T`` (every postman back by ``T``) by bisection, each ``T`` a
plan of its own by :func:`routing.solver.solve`, and keeps the earliest ``T`` whose plan leaves no more undone
(by drop penalty) than the cheapest plan.

Why by hand: OR-Tools has a cost for the latest return (``SetGlobalSpanCostCoefficient``), but its search only
polishes the plan of the adaptive large neighbourhood search (:mod:`routing.alns`), whose objective is a sum of
arc costs that a term for the latest route end does not fit (every insertion would have to know every route's
end). Bisection on hard shift ends uses the whole engine, search, OR-Tools and checker, unchanged.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace

from routing import solver
from routing.errors import InfeasibleError
from routing.plan import Plan
from routing.problem import Postman, Problem, hhmm

log = logging.getLogger(__name__)

PRECISION_S = 600
"""The bisection stops when the earliest return known possible and the latest known impossible are this close
(10 minutes: a dispatcher's clock; each step more is a plan more in the same time limit)."""

FIRST_SHARE = 0.3
"""Share of the time limit for the cheapest plan, which the bisection's plans are weighed against."""

MIN_STEP_S = 0.2
"""A step of the bisection needs at least this much of the limit left, else the best plan so far is kept."""


@dataclass(frozen=True)
class Balance:
    """What balancing gave: the latest return of the cheapest plan and of the balanced one, and their costs.

    ``back`` and ``cost`` are the balanced plan's latest return and cost (the cheapest plan's when no earlier
    return served as much); ``steps`` the plans made in the bisection."""

    back: int
    cost: int
    cheapest_back: int
    cheapest_cost: int
    steps: int

    def to_dict(self) -> dict:
        """JSON-friendly form, clock times as ``HH:MM``."""
        return {
            "back": hhmm(self.back),
            "cost": self.cost,
            "cheapest_back": hhmm(self.cheapest_back),
            "cheapest_cost": self.cheapest_cost,
            "steps": self.steps,
        }


def solve(problem: Problem, *, time_limit_s: float, deterministic: bool = True, seed: int = 0) -> Plan:
    """Plan the day with the last postman back as early as possible, then at the least cost.

    Parameters
    ----------
    problem
        The validated problem.
    time_limit_s
        Budget of the whole search on the wall clock, s: :data:`FIRST_SHARE` of it for the cheapest plan, the
        rest shared among the steps of the bisection.
    deterministic, seed
        As for :func:`routing.solver.solve`; the plan is deterministic when each of its searches was.

    Returns
    -------
    Plan
        The plan, checked and explained on ``problem`` itself (tasks dropped under a common end that still fit
        the real shifts are put in); ``meta["balance"]`` is :meth:`Balance.to_dict`.
    """
    started = time.perf_counter()
    deadline = started + time_limit_s
    cheapest = solver.solve(
        problem, time_limit_s=FIRST_SHARE * time_limit_s, deterministic=deterministic, seed=seed, explain=False
    )
    penalty = {t.id: t.penalty for t in problem.tasks}
    allowed = sum(penalty[u.task] for u in cheapest.unserved)
    lo, hi = _lower_bound(problem, cheapest), _back(cheapest)
    best, steps, determined = cheapest, 0, bool(cheapest.meta.get("deterministic"))
    while hi - lo > PRECISION_S:
        # What is left shared among the steps still to make and the checking and explaining of the plan kept.
        budget = (deadline - time.perf_counter()) / (math.ceil(math.log2((hi - lo) / PRECISION_S)) + 1)
        if budget < MIN_STEP_S:
            log.info("balance: out of time with the last return between %s and %s", hhmm(lo), hhmm(hi))
            break
        at, steps = (lo + hi) // 2, steps + 1
        try:
            plan = solver.solve(
                capped(problem, at), time_limit_s=budget, deterministic=deterministic, seed=seed, explain=False
            )
        except InfeasibleError:
            lo = at
            continue
        determined = determined and bool(plan.meta.get("deterministic"))
        if sum(penalty[u.task] for u in plan.unserved) <= allowed:
            best, hi = plan, _back(plan)
        else:
            lo = at
    meta = best.meta | {"deterministic": determined}
    final = solver.finish(problem, list(best.routes), problem.tasks, best.status, started, determined, meta, True)
    final.meta["balance"] = Balance(_back(final), final.cost, _back(cheapest), cheapest.cost, steps).to_dict()
    log.info("balance: the last back at %s rather than %s (%d steps)", hhmm(_back(final)), hhmm(_back(cheapest)), steps)
    return final


def capped(problem: Problem, end: int) -> Problem:
    """``problem`` with every postman back at his end depot by ``end`` (seconds since midnight).

    A postman whose lunch break would no longer fit whole before ``end`` is back before it can begin: a route
    ending inside the break's window must hold the break (:mod:`routing.check`). Tasks mandatory today may be
    left undone (at their penalty) rather than refused.
    """
    return Problem.build(
        problem.times,
        problem.distances,
        problem.places.values(),
        problem.depots.values(),
        [_back_by(m, end) for m in problem.postmen],
        problem.tasks,
        promised={t.id for t in problem.tasks},
    )


def _back_by(postman: Postman, end: int) -> Postman:
    end = min(postman.shift_end, end)
    b = postman.lunch
    if b is not None and end > b.earliest and max(b.earliest, postman.shift_start) + b.duration > min(b.latest, end):
        end = b.earliest
    return replace(postman, shift_end=max(postman.shift_start, end))


def _back(plan: Plan) -> int:
    """When the last postman of ``plan`` is back (the start of the day when no one goes out)."""
    return max(
        (r.stops[-1].arrival for r in plan.routes if r.used), default=min(r.stops[0].departure for r in plan.routes)
    )


def _lower_bound(problem: Problem, plan: Plan) -> int:
    """A time no plan serving the tasks ``plan`` serves can have every postman back by: the latest of the
    earliest returns of a postman doing one of those tasks alone."""
    served = {s.task for r in plan.routes for s in r.stops if s.task is not None}
    backs: Iterable[int] = (
        min(
            (b for m in problem.postmen if (b := problem.single_task_schedule(m, t)[4]) is not None),
            default=min(m.shift_start for m in problem.postmen),
        )
        for t in problem.tasks
        if t.id in served
    )
    return max(backs, default=min(m.shift_start for m in problem.postmen))
