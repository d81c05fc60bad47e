"""The day's endpoints (issue 11): a dispatcher plans a day from the store and follows it, a postman signed in
reads his route (addresses logged) and records events; bad input answers 4xx with the one error body."""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import io
import re
import typing
from collections.abc import Iterator
from html import unescape
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from PIL import Image

from api import i18n, schemas
from api.app import create_app
from api.routers import citizens
from api.routers.days import _clock_of
from api.settings import Settings
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, database, day, dayevents, proofs, records, tables, visits
from routing.problem import clock
from tests.api.conftest import DISPATCHER, TestClient
from tests.ops import daycases

DAY = daycases.DAY.isoformat()
BEARER = {"Authorization": f"Bearer {DISPATCHER}"}


@contextlib.contextmanager
def seeded(hanoi: AddressMap, path: Path) -> Iterator[TestClient]:
    """A client of the service on a store of its own at ``path`` holding the dossiers of :mod:`tests.ops.daycases`
    (a test that changes the day has its own)."""
    engine = database.connect(f"sqlite:///{path}")
    daycases.seed(engine, hanoi)
    engine.dispose()
    app = create_app(Settings(database_url=f"sqlite:///{path}", tokens=f"{DISPATCHER}:dispatcher"), amap=hanoi)
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def client(hanoi: AddressMap, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with seeded(hanoi, tmp_path_factory.mktemp("days") / "store.sqlite") as test_client:
        yield test_client


@pytest.fixture(scope="module")
def planned(client: TestClient) -> dict:
    response = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_dispatcher_plans_the_day(client: TestClient, planned: dict) -> None:
    assert planned["id"].startswith("plan-") and planned["check"]
    # The plans' list says which is the day's, for the dispatcher's menu (it gave ids and times only).
    listed = {p["id"]: p for p in client.get("/plans", headers=BEARER).json()}
    assert listed[planned["id"]]["date"] == DAY
    assert planned["dossiers"] == 9
    nowhere = next(u for u in planned["unserved"] if u["code"] == "NOWHERE")
    assert nowhere == {
        "code": "NOWHERE",
        "reason": "agency osm:node/1 is not on the map",
        "reason_code": "agency_not_on_map",
        "values": {"agency": "osm:node/1"},
        "message": "Điểm phục vụ osm:node/1 không có trên bản đồ",
    }
    served = {c for r in planned["routes"] for s in r["stops"] for c in s["dossiers"]}
    assert len(served) == planned["served_dossiers"] and {"S-0", "HOME", "PICKUP"} <= served


def test_the_postmen_a_day_is_planned_with(client: TestClient, hanoi: AddressMap) -> None:
    # The dispatch page lists them to set the day's shifts (only the API and a file could).
    assert client.get("/postmen").status_code == 401
    (binh,) = client.get("/postmen", headers=BEARER).json()
    office = hanoi.layers.agencies.set_index("agency_id").at[daycases.LUONG_VAN_CAN, "name"]
    assert binh == {
        "id": "binh",
        "name": daycases.POSTMAN_NAME,
        "depot": daycases.LUONG_VAN_CAN,
        "depot_name": office,
        "shift": "07:30-17:30",
        "capacity": 40,
        "lunch": True,
    }


def test_bad_input_is_a_4xx_with_reasons(client: TestClient, planned: dict) -> None:
    assert client.post(f"/days/{DAY}/plan").status_code == 401
    wrong = client.post("/days/2026-02-31/plan", headers=BEARER)
    assert wrong.status_code == 422 and wrong.json()["detail"][0]["field"] == "date"
    # A number is no date, though pydantic would read it as a Unix time (1970-01-01).
    for number_day in ("0", "86400"):
        number = client.get(f"/days/{number_day}", headers=BEARER)
        assert number.status_code == 422 and number.json()["detail"][0]["reason"] == "date_type"
    depot = client.post(f"/days/{DAY}/plan", json={"postmen": [{"id": "x", "depot": "nope"}]}, headers=BEARER)
    assert depot.status_code == 422 and "postmen[0].depot" in depot.text
    missing = client.get("/days/2026-03-04", headers=BEARER)
    assert missing.status_code == 404 and missing.json()["detail"][0]["field"] == "date"
    task = planned["routes"][0]["stops"][1]["task"]
    assert client.post("/days/2026-03-04/replan", json={"at": "12:00"}, headers=BEARER).status_code == 404
    same = client.post(f"/days/{DAY}/replan", json={"at": "12:00", "time_limit_s": 1}, headers=BEARER)
    assert same.status_code == 200 and (same.json()["id"], same.json()["added"]) == (planned["id"], 0)
    no_record = client.post(f"/days/{DAY}/events", json={"task": task, "event": "failed"}, headers=BEARER)
    assert no_record.status_code == 422 and no_record.json()["detail"][0]["field"] == "reason"
    event = {"task": task, "event": "picked_up", "at": 1751362200}
    unix = client.post(f"/days/{DAY}/events", json=event, headers=BEARER)
    assert unix.status_code == 422 and unix.json()["detail"][0]["reason"] == "datetime_type"


def test_refusals_are_said_in_the_readers_language(client: TestClient, planned: dict) -> None:
    # The operations layer's refusals carry a code and their values: Vietnamese by default, events in words.
    def problem(response: Any) -> tuple[int, str, str, str]:
        item = response.json()["detail"][0]
        return response.status_code, item["field"], item["reason"], item["message"]

    assert problem(client.get("/days/2026-03-04", headers=BEARER)) == (
        404,
        "date",
        "plan_not_found",
        "Chưa có kế hoạch phát cho ngày 04/03/2026: điều phối viên cần lập kế hoạch ngày trước",
    )
    english = client.get("/days/2026-03-04", headers=BEARER | {"Accept-Language": "en"})
    assert problem(english)[3] == "no plan of 2026-03-04 (plan it first: agencynet plan-day --date ...)"
    depot = client.post(f"/days/{DAY}/plan", json={"postmen": [{"id": "x", "depot": "nope"}]}, headers=BEARER)
    assert problem(depot) == (422, "postmen[0].depot", "unknown_agency", "Không có điểm phục vụ nope")
    stops = [s for r in planned["routes"] for s in r["stops"] if s["kind"] == "delivery"]
    at_agency = next(s["task"] for s in stops if not s["place"].startswith("address:"))
    wrong = client.post(f"/days/{DAY}/events", json={"task": at_agency, "event": "delivered"}, headers=BEARER)
    assert problem(wrong) == (
        422,
        "event",
        "record_handover",
        f"Việc {at_agency} kết thúc tại điểm phục vụ hoặc cơ quan giải quyết: hãy ghi “Đã bàn giao”",
    )
    early = client.post(
        f"/days/{DAY}/events", json={"task": at_agency, "event": "handed_over", "record_no": "BB-1"}, headers=BEARER
    )
    assert problem(early) == (
        409,
        "event",
        "not_picked_up",
        f"Việc {at_agency}: không ghi được “Đã bàn giao” vì hồ sơ chưa được nhận",
    )
    unknown = client.post(f"/days/{DAY}/events", json={"task": "T-none", "event": "picked_up"}, headers=BEARER)
    assert problem(unknown) == (422, "task", "task_not_in_plan", "Không có việc T-none trong kế hoạch ngày 04/02/2026")


def test_a_postman_reads_his_route_and_records_events(client: TestClient, planned: dict) -> None:
    signed = client.post(
        "/signin", data={"username": "binh", "password": daycases.PASSWORD, "next": "/postman"}, follow_redirects=False
    )
    assert signed.status_code == 303
    try:
        mine = client.get(f"/days/{DAY}?at=08:00")
        assert mine.status_code == 200, mine.text
        routes = mine.json()["routes"]
        assert [(r["postman"], r["postman_name"]) for r in routes] == [("binh", daycases.POSTMAN_NAME)]
        assert client.get("/me").json() == {
            "name": "binh",
            "full_name": daycases.POSTMAN_NAME,
            "role": "postman",
            "agency_id": daycases.LUONG_VAN_CAN,
        }
        home = next(s for s in routes[0]["stops"] if s["place"] == "address:HOME")
        assert home["address"] == "12 Hàng Bạc, Hoàn Kiếm" and home["window"] == "08:00-20:00"
        # Whom to hand the result to, and whom to call when nobody opens (synthetic, as every applicant here).
        assert (home["applicant_name"], home["phone"]) == ("Nguyễn Văn An (tổng hợp)", "0912345678")
        pickup = next(s for s in routes[0]["stops"] if s["kind"] == "pickup")
        event = {"task": pickup["task"], "event": "picked_up"}
        first = client.post(f"/days/{DAY}/events", json=event)
        again = client.post(f"/days/{DAY}/events", json=event)
        assert first.status_code == again.status_code == 200
        assert not first.json()["replayed"] and again.json()["replayed"] and first.json()["moves"]
        status = client.get(f"/days/{DAY}?at=08:00").json()
        done = next(s for s in status["routes"][0]["stops"] if s["task"] == pickup["task"] and s["kind"] == "pickup")
        assert (done["status"], done["event"]) == ("done", "picked_up")
    finally:
        client.post("/signout")
    log = client.app.state.store.engine
    assert any(r["dossier_code"] == "HOME" and r["who"] == "binh" for r in accounts.access_log(log, code="HOME"))


def test_an_arrival_answers_with_its_stop_and_refuses_what_it_does_not_take(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        shuttle = next(s for r in planned["routes"] for s in r["stops"] if "S-0" in s["dossiers"])
        post = {"url": f"/days/{DAY}/events", "headers": BEARER}
        came = client.post(**post, json={"task": shuttle["task"], "event": "arrived"})
        assert came.status_code == 200, came.text
        assert (came.json()["stop"], came.json()["moves"], came.json()["replayed"]) == ("pickup", [], False)
        refusals = [
            ({"event": "arrived", "record_no": "BB-1"}, 422, "not_at_arrival", "record_no"),
            ({"event": "arrived", "stop": "delivery"}, 409, "not_picked_up", "stop"),
            ({"event": "picked_up", "stop": "delivery"}, 422, "other_stop", "stop"),
        ]
        for body, status, code, field in refusals:
            refused = client.post(**post, json={"task": shuttle["task"]} | body)
            assert refused.status_code == status, refused.text
            (said,) = refused.json()["detail"]
            assert (said["reason"], said["field"]) == (code, field)
        words = client.post(**post, json={"task": shuttle["task"], "event": "arrived", "reason": "x"}).json()
        assert words["detail"][0]["message"].startswith("“Đã đến” chỉ ghi vị trí và thời điểm")
        live = client.get(f"/days/{DAY}?at=23:00", headers=BEARER).json()
        stop = next(
            s for r in live["routes"] for s in r["stops"] if s["task"] == shuttle["task"] and s["kind"] == "pickup"
        )
        assert stop["arrived"] == dt.datetime.fromisoformat(came.json()["at"]).astimezone(HANOI).strftime("%H:%M")


def _handed_over_at_bhxh(client: TestClient) -> tuple[dict, dict, Any]:
    """Plan the day and record the shuttle to the city's social insurance picked up and handed over (record BB-7):
    the plan, that delivery stop, and the handover's answer."""
    planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
    stops = [s for r in planned["routes"] for s in r["stops"]]
    bhxh = next(s for s in stops if s["kind"] == "delivery" and s["name"] == "Bảo hiểm xã hội thành phố Hà Nội")
    for event in ({"event": "picked_up"}, {"event": "handed_over", "record_no": "BB-7"}):
        recorded = client.post(f"/days/{DAY}/events", json={"task": bhxh["task"]} | event, headers=BEARER)
        assert recorded.status_code == 200, recorded.text
    return planned, bhxh, recorded


def test_a_handover_at_an_authority_is_named_in_the_journey(hanoi: AddressMap, tmp_path: Path) -> None:
    # A postman's handover is recorded at the authority's seat on the map; the journey named units by their codes
    # only, so it gave that step no place name.
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        _, bhxh, recorded = _handed_over_at_bhxh(client)
        code = next(m["code"] for m in recorded.json()["moves"] if m["state"] == "at_authority")
        events = client.get(f"/dossiers/{code}/events", headers=BEARER).json()
    (at,) = [e for e in events if e["state"] == "at_authority"]
    assert at["place"] == bhxh["place"] and at["place_name"] == "Bảo hiểm xã hội thành phố Hà Nội"


def test_a_replan_once_the_shifts_are_over_is_refused_in_words(hanoi: AddressMap, tmp_path: Path) -> None:
    # "Lập lại từ bây giờ" pressed in the evening, with a dossier to add: the engine could not restart postmen after
    # their shifts, and the service answered 500. The page sent the browser's clock, on any day chosen.
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        assert client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).status_code == 200
        daycases.add(
            client.app.state.store.engine, "EVENING", channel="home_pickup", received_at="2026-02-04T09:00:00+07:00"
        )
        for body, at in (({"at": "18:00"}, "18:00"), ({}, "23:59")):  # without a clock: a past day at its end
            over = client.post(f"/days/{DAY}/replan", json=body | {"time_limit_s": 1}, headers=BEARER)
            assert over.status_code == 422, over.text
            (problem,) = over.json()["detail"]
            assert problem["reason"] == "shifts_over"
            assert problem["message"] == (
                f"Mọi ca làm việc của ngày 04/02/2026 đã kết thúc lúc {at}: hãy lập kế hoạch cho ngày khác"
            )
        noon = client.post(f"/days/{DAY}/replan", json={"at": "12:00", "time_limit_s": 1}, headers=BEARER)
        assert noon.status_code == 200 and noon.json()["added"] == 1


def test_a_past_day_is_seen_at_its_end_whatever_the_hour(client: TestClient, planned: dict) -> None:
    day = daycases.DAY
    for hour in (1, 9, 23):  # the dispatcher's page follows a past day at any hour of the night
        now = dt.datetime(day.year, day.month, day.day, hour, 30) + dt.timedelta(days=1)
        assert _clock_of(day, now) == "23:59"
    assert _clock_of(day, dt.datetime(day.year, day.month, day.day, 9, 5)) == "09:05"
    assert _clock_of(day, dt.datetime(day.year, day.month, day.day, 9, 5) - dt.timedelta(days=1)) == "00:00"
    # Through the API: every stop of the past day not done is late, at whatever hour the test runs.
    status = client.get(f"/days/{DAY}", headers=BEARER).json()
    stops = [s for r in status["routes"] for s in r["stops"] if s["task"]]
    assert stops and all(s["status"] in ("done", "late") for s in stops)


def test_a_day_whose_shifts_are_over_is_not_planned(client: TestClient) -> None:
    over = client.post(f"/days/{DAY}/plan", json={"at": "18:00", "time_limit_s": 1}, headers=BEARER)
    assert over.status_code == 422
    assert over.json()["detail"][0]["reason"] == "shifts_over"
    assert over.json()["detail"][0]["message"] == (
        "Mọi ca làm việc của ngày 04/02/2026 đã kết thúc lúc 18:00: hãy lập kế hoạch cho ngày khác"
    )
    bad = client.post(f"/days/{DAY}/plan", json={"at": "25:00"}, headers=BEARER)
    assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "at"


def test_a_sunday_plan_says_which_office_is_closed(client: TestClient) -> None:
    # The authorities are closed on Sundays: the dossiers wait, each said why with its office's name.
    response = client.post("/days/2026-02-08/plan", json={"time_limit_s": 1}, headers=BEARER)
    assert response.status_code == 200, response.text
    stops = [s for r in response.json()["routes"] for s in r["stops"] if s["task"]]  # a home pickup to the post office
    assert all(s["place"].startswith("address:") or s["place"] == daycases.LUONG_VAN_CAN for s in stops)
    waiting = [u for u in response.json()["unserved"] if u["reason_code"] != "agency_not_on_map"]
    offices = {"Bảo hiểm xã hội thành phố Hà Nội", "UBND Phường Hoàn Kiếm"}
    assert waiting and {u["values"]["place_name"] for u in waiting} <= offices
    role = {"pickup_closed_all_day": "nơi nhận", "delivery_closed_all_day": "nơi giao"}
    for u in waiting:
        assert u["message"] == f"{u['values']['place_name']}, {role[u['reason_code']]}, không làm việc ngày này"
    english = client.get("/days/2026-02-08", headers={**BEARER, "Accept-Language": "en"}).json()
    said = {u["message"] for u in english["unserved"] if u["reason_code"] == "delivery_closed_all_day"}
    assert said and said <= {f"{office}, where it is delivered, is closed that day" for office in offices}


def test_a_dispatcher_sends_a_postman_home(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        (route,) = planned["routes"]
        assert route["shift"] == "07:30-17:30"
        for ends, field, reason in (
            ({"nobody": "10:00"}, "shift_ends.nobody", "postman_not_in_plan"),
            ({route["postman"]: "25:00"}, f"shift_ends.{route['postman']}", "string_pattern_mismatch"),
        ):
            refused = client.post(f"/days/{DAY}/replan", json={"at": "10:00", "shift_ends": ends}, headers=BEARER)
            assert refused.status_code == 422, refused.text
            (problem,) = refused.json()["detail"]
            assert (problem["field"], problem["reason"]) == (field, reason)
        sent = client.post(
            f"/days/{DAY}/replan",
            json={"at": "10:00", "time_limit_s": 1, "shift_ends": {"binh": "10:00"}},
            headers=BEARER,
        )
        assert sent.status_code == 200, sent.text
        answer = sent.json()
        stored = day.stored(client.app.state.store, daycases.DAY)
    # The only postman went home at 10:00 with nothing done: no route to follow (a start, where he was and an end
    # were listed as one), and every dossier waits, said why.
    assert answer["version"] == 2 and answer["check"] and answer["served_dossiers"] == 0 and answer["routes"] == []
    assert [p["shift"] for p in stored["state"]["postmen"]] == ["07:30-10:00"]
    said = {u["reason_code"]: u["message"] for u in answer["unserved"]}
    assert set(said) <= {"agency_not_on_map", "no_route_fits", "shift_too_short"}
    assert "hết ca lúc 10:00" in said["shift_too_short"]


def test_a_dispatcher_keeps_a_postmans_usual_shift(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        kept = client.put("/postmen/binh/shift", json={"shift": "07:30-12:00"}, headers=BEARER)
        assert kept.status_code == 200, kept.text
        assert (kept.json()["id"], kept.json()["shift"]) == ("binh", "07:30-12:00")
        assert [p["shift"] for p in client.get("/postmen", headers=BEARER).json()] == ["07:30-12:00"]
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        assert [r["shift"] for r in planned["routes"]] == ["07:30-12:00"]
        said = {}
        for name, body, status, field, reason in (
            ("nobody", {"shift": "07:30-12:00"}, 404, "name", "postman_not_found"),
            ("binh", {"shift": "12:00-07:30"}, 422, "shift", "shift_order"),
            ("binh", {"shift": "7:30-12:00"}, 422, "shift", "string_pattern_mismatch"),
            ("binh", {}, 422, "shift", "missing"),
        ):
            refused = client.put(f"/postmen/{name}/shift", json=body, headers=BEARER)
            assert refused.status_code == status, refused.text
            (problem,) = refused.json()["detail"]
            assert (problem["field"], problem["reason"]) == (field, reason)
            said[reason] = problem["message"]
        assert said["postman_not_found"] == "Không có bưu tá nobody gắn với một bưu cục"
        assert said["shift_order"] == "Ca “12:00-07:30” kết thúc trước khi bắt đầu"
        assert said["string_pattern_mismatch"] == "Ca làm việc theo dạng HH:MM-HH:MM (ví dụ 07:30-12:00)"
        back = client.put("/postmen/binh/shift", json={"shift": None}, headers=BEARER)
        assert back.json()["shift"] == "07:30-17:30"


def test_a_dispatcher_keeps_a_postmans_usual_capacity(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        kept = client.put("/postmen/binh/capacity", json={"capacity": 15}, headers=BEARER)
        assert kept.status_code == 200, kept.text
        assert (kept.json()["id"], kept.json()["capacity"], kept.json()["shift"]) == ("binh", 15, "07:30-17:30")
        assert [p["capacity"] for p in client.get("/postmen", headers=BEARER).json()] == [15]
        client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER)
        stored = day.stored(client.app.state.store, daycases.DAY)
        assert [p["capacity"] for p in stored["state"]["postmen"]] == [15]
        for name, body, status, reason in (
            ("nobody", {"capacity": 15}, 404, "postman_not_found"),
            ("binh", {"capacity": 0}, 422, "greater_than_equal"),
            ("binh", {"capacity": 1.5}, 422, "int_type"),
            ("binh", {}, 422, "missing"),
        ):
            refused = client.put(f"/postmen/{name}/capacity", json=body, headers=BEARER)
            assert refused.status_code == status, refused.text
            (problem,) = refused.json()["detail"]
            assert (problem["field"], problem["reason"]) == ("name" if status == 404 else "capacity", reason)
        assert client.put("/postmen/binh/capacity", json={"capacity": 15}).status_code == 401
        back = client.put("/postmen/binh/capacity", json={"capacity": None}, headers=BEARER)
        assert back.json()["capacity"] == 40


def test_what_a_postman_sent_home_brought_back_goes_out_with_another(hanoi: AddressMap, tmp_path: Path) -> None:
    # Sent home at 10:00 with a dossier picked up, he brings it back at 10:20 (his route lists it, in his bag, then
    # brought back), and the next re-plan gives it to the postman still at work.
    postmen = [{"id": name, "depot": daycases.LUONG_VAN_CAN} for name in ("binh", "an")]
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1, "postmen": postmen}, headers=BEARER)
        route = planned.json()["routes"][0]
        ill, other = route["postman"], {"binh": "an", "an": "binh"}[route["postman"]]
        first = next(s for s in route["stops"] if s["kind"] == "pickup")
        event = {"task": first["task"], "at": f"{DAY}T09:00:00+07:00"}
        assert client.post(f"/days/{DAY}/events", json=event | {"event": "picked_up"}, headers=BEARER).is_success
        sent = {"at": "10:00", "time_limit_s": 1, "shift_ends": {ill: "10:00"}}
        assert client.post(f"/days/{DAY}/replan", json=sent, headers=BEARER).is_success

        def carried() -> list[dict]:
            live = client.get(f"/days/{DAY}", params={"at": "10:30"}, headers=BEARER).json()
            return next(r for r in live["routes"] if r["postman"] == ill)["carried_back"]

        assert carried() == [
            {
                "task": first["task"],
                "seq": first["seq"],
                "name": first["name"],
                "dossiers": first["dossiers"],
                "status": "in_bag",
            }
        ]
        back = event | {"event": "failed", "reason": "mang về bưu cục", "at": f"{DAY}T10:20:00+07:00"}
        assert client.post(f"/days/{DAY}/events", json=back, headers=BEARER).is_success
        assert [c["status"] for c in carried()] == ["brought_back"]
        again = client.post(f"/days/{DAY}/replan", json={"at": "10:30", "time_limit_s": 1}, headers=BEARER).json()
    assert (again["version"], again["added"], again["check"]) == (3, 1, True)
    taken = {
        c: s["arrival"] for r in again["routes"] if r["postman"] == other for s in r["stops"] for c in s["dossiers"]
    }
    assert set(first["dossiers"]) <= set(taken) and min(taken[c] for c in first["dossiers"]) >= "10:20"
    assert set(first["dossiers"]).isdisjoint(u["code"] for u in again["unserved"])


def test_a_dispatcher_calls_a_postman_in(hanoi: AddressMap, tmp_path: Path) -> None:
    # Binh sent home at 10:00 with nothing done, An is called in from the same post office.
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        accounts.add_user(client.app.state.store.engine, "an", "mật-khẩu-an-1", "postman", full_name="Trần Thị An")
        client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER)
        an = {"id": "an", "depot": daycases.LUONG_VAN_CAN}
        refused = client.post(
            f"/days/{DAY}/replan", json={"at": "10:00", "joining": [an | {"id": "binh"}]}, headers=BEARER
        )
        assert refused.status_code == 422
        (problem,) = refused.json()["detail"]
        assert (problem["field"], problem["reason"]) == ("joining[0].id", "postman_in_plan")
        assert problem["message"] == "Bưu tá binh đã có trong kế hoạch này"
        body = {"at": "10:00", "time_limit_s": 1, "shift_ends": {"binh": "10:00"}, "joining": [an]}
        called = client.post(f"/days/{DAY}/replan", json=body, headers=BEARER)
    assert called.status_code == 200, called.text
    (route,) = called.json()["routes"]
    assert (route["postman"], route["postman_name"], route["shift"]) == ("an", "Trần Thị An", "10:00-17:30")


def test_a_dispatcher_plans_the_day_balanced(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        cheapest = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        answer = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 2, "balanced": True}, headers=BEARER)
        assert answer.status_code == 200, answer.text
        balanced = answer.json()
        replanned = client.post(f"/days/{DAY}/replan", json={"at": "07:30"}, headers=BEARER).json()
        live = client.get(f"/days/{DAY}", headers=BEARER).json()
        refused = client.post(f"/days/{DAY}/plan", json={"balanced": "yes"}, headers=BEARER)
    assert cheapest["balance"] is None and balanced["check"]
    said = balanced["balance"]
    assert set(said) == {"back", "longest_s", "cost", "cheapest_back", "cheapest_longest_s", "cheapest_cost", "steps"}
    days = [clock(r["stops"][-1]["arrival"]) - clock(r["stops"][0]["departure"]) for r in balanced["routes"]]
    assert abs(said["longest_s"] - max(days)) <= 60  # the stops' times to the minute
    assert said["back"] == max(r["stops"][-1]["arrival"] for r in balanced["routes"]) <= said["cheapest_back"]
    assert balanced["served_dossiers"] == cheapest["served_dossiers"]
    assert replanned["balance"] == said == live["balance"]  # what balancing gave is the day's
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "balanced"


def test_a_failed_delivery_says_why_in_words_and_in_the_journey(hanoi: AddressMap, tmp_path: Path) -> None:
    # The reasons are one list: the service's, its schema's, the pages' (/config) and the catalogues' words.
    assert set(typing.get_args(schemas.FailureCode)) == set(dayevents.FAILURES)
    assert all(set(i18n.catalogue(lang)["failure"]) == set(dayevents.FAILURES) for lang in i18n.LANGUAGES)
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        assert client.get("/config").json()["failures"] == dayevents.FAILURES
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        home = next(s for r in planned["routes"] for s in r["stops"] if s["place"] == "address:HOME")
        event = {"task": home["task"], "event": "failed"}
        client.post(f"/days/{DAY}/events", json=event | {"event": "picked_up"}, headers=BEARER)
        closed = client.post(f"/days/{DAY}/events", json=event | {"reason_code": "place_closed"}, headers=BEARER)
        assert closed.status_code == 422
        said = closed.json()["detail"][0]
        assert (said["field"], said["reason"], said["message"]) == (
            "reason_code",
            "failure_not_here",
            "Lý do “Nơi giao nhận đóng cửa” không dùng được ở điểm dừng này",
        )
        unknown = client.post(f"/days/{DAY}/events", json=event | {"reason_code": "lost"}, headers=BEARER)
        assert unknown.status_code == 422 and unknown.json()["detail"][0]["field"] == "reason_code"
        far = event | {"position": {"lat": 91, "lon": 105.85}}
        assert client.post(f"/days/{DAY}/events", json=far, headers=BEARER).json()["detail"][0]["field"] == (
            "position.lat"
        )
        here = {"lat": home["lat"], "lon": home["lon"], "accuracy_m": 8}
        failed = client.post(
            f"/days/{DAY}/events", json=event | {"reason_code": "nobody_home", "position": here}, headers=BEARER
        )
        assert failed.status_code == 200, failed.text
        assert (failed.json()["reason_code"], failed.json()["off_m"], failed.json()["position"]) == (
            "nobody_home",
            0,
            here,
        )
        journey = client.get("/dossiers/HOME/events", headers=BEARER).json()
        assert journey[-1]["state"] == "failed_return" and journey[-1]["reason"] == "nobody_home"
        tracked = client.get("/track/HOME?phone_last4=5678").json()
        assert tracked["steps"][-1]["state_words"] == "Chưa trả được kết quả (vắng nhà), sẽ giao lại"
        live = client.get(f"/days/{DAY}", headers=BEARER | {"Accept-Language": "en"}).json()
        # A failure recorded before reasons had codes and phones a position, sent again: the same, said "other".
        shuttle = next(
            s for r in planned["routes"] for s in r["stops"] if s["kind"] == "pickup" and s["task"] != home["task"]
        )
        older = {"task": shuttle["task"], "event": "failed", "reason": "đóng cửa"}
        assert client.post(f"/days/{DAY}/events", json=older, headers=BEARER).status_code == 200
        store = client.app.state.store
        k = tables.idempotency
        with store.engine.begin() as conn:
            key = k.c.key.endswith(f":{shuttle['task']}:failed")
            (response,) = conn.execute(sa.select(k.c.response).where(key)).one()
            old = {n: v for n, v in response.items() if n not in ("reason_code", "position", "off_m")}
            conn.execute(k.update().where(key).values(response=old))
        again = client.post(f"/days/{DAY}/events", json=older, headers=BEARER)
        assert again.status_code == 200, again.text
        assert again.json()["replayed"] and (again.json()["reason_code"], again.json()["position"]) == ("other", None)
    stop = next(s for r in live["routes"] for s in r["stops"] if s["task"] == home["task"] and s["kind"] == "delivery")
    assert stop["status"] == "failed" and stop["recorded"]["reason_code"] == "nobody_home"
    assert live["counts"]["failed"] == 1 and live["routes"][0]["last_seen"]["task"] == home["task"]


def _journey(*failures: str | None) -> tuple[dict, str, list[None], list[str | None]]:
    """A result for the citizen's door tried once per failure (``_step_keys``'s answer, agency, places and
    reasons)."""
    states = ["received", "to_authority", "at_authority", "decided", "returning"]
    reasons: list[str | None] = [None] * len(states)
    for failure in failures:
        states += ["failed_return", "decided", "returning"]
        reasons += [failure, None, None]
    states, reasons = states[:-2], reasons[:-2]  # it ends failed
    answer = {"channel": "counter", "return_mode": "address", "steps": [{"state": s} for s in states]}
    return answer, daycases.LUONG_VAN_CAN, [None] * len(states), reasons


@pytest.mark.parametrize(
    ("failures", "said"),
    [
        (["nobody_home"], "state.failed_return"),
        ([None], "state.failed_return"),  # recorded before reasons had codes: nobody at home
        (["other"], "door.other"),
        (["no_time"], "door.no_time"),
        (["nobody_home", "no_time"], "door.no_time"),
        (["nobody_home", "no_time", "nobody_home"], "door.given_up"),  # no time was no try at the door
        (["nobody_home", "other"], "door.given_up"),
        (["refused"], "door.refused"),
        (["address_not_found"], "door.address_not_found"),
    ],
)
def test_a_failed_return_is_told_as_the_next_days_tasks_take_it(failures: list[str | None], said: str) -> None:
    # The citizen reads what happens next: the door tried again, or the result waiting at the agency for them,
    # as ops.daytasks plans it.
    keys = citizens._step_keys(*_journey(*failures))
    assert keys[-1] == said
    # Where the result comes back, as the page says it: at the agency once the door is given up.
    given_up = said in ("door.given_up", "door.refused", "door.address_not_found")
    assert citizens._comes_back(keys, "address") == ("agency" if given_up else "address")


def test_tracking_says_when_the_postman_is_expected_at_the_door(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        today = daycases.evening_at_the_door(client.app.state.store, "HOME", "delivery")
        for lang, said in (
            ("vi", "Hôm nay bưu tá dự kiến mang kết quả đến nhà trong khoảng 23:10–23:59"),
            ("en", "Today the postman is expected to bring the result home between 23:10 and 23:59"),
        ):
            tracked = client.get("/track/HOME?phone_last4=5678", headers={"Accept-Language": lang})
            assert tracked.status_code == 200, tracked.text
            visit = tracked.json()["visit"]
            assert visit == {
                "kind": "delivery",
                "date": today.isoformat(),
                "from": "23:10",
                "to": "23:59",
                "expected": "23:40",  # the planned arrival, the postman not behind
                "late": False,  # the window lasts to the day's end
                "arrived": None,  # the postman not there yet
                "delay_min": 0,
                "stops_before": 0,
                "words": visit["words"],
            }
            assert visit["words"].startswith(said)
        # A dossier at its authority waits for nobody at its door.
        assert client.get("/track/S-0?phone_last4=5678").json()["visit"] is None


@pytest.mark.parametrize(
    ("lang", "delay", "before", "late", "said"),
    [
        ("vi", 0, 0, False, "Hôm nay bưu tá dự kiến mang kết quả đến nhà trong khoảng 10:20–11:25"),
        (
            "vi",
            25,
            3,
            False,
            "Hôm nay bưu tá dự kiến mang kết quả đến nhà trong khoảng 10:20–11:25 (muộn 25 phút so với kế hoạch); bưu "
            "tá còn 3 điểm dừng trước nhà bạn",
        ),
        (
            "en",
            25,
            1,
            False,
            "Today the postman is expected to bring the result home between 10:20 and 11:25 (25 minutes later than "
            "planned); the postman's stops before yours: 1",
        ),
        (
            "vi",
            600,
            2,
            True,
            "Hôm nay bưu tá dự kiến mang kết quả đến nhà trong khoảng 10:20–11:25; bưu tá còn 2 điểm dừng trước nhà "
            "bạn; bưu tá có thể đến muộn hơn dự kiến",
        ),
    ],
)
def test_a_visit_is_said_with_the_postmans_delay_and_the_stops_before(
    lang: str, delay: int, before: int, late: bool, said: str
) -> None:
    visit = {"kind": "delivery", "from": "10:20", "to": "11:25", "late": late, "delay_min": delay}
    assert citizens._visit_words(visit | {"stops_before": before}, lang) == said


def test_a_postman_at_the_door_is_said_there() -> None:
    visit = {"kind": "pickup", "from": "10:20", "to": "11:25", "late": False, "delay_min": 15, "stops_before": 0}
    said = citizens._visit_words(visit | {"arrived": "10:52"}, "vi", coming="10:55")
    assert (
        said
        == "Hôm nay bưu tá dự kiến đến nhận hồ sơ tại nhà trong khoảng 10:20–11:25; bưu tá đã đến nhà bạn lúc 10:52"
    )
    schemas.TrackVisit.model_validate(
        visit | {"arrived": "10:52", "date": "2026-02-04", "expected": "10:50"} | {"words": said}
    )


@pytest.mark.parametrize(
    ("at", "coming"),
    [((10, 10), None), ((10, 13), "10:35"), ((10, 40), "10:40"), ((10, 41, 30), "10:45"), ((11, 30), None)],
)
def test_the_postman_on_his_way_is_said_with_the_time_expected(at: tuple[int, ...], coming: str | None) -> None:
    # Expected at 10:33, the stops before the door settled: said on his way from twenty minutes before, rounded up
    # to five minutes, now at the earliest; not once the window is past.
    visit = {"kind": "pickup", "from": "10:05", "to": "11:05", "expected": "10:33", "delay_min": 0, "stops_before": 0}
    now = dt.datetime.combine(daycases.DAY, dt.time(*at), HANOI)
    visit["late"] = now.time() > dt.time(11, 5)
    assert visits.on_the_way(visit, now) == coming
    assert visits.on_the_way(visit | {"stops_before": 1}, now) is None
    words = citizens._visit_words(visit, "vi", coming)
    assert words.endswith("; bưu tá đang trên đường đến, dự kiến đến lúc khoảng 10:35") == (coming == "10:35")


def test_a_result_at_the_door_is_signed_for_and_read_by_its_agency(hanoi: AddressMap, tmp_path: Path) -> None:
    assert set(typing.get_args(schemas.Signer)) == set(proofs.SIGNERS)
    assert set(typing.get_args(schemas.IdType)) == set(proofs.ID_TYPES)
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        store = client.app.state.store
        accounts.add_user(store.engine, "lan", daycases.PASSWORD, "agency_staff", agency_id=daycases.LUONG_VAN_CAN)
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        home = next(s for r in planned["routes"] for s in r["stops"] if s["place"] == "address:HOME")
        event = {"task": home["task"], "event": "delivered"}
        client.post(f"/days/{DAY}/events", json=event | {"event": "picked_up"}, headers=BEARER)

        def refusal(proof: dict | None) -> tuple[str, str, str]:
            answer = client.post(f"/days/{DAY}/events", json=event | {"proof": proof}, headers=BEARER)
            assert answer.status_code == 422, answer.text
            said = answer.json()["detail"][0]
            return said["field"], said["reason"], said["message"]

        signed = daycases.SIGNED
        assert refusal(None) == (
            "proof",
            "proof_needed",
            "“Đã giao tận nơi” tại địa chỉ của người dân cần người nhận ký xác nhận",
        )
        assert refusal(signed | {"signer": "authorised"}) == (
            "proof.name",
            "signer_name_needed",
            "Hãy ghi họ tên người được ủy quyền",
        )
        assert refusal(signed | {"signer": "officer", "name": "Cán bộ"}) == (
            "proof.signer",
            "signer_not_here",
            "“cán bộ nhận bàn giao” không ký tại điểm dừng này (ở đây: chính chủ, người được ủy quyền)",
        )
        assert refusal(signed | {"id_last4": "12"})[0] == "proof.id_last4"
        dot = signed | {"signature": signed["signature"] | {"strokes": [[[5, 5], [6, 6]]]}}
        assert refusal(dot)[1:] == ("signature_too_small", "Chữ ký quá nhỏ (2 điểm): hãy ký lại")

        delivered = client.post(f"/days/{DAY}/events", json=event | {"proof": signed}, headers=BEARER)
        assert delivered.status_code == 200, delivered.text
        assert delivered.json()["proof"]["signer"] == "applicant"
        live = client.get(f"/days/{DAY}", headers=BEARER).json()
        stop = next(
            s for r in live["routes"] for s in r["stops"] if s["task"] == home["task"] and s["kind"] == "delivery"
        )
        assert stop["recorded"]["signer"] == "applicant"

        # The dispatcher learns who signed; the agency's staff also how, and the read is logged.
        (said,) = client.get("/dossiers/HOME/proofs", headers=BEARER).json()
        assert (said["event"], said["signer"], said["taken_by"], said["signature"], said["id_last4"]) == (
            "delivered",
            "applicant",
            "token:dispatcher",
            None,
            None,
        )
        assert not any(r["what"] == "GET /dossiers/{code}/proofs" for r in accounts.access_log(store.engine))
        client.post("/signin", data={"username": "lan", "password": daycases.PASSWORD}, follow_redirects=False)
        try:
            (read,) = client.get("/dossiers/HOME/proofs").json()
        finally:
            client.post("/signout")
        assert (read["id_type"], read["id_last4"], read["signature"]) == (
            signed["id_type"],
            signed["id_last4"],
            signed["signature"],
        )
        logged = accounts.access_log(store.engine, code="HOME")
        assert logged[0]["who"] == "lan" and logged[0]["what"] == "GET /dossiers/{code}/proofs"
        assert client.get("/dossiers/NOPE/proofs", headers=BEARER).status_code == 404


def _sheet_rows(page: str, section: str = "sheet") -> list[list[str]]:
    """The cells of each row of the tables of the page's sections of a class (the route sheets; ``record``: the
    handover records), as text."""
    sections = re.findall(rf'<section class="{section}"[^>]*>(.*?)</section>', page, re.S)
    bodies = [body for part in sections for body in re.findall(r"<tbody>(.*?)</tbody>", part, re.S)]
    rows = [row for body in bodies for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)]
    return [[unescape(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)] for row in rows]


def test_the_route_sheet_prints_the_day_with_its_handovers(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        planned, bhxh, _ = _handed_over_at_bhxh(client)
        # The postman came to where HOME's result is picked up: the time he came, in its column.
        (home_task,) = {s["task"] for r in planned["routes"] for s in r["stops"] if s["place"] == "address:HOME"}
        came = client.post(f"/days/{DAY}/events", json={"task": home_task, "event": "arrived"}, headers=BEARER).json()
        # The dispatcher's: every stop of Bình's route in order, the applicants' homes without their addresses, the
        # handover done with its record.
        answer = client.get(f"/days/{DAY}/sheet", params={"postman": "binh"}, headers=BEARER)
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")
        page = answer.text
        assert "<h1>Lộ trình và bảng kê giao nhận hồ sơ</h1>" in page
        assert f"Ngày 04/02/2026 · Bưu tá {daycases.POSTMAN_NAME}" in page and "Dữ liệu tổng hợp (giả lập)" in page
        # The shift, the stops with a task, and the kilometres and driving time written the Vietnamese way.
        (route,) = planned["routes"]
        tasks, km = sum(bool(s["task"]) for s in route["stops"]), f"{route['distance_m'] / 1000:.1f}".replace(".", ",")
        driving = f"{round(route['travel_time_s'] / 60) // 60} giờ {round(route['travel_time_s'] / 60) % 60:02d} phút"
        assert f"Ca 07:30–17:30 · {tasks} điểm dừng · {km} km · {driving} lái xe" in page
        rows = _sheet_rows(page)
        planned_stops = [s for s in route["stops"] if s["kind"] != "position"]
        assert [int(r[0]) for r in rows] == [s["seq"] for s in planned_stops]
        home = rows[[s["place"] for s in planned_stops].index("address:HOME")]
        assert home[4:7] == ["Giao hồ sơ", "Nhà người nộp hồ sơ", "HOME"] and home[2] == home[7] == ""
        taken = rows[[(s["task"], s["kind"]) for s in planned_stops].index((home_task, "pickup"))]
        assert taken[2] == dt.datetime.fromisoformat(came["at"]).astimezone(HANOI).strftime("%H:%M")
        handed = next(r for r, s in zip(rows, planned_stops, strict=True) if s["seq"] == bhxh["seq"])
        assert handed[5] == "Bảo hiểm xã hội thành phố Hà Nội" and re.fullmatch(r"Đã xong \d\d:\d\d · BB-7", handed[7])
        assert "Hàng Bạc" not in page and "0912345678" not in page
        assert client.get(f"/days/{DAY}/sheet", headers=BEARER).text.count('<section class="sheet">') == 1
        unknown = client.get(f"/days/{DAY}/sheet", params={"postman": "lan"}, headers=BEARER)
        assert (unknown.status_code, unknown.json()["detail"][0]["reason"]) == (404, "postman_not_in_plan")
        assert client.get("/days/2026-02-05/sheet", headers=BEARER).status_code == 404
        # The postman's own: the applicant at the door, by name and phone, the read logged; not another's.
        client.post("/signin", data={"username": "binh", "password": daycases.PASSWORD}, follow_redirects=False)
        own = client.get(f"/days/{DAY}/sheet").text
        assert "12 Hàng Bạc, Hoàn Kiếm (Nguyễn Văn An (tổng hợp), 0912345678)" in own
        refused = client.get(f"/days/{DAY}/sheet", params={"postman": "lan"})
        assert (refused.status_code, refused.json()["detail"][0]) == (
            403,
            {
                "field": "postman",
                "reason": "sheet_not_yours",
                "message": "Bưu tá chỉ in được lộ trình của mình, không in lộ trình của lan",
            },
        )
        english = client.get(f"/days/{DAY}/sheet", params={"lang": "en"}).text
        assert "<h1>Route and handover sheet</h1>" in english and "Postman" in english
        engine = client.app.state.store.engine
        reads = [(r["who"], r["what"]) for r in accounts.access_log(engine, code="HOME")]
        assert ("binh", "GET /days/{date}/sheet") in reads


def test_the_day_s_handover_records_are_numbered_printed_and_checked(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        planned, bhxh, _ = _handed_over_at_bhxh(client)  # under the authority's own paper record, BB-7
        answer = client.get(f"/days/{DAY}/records", headers=BEARER)
        assert answer.status_code == 200, answer.text
        registry = answer.json()["records"]
        assert [r["no"] for r in registry] == [f"BBGN-20260204-{k:04d}" for k in range(1, len(registry) + 1)]
        (at_bhxh,) = [r for r in registry if bhxh["task"] in r["handed"]["tasks"]]
        # Its stops all settled, every handover under BB-7: the system's record would be replaced; else to sign.
        there = [s["task"] for r in planned["routes"] for s in r["stops"] if s["place"] == bhxh["place"]]
        settled = set(at_bhxh["handed"]["tasks"]) <= {bhxh["task"]} and not at_bhxh["taken"]["tasks"]
        assert (at_bhxh["status"], at_bhxh["name"]) == (
            "void" if settled else "issued",
            "Bảo hiểm xã hội thành phố Hà Nội",
        )
        assert set(at_bhxh["handed"]["tasks"]) | set(at_bhxh["taken"]["tasks"]) <= set(there)
        to_sign = [r for r in registry if r["status"] == "issued"]
        assert to_sign and all(r["postman"] == "binh" and r["void_reason"] is None for r in to_sign)

        # The day as it goes offers each its number; a slip of the finger is refused, in words.
        live = client.get(f"/days/{DAY}", headers=BEARER).json()
        stops = [s for r in live["routes"] for s in r["stops"] if s["handover_record"]]
        offered = {(s["task"], s["kind"]): s["handover_record"] for s in stops}
        sides = records.SIDES.items()
        assert offered == {(t, kind): r["no"] for r in to_sign for kind, side in sides for t in r[side]["tasks"]}
        task, record = next((t, r) for r in to_sign for t in r["handed"]["tasks"])
        client.post(f"/days/{DAY}/events", json={"task": task, "event": "picked_up"}, headers=BEARER)
        slip = client.post(
            f"/days/{DAY}/events",
            json={"task": task, "event": "handed_over", "record_no": "BBGN-20260204-0999"},
            headers=BEARER,
        )
        assert (slip.status_code, slip.json()["detail"][0]) == (
            422,
            {
                "field": "record_no",
                "reason": "record_unknown",
                "message": "Số biên bản BBGN-20260204-0999 không có trong sổ biên bản bàn giao: hãy ghi số in trên "
                "lộ trình",
            },
        )

        # The sheet: the number to sign in the handover's row, then one page per record not void (the pickup just
        # recorded without a number may have settled the last stop of its visit's), the dossiers listed.
        page = client.get(f"/days/{DAY}/sheet", params={"postman": "binh"}, headers=BEARER).text
        assert f"Biên bản số {record['no']}" in {row[7] for row in _sheet_rows(page)}
        registry = client.get(f"/days/{DAY}/records", headers=BEARER).json()["records"]
        to_sign = [r for r in registry if r["status"] != "void"]
        assert page.count('<section class="record"') == len(to_sign)
        assert "Biên bản giao nhận hồ sơ" in page and f"Số: <strong>{record['no']}</strong>" in page
        assert f"Bưu tá {daycases.POSTMAN_NAME}, Bưu điện Lương Văn Can" in page
        # What the postman hands over, then what he takes: the registry's, in its order.
        listed = _sheet_rows(page, "record")
        assert [row[1] for row in listed] == [
            c for r in to_sign for side in ("handed", "taken") for c in r[side]["dossiers"]
        ]
        assert {row[2] for row in listed} <= set(i18n.catalogue("vi")["procedure"].values())
        assert "Bên A giao cho bên B" in page and "Bên B giao cho bên A" in page
        english = client.get(f"/days/{DAY}/sheet", params={"postman": "binh", "lang": "en"}, headers=BEARER).text
        assert "Dossier handover record" in english and "For party B" in english

        # A postman sees his own records, not another's; a day without a plan has none.
        client.post("/signin", data={"username": "binh", "password": daycases.PASSWORD}, follow_redirects=False)
        own = client.get(f"/days/{DAY}/records").json()["records"]
        assert [r["no"] for r in own] == [r["no"] for r in registry]
        refused = client.get(f"/days/{DAY}/records", params={"postman": "lan"})
        assert (refused.status_code, refused.json()["detail"][0]["reason"]) == (403, "sheet_not_yours")
        nothing = client.get("/days/2026-02-05/records", headers=BEARER)
        assert (nothing.status_code, nothing.json()["detail"][0]["reason"]) == (404, "plan_not_found")


def test_a_photo_of_the_door_goes_with_the_failure_and_is_read_back(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        home = next(s for r in planned["routes"] for s in r["stops"] if s["place"] == "address:HOME")
        photo_path = f"/days/{DAY}/photos/{home['task']}/failed"
        client.post(f"/days/{DAY}/events", json={"task": home["task"], "event": "picked_up"}, headers=BEARER)
        failed = {"task": home["task"], "event": "failed", "reason_code": "nobody_home"}
        broken = client.post(
            f"/days/{DAY}/events", json=failed | {"photo": "data:image/jpeg;base64,aGVsbG8="}, headers=BEARER
        )
        assert broken.status_code == 422
        assert broken.json()["detail"][0] | {"message": ""} == {
            "field": "photo",
            "reason": "photo_unreadable",
            "message": "",
        }
        assert client.get(photo_path, headers=BEARER).json()["detail"][0]["reason"] == "photo_not_found"
        image = io.BytesIO()
        Image.new("RGB", (1280, 960), (90, 90, 90)).save(image, "JPEG")
        sent = "data:image/jpeg;base64," + base64.b64encode(image.getvalue()).decode()
        recorded = client.post(f"/days/{DAY}/events", json=failed | {"photo": sent}, headers=BEARER)
        assert recorded.status_code == 200, recorded.text
        assert recorded.json()["photo"] == hashlib.sha256(image.getvalue()).hexdigest()
        shown = client.get(photo_path, headers=BEARER)
        assert (shown.status_code, shown.headers["content-type"]) == (200, "image/jpeg")
        assert shown.headers["cache-control"] == "private, no-store"
        assert Image.open(io.BytesIO(shown.content)).size == (1280, 960)
        stop = next(
            s
            for r in client.get(f"/days/{DAY}", headers=BEARER).json()["routes"]
            for s in r["stops"]
            if s["task"] == home["task"] and s["status"] == "failed"
        )
        assert stop["recorded"]["photo"] is True
        missing = client.get(f"/days/{DAY}/photos/T-none/failed", headers=BEARER)
        assert (missing.status_code, missing.json()["detail"][0]["reason"]) == (404, "task_not_in_plan")
        assert client.get(f"/days/{DAY}/photos/{home['task']}/lost", headers=BEARER).status_code == 422
        assert client.get(photo_path).status_code == 401
        # Another postman than the route's: refused.
        accounts.add_user(
            client.app.state.store.engine, "an", "một-mật-khẩu-dài", "postman", agency_id=daycases.LUONG_VAN_CAN
        )
        client.post("/signin", data={"username": "an", "password": "một-mật-khẩu-dài"}, follow_redirects=False)
        other = client.get(photo_path)
        assert (other.status_code, other.json()["detail"][0]["reason"]) == (403, "task_of_another")
        client.post("/signout")
        _read_at_the_counter(client, home["task"], image.getvalue())


def _read_at_the_counter(client: TestClient, task: str, sent: bytes) -> None:
    """The photo of HOME's failed delivery (``task``), as the counters read it: listed under the dossier, read by the
    staff of its agency (logged), not by another agency's."""
    engine = client.app.state.store.engine
    for name, agency in (("lan", daycases.LUONG_VAN_CAN), ("hoa", daycases.TRANG_TIEN)):
        accounts.add_user(engine, name, "một-mật-khẩu-dài", "agency_staff", agency_id=agency)
    client.post("/signin", data={"username": "lan", "password": "một-mật-khẩu-dài"}, follow_redirects=False)
    (listed,) = client.get("/dossiers/HOME/photos").json()
    assert (listed["day"], listed["task"], listed["event"]) == (DAY, task, "failed")
    assert (listed["taken_by"], listed["width"], listed["height"]) == ("token:dispatcher", 1280, 960)
    shown = client.get(f"/dossiers/HOME/photos/{listed['id']}")
    assert (shown.status_code, shown.headers["content-type"]) == (200, "image/jpeg")
    assert Image.open(io.BytesIO(shown.content)).size == (1280, 960) and shown.content != sent  # re-encoded
    assert accounts.access_log(engine, code="HOME")[0]["what"] == "GET /dossiers/{code}/photos/{photo_id}"
    assert client.get("/dossiers/BACK/photos").json() == []
    for path in (f"/dossiers/BACK/photos/{listed['id']}", f"/dossiers/HOME/photos/{listed['id'] + 1}"):
        missing = client.get(path)
        assert (missing.status_code, missing.json()["detail"][0]["reason"]) == (404, "photo_of_dossier_not_found")
    client.post("/signout")
    client.post("/signin", data={"username": "hoa", "password": "một-mật-khẩu-dài"}, follow_redirects=False)
    assert len(client.get("/dossiers/HOME/photos").json()) == 1  # when and by whom, for every member of staff
    refused = client.get(f"/dossiers/HOME/photos/{listed['id']}")
    assert (refused.status_code, refused.json()["detail"][0]["reason"]) == (403, "photo_not_yours")
    client.post("/signout")


def test_the_postmen_s_days_against_their_plans(hanoi: AddressMap, tmp_path: Path) -> None:
    with seeded(hanoi, tmp_path / "store.sqlite") as client:
        planned = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=BEARER).json()
        (route,) = planned["routes"]
        pickup = next(s for s in route["stops"] if s["kind"] == "pickup" and s["place"] == daycases.LUONG_VAN_CAN)
        at = dt.datetime.combine(daycases.DAY, dt.time(), HANOI) + dt.timedelta(seconds=clock(pickup["departure"]))
        failed = {"task": pickup["task"], "event": "failed", "reason_code": "not_ready", "at": at.isoformat()}
        assert client.post(f"/days/{DAY}/events", json=failed, headers=BEARER).status_code == 200

        asked = client.get("/postmen/performance", params={"to": "2026-02-05", "days": 3}, headers=BEARER)
        assert asked.status_code == 200, asked.text
        said = asked.json()
        assert (said["from"], said["to"], said["days"]) == ("2026-02-03", "2026-02-05", 1)
        (binh,) = said["postmen"]
        assert (binh["postman"], binh["name"]) == ("binh", daycases.POSTMAN_NAME)
        assert (binh["failed"], binh["failures"], binh["delay_median_min"]) == (1, {"not_ready": 1}, 0.0)
        assert binh["stops"] == sum(1 for s in route["stops"] if s["task"])
        assert [d["day"] for d in said["by_day"]] == [DAY] and said["postman"] is None
        one = client.get("/postmen/performance", params={"to": DAY, "postman": "binh"}, headers=BEARER).json()
        assert (one["postman"], one["total"]) == ("binh", said["total"])
        bad = client.get("/postmen/performance", params={"postman": "Bình ơi"}, headers=BEARER)
        assert bad.status_code == 422 and bad.json()["detail"][0]["field"] == "postman"
        # A week with no plan answers empty lists; the period is bounded; the figures are the dispatcher's, the
        # planner's and the administrator's, not a postman's.
        empty = client.get("/postmen/performance", params={"to": "2026-03-05"}, headers=BEARER).json()
        assert (empty["from"], empty["postmen"], empty["total"]["stops"]) == ("2026-02-27", [], 0)
        too_long = client.get("/postmen/performance", params={"days": 93}, headers=BEARER)
        assert too_long.status_code == 422 and too_long.json()["detail"][0]["field"] == "days"
        assert client.get("/postmen/performance").status_code == 401
        client.post("/signin", data={"username": "binh", "password": daycases.PASSWORD}, follow_redirects=False)
        assert client.get("/postmen/performance").status_code == 403
