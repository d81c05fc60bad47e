"""Proof at the citizen's door, at the agency's counter and at a handover: who took the result (or gave the dossier,
at a home pickup), the identity paper checked, and the signature drawn on the postman's phone or the counter's
tablet.

A result is handed to the applicant, or to a person the applicant authorised in writing, who shows an identity
paper; at a home pickup the applicant co-signs the list of documents taken (Circular 17/2017/TT-BTTTT art. 5). A
stop event at an address (``delivered``, or ``picked_up`` at a home pickup) therefore carries a proof, as delivery
tools (Onfleet, the carriers' proof of delivery) ask for a signature at the door. A result collected at its agency
(``collected``) is signed for the same way on the counter's tablet, in place of the paper record's number. At an
agency or authority the dossiers are handed over against a signed record (art. 5): its number on paper, or the
signature of the officer who takes them over, by name, drawn on the postman's phone (``officer``: the record is
then the event's own). Only what settles a dispute is kept: the paper's type and its last four characters (not its
number), the signer's name when not the applicant, and the strokes of the signature, one row per dossier of the
event (:data:`ops.tables.proofs`), written with the event's moves. A proof is personal data: read as
:func:`ops.accounts.sees_personal_data` allows, each read logged.
"""

from __future__ import annotations

import math
import random
import re
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from ops import dossiers, tables
from ops.errors import FieldError

SIGNERS = ("applicant", "authorised", "officer")
"""Who signs: at the citizen's address the applicant, or a person the applicant authorised in writing (whose name is
then said); at a handover the officer (or the agency's staff) taking the dossiers over, by name."""

AT_THE_DOOR = ("applicant", "authorised")
"""The signers at a citizen's address, and at the counter for a result collected there."""

ID_TYPES = ("id_card", "vneid", "passport")
"""The identity paper the postman checks: the identity card (căn cước, formerly căn cước công dân), the VNeID
electronic identity on the signer's phone (level 2, worth the card: Decree 69/2024/NĐ-CP), a passport."""

ID_TAIL = re.compile(r"[0-9A-Z]{4}")
"""The last four characters of the paper's number: digits on a card or VNeID, letters and digits on a passport."""

MIN_POINTS = 10
"""Points a signature has at least: fewer is a tap, not a signature (assumption)."""

MIN_SPAN = 0.2
"""Share of the signing pad's width a signature spans at least (assumption: a short name written small still spans
a fifth of a phone's pad)."""


def needed(event: str, place: str) -> bool:
    """Whether an ``event`` at ``place`` (a place id; ``address``, or a stop's ``address:...``, at a citizen's) asks
    for a proof: a result delivered at the door, a dossier picked up at home."""
    return event in ("delivered", "picked_up") and place.startswith("address")


def of_move(to: str, place: str | None) -> str:
    """The event a staff's move to state ``to`` at ``place`` is signed for: a result returned at the applicant's
    address is ``delivered`` (as the postman's stop event says it), one returned at its agency ``collected`` at the
    counter; any other move is named by its state (and takes no proof)."""
    if to != "returned":
        return to
    return "delivered" if (place or "").startswith("address") else "collected"


def check(proof: dict | None, event: str, place: str) -> dict | None:
    """The proof of an ``event`` at ``place``, checked and with its signature's points rounded to a tenth.

    Parameters
    ----------
    proof
        ``{"signer", "name", "id_type", "id_last4", "signature": {"width", "height", "strokes": [[[x, y], ...],
        ...]}}``: at the citizen's address (:func:`needed`) and for a result ``collected`` at the counter (optional
        there) the applicant or an ``authorised`` person (then by ``name``) against a paper; at a handover
        (``handed_over``) the ``officer`` taking it over, by ``name``, no paper; the signature in the pad's pixels,
        origin top left.
    event, place
        The event and where it happens.

    Returns
    -------
    dict or None
        The proof to keep; None for an event that needs none and has none.

    Raises
    ------
    FieldError
        A proof missing where it is needed or given where none is taken, a signer who does not sign there, a name
        missing, a paper missing, unknown or its last four characters malformed, a signature too small
        (:data:`MIN_POINTS`, :data:`MIN_SPAN`) or drawn off its pad.
    """
    at_door = needed(event, place)
    if proof is None:
        if at_door:
            raise FieldError(
                "proof", f"{event} at the citizen's address needs the signer's proof", code="proof_needed", event=event
            )
        return None
    to_citizen = at_door or event == "collected"
    if not to_citizen and event != "handed_over":
        raise FieldError(
            "proof",
            f"only an event at the citizen's address, a result collected at the counter or a handover is signed for, "
            f"not {event} at {place}",
            code="proof_not_here",
            event=event,
        )
    signer = proof.get("signer")
    here = AT_THE_DOOR if to_citizen else ("officer",)
    if signer not in here:
        raise FieldError(
            "proof.signer",
            f"{signer!r} does not sign {event} at {place} (one of {', '.join(here)})",
            code="signer_not_here",
            signer=str(signer),
            signers=list(here),
        )
    name = (proof.get("name") or "").strip() or None
    if signer != "applicant" and name is None:
        raise FieldError("proof.name", f"the {signer} signs with his name", code="signer_name_needed", signer=signer)
    id_type, tail = _paper(proof) if to_citizen else (None, None)
    return {
        "signer": signer,
        "name": name,
        "id_type": id_type,
        "id_last4": tail,
        "signature": _signature(proof.get("signature") or {}),
    }


def _paper(proof: dict) -> tuple[str, str]:
    """The identity paper a proof at the door says was checked, and its number's last four characters in capitals."""
    id_type, tail = proof.get("id_type"), str(proof.get("id_last4") or "").upper()
    if id_type is None:
        raise FieldError("proof.id_type", "say which identity paper was checked", code="id_needed")
    if id_type not in ID_TYPES:
        raise FieldError("proof.id_type", f"unknown paper {id_type!r}", code="unknown_id_type", id_type=str(id_type))
    if not ID_TAIL.fullmatch(tail):
        raise FieldError("proof.id_last4", "the paper's last four characters, letters or digits", code="id_last4")
    return id_type, tail


def _signature(signature: dict) -> dict:
    """A signature checked: on its pad, of :data:`MIN_POINTS` points or more, spanning :data:`MIN_SPAN` of it."""
    width, height = signature.get("width", 0), signature.get("height", 0)
    strokes = [[(round(x, 1), round(y, 1)) for x, y in stroke] for stroke in signature.get("strokes", [])]
    points = [p for stroke in strokes for p in stroke]
    off = next((p for p in points if not (0 <= p[0] <= width and 0 <= p[1] <= height)), None)
    if off is not None:
        raise FieldError(
            "proof.signature",
            f"point {off} is off the {width} x {height} pad",
            code="signature_off_pad",
            width=width,
            height=height,
        )
    span = max(p[0] for p in points) - min(p[0] for p in points) if points else 0.0
    if len(points) < MIN_POINTS or span < MIN_SPAN * width:
        raise FieldError(
            "proof.signature",
            f"a signature of {len(points)} points over {span:.0f} of {width} px is too small to be one",
            code="signature_too_small",
            points=len(points),
        )
    return {"width": width, "height": height, "strokes": strokes}


def summary(proof: dict | None) -> dict | None:
    """What an event's answer says of its proof: who signed, and a digest that tells the same proof again."""
    return None if proof is None else {"signer": proof["signer"], "digest": dossiers.content_hash(proof)}


def row(proof: dict, *, key: str, code: str, event: str, at: datetime, taken_by: str, off_m: int | None) -> dict:
    """The row of :data:`ops.tables.proofs` keeping ``proof`` (checked by :func:`check`) for dossier ``code``;
    ``key`` the event's (:func:`ops.stopkeys.event_key`), ``taken_by`` the account whose phone or tablet took it
    (the postman's, the counter's staff), ``off_m`` how far from the stop the phone was."""
    return {
        "event_key": key,
        "dossier_code": code,
        "event": event,
        "at": at,
        "taken_by": taken_by,
        "signer": proof["signer"],
        "signer_name": proof["name"],
        "id_type": proof["id_type"],
        "id_last4": proof["id_last4"],
        "signature": proof["signature"],
        "off_m": off_m,
    }


def write(
    conn: Connection,
    proof: dict,
    *,
    key: str,
    codes: list[str],
    event: str,
    at: datetime,
    taken_by: str,
    off_m: int | None,
) -> None:
    """Keep ``proof`` for each dossier of an event (:func:`row`), in the event's transaction ``conn``."""
    if codes:
        rows = [row(proof, key=key, code=c, event=event, at=at, taken_by=taken_by, off_m=off_m) for c in codes]
        conn.execute(tables.proofs.insert(), rows)


def signed_move(
    engine: Engine,
    code: str,
    to: str,
    *,
    who: str,
    place: str | None = None,
    record_no: str | None = None,
    proof: dict | None = None,
    expected_seq: int | None = None,
) -> tuple[dossiers.Event, dict | None]:
    """:func:`ops.dossiers.move` by a member of staff, signed for where a result is handed to its applicant: at the
    address (a proof required, as at the postman's door) or at the counter (a proof in place of the record's number).

    Parameters
    ----------
    engine, code, to, who, place, record_no, expected_seq
        As :func:`ops.dossiers.move` takes them; a move without a ``place`` happens where the dossier's lifecycle
        says (:func:`ops.dossiers.place_of`: a result returned at the address asked for, or at its agency).
    proof
        Who signed, as :func:`check` takes it for the move's event (:func:`of_move`).

    Returns
    -------
    tuple
        The move's event, and who signed with the proof's digest (:func:`summary`; None without a proof).

    Raises
    ------
    FieldError
        A proof missing at the address, given for a move other than ``returned``, or one that does not hold.
    UnknownError, TransitionError, ConflictError
        As :func:`ops.dossiers.move` raises them.
    """
    row = dossiers.current(engine, code)  # an unknown dossier is said so before what is wrong with its proof
    if proof is not None and to != "returned":
        raise FieldError(
            "proof", f"only a result returned is signed for, not a move to {to}", code="proof_not_for_move", to=to
        )
    if place is None:
        # Where its lifecycle says the move happens: a result's place decides its proof, and the journey (and the
        # portal's feed of changes) says where every step was made.
        place = dossiers.place_of(to, row)
    event = of_move(to, place)
    kept = check(proof, event, place or "")
    with engine.begin() as conn:
        moved = dossiers.advance(
            conn,
            code,
            to,
            who=who,
            place=place,
            record_no=record_no,
            signed=kept is not None,
            expected_seq=expected_seq,
        )
        if kept is not None:
            key = f"move:{code}:{moved.seq}"
            write(conn, kept, key=key, codes=[code], event=event, at=moved.at, taken_by=who, off_m=None)
    return moved, summary(kept)


def of_dossier(engine: Engine, code: str, *, personal: bool) -> list[dict]:
    """The proofs of a dossier, oldest first.

    Parameters
    ----------
    engine
        The store's engine.
    code
        The dossier's code.
    personal
        Whether the reader may see personal data: without it, the signer's name, paper and signature are null.

    Returns
    -------
    list of dict
        ``{"event", "at", "taken_by", "signer", "name", "id_type", "id_last4", "signature", "off_m"}``; ``name``
        null for the applicant; ``at`` in UTC.
    """
    p = tables.proofs
    query = sa.select(p).where(p.c.dossier_code == code).order_by(p.c.at, p.c.id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    hidden = ("signer_name", "id_type", "id_last4", "signature")
    return [
        {
            "event": r["event"],
            "at": dossiers.utc(r["at"]).isoformat(),
            "taken_by": r["taken_by"],
            "signer": r["signer"],
            "off_m": r["off_m"],
        }
        | {k.removeprefix("signer_"): r[k] if personal else None for k in hidden}
        for r in rows
    ]


def synthetic(rng: random.Random, *, signer: str = "applicant", name: str | None = None) -> dict:
    """A made-up proof, for synthetic days (simulations, demonstrations, tests): a card's four random digits and a
    signature of two to four loops across a 300 x 120 pad, drawn from ``rng``."""
    width, height = 300, 120
    strokes = []
    x = rng.uniform(15, 30)
    for _ in range(rng.randint(2, 4)):
        length, wave, phase = rng.uniform(35, 55), rng.uniform(15, 35), rng.uniform(0, math.pi)
        stroke = [
            (x + length * k / 15, height / 2 + wave * math.sin(phase + k * rng.uniform(0.6, 1.0))) for k in range(16)
        ]
        strokes.append([[round(px, 1), round(py, 1)] for px, py in stroke])
        x += length + rng.uniform(0, 8)
    digits = f"{rng.randrange(10_000):04d}"
    return {
        "signer": signer,
        "name": name,
        "id_type": "id_card",
        "id_last4": digits,
        "signature": {"width": width, "height": height, "strokes": strokes},
    }
