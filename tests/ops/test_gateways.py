"""The applicants' notices sent straight to eSMS.vn's API (:mod:`ops.gateways`), a real HTTP server on loopback
standing for eSMS: one request per notice with the account's keys, the brandname, the text and its ref as
``RequestId``; a RequestId taken before counts as sent; a refusal stops the push with eSMS's words, the notices
waiting, unless it concerns one phone only (kept and passed over); from the library and from
``agencynet dossiers push --notices --gateway esms``."""

from __future__ import annotations

import dataclasses
import functools
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from api import cli, notify
from geo.addressmap import AddressMap
from ops import changes, dossiers, gateways, notices, push, tables
from ops.errors import PushError
from ops.store import Store
from tests.ops import daycases
from tests.ops.conftest import Portal
from tests.ops.providers import ACCOUNT, TEMPLATES, esms, zns

AT = daycases.RESULTS_AT


def test_each_notice_goes_to_esms_once_by_its_ref(sqlite_store: Store, hanoi: AddressMap, portal: Portal) -> None:
    engine = sqlite_store.engine
    shape = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi"))
    push.push(engine, "notices", portal.url, b"", shape=shape, post=ACCOUNT.post)  # the seeded moves: none
    daycases.results_move(sqlite_store.engine)
    # eSMS takes the first notice, then fails: the batch is sent again; eSMS knows the first by its RequestId.
    portal.answers = [200, 503]
    portal.replies = [esms("100"), b"", esms("124", "Trùng RequestId"), esms("100")]
    with pytest.raises(PushError, match="503") as failed:
        push.push(engine, "notices", portal.url, b"", shape=shape, post=ACCOUNT.post)
    assert failed.value.transient and push.waiting(engine, "notices") == 3
    assert push.push(engine, "notices", portal.url, b"", shape=shape, post=ACCOUNT.post).changes == 3
    sent = [json.loads(body) for _, body in portal.requests]
    refs = [s["RequestId"] for s in sent]
    back, home = (f"{code}:{dossiers.current(engine, code)['seq']}" for code in ("BACK", "HOME"))
    assert refs == [back, home, back, home]
    assert sent[0] == {
        "ApiKey": "the-api-key",
        "SecretKey": "the-secret-key",
        "Phone": "0912345678",
        "Content": "[Giả lập] Kết quả hồ sơ BACK đã có tại Bưu điện Lương Văn Can, 4 Phố Lê Thái Tổ. Mời ông/bà mang "
        "giấy hẹn đến nhận.",
        "Brandname": "BUUDIENHN",
        "SmsType": "2",
        "IsUnicode": "1",
        "Sandbox": "1",
        "RequestId": back,
    }
    # eSMS refuses (the account's balance): the push stops with its words, and the notice waits.
    dossiers.move(engine, "HOME", "failed_return", who="binh", at=AT)  # nobody at home (no reason: at the door)
    portal.replies = [esms("103", "Không đủ số dư để gửi tin.")]
    plain = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi", plain=True))
    with pytest.raises(PushError) as refused:
        push.push(engine, "notices", portal.url, b"", shape=plain, post=ACCOUNT.post)
    missed = f"HOME:{dossiers.current(engine, 'HOME')['seq']}"
    assert str(refused.value).startswith(
        f"eSMS did not take notice {missed}: CodeResult 103 (Không đủ số dư để gửi tin.); 1 changes wait to be pushed"
    )
    assert not refused.value.transient and push.waiting(engine, "notices") == 1
    last = json.loads(portal.requests[-1][1])
    assert (last["RequestId"], last["IsUnicode"]) == (missed, "0") and last["Content"].isascii()


def test_a_notice_esms_never_delivers_to_its_phone_is_kept_and_passed_over(
    sqlite_store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    engine = sqlite_store.engine
    shape = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi"))
    keeper = dataclasses.replace(ACCOUNT, passed=functools.partial(notices.passed, engine, "notices"))
    push.push(engine, "notices", portal.url, b"", shape=shape, post=keeper.post)  # the seeded moves: none
    daycases.results_move(engine)
    back, home = (f"{code}:{dossiers.current(engine, code)['seq']}" for code in ("BACK", "HOME"))
    # BACK's phone is with a carrier the brandname is not registered with: without a keeper, the push stops.
    portal.replies = [esms("177")]
    with pytest.raises(PushError, match=f"notice {back}: CodeResult 177 \\(the brandname is not registered"):
        push.push(engine, "notices", portal.url, b"", shape=shape, post=ACCOUNT.post)
    # With one, BACK's notice is kept and passed over; HOME's goes; sent again, BACK's is kept once.
    portal.replies = [esms("177", "Brandname chưa đăng ký hướng"), esms("100")]
    kept = notices.keeper("notices")
    assert push.push(engine, "notices", portal.url, b"", shape=shape, post=keeper.post, kept=kept).changes == 3
    # The counter sees HOME's notice sent, BACK's passed over with eSMS's words.
    ((sent,), (passed,)) = (notices.of_dossier(engine, code)["notices"] for code in ("HOME", "BACK"))
    assert (sent["ref"], sent["passed"]) == (home, None)
    assert (passed["ref"], passed["passed"]) == (back, "eSMS: CodeResult 177 (Brandname chưa đăng ký hướng)")
    assert [json.loads(body)["RequestId"] for _, body in portal.requests] == [back, back, home]
    notices.passed(engine, "notices", {"ref": back, "kind": "for_collection"}, "eSMS: CodeResult 177 (again)")
    (row,) = push.receivers(engine)
    assert (row["waiting"], row["passed"], row["failure"]) == (0, 1, None)
    assert (row["last_passed"]["ref"], row["last_passed"]["reason"]) == (back, "eSMS: CodeResult 177 (again)")
    with engine.connect() as conn:
        kept = conn.execute(sa.select(tables.refused_notices.c.dossier_code, tables.refused_notices.c.kind)).all()
    assert kept == [("BACK", "for_collection")]


def test_the_command_sends_the_notices_toesms(
    sqlite_store: Store, portal: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    daycases.results_move(sqlite_store.engine)
    database = sqlite_store.engine.url.render_as_string(hide_password=False)
    base = ["dossiers", "push", "--database", database, "--send-hours", "24/7", "--notices"]
    needs = "--gateway esms needs --brandname and the account's keys in $AGENCYNET_ESMS_API_KEY and "
    wrong = {
        ("--brandname", "X"): "--brandname goes with --gateway esms",
        ("--gateway", "esms"): needs,
        ("--gateway", "esms", "--brandname", "X"): needs,  # without the keys
        ("--receipts-to", "https://x.vn"): "--receipts-to goes with --gateway esms or --fallback esms",
    }
    for given, said in wrong.items():
        assert cli.main([*base, *given]) == 2
        err = capsys.readouterr().err
        assert err.startswith(f"agencynet dossiers push: {said}") and err.count("\n") == 1
    assert cli.main(["dossiers", "push", "--database", database, "--gateway", "esms", "--to", portal.url]) == 2
    assert capsys.readouterr().err == "agencynet dossiers push: --gateway goes with --notices\n"
    monkeypatch.setenv("AGENCYNET_ESMS_API_KEY", "the-api-key")
    monkeypatch.setenv("AGENCYNET_ESMS_SECRET_KEY", "the-secret-key")
    given = ["--gateway", "esms", "--brandname", "BUUDIENHN", "--sandbox", "--to", portal.url]
    # eSMS calls back with the receipts at the service's public address, with the key the service holds.
    receipts = ["--receipts-to", "https://dichvucong.example.vn/agencynet/"]
    for address, said in (
        (receipts, "--receipts-to needs the key eSMS's receipts carry in $AGENCYNET_ESMS_CALLBACK_KEY"),
        (["--receipts-to", "dichvucong.example.vn"], "--receipts-to: an http:// or https:// address, got"),
    ):
        assert cli.main([*base, *given, *address]) == 2
        assert capsys.readouterr().err.startswith(f"agencynet dossiers push: {said}")
    monkeypatch.setenv("AGENCYNET_ESMS_CALLBACK_KEY", "the receipts' key")
    given += receipts
    portal.replies = [b"", esms("100"), esms("100")]  # eSMS says nothing: not taken
    assert cli.main([*base, *given]) == 1
    assert capsys.readouterr().err.startswith("agencynet dossiers push: eSMS did not take notice BACK:")
    assert cli.main([*base, *given]) == 0  # no AGENCYNET_PUSH_SECRET needed: eSMS's keys instead
    every = len(changes.after(sqlite_store.engine)["changes"])
    assert capsys.readouterr().err.splitlines()[-1].startswith(f"{every} changes pushed to {portal.url} in 1 batch")
    sent = [json.loads(body) for _, body in portal.requests]
    assert [(s["Brandname"], s["Sandbox"], s["SmsType"]) for s in sent] == [("BUUDIENHN", "1", "2")] * 3
    callback = "https://dichvucong.example.vn/agencynet/receipts/esms?key=the+receipts%27+key"
    assert {s["CallbackUrl"] for s in sent} == {callback}
    # A phone eSMS does not take: passed over, and said beside the receiver's cursor.
    dossiers.move(sqlite_store.engine, "HOME", "failed_return", who="binh", at=AT)
    portal.replies = [esms("108")]
    assert cli.main([*base, *given]) == 0
    capsys.readouterr()
    assert cli.main(["dossiers", "pushes", "--database", database]) == 0
    missed = f"HOME:{dossiers.current(sqlite_store.engine, 'HOME')['seq']}"
    assert capsys.readouterr().out.endswith(
        f"; 1 notice passed over, the last {missed}: eSMS: CodeResult 108 (not a phone number eSMS takes)\n"
    )


def test_each_notice_goes_to_zns_with_its_template_and_values_once(
    sqlite_store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    engine = sqlite_store.engine
    shape = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi"))
    kept = {"passed": functools.partial(notices.passed, engine, "zalo"), "ledger": notices.Ledger(engine, "zalo")}
    test_mode = gateways.Zns(access_token="the-token", templates=TEMPLATES, sandbox=True, **kept)
    push.push(engine, "zalo", portal.url, b"", shape=shape, post=test_mode.post)  # the seeded moves: none
    daycases.results_move(engine)
    back, home = (f"{code}:{dossiers.current(engine, code)['seq']}" for code in ("BACK", "HOME"))
    # ZNS takes the first notice, then fails: sent again, the batch does not send the first twice (ZNS keeps no
    # tracking_id once, as eSMS keeps a RequestId).
    portal.answers = [200, 503]
    portal.replies = [zns(0), b"", zns(0)]
    with pytest.raises(PushError, match="503"):
        push.push(engine, "zalo", portal.url, b"", shape=shape, post=test_mode.post)
    assert push.push(engine, "zalo", portal.url, b"", shape=shape, post=test_mode.post).changes == 3
    sent = [(headers, json.loads(body)) for headers, body in portal.requests]
    assert [body["tracking_id"] for _, body in sent] == [back, home, home]
    headers, first = sent[0]
    assert headers["access_token"] == "the-token"
    assert first == {
        "phone": "84912345678",
        "template_id": TEMPLATES["for_collection"],
        "template_data": {"code": "BACK", "agency": "Bưu điện Lương Văn Can, 4 Phố Lê Thái Tổ"},
        "tracking_id": back,
        "mode": "development",
    }
    # Each kept with the channel it went by and ZNS's id of the message, for its receipt to find.
    found = [n for code in ("BACK", "HOME") for n in notices.of_dossier(engine, code)["notices"]]
    assert [(n["ref"], n["channel"], n["receipt"]) for n in found] == [(back, "zalo", None), (home, "zalo", None)]
    with engine.connect() as conn:
        assert set(conn.execute(sa.select(tables.sent_notices.c.provider_id)).scalars()) == {"m-1"}
    # No Zalo account with HOME's number: passed over with ZNS's words; an expired token stops the push.
    dossiers.move(engine, "HOME", "failed_return", who="binh", at=AT)
    portal.replies = [zns(-118, "Zalo account not existed")]
    assert push.push(engine, "zalo", portal.url, b"", shape=shape, post=test_mode.post).changes == 1
    missed = f"HOME:{dossiers.current(engine, 'HOME')['seq']}"
    assert notices.of_dossier(engine, "HOME")["notices"][-1]["passed"] == "ZNS: error -118 (Zalo account not existed)"
    dossiers.move(engine, "BACK", "returned", who="binh", record_no="BN-1", at=AT)
    dossiers.move(engine, "HOME", "decided", who="binh", at=AT)
    dossiers.move(engine, "HOME", "returning", who="binh", at=AT)
    portal.replies = [zns(-124, "Access token invalid")]
    with pytest.raises(PushError) as stopped:
        push.push(engine, "zalo", portal.url, b"", shape=shape, post=test_mode.post)
    coming = f"HOME:{dossiers.current(engine, 'HOME')['seq']}"
    assert str(stopped.value).startswith(f"ZNS did not take notice {coming}: error -124 (Access token invalid)")
    assert not stopped.value.transient and missed != coming
    # Out of the test mode, a synthetic dossier's notice goes to no real phone: passed over, nothing sent.
    asked = len(portal.requests)
    real = dataclasses.replace(test_mode, sandbox=False)
    assert push.push(engine, "zalo", portal.url, b"", shape=shape, post=real.post).changes == 3
    assert len(portal.requests) == asked
    assert notices.of_dossier(engine, "HOME")["notices"][-1] | {"at": None} == {
        "at": None,
        "kind": "out_for_delivery",
        "receiver": "zalo",
        "ref": coming,
        "follow_up": False,
        "passed": "ZNS: a synthetic dossier's notice, not for a real phone",
        **dict.fromkeys(("channel", "receipt", "receipt_at", "receipt_words")),
    }
    assert gateways.international("+84912345678") == gateways.international("0912345678") == "84912345678"


def test_the_command_sends_the_notices_tozns(
    sqlite_store: Store,
    portal: Portal,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    daycases.results_move(sqlite_store.engine)
    database = sqlite_store.engine.url.render_as_string(hide_password=False)
    base = ["dossiers", "push", "--database", database, "--send-hours", "24/7", "--notices", "--to", portal.url]
    templates, partial, broken = tmp_path / "zns.json", tmp_path / "some.json", tmp_path / "broken.json"
    templates.write_text(json.dumps(TEMPLATES))
    partial.write_text(json.dumps({"for_collection": "tpl-1"}))
    broken.write_text("[1, 2]")
    needs = "--gateway zns needs --templates and the official account's access token in $AGENCYNET_ZNS_ACCESS_TOKEN"
    wrong = {
        ("--gateway", "zns"): needs,
        ("--templates", str(templates)): "--templates goes with --gateway zns",
        ("--gateway", "zns", "--brandname", "X"): "--brandname goes with --gateway esms or --fallback esms",
        ("--gateway", "esms", "--fallback", "esms"): "--fallback goes with --gateway zns",
    }
    for given, said in wrong.items():
        assert cli.main([*base, *given]) == 2
        assert capsys.readouterr().err == f"agencynet dossiers push: {said}\n"
    monkeypatch.setenv("AGENCYNET_ZNS_ACCESS_TOKEN", "the-token")
    zalo = ["--gateway", "zns", "--templates", str(templates)]
    assert cli.main([*base, *zalo, "--fallback", "esms"]) == 2  # eSMS's keys and brandname missing
    assert capsys.readouterr().err.startswith("agencynet dossiers push: --fallback esms needs --brandname")
    for path, said in (
        (tmp_path / "none.json", "cannot read"),
        (broken, "is not a JSON object of template ids"),
        (partial, "has no template for out_for_delivery, missed_delivery, home_pickup"),
    ):
        assert cli.main([*base, "--gateway", "zns", "--templates", str(path)]) == 2
        err = capsys.readouterr().err
        assert err.startswith("agencynet dossiers push: --templates: ") and said in err and err.count("\n") == 1
    portal.replies = [zns(0), zns(0)]
    assert cli.main([*base, "--gateway", "zns", "--templates", str(templates), "--sandbox"]) == 0
    sent = [json.loads(body) for _, body in portal.requests]
    assert [(s["template_id"], s["mode"]) for s in sent] == [
        (TEMPLATES["for_collection"], "development"),
        (TEMPLATES["out_for_delivery"], "development"),
    ]
    assert cli.main(["dossiers", "pushes", "--database", database]) == 0
    assert capsys.readouterr().out.startswith(f"notices {portal.url}: ")


def test_a_notice_zalo_never_delivers_goes_by_sms(sqlite_store: Store, hanoi: AddressMap, portal: Portal) -> None:
    engine = sqlite_store.engine
    shape = notify.shaper(sqlite_store, notify.Texts(hanoi, "vi"))
    kept = {"passed": functools.partial(notices.passed, engine, "zalo"), "ledger": notices.Ledger(engine, "zalo")}
    sms = dataclasses.replace(ACCOUNT, url=f"{portal.url}esms", **kept)
    zalo = gateways.Zns(access_token="the-token", templates=TEMPLATES, sandbox=True, fallback=sms, **kept)
    push.push(engine, "zalo", portal.url, b"", shape=shape, post=zalo.post)  # the seeded moves: none
    daycases.results_move(engine)
    back, home = (f"{code}:{dossiers.current(engine, code)['seq']}" for code in ("BACK", "HOME"))
    # No Zalo account with BACK's number: sent by SMS; HOME's by Zalo.
    portal.replies = [zns(-118, "Zalo account not existed"), esms("100"), zns(0)]
    assert push.push(engine, "zalo", portal.url, b"", shape=shape, post=zalo.post).changes == 3
    to_zalo, by_sms, then = (json.loads(body) for _, body in portal.requests)
    assert (to_zalo["tracking_id"], by_sms["RequestId"], then["tracking_id"]) == (back, back, home)
    assert by_sms["Phone"] == "0912345678"
    assert by_sms["Content"].startswith("[Giả lập] Kết quả hồ sơ BACK đã có tại Bưu điện Lương Văn Can")
    # Each kept with the channel it went by.
    found = [n for code in ("BACK", "HOME") for n in notices.of_dossier(engine, code)["notices"]]
    assert [(n["passed"], n["channel"]) for n in found] == [(None, "sms"), (None, "zalo")]
    # Neither can deliver it: passed over with the words of both.
    dossiers.move(engine, "HOME", "failed_return", who="binh", at=AT)
    portal.replies = [zns(-118, "Zalo account not existed"), esms("177")]
    assert push.push(engine, "zalo", portal.url, b"", shape=shape, post=zalo.post).changes == 1
    assert notices.of_dossier(engine, "HOME")["notices"][-1]["passed"] == (
        "ZNS: error -118 (Zalo account not existed); eSMS: CodeResult 177 (the brandname is not registered with the "
        "phone's carrier)"
    )
