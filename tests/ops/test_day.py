"""The working day from the store (issue 11, items 1-2): tasks from the dossiers' states, the plan, the postmen's
events moving the dossiers (idempotent), a failed delivery back the next day, the re-plan with done stops fixed."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import numpy as np
import pytest
import shapely
import sqlalchemy as sa

from api import i18n
from geo._errors import InputError
from geo.addressmap import AddressMap
from geo.hours import HANOI, windows_on
from ops import accounts, authorities, day, dayevents, daytasks, dossiers, ingest, proofs, scenario, tables
from ops.accounts import Principal
from ops.errors import FieldError, FieldErrors, TransitionError, UnknownError
from ops.store import Store
from routing.problem import hhmm
from tests.ops import daycases
from tests.ops.cases import dossier
from tests.ops.daycases import BHXH, DAY, HOAN_KIEM, LUONG_VAN_CAN

AFTERNOON = datetime(2026, 2, 4, 15, tzinfo=HANOI)
BINH = Principal("binh", "postman", daycases.LUONG_VAN_CAN)
DISPATCHER = Principal("d", "dispatcher", None)


def _by_codes(tasks: daytasks.DayTasks) -> dict[tuple[str, ...], dict]:
    return {tuple(tasks.dossiers[t["id"]]): t for t in tasks.tasks}


def test_tasks_follow_the_states(sqlite_store: Store, hanoi: AddressMap) -> None:
    tasks = _by_codes(daytasks.from_states(sqlite_store.engine, hanoi, DAY))
    places = daytasks.scenario.map_places(hanoi)[1].set_index("authority_id")
    bhxh = places.index[places["name"].str.contains("Bảo hiểm", na=False)]
    shuttle = tasks[("LATE", "S-0", "S-1", "S-2")]  # one agency, one authority: one pickup, summed load
    assert (shuttle["kind"], shuttle["pickup"], shuttle["load"]) == ("shuttle", LUONG_VAN_CAN, 4)
    assert shuttle["delivery"] in bhxh
    assert shuttle["mandatory"], "a group holding an overdue dossier must be done today"
    other = tasks[("S-HK",)]
    assert other["kind"] == "shuttle" and other["delivery"] != shuttle["delivery"] and not other["mandatory"]
    home = tasks[("HOME",)]
    assert (home["kind"], home["delivery"]) == ("result_return", "address:HOME")
    assert tasks[("BACK",)]["delivery"] == LUONG_VAN_CAN
    pickup = tasks[("PICKUP",)]
    assert (pickup["kind"], pickup["pickup"], pickup["pickup_window"]) == (
        "home_pickup",
        "address:PICKUP",
        "10:00-12:00",
    )
    assert not any("ONLINE" in codes for codes in tasks), "online dossiers need no shuttle"
    earlier = daytasks.from_states(sqlite_store.engine, hanoi, DAY - timedelta(days=2))
    assert {"HOME", "PICKUP", "S-0"}.isdisjoint(earlier.codes), "a state reached later is no task on an earlier day"
    # Planned at 07:00, before the pickup was asked for at 10:00: not known yet; at 10:00 it is.
    morning = datetime.combine(DAY, time(7), HANOI)
    assert "PICKUP" not in daytasks.from_states(sqlite_store.engine, hanoi, DAY, known_at=morning).codes
    assert (
        "PICKUP"
        in daytasks.from_states(sqlite_store.engine, hanoi, DAY, known_at=morning + timedelta(hours=3, seconds=1)).codes
    )
    assert daytasks.from_states(sqlite_store.engine, hanoi, DAY).excluded == [
        {
            "code": "NOWHERE",
            "reason": "agency osm:node/1 is not on the map",
            "reason_code": "agency_not_on_map",
            "values": {"agency": "osm:node/1"},
        }
    ]


def test_a_day_of_synthetic_dossiers_says_so(sqlite_store: Store, hanoi: AddressMap) -> None:
    # A shuttle between an agency and an authority visits no made-up household, yet its dossiers are synthetic:
    # the day said it was not, and the postman's page and route sheet did not label it.
    assert daytasks.from_states(sqlite_store.engine, hanoi, DAY).synthetic
    day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    assert day.stored(sqlite_store, DAY)["result"]["synthetic"]
    assert dayevents.live(sqlite_store, DAY, now="08:00")["synthetic"]
    with sqlite_store.engine.begin() as conn:  # the same dossiers, real: the next plan of the day says so
        conn.execute(tables.dossiers.update().values(synthetic=False))
    assert not daytasks.from_states(sqlite_store.engine, hanoi, DAY).synthetic
    day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    assert not day.stored(sqlite_store, DAY)["result"]["synthetic"]


def test_priority_grows_as_the_due_date_nears() -> None:
    assert daytasks.urgency(DAY - timedelta(days=1), DAY) == (5, True)
    assert daytasks.urgency(DAY, DAY) == (5, False)
    assert daytasks.urgency(DAY + timedelta(days=1), DAY) == (4, False)
    assert daytasks.urgency(DAY + timedelta(days=10), DAY) == (1, False)


def test_groups_are_split_at_the_capacity(sqlite_store: Store, hanoi: AddressMap) -> None:
    tasks = daytasks.from_states(sqlite_store.engine, hanoi, DAY, capacity=3)
    loads = sorted(t["load"] for t in tasks.tasks if t["kind"] == "shuttle" and t["pickup"] == LUONG_VAN_CAN)
    assert loads == [1, 1, 3]  # Hoàn Kiếm's one, and BHXH's four in 3 + 1


def test_events_move_the_dossiers_once_and_a_failed_delivery_comes_back(store: Store, hanoi: AddressMap) -> None:
    plan_id, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    assert plan_id is not None and answer["check"]
    assert answer["dossiers"] == 9 and {u["code"] for u in answer["unserved"]} >= {"NOWHERE"}
    stops = {s["task"]: s for r in answer["routes"] for s in r["stops"] if s["kind"] == "pickup"}
    by_code = {c: task for task, s in stops.items() for c in s["dossiers"]}
    assert answer["served_dossiers"] == len(by_code)
    shuttle, home = by_code["S-1"], by_code["HOME"]

    first = dayevents.record(store, DAY, task=shuttle, event="picked_up", who=BINH)
    again = dayevents.record(store, DAY, task=shuttle, event="picked_up", who=BINH)
    assert again["replayed"] and again["moves"] == first["moves"]
    assert dossiers.current(store.engine, "S-0")["state"] == "to_authority"
    assert [e.state for e in dossiers.history(store.engine, "S-1")] == ["received", "digitised", "to_authority"]
    with pytest.raises(FieldError, match="record_no"):
        dayevents.record(store, DAY, task=shuttle, event="handed_over", who=BINH)
    dayevents.record(store, DAY, task=shuttle, event="handed_over", who=BINH, record_no="BB-0204-1")
    assert dossiers.history(store.engine, "S-2")[-1].record_no == "BB-0204-1"
    assert dossiers.current(store.engine, "S-2")["state"] == "at_authority"
    with pytest.raises(TransitionError):
        dayevents.record(store, DAY, task=shuttle, event="failed", who=BINH, reason="late")

    with pytest.raises(TransitionError, match="not picked up"):
        dayevents.record(store, DAY, task=home, event="delivered", who=BINH, proof=daycases.SIGNED)
    dayevents.record(store, DAY, task=home, event="picked_up", who=BINH, at=AFTERNOON)
    dayevents.record(store, DAY, task=home, event="failed", who=BINH, reason_code="nobody_home", at=AFTERNOON)
    assert dossiers.current(store.engine, "HOME")["state"] == "failed_return"
    assert dossiers.history(store.engine, "HOME")[-1].reason == "nobody_home"
    live = dayevents.live(store, DAY, now="23:00")
    task_stops = sum(1 for r in live["routes"] for s in r["stops"] if s["task"])
    assert live["counts"] == {"done": 3, "failed": 1, "late": task_stops - 4, "remaining": 0}
    said = {(s["task"], s["kind"]): s for r in live["routes"] for s in r["stops"]}
    assert said[(home, "delivery")]["status"] == "failed"
    assert said[(home, "delivery")]["recorded"] == {
        "at": "15:00",
        "record_no": None,
        "reason_code": "nobody_home",
        "reason": None,
        "off_m": None,
        "far": False,
        "signer": None,
        "photo": False,
    }
    assert said[(shuttle, "delivery")]["recorded"]["record_no"] == "BB-0204-1"

    tomorrow = daytasks.from_states(store.engine, hanoi, DAY + timedelta(days=1))
    back = _by_codes(tomorrow)[("HOME",)]
    assert (back["kind"], back["pickup"], back["delivery"]) == ("result_return", LUONG_VAN_CAN, "address:HOME")


def test_a_shuttle_brought_back_undelivered_goes_again_the_next_day(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Picked up, then not handed over (the office closed, or a re-plan left no time: "carried_back"), a shuttle's
    # dossiers stayed "to_authority" and no later day took them: lost to the plans. Back at their agency, the next
    # day's shuttle takes them.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    shuttle = next(s["task"] for r in answer["routes"] for s in r["stops"] if "S-1" in s["dossiers"])
    dayevents.record(sqlite_store, DAY, task=shuttle, event="picked_up", who=BINH, at=AFTERNOON)
    closed = "cơ quan đã nghỉ"
    failed = dayevents.record(sqlite_store, DAY, task=shuttle, event="failed", who=BINH, reason=closed, at=AFTERNOON)
    assert {m["code"]: m["state"] for m in failed["moves"]} == dict.fromkeys(["LATE", "S-0", "S-1", "S-2"], "digitised")
    back = dossiers.history(sqlite_store.engine, "S-1")[-1]
    assert (back.state, back.place) == ("digitised", LUONG_VAN_CAN)
    tomorrow = _by_codes(daytasks.from_states(sqlite_store.engine, hanoi, DAY + timedelta(days=1)))
    again = next(t for codes, t in tomorrow.items() if "S-1" in codes)
    assert (again["kind"], again["pickup"]) == ("shuttle", LUONG_VAN_CAN)


def test_a_dossier_left_in_a_postmans_bag_is_asked_for_the_next_day(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Picked up and never handed over nor recorded brought back: "to_authority" since yesterday. It was in no later
    # day's tasks and on no list; now the next day's waiting list names who has it, and it comes back into the
    # tasks once the postman records bringing it back.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    shuttle = next(s["task"] for r in answer["routes"] for s in r["stops"] if "S-1" in s["dossiers"])
    dayevents.record(sqlite_store, DAY, task=shuttle, event="picked_up", who=BINH, at=AFTERNOON)
    tomorrow = DAY + timedelta(days=1)
    carried = {"LATE", "S-0", "S-1", "S-2"}
    waiting = daytasks.from_states(sqlite_store.engine, hanoi, tomorrow)
    assert carried.isdisjoint(waiting.codes)
    still = {u["code"]: u for u in waiting.excluded if u["reason_code"] == "still_carried"}
    assert set(still) == carried
    assert still["S-1"]["values"] == {
        "postman": "binh",
        "postman_name": daycases.POSTMAN_NAME,
        "since": "15:00",
        "day": "2026-02-04",
    }
    said = i18n.reasons("vi", [still["S-1"]], "reason_code")[0]["message"]
    assert said.startswith(f"Hồ sơ vẫn ở chỗ bưu tá {daycases.POSTMAN_NAME} từ 15:00 ngày 04/02/2026")
    assert "still_carried" not in {
        u["reason_code"] for u in daytasks.from_states(sqlite_store.engine, hanoi, DAY).excluded
    }
    dayevents.record(sqlite_store, DAY, task=shuttle, event="failed", who=BINH, reason="mang về", at=AFTERNOON)
    again = daytasks.from_states(sqlite_store.engine, hanoi, tomorrow)
    assert carried <= set(again.codes) and "still_carried" not in {u["reason_code"] for u in again.excluded}


def test_a_result_for_its_agency_brought_back_goes_to_the_agency(sqlite_store: Store, hanoi: AddressMap) -> None:
    # A result to be collected at its agency, picked up at the authority and brought back undelivered, was taken
    # to the applicant's door the next day, as if nobody had been at home. It is at the post office of the postman
    # who brought it back, and the next day's task takes it from there to its agency.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    task = next(s["task"] for r in answer["routes"] for s in r["stops"] if "BACK" in s["dossiers"])
    dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=AFTERNOON)
    dayevents.record(sqlite_store, DAY, task=task, event="failed", who=BINH, reason="điểm đã đóng cửa", at=AFTERNOON)
    back = dossiers.history(sqlite_store.engine, "BACK")[-1]
    assert (back.state, back.place) == ("failed_return", LUONG_VAN_CAN)  # binh's post office
    again = _by_codes(daytasks.from_states(sqlite_store.engine, hanoi, DAY + timedelta(days=1)))[("BACK",)]
    assert (again["kind"], again["pickup"], again["delivery"]) == ("result_return", LUONG_VAN_CAN, LUONG_VAN_CAN)
    _, tomorrow = day.plan(sqlite_store, hanoi, DAY + timedelta(days=1), time_limit_s=1)
    assert tomorrow["check"] and "BACK" not in {u["code"] for u in tomorrow["unserved"]}


def test_each_route_comes_with_its_way_along_the_roads(sqlite_store: Store, hanoi: AddressMap) -> None:
    # The postman's map draws the route along the roads, not straight between stops: from the first stop to the
    # last, passing each in order, no shorter than the straight lines, kept with the plan for the day's view.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    routes = [r for r in answer["routes"] if len({s["place"] for s in r["stops"]}) > 1]
    assert routes
    to_metres = hanoi.network.from_wgs84.transform
    for route in routes:
        line = shapely.geometry.shape(route["line"])
        metres = shapely.LineString(np.column_stack(to_metres(*np.array(line.coords).T)))
        stops = shapely.points(
            np.column_stack(to_metres([s["lon"] for s in route["stops"]], [s["lat"] for s in route["stops"]]))
        )
        # The line passes each stop (within reach of its road), in order: a route may come back along its roads.
        vertices, at = shapely.points(shapely.get_coordinates(metres)), 0
        for stop in stops:
            near = np.flatnonzero(shapely.distance(vertices[at:], stop) < 150)
            assert near.size, f"{route['postman']}: the line does not pass a stop after its previous one"
            at += int(near[0])
        assert metres.length >= shapely.LineString(shapely.get_coordinates(stops)).length - 1
        assert metres.length == pytest.approx(route["distance_m"], rel=0.05, abs=50)
    live = dayevents.live(sqlite_store, DAY, now="08:00")
    assert [r["line"] for r in live["routes"]] == [r["line"] for r in answer["routes"]]


def test_an_urgent_home_pickup_at_noon_keeps_the_done_stops(sqlite_store: Store, hanoi: AddressMap) -> None:
    plan_id, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    route = answer["routes"][0]
    first = next(s for s in route["stops"] if s["kind"] == "pickup")
    dayevents.record(sqlite_store, DAY, task=first["task"], event="picked_up", who=BINH)
    urgent = dossier(
        "URGENT",
        agency_id=LUONG_VAN_CAN,
        authority_code=BHXH,
        channel="home_pickup",
        received_at="2026-02-04T12:00:00+07:00",
    )
    ingest.ingest(sqlite_store.engine, [(1, urgent)])
    done = dayevents.done_stops(sqlite_store, DAY)
    assert done[route["postman"]] >= 2
    same_id, version, after, added = day.replan(sqlite_store, hanoi, DAY, done=done, at="12:00", time_limit_s=1)
    assert (same_id, version, added) == (plan_id, 2, 1)
    new_route = next(r for r in after["routes"] if r["postman"] == route["postman"])
    assert new_route["stops"][: done[route["postman"]]] == route["stops"][: done[route["postman"]]]
    pickup = next(s for r in after["routes"] for s in r["stops"] if "URGENT" in s["dossiers"] and s["kind"] == "pickup")
    assert pickup["departure"] >= "12:00" and pickup["arrival"] <= "14:00"  # in the window asked for


def test_a_day_planned_late_still_takes_a_new_dossier(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Planned at 16:55, the overdue dossier LATE waits with its reason: no authority can be reached before it
    # closes. Re-planned then for a new home pickup, the whole re-plan was refused (InfeasibleError on a task that
    # must be done today) and nothing was added. Now the new dossier is added, and what cannot go waits, said why.
    plan_id, late = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1, start="16:55")
    assert {u["code"]: u["reason_code"] for u in late["unserved"]}["LATE"] == "delivery_unreachable"
    urgent = dossier(
        "URGENT",
        agency_id=LUONG_VAN_CAN,
        authority_code=daycases.HOAN_KIEM,
        channel="home_pickup",
        received_at="2026-02-04T16:30:00+07:00",
    )
    ingest.ingest(sqlite_store.engine, [(1, urgent)])
    done = dayevents.done_stops(sqlite_store, DAY)
    same_id, version, after, added = day.replan(sqlite_store, hanoi, DAY, done=done, at="16:55", time_limit_s=1)
    assert (same_id, version, added) == (plan_id, 2, 1)
    assert after["dossiers"] == late["dossiers"] + 1
    waiting = {u["code"]: u for u in after["unserved"]}
    assert waiting["LATE"]["reason_code"] == "delivery_unreachable"
    assert waiting["URGENT"]["reason_code"] == "delivery_unreachable" and "17:00" in waiting["URGENT"]["reason"]
    assert day.stored(sqlite_store, DAY)["version"] == 2


def test_a_day_planned_once_begun_leaves_from_then(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Planned at 10:40 (today, say): no stop before then, as the whole day's plan had (stops at 07:45, late before
    # the plan was read). Planned at 13:00 the lunch break no longer fits in 11:30-13:30; after the shifts, no plan.
    _, whole = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    assert min(s["departure"] for r in whole["routes"] for s in r["stops"]) < "10:40"
    _, later = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1, start="10:40")
    assert later["routes"] and later["check"]
    assert min(s["departure"] for r in later["routes"] for s in r["stops"]) >= "10:40"
    _, afternoon = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1, start="13:00")
    assert afternoon["check"] and min(s["arrival"] for r in afternoon["routes"] for s in r["stops"][1:]) >= "13:00"
    # At 17:00 no authority can be reached before it closes: even the overdue dossiers, which must go today, wait
    # with the reason (the whole day was refused, InfeasibleError naming one task).
    _, late = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1, start="17:00")
    assert (late["served_dossiers"], late["routes"]) == (0, [])
    waiting = {u["code"]: u["reason_code"] for u in late["unserved"]}
    assert waiting["LATE"] == "delivery_unreachable" and "17:00" in next(
        u["reason"] for u in late["unserved"] if u["code"] == "LATE"
    )
    with pytest.raises(InputError, match="every shift of 2026-02-04 is over at 17:30") as refused:
        day.plan(sqlite_store, hanoi, DAY, time_limit_s=1, start="17:30")
    assert refused.value.code == "shifts_over"


@pytest.mark.parametrize("closed", [date(2026, 2, 7), date(2026, 2, 17)], ids=["saturday", "tet"])
def test_no_postman_is_sent_to_an_office_closed_that_day(sqlite_store: Store, hanoi: AddressMap, closed: date) -> None:
    # On a Saturday and on Tết the authorities are closed: every dossier going to or coming from one waits, said
    # why with the authority's name. The day was planned on a weekday's hours, postmen sent to closed offices.
    # The home pickup asked for is still collected, and taken to its post office, open every day.
    _, answer = day.plan(sqlite_store, hanoi, closed, time_limit_s=1)
    assert answer["check"]
    seats = authorities.seats(sqlite_store.engine)
    stops = [s for r in answer["routes"] for s in r["stops"] if s["task"]]
    assert [(s["kind"], s["place"], s["dossiers"]) for s in stops] == [
        ("pickup", "address:PICKUP", ["PICKUP"]),
        ("delivery", LUONG_VAN_CAN, ["PICKUP"]),
    ]
    waiting = {u["code"]: u for u in answer["unserved"] if u["code"] != "NOWHERE"}
    assert {u["reason_code"] for u in waiting.values()} == {"delivery_closed_all_day", "pickup_closed_all_day"}
    assert len(waiting) == answer["dossiers"] - 2
    place = next(p for p, name in seats.items() if name == "Bảo hiểm xã hội thành phố Hà Nội")
    assert waiting["S-0"]["values"] == {"place": place, "place_name": "Bảo hiểm xã hội thành phố Hà Nội"}
    assert waiting["BACK"]["reason_code"] == "pickup_closed_all_day"  # the result waits at BHXH
    # On the weekday before, the post office's stops keep its own hours (OSM's), the authorities' their office's.
    _, wednesday = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    windows = {s["place"]: s["window"] for r in wednesday["routes"] for s in r["stops"] if s["kind"] != "start"}
    hours = hanoi.agency_details[LUONG_VAN_CAN]["opening_hours"]
    assert windows[LUONG_VAN_CAN] == ", ".join(f"{hhmm(a)}-{hhmm(b)}" for a, b in windows_on(hours, DAY))
    assert windows[place] == "08:00-11:30, 13:30-17:00"


def test_a_unit_open_on_saturday_mornings_is_served_then(sqlite_store: Store, hanoi: AddressMap) -> None:
    # The Hoàn Kiếm committee's one-stop counter also receives on Saturday mornings: given its own hours, its
    # shuttle goes on Saturday, in them; BHXH, in the usual hours, stays closed. Given back the usual hours, the
    # shuttle waits again.
    saturday = DAY + timedelta(days=3)
    unit = authorities.set_hours(
        sqlite_store.engine, HOAN_KIEM, "Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off"
    )
    assert unit["hours"] == "Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off"
    _, answer = day.plan(sqlite_store, hanoi, saturday, time_limit_s=1)
    (committee,) = {s["place"] for r in answer["routes"] for s in r["stops"] if s["dossiers"] == ["S-HK"]} - {
        LUONG_VAN_CAN
    }
    delivered = next(s for r in answer["routes"] for s in r["stops"] if s["place"] == committee)
    assert answer["check"] and delivered["window"] == "08:00-11:30" and "08:00" <= delivered["arrival"] <= "11:30"
    waiting = {u["code"]: u["reason_code"] for u in answer["unserved"]}
    assert waiting["S-0"] == "delivery_closed_all_day" and "S-HK" not in waiting
    authorities.set_hours(sqlite_store.engine, HOAN_KIEM, None)
    _, again = day.plan(sqlite_store, hanoi, saturday, time_limit_s=1)
    assert {u["code"]: u["reason_code"] for u in again["unserved"]}["S-HK"] == "delivery_closed_all_day"


def test_a_home_pickup_on_a_saturday_waits_at_its_post_office(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Collected at home on Saturday, handed over at the post office (BHXH is closed), the dossier waits there
    # digitised and goes to BHXH with Monday's shuttle from the post office.
    saturday, monday = date(2026, 2, 7), date(2026, 2, 9)
    _, answer = day.plan(sqlite_store, hanoi, saturday, time_limit_s=1)
    (task,) = {s["task"] for r in answer["routes"] for s in r["stops"] if "PICKUP" in s["dossiers"]}
    morning = datetime(2026, 2, 7, 9, tzinfo=HANOI)
    picked = dayevents.record(
        sqlite_store, saturday, task=task, event="picked_up", who=BINH, proof=daycases.SIGNED, at=morning
    )
    assert picked["moves"] == [{"code": "PICKUP", "state": "digitised"}]
    handed = dayevents.record(
        sqlite_store, saturday, task=task, event="handed_over", who=BINH, record_no="BB-0702", at=morning
    )
    # The handover is in its journey: the same state, now at the post office, against the signed record.
    assert handed["moves"] == [{"code": "PICKUP", "state": "digitised"}]
    journey = dossiers.history(sqlite_store.engine, "PICKUP")
    assert [(e.state, e.place, e.record_no) for e in journey[-2:]] == [
        ("digitised", "address", None),
        ("digitised", LUONG_VAN_CAN, "BB-0702"),
    ]
    assert dossiers.derived_state(journey) == dossiers.current(sqlite_store.engine, "PICKUP")["state"] == "digitised"
    shuttles = _by_codes(daytasks.from_states(sqlite_store.engine, hanoi, monday))
    shuttle = next(t for codes, t in shuttles.items() if "PICKUP" in codes)
    assert (shuttle["kind"], shuttle["pickup"]) == ("shuttle", LUONG_VAN_CAN)
    assert set(next(codes for codes in shuttles if "PICKUP" in codes)) >= {"PICKUP", "S-0", "S-1"}


def test_a_home_pickup_its_agency_could_not_take_goes_on_from_the_postman_s_post_office(
    sqlite_store: Store, hanoi: AddressMap
) -> None:
    # Handed in for Tràng Tiền, collected on Saturday by a postman of Lương Văn Can, and Tràng Tiền could not take
    # it: he brings it back to his own post office, and Monday's shuttle to BHXH leaves from there, not from an
    # agency that never had it.
    saturday, monday = date(2026, 2, 7), date(2026, 2, 9)
    daycases.add(sqlite_store.engine, "AWAY", channel="home_pickup", agency_id=daycases.TRANG_TIEN)
    _, answer = day.plan(sqlite_store, hanoi, saturday, time_limit_s=1)
    stops = [s for r in answer["routes"] for s in r["stops"] if "AWAY" in s["dossiers"]]
    assert [(s["kind"], s["place"]) for s in stops] == [("pickup", "address:AWAY"), ("delivery", daycases.TRANG_TIEN)]
    morning = datetime(2026, 2, 7, 9, tzinfo=HANOI)
    task = stops[0]["task"]
    dayevents.record(sqlite_store, saturday, task=task, event="picked_up", who=BINH, proof=daycases.SIGNED, at=morning)
    failed = dayevents.record(
        sqlite_store, saturday, task=task, event="failed", who=BINH, reason="đóng cửa", at=morning + timedelta(hours=1)
    )
    assert failed["moves"] == [{"code": "AWAY", "state": "digitised"}]
    last = dossiers.history(sqlite_store.engine, "AWAY")[-1]
    assert (last.state, last.place, last.record_no) == ("digitised", LUONG_VAN_CAN, None)
    shuttles = _by_codes(daytasks.from_states(sqlite_store.engine, hanoi, monday))
    codes, shuttle = next((codes, t) for codes, t in shuttles.items() if "AWAY" in codes)
    assert (shuttle["kind"], shuttle["pickup"]) == ("shuttle", LUONG_VAN_CAN)
    assert "S-0" in codes  # with the dossiers of that post office for BHXH


def test_a_home_pickup_not_handed_over_at_its_agency_is_asked_for(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Collected on Saturday, its handover at the post office not recorded: Monday's shuttle was planned from the
    # post office, where it was not. It is named as still with the postman until its event is recorded.
    saturday, monday = date(2026, 2, 7), date(2026, 2, 9)
    _, answer = day.plan(sqlite_store, hanoi, saturday, time_limit_s=1)
    (task,) = {s["task"] for r in answer["routes"] for s in r["stops"] if "PICKUP" in s["dossiers"]}
    morning = datetime(2026, 2, 7, 9, tzinfo=HANOI)
    dayevents.record(sqlite_store, saturday, task=task, event="picked_up", who=BINH, proof=daycases.SIGNED, at=morning)
    tasks = daytasks.from_states(sqlite_store.engine, hanoi, monday)
    assert "PICKUP" not in tasks.codes
    (left,) = [x for x in tasks.excluded if x["code"] == "PICKUP"]
    assert (left["reason_code"], left["values"]) == (
        "still_carried",
        {"postman": "binh", "since": "09:00", "day": "2026-02-07", "postman_name": daycases.POSTMAN_NAME},
    )
    dayevents.record(sqlite_store, saturday, task=task, event="handed_over", who=BINH, record_no="BB-0702", at=morning)
    assert "PICKUP" in daytasks.from_states(sqlite_store.engine, hanoi, monday).codes


def test_only_a_dossier_waiting_at_a_post_office_changes_hands_without_a_move(sqlite_store: Store) -> None:
    with sqlite_store.engine.begin() as conn:
        with pytest.raises(TransitionError, match="S-1 is received: it changes hands only by a move"):
            dossiers.transfer(conn, "S-1", who="binh", place=daycases.TRANG_TIEN)
        event = dossiers.transfer(conn, "S-0", who="binh", place=daycases.TRANG_TIEN, record_no="BB-9")
    assert (event.state, event.place, event.record_no) == ("digitised", daycases.TRANG_TIEN, "BB-9")
    assert dossiers.current(sqlite_store.engine, "S-0")["seq"] == event.seq


def test_on_duty_from_a_clock() -> None:
    team = [{"id": "a", "depot": "d"}, {"id": "b", "depot": "d", "shift": "07:00-12:00"}, {"id": "c", "depot": "d"}]
    assert scenario.on_duty_from(team, "06:30") == [
        {"id": "a", "depot": "d", "shift": "07:30-17:30", "lunch": True},
        {"id": "b", "depot": "d", "shift": "07:00-12:00", "lunch": True},
        {"id": "c", "depot": "d", "shift": "07:30-17:30", "lunch": True},
    ]
    # At 12:50 the 45-minute break no longer ends by 13:30; b's shift is over.
    team[2]["lunch"] = False
    assert scenario.on_duty_from(team, "12:50") == [
        {"id": "a", "depot": "d", "shift": "12:50-17:30", "lunch": False},
        {"id": "c", "depot": "d", "shift": "12:50-17:30", "lunch": False},
    ]
    assert scenario.on_duty_from(team, "12:45")[0]["lunch"] is True


def test_a_day_is_planned_from_now_only_on_the_day_itself() -> None:
    now = datetime(2026, 2, 4, 9, 41, tzinfo=HANOI)
    assert day.planned_from(DAY, now) == "09:41"
    assert day.planned_from(DAY + timedelta(days=1), now) is None
    assert day.planned_from(DAY - timedelta(days=1), now) is None


def test_a_unit_the_operator_located_is_planned_at_its_point(
    sqlite_store: Store, hanoi: AddressMap, tmp_path: Path
) -> None:
    # The map has no committee for Phường Nghĩa Đô: its dossier waits, "authority 00160 has no location (agencynet
    # dossiers gaps)". The operator imports its seat as a point; the dossier then goes there. It still waited, said
    # unlocated, while the gaps no longer listed the unit.
    daycases.add(sqlite_store.engine, "GAP", authority_code="00160")
    _, before = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    waiting = {u["code"]: u for u in before["unserved"]}
    assert waiting["GAP"]["reason_code"] == "authority_unlocated"
    # Named as the postman and the dispatcher read it ("Cơ quan giải quyết 00160 chưa có vị trí" before).
    assert waiting["GAP"]["values"] == {"authority": "00160", "authority_name": "UBND Phường Nghĩa Đô"}
    assert i18n.said("vi", "unserved.authority_unlocated", "", waiting["GAP"]["values"]) == (
        "Cơ quan giải quyết UBND Phường Nghĩa Đô chưa có vị trí"
    )
    table = tmp_path / "seats.csv"
    table.write_text("code,name,level,lat,lon\n00160,Phường Nghĩa Đô,commune,21.0465,105.7985\n", encoding="utf-8")
    authorities.import_csv(sqlite_store.engine, table)
    assert "00160" not in {g["authority_code"] for g in authorities.data_gaps(sqlite_store.engine)}
    _, after = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    assert "GAP" not in {u["code"] for u in after["unserved"]}
    (stop,) = [s for r in after["routes"] for s in r["stops"] if "GAP" in s["dossiers"] and s["kind"] == "delivery"]
    assert (stop["place"], stop["name"]) == ("authority:00160", "UBND Phường Nghĩa Đô")
    assert (stop["lat"], stop["lon"]) == pytest.approx((21.0465, 105.7985), abs=1e-4)


def test_a_unit_placed_during_the_day_takes_its_dossiers_on_the_replan(sqlite_store: Store, hanoi: AddressMap) -> None:
    # The dispatcher places Phường Nghĩa Đô's committee at 10:00: the re-plan takes the dossier the plan left
    # waiting for it (it kept waiting: a re-plan added only dossiers that came in since). Placed again, a few
    # streets off, the re-plan routes both its dossiers to the new point (the plan and the new tasks each named the
    # place: two records of one place).
    daycases.add(sqlite_store.engine, "GAP", authority_code="00160")
    plan_id, before = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    assert {u["code"]: u["reason_code"] for u in before["unserved"]}["GAP"] == "authority_unlocated"
    authorities.place(sqlite_store.engine, "00160", 21.0465, 105.7985, who="dispatcher")
    same_id, version, after, added = day.replan(sqlite_store, hanoi, DAY, done={}, at="10:00", time_limit_s=1)
    assert (same_id, version, added) == (plan_id, 2, 1)
    assert after["dossiers"] == before["dossiers"] and "GAP" not in {u["code"] for u in after["unserved"]}
    (stop,) = [s for r in after["routes"] for s in r["stops"] if "GAP" in s["dossiers"] and s["kind"] == "delivery"]
    assert (stop["place"], stop["arrival"] >= "10:00") == ("authority:00160", True)
    daycases.add(sqlite_store.engine, "GAP-2", authority_code="00160")
    authorities.place(sqlite_store.engine, "00160", 21.0440, 105.8010, who="dispatcher")
    _, _, moved, added = day.replan(sqlite_store, hanoi, DAY, done={}, at="10:30", time_limit_s=1)
    assert added == 1 and moved["dossiers"] == before["dossiers"] + 1
    stops = [s for r in moved["routes"] for s in r["stops"] if s["place"] == "authority:00160"]
    assert {c for s in stops for c in s["dossiers"]} == {"GAP", "GAP-2"}
    assert [(s["lat"], s["lon"]) for s in stops] == [pytest.approx((21.0440, 105.8010), abs=1e-4)] * len(stops)


def test_a_replan_after_a_postmans_shift_keeps_his_route_and_gives_the_rest_to_the_others(
    sqlite_store: Store, hanoi: AddressMap
) -> None:
    # The engine restarted every postman of the plan at the clock: one whose shift was over made OR-Tools fail,
    # and the re-plan was then refused. A morning postman's route now stays as planned, closed.
    postmen = [
        {"id": "P1", "depot": LUONG_VAN_CAN, "shift": "07:30-12:00"},
        {"id": "P2", "depot": LUONG_VAN_CAN, "shift": "12:30-17:30"},
    ]
    _, before = day.plan(sqlite_store, hanoi, DAY, postmen=postmen, time_limit_s=1)
    daycases.add(sqlite_store.engine, "NEW", channel="home_pickup", received_at="2026-02-04T12:30:00+07:00")
    _, version, after, added = day.replan(sqlite_store, hanoi, DAY, done={}, at="13:00", time_limit_s=1)
    assert (version, added) == (2, 1)
    routes = {r["postman"]: r for r in after["routes"]}
    morning = {r["postman"]: r for r in before["routes"]}["P1"]
    assert routes["P1"]["closed"] and routes["P1"]["stops"] == morning["stops"]
    assert not routes["P2"]["closed"] and after["check"]
    (pickup,) = [s for s in routes["P2"]["stops"] if "NEW" in s["dossiers"] and s["kind"] == "pickup"]
    assert pickup["arrival"] >= "13:00"
    daycases.add(sqlite_store.engine, "EVENING", channel="home_pickup", received_at="2026-02-04T17:00:00+07:00")
    with pytest.raises(InputError, match="every shift of 2026-02-04 is over at 17:30") as over:
        day.replan(sqlite_store, hanoi, DAY, done={}, at="17:30", time_limit_s=1)
    assert over.value.code == "shifts_over"


def test_postmen_given_with_their_shifts_are_named_as_their_accounts(sqlite_store: Store, hanoi: AddressMap) -> None:
    # The dispatcher gives the day's shifts: the plan then named the postmen by their ids ("binh"), as the pages
    # said them, where the accounts' default crew named them in full.
    postmen = [
        {"id": "binh", "depot": LUONG_VAN_CAN, "shift": "07:30-12:00"},
        {"id": "P2", "depot": LUONG_VAN_CAN, "name": "Trần Thị An"},
        {"id": "P3", "depot": LUONG_VAN_CAN},
    ]
    assert [p.get("name") for p in day.crew(sqlite_store, postmen)] == [daycases.POSTMAN_NAME, "Trần Thị An", None]
    _, answer = day.plan(sqlite_store, hanoi, DAY, postmen=postmen[:1], time_limit_s=1)
    assert [r["postman_name"] for r in answer["routes"]] == [daycases.POSTMAN_NAME]


def test_an_authoritys_stop_is_named_as_the_registry_names_it(sqlite_store: Store, hanoi: AddressMap) -> None:
    # The postman reads the unit the dossiers go to, not the building's name on the map: the city's social
    # insurance (the map has the national one's building), a ward's People's Committee.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    seats = authorities.seats(sqlite_store.engine)
    named = {s["place"]: s["name"] for r in answer["routes"] for s in r["stops"] if s["place"] in seats}
    assert named and named == {place: seats[place] for place in named}
    with sqlite_store.engine.connect() as conn:
        bhxh = conn.execute(sa.select(tables.authorities.c.place_id).where(tables.authorities.c.code == BHXH)).scalar()
    assert named[bhxh] == "Bảo hiểm xã hội thành phố Hà Nội"
    assert all(n.startswith("UBND Phường ") for p, n in named.items() if p != bhxh)
    live = dayevents.live(sqlite_store, DAY, now="08:00")
    assert {s["place"]: s["name"] for r in live["routes"] for s in r["stops"] if s["place"] in seats} == named


def test_a_postman_sent_home_hands_his_stops_to_the_others(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Taken ill at 10:00 after his first pickup: he goes back to his post office with that dossier, the other
    # postman takes the rest; nothing new came in, and the day is re-planned all the same.
    postmen = [{"id": "P1", "depot": LUONG_VAN_CAN}, {"id": "P2", "depot": LUONG_VAN_CAN}]
    _, before = day.plan(sqlite_store, hanoi, DAY, postmen=postmen, time_limit_s=1)
    route = before["routes"][0]
    ill, other = route["postman"], {"P1": "P2", "P2": "P1"}[route["postman"]]
    first = next(s for s in route["stops"] if s["kind"] == "pickup")
    dayevents.record(sqlite_store, DAY, task=first["task"], event="picked_up", who=Principal("d", "dispatcher", None))
    done = dayevents.done_stops(sqlite_store, DAY)
    _, version, after, added = day.replan(
        sqlite_store, hanoi, DAY, done=done, at="10:00", time_limit_s=1, shift_ends={ill: "10:00"}
    )
    assert (version, added) == (2, 0) and after["check"]
    routes = {r["postman"]: r for r in after["routes"]}
    home = routes[ill]
    assert [s["kind"] for s in home["stops"]] == ["start", "pickup", "position", "end"]
    assert home["shift"] == f"07:30-{home['stops'][-1]['arrival']}" and home["stops"][-1]["arrival"] >= "10:00"
    carried = {u["code"] for u in after["unserved"] if u["reason_code"] == "carried_back"}
    assert carried == set(first["dossiers"])
    served_before = {c for r in before["routes"] for s in r["stops"] for c in s["dossiers"]}
    taken = {c for s in routes[other]["stops"] for c in s["dossiers"]}
    assert served_before - carried <= taken
    assert all(s["arrival"] >= "10:00" for s in routes[other]["stops"][1:])
    stored = day.stored(sqlite_store, DAY)["state"]["postmen"]
    assert {p["id"]: p.get("shift") for p in stored}[ill] == home["shift"]


def test_the_shift_of_a_postman_sent_home_ends_once_he_is_back(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Sent home after a pickup at an authority, he is back at 10:22:23. His shift was kept as "10:22" (rounded to
    # the nearest minute), before he is back: the next re-plan, his route closed, failed the checker.
    postmen = [{"id": "P1", "depot": LUONG_VAN_CAN}, {"id": "P2", "depot": LUONG_VAN_CAN}]
    _, before = day.plan(sqlite_store, hanoi, DAY, postmen=postmen, time_limit_s=1)
    route = before["routes"][0]
    ill, other = route["postman"], {"P1": "P2", "P2": "P1"}[route["postman"]]
    away = [s for s in route["stops"] if s["kind"] == "pickup" and s["place"] != LUONG_VAN_CAN][1]
    for stop in route["stops"][1 : away["seq"] + 1]:
        if stop["kind"] == "pickup":
            signed = daycases.SIGNED if proofs.needed("picked_up", stop["place"]) else None
            dayevents.record(sqlite_store, DAY, task=stop["task"], event="picked_up", who=DISPATCHER, proof=signed)
    done = dayevents.done_stops(sqlite_store, DAY)
    _, _, sent, _ = day.replan(
        sqlite_store, hanoi, DAY, done=done, at="10:00", time_limit_s=1, shift_ends={ill: "10:00"}
    )
    (back,) = [
        r["stops"][-1]["arrival"]
        for r in day.stored(sqlite_store, DAY)["result"]["plan"]["routes"]
        if r["postman"] == ill
    ]
    assert back % 60 and back % 60 < 30  # rounded to the nearest minute, before he is back
    assert next(r["shift"] for r in sent["routes"] if r["postman"] == ill) == f"07:30-{hhmm(back + 60 - back % 60)}"
    _, _, later, _ = day.replan(
        sqlite_store, hanoi, DAY, done=done, at="11:00", time_limit_s=1, shift_ends={other: "17:30"}
    )
    assert later["check"]


def test_what_a_postman_sent_home_brings_back_goes_out_again_the_same_day(
    sqlite_store: Store, hanoi: AddressMap
) -> None:
    # Brought back to the post office at 10:20, the dossiers waited for the next working day: an overdue one
    # missed its day. The next re-plan gives them to the postman still out, picked up no earlier than 10:20.
    postmen = [{"id": "P1", "depot": LUONG_VAN_CAN}, {"id": "P2", "depot": LUONG_VAN_CAN}]
    _, before = day.plan(sqlite_store, hanoi, DAY, postmen=postmen, time_limit_s=1)
    route = before["routes"][0]
    ill, other = route["postman"], {"P1": "P2", "P2": "P1"}[route["postman"]]
    first = next(s for s in route["stops"] if s["kind"] == "pickup")
    dispatcher = Principal("d", "dispatcher", None)
    dayevents.record(sqlite_store, DAY, task=first["task"], event="picked_up", who=dispatcher)
    done = dayevents.done_stops(sqlite_store, DAY)
    day.replan(sqlite_store, hanoi, DAY, done=done, at="10:00", time_limit_s=1, shift_ends={ill: "10:00"})
    assert dayevents.brought_back(sqlite_store, DAY) == set()  # still in his bag
    back_at = datetime(2026, 2, 4, 10, 20, tzinfo=HANOI)
    dayevents.record(
        sqlite_store, DAY, task=first["task"], event="failed", who=dispatcher, reason="mang về", at=back_at
    )
    again = dayevents.brought_back(sqlite_store, DAY)
    assert again == set(first["dossiers"])

    done = dayevents.done_stops(sqlite_store, DAY)
    _, version, after, added = day.replan(sqlite_store, hanoi, DAY, done=done, at="10:30", time_limit_s=1, again=again)
    assert (version, added) == (3, 1)
    assert after["check"]
    state = day.stored(sqlite_store, DAY)["state"]
    task = state["tasks"][-1]  # the one added
    assert set(state["dossiers"][task["id"]]) == again and task["pickup_window"] == "10:20-23:59"
    (stop,) = [s for r in after["routes"] for s in r["stops"] if s["task"] == task["id"] and s["kind"] == "pickup"]
    assert stop["arrival"] >= "10:20"
    assert next(r for r in after["routes"] if stop in r["stops"])["postman"] == other
    assert again.isdisjoint(u["code"] for u in after["unserved"])
    assert after["dossiers"] == before["dossiers"]  # each dossier counted once, in two tasks
    assert dayevents.brought_back(sqlite_store, DAY) == set()  # given to another task: not again
    moved = dayevents.record(sqlite_store, DAY, task=task["id"], event="picked_up", who=dispatcher)
    assert {m["code"]: m["state"] for m in moved["moves"]} == dict.fromkeys(again, "to_authority")


def test_a_postman_called_in_takes_the_stops_of_one_sent_home(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Binh taken ill at 10:00 with nothing done, a substitute is called in from the same post office: he leaves
    # then and takes the day's stops (before, a day could only be re-planned with the postmen it was planned with).
    _, before = day.plan(sqlite_store, hanoi, DAY, postmen=[{"id": "binh", "depot": LUONG_VAN_CAN}], time_limit_s=1)
    for joining, field, code in (
        ([{"id": "binh", "depot": LUONG_VAN_CAN}], "joining[0].id", "postman_in_plan"),
        ([{"id": "an", "depot": "osm:node/1"}], "joining[0].depot", "unknown_agency"),
        ([{"id": "an", "depot": LUONG_VAN_CAN, "shift": "07:30-09:00"}], "joining[0].shift", "shift_over"),
    ):
        with pytest.raises((FieldError, FieldErrors)) as refused:
            day.replan(sqlite_store, hanoi, DAY, done={}, at="10:00", time_limit_s=1, joining=joining)
        problems = getattr(refused.value, "problems", [refused.value])
        assert [(e.field, e.code) for e in problems] == [(field, code)]
    substitute = {"id": "an", "depot": LUONG_VAN_CAN}
    _, version, after, added = day.replan(
        sqlite_store,
        hanoi,
        DAY,
        done={},
        at="10:00",
        time_limit_s=1,
        shift_ends={"binh": "10:00"},
        joining=[substitute],
    )
    assert (version, added) == (2, 0) and after["check"]
    (route,) = after["routes"]
    assert route["postman"] == "an" and all(s["arrival"] >= "10:00" for s in route["stops"][1:])
    assert after["served_dossiers"] == before["served_dossiers"]
    assert [p["id"] for p in day.stored(sqlite_store, DAY)["state"]["postmen"]] == ["binh", "an"]


def test_a_postman_called_in_to_a_balanced_day_takes_a_share_of_it(sqlite_store: Store, hanoi: AddressMap) -> None:
    # Twenty results to bring to doors, planned balanced for Bình alone; An is called in at 07:30. The re-plan is
    # balanced too: An takes a share and the last one is back earlier than Bình alone.
    for k in range(20):
        door = {"lat": 21.018 + 0.004 * (k % 5), "lon": 105.834 + 0.006 * (k // 5), "address": f"Số {k + 1} (tổng hợp)"}
        applicant = dossier("-")["applicant"] | door
        daycases.add(
            sqlite_store.engine, f"DOOR-{k}", states=daycases.DECIDED, applicant=applicant, return_mode="address"
        )
    alone = [{"id": "binh", "depot": LUONG_VAN_CAN}]
    _, before = day.plan(sqlite_store, hanoi, DAY, postmen=alone, time_limit_s=2, balanced=True)
    joining = [{"id": "an", "depot": LUONG_VAN_CAN}]
    _, _, after, _ = day.replan(sqlite_store, hanoi, DAY, done={}, at="07:30", time_limit_s=3, joining=joining)
    assert after["check"] and after["served_dossiers"] == before["served_dossiers"]
    carried = {r["postman"]: sum(len(s["dossiers"]) for s in r["stops"]) for r in after["routes"]}
    assert carried["an"] > 0 and carried["binh"] > 0
    assert after["balance"]["back"] < before["balance"]["back"]


def test_a_half_day_round_owes_no_break(sqlite_store: Store, hanoi: AddressMap) -> None:
    # A break is owed to a working day of 6 hours or more (Labour Code 2019, art. 109): an afternoon round of five
    # hours was given its 45 minutes of lunch at 12:30, as it started.
    for shift, owed in (("12:30-17:30", False), ("11:30-17:30", True)):
        postmen = [{"id": "P2", "depot": LUONG_VAN_CAN, "shift": shift}]
        _, answer = day.plan(sqlite_store, hanoi, DAY, postmen=postmen, time_limit_s=1)
        (route,) = day.stored(sqlite_store, DAY)["result"]["plan"]["routes"]
        assert answer["served_dossiers"] and (route["break_start"] is not None) == owed


def test_a_shift_end_for_a_stranger_or_a_closed_route_is_refused(sqlite_store: Store, hanoi: AddressMap) -> None:
    postmen = [
        {"id": "P1", "depot": LUONG_VAN_CAN, "shift": "07:30-12:00"},
        {"id": "P2", "depot": LUONG_VAN_CAN, "shift": "12:30-17:30"},
    ]
    day.plan(sqlite_store, hanoi, DAY, postmen=postmen, time_limit_s=1)
    with pytest.raises(FieldError) as stranger:
        day.replan(sqlite_store, hanoi, DAY, done={}, at="13:00", time_limit_s=1, shift_ends={"P9": "15:00"})
    assert (stranger.value.field, stranger.value.code) == ("shift_ends.P9", "postman_not_in_plan")
    # At 13:00 the morning route is closed; keeping P2 late re-plans, and P1's end can no longer change.
    _, version, _, _ = day.replan(
        sqlite_store, hanoi, DAY, done={}, at="13:00", time_limit_s=1, shift_ends={"P2": "18:30"}
    )
    shifts = {p["id"]: p["shift"] for p in day.stored(sqlite_store, DAY)["state"]["postmen"]}
    assert version == 2 and shifts == {"P1": "07:30-12:00", "P2": "12:30-18:30"}
    with pytest.raises(FieldError) as closed:
        day.replan(sqlite_store, hanoi, DAY, done={}, at="13:30", time_limit_s=1, shift_ends={"P1": "15:00"})
    assert (closed.value.field, closed.value.code) == ("shift_ends.P1", "route_closed")


def test_a_postmans_usual_shift_is_kept_with_his_account(sqlite_store: Store, hanoi: AddressMap) -> None:
    # A post office's morning postman: every day was planned with the default 07:30-17:30 unless the dispatcher set
    # his hours that morning.
    assert accounts.set_shift(sqlite_store.engine, "binh", " 07:30 - 12:00 ") == "07:30-12:00"
    assert [(p["id"], p["shift"]) for p in day.roster(sqlite_store, hanoi)] == [("binh", "07:30-12:00")]
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    assert [r["shift"] for r in answer["routes"]] == ["07:30-12:00"]
    assert all(s["arrival"] <= "12:00" for r in answer["routes"] for s in r["stops"])
    for shift, code in (("7h30-12h", "bad_shift"), ("12:00-07:30", "shift_order"), ("24:00-25:00", "bad_shift")):
        with pytest.raises(InputError) as refused:
            accounts.set_shift(sqlite_store.engine, "binh", shift)
        assert (refused.value.code, refused.value.field) == (code, "shift")
    with pytest.raises(UnknownError, match="no postman 'lan' with a post office"):
        accounts.set_shift(sqlite_store.engine, "lan", "07:30-12:00")
    assert accounts.set_shift(sqlite_store.engine, "binh", None) is None
    assert day.roster(sqlite_store, hanoi)[0]["shift"] == scenario.SHIFT


def test_a_postmans_usual_capacity_is_kept_with_his_account(sqlite_store: Store, hanoi: AddressMap) -> None:
    # On a bicycle he carries 2 dossier units: every day was planned with the default 40 unless the dispatcher sent
    # his capacity that morning; the four dossiers for BHXH now leave in two loads.
    _, before = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    assert accounts.set_capacity(sqlite_store.engine, "binh", 2) == 2
    assert [(p["id"], p["capacity"]) for p in day.roster(sqlite_store, hanoi)] == [("binh", 2)]
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)

    def most(plan: dict) -> int:
        return max(len(s["dossiers"]) for r in plan["routes"] for s in r["stops"] if s["kind"] == "pickup")

    assert most(answer) == 2 < most(before) == 4
    for capacity in (0, 10_001):
        with pytest.raises(InputError) as refused:
            accounts.set_capacity(sqlite_store.engine, "binh", capacity)
        assert (refused.value.code, refused.value.field) == ("bad_capacity", "capacity")
    with pytest.raises(UnknownError, match="no postman 'lan' with a post office"):
        accounts.set_capacity(sqlite_store.engine, "lan", 15)
    assert accounts.set_capacity(sqlite_store.engine, "binh", None) is None
    assert day.roster(sqlite_store, hanoi)[0]["capacity"] == scenario.POSTMAN_CAPACITY


def test_a_balanced_day_comes_back_earlier_and_its_balanced_replan_keeps_the_postmen_s_dossiers(
    sqlite_store: Store, hanoi: AddressMap
) -> None:
    # Twenty results to bring to doors around Hoàn Kiếm lake: chained by one postman, back before noon.
    for k in range(20):
        door = {"lat": 21.018 + 0.004 * (k % 5), "lon": 105.834 + 0.006 * (k // 5), "address": f"Số {k + 1} (tổng hợp)"}
        applicant = dossier("-")["applicant"] | door
        daycases.add(
            sqlite_store.engine, f"DOOR-{k}", states=daycases.DECIDED, applicant=applicant, return_mode="address"
        )
    crew = [{"id": "binh", "depot": LUONG_VAN_CAN}, {"id": "an", "depot": LUONG_VAN_CAN}]
    _, cheapest = day.plan(sqlite_store, hanoi, DAY, postmen=crew, time_limit_s=2)
    _, balanced = day.plan(sqlite_store, hanoi, DAY, postmen=crew, time_limit_s=4, balanced=True)
    said = balanced["balance"]
    assert cheapest["balance"] is None and balanced["check"]
    assert balanced["served_dossiers"] == cheapest["served_dossiers"]
    back = max(r["stops"][-1]["arrival"] for r in balanced["routes"])
    assert said["back"] == back < said["cheapest_back"] and said["cost"] > said["cheapest_cost"]
    assert len(balanced["routes"]) == 2

    def carriers(answer: dict) -> dict[str, str]:
        return {c: r["postman"] for r in answer["routes"] for s in r["stops"] for c in s["dossiers"]}

    daycases.add(sqlite_store.engine, "URGENT", channel="home_pickup", received_at="2026-02-04T12:00:00+07:00")
    _, _, after, added = day.replan(sqlite_store, hanoi, DAY, done={}, at="07:30", time_limit_s=2)
    # The re-plan is balanced too: it says so of its own plan.
    assert added == 1 and after["check"]
    assert after["balance"]["back"] == max(r["stops"][-1]["arrival"] for r in after["routes"])
    kept = carriers(balanced)
    assert {c: p for c, p in carriers(after).items() if c in kept} == kept
