"""Folding and tokenising of Vietnamese text for search (private to :mod:`geo.search`).

Folding is for matching only: it makes "Đinh Tiên Hoàng", "Dinh Tien Hoang", the NFD form of either, and the
two tone-mark placements ("hoà"/"hòa", "Uỷ"/"Ủy") equal. Outputs of the search keep the original text.

The pipeline is ``strip_marks`` (compatibility decomposition, combining marks removed, ``đ`` -> ``d``, lower
case) -> ``tokens`` (words and house numbers; other punctuation separates) -> ``canonical`` (multi-word
terms such as "uy ban nhan dan" collapsed to one token, "ubnd", so full and abbreviated forms are one token).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Iterable

from geo._procedure_words import PROCEDURE_WORDS, SAID_AFTER, SAID_BEFORE, SAID_WHERE, SERVICE_WORDS

# Multi-word terms (and one-word spellings of them) and the single token that stands for them. Both the records
# and the query are rewritten with this table, so "Ủy ban nhân dân", "UBND" and "U.B.N.D." all become "ubnd" and
# count as one word, and "Hà Nội" and "Hanoi" both "hn".
PHRASES: dict[tuple[str, ...], str] = {
    ("uy", "ban", "nhan", "dan"): "ubnd",
    # As people say it: "ủy ban phường" is the ward's People's Committee.
    ("uy", "ban"): "ubnd",
    ("hoi", "dong", "nhan", "dan"): "hdnd",
    ("buu", "dien"): "bd",
    ("buu", "cuc"): "bc",
    ("post", "office"): "bd",
    ("thanh", "pho"): "tp",
    ("ha", "noi"): "hn",
    ("hanoi",): "hn",
    ("thi", "xa"): "tx",
    ("thi", "tran"): "tt",
    ("viet", "nam"): "vn",
    # Vietnam Post, as its post offices' operator is written and as citizens call it.
    ("vietnam", "post"): "vnpost",
    ("viet", "nam", "post"): "vnpost",
    ("vn", "post"): "vnpost",
    ("vietnampost",): "vnpost",
    ("so", "nha"): "so",
    ("nha", "so"): "so",
    # Kinds of landmark, as people shorten them ("BV Việt Đức", "KS Cầu Giấy", "ĐSQ Brazil", "THPT Nguyễn Huệ").
    ("benh", "vien"): "bv",
    ("khach", "san"): "ks",
    ("dai", "hoc"): "dh",
    ("dai", "su", "quan"): "dsq",
    ("trung", "hoc", "pho", "thong"): "thpt",
    ("trung", "hoc", "co", "so"): "thcs",
    ("mam", "non"): "mn",
    ("trung", "tam", "thuong", "mai"): "tttm",
    # Kinds of landmark in two words, one token, as "bệnh viện" is, for English to say them too (ENGLISH_KINDS).
    ("bao", "tang"): "baotang",
    ("nha", "tho"): "nhatho",
    ("nha", "hat"): "nhahat",
    ("nha", "tu"): "nhatu",
    ("cong", "vien"): "congvien",
    ("sieu", "thi"): "sieuthi",
    ("ngan", "hang"): "nganhang",
    ("cong", "an"): "congan",
}
# Kinds of landmark as English says them, the token of the Vietnamese ("Hoa Lo museum", "Melia hotel", "St Joseph
# cathedral"), so either finds a place named with the other. Not the kinds Vietnamese says in one syllable that
# other words write alike without their marks (lake "hồ", household "hộ"; station "ga", chicken "gà"; market
# "chợ", "cho"; temple "đền", lamp "đèn"; bridge "cầu"; pagoda "chùa", "chua").
ENGLISH_KINDS: dict[str, str] = {
    "museum": "baotang",
    "hotel": "ks",
    "hospital": "bv",
    "university": "dh",
    "embassy": "dsq",
    "church": "nhatho",
    "cathedral": "nhatho",
    "theatre": "nhahat",
    "theater": "nhahat",
    "prison": "nhatu",
    "park": "congvien",
    "supermarket": "sieuthi",
    "bank": "nganhang",
    "police": "congan",
    "police station": "congan",
}
PHRASES |= {tuple(words.split()): token for words, token in ENGLISH_KINDS.items()}
_MAX_PHRASE = max(len(p) for p in PHRASES)

# One-token abbreviations and what they may stand for. "p." is ambiguous in Vietnamese addresses (phường or
# phố), so it matches both; which one wins is left to the rest of the query. The relation is used both ways:
# a query "phuong" also matches a record that wrote "P.".
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "p": ("phuong", "pho"),
    "ph": ("phuong", "pho"),
    "q": ("quan",),
    "x": ("xa",),
    "h": ("huyen",),
    "d": ("duong",),
    "dg": ("duong",),
    "ng": ("ngo", "ngach"),
    "hem": ("ngo",),
    "ward": ("phuong",),
    "commune": ("xa",),
    "district": ("quan", "huyen"),
    "street": ("pho", "duong"),
    "st": ("pho", "duong"),
    "road": ("duong",),
    "rd": ("duong",),
    "lane": ("ngo", "ngach"),
    "alley": ("ngo", "ngach"),
}

# The district words, read also as the level below, one way only: since the 2025 reform there are no districts,
# and the wards and communes that took a former district's name are what "quận Hoàn Kiếm" or "UBND huyện Gia Lâm"
# ask for now (Phường Hoàn Kiếm, Xã Gia Lâm). A query "phường" still does not match a record written "quận".
FORMER_DISTRICT: dict[str, tuple[str, ...]] = {"quan": ("phuong",), "huyen": ("xa",)}

# Pairs of canonical tokens that are near-synonyms: people say "bưu điện" for any post office, including
# those named "Bưu cục". Similarity in [0, 1].
NEAR_SYNONYMS: dict[frozenset[str], float] = {
    frozenset({"bd", "bc"}): 0.8,
}

# Administrative, street- and area-type words that appear in a large share of names; they are given a small weight
# so that "Hoan Kiem" finds "Phường Hoàn Kiếm" nearly as well as "phuong hoan kiem" does, and "phố cổ" the Old
# Quarter, "Khu phố cổ" ("khu", an area).
GENERIC: frozenset[str] = frozenset(
    {"phuong", "pho", "duong", "xa", "quan", "huyen", "tp", "hn", "tx", "tt", "vn", "khu"} | set(ABBREVIATIONS)
)

# ABBREVIATIONS read backwards: the abbreviations of each full word.
_ABBREVIATED_AS: dict[str, tuple[str, ...]] = {
    full: tuple(abbr for abbr, fulls in ABBREVIATIONS.items() if full in fulls)
    for full in {f for fulls in ABBREVIATIONS.values() for f in fulls}
}

# What a committee is called ("UBND", "Ủy ban nhân dân", "HĐND"), without the area it is of.
COMMITTEE_WORDS: frozenset[str] = frozenset({"ubnd", "hdnd"})

# Words that introduce a house number ("số 5", "số nhà 5", "nhà 5", "No. 5"); "nhà" only before a number
# ("Phố Nhà Chung" is a name).
HOUSENUMBER_MARKERS: frozenset[str] = frozenset({"so", "sn", "nha", "no", "number"})

# Words after which a number names an alley, not a house ("ngõ 10", "ngách 3").
ALLEY_WORDS: frozenset[str] = frozenset({"ngo", "ngach", "ng", "hem", "kiet", "alley", "lane"})

# Alley levels from the outermost: a ngõ opens on a street, a ngách on a ngõ, a hẻm on a ngách.
_ALLEY_LEVELS = ("ngo", "ngach", "hem")

_HOUSENUMBER = re.compile(r"\d+[a-z]?(?:[/-]\d+[a-z]?)*")
# A house number keeps its "/" and "-" ("12/3", "7-9"); any other run of letters and digits is a word.
_TOKEN = re.compile(r"\d+[a-z]?(?:[/-]\d+[a-z]?)+|[^\W_]+")
# A word of letters and digits, in NFC text: its precomposed letters are letters, combining marks are not.
_WORD = re.compile(r"[^\W_]+")
# Dotted initialisms ("T.P.", "U.B.N.D.") become one word; "P.Hoàn" stays two because "hoan" is no initial.
_DOTTED = re.compile(r"\b([a-z])\.(?=[a-z]\b)")
# What an address says inside its place, which no map places, in folded text: the floor, room or flat ("Tầng 3",
# "Lầu 2", "Phòng 305", "Căn hộ 12A"), the building's code ("Tòa B2", "Tòa nhà 17T1"), the residents' group
# ("Tổ 5", "Tổ dân phố 3", "Cụm 2", "Khu phố 4"), and remarks in brackets ("(cạnh ngân hàng)").
_DETAILS = re.compile(
    r"\([^)]*\)?|\[[^\]]*\]?"
    r"|\b(?:tang|lau|phong|can ho|to dan pho|tdp|to|cum|khu pho|kp)\s*[.:]?\s*\d+[a-z]?\b"
    r"|\btoa(?:\s+nha)?\s+(?:[a-z]?\d+[a-z0-9]*|[a-z])\b"
)


def in_latin_script(text: str) -> bool:
    """Whether every letter of ``text`` is a Latin one, as Vietnamese and English write (a name in another
    script says nothing to the pages' readers: OSM has hotels and a ministry named in Japanese, Korean or Lao).

    Examples
    --------
    >>> in_latin_script("Bưu điện Cửa Nam"), in_latin_script("Beer Street 2"), in_latin_script("ໂຮງແຮມ Melia")
    (True, True, False)
    """
    return all(unicodedata.name(c, "").startswith("LATIN") for c in text if c.isalpha())


def strip_marks(text: str) -> str:
    """Lower-case ``text`` with diacritics removed and ``đ`` mapped to ``d``; punctuation is kept.

    NFKD (a superset of NFD) is used so that compatibility forms such as full-width digits fold as well. Text
    whose letters are all precomposed Latin ones (NFC Vietnamese, as typed) takes a shortcut with the same result:
    each letter replaced by its folded form (:data:`_FOLDED`), a search folding its text some thirty times.
    """
    if text.isascii():
        return text.casefold()
    quick = text.translate(_FOLDED)
    if quick.isascii():
        return quick.casefold()
    return _strip_marks_by_decomposing(text)


def _strip_marks_by_decomposing(text: str) -> str:
    """:func:`strip_marks` for any text."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return bare.replace("đ", "d").replace("Đ", "d").casefold()


_FOLDED: dict[int, str] = {
    code: folded
    for block in (range(0xC0, 0x250), range(0x1E00, 0x1F00))
    for code in block
    if (folded := _strip_marks_by_decomposing(chr(code))).isascii()
}
"""The folded form of each precomposed Latin letter that folds to ASCII (Latin-1, Latin Extended A and B,
Latin Extended Additional: every Vietnamese letter)."""


def without_details(text: str) -> str:
    """``text`` folded (:func:`strip_marks`) without what it says inside the place: floor, room, flat,
    building code, residents' group, remarks in brackets; empty when nothing else is left.

    Examples
    --------
    >>> without_details("Tầng 3, Số 10 Phố Huế (cạnh ngân hàng)")
    ' , so 10 pho hue  '
    """
    out = _DETAILS.sub(" ", strip_marks(text))
    return out if any(ch.isalnum() for ch in out) else ""


def fold(text: str) -> str:
    """Fold ``text`` for matching: marks stripped, ``đ`` -> ``d``, lower case, punctuation to single spaces.

    Examples
    --------
    >>> fold("Ủy ban nhân dân P. Hoàn Kiếm")
    'uy ban nhan dan p hoan kiem'
    """
    return " ".join(_WORD.findall(strip_marks(text)))


def tokens(text: str) -> list[str]:
    """Folded words of ``text``, keeping house numbers such as "12/3" and "7-9" whole."""
    return _TOKEN.findall(_DOTTED.sub(r"\1", strip_marks(text)))


def collapse_phrases(words: Iterable[str]) -> list[str]:
    """Replace multi-word terms of :data:`PHRASES` by their single token, longest match first."""
    return [token for _, _, token in _phrase_spans(list(words))]


def _phrase_spans(words: list[str]) -> list[tuple[int, int, str]]:
    """``words`` cut into terms, longest :data:`PHRASES` match first: the start and length of each, and its
    token (the word itself when it is no phrase)."""
    out: list[tuple[int, int, str]] = []
    i = 0
    while i < len(words):
        for size in range(min(_MAX_PHRASE, len(words) - i), 0, -1):
            phrase = PHRASES.get(tuple(words[i : i + size]))
            if phrase is not None:
                out.append((i, size, phrase))
                i += size
                break
        else:
            out.append((i, 1, words[i]))
            i += 1
    return out


# The PHRASES a query may end partway through: by the words typed whole before the last and the last typed (a
# beginning of the term's next word, of two letters at least for its first), the terms' tokens. Not "số nhà": a
# house-number marker is read where it is whole.
_BEGUN: dict[tuple[tuple[str, ...], str], set[str]] = {}
for _words, _token in PHRASES.items():
    if _token not in HOUSENUMBER_MARKERS:
        for _at, _next in enumerate(_words):
            # An English kind from four letters: "ban" is more often "ủy ban" than a bank begun.
            _first = 1 if _at else 4 if _next in ENGLISH_KINDS else 2
            for _size in range(_first, len(_next) + (_at < len(_words) - 1)):
                _BEGUN.setdefault((_words[:_at], _next[:_size]), set()).add(_token)


def phrases_begun(words: list[str]) -> dict[int, set[str]]:
    """The :data:`PHRASES` terms the query ``words`` (canonical) end partway through, as typed before a search
    is finished: each of the words the term's beginning spans, by its position, with the terms' tokens. A term
    is begun by its first words typed whole and a beginning of its next ("bưu đi", "ủy ban", "khách s"); a
    last word begins a term when it has at least two letters. A term typed whole is not begun: the canonical
    words have it collapsed already.

    Examples
    --------
    >>> phrases_begun(["tran", "buu", "di"]), phrases_begun(["uy", "ban"]), phrases_begun(["bd"])
    ({1: {'bd'}, 2: {'bd'}}, {0: {'ubnd'}, 1: {'ubnd'}}, {})
    """
    out: dict[int, set[str]] = {}
    last = words[-1] if words else ""
    for size in range(1, min(_MAX_PHRASE, len(words)) + 1):
        tokens = _BEGUN.get((tuple(words[-size:-1]), last))
        if tokens:
            for at in range(len(words) - size, len(words)):
                out.setdefault(at, set()).update(tokens)
    return {at: out[at] for at in sorted(out)}


def marks(word: str) -> tuple[str, ...]:
    """The diacritics of ``word``, wherever its tone mark is placed: its combining marks and ``đ``, sorted.

    Examples
    --------
    >>> marks("hoà") == marks("hòa"), marks("Láng") == marks("Lang"), marks("Đống") == marks("đông")
    (True, False, False)
    """
    decomposed = unicodedata.normalize("NFD", word)
    return tuple(
        sorted(ch if unicodedata.combining(ch) else "đ" for ch in decomposed if ch in "đĐ" or unicodedata.combining(ch))
    )


def word_marks(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each word of ``text``, folded (:func:`strip_marks`), with its :func:`marks`."""
    words = _WORD.findall(unicodedata.normalize("NFC", text))
    return [(word.lower(), ()) if word.isascii() else (strip_marks(word), marks(word)) for word in words]


def beginnings(word: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each beginning of the written ``word`` (NFC), itself included, folded, with its :func:`marks`: the words
    a word typed in part may begin, and how their beginning is written.

    Examples
    --------
    >>> [(folded, len(marked)) for folded, marked in beginnings("Bạc")]
    [('b', 0), ('ba', 1), ('bac', 1)]
    """
    return tuple((strip_marks(word[:size]), marks(word[:size])) for size in range(1, len(word) + 1))


def written_words(text: str) -> list[str]:
    """The words of ``text`` as written, in NFC."""
    return _WORD.findall(unicodedata.normalize("NFC", text))


def marked_words(text: str) -> tuple[list[tuple[str, tuple[str, ...]]], bool]:
    """The words of ``text`` written with diacritics, folded, with their :func:`marks`; words of a
    :data:`PHRASES` term ("Hà Nội", "bưu điện") are left out, since the term is matched as one token. And
    whether the last of them is the last word of ``text``, which may be typed in part.

    Examples
    --------
    >>> marked_words("Láng Hạ, Hà Nội")[0], marked_words("lang ha"), marked_words("hàng bạ")[1]
    ([('lang', ('́',)), ('ha', ('̣',))], ([], False), True)
    """
    if text.isascii():
        return [], False
    words = word_marks(text)
    spans = _phrase_spans([word for word, _ in words])
    asked = [start for start, size, _ in spans if size == 1 and words[start][1]]
    return [words[at] for at in asked], bool(asked) and asked[-1] == len(words) - 1


# "X gần Y": what is asked (X) near a place (Y). Written with marks, the words say it wherever they are; without
# them ("gan", "canh") only in a query typed without any, where "canh" cannot be a name written "Cảnh".
_NEAR_MARKED = re.compile(r"(?<!\w)(?:xung quanh|bên cạnh|đối diện|gần với|gần|cạnh|quanh|nearby|near|around)(?!\w)")
# Remarks in brackets say where the place is, "(cạnh ngân hàng)", not what is asked.
_BRACKETS = re.compile(r"\([^)]*\)?|\[[^\]]*\]?")
_NEAR_WORDS = ("xung quanh", "ben canh", "doi dien", "gan voi", "gan", "canh", "quanh", "nearby", "near", "around")
_NEAR_PLAIN = re.compile(rf"(?<!\w)(?:{'|'.join(_NEAR_WORDS)})(?!\w)")


HERE: frozenset[str] = frozenset(
    {
        *("", "day", "nhat", "day nhat", "toi", "minh", "cho toi", "vi tri cua toi"),
        *("nha", "nha toi", "nha minh", "here", "me", "my location", "my home"),
    }
)
"""What a query "X gần Y" says Y is when it is where the asker is (folded): "gần đây" (near here), "gần nhất"
(nearest), "gần tôi", "gần nhà" (near home: the page's point is the asker's), "near me", or nothing ("bưu điện
gần", "post office nearby")."""


def asks_here(where: str) -> bool:
    """Whether the place of a query "X gần Y" (:func:`split_near`) is the asker's own (:data:`HERE`).

    Examples
    --------
    >>> asks_here("đây"), asks_here("nhất"), asks_here("me"), asks_here("hồ gươm")
    (True, True, True, False)
    """
    return fold(where) in HERE


def split_near(text: str) -> tuple[str, str] | None:
    """What is asked and the place it is asked near (lower case), in a query "X gần Y" (near, next to,
    opposite, around Y); the place empty when nothing follows ("bưu điện gần", "post office nearby": near the
    asker, :func:`asks_here`); None when the query says no such thing, or nothing before it.

    Examples
    --------
    >>> split_near("Bưu điện gần Hồ Gươm"), split_near("buu dien gan ho guom")
    (('bưu điện', 'hồ gươm'), ('buu dien', 'ho guom'))
    >>> split_near("FPT Shop near the Temple of Literature"), split_near("gần hồ gươm")
    (('fpt shop', 'the temple of literature'), None)
    >>> split_near("10 Phố Huế"), split_near("Số 10 phố Huế (cạnh ngân hàng)"), split_near("post office nearby")
    (None, None, ('post office', ''))
    """
    low = _BRACKETS.sub(" ", unicodedata.normalize("NFC", text).casefold())
    found = (_NEAR_PLAIN if strip_marks(low) == low else _NEAR_MARKED).search(low)
    if found is None:
        return None
    what, where = low[: found.start()].strip(" ,.;:-"), low[found.end() :].strip(" ,.;:-")
    return (what, where) if fold(what) and (fold(where) or not where) else None


# Words that ask about a place rather than name it: where it is, its opening hours, address or phone, whether it is
# open ("bưu điện ở đâu", "giờ mở cửa Bưu điện Tràng Tiền", "where is the post office"); as written, or folded in a
# query typed without marks. The longest first.
_WHERE_ASKED = ("nằm ở đâu", "ở chỗ nào", "ở đâu", "tại đâu", "chỗ nào", "where is the", "where is", "where's the")
_OPEN_ASKED = (
    *("mở cửa", "còn mở cửa", "đang mở cửa", "có mở cửa", "còn mở", "đang mở", "có mở", "làm việc", "có làm việc"),
    *("open", "open on", "is it open", "is it open on"),
)
_WHEN_ASKED = (
    *("chủ nhật", "thứ bảy", "thứ 7", "cuối tuần", "ngày lễ", "ngày tết", "hôm nay", "ngày mai", "bây giờ"),
    *("buổi sáng", "buổi chiều", "buổi tối", "sáng nay", "chiều nay", "tối nay", "đến mấy giờ", "tới mấy giờ"),
    *("sunday", "sundays", "saturday", "saturdays", "weekend", "weekends", "today", "tomorrow", "tonight"),
)
_ABOUT_ASKED = (
    *("mấy giờ mở cửa", "mở cửa lúc mấy giờ", "mở cửa mấy giờ", "giờ mở cửa", "giờ làm việc", "thời gian làm việc"),
    *("mấy giờ đóng cửa", "đóng cửa lúc mấy giờ", "giờ đóng cửa", "còn mở cửa", "đang mở cửa", "mở cửa"),
    *("có mở cửa", "còn mở", "đang mở", "địa chỉ của", "địa chỉ", "số điện thoại", "sđt", "thông tin về"),
    *("opening hours of the", "opening hours of", "opening hours", "opening times", "open now", "still open"),
    *("address of the", "address of", "phone number of the", "phone number of"),
)


def _either(phrases: tuple[str, ...], folded: bool) -> str:
    """A pattern matching any of ``phrases`` (unmarked when ``folded``), the longest first."""
    forms = sorted({strip_marks(p) if folded else p for p in phrases}, key=len, reverse=True)
    return "|".join(re.escape(f) for f in forms)


def _asked(phrases: tuple[str, ...], folded: bool, *, when: bool = False) -> re.Pattern[str]:
    body = _either(phrases, folded)
    if when:
        # Open when, first: "bưu điện mở cửa chủ nhật", "làm việc vào thứ bảy", "open on sundays".
        on = _either(("vào", "on"), folded)
        body = rf"(?:{_either(_OPEN_ASKED, folded)})(?:\s+(?:{on}))?\s+(?:{_either(_WHEN_ASKED, folded)})|{body}"
    return re.compile(rf"(?<!\w)(?:{body})(?!\w)")


_TAIL_ASKED = ("không", "ko", "chưa", "ạ", "vậy", "nhỉ", "nhé", "thế")
"""Words ending a question ("... có mở cửa ngày lễ không?": whether; "ạ", "nhỉ": politeness), left out of one."""

_WHERE_MARKED, _WHERE_PLAIN = _asked(_WHERE_ASKED, False), _asked(_WHERE_ASKED, True)
_TAIL_MARKED = re.compile(rf"(?:\s+(?:{'|'.join(_TAIL_ASKED)}))+$")
# Unmarked, not those a name or English may end with ("ạ" as "a": "nhà A"; "thế" as "the").
_TAIL_PLAIN = re.compile(rf"(?:\s+(?:{'|'.join(strip_marks(w) for w in _TAIL_ASKED if w not in ('ạ', 'thế'))}))+$")
_ABOUT_MARKED, _ABOUT_PLAIN = _asked(_ABOUT_ASKED, False, when=True), _asked(_ABOUT_ASKED, True, when=True)


def without_questions(text: str) -> tuple[str, bool]:
    """``text`` (lower case) without the words that ask about a place rather than name it: where it is, its
    opening hours (when it opens: "mở cửa chủ nhật", on Sunday), address or phone, whether it is open; and
    whether it had any. ``text`` itself, and False, when it has none of them or nothing else.

    Examples
    --------
    >>> without_questions("Giờ mở cửa Bưu điện Tràng Tiền?"), without_questions("buu dien o dau")
    (('bưu điện tràng tiền', True), ('buu dien', True))
    >>> without_questions("bưu điện mở cửa chủ nhật"), without_questions("Bưu điện Hà Nội có mở cửa ngày lễ không?")
    (('bưu điện', True), ('bưu điện hà nội', True))
    >>> without_questions("Where is the post office"), without_questions("Phố Cửa Nam"), without_questions("ở đâu")
    (('post office', True), ('Phố Cửa Nam', False), ('ở đâu', False))
    """
    low = unicodedata.normalize("NFC", text).casefold()
    plain = strip_marks(low) == low
    where, about = (_WHERE_PLAIN, _ABOUT_PLAIN) if plain else (_WHERE_MARKED, _ABOUT_MARKED)
    if where.search(low) is None and about.search(low) is None:
        return text, False
    rest = " ".join(about.sub(" ", where.sub(" ", low)).split()).strip(" ,.;:-?!")
    rest = (_TAIL_PLAIN if plain else _TAIL_MARKED).sub("", rest)
    return (rest, True) if fold(rest) else (text, False)


def other_names_of_kind(text: str) -> list[str]:
    """The other ways to say a kind of agency ``text`` says (:func:`is_category`), by its near-synonyms
    (:data:`NEAR_SYNONYMS`), as canonical words; none for another text.

    Examples
    --------
    >>> other_names_of_kind("bưu điện"), other_names_of_kind("Bưu cục"), other_names_of_kind("viettel post")
    (['bc'], ['bd'], [])
    """
    if not is_category(text):
        return []
    words = canonical(text)
    return [
        " ".join(other if w == word else w for w in words)
        for word in dict.fromkeys(words)
        for pair in NEAR_SYNONYMS
        if word in pair
        for other in pair - {word}
    ]


def is_category(text: str) -> bool:
    """Whether ``text`` says a kind of agency and nothing else ("bưu điện", "Viettel Post").

    Examples
    --------
    >>> is_category("Bưu điện"), is_category("viettel post"), is_category("bưu điện tràng tiền")
    (True, True, False)
    """
    low = _BRACKETS.sub(" ", unicodedata.normalize("NFC", text).casefold())
    cut = _category_end(low)
    return bool(cut) and _WORD.search(low, cut) is None


# "X Y" without a near word, where X says what kind of agency is asked ("bưu điện hồ gươm", "viettel post kim mã"):
# canonical terms (PHRASES collapsed) that name one, and the words that may join the place after them ("ở", "tại":
# in, at; unmarked only in a query typed without any marks). Not "UBND": a committee is of its area ("UBND phường
# Láng" is Láng's, not one near it), as its name says.
CATEGORY_TERMS: frozenset[tuple[str, ...]] = frozenset(
    {("bd",), ("bc",), ("vnpost",), ("viettel", "post"), ("viettelpost",), ("fpt", "shop"), ("fptshop",), ("fpt",)}
)
_MAX_CATEGORY = max(len(t) for t in CATEGORY_TERMS)
# The words a query asking for a kind of agency may begin with, to tell the others at once.
_CATEGORY_FIRST = {terms[0] for terms in CATEGORY_TERMS} | {
    words[0] for words, term in PHRASES.items() if any(terms[0] == term for terms in CATEGORY_TERMS)
}
# Fewest letters of the place after a kind of agency: fewer are a word still being typed.
_PLACE_MIN_LETTERS = 3
_IN_MARKED = re.compile(r"^(?:ở|tại|in|at|on)(?!\w)\s*")
_IN_PLAIN = re.compile(r"^(?:o|tai|in|at|on)(?!\w)\s*")


def split_category(text: str, short: Collection[str] = ()) -> tuple[str, str] | None:
    """What kind of agency is asked and the place after it (lower case), in a query that begins with
    one (:data:`CATEGORY_TERMS`) and goes on; None otherwise, and None when the place has fewer than three
    letters (a word still being typed) unless it is one of ``short`` (folded: an area's initials, "hk").

    Examples
    --------
    >>> split_category("Bưu điện Hồ Gươm"), split_category("viettel post o kim ma")
    (('bưu điện', 'hồ gươm'), ('viettel post', 'kim ma'))
    >>> split_category("UBND phường Láng"), split_category("bưu điện"), split_category("Hồ Gươm")
    (None, None, None)
    >>> split_category("fpt s"), split_category("bưu điện c"), split_category("bưu điện mơ")
    (None, None, None)
    >>> split_category("Bưu điện HK", {"hk"})
    ('bưu điện', 'hk')
    """
    low = _BRACKETS.sub(" ", unicodedata.normalize("NFC", text).casefold())
    cut = _category_end(low)
    if not cut or _WORD.search(low, cut) is None:
        return None
    what, where = low[:cut].strip(" ,.;:-"), _place_after(low, cut)
    # A word of one or two letters is a word being typed ("fpt s", "bưu điện c"), no place to be near.
    folded = fold(where)
    return (what, where) if len(folded) >= _PLACE_MIN_LETTERS or folded in short else None


def _category_end(low: str) -> int:
    """Where the kind of agency (:data:`CATEGORY_TERMS`) that ``low`` (NFC, lower case) begins with ends, as
    an index of ``low``; 0 when it begins with none."""
    first = _WORD.search(low)
    if first is None or strip_marks(first.group()) not in _CATEGORY_FIRST:
        return 0
    words = list(_WORD.finditer(low))
    spans = _phrase_spans([strip_marks(w.group()) for w in words[: _MAX_CATEGORY * _MAX_PHRASE + 1]])
    # The longest term asked: "fpt shop ..." asks for the chain's shops, not for "fpt" near "shop ...".
    terms: tuple[str, ...] = ()
    size = 0
    for start, length, term in spans[:_MAX_CATEGORY]:
        terms += (term,)
        if terms in CATEGORY_TERMS:
            size = start + length
    return words[size - 1].end() if size else 0


def _place_after(low: str, cut: int) -> str:
    """The place ``low`` (NFC, lower case) names from ``cut`` on, without the word joining it ("ở", "tại": in,
    at; unmarked only in a query typed without any marks)."""
    where = low[cut:].strip(" ,.;:-?!")
    return (_IN_PLAIN if strip_marks(low) == low else _IN_MARKED).sub("", where).strip()


# "Đổi bằng lái xe gần hồ gươm": a procedure asked where to take (geo._procedure_words), with the words around it
# that ask for it, and what is left: the kind of agency and the place asked near. Terms as folded words, longest
# first; the service asked for without a procedure ("nộp hồ sơ gần đây") and the words around them as written (NFC,
# lower case), the longest first.
_PROCEDURE_TERMS: dict[tuple[str, ...], str] = {
    tuple(fold(phrase).split()): code for code, phrases in PROCEDURE_WORDS.items() for phrase in phrases
}
_MAX_PROCEDURE = max(len(term) for term in _PROCEDURE_TERMS)


def _written(phrases: Iterable[str]) -> list[tuple[str, ...]]:
    return sorted((tuple(unicodedata.normalize("NFC", p).split()) for p in phrases), key=len, reverse=True)


_SERVICE = _written(SERVICE_WORDS)
_SAID_BEFORE = _written(SAID_BEFORE)
_SAID_WHERE = _written(SAID_WHERE)
_SAID_AFTER = _written((*SAID_AFTER, *SAID_WHERE))
# Any of them in text without its marks (strip_marks): most queries name none, and are told so at once.
_ANY_PROCEDURE = re.compile(
    r"(?<![^\W_])(?:"
    + "|".join(
        sorted(
            {r"[\W_]+".join(t) for t in (*_PROCEDURE_TERMS, *((strip_marks(w) for w in p) for p in _SERVICE))},
            key=len,
            reverse=True,
        )
    )
    + r")(?![^\W_])"
)


def split_procedure(text: str) -> tuple[str, str, str] | None:
    """The procedure a query asks where to take (a code of :data:`geo.agencies.PROCEDURES`; empty for the
    service itself, any procedure: "nộp hồ sơ gần đây", "dịch vụ công gần nhất"), the kind of agency it asks for
    it at (:data:`CATEGORY_TERMS`, lower case; empty for any) and the place it asks near (lower case; empty, or
    one of :data:`HERE`, for the asker's); None when the query names no procedure
    (:data:`geo._procedure_words.PROCEDURE_WORDS`) nor the service (``SERVICE_WORDS``, then with nothing else
    but a kind and a place after a near or in word: "trung tâm phục vụ hành chính công" is a name), or names it
    after a near word: "fpt shop gần bảo hiểm xã hội" asks for a shop near the social insurance office.

    Examples
    --------
    >>> split_procedure("Đổi bằng lái xe gần Hồ Gươm"), split_procedure("lam can cuoc o dau")
    (('driving_licence', '', 'hồ gươm'), ('police_papers', '', ''))
    >>> split_procedure("Viettel Post làm lý lịch tư pháp"), split_procedure("nộp hồ sơ đất đai ở Hoàn Kiếm")
    (('judicial_record', 'viettel post', ''), ('land', '', 'hoàn kiếm'))
    >>> split_procedure("Nộp hồ sơ gần đây"), split_procedure("Trung tâm phục vụ hành chính công")
    (('', '', 'đây'), None)
    >>> split_procedure("fpt shop gần bảo hiểm xã hội"), split_procedure("Phố Cầu Đất")
    (None, None)
    """
    if _ANY_PROCEDURE.search(strip_marks(text)) is None:
        return None
    low = _BRACKETS.sub(" ", unicodedata.normalize("NFC", text).casefold())
    words = list(_WORD.finditer(low))
    folded = [strip_marks(w.group()) for w in words]
    written = [w.group() for w in words]
    marked = strip_marks(low) != low

    def said(at: int, phrase: tuple[str, ...]) -> bool:
        """Whether ``phrase`` is written from word ``at`` on (as written; unmarked too in a query without marks)."""
        if at < 0 or at + len(phrase) > len(words):
            return False
        pairs = zip(written[at : at + len(phrase)], folded[at : at + len(phrase)], phrase, strict=True)
        return all(word == said or (not marked and bare == strip_marks(said)) for word, bare, said in pairs)

    # A procedure named anywhere first ("nộp hồ sơ đất đai" is land), else the service.
    found = next(
        (
            (start, start + size, _PROCEDURE_TERMS[term])
            for start in range(len(words))
            for size in range(min(_MAX_PROCEDURE, len(words) - start), 0, -1)
            if (term := tuple(folded[start : start + size])) in _PROCEDURE_TERMS
        ),
        None,
    ) or next(
        ((start, start + len(phrase), "") for start in range(len(words)) for phrase in _SERVICE if said(start, phrase)),
        None,
    )
    if found is None:
        return None
    start, end, code = found
    near, joining = (_NEAR_MARKED, _IN_MARKED) if marked else (_NEAR_PLAIN, _IN_PLAIN)
    if near.search(low, 0, words[start].start()) is not None:
        return None
    while (before := next((p for p in _SAID_BEFORE if said(start - len(p), p)), None)) is not None:
        start -= len(before)
    asks_where = False
    while (after := next((p for p in _SAID_AFTER if said(end, p)), None)) is not None:
        end += len(after)
        asks_where = asks_where or after in _SAID_WHERE
    rest = f"{low[: words[start].start()]} {low[words[end - 1].end() :]}".strip(" ,.;:-?!")
    cut = _category_end(rest)
    left = rest[cut:].strip(" ,.;:-?!")
    if not code and left and not asks_where and near.match(left) is None and joining.match(left) is None:
        return None
    where = _place_after(rest, cut)
    found_near = near.match(where)
    if found_near is not None:
        where = where[found_near.end() :].strip(" ,.;:-?!")
    return code, rest[:cut].strip(" ,.;:-"), where


# Telex, as most Vietnamese type: a vowel doubled or followed by "w" is marked (aa â, aw ă, ee ê, oo ô, ow ơ, uw ư;
# dd đ), and a key after the vowel gives the tone (s, f, r, x, j; z none). With the input method off, "Hàng Bạc"
# comes typed as "hangf bacj". Written by hand: the search needs only the folded word, which no input-method
# library gives without its own state machine.
_TELEX_PAIRS = re.compile(r"dd|aa|aw|ee|oo|ow|uw")
# Keys of no Vietnamese letter (f, j, z: tones), and s, r, x after a vowel or ending the word after a final
# consonant: letters that only begin a Vietnamese syllable, so after its vowel they are its tone.
_TELEX_TONES = re.compile(r"[fjz]|(?<=[aeiouy])[srx]|(?<=[cghmnpt])[srx]$")
# Might be typed in Telex: has a key of no Vietnamese letter, a doubled or hooked vowel, or a tone key as above.
_TELEX_KEYS = re.compile(r"[fjwz]|dd|aa|ee|oo|[aeiouy][srx]|[cghmnpt][srx]\b")
# The words a query is read by besides the index's own: the words of its terms, and those saying near or where.
TELEX_WORDS: frozenset[str] = frozenset(
    {word for words in PHRASES for word in words}
    | HOUSENUMBER_MARKERS
    | ALLEY_WORDS
    | {word for phrase in (*_NEAR_WORDS, *HERE) for word in phrase.split()}
    | {"o", "tai"}
)
NOT_TELEX: frozenset[str] = frozenset(
    {"is", "as", "has", "this", "or", "nor", "far", "car", "cars", "gas", "tax", "fax", "max", "six", "fix", "mix"}
)
"""English words a query may hold that Telex would misread as Vietnamese ones ("is" as "i", "gas" as "ga",
"tax" as "ta"): kept as typed."""


def telex_reading(word: str) -> str:
    """The folded word ``word`` (lower-case ASCII) stands for when typed in Telex with the input method off: "hangf"
    -> "hang", "ddieenj" -> "dien", "buwu" -> "buu", "cuwra" -> "cua"; ``word`` itself when it has no Telex keys.

    Examples
    --------
    >>> [telex_reading(w) for w in ("hangf", "bacj", "ddieenj", "thuwowngf", "phoos", "cuwra", "hang")]
    ['hang', 'bac', 'dien', 'thuong', 'pho', 'cua', 'hang']
    """
    if not _TELEX_KEYS.search(word):
        return word
    return _TELEX_TONES.sub("", _TELEX_PAIRS.sub(lambda pair: pair.group()[0], word).replace("w", "u"))


def untelex(text: str, known: Collection[str]) -> str:
    """``text`` with each ASCII word that is not among the ``known`` ones but whose :func:`telex_reading` is (or
    is one of :data:`TELEX_WORDS`) replaced by that reading: "buwu ddieenj trangf tieenf" -> "buu dien trang tien".
    Words with diacritics, and words known as typed ("coffee", "post"), stay; so the words of a text typed partly
    with the input method on are read each on its own ("hangf bacj, Hoàn Kiếm", a ward's name pasted)."""
    if not _TELEX_KEYS.search(text.casefold()):
        return text

    def read(found: re.Match[str]) -> str:
        word = found.group().casefold()
        if not word.isascii():
            return found.group()
        reading = telex_reading(word)
        if word in known or word in NOT_TELEX or reading == word or not (reading in known or reading in TELEX_WORDS):
            return found.group()
        return reading

    return _WORD.sub(read, text)


def canonical(text: str) -> list[str]:
    """Tokens of ``text`` in canonical form: folded, with multi-word terms collapsed."""
    return collapse_phrases(tokens(text))


def resolve_p(words: list[str]) -> list[str]:
    """``p``/``ph`` read by context: "phố" right after a house number ("10 P. Huế"), "phường" after other
    words ("Hàng Bạc, P. Hoàn Kiếm": the ward comes after the street); left ambiguous at the start.

    Examples
    --------
    >>> resolve_p(["10", "p", "hue"]), resolve_p(["hang", "bac", "p", "hoan", "kiem"]), resolve_p(["p", "hue"])
    (['10', 'pho', 'hue'], ['hang', 'bac', 'phuong', 'hoan', 'kiem'], ['p', 'hue'])
    """
    out = list(words)
    for i in range(1, len(out)):
        if out[i] in ("p", "ph"):
            out[i] = "pho" if is_housenumber(out[i - 1]) else "phuong"
    return out


def equivalents(token: str) -> set[str]:
    """Canonical tokens that ``token`` matches exactly, through :data:`ABBREVIATIONS` in either direction and
    :data:`FORMER_DISTRICT` forward."""
    return {token, *ABBREVIATIONS.get(token, ()), *_ABBREVIATED_AS.get(token, ()), *FORMER_DISTRICT.get(token, ())}


def is_housenumber(token: str) -> bool:
    """Whether ``token`` looks like a Vietnamese house number ("75", "12A", "12/3", "7-9")."""
    return _HOUSENUMBER.fullmatch(token) is not None


def expand_alleys(words: list[str]) -> list[str] | None:
    """``words`` with the slash forms of alleys written out, or None when they have none.

    Hanoi writes an alley's place innermost first, each number after a slash: "ngách 35/462 Bưởi" is ngách 35
    of ngõ 462, "hẻm 15/35/462" hẻm 15 of that ngách, and a house number "12/575 Kim Mã" or "số 15/35/462
    Bưởi" is house 12 of ngõ 575, house 15 of ngách 35 of ngõ 462. The outermost number is always the ngõ's,
    whatever alley word leads it ("ngõ 35/462" is read as ngách 35 of ngõ 462).

    Examples
    --------
    >>> expand_alleys(["ngach", "35/462", "buoi"]), expand_alleys(["so", "15/35/462", "buoi"])
    (['ngach', '35', 'ngo', '462', 'buoi'], ['so', '15', 'ngach', '35', 'ngo', '462', 'buoi'])
    >>> expand_alleys(["12/575", "kim", "ma"]), expand_alleys(["75", "dinh", "tien", "hoang"])
    (['12', 'ngo', '575', 'kim', 'ma'], None)
    """
    out: list[str] = []
    for i, word in enumerate(words):
        parts = word.split("/")
        if len(parts) < 2 or "-" in word or not is_housenumber(word):
            out.append(word)
            continue
        if i > 0 and words[i - 1] in ALLEY_WORDS and len(parts) <= len(_ALLEY_LEVELS):
            out.pop()
            levels = _ALLEY_LEVELS[: len(parts)][::-1]
        elif (i == 0 or words[i - 1] in HOUSENUMBER_MARKERS) and len(parts) <= len(_ALLEY_LEVELS) + 1:
            out.append(parts.pop(0))
            levels = _ALLEY_LEVELS[: len(parts)][::-1]
        else:
            out.append(word)
            continue
        out.extend(w for level, number in zip(levels, parts, strict=True) for w in (level, number))
    return out if out != words else None


def housenumber_base(key: str) -> str:
    """A house number without its letter suffix ("12a" -> "12"): houses that share it are neighbours."""
    return key.rstrip("abcdefghijklmnopqrstuvwxyz")


def housenumber_keys(words: list[str]) -> tuple[set[str], list[str]]:
    """Keys under which a house number written as ``words`` (canonical tokens) can be found, and the rest.

    The keys are the number itself ("7-9"), each house of a range ("7", "9"), and for a house in an alley
    ("5, ngõ 10") both slash forms ("5/10", "10/5"), since both orders are written in Hanoi; a number after
    an alley word is the alley's, never a key of its own. The rest are the words that are not keys nor
    markers ("ngo", "10"): they belong with the street.
    """
    keys: set[str] = set()
    rest: list[str] = []
    first = None
    for i, word in enumerate(words):
        alley = i > 0 and words[i - 1] in ALLEY_WORDS
        if not is_housenumber(word) or alley:
            if alley and first is not None and is_housenumber(word):
                keys.update({f"{first}/{word}", f"{word}/{first}"})
            if word not in HOUSENUMBER_MARKERS:
                rest.append(word)
            continue
        first = first or word
        keys.add(word)
        keys.update(part for part in word.split("-") if part)
    return keys, rest


def record_housenumber(text: str) -> tuple[set[str], list[str]]:
    """Keys and street words of a record's ``addr:housenumber`` (see :func:`housenumber_keys`).

    Examples
    --------
    >>> sorted(record_housenumber("45, Ngõ 9")[0]), record_housenumber("45, Ngõ 9")[1]
    (['45', '45/9', '9/45'], ['ngo', '9'])
    >>> record_housenumber("37 b")[0], record_housenumber("số 6")[0]
    ({'37b'}, {'6'})
    """
    joined = re.sub(r"(\d)\s+([a-z])\b", r"\1\2", strip_marks(text))
    joined = re.sub(r"\s*/\s*", "/", joined)
    return housenumber_keys(collapse_phrases(_TOKEN.findall(joined)))
