"""What a postman records at a stop beyond the event: why it failed (a reason that fits the stop, kept with the
dossiers' move), what becomes of a result that cannot be handed over at the door, and where his phone was."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pyproj import Geod

from api import i18n
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import day, dayevents, daytasks, dossiers, report, report_figures
from ops.accounts import Principal
from ops.errors import ConflictError, FieldError
from ops.store import Store
from tests.ops import daycases
from tests.ops.daycases import DAY, LUONG_VAN_CAN

BINH = Principal("binh", "postman", LUONG_VAN_CAN)


def _task_of(answer: dict, code: str) -> str:
    return next(s["task"] for r in answer["routes"] for s in r["stops"] if code in s["dossiers"])


def _fail_at_the_door(store: Store, hanoi: AddressMap, on: datetime, reason_code: str) -> None:
    """Plan the day of ``on``, and record the HOME result picked up and not handed over at the door."""
    _, answer = day.plan(store, hanoi, on.date(), time_limit_s=1)
    task = _task_of(answer, "HOME")
    dayevents.record(store, on.date(), task=task, event="picked_up", who=BINH, at=on)
    dayevents.record(store, on.date(), task=task, event="failed", who=BINH, reason_code=reason_code, at=on)


def _home_task(store: Store, hanoi: AddressMap, on: datetime) -> dict:
    tasks = daytasks.from_states(store.engine, hanoi, on.date())
    return next(t for t in tasks.tasks if tasks.dossiers[t["id"]] == ["HOME"])


def test_a_reason_must_fit_the_stop(sqlite_store: Store, hanoi: AddressMap) -> None:
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    home, shuttle = _task_of(answer, "HOME"), _task_of(answer, "S-1")
    dayevents.record(sqlite_store, DAY, task=home, event="picked_up", who=BINH)

    def refused(task: str, **given: str) -> FieldError:
        with pytest.raises(FieldError) as caught:
            dayevents.record(sqlite_store, DAY, task=task, event=given.pop("event", "failed"), who=BINH, **given)
        return caught.value

    # At the citizen's door nobody closes an office; at an agency, nobody is "not at home" (the shuttle not yet
    # picked up fails at its pickup, the agency).
    assert refused(home, reason_code="place_closed").code == "failure_not_here"
    assert refused(shuttle, reason_code="nobody_home").fields["place"] == LUONG_VAN_CAN
    assert refused(home, reason_code="lost").code == "unknown_failure"
    assert refused(home, reason_code="other").code == "failure_reason_needed"  # "other" is said in words
    assert refused(home).code == "failure_reason_needed"
    assert refused(home, event="delivered", reason_code="no_time").code == "reason_code_not_failed"
    assert dossiers.current(sqlite_store.engine, "HOME")["state"] == "returning", "nothing refused moved"

    # Words alone are "other", as failures were recorded before they had codes.
    said = dayevents.record(sqlite_store, DAY, task=shuttle, event="failed", who=BINH, reason="xe hỏng")
    assert (said["reason_code"], said["reason"], said["moves"]) == ("other", "xe hỏng", [])
    failed = dayevents.record(sqlite_store, DAY, task=home, event="failed", who=BINH, reason_code="nobody_home")
    assert failed["moves"] == [{"code": "HOME", "state": "failed_return"}]
    with pytest.raises(ConflictError):
        dayevents.record(sqlite_store, DAY, task=home, event="failed", who=BINH, reason_code="refused")


def test_a_result_is_kept_for_collection_after_two_tries_at_the_door(sqlite_store: Store, hanoi: AddressMap) -> None:
    first = datetime.combine(DAY, datetime.min.time(), HANOI).replace(hour=15)
    _fail_at_the_door(sqlite_store, hanoi, first, "nobody_home")
    again = _home_task(sqlite_store, hanoi, first + timedelta(days=1))
    assert (again["pickup"], again["delivery"]) == (LUONG_VAN_CAN, "address:HOME"), "a second try at the door"

    # A try that never reached the door (no time left) does not count.
    _fail_at_the_door(sqlite_store, hanoi, first + timedelta(days=1), "no_time")
    assert _home_task(sqlite_store, hanoi, first + timedelta(days=2))["delivery"] == "address:HOME"

    _fail_at_the_door(sqlite_store, hanoi, first + timedelta(days=2), "nobody_home")
    tries = [e.reason for e in dossiers.history(sqlite_store.engine, "HOME") if e.state == "failed_return"]
    assert tries == ["nobody_home", "no_time", "nobody_home"]
    kept = _home_task(sqlite_store, hanoi, first + timedelta(days=3))
    assert (kept["kind"], kept["delivery"]) == ("result_return", LUONG_VAN_CAN), "to its agency, for collection"


@pytest.mark.parametrize("reason_code", ["refused", "address_not_found"])
def test_a_result_refused_or_its_address_not_found_goes_to_its_agency_at_once(
    sqlite_store: Store, hanoi: AddressMap, reason_code: str
) -> None:
    first = datetime.combine(DAY, datetime.min.time(), HANOI).replace(hour=15)
    _fail_at_the_door(sqlite_store, hanoi, first, reason_code)
    assert _home_task(sqlite_store, hanoi, first + timedelta(days=1))["delivery"] == LUONG_VAN_CAN


def test_an_event_says_how_far_from_its_stop_the_phone_was(sqlite_store: Store, hanoi: AddressMap) -> None:
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    task = _task_of(answer, "S-1")
    stops = {s["kind"]: s for r in answer["routes"] for s in r["stops"] if s["task"] == task}
    pickup, delivery = stops["pickup"], stops["delivery"]
    at = datetime.combine(DAY, datetime.min.time(), HANOI)
    # 40 m east of the pickup, then 2 km north of the authority with a fix good to 50 m.
    near_lon, near_lat, _ = Geod(ellps="WGS84").fwd(pickup["lon"], pickup["lat"], 90, 40)
    far_lon, far_lat, _ = Geod(ellps="WGS84").fwd(delivery["lon"], delivery["lat"], 0, 2000)
    near = {"lat": near_lat, "lon": near_lon, "accuracy_m": 15.0}
    taken = dayevents.record(
        sqlite_store, DAY, task=task, event="picked_up", who=BINH, position=near, at=at.replace(hour=9)
    )
    assert taken["off_m"] == 40 and taken["position"] == near
    far = {"lat": far_lat, "lon": far_lon, "accuracy_m": 50.0}
    handed = dayevents.record(
        sqlite_store,
        DAY,
        task=task,
        event="handed_over",
        who=BINH,
        record_no="BB-1",
        position=far,
        at=at.replace(hour=9, minute=40),
    )
    assert handed["off_m"] == 2000
    # Sent again from elsewhere (the phone retried later): the same event, the first position.
    again = dayevents.record(
        sqlite_store, DAY, task=task, event="handed_over", who=BINH, record_no="BB-1", position=near
    )
    assert again["replayed"] and again["position"] == far

    live = dayevents.live(sqlite_store, DAY, now="12:00")
    route = next(r for r in live["routes"] if any(s["task"] == task for s in r["stops"]))
    said = {s["kind"]: s["recorded"] for s in route["stops"] if s["task"] == task}
    assert (said["pickup"]["at"], said["pickup"]["off_m"], said["pickup"]["far"]) == ("09:00", 40, False)
    assert (said["delivery"]["at"], said["delivery"]["off_m"], said["delivery"]["far"]) == ("09:40", 2000, True)
    assert said["delivery"]["record_no"] == "BB-1"
    assert route["last_seen"] == far | {"at": "09:40", "task": task}
    assert all(s["recorded"] is None for s in route["stops"] if s["task"] and s["task"] != task)


def test_the_quarter_counts_the_results_at_the_door(sqlite_store: Store, hanoi: AddressMap) -> None:
    # HOME: nobody at home, brought the next day; FIRST: handed over at the first try, to a person the applicant
    # authorised; GONE: refused at the door, taken to its agency the next day, where it is handed over for the
    # citizen to collect.
    for code in ("FIRST", "GONE"):
        daycases.add(sqlite_store.engine, code, states=daycases.DECIDED, return_mode="address")
    on = datetime.combine(DAY, datetime.min.time(), HANOI).replace(hour=15)
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    for code, event, extra in (
        ("HOME", "failed", {"reason_code": "nobody_home"}),
        ("FIRST", "delivered", {"proof": daycases.SIGNED | {"signer": "authorised", "name": "Lê Văn Ủy (tổng hợp)"}}),
        ("GONE", "failed", {"reason_code": "refused"}),
    ):
        task = _task_of(answer, code)
        dayevents.record(sqlite_store, DAY, task=task, event="picked_up", who=BINH, at=on)
        dayevents.record(sqlite_store, DAY, task=task, event=event, who=BINH, at=on, **extra)
    after = DAY + timedelta(days=1)
    _, answer = day.plan(sqlite_store, hanoi, after, time_limit_s=1)
    for code, event, extra in (
        ("HOME", "delivered", {"proof": daycases.SIGNED}),
        ("GONE", "handed_over", {"record_no": "BB-9"}),
    ):
        task = _task_of(answer, code)
        dayevents.record(sqlite_store, after, task=task, event="picked_up", who=BINH, at=on + timedelta(days=1))
        dayevents.record(sqlite_store, after, task=task, event=event, who=BINH, at=on + timedelta(days=1), **extra)
    assert dossiers.history(sqlite_store.engine, "GONE")[-1].place == LUONG_VAN_CAN
    assert report_figures.door_figures(sqlite_store.engine, report_figures.period("2026Q1")) == {
        "door_returns": 2,
        "first_try": 1,
        "first_try_share": 0.5,
        "collected_at_agency": 1,
        "signed_at_door": 2,
        "by_authorised": 1,
        "door_failures": 2,
        "nobody_home": 1,
        "refused": 1,
        "address_not_found": 0,
        "other": 0,
    }
    before = report_figures.door_figures(sqlite_store.engine, report_figures.period("2025Q4"))
    assert before["door_returns"] == before["door_failures"] == 0 and before["first_try_share"] is None
    # The report says it, and has the table.
    figures = report_figures.figures(sqlite_store.engine, "2026Q1", amap=hanoi)
    html = report.page(figures, [], texts=i18n.catalogue("vi"))
    assert (
        "Trả kết quả tại nhà: 2 hồ sơ, 1 ngay lần giao đầu (50,0 %), 2 có chữ ký người nhận (1 qua người được ủy "
        "quyền); 2 lần giao không thành công; 1 hồ sơ chuyển về điểm phục vụ để công dân đến nhận." in html
    )
    assert "<th>Tỷ lệ trả ngay lần đầu</th>" in html and "<th>Người nhận từ chối</th>" in html
    assert "<th>Qua người được ủy quyền</th>" in html


def test_the_day_says_which_try_at_the_door_a_delivery_is(sqlite_store: Store, hanoi: AddressMap) -> None:
    first = datetime.combine(DAY, datetime.min.time(), HANOI).replace(hour=15)

    def tries(on: datetime) -> list[int]:
        live = dayevents.live(sqlite_store, on.date(), now="08:00")
        stops = [s for r in live["routes"] for s in r["stops"] if s["kind"] == "delivery"]
        assert all("door_try" not in s for s in stops if not s["place"].startswith("address:"))
        return [s["door_try"] for s in stops if s["place"] == "address:HOME"]

    _fail_at_the_door(sqlite_store, hanoi, first, "nobody_home")
    assert tries(first) == [1], "failed that day: it was the first try"
    day.plan(sqlite_store, hanoi, DAY + timedelta(days=1), time_limit_s=1)
    assert tries(first + timedelta(days=1)) == [2]
