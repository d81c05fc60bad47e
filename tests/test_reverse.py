"""What is at a point (geo.reverse), checked by brute force over every address point, named road and ward."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from geo import reverse
from geo.addressmap import AddressMap


def _brute(hanoi: AddressMap, lon: float, lat: float) -> tuple[str | None, float | None]:
    """The label and distance :meth:`geo.reverse.Reverse.at` should give, from every point and road."""
    net = hanoi.network
    x, y = net.from_wgs84.transform(lon, lat)
    point = shapely.Point(x, y)
    houses = hanoi.layers.addresses
    houses = houses[(houses["housenumber"] != "") & (houses["street"] != "")]
    hx, hy = net.from_wgs84.transform(houses.geometry.x.to_numpy(), houses.geometry.y.to_numpy())
    metres = np.hypot(hx - x, hy - y)
    if metres.min() <= reverse.ADDRESS_RADIUS_M:
        return "address", float(metres.min())
    named = net.edge_name != ""
    metres = shapely.distance(net.edge_geom[named], point)
    return ("street", float(metres.min())) if metres.min() <= reverse.STREET_RADIUS_M else (None, None)


def test_what_is_at_a_point_equals_brute_force(hanoi: AddressMap) -> None:
    # Points around the map's nodes, some near houses, some on roads only, some away from every road.
    net = hanoi.network
    rng = np.random.default_rng(11)
    at = rng.choice(net.n_nodes, 60, replace=False)
    lons = net.node_lon[at] + rng.normal(0, 6e-4, at.size)
    lats = net.node_lat[at] + rng.normal(0, 6e-4, at.size)
    seen = set()
    for lon, lat in zip(lons.tolist(), lats.tolist(), strict=True):
        found = hanoi.reverse.at(lon, lat)
        kind, metres = _brute(hanoi, lon, lat)
        seen.add(kind)
        assert found.kind == kind
        if kind is not None:
            assert found.distance_m == pytest.approx(metres, abs=0.1) and found.label
            # The place's point is that far from the point.
            px, py = net.from_wgs84.transform(found.lon, found.lat)
            x, y = net.from_wgs84.transform(lon, lat)
            assert np.hypot(px - x, py - y) == pytest.approx(metres, abs=0.05)
        # The ward is the one containing the point.
        wards = hanoi.layers.wards
        inside = wards[wards.contains(shapely.Point(lon, lat))]["name"].tolist()
        assert found.ward == (inside[0] if inside else None)
    assert seen >= {"address", "street"}


def test_a_corner_is_said_on_the_larger_street(hanoi: AddressMap) -> None:
    # A post office 53 m from the corner of Phố Phan Đình Phùng (secondary) and Phố Hàng Cót (tertiary), as near
    # one as the other: its address, and so its name, is on the larger street.
    office = hanoi.layers.agencies.set_index("agency_id").loc["osm:node/4734482023"]
    net = hanoi.network
    point = shapely.Point(net.from_wgs84.transform(office.geometry.x, office.geometry.y))
    named = np.flatnonzero(net.edge_name != "")
    metres = shapely.distance(net.edge_geom[named], point)
    tied = named[np.abs(metres - metres.min()) < 1e-6]
    assert set(net.edge_name[tied]) == {"Phố Phan Đình Phùng", "Phố Hàng Cót"}
    assert hanoi.reverse.at(office.geometry.x, office.geometry.y).label == "Phố Phan Đình Phùng"
    assert (office["address"], office["name"]) == ("Phố Phan Đình Phùng", "Bưu cục Phố Phan Đình Phùng")


def test_a_house_says_its_own_address(hanoi: AddressMap) -> None:
    # At a numbered house's own point: that house (another only where two share the point).
    houses = hanoi.layers.addresses
    houses = houses[(houses["housenumber"] != "") & (houses["street"] != "")].sample(40, random_state=3)
    for number, street, point in zip(houses["housenumber"], houses["street"], houses.geometry, strict=True):
        found = hanoi.reverse.at(point.x, point.y)
        assert found.kind == "address" and found.distance_m == pytest.approx(0, abs=0.01)
        shared = hanoi.layers.addresses[shapely.distance(hanoi.layers.addresses.geometry.values, point) < 1e-9]
        assert found.label in set(shared["housenumber"] + " " + shared["street"]), (number, street)


def test_far_from_every_road_nothing_is_said_but_the_ward(hanoi: AddressMap) -> None:
    # The first point of a grid over the map more than 150 m from every named road (a lake, the river's banks):
    # no address, no street; its ward when it lies in one.
    west, south, east, north = hanoi.bounds
    grid = [(lon, lat) for lat in np.linspace(south, north, 25) for lon in np.linspace(west, east, 25)]
    lon, lat = next((lon, lat) for lon, lat in grid if _brute(hanoi, lon, lat)[0] is None)
    found = hanoi.reverse.at(lon, lat)
    assert (found.label, found.kind, found.distance_m, found.lon, found.lat) == (None, None, None, None, None)
    wards = hanoi.layers.wards
    inside = wards[wards.contains(shapely.Point(lon, lat))]["name"].tolist()
    assert found.ward == (inside[0] if inside else None)
