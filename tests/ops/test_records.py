"""The day's handover records numbered by the system (:mod:`ops.records`): one number for each visit where a postman
hands dossiers over, issued with the plan, kept or voided by a re-plan and never issued twice; a handover recorded
under it, checked against it."""

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
    return {r["no"]: (r["status"], r["void_reason"], tuple(r["tasks"])) for r in records.of_day(engine, DAY)}


def test_a_visit_keeps_its_number_until_a_re_plan_changes_it(engine: Engine) -> None:
    # Two shuttles handed over in a row at the authority are one visit, one record; a result brought to the
    # citizen's door takes none; another authority is another visit.
    first = _route(
        _stop(1, "pickup", "T1", "LVC", "A"),
        _stop(2, "pickup", "T2", "LVC", "B", "C"),
        _stop(3, "delivery", "T1", "BHXH", "A"),
        _stop(4, "delivery", "T2", "BHXH", "B", "C"),
        _stop(5, "delivery", "T3", "address:HOME", "HOME"),
        _stop(6, "delivery", "T4", "HK", "D"),
    )
    assert records.visits(first) == [
        records.Visit("binh", "BHXH", 3, ("T1", "T2")),
        records.Visit("binh", "HK", 6, ("T4",)),
    ]
    assert records.issue(engine, DAY, "plan-1", first) == ["BBGN-20260204-0001", "BBGN-20260204-0002"]
    (bhxh,) = [r for r in records.of_day(engine, DAY) if r["place"] == "BHXH"]
    assert (bhxh["dossiers"], bhxh["postman"], bhxh["used_at"]) == (["A", "B", "C"], "binh", None)
    assert records.issue(engine, DAY, "plan-1", first) == []  # the same plan again: the same numbers
    assert records.numbers(engine, "plan-1") == {
        "T1": "BBGN-20260204-0001",
        "T2": "BBGN-20260204-0001",
        "T4": "BBGN-20260204-0002",
    }

    # A re-plan adds a shuttle to the visit at the authority: its record is void, a new number covers the three;
    # the visit to HK is the same and keeps its number.
    second = _route(*first[0]["stops"][1:5], _stop(5, "delivery", "T5", "BHXH", "E"), *first[0]["stops"][5:7])
    assert records.issue(engine, DAY, "plan-1", second) == ["BBGN-20260204-0003"]
    assert _registry(engine) == {
        "BBGN-20260204-0001": ("void", "replanned", ("T1", "T2")),
        "BBGN-20260204-0002": ("issued", None, ("T4",)),
        "BBGN-20260204-0003": ("issued", None, ("T1", "T2", "T5")),
    }
    # A new plan of the day voids what the old one had still to sign, and numbers on from the day's last.
    assert records.issue(engine, DAY, "plan-2", first) == ["BBGN-20260204-0004", "BBGN-20260204-0005"]
    assert {no: s for no, (s, _, _) in _registry(engine).items()} == {
        "BBGN-20260204-0001": "void",
        "BBGN-20260204-0002": "void",
        "BBGN-20260204-0003": "void",
        "BBGN-20260204-0004": "issued",
        "BBGN-20260204-0005": "issued",
    }
    # Another day numbers from 1.
    assert records.issue(engine, DAY.replace(day=5), "plan-3", first)[0] == "BBGN-20260205-0001"


def _planned(store: Store, hanoi: AddressMap) -> tuple[str, dict]:
    plan_id, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    assert plan_id is not None
    return plan_id, answer


def test_the_postman_hands_over_under_his_visit_s_number_and_no_other(store: Store, hanoi: AddressMap) -> None:
    plan_id, _ = _planned(store, hanoi)
    issued = records.of_day(store.engine, DAY)
    assert [r["no"] for r in issued] == [records.number(DAY, k) for k in range(1, len(issued) + 1)]
    assert len(issued) >= 2 and all(r["status"] == "issued" and r["plan_id"] == plan_id for r in issued)
    # The day as it goes says each handover's number at its stop; a pickup or a citizen's door has none.
    live = dayevents.live(store, DAY, now="08:00")
    numbered = {}
    for route in live["routes"]:
        for s in route["stops"]:
            at_office = s["kind"] == "delivery" and not s["place"].startswith("address:")
            assert (s["handover_record"] is not None) == at_office, s
            if at_office:
                numbered[s["task"]] = s["handover_record"]
    assert numbered == {t: r["no"] for r in issued for t in r["tasks"]}

    first, other = issued[0], issued[1]
    task = first["tasks"][0]
    dayevents.record(store, DAY, task=task, event="picked_up", who=BINH, at=NOON)

    def refused(record_no: str) -> FieldError:
        with pytest.raises(FieldError) as caught:
            dayevents.record(store, DAY, task=task, event="handed_over", who=BINH, record_no=record_no, at=NOON)
        return caught.value

    slip = refused(other["no"])  # a slip of the finger: another visit's record
    assert slip.code == "record_not_for_task" and slip.fields["own"] == first["no"]
    assert f"task {task}'s is {first['no']}" in str(slip)
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


def test_a_record_nothing_was_handed_over_under_is_void(sqlite_store: Store, hanoi: AddressMap) -> None:
    _planned(sqlite_store, hanoi)
    issued = records.of_day(sqlite_store.engine, DAY)
    failed, papered = issued[0], issued[-1]
    # Every task of a visit failed: its record is void, said why.
    for task in failed["tasks"]:
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=NOON)
        dayevents.record(sqlite_store, DAY, task=task, event="failed", who=BINH, reason_code="place_closed", at=NOON)
    # Handed over under the authority's own paper form: the system's record is replaced, and refused after.
    for task in papered["tasks"]:
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=NOON)
    last = papered["tasks"][-1]
    for task in papered["tasks"][:-1]:
        dayevents.record(sqlite_store, DAY, task=task, event="handed_over", who=BINH, record_no="02/BB-UBND", at=NOON)
    dayevents.record(sqlite_store, DAY, task=last, event="handed_over", who=BINH, record_no="02/BB-UBND", at=NOON)
    registry = _registry(sqlite_store.engine)
    assert registry[failed["no"]][:2] == ("void", "failed")
    assert registry[papered["no"]][:2] == ("void", "replaced")
    assert dossiers.history(sqlite_store.engine, _dossiers_of(sqlite_store, last)[0])[-1].record_no == "02/BB-UBND"
    assert all(s == "issued" for no, (s, _, _) in registry.items() if no not in (failed["no"], papered["no"]))
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
    task = new[0]["tasks"][0]
    dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=NOON)
    with pytest.raises(FieldError) as caught:
        dayevents.record(sqlite_store, DAY, task=task, event="handed_over", who=BINH, record_no=old[0]["no"], at=NOON)
    assert caught.value.code == "record_void" and caught.value.fields["own"] == new[0]["no"]


def test_a_re_plan_keeps_the_numbers_of_the_visits_it_leaves_as_they_were(
    sqlite_store: Store, hanoi: AddressMap
) -> None:
    _planned(sqlite_store, hanoi)
    before = {r["no"]: r for r in records.of_day(sqlite_store.engine, DAY)}
    # One visit handed over already; an urgent home pickup for the authority comes in at noon.
    used = next(iter(before.values()))
    for task in used["tasks"]:
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=NOON)
        dayevents.record(sqlite_store, DAY, task=task, event="handed_over", who=BINH, record_no=used["no"], at=NOON)
    daycases.add(sqlite_store.engine, "URGENT", channel="home_pickup", received_at="2026-02-04T12:00:00+07:00")
    done = dayevents.done_stops(sqlite_store, DAY)
    _, _, after, added = day.replan(sqlite_store, hanoi, DAY, done=done, at="12:00", time_limit_s=1)
    assert added == 1
    registry = {r["no"]: r for r in records.of_day(sqlite_store.engine, DAY)}
    assert registry[used["no"]]["status"] == "used"
    live = {(r["postman"], r["place"], tuple(r["tasks"])): no for no, r in registry.items() if r["status"] == "issued"}
    # Every visit still to hand over has one record, of its tasks; a record of an unchanged visit kept its number.
    to_hand = [v for v in records.visits(after["routes"]) if not set(v.tasks) <= set(used["tasks"])]
    assert sorted(live) == sorted((v.postman, v.place, v.tasks) for v in to_hand)
    for no, r in before.items():
        if no != used["no"]:
            kept = (r["postman"], r["place"], tuple(r["tasks"])) in live
            assert registry[no]["status"] == ("issued" if kept else "void")
    assert any(("URGENT" in r["dossiers"]) for r in registry.values() if r["status"] == "issued")
    new = [r["seq"] for r in registry.values() if r["no"] not in before]
    assert new and min(new) == len(before) + 1
