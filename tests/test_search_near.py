"""Queries for what is near a place, "X gần Y" (geo._text.split_near, geo.search), on the real central map."""

from __future__ import annotations

import numpy as np
import pytest

from geo._text import split_near
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
        ("bưu điện gần", None),
        ("10 Phố Huế", None),
    ],
)
def test_what_is_asked_near_what(text: str, split: tuple[str, str] | None) -> None:
    assert split_near(text) == split


def _metres(hanoi: AddressMap, a: tuple[float, float], b: tuple[float, float]) -> float:
    ax, ay = hanoi.network.from_wgs84.transform(*a)
    bx, by = hanoi.network.from_wgs84.transform(*b)
    return float(np.hypot(ax - bx, ay - by))


@pytest.mark.parametrize("text", ["bưu điện gần hồ gươm", "buu dien gan ho guom", "Bưu điện quanh Hồ Hoàn Kiếm"])
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
    anywhere = hanoi.search.query("bưu điện", k=1).iloc[0]
    assert _metres(hanoi, (anywhere["lon"], anywhere["lat"]), (lake["lon"], lake["lat"])) > 3000


def test_the_nearest_of_a_chain_comes_first(hanoi: AddressMap) -> None:
    # Every FPT Shop matches "FPT Shop" alike: the one nearest the Temple of Literature comes first, the others
    # by distance, however far (none is within 1 km); a shop merely named "Shop" nearer is not one.
    temple = hanoi.search.query("Văn Miếu - Quốc Tử Giám", k=1, kinds=["landmark"]).iloc[0]
    hits = hanoi.search.query("FPT Shop near the Temple of Literature", k=20)
    assert (hits["kind"] == "agency").all() and hits["label"].str.casefold().eq("fpt shop").all()
    at = zip(hits["lon"], hits["lat"], strict=True)
    distances = [_metres(hanoi, (lon, lat), (temple["lon"], temple["lat"])) for lon, lat in at]
    assert distances == sorted(distances)
    shops = hanoi.layers.agencies[hanoi.layers.agencies["kind"] == "fpt_shop"]
    nearest = min(_metres(hanoi, (p.x, p.y), (temple["lon"], temple["lat"])) for p in shops.geometry)
    assert distances[0] == pytest.approx(nearest, abs=1.0)


def test_the_first_k_are_those_of_a_longer_list(hanoi: AddressMap) -> None:
    text = "ubnd gần hồ gươm"
    assert hanoi.search.hits(text, k=3) == hanoi.search.hits(text, k=10)[:3]


def test_a_place_the_map_lacks_reads_the_query_as_a_whole(hanoi: AddressMap) -> None:
    # "Xyzzy" names no place: the words are searched as written, and "bưu điện" still finds post offices.
    hits = hanoi.search.query("bưu điện gần xyzzy", k=3)
    assert len(hits) and hits["label"].iat[0].startswith("Bưu điện")
