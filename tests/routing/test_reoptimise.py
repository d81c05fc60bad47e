"""Re-optimisation of a plan in progress: done stops stay, new tasks get in, the checker still agrees."""

from __future__ import annotations

import pytest

from routing import check, solver
from routing.errors import ProblemError
from routing.problem import Task, clock


def test_done_stops_stay_and_new_task_is_served(day):
    plan = solver.solve(day, time_limit_s=1.0)
    assert check.check(day, plan).ok
    route = max(plan.routes, key=lambda r: len(r.stops))
    done = 3
    here = route.stops[done - 1]
    progress = {route.postman: solver.Progress(here.place, here.departure, done)}
    urgent = Task("urgent", "home_pickup", "H2", "A1", pickup_windows=((clock("12:00"), clock("16:00")),), priority=5)
    problem, new = solver.reoptimise(day, plan, progress, new_tasks=[urgent], time_limit_s=1.0)
    result = check.check(problem, new)
    assert result.violations == ()
    assert new.route(route.postman).stops[:done] == route.stops[:done]
    position = new.route(route.postman).stops[done]
    assert (position.kind, position.place, position.start) == ("position", here.place, here.departure)
    assert "urgent" in result.served
    assert new.unserved == ()


def test_a_task_carried_is_delivered_by_the_same_postman(day):
    plan = solver.solve(day, time_limit_s=1.0)
    route = next(r for r in plan.routes if r.used)
    k = next(i for i, s in enumerate(route.stops) if s.kind == "pickup")
    carried = route.stops[k].task
    progress = {route.postman: solver.Progress(route.stops[k].place, route.stops[k].departure, k + 1)}
    problem, new = solver.reoptimise(day, plan, progress, time_limit_s=0.5, keep_assignment=True)
    assert check.check(problem, new).violations == ()
    rest = new.route(route.postman).stops[k + 1 :]
    assert any(s.task == carried and s.kind == "delivery" for s in rest)
    for other in new.routes:
        if other.postman != route.postman:
            assert all(s.task != carried for s in other.stops)


def test_break_already_taken_is_kept():
    from routing_cases import build

    from routing.problem import Break, Postman

    postmen = [Postman("P1", "D1", capacity=10, lunch=Break(duration=30 * 60))]
    tasks = [
        Task("am", "shuttle", "A1", "W1", pickup_windows=((clock("11:00"), clock("11:15")),), mandatory=True),
        Task("pm", "shuttle", "A2", "W2", pickup_windows=((clock("14:00"), clock("15:00")),), mandatory=True),
    ]
    problem = build(tasks, postmen)
    plan = solver.solve(problem, time_limit_s=0.5)
    route = plan.route("P1")
    assert route.break_end is not None
    done = next(i for i, s in enumerate(route.stops) if s.start > route.break_end)
    here = route.stops[done - 1]
    clock_now = max(here.departure, route.break_end)
    progress = {"P1": solver.Progress(here.place, clock_now, done)}
    late = Task("late", "home_pickup", "H1", "A1", pickup_windows=((clock("15:00"), clock("16:00")),))
    full, new = solver.reoptimise(problem, plan, progress, new_tasks=[late], time_limit_s=0.5)
    assert check.check(full, new).violations == ()
    kept = new.route("P1")
    assert (kept.break_start, kept.break_end) == (route.break_start, route.break_end)
    assert kept.stops[:done] == route.stops[:done]
    assert new.unserved == ()


def test_plan_with_numpy_indices_serialises(day):
    import json

    import numpy as np

    from routing.problem import Place, Problem

    places = [Place(p.id, np.int64(p.index), p.windows) for p in day.places.values()]
    problem = Problem.build(day.times, day.distances, places, day.depots.values(), day.postmen, day.tasks)
    plan = solver.solve(problem, time_limit_s=0.3)
    assert json.loads(json.dumps(plan.to_dict()))["totals"]["distance_m"] == plan.distance


def test_a_postman_restarted_after_his_shift_is_refused_in_words(day):
    # Restarted after his shift's end, his day had an empty time window: OR-Tools failed ("CP Solver fail").
    plan = solver.solve(day, time_limit_s=0.5)
    route = next(r for r in plan.routes if r.used)
    postman = next(m for m in day.postmen if m.id == route.postman)
    k = day.postmen.index(postman)
    late = postman.shift_end + 30 * 60
    progress = {route.postman: solver.Progress(route.stops[0].place, late, 1)}
    with pytest.raises(ProblemError, match=rf"postmen\[{k}\]: the shift of postman '{postman.id}' ends at"):
        solver.reoptimise(day, plan, progress, time_limit_s=0.5)
