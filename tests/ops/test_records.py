"""The day's handover records numbered by the system (:mod:`ops.records`): one number for each visit of a postman to
an agency or authority, listing what he hands over and takes there, issued with the plan, kept or voided by a
re-plan and never issued twice; a handover or pickup recorded under it, checked against it."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.engine import Engine

from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import day, dayevents, dossiers, records
from ops.accounts import Principal
from ops.errors import FieldError
from ops.store import Store
from tests.ops import daycases
from tests.ops.daycases import DAY, LUONG_VAN_CAN

BINH = Principal("binh", "postman", LUONG_VAN_CAN)
NOON = datetime(2026, 2, 4, 12, tzinfo=HANOI)


def _stop(seq: int, kind: str, task: str | None, place: str, *codes: str) -> dict:
    return {"seq": seq, "kind": kind, "task": task, "place": place, "dossiers": list(codes)}


def _route(*stops: dict) -> list[dict]:
    depot = _stop(0, "start", None, "depot:LVC")
    return [{"postman": "binh", "stops": [depot, *stops, _stop(len(stops) + 1, "end", None, "depot:LVC")]}]


def _registry(engine: Engine) -> dict[str, tuple]:
    """Each number of the day: its status, why void, and the tasks it hands over and takes."""
    return {
        r["no"]: (r["status"], r["void_reason"], tuple(r["handed"]["tasks"]), tuple(r["taken"]["tasks"]))
        for r in records.of_day(engine, DAY)
    }


def _key(record: dict) -> tuple:
    return (record["postman"], record["place"], tuple(record["handed"]["tasks"]), tuple(record["taken"]["tasks"]))


def test_a_visit_keeps_its_number_until_a_re_plan_changes_it(engine: Engine) -> None:
    # The day's dossiers taken at the agency are one visit; at the authority two shuttles handed over and a result
    # taken, in a row, are another, one record; a result brought to the citizen's door takes none; another
    # authority is another visit.
    first = _route(
        _stop(1, "pickup", "T1", "LVC", "A"),
        _stop(2, "pickup", "T2", "LVC", "B", "C"),
        _stop(3, "delivery", "T1", "BHXH", "A"),
        _stop(4, "delivery", "T2", "BHXH", "B", "C"),
        _stop(5, "pickup", "T6", "BHXH", "R"),
        _stop(6, "delivery", "T6", "address:HOME", "R"),
        _stop(7, "delivery", "T4", "HK", "D"),
    )
    assert records.visits(first) == [
        records.Visit("binh", "LVC", 1, (), ("T1", "T2")),
        records.Visit("binh", "BHXH", 3, ("T1", "T2"), ("T6",)),
        records.Visit("binh", "HK", 7, ("T4",), ()),
    ]
    assert records.issue(engine, DAY, "plan-1", first) == [records.number(DAY, k) for k in (1, 2, 3)]
    (bhxh,) = [r for r in records.of_day(engine, DAY) if r["place"] == "BHXH"]
    assert (bhxh["handed"], bhxh["taken"], bhxh["postman"], bhxh["used_at"]) == (
        {"tasks": ["T1", "T2"], "dossiers": ["A", "B", "C"]},
        {"tasks": ["T6"], "dossiers": ["R"]},
        "binh",
        None,
    )
    assert records.issue(engine, DAY, "plan-1", first) == []  # the same plan again: the same numbers
    one, two, three = (records.number(DAY, k) for k in (1, 2, 3))
    assert records.numbers(engine, "plan-1") == {
        ("T1", "pickup"): one,
        ("T2", "pickup"): one,
        ("T1", "delivery"): two,
        ("T2", "delivery"): two,
        ("T6", "pickup"): two,
        ("T4", "delivery"): three,
    }

    # A re-plan adds a shuttle to the visit at the authority: its record is void, a new number covers it all; the
    # other visits are the same and keep their numbers.
    stops = first[0]["stops"]
    second = _route(*stops[1:6], _stop(6, "delivery", "T5", "BHXH", "E"), *stops[6:8])
    assert records.issue(engine, DAY, "plan-1", second) == [records.number(DAY, 4)]
    assert _registry(engine) == {
        one: ("issued", None, (), ("T1", "T2")),
        two: ("void", "replanned", ("T1", "T2"), ("T6",)),
        three: ("issued", None, ("T4",), ()),
        records.number(DAY, 4): ("issued", None, ("T1", "T2", "T5"), ("T6",)),
    }
    # A new plan of the day voids what the old one had still to sign, and numbers on from the day's last.
    assert records.issue(engine, DAY, "plan-2", first) == [records.number(DAY, k) for k in (5, 6, 7)]
    assert [s for s, *_ in _registry(engine).values()] == ["void"] * 4 + ["issued"] * 3
    # Another day numbers from 1.
    assert records.issue(engine, DAY.replace(day=5), "plan-3", first)[0] == "BBGN-20260205-0001"


def _planned(store: Store, hanoi: AddressMap) -> tuple[str, dict]:
    plan_id, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    assert plan_id is not None
    return plan_id, answer


def _handing(issued: list[dict]) -> list[dict]:
    """The records of visits where dossiers are handed over."""
    return [r for r in issued if r["handed"]["tasks"]]


def test_the_postman_hands_over_under_his_visit_s_number_and_no_other(store: Store, hanoi: AddressMap) -> None:
    plan_id, _ = _planned(store, hanoi)
    issued = records.of_day(store.engine, DAY)
    assert [r["no"] for r in issued] == [records.number(DAY, k) for k in range(1, len(issued) + 1)]
    assert all(r["status"] == "issued" and r["plan_id"] == plan_id for r in issued)
    # The day as it goes says at each stop at an agency or authority its visit's number; a citizen's door has none.
    live = dayevents.live(store, DAY, now="08:00")
    numbered = {}
    for route in live["routes"]:
        for s in route["stops"]:
            at_office = bool(s["task"]) and not s["place"].startswith("address:")
            assert (s["handover_record"] is not None) == at_office, s
            if at_office:
                numbered[(s["task"], s["kind"])] = s["handover_record"]
    listed = [((t, kind), r["no"]) for r in issued for kind, side in records.SIDES.items() for t in r[side]["tasks"]]
    assert numbered == dict(listed) and len(listed) == len(numbered)

    first, other = _handing(issued)[:2]
    task = first["handed"]["tasks"][0]
    # Taken at the agency under its visit's record: used; the moves say it.
    taking = next(r for r in issued if task in r["taken"]["tasks"])
    dayevents.record(store, DAY, task=task, event="picked_up", who=BINH, record_no=taking["no"], at=NOON)
    assert _registry(store.engine)[taking["no"]][0] == "used"
    assert dossiers.history(store.engine, _dossiers_of(store, task)[0])[-1].record_no == taking["no"]

    def refused(record_no: str) -> FieldError:
        with pytest.raises(FieldError) as caught:
            dayevents.record(store, DAY, task=task, event="handed_over", who=BINH, record_no=record_no, at=NOON)
        return caught.value

    slip = refused(other["no"])  # a slip of the finger: another visit's record
    assert slip.code == "record_not_for_task" and slip.fields["own"] == first["no"]
    assert f"task {task}'s is {first['no']}" in str(slip)
    assert refused(taking["no"]).code == "record_not_for_task"  # the pickup's visit is not the handover's
    assert refused(records.number(DAY, 999)).code == "record_unknown"
    handed = dayevents.record(
        store, DAY, task=task, event="handed_over", who=BINH, record_no=first["no"].lower(), at=NOON
    )
    assert handed["record_no"] == first["no"]
    again = dayevents.record(store, DAY, task=task, event="handed_over", who=BINH, record_no=first["no"], at=NOON)
    assert again["replayed"]
    for code in _dossiers_of(store, task):
        assert dossiers.history(store.engine, code)[-1].record_no == first["no"]
    used = next(r for r in records.of_day(store.engine, DAY) if r["no"] == first["no"])
    assert used["status"] == "used" and datetime.fromisoformat(used["used_at"]) == NOON


def _dossiers_of(store: Store, task: str) -> list[str]:
    return day.stored(store, DAY)["state"]["dossiers"][task]


def test_a_record_its_stops_were_settled_without_is_void(sqlite_store: Store, hanoi: AddressMap) -> None:
    _planned(sqlite_store, hanoi)
    issued = records.of_day(sqlite_store.engine, DAY)
    handing_only = [r for r in _handing(issued) if not r["taken"]["tasks"]]
    assert len(handing_only) >= 2
    failed, papered = handing_only[0], handing_only[-1]
    # Every stop of a visit failed: its record is void, said why.
    for task in failed["handed"]["tasks"]:
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=NOON)
        dayevents.record(sqlite_store, DAY, task=task, event="failed", who=BINH, reason_code="place_closed", at=NOON)
    # Handed over under the authority's own paper form: the system's record is replaced, and refused after.
    tasks = papered["handed"]["tasks"]
    for task in tasks:
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=NOON)
        dayevents.record(sqlite_store, DAY, task=task, event="handed_over", who=BINH, record_no="02/BB-UBND", at=NOON)
    registry = _registry(sqlite_store.engine)
    assert registry[failed["no"]][:2] == ("void", "failed")
    assert registry[papered["no"]][:2] == ("void", "replaced")
    assert dossiers.history(sqlite_store.engine, _dossiers_of(sqlite_store, tasks[-1])[0])[-1].record_no == "02/BB-UBND"
    with pytest.raises(FieldError) as caught:
        dayevents.record(sqlite_store, DAY, task=tasks[0], event="handed_over", who=BINH, record_no=papered["no"])
    assert caught.value.code == "record_void"
    # The day as it goes no longer offers a void record.
    live = dayevents.live(sqlite_store, DAY, now="13:00")
    offered = {s["handover_record"] for r in live["routes"] for s in r["stops"]}
    assert failed["no"] not in offered and papered["no"] not in offered


def test_a_void_record_is_refused_and_says_the_task_s_own(sqlite_store: Store, hanoi: AddressMap) -> None:
    _planned(sqlite_store, hanoi)
    old = records.of_day(sqlite_store.engine, DAY)
    _planned(sqlite_store, hanoi)  # planned again: a new plan, new numbers
    new = [r for r in records.of_day(sqlite_store.engine, DAY) if r["status"] == "issued"]
    assert [r["seq"] for r in new] == list(range(len(old) + 1, 2 * len(old) + 1))
    assert all(
        r["status"] == "void" and r["void_reason"] == "replanned"
        for r in records.of_day(sqlite_store.engine, DAY)[: len(old)]
    )
    own = _handing(new)[0]
    task = own["handed"]["tasks"][0]
    dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=NOON)
    with pytest.raises(FieldError) as caught:
        dayevents.record(sqlite_store, DAY, task=task, event="handed_over", who=BINH, record_no=old[0]["no"], at=NOON)
    assert caught.value.code == "record_void" and caught.value.fields["own"] == own["no"]


def test_a_re_plan_keeps_the_numbers_of_the_visits_it_leaves_as_they_were(
    sqlite_store: Store, hanoi: AddressMap
) -> None:
    _planned(sqlite_store, hanoi)
    before = {r["no"]: r for r in records.of_day(sqlite_store.engine, DAY)}
    # The first visit done under its record; an urgent home pickup for the authority comes in at noon.
    used = next(iter(before.values()))
    for task in used["taken"]["tasks"]:
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, record_no=used["no"], at=NOON)
    for task in used["handed"]["tasks"]:
        dayevents.record(sqlite_store, DAY, task=task, event="handed_over", who=BINH, record_no=used["no"], at=NOON)
    daycases.add(sqlite_store.engine, "URGENT", channel="home_pickup", received_at="2026-02-04T12:00:00+07:00")
    done = dayevents.done_stops(sqlite_store, DAY)
    _, _, after, added = day.replan(sqlite_store, hanoi, DAY, done=done, at="12:00", time_limit_s=1)
    assert added == 1
    registry = {r["no"]: r for r in records.of_day(sqlite_store.engine, DAY)}
    assert registry[used["no"]]["status"] == "used"
    live = {_key(r): no for no, r in registry.items() if r["status"] == "issued"}
    # Every visit with a stop still to settle has one record, of those stops; an unchanged visit kept its number.
    done_under = {(t, side) for side in ("handed", "taken") for t in used[side]["tasks"]}
    wanted = []
    for v in records.visits(after["routes"]):
        handed = tuple(t for t in v.handed if (t, "handed") not in done_under)
        taken = tuple(t for t in v.taken if (t, "taken") not in done_under)
        if handed or taken:
            wanted.append((v.postman, v.place, handed, taken))
    assert sorted(live) == sorted(wanted)
    for no, r in before.items():
        if no != used["no"]:
            assert registry[no]["status"] == ("issued" if _key(r) in live else "void")
    # The urgent dossier, taken at the citizen's door (on no record), is handed over at the authority under one.
    issued = [r for r in registry.values() if r["status"] == "issued"]
    assert not any("URGENT" in r["taken"]["dossiers"] for r in issued)
    assert any("URGENT" in r["handed"]["dossiers"] for r in issued)
    new = [r["seq"] for r in registry.values() if r["no"] not in before]
    assert new and min(new) == len(before) + 1
