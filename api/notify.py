"""The applicants' notices (:mod:`ops.notices`) in words, as the SMS gateway is sent them, a batch for each page of
the feed of changes (:func:`ops.push.push`)::

    {"messages": [{"ref": "HS-001:6", "to": "0912345678", "text": "Kết quả hồ sơ HS-001 đã có tại ...",
                   "kind": "for_collection", "synthetic": false}]}

The body is agencynet's own: a provider's API (an SMS brandname service, Zalo's notification service) takes it
through an adapter of the operator's. ``plain`` writes the text without diacritics, as SMS brandnames in Vietnam
are often sent (a message with them is coded in UCS-2 and holds 70 characters instead of 160).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from sqlalchemy.engine import Engine

from api import i18n
from geo.addressmap import AddressMap
from ops import notices


def unaccented(text: str) -> str:
    """``text`` without its diacritics, its case kept ("Bưu điện Đống Đa" -> "Buu dien Dong Da").

    Written here because :func:`geo._text.strip_marks`, the search's, also lower-cases."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))


def shaper(engine: Engine, amap: AddressMap, lang: str, *, plain: bool = False) -> Callable[[dict], dict | None]:
    """What the SMS gateway is sent of a page of the feed: its notices in ``lang`` (None when it asks for none).

    Parameters
    ----------
    engine
        The store.
    amap
        The map: the agency a result waits at is said by its name and address.
    lang
        The language of the texts.
    plain
        The texts without diacritics.
    """
    words = i18n.catalogue(lang)["notice"]
    names, details = amap.agency_names, amap.agency_details

    def shape(page: dict) -> dict | None:
        found = notices.of_changes(engine, page["changes"])
        if not found:
            return None
        messages = []
        for n in found:
            said = (names.get(n["agency_id"]), details.get(n["agency_id"], {}).get("address"))
            agency = ", ".join(filter(None, said)) or n["agency_id"]
            text = words[n["kind"]].format(code=n["code"], agency=agency)
            if n["synthetic"]:
                text = words["synthetic"] + " " + text
            messages.append(
                {
                    "ref": n["ref"],
                    "to": n["phone"],
                    "text": unaccented(text) if plain else text,
                    "kind": n["kind"],
                    "synthetic": n["synthetic"],
                }
            )
        return {"messages": messages}

    return shape
