"""Restoring the letters the POI layer's Windows-1252 export lost (geo._repair), checked against names known whole."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import osmium
import pytest

from geo import landmarks, paths, provinces
from geo._repair import Repairer, damaged

HIGHWAYS = Path("osm/derived/hanoi_central_highways_merged.osm.pbf")
WARDS = Path("boundaries/hanoi_wards_2025_osm.geojson")


@pytest.fixture(scope="module")
def repair() -> Repairer:
    """Read against the streets, the wards and the country's communes only: none of the places checked below."""
    data = paths.data_dir()
    streets = {
        obj.tags["name"]
        for obj in osmium.FileProcessor(str(data / HIGHWAYS)).with_filter(osmium.filter.KeyFilter("name"))
    }
    wards = gpd.read_file(data / WARDS)["name"].dropna()
    return Repairer([*streets, *wards, *provinces.unit_names(paths.vietnam_dir())])


def _check(repair: Repairer, pairs: list[tuple[str, str]]) -> tuple[int, list[tuple[str, str, str]]]:
    """How many of the (damaged, whole) pairs are restored, and those restored otherwise than whole."""
    read = [(lost, whole, repair(lost)) for lost, whole in pairs]
    wrong = [(lost, whole, got) for lost, whole, got in read if got is not None and got.casefold() != whole.casefold()]
    return sum(got is not None for _, _, got in read), wrong


def test_the_agencies_restored_by_hand_read_alike(repair: Repairer) -> None:
    # SOURCES.md restored 65 agency and authority names by hand from other sources: these rules, without those
    # sources, read most of them and none otherwise.
    table = gpd.read_file(paths.data_dir() / "pois/agencies_authorities.geojson")
    table = table[table["name_damaged"].fillna("").map(damaged)]
    pairs = list(zip(table["name_damaged"], table["name"], strict=True))
    assert len(pairs) == 65
    restored, wrong = _check(repair, pairs)
    assert wrong == []
    assert restored >= 40


def test_places_the_raw_extracts_name_read_alike(repair: Repairer) -> None:
    # The same OSM nodes in the POI layer (damaged) and in the raw extracts (whole), under the same name.
    whole = {}
    for path in sorted(paths.data_dir().glob("osm/*/*.osm")):
        for obj in osmium.FileProcessor(str(path), osmium.osm.NODE).with_filter(osmium.filter.KeyFilter("name")):
            whole[obj.id] = obj.tags["name"]
    pois = gpd.read_file(paths.data_dir() / landmarks.POI_FILE, columns=["osm_id", "name"])
    pairs = [
        (lost, whole[osm_id])
        for osm_id, lost in zip(pois["osm_id"].astype("int64"), pois["name"].fillna(""), strict=True)
        if damaged(lost) and osm_id in whole and whole[osm_id].encode("cp1252", "replace").decode("cp1252") == lost
    ]
    assert len(pairs) > 50
    restored, wrong = _check(repair, pairs)
    assert wrong == []
    assert restored >= 15


@pytest.mark.parametrize(
    ("lost", "whole"),
    [
        # Terms read with the words after them; the case of a lost letter follows the word's.
        ("B?nh vi?n ?a khoa Hoè Nhai", "Bệnh viện Đa khoa Hoè Nhai"),
        ("??i s? quán Brazil", "Đại sứ quán Brazil"),
        ("KHÁCH S?N HOA", "KHÁCH SẠN HOA"),
        ("Công an ph??ng C?u Gi?y", "Công an phường Cầu Giấy"),
        # A lone word has no context to be read by; a name keeping one unread letter is not restored.
        ("Ng?a", None),
        ("? ? ??", None),
        # Nothing lost: the name itself.
        ("Lotte Hotel Hanoi", "Lotte Hotel Hanoi"),
    ],
)
def test_a_name_is_restored_whole_or_not_at_all(repair: Repairer, lost: str, whole: str | None) -> None:
    assert repair(lost) == whole


def test_readings_that_disagree_are_left_unread() -> None:
    # "Xuân ??nh" is "Xuân Đỉnh" in one name and "Xuân Định" in another, equally often: no reading.
    repair = Repairer(["Phố Xuân Đỉnh", "Chợ Xuân Định"])
    assert repair("Nhà Xuân ??nh") is None
    # With a third word, the longer run says which.
    assert repair("Ph? Xuân ??nh") == "Phố Xuân Đỉnh"
    # A term is a fixed compound: "Quốc tế" (international) over one street's "Quốc Tử".
    repair = Repairer(["Phố Quốc Tử Giám"])
    assert repair("B?u ?i?n Qu?c t?") == "Bưu điện Quốc tế"
    assert repair("Qu?c T? Giám") == "Quốc Tử Giám"


def test_a_lost_capital_follows_the_names_written_alike() -> None:
    # Two names write the street in lower case, one with capitals: "Tiên Hoàng" written with capitals says which.
    repair = Repairer(["Phố Đinh Tiên Hoàng", "bánh mì đinh tiên hoàng", "ngõ đinh tiên hoàng"])
    assert repair("Quán ?inh Tiên Hoàng") == "Quán Đinh Tiên Hoàng"
    assert repair("quán ?inh tiên hoàng") == "quán đinh tiên hoàng"
    # A common noun keeps its lower case inside a name ("Bưu điện"), a name's first letter its capital.
    assert repair("B?u ?i?n Qu?c t?") == "Bưu điện Quốc tế"
    assert repair("??i s? quán Brazil") == "Đại sứ quán Brazil"
