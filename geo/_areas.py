"""The administrative part of a written address (private to :mod:`geo`: the search and the layers).

Vietnamese addresses are written street first, then the areas that hold it, separated by commas: "Số 15 phố
Hàng Bài, phường Hoàn Kiếm, Hà Nội", or in the pre-2025 form "15 Hàng Bài, P. Tràng Tiền, Q. Hoàn Kiếm, TP Hà
Nội, Việt Nam 100000". Matched as words, those areas pull toward any record whose name shares them (an address
tagged "Hàng Bông, Hoàn Kiếm, Hà Nội", a "Phố Hai Bà Trưng" for a house on Phố Huế in phường Hai Bà Trưng).
:func:`split` reads them apart, so that the street is matched as text and the areas as places.

An area part is
- a comma-separated part after the first that names an area of :class:`Areas` (a ward, a pre-2025 district,
  the city), with or without its kind ("phường", "P.", "quận", "Q.", "TP", ...), or by the initials of its name
  ("Q.HK", "HBT"), or the country;
- a comma-separated part after the first that starts with a kind but names no area known here (a ward
  abolished in 2025, "P. Tràng Tiền"): it is dropped, since it says where, not what;
- at the end of the text, without commas: the country, the city, or a kind followed by a known area
  ("15 Hàng Bài quận Hoàn Kiếm Hà Nội") or its initials ("15 Hàng Bài Q.HK"); after a street or a name, a
  known area without its kind too, by its name or its initials ("5 Hàng Bài Hoàn Kiếm", "Viettel Post HBT"),
  when the caller asks for it (it weighs that reading: the initials may be a word of the name).

The kind may also follow the name, as English writes it ("Hoan Kiem District", "Hanoi City").

A province the areas do not cover ("..., Quận 1, TP.HCM", "..., tỉnh Vĩnh Phúc") says the address is elsewhere,
when it ends the address or is written with its kind, and no known area is named: :attr:`Parts.elsewhere`.

A postal code ends some addresses ("Hà Nội 100000"); it goes with its part.

No geocoding library reads Vietnamese administrative suffixes (libpostal's models are trained on other
countries' orders and do not know the 2025 units), hence this small hand-written reader.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely

from geo import _text
from geo.provinces import SHORTHANDS

# Provinces written so that they can only be one, even bare at the end of a text ("... Q1 HCM").
_SHORTHANDS = frozenset((name,) for name in SHORTHANDS)

# Kind words that introduce an area in canonical form ("thành phố" is "tp", "thị xã" "tx"), and the level of
# area each names; "p"/"ph" are read by :func:`geo._text.resolve_p` first, so a "P." after a house number
# stays "phố".
LEVELS: dict[str, str] = {
    **dict.fromkeys(("phuong", "p", "ph", "xa", "x", "tt", "ward", "commune"), "ward"),
    **dict.fromkeys(("quan", "q", "huyen", "h", "tx", "district"), "district"),
    **dict.fromkeys(("tp", "tinh", "city", "province"), "city"),
}
# Kinds that English writes after the name ("Hoan Kiem District", "Hanoi City").
_TRAILING_KINDS = frozenset({"district", "ward", "commune", "city", "province"})
# Those that can only name an area: a part led by "P." may also be a street ("5, P. Huế").
_AREA_ONLY = LEVELS.keys() - {"p", "ph"}

COUNTRY: frozenset[tuple[str, ...]] = frozenset({("vn",), ("vietnam",)})
"""Names of the country: every record lies in it, so they only need to be read apart."""

# A postal code has 5 (since 2018) or 6 digits.
_POSTAL_DIGITS = (5, 6)


@dataclass(frozen=True)
class Parts:
    """A query read apart: the words that describe the place, and the areas it is said to lie in.

    Attributes
    ----------
    words
        Canonical tokens of the rest of the query, in order.
    areas
        For each known area part, the indices of the areas it may name (the ward and the district of one name
        when its kind is not written); the country and unknown areas are not listed.
    found
        Whether any area part was read apart (known or not).
    marked
        Whether an area part was marked as one: after a comma, or led by the kind of a ward or district
        ("phường", "quận"; "TP" ends names too: "Bưu điện Thành phố Hà Nội").
    elsewhere
        The full name of the province the text says the place is in, when the areas do not cover it; else empty.
    """

    words: list[str]
    areas: list[list[int]]
    found: bool
    marked: bool
    elsewhere: str = ""


class Areas:
    """Administrative areas known by name, and which of a search index's records lie in each.

    Parameters
    ----------
    names
        Each area's name with its kind ("Phường Hoàn Kiếm", "Quận Hoàn Kiếm", "Thành phố Hà Nội").
    geometry
        Each area's polygon, EPSG:4326.
    levels
        Each area's level: ``ward`` (phường, xã), ``district`` (quận, huyện, thị xã before 2025) or ``city``
        (a province-level city or province, which addresses end with bare: "..., Hà Nội").
    provinces
        The provinces by each of their names, with the full name of each (:func:`geo.provinces.names`): those
        these areas do not name are elsewhere.

    Attributes
    ----------
    names
        Area indices by name without its kind (``("hoan", "kiem")`` for both the ward and the district).
    initials
        Area indices by the initials of a name of two words or more (``("hk",)``), as addresses abbreviate
        them after their kind ("Q.HK", "P. HBT", "Q.ĐĐ"); read only after a kind word, alone between commas,
        or after a name when the caller asks for areas without their kind.
    """

    def __init__(
        self,
        names: Sequence[str],
        geometry: Sequence[shapely.Geometry],
        levels: Sequence[str],
        provinces: Mapping[str, str] | None = None,
    ) -> None:
        self.names: dict[tuple[str, ...], list[int]] = {}
        self.initials: dict[tuple[str, ...], list[int]] = {}
        for i, name in enumerate(names):
            key = core(_text.canonical(name))
            if key:
                self.names.setdefault(key, []).append(i)
            if len(key) > 1:
                self.initials.setdefault(("".join(word[0] for word in key),), []).append(i)
        self._levels = list(levels)
        self._full_names = list(names)
        self._cities = {key for key, found in self.names.items() if any(self._levels[i] == "city" for i in found)}
        self._elsewhere = {
            key: full
            for name, full in (provinces or {}).items()
            if (key := core(_text.canonical(name))) and key not in self.names
        }
        self._geometry = np.asarray(geometry, dtype=object)
        shapely.prepare(self._geometry)
        self._tree = shapely.STRtree(self._geometry)

    @classmethod
    def from_frame(cls, frame: gpd.GeoDataFrame, provinces: Mapping[str, str] | None = None) -> Areas:
        """Areas of a frame with ``name``, ``level`` (see the class) and a polygon ``geometry`` (reprojected
        to EPSG:4326 when in another CRS), and the ``provinces`` (see the class)."""
        frame = frame.to_crs(4326) if frame.crs is not None else frame
        names, levels = frame["name"].astype(str).tolist(), frame["level"].tolist()
        return cls(names, list(frame.geometry.to_numpy()), levels, provinces)

    def membership(self, geometry: Sequence[shapely.Geometry]) -> np.ndarray:
        """``(len(geometry), areas)`` booleans: whether each geometry (EPSG:4326) lies in (a point) or crosses
        (a street) each area."""
        inside = np.zeros((len(geometry), len(self._levels)), dtype=bool)
        rows, areas = self._tree.query(np.asarray(geometry, dtype=object), predicate="intersects")
        inside[rows, areas] = True
        return inside

    def ward_at(self, lon: float, lat: float, candidates: np.ndarray) -> str:
        """The name of the ward among the areas ``candidates`` (a boolean per area) that a point lies in;
        empty in none of them."""
        wards = [i for i in np.flatnonzero(candidates).tolist() if self._levels[i] == "ward"]
        if len(wards) == 1:
            return self._full_names[wards[0]]
        inside = [i for i in wards if shapely.contains_xy(self._geometry[i], lon, lat)]
        return self._full_names[inside[0]] if inside else ""

    def ward_shape(self, name: str) -> shapely.Geometry | None:
        """The polygon (degrees) of the ward named ``name`` in full ("Phường Láng"); None for no such ward."""
        found = [i for i, full in enumerate(self._full_names) if full == name and self._levels[i] == "ward"]
        return self._geometry[found[0]] if found else None

    def ward_by_initials(self, text: str) -> str:
        """The full name of the one ward whose initials ``text`` is, with or without a kind ("HK", "Q.HK", "P.
        HBT": "Phường Hoàn Kiếm"; the ward, not the district before 2025: the city's units are wards since then);
        empty when it names none, or several."""
        bare = _kind_first(_text.resolve_p(_text.canonical(text)))
        key = core(bare)
        if len(key) != 1 or (len(bare) > 1 and bare[0] not in LEVELS):
            return ""
        wards = [i for i in self.initials.get(key, ()) if self._levels[i] == "ward"]
        return self._full_names[wards[0]] if len(wards) == 1 else ""

    def names_whole(self, text: str) -> bool:
        """Whether ``text`` names the city these areas are in, or the country ("Hà Nội", "TP HN", "Hanoi City",
        "Việt Nam"): an area every record lies in, so no place to be near."""
        key = core(_kind_first(_text.canonical(text)))
        return key in self._cities or key in COUNTRY

    def wards_at(self, lon: np.ndarray, lat: np.ndarray) -> list[str]:
        """The name of the ward each point (degrees) lies in; empty outside every ward."""
        points, areas = self._tree.query(shapely.points(lon, lat), predicate="within")
        out = [""] * len(lon)
        for point, area in zip(points.tolist(), areas.tolist(), strict=True):
            if self._levels[area] == "ward" and not out[point]:
                out[point] = self._full_names[area]
        return out

    def split(self, text: str, words: list[str] | None = None, *, bare: bool = False) -> Parts:
        """``text`` read apart into the place it describes and the areas it names (see the module).

        ``words``, when given, are ``text``'s canonical words with "P." read (:func:`geo._text.resolve_p`),
        which a text without commas is not read again for. ``bare``: a known area may end the text without its
        kind ("5 Hàng Bài Hoàn Kiếm"). The caller weighs that reading: without a house number, "Hàng Bài Hoàn
        Kiếm" may as well be a name.
        """
        parts = text.replace(";", ",").split(",")
        if words is not None and len(parts) == 1:
            pieces = [words]
        else:
            pieces = [_text.resolve_p(_text.canonical(piece)) for piece in parts]
        areas: list[list[int]] = []
        found = False
        kept: list[str] = []
        elsewhere = ""
        pieces = [p for p in pieces if p]
        for i, piece in enumerate(pieces):
            province = self._province(piece, last=all(map(_trailer, pieces[i + 1 :]))) if i > 0 else ""
            if province:
                elsewhere, found = elsewhere or province, True
                continue
            named = self._part(piece, kept) if i > 0 else None
            if named is None:
                kept.extend(piece)
            else:
                areas.extend(named)
                found = True
        marked = found
        while (start := self._tail(kept, bare)) is not None:
            tail = _kind_first(_without_postal_code(kept[start:]))
            marked = marked or LEVELS.get(tail[0]) in ("ward", "district")
            areas.extend(self._named(core(tail), tail[0]))
            elsewhere = elsewhere or self._elsewhere.get(core(tail), "")
            kept = kept[:start]
            found = True
        return Parts(words=kept, areas=areas, found=found, marked=marked, elsewhere="" if areas else elsewhere)

    def street(self, text: str) -> str:
        """``text`` up to the first comma-separated part that names an area: "Hàng Bông, Hoàn Kiếm, Hà Nội" ->
        "Hàng Bông"; "Ngõ Trạm, Hang Bong Street" is left whole."""
        parts = text.split(",")
        words = _text.resolve_p(_text.canonical(parts[0]))
        for i, part in enumerate(parts[1:], start=1):
            piece = _text.resolve_p(_text.canonical(part))
            if piece and self._part(piece, words) is not None:
                return ",".join(parts[:i]).strip()
            words = [*words, *piece]
        return text.strip()

    def _province(self, piece: list[str], *, last: bool) -> str:
        """The full name of the province a comma-separated part names, when the areas do not cover it and the
        part ends the address (``last``: only the country may follow) or leads with a province's kind ("tỉnh",
        "TP"); else empty. "10, Huế, Hai Bà Trưng" and "5, P. Huế" are Phố Huế."""
        bare = _kind_first(_without_postal_code(piece))
        kind = LEVELS.get(bare[0])
        if kind not in (None, "city"):
            return ""
        province = self._elsewhere.get(core(bare), "")
        return province if last or kind == "city" else ""

    def _part(self, piece: list[str], before: list[str]) -> list[list[int]] | None:
        """The areas a comma-separated part after the first names (see :attr:`Parts.areas`; empty for the
        country or an area not known here, such as a ward abolished in 2025), or None when it is no area.
        ``before`` are the words of the parts before it."""
        bare = _kind_first(_without_postal_code(piece))
        key = core(bare)
        # Initials after a kind ("Q.HK") or alone in their part ("..., HK, HN"), never inside a text.
        if key in self.names or key in COUNTRY or (key in self.initials and (bare[0] in LEVELS or len(bare) == 1)):
            return self._named(key, bare[0])
        # After a street, a part led by "P." is a ward ("Hàng Bài, P. Tràng Tiền"); after a bare house number it
        # is the street ("5, P. Huế").
        street_seen = any(not _text.is_housenumber(w) and w not in _text.HOUSENUMBER_MARKERS for w in before)
        return [] if key and bare[0] in (LEVELS.keys() if street_seen else _AREA_ONLY) else None

    def _named(self, key: tuple[str, ...], kind: str) -> list[list[int]]:
        """The areas a part may name, as one entry (none for the country): of the level its ``kind`` word
        says, when there are such areas. ``key`` is a name, else initials (the caller checked a kind leads)."""
        found = self.names.get(key) or self.initials.get(key)
        if not found:
            return []
        level = [i for i in found if self._levels[i] == LEVELS.get(kind)]
        return [level or found]

    def _tail(self, words: list[str], bare: bool) -> int | None:
        """Where an area written at the end of ``words`` starts, or None (never the whole text); with ``bare``,
        a known area without its kind too, when a word of a street comes before it ("Phố Hai Bà Trưng" is a
        street, "Phố Huế Hai Bà Trưng" a street and an area)."""
        words = _without_postal_code(words)
        for start in range(1, len(words)):
            rest = tuple(_kind_first(words[start:]))
            named = core(rest)
            if rest in COUNTRY or (named in self.names and (rest[0] in LEVELS or named in self._cities)):
                return start
            if rest[0] in LEVELS and named in self.initials:
                return start
            if named in self._elsewhere and (LEVELS.get(rest[0]) == "city" or named in _SHORTHANDS):
                return start
            # After a name, an area by its name or its initials ("Bưu điện HK", "Viettel Post HBT").
            known = named in self.names or (len(named) == 1 and named in self.initials)
            if bare and known and any(_content_word(w) for w in words[:start]):
                return start
        return None


def core(words: Sequence[str]) -> tuple[str, ...]:
    """An area's name without the kind words that lead it ("phuong hoan kiem" -> ("hoan", "kiem"))."""
    start = 0
    while start < len(words) - 1 and words[start] in LEVELS:
        start += 1
    return tuple(words[start:])


def _content_word(word: str) -> bool:
    """Whether ``word`` names something: neither a number, nor a kind, nor an administrative or street word."""
    return not _text.is_housenumber(word) and word not in _text.GENERIC and word not in _text.HOUSENUMBER_MARKERS


def _trailer(piece: list[str]) -> bool:
    """Whether a comma-separated part may follow the province at the end of an address: the country, or a
    postal code alone."""
    return core(_without_postal_code(piece)) in COUNTRY or (len(piece) == 1 and piece[0].isdigit())


def _kind_first(words: list[str]) -> list[str]:
    """``words`` with a kind written after the name, as in English, moved before it ("hoan kiem district")."""
    if len(words) > 1 and words[-1] in _TRAILING_KINDS and words[0] not in LEVELS:
        return [words[-1], *words[:-1]]
    return words


def _without_postal_code(words: list[str]) -> list[str]:
    """``words`` without a trailing postal code ("hn 100000")."""
    if len(words) > 1 and words[-1].isdigit() and len(words[-1]) in _POSTAL_DIGITS:
        return words[:-1]
    return words
