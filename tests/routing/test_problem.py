"""Validation of dispatch problems: one precise message per problem, all collected."""

from __future__ import annotations

import numpy as np
import pytest
from routing_cases import build, matrices, places

from routing.errors import InfeasibleError, ProblemError
from routing.problem import Break, Depot, Postman, Problem, Task, clock, hhmm, intersect


def test_unknown_place_and_bad_window_are_collected():
    tasks = [
        Task("t1", "shuttle", "A1", "NOWHERE"),
        Task("t2", "shuttle", "A1", "W1", pickup_windows=((clock("10:00"), clock("09:00")),)),
    ]
    with pytest.raises(ProblemError) as err:
        build(tasks)
    lines = str(err.value).splitlines()
    assert "task 't1': unknown delivery place 'NOWHERE'" in lines
    assert "task 't2' pickup: window 10:00-09:00 ends before it starts" in lines


def test_unknown_depot_and_shift_backwards():
    times, dist, _ = matrices()
    postmen = [Postman("P1", "D9", capacity=5, shift_start=clock("17:00"), shift_end=clock("08:00"))]
    with pytest.raises(ProblemError) as err:
        Problem.build(times, dist, places(), [Depot("D1", "D1")], postmen, [])
    message = str(err.value)
    assert "postman 'P1': unknown depot 'D9'" in message
    assert "postman 'P1': shift 17:00-08:00 ends before it starts" in message


def test_a_break_longer_than_its_window_is_refused_and_one_the_shift_cannot_hold_left_out():
    # The second is a morning shift (no lunch to take); the first is a mistake, said, not left out with it.
    long = Postman("P1", "D1", capacity=5, lunch=Break(duration=180 * 60))
    with pytest.raises(ProblemError, match="postman 'P1': a 180-minute break does not fit in 11:30-13:30"):
        build([], [long])
    morning = Postman("P1", "D1", capacity=5, shift_end=clock("12:00"), lunch=Break())
    afternoon = Postman("P2", "D1", capacity=5, shift_start=clock("12:00"), lunch=Break())
    assert [m.lunch for m in build([], [morning, afternoon]).postmen] == [None, Break()]


def test_load_above_every_capacity():
    with pytest.raises(InfeasibleError, match=r"task 'big': load 30 exceeds every postman's capacity \(largest 10\)"):
        build([Task("big", "shuttle", "A1", "W1", load=30, mandatory=True)])


def test_unreachable_pickup_window_gives_the_numbers():
    # FAR is 28.3 km away: 5091 s at 20 km/h, so leaving at 07:30 the postman is there at 08:55.
    task = Task("far", "home_pickup", "FAR", "A1", pickup_windows=((clock("08:00"), clock("08:10")),), mandatory=True)
    with pytest.raises(InfeasibleError) as err:
        build([task])
    times, _, names = matrices()
    arrival = clock("07:30") + int(times[names.index("D1"), names.index("FAR")])
    assert str(err.value) == (
        f"task 'far': pickup window 08:00-08:10 at place 'FAR' cannot be reached by any postman "
        f"(earliest arrival {hhmm(arrival)} from depot 'D1')"
    )


def test_optional_infeasible_task_is_a_warning_not_an_error():
    problem = build([Task("big", "shuttle", "A1", "W1", load=30)])
    assert problem.warnings == ("task 'big': load 30 exceeds every postman's capacity (largest 10)",)


def test_bad_matrix():
    with pytest.raises(ProblemError, match="square"):
        Problem.build(np.zeros((2, 3)), None, [], [], [], [])


def test_windows_intersect_opening_hours(day):
    task = Task("x", "shuttle", "A1", "W1", pickup_windows=((clock("11:00"), clock("14:00")),))
    assert intersect(day.places["A1"].windows, task.pickup_windows) == (
        (clock("11:00"), clock("11:30")),
        (clock("13:30"), clock("14:00")),
    )


def test_from_records_with_clock_strings():
    times, dist, names = matrices()
    problem = Problem.from_records(
        times,
        dist,
        places=[{"id": n, "index": k} for k, n in enumerate(names) if n != "H1"]
        + [{"id": "H1", "index": names.index("H1"), "windows": ["00:00-23:59"]}],
        depots=[{"id": "D1", "place": "D1"}],
        postmen=[{"id": "P1", "start_depot": "D1", "capacity": 5, "shift_start": "07:00", "lunch": {"duration": 1800}}],
        tasks=[{"id": "h", "kind": "home_pickup", "pickup": "H1", "delivery": "A1", "pickup_windows": ["09:00-09:30"]}],
    )
    assert problem.tasks[0].pickup_windows == ((clock("09:00"), clock("09:30")),)
    assert problem.postmen[0].shift_start == clock("07:00")
    assert problem.postmen[0].lunch.duration == 1800
    assert problem.places["A1"].windows == ((clock("08:00"), clock("11:30")), (clock("13:30"), clock("17:00")))


def test_from_records_bad_key():
    times, dist, _ = matrices()
    with pytest.raises(ProblemError, match="bad record"):
        Problem.from_records(
            times, dist, places=[{"id": "D1", "index": 0, "colour": "red"}], depots=[], postmen=[], tasks=[]
        )


def test_rebuilt_keeps_the_map_and_checks_the_new_records():
    day = build([Task("s", "shuttle", "A1", "W1", mandatory=True)])
    late = day.rebuilt(postmen=[Postman("P9", "D1", capacity=10, shift_start=clock("13:00"))])
    assert late.times is day.times and late.places == day.places and late.tasks == day.tasks
    assert [m.id for m in late.postmen] == ["P9"]
    # A mandatory task no postman can do any more is refused, unless promised (kept, with a warning).
    short = [Postman("P1", "D1", capacity=10, shift_end=clock("07:40"))]
    with pytest.raises(InfeasibleError, match="task 's'"):
        day.rebuilt(postmen=short)
    assert day.rebuilt(postmen=short, promised={"s"}).warnings
