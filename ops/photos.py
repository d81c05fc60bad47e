"""Photos taken at a stop: the door nobody opened, the office found closed, the house number not found, as carriers
ask of a failed delivery, beside the phone's position (:mod:`ops.dayevents`): that the postman was there. One photo
per stop event, optional, sent with it; kept re-encoded as JPEG, at most :data:`KEPT_SIDE` pixels a side, without
its metadata (a phone's photo carries where it was taken and the device), by the event's key
(:data:`ops.tables.stop_photos`), and listed under each dossier its task carried (:data:`ops.tables.dossier_photos`),
for the counter. A photo of a home is personal data: read by the dispatcher, the postman of the route and the staff of
the dossier's receiving agency, each read logged.

Decoding, checking and re-encoding are Pillow's; what is written here is what a photo may be.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy.engine import Connection, Engine

from ops import tables
from ops.dossiers import utc
from ops.errors import FieldError

MAX_BYTES = 3_000_000
"""The largest photo taken, as sent (a phone's page sends one of 1,280 pixels a side, some 200 KB)."""

MAX_PIXELS = 40_000_000
"""The most pixels a photo may have (a 40-megapixel phone's), so that a small file cannot unfold into gigabytes."""

FORMATS = ("JPEG", "PNG", "WEBP")
"""What a photo may be sent as."""

KEPT_SIDE = 1600
"""The longest side of a photo as kept, pixels: a door and its number stay readable."""

QUALITY = 80
"""JPEG quality of a photo as kept."""

_DATA_URL = re.compile(r"data:image/[a-z]+;base64,(?P<data>[A-Za-z0-9+/=\s]+)")


@dataclass(frozen=True)
class Photo:
    """A photo as kept: its JPEG, its size, and the SHA-256 of what was sent (``digest``: the same photo sent again,
    an event replayed, is known by it)."""

    jpeg: bytes
    width: int
    height: int
    digest: str


def check(sent: str) -> Photo:
    """The photo ``sent`` as a data URL (``data:image/jpeg;base64,...``, as a page's canvas or file reader writes
    it), checked and re-encoded.

    Raises
    ------
    FieldError
        ``photo``: not a data URL of base64 (``photo_unreadable``), larger than :data:`MAX_BYTES` or
        :data:`MAX_PIXELS` (``photo_too_large``), not an image of :data:`FORMATS` (``photo_unreadable``).
    """
    found = _DATA_URL.fullmatch(sent.strip())
    if found is None:
        raise FieldError("photo", "a data URL, data:image/jpeg;base64,...", code="photo_unreadable")
    if len(found["data"]) > MAX_BYTES * 4 // 3 + 4:
        raise _too_large()
    try:
        raw = base64.b64decode(re.sub(r"\s", "", found["data"]), validate=True)
    except binascii.Error:
        raise FieldError("photo", "its base64 does not decode", code="photo_unreadable") from None
    image = _opened(raw)
    image = ImageOps.exif_transpose(image)  # as the phone held it: the turn is in its metadata, which goes
    image.thumbnail((KEPT_SIDE, KEPT_SIDE))
    kept = io.BytesIO()
    image.convert("RGB").save(kept, "JPEG", quality=QUALITY, optimize=True)
    return Photo(kept.getvalue(), image.width, image.height, hashlib.sha256(raw).hexdigest())


def _opened(raw: bytes) -> Image.Image:
    """The image of ``raw``, decoded whole; raises :class:`FieldError` as :func:`check` says."""
    if len(raw) > MAX_BYTES:
        raise _too_large()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw), formats=FORMATS)
    except (UnidentifiedImageError, Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise FieldError("photo", "not a JPEG, PNG or WebP image of a photo's size", code="photo_unreadable") from None
    if image.width * image.height > MAX_PIXELS:
        raise _too_large()
    try:
        image.load()
    except (OSError, SyntaxError, ValueError):
        raise FieldError("photo", "a broken image", code="photo_unreadable") from None
    return image


def _too_large() -> FieldError:
    return FieldError("photo", f"at most {MAX_BYTES:,} bytes and {MAX_PIXELS:,} pixels", code="photo_too_large")


@dataclass(frozen=True)
class Stop:
    """The stop event a photo was taken with: the plan's day, the task and the event."""

    day: date
    task: str
    event: str


def write(
    conn: Connection, photo: Photo, *, key: str, stop: Stop, codes: Sequence[str], at: datetime, taken_by: str
) -> None:
    """Keep ``photo`` with the stop event ``key`` (``stop``), taken by ``taken_by`` at ``at``, in the event's
    transaction, listed under each dossier of ``codes`` (those its task carries)."""
    conn.execute(
        sa.insert(tables.stop_photos).values(
            event_key=key,
            jpeg=photo.jpeg,
            width=photo.width,
            height=photo.height,
            digest=photo.digest,
            taken_by=taken_by,
            at=at,
        )
    )
    if codes:
        listed = {"event_key": key, "day": stop.day, "task": stop.task, "event": stop.event}
        conn.execute(sa.insert(tables.dossier_photos), [listed | {"dossier_code": code} for code in codes])


def read(engine: Engine, key: str) -> bytes | None:
    """The JPEG of the photo of the stop event ``key``; None without one."""
    sp = tables.stop_photos
    with engine.connect() as conn:
        return conn.execute(sa.select(sp.c.jpeg).where(sp.c.event_key == key)).scalar_one_or_none()


def of_dossier(engine: Engine, code: str) -> list[dict]:
    """The photos taken with the stop events of the tasks that carried dossier ``code``, in the order they were
    taken: ``{"id", "day", "task", "event", "at", "taken_by", "width", "height"}`` (``id`` reads it with
    :func:`read_of_dossier`; ``at`` aware, UTC), without the photos themselves."""
    dp, sp = tables.dossier_photos, tables.stop_photos
    query = (
        sa.select(dp.c.id, dp.c.day, dp.c.task, dp.c.event, sp.c.at, sp.c.taken_by, sp.c.width, sp.c.height)
        .join(sp, sp.c.event_key == dp.c.event_key)
        .where(dp.c.dossier_code == code)
        .order_by(dp.c.id)
    )
    with engine.connect() as conn:
        return [dict(r) | {"at": utc(r["at"])} for r in conn.execute(query).mappings()]


def read_of_dossier(engine: Engine, code: str, photo_id: int) -> bytes | None:
    """The JPEG of the photo ``photo_id`` of dossier ``code`` (:func:`of_dossier`); None when it has none of that id."""
    dp, sp = tables.dossier_photos, tables.stop_photos
    query = (
        sa.select(sp.c.jpeg)
        .join(dp, dp.c.event_key == sp.c.event_key)
        .where(dp.c.dossier_code == code, dp.c.id == photo_id)
    )
    with engine.connect() as conn:
        return conn.execute(query).scalar_one_or_none()
