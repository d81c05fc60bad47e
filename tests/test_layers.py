"""Layers and the GeoPackage: fixed schemas, synthetic data labelled, reproducible."""

from __future__ import annotations

import re
from pathlib import Path

import pyogrio

from geo import layers, store
from geo._text import in_latin_script
from geo.addressmap import AddressMap


def test_layers_have_their_documented_schemas(hanoi: AddressMap) -> None:
    lay = hanoi.layers
    assert list(lay.agencies.columns) == [
        "agency_id",
        "name",
        "kind",
        "operator",
        "address",
        "ward",
        "osm_type",
        "osm_id",
        "source",
        "data_date",
        "likely_stale",
        "operator_osm",
        "opening_hours",
        "hours_source",
        "public_service_agent",
        "procedures",
        "address_source",
        "name_source",
        "geometry",
    ]
    assert set(lay.agencies["kind"]) <= set(layers.AGENCY_KINDS)
    assert set(lay.authorities["kind"]) <= set(layers.AUTHORITY_KINDS)
    assert len(lay.wards) == 126
    assert set(lay.wards["kind"]) == {"phuong", "xa"}
    assert (lay.wards["population_estimated"] > 0).all()
    assert lay.agencies["agency_id"].is_unique
    assert lay.households["household_id"].is_unique
    assert all(df.crs.to_epsg() == 4326 for df in (lay.agencies, lay.authorities, lay.wards, lay.households))


def test_households_mix_real_buildings_and_labelled_synthetic_points(hanoi: AddressMap) -> None:
    hh = hanoi.layers.households
    assert set(hh["source"]) == {"osm_building", "synthetic"}
    assert (hh["synthetic"] == (hh["source"] == "synthetic")).all()
    share = hh["meritorious"].sum() / hh["households"].sum()
    assert abs(share - layers.MERITORIOUS_RATE) < 0.005
    assert (hh["persons"] >= hh["households"]).all()


def test_households_are_reproducible_for_a_seed(hanoi: AddressMap) -> None:
    again = layers.households(hanoi.network, hanoi.layers.wards, layers.paths.data_dir(), seed=2025)
    assert again.drop(columns="geometry").equals(hanoi.layers.households.drop(columns="geometry"))
    other = layers.households(hanoi.network, hanoi.layers.wards, layers.paths.data_dir(), seed=1)
    assert not other["meritorious"].equals(hanoi.layers.households["meritorious"])


def test_geopackage_holds_every_layer_and_marks_synthetic_columns(hanoi: AddressMap, tmp_path: Path) -> None:
    path = store.write(tmp_path / "map.gpkg", hanoi.network, hanoi.layers)
    names = {name for name, _ in pyogrio.list_layers(path)}
    assert {*store.LAYER_NAMES, "layer_columns"} == names
    edges = store.read_layer(path, "edges")
    assert len(edges) == hanoi.network.n_edges
    columns = store.read_layer(path, "layer_columns")
    synthetic = set(columns.loc[columns["synthetic"].astype(bool), "column"])
    assert {"meritorious", "social_protection"} <= synthetic


def test_an_address_written_with_its_areas_keeps_its_street(hanoi: AddressMap) -> None:
    # OSM has "addr:street=12 Hàng Gà, Hoàn Kiếm, Hà Nội, Việt Nam" for house 12: the layer keeps "Hàng Gà",
    # which the search labels and the street's numbering use.
    addresses = hanoi.layers.addresses.set_index("address_id")
    areas_after = r",\s*(?:Hà Nội|Hoàn Kiếm|Hoan Kiem|Việt Nam|Vietnam)"
    assert not addresses["street"].str.contains(areas_after, case=False).any()
    assert addresses.loc["osm:node/1671744985", ["housenumber", "street"]].tolist() == ["12", "Hàng Gà"]
    top = hanoi.search.hits("12 Hàng Gà", k=1)[0]
    assert (top["id"], top["label"]) == ("osm:node/1671744985", "12 Hàng Gà")
    # An alley written after its street is no area: kept whole.
    assert (addresses["street"] == "Ngõ Trạm, Phố Hàng Bông").sum() == 1


def test_addresses_and_operators_are_said_in_vietnamese(hanoi: AddressMap) -> None:
    # OSM mappers wrote "number 1" (Bưu điện Cửa Nam's, on Đình Ngang) and "No 15, Alley 81": the pages, in
    # Vietnamese, said them so, and called the Service Centres' operator by an English name.
    agencies = hanoi.layers.agencies.set_index("name")
    assert agencies.loc["Bưu điện Cửa Nam", "address"] == "1 Đình Ngang"
    centres = agencies[agencies["kind"] == "public_admin_centre"]
    assert len(centres) and set(centres["operator"]) == {"Trung tâm Phục vụ hành chính công Thành phố Hà Nội"}
    numbers = set(hanoi.layers.addresses["housenumber"])
    assert {"1", "15, ngõ 81", "phòng 704, 14"} <= numbers
    assert not any(re.search(r"(?i)\b(number|no|alley|room)\b", number) for number in numbers)


def test_streets_written_in_english_are_named_as_the_map_names_them(hanoi: AddressMap) -> None:
    # "Hang Bac Street", "Ton That Thiep St.", "Nhà Chung Alley": the pages said them so, and the points, under
    # another name than their street's, numbered none. The map's road nearby of that name gives it; an alley the
    # map does not name is said in Vietnamese order.
    addresses = hanoi.layers.addresses
    streets = {(number, street) for number, street in zip(addresses["housenumber"], addresses["street"], strict=True)}
    assert {("39", "Phố Hàng Bạc"), ("1/53", "Phố Tôn Thất Thiệp"), ("11", "Ngõ Nhà Chung")} <= streets
    assert ("25-27", "Ngõ Trạm, Phố Hàng Bông") in streets
    english = r"(?i)\b(street|st|road|rd|avenue|ave|alley|lane)\b\.?(,|$)"
    assert not any(re.search(english, street) for _, street in streets)
    # Found where they are, under the name the map writes.
    found = hanoi.search.answer("39 phố hàng bạc", k=1).hits[0]
    house = addresses[(addresses["housenumber"] == "39") & (addresses["street"] == "Phố Hàng Bạc")].iloc[0]
    assert (found["match"], found["lon"], found["lat"]) == ("exact", house.geometry.x, house.geometry.y)


def test_an_authority_named_in_another_script_is_unnamed(hanoi: AddressMap) -> None:
    # The 2019 extract names the Ministry of Public Security in Lao: the pages showed it so.
    authorities = hanoi.layers.authorities.set_index("authority_id")
    assert authorities.loc["osm:node/6290534985", "name"] == ""
    assert authorities["name"].map(in_latin_script).all()


def test_a_ward_is_at_its_committee_s_seat_where_the_map_has_it(hanoi: AddressMap) -> None:
    # As Nominatim takes a boundary's admin_centre: Phường Hoàn Kiếm at its People's Committee by the lake (it was
    # a point inside its area, 450 m north, from which the lakeside post offices came after Lương Văn Can's).
    wards, authorities = hanoi.layers.wards, hanoi.layers.authorities
    points = layers.ward_points(wards, authorities).set_axis(wards["name"])
    seat = authorities.set_index("authority_id").loc["osm:node/13709983613"]
    assert seat["name"] == "Ủy ban nhân dân phường Hoàn Kiếm" and points["Phường Hoàn Kiếm"].equals(seat.geometry)
    # A committee of a ward merged in 2025 names the old ward: not the new one's seat.
    ba_dinh = wards.set_index("name").loc[["Phường Ba Đình"]].geometry.representative_point().iloc[0]
    assert points["Phường Ba Đình"].equals(ba_dinh)
    assert all(wards.geometry.iloc[i].covers(point) for i, point in enumerate(points))
    # The search says the ward there.
    hit = hanoi.search.answer("phường hoàn kiếm", k=1).hits[0]
    assert (hit["kind"], hit["lon"], hit["lat"]) == ("ward", seat.geometry.x, seat.geometry.y)
