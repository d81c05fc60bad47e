"""Notices to applicants, by SMS, drawn from the feed of changes (:mod:`ops.changes`): a result waiting at its
agency for the applicant to collect, and a result on its way to the applicant's door, as delivery services tell
the recipient (Onfleet's notifications, the carriers' "out for delivery"); and drawn from the day's plan, when the
postman comes to collect a home pickup's dossier (:func:`pickups`), and when he is on his way to the door
(:func:`on_the_way`).

They go out as the feed is pushed (:func:`ops.push.push`, shaped by the service's words: :mod:`api.notify`), a
batch of notices for each page of changes, so that each notice is sent at least once and none is skipped: the
receiver, the postal operator's SMS gateway, keeps a notice once by its ``ref``. The applicant's phone is personal
data: each notice's read is written to the access log.

A notice says what is true when it is sent: one whose dossier has moved since (a result collected, delivered, or
its delivery failed, before the feed was pushed) is not sent. Notices go out within sending hours
(:data:`SENDING_HOURS` unless the operator says others), so that nobody is woken by one; those of the night wait for
the morning, and what has moved meanwhile is not said. The time the postman comes to a door is the window the
citizen's tracking page shows (:mod:`ops.visits`). An applicant who said no to the notices of a dossier
(:func:`choose`, from the tracking page) is sent none of them, until he takes them again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Literal, get_args

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo._errors import InputError
from geo.hours import HANOI, check_hours, is_open, next_change
from ops import daytasks, receipts, tables, visits
from ops.dossiers import utc
from ops.gateways import ZALO, Taken
from ops.store import Store
from routing.problem import clock

KINDS = {"for_collection": "for_collection", "returning": "out_for_delivery", "failed_return": "missed_delivery"}
"""What an applicant is told, by the move that tells it: the result is at its agency to collect, on its way to the
applicant's address with the postman, or not delivered there that day and to come again. Only of a result returned
to the address whose door is not given up: once it is, the result goes to its agency, and the applicant is told
when it is there (:func:`ops.daytasks.door_given_up`)."""

Kind = Literal[
    "for_collection",
    "out_for_delivery",
    "missed_delivery",
    "home_pickup",
    "home_pickup_moved",
    "pickup_on_the_way",
    "delivery_on_the_way",
    "pickup_later",
    "delivery_later",
]
"""What a notice says (``kind``)."""

EVERY_KIND: tuple[str, ...] = get_args(Kind)
"""Every kind of notice: those of the feed (:data:`KINDS`), and of the day's plan (:func:`pickups`,
:func:`on_the_way`)."""

SENDING_HOURS = "07:00-21:00"
"""When notices go out unless the operator says otherwise: Hanoi time, OSM ``opening_hours`` syntax (``24/7`` for at
any hour). Many applicants are older people; a text at night wakes them for news that keeps until the morning."""

SILENT_S = 15 * 60
"""How long a Zalo notice may go without a receipt before the same is sent by SMS (:func:`silent`), unless the
operator says otherwise: Zalo's receipt comes within seconds of a phone that is on and has Zalo; a quarter of an hour
is the wait of an assumption, as multichannel services let their users set one."""

SILENT_WITHIN = timedelta(days=1)
"""The oldest Zalo notice :func:`silent` follows up: a service that starts sending the SMS after a while does not
send the old news of every notice before."""

READER = ("notices", "system")
"""Who reads the applicants' phones for the notices, as the access log says it (name, role)."""

_FIRST_PHONE = re.compile(r"\+?[0-9][0-9 .-]{7,19}")


def of_changes(store: Store, changes: list[dict], now: datetime) -> list[dict]:
    """The notices a page of the feed of changes asks for at ``now``, in its order.

    Parameters
    ----------
    store
        The store.
    changes
        Changes of the feed (:func:`ops.changes.after`): ``code``, ``seq``, ``state``.
    now
        The time they are sent: a result on its way to the door is said with the window the tracking page shows
        then (:func:`ops.visits.door_visit`), when today's plan has the postman at that door.

    Returns
    -------
    list of dict
        ``{"ref", "kind", "code", "phone", "agency_id", "synthetic"}``; ``day``, ``start`` and ``end`` for a result
        on its way with its window, ``day`` for one not delivered (the day of the try). ``ref`` is the change's
        dossier and move, ``<code>:<seq>``, the same when a page is sent again; ``phone`` the applicant's first
        number, digits and a leading +. No notice for a change its dossier has moved on from since.
    """
    asked = [c for c in changes if c["state"] in KINDS]
    if not asked:
        return []
    engine = store.engine
    codes = {c["code"] for c in asked}
    d, ev = tables.dossiers, tables.events
    query = sa.select(d.c.code, d.c.seq, d.c.applicant_phone, d.c.agency_id, d.c.return_mode, d.c.synthetic)
    failed = (
        sa.select(ev.c.dossier_code, ev.c.seq, ev.c.reason, daytasks.door_try(ev).label("at_door"))
        .where(ev.c.dossier_code.in_(codes), ev.c.state == "failed_return")
        .order_by(ev.c.seq)
    )
    with engine.connect() as conn:
        rows = {r.code: r for r in conn.execute(query.where(d.c.code.in_(codes)))}
        tries = conn.execute(failed).all()
        quiet = _quiet(conn, codes)
    out = []
    for change in asked:
        row = rows[change["code"]]
        if row.seq != change["seq"] or row.code in quiet:
            continue  # the dossier has moved since, the notice would no longer be true; or no SMS, its applicant said
        # A failure counts itself: after the last try at the door, the result goes to its agency.
        failures = [t for t in tries if t.dossier_code == row.code]
        upto = change["seq"] + (change["state"] == "failed_return")
        if change["state"] != "for_collection" and (row.return_mode != "address" or _given_up(failures, upto)):
            continue  # to or at its agency: the applicant is told once it is there
        phone = _phone(row.applicant_phone)
        if phone is None:
            continue
        visit = visits.door_visit(store, row.code, now=now) if change["state"] == "returning" else None
        # A window past (the postman late) is not said: "today" only.
        when = (
            {} if visit is None or visit["late"] else {"day": visit["date"], "start": visit["from"], "end": visit["to"]}
        )
        if change["state"] == "failed_return":
            when = {"day": datetime.fromisoformat(change["at"]).astimezone(HANOI).date().isoformat()}
        out.append(
            {
                "ref": f"{change['code']}:{change['seq']}",
                "kind": KINDS[change["state"]],
                "code": change["code"],
                "phone": phone,
                "agency_id": row.agency_id,
                "synthetic": row.synthetic,
            }
            | when
        )
    if out:
        _logged(engine, [n["code"] for n in out])
    return out


def sending_hours(hours: str) -> str:
    """``hours`` checked as sending hours: OSM ``opening_hours`` that open at some time.

    Raises
    ------
    InputError
        Not ``opening_hours``, or never open (``off``).
    """
    if not check_hours(hours):
        raise InputError(f"send-hours: OSM opening_hours such as {SENDING_HOURS} or 24/7, got {hours!r}")
    held_until(hours, datetime.now(UTC))
    return hours


def held_until(hours: str, now: datetime) -> datetime | None:
    """Until when notices are held at ``now`` (aware), outside the sending ``hours``: the time these open, Hanoi time;
    None within them.

    Raises
    ------
    InputError
        ``hours`` closed at ``now`` and never open after.
    """
    local = now.astimezone(HANOI).replace(tzinfo=None)
    if is_open(hours, local):
        return None
    opens = next_change(hours, local)
    if opens is None:
        raise InputError(f"send-hours: {hours!r} are never open: no notice would go out")
    return opens.replace(tzinfo=HANOI)


def pickups(store: Store, now: datetime) -> list[dict]:
    """The notices of the home pickups of today's newest plan (Hanoi's date of ``now``): when the postman comes to
    the applicant's home for the dossier, in the window the tracking page shows (:func:`ops.visits.door_visit`), to
    those not yet told, and again to those whose time expected has left the window told (a re-plan, the postman
    behind his plan). A pickup made or failed, or no longer asked, is not told; nor one whose window is past, the
    postman late (:func:`ops.visits.door_visit`'s ``late``).

    Returns
    -------
    list of dict
        ``{"ref", "kind", "code", "phone", "day", "start", "end", "synthetic"}``: ``kind`` ``home_pickup``, or
        ``home_pickup_moved`` for a notice sent again; ``ref`` ``<code>:pickup:<day>:<start>``; ``start`` and
        ``end`` ``HH:MM``, Hanoi time. Record them as sent with :func:`told`.
    """
    day = now.astimezone(HANOI).date()
    planned = [code for code, (stop, _) in visits.doors(store, day.isoformat()).items() if stop["kind"] == "pickup"]
    if not planned:
        return []
    d, pn = tables.dossiers, tables.pickup_notices
    waiting = sa.select(d.c.code, d.c.applicant_phone, d.c.synthetic).where(
        d.c.code.in_(planned), d.c.channel == "home_pickup", d.c.state == "received"
    )
    with store.engine.connect() as conn:
        quiet = _quiet(conn, planned)
        rows = [r for r in conn.execute(waiting) if r.code not in quiet]
        before = {r.dossier_code: r for r in conn.execute(sa.select(pn).where(pn.c.day == day))}
    out = []
    for row in rows:
        visit = visits.door_visit(store, row.code, now=now)
        if visit is None or visit["late"]:
            continue  # none planned, or no time to say: past its window, the re-plan the dispatcher makes will tell
        told = before.get(row.code)
        if told is not None and _in_window(visit, told):
            continue
        phone = _phone(row.applicant_phone)
        if phone is None:
            continue
        out.append(
            {
                "ref": f"{row.code}:pickup:{visit['date']}:{visit['from']}",
                "kind": "home_pickup" if told is None else "home_pickup_moved",
                "code": row.code,
                "phone": phone,
                "day": visit["date"],
                "start": visit["from"],
                "end": visit["to"],
                "synthetic": row.synthetic,
            }
        )
    if out:
        _logged(store.engine, [n["code"] for n in out])
    return out


def _in_window(visit: dict, told: sa.Row) -> bool:
    """Whether the postman, as ``visit`` (:func:`ops.visits.door_visit`) expects him, still comes within the window
    told (a row of ``pickup_notices``): the middle of the window he is now expected in lies inside it."""
    expected = (clock(visit["from"]) + clock(visit["to"])) // 2
    return clock(told.start) <= expected <= clock(told.end)


def on_the_way(store: Store, now: datetime) -> list[dict]:
    """The notices that the postman is on his way to a door, by today's newest plan (Hanoi's date of ``now``): to the
    applicant of each home pickup still to collect and of each result he carries to the address, once every task
    stop of his route before theirs is settled and he is expected within :data:`ops.visits.ON_THE_WAY_S`
    (:func:`ops.visits.on_the_way`); once a day each. Told again when he is now expected a quarter of an hour or
    more after the time told (:func:`ops.visits.later`: a re-plan put stops before the door, or he has fallen
    behind), with the new time. Not when he is late past the window (the dispatcher's re-plan will tell).

    Returns
    -------
    list of dict
        ``{"ref", "kind", "code", "phone", "day", "expected", "synthetic"}``: ``kind`` ``pickup_on_the_way`` or
        ``delivery_on_the_way``, ``ref`` ``<code>:way:<day>``; told again, ``pickup_later`` or ``delivery_later``,
        ``ref`` ``<code>:way:<day>:<expected>``; ``expected`` ``HH:MM``, Hanoi time, the expected arrival rounded
        up to five minutes, now at the earliest. Record them as sent with :func:`told`.
    """
    day = now.astimezone(HANOI).date()
    planned = visits.doors(store, day.isoformat())
    if not planned:
        return []
    d, wn = tables.dossiers, tables.way_notices
    carried = sa.select(d.c.code, d.c.channel, d.c.state, d.c.applicant_phone, d.c.synthetic).where(
        d.c.code.in_(planned),
        sa.or_(d.c.state == "returning", sa.and_(d.c.channel == "home_pickup", d.c.state == "received")),
    )
    with store.engine.connect() as conn:
        rows = conn.execute(carried).all()
        quiet = _quiet(conn, planned)
        told = dict(conn.execute(sa.select(wn.c.dossier_code, wn.c.expected).where(wn.c.day == day)).all())
    out = []
    for row in rows:
        kind = planned[row.code][0]["kind"]
        if row.code in quiet or (kind == "pickup") != (row.state == "received"):
            continue  # no SMS; or a result not yet his to bring (he has not taken it), a pickup no more
        visit = visits.door_visit(store, row.code, now=now)
        phone = _phone(row.applicant_phone)
        if visit is None or phone is None:
            continue
        if row.code in told:
            expected = visits.later(visit, now, told[row.code])
            ref, said = f"{row.code}:way:{visit['date']}:{expected}", f"{kind}_later"
        else:
            expected = visits.on_the_way(visit, now)
            ref, said = f"{row.code}:way:{visit['date']}", f"{kind}_on_the_way"
        if expected is None:
            continue
        out.append(
            {
                "ref": ref,
                "kind": said,
                "code": row.code,
                "phone": phone,
                "day": visit["date"],
                "expected": expected,
                "synthetic": row.synthetic,
            }
        )
    if out:
        _logged(store.engine, [n["code"] for n in out])
    return out


def silent(store: Store, receiver: str, now: datetime, after_s: int = SILENT_S) -> list[dict]:
    """The notices to send again by SMS: those the provider of ``receiver`` took by Zalo ``after_s`` seconds or more
    before ``now`` (and within :data:`SILENT_WITHIN`) that no receipt says reached the phone, not followed up yet,
    and still true now. Zalo sends no receipt of a message that did not arrive: one not on the phone by then may
    never be (no Zalo on the phone, the phone off), and the applicant's SMS reaches any phone.

    Still true: of the feed, a dossier that has not moved since, the notice made again as :func:`of_changes` makes it
    now (a result on its way, with the window the tracking page shows now); of a home pickup's window, the window
    still the one told today, the pickup not made and the postman expected in it. That the postman is on his way is
    not sent again: a quarter of an hour later he is at the door, or told again (:func:`on_the_way`).

    Returns
    -------
    list of dict
        The notices as :func:`of_changes` and :func:`pickups` give them, each ``ref`` the Zalo notice's and
        :data:`ops.tables.FOLLOW_UP`.
    """
    sn, rn, pn, ev = tables.sent_notices, tables.refused_notices, tables.pickup_notices, tables.events
    later = sn.alias("later")
    again = sn.c.ref.concat(tables.FOLLOW_UP)
    followed = sa.exists().where(later.c.receiver == receiver, later.c.ref == again) | sa.exists().where(
        rn.c.receiver == receiver, rn.c.ref == again
    )
    quiet_zalo = sa.select(sn.c.ref, sn.c.kind, sn.c.dossier_code).where(
        sn.c.receiver == receiver,
        sn.c.channel == ZALO,
        sn.c.receipt.is_(None),
        sn.c.at <= now - timedelta(seconds=after_s),
        sn.c.at > now - SILENT_WITHIN,
        sn.c.kind.in_([*KINDS.values(), "home_pickup", "home_pickup_moved"]),
        ~followed,
    )
    today = now.astimezone(HANOI).date()
    with store.engine.connect() as conn:
        found = conn.execute(quiet_zalo.order_by(sn.c.at, sn.c.ref)).all()
        moves = [f.ref.rsplit(":", 1) for f in found if f.kind in KINDS.values()]
        pairs = [(code, int(seq)) for code, seq in moves]
        changed = sa.select(ev.c.dossier_code, ev.c.seq, ev.c.state, ev.c.at).where(
            sa.tuple_(ev.c.dossier_code, ev.c.seq).in_(pairs)
        )
        events = conn.execute(changed).all() if pairs else []
        windows = sa.select(pn).where(pn.c.day == today, pn.c.ref.in_([f.ref for f in found]))
        told_windows = conn.execute(windows).all()
    changes = [{"code": e.dossier_code, "seq": e.seq, "state": e.state, "at": utc(e.at).isoformat()} for e in events]
    kinds = {f.ref: f.kind for f in found}
    out = of_changes(store, changes, now) + _windows_still(store, told_windows, kinds, now)
    return [n | {"ref": n["ref"] + tables.FOLLOW_UP} for n in out]


def _windows_still(store: Store, told_windows: Iterable[sa.Row], kinds: Mapping[str, str], now: datetime) -> list[dict]:
    """Of the home pickups' windows told today (rows of ``pickup_notices``), those still true at ``now``, as notices
    of :func:`pickups` of the kind they were told by (``kinds``, by ref): the pickup still to make, the postman
    expected in the window told."""
    d = tables.dossiers
    codes = [w.dossier_code for w in told_windows]
    if not codes:
        return []
    waiting = sa.select(d.c.code, d.c.applicant_phone, d.c.synthetic).where(
        d.c.code.in_(codes), d.c.channel == "home_pickup", d.c.state == "received"
    )
    with store.engine.connect() as conn:
        quiet = _quiet(conn, codes)
        rows = {r.code: r for r in conn.execute(waiting) if r.code not in quiet}
    out = []
    for told_window in told_windows:
        row = rows.get(told_window.dossier_code)
        visit = None if row is None else visits.door_visit(store, row.code, now=now)
        phone = None if row is None else _phone(row.applicant_phone)
        if row is None or visit is None or visit["late"] or phone is None:
            continue
        if not _in_window(visit, told_window):
            continue  # moved: the new window is told by pickups()
        out.append(
            {
                "ref": told_window.ref,
                "kind": kinds[told_window.ref],
                "code": row.code,
                "phone": phone,
                "day": told_window.day.isoformat(),
                "start": told_window.start,
                "end": told_window.end,
                "synthetic": row.synthetic,
            }
        )
    if out:
        _logged(store.engine, [n["code"] for n in out])
    return out


def told(engine: Engine, sent: list[dict]) -> None:
    """Keep that the notices ``sent`` (:func:`pickups`, :func:`on_the_way`) were taken by the gateway: what the
    applicants now expect, not to be told again."""
    at = datetime.now(UTC)
    with engine.begin() as conn:
        for n in sent:
            way = n["kind"].endswith(("_on_the_way", "_later"))
            kept = tables.way_notices if way else tables.pickup_notices
            day = date.fromisoformat(n["day"])
            key = (kept.c.dossier_code == n["code"]) & (kept.c.day == day)
            values = {"ref": n["ref"], "sent_at": at} | (
                {"expected": n["expected"]} if way else {"start": n["start"], "end": n["end"]}
            )
            if conn.execute(sa.update(kept).where(key).values(**values)).rowcount == 0:
                conn.execute(sa.insert(kept).values(dossier_code=n["code"], day=day, **values))


def choose(engine: Engine, code: str, *, sms: bool, by: str) -> None:
    """Keep whether the applicant of dossier ``code`` takes its SMS notices (``sms``), as ``by`` says it
    (``citizen``: on the tracking page); from then on none is sent while he does not."""
    nc = tables.notice_choices
    values = {"sms": sms, "by": by, "at": datetime.now(UTC)}
    with engine.begin() as conn:
        if conn.execute(sa.update(nc).where(nc.c.dossier_code == code).values(**values)).rowcount == 0:
            conn.execute(sa.insert(nc).values(dossier_code=code, **values))


def takes_sms(engine: Engine, code: str) -> bool:
    """Whether the applicant of dossier ``code`` takes its SMS notices (yes unless he said no: :func:`choose`)."""
    with engine.connect() as conn:
        return code not in _quiet(conn, [code])


def unreached() -> sa.ColumnElement[bool]:
    """Whether the applicant of a dossier (a row of :data:`ops.tables.dossiers`) was not reached by the notice of the
    move it stands at (its ref ``<code>:<seq>``, :func:`ops.receipts.unreached`), nor since by the counter's phone
    call (:func:`called`). The counter then phones him: his result is waiting and he does not know it."""
    d, nc = tables.dossiers, tables.notice_calls
    ref = d.c.code.concat(":").concat(sa.cast(d.c.seq, sa.String))
    phoned = sa.exists().where(nc.c.dossier_code == d.c.code, nc.c.seq == d.c.seq, nc.c.reached)
    return receipts.unreached(ref, d.c.code) & ~phoned


CALL_NOTE_CHARS = 300
"""The longest note of a phone call (``notice_calls.note``)."""


def called(engine: Engine, code: str, *, reached: bool, by: str, note: str | None = None) -> None:
    """Keep that ``by``, at the counter, phoned the applicant of dossier ``code`` about the move it stands at:
    ``reached`` (he now knows: off the list of those to call) or not (no answer: still on it), and what was said
    (``note``: "will come on Monday", "number out of service"), as a case-tracking system keeps each attempt. Every
    call is kept; one that reached him settles the move.

    Raises
    ------
    InputError
        A ``note`` longer than :data:`CALL_NOTE_CHARS`.
    """
    said = " ".join((note or "").split()) or None
    if said is not None and len(said) > CALL_NOTE_CHARS:
        raise InputError(f"note: at most {CALL_NOTE_CHARS} characters, got {len(said)}")
    d, nc = tables.dossiers, tables.notice_calls
    with engine.begin() as conn:
        seq = conn.execute(sa.select(d.c.seq).where(d.c.code == code)).scalar_one()
        values = {"reached": reached, "by": by, "at": datetime.now(UTC), "note": said}
        conn.execute(sa.insert(nc).values(dossier_code=code, seq=seq, **values))


def unreached_among(engine: Engine, codes: Iterable[str]) -> set[str]:
    """Of the dossiers ``codes`` (a page of a list), those whose applicant was not reached by the notice of where
    it stands (:func:`unreached`)."""
    d = tables.dossiers
    with engine.connect() as conn:
        return set(conn.execute(sa.select(d.c.code).where(d.c.code.in_(list(codes)), unreached())).scalars())


def keeper(receiver: str) -> Callable[[sa.Connection, dict], None]:
    """What is kept of a batch of notices the gateway ``receiver`` took (:data:`ops.push.Kept`): each notice sent,
    by dossier, but for those it passed over (:func:`passed`), once by its ``ref``."""
    return lambda conn, body: _keep(conn, receiver, body["messages"])


@dataclass(frozen=True)
class Ledger:
    """The notices the provider ``receiver`` took (:mod:`ops.gateways`), kept one by one as they go: a batch sent
    again after a failure halfway sends none twice."""

    engine: Engine
    receiver: str

    def has(self, message: dict) -> bool:
        """Whether the provider took ``message`` before."""
        sn = tables.sent_notices
        key = (sn.c.receiver == self.receiver) & (sn.c.ref == message["ref"])
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sn.c.ref).where(key)).first() is not None

    def took(self, message: dict, taken: Taken) -> None:
        """Keep that the provider took ``message``, by the channel and with the id it said (``taken``)."""
        with self.engine.begin() as conn:
            _keep(conn, self.receiver, [message], taken)


def _keep(conn: sa.Connection, receiver: str, messages: list[dict], taken: Taken | None = None) -> None:
    """Keep the notices ``messages`` as taken by ``receiver`` (by a provider, as it said: ``taken``), but for those
    kept before or passed over."""
    sn, rn = tables.sent_notices, tables.refused_notices
    refs = [m["ref"] for m in messages]
    known = set(conn.execute(sa.select(sn.c.ref).where((sn.c.receiver == receiver) & sn.c.ref.in_(refs))).scalars())
    known |= set(conn.execute(sa.select(rn.c.ref).where((rn.c.receiver == receiver) & rn.c.ref.in_(refs))).scalars())
    at = datetime.now(UTC)
    how = {} if taken is None else {"channel": taken.channel, "provider_id": taken.id}
    rows = [
        {"receiver": receiver, "ref": m["ref"], "dossier_code": _code(m["ref"]), "kind": m["kind"], "at": at} | how
        for m in messages
        if m["ref"] not in known
    ]
    if rows:
        conn.execute(sa.insert(sn), rows)


def of_dossier(engine: Engine, code: str) -> dict:
    """What the applicant of dossier ``code`` was sent, for the counter to answer "was I told?".

    Returns
    -------
    dict
        ``{"sms", "chosen_by", "chosen_at", "unreached", "call", "calls", "notices"}``: whether he takes the
        notices, who said so last and when (None by default); whether the notice of the move the dossier stands at
        reached nobody (:func:`unreached`), and the counter's last phone call about it (``{"seq", "reached", "by",
        "at", "note"}``, or None: :func:`called`); ``calls``, every call about the dossier, oldest first;
        ``notices``, oldest first, ``{"at", "kind", "receiver", "ref", "follow_up", "passed",
        "channel", "receipt", "receipt_at", "receipt_words"}``, each taken by a gateway, or passed over (``passed``,
        the provider's words: :func:`passed`); ``follow_up``, the SMS sent again of a Zalo notice no receipt
        confirmed (:func:`silent`); of a provider's, the channel it went by and its delivery receipt
        (:mod:`ops.receipts`), None until one comes. Times aware, UTC.
    """
    sn, rn, nc = tables.sent_notices, tables.refused_notices, tables.notice_choices
    d, calls = tables.dossiers, tables.notice_calls
    with engine.connect() as conn:
        sent = conn.execute(sa.select(sn).where(sn.c.dossier_code == code)).mappings().all()
        refused = conn.execute(sa.select(rn).where(rn.c.dossier_code == code)).mappings().all()
        choice = conn.execute(sa.select(nc).where(nc.c.dossier_code == code)).mappings().one_or_none()
        missed = conn.execute(sa.select(d.c.code).where(d.c.code == code, unreached())).first() is not None
        seq = conn.execute(sa.select(d.c.seq).where(d.c.code == code)).scalar_one_or_none()
        made = sa.select(calls.c.seq, calls.c.reached, calls.c.by, calls.c.at, calls.c.note)
        every = conn.execute(made.where(calls.c.dossier_code == code).order_by(calls.c.id)).mappings().all()
    found = [_said(r) | {"passed": None} | {k: r[k] for k in RECEIPT_KEYS} for r in sent]
    found += [_said(r) | {"passed": r["reason"]} | dict.fromkeys(RECEIPT_KEYS) for r in refused]
    for notice in found:
        notice["receipt_at"] = notice["receipt_at"] and utc(notice["receipt_at"])
    phoned = [dict(c) | {"at": utc(c["at"])} for c in every]
    return {
        "sms": choice is None or choice["sms"],
        "chosen_by": None if choice is None else choice["by"],
        "chosen_at": None if choice is None else utc(choice["at"]),
        "unreached": missed,
        "call": next((c for c in reversed(phoned) if c["seq"] == seq), None),
        "calls": phoned,
        "notices": sorted(found, key=lambda n: (n["at"], n["ref"])),
    }


RECEIPT_KEYS = ("channel", "receipt", "receipt_at", "receipt_words")
"""What :func:`of_dossier` says of how a notice went and whether it arrived."""


def _said(row: sa.RowMapping) -> dict:
    """What a notice kept said, when, to which receiver, and whether it followed up a Zalo notice."""
    return {
        "at": utc(row["at"]),
        "kind": row["kind"],
        "receiver": row["receiver"],
        "ref": row["ref"],
        "follow_up": row["ref"].endswith(tables.FOLLOW_UP),
    }


def _code(ref: str) -> str:
    """The dossier a notice's ``ref`` is of: its code comes first (``<code>:<seq>``, ``<code>:pickup:...``)."""
    return ref.split(":", 1)[0]


def _quiet(conn: sa.Connection, codes: Iterable[str]) -> set[str]:
    """Of the dossiers ``codes``, those whose applicant said no to the SMS notices."""
    nc = tables.notice_choices
    return set(
        conn.execute(sa.select(nc.c.dossier_code).where(nc.c.dossier_code.in_(list(codes)), ~nc.c.sms)).scalars()
    )


def passed(engine: Engine, receiver: str, message: dict, why: str) -> None:
    """Keep that the SMS provider of ``receiver`` will never deliver ``message`` (:class:`api.notify.Texts`) to its
    phone, and ``why`` in its words (:data:`ops.gateways.ESMS_PHONE`): the notice is passed over, the batch goes on.
    The same notice passed over again (its batch sent again) is kept once, with the last words."""
    rn = tables.refused_notices
    longest = rn.c.reason.type.length  # type: ignore[attr-defined]
    values = {"reason": why[:longest], "at": datetime.now(UTC)}
    key = (rn.c.receiver == receiver) & (rn.c.ref == message["ref"])
    code = message["ref"].split(":", 1)[0]
    with engine.begin() as conn:
        if conn.execute(sa.update(rn).where(key).values(**values)).rowcount == 0:
            conn.execute(
                sa.insert(rn).values(
                    receiver=receiver, ref=message["ref"], dossier_code=code, kind=message["kind"], **values
                )
            )


def _phone(text: str) -> str | None:
    """The first phone number written in ``text``, its digits and a leading +; None without one."""
    found = _FIRST_PHONE.search(text)
    return None if found is None else re.sub(r"[^0-9+]", "", found.group())


def _given_up(failures: list[sa.Row], seq: int) -> bool:
    """Whether a result, its failed returns ``failures`` (oldest first), goes to its agency at its move ``seq``
    instead of the door (:func:`ops.daytasks.door_given_up`)."""
    before = [f for f in failures if f.seq < seq]
    return bool(before) and daytasks.door_given_up(sum(bool(f.at_door) for f in before), before[-1].reason)


def _logged(engine: Engine, codes: list[str]) -> None:
    """Write the reads of the applicants' phones to the access log, one row per notice."""
    at = datetime.now(UTC)
    who, role = READER
    rows = [{"at": at, "who": who, "role": role, "dossier_code": c, "what": "SMS notice"} for c in codes]
    with engine.begin() as conn:
        conn.execute(tables.access_log.insert(), rows)
