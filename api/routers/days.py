"""The working day: a dispatcher plans it from the store and re-plans it; postmen record their stop events and
read their route (with the applicants' addresses, each read logged)."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import HTMLResponse

from api import auth, contract, i18n, schemas, sheet
from api.deps import LangDep, LangQuery, MapDep, SettingsDep, StoreDep, time_limit
from api.errors import Forbidden, NotFound
from api.schemas import ACCOUNT, CLOCK
from geo.hours import HANOI
from ops import accounts, day, dayevents, performance, records
from ops.accounts import Principal
from ops.errors import FieldError, UnknownError

log = logging.getLogger(__name__)

router = APIRouter(
    tags=["days"],
    responses={
        401: {"model": schemas.ErrorBody},
        403: {"model": schemas.ErrorBody},
        404: {"model": schemas.ErrorBody},
        422: {"model": schemas.ErrorBody},
    },
)

Day = Annotated[schemas.IsoDate, Path(description="the day, YYYY-MM-DD")]
Dispatcher = Annotated[Principal, Depends(auth.require("dispatcher"))]
OnTheRound = Annotated[Principal, Depends(auth.require("dispatcher", "postman"))]
"""A dispatcher, or a postman (who sees his own route)."""
T = TypeVar("T")


def _said(answer: dict, lang: str) -> dict:
    """A day's answer with the reason each dossier is left out said in ``lang``."""
    return answer | {"unserved": i18n.reasons(lang, answer["unserved"], "reason_code")}


def _stored(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``call`` with the day's plan: 404 naming the date when there is none."""
    try:
        return call(*args, **kwargs)
    except UnknownError as exc:
        raise NotFound("date", str(exc), code=exc.code or "not_found", **exc.fields) from None


@router.post(
    "/days/{date}/plan",
    response_model=schemas.DayAnswer,
    summary="Plan a day from the dossiers",
    responses={
        200: contract.links(
            "date",
            "$request.path.date",
            "get_day_days__date__get",
            "add_event_days__date__events_post",
            "replan_days__date__replan_post",
        )
    },
)
def plan_day(
    date: Day,
    amap: MapDep,
    store: StoreDep,
    settings: SettingsDep,
    _who: Dispatcher,
    lang: LangDep,
    body: schemas.DayPlanIn | None = None,
) -> dict:
    """The day's tasks from the dossiers' states (shuttles grouped per agency and authority, results back to the
    agency or the citizen's address, home pickups in their window; near due dates first, overdue ones
    mandatory), planned and stored. Without ``postmen``, the accounts of role postman with their agencies as
    depots; no postmen is 422. Today is planned from now (or ``at``): no postman leaves before it, a lunch break
    that no longer fits is left out, and once every shift is over the plan is refused (422 ``shifts_over``)."""
    body = body or schemas.DayPlanIn()
    postmen = None if body.postmen is None else [p.model_dump() for p in body.postmen]
    start = body.at or day.planned_from(date, dt.datetime.now(HANOI))
    limit = time_limit(settings, body.time_limit_s)
    plan_id, answer = day.plan(
        store, amap, date, postmen=postmen, time_limit_s=limit, start=start, balanced=body.balanced
    )
    return _said(answer, lang) | {"id": plan_id}


@router.get(
    "/postmen",
    response_model=list[schemas.CrewMember],
    summary="The postmen a day is planned with",
    responses={
        # By the account (id), not the full name (name), which the path's {name} is not.
        200: contract.links(
            "name",
            "$response.body#/0/id",
            "set_shift_postmen__name__shift_put",
            "set_capacity_postmen__name__capacity_put",
        )
    },
)
def postmen(amap: MapDep, store: StoreDep, _who: Dispatcher) -> list[dict]:
    """The accounts of role postman with a post office, each with the shift, capacity and break a day's plan gives
    him unless the dispatcher sends others (``postmen`` of ``POST /days/{date}/plan``); an empty list when there
    are none."""
    return day.roster(store, amap)


@router.get(
    "/postmen/performance",
    response_model=schemas.Performance,
    summary="The postmen's days against their plans",
)
def postmen_performance(
    query: Annotated[schemas.PerformanceQuery, Query()],
    store: StoreDep,
    _who: Annotated[Principal, Depends(auth.require("dispatcher", "planner", "admin"))],
) -> dict:
    """Per postman and per day over ``days`` days ending on ``to``: the stops the day's newest plan had, how each
    ended (done, failed, never visited after its pickup failed, nothing recorded), the share made in its window,
    the delay against the plan's time (median and 90th percentile) and where it grows, how long a visit took from
    the postman's arrival against the time the plan gave it, failures by reason and with a photo, events far from
    their stop, and the kilometres and hours planned (``ops/performance.py``); with ``postman``, his routes
    only, day by day. Days without a plan have no figures; a period without any answers empty lists."""
    last = query.to or dt.datetime.now(HANOI).date()
    first = dt.date.fromordinal(max(1, last.toordinal() - query.days + 1))
    return performance.of_period(store, first, last, postman=query.postman)


@router.put(
    "/postmen/{name}/shift",
    response_model=schemas.CrewMember,
    summary="Keep a postman's usual shift",
    responses={404: {"model": schemas.ErrorBody, "description": "no postman account of that name with a post office"}},
)
def set_shift(
    name: Annotated[str, Path(pattern=schemas.ACCOUNT, description="the postman's account")],
    body: schemas.ShiftIn,
    amap: MapDep,
    store: StoreDep,
    _who: Dispatcher,
) -> dict:
    """The shift a day is planned with for him unless the dispatcher sends another: a post office's morning
    postman works 07:30-12:00 every day, without being set each morning; null gives back the default
    (07:30-17:30). A shift ending before it starts is 422 ``shift_order``."""
    accounts.set_shift(store.engine, name, body.shift)
    return next(p for p in day.roster(store, amap) if p["id"] == name)


@router.put(
    "/postmen/{name}/capacity",
    response_model=schemas.CrewMember,
    summary="Keep a postman's usual capacity",
    responses={404: {"model": schemas.ErrorBody, "description": "no postman account of that name with a post office"}},
)
def set_capacity(
    name: Annotated[str, Path(pattern=schemas.ACCOUNT, description="the postman's account")],
    body: schemas.CapacityIn,
    amap: MapDep,
    store: StoreDep,
    _who: Dispatcher,
) -> dict:
    """The dossier units a day is planned with for him unless the dispatcher sends another: a postman on a bicycle
    carries 15 every day, without being set each morning; null gives back the default (40)."""
    accounts.set_capacity(store.engine, name, body.capacity)
    return next(p for p in day.roster(store, amap) if p["id"] == name)


@router.get("/days/{date}", response_model=schemas.DayLive, summary="The day as it goes")
def get_day(
    date: Day,
    store: StoreDep,
    who: OnTheRound,
    lang: LangDep,
    at: Annotated[
        str | None,
        Query(
            pattern=CLOCK,
            description="the clock, HH:MM; by default now in Hanoi on today's plan, the day's end on a past day "
            "and its start on a coming one",
        ),
    ] = None,
) -> dict:
    """Every stop done, late (its planned arrival has passed) or remaining. A postman sees his own route, with
    the applicants' addresses at the address stops (each read is written to the access log)."""
    now = at or _clock_of(date, dt.datetime.now(HANOI))
    reader = who if who.role == "postman" else None
    return _said(_stored(dayevents.live, store, date, now=now, reader=reader), lang)


@router.get(
    "/days/{date}/sheet",
    response_class=HTMLResponse,
    summary="The route sheets of the day, to print",
    responses={
        403: {"model": schemas.ErrorBody, "description": "a postman asking for another's route"},
        404: {"model": schemas.ErrorBody, "description": "no plan for the day, or no route of the postman asked"},
    },
)
def get_sheet(
    date: Day,
    store: StoreDep,
    amap: MapDep,
    language: LangDep,
    who: OnTheRound,
    postman: Annotated[
        str | None,
        Query(pattern=ACCOUNT, description="only this postman's route (a postman: his own, by default)"),
    ] = None,
    lang: LangQuery = None,
) -> HTMLResponse:
    """Each postman's route of the day on a page to print (A4), in the language asked (``lang``, else the cookie,
    else Accept-Language): every stop in order, its planned time and window, what is done there and where, the
    dossiers, and a column to sign or write the handover record's number in (filled in for the stops already
    settled, and with the number the system issued for a stop at an agency or authority still to do). Each
    postman's sheet is followed by the handover records of his visits to agencies and authorities, one A4 page
    each, numbered, listing the dossiers he hands over and those he takes, for him and the officer there to sign
    (``GET /days/{date}/records``). A postman prints his
    own, with the applicants at their doors (each read written to the access log); a dispatcher any postman's
    (``postman``) or all of them, without personal data."""
    _own(who, postman)
    reader = who if who.role == "postman" else None
    now = _clock_of(date, dt.datetime.now(HANOI))
    answer = _stored(dayevents.live, store, date, now=now, reader=reader, read_as="GET /days/{date}/sheet")
    routes = [r for r in answer["routes"] if postman is None or r["postman"] == postman]
    if postman is not None and not routes:
        raise NotFound("postman", f"no route of {postman} on {date}", code="postman_not_in_plan", postman=postman)
    listed = {c for r in routes for s in r["stops"] if s.get("handover_record") for c in s["dossiers"]}
    procedures = records.procedures(store.engine, listed)
    page = sheet.render(language, answer | {"routes": routes}, agencies=amap.agency_details, procedures=procedures)
    headers = {"Content-Language": language, "Vary": "Accept-Language, Cookie", "Cache-Control": "no-store"}
    return HTMLResponse(page, headers=headers)


def _own(who: Principal, postman: str | None) -> None:
    """Refuse a postman asking for another's route or records (403 ``sheet_not_yours``)."""
    if who.role == "postman" and postman not in (None, who.name):
        raise Forbidden(
            "postman", f"a postman prints his own route, not {postman}'s", code="sheet_not_yours", postman=postman
        )


@router.get(
    "/days/{date}/records",
    response_model=schemas.HandoverRecords,
    summary="The day's registry of handover records",
    responses={
        403: {"model": schemas.ErrorBody, "description": "a postman asking for another's records"},
        404: {"model": schemas.ErrorBody, "description": "no plan for the day"},
    },
)
def get_records(
    date: Day,
    store: StoreDep,
    who: OnTheRound,
    postman: Annotated[
        str | None,
        Query(pattern=ACCOUNT, description="only this postman's records (a postman: his own, always)"),
    ] = None,
) -> dict:
    """Every number the system issued for the day's handover records, in order: one for each visit of a postman
    to an agency or authority, listing what he hands over there (``handed``) and takes (``taken``), printed with
    his route sheet to sign there. A number is ``issued`` (to sign), ``used`` (a handover or pickup was recorded
    under it) or ``void``, said why: its visit changed or left the plan at a re-plan, its stops failed, or they went
    under another number or none. No number is issued twice. A postman sees his own."""
    _own(who, postman)
    plan = _stored(day.stored, store, date)
    names = {s["place"]: s["name"] for r in plan["result"]["day"]["routes"] for s in r["stops"]}
    issued = records.of_day(store.engine, date, postman=who.name if who.role == "postman" else postman)
    return {"date": date.isoformat(), "records": [r | {"name": names.get(r["place"])} for r in issued]}


@router.post(
    "/days/{date}/events",
    response_model=schemas.StopEventOut,
    summary="Record a stop event",
    responses={409: {"model": schemas.ErrorBody, "description": "the event does not follow the task's events"}},
)
def add_event(
    date: Day,
    event: schemas.StopEventIn,
    store: StoreDep,
    who: OnTheRound,
) -> dict:
    """Picked up, handed over (with the signed record's number), delivered, or failed (with the reason): the
    task's dossiers move together. The same event again answers the same (``replayed``) and moves nothing; a
    failed delivery comes back in the next day's tasks: to the citizen's door again (two tries), else, or once
    refused there or the address not found, to its agency for collection. A postman records events of his own
    route only; with the phone's position, the answer says how far from the stop it was (``off_m``). At the
    citizen's address (a result delivered, a dossier picked up at home) the signer signs on the postman's phone
    (``proof``): the applicant or a person authorised in writing, against an identity paper."""
    return _stored(
        dayevents.record,
        store,
        date,
        task=event.task,
        event=event.event,
        who=who,
        record_no=event.record_no,
        reason=event.reason,
        reason_code=event.reason_code,
        position=None if event.position is None else event.position.model_dump(),
        proof=None if event.proof is None else event.proof.model_dump(),
        photo=event.photo,
        stop=event.stop,
        at=event.at,
    )


@router.get(
    "/days/{date}/photos/{task}/{event}",
    response_class=contract.JPEGResponse,
    summary="The photo taken with a stop event",
    responses={
        200: contract.JPEG_ANSWER,
        403: {"model": schemas.ErrorBody, "description": "a postman asking for a photo of another's route"},
        404: {"model": schemas.ErrorBody, "description": "no plan for the day, no such task, or no photo"},
    },
)
def get_photo(
    date: Day,
    task: Annotated[str, Path(min_length=1, max_length=64, description="a task id of the day's plan")],
    event: Annotated[schemas.StopEventName, Path(description="the stop event the photo was taken with")],
    store: StoreDep,
    who: OnTheRound,
) -> contract.JPEGResponse:
    """The photo the postman took with a stop event (``photo`` of ``POST /days/{date}/events``: the door nobody
    opened), as kept: JPEG, at most 1,600 pixels a side, without the phone's metadata. A photo of a home is personal
    data: a dispatcher reads any, a postman those of his route; each read is written to the access log."""
    try:
        jpeg = _stored(dayevents.photo, store, date, task=task, event=event, who=who)
    except FieldError as exc:
        if exc.code == "task_of_another":
            raise Forbidden("task", exc.reason, code=exc.code, **exc.fields) from None
        raise NotFound("task", exc.reason, code=exc.code or "not_found", **exc.fields) from None
    return contract.JPEGResponse(jpeg, headers={"Cache-Control": "private, no-store"})


@router.post(
    "/days/{date}/replan",
    response_model=schemas.ReplanAnswer,
    summary="Add what came in since the day was planned",
    responses={409: {"model": schemas.ErrorBody, "description": "the plan changed meanwhile; retry"}},
)
def replan(
    date: Day,
    body: schemas.ReplanIn,
    amap: MapDep,
    store: StoreDep,
    settings: SettingsDep,
    _who: Dispatcher,
    lang: LangDep,
) -> dict:
    """Dossiers that came in since the plan (an urgent home pickup at noon ...), and those it left waiting that can
    go now (their unit placed since), are inserted; the stops done (by the events) stay fixed and each postman
    continues from his last one at ``at``. A postman whose shift is over by then keeps his route as planned
    (``closed``) and the others take what is added; with something to add once every shift is over, 422
    ``shifts_over``. ``shift_ends`` sends postmen home early (or keeps them late): the others take the stops
    they no longer make, and ``joining`` calls postmen in. What a postman sent home brought back (recorded) is
    given to another postman, picked up at its agency no earlier than it was brought back."""
    limit = time_limit(settings, body.time_limit_s)
    done = _stored(dayevents.done_stops, store, date)
    again = _stored(dayevents.brought_back, store, date)
    at = body.at or _clock_of(date, dt.datetime.now(HANOI))
    joining = None if body.joining is None else [p.model_dump() for p in body.joining]
    plan_id, version, answer, added = day.replan(
        store,
        amap,
        date,
        done=done,
        at=at,
        time_limit_s=limit,
        shift_ends=body.shift_ends,
        again=again,
        joining=joining,
    )
    return _said(answer, lang) | {"id": plan_id, "version": version, "added": added}


def _clock_of(day: dt.date, now: dt.datetime) -> str:
    """The clock a day is seen at, ``HH:MM``: ``now``'s on its own date, the day's end once it is over (every stop
    not done is late) and its start before it comes (none is)."""
    if day < now.date():
        return "23:59"
    if day > now.date():
        return "00:00"
    return now.strftime("%H:%M")
