"""Balanced days: the last postman back as early as possible, then no one out longer than he must be, serving as
much as the cheapest plan.

The cheapest plan (driving and wages on the road, :class:`~routing.problem.Postman`) often gives one postman
the whole day while the others stay at their post offices: chaining the stops saves the drives out and back. On
the demo Monday one postman takes all 35 tasks and is back at 16:27. A dispatcher may rather have the results
out by mid-morning and a day that does not hang on one person: the "balance" option of dispatch tools
(OptimoRoute's and Routific's). The balanced plan puts first the time the last postman is back, then the
longest working day (from leaving to coming back), then the cost. Each is found by bisection on a hard limit
that every postman keeps, each limit a plan of its own by :func:`routing.solver.solve`: first a common end of
the shifts, then, under the end found, a common longest day (``max_work``). The earliest limit whose plan
leaves no more undone (by drop penalty) than the cheapest plan is kept. The second matters when a task late in
the day (a home pickup asked for 15:00) sets the end: the first alone would then let one postman work from
morning to that end while the others wait.

Why by hand: OR-Tools has costs for the latest return and the longest route (``SetGlobalSpanCostCoefficient``,
``SetSpanCostCoefficientForVehicle``), but its search only polishes the plan of the adaptive large
neighbourhood search (:mod:`routing.alns`), whose objective is a sum of arc costs that such terms do not fit
(every insertion would have to know every route's end). Bisection on hard limits uses the whole engine, search,
OR-Tools and checker, unchanged.
"""

from __future__ import annotations

import itertools
import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import partial

from routing import solver
from routing.errors import InfeasibleError, ProblemError
from routing.plan import Plan
from routing.problem import Postman, Problem, Task, hhmm

log = logging.getLogger(__name__)

PRECISION_S = 600
"""A bisection stops when the least limit known to serve as much and the greatest known not to are this close
(10 minutes: a dispatcher's clock; each step more is a plan more in the same time limit)."""

SHARES = (0.2, 0.3, 0.3, 0.15)
"""Shares of the time limit: the cheapest plan (which the others are weighed against), the bisection on the
end, the bisection on the longest day, and the search under both limits found, from the best plan so far; the
rest is for checking and explaining the plan kept. Each bisection gives what it did not use to the next."""

MIN_STEP_S = 0.2
"""A step of a bisection needs at least this much of the limit left, else the best plan so far is kept."""


@dataclass(frozen=True)
class Balance:
    """What balancing gave, beside the cheapest plan: when the last postman is back, the longest working day
    (seconds from leaving to coming back) and the cost of each plan, and the plans made in the bisections."""

    back: int
    longest: int
    cost: int
    cheapest_back: int
    cheapest_longest: int
    cheapest_cost: int
    steps: int

    def to_dict(self) -> dict:
        """JSON-friendly form, clock times as ``HH:MM``, working days in seconds."""
        return {
            "back": hhmm(self.back),
            "longest_s": self.longest,
            "cost": self.cost,
            "cheapest_back": hhmm(self.cheapest_back),
            "cheapest_longest_s": self.cheapest_longest,
            "cheapest_cost": self.cheapest_cost,
            "steps": self.steps,
        }


Limits = Callable[[Postman], Postman]
"""Each postman as a step of a bisection sees him: his shift ending no later than the common end, and his working
day no longer than the common longest (:func:`_limited`)."""

Search = Callable[[Limits, float, "Plan | None", bool], Plan]
"""A plan under the limits, within the seconds given on the wall clock, from the routes of the plan given when
it can start from them; OR-Tools takes the plan only when the flag says (the last search, under the limits found:
a bisection's step is the search's alone, ``or_tools`` of :func:`routing.solver.solve`)."""


def solve(problem: Problem, *, time_limit_s: float, deterministic: bool = True, seed: int = 0) -> Plan:
    """Plan the day with the last postman back as early as possible, then the longest working day as short as
    possible, then at the least cost.

    Parameters
    ----------
    problem
        The validated problem.
    time_limit_s
        Budget of the whole search on the wall clock, s, shared as :data:`SHARES` say.
    deterministic, seed
        As for :func:`routing.solver.solve`; the plan is deterministic when each of its searches was.

    Returns
    -------
    Plan
        The plan, checked and explained on ``problem`` itself (tasks dropped under the limits that still fit
        the real shifts are put in); ``meta["balance"]`` is :meth:`Balance.to_dict`.
    """
    started = time.perf_counter()
    cheapest = solver.solve(
        problem, time_limit_s=SHARES[0] * time_limit_s, deterministic=deterministic, seed=seed, explain=False
    )

    def search(limits: Limits, budget: float, initial: Plan | None, or_tools: bool) -> Plan:
        routes = None
        if initial is not None:
            routes = {r.postman: [(s.task, s.kind) for s in r.stops if s.task is not None] for r in initial.routes}
        return solver.solve(
            _under(problem, limits),
            time_limit_s=budget,
            deterministic=deterministic,
            seed=seed,
            explain=False,
            initial_routes=routes,
            or_tools=or_tools,
        )

    bisection = _Bisection(problem, cheapest, search)
    return bisection.balanced(_lower_end(problem, cheapest), _lower_day(problem, cheapest), started, time_limit_s)


def reoptimise(
    problem: Problem,
    plan: Plan,
    progress: Mapping[str, solver.Progress],
    *,
    new_tasks: Sequence[Task] = (),
    clock: int | None = None,
    time_limit_s: float = 10.0,
    deterministic: bool = True,
    keep_assignment: bool = False,
    shift_ends: Mapping[str, int] | None = None,
) -> tuple[Problem, Plan]:
    """Re-plan a balanced day in progress (:func:`routing.solver.reoptimise`) keeping it balanced: new tasks and
    the stops of a postman sent home go where they keep the last return earliest, a postman called in takes a
    share of the day rather than only what is cheaper for him.

    Parameters
    ----------
    problem, plan, progress, new_tasks, clock, keep_assignment, shift_ends
        As for :func:`routing.solver.reoptimise`; with ``keep_assignment``, limits under which a planned dossier
        would change postman are too tight.
    time_limit_s, deterministic
        As for :func:`solve`; each search starts from the plan's remaining routes.

    Returns
    -------
    tuple
        The problem with the new tasks and shifts and the new plan, ``meta["balance"]`` as for :func:`solve`
        (beside the cheapest re-plan's).
    """
    started = time.perf_counter()
    owner = {s.task: r.postman for r in plan.routes for s in r.stops if s.task is not None}

    def search(limits: Limits | None, budget: float, or_tools: bool = True) -> tuple[Problem, Plan]:
        full, step = solver.reoptimise(
            problem,
            plan,
            progress,
            new_tasks=new_tasks,
            clock=clock,
            time_limit_s=budget,
            deterministic=deterministic,
            keep_assignment=keep_assignment,
            shift_ends=shift_ends,
            cap=limits,
            explain=False,
            or_tools=or_tools,
        )
        if keep_assignment and limits is not None:
            # The plan's own insertion gives a dossier the search left undone to whoever can take it (no dossier
            # is dropped that a postman could take): under limits that leave its postman no room, the kept
            # assignment is broken, and the limits are too tight.
            for r in step.routes:
                moved = next((s.task for s in r.stops if s.task in owner and owner[s.task] != r.postman), None)
                if moved is not None:
                    raise InfeasibleError(f"under these limits task {moved!r} changes postman")
        return full, step

    full, cheapest = search(None, SHARES[0] * time_limit_s)
    bisection = _Bisection(full, cheapest, lambda limits, budget, _, or_tools: search(limits, budget, or_tools)[1])
    end, day = _lower_replan(full, cheapest, clock)
    return full, bisection.balanced(end, day, started, time_limit_s)


@dataclass
class _Bisection:
    """The plans of the bisections: the best so far (the cheapest plan at first), weighed by what they leave
    undone against the cheapest plan; the searches made, whether each would find its plan again
    (``repeatable``), the most a search took beyond its limit (``overrun``: a plan's fixed work, the model and
    the routes read back, which a very short limit cannot shorten), kept free on the clock before the next
    searches, and the seconds of its shares a bisection did not give out, for the next (``spare``)."""

    problem: Problem
    cheapest: Plan
    search: Search
    steps: int = 0
    overrun: float = 0.0
    spare: float = 0.0
    best: Plan = field(init=False)
    repeatable: bool = field(init=False)
    penalty: dict[str, int] = field(init=False)
    allowed: int = field(init=False)

    def __post_init__(self) -> None:
        self.best = self.cheapest
        self.repeatable = bool(self.cheapest.meta.get("deterministic"))
        self.penalty = {t.id: t.penalty for t in self.problem.tasks}
        self.allowed = self._undone(self.cheapest)

    def balanced(self, lo_end: int, lo_day: int, started: float, time_limit_s: float) -> Plan:
        """The balanced plan: the common end searched from ``lo_end``, then under it the common longest day from
        ``lo_day``, then a search under both from the best plan, each by its share of the limit (:data:`SHARES`,
        counted from ``started``); the plan kept checked and explained on the problem without limits."""
        until = [started + share * time_limit_s for share in itertools.accumulate(SHARES)]
        self.run(lambda at: partial(_limited, end=at, longest=None), lo_end, _back, until[1], SHARES[1] * time_limit_s)
        end = _back(self.best)
        self.run(
            lambda most: partial(_limited, end=end, longest=most), lo_day, _longest, until[2], SHARES[2] * time_limit_s
        )
        if self.best is not self.cheapest:  # else nothing was balanced: the cheapest plan stays
            limits = partial(_limited, end=end, longest=_longest(self.best))
            self.polish(limits, until[3], SHARES[3] * time_limit_s + self.spare)
        best = self.best
        meta = best.meta | {"deterministic": self.repeatable}
        final = solver.finish(
            self.problem,
            list(best.routes),
            self.problem.tasks,
            best.status,
            started,
            self.repeatable,
            meta,
            True,
            started + time_limit_s,
        )
        cheapest = self.cheapest
        balance = Balance(
            _back(final), _longest(final), final.cost, _back(cheapest), _longest(cheapest), cheapest.cost, self.steps
        )
        final.meta["balance"] = balance.to_dict()
        log.info("balance: %s", final.meta["balance"])
        return final

    def _undone(self, plan: Plan) -> int:
        return sum(self.penalty[u.task] for u in plan.unserved)

    def _search(self, limits: Limits, budget: float, until: float, *, last: bool = False) -> Plan | None:
        """A plan under ``limits`` within ``budget`` seconds, from the best plan's routes; None when there is no
        time for it, or when a task it must serve cannot be (the limits are too tight). OR-Tools takes only the
        ``last`` search's plan: the time kept back for its model left the search 0.05 s of a 150-task day's 0.6-s
        step.

        The budget is the step's share of the limit, the same from run to run, so that the search's budget of work
        is too (:mod:`routing.warm`); the clock cuts it only when what is left before ``until`` is less (a busy
        machine: the plan is then not ``repeatable``)."""
        left = until - time.perf_counter() - self.overrun
        if left < budget:
            self.repeatable = False
            budget = left
        if budget < MIN_STEP_S:
            return None
        self.steps += 1
        started = time.perf_counter()
        try:
            plan = self.search(limits, budget, self.best, last)
        except (InfeasibleError, ProblemError):  # a re-plan's too: every postman out past the limits
            return None
        finally:
            self.overrun = max(self.overrun, time.perf_counter() - started - budget)
        self.repeatable &= bool(plan.meta.get("deterministic"))
        return plan

    def run(
        self, limited: Callable[[int], Limits], lo: int, measure: Callable[[Plan], int], until: float, share: float
    ) -> None:
        """Search the least limit (``limited(limit)`` are the postmen under it) between ``lo`` and the best plan's
        ``measure``, to :data:`PRECISION_S`, in ``share`` seconds and what the bisection before left (``spare``),
        by ``until`` on the clock (:func:`time.perf_counter`). A plan is kept when it serves as much and keeps the
        limit: a re-plan's postman out who can no longer be back by it keeps his route as planned, which does not."""
        hi = measure(self.best)
        left = share + self.spare
        while hi - lo > PRECISION_S:
            # What is left shared among the steps still to make and one more share (the next bisection, or the
            # checking and explaining of the plan kept); a share too short for them all makes fewer, coarser steps
            # of the least length rather than none (a 2-s day's end bisection had 0.6 s for 4 steps, and made
            # none: the cheapest plan stood).
            budget = max(left / (math.ceil(math.log2((hi - lo) / PRECISION_S)) + 1), MIN_STEP_S)
            late = until - time.perf_counter() - self.overrun < MIN_STEP_S
            if budget > left or late:
                self.repeatable &= not late
                log.info("balance: out of time with the limit between %d and %d s", lo, hi)
                break
            at = (lo + hi) // 2
            plan = self._search(limited(at), budget, until)
            left -= budget
            if plan is not None and self._undone(plan) <= self.allowed and measure(plan) <= at:
                self.best, hi = plan, measure(plan)
            else:
                lo = at
        self.spare = left

    def polish(self, limits: Limits, until: float, budget: float) -> None:
        """Search under ``limits`` (those found) from the best plan in ``budget`` seconds, by ``until``, and keep
        what it finds if it serves as much for less: a bisection's plans had a share of the time each."""
        plan = self._search(limits, budget, until, last=True)
        if plan is not None and self._undone(plan) <= self.allowed and plan.cost < self.best.cost:
            self.best = plan


def capped(problem: Problem, end: int, longest: int | None = None) -> Problem:
    """``problem`` with every postman back at his end depot by ``end`` (seconds since midnight), and out no longer
    than ``longest`` seconds when given.

    A postman whose lunch break would no longer fit whole before ``end`` is back before it can begin: a route
    ending inside the break's window must hold the break (:mod:`routing.check`). Tasks mandatory today may be
    left undone (at their penalty) rather than refused.
    """
    return _under(problem, partial(_limited, end=end, longest=longest))


def _under(problem: Problem, limits: Limits) -> Problem:
    """``problem`` with each postman as ``limits`` has him, every task allowed to be left undone at its penalty."""
    return problem.rebuilt(postmen=[limits(m) for m in problem.postmen], promised={t.id for t in problem.tasks})


def _limited(postman: Postman, end: int, longest: int | None) -> Postman:
    end = min(postman.shift_end, end)
    b = postman.lunch
    if b is not None and end > b.earliest and max(b.earliest, postman.shift_start) + b.duration > min(b.latest, end):
        end = b.earliest
    most = postman.max_work if longest is None else min(longest, postman.max_work or longest)
    return replace(postman, shift_end=max(postman.shift_start, end), max_work=most)


def _back(plan: Plan) -> int:
    """When the last postman of ``plan`` is back (the start of the day when no one goes out)."""
    return max(
        (r.stops[-1].arrival for r in plan.routes if r.used), default=min(r.stops[0].departure for r in plan.routes)
    )


def _longest(plan: Plan) -> int:
    """The longest working day of ``plan``, seconds from leaving to coming back."""
    return max((r.stops[-1].arrival - r.stops[0].departure for r in plan.routes if r.used), default=0)


def _lower_end(problem: Problem, plan: Plan) -> int:
    """A time no plan serving the tasks ``plan`` serves can have every postman back by: the latest of the
    earliest returns of a postman doing one of those tasks alone."""
    return max((back for back, _ in _alone(problem, plan)), default=min(m.shift_start for m in problem.postmen))


def _lower_day(problem: Problem, plan: Plan) -> int:
    """A working day no plan serving the tasks ``plan`` serves can keep every postman's within: the longest of
    the shortest days of a postman doing one of those tasks alone."""
    return max((day for _, day in _alone(problem, plan)), default=0)


def _lower_replan(problem: Problem, plan: Plan, clock: int | None) -> tuple[int, int]:
    """The end and the working day no re-plan can keep every postman within, from a re-plan ``plan``: each goes on
    from where he was free (his ``position`` stop) and is back no earlier than going straight to his end depot,
    and a closed route comes back as planned; the clock (else the first shift's start) bounds the end when
    nothing does. A task done alone from a post office bounds nothing here: the postmen are out."""
    ends = {m.id: problem.depot_index(m.end) for m in problem.postmen}
    bounds = [(min(m.shift_start for m in problem.postmen) if clock is None else clock, 0)]
    for r in plan.routes:
        free = next((s for s in r.stops if s.kind == "position"), None)
        if r.closed:
            back = r.stops[-1].arrival
        elif free is not None:
            back = free.departure + int(problem.arcs[problem.index(free.place), ends[r.postman]])
        else:
            continue
        bounds.append((back, back - r.stops[0].departure))
    return max(b for b, _ in bounds), max(d for _, d in bounds)


def _alone(problem: Problem, plan: Plan) -> list[tuple[int, int]]:
    """Per task ``plan`` serves, the earliest return and the shortest working day of a postman doing it alone
    (the break left out)."""
    served = {s.task for r in plan.routes for s in r.stops if s.task is not None}
    out = []
    for t in problem.tasks:
        if t.id not in served:
            continue
        options = []
        for m in problem.postmen:
            _, start, _, _, back = problem.single_task_schedule(m, t)
            if back is not None:
                leave = start - int(problem.arcs[problem.depot_index(m.start_depot), problem.index(t.pickup)])
                options.append((back, back - leave))
        if options:
            out.append((min(b for b, _ in options), min(d for _, d in options)))
    return out
