"""When the postman is expected at a citizen's door today (:func:`ops.visits.door_visit`), for the citizen's
tracking: from the day's newest plan, within the stop's hours, until the stop is settled."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import day, dayevents, visits
from ops.accounts import Principal
from ops.store import Store
from routing.problem import clock
from tests.ops.daycases import DAY, LUONG_VAN_CAN

BINH = Principal("binh", "postman", LUONG_VAN_CAN)


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
    dayevents.record(store, DAY, task=task, event="picked_up", who=BINH, at=_at(13))
    assert visits.door_visit(store, "HOME", now=_at(14)) is not None, "on his way: still to come"
    dayevents.record(store, DAY, task=task, event="failed", who=BINH, reason_code="nobody_home", at=_at(14))
    assert visits.door_visit(store, "HOME", now=_at(15)) is None
