"""Tests of geo.search on the real Hanoi address points, agencies, authorities and wards."""

from __future__ import annotations

import unicodedata
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest

from geo import _text, paths
from geo._errors import InputError
from geo.addressmap import AddressMap
from geo.search import SearchIndex


def _records(frame: gpd.GeoDataFrame, kind: str | pd.Series, prefix: str, *, address: bool) -> pd.DataFrame:
    # Wards are polygons; a representative point lies inside each, unlike a centroid.
    points = frame.geometry.representative_point()
    return pd.DataFrame(
        {
            "id": prefix + frame["osm_type"].astype(str) + "/" + frame["osm_id"].astype(str),
            "kind": kind,
            "name": frame["name"],
            "housenumber": frame["addr_housenumber"] if address else "",
            "street": frame["addr_street"] if address else "",
            "lon": points.x,
            "lat": points.y,
            "osm_id": frame["osm_id"],
        }
    )


@pytest.fixture(scope="module")
def records() -> pd.DataFrame:
    """Addresses, agencies, authorities and wards from the shared Hanoi data, as `SearchIndex` expects."""
    data = paths.data_dir()
    addresses = gpd.read_file(data / "buildings" / "hanoi_central_osm_address_points_derived.geojson")
    pois = gpd.read_file(data / "pois" / "agencies_authorities.geojson")
    wards = gpd.read_file(data / "boundaries" / "hanoi_wards_2025_osm.geojson")
    return pd.concat(
        [
            _records(addresses, "address", "address/", address=True),
            _records(pois, pois["role"], "poi/", address=True),
            _records(wards, "ward", "ward/", address=False),
        ],
        ignore_index=True,
    )


@pytest.fixture(scope="module")
def index(records: pd.DataFrame) -> SearchIndex:
    return SearchIndex.from_frame(records)


def _top(index: SearchIndex, text: str, **kwargs: Any) -> pd.Series:
    result = index.query(text, **kwargs)
    assert len(result), f"no result for {text!r}"
    return result.iloc[0]


def test_fold_makes_forms_equal() -> None:
    nfc = "Ủy ban nhân dân phường Hoàn Kiếm"
    assert _text.fold(nfc) == _text.fold(unicodedata.normalize("NFD", nfc)) == "uy ban nhan dan phuong hoan kiem"
    # Old and new tone-mark placement, and đ, which Unicode does not decompose.
    assert _text.fold("hoà") == _text.fold("hòa") == "hoa"
    assert _text.fold("thuỷ") == _text.fold("thủy") == "thuy"
    assert _text.fold("Uỷ") == _text.fold("Ủy") == "uy"
    assert _text.fold("Đống Đa, HN.") == "dong da hn"


@pytest.mark.parametrize(
    ("text", "left"),
    [
        ("Tầng 3, Số 10 Phố Huế", "so 10 pho hue"),
        ("Phòng 305 - Lầu 2, 10 Phố Huế", "10 pho hue"),
        ("Căn hộ 12A, Tòa B2, Tòa nhà 17T1, ngõ 5 Láng Hạ", "ngo 5 lang ha"),
        ("Số 12, Tổ dân phố 3, TDP 4, tổ 5, cụm 2, khu phố 1, KP 6, phường Hoàn Kiếm", "so 12 phuong hoan kiem"),
        ("10 Phố Huế (cạnh ngân hàng) [cổng sau", "10 pho hue"),
        # Names that start like a detail stay: a street, a court, a street and its alley.
        ("Tô Hiến Thành", "to hien thanh"),
        ("Tòa án nhân dân, 43 Hai Bà Trưng", "toa an nhan dan 43 hai ba trung"),
        ("ngõ 3 Tăng Bạt Hổ", "ngo 3 tang bat ho"),
        # Nothing else: empty, and the search reads the text as it is.
        ("Tầng 3", ""),
    ],
)
def test_what_an_address_says_inside_its_place_is_left_out(text: str, left: str) -> None:
    assert _text.fold(_text.without_details(text)) == left


def test_abbreviations_are_equivalent_both_ways() -> None:
    assert _text.canonical("U.B.N.D. T.P. Hà Nội") == _text.canonical("Ủy ban nhân dân thành phố Hà Nội")
    assert _text.canonical("BĐ") == _text.canonical("Bưu điện") == ["bd"]
    assert _text.canonical("ủy ban phường") == _text.canonical("UBND phường") == ["ubnd", "phuong"]
    assert {"phuong", "pho"} <= _text.equivalents("p")
    assert "q" in _text.equivalents("quan")
    # A district word also reads as the level that took the districts' names, not the other way.
    assert "phuong" in _text.equivalents("quan") and "quan" not in _text.equivalents("phuong")
    assert "x" in _text.equivalents("xa")
    assert "ng" in _text.equivalents("ngo")
    assert "d" in _text.equivalents("duong")
    assert _text.canonical("Hanoi") == _text.canonical("Hà Nội") == ["hn"]
    assert _text.canonical("nhà số 5") == _text.canonical("số nhà 5") == ["so", "5"]
    assert {"pho", "duong"} <= _text.equivalents("st") and "ngo" in _text.equivalents("lane")


def test_address_without_diacritics_finds_the_same_house(index: SearchIndex, records: pd.DataFrame) -> None:
    plain = index.query("75 Dinh Tien Hoang")
    accented = index.query("75 Đinh Tiên Hoàng")
    top = plain.iloc[0]
    assert top["id"] == accented.iloc[0]["id"]
    assert (top["housenumber"], top["street"], top["label"]) == (
        "75",
        "Đinh Tiên Hoàng",
        "75 Đinh Tiên Hoàng",
    )
    assert top["score"] == pytest.approx(1.0)
    # All original columns come back, the extra one included, plus score, label, match and ward (empty: this
    # index has no areas), near and near_m (empty and NaN: the query asks for nothing near a place).
    assert list(plain.columns) == [*records.columns, "score", "label", "match", "ward", "near", "near_m"]
    assert (plain["near"] == "").all() and plain["near_m"].isna().all()
    assert set(plain["ward"]) == {""}
    assert top["osm_id"] == records.set_index("id").loc[top["id"], "osm_id"]


@pytest.mark.parametrize(
    ("plain", "accented", "kind", "name"),
    [
        ("Buu dien Trang Tien", "Bưu điện Tràng Tiền", "agency", "Bưu điện Tràng Tiền"),
        (
            "uy ban nhan dan xa Van Con",
            "Ủy ban nhân dân xã Vân Côn",
            "authority",
            "Ủy ban nhân dân xã Vân Côn",
        ),
        (
            "Phuong Van Mieu - Quoc Tu Giam",
            "Phường Văn Miếu - Quốc Tử Giám",
            "ward",
            "Phường Văn Miếu - Quốc Tử Giám",
        ),
        ("xa dong anh", "Xã Đông Anh", "ward", "Xã Đông Anh"),
    ],
)
def test_names_without_diacritics(index: SearchIndex, plain: str, accented: str, kind: str, name: str) -> None:
    top = _top(index, plain)
    assert top["id"] == _top(index, accented)["id"]
    assert (top["kind"], top["name"], top["label"]) == (kind, name, name)


@pytest.mark.parametrize(
    ("text", "kind", "label"),
    [
        ("P. Hoan Kiem", "ward", "Phường Hoàn Kiếm"),
        ("phuong hoan kiem", "ward", "Phường Hoàn Kiếm"),
        ("hoankiem", "ward", "Phường Hoàn Kiếm"),
        ("UBND phuong Hoan Kiem", "authority", "Ủy ban nhân dân phường Hoàn Kiếm"),
        ("Uỷ ban nhân dân P. Hoàn Kiếm", "authority", "Ủy ban nhân dân phường Hoàn Kiếm"),
        # "Ủy ban" as people say it (the committee of Phường Hàng Buồm came first).
        ("ủy ban phường Hoàn Kiếm", "authority", "Ủy ban nhân dân phường Hoàn Kiếm"),
        ("uy ban phuong hoan kiem", "authority", "Ủy ban nhân dân phường Hoàn Kiếm"),
        ("UBND TP HN", "authority", "UBND thành phố Hà Nội"),
        ("X. Van Con", "authority", "Ủy ban nhân dân xã Vân Côn"),
        ("BĐ Tràng Tiền", "agency", "Bưu điện Tràng Tiền"),
        ("BD TP. Ha Noi", "agency", "Bưu điện Thành phố Hà Nội"),
        ("Bưu điện thành phố HN", "agency", "Bưu điện Thành phố Hà Nội"),
        ("45 ng. Huyện", "address", "45 Ngõ Huyện"),
        ("số 6 phố Tông Đản", "address", "số 6 Phố Tông Đản"),
        ("nhà số 6 phố Tông Đản", "address", "số 6 Phố Tông Đản"),
        # English forms, as on a foreigner's or a company's letterhead.
        ("6 Tong Dan St., Hanoi", "address", "số 6 Phố Tông Đản"),
        ("Hanoi Post Office", "agency", "Bưu điện Thành phố Hà Nội"),
    ],
)
def test_abbreviations(index: SearchIndex, text: str, kind: str, label: str) -> None:
    top = _top(index, text)
    assert (top["kind"], top["label"]) == (kind, label)


def test_nfd_input_gives_the_same_results(index: SearchIndex) -> None:
    for text in ["75 Đinh Tiên Hoàng", "Ủy ban nhân dân phường Hoàn Kiếm", "Phường Yên Hòa"]:
        nfc = index.query(unicodedata.normalize("NFC", text))
        nfd = index.query(unicodedata.normalize("NFD", text))
        pd.testing.assert_frame_equal(nfc, nfd)


def test_either_tone_mark_placement_finds_the_ward(index: SearchIndex) -> None:
    # OSM writes "Hòa"; the older placement "Hoà" is still common in typed text.
    assert _top(index, "Phường Yên Hoà")["label"] == "Phường Yên Hòa"


def test_diacritics_typed_choose_among_words_that_fold_alike(index: SearchIndex) -> None:
    # OSM has the street both right (20 Hạ Hồi) and misspelled (25 Hà Hồi), and 21b without marks ("Ha Hoi").
    right_20, wrong_25, plain_21b = "address/node/4809990136", "address/node/4570094492", "address/node/5353997224"
    plain = index.query("ha hoi", k=20).set_index("id")["score"]
    assert {right_20, wrong_25, plain_21b} <= set(plain.index)
    for typed, right, wrong in [("hạ hồi", right_20, wrong_25), ("hà hồi", wrong_25, right_20)]:
        scores = index.query(typed, k=20).set_index("id")["score"]
        assert scores.index[0] == right
        assert scores[right] == pytest.approx(plain[right])
        # One of the two words typed is written otherwise: a tenth off (half of _MARKS_PENALTY).
        assert scores[wrong] == pytest.approx(plain[wrong] * 0.9)
        # A record written without any marks says nothing of them.
        assert scores[plain_21b] == pytest.approx(plain[plain_21b])


def test_a_diacritic_mistyped_still_finds_the_place(index: SearchIndex) -> None:
    assert _top(index, "Phường Hoàn Kiêm")["label"] == "Phường Hoàn Kiếm"
    # "Hà Nội" is one term, matched as such: its words are not weighed against "Hạ Hồi".
    assert _top(index, "25 Hà Hồi, Hà Nội")["score"] == pytest.approx(_top(index, "25 Ha Hoi, Ha Noi")["score"])


def test_kinds_filter(index: SearchIndex) -> None:
    agencies = index.query("Hoan Kiem", kinds={"agency"})
    assert len(agencies) and set(agencies["kind"]) == {"agency"}
    assert agencies.iloc[0]["label"] == "Bưu cục Giao dịch EMS Hoàn Kiếm"
    both = index.query("Hoan Kiem", kinds=["ward", "authority"], k=2)
    assert list(both["label"]) == ["Phường Hoàn Kiếm", "Ủy ban nhân dân phường Hoàn Kiếm"]
    with pytest.raises(InputError, match="unknown kinds"):
        index.query("Hoan Kiem", kinds={"post_office"})


def test_exact_house_number_outranks_the_rest_of_the_street(index: SearchIndex) -> None:
    result = index.query("75 Dinh Tien Hoang", k=50, kinds={"address"})
    street = result["street"].map(_text.fold).str.endswith("dinh tien hoang")
    exact = street & (result["housenumber"] == "75")
    others = street & (result["housenumber"] != "75")
    assert exact.sum() == 2 and others.sum() >= 10
    assert result.loc[exact, "score"].min() > result.loc[others, "score"].max()
    assert result["score"].is_monotonic_decreasing
    assert result["score"].between(0.0, 1.0).all()


@pytest.mark.parametrize(
    ("text", "housenumber", "street"),
    [
        ("11/33b pham ngu lao", "11/33B", "Phố Phạm Ngũ Lão"),
        ("10/49 ngo Quan Tho 1", "10/49", "Ngõ Quan Thổ 1"),
        ("số 45 ngõ 9 Nguyễn Tri Phương", "45, Ngõ 9", "Nguyễn Tri Phương"),
        ("45/9 Nguyen Tri Phuong", "45, Ngõ 9", "Nguyễn Tri Phương"),
        ("so 3 ngo 107A Ton Duc Thang", "Số 3, Ngõ 107A", "Tôn Đức Thắng"),
        ("37B Nguyen Huu Huan", "37 b", "Nguyễn Hữu Huân"),
        ("37b đ. Thành", "37B", "Đường Thành"),
        ("Nguyen Huu Huan 37b", "37 b", "Nguyễn Hữu Huân"),
    ],
)
def test_vietnamese_house_numbers(index: SearchIndex, text: str, housenumber: str, street: str) -> None:
    top = _top(index, text)
    assert (top["housenumber"], top["street"]) == (housenumber, street)


def test_trailing_number_in_a_name_is_still_a_word(index: SearchIndex) -> None:
    top = _top(index, "EMS Hai Ba Trung 1")
    assert (top["kind"], top["label"]) == ("agency", "Bưu Cục Giao Dịch EMS Hai Bà Trưng 1")


def test_house_without_its_letter_falls_back_to_the_number(index: SearchIndex) -> None:
    # There is no 12A Hàng Bạc in the data; 12 Hàng Bạc is the neighbour a visitor looks for.
    top = _top(index, "12A Hang Bac")
    assert (top["housenumber"], top["street"]) == ("12", "Hàng Bạc")


def test_bare_number_lists_houses_with_that_number(index: SearchIndex) -> None:
    result = index.query("75")
    assert len(result) == 3 and set(result["housenumber"]) == {"75"}


@pytest.mark.parametrize("text", ["", "   ", "\t\n", "!!! ..."])
def test_blank_query_is_an_input_error(index: SearchIndex, text: str) -> None:
    with pytest.raises(InputError):
        index.query(text)
    with pytest.raises(ValueError):
        index.query(text)


def test_no_match_gives_an_empty_frame(index: SearchIndex, records: pd.DataFrame) -> None:
    result = index.query("xyzzy qwertz")
    assert result.empty
    assert list(result.columns) == [*records.columns, "score", "label", "match", "ward", "near", "near_m"]


def test_k_limits_results(index: SearchIndex) -> None:
    assert len(index.query("Hang", k=3)) == 3
    with pytest.raises(InputError):
        index.query("Hang", k=0)


def test_bad_records_are_rejected(records: pd.DataFrame) -> None:
    with pytest.raises(InputError, match="repeated ids"):
        SearchIndex.from_frame(pd.concat([records, records.iloc[:1]]))
    with pytest.raises(InputError, match="lack columns"):
        SearchIndex.from_frame(records.drop(columns="street"))
    with pytest.raises(InputError, match="unknown kinds"):
        SearchIndex.from_frame(records.assign(kind="shop"))


@pytest.mark.parametrize(
    ("text", "kind", "name"),
    [
        ("UBND quận Hoàn Kiếm", "authority", "Ủy ban nhân dân phường Hoàn Kiếm"),
        ("ubnd quan dong da", "authority", "Đảng ủy - HĐND - UBND phường Đống Đa"),
        ("quận Ba Đình", "ward", "Phường Ba Đình"),
        ("huyện Gia Lâm", "ward", "Xã Gia Lâm"),
    ],
)
def test_a_former_district_names_the_unit_that_took_its_name(
    hanoi: AddressMap, text: str, kind: str, name: str
) -> None:
    # Districts were abolished in 2025; people still say "quận Hoàn Kiếm". The city's committee, which stands in
    # Phường Hoàn Kiếm, came before the ward's own.
    top = hanoi.search.query(text, k=1).iloc[0]
    assert (top["kind"], top["name"]) == (kind, name)
