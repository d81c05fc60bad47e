"""Proof at the citizen's door: a result delivered or a dossier picked up at home is signed for, against an
identity paper; the proof is kept with the event, said to those who may read it, and refused where it does not
belong or does not hold."""

from __future__ import annotations

import copy
import random
from datetime import datetime

import pytest

from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import day, dayevents, dossiers, proofs, records, tracking
from ops.accounts import Principal
from ops.errors import ConflictError, FieldError
from ops.store import Store
from tests.ops import daycases
from tests.ops.daycases import DAY, LUONG_VAN_CAN

BINH = Principal("binh", "postman", LUONG_VAN_CAN)
NOON = datetime(2026, 2, 4, 12, tzinfo=HANOI)


def _tasks(store: Store, hanoi: AddressMap) -> dict[str, str]:
    """Plan the day; the task of each dossier code."""
    _, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    return {c: s["task"] for r in answer["routes"] for s in r["stops"] for c in s["dossiers"]}


def test_a_result_at_the_door_is_signed_for_and_kept(store: Store, hanoi: AddressMap) -> None:
    home = _tasks(store, hanoi)["HOME"]
    dayevents.record(store, DAY, task=home, event="picked_up", who=BINH, at=NOON)
    with pytest.raises(FieldError) as caught:
        dayevents.record(store, DAY, task=home, event="delivered", who=BINH, at=NOON)
    assert caught.value.code == "proof_needed"
    uncle = proofs.synthetic(random.Random(2), signer="authorised", name="Trần Văn Ủy (tổng hợp)")
    near = {"lat": 21.0285, "lon": 105.8542, "accuracy_m": 10.0}
    answer = dayevents.record(store, DAY, task=home, event="delivered", who=BINH, proof=uncle, position=near, at=NOON)
    assert answer["proof"]["signer"] == "authorised" and answer["moves"] == [{"code": "HOME", "state": "returned"}]

    # Kept once per dossier; the name, paper and signature only for a reader of personal data.
    (kept,) = proofs.of_dossier(store.engine, "HOME", personal=True)
    assert kept | {"at": None} == {
        "event": "delivered",
        "at": None,
        "taken_by": "binh",
        "signer": "authorised",
        "name": "Trần Văn Ủy (tổng hợp)",
        "id_type": "id_card",
        "id_last4": uncle["id_last4"],
        "signature": uncle["signature"],
        "off_m": answer["off_m"],
    }
    assert datetime.fromisoformat(kept["at"]) == NOON
    (hidden,) = proofs.of_dossier(store.engine, "HOME", personal=False)
    assert hidden["signer"] == "authorised" and hidden["name"] is hidden["signature"] is hidden["id_last4"] is None

    # The same event again, as a phone retries: the first answer; another signature for it: refused.
    again = dayevents.record(store, DAY, task=home, event="delivered", who=BINH, proof=uncle, at=NOON)
    assert again["replayed"] and again["proof"] == answer["proof"]
    with pytest.raises(ConflictError):
        dayevents.record(store, DAY, task=home, event="delivered", who=BINH, proof=daycases.SIGNED, at=NOON)
    assert len(proofs.of_dossier(store.engine, "HOME", personal=True)) == 1

    # The dispatcher's view of the day says who signed, not who he is.
    live = dayevents.live(store, DAY, now="23:00")
    (stop,) = [s for r in live["routes"] for s in r["stops"] if s["task"] == home and s["kind"] == "delivery"]
    assert stop["recorded"]["signer"] == "authorised"


def test_a_home_pickup_is_co_signed_and_an_office_takes_no_signature(sqlite_store: Store, hanoi: AddressMap) -> None:
    tasks = _tasks(sqlite_store, hanoi)
    pickup, shuttle = tasks["PICKUP"], tasks["S-1"]

    def refused(task: str, event: str, **given: object) -> str:
        with pytest.raises(FieldError) as caught:
            dayevents.record(sqlite_store, DAY, task=task, event=event, who=BINH, at=NOON, **given)
        return str(caught.value.code)

    assert refused(pickup, "picked_up") == "proof_needed"
    assert refused(shuttle, "picked_up", proof=daycases.SIGNED) == "proof_not_here"
    assert refused(pickup, "failed", reason_code="nobody_home", proof=daycases.SIGNED) == "proof_not_here"
    picked = dayevents.record(sqlite_store, DAY, task=pickup, event="picked_up", who=BINH, proof=daycases.SIGNED)
    assert picked["proof"]["signer"] == "applicant"
    (kept,) = proofs.of_dossier(sqlite_store.engine, "PICKUP", personal=True)
    assert (kept["event"], kept["name"], kept["signature"]) == ("picked_up", None, daycases.SIGNED["signature"])
    # Handed over at the agency or authority against the signed record, not a signature.
    handed = dayevents.record(sqlite_store, DAY, task=pickup, event="handed_over", who=BINH, record_no="BB-1")
    assert handed["proof"] is None
    assert len(proofs.of_dossier(sqlite_store.engine, "PICKUP", personal=True)) == 1


def test_a_handover_is_signed_by_the_officer_in_place_of_a_paper_record(sqlite_store: Store, hanoi: AddressMap) -> None:
    shuttle = _tasks(sqlite_store, hanoi)["S-1"]
    dayevents.record(sqlite_store, DAY, task=shuttle, event="picked_up", who=BINH, at=NOON)
    officer = proofs.synthetic(random.Random(3), signer="officer", name="Phạm Thị Nhận (tổng hợp)")
    officer |= {"id_type": None, "id_last4": None}

    def refused(**given: object) -> str:
        with pytest.raises(FieldError) as caught:
            dayevents.record(sqlite_store, DAY, task=shuttle, event="handed_over", who=BINH, at=NOON, **given)
        return str(caught.value.code)

    assert refused() == "record_no_needed"  # neither a paper record nor a signature
    assert refused(proof=daycases.SIGNED) == "signer_not_here"  # the applicant is not at the authority
    assert refused(proof=officer | {"name": None}) == "signer_name_needed"
    handed = dayevents.record(sqlite_store, DAY, task=shuttle, event="handed_over", who=BINH, proof=officer, at=NOON)
    # He signs the record the system issued for the visit; the dossiers at their authority against it, the
    # officer's signature kept.
    own = records.numbers(sqlite_store.engine, handed["plan_id"])[(shuttle, "delivery")]
    assert handed["record_no"] == own and handed["proof"]["signer"] == "officer"
    assert next(r for r in records.of_day(sqlite_store.engine, DAY) if r["no"] == own)["status"] == "used"
    for code in ("S-1", "S-2"):
        (kept,) = proofs.of_dossier(sqlite_store.engine, code, personal=True)
        assert (kept["event"], kept["name"], kept["id_type"], kept["id_last4"]) == (
            "handed_over",
            "Phạm Thị Nhận (tổng hợp)",
            None,
            None,
        )
        assert dossiers.history(sqlite_store.engine, code)[-1].record_no == handed["record_no"]


def _with(**changes: object) -> dict:
    proof = copy.deepcopy(daycases.SIGNED)
    signature = changes.pop("signature", None)
    if signature is not None:
        proof["signature"] |= signature
    return proof | changes


@pytest.mark.parametrize(
    ("proof", "code"),
    [
        (_with(signer="neighbour"), "signer_not_here"),
        (_with(signer="officer", name="Cán bộ"), "signer_not_here"),  # an officer signs a handover, not at a door
        (_with(id_type=None), "id_needed"),
        (_with(signer="authorised"), "signer_name_needed"),
        (_with(signer="authorised", name="  "), "signer_name_needed"),
        (_with(id_type="driving_licence"), "unknown_id_type"),
        (_with(id_last4="12"), "id_last4"),
        (_with(id_last4="12-4"), "id_last4"),
        (_with(signature={"strokes": [[[10, 10], [12, 11]]]}), "signature_too_small"),
        # Many points, all in a corner: a scribble in place, not a signature.
        (_with(signature={"strokes": [[[10 + k % 3, 10 + k % 5] for k in range(40)]]}), "signature_too_small"),
        (_with(signature={"width": 100}), "signature_off_pad"),
    ],
)
def test_a_proof_that_does_not_hold_is_refused_saying_why(proof: dict, code: str) -> None:
    with pytest.raises(FieldError) as caught:
        proofs.check(proof, "delivered", "address:HOME")
    assert caught.value.code == code


def test_the_paper_s_tail_is_kept_in_capitals_and_points_to_a_tenth() -> None:
    drawn = _with(id_type="passport", id_last4="c7k2")
    drawn["signature"]["strokes"][0][0] = [20.123, 60.987]
    kept = proofs.check(drawn, "delivered", "address:HOME")
    assert kept is not None and kept["id_last4"] == "C7K2" and kept["signature"]["strokes"][0][0] == (20.1, 61.0)


def test_made_up_proofs_hold() -> None:
    # The simulations and the notebooks sign with them: each must pass the checks a phone's signature passes.
    rng = random.Random(11)
    for _ in range(200):
        assert proofs.check(proofs.synthetic(rng), "delivered", "address:X") is not None


def test_a_result_brought_to_its_agency_waits_there_and_is_signed_for_at_the_counter(
    store: Store, hanoi: AddressMap
) -> None:
    back = _tasks(store, hanoi)["BACK"]
    dayevents.record(store, DAY, task=back, event="picked_up", who=BINH, at=NOON)
    handed = dayevents.record(store, DAY, task=back, event="handed_over", who=BINH, record_no="BB-0204", at=NOON)
    assert handed["moves"] == [{"code": "BACK", "state": "for_collection"}]
    # The citizen reads that it is at the agency, on the appointment date it was given.
    tracked = tracking.track(store.engine, "BACK", "5678")
    assert (tracked["state"], tracked["where"], tracked["result_expected"]) == (
        "for_collection",
        "agency",
        "2026-02-10",
    )
    # Collected at the counter: the applicant signs on the tablet, in place of a paper record.
    event, signed = proofs.signed_move(
        store.engine, "BACK", "returned", who="thu", place=LUONG_VAN_CAN, proof=daycases.SIGNED
    )
    assert (event.state, event.record_no, signed["signer"]) == ("returned", None, "applicant")
    assert [(p["event"], p["taken_by"]) for p in proofs.of_dossier(store.engine, "BACK", personal=False)] == [
        ("collected", "thu")
    ]
    assert [e.state for e in dossiers.history(store.engine, "BACK")][-3:] == ["returning", "for_collection", "returned"]
