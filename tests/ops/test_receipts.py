"""The providers' delivery receipts (:mod:`ops.receipts`): a notice sent to eSMS or ZNS (a real HTTP server on
loopback answering as they do) is found by the provider's id of the message or by its ref; the first fate stands;
a status that is no fate yet, another event of Zalo's, a message agencynet did not send are kept nowhere; Zalo's
events are taken only under its signature."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest

from api import notify
from geo._errors import InputError
from geo.addressmap import AddressMap
from ops import dossiers, gateways, notices, push, receipts
from ops.store import Store
from tests.ops import daycases
from tests.ops.conftest import Portal
from tests.ops.providers import ACCOUNT, APP_ID, OA_SECRET, TEMPLATES, esms, received, signed, zns

NOW = datetime(2026, 2, 5, 3, 2, tzinfo=UTC)


def _sent(store: Store, hanoi: AddressMap, portal: Portal, provider: gateways.Provider) -> tuple[str, str]:
    """The results of BACK and HOME told to their applicants by ``provider``, kept as the receiver ``notices``:
    their notices' refs."""
    engine = store.engine
    shape = notify.shaper(store, notify.Texts(hanoi, "vi"))
    kept = dataclasses.replace(provider, ledger=notices.Ledger(engine, "notices"))
    push.push(engine, "notices", portal.url, b"", shape=shape, post=kept.post)  # the seeded moves: none
    daycases.results_move(engine)
    push.push(engine, "notices", portal.url, b"", shape=shape, post=kept.post, kept=notices.keeper("notices"))
    back, home = (f"{code}:{dossiers.current(engine, code)['seq']}" for code in ("BACK", "HOME"))
    return back, home


def _fate(store: Store, code: str) -> tuple:
    """The channel and the receipt of the dossier's one notice."""
    (notice,) = notices.of_dossier(store.engine, code)["notices"]
    return notice["channel"], notice["receipt"], notice["receipt_at"], notice["receipt_words"]


def test_esms_receipts_find_their_notice_and_the_first_fate_stands(
    sqlite_store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    engine = sqlite_store.engine
    portal.replies = [esms("100", sms_id="s-back"), esms("100", sms_id="s-home")]
    back, home = _sent(sqlite_store, hanoi, portal, ACCOUNT)
    assert _fate(sqlite_store, "BACK") == ("sms", None, None, None)
    # With the carrier, waiting for its report: no fate yet.
    assert receipts.of_esms({"SMSID": "s-back", "SendStatus": "7"}, NOW) is None
    # On BACK's applicant's phone; eSMS calling again, or saying otherwise later, changes nothing.
    delivered = receipts.of_esms({"SMSID": "s-back", "SendStatus": "5", "RequestId": "", "telcoid": "1"}, NOW)
    assert delivered is not None and receipts.keep(engine, delivered) == 1
    assert receipts.keep(engine, delivered) == 0
    later = receipts.of_esms({"SMSID": "s-back", "SendStatus": "4"}, NOW)
    assert later is not None and receipts.keep(engine, later) == 0
    assert _fate(sqlite_store, "BACK") == ("sms", "delivered", NOW, None)
    # HOME's refused, found by its ref (eSMS gives the RequestId back when it was given one).
    refused = receipts.of_esms({"SMSID": "", "SendStatus": "4", "RequestId": home}, NOW)
    assert refused is not None and receipts.keep(engine, refused) == 1
    assert _fate(sqlite_store, "HOME") == ("sms", "undelivered", NOW, "eSMS: SendStatus 4 (refused)")
    # A message agencynet did not send (another system of the operator's): kept nowhere.
    other = receipts.of_esms({"SMSID": "s-other", "SendStatus": "5"}, NOW)
    assert other is not None and receipts.keep(engine, other) == 0
    # A receipt of Zalo's with eSMS's id is not eSMS's.
    assert receipts.keep(engine, dataclasses.replace(delivered, channel="zalo", provider_id="s-home")) == 0
    (row,) = push.receivers(engine)
    assert (row["name"], row["delivered"], row["undelivered"]) == ("notices", 1, 1)
    # The counter's list: HOME's applicant was not reached by the notice of where his dossier stands.
    assert _unreached(sqlite_store) == ["HOME"]
    assert notices.unreached_among(engine, ["BACK", "HOME", "NONE"]) == {"HOME"}
    # HOME's result moves on (its door missed): the notice of that move is another, unreached once passed over.
    dossiers.move(engine, "HOME", "failed_return", who="binh", at=daycases.RESULTS_AT)
    assert _unreached(sqlite_store) == []
    missed = f"HOME:{dossiers.current(engine, 'HOME')['seq']}"
    notices.passed(engine, "notices", {"ref": missed, "kind": "missed_delivery"}, "eSMS: CodeResult 99")
    assert _unreached(sqlite_store) == ["HOME"]
    # Taken by another receiver after all (the operator's own gateway): reached.
    with engine.begin() as conn:
        notices.keeper("gateway")(conn, {"messages": [{"ref": missed, "kind": "missed_delivery"}]})
    assert _unreached(sqlite_store) == [] and back != home


def _unreached(store: Store) -> list[str]:
    """The open dossiers whose applicant was not reached by the notice of where his dossier stands."""
    total, rows = dossiers.listing(store.engine, also=[notices.unreached()])
    assert total == len(rows)
    return [r["code"] for r in rows]


def test_zalo_receipts_are_taken_under_its_signature(sqlite_store: Store, hanoi: AddressMap, portal: Portal) -> None:
    engine = sqlite_store.engine
    portal.replies = [zns(0, msg_id="z-back"), zns(0, msg_id="z-home")]
    zalo = gateways.Zns(access_token="the-token", templates=TEMPLATES, sandbox=True)
    _sent(sqlite_store, hanoi, portal, zalo)
    event = received("z-back")
    body, signature = signed(event)
    assert receipts.zns_signed(body, signature, app_id=APP_ID, secret=OA_SECRET)
    # Another key, another app, a body changed, no signature, no timestamp: not Zalo's.
    assert not receipts.zns_signed(body, signature, app_id=APP_ID, secret="another")
    assert not receipts.zns_signed(body, signature, app_id="1234567891", secret=OA_SECRET)
    assert not receipts.zns_signed(body.replace(b"z-back", b"z-home"), signature, app_id=APP_ID, secret=OA_SECRET)
    assert not receipts.zns_signed(body, None, app_id=APP_ID, secret=OA_SECRET)
    untimed, unsigned = signed(event | {"timestamp": ""})
    assert not receipts.zns_signed(
        untimed.replace(b'"timestamp":""', b'"t":""'), unsigned, app_id=APP_ID, secret=OA_SECRET
    )
    assert not receipts.zns_signed(b"not json", signature, app_id=APP_ID, secret=OA_SECRET)
    # On BACK's applicant's phone at its delivery time (10:02 in Hanoi), once.
    receipt = receipts.of_zns(event)
    assert receipt is not None and receipts.keep(engine, receipt) == 1 and receipts.keep(engine, receipt) == 0
    assert _fate(sqlite_store, "BACK") == ("zalo", "delivered", datetime(2026, 2, 5, 3, 2, tzinfo=UTC), None)
    assert _fate(sqlite_store, "HOME") == ("zalo", None, None, None)
    # The official account's other events, and a chat message of it received (no delivery time), are no receipt.
    assert receipts.of_zns(event | {"event_name": "follow"}) is None
    assert receipts.of_zns(event | {"message": {"msg_id": "z-home"}}) is None
    for wrong, said in (
        ({"delivery_time": "1770260520000"}, "without its msg_id"),
        ({"msg_id": "z-home", "delivery_time": "soon"}, "'soon' is not a time in milliseconds"),
    ):
        with pytest.raises(InputError, match=said):
            receipts.of_zns(event | {"message": wrong})
