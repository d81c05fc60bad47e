"""A place's setup time: paid once on coming to a place, not again by the stops made there in a row."""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
from routing_cases import build

from routing import check, insertion, solver
from routing.errors import InfeasibleError, ProblemError
from routing.plan import Route
from routing.problem import ALL_DAY, Depot, Place, Postman, Problem, Task, clock

SETUP = 600
"""Ten minutes at ward office W1: large beside the drives of the hand-made plane (3 to 6 minutes)."""

ONE = [Postman("P1", "D1", capacity=20)]


def shuttles(n: int) -> list[Task]:
    """``n`` dossiers from the two agencies to ward office W1, one minute each at the counter."""
    return [
        Task(f"s{k}", "shuttle", "A1" if k % 2 else "A2", "W1", pickup_service=60, delivery_service=60, mandatory=True)
        for k in range(n)
    ]


def comings(route: Route, place: str) -> int:
    """How many times the route comes to ``place`` (stops there in a row count once)."""
    at = [s.place == place for s in route.stops]
    return sum(here and not before for before, here in zip([False, *at[:-1]], at, strict=True))


def test_arcs_add_the_setup_of_the_place_come_to():
    problem = build([], ONE, {"W1": SETUP})
    a1, w1 = problem.index("A1"), problem.index("W1")
    assert problem.arcs[a1, w1] == problem.times[a1, w1] + SETUP
    assert problem.arcs[w1, a1] == problem.times[w1, a1]
    assert problem.arcs[w1, w1] == 0


def test_no_setup_between_two_places_at_one_point():
    # The postman's depot and the counter of the same post office: two rows of the matrices, no distance apart.
    times = np.array([[0, 0, 300], [0, 0, 300], [300, 300, 0]])
    places = [Place("D", 0, ALL_DAY), Place("A", 1, ALL_DAY, 180), Place("W", 2, ALL_DAY, SETUP)]
    problem = Problem.build(times, times, places, [Depot("D", "D")], [Postman("P1", "D", 5)], [])
    assert problem.arcs[0, 1] == 0
    assert problem.arcs[1, 2] == 300 + SETUP
    assert problem.arcs[2, 1] == 300 + 180


def test_a_negative_setup_is_refused():
    with pytest.raises(ProblemError, match="place 'W1': negative setup time -5 s"):
        build([], ONE, {"W1": -5})


@pytest.mark.parametrize("warm_start", [True, False])
def test_dossiers_for_one_office_are_handed_over_in_one_visit(warm_start):
    problem = build(shuttles(8), ONE, {"W1": SETUP})
    plan = solver.solve(problem, time_limit_s=1.0, warm_start=warm_start)
    assert check.check(problem, plan).violations == ()
    assert plan.unserved == ()
    route = plan.route("P1")
    assert comings(route, "W1") == 1
    at_w1 = [s for s in route.stops if s.place == "W1"]
    before = route.stops[route.stops.index(at_w1[0]) - 1]
    w1 = problem.index("W1")
    assert at_w1[0].arrival == before.departure + problem.times[before.place_index, w1] + SETUP
    # The next dossiers are handed over at the counter at once: one minute each, no new setup.
    assert [b.arrival - a.departure for a, b in pairwise(at_w1)] == [0] * 7
    assert at_w1[-1].departure - at_w1[0].arrival == 8 * 60


def test_the_checker_asks_for_the_setup():
    tasks = shuttles(2)
    plan = solver.solve(build(tasks, ONE), time_limit_s=0.5)
    violations = check.check(build(tasks, ONE, {"W1": SETUP}), plan).violations
    assert any("at 'W1'): arrives" in v for v in violations), violations


def test_an_insertion_joins_a_visit_already_made():
    problem = build(shuttles(4), ONE, {"W1": SETUP})
    plan = solver.solve(problem, time_limit_s=0.5)
    extra = Task("x", "shuttle", "A1", "W1", pickup_service=60, delivery_service=60)
    found = insertion.cheapest_insertion(build([*shuttles(4), extra], ONE, {"W1": SETUP}), plan, extra)
    assert found is not None
    assert comings(found.route, "W1") == 1
    # The added cost is that of the extra minute at the counters, not of another ten minutes' setup.
    assert found.cost < SETUP * ONE[0].cost_per_hour / 3600


def test_a_setup_can_make_a_window_unreachable():
    # The household's setup (finding the house in the alley) makes the postman late for the pickup window.
    window = ((clock("07:00"), clock("07:40")),)
    task = Task("h", "home_pickup", "H1", "A1", pickup_windows=window, mandatory=True)
    assert build([task], ONE).task_obstacle(task) is None
    with pytest.raises(InfeasibleError) as caught:
        build([task], ONE, {"H1": SETUP})
    assert caught.value.reasons["h"].code == "pickup_unreachable"
