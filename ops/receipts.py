"""Delivery receipts: the providers' word, after they took a notice (:mod:`ops.gateways`), that it reached the
applicant's phone or never will, kept on the notice (``sent_notices``), so that the counter can answer "was I
told?" with "it reached your phone at 10:02", as the status callbacks of SMS services let their users say.

- **eSMS** calls the ``CallbackUrl`` given with each message, by HTTP GET, once it knows the message's fate
  (developers.esms.vn, "Callback Url"): ``SMSID``, the id it answered when it took the message; ``SendStatus``, 5
  sent and 4 refused (1 waiting for approval, 2 waiting to be sent and 7 with the carrier waiting for its report
  are no fate yet); ``RequestId``, the notice's ref when eSMS gives it back; and fields not read here. eSMS signs
  nothing: the address carries a key only agencynet and eSMS know (:func:`ops.gateways.callback_url`).
- **Zalo** calls the official account's webhook, by HTTP POST, with the event ``user_received_message`` once a ZNS
  message is on the applicant's phone (``message.msg_id``, ``message.delivery_time`` in milliseconds since 1970),
  signed: the header ``X-ZEvent-Signature`` is ``mac=`` and the SHA-256 of the app's id, the body, the event's
  ``timestamp`` and the official account's secret key, in that order (:func:`zns_signed`). The same event without
  ``delivery_time`` is a chat message of the account received, not a ZNS one. Zalo sends no receipt of a ZNS
  message that did not arrive.

A receipt is kept once: the first fate a notice is given stands, and the providers' calls again (when unanswered)
change nothing. One of a message agencynet did not send (another system of the operator's) is kept nowhere.

Hand-written: neither provider has a client library for its receipts; each is a few fields of a request.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo._errors import InputError
from ops import tables
from ops.gateways import SMS, ZALO

log = logging.getLogger(__name__)

DELIVERED, UNDELIVERED = "delivered", "undelivered"
"""A notice's fate (``sent_notices.receipt``): on the applicant's phone, or never to be."""

ESMS_FATES = {"5": DELIVERED, "4": UNDELIVERED}
"""eSMS's ``SendStatus`` that give a message its fate."""

ZNS_RECEIVED = "user_received_message"
"""The event of Zalo's webhook that says a message is on the phone."""


@dataclass(frozen=True)
class Receipt:
    """A provider's word on one message it took: the ``channel`` it went by, the provider's id of it
    (``provider_id``) or the notice's ``ref``, its ``fate`` (:data:`DELIVERED`, :data:`UNDELIVERED`), when, and the
    provider's words of a message that never arrives."""

    channel: str
    provider_id: str | None
    ref: str | None
    fate: str
    at: datetime
    words: str | None = None


def of_esms(params: Mapping[str, str], now: datetime) -> Receipt | None:
    """The receipt in eSMS's call back (its query parameters ``params``), received at ``now``.

    Returns
    -------
    Receipt or None
        None when the status gives no fate yet (waiting, or with the carrier).
    """
    status = params.get("SendStatus", "")
    fate = ESMS_FATES.get(status)
    if fate is None:
        return None
    words = None if fate == DELIVERED else f"eSMS: SendStatus {status} (refused)"
    return Receipt(SMS, params.get("SMSID") or None, params.get("RequestId") or None, fate, now, words)


def zns_signed(body: bytes, signature: str | None, *, app_id: str, secret: str) -> bool:
    """Whether Zalo signed ``body`` with ``signature`` (the ``X-ZEvent-Signature`` header), under the app's id and
    the official account's secret key."""
    if not (signature and app_id and secret):
        return False
    try:
        event = orjson.loads(body)
    except orjson.JSONDecodeError:
        return False
    timestamp = event.get("timestamp") if isinstance(event, dict) else None
    if timestamp is None:
        return False
    signed = app_id.encode() + body + str(timestamp).encode() + secret.encode()
    expected = "mac=" + hashlib.sha256(signed).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.strip().encode())


def of_zns(event: Mapping[str, Any]) -> Receipt | None:
    """The receipt in an event of Zalo's webhook.

    Returns
    -------
    Receipt or None
        None for any other event than a ZNS message received (Zalo sends every event of the official account to
        the one webhook).

    Raises
    ------
    InputError
        A ZNS message received without its id, or a ``delivery_time`` that is no time.
    """
    message = event.get("message")
    if event.get("event_name") != ZNS_RECEIVED or not isinstance(message, dict) or "delivery_time" not in message:
        return None
    msg_id, ref = message.get("msg_id"), message.get("tracking_id")
    if not (msg_id or ref):
        raise InputError("message: a ZNS message received without its msg_id")
    try:
        at = datetime.fromtimestamp(int(message["delivery_time"]) / 1000, UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        raise InputError(f"message.delivery_time: {message['delivery_time']!r} is not a time in milliseconds") from None
    return Receipt(ZALO, str(msg_id) if msg_id else None, str(ref) if ref else None, DELIVERED, at)


def unreached(ref: sa.ColumnElement[str], code: sa.ColumnElement[str]) -> sa.ColumnElement[bool]:
    """Whether the notice ``ref`` of the dossier ``code`` (columns of the caller's query) reached nobody: passed over
    by its provider (``refused_notices``), or said undelivered by its receipt, and taken by no other receiver
    (one without receipts, agencynet's own gateway, counts as reaching).

    A Zalo notice no receipt confirmed in time is followed by an SMS (``<ref>:sms``, :data:`ops.tables.FOLLOW_UP`):
    once that SMS is tried, the Zalo notice without a receipt no longer counts as reaching, and the SMS's fate is the
    notice's (unless Zalo's receipt comes after all)."""
    sn, rn = tables.sent_notices, tables.refused_notices
    again = ref.concat(tables.FOLLOW_UP)
    mine = (sn.c.dossier_code == code) & (sn.c.ref == ref)
    either = (sn.c.dossier_code == code) & sn.c.ref.in_([ref, again])
    tried = sa.exists().where(sn.c.dossier_code == code, sn.c.ref == again) | sa.exists().where(
        rn.c.dossier_code == code, rn.c.ref == again
    )
    failed = sa.exists().where(either, sn.c.receipt == UNDELIVERED)
    passed = sa.exists().where(rn.c.dossier_code == code, rn.c.ref.in_([ref, again]))
    reached = (
        sa.exists().where(either, sn.c.receipt == DELIVERED)
        | (sa.exists().where(mine, sn.c.receipt.is_(None)) & ~tried)
        | sa.exists().where(sn.c.dossier_code == code, sn.c.ref == again, sn.c.receipt.is_(None))
    )
    return (failed | passed) & ~reached


def keep(engine: Engine, receipt: Receipt) -> int:
    """Keep ``receipt`` on the notice it is of, unless that notice has its fate already.

    Returns
    -------
    int
        The notices it was kept on: 1, or 0 for a message agencynet did not send, or a receipt given before.
    """
    sn = tables.sent_notices
    which = [sn.c.provider_id == receipt.provider_id] if receipt.provider_id else []
    which += [sn.c.ref == receipt.ref] if receipt.ref else []
    if not which:
        return 0
    longest = sn.c.receipt_words.type.length  # type: ignore[attr-defined]
    words = receipt.words and receipt.words[:longest]
    update = (
        sa.update(sn)
        .where(sn.c.channel == receipt.channel, sn.c.receipt.is_(None), sa.or_(*which))
        .values(receipt=receipt.fate, receipt_at=receipt.at, receipt_words=words)
    )
    with engine.begin() as conn:
        kept = conn.execute(update).rowcount
    log.info(
        "receipt %s of %s message %s: kept on %d notices", receipt.fate, receipt.channel, receipt.provider_id, kept
    )
    return kept
