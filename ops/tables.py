"""The tables of the operations store (SQLAlchemy Core), the schema that :mod:`ops.migrations` creates.

Locations are latitude and longitude columns on every backend; on PostgreSQL the migration adds a PostGIS
``geom`` column generated from them, with a spatial index, so spatial queries run in the database while the
application writes the same rows everywhere.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect

metadata = sa.MetaData()


class UtcDateTime(sa.types.TypeDecorator):
    """A time with its time zone, bound in UTC: PostgreSQL keeps the instant whatever the offset, but SQLite keeps
    the text of the clock without its offset, so a time of Hanoi written or compared there as it is would be read
    seven hours off (``day_start(day)`` of :mod:`ops.daytasks`, a quarter's bounds). A naive time is taken as UTC."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.astimezone(UTC)
        return value


TZ = UtcDateTime()


def _record_table(name: str) -> sa.Table:
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("request", sa.JSON, nullable=False),
        sa.Column("state", sa.JSON, nullable=False),
        sa.Column("result", sa.JSON, nullable=False),
    )


plans = _record_table("plans")
"""Dispatch plans: ``request`` as posted, ``state`` needed to continue, ``result`` as served."""

scenarios = _record_table("scenarios")
"""Site-planning scenarios, kept like plans."""

dossiers = sa.Table(
    "dossiers",
    metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("procedure", sa.String(32), nullable=False, index=True),
    sa.Column("received_at", TZ, nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=False, index=True),
    sa.Column("authority_code", sa.String(32), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("return_mode", sa.String(16), nullable=False),
    sa.Column("due_date", sa.Date, nullable=False),
    sa.Column("insured_value", sa.BigInteger, nullable=False),
    sa.Column("applicant_name", sa.String(200), nullable=False),
    sa.Column("applicant_phone", sa.String(32), nullable=False),
    sa.Column("applicant_address", sa.String(500), nullable=False),
    sa.Column("lat", sa.Float, nullable=False),
    sa.Column("lon", sa.Float, nullable=False),
    sa.Column("priority_group", sa.String(24), nullable=False),
    sa.Column("synthetic", sa.Boolean, nullable=False),
    sa.Column("content_hash", sa.String(32), nullable=False),
    sa.Column("state", sa.String(16), nullable=False, index=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("updated_at", TZ, nullable=False),
)
"""One row per dossier; ``state`` and ``seq`` mirror the dossier's last event (kept in the same transaction)."""

events = sa.Table(
    "dossier_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_code", sa.String(64), sa.ForeignKey("dossiers.code"), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("place", sa.String(64), nullable=True),
    sa.Column("record_no", sa.String(64), nullable=True),
    sa.Column("reason", sa.String(32), nullable=True),
    # Set by the database (migration 0011): the writing transaction's id on PostgreSQL, 0 on SQLite.
    sa.Column("tx", sa.BigInteger, sa.FetchedValue(), nullable=False),
    sa.UniqueConstraint("dossier_code", "seq", name="uq_dossier_events_seq"),
    sa.Index("ix_dossier_events_tx_id", "tx", "id"),
)
"""The append-only journey: one row per move; the state a dossier is in is the state of its last event; ``tx``
orders the portal's feed of changes (:mod:`ops.changes`)."""

proofs = sa.Table(
    "proofs",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("event_key", sa.String(200), nullable=False),
    sa.Column("dossier_code", sa.String(64), sa.ForeignKey("dossiers.code"), nullable=False, index=True),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("taken_by", sa.String(64), nullable=False),
    sa.Column("signer", sa.String(16), nullable=False),
    sa.Column("signer_name", sa.String(200), nullable=True),
    sa.Column("id_type", sa.String(16), nullable=True),
    sa.Column("id_last4", sa.String(4), nullable=True),
    sa.Column("signature", sa.JSON, nullable=False),
    sa.Column("off_m", sa.Integer, nullable=True),
    sa.UniqueConstraint("event_key", "dossier_code", name="uq_proofs_event"),
)
"""What was signed on the postman's phone or the counter's tablet (:mod:`ops.proofs`): one row per dossier of a stop
event at an address (a result delivered, a dossier picked up at home: the paper checked), of a result collected at
the counter (the paper checked) or of a handover the officer signed for (no paper), written with the event, with
the account that took it (``taken_by``); personal data, read only as :func:`ops.accounts.sees_personal_data`
allows."""

portal_events = sa.Table(
    "portal_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_code", sa.String(64), sa.ForeignKey("dossiers.code"), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("applied", sa.Boolean, nullable=False),
    sa.UniqueConstraint("dossier_code", "event", "at", name="uq_portal_events"),
)
"""Status changes sent by the portal, each kept once; a decision waits here until its dossier is at the
authority."""

authorities = sa.Table(
    "authorities",
    metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("level", sa.String(16), nullable=False),
    sa.Column("lat", sa.Float, nullable=True),
    sa.Column("lon", sa.Float, nullable=True),
    sa.Column("place_id", sa.String(64), nullable=True),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("located_by", sa.String(200), nullable=True),
    sa.Column("located_at", TZ, nullable=True),
    sa.Column("hours", sa.String(200), nullable=True),
)
"""Deciding units keyed by official code; a unit without a location is a data gap, never dropped. ``source``
says where a row comes from: the official units and the map (``map``, replaced by each seeding), a CSV import
(``csv``) or a person placing the unit (``operator``, with ``located_by`` and ``located_at``). ``hours``: the
unit's own office hours (OSM ``opening_hours``), kept through seeding; null for the public administration's."""

stop_photos = sa.Table(
    "stop_photos",
    metadata,
    sa.Column("event_key", sa.String(200), primary_key=True),
    sa.Column("jpeg", sa.LargeBinary, nullable=False),
    sa.Column("width", sa.Integer, nullable=False),
    sa.Column("height", sa.Integer, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("taken_by", sa.String(64), nullable=False),
    sa.Column("at", TZ, nullable=False),
)
"""The photo taken with a stop event (:mod:`ops.photos`, migration 0023), by the event's key: re-encoded, without
metadata; its size, the SHA-256 of the photo as sent, who took it and when."""

dossier_photos = sa.Table(
    "dossier_photos",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_code", sa.String(64), nullable=False),
    sa.Column("event_key", sa.String(200), sa.ForeignKey("stop_photos.event_key"), nullable=False),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("task", sa.String(64), nullable=False),
    sa.Column("event", sa.String(16), nullable=False),
    sa.UniqueConstraint("dossier_code", "event_key", name="uq_dossier_photos_dossier_code_event_key"),
)
"""Each photo of a stop event listed under every dossier its task carried, with its day, task and event (migration
0024): the counter finds a dossier's photos by it, numbered in the order they were taken (``id``)."""

idempotency = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("response", sa.JSON, nullable=False),
    sa.Column("created_at", TZ, nullable=False),
)
"""Answers of ``POST /dossiers`` by ``Idempotency-Key``: the same key and body replay the answer."""

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("password_hash", sa.String(200), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("agency_id", sa.String(64), nullable=True),
    sa.Column("created_at", TZ, nullable=False),
    sa.Column("full_name", sa.String(200), nullable=True),
    sa.Column("shift", sa.String(11), nullable=True),
    sa.Column("capacity", sa.Integer, nullable=True),
)
"""People who sign in to the pages (argon2id hashes), with the full name the pages say (migration 0002), a
postman's usual shift, ``HH:MM-HH:MM`` (0004; none: :data:`ops.scenario.SHIFT`) and usual capacity in dossier
units (0005; none: :data:`ops.scenario.POSTMAN_CAPACITY`)."""

access_log = sa.Table(
    "access_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", TZ, nullable=False),
    sa.Column("who", sa.String(64), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("dossier_code", sa.String(64), nullable=False, index=True),
    sa.Column("what", sa.String(64), nullable=False),
)
"""Every read of an applicant's personal data: who, when, which dossier."""

feed_pushes = sa.Table(
    "feed_pushes",
    metadata,
    sa.Column("name", sa.String(64), primary_key=True),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("cursor", sa.String(41), nullable=False),
    sa.Column("pushed", sa.BigInteger, nullable=False),
    sa.Column("pushed_at", TZ, nullable=True),
    sa.Column("failed_at", TZ, nullable=True),
    sa.Column("failure", sa.String(500), nullable=True),
)
"""Where each receiver of the pushed feed of changes stands (:mod:`ops.push`, migration 0012): its name, the address
last pushed to, the cursor of the last change it took, how many changes it took in all and when, and the last
failure (cleared by the next batch taken)."""

handover_records = sa.Table(
    "handover_records",
    metadata,
    sa.Column("no", sa.String(32), primary_key=True),
    sa.Column("day", sa.Date, nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("plan_id", sa.String(32), nullable=False),
    sa.Column("postman", sa.String(64), nullable=False),
    sa.Column("place", sa.String(64), nullable=False),
    sa.Column("handed", sa.JSON, nullable=False),
    sa.Column("taken", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("issued_at", TZ, nullable=False),
    sa.Column("used_at", TZ, nullable=True),
    sa.Column("voided_at", TZ, nullable=True),
    sa.Column("void_reason", sa.String(16), nullable=True),
    sa.UniqueConstraint("day", "seq", name="uq_handover_records_day_seq"),
    sa.Index("ix_handover_records_plan_id", "plan_id"),
)
"""The registry of the day's handover records (:mod:`ops.records`, migration 0013): each number issued, once, for a
postman's visit to an agency or authority (the tasks and dossiers he hands over there, ``handed``, and takes,
``taken``: each ``{"tasks", "dossiers"}``), whether it is still to sign (``issued``), an event was recorded under it
(``used``) or it is void, and why."""

pickup_notices = sa.Table(
    "pickup_notices",
    metadata,
    sa.Column("dossier_code", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("start", sa.String(5), nullable=False),
    sa.Column("end", sa.String(5), nullable=False),
    sa.Column("ref", sa.String(100), nullable=False),
    sa.Column("sent_at", TZ, nullable=False),
)
"""What the applicant of each home pickup was told of the postman's coming on a day (:mod:`ops.notices`, migration
0014): the window of the last notice sent (``HH:MM``, Hanoi time) and its ``ref``."""

way_notices = sa.Table(
    "way_notices",
    metadata,
    sa.Column("dossier_code", sa.String(64), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("expected", sa.String(5), nullable=False),
    sa.Column("ref", sa.String(100), nullable=False),
    sa.Column("sent_at", TZ, nullable=False),
)
"""The applicants told on a day that the postman is on his way to their door (:mod:`ops.notices`, migration 0015):
the time said he is expected (``HH:MM``, Hanoi time) and the notice's ``ref``."""

refused_notices = sa.Table(
    "refused_notices",
    metadata,
    sa.Column("receiver", sa.String(64), primary_key=True),
    sa.Column("ref", sa.String(100), primary_key=True),
    sa.Column("dossier_code", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("reason", sa.String(300), nullable=False),
    sa.Column("at", TZ, nullable=False),
)
"""The notices an SMS provider said it will never deliver to their phone (a number it does not take, one blocked, a
carrier the brandname is not registered with: :mod:`ops.gateways`), passed over so that the others go on
(:mod:`ops.notices`, migration 0016): by receiver (the cursor's name) and notice, the provider's words and when."""

notice_choices = sa.Table(
    "notice_choices",
    metadata,
    sa.Column("dossier_code", sa.String(64), primary_key=True),
    sa.Column("sms", sa.Boolean, nullable=False),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", TZ, nullable=False),
)
"""Whether the applicant of a dossier takes its SMS notices (:mod:`ops.notices`, migration 0017), when said
otherwise than by default (a dossier without a row takes them): who said it last (``citizen`` on the tracking page)
and when."""

notice_calls = sa.Table(
    "notice_calls",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("dossier_code", sa.String(64), nullable=False),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("reached", sa.Boolean, nullable=False),
    sa.Column("by", sa.String(64), nullable=False),
    sa.Column("at", TZ, nullable=False),
    sa.Column("note", sa.String(300)),
    sa.Index("ix_notice_calls_dossier_code_seq", "dossier_code", "seq"),
)
"""The counter's phone calls to an applicant the notice of a move of his dossier did not reach (:mod:`ops.notices`,
migrations 0020 and 0021): each call, by the dossier and the move (``seq``), whether he was reached and now knows
(else, no answer: the dossier stays on the list to call), who called and when, and what was said (``note``)."""

sent_notices = sa.Table(
    "sent_notices",
    metadata,
    sa.Column("receiver", sa.String(64), primary_key=True),
    sa.Column("ref", sa.String(100), primary_key=True),
    sa.Column("dossier_code", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("at", TZ, nullable=False, index=True),
    sa.Column("channel", sa.String(16)),
    sa.Column("provider_id", sa.String(100), index=True),
    sa.Column("receipt", sa.String(16)),
    sa.Column("receipt_at", TZ),
    sa.Column("receipt_words", sa.String(300)),
)
"""The notices each receiver (the cursor's name) took, by their ``ref`` (:mod:`ops.notices`, migration 0018): the
dossier, what it said, and when the receiver took the batch; written with the batch's cursor, so that none is
counted twice nor missed. Of a provider's (:mod:`ops.gateways`, migration 0019): the ``channel`` it went by (``sms``,
``zalo``) and the provider's id of the message; then its delivery receipt (:mod:`ops.receipts`): ``delivered`` or
``undelivered``, when, and the provider's words. Null for agencynet's own receiver, and until a receipt comes."""

FOLLOW_UP = ":sms"
"""What ends the ``ref`` of a notice in ``sent_notices`` sent again by SMS after a Zalo notice no receipt confirmed
(``<ref>:sms``, :func:`ops.notices.silent`)."""
