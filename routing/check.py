"""An independent checker of a Plan against its Problem: feasibility, completeness and recomputed cost.

It uses only the problem's records and matrices, never the solver, so a solver bug cannot hide behind itself.
Each violation is one sentence naming the postman, the stop or the task, with the numbers.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np

from routing import insertion
from routing.plan import Plan, Route
from routing.problem import Postman, Problem, hhmm

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CheckResult:
    """Violations found (empty when the plan is valid), shortfalls, and the plan's totals as recomputed.

    A shortfall is a mandatory task the plan lists as unserved and that no route can take as the routes stand:
    the day cannot do it beside the others (a day planned late, say), which the plan says rather than breaks.
    ``distance`` is in metres, ``travel_time`` in seconds and ``cost`` in cost units (routes only).
    """

    violations: tuple[str, ...] = ()
    distance: int = 0
    travel_time: int = 0
    cost: int = 0
    served: frozenset[str] = field(default_factory=frozenset)
    shortfalls: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the plan has no violation."""
        return not self.violations


def check(problem: Problem, plan: Plan) -> CheckResult:
    """Check every route and task of ``plan`` against ``problem``.

    Checked: each route starts at the postman's start depot and ends at his end depot within his shift and
    maximum working time; travel times between consecutive stops (breaks, and the setup of a place newly come
    to, included); service times; windows; loads (recomputed, never above capacity or below zero); the break
    (inside its window, of full length, not during a service); every task served completely once or listed as
    unserved, pickup before delivery on one route; reported distances, times and costs; no task dropped that
    some postman could still take for less than its penalty (:mod:`routing.insertion`; a ``closed`` route, its
    postman's shift over when the plan was re-optimised, takes none). A mandatory task left
    undone that no route can take is a shortfall, not a violation.
    """
    v: list[str] = []
    postmen = {m.id: m for m in problem.postmen}
    tasks = {t.id: t for t in problem.tasks}
    seen_postmen: set[str] = set()
    visits: dict[str, list[tuple[str, str, int, int]]] = defaultdict(list)
    distance = travel = cost = 0
    for route in plan.routes:
        m = postmen.get(route.postman)
        if m is None:
            v.append(f"route of unknown postman {route.postman!r}")
            continue
        if route.postman in seen_postmen:
            v.append(f"postman {m.id!r} has two routes")
        seen_postmen.add(route.postman)
        d, t, c = _check_route(problem, m, route, tasks, v, visits)
        distance, travel, cost = distance + d, travel + t, cost + c

    unserved = {u.task for u in plan.unserved}
    # Per route, the stops done before a re-optimisation: those before its ``position`` stop.
    done_until = {
        r.postman: max((i for i, s in enumerate(r.stops) if s.kind == "position"), default=0) for r in plan.routes
    }
    carried_back: set[str] = set()
    served = set()
    for tid, task in tasks.items():
        stops = visits.get(tid, [])
        kinds = [s[1] for s in stops]
        expected = ["visit"] if task.kind == "visit" else ["pickup", "delivery"]
        if not stops:
            if tid not in unserved:
                v.append(f"task {tid!r}: neither served nor listed as unserved")
            continue
        if sorted(kinds) != sorted(expected):
            if kinds == ["pickup"] and tid in unserved and stops[0][2] < done_until.get(stops[0][0], 0):
                carried_back.add(tid)  # picked up before a re-optimisation, brought back undelivered
                continue
            v.append(f"task {tid!r}: stops {kinds}, expected {expected} once each")
            continue
        if len({s[0] for s in stops}) > 1:
            v.append(f"task {tid!r}: pickup and delivery on different routes {sorted({s[0] for s in stops})}")
            continue
        if task.kind != "visit":
            p = next(s for s in stops if s[1] == "pickup")
            q = next(s for s in stops if s[1] == "delivery")
            if q[2] < p[2]:
                v.append(f"task {tid!r}: delivered (stop {q[2]}) before picked up (stop {p[2]}) by {p[0]!r}")
        if tid in unserved:
            v.append(f"task {tid!r}: served but listed as unserved")
        served.add(tid)
    for tid in visits:
        if tid not in tasks:
            v.append(f"stop of unknown task {tid!r}")
    for m in problem.postmen:
        if m.id not in seen_postmen:
            v.append(f"postman {m.id!r} has no route")
    if plan.distance != distance:
        v.append(f"reported total distance {plan.distance} m, recomputed {distance} m")
    insertable, shortfalls = _drops(problem, plan, served, carried_back)
    return CheckResult(tuple(v + insertable), distance, travel, cost, frozenset(served), tuple(shortfalls))


def _check_route(problem, m: Postman, route: Route, tasks, v: list[str], visits) -> tuple[int, int, int]:
    who = f"postman {m.id!r}"
    stops = route.stops
    if len(stops) < 2:
        v.append(f"{who}: route has {len(stops)} stops, needs at least start and end")
        return 0, 0, 0
    first, last = stops[0], stops[-1]
    start_place = problem.depots[m.start_depot].place
    end_place = problem.depots[m.end].place
    if first.kind != "start" or first.place != start_place:
        v.append(f"{who}: starts at {first.place!r} ({first.kind}), not at depot place {start_place!r}")
    if last.kind != "end" or last.place != end_place:
        v.append(f"{who}: ends at {last.place!r} ({last.kind}), not at depot place {end_place!r}")
    if first.departure < m.shift_start:
        v.append(f"{who}: leaves at {hhmm(first.departure)}, before the shift starts at {hhmm(m.shift_start)}")
    if last.arrival > m.shift_end:
        v.append(f"{who}: back at {hhmm(last.arrival)}, after the shift ends at {hhmm(m.shift_end)}")
    if m.max_work is not None and last.arrival - first.departure > m.max_work:
        v.append(
            f"{who}: works {(last.arrival - first.departure) / 3600:.2f} h, more than the maximum "
            f"{m.max_work / 3600:.2f} h"
        )
    brk = None
    if route.break_start is not None and route.break_end is not None:
        brk = (route.break_start, route.break_end)
    _check_break(m, route, brk, v)

    load = first.load
    if load < 0 or load > m.capacity:
        v.append(f"{who}: starts with load {load} outside 0..{m.capacity}")
    for i, s in enumerate(stops):
        where = f"{who} stop {i} ({s.kind} {s.task or ''} at {s.place!r})"
        if s.place not in problem.places or problem.index(s.place) != s.place_index:
            v.append(f"{where}: place not in the problem or wrong matrix index {s.place_index}")
            continue
        if i > 0:
            prev = stops[i - 1]
            need = prev.departure + int(problem.arcs[prev.place_index, s.place_index])
            if s.arrival < need:
                v.append(f"{where}: arrives {hhmm(s.arrival)} ({s.arrival} s), cannot before {need} s")
            # A break between two stops, on the road or while waiting, must fit in the gap with the drive.
            if (
                brk is not None
                and prev.departure <= brk[0] < s.start
                and (s.start < need + brk[1] - brk[0] or brk[1] > s.start)
            ):
                v.append(
                    f"{where}: the break {hhmm(brk[0])}-{hhmm(brk[1])} and the drive do not fit between "
                    f"{prev.departure} s and {s.start} s"
                )
        if s.start < s.arrival:
            v.append(f"{where}: service starts {s.start} s before arrival {s.arrival} s")
        if s.kind in ("start", "end", "position"):
            if s.departure != s.start:
                v.append(f"{where}: no service expected, got {s.departure - s.start} s")
            if (s.kind == "start" and i != 0) or (s.kind == "end" and i != len(stops) - 1):
                v.append(f"{where}: misplaced {s.kind}")
            continue
        task = tasks.get(s.task)
        if task is None:
            visits[s.task or ""].append((m.id, s.kind, i, s.start))
            continue
        visits[task.id].append((m.id, s.kind, i, s.start))
        stop = "delivery" if s.kind == "delivery" else "pickup"
        place = task.delivery if stop == "delivery" else task.pickup
        if s.place != place:
            v.append(f"{where}: task {task.id!r} has its {stop} at {place!r}")
        service = task.delivery_service if stop == "delivery" else task.pickup_service
        if s.departure - s.start != service:
            v.append(f"{where}: service {s.departure - s.start} s, task needs {service} s")
        windows = problem.windows(task, stop)
        if not any(a <= s.start <= b for a, b in windows):
            v.append(
                f"{where}: service starts {hhmm(s.start)} ({s.start} s), outside the windows "
                + ", ".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in windows)
            )
        if brk is not None and s.start < brk[1] and s.departure > brk[0]:
            v.append(f"{where}: service {hhmm(s.start)}-{hhmm(s.departure)} overlaps the break")
        load += task.load if s.kind in ("pickup", "visit") else -task.load
        if s.load != load:
            v.append(f"{where}: reported load {s.load}, recomputed {load}")
        if load > m.capacity:
            v.append(f"{where}: load {load} above capacity {m.capacity}")
        if load < 0:
            v.append(f"{where}: negative load {load}")

    idx = [s.place_index for s in stops]
    distance = sum(int(problem.distances[a, b]) for a, b in pairwise(idx))
    travel = sum(int(problem.times[a, b]) for a, b in pairwise(idx))
    cost = problem.arc_cost(m, np.array(idx))
    if any(s.task is not None for s in stops):
        cost += m.fixed_cost
    if route.distance != distance:
        v.append(f"{who}: reported distance {route.distance} m, recomputed {distance} m")
    if route.travel_time != travel:
        v.append(f"{who}: reported driving time {route.travel_time} s, recomputed {travel} s")
    if abs(route.cost - cost) > len(stops):
        v.append(f"{who}: reported cost {route.cost}, recomputed {cost}")
    return distance, travel, cost


def _check_break(m: Postman, route: Route, brk: tuple[int, int] | None, v: list[str]) -> None:
    who = f"postman {m.id!r}"
    if m.lunch is None:
        if brk is not None:
            v.append(f"{who}: takes a break but has none")
        return
    b = m.lunch
    needed = route.used and b.needed(route.stops[0].departure, route.stops[-1].arrival)
    if brk is None:
        if needed and not any(s.kind == "position" for s in route.stops):
            v.append(f"{who}: no break of {b.duration // 60} min in {hhmm(b.earliest)}-{hhmm(b.latest)}")
        return
    if brk[0] < b.earliest or brk[1] > b.latest:
        v.append(f"{who}: break {hhmm(brk[0])}-{hhmm(brk[1])} outside {hhmm(b.earliest)}-{hhmm(b.latest)}")
    if brk[1] - brk[0] < b.duration:
        v.append(f"{who}: break of {(brk[1] - brk[0]) // 60} min, needs {b.duration // 60} min")


def _drops(problem: Problem, plan: Plan, served: set[str], carried_back: set[str]) -> tuple[list[str], list[str]]:
    """Sentences on the tasks left undone: those a postman could take for less than their penalty (violations),
    and the mandatory ones no route can take or that are carried back (shortfalls)."""
    dropped = [t for t in problem.tasks if t.id not in served]
    takeable = [t for t in dropped if t.id not in carried_back and problem.task_obstacle(t) is None]
    found_all = insertion.insertions(problem, plan, takeable)
    violations, shortfalls = [], []
    for task in dropped:
        found = found_all.get(task.id)
        if found is not None and found.cost < task.penalty:
            undone = "mandatory but not served" if task.mandatory else "dropped"
            violations.append(
                f"task {task.id!r}: {undone}, but postman {found.postman!r} can take it "
                f"({insertion.describe_positions(found)}) for {found.cost} < its penalty {task.penalty}"
            )
        elif task.mandatory:
            obstacle = problem.task_obstacle(task)
            why = obstacle if obstacle is not None else "no route can take it beside the plan's other tasks"
            if task.id in carried_back:
                why = "picked up before the re-plan, no route can still deliver it"
            shortfalls.append(f"task {task.id!r}: mandatory but not served: {why}")
    return violations, shortfalls
