"""The providers' delivery receipts over HTTP (:mod:`api.routers.receipts`): eSMS's call back by GET with the
service's key and parameters of its own, Zalo's webhook signed; refused (403) without the key or the signature, or
while the service holds none; the counter then reads the notice's fate (``GET /dossiers/{code}/notices``)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from geo.addressmap import AddressMap
from ops import accounts, dossiers, gateways, notices
from tests.api.conftest import DISPATCHER, PORTAL, client_for, settings_for
from tests.ops.cases import dossier
from tests.ops.providers import APP_ID, OA_SECRET, received, signed

KEY = "the receipts' key"
STAFF = {"Authorization": f"Bearer {DISPATCHER}"}


@pytest.fixture
def service(hanoi: AddressMap, tmp_path: Path) -> Iterator:
    """A service holding the receipts' keys, HS-1's result told by SMS, HS-2's by Zalo."""
    keys = {"esms_callback_key": KEY, "zns_app_id": APP_ID, "zns_oa_secret_key": OA_SECRET}
    with client_for(settings_for(tmp_path / "receipts.sqlite").model_copy(update=keys), hanoi) as client:
        client.post("/dossiers", json=[dossier("HS-1"), dossier("HS-2")], headers={"Authorization": f"Bearer {PORTAL}"})
        engine = client.app.state.store.engine
        ledger = notices.Ledger(engine, "notices")
        # The notices of where each dossier stands (their ref, its code and move).
        for code, taken in (("HS-1", gateways.Taken("sms", "s-1")), ("HS-2", gateways.Taken("zalo", "z-2"))):
            ledger.took({"ref": f"{code}:{dossiers.current(engine, code)['seq']}", "kind": "for_collection"}, taken)
        yield client


def _notice(client, code: str) -> dict:
    (notice,) = client.get(f"/dossiers/{code}/notices", headers=STAFF).json()["notices"]
    return notice


def test_esms_calls_back_with_the_key_and_its_own_parameters(service) -> None:
    # As eSMS calls: its parameters, those agencynet does not read among them.
    called = {"SMSID": "s-1", "SendFailed": "0", "SendStatus": "5", "SendSuccess": "1", "TotalPrice": "0.0000"}
    called |= {"TotalReceiver": "1", "TotalSent": "1", "RequestId": "", "TypeId": "2", "telcoid": "1"}
    for key in ("another key", "", "khóa"):
        refused = service.get("/receipts/esms", params=called | {"key": key})
        assert refused.status_code == 403
        assert refused.json()["detail"][0] | {"message": ""} == {
            "field": "key",
            "reason": "receipt_unsigned",
            "message": "",
        }
    assert _notice(service, "HS-1")["receipt"] is None
    assert service.get("/receipts/esms", params=called | {"key": KEY, "SendStatus": "7"}).json() == {"kept": 0}
    assert service.get("/receipts/esms", params=called | {"key": KEY}).json() == {"kept": 1}
    notice = _notice(service, "HS-1")
    assert (notice["channel"], notice["receipt"], notice["receipt_words"]) == ("sms", "delivered", None)
    # eSMS calling again: answered, nothing changed.
    assert service.get("/receipts/esms", params=called | {"key": KEY, "SendStatus": "4"}).json() == {"kept": 0}
    assert _notice(service, "HS-1")["receipt"] == "delivered"
    missing = service.get("/receipts/esms", params={"key": KEY, "SendStatus": "5"})
    assert (missing.status_code, missing.json()["detail"][0]["field"]) == (422, "SMSID")


def _posted(event: dict) -> tuple[bytes, dict[str, str]]:
    """An event of Zalo's webhook as Zalo posts it: its body and headers."""
    body, signature = signed(event)
    return body, {"Content-Type": "application/json", "X-ZEvent-Signature": signature}


def test_zalo_posts_its_events_signed(service, hanoi: AddressMap, tmp_path: Path) -> None:
    event = received("z-2")
    body, headers = _posted(event)
    forged = service.post("/receipts/zns", content=body.replace(b"z-2", b"z-9"), headers=headers)
    assert (forged.status_code, forged.json()["detail"][0]["field"]) == (403, "X-ZEvent-Signature")
    unsigned = service.post("/receipts/zns", content=body, headers={"Content-Type": "application/json"})
    assert unsigned.status_code == 403
    odd = service.post(
        "/receipts/zns", content=body, headers=headers | {"X-ZEvent-Signature": "mac=é".encode("latin-1")}
    )
    assert odd.status_code == 403
    assert service.post("/receipts/zns", content=body, headers=headers).json() == {"kept": 1}
    notice = _notice(service, "HS-2")
    assert (notice["channel"], notice["receipt"], notice["receipt_at"]) == ("zalo", "delivered", "2026-02-05T03:02:00Z")
    # Another event of the official account: answered, nothing kept.
    other, follows = _posted(event | {"event_name": "follow"})
    assert service.post("/receipts/zns", content=other, headers=follows).json() == {"kept": 0}
    # Its time as a number rather than a string: signed the same.
    timed, signature = _posted(event | {"event_name": "follow", "timestamp": 1770260521000})
    assert service.post("/receipts/zns", content=timed, headers=signature).json() == {"kept": 0}
    # A service that holds no key of Zalo's takes none.
    with client_for(settings_for(tmp_path / "bare.sqlite"), hanoi) as bare:
        assert bare.post("/receipts/zns", content=body, headers=headers).status_code == 403
        assert bare.get("/receipts/esms", params={"key": "", "SMSID": "s-1", "SendStatus": "5"}).status_code == 403


def test_the_counter_lists_the_applicants_not_reached(service) -> None:
    called = {"key": KEY, "SMSID": "s-1", "SendStatus": "4"}  # refused: never to reach HS-1's applicant
    assert service.get("/receipts/esms", params=called).json() == {"kept": 1}
    assert _notice(service, "HS-1")["receipt_words"] == "eSMS: SendStatus 4 (refused)"
    unreached = service.get("/dossiers", params={"unreached": "true"}, headers=STAFF).json()
    assert (unreached["total"], [(d["code"], d["unreached"]) for d in unreached["items"]]) == (1, [("HS-1", True)])
    every = service.get("/dossiers", headers=STAFF).json()["items"]
    assert {d["code"]: d["unreached"] for d in every} == {"HS-1": True, "HS-2": False}

    # The agency's staff phone him: no answer, still to call; answered, off the list. Kept under the staff's name.
    engine = service.app.state.store.engine
    accounts.add_user(
        engine, "lan", "một-mật-khẩu-dài", "agency_staff", agency_id="osm:node/1", full_name="Trần Thị Lan"
    )
    assert service.put("/dossiers/HS-1/call", json={"reached": True}, headers=STAFF).status_code == 403
    signed_in = service.post(
        "/signin", data={"username": "lan", "password": "một-mật-khẩu-dài"}, follow_redirects=False
    )
    assert signed_in.status_code == 303
    missed = service.put("/dossiers/HS-1/call", json={"reached": False, "note": "  máy bận,  gọi lại chiều "}).json()
    assert missed["unreached"] and (missed["call"]["reached"], missed["call"]["by_name"]) == (False, "Trần Thị Lan")
    assert missed["call"]["note"] == "máy bận, gọi lại chiều"  # spaces collapsed
    assert service.get("/dossiers", params={"unreached": "true"}).json()["total"] == 1
    # A note too long is refused, and the call with it: nothing kept.
    too_long = service.put("/dossiers/HS-1/call", json={"reached": True, "note": "x" * 301})
    assert too_long.status_code == 422 and too_long.json()["detail"][0]["field"] == "note"
    reached = service.put("/dossiers/HS-1/call", json={"reached": True, "note": "Chiều thứ Hai đến nhận"}).json()
    assert not reached["unreached"] and (reached["call"]["reached"], reached["call"]["by"]) == (True, "lan")
    # Each call kept, in the order made, with what was said.
    assert [(c["reached"], c["by_name"], c["note"]) for c in reached["calls"]] == [
        (False, "Trần Thị Lan", "máy bận, gọi lại chiều"),
        (True, "Trần Thị Lan", "Chiều thứ Hai đến nhận"),
    ]
    assert service.get("/dossiers", params={"unreached": "true"}).json()["total"] == 0
    assert service.put("/dossiers/HS-404/call", json={"reached": True}).status_code == 404
    # The dossier moves on: those calls were about the move before, still in the dossier's calls.
    dossiers.move(engine, "HS-1", "digitised", who="lan")
    moved = notices.of_dossier(engine, "HS-1")
    assert (moved["call"], moved["unreached"], len(moved["calls"])) == (None, False, 2)
