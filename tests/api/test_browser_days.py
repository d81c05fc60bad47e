"""The postman's page in a real browser (headless Chromium driven by Playwright), against a live server whose
store holds the planned day of :mod:`tests.ops.daycases`: sign in as a postman, mark a stop done, see the stop
and the dossiers' states change. The browser fixtures are those of ``test_browser.py``."""

from __future__ import annotations

import base64
import datetime as dt
import io
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from PIL import Image
from pyproj import Geod

import tests.api.test_browser as pages
from api.app import create_app
from api.settings import Settings
from geo.addressmap import AddressMap
from geo.hours import HANOI, holiday
from ops import accounts, authorities, day, dayevents, dossiers, ingest, notices, performance, records, stopkeys
from ops.accounts import Principal
from ops.store import Store
from routing.problem import clock
from tests.api.conftest import DISPATCHER
from tests.api.test_browser_maps import tooltip
from tests.ops import daycases
from tests.ops.cases import dossier

browser = pages.browser
page = pages.page


@pytest.fixture(scope="module")
def store(hanoi: AddressMap, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('browser-days') / 'store.sqlite'}")
    daycases.seed(store.engine, hanoi)
    day.plan(store, hanoi, daycases.DAY, time_limit_s=1)
    yield store
    store.close()


@pytest.fixture(scope="module")
def server(hanoi: AddressMap, store: Store) -> Iterator[str]:
    settings = Settings(database_url=str(store.engine.url), tokens=f"{DISPATCHER}:dispatcher")
    with pages.live(create_app(settings, amap=hanoi)) as address:
        yield address


def sign_in(page, name: str, said: str | None = None) -> None:
    """Sign in on ``/signin`` with the password of the day's accounts; the page says ``said`` (the name)."""
    page.goto("/signin")
    page.fill("#username", name)
    page.fill("#password", daycases.PASSWORD)
    page.click("#signin-button")
    page.wait_for_function(f"document.querySelector('#who').textContent.includes('{said or name}')")


def at_the_counter(page, store: Store, name: str, code: str) -> None:
    """Sign out whoever is signed in, add ``name`` as a member of staff of Lương Văn Can and sign him in at the
    counter, then look dossier ``code`` up."""
    accounts.add_user(store.engine, name, daycases.PASSWORD, "agency_staff", agency_id=daycases.LUONG_VAN_CAN)
    page.goto("/signin")
    page.click("#signout-form button")
    sign_in(page, name)
    page.fill("#lookup-code", code)
    page.click("#lookup-form button")


def wait_done(page, kind: str, tasks: list[str]) -> None:
    """Wait until the page shows the ``kind`` stops of ``tasks`` done."""
    page.wait_for_function(
        f"[...document.querySelectorAll(\"li.day-stop[data-kind='{kind}']\")]"
        f".filter((li) => {tasks}.includes(li.dataset.task)).every((li) => li.classList.contains('done'))"
    )


def sign(page, form, last4: str = "0420") -> list[tuple[float, float]]:
    """Fill the proof's ``form`` (at a door, the paper ending ``last4``) and draw a wave across its pad with the mouse,
    not sent yet; the wave's points on the screen."""
    if form.locator("input.id-last4").count():
        form.locator("input.id-last4").fill(last4)
    pad = form.locator("canvas.signature-pad").bounding_box()
    wave = [
        (pad["x"] + 20 + k * (pad["width"] - 40) / 24, pad["y"] + pad["height"] * (0.5 + 0.3 * (-1) ** k))
        for k in range(25)
    ]
    page.mouse.move(*wave[0])
    page.mouse.down()
    for point in wave[1:]:
        page.mouse.move(*point)
    page.mouse.up()
    return wave


def test_a_postman_marks_a_stop_done(page, store: Store) -> None:
    page.goto("/postman")
    pages._ready(page)
    assert "Đăng nhập" in page.inner_text("#error")  # not signed in: the page says so and links to sign in
    # The postman said by his full name, not by his account's name ("binh").
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    assert page.inner_text("#who") == f"Đã đăng nhập: {daycases.POSTMAN_NAME} (bưu tá)"
    pages.accessible(page)
    unplanned = (daycases.DAY + dt.timedelta(days=1)).isoformat()
    page.goto(f"/postman?date={unplanned}")  # a day not planned yet: news in Vietnamese, not an error
    pages._ready(page)
    page.wait_for_function("document.querySelector('#status').textContent.includes('Chưa có kế hoạch phát')")
    assert page.inner_text("#error") == "" and "no plan" not in page.inner_text("#status")
    page.goto(f"/postman?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    first = page.locator("li.day-stop[data-kind='pickup']").first
    task = first.get_attribute("data-task")
    codes = day.stored(store, daycases.DAY)["state"]["dossiers"][task]
    assert "Chưa đến" in first.inner_text() or "Trễ" in first.inner_text()
    assert page.inner_text("#counts").endswith(" · Ca 07:30–17:30.")  # his shift, which a dispatcher may move
    assert page.locator(".leaflet-marker-icon").count() >= 3
    # The route along the roads, solid (not straight dashed lines between the stops): many more corners than stops.
    route = page.locator("path.leaflet-interactive").first
    assert route.get_attribute("stroke-dasharray") is None
    corners = route.get_attribute("d").count("L")
    assert corners > 2 * page.locator("li.day-stop").count(), corners
    pages.accessible(page)
    pages._shot(page, "postman")
    # Recording an event keeps the map where the postman zoomed it (it went back to the whole route).
    _stays_zoomed_in(page, first.locator("button[data-event='picked_up']").click, f"/days/{daycases.DAY.isoformat()}")
    page.wait_for_function(
        f"document.querySelector(\"li.day-stop[data-kind='pickup'][data-task='{task}']\").classList.contains('done')"
    )
    assert (
        "Đã xong · Đã nhận hồ sơ" in page.locator(f"li.day-stop[data-kind='pickup'][data-task='{task}']").inner_text()
    )
    assert {dossiers.current(store.engine, c)["state"] for c in codes} <= {"to_authority", "returning"}
    delivery = page.locator(f"li.day-stop[data-kind='delivery'][data-task='{task}']")
    if delivery.locator("input.record").count():  # an agency or authority: the signed record's number
        delivery.locator("input.record").fill("BB-0204-7")
        delivery.locator("button[data-event='handed_over']").click()
    else:
        delivery.locator("button[data-event='delivered']").click()
    page.wait_for_function(
        f"document.querySelector(\"li.day-stop[data-kind='delivery'][data-task='{task}']\").classList.contains('done')"
    )
    # At its authority, at the applicant's address, or at its agency for the applicant to collect.
    handed = {"at_authority", "returned", "for_collection"}
    assert {dossiers.current(store.engine, c)["state"] for c in codes} <= handed
    page.set_viewport_size({"width": 390, "height": 844})  # on a phone: one column, buttons a thumb can hit
    button = page.locator("li.day-stop:not(.done) .actions button").first.bounding_box()
    assert button["height"] >= 44 and page.locator("#side").bounding_box()["width"] == 390
    pages._shot(page, "postman-phone")


def test_the_dispatcher_follows_the_day(page, store: Store) -> None:
    plan = day.stored(store, daycases.DAY)
    task = next(t["id"] for t in plan["state"]["tasks"] if t["kind"] == "shuttle")
    # Taken at its agency under the visit's record, as the postman's page sends it (an earlier test may have).
    number = records.numbers(store.engine, plan["id"])[(task, "pickup")]
    dispatcher = Principal("an", "dispatcher")
    dayevents.record(store, daycases.DAY, task=task, event="picked_up", who=dispatcher, record_no=number)
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    page.click("#follow-day")
    page.wait_for_function("document.querySelector('#day-counts').textContent.includes('Đã xong')")
    # Routes headed by the postman's full name (they were headed by his account's name, "binh").
    assert page.locator("#day-stops h3").all_inner_texts() == [daycases.POSTMAN_NAME]
    assert page.locator("#stops h3").all_inner_texts() == [daycases.POSTMAN_NAME]
    # The plan menu names the day's plan drawn (it stayed at "—"), and the address names the plan and the day.
    assert page.locator("#plans").input_value() == plan["id"]
    # A day of synthetic dossiers says so (it did not: its shuttles visit no made-up household).
    assert page.inner_text("#status") == "Kế hoạch ngày 04/02/2026, phiên bản 1 (ngày mẫu, dữ liệu tổng hợp)"
    # What waits is said by dossier, codes under each reason; not by the plan's task numbers ("chưa phục vụ T0009").
    waiting = plan["result"]["day"]["unserved"]
    assert page.inner_text("#day-waiting h3") == f"Hồ sơ chờ, theo lý do ({len(waiting)})"
    assert "Điểm phục vụ osm:node/1 không có trên bản đồ: NOWHERE" in page.locator("#day-waiting li").all_inner_texts()
    assert page.locator("#summary div.muted").count() == 0
    assert parse_qs(urlparse(page.url).query) == {"date": [daycases.DAY.isoformat()], "plan": [plan["id"]]}
    assert page.locator("#day-stops tr.day-done").count() >= 1
    late = page.locator("#day-stops tr.day-late").count()  # the day is in the past: everything else is late
    assert late == page.locator("#day-stops tr").count() - page.locator("#day-stops tr.day-done").count() - 1
    # An applicant's address in words, by its dossier (it was shown as "address:HOME").
    places = page.locator("#day-stops td.place").all_inner_texts()
    assert "Địa chỉ người nộp hồ sơ HOME" in places and not any(p.startswith("address:") for p in places)
    # A visit's place named once, across its rows (BHXH was named on each of its stops in a row).
    stops = [s for r in plan["result"]["plan"]["routes"] for s in r["stops"] if s["task"]]
    runs = [len(list(run)) for _, run in groupby(stops, key=lambda s: s["place"])]
    assert len(places) == len(runs) < len(stops)
    spans = page.locator("#day-stops td.place").evaluate_all("(tds) => tds.map((td) => td.rowSpan)")
    assert spans == runs
    # The stop list keeps to the side panel: a long place name wraps (the table ran past it, names cut off).
    widest = page.evaluate("Math.max(...[...document.querySelectorAll('#day-stops table')].map((t) => t.scrollWidth))")
    assert widest <= page.evaluate("document.querySelector('#side').clientWidth")
    assert pages._paths(page) >= 1  # the routes are drawn along the roads
    pages.accessible(page)
    pages._shot(page, "dispatch-day")
    # The day drawn again (every 30 s, or asked) keeps the map where the dispatcher moved it: it jumped back to the
    # whole plan each time.
    _stays_zoomed_in(page, lambda: page.click("#follow-day"), "/geojson")


def _stays_zoomed_in(page, again, path: str) -> None:
    """Zoom the map in twice, do ``again`` (which draws the same plan anew, asking ``path``): the map stays zoomed in
    (its scale bar reads the same)."""
    scale = page.locator(".leaflet-control-scale-line").first
    before = scale.inner_text()
    for _ in range(2):
        page.click(".leaflet-control-zoom-in")
        page.wait_for_function(f"document.querySelector('.leaflet-control-scale-line').textContent !== '{before}'")
        before = scale.inner_text()
    with page.expect_response(lambda r: r.request.method == "GET" and r.url.endswith(path)):
        again()
    page.wait_for_timeout(1000)  # the drawing follows the answer
    assert scale.inner_text() == before


def test_the_route_sheet_prints_from_the_postmans_and_the_dispatchers_pages(page, store: Store) -> None:
    on = daycases.DAY.isoformat()
    (route,) = [r for r in dayevents.live(store, daycases.DAY, now="08:00")["routes"] if r["postman"] == "binh"]
    stops = [s for s in route["stops"] if s["kind"] != "position"]
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    page.goto(f"/postman?date={on}")
    pages._ready(page)
    link = page.locator("#sheet-link")
    link.wait_for(state="visible")
    assert (link.inner_text(), link.get_attribute("href")) == ("In lộ trình", f"/days/{on}/sheet")
    with page.context.expect_page() as opened:
        link.click()
    sheet = opened.value
    sheet.wait_for_load_state()
    assert sheet.locator("h1").text_content() == "Lộ trình và bảng kê giao nhận hồ sơ"
    assert sheet.locator(".sheet tbody tr").count() == len(stops)
    # At the applicant's door, whom to ask for, on his own sheet.
    assert "Nguyễn Văn An (tổng hợp)" in sheet.locator(".sheet tbody").inner_text()
    # Then a handover record to sign at each visit to an agency or authority, on a page of its own.
    numbers = list(dict.fromkeys(s["handover_record"] for s in stops if s["handover_record"]))
    records = sheet.locator("section.record")
    assert numbers and records.count() == len(numbers)
    assert [records.nth(k).locator(".number strong").inner_text() for k in range(len(numbers))] == numbers
    assert records.first.locator("h2").inner_text().casefold() == "biên bản giao nhận hồ sơ"
    pages.accessible(sheet)
    pages._shot(sheet, "route-sheet")
    sheet.close()
    # The dispatcher by a token: the page fetches the sheet and opens it in a tab, its style carried with it.
    page.goto("/signin")
    page.click("#signout-form button")
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={on}")
    pages._ready(page)
    page.click("#follow-day")
    button = page.locator("#day-stops button.sheet")
    button.first.wait_for()
    assert button.all_inner_texts() == ["In lộ trình"]
    # The handovers still to do say their records' numbers, as the sheet prints them.
    said = page.locator("#day-stops td.recorded").all_inner_texts()
    assert [f"Biên bản số {no}" in said for no in numbers] == [True] * len(numbers)
    with page.context.expect_page() as opened:
        button.click()
    fetched = opened.value
    fetched.wait_for_load_state()
    fetched.wait_for_selector("tbody tr")
    assert fetched.url.startswith("blob:") and fetched.locator(".sheet tbody tr").count() == len(stops)
    border = fetched.evaluate("getComputedStyle(document.querySelector('td')).borderTopStyle")
    assert border == "solid" and "Nguyễn Văn An" not in fetched.locator(".sheet tbody").inner_text()
    fetched.close()


def test_a_dispatcher_signed_in_needs_no_token(page, store: Store) -> None:
    # Signed in, the page works by the session: no token field, the stored plans listed and the day followed
    # (the plans' list stayed empty, asked only with a token, and the token field was still shown).
    accounts.add_user(store.engine, "dung", daycases.PASSWORD, "dispatcher")
    sign_in(page, "dung")
    page.goto(f"/dispatch?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    assert page.locator("#token").count() == 0
    assert page.inner_text("#signed-in") == "Đã đăng nhập: dung (điều phối viên)"
    plan_id = day.stored(store, daycases.DAY)["id"]
    # The stored plans said by their working day and when they were made (they were listed by their ids,
    # "plan-9d4df12851bc (v1)").
    option = page.locator("#plans option").nth(1)
    made = day.stored(store, daycases.DAY)["created_at"].replace(tzinfo=dt.UTC).astimezone(HANOI)
    words = f"Kế hoạch ngày 04/02/2026, phiên bản 1 · lập lúc {made:%H:%M %d/%m/%Y}"
    assert (option.get_attribute("value"), option.inner_text()) == (plan_id, words)
    page.click("#follow-day")
    page.wait_for_function("document.querySelector('#day-counts').textContent.includes('Đã xong')")
    assert page.inner_text("#error") == ""


def test_a_postman_does_a_visit_at_once(page, store: Store) -> None:
    # Stops in a row at one place are one visit: its pickups taken together and its handovers signed under one
    # record (the postman typed the record's number and pressed a button at each of the stops; the number is now
    # the system's, filled in).
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    page.goto(f"/postman?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    plan = day.stored(store, daycases.DAY)
    stops = [s for r in plan["result"]["plan"]["routes"] for s in r["stops"] if s["task"]]
    runs = [list(run) for _, run in groupby(stops, key=lambda s: s["place"])]
    mixed = next(r for r in runs if {s["kind"] for s in r} == {"pickup", "delivery"})
    visit = page.locator("li.visit").filter(has=page.locator(f"li.day-stop[data-task='{mixed[0]['task']}']"))
    assert visit.locator("li.day-stop").count() == len(mixed)
    assert f"{len(mixed)} điểm dừng liền nhau tại đây" in visit.inner_text()
    # A delivery there waits for its pickup earlier in the day: take those first, one by one.
    for s in mixed:
        if s["kind"] == "delivery":
            earlier = page.locator(f"li.day-stop[data-kind='pickup'][data-task='{s['task']}']:not(.done)")
            if earlier.count():
                earlier.locator("button[data-event='picked_up']").click()
                if earlier.get_attribute("data-place").startswith("address:"):  # a home pickup: co-signed
                    sign(page, earlier.locator("form.proof"))
                    earlier.locator("form.proof button[type='submit']").click()
                wait_done(page, "pickup", [s["task"]])
    handovers = [s for s in mixed if s["kind"] == "delivery"]
    # Under the one record the system issued for the visit, its number filled in as his sheet prints it; the
    # officer could sign for them all on the phone instead.
    assert visit.locator("button[data-officer='visit']").inner_text() == f"Cán bộ ký nhận cả {len(handovers)}"
    number = records.numbers(store.engine, plan["id"])[(handovers[0]["task"], "delivery")]
    assert visit.locator(".visit-actions input.record[data-for='handed_over']").input_value() == number
    visit.locator("button[data-visit-event='handed_over']").click()
    wait_done(page, "delivery", [s["task"] for s in handovers])
    codes = [c for s in handovers for c in plan["state"]["dossiers"][s["task"]]]
    said = {e.record_no for c in codes for e in dossiers.history(store.engine, c) if e.state == "at_authority"}
    assert said == {number}
    assert next(r for r in records.of_day(store.engine, daycases.DAY) if r["no"] == number)["status"] == "used"
    pickups = visit.locator("button[data-visit-event='picked_up']")
    assert pickups.inner_text() == f"Đã nhận cả {sum(s['kind'] == 'pickup' for s in mixed)}"
    pickups.click()
    wait_done(page, "pickup", [s["task"] for s in mixed if s["kind"] == "pickup"])
    assert visit.locator("button[data-visit-event]").count() == 0
    pages.accessible(page)
    pages._shot(page, "postman-visit")


def test_a_dispatcher_plans_and_replans_the_day_from_the_page(page, store: Store) -> None:
    # The buttons say what they did and keep saying it once the plan is drawn (the status was overwritten by the
    # plan's id); the menu names the new plan. A home pickup asked that morning makes sure there is work left.
    home = dossier(
        "BROWSER",
        agency_id=daycases.LUONG_VAN_CAN,
        authority_code=daycases.BHXH,
        channel="home_pickup",
        received_at="2026-02-04T09:00:00+07:00",
    )
    ingest.ingest(store.engine, [(1, home)])
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    with page.expect_response(lambda r: r.url.endswith("/plan") and r.request.method == "POST") as planning:
        page.click("#plan-day")
    answer = planning.value.json()
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã lập')")
    served, dossiers = answer["served_dossiers"], answer["dossiers"]
    assert page.inner_text("#status") == f"Đã lập kế hoạch ngày 04/02/2026: phục vụ {served} trên {dossiers} hồ sơ"
    assert "BROWSER" in {c for r in answer["routes"] for s in r["stops"] for c in s["dossiers"]}
    assert page.locator("#plans").input_value() == answer["id"]
    assert page.locator("#day-stops h3").all_inner_texts() == [daycases.POSTMAN_NAME]
    page.click("#replan")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã thêm')")
    assert page.inner_text("#status") == "Đã thêm 0 việc (phiên bản 1)"
    assert page.inner_text("#error") == ""


def test_a_dispatcher_plans_the_day_balanced(page, store: Store) -> None:
    # Ticked, the day is planned with the last postman back as early as possible, and the page says when, and at
    # what cost beside the cheapest plan's.
    later = daycases.DAY + dt.timedelta(days=35)
    daycases.add(store.engine, "BALANCED", channel="home_pickup", received_at="2026-02-04T09:00:00+07:00")
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={later.isoformat()}")
    pages._ready(page)
    page.wait_for_selector("#crew:not([hidden])")
    assert page.inner_text("label[for=balanced], label:has(#balanced)") == "Cân bằng giữa các bưu tá"
    page.check("#balanced")
    with page.expect_response(lambda r: r.url.endswith("/plan") and r.request.method == "POST") as planning:
        page.click("#plan-day")
    assert planning.value.request.post_data_json["balanced"] is True
    answer = planning.value.json()
    said = answer["balance"]
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã lập')")
    assert page.inner_text("#status") == (
        f"Đã lập kế hoạch ngày {later:%d/%m/%Y}: phục vụ {answer['served_dossiers']} trên {answer['dossiers']} hồ "
        f"sơ. Cân bằng: bưu tá cuối cùng về lúc {said['back']}, không ai đi quá {_hours(said['longest_s'])}, chi phí "
        f"{_dong(said['cost'])} ₫ (kế hoạch rẻ nhất: về lúc {said['cheapest_back']}, người đi lâu nhất "
        f"{_hours(said['cheapest_longest_s'])}, {_dong(said['cheapest_cost'])} ₫)"
    )
    assert day.stored(store, later)["request"]["balanced"] is True
    # Seen again later, the day says it was balanced and keeps the tick for planning it again.
    page.reload()
    pages._ready(page)
    page.click("#follow-day")
    page.wait_for_function("document.querySelector('#day-counts').textContent.includes('cân bằng')")
    assert page.inner_text("#day-counts").endswith(f" · Kế hoạch cân bằng: bưu tá cuối cùng về lúc {said['back']}")
    assert page.is_checked("#balanced")


WEDNESDAY, THURSDAY = 2, 3


def _coming(today: dt.date, weekday: int) -> dt.date:
    """A day of the given weekday a week or more after ``today`` on which the offices open: no public holiday
    (the tests run on any day of the year, Tết included)."""
    day = today + dt.timedelta(days=7 + (weekday - today.weekday()) % 7)
    while holiday(day):
        day += dt.timedelta(days=7)
    return day


def _hours(seconds: int) -> str:
    """A working day as the Vietnamese page says it: 2 giờ 5 phút."""
    return f"{seconds // 3600} giờ {seconds % 3600 // 60} phút"


def _dong(amount: int) -> str:
    """An amount of đồng as the Vietnamese page writes it: 613.406."""
    return f"{amount:,}".replace(",", ".")


def test_a_postman_without_a_route_is_told_so(page, store: Store) -> None:
    # A postman the day's plan gives nothing, and a day without a plan: each said in words, the day as Vietnam
    # writes it (the error named "2026-02-05", and the empty list said "today" of any day).
    accounts.add_user(store.engine, "cuong", daycases.PASSWORD, "postman", agency_id=daycases.TRANG_TIEN)
    sign_in(page, "cuong")
    page.goto(f"/postman?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    assert page.inner_text("#stops") == "Ngày này không có điểm dừng nào cho bạn."
    page.goto(f"/postman?date={(daycases.DAY + dt.timedelta(days=1)).isoformat()}")
    pages._ready(page)
    page.wait_for_function("document.querySelector('#status').textContent.length > 0")
    assert page.inner_text("#status") == (
        "Chưa có kế hoạch phát cho ngày 05/02/2026: điều phối viên cần lập kế hoạch ngày trước"
    )


def test_a_dispatcher_places_a_unit_the_map_lacks(page, store: Store, hanoi: AddressMap) -> None:
    # Phường Nghĩa Đô has no committee on the map: its dossier waits, day after day, until its seat is given. The
    # dispatcher places it on the page (the registry could be filled only by a CSV file on the server), and the
    # day's plan takes the dossier there.
    daycases.add(store.engine, "PLACED", authority_code="00160")
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    page.wait_for_selector("#gaps:not([hidden])")
    unit = page.locator("#gap-list li").filter(has_text="UBND Phường Nghĩa Đô")
    assert unit.locator("span").inner_text() == "UBND Phường Nghĩa Đô: 1 hồ sơ đang mở"
    # The day's plan leaves the dossier waiting, said why; the unit is placed from there (or from the list).
    page.click("#plan-day")
    reason = page.locator("#day-waiting li").filter(has_text="UBND Phường Nghĩa Đô")
    reason.wait_for()
    assert reason.inner_text().startswith("Cơ quan giải quyết UBND Phường Nghĩa Đô chưa có vị trí: PLACED")
    reason.locator("button").click()
    page.wait_for_function("document.querySelector('#placing-words').textContent.includes('Nghĩa Đô')")
    assert unit.locator("button").get_attribute("aria-pressed") == "true"
    assert page.inner_text("#placing-words").startswith("Bấm vào bản đồ tại trụ sở UBND Phường Nghĩa Đô")
    assert page.locator("#place-save").is_disabled()
    page.click("#map", position={"x": 500, "y": 300})  # a click on the map drops the pin there
    page.wait_for_selector(".leaflet-marker-icon .pin")
    assert page.inner_text("#placing-words").startswith("UBND Phường Nghĩa Đô tại 21.")
    # Or the seat's address: the pin goes to what the search finds first.
    page.fill("#place-address", "18 Hoàng Quốc Việt")
    page.click("#place-find")
    hit = hanoi.search.answer("18 Hoàng Quốc Việt", k=1).hits[0]
    page.wait_for_function(f"document.querySelector('#placing-words').textContent.includes('{hit['lat']:.5f}')")
    pages.accessible(page)
    page.click("#place-save")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã đặt vị trí')")
    assert page.inner_text("#status") == (
        "Đã đặt vị trí UBND Phường Nghĩa Đô. "
        "Lập kế hoạch ngày hoặc lập lại để đưa 1 hồ sơ của cơ quan này vào lộ trình."
    )
    assert page.inner_text("#error") == "" and page.locator("#placing").is_hidden()
    assert page.locator("#gap-list li").filter(has_text="Nghĩa Đô").count() == 0
    seat = authorities.registry(store.engine, codes=["00160"])[0]
    assert (seat["lat"], seat["lon"]) == pytest.approx((hit["lat"], hit["lon"]))
    assert (seat["source"], seat["located_by"]) == ("operator", "token:dispatcher")
    pages._shot(page, "dispatch-place-unit")
    with page.expect_response(lambda r: r.url.endswith("/plan") and r.request.method == "POST") as planning:
        page.click("#plan-day")
    stops = [s for r in planning.value.json()["routes"] for s in r["stops"] if "PLACED" in s["dossiers"]]
    assert ("authority:00160", "UBND Phường Nghĩa Đô") in {(s["place"], s["name"]) for s in stops}
    # Who placed it, and when, is said; placed by mistake, the point is forgotten and the unit waits again.
    placed = page.locator("#placed-list li").filter(has_text="UBND Phường Nghĩa Đô")
    when = seat["located_at"].astimezone(HANOI)
    assert placed.locator("span").inner_text() == (
        f"UBND Phường Nghĩa Đô: đặt bởi mã truy cập của điều phối viên lúc {when:%H:%M %d/%m/%Y}"
    )
    pages.accessible(page)
    pages._shot(page, "dispatch-placed-units")
    page.once("dialog", lambda dialog: dialog.accept())
    placed.locator("button[data-forget]").click()
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã bỏ')")
    assert page.inner_text("#status") == "Đã bỏ vị trí đã đặt của UBND Phường Nghĩa Đô."
    assert unit.count() == 1 and placed.count() == 0
    assert authorities.registry(store.engine, codes=["00160"])[0]["lat"] is None


def test_a_route_kept_after_its_postmans_shift_is_said_so(page, store: Store, hanoi: AddressMap) -> None:
    # A morning postman's shift was over when the day was re-planned: his route is kept as planned, and the page
    # says why it takes nothing more (the re-plan was refused before, after OR-Tools failed on it).
    later = daycases.DAY + dt.timedelta(days=7)
    postmen = [
        {"id": "binh", "name": daycases.POSTMAN_NAME, "depot": daycases.LUONG_VAN_CAN, "shift": "07:30-12:00"},
        {"id": "an", "name": "Trần Thị An", "depot": daycases.LUONG_VAN_CAN, "shift": "12:30-17:30"},
    ]
    day.plan(store, hanoi, later, postmen=postmen, time_limit_s=1)
    daycases.add(store.engine, "AFTERNOON", channel="home_pickup", received_at=f"{later}T12:30:00+07:00")
    _, _, answer, added = day.replan(store, hanoi, later, done={}, at="13:00", time_limit_s=1)
    assert added == 1 and [r["closed"] for r in answer["routes"]] == [True, False]
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={later.isoformat()}")
    pages._ready(page)
    page.click("#follow-day")
    page.wait_for_selector("#day-stops .route-closed")
    headings = page.locator("#day-stops h3").all_inner_texts()
    assert headings == [daycases.POSTMAN_NAME, "Trần Thị An"]
    closed = page.locator("#day-stops .route-closed")
    assert closed.all_inner_texts() == ["Hết ca: lộ trình giữ như đã lập, không nhận thêm việc"]
    pages.accessible(page)


def test_a_dispatcher_sets_the_days_shifts(page, store: Store, hanoi: AddressMap) -> None:
    # The page planned the day with every postman's default shift: a morning postman, or one off that day, could be
    # set only through the API or a file.
    later = daycases.DAY + dt.timedelta(days=21)
    team = [p["id"] for p in day.crew(store)]  # binh, and the postmen the other tests add
    k = team.index("binh")
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={later.isoformat()}")
    pages._ready(page)
    page.wait_for_selector("#crew:not([hidden])")
    assert page.inner_text("#crew-summary") == f"Ca làm việc: {len(team)}/{len(team)} bưu tá"
    page.click("#crew-summary")
    card = page.locator("#crew-rows li").nth(k)
    assert card.locator(".crew-who").inner_text().strip() == f"{daycases.POSTMAN_NAME} · Bưu điện Lương Văn Can"
    # Every field and button of a card lies within the side panel (the table's last columns ran out of it, unseen).
    side = page.locator("#side").bounding_box()
    for box in (card.locator(f"#crew-{kind}-{k}").bounding_box() for kind in ("from", "to", "load", "keep", "join")):
        assert box is not None and side is not None and box["x"] + box["width"] <= side["x"] + side["width"]
    page.select_option(f"#crew-to-{k}", "12:00")
    assert page.input_value(f"#crew-load-{k}") == "40"
    # The hours on the 24-hour clock Vietnam writes, every quarter of an hour (a time field drew "05:30" for 17:30 in
    # an English browser, its "PM" cut off by the field's width).
    hours = page.locator(f"#crew-to-{k} option").all_inner_texts()
    assert (len(hours), hours[:2], hours[-1]) == (96, ["00:00", "00:15"], "23:45")
    assert page.input_value(f"#crew-from-{k}") == "07:30" and page.locator("#crew input[type=time]").count() == 0
    page.fill(f"#crew-load-{k}", "15")  # on a bicycle today
    for other in range(len(team)):
        if other != k:
            page.uncheck(f"#crew-on-{other}")
    with page.expect_request(lambda r: r.url.endswith("/plan") and r.method == "POST") as sent:
        page.click("#plan-day")
    shift = {"id": "binh", "depot": daycases.LUONG_VAN_CAN, "capacity": 15, "lunch": True, "shift": "07:30-12:00"}
    assert sent.value.post_data_json == {"postmen": [shift], "balanced": False}
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã lập')")
    planned = day.stored(store, later)["state"]["postmen"]
    assert [(p["shift"], p["capacity"]) for p in planned] == [("07:30-12:00", 15)]
    # A shift ending before it starts, a capacity he cannot carry, and nobody at work, are said before anything is
    # sent.
    sent_again: list[str] = []
    page.on("request", lambda r: sent_again.append(r.url) if r.method == "POST" else None)
    page.select_option(f"#crew-from-{k}", "13:00")
    page.click("#plan-day")
    assert page.inner_text("#error") == f"Ca của {daycases.POSTMAN_NAME} phải kết thúc sau khi bắt đầu"
    page.select_option(f"#crew-from-{k}", "07:30")
    page.fill(f"#crew-load-{k}", "0")
    page.click("#plan-day")
    assert page.inner_text("#error") == (
        f"Sức chở của {daycases.POSTMAN_NAME} phải là số nguyên từ 1 đến 10000 đơn vị hồ sơ"
    )
    page.fill(f"#crew-load-{k}", "15")
    page.uncheck(f"#crew-on-{k}")
    assert page.inner_text("#crew-summary") == f"Ca làm việc: 0/{len(team)} bưu tá"
    page.click("#plan-day")
    assert page.inner_text("#error") == "Hãy chọn ít nhất một bưu tá làm việc trong ngày"
    assert sent_again == []
    # The morning hours and the bicycle's load kept as his usual ones: the days after are planned with them
    # without setting them.
    puts: list[tuple[str, object]] = []
    page.on("request", lambda r: puts.append((r.url, r.post_data_json)) if r.method == "PUT" else None)
    with page.expect_response(lambda r: r.url.endswith("/postmen/binh/capacity") and r.request.method == "PUT"):
        page.click(f"#crew-keep-{k}")
    assert [(url.rsplit("/", 1)[1], body) for url, body in puts] == [
        ("shift", {"shift": "07:30-12:00"}),
        ("capacity", {"capacity": 15}),
    ]
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã lưu')")
    assert page.inner_text("#status") == (
        f"Đã lưu ca thường lệ của {daycases.POSTMAN_NAME}: 07:30–12:00, sức chở 15 đơn vị hồ sơ; "
        "các ngày sau lập kế hoạch theo đó"
    )
    roster = {p["id"]: (p["shift"], p["capacity"]) for p in day.roster(store, hanoi)}
    assert roster["binh"] == ("07:30-12:00", 15)
    # Kept again with the same load, only the shift is sent (an account on the default load keeps following it).
    puts.clear()
    page.evaluate("document.querySelector('#status').textContent = ''")
    page.click(f"#crew-keep-{k}")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã lưu')")
    assert [url.rsplit("/", 1)[1] for url, _ in puts] == ["shift"]
    pages.accessible(page)
    accounts.set_shift(store.engine, "binh", None)
    accounts.set_capacity(store.engine, "binh", None)


def test_a_dispatcher_sends_a_postman_home_from_the_page(page, store: Store, hanoi: AddressMap) -> None:
    # Taken ill, his motorbike broken down: the dispatcher sets the end of his shift under his route, and the day is
    # re-planned from the service's clock (the start of a coming day: no stop is done yet).
    today = dt.datetime.now(HANOI).date()
    coming = _coming(today, WEDNESDAY)
    postmen = [
        {"id": "binh", "name": daycases.POSTMAN_NAME, "depot": daycases.LUONG_VAN_CAN},
        {"id": "an", "name": "Trần Thị An", "depot": daycases.LUONG_VAN_CAN},
    ]
    daycases.add(store.engine, "COMING", channel="home_pickup", received_at=f"{today}T09:00:00+07:00")
    _, planned = day.plan(store, hanoi, coming, postmen=postmen, time_limit_s=1)
    (route, *_) = planned["routes"]
    name = route["postman_name"]
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={coming.isoformat()}")
    pages._ready(page)
    page.click("#follow-day")
    page.wait_for_selector("#day-stops form.shift-end")
    form = page.locator("#day-stops form.shift-end").first
    assert form.locator("span").inner_text() == "Ca 07:30–17:30."
    assert form.locator("select").input_value() == "17:30"  # a coming day: the shift's end, not the clock now
    form.locator("select").select_option("10:00")
    with page.expect_request(lambda r: r.url.endswith("/replan") and r.method == "POST") as sent:
        form.locator("button").click()
    assert sent.value.post_data_json == {"shift_ends": {route["postman"]: "10:00"}}
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Ca của')")
    stored = day.stored(store, coming)
    assert {p["id"]: p.get("shift") for p in stored["state"]["postmen"]}[route["postman"]] == "07:30-10:00"
    answer = stored["result"]["day"]
    assert page.inner_text("#status") == (
        f"Ca của {name} nay kết thúc lúc 10:00; đã lập lại kế hoạch (phiên bản 2): "
        f"{answer['served_dossiers']}/{answer['dossiers']} hồ sơ được phục vụ"
    )
    ended = next((r for r in answer["routes"] if r["postman"] == route["postman"]), None)
    assert ended is None or all(s["departure"] <= "10:00" for s in ended["stops"])
    pages.accessible(page)


def _sent_home_after_a_pickup(store: Store, hanoi: AddressMap, later: dt.date) -> dict:
    """Plan ``later`` for binh alone, record his first shuttle picked up, and send him home at 10:00: the stop of
    the dossiers he brings back."""
    daycases.add(store.engine, f"CARRY-{later:%m%d}", authority_code=daycases.HOAN_KIEM)
    postmen = [{"id": "binh", "name": daycases.POSTMAN_NAME, "depot": daycases.LUONG_VAN_CAN}]
    _, planned = day.plan(store, hanoi, later, postmen=postmen, time_limit_s=1)
    tasks = {t["id"]: t for t in day.stored(store, later)["state"]["tasks"]}
    stops = planned["routes"][0]["stops"]
    first = next(s for s in stops if s["kind"] == "pickup" and tasks[s["task"]]["kind"] == "shuttle")
    nine = dt.datetime.combine(later, dt.time(9), HANOI)
    dayevents.record(
        store, later, task=first["task"], event="picked_up", who=Principal("binh", "postman", None), at=nine
    )
    done = dayevents.done_stops(store, later)
    day.replan(store, hanoi, later, done=done, at="10:00", time_limit_s=1, shift_ends={"binh": "10:00"})
    return first


def test_a_postman_sent_home_records_what_he_brings_back(page, store: Store, hanoi: AddressMap) -> None:
    # Sent home at 10:00 after his first pickup, he brings its dossiers back. His page listed nothing of them (the
    # pickup done, the delivery gone from his route), so they stayed "to_authority" in no later day's plan.
    later = daycases.DAY + dt.timedelta(days=28)  # Wednesday 4 March 2026
    first = _sent_home_after_a_pickup(store, hanoi, later)
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    page.goto(f"/postman?date={later.isoformat()}")
    pages._ready(page)
    page.wait_for_selector("#carried:not([hidden]) button[data-carried]")
    box = page.locator("#carried")
    assert page.inner_text("#error") == ""  # the route stays at his post office: the map zoomed to infinity before
    assert box.locator("h2").inner_text() == "Mang về bưu cục (1)"
    assert box.locator("li").inner_text().splitlines()[:2] == [
        f"#{first['seq']} đã nhận tại {first['name']}",
        f"Hồ sơ: {', '.join(first['dossiers'])}",
    ]
    pages.accessible(page)
    with page.expect_request(lambda r: r.url.endswith("/events") and r.method == "POST") as sent:
        box.locator("button").click()
    assert sent.value.post_data_json == {
        "task": first["task"],
        "event": "failed",
        "reason_code": "no_time",  # never at the door: no try counted against a result to the door
        "reason": "Mang về bưu cục: kế hoạch mới không còn giao kịp hôm nay",
    }
    page.wait_for_function("document.querySelector('#carried li').textContent.includes('Đã mang về bưu cục')")
    assert box.locator("button").count() == 0
    assert {dossiers.current(store.engine, c)["state"] for c in first["dossiers"]} == {"digitised"}
    pages._shot(page, "postman-carried")


def test_a_dispatcher_records_what_a_postman_brought_back(page, store: Store, hanoi: AddressMap) -> None:
    # Not recorded, the dossiers are still in his bag the next day: its waiting list says so and links to his day,
    # where the dispatcher records them brought back under his route (the re-plan that then gives them to another
    # postman: tests/api/test_days.py).
    later = daycases.DAY + dt.timedelta(days=35)  # Wednesday 11 March 2026
    first = _sent_home_after_a_pickup(store, hanoi, later)
    day.plan(
        store,
        hanoi,
        later + dt.timedelta(days=1),
        postmen=[{"id": "binh", "depot": daycases.LUONG_VAN_CAN}],
        time_limit_s=1,
    )
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={(later + dt.timedelta(days=1)).isoformat()}")
    pages._ready(page)
    page.click("#follow-day")
    still = page.locator("#day-waiting li", has_text="Hồ sơ vẫn ở chỗ bưu tá")
    still.wait_for()
    assert still.inner_text().startswith(f"Hồ sơ vẫn ở chỗ bưu tá {daycases.POSTMAN_NAME} từ 09:00 ngày 11/03/2026")
    assert all(code in still.inner_text() for code in first["dossiers"])
    still.locator("a").click()
    page.wait_for_url(f"**/dispatch?date={later.isoformat()}")
    pages._ready(page)
    page.click("#follow-day")
    page.wait_for_selector("#day-stops ul.carried button[data-carried]")
    assert page.locator("#day-stops h4").inner_text() == "Mang về bưu cục (1)"
    pages.accessible(page)
    page.click("#day-stops ul.carried button[data-carried]")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã ghi nhận mang về')")
    assert page.inner_text("#status") == (
        f"Đã ghi nhận mang về bưu cục: {', '.join(first['dossiers'])}. "
        "Bấm “Lập lại từ bây giờ” để bưu tá khác mang đi trong ngày."
    )
    page.wait_for_function("document.querySelector('#day-stops ul.carried li').textContent.includes('Đã mang về')")
    assert {dossiers.current(store.engine, c)["state"] for c in first["dossiers"]} == {"digitised"}


def test_a_dispatcher_calls_a_postman_in_from_the_shifts(page, store: Store, hanoi: AddressMap) -> None:
    # The day was planned with Bình alone; Lan, off that day, is called in from her card in the shifts.
    coming = _coming(dt.datetime.now(HANOI).date(), THURSDAY)
    accounts.add_user(
        store.engine, "lan", daycases.PASSWORD, "postman", agency_id=daycases.LUONG_VAN_CAN, full_name="Nguyễn Thị Lan"
    )
    postmen = [{"id": "binh", "name": daycases.POSTMAN_NAME, "depot": daycases.LUONG_VAN_CAN}]
    day.plan(store, hanoi, coming, postmen=postmen, time_limit_s=1)
    k = [p["id"] for p in day.crew(store)].index("lan")
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={coming.isoformat()}")
    pages._ready(page)
    page.wait_for_selector("#crew:not([hidden])")
    page.click("#crew-summary")
    assert page.get_attribute(f"#crew-join-{k}", "aria-label") == "Gọi Nguyễn Thị Lan vào ca từ bây giờ"
    pages.accessible(page)
    with page.expect_request(lambda r: r.url.endswith("/replan") and r.method == "POST") as sent:
        page.click(f"#crew-join-{k}")
    lan = {"id": "lan", "depot": daycases.LUONG_VAN_CAN, "capacity": 40, "lunch": True, "shift": "07:30-17:30"}
    assert sent.value.post_data_json == {"joining": [lan]}
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã gọi')")
    answer = day.stored(store, coming)["result"]["day"]
    assert page.inner_text("#status") == (
        "Đã gọi Nguyễn Thị Lan vào ca; đã lập lại kế hoạch (phiên bản 2): "
        f"{answer['served_dossiers']}/{answer['dossiers']} hồ sơ được phục vụ"
    )
    assert [p["id"] for p in day.stored(store, coming)["state"]["postmen"]] == ["binh", "lan"]


def test_a_dispatcher_gives_a_unit_its_office_hours(page, store: Store) -> None:
    # The Hoàn Kiếm committee's one-stop counter also works on Saturday mornings: the dispatcher says so on the page
    # (before, only the API, the command line or a CSV file could), sees it in words, and gives the usual hours back.
    saturday = "Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off"
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto("/dispatch")
    pages._ready(page)
    page.wait_for_selector("#office-hours:not([hidden])")
    page.click("#office-hours summary")
    assert page.inner_text("#office-hours summary") == "Giờ làm việc của cơ quan giải quyết"
    assert page.get_attribute("#hours-text", "placeholder") == "Mo-Fr 08:00-11:30,13:30-17:00; PH off"
    page.select_option("#hours-unit", daycases.HOAN_KIEM)
    said = page.locator("#hours-unit option:checked").inner_text()
    assert said == "UBND Phường Hoàn Kiếm" and page.input_value("#hours-text") == ""
    page.fill("#hours-text", "sáng thứ bảy")  # not as OpenStreetMap writes hours: said, nothing saved
    page.click("#hours-save")
    page.wait_for_function("document.querySelector('#error').textContent.includes('OpenStreetMap')")
    assert page.inner_text("#error").startswith("Giờ làm việc “sáng thứ bảy” không viết theo cách của OpenStreetMap")
    assert authorities.registry(store.engine, codes=[daycases.HOAN_KIEM])[0]["hours"] is None
    page.fill("#hours-text", saturday)
    page.click("#hours-save")
    page.wait_for_function("document.querySelector('#status').textContent.startsWith('Đã lưu giờ làm việc')")
    words = "T2–T6 08:00–11:30, 13:30–17:00; T7 08:00–11:30; ngày lễ nghỉ"
    assert page.inner_text("#status") == (
        f"Đã lưu giờ làm việc của {said}: {words}. Lập kế hoạch ngày hoặc lập lại để áp dụng."
    )
    assert page.inner_text("#error") == ""
    assert authorities.registry(store.engine, codes=[daycases.HOAN_KIEM])[0]["hours"] == saturday
    own = page.locator("#hours-list li")
    assert own.count() == 1 and own.locator("span").inner_text() == f"{said}: {words}"
    pages.accessible(page)
    pages._shot(page, "dispatch-office-hours")
    own.locator("button[data-usual]").click()
    page.wait_for_function("document.querySelector('#status').textContent.includes('giờ chung')")
    assert page.inner_text("#status") == f"{said} làm việc theo giờ chung. Lập kế hoạch ngày hoặc lập lại để áp dụng."
    assert own.count() == 0 and page.locator("#hours-own").is_hidden()
    assert authorities.registry(store.engine, codes=[daycases.HOAN_KIEM])[0]["hours"] is None


def _dispatcher_at(browser, server: str, day: dt.date) -> tuple:
    """A dispatcher's own browser (beside the postman's) on the dispatch page of ``day``, ready: its context and
    page."""
    context = browser.new_context(base_url=server, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
    page = context.new_page()
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={day.isoformat()}")
    pages._ready(page)
    return context, page


def _dispatcher_follows(browser, server: str, day: dt.date) -> tuple:
    """:func:`_dispatcher_at`, following ``day``."""
    context, page = _dispatcher_at(browser, server, day)
    page.click("#follow-day")
    return context, page


def _week_read(page) -> str:
    """The postmen's week as the dispatch page says it, once drawn."""
    page.wait_for_selector("#performance-out .perf-list")
    return page.inner_text("#performance-out")


def test_a_postman_says_why_a_delivery_failed_and_the_dispatcher_sees_it(
    page, browser, server: str, store: Store, hanoi: AddressMap, tmp_path: Path
) -> None:
    # At the citizen's door nobody answers: the postman picks the reason from those of a door (not "closed"), adds
    # a note and a photo of the door, and his phone says where he is, 2 km off (he recorded it later, on his way).
    # The dispatcher sees why, when, that it was recorded far from the stop, and the photo; and where the postman's
    # phone was last.
    later = daycases.DAY + dt.timedelta(days=42)  # Wednesday 18 March 2026
    code, again = f"DOOR-{later:%m%d}", f"AGAIN-{later:%m%d}"
    for each in (code, again):
        daycases.add(store.engine, each, states=daycases.DECIDED, return_mode="address")
    postmen = [{"id": "binh", "name": daycases.POSTMAN_NAME, "depot": daycases.LUONG_VAN_CAN}]
    _, planned = day.plan(store, hanoi, later, postmen=postmen, time_limit_s=1)
    door = next(s for r in planned["routes"] for s in r["stops"] if s["place"] == f"address:{code}")
    binh = Principal("binh", "postman", None)
    nine = dt.datetime.combine(later, dt.time(9), HANOI)
    dayevents.record(store, later, task=door["task"], event="picked_up", who=binh, at=nine)
    lon, lat, _ = Geod(ellps="WGS84").fwd(door["lon"], door["lat"], 0, 2000)
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon, "accuracy": 20})
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    page.goto(f"/postman?date={later.isoformat()}")
    pages._ready(page)
    stop = page.locator(f"li.day-stop[data-kind='delivery'][data-task='{door['task']}']")
    # Whom to hand it to, and the phone to call (the synthetic applicant's).
    assert stop.locator(".contact").inner_text() == "Người nhận: Nguyễn Văn An (tổng hợp) · 0912345678"
    assert stop.locator(".contact a").get_attribute("href") == "tel:0912345678"
    reasons = stop.locator("select.reason-code option").all_inner_texts()
    assert reasons == [
        "Không gặp người nhận",
        "Người nhận từ chối nhận",
        "Không tìm thấy địa chỉ",
        "Không kịp giờ",
        "Lý do khác",
    ]
    stop.locator("select.reason-code").select_option("nobody_home")
    stop.locator("input.reason").fill("Gọi điện không nghe máy")
    door_photo = tmp_path / "door.jpg"
    Image.new("RGB", (3000, 2000), (150, 90, 40)).save(door_photo, "JPEG")  # as a phone's camera takes it
    stop.get_by_label("Chụp ảnh tại chỗ (không bắt buộc)").set_input_files(door_photo)
    assert stop.locator(".photo-chosen").inner_text() == "Đã chọn ảnh door.jpg"
    stop.locator(".photo-field").scroll_into_view_if_needed()
    pages._shot(page, "postman-photo")
    pages.accessible(page)
    with page.expect_request(lambda r: r.url.endswith("/events") and r.method == "POST") as sent:
        stop.locator("button[data-event='failed']").click()
    body = sent.value.post_data_json
    assert (body["event"], body["reason_code"], body["reason"]) == ("failed", "nobody_home", "Gọi điện không nghe máy")
    assert body["position"] == {"lat": pytest.approx(lat), "lon": pytest.approx(lon), "accuracy_m": 20}
    # Sent made smaller on the phone: 1,280 pixels a side, JPEG.
    assert body["photo"].startswith("data:image/jpeg;base64,")
    sent_photo = Image.open(io.BytesIO(base64.b64decode(body["photo"].split(",", 1)[1])))
    assert sent_photo.size == (1280, 853)
    page.wait_for_function(
        f"document.querySelector(\"li.day-stop[data-kind='delivery'][data-task='{door['task']}']\").classList.contains('failed')"
    )
    said = stop.locator(".stop-state").inner_text()
    assert said.startswith("Không thành công · ") and said.endswith(
        " · Không gặp người nhận: Gọi điện không nghe máy · ghi nhận cách điểm dừng 2,00 km · Xem ảnh"
    )
    # The photo as kept, read with the postman's session.
    shown = page.request.get(stop.locator("a.photo-link").get_attribute("href"))
    assert shown.status == 200 and shown.headers["content-type"] == "image/jpeg"
    assert Image.open(io.BytesIO(shown.body())).size == (1280, 853)
    assert stop.locator(".actions").count() == 0
    assert dossiers.current(store.engine, code)["state"] == "failed_return"
    pages._shot(page, "postman-failed")

    context, other = _dispatcher_follows(browser, server, later)
    other.wait_for_function("document.querySelector('#day-counts').textContent.includes('không thành công 1')")
    row = other.locator("#day-stops tr.day-failed")
    assert row.count() == 1 and door["task"] in row.inner_text()
    recorded = row.locator("td.recorded.far").inner_text()
    assert recorded.endswith("Không gặp người nhận: Gọi điện không nghe máy · ghi nhận cách điểm dừng 2,00 km Xem ảnh")
    with other.expect_popup() as opened:
        row.locator("button.photo").click()
    # Fetched with the dispatcher's token and opened: the photo as kept.
    opened.value.wait_for_url(lambda url: url.startswith("blob:"))
    opened.value.wait_for_function("document.images.length === 1 && document.images[0].complete")
    assert opened.value.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]") == [1280, 853]
    opened.value.close()
    assert other.locator("#day-stops th").last.inner_text() == "Ghi nhận"
    seen = other.locator("path.leaflet-interactive[fill='#ffd92f']")
    assert seen.count() == 1
    # 2 km off the route, and in view: the day's plan is fitted with the postmen's last positions.
    mark, frame = seen.bounding_box(), other.locator("#map").bounding_box()
    assert frame["x"] <= mark["x"] and mark["x"] + mark["width"] <= frame["x"] + frame["width"]
    assert frame["y"] <= mark["y"] and mark["y"] + mark["height"] <= frame["y"] + frame["height"]
    assert tooltip(other, seen).startswith(f"{daycases.POSTMAN_NAME}: vị trí lúc ")
    pages.accessible(other)
    pages._shot(other, "dispatch-failed")
    context.close()
    # Another result that found nobody at home that afternoon (recorded at its time: the page records now) comes
    # again the next day: the postman reads that it is the last try at the door.
    task = next(s["task"] for r in planned["routes"] for s in r["stops"] if s["place"] == f"address:{again}")
    for event in ({"event": "picked_up"}, {"event": "failed", "reason_code": "nobody_home"}):
        dayevents.record(store, later, task=task, who=binh, at=nine.replace(hour=15), **event)
    after = later + dt.timedelta(days=1)
    day.plan(store, hanoi, after, postmen=postmen, time_limit_s=1)
    page.goto(f"/postman?date={after.isoformat()}")
    pages._ready(page)
    second = page.locator("li.day-stop[data-kind='delivery']").filter(has_text=again)
    assert second.locator(".door-try").inner_text() == (
        "Giao lần 2 tại nhà (lần cuối: nếu không được, kết quả chuyển về điểm phục vụ; hãy gọi trước)"
    )
    context, other = _dispatcher_follows(browser, server, after)
    other.wait_for_selector("#day-stops tr.day-late")
    rows = other.locator("#day-stops tr").filter(has_text=task)  # its pickup, then its delivery
    kinds = [rows.nth(k).locator("td").nth(2).inner_text() for k in range(rows.count())]
    context.close()
    assert kinds == ["Nhận hồ sơ", "Giao hồ sơ · Giao lần 2 tại nhà"]

    # At the counter the applicant asks why his result did not come: the agency's staff see the photo of his door
    # with his dossier, and open it.
    at_the_counter(page, store, "nga", code)
    page.wait_for_selector("#lookup-photos li")
    assert page.is_visible("#photos-title") and page.inner_text("#photos-title") == "Ảnh bưu tá chụp tại chỗ"
    said = page.inner_text("#lookup-photos li")
    assert said.endswith(f" · Không thành công · chụp bởi {daycases.POSTMAN_NAME} · Xem ảnh")
    with page.expect_popup() as opened:
        page.click("#lookup-photos a")
    opened.value.wait_for_function("document.images.length === 1 && document.images[0].complete")
    assert opened.value.evaluate("[document.images[0].naturalWidth, document.images[0].naturalHeight]") == [1280, 853]
    opened.value.close()
    pages.accessible(page)
    page.locator("#lookup-photos").scroll_into_view_if_needed()
    pages._shot(page, "counter-photo")


def _carried(page, store: Store, hanoi: AddressMap, on: dt.date, code: str, **changes: Any) -> tuple[str, Any]:
    """Add dossier ``code`` (:func:`tests.ops.daycases.add` with ``changes``), plan ``on`` for Bình, record its
    pickup at 09:00 and open his page signed in: its task and its delivery stop on the page."""
    daycases.add(store.engine, code, **changes)
    postmen = [{"id": "binh", "name": daycases.POSTMAN_NAME, "depot": daycases.LUONG_VAN_CAN}]
    _, planned = day.plan(store, hanoi, on, postmen=postmen, time_limit_s=1)
    task = next(s["task"] for r in planned["routes"] for s in r["stops"] if code in s["dossiers"])
    at = dt.datetime.combine(on, dt.time(9), HANOI)
    dayevents.record(store, on, task=task, event="picked_up", who=Principal("binh", "postman"), at=at)
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    page.goto(f"/postman?date={on.isoformat()}")
    pages._ready(page)
    return task, page.locator(f"li.day-stop[data-kind='delivery'][data-task='{task}']")


def test_a_postman_takes_the_signature_at_the_door_and_the_agency_reads_it(
    page, store: Store, hanoi: AddressMap
) -> None:
    # The applicant's son takes the result, with the written authorisation and his passport: the postman says so,
    # checks the passport's last characters and has him sign on the phone. At the agency's counter the staff read
    # who signed, the paper and the signature.
    later = daycases.DAY + dt.timedelta(days=49)  # Wednesday 25 March 2026
    code = f"SIGN-{later:%m%d}"
    task, stop = _carried(page, store, hanoi, later, code, states=daycases.DECIDED, return_mode="address")
    stop.locator("button[data-event='delivered']").click()
    form = stop.locator("form.proof")
    assert form.locator(".proof-title").inner_text() == "Người nhận ký xác nhận đã nhận kết quả"
    assert "Chính chủ: Nguyễn Văn An (tổng hợp)" in form.inner_text()
    assert form.locator("select.id-type option").all_inner_texts() == ["thẻ căn cước", "VNeID", "hộ chiếu"]
    form.locator("select.signer").select_option("authorised")
    form.locator("button[type='submit']").click()
    assert form.locator(".proof-error").inner_text().startswith("Hãy ghi họ tên người được ủy quyền")
    form.locator("input.signer-name").fill("Nguyễn Văn Bảo (tổng hợp)")
    form.locator("select.id-type").select_option("passport")
    form.locator("input.id-last4").fill("c7k2")
    form.locator("button[type='submit']").click()
    assert form.locator(".proof-error").inner_text() == "Người ký chưa ký vào khung"
    # A scribble in a corner passes the page's count of points, not the service's span: said in the form, which
    # stays as filled in; signed again on a cleared pad.
    pad = form.locator("canvas.signature-pad").bounding_box()
    page.mouse.move(pad["x"] + 10, pad["y"] + 10)
    page.mouse.down()
    for k in range(12):
        page.mouse.move(pad["x"] + 10 + k % 4, pad["y"] + 10 + k % 3)
    page.mouse.up()
    form.locator("button[type='submit']").click()
    page.wait_for_function("document.querySelector('form.proof .proof-error').textContent.includes('quá nhỏ')")
    assert form.locator(".proof-error").inner_text().startswith("Chữ ký quá nhỏ (")
    assert form.locator("input.signer-name").input_value() == "Nguyễn Văn Bảo (tổng hợp)"
    form.locator("button.proof-clear").click()
    wave = sign(page, form, "c7k2")
    pages.accessible(page)
    pages._shot(page, "postman-proof")
    with page.expect_request(lambda r: r.url.endswith("/events") and r.method == "POST") as sent:
        form.locator("button[type='submit']").click()
    proof = sent.value.post_data_json["proof"]
    assert (proof["signer"], proof["name"], proof["id_type"], proof["id_last4"]) == (
        "authorised",
        "Nguyễn Văn Bảo (tổng hợp)",
        "passport",
        "C7K2",
    )
    assert (proof["signature"]["width"], proof["signature"]["height"]) == (300, 120)
    (line,) = proof["signature"]["strokes"]
    assert len(line) == len(wave) and max(x for x, _ in line) - min(x for x, _ in line) > 200  # in the pad's pixels
    page.wait_for_function(
        f"document.querySelector(\"li.day-stop[data-kind='delivery'][data-task='{task}']\").classList.contains('done')"
    )
    assert "người được ủy quyền đã ký" in stop.locator(".stop-state").inner_text()
    assert dossiers.current(store.engine, code)["state"] == "returned"

    at_the_counter(page, store, "thu", code)
    page.wait_for_selector("#lookup-proofs li")
    said = page.inner_text("#lookup-proofs li")
    assert " · Đã giao tận nơi · người được ủy quyền Nguyễn Văn Bảo (tổng hợp) đã ký · hộ chiếu …C7K2 · " in said
    assert said.endswith(daycases.POSTMAN_NAME)
    drawn = page.locator("#lookup-proofs svg.signature path").get_attribute("d")
    assert drawn.startswith("M") and drawn.count("L") == len(line) - 1
    assert page.is_visible("#proofs-title")
    pages.accessible(page)
    page.locator("#lookup-proofs").scroll_into_view_if_needed()
    pages._shot(page, "counter-proof")


def test_the_postman_gives_the_receipt_at_a_home_pickup(
    page, browser, server: str, store: Store, hanoi: AddressMap
) -> None:
    # A priority-group applicant asked for the pickup that morning; once the postman has taken the dossier at the
    # door (signed for), his page links its receipt, which he prints or shows there.
    later = daycases.DAY + dt.timedelta(days=50)  # Thursday 26 March 2026
    code = f"HOME-{later:%m%d}"
    daycases.add(store.engine, code, channel="home_pickup", received_at=f"{later}T07:00:00+07:00")
    postmen = [{"id": "binh", "name": daycases.POSTMAN_NAME, "depot": daycases.LUONG_VAN_CAN}]
    _, planned = day.plan(store, hanoi, later, postmen=postmen, time_limit_s=1)
    task = next(s["task"] for r in planned["routes"] for s in r["stops"] if code in s["dossiers"])
    # The applicant was told by SMS when the postman comes: his page says it.
    (told,) = [
        n for n in notices.pickups(store, dt.datetime.combine(later, dt.time(7, 30), HANOI)) if n["code"] == code
    ]
    notices.told(store.engine, [told])
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    page.goto(f"/postman?date={later.isoformat()}")
    pages._ready(page)
    stop = page.locator(f"li.day-stop[data-kind='pickup'][data-task='{task}']")
    said = f"Đã nhắn tin hẹn người nộp: {told['start']}–{told['end']}"
    assert stop.locator(".told").inner_text() == said
    context, other = _dispatcher_follows(browser, server, later)  # the dispatcher reads it too
    other.wait_for_selector("#day-stops tr")
    assert other.locator("#day-stops tr").filter(has_text=task).first.locator("td").nth(2).inner_text() == (
        f"Nhận hồ sơ · {said}"
    )
    context.close()
    # The SMS provider passed it over after all (the number blocked): his page says so, for him to phone ahead.
    notices.passed(store.engine, "notices", {"ref": told["ref"], "kind": "home_pickup"}, "eSMS: CodeResult 99")
    page.reload()
    pages._ready(page)
    window = f"{told['start']}–{told['end']}"
    unreached = f"Tin nhắn hẹn giờ {window} không đến được người nộp: nên gọi điện trước"
    assert stop.locator(".told").inner_text() == unreached
    assert stop.locator("a.receipt").count() == 0  # not taken yet
    stop.locator("button[data-event='picked_up']").click()
    sign(page, stop.locator("form.proof"))
    stop.locator("form.proof button[type='submit']").click()
    wait_done(page, "pickup", [task])
    link = stop.locator("a.receipt")
    assert link.inner_text() == f"Giấy tiếp nhận hồ sơ {code}"
    pages.accessible(page)
    with page.context.expect_page() as opened:
        link.click()
    receipt = opened.value
    receipt.wait_for_load_state()
    taken = dossiers.taken_at_home(dossiers.history(store.engine, code))
    assert taken is not None
    at = dossiers.utc(taken.at).astimezone(HANOI)
    fields = dict(zip(receipt.locator("dt").all_inner_texts(), receipt.locator("dd").all_inner_texts(), strict=True))
    assert fields["Bưu tá nhận hồ sơ tại nhà lúc"] == f"{at:%H} giờ {at:%M} phút, ngày {at:%d/%m/%Y}"
    assert fields["Hình thức nộp"] == "Bưu tá nhận hồ sơ tại nhà"
    assert receipt.inner_text("#receipt-receiver") == daycases.POSTMAN_NAME
    receipt.close()


def test_the_dispatcher_and_the_postman_read_how_far_behind_he_is(page, server: str) -> None:
    # The day's pages seen as if it were that day at 10:30 (the browser's clock); the service sees the past day at
    # its end, every stop still open late: how far behind, said beside the postman's name and in his counts.
    auth = {"Authorization": f"Bearer {DISPATCHER}"}
    live = httpx.get(f"{server}/days/{daycases.DAY.isoformat()}", headers=auth).json()
    (route,) = [r for r in live["routes"] if r["postman"] == "binh"]
    assert route["behind_min"] > 0 and route["behind_min"] % 5 == 0
    said = f"chậm {route['behind_min']} phút so với kế hoạch"
    page.clock.set_fixed_time(f"{daycases.DAY.isoformat()}T10:30:00+07:00")
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    page.click("#follow-day")
    page.wait_for_selector("#day-stops h3 .behind")
    assert page.locator("#day-stops h3").first.inner_text() == f"{daycases.POSTMAN_NAME} {said}"
    pages.accessible(page)
    sign_in(page, "binh", daycases.POSTMAN_NAME)
    page.goto(f"/postman?date={daycases.DAY.isoformat()}")
    pages._ready(page)
    page.wait_for_function("document.querySelector('#counts').textContent.includes('chậm')")
    assert page.inner_text("#counts").endswith(f" · {said} · Ca 07:30–17:30.")


def test_the_officer_signs_for_a_handover_on_the_postmans_phone(page, store: Store, hanoi: AddressMap) -> None:
    # At the social insurance office the officer signs on the phone in place of a paper record: he signs the record
    # the system issued for the visit, and the counter reads who signed.
    later = daycases.DAY + dt.timedelta(days=56)  # Wednesday 1 April 2026
    code = f"HAND-{later:%m%d}"
    task, stop = _carried(page, store, hanoi, later, code, states=("digitised",))
    # The number the system issued for the visit is filled in, as his sheet prints it.
    number = records.numbers(store.engine, day.stored(store, later)["id"])[(task, "delivery")]
    assert stop.locator("input.record").input_value() == number
    stop.locator("button[data-officer='stop']").click()
    form = stop.locator("form.proof")
    assert form.locator(".proof-title").inner_text() == "Cán bộ nhận bàn giao ký xác nhận (thay biên bản giấy)"
    assert form.locator("select.id-type").count() == 0  # no identity paper at an office
    sign(page, form)
    form.locator("button[type='submit']").click()
    assert form.locator(".proof-error").inner_text() == "Hãy ghi họ tên cán bộ nhận bàn giao"
    form.locator("input.signer-name").fill("Phạm Thị Nhận (tổng hợp)")
    pages.accessible(page)
    with page.expect_request(lambda r: r.url.endswith("/events") and r.method == "POST") as sent:
        form.locator("button[type='submit']").click()
    body = sent.value.post_data_json
    assert (body["event"], body.get("record_no"), body["proof"]["signer"], body["proof"]["name"]) == (
        "handed_over",
        None,
        "officer",
        "Phạm Thị Nhận (tổng hợp)",
    )
    assert "id_type" not in body["proof"] or body["proof"]["id_type"] is None
    page.wait_for_function(
        f"document.querySelector(\"li.day-stop[data-kind='delivery'][data-task='{task}']\").classList.contains('done')"
    )
    assert "cán bộ nhận bàn giao đã ký" in stop.locator(".stop-state").inner_text()
    # The record he signed on the phone is the visit's: its number is used.
    handed = dossiers.history(store.engine, code)[-1]
    assert (handed.state, handed.record_no) == ("at_authority", number)
    assert next(r for r in records.of_day(store.engine, later) if r["no"] == number)["status"] == "used"


def test_the_dispatcher_reads_the_postmen_s_days_against_their_plans(
    browser, hanoi: AddressMap, tmp_path: Path
) -> None:
    # A store of its own: the module's may have the shuttle settled otherwise by the tests before.
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    daycases.seed(store.engine, hanoi)
    day.plan(store, hanoi, daycases.DAY, time_limit_s=1)
    shuttle = next(t["id"] for t in day.stored(store, daycases.DAY)["state"]["tasks"] if t["kind"] == "shuttle")
    dispatcher = Principal("an", "dispatcher")
    dayevents.record(store, daycases.DAY, task=shuttle, event="failed", who=dispatcher, reason_code="not_ready")
    settings = Settings(database_url=str(store.engine.url), tokens=f"{DISPATCHER}:dispatcher")
    with pages.live(create_app(settings, amap=hanoi)) as address:
        context, page = _dispatcher_at(browser, address, daycases.DAY)
        _reads_the_week(page, store)
        context.close()
    store.close()


def _reads_the_week(page, store: Store) -> None:
    """The dispatch page's week of :data:`tests.ops.daycases.DAY`, as the API counts it, one postman's and all."""
    # The week up to the day the page was opened at, as the API counts it.
    said = _week_read(page)
    week = performance.of_period(store, daycases.DAY - dt.timedelta(days=6), daycases.DAY)
    total = week["total"]
    assert f"Từ 29/01/2026 đến 04/02/2026: 1 ngày có kế hoạch, {total['stops']} điểm dừng." in said
    assert f"{total['done']} xong · {total['failed']} không thành công" in said
    assert "Lý do không thành công: " in said and total["failed"] >= 1
    (binh,) = page.locator("#performance-out button[data-postman]").all_inner_texts()
    assert binh == daycases.POSTMAN_NAME
    bar = page.locator("#performance-out .perf-list .perf-bar").first.get_attribute("aria-label")
    assert bar == f"{total['done']} xong, {total['failed'] + total['after_failure']} không thành công, " + (
        f"{total['unsettled']} còn lại"
    )
    # A month up to the same day, then Bình's days one by one, and all postmen again.
    page.select_option("#performance-days", "30")
    page.click("#performance-form button[type=submit]")
    page.wait_for_function("document.querySelector('#performance-out').textContent.includes('Từ 06/01/2026')")
    assert "Từ 06/01/2026 đến 04/02/2026: 1 ngày có kế hoạch" in page.inner_text("#performance-out")
    with page.expect_response(lambda r: "postman=binh" in r.url):
        page.click("#performance-out button[data-postman='binh']")
    page.wait_for_selector("#performance-out button[data-postman='']")
    assert (
        page.locator("#performance-out h3").first.inner_text()
        == f"Theo ngày: {daycases.POSTMAN_NAME} Xem tất cả bưu tá"
    )
    assert page.get_attribute("#performance-out button[data-postman='binh']", "aria-pressed") == "true"
    page.click("#performance-out button[data-postman='']")
    page.wait_for_function("!document.querySelector(\"#performance-out button[data-postman='']\")")
    assert page.locator("#performance-out h3").first.inner_text() == "Theo ngày"
    pages.accessible(page)
    pages._shot(page, "dispatch-performance")


def test_the_dispatcher_reads_where_the_delay_grows(browser, hanoi: AddressMap, tmp_path: Path) -> None:
    # A store of its own: the module's has its stops settled by the tests before, at other times.
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    daycases.seed(store.engine, hanoi)
    _, answer = day.plan(store, hanoi, daycases.DAY, time_limit_s=1)
    (route,) = answer["routes"]
    offices = [s for s in route["stops"] if s["kind"] == "pickup" and not s["place"].startswith("address:")]
    # The first pickup 7 minutes behind the plan, the last 10: a first stop late by 7, a leg to an office adding 3.
    for stop, late in ((offices[0], 7), (offices[-1], 10)):
        start = dt.datetime.combine(daycases.DAY, dt.time(0), HANOI)
        daycases.settle(store, stop, start + dt.timedelta(seconds=clock(stop["departure"]), minutes=late))
    total = performance.of_period(store, daycases.DAY - dt.timedelta(days=6), daycases.DAY)["total"]
    assert (total["first_delay_median_min"], total["office_added_min"], total["door_added_min"]) == (7.0, 3.0, None)
    settings = Settings(database_url=str(store.engine.url), tokens=f"{DISPATCHER}:dispatcher")
    with pages.live(create_app(settings, amap=hanoi)) as address:
        context, page = _dispatcher_at(browser, address, daycases.DAY)
        said = _week_read(page)
        context.close()
    assert (
        "Trễ từ đâu: điểm đầu tiên trễ 7 phút; mỗi chặng đến nhà người dân thêm –, đến cơ quan, bưu cục thêm +3,0 phút"
        in said
    )
    store.close()


def test_a_postman_says_he_came_and_the_dispatcher_reads_how_long_stops_take(
    browser, hanoi: AddressMap, tmp_path: Path
) -> None:
    # A store of its own: the module's has its stops settled by the tests before.
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    daycases.seed(store.engine, hanoi)
    _, answer = day.plan(store, hanoi, daycases.DAY, time_limit_s=1)
    (route,) = answer["routes"]
    stops = [s for s in route["stops"] if s["task"]]
    runs = [list(run) for _, run in groupby(stops, key=lambda s: s["place"])]
    visit = next(run for run in runs if len(run) > 1 and all(s["kind"] == "pickup" for s in run))
    home = next(s for s in stops if s["place"] == "address:PICKUP")
    # The home pickup, said and signed for on the day: came at its planned arrival, signed 7 minutes later.
    came = dt.datetime.combine(daycases.DAY, dt.time(0), HANOI) + dt.timedelta(seconds=clock(home["arrival"]))
    dayevents.record(store, daycases.DAY, task=home["task"], event="arrived", who=daycases.POSTMAN, at=came)
    daycases.settle(store, home, came + dt.timedelta(minutes=7))
    settings = Settings(database_url=str(store.engine.url), tokens=f"{DISPATCHER}:dispatcher")
    with pages.live(create_app(settings, amap=hanoi)) as address:
        context = browser.new_context(base_url=address, locale="vi-VN", timezone_id="Asia/Ho_Chi_Minh")
        page = context.new_page()
        sign_in(page, "binh", daycases.POSTMAN_NAME)
        page.goto(f"/postman?date={daycases.DAY.isoformat()}")
        pages._ready(page)
        # One button for the visit's stops in a row at one place, none on the stops themselves.
        item = page.locator("li.visit").filter(has=page.locator(f"li.day-stop[data-task='{visit[0]['task']}']"))
        assert item.locator("li.day-stop button[data-arrive]").count() == 0
        item.locator(".visit-actions button[data-arrive]").click()
        page.wait_for_function(
            "[...document.querySelectorAll('li.visit li.day-stop')].some((li) => li.innerText.includes('Đã đến lúc'))"
        )
        assert item.locator("button[data-arrive]").count() == 0
        for stop in visit:
            said = item.locator(f"li.day-stop[data-task='{stop['task']}'] .stop-state").inner_text()
            assert said.startswith("Đã đến lúc ")  # not "late" any more: there
        # Kept once per stop, each at its pickup; the dossiers did not move.
        plan_id = day.stored(store, daycases.DAY)["id"]
        kept = stopkeys.recorded(store.engine, plan_id)
        assert all(set(kept[s["task"]]) == {"arrived_pickup"} for s in visit)
        assert all(dossiers.history(store.engine, c)[-1].state != "to_authority" for s in visit for c in s["dossiers"])
        # A single stop has its own button until it is settled, a delivery once its pickup is done.
        for stop in stops:
            alone = [run for run in runs if run == [stop]]
            if alone and stop is not home:
                button = page.locator(
                    f"li.day-stop[data-task='{stop['task']}'][data-kind='{stop['kind']}'] button[data-arrive]"
                )
                assert button.count() == (stop["kind"] == "pickup")
        # None at the door visit, settled already.
        door = page.locator(f"li.day-stop[data-task='{home['task']}'][data-kind='pickup']")
        assert door.locator("button[data-arrive]").count() == 0
        assert door.locator(".stop-state").inner_text().startswith("Đã xong · Đã nhận hồ sơ")
        pages.accessible(page)
        dispatcher, desk = _dispatcher_at(browser, address, daycases.DAY)
        read = _week_read(desk)
        # The day followed: the visit's stops said with the time he came, in place of "late".
        desk.click("#follow-day")
        desk.wait_for_selector("#day-stops tr")
        rows = desk.locator("#day-stops tr").all_inner_texts()
        there = [row for row in rows if "Đã đến lúc" in row]
        assert len(there) == len(visit) and all(any(s["task"] in row for row in there) for s in visit)
        context.close()
        dispatcher.close()
    # Only the door visit was settled on its day: one visit timed, 7 minutes against the plan's 5.
    assert (
        "Thời gian tại điểm (từ lúc bấm “Đã đến”, 1 trên 1 lượt): nhà người dân 7,0 phút, kế hoạch 5,0 phút; "
        "cơ quan, bưu cục –, kế hoạch –" in read
    )
    store.close()
