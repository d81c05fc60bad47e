"""The postmen's stop events of a planned day, the dossiers' moves they make, and the day as it goes.

An event names a task of the day's plan and what happened: ``picked_up`` (at the pickup stop), ``handed_over``
(at an agency or authority, against the signed record's number: :mod:`ops.records`), ``delivered`` (at the
citizen's address) or ``failed`` (with the reason, one of :data:`FAILURES`). The dossiers of the task move
together, in one transaction (:func:`ops.dossiers.advance`), a failure's reason recorded with their move:

- shuttles and home pickups: picked up -> ``to_authority`` (through ``digitised`` when the agency had not yet
  scanned it: the postman lists the documents with the staff, Circular 17/2017 art. 5), handed over ->
  ``at_authority``;
- results: picked up -> ``returning`` (a ``failed_return`` through ``decided``), handed over at the agency or
  delivered at the address -> ``returned``; failed after the pickup -> ``failed_return``, so the next day's
  tasks bring it again (:mod:`ops.daytasks`): to the door, or, for one collected at its agency, from the post
  office of the postman who brought it back;
- shuttles and home pickups failed after the pickup (the office closed, or a re-plan left no time to deliver
  them: ``carried_back``) -> ``digitised`` at their agency, where the next day's shuttle takes them.

A failure before the pickup moves nothing: the dossier stays where it is and comes back in the next day's tasks.
Nor does ``arrived``, which the postman records on coming to a stop: how long he then stays there is what the plan
assumed of each place (:data:`ops.scenario.SETUP_S`, :data:`ops.scenario.SERVICE_S`) and what the week's figures
measure against it (:mod:`ops.performance`).
Each event is kept once under its key (plan, task, event) in the store's table of idempotency keys: the same
event again answers as the first time and moves nothing. An event may carry where the postman's phone was
(``position``): the answer says how far that is from the stop (``off_m``), and the day as it goes flags an event
recorded far from its stop (:data:`FAR_M`), as dispatch tools flag a delivery completed away from its address.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import sqlalchemy as sa
from pyproj import Geod

from geo.hours import HANOI
from ops import accounts, daytasks, dossiers, photos, proofs, receipts, records, tables
from ops.accounts import Principal
from ops.day import stored
from ops.errors import ConflictError, FieldError, TransitionError, UnknownError
from ops.stopkeys import event_key, recorded
from ops.store import Store
from routing.problem import clock

log = logging.getLogger(__name__)

ARRIVED = "arrived"
"""The event of coming to a stop, before it is settled: it moves nothing."""

EVENTS = (ARRIVED, "picked_up", "handed_over", "delivered", "failed")
"""What a postman records at a stop."""

SETTLING = EVENTS[1:]
"""The events that settle a stop (all but :data:`ARRIVED`)."""

TERMINAL = ("handed_over", "delivered", "failed")
"""Events that end a task."""

FAILURES = {
    "nobody_home": "address",
    "refused": "address",
    "address_not_found": "address",
    "place_closed": "office",
    "not_ready": "office",
    "no_time": "any",
    "other": "any",
}
"""Why a stop failed (``reason_code``), and where it can: at the citizen's ``address`` (nobody at home, the result
refused, the address not found), at an agency or authority (``office``: closed, or what was to be picked up not
ready), or anywhere (no time left; ``other``, said in words)."""

FAR_M = 300.0
"""Distance from its stop beyond which an event is flagged ``far``, besides the accuracy the phone reports, m
(assumption: a few houses or an alley's length, more than a phone's fix in a street is off by)."""

_GEOD = Geod(ellps="WGS84")


def arrival(side: str) -> str:
    """The name an arrival at a task's ``side`` stop (``pickup`` or ``delivery``) is kept under: a task has two
    stops, and the postman comes to each once."""
    return f"{ARRIVED}_{side}"


def _task(record: dict, task: str) -> dict:
    for t in record["state"]["tasks"]:
        if t["id"] == task:
            return t
    day = record["request"]["date"]
    raise FieldError("task", f"no task {task!r} in the plan of {day}", code="task_not_in_plan", task=task, day=day)


def _own_route(record: dict, task: str, who: Principal) -> None:
    """Refuse a postman a task of another's route (``task_of_another``)."""
    if who.role == "postman" and _postman_of(record, task) != who.name:
        raise FieldError(
            "task",
            f"task {task} is not on the route of {who.name}",
            code="task_of_another",
            task=task,
            postman=who.name,
        )


def _postman_of(record: dict, task: str) -> str | None:
    for route in record["result"]["plan"]["routes"]:
        if any(s["task"] == task for s in route["stops"]):
            return route["postman"]
    return None


def _path(
    kind: str, event: str, state: str, picked: bool, *, to_agency: bool = False, at_door: bool = True
) -> list[str]:
    """The states a dossier of a ``kind`` task goes through on ``event``, from ``state``; ``to_agency``: a home
    pickup taken to its agency (its authority closed that day), where it waits, digitised, for the next shuttle;
    ``at_door``: a result brought to the applicant's address (else to its agency, where it awaits collection).
    A state equal to ``state`` is a change of hands (:func:`ops.dossiers.transfer`)."""
    if event == "failed":
        if not picked:
            return []
        if kind == "result_return":
            return ["failed_return"]
        # Not handed over: back at its agency for the next shuttle (one on its way to its agency: at the post
        # office, as it was).
        return ["digitised"] if state in ("to_authority", "digitised") else []
    if event == "picked_up":
        if kind == "result_return":
            return ["decided", "returning"] if state == "failed_return" else ["returning"]
        if to_agency:
            return ["digitised"] if state == "received" else []
        return ["digitised", "to_authority"] if state == "received" else ["to_authority"]
    if to_agency:
        return ["digitised"] if state == "digitised" else []
    if kind == "result_return":
        return ["returned"] if at_door else ["for_collection"]
    return ["at_authority"]


def record(
    store: Store,
    day: date,
    *,
    task: str,
    event: str,
    who: Principal,
    record_no: str | None = None,
    reason: str | None = None,
    reason_code: str | None = None,
    position: dict | None = None,
    proof: dict | None = None,
    photo: str | None = None,
    stop: str | None = None,
    at: datetime | None = None,
) -> dict:
    """Record a stop event and move its dossiers.

    Parameters
    ----------
    store
        The store.
    day
        The date of the plan.
    task
        A task id of the day's plan.
    event
        One of :data:`EVENTS`: :data:`ARRIVED` says the postman came to the task's stop still to settle (its pickup,
        else its delivery), with his ``position`` and ``at`` only, and moves nothing (:func:`_arrive`).
    who
        Who records it; a postman only for the tasks of his own route.
    record_no
        Number of the signed handover record (for ``handed_over``, required unless the officer signs on the phone:
        ``proof``, who then signs the task's record; for ``picked_up`` at an agency or authority, optional): one of
        the registry's must be the record of the task's stop (:func:`ops.records.check`), another is taken as
        written; for ``delivered`` the delivery note's number; at a handover the task's record, else the plan and
        task, when omitted.
    reason
        Why it failed, in words (required for ``failed`` with ``reason_code`` ``other``, or none).
    reason_code
        Why it failed (``failed`` only): one of :data:`FAILURES`, fitting the stop; ``other`` when omitted.
    position
        Where the postman's phone was: ``{"lat", "lon", "accuracy_m"}`` (accuracy optional).
    proof
        Who signed, as :func:`ops.proofs.check` takes it: required at the citizen's address (``delivered``,
        ``picked_up`` at a home pickup); at a handover, the officer's in place of a paper record's number; refused
        elsewhere.
    photo
        A photo taken there, as a data URL (:func:`ops.photos.check`): the door nobody opened.
    stop
        The task's stop it is recorded at, ``pickup`` or ``delivery``: an arrival's (at the stop still to settle
        when omitted); any other event's must be the stop it settles (``other_stop``).
    at
        When (now when omitted).

    Returns
    -------
    dict
        ``{"plan_id", "task", "event", "stop", "at", "record_no", "reason", "reason_code", "position", "off_m",
        "proof", "photo", "moves": [{"code", "state"}], "replayed"}``; ``stop`` the task's stop it was recorded at
        (``pickup`` or ``delivery``); ``off_m`` the distance from ``position`` to the stop, m
        (null without a position); ``proof`` who signed and the proof's digest (:func:`ops.proofs.summary`);
        ``photo`` the SHA-256 of the photo sent, or None. The same event again answers as the first time: its
        position is the first one's.

    Raises
    ------
    UnknownError
        No plan of that date.
    FieldError
        An unknown task, an event that does not fit the stop, an arrival with more than a position and a time
        (``not_at_arrival``), a missing record number, reason or proof, a proof
        where none is taken or one that does not hold (:func:`ops.proofs.check`), a record number of the registry
        that is not the task's (:func:`ops.records.check`).
    TransitionError
        The event does not follow the task's events (delivered before picked up ...) or a dossier refuses the move.
    ConflictError
        The same event was recorded with other details.
    """
    plan = stored(store, day)
    plan_id = plan["id"]
    spec = _task(plan, task)
    if event not in EVENTS:
        events = ", ".join(EVENTS)
        raise FieldError(
            "event", f"unknown event {event!r} (one of {events})", code="unknown_event", event=event, events=events
        )
    _own_route(plan, task, who)
    if event == ARRIVED:
        given = {"record_no": record_no, "reason": reason, "reason_code": reason_code, "proof": proof, "photo": photo}
        return _arrive(store, plan, task, given, stop=stop, position=position, at=at)
    to_address = spec["delivery"].startswith("address:")
    if event == "handed_over" and to_address:
        raise FieldError(
            "event",
            f"task {task} ends at the citizen's address: record 'delivered'",
            code="record_delivered",
            task=task,
        )
    if event == "delivered" and not to_address:
        raise FieldError(
            "event",
            f"task {task} ends at an agency or authority: record 'handed_over'",
            code="record_handover",
            task=task,
        )
    if event == "handed_over" and not record_no and proof is None:
        raise FieldError(
            "record_no",
            "a handover needs the number of the signed record, or the officer's signature",
            code="record_no_needed",
        )
    so_far = recorded(store.engine, plan_id)
    seen = {e: said for e, said in so_far.get(task, {}).items() if e in SETTLING}  # not the arrivals
    at_pickup = event == "picked_up" or "picked_up" not in seen
    _same_stop(task, event, stop, "pickup" if at_pickup else "delivery")
    reason_code = _failure(event, reason, reason_code, spec, at_pickup=at_pickup)
    proof = proofs.check(proof, event, spec["pickup"] if event == "picked_up" else spec["delivery"])
    # Dossiers taken at an agency or authority, or handed over there: under the visit's record.
    office_pickup = event == "picked_up" and not spec["pickup"].startswith("address:")
    if event == "handed_over" or office_pickup:
        record_no = records.check(store.engine, plan_id, task, event, record_no or None)
    if event in ("delivered", "handed_over") and not record_no:
        record_no = f"{plan_id}/{task}"  # the delivery note, or the handover signed on the phone
    taken = None if photo is None else photos.check(photo)
    content = {"task": task, "event": event, "record_no": record_no, "reason": reason, "reason_code": reason_code}
    side = "pickup" if at_pickup else "delivery"
    signed = proofs.summary(proof)
    shot = {} if taken is None else {"photo": taken.digest}
    digest = dossiers.content_hash(content | _signed(signed) | shot)
    key = event_key(plan_id, task, event)
    if event in seen:
        return _replay(seen[event], digest, task, event)
    ended = [e for e in TERMINAL if e in seen]
    if ended or (event == "picked_up" and seen):
        before = (ended or list(seen))[0]
        raise TransitionError(
            f"task {task}: {event} refused, {before} was recorded already",
            field="event",
            code="event_after_end",
            task=task,
            event=event,
            before=before,
        )
    if event in ("handed_over", "delivered") and "picked_up" not in seen:
        raise TransitionError(
            f"task {task}: {event} refused, the dossiers were not picked up",
            field="event",
            code="not_picked_up",
            task=task,
            event=event,
        )
    when = dossiers.utc(at or datetime.now(UTC))
    moves: list[dict] = []
    here = _stop_of(plan, task, side)
    off_m = None if position is None or here is None else _off_m(position, here)
    answer = content | {
        "stop": side,
        "plan_id": plan_id,
        "at": when.isoformat(),
        "position": position,
        "off_m": off_m,
        "proof": signed,
        "photo": None if taken is None else taken.digest,
        "moves": moves,
        "replayed": False,
    }
    k = tables.idempotency
    place = {"pickup": spec["pickup"], "delivery": spec["delivery"]}["pickup" if event == "picked_up" else "delivery"]
    said_place = "address" if place.startswith("address:") else place  # the applicant's, as journeys say it
    depots = {p["id"]: p["depot"] for p in plan["state"]["postmen"]}
    post_office = depots.get(_postman_of(plan, task) or "", said_place)
    if event == "failed" and spec["kind"] == "result_return" and not to_address:
        # A result for collection at its agency, brought back undelivered, is at the post office of the postman who
        # brings it back, from where the next day's task takes it to the agency (ops.daytasks).
        said_place = post_office
    try:
        with store.engine.begin() as conn:
            # The key first: of two identical events at once, the second waits here and then finds it.
            conn.execute(
                k.insert().values(
                    key=key, request_hash=digest, status_code=201, response=answer, created_at=datetime.now(UTC)
                )
            )
            d = tables.dossiers
            codes = plan["state"]["dossiers"][task]
            if proof is not None:
                proofs.write(conn, proof, key=key, codes=codes, event=event, at=when, taken_by=who.name, off_m=off_m)
            if taken is not None:
                at_stop = photos.Stop(day, task, event)
                photos.write(conn, taken, key=key, stop=at_stop, codes=codes, at=when, taken_by=who.name)
            for code in codes:
                state, agency = conn.execute(sa.select(d.c.state, d.c.agency_id).where(d.c.code == code)).one()
                to_agency = spec["kind"] == "home_pickup" and spec["delivery"] == agency
                steps = _path(
                    spec["kind"], event, str(state), "picked_up" in seen, to_agency=to_agency, at_door=to_address
                )
                for to in steps:
                    moves.append({"code": code, "state": to})
                    if to == state:
                        # Handed over at its agency against the record, or brought back to the post office.
                        where = post_office if event == "failed" else said_place
                        dossiers.transfer(conn, code, who=who.name, place=where, record_no=record_no, at=when)
                        continue
                    dossiers.advance(
                        conn,
                        code,
                        to,
                        who=who.name,
                        # A paper dossier brought back undelivered: at its agency, whatever stop it failed at.
                        place=agency if to == "digitised" and event == "failed" else said_place,
                        record_no=record_no if to in dossiers.HANDOVERS or office_pickup else None,
                        at=when,
                        reason=reason_code,
                    )
            settled = records.settled_stops(so_far)
            records.settle(conn, plan_id, task, event=event, record_no=record_no, at=when, settled=settled)
            conn.execute(k.update().where(k.c.key == key).values(response=answer))
    except sa.exc.IntegrityError:
        again = recorded(store.engine, plan_id).get(task, {}).get(event)
        if again is None:
            raise
        return _replay(again, digest, task, event)
    log.info("day %s: %s %s by %s, %d moves", day, task, event, who.name, len(moves))
    return answer


def _same_stop(task: str, event: str, asked: str | None, side: str) -> None:
    """Refuse an event said to be at the other stop of its task than the one it settles (``other_stop``)."""
    if asked not in (None, side):
        raise FieldError(
            "stop",
            f"task {task}: {event} is at its {side}, not its {asked}",
            code="other_stop",
            task=task,
            event=event,
            side=side,
        )


def _arrive(
    store: Store,
    plan: dict,
    task: str,
    given: dict,
    *,
    stop: str | None,
    position: dict | None,
    at: datetime | None,
) -> dict:
    """Record that the postman came to ``task``'s ``stop``, by default the one still to settle: its pickup, else
    (picked up) its delivery.

    Kept once per stop under :func:`arrival`: the same arrival again answers as the first time. ``given``: the
    details an arrival does not take (a record's number, a reason, a proof, a photo), refused when any is given."""
    extra = [name for name, value in given.items() if value is not None]
    if extra:
        raise FieldError(
            extra[0], f"an arrival takes no {extra[0]}: it moves nothing", code="not_at_arrival", given=extra[0]
        )
    plan_id = plan["id"]
    seen = recorded(store.engine, plan_id).get(task, {})
    side = stop or ("delivery" if "picked_up" in seen else "pickup")
    kept = arrival(side)
    if kept in seen:
        return seen[kept] | {"replayed": True}  # nothing in an arrival can differ from the first
    ended = [e for e in TERMINAL if e in seen] or (["picked_up"] if side == "pickup" and "picked_up" in seen else [])
    if ended:
        raise TransitionError(
            f"task {task}: {ARRIVED} refused, {ended[0]} was recorded already",
            field="event",
            code="event_after_end",
            task=task,
            event=ARRIVED,
            before=ended[0],
        )
    if side == "delivery" and "picked_up" not in seen:
        raise TransitionError(
            f"task {task}: {ARRIVED} at its delivery refused, the dossiers were not picked up",
            field="stop",
            code="not_picked_up",
            task=task,
            event=ARRIVED,
        )
    place = _stop_of(plan, task, side)
    answer = {
        "task": task,
        "event": ARRIVED,
        "stop": side,
        "plan_id": plan_id,
        "at": dossiers.utc(at or datetime.now(UTC)).isoformat(),
        "record_no": None,
        "reason": None,
        "reason_code": None,
        "position": position,
        "off_m": None if position is None or place is None else _off_m(position, place),
        "proof": None,
        "photo": None,
        "moves": [],
        "replayed": False,
    }
    k = tables.idempotency
    row = {"key": event_key(plan_id, task, kept), "request_hash": dossiers.content_hash({"task": task, "stop": side})}
    try:
        with store.engine.begin() as conn:
            conn.execute(k.insert().values(**row, status_code=201, response=answer, created_at=datetime.now(UTC)))
    except sa.exc.IntegrityError:
        return recorded(store.engine, plan_id)[task][kept] | {"replayed": True}
    log.info("day %s: %s arrived at its %s", plan["request"]["date"], task, side)
    return answer


def _failure(event: str, reason: str | None, code: str | None, spec: dict, *, at_pickup: bool) -> str | None:
    """The ``reason_code`` of an event, checked: a failure's (``other`` when only words are given), none for the
    other events; a reason of the citizen's door only at an address, one of an office only at an agency or
    authority (where the stop failed: its pickup before the dossiers were picked up, else its delivery)."""
    if event != "failed":
        if code is not None:
            raise FieldError(
                "reason_code",
                f"only a failed event has a reason_code, not {event}",
                code="reason_code_not_failed",
                event=event,
            )
        return None
    code = code or ("other" if reason else None)
    if code is None:
        raise FieldError("reason", "say why it failed", code="failure_reason_needed")
    if code not in FAILURES:
        known = ", ".join(FAILURES)
        raise FieldError(
            "reason_code",
            f"unknown reason {code!r} (one of {known})",
            code="unknown_failure",
            failure=code,
            failures=known,
        )
    if code == "other" and not reason:
        raise FieldError("reason", "say in words why it failed", code="failure_reason_needed")
    place = spec["pickup"] if at_pickup else spec["delivery"]
    where = "address" if place.startswith("address:") else "office"
    if FAILURES[code] not in ("any", where):
        raise FieldError(
            "reason_code",
            f"{code} is not a reason at {'an address' if where == 'address' else 'an agency or authority'}",
            code="failure_not_here",
            failure=code,
            place=place,
        )
    return code


def _stop_of(plan: dict, task: str, kind: str) -> dict | None:
    """The ``kind`` stop (pickup or delivery) of ``task`` in the plan as the day has it."""
    stops = (s for r in plan["result"]["day"]["routes"] for s in r["stops"])
    return next((s for s in stops if s["task"] == task and s["kind"] == kind), None)


def _off_m(position: dict, stop: dict) -> int:
    """Metres from a phone's ``position`` to ``stop`` on the ellipsoid."""
    _, _, metres = _GEOD.inv(position["lon"], position["lat"], stop["lon"], stop["lat"])
    return round(metres)


def _signed(summary: dict | None) -> dict:
    """What of a proof makes an event's content: its digest, when it has one (events without a proof hash as they
    did before proofs were taken)."""
    return {} if summary is None else {"proof": summary["digest"]}


def photo(store: Store, day: date, *, task: str, event: str, who: Principal) -> bytes:
    """The photo taken with the stop event ``event`` of ``task`` in the day's plan (JPEG, :mod:`ops.photos`), for
    ``who``: a dispatcher, or the postman of the task's route; each read written to the access log, once per dossier
    of the task.

    Raises
    ------
    UnknownError
        No plan of that date, or no photo with that event (``photo_not_found``).
    FieldError
        An unknown task; a postman asking for another's (``task_of_another``).
    """
    plan = stored(store, day)
    _task(plan, task)
    _own_route(plan, task, who)
    jpeg = photos.read(store.engine, event_key(plan["id"], task, event))
    if jpeg is None:
        raise UnknownError(
            f"no photo with {event} of task {task} on {day}", code="photo_not_found", task=task, event=event
        )
    for code in plan["state"]["dossiers"][task]:
        accounts.log_access(store.engine, who, code, "GET /days/{date}/photos/{task}/{event}")
    return jpeg


def _replay(first: dict, digest: str, task: str, event: str) -> dict:
    content = {k: first[k] for k in ("task", "event", "record_no", "reason")}
    # A failure recorded before reasons had codes was said in words: "other".
    content["reason_code"] = first.get("reason_code", "other" if event == "failed" else None)
    shot = {"photo": first["photo"]} if first.get("photo") else {}
    if dossiers.content_hash(content | _signed(first.get("proof")) | shot) != digest:
        raise ConflictError(
            f"task {task}: {event} was recorded already with other details",
            code="event_recorded",
            task=task,
            event=event,
        )
    # One recorded before phones said where they were, proofs or photos were taken: no position, proof, photo.
    return (
        {"stop": None, "position": None, "off_m": None, "proof": None, "photo": None}
        | first
        | content
        | {"replayed": True}
    )


def stop_state(stop: dict, events: dict[str, dict]) -> str | None:
    """The event that settled a stop, or None."""
    if stop["kind"] == "pickup":
        return next((e for e in ("picked_up", "failed") if e in events), None)
    if stop["kind"] == "delivery":
        if "failed" in events and "picked_up" not in events:
            return "failed"
        return next((e for e in TERMINAL if e in events), None)
    return None


def settling(stop: dict, events: dict[str, dict]) -> dict | None:
    """The event that settled a stop the postman came to (:func:`stop_state`), or None: unsettled, or a delivery
    never visited (its pickup failed)."""
    settled = stop_state(stop, events)
    if settled is None or (stop["kind"] == "delivery" and settled == "failed" and "picked_up" not in events):
        return None
    return events[settled]


def settled_at(stops: list[dict], events: dict[str, dict[str, dict]]) -> dict[tuple[str, str], int]:
    """When each of ``stops`` (of a route, with a task) was settled, by its task and kind: the time of the event that
    settled it (:func:`stop_state`), seconds of the day in Hanoi."""
    out = {}
    for stop in stops:
        own = events.get(stop["task"], {})
        settled = stop_state(stop, own)
        if settled is not None:
            out[(stop["task"], stop["kind"])] = _seconds(own[settled]["at"])
    return out


def arrived_at(stops: list[dict], events: dict[str, dict[str, dict]]) -> dict[tuple[str, str], int]:
    """When the postman said he came to each of ``stops`` (:data:`ARRIVED`), by its task and kind, seconds of the day
    in Hanoi."""
    out = {}
    for stop in stops:
        came = events.get(stop["task"], {}).get(arrival(stop["kind"]))
        if came is not None:
            out[(stop["task"], stop["kind"])] = _seconds(came["at"])
    return out


def _seconds(at: str) -> int:
    """Seconds of the day in Hanoi of an ISO time."""
    moment = datetime.fromisoformat(at).astimezone(HANOI)
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def behind(
    stops: list[dict], settled: dict[tuple[str, str], int], now: int, arrived: dict[tuple[str, str], int] | None = None
) -> int:
    """How far behind his plan a postman is along ``stops`` (task stops of his route, in order), s, rounded up to 5
    minutes: the last stop settled later than its planned departure, or the next one not settled past its planned
    arrival at ``now`` (seconds of the day), whichever is more (a stop he passed by unsettled does not hold him
    back); never ahead (0). At the next stop already (he said he came), that stop holds him back by how late he came
    and, past its planned departure, by how long he stays.

    Parameters
    ----------
    stops
        Stops of the day as it goes (``task``, ``kind``, ``arrival``, ``departure``).
    settled
        When they were settled (:func:`settled_at`).
    now
        The clock, seconds of the day in Hanoi.
    arrived
        When he said he came to them (:func:`arrived_at`), if known.
    """
    done = [k for k, s in enumerate(stops) if (s["task"], s["kind"]) in settled]
    late = 0
    if done:
        last = stops[done[-1]]
        late = settled[(last["task"], last["kind"])] - clock(last["departure"])
    pending = stops[done[-1] + 1 :] if done else stops
    if pending:
        here = pending[0]
        came = (arrived or {}).get((here["task"], here["kind"]))
        if came is None:
            late = max(late, now - clock(here["arrival"]))
        else:
            late = max(late, came - clock(here["arrival"]), now - clock(here["departure"]))
    return max(0, -(-late // 300) * 300)


def done_stops(store: Store, day: date) -> dict[str, int]:
    """Per postman, the stops of his route settled by events, counting the start (for :func:`ops.day.replan`)."""
    plan = stored(store, day)
    events = recorded(store.engine, plan["id"])
    out = {}
    for route in plan["result"]["plan"]["routes"]:
        # A delivery whose pickup failed was never visited: it does not end the part of the route travelled.
        settled = [i for i, s in enumerate(route["stops"]) if s["task"] and settling(s, events.get(s["task"], {}))]
        out[route["postman"]] = max(settled, default=0) + 1
    return out


def live(
    store: Store, day: date, *, now: str, reader: Principal | None = None, read_as: str = "GET /days/{date}"
) -> dict:
    """The day as it goes: every stop done or failed (with its event and what was recorded), late (its planned
    arrival passed) or remaining.

    Parameters
    ----------
    now
        The clock, ``HH:MM``.
    reader
        A postman: only his route, with the applicants' addresses, names and phones at address stops (each read
        logged).
    read_as
        What the access log says was read (the day, or its route sheet).

    A settled stop says what was recorded (``recorded``: when, Hanoi time, the record's number, why it failed, how
    far from the stop the phone was and whether that is ``far``). A result brought to a citizen's door says which
    try there it is (``door_try``: 2, the last of :data:`ops.daytasks.DOOR_ATTEMPTS`, after a failure on an earlier
    day), so that the postman calls ahead; a home pickup, the window its applicant was told by SMS (``told``). A stop
    the postman said he came to says when (``arrived``, Hanoi time; null otherwise). A stop
    at an agency or authority says the number of its visit's record (``handover_record``, :mod:`ops.records`), to
    sign there. Each route says where its postman's phone was last seen (``last_seen``: the newest event with a
    position), how far behind his plan he is (``behind_min``: :func:`behind`), and lists what he picked up and the
    plan no longer has him deliver (``carried_back``).

    Returns
    -------
    dict
        ``{"id", "version", "date", "now", "check", "synthetic", "counts": {"done", "failed", "late",
        "remaining"}, "routes": [...], "unserved": [...], "balance"}`` (``balance`` as :func:`ops.day.report` says
        it).
    """
    plan = stored(store, day)
    events = recorded(store.engine, plan["id"])
    numbers = records.numbers(store.engine, plan["id"])
    answer = plan["result"]["day"]
    counts = {"done": 0, "failed": 0, "late": 0, "remaining": 0}
    routes = []
    for route in answer["routes"]:
        if reader is not None and route["postman"] != reader.name:
            continue
        stops = []
        for stop in route["stops"]:
            own = events.get(stop["task"], {}) if stop["task"] else {}
            settled = stop_state(stop, own)
            if settled:
                status = "failed" if settled == "failed" else "done"
            else:
                status = "late" if clock(stop["arrival"]) < clock(now) else "remaining"
            if stop["task"]:
                counts[status] += 1
            what = None if settled is None else said(own[settled])
            at_office = stop["task"] and not stop["place"].startswith("address:")
            handover = numbers.get((stop["task"], stop["kind"])) if at_office else None
            came = own.get(arrival(stop["kind"]))
            stops.append(
                stop
                | {"status": status, "event": settled, "recorded": what, "handover_record": handover}
                | {"arrived": None if came is None else _hanoi_clock(came["at"])}
            )
        tasks = [s for s in stops if s["task"]]
        more = {
            "stops": stops,
            "carried_back": _carried_back(route, events),
            "last_seen": _last_seen(route, events),
            "behind_min": behind(tasks, settled_at(tasks, events), clock(now), arrived_at(tasks, events)) // 60,
        }
        routes.append(route | more)
    _door_tries(store, day, routes)
    _told(store, day, routes)
    if reader is not None:
        _addresses(store, reader, routes, read_as)
    return {
        "id": plan["id"],
        "version": plan["version"],
        "date": answer["date"],
        "now": now,
        "check": answer["check"],
        "synthetic": plan["result"]["synthetic"],
        "counts": counts,
        "routes": routes,
        "unserved": answer["unserved"] if reader is None else [],
        "balance": answer.get("balance"),
    }


def _door_tries(store: Store, day: date, routes: list[dict]) -> None:
    """Add to each delivery at a citizen's door which try there it is: one more than the tries at the door that
    failed before ``day`` (:func:`ops.daytasks.door_try`)."""
    doors = [s for r in routes for s in r["stops"] if s["kind"] == "delivery" and s["place"].startswith("address:")]
    if not doors:
        return
    ev = tables.events
    codes = sorted({c for s in doors for c in s["dossiers"]})
    query = (
        sa.select(ev.c.dossier_code, sa.func.count())
        .where(ev.c.dossier_code.in_(codes), daytasks.door_try(ev), ev.c.at < daytasks.day_start(day))
        .group_by(ev.c.dossier_code)
    )
    with store.engine.connect() as conn:
        failed = {code: n for code, n in conn.execute(query)}
    for stop in doors:
        stop["door_try"] = 1 + max((failed.get(c, 0) for c in stop["dossiers"]), default=0)


def _told(store: Store, day: date, routes: list[dict]) -> None:
    """Add to each home pickup the window its applicant was told by SMS (``told``, ``HH:MM-HH:MM``,
    :func:`ops.notices.pickups`), for the postman to keep to, None when no notice was sent; and whether that
    notice reached nobody (``told_unreached``: passed over by the provider, or undelivered by its receipt,
    :func:`ops.receipts.unreached`), for him to phone ahead."""
    homes = [s for r in routes for s in r["stops"] if s["kind"] == "pickup" and s["place"].startswith("address:")]
    if not homes:
        return
    pn = tables.pickup_notices
    codes = [c for s in homes for c in s["dossiers"]]
    missed = receipts.unreached(pn.c.ref, pn.c.dossier_code)
    query = sa.select(pn.c.dossier_code, pn.c.start, pn.c.end, missed).where(
        pn.c.day == day, pn.c.dossier_code.in_(codes)
    )
    with store.engine.connect() as conn:
        told = {code: (f"{start}-{end}", bool(unreached)) for code, start, end, unreached in conn.execute(query)}
    for stop in homes:
        stop["told"], stop["told_unreached"] = next((told[c] for c in stop["dossiers"] if c in told), (None, None))


def _last_seen(route: dict, events: dict[str, dict[str, dict]]) -> dict | None:
    """Where the postman of ``route`` was at his newest event that said where his phone was, and when (Hanoi)."""
    seen = [e for s in route["stops"] if s["task"] for e in events.get(s["task"], {}).values() if e.get("position")]
    last = max(seen, key=lambda e: e["at"], default=None)
    return None if last is None else last["position"] | {"at": _hanoi_clock(last["at"]), "task": last["task"]}


def said(event: dict) -> dict:
    """What the day as it goes says of an event recorded: who signed for it at an address (``signer``; none for
    events recorded before proofs were taken), and for events recorded before reasons had codes and phones their
    position: a failure's words are ``other``, no distance."""
    off = event.get("off_m")
    accuracy = (event.get("position") or {}).get("accuracy_m") or 0.0
    failed = event["event"] == "failed"
    return {
        "at": _hanoi_clock(event["at"]),
        "record_no": event["record_no"],
        "reason_code": event.get("reason_code", "other") if failed else None,
        "reason": event["reason"],
        "off_m": off,
        "far": off is not None and off > FAR_M + accuracy,
        "signer": (event.get("proof") or {}).get("signer"),
        "photo": bool(event.get("photo")),
    }


def _hanoi_clock(at: str) -> str:
    """``HH:MM`` in Hanoi of an ISO time."""
    return datetime.fromisoformat(at).astimezone(HANOI).strftime("%H:%M")


def _carried_back(route: dict, events: dict[str, dict[str, dict]]) -> list[dict]:
    """The tasks ``route`` picked up and no longer delivers (a re-plan left no time: ``carried_back``), each with
    its dossiers and whether it is ``in_bag`` still or ``brought_back`` (its ``failed`` event recorded: the
    dossiers are at their agency again, for the next re-plan: :func:`brought_back`)."""
    delivered = {s["task"] for s in route["stops"] if s["kind"] != "pickup"}
    return [
        {
            "task": s["task"],
            "seq": s["seq"],
            "name": s["name"],
            "dossiers": s["dossiers"],
            "status": "brought_back" if "failed" in events.get(s["task"], {}) else "in_bag",
        }
        for s in route["stops"]
        if s["kind"] == "pickup" and s["task"] not in delivered and "picked_up" in events.get(s["task"], {})
    ]


def brought_back(store: Store, day: date) -> set[str]:
    """The dossiers postmen brought back during ``day`` from what a re-plan took off their routes (``carried_back``,
    recorded brought back) that no other task of the plan carries yet: for :func:`ops.day.replan` to give them to
    another postman the same day."""
    plan = stored(store, day)
    events = recorded(store.engine, plan["id"])
    back = {
        c["task"]
        for r in plan["result"]["day"]["routes"]
        for c in _carried_back(r, events)
        if c["status"] == "brought_back"
    }
    tasks = plan["state"]["dossiers"]
    held = {code for task, codes in tasks.items() if task not in back for code in codes}
    return {code for task in back for code in tasks[task]} - held


def _addresses(store: Store, reader: Principal, routes: list[dict], read_as: str) -> None:
    """Add the applicant's address, name and phone to the postman's address stops (whom to hand the result to, whom
    to call when nobody opens), logging each read."""
    codes = [c for r in routes for s in r["stops"] if s["place"].startswith("address:") for c in s["dossiers"]]
    if not codes:
        return
    d = tables.dossiers
    columns = (d.c.applicant_address, d.c.applicant_name, d.c.applicant_phone)
    with store.engine.connect() as conn:
        found = {row[0]: row[1:] for row in conn.execute(sa.select(d.c.code, *columns).where(d.c.code.in_(codes)))}
    for r in routes:
        for s in r["stops"]:
            if s["place"].startswith("address:"):
                said = [found[c] for c in s["dossiers"] if c in found]
                for k, key in enumerate(("address", "applicant_name", "phone")):
                    s[key] = "; ".join(dict.fromkeys(a[k] for a in said))
    for code in codes:
        accounts.log_access(store.engine, reader, code, read_as)
