"""Balanced days (:mod:`routing.balance`): the last postman back as early as possible, serving as much."""

from __future__ import annotations

import time

import pytest
from routing_cases import build

from routing import balance, check, solver
from routing.plan import Plan
from routing.problem import Break, Postman, Problem, Task, clock, hhmm

LUNCH = Break(45 * 60, clock("11:30"), clock("13:30"))


def _crowded_day(postmen: int = 3) -> Problem:
    """Ten shuttles of ten-minute stops from the two agencies to the two ward offices: cheapest done by one
    postman after the other, who is back in the afternoon."""
    tasks = [
        Task(f"s{k}", "shuttle", f"A{k % 2 + 1}", f"W{k // 5 + 1}", pickup_service=600, delivery_service=600)
        for k in range(10)
    ]
    return build(tasks, [Postman(f"P{k}", "D1", capacity=10) for k in range(1, postmen + 1)])


def _back(plan: Plan) -> int:
    return max(r.stops[-1].arrival for r in plan.routes if r.used)


def _longest(plan: Plan) -> int:
    return max(r.stops[-1].arrival - r.stops[0].departure for r in plan.routes if r.used)


def test_the_balanced_day_ends_earlier_and_serves_as_much():
    day = _crowded_day()
    cheapest = solver.solve(day, time_limit_s=1.0)
    plan = balance.solve(day, time_limit_s=3.0)
    assert check.check(day, plan).ok
    assert not cheapest.unserved and not plan.unserved
    assert sum(r.used for r in cheapest.routes) == 1
    assert sum(r.used for r in plan.routes) >= 2
    assert _back(plan) <= _back(cheapest) - 3600
    assert plan.cost >= cheapest.cost  # the price of coming back earlier
    said = plan.meta["balance"]
    assert said["back"] == hhmm(_back(plan)) and said["longest_s"] == _longest(plan)
    assert clock(said["cheapest_back"]) >= clock(said["back"]) + 3600
    assert said["cheapest_longest_s"] >= said["longest_s"] + 3600
    assert said["cheapest_cost"] <= plan.cost == said["cost"] and said["steps"] >= 2


def test_a_task_of_the_afternoon_sets_the_end_and_the_day_is_still_shared():
    # The last return cannot be before 15:00: the longest working day, not the end, spreads the morning's work.
    late = Task("late", "shuttle", "A1", "W2", pickup_windows=((clock("15:00"), clock("15:30")),))
    day = build([*_crowded_day().tasks, late], list(_crowded_day().postmen))
    cheapest = solver.solve(day, time_limit_s=1.0)
    plan = balance.solve(day, time_limit_s=4.0)
    assert check.check(day, plan).ok
    assert not plan.unserved
    assert _back(plan) >= clock("15:00")
    assert sum(r.used for r in plan.routes) >= 2
    assert _longest(plan) <= _longest(cheapest) - 3600


def test_nothing_to_do_is_the_cheapest_plan():
    day = build([], [Postman("P1", "D1", capacity=10)])
    plan = balance.solve(day, time_limit_s=1.0)
    assert not any(r.used for r in plan.routes)
    assert plan.meta["balance"]["steps"] == 0


@pytest.mark.parametrize(
    ("end", "shift_end", "lunch"),
    [
        ("10:00", "10:00", None),  # back before the break is due
        ("12:00", "11:30", None),  # the break no longer fits: back before it can begin
        ("12:15", "12:15", LUNCH),  # it fits whole, 11:30-12:15
        ("19:00", "17:30", LUNCH),  # his own shift ends first
    ],
)
def test_capped_shifts_keep_the_lunch_break_whole_or_end_before_it(end, shift_end, lunch):
    day = build([], [Postman("P1", "D1", capacity=10, lunch=LUNCH)])
    (postman,) = balance.capped(day, clock(end)).postmen
    assert hhmm(postman.shift_end) == shift_end
    assert postman.lunch == lunch


def test_capped_days_are_no_longer_than_asked_nor_than_the_postman_s_own():
    day = build([], [Postman("P1", "D1", capacity=10), Postman("P2", "D1", capacity=10, max_work=2 * 3600)])
    free, short = balance.capped(day, clock("17:00"), 3 * 3600).postmen
    assert (free.max_work, short.max_work) == (3 * 3600, 2 * 3600)
    assert [m.max_work for m in balance.capped(day, clock("17:00")).postmen] == [None, 2 * 3600]


def test_the_time_limit_is_kept_on_the_wall_clock():
    day = _crowded_day(postmen=4)
    started = time.perf_counter()
    plan = balance.solve(day, time_limit_s=1.5)
    took = time.perf_counter() - started
    assert took <= 1.5 * 1.1 + 0.3
    assert check.check(day, plan).ok
