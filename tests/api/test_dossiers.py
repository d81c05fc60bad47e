"""Dossier endpoints: the portal's idempotent submissions, roles (401/403), personal data only where needed and
logged, moves refused with 409, public tracking without personal data and throttled, signing in."""

from __future__ import annotations

import re
import socket
from datetime import UTC, datetime, timedelta
from html import unescape
from pathlib import Path

import pytest
import sqlalchemy as sa

from api.settings import Settings
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, authorities, dossiers, notices, push, tables
from ops.errors import PushError
from tests import pgserver
from tests.api.conftest import ADMIN, DISPATCHER, PORTAL, client_for, settings_for
from tests.ops.cases import dossier, event
from tests.ops.daycases import LUONG_VAN_CAN, SIGNED

PORTAL_AUTH = {"Authorization": f"Bearer {PORTAL}"}
ADMIN_AUTH = {"Authorization": f"Bearer {ADMIN}"}
DISPATCH_AUTH = {"Authorization": f"Bearer {DISPATCHER}"}
PASSWORD = "một-mật-khẩu-dài"


@pytest.fixture
def service(hanoi: AddressMap, tmp_path: Path):
    """A service of its own (own database, own throttle), with staff of two agencies and a postman."""
    with client_for(settings_for(tmp_path / "dossiers.sqlite"), hanoi) as client:
        engine = client.app.state.store.engine
        accounts.add_user(engine, "lan", PASSWORD, "agency_staff", agency_id="osm:node/1", full_name="Trần Thị Lan")
        accounts.add_user(engine, "minh", PASSWORD, "agency_staff", agency_id="osm:node/2")
        accounts.add_user(engine, "hung", PASSWORD, "postman")
        yield client


def _sign_in(client, name: str) -> None:
    answer = client.post("/signin", data={"username": name, "password": PASSWORD}, follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"] == "/signin"
    assert client.get("/me").json()["name"] == name


def test_portal_submission_is_idempotent(service) -> None:
    body = [dossier("HS-1"), dossier("HS-2", channel="online"), event("HS-2", "decided")]
    assert service.post("/dossiers", json=body).status_code == 401
    assert service.post("/dossiers", json=body, headers=DISPATCH_AUTH).status_code == 403
    key = {**PORTAL_AUTH, "Idempotency-Key": "batch-0001"}
    first = service.post("/dossiers", json=body, headers=key)
    assert first.status_code == 200, first.text
    assert first.json() == {"read": 3, "created": 3, "updated": 0, "unchanged": 0, "rejected": []}
    again = service.post("/dossiers", json=body, headers=key)
    assert again.json() == first.json()
    other = service.post("/dossiers", json=[dossier("HS-3")], headers=key)
    assert other.status_code == 422
    assert other.json()["detail"][0]["field"] == "Idempotency-Key"
    summary = service.get("/dossiers/summary", headers=DISPATCH_AUTH).json()
    assert summary == {
        "total": 2,
        "by_state": {"received": 1, "decided": 1},
        "by_procedure": {"social_insurance": 2},
    }
    rerun = service.post("/dossiers", json=body, headers=PORTAL_AUTH).json()
    assert (rerun["created"], rerun["unchanged"]) == (0, 3)
    bad = service.post("/dossiers", json=[{"type": "dossier", "code": "HS-9"}, dossier("HS-4")], headers=PORTAL_AUTH)
    assert bad.status_code == 200 and bad.json()["created"] == 1
    assert bad.json()["rejected"][0]["line"] == 1


def test_the_portal_reads_the_changes_after_its_cursor(service) -> None:
    # The portal sends two dossiers, the counter moves one; the portal follows them in its feed, page by page.
    service.post("/dossiers", json=[dossier("C-1"), dossier("C-2")], headers=PORTAL_AUTH)
    _sign_in(service, "lan")
    assert service.post("/dossiers/C-1/moves", json={"to": "digitised"}).status_code == 201  # at its agency
    refused = service.get("/portal/changes")  # staff signed in: not the portal
    assert (refused.status_code, refused.json()["detail"][0]["reason"]) == (403, "role_needed")
    service.post("/signout")
    assert service.get("/portal/changes").status_code == 401
    first = service.get("/portal/changes", params={"limit": 2}, headers=PORTAL_AUTH).json()
    assert [(c["code"], c["state"], c["by_portal"]) for c in first["changes"]] == [
        ("C-1", "received", True),
        ("C-2", "received", True),
    ]
    assert first["more"] and first["next"] == first["changes"][-1]["cursor"]
    rest = service.get("/portal/changes", params={"after": first["next"]}, headers=PORTAL_AUTH).json()
    assert [(c["code"], c["seq"], c["state"], c["place"]) for c in rest["changes"]] == [
        ("C-1", 2, "digitised", "osm:node/1")
    ]
    assert not rest["more"] and "Nguyễn" not in str(rest) and "who" not in rest["changes"][0]
    done = service.get("/portal/changes", params={"after": rest["next"]}, headers=PORTAL_AUTH).json()
    assert done == {"changes": [], "next": rest["next"], "more": False}
    for bad in ("x", "1-2-3", "9999999999999999999-1"):
        answer = service.get("/portal/changes", params={"after": bad}, headers=PORTAL_AUTH)
        assert (answer.status_code, answer.json()["detail"][0]["field"]) == (422, "after"), bad


def test_the_operator_sees_where_each_receiver_of_the_push_stands(service) -> None:
    service.post("/dossiers", json=[dossier("P-1"), dossier("P-2")], headers=PORTAL_AUTH)
    engine = service.app.state.store.engine
    with socket.socket() as closed:  # a port nothing listens on: the receiver does not answer
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/updates"
    with pytest.raises(PushError, match="did not answer"):
        push.push(engine, "portal", url, b"key", timeout_s=2)
    notices.passed(engine, "portal", {"ref": "P-1:1", "kind": "for_collection"}, "eSMS: CodeResult 177")
    for auth in (ADMIN_AUTH, PORTAL_AUTH):
        (portal,) = service.get("/portal/pushes", headers=auth).json()
        assert {k: portal[k] for k in ("name", "url", "cursor", "pushed", "waiting", "pushed_at")} == {
            "name": "portal",
            "url": url,
            "cursor": "0-0",
            "pushed": 0,
            "waiting": 2,
            "pushed_at": None,
        }
        assert portal["failure"].startswith(f"{url} did not answer") and portal["failed_at"] is not None
        assert portal["passed"] == 1 and portal["last_passed"]["ref"] == "P-1:1"
        assert datetime.fromisoformat(portal["last_passed"]["at"]) <= datetime.now(UTC)
    refused = service.get("/portal/pushes", headers=DISPATCH_AUTH)
    assert (refused.status_code, refused.json()["detail"][0]["reason"]) == (403, "role_needed")


def test_rejected_records_say_each_problem_in_the_readers_language(service) -> None:
    # Each problem with its field and a machine code, as in a refusal, said in Vietnamese unless asked otherwise.
    bad_phone = dossier("HS-2")
    bad_phone["applicant"] = {**bad_phone["applicant"], "phone": "gọi tôi"}
    late = dossier("HS-5") | {"due_date": "soon", "insured_value": -3}
    body = [dossier("HS-1"), bad_phone, {"type": "complaint"}, event("HS-9", "decided"), late]
    body += [event("HS-1", "cancelled"), event("HS-1", "decided")]
    report = service.post("/dossiers", json=body, headers=PORTAL_AUTH).json()
    assert (report["read"], report["created"]) == (7, 2)
    said = {r["line"]: [(p["field"], p["reason"], p["message"]) for p in r["problems"]] for r in report["rejected"]}
    assert said == {
        2: [
            (
                "applicant.phone",
                "string_pattern_mismatch",
                "Số điện thoại gồm 8 đến 20 chữ số (được có dấu + ở đầu, dấu cách, dấu chấm, gạch nối)",
            )
        ],
        3: [
            (
                "record",
                "union_tag_invalid",
                "Trường 'type' phải là một trong: 'dossier', 'event' (nhận được “complaint”)",
            )
        ],
        4: [("code", "dossier_not_found", "Không có hồ sơ HS-9")],
        5: [
            ("due_date", "date_from_datetime_parsing", "Ngày phải theo dạng YYYY-MM-DD, ví dụ 2025-07-01"),
            ("insured_value", "greater_than_equal", "Phải lớn hơn hoặc bằng 0"),
        ],
        7: [("event", "dossier_closed", "Hồ sơ HS-1 đã kết thúc (“Đã huỷ”): không thể chuyển sang “Đã có kết quả”")],
    }
    assert [r["line"] for r in report["rejected"]] == [2, 3, 4, 5, 7]
    assert report["rejected"][2]["reason"] == "code: unknown dossier 'HS-9'"  # the English words stay beside
    english = service.post("/dossiers", json=body[3:4], headers=PORTAL_AUTH | {"Accept-Language": "en"}).json()
    assert english["rejected"][0]["problems"][0]["message"] == "unknown dossier 'HS-9'"


def test_personal_data_only_for_the_roles_that_need_it_and_logged(service) -> None:
    service.post("/dossiers", json=[dossier("HS-1")], headers=PORTAL_AUTH)
    assert service.get("/dossiers/HS-1").status_code == 401
    assert service.get("/dossiers/HS-1", headers=PORTAL_AUTH).status_code == 403
    assert service.get("/dossiers/HS-1", headers=DISPATCH_AUTH).json()["applicant"] is None
    _sign_in(service, "minh")  # staff of another agency
    assert service.get("/dossiers/HS-1").json()["applicant"] is None
    _sign_in(service, "lan")  # staff of the receiving agency
    seen = service.get("/dossiers/HS-1").json()
    assert seen["applicant"]["name"] == "Nguyễn Văn An (tổng hợp)"
    for to in ("digitised", "to_authority"):
        assert service.post("/dossiers/HS-1/moves", json={"to": to}).status_code == 201
    _sign_in(service, "hung")  # the postman carrying it to the authority
    assert service.get("/dossiers/HS-1").json()["applicant"]["phone"] == "0912345678"
    assert service.get("/access-log", headers=DISPATCH_AUTH).status_code == 403
    log = service.get("/access-log", params={"code": "HS-1"}, headers=ADMIN_AUTH).json()
    assert [(e["who"], e["role"], e["dossier_code"]) for e in log] == [
        ("hung", "postman", "HS-1"),
        ("lan", "agency_staff", "HS-1"),
    ]
    assert service.get("/dossiers/HS-404", headers=DISPATCH_AUTH).status_code == 404


def test_moves_refused_with_409(service) -> None:
    service.post("/dossiers", json=[dossier("HS-1")], headers=PORTAL_AUTH)
    _sign_in(service, "lan")
    skip = service.post("/dossiers/HS-1/moves", json={"to": "decided"})
    assert skip.status_code == 409
    refused = skip.json()["detail"][0]
    # Said to the staff in Vietnamese, the states in words; in English on asking.
    assert refused == {
        "field": "to",
        "reason": "transition_refused",
        "message": "Hồ sơ HS-1 đang ở trạng thái “Đã tiếp nhận”: không thể chuyển sang “Đã có kết quả”",
    }
    english = service.post("/dossiers/HS-1/moves", json={"to": "decided"}, headers={"Accept-Language": "en"})
    assert "dossier HS-1 is received: move to decided refused" in english.json()["detail"][0]["message"]
    moved = service.post("/dossiers/HS-1/moves", json={"to": "digitised", "expected_seq": 1})
    assert moved.status_code == 201 and (moved.json()["who"], moved.json()["who_name"]) == ("lan", "Trần Thị Lan")
    stale = service.post("/dossiers/HS-1/moves", json={"to": "to_authority", "expected_seq": 1})
    assert stale.status_code == 409
    assert stale.json()["detail"][0] == {
        "field": "id",
        "reason": "dossier_moved",
        "message": "Hồ sơ HS-1 đã thay đổi sau sự kiện 1; hãy đọc lại và thử lại",
    }
    journey = service.get("/dossiers/HS-1/events").json()
    assert [(e["seq"], e["state"], e["who"], e["who_name"]) for e in journey] == [
        (1, "received", "portal", None),
        (2, "digitised", "lan", "Trần Thị Lan"),
    ]
    assert service.post("/dossiers/HS-404/moves", json={"to": "digitised"}).status_code == 404
    assert service.post("/dossiers/HS-1/moves", json={"to": "lost"}).status_code == 422


def test_tracking_without_personal_data_and_throttled(service) -> None:
    service.post("/dossiers", json=[dossier("HS-1", return_mode="agency")], headers=PORTAL_AUTH)
    found = service.get("/track/HS-1", params={"phone_last4": "5678"})
    assert found.status_code == 200
    assert found.json() == {
        "code": "HS-1",
        "procedure": "social_insurance",
        "state": "received",
        "state_words": "Đã tiếp nhận tại điểm phục vụ",
        "where": "agency",
        "channel": "counter",
        "where_words": "Tại điểm phục vụ",
        "state_says_where": True,  # the page does not say the place twice
        "appointment": "2026-02-10",
        "result_expected": "2026-02-10",
        "return_mode": "agency",
        "agency": {"agency_id": "osm:node/1", "name": None, "address": None},  # no such agency on the map
        "authority": None,  # the store holds no authorities here
        "steps": [{"state": "received", "state_words": "Đã tiếp nhận tại điểm phục vụ", "at": "2026-02-03T09:15"}],
        "sms": True,  # the applicant takes the SMS notices unless he stops them
        "visit": None,  # no plan of today brings it to the door
    }
    for personal in ("Nguyễn", "0912345678", "Hàng Bạc", "21.034"):
        assert personal not in found.text
    # In the citizen's language: the words, not the codes, change.
    english = service.get("/track/HS-1", params={"phone_last4": "5678"}, headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert english.headers["content-language"] == "en" and "Accept-Language" in english.headers["vary"]
    assert english.json() == found.json() | {
        "state_words": "Received at the agency",
        "where_words": "At the agency",
        "steps": [{"state": "received", "state_words": "Received at the agency", "at": "2026-02-03T09:15"}],
    }
    wrong = service.get("/track/HS-1", params={"phone_last4": "0000"})
    unknown = service.get("/track/HS-404", params={"phone_last4": "5678"})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json() == unknown.json()
    assert service.get("/track/HS-1", params={"phone_last4": "12a4"}).status_code == 422
    for _ in range(3):
        assert service.get("/track/HS-1", params={"phone_last4": "1111"}).status_code == 404
    throttled = service.get("/track/HS-1", params={"phone_last4": "5678"})
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0


def test_the_applicant_stops_and_takes_again_the_sms_notices(service) -> None:
    service.post("/dossiers", json=[dossier("HS-1", return_mode="agency")], headers=PORTAL_AUTH)
    engine = service.app.state.store.engine
    mine = {"phone_last4": "5678"}
    stopped = service.put("/track/HS-1/notices", params=mine, json={"sms": False})
    assert (stopped.status_code, stopped.json()) == (200, {"sms": False})
    assert service.get("/track/HS-1", params=mine).json()["sms"] is False
    assert not notices.takes_sms(engine, "HS-1")
    with engine.connect() as conn:
        (row,) = conn.execute(sa.select(tables.notice_choices)).mappings().all()
    assert (row["dossier_code"], row["sms"], row["by"]) == ("HS-1", False, "citizen")
    # The counter reads it (by token or signed in), and nothing about the applicant's number.
    told = service.get("/dossiers/HS-1/notices", headers=DISPATCH_AUTH).json()
    assert {k: told[k] for k in ("sms", "chosen_by", "chosen_by_name", "notices")} == {
        "sms": False,
        "chosen_by": "citizen",
        "chosen_by_name": None,
        "notices": [],
    }
    assert service.get("/dossiers/HS-1/notices", headers=PORTAL_AUTH).status_code == 403
    assert service.get("/dossiers/HS-404/notices", headers=DISPATCH_AUTH).status_code == 404
    # The applicant asks at the counter: the staff takes them again, under the staff's name; a dispatcher may not.
    assert service.put("/dossiers/HS-1/notices", json={"sms": True}, headers=DISPATCH_AUTH).status_code == 403
    _sign_in(service, "lan")
    again = service.put("/dossiers/HS-1/notices", json={"sms": True})
    assert again.status_code == 200
    assert {k: again.json()[k] for k in ("sms", "chosen_by", "chosen_by_name")} == (
        {"sms": True, "chosen_by": "lan", "chosen_by_name": "Trần Thị Lan"}
    )
    service.post("/signout", follow_redirects=False)
    assert service.put("/track/HS-1/notices", params=mine, json={"sms": True}).json() == {"sms": True}
    assert service.get("/track/HS-1", params=mine).json()["sms"] is True and notices.takes_sms(engine, "HS-1")
    # Checked as tracking is: a wrong check answers as an unknown code, and leaves the choice as it was.
    wrong = service.put("/track/HS-1/notices", params={"phone_last4": "0000"}, json={"sms": False})
    unknown = service.put("/track/HS-404/notices", params=mine, json={"sms": False})
    assert wrong.status_code == unknown.status_code == 404 and wrong.json() == unknown.json()
    assert notices.takes_sms(engine, "HS-1")
    for bad, field in (({"sms": "no"}, "sms"), ({}, "sms"), ({"sms": False, "email": True}, "email")):
        refused = service.put("/track/HS-1/notices", params=mine, json=bad)
        assert (refused.status_code, refused.json()["detail"][0]["field"]) == (422, field), bad
    for _ in range(3):  # five wrong tries in all
        assert (
            service.put("/track/HS-1/notices", params={"phone_last4": "1111"}, json={"sms": False}).status_code == 404
        )
    throttled = service.put("/track/HS-1/notices", params=mine, json={"sms": False})
    assert throttled.status_code == 429 and int(throttled.headers["retry-after"]) > 0
    assert notices.takes_sms(engine, "HS-1")


def test_tracking_tells_the_journey_and_where_the_result_comes_back(service, hanoi: AddressMap) -> None:
    # As a government case-tracking page does: each step with its time (Hanoi), the agency it was handed in at
    # (by name and address, where the result comes back) and the authority deciding it, by name; still nothing
    # about the applicant, nor who moved it.
    authorities.seed(service.app.state.store.engine, hanoi)
    record = dossier("HS-3", agency_id=LUONG_VAN_CAN, authority_code="00070", return_mode="agency")
    service.post("/dossiers", json=[record], headers=PORTAL_AUTH)
    for to in ("digitised", "to_authority"):
        moved = service.post("/dossiers/HS-3/moves", json={"to": to}, headers=DISPATCH_AUTH)
        assert moved.status_code == 201
    found = service.get("/track/HS-3", params={"phone_last4": "5678"}).json()
    assert [step["state"] for step in found["steps"]] == ["received", "digitised", "to_authority"]
    assert found["steps"][1]["state_words"] == "Đã số hoá hồ sơ"
    now = datetime.now(HANOI).replace(tzinfo=None)
    assert abs(datetime.fromisoformat(found["steps"][-1]["at"]) - now) < timedelta(minutes=2)
    assert found["agency"] == {
        "agency_id": LUONG_VAN_CAN,
        "name": "Bưu điện Lương Văn Can",
        "address": hanoi.agency_details[LUONG_VAN_CAN]["address"],
    }
    with service.app.state.store.engine.connect() as conn:
        named = conn.execute(sa.select(tables.authorities.c.name).where(tables.authorities.c.code == "00070")).scalar()
    # A commune's authority is its People's Committee, said in the asker's language.
    assert named and found["authority"] == f"UBND {named}"
    english = service.get("/track/HS-3", params={"phone_last4": "5678"}, headers={"Accept-Language": "en"}).json()
    assert english["authority"] == f"People's Committee of {named}"
    assert set().union(*found["steps"]) == {"state", "state_words", "at"}  # not who moved it


def test_a_home_pickup_not_yet_collected_is_said_at_home(service) -> None:
    # It was said "received at the agency" ("Đã tiếp nhận tại điểm phục vụ. Tại điểm phục vụ") while it waited at
    # the citizen's door for the postman.
    record = dossier("HS-HOME", channel="home_pickup", return_mode="address")
    service.post("/dossiers", json=[record], headers=PORTAL_AUTH)
    found = service.get("/track/HS-HOME", params={"phone_last4": "5678"}).json()
    assert (found["channel"], found["where"], found["where_words"]) == ("home_pickup", "home", "Tại nhà người nộp")
    assert (
        found["state_words"]
        == found["steps"][0]["state_words"]
        == ("Đã đăng ký nhận hồ sơ tại nhà, chờ bưu tá đến nhận")
    )
    moved = service.post("/dossiers/HS-HOME/moves", json={"to": "digitised"}, headers=DISPATCH_AUTH)
    assert moved.status_code == 201
    collected = service.get("/track/HS-HOME", params={"phone_last4": "5678"}).json()
    assert (collected["where"], collected["state_words"]) == ("agency", "Đã số hoá hồ sơ")
    assert found["state_says_where"] and not collected["state_says_where"]  # "at home" said; "at the agency" not
    english = service.get("/track/HS-HOME", params={"phone_last4": "5678"}, headers={"Accept-Language": "en"}).json()
    assert english["steps"][0]["state_words"] == "Registered for pickup at home, waiting for the postman"


def test_staff_list_the_open_dossiers_of_their_agency_most_urgent_first(service) -> None:
    # The counter's work list: what is still open at this agency, due first, no personal data in it.
    records = [
        dossier("L-1", due_date="2026-02-12"),
        dossier("L-2", due_date="2026-02-10"),
        dossier("L-3", due_date="2099-01-01"),
        dossier("L-4", due_date="2026-02-11", agency_id="osm:node/2"),
        dossier("L-5", due_date="2026-02-09"),
    ]
    service.post("/dossiers", json=records, headers=PORTAL_AUTH)
    service.post("/dossiers/L-5/moves", json={"to": "cancelled"}, headers=DISPATCH_AUTH)
    assert service.get("/dossiers").status_code == 401
    assert service.get("/dossiers", headers=PORTAL_AUTH).status_code == 403
    _sign_in(service, "lan")  # staff of osm:node/1
    own = service.get("/dossiers").json()
    assert (own["total"], own["agency_id"]) == (3, "osm:node/1")
    assert [(i["code"], i["overdue"]) for i in own["items"]] == [("L-2", True), ("L-1", True), ("L-3", False)]
    for personal in ("Nguyễn", "0912345678", "Hàng Bạc"):
        assert personal not in service.get("/dossiers").text
    assert [i["code"] for i in service.get("/dossiers", params={"overdue": "true"}).json()["items"]] == ["L-2", "L-1"]
    page = service.get("/dossiers", params={"limit": 1, "offset": 1}).json()
    assert (page["total"], [i["code"] for i in page["items"]]) == (3, ["L-1"])
    closed = service.get("/dossiers", params={"state": "cancelled"}).json()["items"]
    assert [(i["code"], i["overdue"]) for i in closed] == [("L-5", False)]  # closed: no longer overdue
    assert service.get("/dossiers", params={"agency_id": "osm:node/2"}).json()["total"] == 1
    every = service.get("/dossiers", headers=DISPATCH_AUTH).json()
    assert (every["agency_id"], every["total"]) == (None, 4)
    refused = service.get("/dossiers", params={"state": "lost"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "state"


def test_results_waiting_at_the_agency_are_listed_the_longest_waiting_first(service) -> None:
    # W-1 came back to the agency on 20 March, W-2 on 5 March, W-3 is still at its authority: each row says since
    # when it is in its state, and the results waiting for their applicants come the longest waiting first
    # (not by due date: none of them is late).
    service.post(
        "/dossiers", json=[dossier(f"W-{k}", due_date=f"2026-02-1{k}") for k in (1, 2, 3)], headers=PORTAL_AUTH
    )
    engine = service.app.state.store.engine
    decided = ["digitised", "to_authority", "at_authority", "decided"]
    for code, back in (("W-1", "2026-03-20T16:30"), ("W-2", "2026-03-05T09:00"), ("W-3", None)):
        for k, state in enumerate([*decided, "returning", "for_collection"] if back else decided[:3]):
            at = datetime(2026, 2, 4 + k, 9, tzinfo=HANOI)
            if state == "for_collection":
                at = datetime.fromisoformat(back).replace(tzinfo=HANOI)
            record = "BB-1" if state in dossiers.HANDOVERS else None
            dossiers.move(engine, code, state, who="lan", record_no=record, at=at)
    _sign_in(service, "lan")
    waiting = service.get("/dossiers", params={"state": "for_collection"}).json()["items"]
    assert [(i["code"], i["since"]) for i in waiting] == [
        ("W-2", "2026-03-05T02:00:00+00:00"),
        ("W-1", "2026-03-20T09:30:00+00:00"),
    ]
    every = {i["code"]: i["since"] for i in service.get("/dossiers").json()["items"]}
    assert list(every) == ["W-1", "W-2", "W-3"]  # all open ones: the soonest due first
    assert every["W-3"] == "2026-02-06T02:00:00+00:00"  # at its authority since 6 February


def test_staff_read_a_dossier_by_name_with_the_moves_it_may_make_now(service, hanoi: AddressMap) -> None:
    # What the counter needs: the agency and the authority by name, and the next moves of the lifecycle with
    # where each happens and whether it hands the dossier over against a signed record.
    authorities.seed(service.app.state.store.engine, hanoi)
    paper = dossier("HS-5", agency_id=LUONG_VAN_CAN, authority_code="00070")
    online = dossier("HS-6", agency_id=LUONG_VAN_CAN, authority_code="00070", channel="online", return_mode="agency")
    service.post("/dossiers", json=[paper, online], headers=PORTAL_AUTH)
    with service.app.state.store.engine.connect() as conn:
        named = conn.execute(sa.select(tables.authorities.c.name).where(tables.authorities.c.code == "00070")).scalar()
    read = service.get("/dossiers/HS-5", headers=DISPATCH_AUTH).json()
    assert read["agency"] == {
        "agency_id": LUONG_VAN_CAN,
        "name": "Bưu điện Lương Văn Can",
        "address": hanoi.agency_details[LUONG_VAN_CAN]["address"],
    }
    assert read["authority_name"] == f"UBND {named}"
    agency = {"place": LUONG_VAN_CAN, "handover": False, "proof": None}
    cancel = {"to": "cancelled", "place": None, "handover": False, "proof": None}
    assert read["moves"] == [{"to": "digitised"} | agency, cancel]
    # An online dossier is at its authority from the start: nothing to digitise or carry there.
    moves = service.get("/dossiers/HS-6", headers=DISPATCH_AUTH).json()["moves"]
    assert [m["to"] for m in moves] == ["decided", "cancelled"]
    # Each move recorded where the answer says it happens, as the staff's page does.
    for to, record in [("digitised", None), ("to_authority", None), ("at_authority", "BB-1"), ("decided", None)]:
        (step,) = [m for m in read["moves"] if m["to"] == to]
        moved = service.post(
            "/dossiers/HS-5/moves", json={"to": to, "place": step["place"], "record_no": record}, headers=DISPATCH_AUTH
        )
        assert moved.status_code == 201
        read = service.get("/dossiers/HS-5", headers=DISPATCH_AUTH).json()
        if to == "to_authority":
            assert read["moves"][0] == {"to": "at_authority", "place": "00070", "handover": True, "proof": None}
    assert [(m["to"], m["place"], m["handover"]) for m in read["moves"]] == [
        ("returning", "00070", False),
        ("cancelled", None, False),
    ]
    service.post("/dossiers/HS-5/moves", json={"to": "returning", "place": "00070"}, headers=DISPATCH_AUTH)
    home = service.get("/dossiers/HS-5", headers=DISPATCH_AUTH).json()["moves"]
    # A result handed over at the address is signed for by who takes it, as at the postman's door.
    assert [(m["to"], m["place"], m["handover"], m["proof"]) for m in home] == [
        ("for_collection", LUONG_VAN_CAN, True, None),  # or kept at its agency, for the applicant to collect
        ("returned", "address", True, "required"),
        ("failed_return", "address", False, None),
        ("cancelled", None, False, None),
    ]
    home = {"to": "returned", "place": "address", "record_no": "BB-2"}
    unsigned = service.post("/dossiers/HS-5/moves", json=home, headers=DISPATCH_AUTH)
    assert (unsigned.status_code, unsigned.json()["detail"][0]["reason"]) == (422, "proof_needed")
    # Where it is handed over left unsaid: where the dossier says, the address, and so signed for there too.
    placeless = service.post(
        "/dossiers/HS-5/moves", json={"to": "returned", "record_no": "BB-2"}, headers=DISPATCH_AUTH
    )
    assert placeless.json()["detail"][0]["reason"] == "proof_needed"
    moved = service.post("/dossiers/HS-5/moves", json=home | {"proof": SIGNED}, headers=DISPATCH_AUTH).json()
    assert (moved["place"], moved["place_name"], moved["proof"]["signer"]) == ("address", None, "applicant")
    (kept,) = service.get("/dossiers/HS-5/proofs", headers=DISPATCH_AUTH).json()
    assert (kept["event"], kept["taken_by"], kept["id_last4"]) == ("delivered", "token:dispatcher", None)
    assert service.get("/dossiers/HS-5", headers=DISPATCH_AUTH).json()["moves"] == []
    # The journey's places by name, in the reader's language; the applicant's address is not named.
    events = service.get("/dossiers/HS-5/events", headers=DISPATCH_AUTH | {"Accept-Language": "en"}).json()
    said = {e["place"]: e["place_name"] for e in events if e["place"]}
    assert said == {LUONG_VAN_CAN: "Bưu điện Lương Văn Can", "00070": f"People's Committee of {named}", "address": None}


def test_a_result_collected_at_the_counter_is_signed_on_the_tablet(service) -> None:
    # The applicant's delegate collects the result at the agency: the staff check the paper and the delegate signs
    # on the counter's tablet, in place of a paper record's number; kept as a signature at the door is.
    service.post("/dossiers", json=[dossier("HS-7", return_mode="agency")], headers=PORTAL_AUTH)
    _sign_in(service, "lan")  # staff of the receiving agency
    for to, record in [("digitised", None), ("to_authority", None), ("at_authority", "BB-1"), ("decided", None)]:
        assert service.post("/dossiers/HS-7/moves", json={"to": to, "record_no": record}).status_code == 201
    # Only a result handed to its applicant is signed for: said with the move's state in words.
    signed_early = service.post("/dossiers/HS-7/moves", json={"to": "returning", "proof": SIGNED})
    assert signed_early.status_code == 422
    assert signed_early.json()["detail"][0] == {
        "field": "proof",
        "reason": "proof_not_for_move",
        "message": "Chỉ khi trả kết quả mới ký xác nhận, không phải khi chuyển sang “Đang trả kết quả”",
    }
    assert service.post("/dossiers/HS-7/moves", json={"to": "returning"}).status_code == 201
    overdue = {"overdue": "true"}
    assert service.get("/dossiers/HS-7").json()["overdue"]  # due 10 February 2026: late until the result is back
    assert "HS-7" in [d["code"] for d in service.get("/dossiers", params=overdue).json()["items"]]
    # Brought to the agency, it waits there for the applicant, who reads so on the citizens' page; no longer late,
    # whenever the applicant comes.
    assert service.post("/dossiers/HS-7/moves", json={"to": "for_collection", "record_no": "BG-7"}).status_code == 201
    assert not service.get("/dossiers/HS-7").json()["overdue"]
    listed = service.get("/dossiers", params={"state": "for_collection"}).json()["items"]
    assert [(d["code"], d["overdue"]) for d in listed] == [("HS-7", False)]
    assert "HS-7" not in [d["code"] for d in service.get("/dossiers", params=overdue).json()["items"]]
    tracked = service.get("/track/HS-7", params={"phone_last4": "5678"}).json()
    waiting = "Kết quả đã về điểm phục vụ, mời ông/bà đến nhận"
    assert (tracked["state_words"], tracked["state_says_where"], tracked["where"]) == (waiting, True, "agency")
    (collect,) = [m for m in service.get("/dossiers/HS-7").json()["moves"] if m["to"] == "returned"]
    assert (collect["place"], collect["handover"], collect["proof"]) == ("osm:node/1", True, "optional")
    # Neither a record nor a signature: refused; a signature without the paper checked: refused.
    bare = service.post("/dossiers/HS-7/moves", json={"to": "returned", "place": collect["place"]})
    assert bare.json()["detail"][0]["reason"] == "handover_needs_record"
    # The pad's width written 300.0 is the integer 300, as JSON Schema has it.
    pad = SIGNED["signature"] | {"width": 300.0}
    delegate = SIGNED | {"signer": "authorised", "name": "Lê Thị Hoa (tổng hợp)", "signature": pad}
    no_paper = {k: v for k, v in delegate.items() if k != "id_type"}
    unchecked = service.post("/dossiers/HS-7/moves", json={"to": "returned", "place": "osm:node/1", "proof": no_paper})
    assert (unchecked.status_code, unchecked.json()["detail"][0]["reason"]) == (422, "id_needed")
    moved = service.post("/dossiers/HS-7/moves", json={"to": "returned", "place": "osm:node/1", "proof": delegate})
    assert moved.status_code == 201
    assert (moved.json()["record_no"], moved.json()["proof"]["signer"]) == (None, "authorised")
    assert service.get("/dossiers/HS-7").json()["moves"] == []
    (kept,) = service.get("/dossiers/HS-7/proofs").json()
    assert kept | {"at": None, "signature": None} == {
        "event": "collected",
        "at": None,
        "taken_by": "lan",
        "taken_by_name": "Trần Thị Lan",
        "signer": "authorised",
        "name": "Lê Thị Hoa (tổng hợp)",
        "id_type": SIGNED["id_type"],
        "id_last4": SIGNED["id_last4"],
        "signature": None,
        "off_m": None,
    }
    assert kept["signature"]["strokes"] == SIGNED["signature"]["strokes"]
    log = service.get("/access-log", params={"code": "HS-7"}, headers=ADMIN_AUTH).json()
    assert ("lan", "GET /dossiers/{code}/proofs") in [(e["who"], e["what"]) for e in log]


def _receipt(html: str) -> dict[str, str]:
    """The fields of a printed receipt, by name."""
    return {unescape(k): unescape(v) for k, v in re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html)}


def test_the_receipt_says_the_appointment_and_leads_to_the_tracking_box(service, hanoi: AddressMap) -> None:
    engine = service.app.state.store.engine
    authorities.seed(engine, hanoi)
    accounts.add_user(engine, "thu", PASSWORD, "agency_staff", agency_id=LUONG_VAN_CAN, full_name="Phạm Thu")
    service.post("/dossiers", json=[dossier("HS-9", agency_id=LUONG_VAN_CAN)], headers=PORTAL_AUTH)
    assert service.get("/dossiers/HS-9/receipt").status_code == 401
    assert service.get("/dossiers/HS-9/receipt", headers=DISPATCH_AUTH).json()["detail"][0]["reason"] == "role_needed"
    # It names the applicant: staff of another agency may not print it.
    _sign_in(service, "lan")
    other = service.get("/dossiers/HS-9/receipt")
    assert other.status_code == 403
    assert other.json()["detail"][0] == {
        "field": "code",
        "reason": "receipt_not_yours",
        "message": "Chỉ nhân viên điểm tiếp nhận hồ sơ HS-9 (hoặc bưu tá đang mang hồ sơ) mới in được giấy hẹn",
    }
    _sign_in(service, "thu")
    printed = service.get("/dossiers/HS-9/receipt")
    assert printed.status_code == 200 and printed.headers["content-type"].startswith("text/html")
    assert printed.headers["content-language"] == "vi"
    page = printed.text
    assert "<h1>Giấy tiếp nhận hồ sơ và hẹn trả kết quả</h1>" in page
    assert '<strong id="receipt-code">HS-9</strong>' in page
    said = _receipt(page)
    with engine.connect() as conn:
        named = conn.execute(sa.select(tables.authorities.c.name).where(tables.authorities.c.code == "00070")).scalar()
    # The result is due on Tuesday 10 February at the agency; brought home, the next working day.
    expected = service.get("/track/HS-9", params={"phone_last4": "5678"}).json()["result_expected"]
    assert expected == "2026-02-11"
    assert said == {
        "Tiếp nhận hồ sơ của": "Nguyễn Văn An (tổng hợp)",
        "Số điện thoại": "0912345678",
        "Địa chỉ": "12 Hàng Bạc, Hoàn Kiếm",
        "Đối tượng ưu tiên": "Người có công",
        "Thủ tục": "Bảo hiểm xã hội",
        "Cơ quan giải quyết": f"UBND {named}",
        "Hình thức nộp": "Nộp trực tiếp tại điểm phục vụ",
        "Thời gian tiếp nhận": "09 giờ 15 phút, ngày 03/02/2026",
        "Ngày hẹn trả kết quả": "10/02/2026",
        "Nơi trả kết quả": "Bưu điện chuyển phát đến địa chỉ của người nộp, dự kiến ngày 11/02/2026",
    }
    address = hanoi.agency_details[LUONG_VAN_CAN]["address"]
    assert f'<p class="issuer"><strong>Bưu điện Lương Văn Can</strong><br>{address}</p>' in page
    assert '<span class="name" id="receipt-receiver">Phạm Thu</span>' in page
    # The QR code and the printed link open the citizens' tracking box with the code, never the phone's digits.
    assert '<a id="receipt-link" href="http://testserver/?code=HS-9">' in page
    assert '<svg width="' in page and "<title>Mã QR mở trang tra cứu hồ sơ HS-9</title>" in page
    assert "Dữ liệu tổng hợp (giả lập)" in page and "5678" not in page.replace("0912345678", "")
    log = service.get("/access-log", params={"code": "HS-9"}, headers=ADMIN_AUTH).json()
    assert [(e["who"], e["what"]) for e in log] == [("thu", "GET /dossiers/{code}/receipt")]
    # In English on asking, the dates as Vietnam writes them.
    english = _receipt(service.get("/dossiers/HS-9/receipt", params={"lang": "en"}).text)
    assert (english["Received from"], english["Received"]) == ("Nguyễn Văn An (tổng hợp)", "09:15 on 03/02/2026")
    assert service.get("/dossiers/HS-404/receipt").status_code == 404
    # A result for collection: at the agency, by name and address, on the appointment date.
    service.post(
        "/dossiers", json=[dossier("HS-10", agency_id=LUONG_VAN_CAN, return_mode="agency")], headers=PORTAL_AUTH
    )
    collected = _receipt(service.get("/dossiers/HS-10/receipt").text)
    assert collected["Nơi trả kết quả"] == f"Tại Bưu điện Lương Văn Can, {address}"


def test_the_receipt_leads_to_the_public_address_the_service_is_given(hanoi: AddressMap, tmp_path: Path) -> None:
    # Behind a proxy, or printed from a machine of the agency's network, the QR code leads where citizens reach it.
    public = "https://dichvucong.example.vn/agencynet/"
    settings = settings_for(tmp_path / "public.sqlite").model_copy(update={"public_url": public})
    with client_for(settings, hanoi) as service:
        engine = service.app.state.store.engine
        accounts.add_user(engine, "thu", PASSWORD, "agency_staff", agency_id=LUONG_VAN_CAN)
        service.post("/dossiers", json=[dossier("HS-9", agency_id=LUONG_VAN_CAN)], headers=PORTAL_AUTH)
        _sign_in(service, "thu")
        page = service.get("/dossiers/HS-9/receipt").text
    assert f'<a id="receipt-link" href="{public}?code=HS-9">' in page
    with pytest.raises(ValueError, match="public_url"):
        Settings(public_url="dichvucong.example.vn")


def test_the_postman_prints_the_receipt_of_a_dossier_taken_at_home(service) -> None:
    # A home pickup: registered on 3 February, taken at the applicant's door on the 4th at 09:05 and digitised
    # there (its authority closed that day), so the postman holds it until he hands it over at a post office.
    engine = service.app.state.store.engine
    service.post("/dossiers", json=[dossier("HS-H", channel="home_pickup")], headers=PORTAL_AUTH)
    _sign_in(service, "hung")
    assert service.get("/dossiers/HS-H/receipt").status_code == 403  # not yet in his hands
    at_door = datetime(2026, 2, 4, 9, 5, tzinfo=HANOI)
    dossiers.move(engine, "HS-H", "digitised", who="hung", place="address", at=at_door)
    assert service.get("/dossiers/HS-H").json()["applicant"]["name"] == "Nguyễn Văn An (tổng hợp)"
    printed = service.get("/dossiers/HS-H/receipt").text
    said = _receipt(printed)
    # The paper says when he took it at the door (not when the pickup was asked for), and him as the receiver.
    assert said["Hình thức nộp"] == "Bưu tá nhận hồ sơ tại nhà"
    assert said["Bưu tá nhận hồ sơ tại nhà lúc"] == "09 giờ 05 phút, ngày 04/02/2026"
    assert "Thời gian tiếp nhận" not in said and "Ngày 4 tháng 2 năm 2026" in printed
    assert '<span class="name" id="receipt-receiver">hung</span>' in printed
    english = _receipt(service.get("/dossiers/HS-H/receipt", params={"lang": "en"}).text)
    assert english["Taken at the applicant's home"] == "09:05 on 04/02/2026"
    # Handed over at its agency, it is out of his hands: neither the applicant nor the receipt any more.
    with engine.begin() as conn:
        dossiers.transfer(conn, "HS-H", who="hung", place="osm:node/1", record_no="BB-0402")
    assert service.get("/dossiers/HS-H").json()["applicant"] is None
    assert service.get("/dossiers/HS-H/receipt").status_code == 403
    # Taken at the door on to its authority: in his bag, the receipt says the same moment.
    service.post("/dossiers", json=[dossier("HS-J", channel="home_pickup")], headers=PORTAL_AUTH)
    dossiers.move(engine, "HS-J", "digitised", who="hung", place="address", at=at_door)
    dossiers.move(engine, "HS-J", "to_authority", who="hung", place="address", at=at_door)
    taken = _receipt(service.get("/dossiers/HS-J/receipt").text)
    assert taken["Bưu tá nhận hồ sơ tại nhà lúc"] == "09 giờ 05 phút, ngày 04/02/2026"
    log = service.get("/access-log", params={"code": "HS-H"}, headers=ADMIN_AUTH).json()
    assert [e["what"] for e in log].count("GET /dossiers/{code}/receipt") == 2


def test_a_result_brought_home_is_expected_on_a_working_day(service) -> None:
    # Due the Friday before Tết: brought home the next working day, the Monday after the holiday week (before,
    # the Monday of Tết, 16 February, when no office works).
    service.post("/dossiers", json=[dossier("HS-2", due_date="2026-02-13")], headers=PORTAL_AUTH)
    found = service.get("/track/HS-2", params={"phone_last4": "5678"}).json()
    assert (found["appointment"], found["result_expected"]) == ("2026-02-13", "2026-02-23")


def test_a_result_not_brought_to_its_agency_is_not_said_missed_at_home(service) -> None:
    # A result for collection at its agency, brought back undelivered (the agency closed, a re-plan): the citizen
    # read "nobody at home", for a result that was never going to his home.
    for code, mode in (("HS-A", "agency"), ("HS-H", "address")):
        service.post("/dossiers", json=[dossier(code, return_mode=mode)], headers=PORTAL_AUTH)
        for to in ("digitised", "to_authority", "at_authority", "decided", "returning", "failed_return"):
            record = "BB-1" if to == "at_authority" else None
            dossiers.move(service.app.state.store.engine, code, to, who="test", record_no=record)
    said = {
        code: service.get(f"/track/{code}", params={"phone_last4": "5678"}).json()["state_words"]
        for code in ("HS-A", "HS-H")
    }
    assert said == {
        "HS-A": "Chưa chuyển được kết quả về điểm tiếp nhận, sẽ chuyển lại ở lượt sau",
        "HS-H": "Chưa trả được kết quả (vắng nhà), sẽ giao lại",
    }


def test_a_dossier_brought_back_undelivered_is_said_so(service) -> None:
    # Taken to its authority, brought back to its agency (the office closed, a postman sent home): the citizen read
    # "Đã số hoá hồ sơ" a second time, as if nothing had happened.
    service.post("/dossiers", json=[dossier("HS-B")], headers=PORTAL_AUTH)
    for to in ("digitised", "to_authority", "digitised"):
        dossiers.move(service.app.state.store.engine, "HS-B", to, who="test")
    found = service.get("/track/HS-B", params={"phone_last4": "5678"}).json()
    back = "Chưa bàn giao được cho cơ quan giải quyết, đã mang về điểm phục vụ; sẽ chuyển lại ở lượt sau"
    assert [s["state_words"] for s in found["steps"]] == [
        "Đã tiếp nhận tại điểm phục vụ",
        "Đã số hoá hồ sơ",
        "Đang chuyển đến cơ quan giải quyết",
        back,
    ]
    assert (found["state"], found["state_words"]) == ("digitised", back)


def test_a_home_pickup_handed_over_at_a_post_office_is_said_so(service) -> None:
    # Collected on a Saturday and taken to its agency (its authority closed): the handover at the agency was not in
    # its journey, and while the postman carried it the page said it was at the agency already.
    engine = service.app.state.store.engine
    for code in ("HS-P", "HS-Q"):
        service.post("/dossiers", json=[dossier(code, channel="home_pickup")], headers=PORTAL_AUTH)
        dossiers.move(engine, code, "digitised", who="binh", place="address")
    carried = service.get("/track/HS-P", params={"phone_last4": "5678"}).json()
    assert (carried["where"], carried["where_words"]) == ("in_transit", "Đang vận chuyển")
    with engine.begin() as conn:  # at its agency, against the record; the other back to the postman's post office
        dossiers.transfer(conn, "HS-P", who="binh", place="osm:node/1", record_no="BB-0702")
        dossiers.transfer(conn, "HS-Q", who="binh", place=LUONG_VAN_CAN)
    said = {code: service.get(f"/track/{code}", params={"phone_last4": "5678"}).json() for code in ("HS-P", "HS-Q")}
    assert [s["state_words"] for s in said["HS-P"]["steps"]] == [
        "Đã đăng ký nhận hồ sơ tại nhà, chờ bưu tá đến nhận",
        "Đã số hoá hồ sơ",
        "Bưu tá đã bàn giao hồ sơ tại điểm phục vụ; sẽ chuyển đến cơ quan giải quyết vào ngày làm việc tiếp theo",
    ]
    assert said["HS-P"]["where"] == "agency" and "places" not in said["HS-P"]
    assert said["HS-Q"]["state_words"] == (
        "Điểm phục vụ chưa nhận được hồ sơ, bưu tá đã mang về bưu cục; sẽ chuyển đến cơ quan giải quyết ở lượt sau"
    )
    # At the postman's post office, by its name, not at the agency that could not take it (it was said "Tại điểm
    # phục vụ").
    assert (said["HS-Q"]["where"], said["HS-Q"]["where_words"]) == ("post_office", "Tại Bưu điện Lương Văn Can")
    english = service.get("/track/HS-Q", params={"phone_last4": "5678"}, headers={"Accept-Language": "en"}).json()
    assert english["where_words"] == "At Bưu điện Lương Văn Can"
    assert said["HS-P"]["state_says_where"] and said["HS-Q"]["state_says_where"] and not carried["state_says_where"]
    # Staff read the handover in the journey: where, and against which record.
    journey = service.get("/dossiers/HS-P/events", headers=DISPATCH_AUTH).json()
    assert [(e["state"], e["place"], e["record_no"]) for e in journey[-2:]] == [
        ("digitised", "address", None),
        ("digitised", "osm:node/1", "BB-0702"),
    ]


def test_tracking_on_a_database_server(hanoi: AddressMap, tmp_path: Path) -> None:
    # On PostgreSQL the lookup runs in a worker thread, not on the event loop (on SQLite it stays there).
    try:
        with pgserver.database() as url:
            settings = settings_for(tmp_path / "unused.sqlite").model_copy(update={"database_url": url})
            with client_for(settings, hanoi) as client:
                assert client.app.state.store.engine.dialect.name == "postgresql"
                client.post("/dossiers", json=[dossier("HS-PG", return_mode="agency")], headers=PORTAL_AUTH)
                found = client.get("/track/HS-PG", params={"phone_last4": "5678"})
                assert found.status_code == 200 and found.json()["state"] == "received"
                assert client.get("/track/HS-PG", params={"phone_last4": "0000"}).status_code == 404
                stop = client.put("/track/HS-PG/notices", params={"phone_last4": "5678"}, json={"sms": False})
                assert stop.status_code == 200
                assert client.get("/track/HS-PG", params={"phone_last4": "5678"}).json()["sms"] is False
    except pgserver.ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


def test_sign_in_and_out(service) -> None:
    wrong = service.post("/signin", data={"username": "lan", "password": "sai-mật-khẩu"}, follow_redirects=False)
    assert wrong.status_code == 303 and wrong.headers["location"] == "/signin?error=1"
    assert service.get("/me").status_code == 401
    _sign_in(service, "lan")
    assert "agencynet_session" in service.cookies
    assert service.get("/me").json() == {
        "name": "lan",
        "full_name": "Trần Thị Lan",
        "role": "agency_staff",
        "agency_id": "osm:node/1",
    }
    service.post("/signout", follow_redirects=False)
    assert service.get("/me").status_code == 401
    assert "Đăng nhập" in service.get("/signin").text
