"""Public endpoints: agencies, nearest, search, isochrones, basemap, pages; bad input is a named 4xx."""

from __future__ import annotations

import json
import re
from dataclasses import asdict
from datetime import datetime

import numpy as np
import pytest
import shapely

from geo import hours, nearest
from geo.addressmap import AddressMap

HOAN_KIEM = (21.0285, 105.8520)
"""A point near Hoàn Kiếm lake (lat, lon)."""


def _fields(response) -> list[str]:
    return [d["field"] for d in response.json()["detail"]]


def test_agencies_geojson_and_filters(client, hanoi: AddressMap) -> None:
    everything = client.get("/agencies").json()
    assert everything["type"] == "FeatureCollection"
    assert len(everything["features"]) == len(hanoi.layers.agencies)
    assert sum(f["properties"]["on_map"] for f in everything["features"]) == len(hanoi.agencies)
    post = client.get("/agencies", params={"kind": "post_office"}).json()["features"]
    assert post and all(f["properties"]["kind"] == "post_office" for f in post)
    ward = client.get("/agencies", params={"ward": "hoan kiem"}).json()["features"]
    assert ward and all(f["properties"]["ward"] == "Phường Hoàn Kiếm" for f in ward)
    box = client.get("/agencies", params={"bbox": "105.84,21.02,105.86,21.04"}).json()["features"]
    assert box and all(105.84 <= f["geometry"]["coordinates"][0] <= 105.86 for f in box)
    assert "likely_stale" not in box[0]["properties"]


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"kind": "bakery"}, 422, "kind"),
        ({"ward": "Atlantis"}, 404, "ward"),
        ({"bbox": "1,2,3"}, 422, "bbox"),
        ({"bbox": "1,2,x,4"}, 422, "bbox"),
    ],
)
def test_agencies_bad_filters(client, params: dict, status: int, field: str) -> None:
    response = client.get("/agencies", params=params)
    assert response.status_code == status
    assert _fields(response) == [field]


def test_an_empty_box_has_no_agency(client) -> None:
    assert client.get("/agencies", params={"bbox": "5,0,1,1"}).json()["features"] == []


def test_nearest_by_point(client, hanoi: AddressMap) -> None:
    lat, lon = HOAN_KIEM
    answer = client.get("/agencies/nearest", params={"lat": lat, "lon": lon, "k": 3}).json()
    agencies = answer["agencies"]
    assert len(agencies) == 3
    times = [a["travel_time_s"] for a in agencies]
    assert times == sorted(times)
    assert all(a["geometry"]["type"] == "LineString" and a["distance_m"] > 0 for a in agencies)
    assert set(a["agency_id"] for a in agencies) <= set(hanoi.agencies["agency_id"])


@pytest.mark.parametrize("seed", [1, 2])
def test_nearest_answer_carries_the_maps_agencies_and_routes(client, hanoi: AddressMap, seed: int) -> None:
    """The answer (encoded by api.answers) says what geo.nearest finds: agencies, times, lengths, details and
    routes, the numbers to 0.1 and the coordinates to 1e-7 degree."""
    rng = np.random.default_rng(seed)
    west, south, east, north = hanoi.bounds
    at = datetime(2026, 3, 2, 7, 45)  # a Monday before most agencies open
    for lon, lat in zip(rng.uniform(west, east, 10), rng.uniform(south, north, 10), strict=True):
        params = {"lat": lat, "lon": lon, "k": 4, "at": at.isoformat()}
        answer = client.get("/agencies/nearest", params=params).json()
        expected = nearest.nearest_agencies(hanoi, lon, lat, k=4, max_distance_m=None)
        assert [a["agency_id"] for a in answer["agencies"]] == [e.agency_id for e in expected]
        for got, want in zip(answer["agencies"], expected, strict=True):
            details = hanoi.agency_details[want.agency_id]
            assert {key: got[key] for key in details} == details
            assert {key: got[key] for key in ("open_now", "changes_at")} == hours.state(details["opening_hours"], at)
            assert (got["name"], got["kind"]) == (want.name, want.kind)
            assert got["travel_time_s"] == pytest.approx(want.travel_time_s, abs=0.05)
            assert got["distance_m"] == pytest.approx(want.distance_m, abs=0.05)
            np.testing.assert_allclose(got["geometry"]["coordinates"], want.route.coords, atol=5.1e-8, rtol=0)


def test_every_point_of_the_roads_is_on_the_map(client, hanoi: AddressMap) -> None:
    """The map's bounds are those of its roads' lines, not of their nodes: a road may bend beyond every node
    (in central Hanoi, a curve 7 m north of the northernmost node was refused as off the map)."""
    lonlat = hanoi.network.edge_lines.lonlat
    for row in (lonlat[:, 0].argmin(), lonlat[:, 1].argmin(), lonlat[:, 0].argmax(), lonlat[:, 1].argmax()):
        lon, lat = lonlat[row].tolist()
        answer = client.get("/agencies/nearest", params={"lat": lat, "lon": lon, "k": 1})
        assert answer.status_code == 200, answer.text
        assert answer.json()["origin"]["road_distance_m"] < 0.01


def test_nearest_by_address(client) -> None:
    answer = client.get("/agencies/nearest/address", params={"address": "75 dinh tien hoang", "k": 1}).json()
    assert answer["origin"]["label"] == "75 Đinh Tiên Hoàng"
    assert len(answer["agencies"]) == 1


@pytest.mark.parametrize(
    ("params", "status", "field"),
    [
        ({"lat": 121, "lon": 105.85}, 422, "lat"),
        ({"lat": 21.03, "lon": 200}, 422, "lon"),
        ({"lat": "north", "lon": 105.85}, 422, "lat"),
        ({"lat": 21.5, "lon": 105.85}, 422, "lat,lon"),
        ({"lat": 21.03}, 422, "lon"),
        ({}, 422, "lat"),
        ({"lat": 21.03, "lon": 105.85, "k": 0}, 422, "k"),
        ({"lat": 21.03, "lon": 105.85, "at": "noon"}, 422, "at"),
        ({"lat": 21.03, "lon": 105.85, "procedure": "fishing"}, 422, "procedure"),
    ],
)
def test_nearest_bad_input(client, params: dict, status: int, field: str) -> None:
    response = client.get("/agencies/nearest", params=params)
    assert response.status_code == status
    assert field in _fields(response)
    assert all(d["reason"] for d in response.json()["detail"])


def test_nearest_from_a_lake_starts_from_its_shore(client) -> None:
    # The main post office, across one-way Đinh Tiên Hoàng from the lake's east shore, comes first; the routes
    # start from several points of the shore, the origin is a point of the lake.
    answer = client.get("/agencies/nearest/address", params={"address": "hồ gươm", "k": 6}).json()
    assert answer["origin"]["label"] == "Hồ Hoàn Kiếm"
    first = answer["agencies"][0]
    assert first["name"] == "Bưu điện Thành phố Hà Nội" and first["distance_m"] < 50
    starts = {tuple(a["geometry"]["coordinates"][0]) for a in answer["agencies"]}
    assert len(starts) > 1 and (answer["origin"]["lon"], answer["origin"]["lat"]) not in starts
    # The lake's outline comes with it, for the map; each route starts on a road along its shore (within 50 m).
    lake = shapely.geometry.shape(answer["origin"]["area"])
    assert lake.geom_type in ("Polygon", "MultiPolygon") and lake.contains(
        shapely.Point(answer["origin"]["lon"], answer["origin"]["lat"])
    )
    assert all(shapely.distance(lake.boundary, shapely.Point(start)) < 4.5e-4 for start in starts)


def test_nearest_from_a_point_standing_for_a_lake_starts_from_its_shore(client) -> None:
    # The page's way: a search result chosen, its point and its id. The lake (a landmark with its own area) is
    # left from its shore; the point alone, snapped to one-way Đinh Tiên Hoàng, misses the main post office.
    lake = client.get("/search", params={"q": "hồ gươm", "k": 1}).json()["results"][0]
    point = {"lat": lake["lat"], "lon": lake["lon"], "k": 6}
    from_point = [a["name"] for a in client.get("/agencies/nearest", params=point).json()["agencies"]]
    from_shore = client.get("/agencies/nearest", params=point | {"place": lake["id"]}).json()
    assert "Bưu điện Thành phố Hà Nội" not in from_point
    assert from_shore["agencies"][0]["name"] == "Bưu điện Thành phố Hà Nội"
    assert (from_shore["origin"]["lat"], from_shore["origin"]["lon"]) == (lake["lat"], lake["lon"])
    # A place known by its point alone (an address) is left from the point.
    house = client.get("/search", params={"q": "75 Đinh Tiên Hoàng", "k": 1}).json()["results"][0]
    at_house = {"lat": house["lat"], "lon": house["lon"]}
    alone = client.get("/agencies/nearest", params=at_house).json()["agencies"]
    assert client.get("/agencies/nearest", params=at_house).json()["origin"]["area"] is None
    assert client.get("/agencies/nearest", params=at_house | {"place": house["id"]}).json()["agencies"] == alone
    # An id no search result has: not found, said which.
    unknown = client.get("/agencies/nearest", params=point | {"place": "osm:way/0"})
    assert unknown.status_code == 404 and unknown.json()["detail"][0]["reason"] == "unknown_search_result"
    assert "osm:way/0" in unknown.json()["detail"][0]["message"] and "/search" in unknown.json()["detail"][0]["message"]


def test_nearest_from_a_street_or_a_ward_chosen(client) -> None:
    # A street named without a number (the page sends its id) is left from all along it: its line comes back.
    street = client.get("/search", params={"q": "phố huế", "k": 1}).json()["results"][0]
    assert street["kind"] == "street" and street["match"] == "street"
    point = {"lat": street["lat"], "lon": street["lon"], "k": 5}
    along = client.get("/agencies/nearest", params=point | {"place": street["id"]}).json()
    line = shapely.geometry.shape(along["origin"]["area"])
    assert line.geom_type in ("LineString", "MultiLineString") and along["origin"]["inside"] is None
    typed = client.get("/agencies/nearest/address", params={"address": "phố huế", "k": 5}).json()
    assert [a["agency_id"] for a in typed["agencies"]] == [a["agency_id"] for a in along["agencies"]]
    # Along the street the nearest are nearer than from its middle.
    middle = client.get("/agencies/nearest", params=point).json()
    assert along["agencies"][0]["travel_time_s"] < middle["agencies"][0]["travel_time_s"]
    # A ward: its own agencies first, said how many, with its area.
    ward = client.get("/search", params={"q": "phường cửa nam", "k": 1}).json()["results"][0]
    point = {"lat": ward["lat"], "lon": ward["lon"], "k": 5}
    within = client.get("/agencies/nearest", params=point | {"place": ward["id"]}).json()
    area = shapely.geometry.shape(within["origin"]["area"])
    inside = within["origin"]["inside"]
    assert area.geom_type in ("Polygon", "MultiPolygon") and 0 < inside < 5
    ends = [shapely.Point(a["geometry"]["coordinates"][-1]) for a in within["agencies"]]
    # The simplified outline (2 m) decides as the ward does, away from its border.
    assert [area.buffer(1e-4).contains(end) for end in ends[:inside]] == [True] * inside
    assert not any(area.buffer(-1e-4).contains(end) for end in ends[inside:])
    typed = client.get("/agencies/nearest/address", params={"address": "làm căn cước ở phường cửa nam"}).json()
    assert typed["origin"]["inside"] is not None and typed["origin"]["area"] is not None


def test_what_is_at_a_point(client, hanoi) -> None:
    # A click beside Bưu cục 18 Nguyễn Du: the house, its ward; as geo.reverse says (tests/test_reverse.py).
    at = client.get("/reverse", params={"lat": 21.0187, "lon": 105.8505})
    assert at.status_code == 200 and at.json() == asdict(hanoi.reverse.at(105.8505, 21.0187))
    assert at.json()["label"] == "18 Nguyễn Du" and at.json()["kind"] == "address"
    assert at.json()["ward"] == "Phường Cửa Nam" and at.json()["distance_m"] < 40
    # Off the map: refused as /agencies/nearest refuses it, said where the map is.
    off = client.get("/reverse", params={"lat": 10.77, "lon": 106.70})
    assert off.status_code == 422 and off.json()["detail"][0]["reason"] == "off_map"


def test_nearest_from_an_address_not_found(client) -> None:
    response = client.get("/agencies/nearest/address", params={"address": "zzqxv qqq"})
    assert response.status_code == 404 and _fields(response) == ["address"]
    assert response.json()["detail"][0]["reason"] == "address_not_found"


def test_an_address_asking_where_to_take_a_procedure_is_read_as_the_search_reads_it(client) -> None:
    # From the place it names, only the agencies that take the procedure. Before, "đổi bằng lái xe gần hồ gươm"
    # was answered from the first post office by the lake, with EMS counters (which take no procedure) listed.
    params = {"address": "đổi bằng lái xe gần hồ gươm", "k": 10}
    answer = client.get("/agencies/nearest/address", params=params).json()
    assert answer["origin"]["label"] == "Hồ Hoàn Kiếm" and answer["procedure"] == "driving_licence"
    assert len(answer["agencies"]) == 10 and all("driving_licence" in a["procedures"] for a in answer["agencies"])
    lake = client.get("/agencies/nearest/address", params=params | {"address": "hồ gươm"}).json()
    assert lake["procedure"] is None and any("driving_licence" not in a["procedures"] for a in lake["agencies"])
    # The query's own procedure comes first.
    land = client.get("/agencies/nearest/address", params=params | {"procedure": "land"}).json()
    assert land["procedure"] == "land" and all("land" in a["procedures"] for a in land["agencies"])
    # A ward asked ("ở Hoàn Kiếm"): from within it.
    ward = client.get("/agencies/nearest/address", params={"address": "làm căn cước ở Hoàn Kiếm"}).json()
    assert ward["origin"]["label"] == "Phường Hoàn Kiếm" and ward["procedure"] == "police_papers"
    # Where to hand in a dossier: the public-service agents, no EMS counter.
    dossier = client.get("/agencies/nearest/address", params=params | {"address": "nộp hồ sơ gần hồ gươm"}).json()
    assert dossier["procedure"] is None and all(a["public_service_agent"] for a in dossier["agencies"])
    assert any(a["kind"] == "ems" for a in lake["agencies"]), "the filter must change something here"
    # The point operation says the procedure asked too.
    point = client.get("/agencies/nearest", params={"lat": 21.0245, "lon": 105.8412, "procedure": "land"}).json()
    assert point["procedure"] == "land"


def test_an_address_asking_a_procedure_without_a_place_is_not_found(client) -> None:
    response = client.get("/agencies/nearest/address", params={"address": "đổi bằng lái xe"})
    assert response.status_code == 404 and _fields(response) == ["address"]
    problem = response.json()["detail"][0]
    assert problem["reason"] == "address_names_no_place"
    assert problem["message"].startswith("'đổi bằng lái xe' hỏi nơi làm thủ tục nhưng không nói gần đâu")


def test_an_address_in_another_province_is_said_to_be_elsewhere(client) -> None:
    address = "12 Nguyễn Huệ, Quận 1, TP.HCM"
    response = client.get("/agencies/nearest/address", params={"address": address})
    assert response.status_code == 404 and _fields(response) == ["address"]
    problem = response.json()["detail"][0]
    assert problem["reason"] == "address_elsewhere"
    assert problem["message"] == f"Địa chỉ '{address}' thuộc Thành phố Hồ Chí Minh, ngoài vùng của bản đồ này"
    found = client.get("/search", params={"q": address}).json()
    assert found["elsewhere"] == "Thành phố Hồ Chí Minh"
    assert found == {
        "query": address,
        "results": [],
        "elsewhere": found["elsewhere"],
        "near_place": None,
        "procedure": None,
    }
    # A Hanoi street named after a city is no other province; an answer found says nothing of one.
    found = client.get("/search", params={"q": "10 Phố Huế, Hà Nội"}).json()
    assert found["results"] and found["elsewhere"] is None


def test_a_point_far_from_the_roads_starts_from_the_nearest_road(client) -> None:
    # Across the Red River, inside the map's bounds but about 3 km from its roads.
    answer = client.get("/agencies/nearest", params={"lat": 21.0705, "lon": 105.867, "k": 1})
    assert answer.status_code == 200 and answer.json()["agencies"]
    assert answer.json()["origin"]["road_distance_m"] > 2000


@pytest.mark.parametrize("q", ["Bưu điện Hà Nội", "buu dien ha noi", "BĐ Hà Nội"])
def test_search_with_or_without_diacritics(client, q: str) -> None:
    results = client.get("/search", params={"q": q}).json()["results"]
    assert results
    assert results[0]["kind"] in {"address", "agency", "authority", "ward"}
    assert any("Bưu điện" in r["name"] for r in results)


def test_search_reads_a_written_address_and_names_each_result_s_ward(client, hanoi: AddressMap) -> None:
    def ward_at(lon: float, lat: float) -> str:
        wards = hanoi.layers.wards
        return str(wards.loc[wards.contains(shapely.Point(lon, lat)), "name"].iat[0])

    results = client.get("/search", params={"q": "Số 10 Phố Huế, phường Hai Bà Trưng, Hà Nội", "k": 3}).json()
    first = results["results"][0]
    assert (first["label"], first["match"], first["kind"]) == ("10 Phố Huế", "interpolated", "street")
    # The ward at the placed number (Phố Huế runs between two wards), not that of the street's middle.
    assert first["ward"] == ward_at(first["lon"], first["lat"])
    street = hanoi.streets.frame.set_index("street_id").loc[first["id"]]
    assert first["ward"] != ward_at(street["lon"], street["lat"])
    house = client.get("/search", params={"q": "75 Đinh Tiên Hoàng", "k": 1}).json()["results"][0]
    assert house["ward"] == ward_at(house["lon"], house["lat"]) == "Phường Hoàn Kiếm"
    ward = client.get("/search", params={"q": "phuong hoan kiem", "kind": "ward", "k": 1}).json()["results"][0]
    assert ward["ward"] == ward["name"] == "Phường Hoàn Kiếm"


def test_search_near_a_place(client) -> None:
    # "X gần Y": the X nearest the place Y names, here the post offices around Hoàn Kiếm lake; with a kinds
    # filter, of those kinds.
    found = client.get("/search", params={"q": "bưu điện gần hồ gươm", "k": 5}).json()["results"]
    assert len(found) == 5 and {r["kind"] for r in found} == {"agency"}
    assert {r["ward"] for r in found} == {"Phường Hoàn Kiếm"}
    # Each says the place and how far it is from it; a query near nothing says null.
    assert {r["near"] for r in found} == {"Hồ Hoàn Kiếm"} and all(0 <= r["near_m"] < 1500 for r in found)
    plain = client.get("/search", params={"q": "75 đinh tiên hoàng", "k": 2}).json()["results"]
    assert plain and {(r["near"], r["near_m"]) for r in plain} == {(None, None)}
    # A result naming the place itself says no distance from it; the answer still names the place.
    shop = client.get("/search", params={"q": "fpt shop văn miếu", "k": 3}).json()
    assert shop["near_place"]["label"] == "Văn Miếu - Quốc Tử Giám" and len(shop["results"]) == 3
    assert (shop["results"][0]["near"], shop["results"][0]["near_m"]) == (None, None)
    assert {r["near"] for r in shop["results"][1:]} == {"Văn Miếu - Quốc Tử Giám"}
    # Without a near word, a query beginning with a kind of agency is read so too.
    alike = client.get("/search", params={"q": "bưu điện hồ gươm", "k": 5}).json()["results"]
    assert [r["id"] for r in alike] == [r["id"] for r in found]
    # "Gần đây" (near here) is near the point given, lat,lon in degrees.
    here = client.get("/search", params={"q": "bưu điện gần đây", "k": 3, "focus": "21.0287,105.852"}).json()
    assert here["results"] and all(r["near"] is None and r["near_m"] < 800 for r in here["results"])
    for bad in ("21.0287", "105.852,21.0287", "21.0287,105.852,3"):
        refused = client.get("/search", params={"q": "bưu điện gần đây", "focus": bad})
        assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "focus"
        assert refused.json()["detail"][0]["message"].startswith("Điểm phải là vĩ độ,kinh độ")
    landmarks = client.get("/search", params={"q": "chợ gần nhà hát lớn", "kind": "landmark", "k": 3}).json()
    assert landmarks["results"] and {r["kind"] for r in landmarks["results"]} == {"landmark"}


@pytest.mark.parametrize(
    ("text", "label", "shape"),
    [
        ("bưu điện gần hồ gươm", "Hồ Hoàn Kiếm", "Polygon"),  # the lake's water
        ("viettel post gần kim mã", "Phố Kim Mã", "LineString"),  # the street's line
        ("bưu điện phường hoàn kiếm", "Phường Hoàn Kiếm", "Polygon"),  # the ward's area
    ],
)
def test_search_near_a_place_gives_its_shape(client, text: str, label: str, shape: str) -> None:
    answer = client.get("/search", params={"q": text, "k": 5}).json()
    place = answer["near_place"]
    # Each result is near the place, or names it (a post office in Phường Hoàn Kiếm: no distance said).
    assert place["label"] == label and {r["near"] for r in answer["results"]} <= {label, None}
    drawn = shapely.geometry.shape(place["geometry"])
    assert drawn.geom_type.endswith(shape) and drawn.is_valid
    # The distances said are from that shape (drawn to about 2 m; measured here on a local plane).
    metres = np.array([111_320 * np.cos(np.radians(21.03)), 110_600])
    local = shapely.transform(drawn, lambda xy: xy * metres)
    for r in (r for r in answer["results"] if r["near"] is not None):
        away = local.distance(shapely.Point(np.array([r["lon"], r["lat"]]) * metres))
        assert abs(r["near_m"] - away) <= 0.01 * r["near_m"] + 5


def test_search_for_a_procedure_lists_the_agencies_taking_it(client) -> None:
    # "Where do I change my driving licence": the agencies that take it, nearest the point the page looks at;
    # the answer says the procedure, which the page takes as its filter.
    found = client.get("/search", params={"q": "đổi bằng lái xe", "k": 4, "focus": "21.0287,105.852"}).json()
    assert found["procedure"] == "driving_licence" and len(found["results"]) == 4
    taking = {
        f["properties"]["agency_id"]
        for f in client.get("/agencies").json()["features"]
        if "driving_licence" in f["properties"]["procedures"]
    }
    assert {r["id"] for r in found["results"]} <= taking
    distances = [r["near_m"] for r in found["results"]]
    assert distances == sorted(distances) and found["near_place"] is None
    # Near a place named: that place, its shape and each agency's distance from it.
    near = client.get("/search", params={"q": "làm lý lịch tư pháp gần hồ gươm", "k": 3}).json()
    assert near["procedure"] == "judicial_record" and near["near_place"]["label"] == "Hồ Hoàn Kiếm"
    assert client.get("/search", params={"q": "hồ gươm"}).json()["procedure"] is None


def test_search_near_no_place_gives_no_shape(client) -> None:
    for params in ({"q": "75 đinh tiên hoàng"}, {"q": "bưu điện gần đây", "focus": "21.0287,105.852"}):
        assert client.get("/search", params=params).json()["near_place"] is None


def test_search_kinds_and_bad_query(client) -> None:
    wards = client.get("/search", params={"q": "hoan kiem", "kind": "ward"}).json()["results"]
    assert wards and {r["kind"] for r in wards} == {"ward"}
    assert client.get("/search", params={"q": "   "}).status_code == 422
    assert client.get("/search", params={"q": "x", "kind": "household"}).status_code == 422
    assert client.get("/search").status_code == 422
    both = client.get("/search", params=[("q", "hoan kiem"), ("kind", "ward"), ("kind", "agency")]).json()
    assert both["results"] and {r["kind"] for r in both["results"]} <= {"ward", "agency"}


@pytest.mark.parametrize(
    ("path", "params"),
    [
        ("/agencies/nearest", {"lat": 21.03, "lon": 105.85, "limt": 5}),
        ("/agencies/nearest/address", {"address": "Hàng Trống", "limt": 5}),
        ("/search", {"q": "hoan kiem", "limt": 5}),
        ("/track/HS-1", {"phone_last4": "5678", "limt": 5}),
        ("/basemap/roads", {"limt": 5}),
    ],
)
def test_an_unknown_parameter_is_refused(client, path: str, params: dict) -> None:
    # The public operations under load validate their query as one strict model (api.lean); the others by
    # api.contract.known_query_only: the same answer.
    response = client.get(path, params=params, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {"field": "limt", "reason": "unknown_parameter", "message": "Unknown parameter: limt"}
    ]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/agencies/nearest", [("lat", 21.03), ("lon", 105.85), ("lat", 21.02)], "lat"),
        ("/search", [("q", "hoan kiem"), ("q", "hàng bài")], "q"),
        ("/track/HS-1", [("phone_last4", "5678"), ("phone_last4", "1234")], "phone_last4"),
        ("/basemap/roads", [("detail", "main"), ("detail", "all")], "detail"),
    ],
)
def test_a_parameter_of_one_value_given_twice_is_refused(client, path: str, params: list, field: str) -> None:
    # Not the last of them taken silently: the question asked is not clear. The same answer lean or not.
    response = client.get(path, params=params, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "field": field,
            "reason": "repeated_parameter",
            "message": f"Parameter {field} takes one value but was given more than once",
        }
    ]


def test_no_household_in_public_answers(client, hanoi: AddressMap) -> None:
    household = hanoi.layers.households.iloc[0]["household_id"]
    for path, params in [("/search", {"q": household}), ("/search", {"q": "household"}), ("/agencies", {})]:
        answer = client.get(path, params=params).json()
        text = json.dumps(answer.get("results", answer.get("features")))
        assert household not in text and "meritorious" not in text and "social_protection" not in text


def test_isochrones(client, hanoi: AddressMap) -> None:
    agency = hanoi.agencies.iloc[0]["agency_id"]
    answer = client.get("/isochrones", params={"agency_id": agency, "minutes": [5, 10]}).json()
    areas = {f["properties"]["minutes"]: f for f in answer["features"]}
    assert set(areas) == {5.0, 10.0}
    assert areas[5.0]["properties"]["area_km2"] < areas[10.0]["properties"]["area_km2"]
    assert areas[10.0]["geometry"]["type"] in {"Polygon", "MultiPolygon"}


def test_isochrones_bad_input(client, hanoi: AddressMap) -> None:
    agency = hanoi.agencies.iloc[0]["agency_id"]
    assert client.get("/isochrones", params={"agency_id": "osm:node/0"}).status_code == 404
    assert _fields(client.get("/isochrones", params={"agency_id": agency, "minutes": -5})) == ["minutes[0]"]
    assert _fields(client.get("/isochrones", params={"agency_id": agency, "minutes": "soon"})) == ["minutes[0]"]
    five = client.get("/isochrones", params={"agency_id": agency, "minutes": [1, 2, 3, 4, 5]})
    assert five.status_code == 422
    assert five.json()["detail"][0] | {"message": ""} == {"field": "minutes", "reason": "too_long", "message": ""}
    off = sorted(set(hanoi.layers.agencies["agency_id"]) - set(hanoi.agencies["agency_id"]))[0]
    assert _fields(client.get("/isochrones", params={"agency_id": off})) == ["agency_id"]


def test_basemap_and_config(client) -> None:
    main = client.get("/basemap/roads")
    assert main.status_code == 200 and main.headers["content-type"] == "application/geo+json"
    everything = json.loads(client.get("/basemap/roads", params={"detail": "all"}).content)
    assert len(everything["features"]) > len(json.loads(main.content)["features"])
    wards = json.loads(client.get("/basemap/wards").content)
    assert len(wards["features"]) == 126
    assert client.get("/basemap/roads", params={"detail": "some"}).status_code == 422
    config = client.get("/config").json()
    assert config["tiles_url"] is None and len(config["bounds"]) == 2
    assert config["coverage_steps"][0] == [0.5, "#d7301f"] and config["coverage_steps"][-1][0] == 1.0


def test_pages_and_assets_are_local(client) -> None:
    linked = set()
    for path in ("/", "/dispatch", "/postman", "/planning", "/signin"):
        page = client.get(path)
        assert page.status_code == 200 and "text/html" in page.headers["content-type"]
        assert "http://" not in page.text and "https://" not in page.text
        # Every file a page asks for, its icon included (a browser asks for /favicon.ico without one).
        assert '<link rel="icon" href="/static/' in page.text
        linked |= set(re.findall(r'(?:href|src)="(/static/[^"]+)"', page.text))
    assert {"/static/leaflet/leaflet.js", "/static/leaflet/leaflet.css", "/static/js/common.js"} <= linked
    assert {asset: client.get(asset).status_code for asset in linked} == dict.fromkeys(linked, 200)


def test_openapi_offline(client) -> None:
    spec = client.get("/openapi.json").json()
    assert {"/agencies", "/agencies/nearest", "/search", "/isochrones", "/coverage", "/plans"} <= set(spec["paths"])


def test_unknown_path_is_json_404(client) -> None:
    response = client.get("/nowhere")
    assert response.status_code == 404 and response.json()


def test_docs_page_is_served_without_a_cdn(client) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/swagger-ui/swagger-ui-bundle.js" in page.text
    assert client.get("/swagger-ui/swagger-ui-bundle.js").status_code == 200
    assert client.get("/openapi.json").json()["info"]["title"] == "agencynet"


def test_the_corners_of_the_published_bounds_are_answered_and_beyond_them_refused(client) -> None:
    parameters = {
        p["name"]: p["schema"]
        for p in client.get("/openapi.json").json()["paths"]["/agencies/nearest"]["get"]["parameters"]
    }
    lat, lon = parameters["lat"], parameters["lon"]
    for corner in [(lat["minimum"], lon["minimum"]), (lat["maximum"], lon["maximum"])]:
        answer = client.get("/agencies/nearest", params={"lat": repr(corner[0]), "lon": repr(corner[1]), "k": 1})
        assert answer.status_code == 200, answer.text
    beyond = client.get("/agencies/nearest", params={"lat": lat["minimum"] - 1e-6, "lon": lon["minimum"]})
    assert beyond.status_code == 422 and beyond.json()["detail"][0]["reason"] == "off_map"
