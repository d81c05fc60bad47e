"""The postman says he came to a stop (``arrived``, :mod:`ops.dayevents`): it moves nothing, is kept once per stop of
a task, shows in the day as it goes, and times the visits against what the plan gave them (:mod:`ops.performance`)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from api.cli import main
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import day, dayevents, dossiers, performance, scenario
from ops.errors import FieldError, TransitionError
from ops.store import Store
from routing.problem import clock
from tests.ops import daycases
from tests.ops.daycases import DAY, POSTMAN


def _at(hhmm: str, minutes: float = 0) -> datetime:
    """``minutes`` after ``hhmm`` on :data:`DAY`, in Hanoi."""
    return datetime.combine(DAY, datetime.min.time(), HANOI) + timedelta(seconds=clock(hhmm) + 60 * minutes)


def _stops(store: Store, hanoi: AddressMap) -> list[dict]:
    """The task stops of the day's one route, planned."""
    _, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    (route,) = answer["routes"]
    return [s for s in route["stops"] if s["task"]]


def _live_stop(store: Store, task: str, kind: str) -> dict:
    (route,) = dayevents.live(store, DAY, now="23:00")["routes"]
    return next(s for s in route["stops"] if s["task"] == task and s["kind"] == kind)


def test_an_arrival_moves_nothing_and_is_kept_once_per_stop(store: Store, hanoi: AddressMap) -> None:
    stops = _stops(store, hanoi)
    pickup = next(s for s in stops if s["kind"] == "pickup" and not s["place"].startswith("address:"))
    task = pickup["task"]
    before = {code: dossiers.history(store.engine, code) for code in pickup["dossiers"]}
    position = {"lat": pickup["lat"], "lon": pickup["lon"], "accuracy_m": 8.0}
    came = dayevents.record(store, DAY, task=task, event="arrived", who=POSTMAN, position=position, at=_at("09:00"))
    assert (came["event"], came["stop"], came["moves"], came["off_m"], came["replayed"]) == (
        "arrived",
        "pickup",
        [],
        0,
        False,
    )
    assert {code: dossiers.history(store.engine, code) for code in pickup["dossiers"]} == before
    # Said again (the phone sent it twice): the first answer, its time kept.
    again = dayevents.record(store, DAY, task=task, event="arrived", who=POSTMAN, at=_at("09:05"))
    assert again["replayed"] and again["at"] == came["at"] and again["stop"] == "pickup"
    assert _live_stop(store, task, "pickup")["arrived"] == "09:00"
    assert _live_stop(store, task, "delivery")["arrived"] is None
    # Picked up, the task's next arrival is at its delivery; the pickup's, asked by name, is the first one still.
    daycases.settle(store, pickup, _at("09:04"))
    there = dayevents.record(store, DAY, task=task, event="arrived", who=POSTMAN, at=_at("09:30"))
    assert there["stop"] == "delivery" and not there["replayed"]
    assert dayevents.record(store, DAY, task=task, event="arrived", who=POSTMAN, stop="pickup")["at"] == came["at"]
    assert _live_stop(store, task, "delivery")["arrived"] == "09:30"
    # The last seen position of the route is that of its newest event with one.
    (route,) = dayevents.live(store, DAY, now="23:00")["routes"]
    assert route["last_seen"]["task"] == task and route["last_seen"]["at"] == "09:00"


def test_an_arrival_takes_where_and_when_only_and_follows_the_task(sqlite_store: Store, hanoi: AddressMap) -> None:
    stops = _stops(sqlite_store, hanoi)
    pickup = next(s for s in stops if s["kind"] == "pickup" and not s["place"].startswith("address:"))
    task = pickup["task"]
    arrive = {"store": sqlite_store, "day": DAY, "task": task, "event": "arrived", "who": POSTMAN}
    for given in ({"record_no": "BB-1"}, {"reason": "đóng cửa"}, {"proof": daycases.SIGNED}):
        with pytest.raises(FieldError) as refused:
            dayevents.record(**arrive, **given)
        assert refused.value.code == "not_at_arrival" and refused.value.field == next(iter(given))
    with pytest.raises(TransitionError) as early:
        dayevents.record(**arrive, stop="delivery")
    assert early.value.code == "not_picked_up" and early.value.field == "stop"
    with pytest.raises(FieldError) as other:
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=POSTMAN, stop="delivery")
    assert other.value.code == "other_stop"
    # Settled, the stop takes no arrival; the task ended, neither does the other.
    daycases.settle(sqlite_store, pickup, _at("09:04"))
    with pytest.raises(TransitionError) as after:
        dayevents.record(**arrive, stop="pickup")
    assert after.value.code == "event_after_end"
    delivery = next(s for s in stops if s["task"] == task and s["kind"] == "delivery")
    daycases.settle(sqlite_store, delivery, _at("09:40"))
    with pytest.raises(TransitionError) as ended:
        dayevents.record(**arrive)
    assert ended.value.code == "event_after_end"


def test_visits_are_timed_from_the_arrival_against_the_plan(
    sqlite_store: Store, hanoi: AddressMap, capsys: pytest.CaptureFixture[str]
) -> None:
    runs = _runs(_stops(sqlite_store, hanoi))
    home = next(run for run in runs if run[0]["place"] == "address:PICKUP")
    # The visit to social insurance, where the shuttle of S-0 is handed over: an authority.
    office = next(run for run in runs if any(s["kind"] == "delivery" and "S-0" in s["dossiers"] for s in run))
    # Every stop settled in route order at its planned departure, but for two visits the postman said he came to:
    # the home pickup, signed for 7 minutes after he came; the office, its last stop settled 11 minutes after.
    for run in runs:
        came = _at(run[0]["arrival"])
        for k, stop in enumerate(run):
            if run is home or run is office:
                dayevents.record(sqlite_store, DAY, task=stop["task"], event="arrived", who=POSTMAN, at=came)
            minutes = 7 if run is home else 11 if k == len(run) - 1 else 2
            at = came + timedelta(minutes=minutes) if run is home or run is office else _at(stop["departure"])
            daycases.settle(sqlite_store, stop, at)
    total = performance.of_period(sqlite_store, DAY, DAY)["total"]
    assert (total["visits_settled"], total["visits_timed"]) == (len(runs), 2)
    assert (total["door_visit_min"], total["office_visit_min"]) == (7.0, 11.0)
    # What the plan gave them: at a door its service, without a setup; at the authority its setup (the postman
    # coming from elsewhere) and each stop's service there.
    assert total["door_visit_planned_min"] == scenario.SERVICE_S["address"] / 60
    planned = scenario.SETUP_S["authority"] + len(office) * scenario.SERVICE_S["authority"]
    assert total["office_visit_planned_min"] == round(planned / 60, 1)
    (binh,) = performance.of_period(sqlite_store, DAY, DAY, postman="binh")["postmen"]
    assert binh["visits_timed"] == 2
    # The command says it on each postman's line.
    assert main(["performance", "--to", DAY.isoformat(), "--database", str(sqlite_store.engine.url)]) == 0
    said = f"time at a stop (2 of {len(runs)} visits timed): doors 7.0 min against 5.0 min planned, offices 11.0 min"
    assert all(said in line for line in capsys.readouterr().out.splitlines()[1:])


def _runs(stops: list[dict]) -> list[list[dict]]:
    """Stops in a row at one place, as the postman's page groups them."""
    out: list[list[dict]] = []
    for stop in stops:
        if out and out[-1][-1]["place"] == stop["place"]:
            out[-1].append(stop)
        else:
            out.append([stop])
    return out


@pytest.mark.parametrize(
    ("came", "now", "behind_min"),
    [
        (None, "09:20", 20),  # not there yet: late by the time since his planned arrival
        ("09:02", "09:20", 15),  # there since 09:02: late by his stay past the planned departure
        ("09:02", "09:04", 5),  # came 2 minutes late, within the planned service: 5 (rounded up)
        ("08:55", "09:03", 0),  # came early, within the planned service: on time
    ],
)
def test_a_postman_at_his_next_stop_is_behind_by_his_stay_there(came: str | None, now: str, behind_min: int) -> None:
    stops = [{"task": "A", "kind": "pickup", "arrival": "09:00", "departure": "09:05"}]
    arrived = {} if came is None else {("A", "pickup"): clock(came)}
    assert dayevents.behind(stops, {}, clock(now), arrived) == behind_min * 60
