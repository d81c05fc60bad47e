"""Vietnamese address and name search, with or without diacritics.

Find addresses (OSM ``addr:*``), agencies, authorities and wards by free text: "75 Dinh Tien Hoang" finds
the same place as "75 Đinh Tiên Hoàng", "P. Hoan Kiem" the ward "Phường Hoàn Kiếm", "BĐ Tràng Tiền" the post
office "Bưu điện Tràng Tiền". Text is folded only for matching (see :mod:`geo._text`); results keep the
original names.

Examples
--------
>>> index = SearchIndex.from_frame(records)  # doctest: +SKIP
>>> index.query("75 Dinh Tien Hoang", k=3)  # doctest: +SKIP

How a record is scored, in [0, 1]
---------------------------------
Each canonical token has a weight, its inverse document frequency over the index (administrative words such as
"phường" count less still). A query token matches a record token exactly (1), through an abbreviation (1),
as a near-synonym ("bưu điện"/"bưu cục", 0.8), with the next or previous word as one word of the record
("Viettel Post" and "ViettelPost", 1), as a typo (rapidfuzz ratio >= 80, scaled to at most 0.85) or,
for the last query token, as the start of a word (0.7, for search-as-you-type: from one letter after other
words, "trần hưng đ", from three alone; a letter a record writes alone, "B&B", counts no more); the words of a term
the query ends partway through ("bưu đi", "ủy ban", :func:`geo._text.phrases_begun`) match the term's token (0.7)
too. Then

- *query coverage*: weighted share of the query tokens the record matches,
- *record coverage*: weighted share of the tokens of the record's best-covered field (street or name) that
  the query matches, so that "Phường Hoàn Kiếm" beats "Bưu điện Hoàn Kiếm" for "P. Hoan Kiem",
- *similarity*: rapidfuzz's ratio of the query and the record without administrative words, which rewards
  word order (computed in :mod:`geo._similarity`),

are combined as ``0.65 * query + 0.2 * record + 0.15 * similarity``. A house number in the query (leading
or after "số") multiplies this by 1 for a record with that house number, 0.93 for a neighbour ("12" vs "12A")
and 0.85 otherwise, so the right house of a street always comes first. A trailing number ("Nguyễn Hữu Huân
37b") counts the same way among records that have a house number, and stays a word for names ending in one.
With neither a number nor an alley word asked, an alley named by its number ("Ngõ 20", off Đường Tây Hồ) is
multiplied by 0.95, so that one found through the street it opens on ranks below that street.
Words typed with diacritics say which of the words that fold alike is meant: a record that writes them
otherwise ("Láng" asked, "Linh Lang" written) is multiplied by down to 0.8, in proportion to the words that
disagree; a record written without any diacritics is not. The last word, which may be typed in part, is
compared with the beginnings of the record's words: "hàng bạ" agrees with "Hàng Bạc", not with "Hàng Bài".

Readings
--------
A query may be read more than one way, and a record scores its best over the readings (``_readings``): as
written; without the areas an address ends with ("..., phường Hoàn Kiếm, Hà Nội", :mod:`geo._areas`), places
outside them multiplied by 0.85; and with an alley the map lacks placed at its mouth ("ngõ 10 phố Huế" at 10
Phố Huế, since Hanoi numbers an alley after the house it opens beside), 0.9 per alley level left out, sought
only when the other readings score below 0.9.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from rapidfuzz import fuzz, process

from geo import _areas, _coverage, _similarity, _text
from geo._errors import InputError
from geo.streets import Streets, house_base, street_key

logger = logging.getLogger(__name__)

KINDS: tuple[str, ...] = ("address", "street", "agency", "authority", "ward", "landmark")
"""Kinds of record the index holds."""

REQUIRED_COLUMNS: tuple[str, ...] = ("id", "kind", "name", "housenumber", "street", "lon", "lat")
"""Columns ``SearchIndex.from_frame`` needs; any other column is carried through to results."""

# Weights of the three parts of the text score; they sum to 1 so the score stays in [0, 1].
_W_QUERY, _W_RECORD, _W_SIMILARITY = 0.65, 0.2, 0.15
# House-number factors. An exact house whose street the query covers fully scores at least 0.65 + 0.2 = 0.85
# before the similarity part, more than any other house can reach (0.8): the right house comes first.
_HN_EXACT, _HN_NEIGHBOUR, _HN_OTHER = 1.0, 0.93, 0.8
# A street asked with a house number: below the house itself and its neighbours ("12A"), above other houses of
# the street, even when the street's name has a word the query and its houses lack ("Phố Quán Sứ" for "50 quan
# su": 0.92 of the text score of "65 Quan Su"); a street whose numbers can be interpolated above one answered by
# its middle only.
_HN_INTERPOLATED, _HN_STREET = 0.9, 0.87
# A record outside an area the query names ("..., phường Hoàn Kiếm"): a wrong or pre-2025 ward written by the
# citizen should not lose the right street, so it only ranks below the same match inside the area.
_OUTSIDE_AREA = 0.85
# A committee asked with its area ("UBND phường Cửa Nam") is that area's: one elsewhere is another committee, and
# ranks below the area itself.
_OUTSIDE_AREA_COMMITTEE = 0.5
# A name followed by an area without its kind ("FPT Shop Cầu Giấy", "Hàng Bài Hoàn Kiếm") may be the whole name
# (or a street's) or a name and where: read both ways, the text as written first, so a record matching all of it
# ranks above one that matches the name inside the area, and that one above the name elsewhere.
_UNMARKED_AREA = 0.9
# Words typed with diacritics say which of the words that fold alike is meant ("Láng" is not "Lang", "Hà" not
# "Hạ"): a record whose words fold like them but are written otherwise loses up to this share of its score, in
# proportion to the (weighted) words that disagree. Typing mistakes stay found, below the right spelling.
_MARKS_PENALTY = 0.2
# An alley asked ("ngõ 10 phố Huế") and not on the map is placed at its mouth: Hanoi numbers an alley after the
# house beside it, so "Ngõ 10" opens at number 10 of the street. Each alley level left out lowers the score, so
# that an alley the map has ranks above the mouth of the same alley.
_ALLEY_MOUTH = 0.9
# An alley named by its number ("Ngõ 20", off Đường Tây Hồ) found through the street it opens on alone, no alley
# and no number asked, ranks below that street: for "hồ tây" three alleys came before Đường Tây Hồ, whose "Đường"
# left it less covered than an alley's street.
_ALLEY_UNASKED = 0.95
_ALLEY_NAMES = {
    "ngo": "Ngõ",
    "ng": "Ngõ",
    "alley": "Ngõ",
    "lane": "Ngõ",
    "ngach": "Ngách",
    "hem": "Hẻm",
    "kiet": "Kiệt",
}
_GENERIC_WEIGHT = 0.3
_PREFIX_SIM, _PREFIX_MIN_LEN, _PREFIX_MAX = 0.7, 3, 200
_FUZZY_CUTOFF, _FUZZY_MIN_LEN, _FUZZY_SCALE, _FUZZY_LIMIT = 80.0, 4, 0.85, 5
# Vietnamese syllables have at most 7 letters ("nghieng"); longer pieces are not tried when splitting
# a query word typed without spaces ("hoankiem").
_MAX_PIECE = 8
_SPLIT_MIN_LEN = 4
_NO_ROWS = np.zeros(0, dtype=np.intp)
# "X gần Y" (_text.split_near, SearchIndex._near): the records matching X about as well as the best match of X
# (_NEAR_SHARE of its score), among its _NEAR_CANDIDATES best anywhere and within _NEAR_RADIUS_M of the best place
# Y names (scoring at least _NEAR_PLACE_MIN, else the query is read as a whole), each score times
# 1 / (1 + d / _NEAR_SCALE_M): a record 1 km away counts half, about a quarter-hour's walk.
_NEAR_RADIUS_M = 3000.0
_NEAR_SCALE_M = 1000.0
_NEAR_PLACE_MIN = 0.7
_NEAR_CANDIDATES = 100
_NEAR_SHARE = 0.7
# A query beginning with a kind of agency ("bưu điện ...", _text.split_category) read as a whole scoring this much
# names one record: it is not read as "X near Y".
_NAMES_ONE = 0.95
# Lowest score a result may have whatever the min_score asked: above zero, so no record sharing nothing is listed.
_TINY = float(np.finfo(float).tiny)


@dataclass
class _Query:
    """A parsed query: its text words (canonical tokens) and the keys of its house number, if any; for a
    reading that places an alley the map does not name at its mouth, the alley ("Ngõ 10") and its number."""

    words: list[str]
    housenumber: set[str] = field(default_factory=set)
    number: str = ""
    trailing: bool = False
    alley: str = ""


@dataclass(frozen=True)
class _Ranked:
    """The best rows of a query, best first, with what :meth:`SearchIndex.query` adds to them."""

    rows: np.ndarray
    score: np.ndarray
    labels: list[str]
    match: list[str]
    lon: np.ndarray
    lat: np.ndarray
    wards: list[str]
    near: str = ""
    """The label of the place the rows were ranked near ("X gần Y"), else empty."""
    near_m: np.ndarray | None = None
    """Each row's distance from that place, m; NaN for a row that is the place itself (it names it)."""
    place: shapely.Geometry | None = None
    """That place's shape, as the distances were measured from it (degrees); None near a point asked."""
    place_kind: str = ""
    """The kind of record that place is ("landmark", "ward", "street" ...), else empty."""
    procedure: str = ""
    """The procedure the query asks where to take (``_text.split_procedure``), else empty."""

    def distances(self) -> np.ndarray:
        """Each row's distance from the place or point it was found near, m; NaN when found near none."""
        return np.full(self.rows.size, np.nan) if self.near_m is None else self.near_m


@dataclass(frozen=True)
class Answer:
    """A query's results as plain records (:meth:`SearchIndex.answer`), with the place they were found near."""

    hits: list[dict[str, Any]]
    """The results, as :meth:`SearchIndex.hits` gives them."""
    near: str = ""
    """The label of the place a query read as "X gần Y" names ("Hồ Hoàn Kiếm"), else empty."""
    place: shapely.Geometry | None = None
    """That place's shape in degrees, as the distances were measured from it: a street's line, a ward's or a
    landmark's area, a house's point; None when the results were not found near a named place."""
    place_kind: str = ""
    """The kind of record that place is: "landmark" (its shape its own: a lake's area), "ward", "street",
    "address" ...; empty when the results were not found near a named place."""
    procedure: str = ""
    """The procedure the query asks where to take ("đổi bằng lái xe": ``driving_licence``), else empty."""


class SearchIndex:
    """An in-memory index of addresses, agencies, authorities and wards for Vietnamese text search.

    Build it once with :meth:`from_frame`; :meth:`query` then takes about half a millisecond on a few thousand
    records. The index does not change after it is built, so one instance can serve concurrent readers.
    """

    def __init__(
        self,
        records: pd.DataFrame,
        streets: Streets | None = None,
        areas: gpd.GeoDataFrame | None = None,
        provinces: Mapping[str, str] | None = None,
        shapes: Mapping[str, shapely.Geometry] | None = None,
    ) -> None:
        """Index ``records``; prefer :meth:`from_frame`, which documents the columns."""
        _check_records(records)
        if streets is None and (records["kind"] == "street").any():
            raise InputError("street records need their streets (SearchIndex.from_frame(records, streets=...))")
        self._streets = streets
        self.records = records.reset_index(drop=True)
        # A record's other names are rows of their own, each standing for the record (``_place``): found by any
        # of its names, listed once, as itself.
        table, self._place, counted = _with_other_names(self.records)
        self._n = n = len(table)
        self._rows_per_place = int(np.bincount(self._place).max()) if n else 1
        kind = table["kind"].to_numpy(dtype=object)
        names = _text_column(table, "name")
        street_names = _text_column(table, "street")
        numbers = _text_column(table, "housenumber")

        self._kind = kind
        labels = [_label(k, nm, hn, st) for k, nm, hn, st in zip(kind, names, numbers, street_names, strict=True)]
        self.labels = [labels[place] for place in self._place.tolist()]

        parsed_numbers = [_text.record_housenumber(s) if s else (set(), []) for s in numbers]
        name_tokens = [_text.canonical(s) for s in names]
        # Words written in the house number ("45, Ngõ 9") locate the house like the street does.
        street_tokens = [
            [*rest, *_text.canonical(s)] for (_, rest), s in zip(parsed_numbers, street_names, strict=True)
        ]
        vocab: dict[str, int] = {}
        for toks in (*name_tokens, *street_tokens):
            for tok in toks:
                vocab.setdefault(tok, len(vocab))
        self._vocab = vocab
        self._sorted_vocab = sorted(vocab)
        self._vocab_list = list(vocab)

        df = np.zeros(len(vocab))
        for nm_toks, st_toks, count in zip(name_tokens, street_tokens, counted.tolist(), strict=True):
            if not count:
                continue
            for tok in set(nm_toks) | set(st_toks):
                df[vocab[tok]] += 1
        generic = np.array([tok in _text.GENERIC for tok in vocab], dtype=bool)
        documents = int(counted.sum())
        self._weight = np.log1p(documents / np.maximum(df, 1)) * np.where(generic, _GENERIC_WEIGHT, 1.0)
        # A query word found nowhere weighs as much as the rarest word, so it pulls every score down.
        self._unknown_weight = float(np.log1p(documents))

        # Postings as flat arrays for the compiled coverage sums (geo._coverage): in any field, then per field.
        self._any = _coverage.csr(
            _postings([set(a) | set(b) for a, b in zip(name_tokens, street_tokens, strict=True)], vocab)
        )
        offsets, rows, totals = [], [], []
        for field_tokens in (street_tokens, name_tokens):
            offset, field_rows = _coverage.csr(_postings([set(t) for t in field_tokens], vocab))
            offsets.append(offset)
            rows.append(field_rows)
            # Summed in the order the words are written, not a set's (which varies with PYTHONHASHSEED).
            totals.append([sum(self._weight[vocab[t]] for t in dict.fromkeys(toks)) for toks in field_tokens])
        self._fields = (np.stack(offsets), np.concatenate(rows), np.array(totals, dtype=float).reshape(2, n))

        # The rows that write each folded word with diacritics, and for each set of marks those that write it
        # otherwise only, from the fields written with some: a name typed without any ("Khach San Hoa Binh")
        # says nothing of them.
        (self._marked_rows, self._other_marks), (self._begun_rows, self._other_beginnings) = _written_marks(
            list(zip(names, street_names, numbers, strict=True))
        )
        self._hn_keys = [keys for keys, _ in parsed_numbers]
        self._has_housenumber = np.array([bool(keys) for keys in self._hn_keys], dtype=bool)
        self._hn_bases = [{_text.housenumber_base(k) for k in keys} for keys in self._hn_keys]
        self._hn_exact = _inverted(self._hn_keys)
        self._hn_neighbour = _inverted(self._hn_bases)

        # Strings for the similarity part: content words only, so "P." or "Phường" do not decide it; as character
        # codes for the compiled similarity (geo._similarity).
        self._alphabet: dict[str, int] = {}
        sim_labels = _similarity.Texts([_content(_text.canonical(s)) for s in self.labels], self._alphabet)
        sim_names = _similarity.Texts([_content(t) for t in name_tokens], self._alphabet)
        self._sim_texts = ((sim_labels.codes, sim_labels.offset), (sim_names.codes, sim_names.offset))
        # Shared by every query without a house number or a kinds filter, never written to (not flagged
        # read-only: numba would compile its kernels again for read-only arrays).
        self._ones = np.ones(n)
        self._everything = np.ones(n, dtype=bool)
        self._kind_mask = {k: kind == k for k in KINDS}
        self._ids = table["id"].astype(str).to_numpy()
        self._out_names = [str(v or "") for v in table["name"].to_numpy(dtype=object)]
        self._lon = table["lon"].to_numpy(dtype=float)
        self._lat = table["lat"].to_numpy(dtype=float)
        self._street_rows = np.flatnonzero(self._kind_mask["street"])
        interpolable = [
            self._streets is not None and self._streets.can_interpolate(str(sid))
            for sid in self._ids[self._street_rows]
        ]
        self._street_factor = np.where(interpolable, _HN_INTERPOLATED, _HN_STREET)
        # A mouth stands for an alley the map lacks: not sought on the streets the map has the alley of.
        self._has_alley = _alleys_of(self.labels, kind)
        self._unasked_alleys = np.ones(n)
        self._unasked_alleys[[row for row in self._street_rows.tolist() if _numbered_alley(self.labels[row])]] = (
            _ALLEY_UNASKED
        )
        # The house-number factors before the houses asked are set: every record "another house", streets by
        # whether they place numbers; copied per query (cheaper than filling and indexing again).
        self._other_house = np.full(n, _HN_OTHER)
        self._other_house_on_streets = self._other_house.copy()
        self._other_house_on_streets[self._street_rows] = self._street_factor
        self._areas = _areas.Areas.from_frame(areas, provinces) if areas is not None and len(areas) else None
        self._inside = self._membership(self._areas) if self._areas is not None else None
        self._wards = self._areas.wards_at(self._lon, self._lat) if self._areas is not None else [""] * n
        # Places of two letters after a kind of agency read as such: the areas' initials ("bưu điện HK").
        self._initials = frozenset(key for (key,) in self._areas.initials) if self._areas is not None else frozenset()
        self._record_at = {str(ident): place for place, ident in enumerate(self.records["id"].tolist())}
        self._shapes = {
            self._record_at[ident]: shape for ident, shape in (shapes or {}).items() if ident in self._record_at
        }
        accepted = _text_column(self.records, "procedures") if "procedures" in self.records else []
        # The records taking each procedure, and any ("": the service itself, "nộp hồ sơ gần đây").
        self._accepting = {
            code: np.array([place for place, codes in enumerate(accepted) if code in codes.split(";")], dtype=np.intp)
            for code in {code for codes in accepted for code in codes.split(";") if code}
        }
        self._accepting[""] = np.array([place for place, codes in enumerate(accepted) if codes], dtype=np.intp)
        logger.debug("search index: %d records, %d distinct tokens", n, len(vocab))

    @classmethod
    def from_frame(
        cls,
        records: pd.DataFrame,
        *,
        streets: Streets | None = None,
        areas: gpd.GeoDataFrame | None = None,
        provinces: Mapping[str, str] | None = None,
        shapes: Mapping[str, shapely.Geometry] | None = None,
    ) -> SearchIndex:
        """Build an index over ``records``.

        Parameters
        ----------
        records
            One row per searchable object, with columns ``id`` (unique text), ``kind`` (one of :data:`KINDS`),
            ``name`` (may be empty for addresses), ``housenumber`` and ``street`` (``addr:*`` values, may be
            empty; for a street, the street an alley opens on), ``lon`` and ``lat`` (degrees, WGS 84); optionally
            ``other_names`` (joined by ``;``: "Hồ Gươm;Hoàn Kiếm Lake"), each of which finds the record too, and
            ``said_names``, names made up from what the record is ("Bảo tàng Nhà tù Hoả Lò"), which find it
            without counting in the words' frequencies; and ``procedures``, the procedures an agency takes (codes
            of :data:`geo.agencies.PROCEDURES` joined by ``;``), which a query asking where to take one lists
            (:meth:`query`). Other columns are kept and returned with the results.
            Missing values count as empty text.
        streets
            The streets whose records (:meth:`geo.streets.Streets.records`) are among ``records``: a house
            number asked on a street is placed along it.
        areas
            Named areas (``name``, ``level``, ``geometry``; :func:`geo.layers.admin_areas`) that an address may
            end with, so that the places inside them rank first.
        provinces
            Vietnam's provinces by each of their names (:func:`geo.provinces.names`): an address ending with
            one the areas do not cover is elsewhere (:meth:`elsewhere`), and finds nothing here.
        shapes
            The area or line (degrees) of records that have one, by ``id``: a place asked near ("bưu điện gần
            hồ gươm") is measured from it (the lake's shore), not from its point. Ids not among ``records`` are
            ignored.

        Returns
        -------
        SearchIndex
            The index; building it takes well under a second for a few thousand records.

        Raises
        ------
        geo._errors.InputError
            When a column is missing, an ``id`` repeats or a ``kind`` is not one of :data:`KINDS`.
        """
        return cls(records, streets, areas, provinces, shapes)

    def query(
        self,
        text: str,
        *,
        k: int = 10,
        kinds: Collection[str] | None = None,
        min_score: float = 0.3,
        focus: tuple[float, float] | None = None,
    ) -> pd.DataFrame:
        """The records that best match ``text``, best first.

        Parameters
        ----------
        text
            Free Vietnamese text, with or without diacritics, in NFC or NFD, with the usual abbreviations
            ("P." phường/phố, "Q." quận, "UBND", "BĐ" bưu điện, "TP", "HN", "số", "ng." ngõ, "đ." đường ...).
            A leading number, or one after "số", is read as a house number ("số 5 ngõ 10 Hàng Bạc"); alleys
            may be written with slashes ("ngách 35/462 Bưởi", "12/575 Kim Mã"). Areas written after the street
            ("..., phường Hoàn Kiếm, Hà Nội", "5 Hàng Bài Hoàn Kiếm", "Q.HK") say where, when the index knows them;
            the floor, room, building code, residents' group and remarks in brackets are left out. "X gần Y"
            (near, next to, opposite, around Y: "bưu điện gần hồ gươm") lists the X nearest the place Y
            names, each score times 1 / (1 + d / 1 km), d from the place's point, a street's line, a ward's area
            or a landmark's own shape (``shapes``: a lake's shore; 0 inside an area), the place itself left
            out; the city or the country is no such place ("bưu điện gần Hà Nội" is post offices anywhere). A
            query beginning with a kind of agency ("bưu điện hồ gươm", "viettel post kim mã") is read so too,
            unless read as a whole it names one ("Bưu điện Cầu Giấy"); an agency naming the place ("FPT Shop" in
            Phường Văn Miếu for "fpt shop văn miếu") keeps its whole score. Kinds of landmark may be shortened
            ("BV" bệnh viện, "KS" khách sạn, "ĐH" đại học, "ĐSQ" đại sứ quán, "THPT", "THCS", "MN", "TTTM").
            A query asking where to take a procedure ("đổi bằng lái xe", "làm căn cước ở Hoàn Kiếm", "viettel
            post làm lý lịch tư pháp gần hồ gươm", "passport renewal"; :mod:`geo._procedure_words`) lists the
            records taking it (``procedures``), of the kind of agency asked if any, as "X gần Y" lists X: near the
            place the rest of the query names, else near ``focus``, else anywhere; unless read as a whole it
            names one ("Bảo hiểm Xã hội Việt Nam"). :meth:`answer` says the procedure. A query asking for the
            service itself ("nộp hồ sơ gần đây", "dịch vụ công gần nhất", "bộ phận một cửa") lists so the records
            taking any procedure. Words asking about a place rather than naming it are left out (its opening
            hours, address or phone, whether it is open: "giờ mở cửa bưu điện Tràng Tiền"); a kind of agency
            asked where ("bưu điện ở đâu", "where is the post office") is asked near ``focus``, as "gần đây".
        k
            Largest number of results.
        kinds
            Only return records of these kinds (see :data:`KINDS`); all kinds when omitted.
        min_score
            Results scoring below this, in [0, 1], are left out; they share little with the query.
        focus
            Where the asker is, or looks (longitude, latitude): "X gần đây" (near here; "gần nhất", nearest;
            "gần tôi", "near me") lists the X nearest it, as for a place named, and equal scores come nearest it
            first ("FPT Shop": the chain's shops nearest it). Without it, "X gần đây" is X anywhere.

        Returns
        -------
        pandas.DataFrame
            Up to ``k`` rows of the indexed records (all their columns) with ``score`` (in [0, 1], 1 for an
            exact match), ``label`` (display text with diacritics: "75 Đinh Tiên Hoàng" for an address,
            "Ngõ 378, Đường Bưởi" for an alley, the name otherwise), ``match``: ``exact`` for a record found
            as itself; for a street asked with a house number or an alley it lacks, ``interpolated``
            (``lon``/``lat`` placed between the numbered points of the street, label "10 Phố Huế" or "Ngõ 10
            Phố Huế") or ``street`` (its middle); and ``ward``, the name of the ward at ``lon``/``lat`` (empty
            without areas, or outside them); for a query read as "X near Y", ``near`` (the label of the place Y
            names, empty near ``focus``; else empty) and ``near_m`` (the distance from it, m; else NaN), both
            empty and NaN for a record naming the place itself ("fpt shop văn miếu": the shop in Phường Văn
            Miếu - Quốc Tử Giám). Sorted by score descending. Empty, with the same columns, when nothing matches.

        Raises
        ------
        geo._errors.InputError
            When ``text`` is empty or has no letters or digits, ``k`` is not positive, or ``kinds`` names an
            unknown kind.
        """
        ranked = self._rank(text, k=k, kinds=kinds, min_score=min_score, focus=focus)
        metres = ranked.distances()
        # Columns set at once: assigning cell by cell costs more than the search itself.
        out = self.records.iloc[ranked.rows].reset_index(drop=True)
        return out.assign(
            lon=ranked.lon,
            lat=ranked.lat,
            score=ranked.score,
            label=pd.Series(ranked.labels, dtype="str"),
            match=ranked.match,
            ward=ranked.wards,
            near=np.where(np.isnan(metres), "", ranked.near),
            near_m=metres,
        )

    def hits(
        self,
        text: str,
        *,
        k: int = 10,
        kinds: Collection[str] | None = None,
        min_score: float = 0.3,
        focus: tuple[float, float] | None = None,
    ) -> list[dict[str, Any]]:
        """The results of :meth:`query` as plain records, for answering under load without building a frame.

        Each record has ``id``, ``kind``, ``name`` (empty when missing), ``label``, ``lon``, ``lat``, ``score``,
        ``match``, ``ward``, ``near`` and ``near_m``, as in :meth:`query` (None for no near place); same arguments
        and errors.
        """
        return self.answer(text, k=k, kinds=kinds, min_score=min_score, focus=focus).hits

    def answer(
        self,
        text: str,
        *,
        k: int = 10,
        kinds: Collection[str] | None = None,
        min_score: float = 0.3,
        focus: tuple[float, float] | None = None,
    ) -> Answer:
        """:meth:`hits`, with the place they were found near and its shape (a map shows them together); same
        arguments and errors."""
        r = self._rank(text, k=k, kinds=kinds, min_score=min_score, focus=focus)
        hits = [
            {
                "id": self._ids[row],
                "kind": self._kind[row],
                "name": self._out_names[row],
                "label": label,
                "lon": lon,
                "lat": lat,
                "score": score,
                "match": match,
                "ward": ward,
                "near": None if metres is None else r.near or None,
                "near_m": metres,
            }
            for row, label, lon, lat, score, match, ward, metres in zip(
                r.rows.tolist(),
                r.labels,
                r.lon.tolist(),
                r.lat.tolist(),
                r.score.tolist(),
                r.match,
                r.wards,
                [None if math.isnan(d) else round(d) for d in r.distances().tolist()],
                strict=True,
            )
        ]
        return Answer(hits, r.near, r.place, r.place_kind, r.procedure)

    def _rank(
        self,
        text: str,
        *,
        k: int,
        kinds: Collection[str] | None,
        min_score: float,
        within: np.ndarray | None = None,
        focus: tuple[float, float] | None = None,
    ) -> _Ranked:
        """The best ``k`` rows for ``text`` with their scores, labels, matches and positions (see :meth:`query`);
        only among the rows of ``within`` (a mask) when given."""
        if not isinstance(text, str) or not text.strip():
            raise InputError(f"search text is empty: {text!r}; give a name or an address")
        if k < 1:
            raise InputError(f"k must be at least 1, got {k}")
        mask = self._mask(kinds)
        questioned = False
        if within is None:
            # "Giờ mở cửa bưu điện Tràng Tiền": the place, whose hours the answer gives. "Bưu điện ở đâu" or "bưu
            # điện mở cửa chủ nhật" asks about a kind of agency near the asker, as "bưu điện gần đây" does. Before
            # Telex, which reads "is" as "i".
            text, questioned = _text.without_questions(text)
            # Typed in Telex with the input method off ("hangf bacj"): read as the words meant. The parts of a
            # query read below come back with ``within``, already read.
            text = _text.untelex(text, self._vocab)
        if within is not None:
            mask = mask & within
        elif (asked := _text.split_procedure(text)) is not None and (taking := self._taking(asked[0], mask)).size:
            return self._procedure(text, taking, *asked, k=k, kinds=kinds, min_score=min_score, focus=focus)
        elif (near := _text.split_near(text) or _here(text, questioned)) is not None:
            what, where = near
            point_or_place: str | tuple[float, float] = where
            if _text.asks_here(where) and focus is not None:
                point_or_place = focus
            elif _text.asks_here(where) or self._names_whole(where):
                # "Bưu điện gần đây" with no point to be near, "bưu điện gần Hà Nội": what is asked, anywhere.
                return self._rank(what, k=k, kinds=kinds, min_score=min_score, within=mask)
            ranked = self._near(what, point_or_place, k=k, kinds=kinds, min_score=min_score)
            if ranked is not None:
                return ranked
        elif (category := _text.split_category(text, self._initials)) is not None:
            # "Bưu điện Quốc tế" is the name of one: the query read as a whole (not as a category again) is the
            # answer, and the near reading's work is spared.
            whole = self._rank(text, k=k, kinds=kinds, min_score=min_score, within=mask, focus=focus)
            if whole.score.size and whole.score[0] >= _NAMES_ONE:
                return whole
            return self._near(*category, k=k, kinds=kinds, min_score=min_score, whole=text) or whole
        marks = self._marks_factor(*_text.marked_words(text))
        text = _text.without_details(text) or text
        source = _text.resolve_p(_text.canonical(text))
        parsed = _parse(source)
        if not parsed.words and not parsed.housenumber:
            raise InputError(f"search text has no letters or digits: {text!r}")

        readings = [(parsed, self._ones)]
        if parsed.words:
            readings, base, area = self._readings(text, source, parsed)
            if not readings:
                return _Ranked(np.zeros(0, dtype=np.intp), np.zeros(0), [], [], np.zeros(0), np.zeros(0), [])
            if marks is not self._ones:
                readings = [(r, factor * marks) for r, factor in readings]
                area = area * marks  # for the alleys' mouths below
            found = [self._text_scores(r, mask, factor, k=k, min_score=min_score) for r, factor in readings]
            # An alley's mouth scores at most _ALLEY_MOUTH: sought only when it may come first, that is when the
            # map may lack the alley asked (locating numbers on streets is the costly part).
            if max((float(s.max()) for _, s in found if s.size), default=0.0) < _ALLEY_MOUTH:
                for level, mouth in enumerate(_alley_mouths(base.words), start=1):
                    factor = self._housenumber_factor(mouth) * area * _ALLEY_MOUTH**level
                    factor[self._has_alley.get(street_key(mouth.alley), _NO_ROWS)] = 0.0
                    readings.append((mouth, factor))
                    found.append(self._text_scores(mouth, mask, factor, k=k, min_score=min_score))
            rows, score, reading = _best_of(found) if len(found) > 1 else (*found[0], np.zeros(found[0][0].size, int))
        else:
            # A bare number lists the houses with that number.
            exact, neighbour = self._housenumber_hits(parsed.housenumber)
            score = np.zeros(self._n)
            score[neighbour] = _HN_NEIGHBOUR
            score[exact] = _HN_EXACT
            rows = np.flatnonzero(mask & (score > 0))
            score, reading = score[rows], np.zeros(rows.size, dtype=np.intp)
        keep = score >= max(min_score, _TINY)
        rows, score, reading = rows[keep], score[keep], reading[keep]
        best = self._best(rows, score, k=k, focus=focus)
        ranked = self._listed(self._place[rows[best]], score[best].astype(float))
        listed = ranked.rows.tolist()
        numbers = [house_base(r.number) if r.housenumber and r.words else None for r, _ in readings]
        for at, (row, r) in enumerate(zip(listed, reading[best].tolist(), strict=True)):
            asked, number = readings[r][0], numbers[r]
            if number is not None and self._streets is not None and self._kind[row] == "street":
                ranked.lon[at], ranked.lat[at], ranked.match[at] = self._streets.locate(self._ids[row], number)
                if ranked.match[at] == "interpolated":
                    ranked.labels[at] = f"{asked.alley or asked.number.upper()} {ranked.labels[at]}"
        for at, (row, how) in enumerate(zip(listed, ranked.match, strict=True)):
            if how == "interpolated" and self._areas is not None and self._inside is not None:
                # Among the wards the street crosses: one point-in-polygon test, often none.
                ranked.wards[at] = self._areas.ward_at(float(ranked.lon[at]), float(ranked.lat[at]), self._inside[row])
        return ranked

    def _listed(self, records: np.ndarray, score: np.ndarray) -> _Ranked:
        """``records`` with ``score``, as found as themselves (their own labels, points and wards; a street at its
        middle): lists and arrays of their own, which the caller may change."""
        listed = records.tolist()  # Python ints index lists faster than numpy's
        return _Ranked(
            records,
            score,
            [self.labels[i] for i in listed],
            ["street" if self._kind[i] == "street" else "exact" for i in listed],
            self._lon[records],
            self._lat[records],
            [self._wards[i] for i in listed],
        )

    def _taking(self, procedure: str, mask: np.ndarray) -> np.ndarray:
        """The records (agencies) that take ``procedure``, among the rows of ``mask`` (the first rows are the
        records themselves)."""
        taking = self._accepting.get(procedure, _NO_ROWS)
        return taking[mask[taking]]

    def _procedure(
        self,
        text: str,
        taking: np.ndarray,
        procedure: str,
        kind: str,
        where: str,
        *,
        k: int,
        kinds: Collection[str] | None,
        min_score: float,
        focus: tuple[float, float] | None,
    ) -> _Ranked:
        """The records ``taking`` the ``procedure`` that ``text`` asks where to take (of the ``kind`` of agency
        asked, when one is: "viettel post làm lý lịch tư pháp"), near the place ``where`` names or, when it asks
        for the asker's (:func:`_text.asks_here`) or names no place ("làm căn cước cho bà"), near ``focus``
        (anywhere without it), as "X gần Y" lists X (:meth:`_near`); ``text`` read as a whole when it names a
        record itself ("Bảo hiểm Xã hội Việt Nam"). Each way, the answer says the procedure."""
        whole = self._rank(text, k=k, kinds=kinds, min_score=min_score, within=self._mask(kinds), focus=focus)
        if whole.score.size and whole.score[0] >= _NAMES_ONE:
            return replace(whole, procedure=procedure)
        if kind:
            # The kind asked by any of its names ("bưu điện": the post offices named "Bưu cục" too).
            within = self._rows_of(taking)
            found = _each_once(
                [
                    self._rank(name, k=_NEAR_CANDIDATES, kinds=kinds, min_score=min_score, within=within)
                    for name in (kind, *_text.other_names_of_kind(kind))
                ]
            )
        else:
            found = self._listed(taking, np.ones(taking.size))
        ranked = None
        for point_or_place in ([] if _text.asks_here(where) else [where]) + ([] if focus is None else [focus]):
            ranked = ranked or self._near(found, point_or_place, k=k, kinds=kinds, min_score=min_score)
        if ranked is None:
            ranked = _picked(found, np.arange(found.rows.size), found.score, k)
        return replace(ranked, procedure=procedure)

    def _near(
        self,
        what: str | _Ranked,
        where: str | tuple[float, float],
        *,
        k: int,
        kinds: Collection[str] | None,
        min_score: float,
        whole: str | None = None,
    ) -> _Ranked | None:
        """The records matching ``what`` near the place ``where`` names ("bưu điện gần hồ gươm": the post offices
        around Hoàn Kiếm lake) or near the point ``where`` (longitude, latitude), the place itself left out: the
        best matches of ``what`` anywhere and around the place (_NEAR_RADIUS_M), or the records ``what`` lists
        with their scores (the agencies taking a procedure), those scoring at least
        _NEAR_SHARE of the best, each score times 1 / (1 + d / _NEAR_SCALE_M), d from the place's line (a
        street), area (a ward: 0 inside) or point; ``min_score`` is asked of the match of ``what``. With
        ``whole``, the query read as a whole too: a record matching ``what`` and naming the place ("fpt shop văn
        miếu": the FPT Shop in Phường Văn Miếu - Quốc Tử Giám) keeps the better of its two scores. None when
        ``where`` names no place well enough (_NEAR_PLACE_MIN) or nothing matches ``what``: the query is then read
        as a whole."""
        if isinstance(where, str) and self._areas is not None:
            # A ward by its initials ("bưu điện HK"), as addresses abbreviate it: the records name it in full.
            where = self._areas.ward_by_initials(where) or where
        try:
            found_at = self._place_of(where)
            if found_at is None:
                return None
            shape, label, row = found_at
            found = [what] if isinstance(what, _Ranked) else self._candidates(what, shape, kinds, min_score)
        except InputError:
            return None
        if not found[0].score.size:
            return None
        # Each record once, by its best score (a post office named "Bưu cục" is found better as one, for "bưu
        # điện": _candidates).
        ranked = _each_once(found)
        asked = np.flatnonzero(ranked.score >= _NEAR_SHARE * ranked.score[0])
        keep = asked[ranked.rows[asked] != row]
        away = _Away(shape)
        metres = away(ranked.lon[keep], ranked.lat[keep])
        near = _picked(ranked, keep, ranked.score[keep] / (1.0 + metres / _NEAR_SCALE_M), k)
        itself = _NO_ROWS
        if whole is not None and isinstance(where, str):
            # A record that names the place itself ("Bưu điện Cầu Giấy"; an FPT Shop in Phường Văn Miếu for "fpt
            # shop văn miếu") keeps the better of its two scores; another only matches ``what`` (a Viettel Post
            # shop elsewhere for "viettel post kim mã"): its near score counts.
            named = np.intersect1d(ranked.rows[asked], self._naming(where))
            read = self._rank(whole, k=k, kinds=kinds, min_score=min_score, within=self._rows_of(named))
            near = _each_once([near, read], k)
            # Those naming the place are in it or are it, whichever score they keep: no distance from it is said
            # (Bưu điện Tràng Tiền is not "208 m from Phố Tràng Thi" for "bưu điện tràng t").
            itself = named
        if not near.rows.size:
            return None
        metres = away(near.lon, near.lat)
        if itself.size:
            # At most k rows: a set beats np.isin's sorting here.
            named_rows = set(itself.tolist())
            metres[[row in named_rows for row in near.rows.tolist()]] = np.nan
        kind = self._kind[row] if label else ""
        return replace(near, near=label, near_m=metres, place=shape if label else None, place_kind=kind)

    def _candidates(
        self, what: str, shape: shapely.Geometry, kinds: Collection[str] | None, min_score: float
    ) -> list[_Ranked]:
        """The best matches of ``what`` anywhere and around ``shape`` (_NEAR_RADIUS_M), for :meth:`_near`; a kind
        of agency also by its other names around it ("bưu điện": the post offices named "Bưu cục" too, which
        people call so; "bưu điện gần phố huế" missed the Bưu cục 70 m from the street)."""
        west, south, east, north = shapely.bounds(shape).tolist()
        kx, ky = _metres_per_degree(south)
        dx, dy = _NEAR_RADIUS_M / kx, _NEAR_RADIUS_M / ky
        around = (self._lon >= west - dx) & (self._lon <= east + dx)
        around &= (self._lat >= south - dy) & (self._lat <= north + dy)
        # Each with a mask: ``what`` is not read as a near query again.
        return [
            self._rank(text, k=_NEAR_CANDIDATES, kinds=kinds, min_score=min_score, within=within)
            for text, within in [
                (what, self._everything),
                (what, around),
                *((other, around) for other in _text.other_names_of_kind(what)),
            ]
        ]

    def _place_of(self, where: str | tuple[float, float]) -> tuple[shapely.Geometry, str, int] | None:
        """The shape of the place ``where`` names (:meth:`_shape`), its label and row; for a point (longitude,
        latitude), the point, no label and row -1. None when the text names no place well enough
        (_NEAR_PLACE_MIN), or names the city or the country."""
        if not isinstance(where, str):
            return shapely.Point(where), "", -1
        if self._names_whole(where):
            # "Bưu điện Hà Nội": the query names one ("Bưu điện Thành phố Hà Nội").
            return None
        place = self._rank(where, k=1, kinds=None, min_score=_NEAR_PLACE_MIN)
        if not place.score.size:
            return None
        row = int(place.rows[0])
        return self._shape(row, place.match[0], float(place.lon[0]), float(place.lat[0])), place.labels[0], row

    def _names_whole(self, where: str) -> bool:
        """Whether ``where`` names the city or the country: every record lies in it, no place to be near."""
        return self._areas is not None and self._areas.names_whole(where)

    def _naming(self, text: str) -> np.ndarray:
        """The records (sorted) having, in any field of any of their names, every word of ``text`` that says
        which place (not its numbers; not its generic words either, unless it has only those: "Hà Nội"): those
        naming the place ``text`` names."""
        words = [word for word in _text.resolve_p(_text.canonical(text)) if not _text.is_housenumber(word)]
        words = [word for word in words if word not in _text.GENERIC] or words
        offset, rows = self._any
        having = np.ones(self._n, dtype=bool) if words else np.zeros(self._n, dtype=bool)
        # The last words may be typed in part ("bưu điện tràng t", "... Bưu điện TP. Hà N").
        begun = _text.phrases_begun(words)
        for i, word in enumerate(words):
            hit = np.zeros(self._n, dtype=bool)
            begins = self._begins(word, multiword=i > 0) if i == len(words) - 1 else []
            typed = [*_text.equivalents(word), *begins, *begun.get(i, ())]
            for v in (self._vocab[t] for t in typed if t in self._vocab):
                hit[rows[offset[v] : offset[v + 1]]] = True
            having &= hit
        return np.unique(self._place[having])

    def _rows_of(self, records: np.ndarray) -> np.ndarray:
        """A mask of the rows standing for ``records`` (a record's other names are rows of their own)."""
        chosen = np.zeros(self._n, dtype=bool)
        chosen[records] = True
        return chosen[self._place]

    def _shape(self, row: int, match: str, lon: float, lat: float) -> shapely.Geometry:
        """The place a record found as ``match`` stands for, in degrees: a street's line (the street itself, not
        a house number placed on it), a ward's area, its own shape when it has one (a lake's area), else its
        point (``lon``, ``lat``, as found)."""
        shape = self._shapes.get(int(self._place[row]))
        if shape is not None:
            return shape
        kind = self._kind[row]
        if kind == "street" and match == "street" and self._streets is not None:
            return self._streets.line(self._ids[row])
        if kind == "ward" and self._areas is not None:
            area = self._areas.ward_shape(self._out_names[row])
            if area is not None:
                return area
        return shapely.Point(lon, lat)

    def _best(
        self, rows: np.ndarray, score: np.ndarray, *, k: int, focus: tuple[float, float] | None = None
    ) -> np.ndarray:
        """Positions in ``rows`` of the best ``k`` records, best first, equal scores nearest ``focus`` (longitude,
        latitude) first when given ("FPT Shop": the chain's shops nearest the asker): a record found by several
        of its names counts once, by its best."""
        # Rows come sorted: ties keep the order of the records, so results are reproducible.
        if focus is None:
            order = np.lexsort((rows, -score))
        else:
            kx, ky = _metres_per_degree(focus[1])
            away = np.hypot((self._lon[rows] - focus[0]) * kx, (self._lat[rows] - focus[1]) * ky)
            order = np.lexsort((rows, away, -score))
        first = order[:k]
        if self._rows_per_place == 1 or len(set(self._place[rows[first]].tolist())) == first.size:
            return first
        seen: set[int] = set()
        best: list[int] = []
        for at in order.tolist():
            place = int(self._place[rows[at]])
            if place not in seen:
                seen.add(place)
                best.append(at)
                if len(best) == k:
                    break
        return np.array(best, dtype=np.intp)

    def _marks_factor(self, asked: list[tuple[str, tuple[str, ...]]], last_typed: bool) -> np.ndarray:
        """What each record's score is multiplied by for the words asked with diacritics (folded, with their
        marks) that it writes otherwise: 1 when none does, ``1 - _MARKS_PENALTY`` when all do (generic words
        weigh ``_GENERIC_WEIGHT``); ones when nothing is asked with diacritics. The last word asked, when
        ``last_typed`` (the query's last, which may be typed in part), is compared with the beginnings of the
        words the record writes: "hàng bạ" agrees with "Hàng Bạc", not with "Hàng Bài"."""
        weights = [_GENERIC_WEIGHT if word in _text.GENERIC else 1.0 for word, _ in asked]
        # A set of marks no record writes a word with: every row writing the word disagrees.
        disagree = [self._other_marks.get(key, self._marked_rows.get(key[0], _NO_ROWS)) for key in asked]
        if last_typed:
            key = asked[-1]
            disagree[-1] = self._other_beginnings.get(key, self._begun_rows.get(key[0], _NO_ROWS))
        if not any(rows.size for rows in disagree):
            return self._ones
        off = np.zeros(self._n)
        for rows, weight in zip(disagree, weights, strict=True):
            off[rows] += weight
        return 1.0 - (_MARKS_PENALTY / sum(weights)) * off

    def own_shape(self, record_id: str) -> shapely.Geometry | None:
        """The area or line a record stands for, degrees: a landmark's own (a lake's area), a street's line, a
        ward's area; None for one known by its point alone (an address, an agency). :class:`KeyError` when no
        record has that id."""
        row = self._record_at[record_id]  # a record's own row is its place (other names' rows follow)
        # Found as itself ("street" match): a street's whole line, not a house number placed on it.
        shape = self._shape(row, "street", float(self._lon[row]), float(self._lat[row]))
        return None if shape.geom_type == "Point" else shape

    def kind(self, record_id: str) -> str:
        """The kind of the record ``record_id`` ("street", "ward" ...); :class:`KeyError` when none has it."""
        return str(self._kind[self._record_at[record_id]])

    def elsewhere(self, text: str) -> str:
        """The full name of the province ``text`` ends with, when this index's areas do not cover it ("12
        Nguyễn Huệ, Quận 1, TP.HCM" -> "Thành phố Hồ Chí Minh"): :meth:`query` then finds nothing. Else empty.
        """
        if self._areas is None:
            return ""
        folded = _text.without_details(text) or text
        return self._areas.split(folded, _text.resolve_p(_text.canonical(folded)), bare=True).elsewhere

    def __len__(self) -> int:
        """Number of indexed records."""
        return len(self.records)

    def _mask(self, kinds: Collection[str] | None) -> np.ndarray:
        if kinds is None:
            return self._everything
        if isinstance(kinds, str):
            kinds = [kinds]
        unknown = sorted(set(kinds) - set(KINDS))
        if unknown:
            raise InputError(f"unknown kinds {unknown}; expected some of {list(KINDS)}")
        mask = np.zeros(self._n, dtype=bool)
        for kind in kinds:
            mask |= self._kind_mask[kind]
        return mask

    def _begins(self, word: str, multiword: bool) -> list[str]:
        """The indexed words ``word`` begins (at most _PREFIX_MAX, in order), for a last word typed in part: from
        one letter after other words ("trần hưng đ"), from _PREFIX_MIN_LEN letters alone."""
        if len(word) < (1 if multiword else _PREFIX_MIN_LEN):
            return []
        # The words beginning with ``word`` follow it in order, up to the first past every such word.
        start = bisect.bisect_right(self._sorted_vocab, word)
        end = bisect.bisect_left(self._sorted_vocab, word + "\U0010ffff", lo=start)
        return self._sorted_vocab[start : min(end, start + _PREFIX_MAX)]

    def _matches(
        self, word: str, *, last: bool, multiword: bool, begun: Collection[str] = ()
    ) -> tuple[dict[int, float], float]:
        """Vocabulary ids a query word matches with their similarity, and the word's weight: for the ``last``
        word of the query (``multiword``: after others), the words it begins too; the word is part of the
        beginning of the terms whose tokens are ``begun`` (:func:`geo._text.phrases_begun`)."""
        vocab = self._vocab
        found = {vocab[t]: 1.0 for t in _text.equivalents(word) if t in vocab}
        if last and multiword and len(word) == 1 and word in vocab:
            # One letter after other words is most likely a word begun: the letter a name writes alone ("B&B",
            # "Minh's") is one of the words it begins, no better.
            found[vocab[word]] = _PREFIX_SIM
        for pair, sim in _text.NEAR_SYNONYMS.items():
            if word in pair:
                for other in pair - {word}:
                    if other in vocab:
                        found.setdefault(vocab[other], sim)
        weight = max((self._weight[v] for v, s in found.items() if s == 1.0), default=None)
        if weight is None and len(word) >= _FUZZY_MIN_LEN:
            for _, ratio, v in process.extract(
                word, self._vocab_list, scorer=fuzz.ratio, score_cutoff=_FUZZY_CUTOFF, limit=_FUZZY_LIMIT
            ):
                found.setdefault(v, _FUZZY_SCALE * ratio / 100.0)
        for tok in [*self._begins(word, multiword), *begun] if last else begun:
            if tok in vocab:
                found.setdefault(vocab[tok], _PREFIX_SIM)
        if weight is None:
            best = max(found.items(), key=lambda item: item[1], default=None)
            weight = float(self._weight[best[0]]) if best else self._unknown_weight
        return found, float(weight)

    def _split(self, word: str) -> list[str] | None:
        """``word`` cut into the fewest indexed words ("hoankiem" -> hoan, kiem), or None."""
        n = len(word)
        best: list[list[str] | None] = [[]] + [None] * n
        for end in range(1, n + 1):
            for start in range(max(0, end - _MAX_PIECE), end - 1):
                prefix, current = best[start], best[end]
                fewer = current is None or (prefix is not None and len(prefix) + 1 < len(current))
                if prefix is not None and fewer and word[start:end] in self._vocab:
                    best[end] = [*prefix, word[start:end]]
        found = best[n]
        return found if found is not None and len(found) > 1 else None

    def _text_scores(
        self, parsed: _Query, mask: np.ndarray, factor: np.ndarray, *, k: int, min_score: float
    ) -> tuple[np.ndarray, np.ndarray]:
        """The rows that may rank among the best ``k`` records (sorted) and their scores, ``factor`` (house
        number, areas, diacritics) applied.

        The similarity part is the costly one, and a generic word ("phố", "đường") matches thousands of records:
        only those whose score, bounded without it, may still rank are scored (:func:`geo._coverage.may_rank`).
        """
        empty = (np.zeros(0, dtype=np.int64), np.zeros(0))
        words: list[str] = []
        for word in parsed.words:
            known = any(t in self._vocab for t in _text.equivalents(word))
            pieces = None if known or len(word) < _SPLIT_MIN_LEN else self._split(word)
            words.extend(pieces or [word])

        matches: list[tuple[dict[int, float], float]] = []
        best_sim: dict[int, float] = {}
        begun = _text.phrases_begun(words)
        for i, word in enumerate(words):
            found, weight = self._matches(
                word, last=i == len(words) - 1, multiword=len(words) > 1, begun=begun.get(i, ())
            )
            # Two words a record writes as one ("Viettel Post" for "ViettelPost"): each matches the joined word.
            for pair in (words[i - 1 : i + 1] if i else [], words[i : i + 2]):
                joined = self._vocab.get("".join(pair)) if len(pair) == 2 else None
                if joined is not None:
                    found[joined] = 1.0
            matches.append((found, weight))
            for v, sim in found.items():
                best_sim[v] = max(best_sim.get(v, 0.0), sim)
        if not best_sim:
            return empty
        rows, query_cov, record_cov = _coverage.coverage(
            self._n,
            *self._any,
            *self._fields,
            self._weight,
            np.fromiter(itertools.accumulate((len(found) for found, _ in matches), initial=0), dtype=np.int64),
            np.array([v for found, _ in matches for v in found], dtype=np.int64),
            np.array([sim for found, _ in matches for sim in found.values()], dtype=float),
            np.array([weight for _, weight in matches], dtype=float),
            sum(weight for _, weight in matches),
            # In vocabulary order: the words' equivalents come from sets, whose order varies with PYTHONHASHSEED,
            # and the record coverage sums over these in turn.
            np.array(sorted(best_sim), dtype=np.int64),
            np.array([best_sim[v] for v in sorted(best_sim)], dtype=float),
        )
        candidates, coverage, scale = _coverage.may_rank(
            rows,
            query_cov,
            record_cov,
            mask,
            factor,
            (_W_QUERY, _W_RECORD, _W_SIMILARITY),
            k,
            max(min_score, _TINY),
            self._place,
            self._rows_per_place,
        )
        if candidates.size == 0:
            return empty

        query_string = _content([parsed.number, *words] if parsed.number and not parsed.trailing else words)
        query = _similarity.encode(query_string, self._alphabet)
        labels, names = self._sim_texts
        scores = _similarity.scores(
            query, len(self._alphabet), labels, names, candidates, coverage, scale, _W_SIMILARITY
        )
        return candidates, scores

    def _readings(
        self, text: str, source: list[str], parsed: _Query
    ) -> tuple[list[tuple[_Query, np.ndarray]], _Query, np.ndarray]:
        """The ways ``text`` (its canonical words ``source``, parsed as ``parsed``) may be read, each with what
        its text scores are multiplied by (a record's score is its best over the readings), and the last of
        them with its factor for the places in the areas it names, from which :meth:`_rank` may place an alley
        the map lacks at its mouth ("ngõ 10 phố Huế" at 10 Phố Huế, "ngách 2 ngõ 10 phố Huế" at 2 Ngõ 10 Phố
        Huế then at 10 Phố Huế).

        - the text as written;
        - with the slash forms of its alleys written out ("ngách 35/462 Bưởi" as ngách 35 ngõ 462 Bưởi,
          :func:`geo._text.expand_alleys`), when it has some;
        - without the areas it ends with ("..., phường Hoàn Kiếm, Hà Nội"), the places outside them lowered.
          "Bưu điện Hà Nội" is a name, and so is "UBND phường Hoàn Kiếm", hence only a reading. An area written
          bare at the end ("Hà Nội", or after a name "Hoàn Kiếm") may belong to the name as well: without a house
          number that says which, its reading is lowered by ``_UNMARKED_AREA``, so a record matching the whole
          text comes before the name inside the area.

        None at all when the text ends with a province the areas do not cover (:meth:`elsewhere`).
        """
        readings = [(parsed, self._housenumber_factor(parsed))]
        base, area = parsed, self._ones
        alleys = _text.expand_alleys(source)
        if alleys is not None:
            base = _parse(alleys)
            readings.append((base, self._housenumber_factor(base)))
        parts = self._areas.split(text, source, bare=True) if self._areas is not None else None
        if parts is not None and parts.elsewhere:
            return [], base, area
        if parts is not None and self._inside is not None and parts.found and parts.words:
            reading = _parse(_text.expand_alleys(parts.words) or parts.words)
            if reading.words:
                inside = np.ones(self._n, dtype=bool)
                for named in parts.areas:
                    inside &= self._inside[:, named].any(axis=1)
                outside = _OUTSIDE_AREA_COMMITTEE if set(reading.words) <= _text.COMMITTEE_WORDS else _OUTSIDE_AREA
                area = np.where(inside, 1.0, outside)
                if not (parts.marked or reading.housenumber):
                    area *= _UNMARKED_AREA
                base = reading
                readings.append((reading, self._housenumber_factor(reading) * area))
        return readings, base, area

    def _membership(self, areas: _areas.Areas) -> np.ndarray:
        """Whether each record lies in (a street: crosses) each of ``areas``."""
        geometry = shapely.points(self._lon, self._lat)
        if self._streets is not None and self._street_rows.size:
            lines = self._streets.lines()
            geometry[self._street_rows] = [lines[str(sid)] for sid in self._ids[self._street_rows]]
        return areas.membership(geometry)

    def _housenumber_factor(self, parsed: _Query) -> np.ndarray:
        """What each record's text score is multiplied by for the query's house number (ones without one, but for
        the numbered alleys when no alley is asked either: :data:`_ALLEY_UNASKED`)."""
        if not parsed.housenumber:
            return self._ones if _text.ALLEY_WORDS.intersection(parsed.words) else self._unasked_alleys
        exact, neighbour = self._housenumber_hits(parsed.housenumber)
        on_streets = house_base(parsed.number) is not None
        factor = (self._other_house_on_streets if on_streets and not parsed.trailing else self._other_house).copy()
        if parsed.trailing:
            factor[~self._has_housenumber] = _HN_EXACT
            if on_streets:
                factor[self._street_rows] = self._street_factor
        factor[neighbour] = _HN_NEIGHBOUR
        factor[exact] = _HN_EXACT
        return factor

    def _housenumber_hits(self, keys: set[str]) -> tuple[np.ndarray, np.ndarray]:
        """Rows whose house number equals one of ``keys``, and rows that are its neighbours ("12"/"12A")."""
        exact = [self._hn_exact[k] for k in keys if k in self._hn_exact]
        bases = {_text.housenumber_base(k) for k in keys}
        neighbour = [self._hn_neighbour[b] for b in bases if b in self._hn_neighbour]
        return _union(exact), _union(neighbour)


def _parse(words: list[str]) -> _Query:
    """Split a query's canonical words into text words and house-number keys."""
    start = None
    if len(words) > 1 and words[0] in _text.HOUSENUMBER_MARKERS and _text.is_housenumber(words[1]):
        start = 1
    elif words and _text.is_housenumber(words[0]):
        start = 0
    else:
        for i in range(len(words) - 1):
            if words[i] in _text.HOUSENUMBER_MARKERS and _text.is_housenumber(words[i + 1]):
                start = i + 1
                break
    if start is None:
        # "Nguyễn Hữu Huân 37b": a trailing number may be a house number written last, or part of a name
        # ("Bưu cục Hai Bà Trưng 1"), so it stays a word too and only ranks houses against each other.
        if len(words) > 1 and _text.is_housenumber(words[-1]) and words[-2] not in _text.ALLEY_WORDS:
            keys, _ = _text.housenumber_keys(words[-1:])
            return _Query(words=words, housenumber=keys, number=words[-1], trailing=True)
        return _Query(words=words)
    rest = words[start + 1 :]
    # "số 5 ngõ 10": the alley number stays in the text (it is part of the street "Ngõ 10 ..."), and also
    # gives the slash forms "5/10" and "10/5" under which the house may be recorded.
    keys, _ = _text.housenumber_keys([words[start], *rest[:2]])
    prefix = words[: start - 1] if start > 0 else []
    return _Query(words=[*prefix, *rest], housenumber=keys, number=words[start])


def _alley_mouths(words: list[str]) -> list[_Query]:
    """Readings of ``words`` with each alley level left out, its number asked on what it opens on."""
    out: list[_Query] = []
    prefix: list[str] | None = None
    for i in range(len(words) - 2):
        if words[i] not in _ALLEY_NAMES or not _text.is_housenumber(words[i + 1]):
            continue
        prefix = words[:i] if prefix is None else prefix
        rest = words[i + 2 :]
        if any(w not in _text.GENERIC and not _text.is_housenumber(w) for w in rest):
            keys, _ = _text.housenumber_keys([words[i + 1]])
            alley = f"{_ALLEY_NAMES[words[i]]} {words[i + 1].upper()}"
            out.append(_Query(words=[*prefix, *rest], housenumber=keys, number=words[i + 1], alley=alley))
    return out


def _alleys_of(labels: list[str], kind: np.ndarray) -> dict[str, np.ndarray]:
    """The street rows the map has an alley of, by the alley's key ("ngach 40"): "Ngách 40 Ngõ 260 Đường Cầu
    Giấy" makes the row of Ngõ 260 Đường Cầu Giấy one of "ngach 40"'s."""
    rows_by_key: dict[str, list[int]] = {}
    for row in np.flatnonzero(kind == "street").tolist():
        rows_by_key.setdefault(street_key(labels[row]), []).append(row)
    found: dict[str, list[int]] = {}
    for key in rows_by_key:
        words = key.split()
        if len(words) > 2 and words[0] in _ALLEY_NAMES and _text.is_housenumber(words[1]):
            found.setdefault(f"{words[0]} {words[1]}", []).extend(rows_by_key.get(" ".join(words[2:]), []))
    return {alley: np.array(rows, dtype=np.intp) for alley, rows in found.items() if rows}


def _numbered_alley(label: str) -> bool:
    """Whether a street's ``label`` names an alley by its number ("Ngõ 20", "Ngách 35 Ngõ 462 Bưởi")."""
    words = street_key(label).split()
    return len(words) > 1 and words[0] in _ALLEY_NAMES and _text.is_housenumber(words[1])


def _here(text: str, asked: bool) -> tuple[str, str] | None:
    """A kind of agency asked about, where it is or when it opens ("bưu điện ở đâu", "giờ mở cửa bưu điện"), as
    "X gần đây" (:func:`_text.split_near`); else None."""
    return (text, "") if asked and _text.is_category(text) else None


def _metres_per_degree(lat: float) -> tuple[float, float]:
    """Metres per degree of longitude and of latitude at ``lat``, on the plane tangent there: within a city,
    distances within a few metres of the geodesic."""
    return 111_320.0 * float(np.cos(np.radians(lat))), 110_574.0


class _Away:
    """Distances in metres to ``shape`` (degrees; 0 inside an area), on the plane tangent at its south-west corner:
    within a city, within a few metres of the geodesic. The shape is put on that plane once."""

    def __init__(self, shape: shapely.Geometry) -> None:
        self._west, self._south = shapely.bounds(shape)[:2].tolist()
        self._scale = _metres_per_degree(self._south)
        self._local = shapely.transform(shape, lambda xy: (xy - (self._west, self._south)) * self._scale)

    def __call__(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Distances from each point (degrees), m."""
        kx, ky = self._scale
        return shapely.distance(self._local, shapely.points((lon - self._west) * kx, (lat - self._south) * ky))


def _joined(parts: list[_Ranked]) -> _Ranked:
    """Several rankings end to end, as one (not sorted)."""
    return _Ranked(
        np.concatenate([p.rows for p in parts]),
        np.concatenate([p.score for p in parts]),
        [label for p in parts for label in p.labels],
        [match for p in parts for match in p.match],
        np.concatenate([p.lon for p in parts]),
        np.concatenate([p.lat for p in parts]),
        [ward for p in parts for ward in p.wards],
    )


def _each_once(parts: list[_Ranked], k: int | None = None) -> _Ranked:
    """Several rankings as one, each record once by its best score, best first (equal scores by row), the best
    ``k`` (all without)."""
    both = _joined(parts)
    order = np.lexsort((both.rows, -both.score))
    _, first = np.unique(both.rows[order], return_index=True)
    at = order[np.sort(first)]
    return _picked(both, at, both.score[at], both.rows.size if k is None else k)


def _picked(ranked: _Ranked, at: np.ndarray, score: np.ndarray, k: int) -> _Ranked:
    """The best ``k`` records of ``ranked`` at positions ``at`` given new scores, best first (ties in the order
    given)."""
    order = np.argsort(-score, kind="stable")[:k]
    at, listed = at[order], at[order].tolist()
    return _Ranked(
        ranked.rows[at],
        score[order],
        [ranked.labels[i] for i in listed],
        [ranked.match[i] for i in listed],
        ranked.lon[at],
        ranked.lat[at],
        [ranked.wards[i] for i in listed],
    )


def _best_of(found: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The rows of several readings (sorted, unique) with their best score and the reading that gave it (the
    first of equal ones)."""
    rows = np.concatenate([r for r, _ in found])
    scores = np.concatenate([s for _, s in found])
    reading = np.repeat(np.arange(len(found)), [r.size for r, _ in found])
    order = np.lexsort((reading, -scores, rows))
    rows, scores, reading = rows[order], scores[order], reading[order]
    first = np.ones(rows.size, dtype=bool)
    first[1:] = rows[1:] != rows[:-1]
    return rows[first], scores[first], reading[first]


def _union(rows: list[np.ndarray]) -> np.ndarray:
    """The sorted union of arrays of rows, each sorted and unique (one alone is returned as it is)."""
    if len(rows) == 1:
        return rows[0]
    return np.unique(np.concatenate(rows)) if rows else np.zeros(0, dtype=np.intp)


def _label(kind: str, name: str, housenumber: str, street: str) -> str:
    """Display text of a record: "75 Đinh Tiên Hoàng", "Ngõ 378, Đường Bưởi", or the name."""
    if kind == "address":
        return f"{housenumber} {street}".strip() or name
    if kind == "street":
        return f"{name}, {street}" if street else name
    return name or f"{housenumber} {street}".strip()


_Marked = tuple[dict[str, np.ndarray], dict[tuple[str, tuple[str, ...]], np.ndarray]]


def _written_marks(records: list[tuple[str, ...]]) -> tuple[_Marked, _Marked]:
    """For the fields of each record written with some diacritics: the rows that write each folded word, and
    for each set of marks (:func:`geo._text.marks`) a word is written with, the rows that write it only with
    others ("Hà" and "Hạ" in one record agree with both); then the same for the beginnings of the words
    (:func:`geo._text.beginnings`: "Bạc" begins "b", "bạ" and "bạc")."""
    words: list[tuple[int, str]] = []
    for row, fields in enumerate(records):
        for text in fields:
            written = _text.written_words(text)
            if not text.isascii() and any(_text.marks(word) for word in written):
                words.extend((row, word) for word in written)
    # Names repeat their words ("Phố", "Hàng"): each word's beginnings worked out once.
    beginnings = {word: _text.beginnings(word) for word in {word for _, word in words}}
    whole = _rows_by_marks((row, beginnings[word][-1]) for row, word in words)
    begun = _rows_by_marks((row, beginning) for row, word in words for beginning in beginnings[word])
    return whole, begun


def _rows_by_marks(written: Iterable[tuple[int, tuple[str, tuple[str, ...]]]]) -> _Marked:
    """The rows writing each folded word, and for each way (its marks) of writing it, the rows writing it only
    otherwise, from (row, (folded, marks)) pairs."""
    marked: dict[str, set[int]] = {}
    variants: dict[tuple[str, tuple[str, ...]], set[int]] = {}
    for row, key in written:
        marked.setdefault(key[0], set()).add(row)
        variants.setdefault(key, set()).add(row)
    return (
        {word: np.array(sorted(rows), dtype=np.intp) for word, rows in marked.items()},
        {key: np.array(sorted(marked[key[0]] - rows), dtype=np.intp) for key, rows in variants.items()},
    )


def _with_other_names(records: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """``records`` followed by a copy of each for every one of its ``other_names``, then of its ``said_names``
    (each joined by ``;``) as its name; the record each row stands for; and whether each row counts in the words'
    frequencies (not a said name: "Khách sạn" said before 361 hotels' names would make it a common word)."""
    other = [
        (i, name.strip(), column == "other_names")
        for column in ("other_names", "said_names")
        if column in records.columns
        for i, text in enumerate(_text_column(records, column))
        for name in text.split(";")
    ]
    other = [(i, name, counted) for i, name, counted in other if name]
    n = len(records)
    copies = records.iloc[[i for i, _, _ in other]].assign(name=[name for _, name, _ in other])
    place = np.array([*range(n), *(i for i, _, _ in other)], dtype=np.intp)
    counted = np.array([*([True] * n), *(counted for _, _, counted in other)], dtype=bool)
    return pd.concat([records, copies], ignore_index=True), place, counted


def _content(words: list[str]) -> str:
    """Words without administrative ones, unless nothing else is left ("Ngõ Huyện" is all of them)."""
    content = [w for w in words if w not in _text.GENERIC]
    return " ".join(content or words)


def _text_column(frame: pd.DataFrame, column: str) -> list[str]:
    values = frame[column].to_numpy(dtype=object)
    return ["" if pd.isna(v) else str(v).strip() for v in values]


def _postings(token_sets: list[set[str]], vocab: dict[str, int]) -> list[np.ndarray]:
    rows: list[list[int]] = [[] for _ in vocab]
    for i, toks in enumerate(token_sets):
        for tok in toks:
            rows[vocab[tok]].append(i)
    return [np.asarray(r, dtype=np.intp) for r in rows]


def _inverted(key_sets: list[set[str]]) -> dict[str, np.ndarray]:
    rows: dict[str, list[int]] = {}
    for i, keys in enumerate(key_sets):
        for key in keys:
            rows.setdefault(key, []).append(i)
    return {key: np.asarray(r, dtype=np.intp) for key, r in rows.items()}


def _check_records(records: pd.DataFrame) -> None:
    missing = [c for c in REQUIRED_COLUMNS if c not in records.columns]
    if missing:
        raise InputError(f"search records lack columns {missing}; need {list(REQUIRED_COLUMNS)}")
    duplicated = records["id"][records["id"].duplicated()]
    if len(duplicated):
        raise InputError(
            f"search records have {len(duplicated)} repeated ids, e.g. {duplicated.iloc[0]!r}; ids must be unique"
        )
    bad = sorted(set(records["kind"].dropna().astype(str)) - set(KINDS))
    if bad or records["kind"].isna().any():
        raise InputError(f"search records have unknown kinds {bad or ['<missing>']}; expected {list(KINDS)}")
    for column in ("score", "label"):
        if column in records.columns:
            raise InputError(f"search records must not have a {column!r} column; query adds it")
