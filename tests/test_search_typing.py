"""A query typed partway, as the citizens' page asks while the citizen types (geo.search on the central-Hanoi
map): its last word begun, or a term begun ("bưu đi", "ủy ban"); and a query typed in Telex with the input method
off ("hangf bacj")."""

from __future__ import annotations

import pytest

from geo import _text
from geo.addressmap import AddressMap
from geo.search import SearchIndex


@pytest.fixture(scope="module")
def index(hanoi: AddressMap) -> SearchIndex:
    return hanoi.search


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # One letter after whole words: the words it begins count ("Đạo"), not only "đ." for đường.
        ("trần hưng đ", "Phố Trần Hưng Đạo"),
        ("tran hung d", "Phố Trần Hưng Đạo"),
        ("ủy ban nhân dân phường hoàn ki", "Ủy ban nhân dân phường Hoàn Kiếm"),
        # A kind of agency then a place typed in part: the agency naming it keeps its whole score.
        ("bưu điện tràng t", "Bưu điện Tràng Tiền"),
        ("buu dien trang t", "Bưu điện Tràng Tiền"),
        ("chợ đồng x", "Chợ Đồng Xuân"),
        # One letter is a word begun, not the letter a name writes alone ("B&B hotel", "Minh's Jazz Club").
        ("quán s", "Phố Quán Sứ"),
        # Diacritics typed on a word begun say which words it begins ("bạ" for Bạc, "bà" for Bài).
        ("hàng bạ", "Phố Hàng Bạc"),
        ("hàng bà", "Phố Hàng Bài"),
        ("12 hàng bạ", "12 Hàng Bạc"),
        # A kind of agency then a word of two letters: the word is part of the name, no place to be near.
        ("bưu điện mơ", "Bưu Cục Chợ Mơ"),
    ],
)
def test_a_last_word_typed_in_part_finds_the_place(index: SearchIndex, text: str, label: str) -> None:
    assert index.hits(text, k=1)[0]["label"] == label


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("bưu đi", "bưu điện"),
        ("buu d", "bưu điện"),
        ("ủy ban", "UBND"),
        ("khách s", "khách sạn"),
        ("bệnh vi", "bệnh viện"),
    ],
)
def test_a_term_typed_in_part_finds_what_it_begins(index: SearchIndex, text: str, term: str) -> None:
    # Each of the first five names the term, written whole or shortened (its canonical token: "Ủy ban nhân dân"
    # and "UBND" alike), or is a landmark of the kind it says ("khách sạn": a hotel named "Sheraton Hanoi").
    hits = index.hits(text, k=5)
    assert len(hits) == 5
    said = index.records.set_index("id")["said_names"]
    for hit in hits:
        names = (hit["name"], said[hit["id"]])
        assert any(set(_text.canonical(term)) <= set(_text.canonical(name)) for name in names), (text, hit["label"])


def test_one_letter_after_words_lists_the_words_it_begins(index: SearchIndex) -> None:
    labels = [hit["label"] for hit in index.hits("hàng b", k=5)]
    assert all(label.startswith(("Phố Hàng B", "Hàng B")) or " Hàng B" in label for label in labels), labels


def test_a_chain_then_a_letter_is_the_chain_not_a_place_named_by_the_letter(index: SearchIndex) -> None:
    # "fpt s" was read as FPT shops near a place called "s", scoring by their distance from it (0.32 at best).
    hits = index.hits("fpt s", k=3)
    assert [hit["name"].casefold() for hit in hits] == ["fpt shop"] * 3
    assert min(hit["score"] for hit in hits) >= 0.8 and all(hit["near"] is None for hit in hits)


@pytest.mark.parametrize(
    ("word", "reading"),
    [
        ("hangf", "hang"),
        ("bacj", "bac"),
        ("ddieenj", "dien"),
        ("thuwowngf", "thuong"),
        ("nguwowif", "nguoi"),
        ("phoos", "pho"),
        ("cuwar", "cua"),
        ("cuwra", "cua"),
        ("hoangs", "hoang"),
        ("hang", "hang"),
        ("tran", "tran"),
        ("hotels", "hotels"),
    ],
)
def test_a_word_typed_in_telex_is_read_folded(word: str, reading: str) -> None:
    assert _text.telex_reading(word) == reading


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("hangf bacj", "Phố Hàng Bạc"),
        ("75 ddinh tieen hoangf", "75 Đinh Tiên Hoàng"),
        ("buwu ddieenj trangf tieenf", "Bưu điện Tràng Tiền"),
        ("soo 10 phoos hueej", "10 Phố Huế"),
        # Near words and terms are read too.
        ("buwu ddieenj gaafn hoof guwowm", "Bưu điện Thành phố Hà Nội"),
        # Partly with the input method on: each word read on its own.
        ("hangf bacj, Hoàn Kiếm", "Phố Hàng Bạc"),
        ("Bưu điện trangf tieenf", "Bưu điện Tràng Tiền"),
    ],
)
def test_a_query_typed_in_telex_with_the_input_method_off_finds_the_place(
    index: SearchIndex, text: str, label: str
) -> None:
    assert index.hits(text, k=1)[0]["label"] == label


def test_words_known_as_typed_are_not_read_as_telex() -> None:
    # "Times" reads "time" in Telex (s as a tone): read so only when the words known lack "times" itself.
    assert _text.untelex("Times City", {"times", "time", "city"}) == "Times City"
    assert _text.untelex("Times City", {"time", "city"}) == "time City"
    # A reading known nowhere is no reading ("coffee"), nor are words written with diacritics Telex ("Đoàn":
    # "oa" then "n", not "aa"); beside them, a word typed in Telex still is ("hangf bacj", a ward pasted after).
    assert _text.untelex("coffee", {"cofe"}) == "coffee" and _text.untelex("coffee", set()) == "coffee"
    assert _text.untelex("Hangf Bacj", {"hang", "bac"}) == "hang bac"
    assert _text.untelex("hangf bacj, Hoàn Kiếm", {"hang", "bac", "hoan"}) == "hang bac, Hoàn Kiếm"
    assert _text.untelex("Hàng Bacj", {"hang", "bac"}) == "Hàng bac"
    assert _text.untelex("Phố Đoàn Trần Nghiệp", {"doan", "tran", "nghiep"}) == "Phố Đoàn Trần Nghiệp"
    # English words among the names are English: "is" is no "i", "gas" no "ga" (station), "tax" no "ta".
    known = {"i", "ga", "ta", "gas"}
    assert _text.untelex("is there a gas station", known - {"gas"}) == "is there a gas station"
    assert _text.untelex("tax office", known) == "tax office"
