"""Queries asking where to take a procedure, "đổi bằng lái xe gần hồ gươm" (geo._text.split_procedure,
geo.search), on the real central map."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely

from geo import agencies
from geo._errors import InputError
from geo._nearby import METRIC_CRS
from geo._procedure_words import PROCEDURE_WORDS
from geo._text import split_procedure
from geo.addressmap import AddressMap

LAKE_SHORE = (105.8520, 21.0287)
"""A point on the west shore of Hoàn Kiếm lake (longitude, latitude): where the asker is."""


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Đổi bằng lái xe", ("driving_licence", "", "")),
        ("doi bang lai xe gan ho guom", ("driving_licence", "", "ho guom")),
        ("Làm căn cước ở đâu?", ("police_papers", "", "")),
        ("cấp lại CCCD tại phường Cửa Nam", ("police_papers", "", "phường cửa nam")),
        ("Nộp hồ sơ đất đai ở Hoàn Kiếm", ("land", "", "hoàn kiếm")),
        ("Viettel Post làm lý lịch tư pháp gần Hồ Gươm", ("judicial_record", "viettel post", "hồ gươm")),
        ("đăng ký khai sinh cho con", ("civil_status", "", "")),
        ("thẻ bảo hiểm y tế gần nhất", ("social_insurance", "", "nhất")),
        ("passport renewal near Hoan Kiem Lake", ("police_papers", "", "hoan kiem lake")),
        ("driver's license", ("driving_licence", "", "")),
        ("ĐKKD hộ cá thể", ("business_registration", "", "")),
        # Paying, buying, drawing insurance, transferring a vehicle or a land title, "đăng kí" spelled with i: the
        # request, not a place (before, "đóng bảo hiểm y tế" was read near the Dong A hotel).
        ("đóng bảo hiểm y tế", ("social_insurance", "", "")),
        ("mua BHYT hộ gia đình", ("social_insurance", "", "")),
        ("rút bảo hiểm xã hội một lần gần hồ gươm", ("social_insurance", "", "hồ gươm")),
        ("sang tên xe máy", ("police_papers", "", "")),
        ("sang tên sổ đỏ ở Hoàn Kiếm", ("land", "", "hoàn kiếm")),
        ("đăng kí kết hôn", ("civil_status", "", "")),
        ("đăng ký xe máy", ("police_papers", "", "")),
        # What is said of the paper after it is no place: "số 2" is the judicial record's form, no house number.
        ("Xin phiếu lý lịch tư pháp số 2", ("judicial_record", "", "")),
        ("bằng lái xe hạng A1 gần hồ gươm", ("driving_licence", "", "hồ gươm")),
        # Where to: "chỗ", "nơi", "địa điểm" (the place to) ask, they name none. Before, "chỗ nộp hồ sơ đất đai"
        # was read near 134 Phố Giảng Võ; "xác nhận cư trú" (residence confirmation) was no procedure.
        ("Chỗ nộp hồ sơ đất đai", ("land", "", "")),
        ("nơi làm hộ chiếu gần hồ gươm", ("police_papers", "", "hồ gươm")),
        ("xin giấy xác nhận cư trú", ("police_papers", "", "")),
        # The service itself, any procedure, when nothing but a place asked near (or a kind) goes with it.
        ("Nộp hồ sơ gần đây", ("", "", "đây")),
        ("dich vu cong gan nhat", ("", "", "nhat")),
        ("Bộ phận một cửa", ("", "", "")),
        ("nộp hồ sơ ở Hoàn Kiếm", ("", "", "hoàn kiếm")),
        ("Điểm phục vụ Viettel Post gần hồ gươm", ("", "viettel post", "hồ gươm")),
        ("Trung tâm phục vụ hành chính công", None),
        ("hồ sơ HS-2026-000123", None),
        ("Hồ Sở", None),
        # A procedure named beside the service's words is that procedure.
        ("nộp hồ sơ đăng ký kết hôn", ("civil_status", "", "")),
        # The words around a procedure's are read as written: unmarked among marked words, "lam" is a name's.
        ("Lam bằng lái", ("driving_licence", "", "lam")),
        # A procedure's words after a near word name the place asked near: a shop near the insurance office.
        ("fpt shop gần bảo hiểm xã hội", None),
        # A word of a procedure's alone is none: "Cầu Đất" is a street, "đất đai" (land) a procedure.
        ("Phố Cầu Đất", None),
        ("xbang lai", None),
        ("10 Phố Huế", None),
    ],
)
def test_what_procedure_is_asked_where(text: str, split: tuple[str, str, str] | None) -> None:
    assert split_procedure(text) == split


def test_every_procedure_but_other_has_its_words() -> None:
    assert set(PROCEDURE_WORDS) == set(agencies.PROCEDURES) - {"other"}


def _taking(hanoi: AddressMap, procedure: str) -> gpd.GeoDataFrame:
    """The agencies of the map that take ``procedure``, in metres."""
    frame = hanoi.layers.agencies
    return frame[frame["procedures"].str.split(";").map(lambda codes: procedure in codes)].to_crs(METRIC_CRS)


@pytest.mark.parametrize(
    "text", ["đổi bằng lái xe gần hồ gươm", "doi bang lai xe o ho guom", "driving licence near Hoan Kiem Lake"]
)
def test_the_agencies_taking_a_procedure_nearest_a_place(hanoi: AddressMap, text: str) -> None:
    answer = hanoi.search.answer(text, k=6)
    assert answer.procedure == "driving_licence" and answer.near == "Hồ Hoàn Kiếm"
    details = hanoi.agency_details
    assert all(hit["kind"] == "agency" and "driving_licence" in details[hit["id"]]["procedures"] for hit in answer.hits)
    # The six that take it nearest the lake's shore, nearest first, each with its distance from it.
    lake = hanoi.layers.landmarks.set_index("landmark_id").loc[[hanoi.search.query("Hồ Hoàn Kiếm", k=1).iloc[0]["id"]]]
    shore = lake.to_crs(METRIC_CRS).geometry.iloc[0]
    nearest = sorted(_taking(hanoi, "driving_licence").distance(shore).tolist())[:6]
    assert [hit["near_m"] for hit in answer.hits] == pytest.approx(nearest, abs=2)


def test_where_to_take_a_procedure_near_the_asker(hanoi: AddressMap) -> None:
    # Only post offices and the Centre take police papers (not the pilot's Viettel Post and FPT Shop points).
    answer = hanoi.search.answer("làm căn cước ở đâu", k=5, focus=LAKE_SHORE)
    assert answer.procedure == "police_papers" and answer.near == ""
    kinds = hanoi.layers.agencies.set_index("agency_id")["kind"]
    assert {kinds[hit["id"]] for hit in answer.hits} <= {"post_office", "public_admin_centre"}
    asker = gpd.GeoSeries(gpd.points_from_xy([LAKE_SHORE[0]], [LAKE_SHORE[1]]), crs=4326).to_crs(METRIC_CRS).iloc[0]
    nearest = sorted(_taking(hanoi, "police_papers").distance(asker).tolist())[:5]
    assert [hit["near_m"] for hit in answer.hits] == pytest.approx(nearest, abs=2)
    # Without a point: the agencies taking it, anywhere.
    anywhere = hanoi.search.answer("làm căn cước ở đâu", k=5).hits
    assert len(anywhere) == 5 and {kinds[hit["id"]] for hit in anywhere} <= {"post_office", "public_admin_centre"}


@pytest.mark.parametrize("text", ["lý lịch tư pháp số 2", "làm căn cước cho bà", "bằng lái xe hạng A1"])
def test_a_procedure_with_no_place_is_asked_near_the_asker(hanoi: AddressMap, text: str) -> None:
    # Before, "lý lịch tư pháp số 2" was read near 2 Hàng Bông, and a rest naming no place ("cho bà", for
    # grandmother) made the whole text a search for an address.
    answer = hanoi.search.answer(text, k=5, focus=LAKE_SHORE)
    procedure = answer.procedure
    assert procedure and answer.near == ""
    near_here = hanoi.search.answer(f"{PROCEDURE_WORDS[procedure][0]} gần đây", k=5, focus=LAKE_SHORE)
    assert answer.hits == near_here.hits


def test_a_kind_of_agency_asked_for_a_procedure(hanoi: AddressMap) -> None:
    answer = hanoi.search.answer("viettel post làm lý lịch tư pháp gần hồ gươm", k=3)
    kinds = hanoi.layers.agencies.set_index("agency_id")["kind"]
    assert answer.procedure == "judicial_record" and answer.hits
    assert all(kinds[hit["id"]] == "viettel_post" for hit in answer.hits)
    # No FPT Shop takes passports: none is listed, and the answer still says what was asked.
    none = hanoi.search.answer("fpt shop làm hộ chiếu", k=3)
    assert none.procedure == "police_papers" and none.hits == []


def test_a_place_named_like_a_procedure_is_that_place(hanoi: AddressMap) -> None:
    # The office of Vietnam Social Security is found by its name; the answer still says the procedure, which
    # the citizens' page then takes as its filter.
    answer = hanoi.search.answer("Bảo hiểm Xã hội Việt Nam", k=3)
    assert answer.hits[0]["name"] == "Bảo hiểm Xã hội Việt Nam" and answer.procedure == "social_insurance"


@pytest.mark.parametrize("text", ["nộp hồ sơ gần đây", "dịch vụ công gần nhất", "bộ phận một cửa", "hồ sơ ở đâu"])
def test_where_to_hand_in_a_dossier_is_the_nearest_agents(hanoi: AddressMap, text: str) -> None:
    # The service itself, any procedure: the public-service agents nearest the asker (not EMS counters, which
    # take none). Before, "nộp hồ sơ gần đây" found Hồ Hoàn Kiếm ("hồ"), "bộ phận một cửa" 23 Cửa Nam.
    answer = hanoi.search.answer(text, k=5, focus=LAKE_SHORE)
    assert answer.procedure == "" and len(answer.hits) == 5
    agents = hanoi.layers.agencies.set_index("agency_id")["public_service_agent"]
    assert all(hit["kind"] == "agency" and agents[hit["id"]] for hit in answer.hits)
    asker = gpd.GeoSeries(gpd.points_from_xy([LAKE_SHORE[0]], [LAKE_SHORE[1]]), crs=4326).to_crs(METRIC_CRS).iloc[0]
    taking = hanoi.layers.agencies[hanoi.layers.agencies["procedures"] != ""].to_crs(METRIC_CRS)
    assert [hit["near_m"] for hit in answer.hits] == pytest.approx(sorted(taking.distance(asker))[:5], abs=2)


def test_near_home_is_near_the_asker(hanoi: AddressMap) -> None:
    near_home = hanoi.search.hits("bưu điện gần nhà", k=3, focus=LAKE_SHORE)
    assert near_home == hanoi.search.hits("bưu điện gần đây", k=3, focus=LAKE_SHORE)


def test_a_procedure_is_not_read_among_kinds_without_agencies(hanoi: AddressMap) -> None:
    answer = hanoi.search.answer("đổi bằng lái xe", k=3, kinds=["address", "street"])
    assert answer.procedure == "" and all(hit["kind"] in ("address", "street") for hit in answer.hits)


@pytest.mark.parametrize(
    ("text", "label", "procedure"),
    [
        ("đổi bằng lái xe gần phố huế", "Phố Huế", "driving_licence"),
        ("lý lịch tư pháp số 10 phố huế", "10 Phố Huế", "judicial_record"),
        ("cấp lại CCCD tại phường Cửa Nam", "Phường Cửa Nam", "police_papers"),
        ("nộp hồ sơ gần hồ gươm", "Hồ Hoàn Kiếm", ""),
        ("75 Đinh Tiên Hoàng", "75 Đinh Tiên Hoàng", None),
    ],
)
def test_a_text_asking_where_to_take_a_procedure_is_located_at_its_place(
    hanoi: AddressMap, text: str, label: str, procedure: str | None
) -> None:
    # What the nearest agencies by road start from: the place named, within its shape (a point of a street's
    # line, inside a ward), with the procedure asked.
    at = hanoi.locate(text)
    assert (at.label, at.procedure) == (label, procedure)
    answer = hanoi.search.answer(text, k=1)
    if answer.place is not None:
        assert shapely.distance(answer.place, shapely.Point(at.lon, at.lat)) < 1e-9
    # A landmark's own area (the lake) and a street's line are left from their edge, a ward's agencies come
    # first; a house is left from its point.
    assert (at.area is not None) == (label in ("Hồ Hoàn Kiếm", "Phố Huế", "Phường Cửa Nam"))
    assert at.within == (label == "Phường Cửa Nam")
    if at.area is not None:
        assert at.area.equals(answer.place) and answer.place_kind in ("landmark", "street", "ward")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("bưu điện gần hồ gươm", "landmark"),
        ("bưu điện gần phố huế", "street"),
        ("bưu điện gần phường cửa nam", "ward"),
        ("bưu điện gần 75 đinh tiên hoàng", "address"),
        ("bưu điện", ""),
    ],
)
def test_the_answer_says_what_kind_of_place_it_was_found_near(hanoi: AddressMap, text: str, kind: str) -> None:
    assert hanoi.search.answer(text, k=3).place_kind == kind


def test_a_landmark_street_or_ward_found_by_its_name_has_its_shape(hanoi: AddressMap) -> None:
    lake = hanoi.locate("hồ gươm")
    assert lake.area is not None and lake.area.geom_type in ("Polygon", "MultiPolygon")
    assert shapely.contains_xy(lake.area, lake.lon, lake.lat)
    # A street named alone: its line, the point on it; a ward: its area, the point in it, its agencies first.
    street, ward = hanoi.locate("phố huế"), hanoi.locate("phường cửa nam")
    assert street.area is not None and street.area.geom_type in ("LineString", "MultiLineString")
    assert shapely.distance(street.area, shapely.Point(street.lon, street.lat)) < 1e-6 and not street.within
    assert ward.area is not None and shapely.contains_xy(ward.area, ward.lon, ward.lat) and ward.within
    # A house, a house number on a street, an agency: their point.
    for text in ("75 Đinh Tiên Hoàng", "10 phố huế", "bưu điện tràng tiền"):
        assert hanoi.locate(text).area is None, text
    assert hanoi.search.kind(str(hanoi.geocode("phố huế")["id"])) == "street"
    with pytest.raises(KeyError):
        hanoi.search.own_shape("no such record")
    with pytest.raises(KeyError):
        hanoi.area_of("no such record")


@pytest.mark.parametrize("text", ["đổi bằng lái xe", "làm căn cước gần đây", "nộp hồ sơ"])
def test_a_text_asking_a_procedure_without_a_place_locates_nothing(hanoi: AddressMap, text: str) -> None:
    with pytest.raises(InputError) as refused:
        hanoi.locate(text)
    assert refused.value.code == "address_names_no_place"
