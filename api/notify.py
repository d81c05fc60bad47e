"""The applicants' notices (:mod:`ops.notices`) in words, as the SMS gateway is sent them, a batch for each page of
the feed of changes (:func:`ops.push.push`) and one for the home pickups of the day's plan still to tell
(:func:`ops.push.send`)::

    {"messages": [{"ref": "HS-001:6", "to": "0912345678", "text": "Kết quả hồ sơ HS-001 đã có tại ...",
                   "kind": "for_collection", "values": {"code": "HS-001", "agency": "..."}, "synthetic": false}]}

The body is agencynet's own: a provider's API (an SMS brandname service, Zalo's notification service) takes it
through an adapter of the operator's. ``plain`` writes the text without diacritics, as SMS brandnames in Vietnam
are often sent (a message with them is coded in UCS-2 and holds 70 characters instead of 160).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from datetime import UTC, date, datetime

from api import i18n
from geo.addressmap import AddressMap
from ops import notices
from ops.store import Store

_PLAIN_MARKS = str.maketrans({"đ": "d", "Đ": "D", "–": "-", "—": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})
"""What a plain text writes otherwise besides the combining marks: the letter đ, and typographic dashes and quotes
(outside the GSM 7-bit alphabet, they too would make the message UCS-2)."""


def unaccented(text: str) -> str:
    """``text`` without its diacritics and in plain punctuation, its case kept ("Bưu điện Đống Đa, 10:00–10:30" ->
    "Buu dien Dong Da, 10:00-10:30").

    Written here because :func:`geo._text.strip_marks`, the search's, also lower-cases."""
    text = text.translate(_PLAIN_MARKS)
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


VALUES = ("code", "agency", "date", "start", "end", "expected")
"""The values a notice may carry beside its text, for a provider whose approved templates take parameters (Zalo's
notification service, :class:`ops.gateways.Zns`): the dossier's code, the agency (name and address), the day
(``DD/MM``), the window's start and end and the time expected (``HH:MM``), those of its kind."""


class Texts:
    """The notices (:mod:`ops.notices`) in words, as the gateway is sent them.

    Parameters
    ----------
    amap
        The map: the agency a result waits at is said by its name and address.
    lang
        The language of the texts.
    plain
        The texts without diacritics.
    """

    def __init__(self, amap: AddressMap, lang: str, *, plain: bool = False) -> None:
        self.words = i18n.catalogue(lang)["notice"]
        self.names, self.details = amap.agency_names, amap.agency_details
        self.plain = plain

    def batch(self, found: list[dict]) -> dict:
        """``{"messages": [...]}``, one message for each notice of ``found``."""
        return {"messages": [self._message(n) for n in found]}

    def _message(self, n: dict) -> dict:
        agency_id = n.get("agency_id", "")
        said = (self.names.get(agency_id), self.details.get(agency_id, {}).get("address"))
        day = n.get("day")
        values = n | {
            "agency": ", ".join(filter(None, said)) or agency_id,
            "date": None if day is None else f"{date.fromisoformat(day):%d/%m}",
        }
        # A result on its way is said with its window when the day's plan gives one.
        text = self.words[n["kind"] + ("_window" if "start" in n and n["kind"] == "out_for_delivery" else "")]
        text = text.format(**values)
        if n["synthetic"]:
            text = self.words["synthetic"] + " " + text
        return {
            "ref": n["ref"],
            "to": n["phone"],
            "text": unaccented(text) if self.plain else text,
            "kind": n["kind"],
            "values": {k: values[k] for k in VALUES if values.get(k) is not None},
            "synthetic": n["synthetic"],
        }


def shaper(
    store: Store, texts: Texts, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
) -> Callable[[dict], dict | None]:
    """What the SMS gateway is sent of a page of the feed: its notices at the time ``clock`` says (None when it
    asks for none)."""

    def shape(page: dict) -> dict | None:
        found = notices.of_changes(store, page["changes"], clock())
        return texts.batch(found) if found else None

    return shape
