"""Queries for what is near a place, "X gần Y" (geo._text.split_near, geo.search), on the real central map."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from geo._nearby import METRIC_CRS
from geo._text import split_category, split_near
from geo.addressmap import AddressMap


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Bưu điện gần Hồ Gươm", ("bưu điện", "hồ gươm")),
        ("viettel post cạnh chợ Đồng Xuân", ("viettel post", "chợ đồng xuân")),
        ("UBND đối diện Nhà hát Lớn", ("ubnd", "nhà hát lớn")),
        ("fpt shop bên cạnh văn miếu", ("fpt shop", "văn miếu")),
        ("buu dien gan ho guom", ("buu dien", "ho guom")),
        ("FPT Shop near the Opera House", ("fpt shop", "the opera house")),
        # Unmarked words say "near" only in a query typed without marks: here "canh" may be a name ("Cảnh").
        ("bưu điện canh hồ gươm", None),
        # Remarks in brackets say where the place is, not what is asked.
        ("Số 10 phố Huế (cạnh ngân hàng)", None),
        ("gần hồ gươm", None),
        # Nothing after the near word: near the asker.
        ("bưu điện gần", ("bưu điện", "")),
        ("post office nearby", ("post office", "")),
        # Punctuation after it names no place.
        ("bưu điện gần, ", ("bưu điện", "")),
        ("10 Phố Huế", None),
    ],
)
def test_what_is_asked_near_what(text: str, split: tuple[str, str] | None) -> None:
    assert split_near(text) == split


def _metres(hanoi: AddressMap, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = hanoi.network.from_wgs84.transform(*a)
    bx, by = hanoi.network.from_wgs84.transform(*b)
    return float(np.hypot(ax - bx, ay - by))


@pytest.mark.parametrize(
    ("text", "split"),
    [
        ("Bưu điện Hồ Gươm", ("bưu điện", "hồ gươm")),
        ("buu cuc o hang bai", ("buu cuc", "hang bai")),
        # Only a first word says "in": "o" inside a word or further on is the place's.
        ("buu dien ho guom", ("buu dien", "ho guom")),
        ("viettel post ngo 5 o cho", ("viettel post", "ngo 5 o cho")),
        ("Viettel Post tại Kim Mã", ("viettel post", "kim mã")),
        # A committee is of the area it names, not near it.
        ("Ủy ban nhân dân phường Láng", None),
        ("VNPost Tây Hồ", ("vnpost", "tây hồ")),
        # The longest term: the chain's shops, not "FPT" near "Shop ...".
        ("FPT Shop Văn Miếu", ("fpt shop", "văn miếu")),
        ("FPT Shop", None),
        ("bưu điện", None),
        ("bưu điện ở", None),
        ("Hồ Gươm bưu điện", None),
        ("10 Phố Huế", None),
    ],
)
def test_what_kind_of_agency_is_asked_where(text: str, split: tuple[str, str] | None) -> None:
    assert split_category(text) == split


@pytest.mark.parametrize(
    "text",
    [
        "bưu điện gần hồ gươm",
        "buu dien gan ho guom",
        "Bưu điện quanh Hồ Hoàn Kiếm",
        # Without a near word: "bưu điện" says what is asked, the rest where.
        "bưu điện hồ gươm",
        "buu dien ho guom",
        "Bưu điện ở Hồ Gươm",
    ],
)
def test_post_offices_near_the_lake(hanoi: AddressMap, text: str) -> None:
    lake = hanoi.search.query("Hồ Hoàn Kiếm", k=1).iloc[0]
    hits = hanoi.search.query(text, k=6)
    assert len(hits) == 6 and (hits["kind"] == "agency").all() and hits["label"].str.startswith("Bưu").all()
    assert lake["id"] not in set(hits["id"])
    assert hits["score"].is_monotonic_decreasing
    # The post offices around the lake, not the best-named ones across the city ("Bưu điện Việt Nam").
    at = zip(hits["lon"], hits["lat"], strict=True)
    distances = [_metres(hanoi, (lon, lat), (lake["lon"], lake["lat"])) for lon, lat in at]
    assert max(distances[:5]) < 500 and max(distances) < 1500
    # Said from the shore, not from the lake's point: the post offices of the lakeside streets are a road's
    # width away (39 to 77 m; 250 to 350 m from the point).
    assert (hits["near"] == "Hồ Hoàn Kiếm").all()
    assert hits["near_m"].iloc[:5].max() < 100
    anywhere = hanoi.search.query("bưu điện", k=1).iloc[0]
    assert _metres(hanoi, (anywhere["lon"], anywhere["lat"]), (lake["lon"], lake["lat"])) > 3000


def test_the_nearest_of_a_chain_comes_first(hanoi: AddressMap) -> None:
    # Every FPT Shop matches "FPT Shop" alike: the one nearest the Temple of Literature comes first, the others
    # by distance from its grounds, however far (none is within 1 km); a shop merely named "Shop" nearer is not
    # one.
    temple = hanoi.search.query("Văn Miếu - Quốc Tử Giám", k=1, kinds=["landmark"]).iloc[0]
    grounds = hanoi.layers.landmarks.set_index("landmark_id").loc[[temple["id"]]].to_crs(METRIC_CRS).geometry.iloc[0]
    hits = hanoi.search.query("FPT Shop near the Temple of Literature", k=20)
    assert (hits["kind"] == "agency").all() and hits["label"].str.casefold().eq("fpt shop").all()
    at = gpd.GeoSeries(gpd.points_from_xy(hits["lon"], hits["lat"]), crs=4326).to_crs(METRIC_CRS)
    distances = at.distance(grounds).tolist()
    assert distances == sorted(distances)
    assert hits["near_m"].tolist() == pytest.approx(distances, rel=0.01)
    shops = hanoi.layers.agencies[hanoi.layers.agencies["kind"] == "fpt_shop"].to_crs(METRIC_CRS)
    assert distances[0] == pytest.approx(shops.distance(grounds).min(), abs=1.0)


@pytest.mark.parametrize("text", ["ubnd gần hồ gươm", "bưu điện cầu giấy", "fpt shop văn miếu", "bưu điện hà nội"])
def test_the_first_k_are_those_of_a_longer_list(hanoi: AddressMap, text: str) -> None:
    for k in (1, 3):
        assert hanoi.search.hits(text, k=k) == hanoi.search.hits(text, k=10)[:k]


def test_a_place_the_map_lacks_reads_the_query_as_a_whole(hanoi: AddressMap) -> None:
    # "Xyzzy" names no place: the words are searched as written, and "bưu điện" still finds post offices.
    hits = hanoi.search.query("bưu điện gần xyzzy", k=3)
    assert len(hits) and hits["label"].iat[0].startswith("Bưu điện")


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("bưu điện hà nội", None),
        ("Viettel Post Hanoi City", None),
        ("bưu điện gần Hà Nội", "bưu điện"),
        ("fpt shop near Vietnam", "fpt shop"),
    ],
)
def test_the_city_or_the_country_is_no_place_to_be_near(hanoi: AddressMap, text: str, what: str | None) -> None:
    # Every record lies in Hà Nội: a query naming it is read as a whole (not near a hotel named "Hanoi ..."), and
    # "X gần Hà Nội" is X anywhere.
    hits = hanoi.search.query(text, k=5)
    assert len(hits) and (hits["near"] == "").all() and hits["near_m"].isna().all()
    assert (hits["kind"] == "agency").all()
    if what is not None:
        assert hanoi.search.hits(text, k=5) == hanoi.search.hits(what, k=5)


def test_an_office_named_for_the_place_comes_first(hanoi: AddressMap) -> None:
    # "Bưu điện Cầu Giấy" is the name of one post office: found as itself.
    hits = hanoi.search.query("bưu điện cầu giấy", k=5)
    assert hits["label"].iat[0] == "Bưu Điện Cầu Giấy" and hits["score"].iat[0] == pytest.approx(1.0)
    # The FPT Shop in Phường Văn Miếu - Quốc Tử Giám names the place by its ward: it keeps its score as read as a
    # whole, above the shops near the Temple of Literature; only the chain's shops are listed.
    hits = hanoi.search.query("fpt shop văn miếu", k=5)
    assert hits["ward"].iat[0] == "Phường Văn Miếu - Quốc Tử Giám" and hits["score"].iat[0] > 0.9
    assert hits["label"].str.casefold().eq("fpt shop").all() and hits["score"].is_monotonic_decreasing
    shop = hanoi.search.query("fpt shop đống đa", k=3).iloc[0]
    assert shop["label"] == "FPT Shop" and shop["ward"] == "Phường Đống Đa"


@pytest.mark.parametrize(
    ("text", "itself", "place"),
    [
        ("fpt shop văn miếu", "FPT Shop", "Văn Miếu - Quốc Tử Giám"),
        ("bưu điện tràng t", "Bưu điện Tràng Tiền", "Phố Tràng Thi"),  # typed in part
    ],
)
def test_a_result_naming_the_place_says_no_distance_from_it(
    hanoi: AddressMap, text: str, itself: str, place: str
) -> None:
    # The first names the place (the shop by its ward, the post office by "Tràng T..."): it is not "1.9 km from
    # the Temple" nor "208 m from Phố Tràng Thi". The others were found near the place, and say so.
    hits = hanoi.search.query(text, k=3)
    first, others = hits.iloc[0], hits.iloc[1:]
    assert first["label"] == itself and first["near"] == "" and np.isnan(first["near_m"])
    assert len(others) and (others["near"] == place).all() and (others["near_m"] >= 0).all()
    plain = hanoi.search.hits(text, k=3)
    assert (plain[0]["near"], plain[0]["near_m"]) == (None, None)
    assert all(h["near"] == place and h["near_m"] == round(m) for h, m in zip(plain[1:], others["near_m"], strict=True))


def test_offices_near_a_street_by_their_distance_to_it(hanoi: AddressMap) -> None:
    # None of the Viettel Post shops is on Kim Mã: they come by their distance to the street's whole line, not to
    # its middle.
    street = hanoi.search.query("đường kim mã", k=1, kinds=["street"]).iloc[0]
    line = hanoi.streets.line(street["id"])
    hits = hanoi.search.query("viettel post kim mã", k=3)
    assert (hits["kind"] == "agency").all() and len(hits) == 3
    # As English says it: "on" joins the place as "ở" does, "street" is "phố".
    assert hits.equals(hanoi.search.query("viettel post on kim ma street", k=3))
    shops = hanoi.layers.agencies[hanoi.layers.agencies["kind"] == "viettel_post"]
    utm = shops.estimate_utm_crs()
    nearest = shops.to_crs(utm).distance(gpd.GeoSeries([line], crs=4326).to_crs(utm).iloc[0]).idxmin()
    assert hits["id"].iat[0] == shops.loc[nearest, "agency_id"]


def test_offices_in_a_ward_come_before_those_outside(hanoi: AddressMap) -> None:
    # Inside the ward asked a post office is at distance 0: those in Phường Hoàn Kiếm, all of them, come first.
    hits = hanoi.search.query("bưu điện phường hoàn kiếm", k=20)
    inside = (hits["ward"] == "Phường Hoàn Kiếm").to_numpy()
    assert inside[:3].all() and not inside.all()
    assert list(inside) == sorted(inside, reverse=True)


def test_near_a_house_number_is_near_that_house(hanoi: AddressMap) -> None:
    # A house number placed on a street is a point: distances are from it, not from the whole street.
    house = hanoi.search.query("10 phố huế", k=1).iloc[0]
    hits = hanoi.search.query("bưu điện gần 10 phố huế", k=4)
    assert (hits["near"] == house["label"]).all()
    for lon, lat, metres in zip(hits["lon"], hits["lat"], hits["near_m"], strict=True):
        assert metres == pytest.approx(_metres(hanoi, (lon, lat), (house["lon"], house["lat"])), rel=0.01, abs=2)


LAKE_SHORE = (105.8520, 21.0287)
"""A point on the west shore of Hoàn Kiếm lake (longitude, latitude): where the asker is."""


@pytest.mark.parametrize("text", ["bưu điện gần đây", "Bưu điện gần nhất", "post office near me", "bưu điện gần"])
def test_near_here_is_near_the_point_given(hanoi: AddressMap, text: str) -> None:
    hits = hanoi.search.query(text, k=5, focus=LAKE_SHORE)
    assert (hits["kind"] == "agency").all() and (hits["near"] == "").all()
    for lon, lat, metres in zip(hits["lon"], hits["lat"], hits["near_m"], strict=True):
        assert metres == pytest.approx(_metres(hanoi, (lon, lat), LAKE_SHORE), rel=0.01, abs=2)
    assert hits["near_m"].max() < 800
    # Without a point, "gần đây" says nothing to search for: what is asked, anywhere.
    what = text.split(" gần")[0].split(" near")[0]
    assert hanoi.search.hits(text, k=5) == hanoi.search.hits(what, k=5)


def test_equal_scores_come_nearest_the_point_first(hanoi: AddressMap) -> None:
    # Every FPT Shop matches "FPT Shop" alike: with a point, the shops nearest it come first.
    hits = hanoi.search.query("FPT Shop", k=6, focus=LAKE_SHORE)
    assert hits["score"].nunique() == 1
    distances = [_metres(hanoi, (lon, lat), LAKE_SHORE) for lon, lat in zip(hits["lon"], hits["lat"], strict=True)]
    assert distances == sorted(distances)
    shops = hanoi.layers.agencies[hanoi.layers.agencies["kind"] == "fpt_shop"]
    assert distances[0] == pytest.approx(min(_metres(hanoi, (p.x, p.y), LAKE_SHORE) for p in shops.geometry), abs=1.0)


@pytest.mark.parametrize(
    ("text", "ward"),
    [
        ("bưu điện hk", "Phường Hoàn Kiếm"),
        ("viettel post hbt", "Phường Hai Bà Trưng"),
        ("fpt shop cg", "Phường Cầu Giấy"),
        ("bưu điện gần q.hk", "Phường Hoàn Kiếm"),
    ],
)
def test_a_ward_by_its_initials_is_a_place_to_be_near(hanoi: AddressMap, text: str, ward: str) -> None:
    # As addresses abbreviate it. Before, "bưu điện hk" listed the post offices named "Bưu điện Việt Nam" in
    # Tương Mai and Định Công, "fpt shop cg" a shop in Phú Diễn first.
    answer = hanoi.search.answer(text, k=3)
    assert answer.near == ward and answer.hits[0]["ward"] == ward
    assert all(hit["near"] in (ward, None) for hit in answer.hits)


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("bưu điện ở đâu", "bưu điện"),
        ("buu dien o dau", "bưu điện"),
        ("Viettel Post ở chỗ nào?", "viettel post"),
        ("where is the post office", "post office"),
        # Asked when it opens or whether it is open: the nearest, whose hours the answer gives. Before, "bưu điện
        # mở cửa chủ nhật" (open on Sunday) found Nhật Tân, "bưu điện gần nhất còn mở" (nearest still open) a post
        # office 8 km away in Hà Đông, and "giờ mở cửa bưu điện" the post offices named "Bưu điện Việt Nam".
        ("bưu điện mở cửa chủ nhật", "bưu điện"),
        ("buu dien lam viec thu bay", "bưu điện"),
        ("giờ mở cửa bưu điện", "bưu điện"),
        ("bưu điện còn mở", "bưu điện"),
        ("fpt shop mở cửa đến mấy giờ", "fpt shop"),
        ("post office open on sundays", "post office"),
    ],
)
def test_a_kind_of_agency_asked_about_is_near_the_asker(hanoi: AddressMap, text: str, what: str) -> None:
    # As "bưu điện gần đây". Before, "bưu điện ở đâu" was read near Tháp nước Hàng Đậu ("đâu" as "Đậu") and
    # "where is the post office" found 7-9 Hàng Vôi.
    asked = hanoi.search.hits(text, k=5, focus=LAKE_SHORE)
    assert asked == hanoi.search.hits(f"{what} gần đây", k=5, focus=LAKE_SHORE)
    assert all(hit["kind"] == "agency" and hit["near"] is None and hit["near_m"] is not None for hit in asked)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("giờ mở cửa bưu điện Tràng Tiền", "Bưu điện Tràng Tiền"),
        ("Bưu điện Tràng Tiền mấy giờ mở cửa?", "Bưu điện Tràng Tiền"),
        ("bưu điện tràng tiền ở đâu", "Bưu điện Tràng Tiền"),
        ("địa chỉ bưu điện hà nội", "Bưu điện Thành phố Hà Nội"),
        ("opening hours of the Hanoi Opera House", "Nhà Hát Lớn"),
        ("hồ gươm ở đâu", "Hồ Hoàn Kiếm"),
        ("where is hoa lo prison", "Nhà tù Hoả Lò"),
        ("Bưu điện Tràng Tiền có mở cửa ngày lễ không", "Bưu điện Tràng Tiền"),
    ],
)
def test_words_asking_about_a_place_leave_the_place(hanoi: AddressMap, text: str, label: str) -> None:
    # Where it is, its hours or address: the place named, as if named alone (its card says the rest). Before,
    # "giờ mở cửa bưu điện tràng tiền" scored 0.575, below what the page calls a close match.
    top = hanoi.search.hits(text, k=1)[0]
    assert top["label"] == label and top["score"] > 0.9


def test_the_nearest_asked_still_open_is_near_the_asker(hanoi: AddressMap) -> None:
    # "Gần nhất còn mở" (nearest, still open): the near word's place is the asker's once the question is left out.
    asked = hanoi.search.hits("bưu điện gần nhất còn mở", k=5, focus=LAKE_SHORE)
    assert asked == hanoi.search.hits("bưu điện gần đây", k=5, focus=LAKE_SHORE)


@pytest.mark.parametrize(
    "text",
    ["bưu điện gần phố huế", "buu dien gan pho hue", "bưu điện phố huế", "đổi bằng lái xe ở bưu điện gần phố huế"],
)
def test_a_post_office_is_one_whichever_word_names_it(hanoi: AddressMap, text: str) -> None:
    # People say "bưu điện" for any post office: those named "Bưu cục" are post offices too. "Bưu điện gần phố
    # Huế" left out the Bưu cục 70 m from the street for post offices 300 m and more away, named "Bưu điện".
    answer = hanoi.search.answer(text, k=3)
    assert answer.near == "Phố Huế" and answer.place is not None
    offices = hanoi.layers.agencies[hanoi.layers.agencies["kind"] == "post_office"]
    street = gpd.GeoSeries([answer.place], crs=4326).to_crs(METRIC_CRS).iloc[0]
    away = offices.to_crs(METRIC_CRS).distance(street)
    nearest = offices.loc[away.idxmin(), "name"]
    assert nearest.startswith("Bưu cục") and away.min() < 100
    assert answer.hits[0]["label"] == nearest and answer.hits[0]["near_m"] == pytest.approx(away.min(), abs=5)


def test_a_post_office_at_the_address_asked_comes_first(hanoi: AddressMap) -> None:
    hits = hanoi.search.hits("bưu điện gần 18 nguyễn du", k=3)
    assert hits[0]["label"] == "Bưu cục 18 Nguyễn Du" and hits[0]["near_m"] < 50
