"""Landmarks of the raw OSM extracts (geo.landmarks) and their search: by name, by other names, once each."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from geo import _repair, landmarks, paths
from geo._nearby import METRIC_CRS
from geo._text import in_latin_script
from geo.addressmap import AddressMap
from geo.search import SearchIndex


@pytest.fixture(scope="module")
def table() -> gpd.GeoDataFrame:
    return landmarks.read(paths.data_dir())


def _one(table: gpd.GeoDataFrame, name: str) -> dict[str, object]:
    rows = table[table["name"] == name]
    assert len(rows) == 1, f"{name!r}: {len(rows)} landmarks"
    return dict(rows.iloc[0])


def test_landmarks_are_the_named_places_people_give_directions_by(table: gpd.GeoDataFrame) -> None:
    assert table["landmark_id"].is_unique
    assert table["landmark_id"].str.fullmatch(r"osm:(node|way|relation)/\d+").all()
    # Drawn as in OSM: a node is a point, a way or relation its area (or its line when open).
    is_node = table["landmark_id"].str.startswith("osm:node/")
    assert (table.geometry[is_node].geom_type == "Point").all()
    assert table.geometry[~is_node].geom_type.isin(["MultiPolygon", "LineString"]).all()
    assert table.geometry.is_valid.all()
    kinds = table["category"].str.split("=").str[0]
    assert set(kinds) <= set(landmarks.LANDMARK_TAGS)
    # Eateries and roads are not landmarks; Hoàn Kiếm's are (the extract of 2019 has all its tags).
    assert not table["category"].isin(["amenity=restaurant", "amenity=cafe", "highway=pedestrian"]).any()
    # A name without a letter is no landmark's (a tourist bus office mapped as "1" came first for "bến xe"); one
    # in another script is said by an other name in Latin letters, else left out ("ໂຮງແຮມ Melia" came second for
    # "khách sạn melia").
    assert table["name"].str.contains(r"[^\W\d_]", regex=True).all() and table["name"].map(in_latin_script).all()
    assert _one(table, "Beer Street")["landmark_id"] == "osm:node/4306153990"  # "맥주거리" in OSM
    assert _one(table, "Chợ Đồng Xuân")["category"] == "amenity=marketplace"
    assert _one(table, "Bệnh viện Việt Đức")["category"] == "amenity=hospital"
    lake = _one(table, "Hồ Hoàn Kiếm")
    assert lake["landmark_id"] == "osm:relation/198437"
    assert {"Hồ Gươm", "Hoàn Kiếm Lake"} <= set(str(lake["other_names"]).split(";"))
    # The lake is its water: its two islands (Ngọc Sơn temple's and the Turtle Tower's) are holes in it.
    water = lake["geometry"]
    assert water.geom_type == "MultiPolygon"
    assert sum(len(part.interiors) for part in water.geoms) == 2
    assert 0.1 < _area_km2(water) < 0.2  # Hồ Hoàn Kiếm covers about 12 hectares


def _area_km2(shape: object) -> float:
    return float(gpd.GeoSeries([shape], crs=4326).to_crs(METRIC_CRS).area.iloc[0]) / 1e6


def test_other_names_leave_out_the_name_and_repeats() -> None:
    tags = {
        "name": "Nhà Hát Lớn",
        "name:vi": "Nhà Hát Lớn",
        "official_name": "Nhà hát Lớn Hà Nội",
        "official_name:vi": "Nhà hát Lớn Hà Nội",
        "name:en": "Opera House",
        "official_name:en": "Hanoi Opera House",
        "alt_name": "Nhà hát Thành phố; Opera House",
    }
    assert landmarks.other_names(tags) == [
        "Nhà hát Lớn Hà Nội",
        "Nhà hát Thành phố",
        "Opera House",
        "Hanoi Opera House",
    ]


def test_a_landmark_is_shown_by_its_name_with_diacritics() -> None:
    # OSM's name of the prison museum is Italian, its name:vi Vietnamese: shown by the one citizens write, the
    # other kept to find it by. A name:vi written without diacritics, or beside a name with them, is not taken.
    prison = {"name": "Museo della Prigione di Hoa Lo", "name:vi": "Nhà tù Hoả Lò", "name:en": "Hoa Lo Prison"}
    assert landmarks.shown_name(prison) == "Nhà tù Hoả Lò"
    assert landmarks.other_names(prison) == ["Museo della Prigione di Hoa Lo", "Hoa Lo Prison"]
    assert landmarks.shown_name({"name": "Old City Gate", "name:vi": "Cua O Quan Choung"}) == "Old City Gate"
    assert landmarks.shown_name({"name": "Bệnh viện K", "name:vi": "Viện K Ung Bướu TW"}) == "Bệnh viện K"


@pytest.mark.parametrize(
    ("tags", "category"),
    [
        ({"amenity": "marketplace", "building": "yes"}, "amenity=marketplace"),
        ({"building": "yes"}, "building=yes"),
        ({"amenity": "cafe", "building": "yes"}, "building=yes"),
        ({"amenity": "cafe"}, ""),
        ({"highway": "pedestrian", "place": "square"}, ""),
        ({"type": "route", "historic": "yes"}, ""),
    ],
)
def test_what_makes_a_landmark(tags: dict[str, str], category: str) -> None:
    assert landmarks.category(tags) == category


def test_the_poi_layer_adds_landmarks_with_their_names_whole(hanoi: AddressMap) -> None:
    table = hanoi.layers.landmarks
    assert set(table["name_source"]) == set(landmarks.NAME_SOURCES)
    pois = table[table["name_source"] != "osm"]
    # Points of the city-wide layer, kept where the map's roads are, each a kind of landmark.
    assert len(pois) > 200 and (pois.geom_type == "Point").all()
    assert pois["landmark_id"].str.fullmatch(r"osm:node/\d+").all()
    assert set(landmarks.POI_CATEGORIES.values()) >= set(pois["category"])
    west, south, east, north = hanoi.bounds
    assert pois.geometry.x.between(west, east).all() and pois.geometry.y.between(south, north).all()
    # No name keeps a lost letter: restored, or the place left out; nor says only what the place is.
    assert not table["name"].map(_repair.damaged).any()
    assert not pois["name"].str.casefold().isin(["khach san", "chợ đêm", "nha khoa"]).any()
    assert (table["name_source"] == "repaired").sum() > 100
    # The layer's "Công an ph??ng V?nh Phúc" and "??i s? quán Brazil", found by their names.
    for text, name, kind in [
        ("công an phường vĩnh phúc", "Công an phường Vĩnh Phúc", "amenity=police"),
        ("dai su quan brazil", "Đại sứ quán Brazil", "amenity=embassy"),
        ("Vincom Liễu Giai", "Vincom Center Metropolis Liễu Giai", "shop=mall"),
    ]:
        hit = hanoi.search.query(text, k=1).iloc[0]
        assert (hit["label"], hit["kind"]) == (name, "landmark")
        assert _one(table, name)["category"] == kind


def test_poi_categories_are_landmark_tags() -> None:
    for tag in landmarks.POI_CATEGORIES.values():
        key, value = tag.split("=")
        assert landmarks.category({key: value, "name": "x"}) == tag


def test_a_place_mapped_twice_is_one_landmark(table: gpd.GeoDataFrame) -> None:
    # OSM has Chợ Đồng Xuân as a point and as its building, and Tràng Tiền Plaza as a shop and as its building.
    raw = [
        row
        for path in sorted(paths.data_dir().glob("osm/*/*.osm"))
        for row in landmarks._landmarks(path)[0]
        if row[1] in ("Chợ Đồng Xuân", "Tràng Tiền Plaza")
    ]
    assert len({row[0] for row in raw if row[1] == "Chợ Đồng Xuân"}) >= 2
    assert len({row[0] for row in raw if row[1] == "Tràng Tiền Plaza"}) >= 2
    market = _one(table, "Chợ Đồng Xuân")
    # The building is kept (it holds the point), with the names of both.
    assert str(market["landmark_id"]).startswith("osm:way/")
    names = {name for row in raw if row[1] == "Chợ Đồng Xuân" for name in str(row[2]).split(";") if name}
    assert names <= set(str(market["other_names"]).split(";"))
    _one(table, "Tràng Tiền Plaza")


def test_only_near_objects_of_one_name_are_one_place() -> None:
    # Near Chợ Đồng Xuân: 0.0005 degrees of latitude is 55 m, 0.02 about 2.2 km.
    lon, lat = 105.8497, 21.03814
    rows = [
        ("osm:node/1", "Chợ Mới", "New Market", lat),
        ("osm:way/2", "Chợ mới", "Cho Moi", lat + 0.0005),
        ("osm:node/3", "Chợ Mới", "", lat + 0.02),
        ("osm:node/4", "Chợ Cũ", "", lat),
    ]
    frame = gpd.GeoDataFrame(
        {
            "landmark_id": [r[0] for r in rows],
            "name": [r[1] for r in rows],
            "other_names": [r[2] for r in rows],
            "category": "amenity=marketplace",
            "housenumber": "",
            "street": "",
            "version": 1,
            "name_source": "osm",
        },
        geometry=gpd.points_from_xy([lon] * 4, [r[3] for r in rows]),
        crs=4326,
    )
    merged = landmarks._one_per_place(frame).set_index("landmark_id")
    assert sorted(merged.index) == ["osm:node/3", "osm:node/4", "osm:way/2"]
    # The way is kept (its point lies inside the place), with the other names of both.
    assert merged.loc["osm:way/2", "other_names"] == "Cho Moi;New Market"


def test_an_empty_data_folder_has_no_landmarks(tmp_path: Path) -> None:
    assert landmarks.read(tmp_path).empty


@pytest.fixture(scope="module")
def index(hanoi: AddressMap) -> SearchIndex:
    return hanoi.search


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("chợ đồng xuân", "Chợ Đồng Xuân"),
        ("cho dong xuan", "Chợ Đồng Xuân"),
        ("Bệnh viện Việt Đức", "Bệnh viện Việt Đức"),
        ("nhà thờ lớn", "Nhà thờ Lớn"),
        ("Văn Miếu Quốc Tử Giám", "Văn Miếu - Quốc Tử Giám"),
        # Other names: the place is found, and listed as itself.
        ("hồ gươm", "Hồ Hoàn Kiếm"),
        ("Hanoi Opera House", "Nhà Hát Lớn"),
        ("Temple of Literature", "Văn Miếu - Quốc Tử Giám"),
        ("old quarter", "Khu phố cổ"),
        # Each part of a name joined by a dash is said alone too.
        ("văn miếu", "Văn Miếu - Quốc Tử Giám"),
        ("van mieu", "Văn Miếu - Quốc Tử Giám"),
        ("chợ đêm hàng đào", "Chợ đêm Hàng Đào – Đồng Xuân"),
        # Kinds of landmark as people shorten them.
        ("BV Việt Đức", "Bệnh viện Việt Đức"),
        ("ks cau giay", "Khách Sạn Cầu Giấy"),
        ("ĐSQ Brazil", "Đại sứ quán Brazil"),
        ("trường thpt nguyễn huệ", "Trường Trung học phổ thông Nguyễn Huệ"),
        ("Trường ĐH Y Dược", "Trường Đại học Y Dược"),
        # Shown by its Vietnamese name where OSM's name is another language's (Italian here), found by both.
        ("nhà tù hỏa lò", "Nhà tù Hoả Lò"),
        ("Museo della Prigione di Hoa Lo", "Nhà tù Hoả Lò"),
        ("Red River", "Sông Hồng"),
        # Said with its kind, which its OSM name leaves out.
        ("siêu thị winmart", "WinMart"),
        ("khách sạn sheraton hanoi", "Sheraton Hanoi"),
        ("bảo tàng nhà tù hỏa lò", "Nhà tù Hoả Lò"),
    ],
)
def test_a_landmark_is_found_by_any_of_its_names(index: SearchIndex, text: str, name: str) -> None:
    hits = index.query(text, k=10)
    top = hits.iloc[0]
    assert (top["kind"], top["name"], top["label"]) == ("landmark", name, name)
    assert top["score"] == pytest.approx(1.0)
    # Once, however many of its names match.
    assert hits["id"].is_unique


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("hoa lo museum", "Nhà tù Hoả Lò"),
        ("Hoa Lo prison museum", "Nhà tù Hoả Lò"),
        ("melia hotel", "Melia Hanoi"),
        ("st joseph cathedral", "Nhà thờ Lớn"),
        ("viet duc hospital", "Bệnh viện Việt Đức"),
        ("cau giay hotel", "Khách Sạn Cầu Giấy"),
        ("brazil embassy", "Đại sứ quán Brazil"),
    ],
)
def test_a_landmark_is_found_with_its_kind_in_english(index: SearchIndex, text: str, name: str) -> None:
    # A kind said in English after the name, as English says it, is the Vietnamese kind (geo._text.ENGLISH_KINDS):
    # before, "hoa lo museum" found Phố Hỏa Lò first, "melia hotel" an address as high as the hotel.
    hits = index.query(text, k=2)
    assert (hits.iloc[0]["kind"], hits.iloc[0]["name"]) == ("landmark", name)
    assert hits.iloc[0]["score"] > hits.iloc[1]["score"]


def test_near_the_temple_is_near_its_grounds(index: SearchIndex) -> None:
    # "Văn Miếu" is the temple (before, Phố Văn Miếu, the street along its east wall, was the place).
    hits = index.query("bưu điện gần văn miếu", k=3)
    assert (hits["near"] == "Văn Miếu - Quốc Tử Giám").all()
    assert list(index.query("văn miếu", k=2)["kind"]) == ["landmark", "street"]


def test_landmarks_are_a_kind_to_filter_on(index: SearchIndex) -> None:
    hits = index.query("hồ", k=10, kinds=["landmark"])
    assert len(hits) and set(hits["kind"]) == {"landmark"}
    assert "Hồ Hoàn Kiếm" in set(hits["name"])
    # The street named after the lake stays a street, the lake a landmark.
    both = index.query("hồ hoàn kiếm", k=3)
    assert list(both["kind"][:2]) == ["landmark", "street"]


def test_police_said_in_english_is_the_police(index: SearchIndex) -> None:
    # "Police station" is "công an", one token. Before, "station" found Hanoi Coffee Station (19 Hàng Mành) first.
    hits = index.query("police station near hoan kiem lake", k=3)
    assert hits["name"].str.startswith(("Công an", "Bộ công an")).all()
    assert index.query("hanoi police", k=1).iloc[0]["name"] == "Công an thành phố Hà Nội"


@pytest.mark.parametrize("text", ["phố cổ", "pho co", "phố cổ hà nội"])
def test_an_area_said_without_its_kind_word_is_that_area(index: SearchIndex, text: str) -> None:
    # "Khu" (area) says what kind of place, as "phố" does of a street: "phố cổ" is the Old Quarter, Khu phố cổ.
    # Before, Phố Cổ Tân and Phố Đồng Cổ came first, the Old Quarter fourth.
    hits = index.query(text, k=2)
    assert hits.iloc[0]["name"] == "Khu phố cổ" and hits.iloc[0]["score"] > hits.iloc[1]["score"]
