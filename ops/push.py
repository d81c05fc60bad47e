"""The feed of changes pushed to the province's portal: every change after the cursor the portal last took, a batch
at a time, POSTed to the portal's own address and signed; the cursor kept in the store once the portal has taken
the batch (answered 2xx), so that a push started again goes on from there.

The portal may read the same feed itself (``GET /portal/changes``, :mod:`ops.changes`); the provinces' portals more
often take the updates of a dossier on an address of their own, called by the postal system. A batch is the page
the feed serves, ``{"changes": [...], "next": cursor, "more": bool}``, with two headers:

- ``X-Agencynet-Signature: sha256=<hex>``, the HMAC-SHA256 of the body under a key both sides hold, as GitHub and
  Stripe sign the events they push: the portal checks it before taking the batch;
- ``X-Agencynet-Delivery: <first change's cursor>..<last change's cursor>``, the same each time a batch is sent.

Delivery is at least once: a batch the portal took but whose answer was lost is sent again, the same. The portal
keeps a change once by its cursor (or by the dossier's ``code`` and ``seq``). A change is never skipped: the cursor
moves only past what the portal took. A receiver of another form, an SMS provider's own API (:mod:`ops.gateways`),
is given each batch by a ``post`` of its own, under the same rules.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo._errors import InputError
from ops import changes, database, dossiers, tables
from ops.changes import Cursor
from ops.errors import PushError

BATCH = 500
"""Changes in one batch, by default."""

SIGNATURE = "X-Agencynet-Signature"
DELIVERY = "X-Agencynet-Delivery"

_TRY_AGAIN = frozenset({408, 425, 429})
"""The answers other than 5xx that ask to be sent again later (a timeout, too early, too many requests)."""


Post = Callable[[httpx.Client, str, dict, str], tuple[str, bool] | None]
"""How a batch goes to a receiver: ``post(client, url, body, delivery)``, None once taken, else what failed and
whether to try again later."""

Kept = Callable[[sa.Connection, dict], None]
"""What is written of a batch the receiver took, ``kept(conn, body)``, in the transaction that moves its cursor (the
notices sent, by dossier: :func:`ops.notices.keeper`)."""


@dataclass(frozen=True)
class Pushed:
    """What one push delivered: ``changes`` in ``batches``, and the cursor the receiver now stands at."""

    changes: int
    batches: int
    cursor: Cursor


def sign(secret: bytes, body: bytes) -> str:
    """The ``X-Agencynet-Signature`` of ``body`` under ``secret``: ``sha256=`` and the HMAC's hex digest."""
    return "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()


def position(engine: Engine, name: str) -> Cursor:
    """The cursor of the last change the receiver ``name`` took (:data:`ops.changes.START` for a new one)."""
    fp = tables.feed_pushes
    with engine.connect() as conn:
        stored = conn.execute(sa.select(fp.c.cursor).where(fp.c.name == name)).scalar_one_or_none()
    return changes.START if stored is None else changes.cursor(stored)


def waiting(engine: Engine, name: str) -> int:
    """How many changes the receiver ``name`` has still to take; raises :class:`PushError` when the store does not
    answer."""
    with _answering(engine):
        return changes.count(engine, position(engine, name))


def push(
    engine: Engine,
    name: str,
    url: str,
    secret: bytes,
    *,
    batch: int = BATCH,
    timeout_s: float = 30.0,
    progress: Callable[[int], object] | None = None,
    stop: threading.Event | None = None,
    shape: Callable[[dict], dict | None] | None = None,
    post: Post | None = None,
    kept: Kept | None = None,
) -> Pushed:
    """Push every change the receiver ``name`` has not taken to ``url``, a batch at a time, oldest first.

    Parameters
    ----------
    engine
        The store.
    name
        The receiver, by the name its cursor is kept under (``portal``).
    url
        Its ``http://`` or ``https://`` address.
    secret
        The key the batches are signed with.
    batch
        Most changes in one batch, 1 to :data:`ops.changes.LIMIT`.
    timeout_s
        How long to wait for the receiver's answer to one batch.
    progress
        Called with the number of changes of each batch taken.
    stop
        Once set, no batch is sent after the one on its way.
    shape
        What the receiver is sent of a page of the feed (the page itself when omitted): the applicants' notices of
        its changes, for an SMS gateway (:mod:`ops.notices`). A page it makes nothing of (None) is taken as sent.
    post
        How a batch goes to the receiver (:func:`signed` with ``secret`` when omitted): an SMS provider's own API
        (:mod:`ops.gateways`).
    kept
        What is written of each batch taken, with the cursor.

    Returns
    -------
    Pushed
        What the receiver took.

    Raises
    ------
    InputError
        ``url`` not an http(s) address, ``batch`` out of range, ``name`` empty or too long.
    PushError
        The receiver did not take a batch, or the store stopped answering; the batches taken before are kept as
        taken.
    """
    _check(name, url, batch)
    taken = batches = 0
    with _answering(engine):
        since = position(engine, name)
        with httpx.Client(timeout=timeout_s) as client:
            while stop is None or not stop.is_set():
                page = changes.after(engine, since, limit=batch)
                if not page["changes"]:
                    break
                body = page if shape is None else shape(page)
                if body is not None:
                    delivery = f"{page['changes'][0]['cursor']}..{page['next']}"
                    _deliver(engine, client, name, url, post or signed(secret), body, delivery, since)
                since = changes.cursor(page["next"])
                count = len(page["changes"])
                with engine.begin() as conn:
                    _upsert(
                        conn, name, url, since, added=count, pushed_at=datetime.now(UTC), failed_at=None, failure=None
                    )
                    if kept is not None and body is not None:
                        kept(conn, body)
                taken, batches = taken + count, batches + 1
                if progress is not None:
                    progress(count)
    return Pushed(changes=taken, batches=batches, cursor=since)


@contextmanager
def _answering(engine: Engine) -> Iterator[None]:
    """A store that stops answering (a restart, the network) is a :class:`PushError` worth trying again."""
    try:
        yield
    except sa.exc.OperationalError as exc:
        shown = engine.url.render_as_string(hide_password=True)
        raise PushError(f"database {shown}: {database.first_line(exc.orig)}", transient=True) from None


def check_address(url: str, field: str = "to") -> None:
    """Raise :class:`InputError` (naming ``field``) unless ``url`` is an ``http://`` or ``https://`` address."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise InputError(f"{field}: an http:// or https:// address, got {url!r} ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise InputError(f"{field}: an http:// or https:// address, got {url!r}")


def _check(name: str, url: str, batch: int) -> None:
    check_address(url)
    if not 1 <= batch <= changes.LIMIT:
        raise InputError(f"batch: 1 to {changes.LIMIT} changes, got {batch}")
    longest = tables.feed_pushes.c.name.type.length  # type: ignore[attr-defined]
    if not 1 <= len(name) <= longest:
        raise InputError(f"name: 1 to {longest} characters, got {name!r}")


def send(
    engine: Engine,
    name: str,
    url: str,
    secret: bytes,
    body: dict,
    delivery: str,
    *,
    timeout_s: float = 30.0,
    post: Post | None = None,
    kept: Kept | None = None,
) -> None:
    """POST one batch that is not a page of the feed (the notices of the postman's coming to the doors of the day's
    plan: :func:`ops.notices.pickups`, :func:`ops.notices.on_the_way`) to the receiver ``name`` at ``url``,
    ``delivery`` naming it: signed with ``secret``, unless ``post`` says how it goes; once taken, ``kept`` writes
    what it keeps of it. A failure is kept on the receiver's row, as a batch of the feed's (:func:`receivers`),
    until a batch is taken; its cursor does not move.

    Raises
    ------
    PushError
        The receiver did not take it.
    """
    _check(name, url, 1)
    since = position(engine, name)
    with httpx.Client(timeout=timeout_s) as client:
        failed = (post or signed(secret))(client, url, body, delivery)
    with engine.begin() as conn:
        if failed is None:
            _upsert(conn, name, url, since, failed_at=None, failure=None)
            if kept is not None:
                kept(conn, body)
            return
        failure = f"{failed[0]} (batch {delivery})"
        _failed(conn, name, url, since, failure)
    raise PushError(failure, transient=failed[1])


def signed(secret: bytes) -> Post:
    """How a batch goes to a receiver of agencynet's own form: POSTed as JSON, signed with ``secret``
    (:data:`SIGNATURE`), its range of the feed in :data:`DELIVERY`."""

    def post(client: httpx.Client, url: str, body: dict, delivery: str) -> tuple[str, bool] | None:
        content = orjson.dumps(body)
        headers = {"Content-Type": "application/json", SIGNATURE: sign(secret, content), DELIVERY: delivery}
        try:
            answer = client.post(url, content=content, headers=headers)
        except httpx.HTTPError as exc:
            return unanswered(url, exc)
        return refused(url, answer)

    return post


def unanswered(url: str, exc: httpx.HTTPError) -> tuple[str, bool]:
    """What failed when ``url`` did not answer (worth trying again later)."""
    return f"{url} did not answer: {exc or type(exc).__name__}", True


def refused(url: str, answer: httpx.Response) -> tuple[str, bool] | None:
    """None when ``answer`` is a success, else what ``url`` answered and whether to try again later (a 5xx, a
    timeout, too early, too many requests)."""
    if answer.is_success:
        return None
    said = " ".join(answer.text.split())[:200]
    failure = f"{url} answered {answer.status_code} {answer.reason_phrase}" + (f": {said}" if said else "")
    return failure, answer.status_code in _TRY_AGAIN or answer.status_code >= 500


def _deliver(
    engine: Engine,
    client: httpx.Client,
    name: str,
    url: str,
    post: Post,
    body: dict,
    delivery: str,
    since: Cursor,
) -> None:
    """Send one batch to the receiver by ``post``, ``delivery`` the range of the feed's cursors it holds; raises
    :class:`PushError`, the failure stored, unless taken."""
    failed = post(client, url, body, delivery)
    if failed is None:
        return
    failure, transient = failed
    with engine.begin() as conn:
        _failed(conn, name, url, since, failure)
    left = changes.count(engine, since)
    raise PushError(f"{failure}; {left} changes wait to be pushed, after cursor {since}", transient=transient)


def _failed(conn: sa.Connection, name: str, url: str, cursor: Cursor, failure: str) -> None:
    """Keep on the receiver's row that a batch failed, and how (cut to the column's length); its cursor stays."""
    longest = tables.feed_pushes.c.failure.type.length  # type: ignore[attr-defined]
    _upsert(conn, name, url, cursor, failed_at=datetime.now(UTC), failure=failure[:longest])


def _upsert(conn: sa.Connection, name: str, url: str, cursor: Cursor, *, added: int = 0, **values: object) -> None:
    """Write the receiver's row (made when new): its address, cursor, ``added`` changes taken, and ``values``."""
    fp = tables.feed_pushes
    row = {"url": url, "cursor": str(cursor), **values}
    if conn.execute(sa.update(fp).where(fp.c.name == name).values(pushed=fp.c.pushed + added, **row)).rowcount == 0:
        conn.execute(sa.insert(fp).values(name=name, pushed=added, **row))


def receivers(engine: Engine) -> list[dict]:
    """Every receiver pushed to: ``name``, ``url``, ``cursor``, ``pushed`` (changes taken in all), ``pushed_at``,
    ``failed_at`` and ``failure`` (the last failure, if no batch was taken since), ``waiting`` (changes still to
    take), ``passed`` (notices its SMS provider will never deliver, passed over: :func:`ops.notices.passed`) and
    ``last_passed`` (the newest of them, ``{"ref", "reason", "at"}``, or None), and of the notices its provider
    took, those it then said ``delivered`` and ``undelivered`` (:mod:`ops.receipts`), and ``sms_again``, the SMS sent
    again of its Zalo notices no receipt confirmed (:func:`ops.notices.silent`); times aware, in UTC."""
    fp, rn, sn = tables.feed_pushes, tables.refused_notices, tables.sent_notices
    with engine.connect() as conn:
        rows = conn.execute(sa.select(fp).order_by(fp.c.name)).mappings().all()
        counts: dict[str, int] = dict(
            conn.execute(sa.select(rn.c.receiver, sa.func.count()).group_by(rn.c.receiver)).all()
        )
        fates = sa.select(sn.c.receiver, sn.c.receipt, sa.func.count()).where(sn.c.receipt.is_not(None))
        receipts = {(r, fate): n for r, fate, n in conn.execute(fates.group_by(sn.c.receiver, sn.c.receipt))}
        again = (
            sa.select(sn.c.receiver, sa.func.count()).where(sn.c.ref.endswith(tables.FOLLOW_UP)).group_by(sn.c.receiver)
        )
        followed: dict[str, int] = dict(conn.execute(again).all())
        newest = sa.select(rn.c.receiver, rn.c.ref, rn.c.reason, rn.c.at).order_by(rn.c.at)
        last = {r.receiver: {"ref": r.ref, "reason": r.reason, "at": dossiers.utc(r.at)} for r in conn.execute(newest)}
    return [
        {
            **row,
            **{k: None if row[k] is None else dossiers.utc(row[k]) for k in ("pushed_at", "failed_at")},
            "waiting": changes.count(engine, changes.cursor(row["cursor"])),
            "passed": counts.get(row["name"], 0),
            "last_passed": last.get(row["name"]),
            **{fate: receipts.get((row["name"], fate), 0) for fate in ("delivered", "undelivered")},
            "sms_again": followed.get(row["name"], 0),
        }
        for row in rows
    ]
