"""Dossier endpoints: the portal's submissions and its feed of changes (role ``portal``), staff reading and moving
dossiers and the access log (``admin``); citizens track theirs in :mod:`api.routers.citizens`.

Personal data of applicants is served only to the roles that need it (:func:`ops.accounts.sees_personal_data`)
and every such read is logged.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Path, Query, Request, status
from fastapi.responses import HTMLResponse

from api import auth, contract, errors, i18n, receipt, schemas
from api.deps import Code, LangDep, LangQuery, MapDep, StoreDep
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import accounts, authorities, changes, dossiers, ingest, notices, photos, proofs, push
from ops.accounts import Principal
from ops.store import Store

log = logging.getLogger(__name__)

router = APIRouter(
    tags=["dossiers"],
    responses={
        401: {"model": schemas.ErrorBody},
        403: {"model": schemas.ErrorBody},
        404: {"model": schemas.ErrorBody},
        422: {"model": schemas.ErrorBody},
    },
)

STAFF = ("agency_staff", "dispatcher", "postman", "admin")
"""Roles that read dossiers (personal data only as :func:`ops.accounts.sees_personal_data` allows)."""


def _out(row: dict, with_applicant: bool, places: dict[str, str | None], amap: AddressMap) -> dict:
    applicant = (
        {
            "name": row["applicant_name"],
            "phone": row["applicant_phone"],
            "address": row["applicant_address"],
            "lat": row["lat"],
            "lon": row["lon"],
            "priority_group": row["priority_group"],
        }
        if with_applicant
        else None
    )
    keep = ("code", "procedure", "agency_id", "authority_code", "channel", "return_mode", "insured_value")
    agency_id, details = row["agency_id"], amap.agency_details.get(row["agency_id"])
    return {k: row[k] for k in keep} | {
        "received_at": dossiers.utc(row["received_at"]).isoformat(),
        "due_date": row["due_date"].isoformat(),
        "state": row["state"],
        "overdue": dossiers.overdue(row["state"], row["due_date"], datetime.now(HANOI).date()),
        "seq": row["seq"],
        "synthetic": row["synthetic"],
        "applicant": applicant,
        "agency": {
            "agency_id": agency_id,
            "name": places.get(agency_id),
            "address": None if details is None else details["address"] or None,
        },
        "authority_name": places.get(row["authority_code"]),
        "moves": [
            _allowed(to, dossiers.place_of(to, row), row["channel"])
            for to in dossiers.next_states(row["state"], channel=row["channel"])
        ],
    }


def _allowed(to: str, place: str | None, channel: str) -> dict:
    """A move the dossier may make: where, whether it is a handover, and whether it is signed for (a result handed
    to its applicant: at the address, required; at the counter, in place of the record's number)."""
    event = proofs.of_move(to, place)
    proof = "required" if proofs.needed(event, place or "") else "optional" if event == "collected" else None
    return {"to": to, "place": place, "handover": dossiers.needs_record(to, channel=channel), "proof": proof}


def _place_names(store: Store, amap: AddressMap, places: Iterable[str | None], lang: str) -> dict[str, str | None]:
    """Each place of a dossier's journey by name in ``lang``: an agency's, an authority's (a commune's as its
    People's Committee, "UBND Phường Hoàn Kiếm"), by its code or by its seat (where a postman's handover is
    recorded: the map's place, or the operator's point), none for the applicant's address or a place not known."""
    wanted = {p for p in places if p and p != "address"}
    unit_at = {seat.place_id: code for code, seat in authorities.located(store.engine).items()}
    codes = {p: unit_at.get(p, p) for p in wanted}
    said = {
        code: i18n.unit(lang, name, level)
        for code, (name, level) in authorities.names(store.engine, set(codes.values())).items()
    }
    return {p: amap.agency_names.get(p) or said.get(codes[p]) for p in wanted}


def _event(event: dossiers.Event, names: dict[str, str | None], people: dict[str, str]) -> dict:
    return {
        "seq": event.seq,
        "state": event.state,
        "at": dossiers.utc(event.at).isoformat(),
        "who": event.who,
        "who_name": people.get(event.who),
        "place": event.place,
        "place_name": names.get(event.place or ""),
        "record_no": event.record_no,
        "reason": event.reason,
    }


@router.post("/dossiers", response_model=schemas.IngestReport, summary="Submit dossiers and status changes (portal)")
def submit(
    store: StoreDep,
    records: Annotated[list[dict[str, Any]], Body(max_length=10_000, description="records of the portal feed")],
    _who: Annotated[Principal, Depends(auth.require("portal"))],
    lang: LangDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict:
    """Store the records (``{"type": "dossier", ...}`` or ``{"type": "event", "code", "event", "at"}``).

    A bad record is rejected with its number (from 1) and why: each problem with its field, machine code and
    message in the reader's language, as in a refusal; the good ones are kept. With an ``Idempotency-Key``
    header, the same key and body give the first answer again without a second write, and the same key with
    another body is refused (422).
    """
    report = ingest.submit(store.engine, records, idempotency_key)
    rejected = [r | {"problems": [errors.recorded(lang, p) for p in r.get("problems", [])]} for r in report["rejected"]]
    return report | {"rejected": rejected}


@router.get("/portal/changes", response_model=schemas.ChangesPage, summary="The feed of changes (portal)")
def portal_changes(
    store: StoreDep,
    _who: Annotated[Principal, Depends(auth.require("portal"))],
    query: Annotated[schemas.ChangesQuery, Query()],
) -> dict:
    """Every move of every dossier after the cursor ``after``, oldest first, a page at a time, for the portal to
    keep its record of each dossier up to date: the state reached, when, where (an agency, an authority, or the
    applicant's ``address``, never the address itself), the signed record's number and why; no personal data.
    Keep ``next`` and ask after it: no change is served twice or skipped, even one whose transaction committed
    after a younger one's (:mod:`ops.changes`). ``more`` says the next page is ready now."""
    since = changes.START if query.after is None else changes.cursor(query.after)
    return changes.after(store.engine, since, limit=query.limit)


@router.get("/dossiers", response_model=schemas.DossierList, summary="Open dossiers, the most urgent first")
def list_dossiers(
    store: StoreDep,
    who: Annotated[Principal, Depends(auth.require(*STAFF))],
    query: Annotated[schemas.DossierListQuery, Query()],
) -> dict:
    """The dossiers still open (or in the ``state`` asked), due first, without personal data (each dossier's own
    read gives the applicant, to the roles that need it); an agency's staff see their agency's unless
    ``agency_id`` asks another. Each says since when it is in its state (``since``); results waiting at their
    agency for the applicant (``state=for_collection``) come the longest waiting first."""
    agency_id = query.agency_id or (who.agency_id if who.role == "agency_staff" else None)
    today = datetime.now(HANOI).date()
    total, rows = dossiers.listing(
        store.engine,
        agency_id=agency_id,
        state=query.state,
        due_before=today if query.overdue else None,
        also=[notices.unreached()] if query.unreached else [],
        limit=query.limit,
        offset=query.offset,
    )
    missed = notices.unreached_among(store.engine, (r["code"] for r in rows)) if rows else set()
    items = [
        r
        | {
            "received_at": dossiers.utc(r["received_at"]).isoformat(),
            "since": dossiers.utc(r["since"]).isoformat(),
            "due_date": r["due_date"].isoformat(),
            "overdue": dossiers.overdue(r["state"], r["due_date"], today),
            "unreached": r["code"] in missed,
        }
        for r in rows
    ]
    return {"total": total, "agency_id": agency_id, "items": items}


@router.get("/dossiers/summary", response_model=schemas.DossierSummary, summary="Counts of dossiers")
def summary(store: StoreDep, _who: Annotated[Principal, Depends(auth.require(*STAFF, "planner"))]) -> dict:
    """The number of dossiers, by state and by procedure."""
    return dossiers.summary(store.engine)


@router.get("/dossiers/{code}", response_model=schemas.DossierOut, summary="A dossier")
def get_dossier(
    code: Code, store: StoreDep, amap: MapDep, lang: LangDep, who: Annotated[Principal, Depends(auth.require(*STAFF))]
) -> dict:
    """The dossier, its agency and authority by name, and the moves its lifecycle allows now (where each happens,
    and whether it hands the dossier over against a signed record); the applicant (personal data) only for the
    staff of the receiving agency and the postman carrying it, and each such read is written to the access log."""
    row = dossiers.current(store.engine, code)  # an unknown code is a 404 naming it (api.errors)
    allowed = accounts.sees_personal_data(who, row)
    if allowed:
        accounts.log_access(store.engine, who, code, "GET /dossiers/{code}")
    return _out(row, allowed, _place_names(store, amap, (row["agency_id"], row["authority_code"]), lang), amap)


@router.get("/dossiers/{code}/events", response_model=list[schemas.EventOut], summary="A dossier's journey")
def get_events(
    code: Code, store: StoreDep, amap: MapDep, lang: LangDep, _who: Annotated[Principal, Depends(auth.require(*STAFF))]
) -> list[dict]:
    """Every move of the dossier, first to last, each place also by name."""
    dossiers.current(store.engine, code)
    events = dossiers.history(store.engine, code)
    names = _place_names(store, amap, (e.place for e in events), lang)
    people = accounts.full_names(store.engine, (e.who for e in events))
    return [_event(e, names, people) for e in events]


@router.get("/dossiers/{code}/proofs", response_model=list[schemas.ProofOut], summary="Who signed for a dossier")
def get_proofs(code: Code, store: StoreDep, who: Annotated[Principal, Depends(auth.require(*STAFF))]) -> list[dict]:
    """The signatures taken, oldest first: at the applicant's address (a dossier picked up at home, a result
    delivered), at the counter (a result collected), at a handover (the officer). Who signed is said to every member
    of staff; the authorised person's name, the paper checked and the signature (personal data) only to the staff of
    the receiving agency and the postman carrying it, each such read written to the access log."""
    row = dossiers.current(store.engine, code)
    allowed = accounts.sees_personal_data(who, row)
    found = proofs.of_dossier(store.engine, code, personal=allowed)
    if allowed and found:
        accounts.log_access(store.engine, who, code, "GET /dossiers/{code}/proofs")
    people = accounts.full_names(store.engine, (p["taken_by"] for p in found))
    return [p | {"taken_by_name": people.get(p["taken_by"])} for p in found]


@router.get(
    "/dossiers/{code}/photos", response_model=list[schemas.DossierPhoto], summary="The photos taken at its stops"
)
def list_photos(code: Code, store: StoreDep, _who: Annotated[Principal, Depends(auth.require(*STAFF))]) -> list[dict]:
    """The photos postmen took with the stop events of the tasks that carried the dossier (``photo`` of ``POST
    /days/{date}/events``: the door nobody opened, the office found closed), in the order they were taken: when,
    by whom, with which event; the photos themselves at ``GET /dossiers/{code}/photos/{id}``."""
    dossiers.current(store.engine, code)
    found = photos.of_dossier(store.engine, code)
    people = accounts.full_names(store.engine, (p["taken_by"] for p in found))
    return [p | {"day": p["day"].isoformat(), "taken_by_name": people.get(p["taken_by"])} for p in found]


@router.get(
    "/dossiers/{code}/photos/{photo_id}",
    response_class=contract.JPEGResponse,
    summary="A photo taken at a stop of the dossier",
    responses={
        200: contract.JPEG_ANSWER,
        403: {
            "model": schemas.ErrorBody,
            "description": "not the receiving agency's staff, its carrier or a dispatcher",
        },
        404: {"model": schemas.ErrorBody, "description": "no such dossier, or no photo of that number for it"},
    },
)
def get_photo(
    code: Code,
    photo_id: Annotated[int, Path(ge=1, le=2**31 - 1, description="the photo's number (id of the list)")],
    store: StoreDep,
    who: Annotated[Principal, Depends(auth.require(*STAFF))],
) -> contract.JPEGResponse:
    """The photo as kept (JPEG, at most 1,600 pixels a side, without the phone's metadata). A photo of a home is
    personal data: the staff of the receiving agency read it at the counter (the applicant asking why his result did
    not come), as do the postman carrying the dossier and the dispatcher (403 ``photo_not_yours`` for another); each
    read is written to the access log."""
    row = dossiers.current(store.engine, code)
    if not (accounts.sees_personal_data(who, row) or who.role == "dispatcher"):
        raise errors.Forbidden(
            "code",
            f"only the staff of the agency that received dossier {code}, its carrier or a dispatcher see its photos",
            code="photo_not_yours",
            dossier=code,
        )
    jpeg = photos.read_of_dossier(store.engine, code, photo_id)
    if jpeg is None:
        raise errors.NotFound(
            "photo_id",
            f"dossier {code} has no photo {photo_id}",
            code="photo_of_dossier_not_found",
            dossier=code,
            photo=photo_id,
        )
    accounts.log_access(store.engine, who, code, "GET /dossiers/{code}/photos/{photo_id}")
    return contract.JPEGResponse(jpeg, headers={"Cache-Control": "private, no-store"})


@router.get("/dossiers/{code}/notices", response_model=schemas.DossierNotices, summary="What the applicant was sent")
def get_notices(code: Code, store: StoreDep, _who: Annotated[Principal, Depends(auth.require(*STAFF))]) -> dict:
    """The SMS notices of the dossier the gateways took, oldest first, and those passed over (a phone the provider
    will never deliver to, in its words); whether the applicant takes them, who said so last and when. No personal
    data: what each said, not to which number."""
    dossiers.current(store.engine, code)
    return _notices(store, code)


@router.put("/dossiers/{code}/notices", response_model=schemas.DossierNotices, summary="Take or stop the notices")
def choose_notices(
    code: Code,
    choice: schemas.NoticeChoice,
    store: StoreDep,
    who: Annotated[Principal, Depends(auth.require("agency_staff"))],
) -> dict:
    """The applicant, at the counter, stops the dossier's SMS notices or takes them again; kept under the staff's
    name (the citizen may say it himself in the tracking box: ``PUT /track/{code}/notices``)."""
    dossiers.current(store.engine, code)
    notices.choose(store.engine, code, sms=choice.sms, by=who.name)
    return _notices(store, code)


@router.put(
    "/dossiers/{code}/call", response_model=schemas.DossierNotices, summary="Keep a phone call to the applicant"
)
def call_applicant(
    code: Code,
    call: schemas.NoticeCall,
    store: StoreDep,
    who: Annotated[Principal, Depends(auth.require("agency_staff"))],
) -> dict:
    """The agency's staff phoned the applicant the notice of where his dossier stands did not reach (``unreached``
    of ``GET /dossiers``): he answered and now knows (off the list of those to call), or did not (still on it); kept
    under the staff's name with what was said (``note``), each call."""
    dossiers.current(store.engine, code)
    notices.called(store.engine, code, reached=call.reached, by=who.name, note=call.note)
    return _notices(store, code)


def _notices(store: Store, code: str) -> dict:
    """:func:`ops.notices.of_dossier`, who chose and who called by name (members of staff)."""
    found = notices.of_dossier(store.engine, code)
    call = found["call"]
    names = accounts.full_names(store.engine, {found["chosen_by"], *(c["by"] for c in found["calls"])} - {None})
    return found | {
        "chosen_by_name": names.get(found["chosen_by"]),
        "call": call and call | {"by_name": names.get(call["by"])},
        "calls": [c | {"by_name": names.get(c["by"])} for c in found["calls"]],
    }


@router.get(
    "/dossiers/{code}/receipt",
    response_class=HTMLResponse,
    summary="A dossier's receipt and appointment, to print",
    responses={403: {"model": schemas.ErrorBody, "description": "a role that prints no receipt, or not this one"}},
)
def get_receipt(
    code: Code,
    request: Request,
    store: StoreDep,
    amap: MapDep,
    language: LangDep,
    who: Annotated[Principal, Depends(auth.require("agency_staff", "postman"))],
    lang: LangQuery = None,
) -> HTMLResponse:
    """The paper the applicant takes home (form 01 of Circular 01/2018/TT-VPCP), a page to print in the language
    asked (``lang``, else the cookie, else Accept-Language): the dossier's code, the applicant, the procedure, the
    deciding authority, when it was received, the appointment date, where the result comes back, and a QR code
    opening the citizens' page with the code filled in (``/?code=``); a home pickup's says when the postman took it
    at the applicant's address. It holds personal data: printed only by the staff of the receiving agency or the
    postman carrying the dossier, from the applicant's door on (403 ``receipt_not_yours`` for another), each print
    written to the access log."""
    row = dossiers.current(store.engine, code)
    if not accounts.sees_personal_data(who, row):
        raise errors.Forbidden(
            "code",
            f"only the staff of the agency that received dossier {code}, or the postman carrying it, print its receipt",
            code="receipt_not_yours",
            dossier=code,
        )
    accounts.log_access(store.engine, who, code, "GET /dossiers/{code}/receipt")
    names = _place_names(store, amap, (row["agency_id"], row["authority_code"]), language)
    details = amap.agency_details.get(row["agency_id"]) or {}
    taken = dossiers.taken_at_home(dossiers.history(store.engine, code)) if row["channel"] == "home_pickup" else None
    page = receipt.render(
        language,
        row,
        agency=names.get(row["agency_id"]) or row["agency_id"],
        agency_address=details.get("address") or None,
        authority=names.get(row["authority_code"]),
        link=receipt.track_link(request.app.state.settings.public_url or str(request.base_url), code),
        receiver=accounts.full_names(store.engine, [who.name]).get(who.name) or who.name,
        taken_at=None if taken is None else taken.at,
    )
    headers = {"Content-Language": language, "Vary": "Accept-Language, Cookie", "Cache-Control": "no-store"}
    return HTMLResponse(page, headers=headers)


@router.post(
    "/dossiers/{code}/moves",
    response_model=schemas.MoveOut,
    status_code=status.HTTP_201_CREATED,
    summary="Move a dossier",
    responses={409: {"model": schemas.ErrorBody, "description": "move not allowed now, or a concurrent move won"}},
)
def move(
    code: Code,
    step: schemas.MoveIn,
    store: StoreDep,
    amap: MapDep,
    lang: LangDep,
    who: Annotated[Principal, Depends(auth.require("agency_staff", "postman", "dispatcher"))],
) -> dict:
    """Record a move; refused with 409 when the lifecycle does not allow it from the dossier's state, or when
    another move was recorded since ``expected_seq`` (read the dossier again and retry). A result handed to its
    applicant is signed for (``proof``): at the address always, at the agency's counter in place of the record's
    number; the signature is kept as the postman's at the door is (``GET /dossiers/{code}/proofs``)."""
    event, signed = proofs.signed_move(
        store.engine,
        code,
        step.to,
        who=who.name,
        place=step.place,
        record_no=step.record_no,
        proof=None if step.proof is None else step.proof.model_dump(),
        expected_seq=step.expected_seq,
    )
    names = _place_names(store, amap, [event.place], lang)
    return _event(event, names, accounts.full_names(store.engine, [who.name])) | {"proof": signed}


@router.get(
    "/portal/pushes", response_model=list[schemas.PushReceiver], summary="Where each receiver of the pushed feed stands"
)
def portal_pushes(store: StoreDep, _who: Annotated[Principal, Depends(auth.require("admin", "portal"))]) -> list[dict]:
    """Each receiver the feed of changes is pushed to (``agencynet dossiers push``: the portal's address, the SMS
    gateway's notices): the changes it took and those it has still to take, and its last failure, for the operator
    to see a receiver falling behind (what ``agencynet dossiers pushes`` prints)."""
    return push.receivers(store.engine)


@router.get("/access-log", response_model=list[schemas.AccessOut], summary="Reads of personal data (admin)")
def access_log(
    store: StoreDep,
    _who: Annotated[Principal, Depends(auth.require("admin"))],
    code: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict]:
    """Who read which dossier's personal data, and when, newest first."""
    rows = accounts.access_log(store.engine, code=code, limit=limit)
    return [r | {"at": dossiers.utc(r["at"]).isoformat()} for r in rows]
