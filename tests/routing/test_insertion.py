"""Cheapest insertion and the checker's rule: no dossier dropped that a postman could still take."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from routing_cases import build

from routing import check, insertion, solver
from routing.plan import Plan, Route, Stop, Unserved
from routing.problem import Break, Postman, Problem, Task, clock


def empty_plan(problem: Problem) -> Plan:
    """Every postman at his depot, nothing served, every task unserved."""
    routes = []
    for m in problem.postmen:
        t = m.shift_start
        a, b = problem.depots[m.start_depot].place, problem.depots[m.end].place
        back = t + int(problem.times[problem.index(a), problem.index(b)])
        stops = (Stop("start", a, problem.index(a), t, t, t, 0), Stop("end", b, problem.index(b), back, back, back, 0))
        routes.append(solver.route_from_stops(problem, m, stops, None))
    return Plan(tuple(routes), tuple(Unserved(t.id, "not planned") for t in problem.tasks))


def greedy(problem: Problem, tasks: list[Task]) -> Plan:
    """A plan made by inserting ``tasks`` one after another at their cheapest place."""
    plan = empty_plan(problem)
    for task in tasks:
        found = insertion.cheapest_insertion(problem, plan, task)
        if found is not None:
            plan = insertion.insert(plan, task, found)
    return plan


def solved_without(tasks: list[Task], extra: Task, postmen: list[Postman]) -> tuple[Problem, Plan]:
    """A plan for ``tasks`` solved by OR-Tools, then ``extra`` added to the problem as unserved."""
    plan = solver.solve(build(tasks, postmen), time_limit_s=0.3)
    problem = build([*tasks, extra], postmen)
    return problem, Plan(plan.routes, (Unserved(extra.id, "left out"),), plan.objective, plan.status)


def other_violations(problem: Problem, plan: Plan) -> list[str]:
    """The checker's violations except the rule under test."""
    return [v for v in check.check(problem, plan).violations if ": dropped, but" not in v]


def drop_violations(problem: Problem, plan: Plan) -> list[str]:
    """The rule's violations, the plan being otherwise valid."""
    assert other_violations(problem, plan) == []
    return [v for v in check.check(problem, plan).violations if ": dropped, but" in v]


ONE = [Postman("P1", "D1", capacity=10)]


def test_an_insertable_dropped_task_is_a_violation_naming_route_and_positions():
    a = Task("a", "shuttle", "A1", "W1", mandatory=True)
    b = Task("b", "shuttle", "A2", "W2")
    problem, plan = solved_without([a], b, ONE)
    [violation] = drop_violations(problem, plan)
    found = insertion.cheapest_insertion(problem, plan, b)
    assert found is not None and found.postman == "P1" and found.cost < b.penalty
    assert found.pickup >= 1 and found.delivery is not None and found.delivery > found.pickup
    assert "'b'" in violation and "'P1'" in violation
    assert f"stop {found.pickup}" in violation and f"stop {found.delivery}" in violation
    assert f"{found.cost} < its penalty {b.penalty}" in violation
    assert found.cost == found.route.cost - plan.route("P1").cost
    # The insertion is a real plan: the checker accepts it as it is.
    assert check.check(problem, insertion.insert(plan, b, found)).ok


def test_a_closed_route_takes_nothing():
    # A postman whose shift was over when the plan was re-optimised keeps his route as planned: a task his route
    # had room for is no violation, and nothing is inserted into it.
    a = Task("a", "shuttle", "A1", "W1", mandatory=True)
    b = Task("b", "shuttle", "A2", "W2")
    problem, plan = solved_without([a], b, ONE)
    closed = replace(plan, routes=tuple(replace(r, closed=True) for r in plan.routes))
    assert insertion.cheapest_insertion(problem, plan, b) is not None
    assert insertion.cheapest_insertion(problem, closed, b) is None
    assert drop_violations(problem, closed) == []
    assert insertion.explain_unserved(problem, closed, b).code == "no_route_fits"


def test_an_unused_postman_counts_with_his_fixed_cost():
    postmen = [Postman("P1", "D1", capacity=10, fixed_cost=50_000), Postman("P2", "D1", capacity=1, fixed_cost=1)]
    a = Task("a", "shuttle", "A1", "W1", load=1, mandatory=True)
    b = Task("b", "visit", "H2", None, load=1)
    plan = greedy(build([a, b], postmen), [a])
    problem = build([a, b], postmen)
    found = insertion.cheapest_insertion(problem, plan, b)
    assert found is not None
    used = plan.route("P2").used
    if not used:
        alone = insertion.route_cost(problem, postmen[1], found.route.stops) - plan.route("P2").cost
        assert found.postman == "P2" and found.cost == alone and alone >= 1


def test_a_task_blocked_by_a_window_is_not_a_violation():
    a = Task(
        "a",
        "shuttle",
        "A1",
        "W1",
        pickup_windows=((clock("09:00"), clock("09:05")),),
        delivery_windows=((clock("09:10"), clock("09:20")),),
        mandatory=True,
    )
    b = Task("b", "shuttle", "W2", "H2", pickup_windows=((clock("09:05"), clock("09:10")),))
    problem, plan = solved_without([a], b, ONE)
    assert problem.task_obstacle(b) is None
    assert insertion.cheapest_insertion(problem, plan, b) is None
    assert drop_violations(problem, plan) == []
    why = insertion.explain_unserved(problem, plan, b)
    assert why.text.startswith("no postman's route can take it") and (why.code, why.values) == ("no_route_fits", {})


@pytest.mark.parametrize(("capacity", "insertable"), [(5, False), (6, True)])
def test_capacity_with_the_loads_along_the_route(capacity, insertable):
    a = Task(
        "a",
        "result_return",
        "A1",
        "H2",
        load=5,
        pickup_windows=((clock("09:00"), clock("09:05")),),
        delivery_windows=((clock("12:00"), clock("12:05")),),
        mandatory=True,
    )
    b = Task("b", "home_pickup", "H1", "D1", load=1, pickup_windows=((clock("10:00"), clock("10:30")),))
    problem, plan = solved_without([a], b, [Postman("P1", "D1", capacity=capacity)])
    assert len(drop_violations(problem, plan)) == int(insertable)


@pytest.mark.parametrize(("shift_end", "insertable"), [("10:30", False), ("11:30", True)])
def test_shift_end(shift_end, insertable):
    a = Task("a", "result_return", "FAR", "H1", mandatory=True)
    b = Task("b", "result_return", "H2", "D1")
    postmen = [Postman("P1", "D1", capacity=10, shift_end=clock(shift_end))]
    problem, plan = solved_without([a], b, postmen)
    assert problem.task_obstacle(b) is None
    assert len(drop_violations(problem, plan)) == int(insertable)


@pytest.mark.parametrize(("hours", "insertable"), [(3, False), (4, True)])
def test_maximum_working_time(hours, insertable):
    a = Task("a", "result_return", "FAR", "H1", mandatory=True)
    b = Task("b", "result_return", "H2", "D1")
    problem, plan = solved_without([a], b, [Postman("P1", "D1", capacity=10, max_work=hours * 3600)])
    assert len(drop_violations(problem, plan)) == int(insertable)


def test_maximum_working_time_counts_from_a_late_departure():
    # Starting at 07:30 the day would last 5 hours; leaving late it lasts half an hour.
    a = Task("a", "result_return", "H1", "H2", pickup_windows=((clock("12:00"), clock("12:10")),), priority=5)
    b = Task("b", "result_return", "H2", "D1")
    problem, plan = solved_without([a], b, [Postman("P1", "D1", capacity=10, max_work=3600)])
    assert plan.route("P1").used
    assert len(drop_violations(problem, plan)) == 1
    found = insertion.cheapest_insertion(problem, plan, b)
    assert found is not None and found.route.stops[0].departure > clock("11:00")
    assert check.check(problem, insertion.insert(plan, b, found)).ok


@pytest.mark.parametrize(("minutes", "insertable"), [(45, False), (10, True)])
def test_a_task_that_would_push_the_break_out_of_its_window(minutes, insertable):
    a = Task(
        "a",
        "result_return",
        "H1",
        "H2",
        pickup_windows=((clock("11:30"), clock("11:35")),),
        delivery_windows=((clock("13:30"), clock("13:40")),),
        mandatory=True,
    )
    b = Task(
        "b",
        "result_return",
        "H1",
        "H2",
        pickup_windows=((clock("12:00"), clock("12:05")),),
        delivery_windows=((clock("12:50"), clock("12:52")),),
    )
    postmen = [Postman("P1", "D1", capacity=10, lunch=Break(duration=minutes * 60))]
    problem, plan = solved_without([a], b, postmen)
    assert plan.route("P1").break_start is not None
    assert len(drop_violations(problem, plan)) == int(insertable)
    found = insertion.cheapest_insertion(problem, plan, b)
    assert (found is not None) == insertable
    if found is not None:
        assert check.check(problem, insertion.insert(plan, b, found)).ok


def test_a_route_that_comes_to_need_a_break_gets_one():
    # The morning route ends before 11:30; the afternoon task makes the day cross the break window.
    a = Task("a", "shuttle", "A1", "W1", pickup_windows=((clock("08:00"), clock("08:30")),), mandatory=True)
    b = Task("b", "result_return", "H1", "H2", pickup_windows=((clock("12:30"), clock("13:00")),))
    problem = build([a, b], [Postman("P1", "D1", capacity=10, lunch=Break())])
    plan = greedy(problem, [a])
    assert plan.route("P1").used and plan.route("P1").break_start is None
    found = insertion.cheapest_insertion(problem, plan, b)
    assert found is not None and found.route.break_start is not None
    assert check.check(problem, insertion.insert(plan, b, found)).ok
    assert len(drop_violations(problem, plan)) == 1


def test_a_task_costing_more_than_its_penalty_is_not_a_violation():
    a = Task("a", "shuttle", "A1", "W1", mandatory=True)
    b = Task("b", "shuttle", "A2", "W2", drop_penalty=100)
    problem, plan = solved_without([a], b, ONE)
    found = insertion.cheapest_insertion(problem, plan, b)
    assert found is not None and found.cost > 100
    assert drop_violations(problem, plan) == []
    why = insertion.explain_unserved(problem, plan, b)
    assert why.text == f"dropped by the optimiser: cost {found.cost} > penalty 100"
    assert (why.code, why.values) == ("dropped_costly", {"cost": found.cost, "penalty": 100})


def test_reoptimised_plan_inserts_only_after_the_position_stop():
    a = Task("a", "shuttle", "A1", "W1", load=3, pickup_windows=((clock("10:00"), clock("10:30")),), mandatory=True)
    day = build([a], [Postman("P1", "D1", capacity=4)])
    plan = solver.solve(day, time_limit_s=0.3)
    route = plan.route("P1")
    k = next(i for i, s in enumerate(route.stops) if s.kind == "pickup")
    progress = {"P1": solver.Progress(route.stops[k].place, route.stops[k].departure, k + 1)}
    _, moved = solver.reoptimise(day, plan, progress, time_limit_s=0.3)
    early = Task("early", "home_pickup", "H1", "D1", pickup_windows=((clock("08:00"), clock("09:00")),))
    late = Task("late", "home_pickup", "H2", "D1", load=1, pickup_windows=((clock("14:00"), clock("15:00")),))
    heavy = Task("heavy", "home_pickup", "H2", "W1", load=2)
    problem = build([a, early, late, heavy], [Postman("P1", "D1", capacity=4)])
    position = next(i for i, s in enumerate(moved.route("P1").stops) if s.kind == "position")
    assert insertion.cheapest_insertion(problem, moved, early) is None
    found = insertion.cheapest_insertion(problem, moved, late)
    assert found is not None and found.pickup > position
    assert found.route.stops[: position + 1] == moved.route("P1").stops[: position + 1]
    plan_late = Plan(moved.routes, (Unserved("early", "x"), Unserved("heavy", "x")))
    assert other_violations(problem, insertion.insert(plan_late, late, found)) == []
    # The postman carries a's 3 units: 2 more fit only once a is delivered.
    found = insertion.cheapest_insertion(problem, moved, heavy)
    assert found is not None
    delivery_a = next(i for i, s in enumerate(found.route.stops) if s.task == "a" and s.kind == "delivery")
    assert found.pickup > delivery_a


# ------------------------------------------------------------------------------------ brute-force agreement
PLACES = ["D1", "A1", "A2", "W1", "W2", "H1", "H2"]


def random_problem(rng: np.random.Generator, *, lunch: bool, max_work: bool) -> Problem:
    tasks = []
    for k in range(6):
        pickup, delivery = rng.choice(PLACES, size=2, replace=False)
        windows = []
        for _ in range(int(rng.integers(0, 3))):
            start = int(rng.integers(clock("08:00"), clock("15:00")))
            windows.append((start, start + int(rng.integers(20, 180)) * 60))
        visit = rng.random() < 0.3
        tasks.append(
            Task(
                f"t{k}",
                "visit" if visit else "shuttle",
                str(pickup),
                None if visit else str(delivery),
                load=int(rng.integers(1, 4)),
                pickup_service=int(rng.integers(1, 20)) * 60,
                pickup_windows=tuple(sorted(windows)) or None,
            )
        )
    postmen = [
        Postman(
            f"P{k}",
            "D1",
            capacity=int(rng.integers(3, 7)),
            shift_end=int(rng.integers(clock("11:00"), clock("17:30"))),
            max_work=int(rng.integers(2, 6)) * 3600 if max_work else None,
            lunch=Break() if lunch else None,
            cost_per_km=float(rng.integers(1000, 5000)),
            fixed_cost=int(rng.integers(0, 3)) * 10_000,
        )
        for k in range(2)
    ]
    return build(tasks, postmen)


def earliest_route(problem: Problem, postman: Postman, keys: list[tuple[Task, str]]) -> Route:
    """The route through task stops in order at the earliest times from the start of the shift."""
    m = postman
    here = problem.depot_index(m.start_depot)
    t, load = m.shift_start, 0
    stops = [Stop("start", m.start_depot, here, t, t, t, 0)]
    for task, kind in keys:
        place = task.delivery if kind == "delivery" else task.pickup
        assert place is not None
        index = problem.index(place)
        arrival = t + int(problem.times[here, index])
        windows = problem.windows(task, "delivery" if kind == "delivery" else "pickup")
        start = next((max(arrival, a) for a, b in windows if arrival <= b), arrival)
        t = start + (task.delivery_service if kind == "delivery" else task.pickup_service)
        load += -task.load if kind == "delivery" else task.load
        stops.append(Stop(kind, place, index, arrival, start, t, load, task.id))  # type: ignore[arg-type]
        here = index
    end = problem.depot_index(m.end)
    back = t + int(problem.times[here, end])
    stops.append(Stop("end", m.end, end, back, back, back, load))
    return solver.route_from_stops(problem, m, stops, None)


def brute_force(problem: Problem, plan: Plan, task: Task) -> int | None:
    """Cheapest added cost over every position pair and postman accepted by the checker."""
    tasks = {t.id: t for t in problem.tasks}
    best = None
    for r, route in enumerate(plan.routes):
        m = problem.postmen[r]
        keys = [(tasks[s.task], s.kind) for s in route.stops if s.task is not None]
        n = len(keys)
        pairs = [(i, None) for i in range(n + 1)] if task.delivery is None else []
        if task.delivery is not None:
            pairs = [(i, j) for i in range(n + 1) for j in range(i, n + 1)]
        for i, j in pairs:
            seq = list(keys)
            if j is not None:
                seq.insert(j, (task, "delivery"))
            seq.insert(i, (task, "visit" if j is None else "pickup"))
            new = earliest_route(problem, m, seq)
            trial = Plan(
                tuple(new if x.postman == m.id else x for x in plan.routes),
                tuple(u for u in plan.unserved if u.task != task.id),
            )
            if other_violations(problem, trial):
                continue
            delta = new.cost - route.cost
            best = delta if best is None else min(best, delta)
    return best


@pytest.mark.parametrize("seed", range(12))
def test_agrees_with_brute_force_on_break_free_routes(seed):
    rng = np.random.default_rng(seed)
    problem = random_problem(rng, lunch=False, max_work=False)
    plan = greedy(problem, list(problem.tasks[:-2]))
    assert other_violations(problem, plan) == []
    for task in problem.tasks[-2:]:
        found = insertion.cheapest_insertion(problem, plan, task)
        assert (found.cost if found else None) == brute_force(problem, plan, task)
        if found is not None:
            assert other_violations(problem, insertion.insert(plan, task, found)) == []


@pytest.mark.parametrize("seed", range(12))
def test_never_claims_more_than_the_checker_accepts(seed):
    rng = np.random.default_rng(100 + seed)
    problem = random_problem(rng, lunch=True, max_work=True)
    plan = greedy(problem, list(problem.tasks))
    # Every plan the insertions build is valid, whatever the breaks and working times.
    assert other_violations(problem, plan) == []
    assert plan.vehicles >= 1


@pytest.mark.parametrize("seed", range(6))
def test_or_tools_accepts_the_routes_insertions_build(seed, caplog):
    rng = np.random.default_rng(200 + seed)
    problem = random_problem(rng, lunch=True, max_work=True)
    plan = greedy(problem, list(problem.tasks))
    routes = {r.postman: [(s.task, s.kind) for s in r.stops if s.task is not None] for r in plan.routes}
    with caplog.at_level("INFO", logger="routing.solver"):
        solver.solve(problem, time_limit_s=0.1, initial_routes=routes, explain=False)
    assert "no longer feasible" not in caplog.text


def test_explanations_of_several_tasks_at_once():
    a = Task("a", "shuttle", "A1", "W1", mandatory=True)
    cheap = Task("cheap", "shuttle", "A2", "W2")
    dear = Task("dear", "shuttle", "A2", "W2", drop_penalty=100)
    heavy = Task("heavy", "shuttle", "A2", "W2", load=50)
    problem = build([a, cheap, dear, heavy], ONE)
    plan = greedy(problem, [a])
    reasons = insertion.explanations(problem, plan, [cheap, dear, heavy])
    assert reasons["cheap"].text.startswith("not inserted by the search") and "'P1'" in reasons["cheap"].text
    assert reasons["cheap"].code == "not_inserted" and reasons["cheap"].values["postman"] == "P1"
    assert reasons["dear"].text.startswith("dropped by the optimiser")
    assert reasons["heavy"] == problem.task_obstacle(heavy)
    assert insertion.explain_unserved(problem, plan, dear) == reasons["dear"]
