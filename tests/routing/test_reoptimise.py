"""Re-optimisation of a plan in progress: done stops stay, new tasks get in, the checker still agrees."""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing import check, solver
from routing.errors import ProblemError
from routing.plan import Plan, Route
from routing.problem import Problem, Task, clock


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


def test_a_postman_whose_shift_is_over_keeps_his_route_as_planned(day):
    # Restarted after his shift's end, his day had an empty time window: OR-Tools failed ("CP Solver fail"), and
    # the re-plan was then refused. His route now stays as it was planned, closed, and the others take the rest.
    plan = solver.solve(day, time_limit_s=0.5)
    route = next(r for r in plan.routes if r.used)
    postman = next(m for m in day.postmen if m.id == route.postman)
    late = postman.shift_end + 30 * 60
    progress = {route.postman: solver.Progress(route.stops[1].place, late, 2)}
    urgent = Task("urgent", "home_pickup", "H2", "A1", priority=5)
    full, new = solver.reoptimise(day, plan, progress, new_tasks=[urgent], time_limit_s=0.5)
    kept = new.route(route.postman)
    assert kept.closed and kept.stops == route.stops
    assert check.check(full, new).violations == ()
    assert [r.postman for r in new.routes] == [m.id for m in day.postmen]
    assert "urgent" in {s.task for r in new.routes if not r.closed for s in r.stops}


def test_a_postman_who_cannot_be_back_within_his_shift_is_closed(day):
    # Free before his shift ends but farther from the depot than the time left: he is on his way home.
    plan = solver.solve(day, time_limit_s=0.5)
    route = next(r for r in plan.routes if r.used)
    postman = next(m for m in day.postmen if m.id == route.postman)
    home = day.index(day.depots[postman.end].place)
    far = max(day.places, key=lambda p: day.arcs[day.index(p), home])
    drive = int(day.arcs[day.index(far), home])
    progress = {route.postman: solver.Progress(far, postman.shift_end - drive + 60, 2)}
    _, new = solver.reoptimise(day, plan, progress, time_limit_s=0.5)
    assert new.route(route.postman).closed
    on_time = {route.postman: solver.Progress(far, postman.shift_end - drive - 60, 2)}
    _, open_ = solver.reoptimise(day, plan, on_time, time_limit_s=0.5)
    assert not open_.route(route.postman).closed


def test_a_postman_back_at_his_depot_goes_out_again(day):
    # At a clock after his return every stop of his route is done, the end too: he restarted from it and the new
    # route had two ends (the checker: "misplaced end").
    plan = solver.solve(day, time_limit_s=0.5)
    route = next(r for r in plan.routes if r.used)
    back = route.stops[-1].arrival + 1800
    progress = {route.postman: solver.Progress(route.stops[-1].place, back, len(route.stops))}
    urgent = Task("urgent", "home_pickup", "H2", "A1", priority=5)
    full, new = solver.reoptimise(day, plan, progress, new_tasks=[urgent], clock=back, time_limit_s=0.5)
    assert check.check(full, new).violations == ()
    again = new.route(route.postman)
    assert [s.kind for s in again.stops].count("end") == 1 and again.stops[: len(route.stops) - 1] == route.stops[:-1]


@pytest.mark.parametrize("mandatory", [False, True])
def test_a_dossier_picked_up_that_can_no_longer_be_delivered_is_carried_back(mandatory):
    # Its delivery dropped by the search, the task still counted as served (its pickup was among the stops done):
    # the checker refused the plan, and the day said the dossier was delivered. It is carried back, said why.
    from routing_cases import build

    from routing.problem import Postman

    window = ((clock("08:00"), clock("09:00")),)
    task = Task("late", "shuttle", "A1", "W1", delivery_windows=window, mandatory=mandatory)
    problem = build([task], [Postman("P1", "D1", capacity=10)])
    plan = solver.solve(problem, time_limit_s=0.5)
    route = plan.route("P1")
    k = next(i for i, s in enumerate(route.stops) if s.kind == "pickup")
    progress = {"P1": solver.Progress(route.stops[k].place, clock("09:30"), k + 1)}
    full, new = solver.reoptimise(problem, plan, progress, time_limit_s=0.5)
    result = check.check(full, new)
    assert result.violations == ()
    (back,) = new.unserved
    assert (back.task, back.code, back.values) == ("late", "carried_back", {"postman": "P1"})
    assert [s.kind for s in new.route("P1").stops if s.task == "late"] == ["pickup"]
    assert result.shortfalls == (
        ("task 'late': mandatory but not served: picked up before the re-plan, no route can still deliver it",)
        if mandatory
        else ()
    )


def test_nothing_can_be_added_once_every_route_is_closed(day):
    plan = solver.solve(day, time_limit_s=0.5)
    evening = max(m.shift_end for m in day.postmen) + 60
    urgent = Task("urgent", "home_pickup", "H2", "A1")
    with pytest.raises(ProblemError, match="every postman's route is closed"):
        solver.reoptimise(day, plan, {}, new_tasks=[urgent], clock=evening, time_limit_s=0.5)
    _, same = solver.reoptimise(day, plan, {}, clock=evening, time_limit_s=0.5)
    assert all(r.closed for r in same.routes) and [r.stops for r in same.routes] == [r.stops for r in plan.routes]


def test_postmen_not_started_leave_no_earlier_than_the_clock(day):
    # Left out of the progress, a postman has not started: at 13:00 he is at his depot from 13:00, and nothing is
    # planned before (neither by the search nor by the insertions after it, which read the plan's position stops).
    plan = solver.solve(day, time_limit_s=0.5)
    one = clock("13:00")
    urgent = Task("urgent", "home_pickup", "H2", "A1")
    full, new = solver.reoptimise(day, plan, {}, new_tasks=[urgent], clock=one, time_limit_s=0.5)
    assert check.check(full, new).violations == ()
    assert all(s.start >= one for r in new.routes for s in r.stops if s.task is not None)
    assert [(r.stops[1].kind, r.stops[1].start) for r in new.routes] == [("position", one)] * len(new.routes)
    assert "urgent" in {s.task for r in new.routes for s in r.stops}


def _sent_home_after_his_first_pickup(day) -> tuple[Route, int, Problem, Plan]:
    """The day planned, then re-planned with the postman of its longest route sent home as he leaves his first
    pickup: that route, the pickup's position in it, the problem re-planned and the new plan."""
    plan = solver.solve(day, time_limit_s=0.5)
    route = max(plan.routes, key=lambda r: len(r.stops))
    k = next(i for i, s in enumerate(route.stops) if s.kind == "pickup")
    here = route.stops[k]
    progress = {route.postman: solver.Progress(here.place, here.departure, k + 1)}
    ends = {route.postman: here.departure}
    full, new = solver.reoptimise(day, plan, progress, clock=here.departure, time_limit_s=0.5, shift_ends=ends)
    return route, k, full, new


def test_a_postman_sent_home_goes_back_and_the_others_take_his_stops(day):
    # Taken ill after his first pickup: he goes straight back to the post office with what he carries, and the
    # other postman takes every stop he no longer makes.
    route, k, full, new = _sent_home_after_his_first_pickup(day)
    here = route.stops[k]
    result = check.check(full, new)
    assert result.violations == () and result.shortfalls == ()
    home = new.route(route.postman)
    assert home.stops[: k + 1] == route.stops[: k + 1]
    assert [s.kind for s in home.stops[k + 1 :]] == ["position", "end"]
    drive = int(day.arcs[day.index(here.place), day.index(day.depots["D1"].place)])
    assert {m.id: m.shift_end for m in full.postmen}[route.postman] == home.stops[-1].arrival == here.departure + drive
    (back,) = new.unserved
    assert (back.task, back.code) == (here.task, "carried_back")
    other = next(r for r in new.routes if r.postman != route.postman)
    assert {s.task for s in other.stops if s.task} == {t.id for t in day.tasks} - {here.task}
    assert all(s.start >= here.departure for s in other.stops if s.task)


def test_what_he_carried_back_stays_listed_once_his_route_is_closed(day):
    # Re-planned again after the end of his shortened shift, his route is closed; the task he had carried back was
    # then neither served nor listed unserved, and the checker refused the plan.
    route, k, full, sent = _sent_home_after_his_first_pickup(day)
    here = route.stops[k]
    later = sent.route(route.postman).stops[-1].arrival + 1800
    urgent = Task("urgent", "home_pickup", "H2", "A1", priority=5)
    progress = {route.postman: solver.Progress(here.place, later, k + 1)}
    again, new = solver.reoptimise(full, sent, progress, new_tasks=[urgent], clock=later, time_limit_s=0.5)
    assert new.route(route.postman).closed
    assert check.check(again, new).violations == ()
    assert [(u.task, u.code) for u in new.unserved] == [(here.task, "carried_back")]


def test_a_postman_called_in_takes_stops_from_the_clock(day):
    # Both postmen off sick before their rounds, a substitute is called in at 11:00: a postman of the problem
    # without a route in the plan leaves his depot then and takes what the search gives him.
    plan = solver.solve(day, time_limit_s=0.5)
    eleven = clock("11:00")
    substitute = replace(day.postmen[0], id="P9")
    joined = Problem.build(
        day.times, day.distances, day.places.values(), day.depots.values(), [*day.postmen, substitute], day.tasks
    )
    ends = {m.id: eleven for m in day.postmen}
    full, new = solver.reoptimise(joined, plan, {}, clock=eleven, time_limit_s=0.5, shift_ends=ends)
    assert check.check(full, new).violations == ()
    assert [r.postman for r in new.routes] == [m.id for m in joined.postmen]
    came = new.route("P9")
    taken = {s.task for s in came.stops if s.task}
    assert taken and taken == {t.id for t in day.tasks} - {u.task for u in new.unserved}
    assert [s.kind for s in came.stops[:2]] == ["start", "position"]
    assert all(s.start >= eleven for s in came.stops[1:])


def test_a_postman_kept_late_takes_what_his_shift_could_not():
    from routing_cases import build

    from routing.problem import Postman

    evening = Task("evening", "shuttle", "A1", "W1", pickup_windows=((clock("16:00"), clock("17:00")),))
    problem = build([evening], [Postman("P1", "D1", capacity=10, shift_end=clock("12:00"))])
    plan = solver.solve(problem, time_limit_s=0.5)
    assert [u.task for u in plan.unserved] == ["evening"]
    full, late = solver.reoptimise(
        problem, plan, {}, clock=clock("11:00"), time_limit_s=0.5, shift_ends={"P1": clock("18:00")}
    )
    assert check.check(full, late).violations == () and late.unserved == ()
    assert full.postmen[0].shift_end == clock("18:00")


def test_a_postman_off_before_his_shift_does_nothing(day):
    plan = solver.solve(day, time_limit_s=0.5)
    off = day.postmen[0].id
    full, new = solver.reoptimise(day, plan, {}, time_limit_s=0.5, shift_ends={off: clock("06:00")})
    assert check.check(full, new).violations == ()
    assert not new.route(off).used and full.postmen[0].shift_end == full.postmen[0].shift_start
    assert {u.task for u in new.unserved} <= {u.task for u in plan.unserved}


def test_a_shift_end_for_a_closed_route_or_a_stranger_is_refused(day):
    plan = solver.solve(day, time_limit_s=0.5)
    with pytest.raises(ProblemError, match="no postman 'P9' in the plan"):
        solver.reoptimise(day, plan, {}, time_limit_s=0.5, shift_ends={"P9": clock("12:00")})
    evening = max(m.shift_end for m in day.postmen) + 60
    _, closed = solver.reoptimise(day, plan, {}, clock=evening, time_limit_s=0.5)
    with pytest.raises(ProblemError, match="the route of postman 'P1' is closed"):
        solver.reoptimise(day, closed, {}, clock=evening, time_limit_s=0.5, shift_ends={"P1": clock("20:00")})


def test_an_afternoon_postman_sent_home_in_the_morning_does_not_come():
    # Called in sick at 11:00 with his shift from 12:30: he was kept "at his post office" until the plan had him
    # leave (13:50, for a 14:00 window), and his shift shown as ending then.
    from routing_cases import build

    from routing.problem import Postman

    task = Task("afternoon", "shuttle", "A1", "W1", pickup_windows=((clock("14:00"), clock("15:00")),))
    postmen = [
        Postman("P1", "D1", capacity=10, shift_end=clock("12:00")),
        Postman("P2", "D1", capacity=10, shift_start=clock("12:30")),
    ]
    problem = build([task], postmen)
    plan = solver.solve(problem, time_limit_s=0.5)
    assert plan.route("P2").stops[0].departure > clock("13:00")
    at_depot = {"P2": solver.Progress(problem.depots["D1"].place, clock("11:00"), 1)}
    full, new = solver.reoptimise(problem, plan, at_depot, time_limit_s=0.5, shift_ends={"P2": clock("11:00")})
    assert check.check(full, new).violations == ()
    assert full.postmen[1].shift_end == full.postmen[1].shift_start == clock("12:30")
    assert not new.route("P2").used and [u.task for u in new.unserved] == ["afternoon"]
