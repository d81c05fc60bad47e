"""The Zalo notices no receipt confirmed in time, sent again by SMS (:func:`ops.notices.silent`): only those still
true, once each, to the fallback at its own address; the applicant reached or not by the SMS's fate; from the library
(SQLite and PostgreSQL; real HTTP servers on loopback standing for ZNS and eSMS) and from
``agencynet dossiers push --sms-after``."""

from __future__ import annotations

import dataclasses
import functools
import json
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from api import cli, notify
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import day, dossiers, gateways, notices, push, receipts, tables
from ops.store import Store
from routing.problem import clock
from tests.ops import daycases
from tests.ops.conftest import Portal
from tests.ops.daycases import DAY
from tests.ops.providers import ACCOUNT, TEMPLATES, esms, received, zns

MINUTE = timedelta(minutes=1)


def _providers(store: Store, portal: Portal) -> tuple[gateways.Zns, gateways.Esms]:
    """The official account, and the eSMS account it falls back to at ``<portal>/esms``, keeping what they take as
    the receiver ``zalo``."""
    engine = store.engine
    kept = {"passed": functools.partial(notices.passed, engine, "zalo"), "ledger": notices.Ledger(engine, "zalo")}
    sms = dataclasses.replace(ACCOUNT, url=f"{portal.url}esms", **kept)
    return gateways.Zns(access_token="the-token", templates=TEMPLATES, sandbox=True, fallback=sms, **kept), sms


def _pushing(
    store: Store, hanoi: AddressMap, portal: Portal
) -> tuple[notify.Texts, gateways.Zns, gateways.Esms, Callable[[dict], dict | None]]:
    """The texts, the providers (:func:`_providers`) and the shape of the notices the feed is pushed with, the
    seeded moves pushed (no notice)."""
    texts = notify.Texts(hanoi, "vi")
    zalo, sms = _providers(store, portal)
    shape = notify.shaper(store, texts)
    push.push(store.engine, "zalo", portal.url, b"", shape=shape, post=zalo.post)
    return texts, zalo, sms, shape


def _again(store: Store, sms: gateways.Esms, texts: notify.Texts, found: list[dict], portal: Portal) -> None:
    """Send ``found`` to the fallback, as ``agencynet dossiers push --sms-after`` does."""
    push.send(
        store.engine,
        "zalo",
        portal.url,
        b"",
        texts.batch(found),
        "sms-after:test",
        post=lambda client, _, body, delivery: sms.post(client, sms.url, body, delivery),
        kept=notices.keeper("zalo"),
    )


def _fates(engine: sa.Engine, code: str) -> list[tuple]:
    """Each notice of dossier ``code``: its ref, whether it follows up, its channel and its receipt."""
    return [(n["ref"], n["follow_up"], n["channel"], n["receipt"]) for n in notices.of_dossier(engine, code)["notices"]]


def test_a_zalo_notice_no_receipt_confirmed_goes_again_by_sms_once(
    store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    engine = store.engine
    texts, zalo, sms, shape = _pushing(store, hanoi, portal)
    daycases.results_move(engine)
    portal.replies = [zns(0, msg_id="m-back"), zns(0, msg_id="m-home")]
    assert push.push(engine, "zalo", portal.url, b"", shape=shape, post=zalo.post).changes == 3
    taken = datetime.now(UTC)
    back, home = (f"{code}:{dossiers.current(engine, code)['seq']}" for code in ("BACK", "HOME"))
    # HOME's reached the phone, Zalo says; of BACK's, no word.
    assert receipts.keep(engine, receipts.of_zns(received("m-home"))) == 1
    assert notices.silent(store, "zalo", taken + 10 * MINUTE) == []  # not a quarter of an hour yet
    assert notices.silent(store, "portal", taken + 16 * MINUTE) == []  # another receiver's
    assert notices.silent(store, "zalo", taken + 2 * notices.SILENT_WITHIN) == []  # old news
    # The applicant said no to the notices meanwhile: none; yes again: BACK's, made again as it would be now.
    notices.choose(engine, "BACK", sms=False, by="citizen")
    assert notices.silent(store, "zalo", taken + 16 * MINUTE) == []
    notices.choose(engine, "BACK", sms=True, by="citizen")
    (again,) = notices.silent(store, "zalo", taken + 16 * MINUTE)
    (first,) = notices.of_changes(store, [c for c in _changes(engine) if c["code"] == "BACK"], taken)
    assert again == first | {"ref": f"{back}:sms"}
    assert notices.silent(store, "zalo", taken + 10 * MINUTE, after_s=300) == [again]  # the operator's wait
    # Sent to eSMS, with its own ref: taken, kept, not followed up twice.
    portal.replies = [esms("100", sms_id="s-back")]
    asked = len(portal.requests)
    _again(store, sms, texts, [again], portal)
    (body,) = [json.loads(b) for _, b in portal.requests[asked:]]
    assert (body["RequestId"], body["Phone"]) == (f"{back}:sms", "0912345678")
    assert body["Content"].startswith("[Giả lập] Kết quả hồ sơ BACK đã có tại Bưu điện Lương Văn Can")
    assert notices.silent(store, "zalo", taken + 30 * MINUTE) == []
    assert _fates(engine, "BACK") == [(back, False, "zalo", None), (f"{back}:sms", True, "sms", None)]
    # Reached unless the SMS never arrives; then the counter phones, until Zalo's receipt comes after all.
    assert not notices.of_dossier(engine, "BACK")["unreached"]
    assert receipts.keep(engine, receipts.of_esms({"SMSID": "s-back", "SendStatus": "4"}, taken)) == 1
    assert notices.of_dossier(engine, "BACK")["unreached"]
    assert notices.unreached_among(engine, ["BACK", "HOME"]) == {"BACK"}
    assert receipts.keep(engine, receipts.of_zns(received("m-back"))) == 1
    assert not notices.of_dossier(engine, "BACK")["unreached"]
    assert _fates(engine, "HOME") == [(home, False, "zalo", "delivered")]


def _changes(engine: sa.Engine) -> list[dict]:
    """The moves of the feed, as :func:`ops.notices.of_changes` reads them."""
    ev = tables.events
    with engine.connect() as conn:
        rows = conn.execute(sa.select(ev.c.dossier_code, ev.c.seq, ev.c.state, ev.c.at)).all()
    return [
        {"code": r.dossier_code, "seq": r.seq, "state": r.state, "at": dossiers.utc(r.at).isoformat()} for r in rows
    ]


def test_what_is_no_longer_true_or_never_went_is_not_sent_again(
    store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    engine = store.engine
    texts, zalo, sms, shape = _pushing(store, hanoi, portal)
    daycases.results_move(engine)
    # BACK's Zalo refused: it went by SMS at once (no second SMS of it); HOME's taken by Zalo, then HOME moved on.
    portal.replies = [zns(-118, "Zalo account not existed"), esms("100"), zns(0)]
    push.push(engine, "zalo", portal.url, b"", shape=shape, post=zalo.post)
    taken = datetime.now(UTC)
    (again,) = notices.silent(store, "zalo", taken + 16 * MINUTE)
    assert again["code"] == "HOME"
    dossiers.move(engine, "HOME", "failed_return", who="binh", at=daycases.RESULTS_AT)
    assert notices.silent(store, "zalo", taken + 16 * MINUTE) == []
    # The missed delivery told by Zalo, no word of it; its SMS passed over (the number blocked): kept so, not tried
    # again, and nobody reached.
    portal.replies = [zns(0, msg_id="m-2")]
    assert push.push(engine, "zalo", portal.url, b"", shape=shape, post=zalo.post).changes == 1
    (again,) = notices.silent(store, "zalo", datetime.now(UTC) + 16 * MINUTE)
    assert again["kind"] == "missed_delivery"
    assert not notices.of_dossier(engine, "HOME")["unreached"]
    portal.replies = [esms("99", "Phone number is blocked")]
    _again(store, sms, texts, [again], portal)
    assert notices.silent(store, "zalo", datetime.now(UTC) + 30 * MINUTE) == []
    assert notices.of_dossier(engine, "HOME")["notices"][-1]["passed"].startswith("eSMS: CodeResult 99")
    assert notices.of_dossier(engine, "HOME")["unreached"]


def test_a_home_pickup_s_window_goes_again_while_the_postman_keeps_to_it(
    sqlite_store: Store, hanoi: AddressMap, portal: Portal
) -> None:
    store, engine = sqlite_store, sqlite_store.engine
    texts = notify.Texts(hanoi, "vi")
    zalo, _ = _providers(store, portal)
    _, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    seven = datetime.combine(DAY, time(7), HANOI)
    (due,) = notices.pickups(store, seven)
    portal.replies = [zns(0)]
    push.send(engine, "zalo", portal.url, b"", texts.batch([due]), "doors:test", post=zalo.post)
    notices.told(engine, [due])
    with engine.begin() as conn:  # taken at 07:00 that day
        conn.execute(sa.update(tables.sent_notices).values(at=seven.astimezone(UTC)))
    (again,) = notices.silent(store, "zalo", seven + 16 * MINUTE)
    assert again == due | {"ref": f"{due['ref']}:sms"}
    assert texts.batch([again])["messages"][0]["text"] == (
        f"[Giả lập] Bưu tá sẽ đến nhận hồ sơ PICKUP tại nhà ông/bà hôm nay (04/02), trong khoảng {due['start']}–"
        f"{due['end']}."
    )
    # The postman far behind his first stop: the window told is no longer his (pickups() tells the new one).
    _, before = daycases.route_to(answer, "PICKUP")
    behind = datetime.combine(DAY, time(), HANOI) + timedelta(seconds=clock(before[0]["arrival"]) + 90 * 60)
    (moved,) = notices.pickups(store, behind)
    assert moved["kind"] == "home_pickup_moved" and notices.silent(store, "zalo", behind) == []
    # Collected: nothing to say again.
    dossiers.move(engine, "PICKUP", "digitised", who="binh", place="address", at=daycases.RESULTS_AT)
    assert notices.silent(store, "zalo", seven + 16 * MINUTE) == []


def test_the_command_sends_again_by_sms_what_zalo_did_not_confirm(
    sqlite_store: Store,
    portal: Portal,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    engine = sqlite_store.engine
    database = engine.url.render_as_string(hide_password=False)
    templates = tmp_path / "zns.json"
    templates.write_text(json.dumps(TEMPLATES))
    monkeypatch.setenv("AGENCYNET_ZNS_ACCESS_TOKEN", "the-token")
    base = ["dossiers", "push", "--database", database, "--send-hours", "24/7", "--notices", "--to", portal.url]
    zalo = [*base, "--gateway", "zns", "--templates", str(templates), "--sandbox"]
    wrong = {
        ("--sms-after", "15"): "--sms-after goes with --fallback esms",
        ("--fallback-to", portal.url): "--fallback-to goes with --fallback esms",
        ("--fallback", "esms", "--fallback-to", "esms.vn"): "--fallback-to: an http:// or https:// address, got "
        "'esms.vn'",
        ("--fallback", "esms", "--sms-after", "0"): "--sms-after: minutes above 0, at most 1440",
    }
    for given, said in wrong.items():
        assert cli.main([*zalo, *given]) == 2
        assert capsys.readouterr().err == f"agencynet dossiers push: {said}\n"
    monkeypatch.setenv("AGENCYNET_ESMS_API_KEY", "the-api-key")
    monkeypatch.setenv("AGENCYNET_ESMS_SECRET_KEY", "the-secret-key")
    sms = ["--fallback", "esms", "--brandname", "BUUDIENHN", "--fallback-to", f"{portal.url}esms", "--sms-after", "15"]
    assert cli.main([*zalo, *sms]) == 0  # the seeded moves: no notice
    daycases.results_move(engine)
    portal.replies = [zns(0), zns(0)]
    assert cli.main([*zalo, *sms]) == 0
    assert "sent again" not in capsys.readouterr().err
    with engine.begin() as conn:  # taken 20 minutes ago, no receipt since
        conn.execute(sa.update(tables.sent_notices).values(at=datetime.now(UTC) - 20 * MINUTE))
    asked = len(portal.requests)
    portal.replies = [esms("100"), esms("100")]
    assert cli.main([*zalo, *sms]) == 0
    assert "2 Zalo notices no receipt confirmed in 15 min sent again by SMS" in capsys.readouterr().err
    sent = [json.loads(b) for _, b in portal.requests[asked:]]
    assert sorted(s["RequestId"] for s in sent) == sorted(
        f"{code}:{dossiers.current(engine, code)['seq']}:sms" for code in ("BACK", "HOME")
    )
    assert all(s["Brandname"] == "BUUDIENHN" and s["Sandbox"] == "1" for s in sent)
    assert cli.main([*zalo, *sms]) == 0  # each once
    assert len(portal.requests) == asked + 2
    (row,) = push.receivers(engine)
    assert (row["name"], row["url"], row["sms_again"]) == ("notices", portal.url, 2)  # the address is the push's
    capsys.readouterr()
    assert cli.main(["dossiers", "pushes", "--database", database]) == 0
    assert capsys.readouterr().out.rstrip().endswith("; 2 Zalo notices no receipt confirmed sent again by SMS")
