"""Dossier endpoints: the portal's submissions (role ``portal``), staff reading and moving dossiers and the
access log (``admin``); citizens track theirs in :mod:`api.routers.citizens`.

Personal data of applicants is served only to the roles that need it (:func:`ops.accounts.sees_personal_data`)
and every such read is logged.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, status

from api import auth, errors, schemas
from api.deps import Code, LangDep, StoreDep
from ops import accounts, dossiers, ingest
from ops.accounts import Principal

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


def _out(row: dict, with_applicant: bool) -> dict:
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
    return {k: row[k] for k in keep} | {
        "received_at": dossiers.utc(row["received_at"]).isoformat(),
        "due_date": row["due_date"].isoformat(),
        "state": row["state"],
        "seq": row["seq"],
        "synthetic": row["synthetic"],
        "applicant": applicant,
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


@router.get("/dossiers/summary", response_model=schemas.DossierSummary, summary="Counts of dossiers")
def summary(store: StoreDep, _who: Annotated[Principal, Depends(auth.require(*STAFF, "planner"))]) -> dict:
    """The number of dossiers, by state and by procedure."""
    return dossiers.summary(store.engine)


@router.get("/dossiers/{code}", response_model=schemas.DossierOut, summary="A dossier")
def get_dossier(code: Code, store: StoreDep, who: Annotated[Principal, Depends(auth.require(*STAFF))]) -> dict:
    """The dossier; the applicant (personal data) only for the staff of the receiving agency and the postman
    carrying it, and each such read is written to the access log."""
    row = dossiers.current(store.engine, code)  # an unknown code is a 404 naming it (api.errors)
    allowed = accounts.sees_personal_data(who, row)
    if allowed:
        accounts.log_access(store.engine, who, code, "GET /dossiers/{code}")
    return _out(row, allowed)


@router.get("/dossiers/{code}/events", response_model=list[schemas.EventOut], summary="A dossier's journey")
def get_events(code: Code, store: StoreDep, _who: Annotated[Principal, Depends(auth.require(*STAFF))]) -> list[dict]:
    """Every move of the dossier, first to last."""
    dossiers.current(store.engine, code)
    return [
        {
            "seq": e.seq,
            "state": e.state,
            "at": dossiers.utc(e.at).isoformat(),
            "who": e.who,
            "place": e.place,
            "record_no": e.record_no,
        }
        for e in dossiers.history(store.engine, code)
    ]


@router.post(
    "/dossiers/{code}/moves",
    response_model=schemas.EventOut,
    status_code=status.HTTP_201_CREATED,
    summary="Move a dossier",
    responses={409: {"model": schemas.ErrorBody, "description": "move not allowed now, or a concurrent move won"}},
)
def move(
    code: Code,
    step: schemas.MoveIn,
    store: StoreDep,
    who: Annotated[Principal, Depends(auth.require("agency_staff", "postman", "dispatcher"))],
) -> dict:
    """Record a move; refused with 409 when the lifecycle does not allow it from the dossier's state, or when
    another move was recorded since ``expected_seq`` (read the dossier again and retry)."""
    event = dossiers.move(
        store.engine,
        code,
        step.to,
        who=who.name,
        place=step.place,
        record_no=step.record_no,
        expected_seq=step.expected_seq,
    )
    return {
        "seq": event.seq,
        "state": event.state,
        "at": event.at.isoformat(),
        "who": event.who,
        "place": event.place,
        "record_no": event.record_no,
    }


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
