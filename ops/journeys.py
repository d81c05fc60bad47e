"""Synthetic past journeys: what the postal network did with stored synthetic dossiers up to a moment.

The portal's feed (:mod:`ops.simulate`) brings dossiers and decisions; the moves the postmen and the agencies
make (digitising, shuttling to the authority, bringing results back) come from the day's work. For a demo
store or a benchmark quarter that already lies in the past, this module writes those moves as the network
would have made them, in bulk (one transaction, a few statements):

- a paper dossier is digitised half an hour after reception, leaves for its authority at 08:30 on the next
  working day and is handed over an hour later (signed record ``BB-...``); a home pickup is collected at the
  applicant's door at 09:00 on the next working day, digitised there, and handed over an hour later;
- a decision that was waiting for the dossier is recorded once it is at the authority (an hour after the
  handover when the portal's decision came earlier);
- a result leaves at 14:00 when decided in the morning, else at 08:30 on the next working day, and is handed
  over two hours later (record ``BG-...``): at the applicant's door, or at the agency, where the applicant
  collects it at the counter at 10:00 on the next working day; :data:`FAILED_RETURN` of the deliveries to an
  address find nobody at home (the move's reason ``nobody_home``, :data:`ops.dayevents.FAILURES`) and go out again
  on the next working day, where they are handed over;
- at the applicant's door, the dossier collected and the result delivered are signed for, and so is a result
  collected at the agency's counter (:mod:`ops.proofs`, made-up signatures), :data:`AUTHORISED` of the results by a
  person the applicant authorised.

Only synthetic dossiers are moved, and only by moves that happen before ``until``.
"""

from __future__ import annotations

import logging
import random
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.engine import Engine
from tqdm import tqdm

from geo.hours import HANOI, is_working_day, working_day_after
from ops import proofs, tables
from ops.dossiers import OPEN_STATES, utc

log = logging.getLogger(__name__)

FAILED_RETURN = 0.04
"""Share of deliveries to an address that find nobody at home (assumption)."""

FAILED_REASON = "nobody_home"
"""The reason of those failures, as a postman records it."""

AUTHORISED = 0.1
"""Share of the results, at the door or the counter, that a person the applicant authorised signs for (assumption)."""

WHO = "synthetic"
"""The ``who`` of the moves written here."""


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), HANOI).astimezone(UTC)


def _steps(row: sa.Row, decision: datetime | None, fail: bool) -> list[tuple]:
    """The moves after the dossier's current state, as ``(state, at, place, record_no)``, in order."""
    steps: list[tuple] = []
    state, last = row.state, utc(row.last_at)
    if state == "received" and row.channel == "home_pickup":
        # Collected at the door on the next working day's round and taken straight to its authority, as a day's
        # plan does (ops.dayevents: picked up, digitised and on its way at once).
        collected = _at(working_day_after(last.astimezone(HANOI).date(), 1), 9)
        steps += [("digitised", collected, "address", None), ("to_authority", collected, "address", None)]
        state, last = "to_authority", collected
    elif state == "received" and row.channel != "online":
        steps.append(("digitised", last + timedelta(minutes=30), row.agency_id, None))
        state, last = "digitised", last + timedelta(minutes=30)
    if state == "digitised":
        leaves = _at(working_day_after(last.astimezone(HANOI).date(), 1), 8, 30)
        steps.append(("to_authority", leaves, row.agency_id, None))
        state, last = "to_authority", leaves
    if state == "to_authority":
        steps.append(("at_authority", last + timedelta(hours=1), row.authority_code, f"BB-{row.code}"))
        state, last = "at_authority", last + timedelta(hours=1)
    if state == "at_authority":
        if decision is None:
            return steps
        last = max(decision, last + timedelta(hours=1))
        steps.append(("decided", last, row.authority_code, None))
        state = "decided"
    if state == "failed_return":
        last = _at(working_day_after(last.astimezone(HANOI).date(), 1), 8, 0)
        steps.append(("decided", last, row.agency_id, None))
        state, fail = "decided", False
    if state == "decided":
        local = last.astimezone(HANOI)
        same_day = local.hour < 11 and is_working_day(local.date())
        leaves = _at(local.date(), 14) if same_day else _at(working_day_after(local.date(), 1), 8, 30)
        steps.append(("returning", leaves, row.authority_code, None))
        state, last = "returning", leaves
    if state == "returning":
        to_door = row.return_mode == "address"
        if to_door and fail:
            steps.append(("failed_return", last + timedelta(hours=2), "address", None))
            again = _at(working_day_after(last.astimezone(HANOI).date(), 1), 8, 0)
            steps.append(("decided", again, row.agency_id, None))
            leaves = again + timedelta(minutes=30)
            steps.append(("returning", leaves, row.agency_id, None))
            last = leaves
        arrives = last + timedelta(hours=2)
        if to_door:
            steps.append(("returned", arrives, "address", f"BG-{row.code}"))
            return steps
        steps.append(("for_collection", arrives, row.agency_id, f"BG-{row.code}"))
        state, last = "for_collection", arrives
    if state == "for_collection":
        # The applicant collects it at the counter the next working day (assumption), signing on the tablet.
        collected = _at(working_day_after(last.astimezone(HANOI).date(), 1), 10)
        steps.append(("returned", collected, row.agency_id, None))
    return steps


def _signed_event(state: str, place: str) -> str | None:
    """The event a move was signed for: at the applicant's door, a home pickup collected (``picked_up``, once, with
    its move on to the authority) or a result delivered (``delivered``); at the agency's counter, a result
    ``collected``; None for the other moves."""
    if state == "returned":
        return proofs.of_move(state, place)
    return "picked_up" if (state, place) == ("to_authority", "address") else None


def _proof(rng: random.Random, code: str, seq: int, event: str, at: datetime) -> dict:
    """A made-up proof row of ``code``'s move ``seq``."""
    by_other = event in ("delivered", "collected") and rng.random() < AUTHORISED
    if by_other:
        proof = proofs.synthetic(rng, signer="authorised", name="Người được ủy quyền (tổng hợp)")
    else:
        proof = proofs.synthetic(rng)
    return proofs.row(proof, key=f"journey:{code}:{seq}", code=code, event=event, at=at, taken_by=WHO, off_m=None)


def carry_out(engine: Engine, until: datetime, *, seed: int = 1, progress: bool = False) -> int:
    """Write the moves of the synthetic dossiers that the network would have made before ``until``.

    Parameters
    ----------
    engine
        The store.
    until
        Moves at or after this moment are not written (the dossiers stay where they are then).
    seed
        Seed of the failed deliveries.
    progress
        Show a progress bar on standard error.

    Returns
    -------
    int
        The number of moves written.
    """
    d, ev, pe = tables.dossiers, tables.events, tables.portal_events
    limit = utc(until)
    last_at = (
        sa.select(ev.c.at).where(ev.c.dossier_code == d.c.code, ev.c.seq == d.c.seq).scalar_subquery().label("last_at")
    )
    query = (
        sa.select(
            d.c.code, d.c.state, d.c.seq, d.c.channel, d.c.return_mode, d.c.agency_id, d.c.authority_code, last_at
        )
        .where(d.c.synthetic, d.c.state.in_(OPEN_STATES), d.c.received_at < limit)
        .order_by(d.c.code)
    )
    waiting = sa.select(pe.c.id, pe.c.dossier_code, pe.c.at).where(pe.c.event == "decided", ~pe.c.applied)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        decisions = {r.dossier_code: (r.id, utc(r.at)) for r in conn.execute(waiting)}
    fails = np.random.default_rng(seed).random(len(rows)) < FAILED_RETURN
    signing = random.Random(seed)
    events, states, applied, signed = [], [], [], []
    for row, fail in tqdm(zip(rows, fails, strict=True), total=len(rows), desc="journeys", disable=not progress):
        decision = decisions.get(row.code)
        steps = [s for s in _steps(row, decision[1] if decision else None, bool(fail)) if s[1] < limit]
        if not steps:
            continue
        for k, (state, at, place, record_no) in enumerate(steps, start=1):
            events.append(
                {
                    "dossier_code": row.code,
                    "seq": row.seq + k,
                    "state": state,
                    "at": at,
                    "who": WHO,
                    "place": place,
                    "record_no": record_no,
                    "reason": FAILED_REASON if state == "failed_return" else None,
                }
            )
            event = _signed_event(state, place)
            if event is not None:
                signed.append(_proof(signing, row.code, row.seq + k, event, at))
        states.append({"c": row.code, "old": row.seq, "state": steps[-1][0], "seq": row.seq + len(steps)})
        if decision and any(s[0] == "decided" for s in steps) and row.state != "decided":
            applied.append({"i": decision[0]})
    if not events:
        return 0
    now = datetime.now(UTC)
    with engine.begin() as conn:
        conn.execute(
            d.update()
            .where(d.c.code == sa.bindparam("c"), d.c.seq == sa.bindparam("old"))
            .values(state=sa.bindparam("state"), seq=sa.bindparam("seq"), updated_at=now),
            states,
        )
        conn.execute(ev.insert(), events)
        if signed:
            conn.execute(tables.proofs.insert(), signed)
        if applied:
            conn.execute(pe.update().where(pe.c.id == sa.bindparam("i")).values(applied=True), applied)
    log.info("journeys until %s: %d moves of %d dossiers", limit.isoformat(), len(events), len(states))
    return len(events)
