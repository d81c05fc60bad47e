"""Nearest agency by road, checked by brute force over every agency."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo import matrix, nearest
from geo.addressmap import AddressMap


def test_nearest_agencies_equal_brute_force(hanoi: AddressMap) -> None:
    net = hanoi.network
    rng = np.random.default_rng(5)
    idx = rng.choice(net.n_nodes, 40, replace=False)
    lons = net.node_lon[idx] + rng.normal(0, 2e-4, len(idx))
    lats = net.node_lat[idx] + rng.normal(0, 2e-4, len(idx))
    points = hanoi.snap(lons, lats)
    brute = matrix.travel_times(net, points, hanoi.agency_table.targets, with_distance=True)
    for i in range(len(idx)):
        results = nearest.nearest_agencies(hanoi, lons[i], lats[i], k=3)
        expected = np.sort(brute.time_s[i])[:3]
        np.testing.assert_allclose([r.travel_time_s for r in results], expected, atol=1e-2)
        best = int(np.argmin(brute.time_s[i]))
        assert results[0].distance_m == pytest.approx(brute.distance_m[i, best], abs=0.5)
        assert results[0].agency_id == hanoi.agencies["agency_id"].iloc[best] or np.isclose(
            brute.time_s[i, best], results[0].travel_time_s
        )


def test_route_runs_from_the_point_to_the_agency_along_roads(hanoi: AddressMap) -> None:
    lon, lat = 105.8290, 21.0270  # Văn Miếu area
    result = nearest.nearest_agencies(hanoi, lon, lat, k=1)[0]
    line = result.route.geometry
    assert isinstance(line, shapely.LineString)
    start = hanoi.snap([lon], [lat])
    agency = hanoi.agencies.set_index("agency_id").loc[result.agency_id]
    end = hanoi.snap([agency.geometry.x], [agency.geometry.y])
    assert shapely.Point(line.coords[0]).distance(shapely.Point(start.lon[0], start.lat[0])) < 1e-6
    assert shapely.Point(line.coords[-1]).distance(shapely.Point(end.lon[0], end.lat[0])) < 1e-6
    metric = shapely.transform(line, lambda c: np.column_stack(hanoi.network.from_wgs84.transform(c[:, 0], c[:, 1])))
    assert metric.length == pytest.approx(result.distance_m, rel=0.02)
    record = result.to_dict()
    assert record["geometry"]["type"] == "LineString"
    assert set(record) == {"agency_id", "name", "kind", "travel_time_s", "distance_m", "geometry"}


def test_k_is_capped_by_the_number_of_agencies(hanoi: AddressMap) -> None:
    results = nearest.nearest_agencies(hanoi, 105.85, 21.03, k=10_000)
    assert len(results) == len(hanoi.agencies)
    times = [r.travel_time_s for r in results]
    assert times == sorted(times)


def test_address_search_with_and_without_diacritics_finds_the_same_place(hanoi: AddressMap) -> None:
    plain = hanoi.geocode("75 Dinh Tien Hoang")
    marked = hanoi.geocode("75 Đinh Tiên Hoàng")
    assert plain["id"] == marked["id"]
    assert marked["label"] == "75 Đinh Tiên Hoàng"
