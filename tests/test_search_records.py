"""The search's records of the map (geo.addressmap.search_records): one per place, on the real central map."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from geo.addressmap import SAME_ADDRESS_M, AddressMap, search_records

QUERIES = Path(__file__).parent / "data" / "search_queries.csv"


def test_a_house_mapped_many_times_is_one_record_with_every_name(hanoi: AddressMap) -> None:
    # OSM maps 36 Ngô Quyền 40 times, a point per name its clinic was given.
    points = hanoi.layers.addresses
    assert ((points["housenumber"] == "36") & (points["street"] == "Ngô Quyền")).sum() >= 20
    records = search_records(hanoi.layers)
    house = records[(records["housenumber"] == "36") & (records["street"] == "Ngô Quyền")]
    assert len(house) == 1
    names = {house["name"].iat[0], *house["other_names"].iat[0].split(";")}
    assert {"Nhà hộ sinh A", "Nhà hộ sinh A - TTYT Hoàn Kiếm"} <= names
    # Its points that are landmarks too are that record, not landmarks of their own.
    assert not records[records["kind"] == "landmark"]["name"].str.contains("Nhà hộ sinh A").any()


@pytest.mark.parametrize("text", ["36 ngô quyền", "Nhà hộ sinh A - TTYT Hoàn Kiếm", "nha ho sinh a"])
def test_a_house_mapped_many_times_is_listed_once(hanoi: AddressMap, text: str) -> None:
    hits = hanoi.search.query(text, k=10)
    assert hits["label"].iat[0] == "36 Ngô Quyền"
    assert (hits["label"] == "36 Ngô Quyền").sum() == 1


def test_no_query_of_the_list_lists_one_place_twice(hanoi: AddressMap) -> None:
    with QUERIES.open(encoding="utf-8") as f:
        queries = [row["query"] for row in csv.DictReader(f)]
    to_xy = hanoi.network.from_wgs84.transform
    repeated = []
    for text in queries:
        hits = hanoi.search.query(text, k=10)
        x, y = to_xy(hits["lon"].to_numpy(), hits["lat"].to_numpy())
        for (kind, label), rows in hits.groupby(["kind", "label"]).groups.items():
            at = hits.index.get_indexer(rows)
            if len(at) > 1 and np.hypot(np.ptp(x[at]), np.ptp(y[at])) <= SAME_ADDRESS_M:
                repeated.append((text, kind, label))
    assert not repeated, repeated


def test_houses_of_one_number_far_apart_stay_two(hanoi: AddressMap) -> None:
    # One number and street, farther apart than SAME_ADDRESS_M: two houses (a street's two ends, two alleys).
    points = hanoi.layers.addresses.to_crs(32648)
    records = search_records(hanoi.layers)
    numbered = points[points["housenumber"].fillna("") != ""]
    pairs = numbered.groupby(["housenumber", "street"]).filter(
        lambda g: len(g) == 2 and g.geometry.iloc[0].distance(g.geometry.iloc[1]) > 2 * SAME_ADDRESS_M
    )
    assert len(pairs) >= 2
    assert pairs["address_id"].isin(records["id"]).all()
