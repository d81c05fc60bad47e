"""When the postman is expected at a citizen's door today (:func:`ops.visits.door_visit`), for the citizen's
tracking: from the day's newest plan, within the stop's hours, until the stop is settled."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import day, dayevents, visits
from ops.store import Store
from routing.problem import clock
from tests.ops import daycases
from tests.ops.daycases import DAY


def _at(hour: int, minute: int = 0, on=DAY) -> datetime:
    return datetime.combine(on, time(hour, minute), HANOI)


def _door_stop(answer: dict, code: str) -> dict:
    return next(s for r in answer["routes"] for s in r["stops"] if s["place"] == f"address:{code}")


def test_the_citizen_is_told_an_hour_around_the_planned_arrival(sqlite_store: Store, hanoi: AddressMap) -> None:
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    stop = _door_stop(answer, "HOME")
    visit = visits.door_visit(sqlite_store, "HOME", now=_at(7))
    assert visit is not None and (visit["kind"], visit["date"], visit["late"]) == ("delivery", DAY.isoformat(), False)
    arrival, start, end = clock(stop["arrival"]), clock(visit["from"]), clock(visit["to"])
    assert start <= arrival <= end and end - start <= 2 * visits.VISIT_MARGIN_S + 600
    assert start % 300 == end % 300 == 0  # said to five minutes
    # Past the window, the postman not yet there: said late.
    assert visits.door_visit(sqlite_store, "HOME", now=_at(21))["late"]
    # No plan that day, or not at anybody's door: nothing to say.
    assert visits.door_visit(sqlite_store, "HOME", now=_at(8, on=DAY + timedelta(days=1))) is None
    assert visits.door_visit(sqlite_store, "S-1", now=_at(8)) is None


def test_a_home_pickup_is_told_within_the_window_asked(sqlite_store: Store, hanoi: AddressMap) -> None:
    # PICKUP asked for 10:00-12:00: the hour around the planned arrival is cut to it.
    day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    visit = visits.door_visit(sqlite_store, "PICKUP", now=_at(9))
    assert visit is not None and visit["kind"] == "pickup"
    assert "10:00" <= visit["from"] < visit["to"] <= "12:00"


def test_a_settled_stop_is_no_visit(store: Store, hanoi: AddressMap) -> None:
    # On SQLite and on PostgreSQL (the plans' request read as JSON there).
    _, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    task = _door_stop(answer, "HOME")["task"]
    dayevents.record(store, DAY, task=task, event="picked_up", who=daycases.POSTMAN, at=_at(13))
    assert visits.door_visit(store, "HOME", now=_at(14)) is not None, "on his way: still to come"
    dayevents.record(store, DAY, task=task, event="failed", who=daycases.POSTMAN, reason_code="nobody_home", at=_at(14))
    assert visits.door_visit(store, "HOME", now=_at(15)) is None


def test_the_window_moves_with_a_postman_behind_his_plan(sqlite_store: Store, hanoi: AddressMap) -> None:
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    _, earlier = daycases.route_to(answer, "HOME")
    assert len(earlier) >= 2
    first = earlier[0]
    planned = visits.door_visit(sqlite_store, "HOME", now=_at(7))
    assert (planned["delay_min"], planned["stops_before"]) == (0, len(earlier))

    # Nothing recorded 25 minutes after the first stop's planned arrival: 25 minutes behind, the window as much later.
    now = datetime.combine(DAY, datetime.min.time(), HANOI) + timedelta(seconds=clock(first["arrival"]) + 25 * 60)
    behind = visits.door_visit(sqlite_store, "HOME", now=now)
    assert behind["delay_min"] == 25 and behind["stops_before"] == len(earlier)
    assert clock(behind["to"]) - clock(planned["to"]) == 25 * 60

    # The first stop settled 40 minutes after its planned departure: 40 behind, one stop fewer before the door.
    settled = datetime.combine(DAY, datetime.min.time(), HANOI) + timedelta(seconds=clock(first["departure"]) + 40 * 60)
    daycases.settle(sqlite_store, first, settled)
    later = visits.door_visit(sqlite_store, "HOME", now=settled)
    assert later["delay_min"] == 40 and later["stops_before"] == len(earlier) - 1
    assert clock(later["from"]) >= clock(planned["from"]) + 35 * 60  # moved, to five minutes
    # The dispatcher reads it beside the postman's route.
    (route,) = [
        r
        for r in dayevents.live(sqlite_store, DAY, now=settled.strftime("%H:%M"))["routes"]
        if any(s["task"] == first["task"] for s in r["stops"])
    ]
    assert route["behind_min"] == 40

    # Far behind, past the door's hours: the window planned, said late.
    evening = visits.door_visit(sqlite_store, "HOME", now=_at(19, 55))
    assert evening["late"] and (evening["from"], evening["to"]) == (planned["from"], planned["to"])


def test_a_stop_passed_by_unsettled_does_not_hold_the_window_back(sqlite_store: Store, hanoi: AddressMap) -> None:
    # He went on from the first stop without recording it and settled the second on time: on time.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    _, earlier = daycases.route_to(answer, "HOME")
    second = earlier[1]
    if second["kind"] == "delivery" and second["task"] == earlier[0]["task"]:
        second = earlier[2]  # the first stop's own delivery settles with it; the next one is passed by
    on_time = datetime.combine(DAY, datetime.min.time(), HANOI) + timedelta(seconds=clock(second["departure"]))
    daycases.settle(sqlite_store, second, on_time)
    visit = visits.door_visit(sqlite_store, "HOME", now=on_time)
    assert visit["delay_min"] == 0 and visit["stops_before"] == len(earlier) - 1


def test_a_postman_at_the_door_is_said_there_not_late(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Every stop before HOME's door settled on time, the first one after he came to it 12 minutes late (the citizen
    # waiting meanwhile is told so); he says he came to the door at 20:10, past its hours: there, not late.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    door, earlier = daycases.route_to(answer, "HOME")
    start = datetime.combine(DAY, datetime.min.time(), HANOI)
    for stop in earlier:
        if stop is earlier[0]:
            came = start + timedelta(seconds=clock(stop["arrival"]) + 12 * 60)
            dayevents.record(sqlite_store, DAY, task=stop["task"], event="arrived", who=daycases.POSTMAN, at=came)
            waiting = visits.door_visit(sqlite_store, "HOME", now=came + timedelta(minutes=3))
            assert waiting["delay_min"] == 15  # 12 late, rounded up to five minutes
        daycases.settle(sqlite_store, stop, start + timedelta(seconds=clock(stop["departure"])))
    evening = _at(20, 10)
    assert visits.door_visit(sqlite_store, "HOME", now=evening)["late"]
    dayevents.record(sqlite_store, DAY, task=door["task"], event="arrived", who=daycases.POSTMAN, at=evening)
    there = visits.door_visit(sqlite_store, "HOME", now=evening + timedelta(minutes=2))
    assert (there["arrived"], there["late"], there["stops_before"]) == ("20:10", False, 0)
    assert visits.on_the_way(there, evening) is None and visits.later(there, evening, told="10:00") is None
    daycases.settle(sqlite_store, door, evening + timedelta(minutes=6))
    assert visits.door_visit(sqlite_store, "HOME", now=evening + timedelta(minutes=7)) is None
