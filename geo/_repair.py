"""Restoring the letters a Windows-1252 export lost from Vietnamese names (private to :mod:`geo.landmarks`).

The city-wide POI layer (``pois/hanoi_pois_full``, ``SOURCES.md``) was written in Windows-1252: every letter
outside it became "?" ("Bệnh viện Đa khoa" -> "B?nh vi?n ?a khoa"), while "á", "â", "ê", "ô" and the other
Latin-1 letters survived. No library reverses a lossy encoding, so this is written here: a damaged word is read
from the words around it, against names the map has whole (its streets, wards, the country's communes, the raw
OSM extracts) and :data:`TERMS`, the common words of place names.

A run of words containing a damaged one is read only when it is spelled, letter for letter where letters
survived, as a run of two to four words of those names. A damaged word gets a reading when the longest such runs
agree on it, or write it :data:`DOMINANCE` times as often as all other readings together, a term counting for
:data:`TERM_WEIGHT` names ("Khách S?n Mai" is "Khách Sạn Mai": "khách sạn" is a term, "Sơn Mai" one street's).
A name with one unread "?" is not repaired at all: a guess would put a place under a wrong name, which is worse
than leaving it out. The same rules, run on the 65 names of the agencies layer whose letters ``SOURCES.md``
restored by hand and on the places the raw extracts name whole, must give no reading that differs
(``tests/test_repair.py``).

The case of a lost letter is lost too: it is written upper case at the start of the name, inside a word whose
surviving letters are all upper case, and at the start of a word the names read mostly write with a capital
("Điện Biên", but "Bưu điện"), counting first those whose other letters are written as in the damaged name; lower
case otherwise.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable

LOST = "?"
"""What Windows-1252 wrote for each letter it lacks."""

MAX_RUN = 4
"""Longest run of words compared with the names known whole."""

DOMINANCE = 20
"""How many times as often as all others together a reading must be written to be taken over them."""

TERM_WEIGHT = 100
"""How many names a term of :data:`TERMS` counts for: a term is a fixed compound ("khách sạn" over "Sơn Mai"
in "Khách S?n Mai"), unless names write the other reading often."""

TERMS = (
    "Bệnh viện",
    "Bệnh viện Đa khoa",
    "Phòng khám Đa khoa",
    "Nha khoa",
    "Trạm y tế",
    "Trường Mầm non",
    "Trường Tiểu học",
    "Trường Trung học cơ sở",
    "Trường Trung học phổ thông",
    "Trường Đại học",
    "Trường Cao đẳng",
    "Đại học Quốc gia",
    "Học viện",
    "Viện nghiên cứu",
    "Khách sạn",
    "Nhà nghỉ",
    "Đại sứ quán",
    "Tổng lãnh sự quán",
    "Nhà riêng Đại sứ",
    "Công an phường",
    "Công an quận",
    "Đồn công an",
    "Ủy ban nhân dân",
    "Uỷ ban nhân dân",
    "Đảng ủy",
    "Đảng uỷ",
    "Trung tâm phục vụ hành chính công",
    "Bưu cục Giao dịch",
    "Trung tâm thương mại",
    "Trung tâm mua sắm",
    "Siêu thị",
    "Cửa hàng",
    "Chợ đêm",
    "Nhà hát",
    "Rạp chiếu phim",
    "Bảo tàng",
    "Thư viện",
    "Nhà văn hóa",
    "Tượng đài",
    "Đền thờ",
    "Chùa",
    "Nhà thờ",
    "Công viên",
    "Vườn hoa",
    "Sân vận động",
    "Nhà thi đấu",
    "Bể bơi",
    "Bưu điện",
    "Bưu cục",
    "Cơ sở",
    "Quốc tế",
    "Việt Nam",
    "Hà Nội",
    "Khoa học",
    "Công nghệ",
    "Kinh tế",
    "Y dược",
    "Sư phạm",
    "Ngoại thương",
    "Ngoại ngữ",
    "Mỹ thuật",
    "Âm nhạc",
)
"""Common words of the names of places people give directions by (hospitals, schools, hotels, embassies, police
stations, markets, sights), as Vietnamese writes them: read with the words after them ("Bệnh viện Bạch Mai")."""

_WORD = re.compile(r"(?:[^\W\d_]|\?)+")
"""A word of a damaged name: letters and lost letters."""
_LETTERS = re.compile(r"[^\W\d_]+")


def damaged(text: str) -> bool:
    """Whether ``text`` lost letters (has a "?" inside or beside a word)."""
    return any(LOST in word for word in _WORD.findall(text))


def _as_exported(word: str) -> str:
    """``word`` as Windows-1252 wrote it."""
    return word.encode("cp1252", errors="replace").decode("cp1252")


class Repairer:
    """Reads names whose letters a Windows-1252 export lost, against names known whole.

    Parameters
    ----------
    names
        Names written whole (UTF-8, any case): streets, areas, places; :data:`TERMS` are added.
    """

    def __init__(self, names: Iterable[str]) -> None:
        # Runs as written (their case says how a lost first letter was written), by how the export wrote them.
        self._readings: dict[tuple[str, ...], Counter[tuple[str, ...]]] = {}
        weighed = [(term, TERM_WEIGHT) for term in TERMS] + [(name, 1) for name in names]
        for name, weight in weighed:
            written = _LETTERS.findall(unicodedata.normalize("NFC", name))
            for start in range(len(written)):
                for end in range(start + 2, min(start + MAX_RUN, len(written)) + 1):
                    run = tuple(written[start:end])
                    folded = tuple(word.casefold() for word in run)
                    key = tuple(_as_exported(word) for word in folded)
                    if key != folded:  # only runs a lost letter can hide in
                        self._readings.setdefault(key, Counter())[run] += weight

    def __call__(self, text: str) -> str | None:
        """``text`` with its lost letters restored; itself when none was lost; None when a lost letter has no
        single reading.

        Examples
        --------
        >>> repair = Repairer(["Phố Bạch Mai", "Phường Cầu Giấy"])
        >>> repair("B?nh vi?n B?ch Mai"), repair("Khách S?n C?u Gi?y"), repair("Hotel Lotus")
        ('Bệnh viện Bạch Mai', 'Khách Sạn Cầu Giấy', 'Hotel Lotus')
        >>> repair("Ng?a") is None, repair("Cu li nh?") is None
        (True, True)
        """
        text = unicodedata.normalize("NFC", text)
        spans = [(m.start(), m.end()) for m in _WORD.finditer(text)]
        words = [text[a:b].casefold() for a, b in spans]
        lost = [i for i, word in enumerate(words) if LOST in word]
        if not lost:
            return text
        # Each damaged word's readings by the length of the runs giving them (the longest runs say most), and
        # how often each is written with a capital (+) or without (-): by the runs whose surviving letters are
        # written as in ``text`` ("Đinh Tiên Hoàng" for "?inh Tiên Hoàng", not "đinh tiên hoàng"), else by all.
        read: dict[int, dict[int, Counter[str]]] = {i: {} for i in lost}
        capital: dict[tuple[int, bool], Counter[str]] = {(i, alike): Counter() for i in lost for alike in (False, True)}
        for start in range(len(words)):
            for end in range(start + 2, min(start + MAX_RUN, len(words)) + 1):
                for run, times in self._readings.get(tuple(words[start:end]), {}).items():
                    alike = all(
                        _written_alike(text[a:b], word) for (a, b), word in zip(spans[start:end], run, strict=True)
                    )
                    for i, word in enumerate(run, start=start):
                        if i in read:
                            read[i].setdefault(end - start, Counter())[word.casefold()] += times
                            capital[i, alike][word.casefold()] += times if word[0].isupper() else -times
        chosen = {i: _dominant(by_length[max(by_length)]) for i, by_length in read.items() if by_length}
        if len(chosen) < len(lost) or None in chosen.values():
            return None
        if any(len(reading or "") != spans[i][1] - spans[i][0] for i, reading in chosen.items()):
            return None  # a letter whose lower case is longer ("ß"): no letter-for-letter reading
        out = list(text)
        for i in lost:
            reading = chosen[i]
            assert reading is not None
            a, b = spans[i]
            for at, (was, letter) in enumerate(zip(text[a:b], reading, strict=True), start=a):
                if was == LOST:
                    votes = capital[i, True][reading] or capital[i, False][reading]
                    upper = _upper(text, spans, i, at) or (at == a and votes > 0)
                    out[at] = letter.upper() if upper else letter
        return "".join(out)


def _written_alike(damaged: str, word: str) -> bool:
    """Whether ``word`` has the letters ``damaged`` kept, in the same case."""
    return len(damaged) == len(word) and all(kept in (LOST, letter) for kept, letter in zip(damaged, word, strict=True))


def _dominant(readings: Counter[str]) -> str | None:
    """The reading of a word when it is the only one, or names known whole write it :data:`DOMINANCE` times as
    often as all others (a term's "khách sạn" against one street's "Sơn Mai"); None otherwise."""
    (best, times), *others = readings.most_common()
    return best if times >= DOMINANCE * sum(n for _, n in others) else None


def _upper(text: str, spans: list[tuple[int, int]], i: int, at: int) -> bool:
    """Whether the lost letter at ``at``, in the ``i``-th word of ``text`` (``spans``), was upper case as the name
    shows it: the first letter of the name, or inside a word whose surviving letters are all upper case."""
    a, b = spans[i]
    kept = [c for c in text[a:b] if c != LOST]
    return (len(kept) > 1 and all(c.isupper() for c in kept)) or (i == 0 and at == a)
