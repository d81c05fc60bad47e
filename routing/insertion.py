"""Cheapest feasible insertion of an unserved task into a plan, computed from the records alone.

The checker uses it to find dossiers dropped although a postman could still take them, and it explains why a
task is unserved. It never calls the solver, so a solver bug cannot hide behind itself.

Feasibility is that of one concrete schedule, the earliest one (waiting allowed), so whatever is claimed
insertable is truly feasible for :func:`routing.check.check` and for the OR-Tools model:

- stops done before a re-optimisation (up to the ``position`` stop) stay; tasks go in after it, with the load
  the postman carries; a ``closed`` route (its postman's shift over by then) takes none;
- service starts at the earliest time inside one of the stop's windows; loads stay within the capacity all
  along the route; the postman is back by the end of his shift and within his maximum working time (leaving
  the depot as late as that allows without being back later);
- the lunch break is a pseudo-stop right after a stop of the route, at that stop's place (no travel into it;
  out of it, the travel from that stop to the next one), starting inside ``[earliest, latest - duration]``.
  A route with a break keeps it after the same stop, at a floating time; a route without one that needs one
  after the insertion (its day then overlaps the break window) gets it tried after every stop.

Added cost is the arc cost of the new route minus the old one, rounded arc by arc as the solver does, plus
the postman's fixed cost when the route served nothing. To be fast, every (pickup, delivery) position pair
of a route is tried for all tasks at once with numpy (earliest departures forward, latest starts backward, one
pass over the delivery positions); the cheapest candidates are then scheduled one by one, which also settles
the maximum working time and a break to add, until one holds.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from routing.plan import Plan, Reason, Route, Stop
from routing.problem import ALL_DAY, Postman, Problem, Task, Window

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Insertion:
    """Where a task fits best into a plan, and the resulting route.

    Attributes
    ----------
    postman
        Id of the postman who takes the task.
    pickup
        Position of the pickup (or of the visit) among the stops of the new route (0 is the start).
    delivery
        Position of the delivery among the stops of the new route, ``None`` for a one-stop task.
    cost
        Added cost in cost units (VND): arc costs of the new route minus the old, plus the postman's fixed
        cost when his route served nothing.
    route
        The postman's new route, scheduled at the earliest times, with loads, distance and cost.
    """

    postman: str
    pickup: int
    delivery: int | None
    cost: int
    route: Route


@dataclass
class _Element:
    """One element of the open part of a route: a stop, or the break as a pseudo-stop."""

    kind: str
    place: str
    index: int
    service: int
    windows: tuple[Window, ...]
    delta: int
    task: str | None = None
    stop: Stop | None = None


@dataclass
class _Route:
    """The open part of a route (from its start or ``position`` stop) as elements, with its fixed facts."""

    postman: Postman
    route: Route
    first: int
    elements: list[_Element]
    t0: int
    break_after: int | None
    needs_break_check: bool
    end_upper: int
    float_start: bool
    used: bool


# ------------------------------------------------------------------------------------------------- public API
def cheapest_insertion(problem: Problem, plan: Plan, task: Task) -> Insertion | None:
    """Cheapest feasible insertion of ``task`` into any route of ``plan`` (unused postmen included).

    Parameters
    ----------
    problem
        The problem the plan was made for.
    plan
        The plan; its stops after each ``position`` stop (or its start) may be delayed, never reordered.
    task
        A task of the problem that the plan does not serve.

    Returns
    -------
    Insertion or None
        The cheapest insertion (ties: first postman, earliest positions), or ``None`` when no route can take
        the task without breaking a window, the capacity, the shift, the maximum working time or the break.
    """
    return insertions(problem, plan, [task])[task.id]


def insertions(problem: Problem, plan: Plan, tasks: Sequence[Task]) -> dict[str, Insertion | None]:
    """:func:`cheapest_insertion` of several tasks, each alone into ``plan``, by task id (one batch per route)."""
    return cheapest(plan, by_route(problem, plan, tasks), tasks)


def by_route(
    problem: Problem,
    plan: Plan,
    tasks: Sequence[Task],
    postmen: Collection[str] | None = None,
    until: float | None = None,
) -> dict[str, dict[str, Insertion | None]]:
    """Per postman (those of ``postmen``, else all), the cheapest feasible insertion of each task alone into his
    route, by task id (``None`` where it does not fit, or where ``until`` on the clock, :func:`time.perf_counter`,
    came first): what :func:`insertions` chooses among, kept by a caller that inserts one task after another and
    needs only the changed route's again."""
    if not tasks:
        return {}
    by_postman = {m.id: m for m in problem.postmen}
    by_id = {t.id: t for t in problem.tasks}
    times = problem.arcs.astype(np.int64)
    out: dict[str, dict[str, Insertion | None]] = {}
    # A closed route (its postman's shift over when the plan was re-optimised) takes nothing more.
    for r in plan.routes:
        if r.postman not in by_postman or r.closed or (postmen is not None and r.postman not in postmen):
            continue
        ctx = _open_route(problem, by_postman[r.postman], r, by_id)
        found: dict[str, Insertion | None] = {t.id: None for t in tasks}
        out[r.postman] = found
        if ctx is None:
            continue
        candidates: list[list[tuple[int, int, int | None]]] = [[] for _ in tasks]
        for ti, cost, i, j in _candidates(problem, times, ctx, tasks):
            candidates[ti].append((cost, i, j))
        for ti, task in enumerate(tasks):
            if until is not None and time.perf_counter() >= until:
                return out
            for cost, i, j in sorted(candidates[ti], key=lambda c: (c[0], c[1], -1 if c[2] is None else c[2])):
                if (fit := _schedule(problem, times, ctx, task, i, j, cost)) is not None:
                    found[task.id] = fit
                    break
    return out


def cheapest(
    plan: Plan, routes: Mapping[str, Mapping[str, Insertion | None]], tasks: Sequence[Task]
) -> dict[str, Insertion | None]:
    """The cheapest of the insertions :func:`by_route` found, by task id (ties: the first postman of ``plan``)."""
    rank = {r.postman: k for k, r in enumerate(plan.routes)}
    out: dict[str, Insertion | None] = {}
    for task in tasks:
        fits = [(fit.cost, rank[p], fit) for p, found in routes.items() if (fit := found.get(task.id)) is not None]
        out[task.id] = min(fits, key=lambda f: f[:2])[2] if fits else None
    return out


def insert(plan: Plan, task: Task, insertion: Insertion) -> Plan:
    """``plan`` with ``insertion.route`` in place of the postman's route and ``task`` no longer unserved."""
    routes = tuple(insertion.route if r.postman == insertion.postman else r for r in plan.routes)
    unserved = tuple(u for u in plan.unserved if u.task != task.id)
    return Plan(routes, unserved, plan.objective, plan.status, plan.meta)


def explain_unserved(problem: Problem, plan: Plan, task: Task) -> Reason:
    """Why ``task`` is not in ``plan``, by analysis.

    First the task alone (capacity, windows reachable within shifts, round trip within the shift,
    :meth:`Problem.task_obstacle`); then its cheapest feasible insertion into the plan: when there is none the
    plan is full, otherwise its cost is compared with the drop penalty.
    """
    return explanations(problem, plan, [task])[task.id]


def explanations(problem: Problem, plan: Plan, tasks: Sequence[Task]) -> dict[str, Reason]:
    """:func:`explain_unserved` of several tasks, by task id, with one batch of insertions."""
    obstacles = {t.id: problem.task_obstacle(t) for t in tasks}
    found = insertions(problem, plan, [t for t in tasks if obstacles[t.id] is None])
    out = {}
    for t in tasks:
        obstacle, best = obstacles[t.id], found.get(t.id)
        if obstacle is not None:
            out[t.id] = obstacle
        elif best is None:
            text = "no postman's route can take it without breaking a window, the capacity, the shift or the break"
            out[t.id] = Reason(text, "no_route_fits")
        elif best.cost > t.penalty:
            text = f"dropped by the optimiser: cost {best.cost} > penalty {t.penalty}"
            out[t.id] = Reason(text, "dropped_costly", {"cost": best.cost, "penalty": t.penalty})
        else:
            text = (
                f"not inserted by the search within its limit (cheapest insertion: postman {best.postman!r}, "
                f"{describe_positions(best)}, costs {best.cost} <= penalty {t.penalty})"
            )
            values = {"postman": best.postman, "cost": best.cost, "penalty": t.penalty}
            out[t.id] = Reason(text, "not_inserted", values)
    return out


def describe_positions(insertion: Insertion) -> str:
    """Positions of an insertion in words, e.g. ``pickup as stop 3, delivery as stop 5``."""
    if insertion.delivery is None:
        return f"as stop {insertion.pickup}"
    return f"pickup as stop {insertion.pickup}, delivery as stop {insertion.delivery}"


# ------------------------------------------------------------------------------------------ route preparation
def _stop_windows(problem: Problem, stop: Stop, tasks: dict[str, Task]) -> tuple[Window, ...]:
    task = tasks.get(stop.task or "")
    if task is None:
        return ALL_DAY
    return problem.windows(task, "delivery" if stop.kind == "delivery" else "pickup")


def _delta(stop: Stop, tasks: dict[str, Task]) -> int:
    task = tasks.get(stop.task or "")
    if task is None:
        return 0
    return -task.load if stop.kind == "delivery" else task.load


def _open_route(problem: Problem, m: Postman, route: Route, tasks: dict[str, Task]) -> _Route | None:
    """The part of ``route`` that may change, or ``None`` when the route is malformed."""
    stops = route.stops
    if len(stops) < 2 or stops[-1].kind != "end":
        return None
    first = max((i for i, s in enumerate(stops) if s.kind == "position"), default=0)
    elements = [
        _Element(
            s.kind,
            s.place,
            s.place_index,
            s.departure - s.start if s.task is not None else 0,
            _stop_windows(problem, s, tasks),
            _delta(s, tasks),
            s.task,
            s,
        )
        for s in stops[first:]
    ]
    float_start = elements[0].kind == "start"
    t0 = m.shift_start if float_start else stops[first].departure
    break_after: int | None = None
    needs_break_check = False
    end_upper = m.shift_end
    if m.lunch is not None:
        if route.break_start is not None and route.break_end is not None:
            before = [i for i, s in enumerate(stops) if s.departure <= route.break_start]
            k = before[-1] if before else 0
            if k >= first:
                break_after = k - first
                if break_after == len(elements) - 1:
                    # A break after the day keeps the day ending early enough for it.
                    end_upper = min(end_upper, m.lunch.latest - m.lunch.duration)
        else:
            # After a re-optimisation a postman free too late for the break has none to take (as in the solver).
            needs_break_check = float_start or t0 <= m.lunch.latest - m.lunch.duration
    return _Route(
        m,
        route,
        first,
        elements,
        t0,
        break_after,
        needs_break_check,
        end_upper,
        float_start and m.max_work is not None,
        any(s.task is not None for s in stops),
    )


def _with_break(ctx: _Route) -> list[_Element]:
    """Elements of the open route with the break as a pseudo-stop when it lies inside the route."""
    els = list(ctx.elements)
    if ctx.break_after is not None and ctx.break_after < len(els) - 1:
        return _break_at(ctx, els, ctx.break_after)
    return els


# ---------------------------------------------------------------------------------------- vectorised candidates
def _earliest(arrival: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Earliest start of service at or after ``arrival`` in the first window not yet closed, ``inf`` if none.

    ``starts`` and ``ends`` hold windows sorted by start on the last axis (padded with ``-inf`` ends); without
    that axis they broadcast against ``arrival``.
    """
    out = np.full(np.broadcast_shapes(arrival.shape, starts.shape[:-1]), np.inf)
    for w in range(starts.shape[-1] - 1, -1, -1):
        out = np.where(arrival <= ends[..., w], np.maximum(arrival, starts[..., w]), out)
    return out


def _window_arrays(windows: Sequence[tuple[Window, ...]]) -> tuple[np.ndarray, np.ndarray]:
    width = max(1, *(len(w) for w in windows))
    starts = np.full((len(windows), width), np.inf)
    ends = np.full((len(windows), width), -np.inf)
    for k, ws in enumerate(windows):
        for w, (a, b) in enumerate(sorted(ws)):
            starts[k, w], ends[k, w] = a, b
    return starts, ends


def _candidates(
    problem: Problem, times: np.ndarray, ctx: _Route, tasks: Sequence[Task]
) -> list[tuple[int, int, int, int | None]]:
    """Candidate insertions (task number, added cost, pickup gap, delivery gap) feasible in a relaxation.

    Gaps number the positions between the open route's stops (gap ``g`` is right before stop ``g`` of the open
    part, break excluded). Windows, capacity and shift end are exact here; the maximum working time is relaxed
    to driving plus service, and a break to add is ignored; :func:`_schedule` settles both. When the relaxation
    is exact only each task's cheapest candidate is returned.
    """
    m = ctx.postman
    els = _with_break(ctx)
    n_el = len(els)
    last = n_el - 1
    place = np.array([e.index for e in els])
    service = np.array([e.service for e in els], dtype=float)
    is_break = np.array([e.kind == "break" for e in els])
    travel_in = np.zeros(n_el)
    travel_in[1:] = times[place[:-1], place[1:]]
    travel_in[is_break] = 0
    el_windows = [e.windows for e in els]
    el_windows[last] = ((-(10**9), ctx.end_upper),)
    el_starts, el_ends = _window_arrays(el_windows)
    load = np.cumsum([els[0].stop.load if els[0].stop else 0] + [e.delta for e in els[1:]])

    # Earliest departures forward, latest starts backward (the latest start keeping the rest feasible).
    dep = np.full(n_el, np.inf)
    dep[0] = ctx.t0
    for k in range(1, n_el):
        start = _earliest(np.array([dep[k - 1] + travel_in[k]]), el_starts[k], el_ends[k])[0]
        dep[k] = start + service[k]
    if not np.isfinite(dep[last]):
        return []
    latest = np.full(n_el, -np.inf)
    latest[last] = ctx.end_upper
    for k in range(last - 1, 0, -1):
        x = latest[k + 1] - travel_in[k + 1] - service[k]
        ok = el_starts[k] <= x
        if ok.any():
            w = np.nonzero(ok)[0][-1]
            latest[k] = min(el_ends[k, w], x)
    gap_ok = np.ones(n_el + 1, dtype=bool)
    gap_ok[0] = False
    gap_ok[np.nonzero(is_break)[0]] = False  # never between the stop before the break and the break

    exact = not ctx.needs_break_check and m.max_work is None
    kpm, kph = m.cost_per_km / 1000.0, m.cost_per_hour / 3600.0

    def arc(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.rint(problem.distances[a, b] * kpm + problem.arcs[a, b] * kph)

    fixed = 0 if ctx.used else m.fixed_cost
    busy = float(travel_in[1:].sum() + service.sum())
    c_next = arc(place[:-1], place[1:])
    t_next = times[place[:-1], place[1:]]
    room = m.capacity - load  # capacity left after each element

    found = _Found(len(tasks), exact)
    groups = [[k for k, t in enumerate(tasks) if t.delivery is None], [k for k, t in enumerate(tasks) if t.delivery]]
    gaps = np.arange(1, n_el)
    for members in groups:
        if not members:
            continue
        batch = [tasks[k] for k in members]
        rows = np.array(members)
        p = np.array([problem.index(t.pickup) for t in batch])
        q = np.array([t.load for t in batch], dtype=float)
        p_starts, p_ends = _window_arrays([problem.windows(t, "pickup") for t in batch])
        p_serv = np.array([t.pickup_service for t in batch], dtype=float)
        # Matrices between the route's elements and the tasks' stops, cut once per route.
        t_el_p, t_p_el = times[place[:, None], p[None, :]].T, times[p[:, None], place[None, :]]
        c_el_p, c_p_el = arc(place[:, None], p[None, :]).T, arc(p[:, None], place[None, :])
        arr_p = dep[gaps - 1][None, :] + t_el_p[:, gaps - 1]
        start_p = _earliest(arr_p, p_starts[:, None, :], p_ends[:, None, :])
        dep_p = start_p + p_serv[:, None]
        valid_p = np.isfinite(start_p) & gap_ok[gaps][None, :] & (room[gaps - 1][None, :] >= q[:, None])
        cost_p = c_el_p[:, gaps - 1] + c_p_el[:, gaps] - c_next[gaps - 1][None, :] + fixed
        drive_p = t_el_p[:, gaps - 1] + t_p_el[:, gaps] - t_next[gaps - 1][None, :]
        if batch[0].delivery is None:
            tail_room = np.minimum.accumulate(room[::-1])[::-1]
            ok = valid_p & (dep_p + t_p_el[:, gaps] <= latest[gaps][None, :])
            ok &= tail_room[gaps - 1][None, :] >= q[:, None]
            if m.max_work is not None:
                ok &= busy + drive_p + p_serv[:, None] <= m.max_work
            found.add(rows, ok, cost_p, gaps, None)
            continue
        d = np.array([problem.index(t.delivery) for t in batch])  # type: ignore[arg-type]
        d_starts, d_ends = _window_arrays([problem.windows(t, "delivery") for t in batch])
        d_serv = np.array([t.delivery_service for t in batch], dtype=float)
        t_el_d, t_d_el = times[place[:, None], d[None, :]], times[d[:, None], place[None, :]]
        c_el_d, c_d_el = arc(place[:, None], d[None, :]), arc(d[:, None], place[None, :])
        t_pd, c_pd = times[p, d], arc(p, d)
        n, g = len(batch), len(gaps)
        cur = np.full((n, g), np.inf)  # departure from the element before gap j, pickup in gap i (column i - 1)
        space = np.zeros((n, g))  # least room left from the element before the pickup to the one before j
        for j in range(1, n_el):
            col = j - 1
            cur[:, col] = np.where(valid_p[:, col], dep_p[:, col], np.inf)
            space[:, col] = room[j - 1]
            if gap_ok[j] and np.isfinite(latest[j]):
                into_d = np.empty((n, j))
                into_d[:] = t_el_d[j - 1][:, None]
                into_d[:, col] = t_pd
                start_d = _earliest(cur[:, :j] + into_d, d_starts[:, None, :], d_ends[:, None, :])
                ok = (start_d + (d_serv + t_d_el[:, j])[:, None] <= latest[j]) & (space[:, :j] >= q[:, None])
                added = np.empty((n, j))
                added[:] = (c_el_d[j - 1] + c_d_el[:, j] - c_next[j - 1])[:, None]
                added[:, col] = c_pd + c_d_el[:, j] - c_p_el[:, j]
                if m.max_work is not None:
                    drive = np.empty((n, j))
                    drive[:] = (t_el_d[j - 1] + t_d_el[:, j] - t_next[j - 1])[:, None]
                    drive[:, col] = t_pd + t_d_el[:, j] - t_p_el[:, j]
                    ok &= busy + drive + drive_p[:, :j] + (p_serv + d_serv)[:, None] <= m.max_work
                found.add(rows, ok, cost_p[:, :j] + added, gaps[:j], j)
            if j == last:
                break
            into = np.empty((n, j))
            into[:] = travel_in[j]
            into[:, col] = t_p_el[:, j]
            cur[:, :j] = _earliest(cur[:, :j] + into, el_starts[j], el_ends[j]) + service[j]
            space[:, :j] = np.minimum(space[:, :j], room[j])
    return found.candidates()


class _Found:
    """Candidates gathered over a route: all of them, or each task's cheapest when the relaxation is exact."""

    def __init__(self, n_tasks: int, exact: bool) -> None:
        self.exact = exact
        self.all: list[tuple[int, int, int, int | None]] = []
        self.cost = np.full(n_tasks, np.inf)
        self.pickup = np.zeros(n_tasks, dtype=int)
        self.delivery = np.full(n_tasks, -1)

    def add(self, rows: np.ndarray, ok: np.ndarray, cost: np.ndarray, pickup_gaps: np.ndarray, j: int | None) -> None:
        """Candidates of tasks ``rows`` (one row each), pickup gaps by column, delivery gap ``j``."""
        if not self.exact:
            for r, c in zip(*np.nonzero(ok), strict=True):
                self.all.append((int(rows[r]), int(cost[r, c]), int(pickup_gaps[c]), j))
            return
        masked = np.where(ok, cost, np.inf)
        best = masked.argmin(axis=1)
        value = masked[np.arange(len(rows)), best]
        better = value < self.cost[rows]
        self.cost[rows[better]] = value[better]
        self.pickup[rows[better]] = pickup_gaps[best[better]]
        self.delivery[rows[better]] = -1 if j is None else j

    def candidates(self) -> list[tuple[int, int, int, int | None]]:
        """(task number, added cost, pickup gap, delivery gap or ``None``) of every candidate kept."""
        if not self.exact:
            return self.all
        return [
            (int(k), int(self.cost[k]), int(self.pickup[k]), None if self.delivery[k] < 0 else int(self.delivery[k]))
            for k in np.nonzero(np.isfinite(self.cost))[0]
        ]


# ------------------------------------------------------------------------------------------------- schedules
def _start_in(arrival: int, windows: Sequence[Window]) -> tuple[int, int] | None:
    """Earliest start at or after ``arrival`` and the end of its window, or ``None`` when all have closed."""
    for s, e in sorted(windows):
        if arrival <= e:
            return max(arrival, s), e
    return None


def _simulate(
    times: np.ndarray, ctx: _Route, els: list[_Element], t0: int, tail_break: bool
) -> tuple[list[tuple[int, int, int]], int, int] | None:
    """Earliest schedule (arrival, start, departure) of the elements when leaving element 0 at ``t0``.

    Returns the schedule, the total waiting and the forward slack (how much later element 0 may be left
    without any start leaving its window), or ``None`` when a window, the capacity or the shift breaks.
    """
    m = ctx.postman
    first = els[0].stop
    assert first is not None
    sched = [(t0, t0, t0) if els[0].kind == "start" else (first.arrival, first.start, first.departure)]
    load, t, wait, slack = first.load, t0, 0, 10**9
    last = len(els) - 1
    for k in range(1, len(els)):
        e = els[k]
        arrival = t if e.kind == "break" else t + int(times[els[k - 1].index, e.index])
        windows = ((arrival, ctx.end_upper),) if k == last else e.windows
        found = _start_in(arrival, windows)
        if found is None or (k == last and arrival > ctx.end_upper):
            return None
        start, close = found
        wait += start - arrival
        slack = min(slack, wait + close - start)
        t = start + e.service
        sched.append((arrival, start, t))
        load += e.delta
        if not 0 <= load <= m.capacity:
            return None
    if tail_break:
        assert m.lunch is not None
        begin = max(t, m.lunch.earliest)
        if begin > m.lunch.latest - m.lunch.duration:
            return None
        wait += begin - t
        slack = min(slack, wait + m.lunch.latest - m.lunch.duration - begin)
    return sched, wait, slack


def _timed(times: np.ndarray, ctx: _Route, els: list[_Element], tail_break: bool) -> list[tuple[int, int, int]] | None:
    """The schedule of the elements within the maximum working time, leaving the depot as late as useful."""
    m = ctx.postman
    found = _simulate(times, ctx, els, ctx.t0, tail_break)
    if found is None:
        return None
    sched, wait, slack = found
    if ctx.float_start and min(wait, slack) > 0:
        later = _simulate(times, ctx, els, ctx.t0 + min(wait, slack), tail_break)
        if later is not None and later[0][-1][0] <= sched[-1][0]:
            sched = later[0]
    if m.max_work is not None:
        begin = sched[0][2] if ctx.first == 0 else ctx.route.stops[0].departure
        if sched[-1][0] - begin > m.max_work:
            return None
    return sched


def _break_at(ctx: _Route, els: list[_Element], k: int) -> list[_Element]:
    """Elements with the break as a pseudo-stop right after element ``k`` (at its place)."""
    b = ctx.postman.lunch
    assert b is not None
    brk = _Element("break", els[k].place, els[k].index, b.duration, ((b.earliest, b.latest - b.duration),), 0)
    return [*els[: k + 1], brk, *els[k + 1 :]]


def _schedule(
    problem: Problem, times: np.ndarray, ctx: _Route, task: Task, i: int, j: int | None, cost: int
) -> Insertion | None:
    """Schedule ``task`` with its pickup in gap ``i`` and delivery in gap ``j`` of the open route, or ``None``."""
    els = _with_break(ctx)
    new_p = _Element(
        "visit" if task.delivery is None else "pickup",
        task.pickup,
        problem.index(task.pickup),
        task.pickup_service,
        problem.windows(task, "pickup"),
        task.load,
        task.id,
    )
    if j is not None:
        assert task.delivery is not None
        new_d = _Element(
            "delivery",
            task.delivery,
            problem.index(task.delivery),
            task.delivery_service,
            problem.windows(task, "delivery"),
            -task.load,
            task.id,
        )
        els.insert(j, new_d)
    els.insert(i, new_p)
    m = ctx.postman
    tail = ctx.break_after is not None and ctx.break_after == len(ctx.elements) - 1
    sched = _timed(times, ctx, els, tail)
    if sched is None:
        return None
    if ctx.needs_break_check and m.lunch is not None:
        b = m.lunch
        begin = sched[0][2] if ctx.first == 0 else ctx.route.stops[0].departure
        if b.needed(begin, sched[-1][0]):
            sched = None
            for k in range(len(els)):
                tail = k == len(els) - 1
                trial = els if tail else _break_at(ctx, els, k)
                sched = _timed(times, ctx, trial, tail)
                if sched is not None:
                    els = trial
                    break
            if sched is None:
                return None
    return _build(problem, ctx, els, sched, tail, task, cost)


def _build(
    problem: Problem,
    ctx: _Route,
    els: list[_Element],
    sched: list[tuple[int, int, int]],
    tail_break: bool,
    task: Task,
    cost: int,
) -> Insertion:
    """The new route from its scheduled elements, with the positions of the task's stops."""
    m = ctx.postman
    stops = list(ctx.route.stops[: ctx.first])
    brk: tuple[int, int] | None = None
    if ctx.route.break_start is not None and ctx.route.break_end is not None:
        brk = (ctx.route.break_start, ctx.route.break_end)
    first = els[0].stop
    assert first is not None
    load = first.load - els[0].delta
    positions: dict[str, int] = {}
    for e, (arrival, start, departure) in zip(els, sched, strict=True):
        if e.kind == "break":
            brk = (start, departure)
            continue
        load += e.delta
        if e.task == task.id and e.stop is None:
            positions[e.kind] = len(stops)
        stops.append(Stop(e.kind, e.place, e.index, arrival, start, departure, load, e.task))  # type: ignore[arg-type]
    if tail_break:
        b = m.lunch
        assert b is not None
        begin = max(sched[-1][0], b.earliest)
        brk = (begin, begin + b.duration)
    idx = np.array([s.place_index for s in stops])
    distance = sum(int(problem.distances[a, b]) for a, b in pairwise(idx))
    drive = sum(int(problem.times[a, b]) for a, b in pairwise(idx))
    total = route_cost(problem, m, stops)
    route = Route(m.id, tuple(stops), distance, drive, total, *(brk or (None, None)))
    pickup = positions.get("visit", positions.get("pickup", -1))
    added = total - route_cost(problem, m, ctx.route.stops)
    if added != cost:
        log.warning("insertion of %r: cost %d recomputed, %d estimated", task.id, added, cost)
    return Insertion(m.id, pickup, positions.get("delivery"), added, route)


def route_cost(problem: Problem, postman: Postman, stops: Sequence[Stop]) -> int:
    """Cost of a route's stops in cost units: arc costs rounded arc by arc, plus the fixed cost when used."""
    idx = np.array([s.place_index for s in stops])
    return problem.arc_cost(postman, idx) + (postman.fixed_cost if any(s.task is not None for s in stops) else 0)
