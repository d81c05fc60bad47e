"""The applicants' SMS notices (:mod:`ops.notices`, :mod:`api.notify`): a result waiting at its agency, one on its way
to the door, sent as the feed is pushed to a real HTTP server standing for the operator's SMS gateway, each once by
its ``ref``, signed, only while still true and within the sending hours; from the library (SQLite and PostgreSQL)
and from ``agencynet dossiers push --notices``."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, time, timedelta

import pytest

from api import cli, notify
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, changes, day, dayevents, dossiers, notices, push, visits
from ops.errors import PushError
from ops.store import Store
from routing.problem import clock, hhmm
from tests.ops import daycases
from tests.ops.conftest import Portal
from tests.ops.daycases import DAY

SECRET = b"the-gateway-s-key"
AT = daycases.RESULTS_AT
LUONG_VAN_CAN = "Bưu điện Lương Văn Can, 4 Phố Lê Thái Tổ"


def _messages(portal: Portal) -> list[dict]:
    """The notices of the batches the gateway took, in order."""
    taken = [body for status, (_, body) in zip(portal.statuses, portal.requests, strict=True) if status < 300]
    return [m for body in taken for m in json.loads(body)["messages"]]


def test_the_applicant_is_told_once_when_the_result_waits_and_when_it_comes(
    store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    shape = notify.shaper(store, notify.Texts(hanoi, "vi"))
    # The seeded moves ask for no notice: nothing is sent, and the gateway stands after them.
    seeded = len(changes.after(store.engine)["changes"])
    assert push.push(store.engine, "notices", portal.url, SECRET, shape=shape).changes == seeded
    assert portal.requests == []
    daycases.results_move(store.engine)
    portal.answers = [503]  # not taken: the same batch again, the notices with the same refs
    kept = notices.keeper("notices")
    with pytest.raises(PushError, match="503"):
        push.push(store.engine, "notices", portal.url, SECRET, shape=shape, kept=kept)
    assert notices.of_dossier(store.engine, "BACK")["notices"] == []  # none kept as sent
    pushed = push.push(store.engine, "notices", portal.url, SECRET, shape=shape, kept=kept)
    assert pushed.changes == 3 and pushed.batches == 1
    (refused, sent), (headers, body) = portal.requests
    assert body == sent and headers[push.SIGNATURE] == refused[push.SIGNATURE] == push.sign(SECRET, body)
    seqs = {code: dossiers.current(store.engine, code)["seq"] for code in ("BACK", "HOME")}
    assert _messages(portal) == [
        {
            "ref": f"BACK:{seqs['BACK']}",
            "to": "0912345678",
            "text": f"[Giả lập] Kết quả hồ sơ BACK đã có tại {LUONG_VAN_CAN}. Mời ông/bà mang giấy hẹn đến nhận.",
            "kind": "for_collection",
            "values": {"code": "BACK", "agency": LUONG_VAN_CAN},  # for a provider's templates
            "synthetic": True,
        },
        {
            "ref": f"HOME:{seqs['HOME']}",
            "to": "0912345678",
            "text": "[Giả lập] Kết quả hồ sơ HOME đang được bưu tá mang đến địa chỉ của ông/bà trong hôm nay.",
            "kind": "out_for_delivery",
            "values": {"code": "HOME", "agency": LUONG_VAN_CAN},
            "synthetic": True,
        },
    ]
    # Each kept as sent, by its dossier, for the counter.
    (told,) = notices.of_dossier(store.engine, "HOME")["notices"]
    assert {k: told[k] for k in ("kind", "receiver", "ref", "passed")} == {
        "kind": "out_for_delivery",
        "receiver": "notices",
        "ref": f"HOME:{seqs['HOME']}",
        "passed": None,
    }
    # Each phone read for a notice is in the access log; BACK on its way to its agency told nobody.
    for code in ("BACK", "HOME"):
        reads = [(r["who"], r["what"]) for r in accounts.access_log(store.engine, code=code)]
        assert reads.count(("notices", "SMS notice")) == 2  # read for the batch refused, and again
    assert push.push(store.engine, "notices", portal.url, SECRET, shape=shape).changes == 0
    # The portal's cursor is its own: it still has every change to take.
    assert push.waiting(store.engine, "portal") == seeded + 3


def test_the_texts_without_diacritics_keep_their_case(sqlite_store: Store, hanoi: AddressMap, portal: Portal) -> None:
    assert notify.unaccented("Bưu điện Đống Đa, Hoàn Kiếm, 10:00–10:30") == "Buu dien Dong Da, Hoan Kiem, 10:00-10:30"
    daycases.results_move(sqlite_store.engine)
    shape = notify.shaper(sqlite_store, notify.Texts(hanoi, "en", plain=True))
    push.push(sqlite_store.engine, "notices", portal.url, SECRET, shape=shape)
    (waiting, coming) = _messages(portal)
    assert waiting["text"] == (
        "[Synthetic] The result of dossier BACK is ready at Buu dien Luong Van Can, 4 Pho Le Thai To. Please bring "
        "your appointment slip to collect it."
    )
    assert coming["text"].isascii() and coming["kind"] == "out_for_delivery"


def test_the_command_sends_the_notices(
    sqlite_store: Store,
    hanoi: AddressMap,
    portal: Portal,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    daycases.results_move(sqlite_store.engine)
    _planned_today(sqlite_store, hanoi)
    database = sqlite_store.engine.url.render_as_string(hide_password=False)
    base = ["dossiers", "push", "--to", portal.url, "--database", database]
    monkeypatch.setenv("AGENCYNET_PUSH_SECRET", SECRET.decode())
    for alone in (["--plain"], ["--send-hours", "24/7"]):
        assert cli.main([*base, *alone]) == 2
        assert capsys.readouterr().err == f"agencynet dossiers push: {alone[0]} goes with --notices\n"
    for wrong, said in (("7h-21h", "OSM opening_hours such as 07:00-21:00"), ("off", "'off' are never open")):
        assert cli.main([*base, "--notices", "--send-hours", wrong]) == 2
        err = capsys.readouterr().err
        assert f"send-hours: {said}" in err and err.count("\n") == 1
    # Outside the sending hours (an hour that begins in two hours' time) nothing is sent, and nothing taken.
    opens = datetime.now(HANOI) + timedelta(hours=2)
    closed = f"{opens:%H:%M}-{opens + timedelta(minutes=30):%H:%M}"
    assert cli.main([*base, "--notices", "--send-hours", closed]) == 0
    assert capsys.readouterr().err == (
        f"agencynet dossiers push: the notices wait for their sending hours ({closed}), until {opens:%Y-%m-%d %H:%M}\n"
    )
    assert portal.requests == [] and push.position(sqlite_store.engine, "notices") == changes.START
    assert cli.main([*base, "--notices", "--plain", "--send-hours", "24/7"]) == 0
    every = len(changes.after(sqlite_store.engine)["changes"])
    pushed, told = capsys.readouterr().err.splitlines()[-2:]
    assert pushed.startswith(f"{every} changes pushed to {portal.url} in 1 batch; notices at cursor ")
    assert told == f"2 notices of the postman's coming sent to {portal.url}"
    texts = [m["text"] for m in _messages(portal)]
    assert texts[0] == (
        "[Gia lap] Ket qua ho so BACK da co tai Buu dien Luong Van Can, 4 Pho Le Thai To. Moi ong/ba mang giay hen "
        "den nhan."
    )
    assert len(texts) == 4 and texts[2].startswith("[Gia lap] Buu ta se den nhan ho so PICKUP tai nha ong/ba hom nay")
    assert texts[3].startswith("[Gia lap] Buu ta dang tren duong den nha ong/ba de nhan ho so PICKUP, du kien den")
    assert portal.requests[-1][0][push.DELIVERY] == f"doors:{datetime.now(HANOI).date().isoformat()}"
    kinds = [n["kind"] for n in notices.of_dossier(sqlite_store.engine, "PICKUP")["notices"]]
    assert sorted(kinds) == ["home_pickup", "pickup_on_the_way"]
    assert cli.main(["dossiers", "pushes", "--database", database]) == 0
    assert capsys.readouterr().out.startswith(f"notices {portal.url}: {every} taken, 0 waiting")


def test_a_try_missed_at_the_door_is_said_and_a_result_given_up_is_announced_at_its_agency(
    sqlite_store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    # Two tries at the door failed: the third time the postman takes the result to its agency, not to the door. The
    # notices are pushed as the moves happen (--follow).
    shape = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi"))
    for to in ("returning", "failed_return", "decided", "returning", "failed_return", "decided", "returning"):
        dossiers.move(sqlite_store.engine, "HOME", to, who="binh", at=AT)
        push.push(sqlite_store.engine, "notices", portal.url, SECRET, shape=shape)
    dossiers.move(sqlite_store.engine, "HOME", "for_collection", who="binh", record_no="BBGN-20260206-0001", at=AT)
    push.push(sqlite_store.engine, "notices", portal.url, SECRET, shape=shape)
    told = [m for m in _messages(portal) if m["ref"].startswith("HOME:")]
    # Told of the first try missed, not of the last: the result goes to its agency, and that is said once there.
    assert [m["kind"] for m in told] == ["out_for_delivery", "missed_delivery", "out_for_delivery", "for_collection"]
    assert told[1]["text"] == (
        "[Giả lập] Kết quả hồ sơ HOME chưa giao được tại địa chỉ của ông/bà ngày 05/02; bưu tá sẽ mang đến lần sau."
    )


def test_a_notice_no_longer_true_when_pushed_is_not_sent(
    sqlite_store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    # The push was stopped (the night's hours, the gateway down): meanwhile BACK's result was collected at its agency
    # and HOME's delivery failed. Only HOME's return to its agency, the last move, is still true.
    daycases.results_move(sqlite_store.engine)
    dossiers.move(sqlite_store.engine, "BACK", "returned", who="lan", record_no="BN-0001", at=AT)
    for to in ("failed_return", "decided", "returning"):
        dossiers.move(sqlite_store.engine, "HOME", to, who="binh", at=AT)
    shape = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi"))
    assert shape(changes.after(sqlite_store.engine)) == {
        "messages": [
            {
                "ref": f"HOME:{dossiers.current(sqlite_store.engine, 'HOME')['seq']}",
                "to": "0912345678",
                "text": "[Giả lập] Kết quả hồ sơ HOME đang được bưu tá mang đến địa chỉ của ông/bà trong hôm nay.",
                "kind": "out_for_delivery",
                "values": {"code": "HOME", "agency": LUONG_VAN_CAN},
                "synthetic": True,
            }
        ]
    }
    dossiers.move(sqlite_store.engine, "HOME", "returned", who="binh", record_no="BN-0002", at=AT)
    assert shape(changes.after(sqlite_store.engine)) is None


@pytest.mark.parametrize(
    ("hours", "now", "held"),
    [
        (notices.SENDING_HOURS, datetime(2026, 2, 5, 10, 0), None),
        (notices.SENDING_HOURS, datetime(2026, 2, 5, 21, 0), datetime(2026, 2, 6, 7, 0)),
        (notices.SENDING_HOURS, datetime(2026, 2, 6, 6, 59), datetime(2026, 2, 6, 7, 0)),
        ("24/7", datetime(2026, 2, 6, 3, 0), None),
        # Working hours only: from the Friday before Tết to the Monday after the holidays.
        ("Mo-Fr 08:00-17:00; PH off", datetime(2026, 2, 13, 18, 0), datetime(2026, 2, 23, 8, 0)),
    ],
)
def test_notices_wait_outside_their_sending_hours(hours: str, now: datetime, held: datetime | None) -> None:
    at = now.replace(tzinfo=HANOI).astimezone(UTC)
    assert notices.held_until(notices.sending_hours(hours), at) == (held and held.replace(tzinfo=HANOI))


def _planned_today(store: Store, hanoi: AddressMap) -> None:
    """The plan of :data:`DAY` made again as today's as it stands now: PICKUP's the one stop of its postman's route
    still to make, a quarter of an hour from now, the postman on his way (the command reads the wall clock)."""
    day.plan(store, hanoi, DAY, time_limit_s=1)
    made = store.latest("plan", date=DAY.isoformat())
    now = datetime.now(HANOI)
    coming = hhmm(min(now.hour * 3600 + now.minute * 60 + 900, 23 * 3600 + 59 * 60))
    result = copy.deepcopy(made["result"])
    for route in result["day"]["routes"]:
        route["stops"] = [
            s | {"arrival": coming, "departure": coming, "window": "00:00-23:59"}
            for s in route["stops"]
            if s["place"] == "address:PICKUP" or not s["task"]
        ]
    store.add("plan", made["request"] | {"date": now.date().isoformat()}, made["state"], result)


def _at(hour: int, minute: int = 0) -> datetime:
    return datetime.combine(DAY, time(hour, minute), HANOI)


def test_the_applicant_of_a_home_pickup_is_told_when_the_postman_comes(
    store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    _, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    assert notices.pickups(store, _at(7) + timedelta(days=1)) == []  # nothing planned that day
    (route,) = [r for r in answer["routes"] if any(s["place"] == "address:PICKUP" for s in r["stops"])]
    tasks = [s for s in route["stops"] if s["task"]]
    first = clock(tasks[0]["arrival"])  # his first stop of the day, before PICKUP's
    # Past its window asked (10:00-12:00), the postman not there yet: no time to tell.
    assert visits.door_visit(store, "PICKUP", now=_at(13))["late"] and notices.pickups(store, _at(13)) == []
    (due,) = notices.pickups(store, _at(7))
    # The window of the tracking page (an hour around the planned arrival, within the window asked).
    shown = visits.door_visit(store, "PICKUP", now=_at(7))
    assert (due["start"], due["end"]) == (shown["from"], shown["to"])
    assert due == {
        "ref": f"PICKUP:pickup:2026-02-04:{shown['from']}",
        "kind": "home_pickup",
        "code": "PICKUP",
        "phone": "0912345678",
        "day": "2026-02-04",
        "start": shown["from"],
        "end": shown["to"],
        "synthetic": True,
    }
    texts = notify.Texts(hanoi, "vi")
    portal.answers = [503]  # the gateway does not take it: nothing kept as told, the failure kept as the feed's
    with pytest.raises(PushError, match="503"):
        push.send(store.engine, "notices", portal.url, SECRET, texts.batch([due]), "doors:2026-02-04")
    (failed,) = push.receivers(store.engine)
    assert (
        failed["failure"] == f"{portal.url} answered 503 Service Unavailable: portal says no (batch doors:2026-02-04)"
    )
    assert (failed["name"], failed["cursor"], failed["pushed"]) == ("notices", str(changes.START), 0)
    (again,) = notices.pickups(store, _at(7))
    push.send(store.engine, "notices", portal.url, SECRET, texts.batch([again]), "doors:2026-02-04")
    notices.told(store.engine, [again])
    assert push.receivers(store.engine)[0]["failure"] is None
    (message,) = _messages(portal)
    assert message["text"] == (
        f"[Giả lập] Bưu tá sẽ đến nhận hồ sơ PICKUP tại nhà ông/bà hôm nay (04/02), trong khoảng {due['start']}–"
        f"{due['end']}."
    )
    assert notices.pickups(store, _at(7)) == []  # told
    # The postman's day says the window told, to keep to.
    stops = [s for r in dayevents.live(store, DAY, now="07:00")["routes"] for s in r["stops"]]
    assert {s["place"]: (s.get("told"), s.get("told_unreached")) for s in stops if s["kind"] == "pickup"} == {
        s["place"]: (f"{due['start']}-{due['end']}", False) if s["place"] == "address:PICKUP" else (None, None)
        for s in stops
        if s["kind"] == "pickup"
    }
    # The SMS provider passed it over after all (the number blocked): the day says it reached nobody, to phone ahead.
    notices.passed(store.engine, "notices", {"ref": again["ref"], "kind": "home_pickup"}, "eSMS: CodeResult 99")
    stops = [s for r in dayevents.live(store, DAY, now="07:00")["routes"] for s in r["stops"]]
    (home,) = [s for s in stops if s["place"] == "address:PICKUP"]
    assert (home["told"], home["told_unreached"]) == (f"{due['start']}-{due['end']}", True)
    # The postman a little behind his plan: the time expected is still within the window told, nothing more said.
    late = first + 10 * 60
    assert notices.pickups(store, _at(late // 3600, late % 3600 // 60)) == []
    # Far behind: told again, the window the tracking page now shows.
    late = first + 90 * 60
    now = _at(late // 3600, late % 3600 // 60)
    (moved,) = notices.pickups(store, now)
    shown = visits.door_visit(store, "PICKUP", now=now)
    assert shown["delay_min"] >= 90 and (moved["kind"], moved["start"], moved["end"]) == (
        "home_pickup_moved",
        shown["from"],
        shown["to"],
    )
    assert clock(moved["start"]) > clock(due["end"])
    assert texts.batch([moved])["messages"][0]["text"] == (
        f"[Giả lập] Giờ bưu tá đến nhận hồ sơ PICKUP tại nhà ông/bà hôm nay (04/02) đã đổi: trong khoảng "
        f"{moved['start']}–{moved['end']}."
    )
    notices.told(store.engine, [moved])
    assert notices.pickups(store, now) == []
    # Collected: nothing more to tell, however late the day.
    dossiers.move(store.engine, "PICKUP", "digitised", who="binh", place="address", at=AT)
    assert notices.pickups(store, _at(11, 30)) == []
    reads = [(r["who"], r["what"]) for r in accounts.access_log(store.engine, code="PICKUP")]
    assert reads.count(("notices", "SMS notice")) == 3  # read for each notice made


def _hanoi(seconds: int) -> datetime:
    """:data:`DAY` at ``seconds`` of the day, Hanoi time."""
    return datetime.combine(DAY, time(), HANOI) + timedelta(seconds=seconds)


def test_the_applicant_is_told_when_the_postman_is_on_his_way(store: Store, hanoi: AddressMap, portal: Portal) -> None:
    _, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    texts = notify.Texts(hanoi, "vi")
    # PICKUP: the stops of his route before it still to make, nothing said however near its time.
    stop, earlier = daycases.route_to(answer, "PICKUP")
    arrival = clock(stop["arrival"])
    assert earlier and notices.on_the_way(store, _hanoi(arrival - 5 * 60)) == []
    for before in earlier:  # each settled as planned
        daycases.settle(store, before, _hanoi(clock(before["departure"])))
    assert notices.on_the_way(store, _hanoi(arrival - visits.ON_THE_WAY_S - 5 * 60)) == []  # not yet
    (way,) = notices.on_the_way(store, _hanoi(arrival - 10 * 60))
    expected = hhmm(-(-arrival // 300) * 300)
    assert way == {
        "ref": "PICKUP:way:2026-02-04",
        "kind": "pickup_on_the_way",
        "code": "PICKUP",
        "phone": "0912345678",
        "day": "2026-02-04",
        "expected": expected,
        "synthetic": True,
    }
    push.send(store.engine, "notices", portal.url, SECRET, texts.batch([way]), "doors:2026-02-04")
    notices.told(store.engine, [way])
    (message,) = _messages(portal)
    assert message["text"] == (
        f"[Giả lập] Bưu tá đang trên đường đến nhà ông/bà để nhận hồ sơ PICKUP, dự kiến đến lúc khoảng {expected}."
    )
    assert notices.on_the_way(store, _hanoi(arrival - 5 * 60)) == []  # told once
    # He has not come: a little later than told, nothing more said; a quarter of an hour later, told the new time,
    # once; and again only a quarter of an hour after that.
    told = clock(expected)
    assert notices.on_the_way(store, _hanoi(told + 5 * 60)) == []
    (later,) = notices.on_the_way(store, _hanoi(told + 15 * 60))
    moved = hhmm(told + 15 * 60)
    assert (later["kind"], later["ref"], later["expected"]) == ("pickup_later", f"PICKUP:way:2026-02-04:{moved}", moved)
    assert texts.batch([later])["messages"][0]["text"] == (
        f"[Giả lập] Bưu tá đến nhà ông/bà để nhận hồ sơ PICKUP muộn hơn đã báo: nay dự kiến đến lúc khoảng {moved}."
    )
    notices.told(store.engine, [later])
    assert notices.on_the_way(store, _hanoi(told + 25 * 60)) == []
    assert [n["expected"] for n in notices.on_the_way(store, _hanoi(told + 30 * 60))] == [hhmm(told + 30 * 60)]
    # Collected: nothing more to say.
    daycases.settle(store, stop, _hanoi(told + 31 * 60))
    assert notices.on_the_way(store, _hanoi(told + 60 * 60)) == []


def test_the_applicant_is_told_when_the_postman_brings_the_result_late(sqlite_store: Store, hanoi: AddressMap) -> None:
    # HOME: its result taken from the agency (returning), the stop before the door settled half an hour late:
    # expected as much later, and told twenty minutes before.
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    stop, earlier = daycases.route_to(answer, "HOME")
    for before in earlier:
        late = 30 * 60 if before is earlier[-1] else 0
        daycases.settle(sqlite_store, before, _hanoi(clock(before["departure"]) + late))
    assert dossiers.current(sqlite_store.engine, "HOME")["state"] == "returning"
    arrival = clock(stop["arrival"]) + 30 * 60
    assert notices.on_the_way(sqlite_store, _hanoi(arrival - visits.ON_THE_WAY_S - 60)) == []
    (way,) = notices.on_the_way(sqlite_store, _hanoi(arrival - visits.ON_THE_WAY_S))
    assert (way["kind"], way["expected"]) == ("delivery_on_the_way", hhmm(-(-arrival // 300) * 300))
    assert notify.Texts(hanoi, "vi").batch([way])["messages"][0]["text"] == (
        f"[Giả lập] Bưu tá đang trên đường mang kết quả hồ sơ HOME đến địa chỉ của ông/bà, dự kiến đến lúc khoảng "
        f"{way['expected']}."
    )
    # Past the door's window, the postman not there: no time to say.
    assert notices.on_the_way(sqlite_store, _at(21)) == []


def test_a_result_on_its_way_is_said_with_the_window_of_today_s_plan(
    sqlite_store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    dossiers.move(sqlite_store.engine, "HOME", "returning", who="binh", at=AT)
    page = changes.after(sqlite_store.engine)
    shown = visits.door_visit(sqlite_store, "HOME", now=_at(7))
    assert shown is not None and shown["kind"] == "delivery"
    (message,) = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi"), lambda: _at(7))(page)["messages"]
    assert message["text"] == (
        f"[Giả lập] Kết quả hồ sơ HOME đang được bưu tá mang đến địa chỉ của ông/bà hôm nay (04/02), trong khoảng "
        f"{shown['from']}–{shown['to']}."
    )
    assert message["kind"] == "out_for_delivery"
    # Another day, no plan; or the postman so late that the window is past: today, without a window.
    for when in (_at(7) + timedelta(days=1), _at(21)):
        (message,) = notify.shaper(sqlite_store, notify.Texts(hanoi, "en"), lambda when=when: when)(page)["messages"]
        assert message["text"] == (
            "[Synthetic] The result of dossier HOME is on its way to your address with the postman today."
        )


def test_an_applicant_who_stopped_the_notices_is_sent_none_until_he_takes_them_again(
    sqlite_store: Store, hanoi: AddressMap
) -> None:
    engine = sqlite_store.engine
    _, answer = day.plan(sqlite_store, hanoi, DAY, time_limit_s=1)
    daycases.results_move(engine)
    for code in ("HOME", "PICKUP"):
        notices.choose(engine, code, sms=False, by="citizen")
    page = changes.after(engine)["changes"]
    assert [n["code"] for n in notices.of_changes(sqlite_store, page, _at(7))] == ["BACK"]
    assert notices.pickups(sqlite_store, _at(7)) == []
    stop, earlier = daycases.route_to(answer, "PICKUP")
    for before in earlier:
        daycases.settle(sqlite_store, before, _hanoi(clock(before["departure"])))
    coming = _hanoi(clock(stop["arrival"]) - 10 * 60)
    assert notices.on_the_way(sqlite_store, coming) == []
    for code in ("HOME", "PICKUP"):
        notices.choose(engine, code, sms=True, by="citizen")
    assert [n["code"] for n in notices.of_changes(sqlite_store, page, _at(7))] == ["BACK", "HOME"]
    assert [n["code"] for n in notices.pickups(sqlite_store, coming)] == ["PICKUP"]
    assert [n["kind"] for n in notices.on_the_way(sqlite_store, coming)] == ["pickup_on_the_way"]
