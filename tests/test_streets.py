"""Tests of geo.streets and of streets in the search, on the real central-Hanoi map."""

from __future__ import annotations

import re

import numpy as np
import pytest
import shapely

from geo import _text
from geo.addressmap import AddressMap
from geo.streets import Streets, _chord_point, house_base, street_key


def _top(hanoi: AddressMap, text: str) -> dict:
    hits = hanoi.search.query(text, k=3)
    assert len(hits), f"no result for {text!r}"
    return hits.iloc[0].to_dict()


def test_street_key_groups_spellings() -> None:
    assert street_key("Phố Hàng Bông") == street_key("Hàng Bông") == street_key("HANG BONG")
    assert street_key("Đường Xuân Thủy") == street_key("Đường Xuân Thuỷ")
    assert house_base("12A") == 12 and house_base("37 b") == 37
    assert house_base("12/3") is None and house_base("7-9") is None


def test_every_named_road_is_a_street(hanoi: AddressMap) -> None:
    names = {street_key(p) for n in hanoi.network.edge_name for p in str(n).split(";") if p.strip()}
    assert names == set(hanoi.streets.frame["key"])
    # The middle of a street lies on it.
    row = hanoi.streets.frame.set_index("name").loc["Đường Bưởi"]
    x, y = hanoi.network.from_wgs84.transform(row["lon"], row["lat"])
    edges = [j for j, n in enumerate(hanoi.network.edge_name) if "Đường Bưởi" in str(n).split("; ")]
    assert shapely.union_all(hanoi.network.edge_geom[edges]).distance(shapely.Point(x, y)) < 1.0


@pytest.mark.parametrize("text", ["Đường Bưởi", "duong buoi", "đ. Bưởi", "đg buoi", "Bưởi"])
def test_a_street_is_found_by_its_name_and_abbreviations(hanoi: AddressMap, text: str) -> None:
    top = _top(hanoi, text)
    assert (top["kind"], top["label"], top["match"]) == ("street", "Đường Bưởi", "street")


def test_an_alley_named_in_osm(hanoi: AddressMap) -> None:
    top = _top(hanoi, "ngõ 186 đường bưởi")
    assert (top["kind"], top["label"]) == ("street", "Ngõ 186 Đường Bưởi")


def test_an_alley_named_by_its_number_carries_the_street_it_opens_on(hanoi: AddressMap) -> None:
    frame = hanoi.streets.frame
    bare = frame[frame["name"].str.fullmatch(r"Ngõ \d+") & (frame["opens_on"] != "")]
    assert len(bare) > 20
    row = bare.iloc[0]
    top = _top(hanoi, f"{row['name']} {_text.fold(row['opens_on'])}")
    assert top["label"] == f"{row['name']}, {row['opens_on']}"


@pytest.mark.parametrize("text", ["hồ tây", "ho tay", "tây hồ"])
def test_an_alley_found_through_its_street_alone_ranks_below_it(hanoi: AddressMap, text: str) -> None:
    # Words in another order ("hồ tây"): Ngõ 20, 25 and 28, off Đường Tây Hồ and found through it alone, came
    # before the street itself.
    labels = hanoi.search.query(text, k=10)["label"].tolist()
    assert labels[0] == "Đường Tây Hồ"
    assert not any(re.fullmatch(r"Ngõ \d+, Đường Tây Hồ", label) for label in labels[:3])
    assert _top(hanoi, f"ngõ 20 {text}")["label"] == "Ngõ 20, Đường Tây Hồ"  # asked, the alley still comes first


@pytest.mark.parametrize("text", ["so 10 pho hue", "số 10 Phố Huế", "sn 10 p. Hue", "10 p. huế"])
def test_a_house_number_is_placed_along_its_street(hanoi: AddressMap, text: str) -> None:
    top = _top(hanoi, text)
    assert (top["kind"], top["match"], top["label"]) == ("street", "interpolated", "10 Phố Huế")
    # Number 10 is at the north end of Phố Huế, where numbering starts (from Hoàn Kiếm lake): north of 39.
    houses = hanoi.layers.addresses
    house_39 = houses[(houses["housenumber"] == "39") & (houses["street"] == "Phố Huế")].geometry.iloc[0]
    assert top["lat"] > house_39.y


def test_an_exact_house_outranks_its_interpolated_street(hanoi: AddressMap) -> None:
    hits = hanoi.search.query("75 Dinh Tien Hoang", k=5)
    assert hits.iloc[0]["kind"] == "address" and hits.iloc[0]["match"] == "exact"
    street = hits[hits["kind"] == "street"].iloc[0]
    assert street["match"] == "interpolated"


def test_p_is_read_by_context() -> None:
    assert _text.resolve_p(["10", "p", "hue"]) == ["10", "pho", "hue"]
    assert _text.resolve_p(["hang", "bac", "p", "hoan", "kiem"])[2] == "phuong"
    assert _text.resolve_p(["p", "hoan", "kiem"]) == ["p", "hoan", "kiem"]


def test_p_alone_before_a_ward_name_finds_the_ward(hanoi: AddressMap) -> None:
    assert _top(hanoi, "p. Hoan Kiem")["label"] == "Phường Hoàn Kiếm"


def test_alley_mouths_number_their_streets(hanoi: AddressMap, capsys: pytest.CaptureFixture[str]) -> None:
    # "Ngõ 186 Đường Bưởi" opens beside 186 Đường Bưởi: with the alleys' mouths alone (no address point), the
    # map's numbered houses are placed on their streets closer than the streets' middles put them.
    mouths = Streets.from_network(hanoi.network, None)
    frame = mouths.frame
    assert int(frame["anchors"].sum()) > 1000
    ids_by_key: dict[str, list[str]] = {}
    for street_id, key in zip(frame["street_id"], frame["key"], strict=True):
        if mouths.can_interpolate(street_id):
            ids_by_key.setdefault(key, []).append(street_id)
    middle = frame.set_index("street_id")[["lon", "lat"]]
    to_xy = hanoi.network.from_wgs84.transform
    placed, middles = [], []
    addresses = hanoi.layers.addresses
    for hn, street, point in zip(addresses["housenumber"], addresses["street"], addresses.geometry, strict=True):
        number, ids = house_base(hn) if hn else None, ids_by_key.get(street_key(street), []) if street else []
        if number is None or not ids:
            continue
        x, y = to_xy(point.x, point.y)
        placed.append(min(np.hypot(*np.subtract(to_xy(*mouths.locate(s, number)[:2]), (x, y))) for s in ids))
        middles.append(min(np.hypot(*np.subtract(to_xy(*middle.loc[s]), (x, y))) for s in ids))
    with capsys.disabled():
        print(
            f"\n{len(placed)} numbered houses on streets numbered by alley mouths alone: median error "
            f"{np.median(placed):.0f} m ({np.mean(np.array(placed) <= 50):.0%} within 50 m); the streets' middles "
            f"{np.median(middles):.0f} m ({np.mean(np.array(middles) <= 50):.0%})"
        )
    assert len(placed) >= 100
    assert np.median(placed) < 0.5 * np.median(middles)


def test_a_number_far_beyond_its_side_is_placed_between_both_sides() -> None:
    # Lê Duẩn's even side has only 222 and 226: 120 lies far beyond them (102 numbers, they span 4); 49 and 129
    # (odd) bracket it, and both sides rise together.
    even = ([222, 226], [(1488.0, 0.0), (1542.0, 0.0)])
    both = ([1, 49, 129, 222, 226], [(46.0, 0.0), (509.0, 0.0), (654.0, 0.0), (1488.0, 0.0), (1542.0, 0.0)])
    x, _ = _chord_point(even, both, 120)
    assert 509.0 < x < 654.0
    # Near its side (2 beyond 222-226, within their span): extrapolated on its side, not placed by the other.
    assert _chord_point(even, both, 228)[0] == pytest.approx(1542.0 + 2 * 54.0 / 4)


def test_a_number_beyond_every_point_is_extrapolated_at_its_whole_side_spacing() -> None:
    odd = ([67, 69, 95], [(1000.0, 0.0), (1030.0, 0.0), (1140.0, 0.0)])
    assert _chord_point(odd, odd, 1)[0] == pytest.approx(1000.0 - 66 * 140.0 / 28)
    # A number of the list is placed at its own point.
    assert _chord_point(odd, odd, 67) == (1000.0, 0.0) and _chord_point(odd, odd, 95) == (1140.0, 0.0)


def test_a_numbered_house_comes_back_at_its_place_on_a_street_drawn_in_pieces(hanoi: AddressMap) -> None:
    # Phố Hàng Bông is a MultiLineString: GEOS's interpolate does not undo its project there, which placed
    # "2 Hàng Bông" 600 m from its street's number 10. A numbered point's own number comes back at the point of
    # the street nearest it.
    houses = hanoi.layers.addresses
    houses = houses[houses["street"].map(lambda s: isinstance(s, str) and street_key(s) == "hang bong")]
    houses = houses[houses["housenumber"].map(house_base).notna()]
    houses = houses[~houses["housenumber"].map(house_base).duplicated(keep=False)]
    streets = Streets.from_network(hanoi.network, houses)
    (street_id,) = streets.frame.loc[streets.frame["key"] == "hang bong", "street_id"]
    to_xy = hanoi.network.from_wgs84.transform
    line = shapely.transform(streets.lines()[street_id], lambda lonlat: np.column_stack(to_xy(*lonlat.T)))
    assert line.geom_type == "MultiLineString" and len(houses) >= 10
    for hn, point in zip(houses["housenumber"], houses.geometry, strict=True):
        x, y = to_xy(point.x, point.y)
        on_street = shapely.get_point(shapely.shortest_line(line, shapely.Point(x, y)), 0)
        placed = shapely.Point(to_xy(*streets.locate(street_id, house_base(hn))[:2]))
        assert placed.distance(on_street) < 1.0, hn


def test_house_numbers_placed_with_their_own_point_left_out(
    hanoi: AddressMap, capsys: pytest.CaptureFixture[str]
) -> None:
    # 5-fold cross-validation on the map's numbered houses: each placed by the streets built without its fold.
    houses = hanoi.layers.addresses
    fold = np.random.default_rng(0).integers(0, 5, len(houses))
    to_xy = hanoi.network.from_wgs84.transform
    placed, middles = [], []
    for k in range(5):
        streets = Streets.from_network(hanoi.network, houses[fold != k])
        frame = streets.frame.set_index("street_id")
        ids_by_key: dict[str, list[str]] = {}
        for street_id, key in zip(frame.index, frame["key"], strict=True):
            if streets.can_interpolate(street_id):
                ids_by_key.setdefault(key, []).append(street_id)
        left_out = houses[fold == k]
        for hn, street, point in zip(left_out["housenumber"], left_out["street"], left_out.geometry, strict=True):
            number = house_base(hn) if isinstance(hn, str) and hn else None
            ids = ids_by_key.get(street_key(street), []) if isinstance(street, str) and street else []
            if number is None or not ids:
                continue
            xy = to_xy(point.x, point.y)
            placed.append(min(np.hypot(*np.subtract(to_xy(*streets.locate(s, number)[:2]), xy)) for s in ids))
            middles.append(min(np.hypot(*np.subtract(to_xy(*frame.loc[s, ["lon", "lat"]]), xy)) for s in ids))
    placed_m, middles_m = np.array(placed), np.array(middles)
    with capsys.disabled():
        print(
            f"\n{len(placed_m)} numbered houses placed with their own point left out (5-fold): median error "
            f"{np.median(placed_m):.1f} m, {np.mean(placed_m <= 50):.1%} within 50 m, 90th percentile "
            f"{np.percentile(placed_m, 90):.0f} m; the streets' middles {np.median(middles_m):.0f} m "
            f"({np.mean(middles_m <= 50):.0%} within 50 m)"
        )
    assert len(placed_m) >= 1000
    assert np.mean(placed_m <= 50) >= 0.77 and np.median(placed_m) < 0.25 * np.median(middles_m)


def test_an_alley_the_map_has_is_not_placed_at_its_mouth_too(hanoi: AddressMap) -> None:
    # The mouth of "Ngách 40" on Ngõ 260 stands for an alley the map lacks; the map has this one.
    hits = hanoi.search.query("số 7/40/260 Đường Cầu Giấy", k=10)
    assert (hits["label"] == "Ngách 40 Ngõ 260 Đường Cầu Giấy").sum() == 1
    assert (hits["label"].iat[0], hits["match"].iat[0]) == ("Ngách 40 Ngõ 260 Đường Cầu Giấy", "street")
    # One the map lacks is placed at its mouth.
    assert _top(hanoi, "ngõ 10 phố huế")["match"] == "interpolated"
