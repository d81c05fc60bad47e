"""The photo a postman takes with a stop event (:mod:`ops.photos`): checked, kept re-encoded without the phone's
metadata, turned as the phone held it, once with its event (a replay sends the same); read by the dispatcher and the
postman of the route, each read logged; on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from geo.addressmap import AddressMap
from ops import accounts, day, dayevents, photos
from ops.accounts import Principal
from ops.errors import ConflictError, FieldError, UnknownError
from ops.store import Store
from tests.ops.daycases import DAY, LUONG_VAN_CAN

BINH = Principal("binh", "postman", LUONG_VAN_CAN)
AN = Principal("an", "postman", LUONG_VAN_CAN)
DISPATCHER = Principal("dieu", "dispatcher", None)
GPS, ORIENTATION, MAKE = 0x8825, 0x0112, 0x010F
"""EXIF tags: where the photo was taken, how the phone was held, the phone's maker."""


def _sent(size: tuple[int, int], fmt: str = "JPEG", *, turned: bool = False) -> str:
    """A photo as a phone's page sends it: a data URL; with the phone's metadata (its maker, where it was), held
    turned a quarter (``turned``: EXIF orientation 6, the pixels stored lying down)."""
    image = Image.new("RGB", size, (120, 80, 40))
    image.paste((250, 250, 250), (0, 0, size[0] // 4, size[1] // 4))  # a light corner, to see the turn by
    exif = Image.Exif()
    exif[MAKE] = "Phone Maker"
    exif.get_ifd(GPS)[2] = (21.0, 1.0, 41.0)  # a latitude
    if turned:
        exif[ORIENTATION] = 6
    out = io.BytesIO()
    image.save(out, fmt, **({"exif": exif.tobytes()} if fmt == "JPEG" else {}))
    return f"data:image/{fmt.lower()};base64," + base64.b64encode(out.getvalue()).decode()


def test_a_photo_is_kept_smaller_turned_as_held_and_without_its_metadata() -> None:
    kept = photos.check(_sent((4000, 3000), turned=True))
    image = Image.open(io.BytesIO(kept.jpeg))
    assert image.format == "JPEG" and (kept.width, kept.height) == image.size == (1200, 1600)
    assert not image.getexif()  # neither where it was taken nor the phone
    # Held turned: the light corner, top left as stored, is now top right.
    assert image.getpixel((1150, 50))[0] > 200 and image.getpixel((50, 50))[0] < 160
    assert len(kept.digest) == 64 and photos.check(_sent((4000, 3000), turned=True)).digest == kept.digest
    small = photos.check(_sent((640, 480), "PNG"))
    assert (small.width, small.height) == (640, 480)  # kept at its size


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("a photo", "photo_unreadable"),
        ("data:image/jpeg;base64,####", "photo_unreadable"),
        ("data:image/jpeg;base64,aGVsbG8=", "photo_unreadable"),  # "hello"
        ("data:image/gif;base64," + base64.b64encode(b"GIF89a" + bytes(20)).decode(), "photo_unreadable"),
        ("data:image/jpeg;base64," + "A" * (photos.MAX_BYTES * 4 // 3 + 8), "photo_too_large"),
    ],
)
def test_what_is_no_photo_is_refused(sent: str, code: str) -> None:
    with pytest.raises(FieldError) as refused:
        photos.check(sent)
    assert (refused.value.field, refused.value.code) == ("photo", code)


def test_a_photo_that_would_unfold_too_large_is_refused() -> None:
    # 8,000 by 6,000 pixels of one colour: a small PNG, 48 megapixels once decoded.
    out = io.BytesIO()
    Image.new("L", (8000, 6000)).save(out, "PNG")
    assert len(out.getvalue()) < photos.MAX_BYTES
    with pytest.raises(FieldError) as refused:
        photos.check("data:image/png;base64," + base64.b64encode(out.getvalue()).decode())
    assert refused.value.code == "photo_too_large"
    # Cut short: a broken image.
    whole = _sent((800, 600))
    with pytest.raises(FieldError) as broken:
        photos.check(whole[: len(whole) // 2 // 4 * 4])
    assert broken.value.code == "photo_unreadable"


def test_the_door_nobody_opened_is_kept_with_the_failure(store: Store, hanoi: AddressMap) -> None:
    _, answer = day.plan(store, hanoi, DAY, time_limit_s=1)
    task = next(s["task"] for r in answer["routes"] for s in r["stops"] if "HOME" in s["dossiers"])
    dayevents.record(store, DAY, task=task, event="picked_up", who=BINH)
    with pytest.raises(UnknownError) as none:
        dayevents.photo(store, DAY, task=task, event="picked_up", who=DISPATCHER)
    assert none.value.code == "photo_not_found"
    door = _sent((2000, 1500))
    failed = dayevents.record(store, DAY, task=task, event="failed", who=BINH, reason_code="nobody_home", photo=door)
    assert failed["photo"] == photos.check(door).digest
    # Sent again as it was (the phone offline, then back): the same answer; without the photo, another event.
    again = dayevents.record(store, DAY, task=task, event="failed", who=BINH, reason_code="nobody_home", photo=door)
    assert again["replayed"] and again["photo"] == failed["photo"]
    with pytest.raises(ConflictError):
        dayevents.record(store, DAY, task=task, event="failed", who=BINH, reason_code="nobody_home")
    # Read by the dispatcher and the postman of the route, not another postman; each read logged.
    jpeg = dayevents.photo(store, DAY, task=task, event="failed", who=DISPATCHER)
    assert Image.open(io.BytesIO(jpeg)).size == (1600, 1200)
    assert dayevents.photo(store, DAY, task=task, event="failed", who=BINH) == jpeg
    with pytest.raises(FieldError) as other:
        dayevents.photo(store, DAY, task=task, event="failed", who=AN)
    assert other.value.code == "task_of_another"
    with pytest.raises(FieldError) as unknown:
        dayevents.photo(store, DAY, task="T999", event="failed", who=DISPATCHER)
    assert unknown.value.code == "task_not_in_plan"
    reads = [(r["who"], r["what"]) for r in accounts.access_log(store.engine, code="HOME")]
    assert reads.count(("dieu", "GET /days/{date}/photos/{task}/{event}")) == 1
    assert reads.count(("binh", "GET /days/{date}/photos/{task}/{event}")) == 1
    # The day says a photo was taken there.
    stops = [s for r in dayevents.live(store, DAY, now="18:00")["routes"] for s in r["stops"] if s["task"] == task]
    assert [s["recorded"]["photo"] for s in stops if s["status"] == "failed"] == [True]
