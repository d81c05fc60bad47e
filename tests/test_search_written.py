"""Addresses as citizens write them, on the central-Hanoi map's search: with their ward, district and city
(geo._areas), with slashes, and in alleys the map does not have; agencies by their chain and street or ward."""

from __future__ import annotations

import unicodedata

import pytest
import shapely

from geo import _areas, _text, addressmap
from geo.addressmap import AddressMap
from geo.search import SearchIndex


@pytest.fixture(scope="module")
def index(hanoi: AddressMap) -> SearchIndex:
    return hanoi.search


@pytest.fixture(scope="module")
def areas(hanoi: AddressMap) -> _areas.Areas:
    return _areas.Areas.from_frame(hanoi.layers.admin_areas())


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("12 Nguyễn Huệ, Quận 1, TP.HCM", "Thành phố Hồ Chí Minh"),
        ("12 Nguyen Hue Q1 HCM", "Thành phố Hồ Chí Minh"),
        ("12 nguyễn huệ, tphcm, Việt Nam 700000", "Thành phố Hồ Chí Minh"),
        ("số 5 Lê Lợi, Huế", "Thành phố Huế"),
        ("25 Lê Duẩn, Đà Nẵng", "Thành phố Đà Nẵng"),
        ("số 1 Lê Lợi, thành phố Vinh, Nghệ An 460000", "Tỉnh Nghệ An"),
        # A province merged in 2025 is in the one it joined; a committee asked with its province is there.
        ("xã Tam Hồng, huyện Yên Lạc, tỉnh Vĩnh Phúc", "Tỉnh Phú Thọ"),
        ("UBND tỉnh Phú Thọ", "Tỉnh Phú Thọ"),
        # Hanoi streets named after cities, and places that only share a province's name, are here.
        ("10 phố Huế", ""),
        ("10 Phố Huế, Hà Nội", ""),
        ("số 10, Huế, Hai Bà Trưng", ""),
        ("5, P. Huế", ""),
        ("phố Hải Phòng", ""),
        ("Bưu điện Đà Nẵng", ""),
        ("Lăng Chủ tịch Hồ Chí Minh", ""),
        ("12 Tràng Tiền, Hanoi, Vietnam", ""),
    ],
)
def test_an_address_in_another_province_is_elsewhere(index: SearchIndex, text: str, province: str) -> None:
    assert index.elsewhere(text) == province
    if province:
        assert index.query(text).empty
    else:
        assert not index.query(text).empty


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # Without the areas read apart, each of these found another street: "Hàng Bông, Hoàn Kiếm, Hà Nội"
        # (an OSM address written with its areas), "10 Phố Hai Bà Trưng" (the ward's name).
        ("Số 15 phố Hàng Bài, phường Hoàn Kiếm, Hà Nội", "15 Phố Hàng Bài"),
        ("10 Phố Huế, phường Hai Bà Trưng, Hà Nội", "10 Phố Huế"),
        # Before the reform: an abolished ward, a district, the city, the country and a postal code.
        ("15 Hàng Bài, P. Tràng Tiền, Q. Hoàn Kiếm, TP Hà Nội, Việt Nam 100000", "15 Phố Hàng Bài"),
        ("so 15 hang bai quan hoan kiem ha noi", "15 Phố Hàng Bài"),
        ("Số 10 Phố Huế P.Hai Bà Trưng TP.Hà Nội", "10 Phố Huế"),
        # A part led by "P." after a bare number is the street, not a ward.
        ("5, P. Huế", "5 Phố Huế"),
        # Typed without commas, the area's kind left out: before the area was read apart, each found another
        # street ("5 Phố Hồ Hoàn Kiếm", "10 Phố Hai Bà Trưng", "10 Phố Cửa Nam").
        ("so 5 hang bai hoan kiem", "5 Phố Hàng Bài"),
        ("10 phố huế hai bà trưng", "10 Phố Huế"),
        ("10 hàng bạc cửa nam", "10 Phố Hàng Bạc"),
        # "Nhà 10" is house 10 (before, "nhà 10" was two words and the house number was lost); the district by its
        # initials after its kind.
        ("nhà 10 phố huế", "10 Phố Huế"),
        ("nha 5 hang bai", "5 Phố Hàng Bài"),
        ("5 hàng bạc q.hk", "5 Phố Hàng Bạc"),
        # The floor, room, building and remarks are left out: before, their numbers and words lost the house
        # (the second found 39 Phố Huế, the third 2 Hàng Bài) or scored it below 0.5.
        ("Tầng 3, số 10 phố Huế, Hà Nội", "10 Phố Huế"),
        ("phòng 305, 10 phố huế (cạnh ngân hàng)", "10 Phố Huế"),
        ("Tòa B2, 15 hàng bài, Q.HK", "15 Phố Hàng Bài"),
        # English writes the kind after the name: before, "..., Ba Dinh District" found the same house at 0.56.
        ("12 Kim Ma Street, Ba Dinh District, Hanoi, Vietnam", "12 Phố Kim Mã"),
        ("15 hang bai street hoan kiem district hanoi city", "15 Phố Hàng Bài"),
        # Streets named like an area stay streets.
        ("18 phố hai bà trưng", "18 Phố Hai Bà Trưng"),
        ("15 đường cầu giấy", "15 Đường Cầu Giấy"),
    ],
)
def test_a_written_address_is_found_on_its_street(index: SearchIndex, text: str, label: str) -> None:
    top = index.hits(text, k=1)[0]
    assert (top["label"], top["match"]) == (label, "interpolated")


@pytest.mark.parametrize(
    ("text", "street_id"),
    [
        # Two alleys numbered 168, one in each ward: the ward says which.
        ("ngõ 168, phường Giảng Võ", "street:1001"),
        ("ngõ 168, Nghĩa Đô", "street:1002"),
        ("ngo 168 phuong nghia do", "street:1002"),
        ("Ngõ 43, Tây Hồ", "street:1433"),
        ("Ngõ 43, P. Cầu Giấy", "street:1432"),
        # By the initials of the area, after its kind or alone between commas.
        ("ngõ 168, P.NĐ", "street:1002"),
        ("ngõ 168, p.gv", "street:1001"),
        ("Ngõ 43, P.TH", "street:1433"),
        ("ngõ 168, NĐ, HN", "street:1002"),
    ],
)
def test_the_ward_tells_apart_streets_of_one_name(index: SearchIndex, text: str, street_id: str) -> None:
    first, second = index.hits(text, k=2)
    assert first["id"] == street_id
    assert first["label"].startswith("Ngõ") and second["label"].startswith("Ngõ")
    assert first["score"] > second["score"]


def test_nha_leads_a_house_number_only_before_a_number(index: SearchIndex) -> None:
    assert index.hits("nhà chung", k=1)[0]["label"] == "Phố Nhà Chung"
    assert index.hits("nhà 10 nhà chung", k=1)[0]["label"] == "10 Phố Nhà Chung"


def test_a_wrong_ward_lowers_the_place_without_losing_it(index: SearchIndex) -> None:
    right = index.hits("15 Hàng Bài, phường Hoàn Kiếm", k=1)[0]
    wrong = index.hits("15 Hàng Bài, phường Ba Đình", k=1)[0]
    assert right["label"] == wrong["label"] == "15 Phố Hàng Bài"
    assert wrong["score"] < right["score"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("UBND phường Hoàn Kiếm", "Ủy ban nhân dân phường Hoàn Kiếm"),
        ("UBND TP HN", "UBND thành phố Hà Nội"),
        ("Bưu điện thành phố HN", "Bưu điện Thành phố Hà Nội"),
        ("buu dien ha noi", "Bưu điện Thành phố Hà Nội"),
        ("trung tam phuc vu hcc phuong hai ba trung", "Trung tâm phục vụ hành chính công phường Hai Bà Trưng"),
    ],
)
def test_names_that_end_with_an_area_stay_names(index: SearchIndex, text: str, label: str) -> None:
    first, second = index.hits(text, k=2)
    assert first["label"] == label
    assert first["score"] > second["score"]


def test_an_area_written_the_english_way_says_where(index: SearchIndex) -> None:
    # Before, the words of the district matched Phố Hồ Hoàn Kiếm first.
    first, second = index.hits("Hang Bai Street, Hoan Kiem District, Hanoi", k=2)
    assert (first["label"], first["kind"]) == ("Phố Hàng Bài", "street")
    assert first["score"] > second["score"]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        # A street and a bare area, no house number: before, these found the ward, "Phố Hai Bà Trưng" and the
        # post office of Phường Ba Đình.
        ("hàng bài hoàn kiếm", "Phố Hàng Bài"),
        ("phố huế hai bà trưng", "Phố Huế"),
        ("đường bưởi ba đình", "Đường Bưởi"),
    ],
)
def test_a_street_then_a_bare_area_is_the_street(index: SearchIndex, text: str, label: str) -> None:
    first, second = index.hits(text, k=2)
    assert (first["kind"], first["label"]) == ("street", label)
    assert first["score"] > second["score"]


def test_a_name_then_a_bare_area_ranks_the_name_inside_the_area_first(
    hanoi: AddressMap, areas: _areas.Areas, index: SearchIndex
) -> None:
    # No Viettel Post has "Cầu Giấy" in its name, address or ward: before, every Viettel Post tied, the first in
    # Phường Đông Ngạc. Now the area is read apart too: the ones in Cầu Giấy (the 2025 ward or the district before)
    # come first, each elsewhere below, and a record matching the whole text (the FPT Shop on Đường Cầu Giấy,
    # test above) still above those.
    admin = hanoi.layers.admin_areas()
    cau_giay = admin.iloc[areas.names[("cau", "giay")]].union_all()
    hits = index.hits("viettel post cầu giấy", k=10)
    chain = [h for h in hits if h["kind"] == "agency" and "viettel" in h["name"].lower()]
    assert hits[: len(chain)] == chain  # the chain's agencies before any street or ward of that name
    inside = [cau_giay.contains(shapely.Point(h["lon"], h["lat"])) for h in chain]
    assert inside[0] and not all(inside)
    assert inside == sorted(inside, reverse=True)
    assert chain[0]["score"] > chain[inside.index(False)]["score"]


def test_a_query_is_read_into_its_place_and_its_areas(areas: _areas.Areas) -> None:
    parts = areas.split("Số 15 phố Hàng Bài, P. Tràng Tiền, Q. Hoàn Kiếm, TP Hà Nội, Việt Nam 100000")
    assert parts.words == ["so", "15", "pho", "hang", "bai"]
    # The abolished ward is dropped; the district is the district only, not the ward of the same name; the
    # country needs nothing.
    district, city = areas.names[("hoan", "kiem")], areas.names[("hn",)]
    assert len(district) == 2  # the ward since 2025 and the district before
    assert len(parts.areas) == 2 and len(parts.areas[0]) == 1 and parts.areas[0][0] in district
    assert parts.areas[1] == city
    assert parts.found and parts.marked
    bare = areas.split("15 hang bai hoan kiem ha noi")
    assert (bare.words, bare.areas, bare.marked) == (["15", "hang", "bai", "hoan", "kiem"], [city], False)
    alone = areas.split("Hà Nội")
    assert (alone.words, alone.found) == (["hn"], False)
    # Asked for (the search does), an area may end the text without its kind, after a street.
    kindless = areas.split("15 hang bai hoan kiem ha noi", bare=True)
    assert (kindless.words, kindless.areas) == (["15", "hang", "bai"], [city, district])
    # Initials after a kind, or alone between commas; never inside a text, where they may be a word.
    initials = [areas.split(text) for text in ("15 hang bai q.hk", "15 Hàng Bài, HK, HN", "15 hang bai hk")]
    assert [read.words for read in initials] == [
        ["15", "hang", "bai"],
        ["15", "hang", "bai"],
        [*kindless.words, "hk"],
    ]
    assert initials[0].areas == parts.areas[:1] and initials[1].areas == [district, city] and not initials[2].found
    # After a name, bare, when the caller weighs that reading ("Viettel Post HBT").
    named = areas.split("viettel post hbt", bare=True)
    assert named.words == ["viettel", "post"] and len(named.areas) == 1 and not named.marked
    # The ward of those initials, for a place to be near ("bưu điện HK"); none for initials of no ward.
    assert [areas.ward_by_initials(t) for t in ("HK", "Q.HK", "p. hbt", "hà nội hk", "xyz")] == [
        *("Phường Hoàn Kiếm", "Phường Hoàn Kiếm", "Phường Hai Bà Trưng"),
        *("", ""),
    ]
    street = areas.split("18 pho hai ba trung", bare=True)
    assert (street.words, street.found) == (["18", "pho", "hai", "ba", "trung"], False)


def test_slash_forms_of_alleys_are_written_out() -> None:
    assert _text.expand_alleys(["ng", "22/575", "kim", "ma"]) == ["ngach", "22", "ngo", "575", "kim", "ma"]
    assert _text.expand_alleys(["hem", "2/15/127", "van", "cao"]) == [
        *("hem", "2", "ngach", "15", "ngo", "127"),
        *("van", "cao"),
    ]
    assert _text.expand_alleys(["5/2/15/127", "van", "cao"]) == [
        *("5", "hem", "2", "ngach", "15", "ngo", "127"),
        *("van", "cao"),
    ]
    # Not an alley: a number in the middle of a name, a range, too many levels.
    for words in (["kim", "ma", "12/3"], ["7-9/2", "hue"], ["ngo", "1/2/3/4", "hue"]):
        assert _text.expand_alleys(words) is None


@pytest.mark.parametrize(
    ("text", "label", "match"),
    [
        # Before, each of these found Đường Bưởi or Phố Kim Mã (the numbers were one unknown house number).
        ("ngách 35/462 đường bưởi", "Ngách 35 Ngõ 462 Đường Bưởi", "street"),
        ("hem 15/35/462 buoi", "Hẻm 15 Ngách 35 Ngõ 462 Đường Bưởi", "street"),
        ("số 15/35/462 Bưởi", "15 Ngách 35 Ngõ 462 Đường Bưởi", "interpolated"),
        ("12/575 kim mã", "12 Ngõ 575 Kim Mã", "interpolated"),
        # A house the map records with its slash keeps it.
        ("11/33B Phạm Ngũ Lão", "11/33B Phố Phạm Ngũ Lão", "exact"),
    ],
)
def test_an_alley_written_with_slashes_is_found(index: SearchIndex, text: str, label: str, match: str) -> None:
    top = index.hits(text, k=1)[0]
    assert (top["label"], top["match"]) == (label, match)
    if match == "interpolated":
        spelled = index.hits(text.replace("12/575", "số 12 ngõ 575").replace("15/35/462", "15 ngách 35 ngõ 462"))
        assert (spelled[0]["lon"], spelled[0]["lat"]) == (top["lon"], top["lat"])


def test_an_alley_the_map_does_not_have_is_placed_at_its_mouth(hanoi: AddressMap, index: SearchIndex) -> None:
    assert "Ngõ 10 Phố Huế" not in set(hanoi.streets.frame["name"])
    mouth = index.hits("ngõ 10 phố huế", k=1)[0]
    house = index.hits("10 phố huế", k=1)[0]
    assert (mouth["label"], mouth["match"]) == ("Ngõ 10 Phố Huế", "interpolated")
    assert (mouth["lon"], mouth["lat"]) == (house["lon"], house["lat"])
    # A house in a lane of that alley: at the alley's mouth too, since neither is on the map.
    inner = index.hits("số 5 ngách 2 ngõ 10 phố Huế, Hai Bà Trưng", k=1)[0]
    assert (inner["label"], inner["lon"], inner["lat"]) == ("Ngõ 10 Phố Huế", house["lon"], house["lat"])


def test_an_alley_the_map_has_outranks_its_mouth(index: SearchIndex) -> None:
    first, second = index.hits("ngõ 186 đường bưởi", k=2)
    assert (first["label"], first["match"]) == ("Ngõ 186 Đường Bưởi", "street")
    assert first["score"] > second["score"]


@pytest.mark.parametrize(
    ("text", "column", "where"),
    [
        ("fpt shop cầu giấy", "address", "Đường Cầu Giấy"),
        ("FPT Shop Thụy Khuê", "address", "Đường Thụy Khuê"),
        ("viettel post mai hac de", "address", "Phố Mai Hắc Đế"),
        ("fpt shop đống đa", "ward", "Phường Đống Đa"),
        # OSM writes this one "ViettelPost": the two words typed match the one written.
        ("viettel post định công", "ward", "Phường Định Công"),
        # Vietnam Post by its operator's name: its post offices are named "Bưu điện ..." or "Post Office".
        ("vnpost tây hồ", "ward", "Phường Tây Hồ"),
        ("Vietnam Post Ba Đình", "ward", "Phường Ba Đình"),
    ],
)
def test_an_agency_is_found_by_its_chain_and_its_street_or_ward(
    hanoi: AddressMap, index: SearchIndex, text: str, column: str, where: str
) -> None:
    # The chains name their shops alike ("FPT Shop"): before the agencies' addresses and wards were searched, every
    # shop of the chain tied and the first was elsewhere.
    first, second = index.hits(text, k=2)
    assert first["kind"] == "agency"
    assert hanoi.layers.agencies.set_index("agency_id").loc[first["id"], column] == where
    assert first["score"] > second["score"]


@pytest.mark.parametrize("text", ["vnpost", "VNPost", "Vietnam Post", "viet nam post"])
def test_vietnam_post_is_found_by_its_name_never_as_viettel_post(
    hanoi: AddressMap, index: SearchIndex, text: str
) -> None:
    # "vnpost" used to find Viettel Post first, its nearest spelling.
    operator = hanoi.layers.agencies.set_index("agency_id")["operator"]
    hits = index.hits(text, k=10, kinds=["agency"])
    assert len(hits) == 10
    assert {operator[h["id"]] for h in hits} == {"Vietnam Post"}


def test_a_committee_asked_with_its_area_is_that_area_s(hanoi: AddressMap, index: SearchIndex) -> None:
    # The map has no committee of Phường Cửa Nam: the ward comes first, not the committee of another area (the
    # city's, or a commune's that OSM names only "UBND", now named with its ward).
    assert "UBND Xã Hát Môn" in set(hanoi.layers.authorities["name"])
    first = index.hits("ubnd p. cua nam", k=1)[0]
    assert (first["kind"], first["label"]) == ("ward", "Phường Cửa Nam")
    assert index.hits("ubnd phường hoàn kiếm", k=1)[0]["label"] == "Ủy ban nhân dân phường Hoàn Kiếm"


def test_folding_takes_a_shortcut_with_the_same_result(hanoi: AddressMap) -> None:
    # Every record's text, its NFD form, and letters outside the shortcut (Lao script, full-width digits).
    records = addressmap.search_records(hanoi.layers)
    texts = [*records["name"], *records["street"], *records["other_names"]]
    texts += [unicodedata.normalize("NFD", text) for text in texts[:500]]
    texts += ["ກະຊວງ ປ້ອງກັນ", "Số １０ Phố Huế", "Đường Láng – ĐÔNG", "ǅ ǈ ß ﬁ"]
    assert [_text.strip_marks(t) for t in texts] == [_text._strip_marks_by_decomposing(t) for t in texts]
