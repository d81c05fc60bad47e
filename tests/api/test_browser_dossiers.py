"""Signing in and the tracking box in a real browser (headless Chromium driven by Playwright), against a live
server whose store holds two synthetic dossiers and a staff account. The browser fixtures are those of
``test_browser.py``; the server here has its own store."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta

import pytest
import zxingcpp
from PIL import Image

import tests.api.test_browser as pages
from api.app import create_app
from api.settings import Settings
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, authorities, database, dossiers, gateways, ingest, notices, receipts
from ops.store import Store
from tests.api.test_browser_days import sign
from tests.ops import daycases
from tests.ops.cases import dossier
from tests.ops.daycases import DECIDED, LUONG_VAN_CAN

browser = pages.browser
page = pages.page
PASSWORD = "mật-khẩu-thử-nghiệm"
LAN = "Trần Thị Lan"
"""The full name of the staff account ``lan``, said on the pages."""

RECEIVED = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=2)
"""When HS-4's applicant's phone took the notice of the postman on his way, by Zalo's receipt."""


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The address of the live server's store."""
    return f"sqlite:///{tmp_path_factory.mktemp('browser-dossiers') / 'store.sqlite'}"


@pytest.fixture(scope="module")
def server(hanoi: AddressMap, store_url: str) -> Iterator[str]:
    """The service under uvicorn on a free loopback port, with a staff account of Bưu điện Lương Văn Can, where
    HS-1 was handed in, and the city's authorities."""
    url = store_url
    engine = database.connect(url)
    accounts.add_user(engine, "lan", PASSWORD, "agency_staff", agency_id=LUONG_VAN_CAN, full_name=LAN)
    authorities.seed(engine, hanoi)
    ingest.ingest(
        engine,
        [
            (1, dossier("HS-1", agency_id=LUONG_VAN_CAN)),
            (2, dossier("HS-2", agency_id="osm:node/2")),
            (3, dossier("HS-3", agency_id=LUONG_VAN_CAN, return_mode="agency")),
            (4, dossier("HS-4", agency_id=LUONG_VAN_CAN)),
            (5, dossier("HS-5", agency_id=_elsewhere(hanoi), channel="home_pickup")),
            (6, dossier("HS-6", agency_id=_elsewhere(hanoi), channel="home_pickup")),
            (7, dossier("HS-7", agency_id=_elsewhere(hanoi))),
        ],
    )
    dossiers.move(engine, "HS-7", "digitised", who="lan")
    # HS-6 collected at the door on a Saturday and handed over at its agency (ops.dayevents).
    dossiers.move(engine, "HS-6", "digitised", who="lan", place="address", at=datetime(2026, 2, 7, 2, tzinfo=UTC))
    with engine.begin() as conn:
        at = datetime(2026, 2, 7, 3, tzinfo=UTC)
        dossiers.transfer(conn, "HS-6", who="lan", place=_elsewhere(hanoi), record_no="BB-0702", at=at)
    # HS-4's applicant was sent by SMS that his result is ready, which never reached his phone; a notice of its
    # delivery his carrier never took.
    ledger = notices.Ledger(engine, "notices")
    ledger.took({"ref": "HS-4:1", "kind": "for_collection"}, gateways.Taken("sms", "s-1"))
    refused = receipts.Receipt("sms", "s-1", None, receipts.UNDELIVERED, RECEIVED, "eSMS: SendStatus 4 (refused)")
    receipts.keep(engine, refused)
    notices.passed(engine, "notices", {"ref": "HS-4:2", "kind": "missed_delivery"}, "eSMS: CodeResult 177")
    # Then the postman on his way, told by Zalo, on the phone soon after; his coming by the operator's own gateway,
    # and its time moved by Zalo, no receipt, then by SMS again, no receipt yet.
    ledger.took({"ref": "HS-4:way:2026-02-08", "kind": "delivery_on_the_way"}, gateways.Taken("zalo", "z-1"))
    receipts.keep(engine, receipts.Receipt("zalo", "z-1", None, receipts.DELIVERED, RECEIVED))
    with engine.begin() as conn:
        notices.keeper("notices")(conn, {"messages": [{"ref": "HS-4:pickup:2026-02-08:10:00", "kind": "home_pickup"}]})
    moved = "HS-4:pickup:2026-02-08:11:00"
    ledger.took({"ref": moved, "kind": "home_pickup_moved"}, gateways.Taken("zalo", "z-2"))
    ledger.took({"ref": f"{moved}:sms", "kind": "home_pickup_moved"}, gateways.Taken("sms", "s-2"))
    engine.dispose()
    store = Store(url)
    daycases.evening_at_the_door(store, "HS-5", "pickup")  # the postman expected at HS-5's door tonight
    store.close()
    with pages.live(create_app(Settings(database_url=url), amap=hanoi)) as address:
        yield address


def _elsewhere(hanoi: AddressMap) -> str:
    """An agency of the map other than Bưu điện Lương Văn Can (whose staff lists its own dossiers)."""
    return str(hanoi.agencies.loc[hanoi.agencies["agency_id"] != LUONG_VAN_CAN, "agency_id"].iloc[0])


def _sign_in(page) -> None:
    """Sign in as Lan, of Bưu điện Lương Văn Can, on the counter's page."""
    page.goto("/signin")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.click("#signin-button")
    page.wait_for_function("document.querySelector('#who').textContent.includes('Đã đăng nhập: Trần Thị Lan')")


def test_sign_in_and_look_a_dossier_up(page) -> None:
    page.goto("/signin")
    page.fill("#username", "lan")
    page.fill("#password", "sai-mật-khẩu")
    page.click("#signin-button")
    page.wait_for_function("document.querySelector('#signin-error').textContent.includes('Sai tên đăng nhập')")
    page.fill("#username", "lan")
    page.fill("#password", PASSWORD)
    page.click("#signin-button")
    page.wait_for_function("document.querySelector('#who').textContent.includes('Đã đăng nhập: Trần Thị Lan')")
    page.fill("#lookup-code", "HS-1")
    page.click("#lookup-form button")
    page.wait_for_selector("#lookup-result dd")
    assert "Nguyễn Văn An (tổng hợp)" in page.inner_text("#lookup-result")
    page.fill("#lookup-code", "HS-2")  # received at another agency: no personal data for this account
    page.click("#lookup-form button")
    page.wait_for_function("document.querySelector('#lookup-result').textContent.includes('HS-2')")
    assert "không có quyền xem" in page.inner_text("#lookup-result")
    pages._shot(page, "signin")
    # The page's texts come from the catalogue: English on switching, role in words.
    page.goto("/signin?lang=en")
    page.wait_for_function(
        "document.querySelector('#who').textContent.includes('Signed in: Trần Thị Lan (agency staff)')"
    )
    assert page.locator("h1").inner_text() == "Staff sign-in"
    page.goto("/signin?lang=vi")
    assert page.locator("h1").inner_text() == "Đăng nhập nhân viên"


def test_the_counter_says_a_dossier_in_words_and_records_its_next_steps(page, hanoi: AddressMap) -> None:
    _sign_in(page)
    # The agency's open dossiers, the soonest due first, each opened from the list.
    page.wait_for_selector("#worklist-table td")
    assert page.inner_text("#worklist-title") == "Hồ sơ đang mở tại điểm của bạn"
    assert page.inner_text("#worklist-count") == "3 trên 3 hồ sơ, hạn trả sớm nhất trước"
    rows = [[c.strip() for c in r.split("\t")] for r in page.locator("#worklist-table tr").all_inner_texts()[1:]]
    # Received on 3 February (Hanoi), and in that state since.
    days = (datetime.now(HANOI).date() - date(2026, 2, 3)).days
    since = f"03/02/2026 ({days} ngày)"
    # HS-4's applicant not reached by the notice of where it stands: said, to phone him.
    unreached = "Đã tiếp nhận\nNgười nộp chưa nhận được tin nhắn: nên gọi điện"
    assert rows == [
        [code, "Bảo hiểm xã hội", state, since, "10/02/2026 (quá hạn)"]
        for code, state in (("HS-1", "Đã tiếp nhận"), ("HS-3", "Đã tiếp nhận"), ("HS-4", unreached))
    ]
    page.check("#worklist-unreached")
    page.wait_for_function("document.querySelectorAll('#worklist-table tr').length === 2")
    assert page.locator("#worklist-table button").all_inner_texts() == ["HS-4"]
    pages._shot(page, "counter-unreached")
    page.uncheck("#worklist-unreached")
    page.wait_for_function("document.querySelectorAll('#worklist-table tr').length === 4")
    page.click("#worklist-table button:text-is('HS-4')")
    page.wait_for_selector("#lookup-moves button")
    # HS-4's applicant to phone: no answer first, then reached; said with who and when, the buttons gone.
    call = page.locator("#lookup-call")
    assert call.inner_text().startswith(
        "Tin nhắn về bước hiện tại của hồ sơ không đến được người nộp: hãy gọi điện báo cho người nộp."
    )
    assert page.locator("#calls-title").is_hidden()  # no call yet
    page.get_by_label("Ghi chú cuộc gọi (không bắt buộc)").fill("Máy bận, gọi lại chiều")
    call.locator("button[data-reached='false']").click()
    page.wait_for_function("document.querySelector('#lookup-call').textContent.includes('không nghe máy')")
    assert f"Đã gọi điện nhưng người nộp không nghe máy ({LAN}, " in call.inner_text()
    assert "không nghe máy" in call.inner_text() and "Ghi chú: “Máy bận, gọi lại chiều”." in call.inner_text()
    assert page.locator("#lookup-call-note").input_value() == ""  # drawn again, empty for the next call
    call.scroll_into_view_if_needed()
    pages._shot(page, "counter-call")
    call.locator("button[data-reached='true']").click()
    page.wait_for_function("document.querySelector('#lookup-call').textContent.startsWith('Đã gọi điện, người')")
    assert (
        call.inner_text().startswith(f"Đã gọi điện, người nộp đã biết ({LAN}, ") and call.locator("button").count() == 0
    )
    assert page.evaluate("document.activeElement.id") == "lookup-call"
    # Each call kept in the dossier, the oldest first, with what was said.
    assert page.inner_text("#calls-title") == "Các cuộc gọi cho người nộp"
    made = [line.split(" · ", 1)[1] for line in page.locator("#lookup-calls li").all_inner_texts()]
    assert made == [f"{LAN} · Gọi không được · Máy bận, gọi lại chiều", f"{LAN} · Đã gọi, người nộp đã biết"]
    said = _fields(page)
    address = hanoi.agency_details[LUONG_VAN_CAN]["address"]
    # The state, the dates, the places and the applicant's group in words, not codes (it said "received" and
    # "2026-02-10" before); due long ago and not returned: overdue.
    assert said["Trạng thái"] == "Đã tiếp nhận"
    assert said["Tiếp nhận lúc"] == "09:15 03/02/2026"
    assert said["Ngày hẹn trả"] == "10/02/2026 (quá hạn)"
    assert said["Nơi tiếp nhận"] == f"Bưu điện Lương Văn Can, {address}"
    assert said["Cơ quan giải quyết"].startswith("UBND Phường ")
    assert said["Trả kết quả"] == "Tại địa chỉ của người nộp"
    assert (said["Điện thoại"], said["Nhóm ưu tiên"]) == ("0912345678", "Người có công")
    assert page.locator("#lookup-steps li").all_inner_texts() == [
        "09:15 03/02/2026 · Đã tiếp nhận · Bưu điện Lương Văn Can · cổng dịch vụ công"
    ]
    buttons = page.locator("#lookup-moves button")
    assert buttons.all_inner_texts() == ["Đã số hoá", "Huỷ hồ sơ"]
    # A cancellation is asked again; declined, nothing is recorded.
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.click("#lookup-moves button[data-to=cancelled]")
    page.click("#lookup-moves button[data-to=digitised]")
    page.wait_for_function("document.querySelector('#lookup-done').textContent === 'Đã ghi nhận: Đã số hoá'")
    page.click("#lookup-moves button[data-to=to_authority]")
    page.wait_for_selector("#lookup-moves button[data-to=at_authority]")
    # One the postman could not hand over is taken back at the counter, for the next shuttle.
    assert buttons.all_inner_texts() == [
        "Cơ quan đã nhận hồ sơ",
        "Nhận lại hồ sơ chưa bàn giao được cho cơ quan",
        "Huỷ hồ sơ",
    ]
    # Reaching the authority hands the dossier over: the signed record's number is asked first.
    page.click("#lookup-moves button[data-to=at_authority]")
    assert page.locator("#record-form label").inner_text() == "Số biên bản bàn giao cho bước “Cơ quan đã nhận hồ sơ”"
    page.fill("#record-no", "BB-17")
    page.click("#record-form button")
    page.wait_for_function("document.querySelector('#lookup-done').textContent.endsWith('Cơ quan đang giải quyết')")
    steps = page.locator("#lookup-steps li").all_inner_texts()
    assert [step.split(" · ")[1:] for step in steps] == [
        ["Đã tiếp nhận", "Bưu điện Lương Văn Can", "cổng dịch vụ công"],
        # Who recorded each step by the full name of the account (it was "lan").
        ["Đã số hoá", "Bưu điện Lương Văn Can", LAN],
        ["Đang chuyển đến cơ quan giải quyết", "Bưu điện Lương Văn Can", LAN],
        # The signed record of a handover beside it.
        ["Cơ quan đang giải quyết", said["Cơ quan giải quyết"], "biên bản BB-17", LAN],
    ]
    assert page.locator("#record-form").count() == 0
    page.wait_for_function("document.querySelector('#worklist-table').textContent.includes('Cơ quan đang giải quyết')")
    # The states to choose from in the order of a dossier's journey, the closed ones left out.
    assert page.locator("#worklist-state option").all_inner_texts() == [
        "Mọi trạng thái đang mở",
        "Đã tiếp nhận",
        "Đã số hoá",
        "Đang chuyển đến cơ quan giải quyết",
        "Cơ quan đang giải quyết",
        "Đã có kết quả",
        "Đang trả kết quả",
        "Chờ người nộp đến nhận kết quả",
        "Trả kết quả không thành công",
    ]
    # The first of two lists asked in a row answers last (held back here): the page keeps the second's (the first
    # was drawn over it, and this test failed now and then).
    page.evaluate(
        """() => { const fetched = window.fetch; window.fetch = (url, options) =>
            String(url).startsWith('/dossiers?') && !String(url).includes('state=')
              ? new Promise((resolve) => setTimeout(resolve, 800)).then(() => fetched(url, options))
              : fetched(url, options); }"""
    )
    page.check("#worklist-overdue")
    page.select_option("#worklist-state", "at_authority")
    page.wait_for_function("document.querySelectorAll('#worklist-table tr').length === 2")
    page.wait_for_timeout(1200)  # the first answer has come meanwhile
    assert page.locator("#worklist-table button").all_inner_texts() == ["HS-4"]
    pages.accessible(page)
    pages._shot(page, "counter")
    # On a phone a page without a map takes the whole screen (it kept the 55% left to the panel above a map).
    page.set_viewport_size({"width": 390, "height": 844})
    assert page.evaluate("document.querySelector('#side').getBoundingClientRect().height") > 0.9 * 844
    page.set_viewport_size({"width": 1280, "height": 800})
    # In English, the same dossier.
    page.goto("/signin?lang=en")
    page.fill("#lookup-code", "HS-4")
    page.click("#lookup-form button")
    page.wait_for_selector("#lookup-moves button")
    english = _fields(page)
    assert (english["State"], english["Appointment date"]) == ("At the authority", "10 Feb 2026 (overdue)")
    assert page.locator("#lookup-moves button").all_inner_texts() == ["Decided by the authority", "Cancel the dossier"]


def test_the_recipient_signs_for_a_result_at_the_counter(page, store_url: str) -> None:
    # HS-8's result waits at Bưu điện Lương Văn Can; the applicant's delegate collects it and signs on the tablet.
    engine = database.connect(store_url)
    ingest.ingest(engine, [(8, dossier("HS-8", agency_id=LUONG_VAN_CAN, return_mode="agency"))])
    for state in (*DECIDED, "returning", "for_collection"):
        record = {"at_authority": "BB-8", "for_collection": "BG-8"}.get(state)
        dossiers.move(engine, "HS-8", state, who="lan", record_no=record)
    engine.dispose()
    _sign_in(page)
    # In the work list of results waiting for their applicants, since today.
    page.wait_for_selector("#worklist-table td")
    page.select_option("#worklist-state", "for_collection")
    count = "1 trên 1 kết quả chờ người nộp đến nhận, chờ lâu nhất trước"
    page.wait_for_function(f"document.querySelector('#worklist-count').textContent === '{count}'")
    today = datetime.now(HANOI).strftime("%d/%m/%Y")
    assert page.locator("#worklist-table tr").nth(1).inner_text().split("\t")[:4] == [
        "HS-8",
        "Bảo hiểm xã hội",
        "Chờ người nộp đến nhận kết quả",
        f"{today} (hôm nay)",
    ]
    page.fill("#lookup-code", "HS-8")
    page.click("#lookup-form button")
    page.wait_for_selector("#lookup-moves button[data-signs=returned]")
    assert _fields(page)["Trạng thái"] == "Chờ người nộp đến nhận kết quả"
    # The paper record's number as before, or the signature on the tablet in its place.
    assert page.locator("#lookup-moves button").all_inner_texts() == [
        "Đã trả kết quả cho người nộp",
        "Người nhận ký trên máy",
        "Huỷ hồ sơ",
    ]
    page.click("#lookup-moves button[data-signs=returned]")
    form = page.locator("#proof-form")
    assert form.locator(".proof-title").inner_text() == "Người nhận ký xác nhận đã nhận kết quả tại quầy"
    assert "Chính chủ: Nguyễn Văn An (tổng hợp)" in form.inner_text()
    # A delegate without a name is asked for it before anything is sent.
    form.locator("select.signer").select_option("authorised")
    sign(page, form, "12ab")
    form.locator("button[type=submit]").click()
    assert form.locator(".proof-error").inner_text().startswith("Hãy ghi họ tên người được ủy quyền")
    form.locator("input.signer-name").fill("Lê Thị Hoa (tổng hợp)")
    # A scrawl in a corner has points enough for the page but is no signature for the service: said in the form,
    # which stays as filled in.
    form.locator(".proof-clear").click()
    pad = form.locator("canvas.signature-pad").bounding_box()
    page.mouse.move(pad["x"] + 10, pad["y"] + 10)
    page.mouse.down()
    for k in range(12):
        page.mouse.move(pad["x"] + 10 + k % 3, pad["y"] + 10 + k)
    page.mouse.up()
    form.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#proof-form .proof-error').textContent.includes('quá nhỏ')")
    assert form.locator("input.signer-name").input_value() == "Lê Thị Hoa (tổng hợp)"
    form.locator(".proof-clear").click()
    sign(page, form, "12ab")
    pages._shot(page, "counter-signing")
    form.locator("button[type=submit]").click()
    page.wait_for_function("document.querySelector('#lookup-done').textContent === 'Đã ghi nhận: Đã trả kết quả'")
    assert page.locator("#proof-form").count() == 0
    # Returned at the counter with no paper record: the signature is the record, said with who signed and took it.
    last = page.locator("#lookup-steps li").all_inner_texts()[-1]
    assert last.split(" · ")[1:] == ["Đã trả kết quả", "Bưu điện Lương Văn Can", LAN]
    said = page.inner_text("#lookup-proofs li")
    assert " · Đã nhận kết quả tại quầy · người được ủy quyền Lê Thị Hoa (tổng hợp) đã ký · " in said
    assert said.endswith(f"…12AB · {LAN}")
    assert page.inner_text("#proofs-title") == "Chữ ký xác nhận"
    assert page.locator("#lookup-proofs svg.signature path").get_attribute("d").startswith("M")
    pages.accessible(page)


def test_the_counter_prints_a_receipt_whose_qr_code_opens_the_tracking_box(page, server: str) -> None:
    _sign_in(page)
    page.fill("#lookup-code", "HS-2")  # another agency's: its applicant is not for this account, nor its receipt
    page.click("#lookup-form button")
    page.wait_for_function("document.querySelector('#lookup-result').textContent.includes('HS-2')")
    assert page.locator("#lookup-receipt-line").is_hidden()
    page.fill("#lookup-code", "HS-1")
    page.click("#lookup-form button")
    page.wait_for_selector("#lookup-receipt-line:not([hidden])")
    assert page.inner_text("#lookup-receipt") == "In giấy tiếp nhận và hẹn trả kết quả"
    with page.context.expect_page() as opened:
        page.click("#lookup-receipt")
    paper = opened.value
    paper.wait_for_load_state()
    assert paper.locator("h1").text_content() == "Giấy tiếp nhận hồ sơ và hẹn trả kết quả"
    assert paper.locator("#receipt-receiver").inner_text() == LAN
    pages.accessible(paper)
    pages._shot(paper, "receipt")
    # The QR code as the screen draws it, read by a real decoder (ZXing), leads to the tracking box with the code.
    drawn = Image.open(io.BytesIO(paper.locator(".follow div.qr").screenshot()))
    (found,) = zxingcpp.read_barcodes(drawn)
    assert found.text == f"{server}/?code=HS-1"
    paper.goto(found.text)
    paper.wait_for_function("document.activeElement && document.activeElement.id === 'track-phone'")
    assert paper.input_value("#track-code") == "HS-1"
    paper.close()


def _fields(page) -> dict[str, str]:
    """The dossier's fields as the counter shows them, by name."""
    names = page.locator("#lookup-result dt").all_inner_texts()
    return dict(zip(names, page.locator("#lookup-result dd").all_inner_texts(), strict=True))


def _tracked(page, code: str, said: str) -> str:
    """The tracking box's answer for ``code`` (with the phone's digits typed), once it says ``said``."""
    page.fill("#track-code", code)
    page.click("#track-button")
    page.wait_for_function(f"document.querySelector('#track-result').textContent.includes('{said}')")
    return page.inner_text("#track-result")


def test_the_counter_says_a_handover_at_an_agency_with_its_record(page, hanoi: AddressMap) -> None:
    _sign_in(page)
    page.fill("#lookup-code", "HS-6")
    page.click("#lookup-form button")
    page.wait_for_selector("#lookup-steps li")
    agency = hanoi.agency_names[_elsewhere(hanoi)]
    # It read "Đã số hoá" twice, the second without the signed record's number.
    assert page.locator("#lookup-steps li").all_inner_texts()[1:] == [
        f"09:00 07/02/2026 · Đã số hoá · địa chỉ người nộp · {LAN}",
        f"10:00 07/02/2026 · Đã bàn giao hồ sơ đã số hoá · {agency} · biên bản BB-0702 · {LAN}",
    ]


def test_the_counter_says_what_the_applicant_was_sent_and_stops_the_messages(page) -> None:
    _sign_in(page)
    page.fill("#lookup-code", "HS-4")
    page.click("#lookup-form button")
    page.wait_for_selector("#lookup-notices li")
    said = [line.split(" · ", 1)[1] for line in page.locator("#lookup-notices li").all_inner_texts()]
    received = RECEIVED.astimezone(HANOI)
    assert said == [
        "Kết quả đã có tại điểm phục vụ · đã gửi qua SMS · không đến được máy: eSMS: SendStatus 4 (refused)",
        "Chưa giao được kết quả tại địa chỉ · không gửi được: eSMS: CodeResult 177",
        f"Bưu tá đang trên đường mang kết quả đến · đã gửi qua Zalo · đã đến máy lúc {received:%H:%M %d/%m/%Y}",
        "Giờ bưu tá đến nhận hồ sơ tại nhà · đã gửi",
        "Giờ bưu tá đến nhận hồ sơ đã đổi · đã gửi qua Zalo · chưa có báo đã đến máy",
        "Giờ bưu tá đến nhận hồ sơ đã đổi · gửi lại qua SMS vì Zalo chưa báo tin trước đã đến máy · chưa có báo đã "
        "đến máy",
    ]
    assert page.inner_text("#lookup-sms") == "Người nộp nhận tin nhắn SMS về hồ sơ này. Ngừng gửi tin nhắn"
    # The applicant asks at the counter to be sent no more: said with who and when, and undone the same way.
    page.click("#lookup-sms-toggle")
    page.wait_for_function("document.querySelector('#lookup-sms').textContent.includes('đã ngừng')")
    said = page.inner_text("#lookup-sms")
    assert said.startswith(f"Người nộp đã ngừng nhận tin nhắn SMS về hồ sơ này. ({LAN}, ")
    assert said.endswith(") Gửi lại tin nhắn") and page.evaluate("document.activeElement.id") == "lookup-sms-toggle"
    pages.accessible(page)
    page.locator("#lookup-sms").scroll_into_view_if_needed()
    pages._shot(page, "counter-notices")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#lookup-sms').textContent.startsWith('Người nộp nhận')")


def test_tracking_box(page, hanoi: AddressMap) -> None:
    page.goto("/")
    pages._ready(page)
    page.fill("#track-code", "HS-1")
    page.fill("#track-phone", "5678")
    page.click("#track-button")
    page.wait_for_function("document.querySelector('#track-result').textContent.includes('Đã tiếp nhận')")
    answer = page.inner_text("#track-result")
    assert answer.startswith("Hồ sơ Bảo hiểm xã hội: Đã tiếp nhận tại điểm phục vụ.")
    assert "Ngày hẹn trả: 10/02/2026" in answer and "Nguyễn" not in answer
    # Where it was handed in (by name and address) and is decided, where the result comes back, its steps.
    address = hanoi.agency_details[LUONG_VAN_CAN]["address"]
    assert f"Nơi nộp hồ sơ: Bưu điện Lương Văn Can, {address}" in answer
    assert "Cơ quan giải quyết: UBND Phường " in answer
    assert "Kết quả được bưu tá mang đến địa chỉ của người nộp" in answer
    assert page.locator(".track-steps li").all_inner_texts() == ["09:15 03/02/2026 Đã tiếp nhận tại điểm phục vụ"]
    assert page.locator("#track-show-agency").count() == 0  # brought home: nowhere to collect it
    pages.accessible(page)
    pages._shot(page, "tracking-steps")
    # The applicant stops the SMS notices of the dossier, by keyboard, and takes them again; asked again, the box
    # says the choice kept.
    assert page.inner_text("#track-sms") == (
        "Ông/bà đang nhận tin nhắn SMS về hồ sơ này (có kết quả, bưu tá đến). Ngừng nhận tin nhắn"
    )
    page.focus("#track-sms-toggle")
    page.keyboard.press("Enter")
    page.wait_for_function("document.querySelector('#track-sms').textContent.includes('đã ngừng')")
    assert page.inner_text("#track-sms") == "Ông/bà đã ngừng nhận tin nhắn SMS về hồ sơ này. Nhận lại tin nhắn"
    assert page.evaluate("document.activeElement.id") == "track-sms-toggle"  # the keyboard stays where it was
    assert _tracked(page, "HS-1", "đã ngừng")
    pages._shot(page, "tracking-sms")
    page.click("#track-sms-toggle")
    page.wait_for_function("document.querySelector('#track-sms').textContent.includes('đang nhận')")
    assert _tracked(page, "HS-1", "đang nhận tin nhắn")
    # A home pickup not collected yet waits at the citizen's door (it was said "received at the agency").
    home = _tracked(page, "HS-5", "chờ bưu tá")
    assert home.startswith(
        "Hồ sơ Bảo hiểm xã hội: Đã đăng ký nhận hồ sơ tại nhà, chờ bưu tá đến nhận. Ngày hẹn trả: 10/02/2026"
    )
    # When the postman comes today, by the day's plan, for the citizen to be at home.
    visit = page.locator("#track-result p.track-visit").inner_text()
    window = "Hôm nay bưu tá dự kiến đến nhận hồ sơ tại nhà trong khoảng 23:10–23:59"
    if datetime.now(HANOI).time() >= time(23, 20):  # expected at 23:40, within 20 minutes: on his way, too
        assert visit.startswith(f"{window}; bưu tá đang trên đường đến, dự kiến đến lúc khoảng 23:")
    else:
        assert visit == f"{window}."
    pages._shot(page, "tracking-visit")
    # The place said once: after a state that does not say it, not after one that does (it read "Đã tiếp nhận tại
    # điểm phục vụ. Tại điểm phục vụ.").
    digitised = _tracked(page, "HS-7", "Đã số hoá")
    assert digitised.startswith("Hồ sơ Bảo hiểm xã hội: Đã số hoá hồ sơ. Tại điểm phục vụ. Ngày hẹn trả: 10/02/2026")
    assert _tracked(page, "HS-6", "Bưu tá đã bàn giao").startswith(
        "Hồ sơ Bảo hiểm xã hội: Bưu tá đã bàn giao hồ sơ tại điểm phục vụ; sẽ chuyển đến cơ quan giải quyết vào ngày "
        "làm việc tiếp theo. Ngày hẹn trả: 10/02/2026"
    )
    assert f"Điểm phục vụ phụ trách: {hanoi.agency_names[_elsewhere(hanoi)]}" in home
    # A result to collect at the agency: shown on the map with its details on asking.
    assert f"Nhận kết quả tại: Bưu điện Lương Văn Can, {address}" in _tracked(page, "HS-3", "Nhận kết quả tại")
    page.click("#track-show-agency")
    page.wait_for_selector(".leaflet-popup-content")
    popup = page.inner_text(".leaflet-popup-content")
    assert popup.startswith("Bưu điện Lương Văn Can") and "Giờ mở cửa" in popup
    page.fill("#track-phone", "0000")
    page.click("#track-button")
    page.wait_for_function("document.querySelector('#track-result').textContent.includes('Không tìm thấy hồ sơ')")
    assert page.inner_text("#track-result") == "Không tìm thấy hồ sơ có mã và số điện thoại này"
    pages._shot(page, "tracking")
    # In English, all of it: the state and the place (the API's words), the procedure and the dates.
    page.goto("/?lang=en&code=HS-1")
    pages._ready(page)
    page.fill("#track-phone", "5678")
    page.click("#track-button")
    page.wait_for_function("document.querySelector('#track-result').textContent.includes('Received')")
    english = page.inner_text("#track-result")
    assert english.startswith(
        "Social insurance dossier: Received at the agency. Appointment: 10 Feb 2026; result expected: 11 Feb 2026."
    )
    assert "Handed in at: Bưu điện Lương Văn Can" in english and "Steps so far" in english
    assert page.locator(".track-steps li").all_inner_texts() == ["09:15 3 Feb 2026 Received at the agency"]
