"""Texts of the pages and of the API's messages, one JSON catalogue per language (``vi.json``, ``en.json``).

Vietnamese is the default: the citizens are Vietnamese, many of them older people new to online services.
English is chosen by ``?lang=en`` (remembered in the ``lang`` cookie by the pages) or by ``Accept-Language``.
Keys are dotted paths into the catalogue (``errors.off_map``); texts are ``str.format`` templates with named
fields. Both catalogues hold the same keys with the same fields (checked by the tests), but for one case: an
English error that is only ``{detail}`` is said in the words of the layer that raised it (the operations layer
writes its messages in English, for the command line as well, and gives their code and fields for the others).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import date
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from starlette.requests import HTTPConnection

LANGUAGES: tuple[str, ...] = ("vi", "en")
"""Supported languages; the first is the default."""

DEFAULT = LANGUAGES[0]
COOKIE = "lang"
"""Cookie in which the pages remember the chosen language."""

HERE = Path(__file__).parent
_RANGE = re.compile(r"^\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*$")


@cache
def catalogue(lang: str) -> dict[str, Any]:
    """The catalogue of ``lang`` (a nested dict of texts)."""
    return json.loads((HERE / f"{lang}.json").read_text(encoding="utf-8"))


def text(lang: str, key: str, /, **fields: object) -> str:
    """The text of ``key`` in ``lang`` with ``fields`` filled in; the key itself when the catalogue lacks it."""
    node: Any = catalogue(lang if lang in LANGUAGES else DEFAULT)
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return key
        node = node[part]
    if not isinstance(node, str):
        return key
    try:
        return node.format(**fields)
    except (KeyError, IndexError, ValueError):
        return node


@cache
def words(lang: str, key: str) -> dict[str, str]:
    """The texts under ``key`` in ``lang`` by their own key ("tracking.state": each state's words), for a handler
    saying several of them; empty when the catalogue has none there."""
    node: Any = catalogue(lang if lang in LANGUAGES else DEFAULT)
    for part in key.split("."):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return {name: said for name, said in node.items() if isinstance(said, str)} if isinstance(node, dict) else {}


def unit(lang: str, name: str, level: str) -> str:
    """A deciding unit said in ``lang``: a commune's as its People's Committee ("UBND Phường Hoàn Kiếm"), a city
    body's and a unit of another level (a CSV import's) by its name."""
    said = text(lang, f"tracking.authority.{level}", name=name)
    return name if said == f"tracking.authority.{level}" else said


def has(key: str) -> bool:
    """Whether the catalogues hold ``key``."""
    return text(DEFAULT, key) != key


WORDS = {
    "event": "js.event",
    "before": "js.event",
    "state": "state",
    "to": "state",
    "roles": "role",
    "model": "model",
    "failure": "failure",
    "signer": "signer",
    "signers": "signer",
}
"""Values named in messages that are codes the catalogues say in words (a task's events, a dossier's states, the
roles an endpoint takes, a siting model, who signs), by the value's name: under these keys; a list of codes is said
as a list of words."""


DAY_FORMAT = "%d/%m/%Y"
"""How a day named in a message (a value ``day``, ISO 8601 in the layers below) is written: as Vietnam writes a
date and as the pages do in both languages (``vi-VN``, ``en-GB``), "08/12/2026" (it read "2026-12-08")."""


def said(lang: str, key: str, detail: str, values: Mapping[str, Any]) -> str:
    """The text of ``key`` in ``lang`` for something a lower layer said (an error, why a dossier is left out):
    ``values`` filled in, an id by the name given beside it (``place_name`` for ``place``) and the codes among them
    in words (:data:`WORDS`), and ``detail``, that layer's English words, where the text has ``{detail}``;
    ``detail`` itself when the catalogues lack ``key``."""
    if not has(key):
        return detail

    def word(name: str, value: Any) -> str:
        if isinstance(value, list | tuple):
            return ", ".join(word(name, v) for v in value)
        if values.get(f"{name}_name"):
            return values[f"{name}_name"]
        if name == "day" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return date.fromisoformat(value).strftime(DAY_FORMAT)
        return text(lang, f"{WORDS[name]}.{value}") if name in WORDS and has(f"{WORDS[name]}.{value}") else value

    return text(lang, key, detail=detail, **{name: word(name, value) for name, value in values.items()})


def reasons(lang: str, items: list[dict], code: str) -> list[dict]:
    """``items`` left out of a plan (tasks, dossiers), each with ``reason`` in English words, its code under the
    key ``code`` and its ``values``, given ``message``: the reason in ``lang`` (``unserved`` in the catalogues)."""
    return [
        item | {"message": said(lang, f"unserved.{item.get(code)}", item["reason"], item.get("values", {}))}
        for item in items
    ]


@lru_cache(maxsize=1024)
def from_accept_language(header: str | None) -> str | None:
    """The supported language the ``Accept-Language`` header prefers, or None.

    Written here rather than taken from a library: the rule needed (primary subtag, highest ``q``, first on
    ties) is a few lines, and Babel, which has a negotiator, is not otherwise a dependency.
    """
    best: tuple[float, int, str] | None = None
    for position, item in enumerate((header or "").split(",")):
        hit = _RANGE.match(item)
        if not hit or hit[1].lower() not in LANGUAGES:
            continue
        try:
            quality = float(hit[2]) if hit[2] is not None else 1.0
        except ValueError:
            continue
        if quality > 0 and (best is None or (quality, -position) > (best[0], best[1])):
            best = (quality, -position, hit[1].lower())
    return best[2] if best else None


def negotiate(connection: HTTPConnection) -> str:
    """The language of a request: ``?lang=``, else the ``lang`` cookie, else ``Accept-Language``, else Vietnamese.

    Read from the raw query and headers, the query and the cookies parsed only when they may name a language: the
    public operations under load say their words in it (``/track``), and parsing both cost 10 µs a request.
    """
    scope = connection.scope
    if b"lang=" in scope.get("query_string", b"") and (asked := connection.query_params.get("lang")) in LANGUAGES:
        return asked
    accepted = None
    for name, value in scope["headers"]:
        if name == b"cookie" and b"lang=" in value and (chosen := connection.cookies.get(COOKIE)) in LANGUAGES:
            return chosen
        if name == b"accept-language":
            accepted = value.decode("latin-1")
    return from_accept_language(accepted) or DEFAULT
