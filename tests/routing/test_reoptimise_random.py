"""Plans and re-plans of random small days (seeded): the independent checker accepts every one.

Each day draws one to three postmen with a shift from the morning, the afternoon or the whole day (some short
enough that the lunch break cannot be taken inside them, some ending as it does), capacities, and one to eight
tasks among the places of :mod:`routing_cases` with windows, loads and mandatory flags; the plan is re-optimised
at a random clock with an urgent home pickup, each postman where :func:`routing.solver.progress_at` puts him.
Written after such a search found re-plans the checker refused: a route with two ends (a postman back at his
depot restarted from his end stop), a dossier picked up whose delivery the search dropped counted as served, and
mandatory dossiers left undone beside a break that did not fit the shift.
"""

from __future__ import annotations

import random

import pytest
from routing_cases import COORDS, build

from routing import check, solver
from routing.errors import InfeasibleError, ProblemError
from routing.plan import Plan
from routing.problem import Break, Postman, Problem, Task, clock

STARTS = ["07:00", "07:30", "08:00", "12:30", "13:00"]
ENDS = ["11:30", "12:00", "12:15", "12:20", "13:30", "16:00", "17:30"]
PLACES = [p for p in COORDS if p != "D1"]


def random_day(rng: random.Random) -> Problem | None:
    """A random day, or None when it is impossible from the start (a mandatory task no shift can do)."""
    postmen = []
    for k in range(rng.randint(1, 3)):
        start, end = rng.choice(STARTS), rng.choice(ENDS)
        if clock(end) <= clock(start):
            end = "17:30"
        lunch = Break(duration=rng.choice([30, 45, 60]) * 60) if rng.random() < 0.8 else None
        shift = {"shift_start": clock(start), "shift_end": clock(end)}
        postmen.append(Postman(f"P{k}", "D1", capacity=rng.choice([3, 10]), lunch=lunch, **shift))
    tasks = []
    for j in range(rng.randint(1, 8)):
        pickup, delivery = rng.sample(PLACES, 2)
        start = rng.randint(8, 16) * 3600
        window = ((start, start + rng.choice([1800, 3600, 7200])),) if rng.random() < 0.3 else None
        kind = rng.choice(["shuttle", "home_pickup", "result_return"])
        tasks.append(
            Task(
                f"t{j}",
                kind,
                pickup,
                delivery,
                load=rng.randint(1, 3),
                pickup_windows=window,
                mandatory=rng.random() < 0.4,
                priority=rng.randint(1, 5),
            )
        )
    try:
        return build(tasks, postmen)
    except InfeasibleError:
        return None


def planned_day(seed: int) -> tuple[random.Random, Problem, Plan]:
    """The random day of ``seed`` (drawn again while impossible), its plan, and the generator to draw on with."""
    rng = random.Random(seed)
    day = random_day(rng)
    while day is None:
        day = random_day(rng)
    return rng, day, solver.solve(day, time_limit_s=0.2)


@pytest.mark.parametrize("seed", range(100))
def test_every_plan_and_re_plan_of_a_random_day_passes_the_checker(seed: int) -> None:
    rng, day, plan = planned_day(seed)
    assert check.check(day, plan).violations == ()
    when = rng.randint(8, 18) * 3600 + rng.choice([0, 900, 1800])
    pickup, delivery = rng.sample(PLACES, 2)
    urgent = Task("urgent", "home_pickup", pickup, delivery, priority=5)
    try:
        full, again = solver.reoptimise(
            day, plan, solver.progress_at(plan, when), new_tasks=[urgent], clock=when, time_limit_s=0.2
        )
    except ProblemError as refused:  # every shift over by then: nobody to take the urgent pickup
        assert "every postman's route is closed" in str(refused)
        return
    assert check.check(full, again).violations == ()
    assert [r.postman for r in again.routes] == [m.id for m in day.postmen]


@pytest.mark.parametrize("seed", [*range(100), 613])
def test_every_re_plan_with_a_postman_sent_home_passes_the_checker(seed: int) -> None:
    # One postman's shift ends at a random clock or up to four hours later (sent home, or kept on): he is back at
    # his depot by the new end. Seed 613 sent one home at 11:15 with his break still to take: the break held in the
    # shortened shift but not on the way home, and the plan brought him back at 13:55 for a 12:40 end.
    rng, day, plan = planned_day(seed)
    when = rng.randint(8, 17) * 3600 + rng.choice([0, 900, 1800])
    postman = rng.choice(day.postmen)
    end = when + rng.choice([0, 0, 1800, 3600, 4 * 3600])
    try:
        full, again = solver.reoptimise(
            day, plan, solver.progress_at(plan, when), clock=when, time_limit_s=0.2, shift_ends={postman.id: end}
        )
    except ProblemError as refused:  # his shift was over by then: his route is closed
        assert "is closed" in str(refused)
        return
    assert check.check(full, again).violations == ()
    ended = next(m for m in full.postmen if m.id == postman.id)
    assert ended.shift_end >= end and again.route(postman.id).stops[-1].arrival <= ended.shift_end
