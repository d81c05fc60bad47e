"""Nearest agency by road, checked by brute force over every agency."""

from __future__ import annotations

import itertools
import math

import networkx as nx
import numba
import numpy as np
import pytest
import shapely

from geo import matrix, nearest, snap, warm
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


def _along(hanoi: AddressMap, edge: int, fraction: float) -> tuple[float, float]:
    """Longitude and latitude at ``fraction`` of an edge's length."""
    lines = hanoi.network.edge_lines
    rows = slice(lines.offset[edge], lines.offset[edge + 1])
    at = fraction * lines.along[rows][-1]
    return float(np.interp(at, lines.along[rows], lines.lonlat[rows, 0])), float(
        np.interp(at, lines.along[rows], lines.lonlat[rows, 1])
    )


def test_an_agency_just_behind_on_a_one_way_road_is_reached_on_foot(hanoi: AddressMap) -> None:
    # The point of an agency chosen on the map, a little past its door on a one-way road (Bưu điện Thành phố Hà
    # Nội on Đinh Tiên Hoàng, rounded to six decimals), still finds it first: the citizen walks back along the
    # kerb. Farther back, the way is round the block.
    net, targets = hanoi.network, hanoi.agency_table.targets
    one_way = [t for t in range(len(targets)) if net.edge_rev[targets.edge[t]] < 0]
    assert one_way
    tried = 0
    for t in one_way:
        edge, fraction, length = (
            int(targets.edge[t]),
            float(targets.fraction[t]),
            float(net.edge_length[targets.edge[t]]),
        )
        for behind_m in (0.1, nearest.ON_FOOT_M / 2, nearest.ON_FOOT_M * 1.5):
            if fraction + behind_m / length > 1:
                continue
            tried += 1
            lon, lat = _along(hanoi, edge, fraction + behind_m / length)
            found = nearest.find(hanoi, lon, lat, k=len(hanoi.agencies))
            at = found.targets.tolist().index(t)
            on_foot = behind_m / length * float(net.edge_time[edge])
            if behind_m <= nearest.ON_FOOT_M:
                assert found.travel_time_s[at] == pytest.approx(on_foot, rel=1e-3, abs=1e-4)
                assert found.distance_m[at] == pytest.approx(behind_m, abs=0.05)
                route = found.coords[found.offset[at] : found.offset[at + 1]]
                assert route[-1] == pytest.approx([targets.lon[t], targets.lat[t]], abs=1e-7)
            else:
                assert found.travel_time_s[at] > on_foot + 10
    assert tried >= 10


MAIN_POST_OFFICE = "Bưu điện Thành phố Hà Nội"
"""On one-way Đinh Tiên Hoàng, across the road from Hồ Gươm's east shore."""


def test_a_lake_is_left_from_all_round_its_shore(hanoi: AddressMap) -> None:
    # "Hồ gươm": from a point of the lake, snapped to its nearest road (one-way Đinh Tiên Hoàng), the main post
    # office on that road behind it was not among the nearest 6; from the shore it is the first, a road's width
    # away.
    at = hanoi.locate("hồ gươm")
    assert at.label == "Hồ Hoàn Kiếm" and at.area is not None
    from_point = nearest.find_from(hanoi, at.lon, at.lat, k=6).agencies(hanoi)
    from_shore = nearest.find_from(hanoi, at.lon, at.lat, at.area, k=6).agencies(hanoi)
    assert MAIN_POST_OFFICE not in [a.name for a in from_point]
    assert from_shore[0].name == MAIN_POST_OFFICE and from_shore[0].distance_m < 50


@pytest.mark.parametrize("text", ["hồ gươm", "văn miếu", "chợ đồng xuân", "phố huế"])
def test_from_an_edge_each_agency_is_reached_from_the_point_of_it_nearest(hanoi: AddressMap, text: str) -> None:
    # Brute force: every agency from every point of the edge; the answer keeps each agency's best.
    area = hanoi.locate(text).area
    assert area is not None
    x, y = nearest.edge_points(area, hanoi.network)
    lons, lats = hanoi.network.to_wgs84.transform(x, y)
    best = np.full(len(hanoi.agencies), np.inf)
    starts: set[tuple[float, float]] = set()
    for lon, lat in zip(lons, lats, strict=True):
        each = nearest.find(hanoi, lon, lat, k=len(hanoi.agencies), max_distance_m=None)
        best[each.targets] = np.minimum(best[each.targets], each.travel_time_s)
        starts.add((float(each.point.lon[0]), float(each.point.lat[0])))
    found = nearest.find_from(hanoi, 0.0, 0.0, area, k=8)
    np.testing.assert_allclose(found.travel_time_s, np.sort(best)[:8], atol=1e-6)
    assert len(set(found.targets.tolist())) == 8
    routes = [found.coords[a:b] for a, b in itertools.pairwise(found.offset.tolist())]
    # Each route starts where one point of the edge meets its road (to rounding: the points were in metres).
    starts_at = np.array(sorted(starts))
    assert all(np.abs(starts_at - r[0]).max(axis=1).min() < 1e-9 for r in routes)
    assert len({tuple(r[0]) for r in routes}) > 1, "the routes here start from several points of the edge"


def test_a_street_named_alone_is_left_from_all_along_it(hanoi: AddressMap) -> None:
    # "Phố Huế" is the whole street (2 km): the agencies nearest any point of it, each route starting on it. A
    # house number on it is a point.
    at = hanoi.locate("phố huế")
    assert at.label == "Phố Huế" and at.area is not None and at.area.geom_type in ("LineString", "MultiLineString")
    assert not at.within
    found = nearest.find_from(hanoi, at.lon, at.lat, at.area, k=5)
    metres = hanoi.network.from_wgs84
    street = shapely.transform(at.area, lambda xy: np.column_stack(metres.transform(*xy.T)))
    starts = [shapely.Point(metres.transform(*found.coords[a])) for a in found.offset[:-1].tolist()]
    assert all(shapely.distance(street, start) < nearest.EDGE_SPACING_M for start in starts)
    assert len({(p.x, p.y) for p in starts}) > 1, "the routes start from several points of the street"
    house = hanoi.locate("10 phố huế")
    assert house.area is None and not house.within


@pytest.mark.parametrize("k", [1, 4, 12])
def test_a_ward_lists_its_own_agencies_first(hanoi: AddressMap, k: int) -> None:
    # "Phường Cửa Nam": the agencies inside the ward first, then the nearest outside, each set fastest first
    # from the ward's point; checked against every agency's time from that point.
    at = hanoi.locate("phường cửa nam")
    assert at.label == "Phường Cửa Nam" and at.within and at.area is not None
    found = nearest.find_from(hanoi, at.lon, at.lat, at.area, within=True, k=k)
    every = nearest.find(hanoi, at.lon, at.lat, k=len(hanoi.agencies), max_distance_m=None)
    inside = hanoi.agencies_in(at.area)
    assert 0 < inside.sum() < 4, "the ward has a few agencies of its own"
    ordered = [t for t in every.targets.tolist() if inside[t]] + [t for t in every.targets.tolist() if not inside[t]]
    assert found.targets.tolist() == ordered[:k]
    assert found.inside == min(k, int(inside.sum()))
    np.testing.assert_allclose(found.travel_time_s, [every.travel_time_s[every.targets == t][0] for t in ordered[:k]])
    # Each route is the one from the point: it starts where the point meets its road.
    starts = {tuple(found.coords[a]) for a in found.offset[:-1].tolist()}
    assert starts == {(float(every.point.lon[0]), float(every.point.lat[0]))}


def test_a_ward_with_none_of_the_agencies_asked_lists_the_nearest_outside(hanoi: AddressMap) -> None:
    at = hanoi.locate("phường cửa nam")
    assert at.area is not None
    outside = ~hanoi.agencies_in(at.area)
    found = nearest.find_from(hanoi, at.lon, at.lat, at.area, within=True, k=3, among=outside)
    plain = nearest.find(hanoi, at.lon, at.lat, k=3, among=outside, max_distance_m=None)
    assert found.inside == 0 and found.targets.tolist() == plain.targets.tolist()
    none = nearest.find_from(hanoi, at.lon, at.lat, at.area, within=True, k=3, among=np.zeros_like(outside))
    assert none.targets.size == 0 and none.inside == 0


def test_edge_points_lie_on_the_outer_edge_evenly(hanoi: AddressMap) -> None:
    # A square of about 400 m a side with a hole (an island in a lake): points every 50 m on its outer edge only.
    outer, hole = shapely.box(105.840, 21.020, 105.844, 21.024), shapely.box(105.8415, 21.0215, 105.8425, 21.0225)
    lake = outer.difference(hole)
    net = hanoi.network
    x, y = nearest.edge_points(lake, net)
    to_metres = lambda shape: shapely.transform(shape, lambda xy: np.column_stack(net.from_wgs84.transform(*xy.T)))  # noqa: E731
    points = shapely.points(x, y)
    perimeter = shapely.length(to_metres(outer.exterior))
    assert len(x) == math.ceil(perimeter / nearest.EDGE_SPACING_M)
    np.testing.assert_allclose(shapely.distance(points, to_metres(outer.exterior)), 0, atol=1e-6)
    assert shapely.distance(points, to_metres(hole)).min() > 100
    gaps = np.diff(shapely.line_locate_point(to_metres(lake.exterior), points))
    assert gaps.std() < 1e-6 and 0 < gaps.mean() <= nearest.EDGE_SPACING_M
    # A long edge is sampled more sparsely, at most EDGE_POINTS.
    x, _ = nearest.edge_points(shapely.box(105.80, 21.00, 105.86, 21.06), net)
    assert len(x) == nearest.EDGE_POINTS


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


def test_times_and_routes_read_from_the_table_equal_networkx_dijkstra(hanoi: AddressMap) -> None:
    """From points at road nodes, every agency's time and the fastest one's route length equal networkx's
    Dijkstra over the osmnx graph (travel_time weights), with the agency's own partial edge added."""
    net, table = hanoi.network, hanoi.agency_table
    te, tf = table.targets.edge, table.targets.fraction
    rev = net.edge_rev[te]
    rng = np.random.default_rng(11)
    checked = 0
    for i in rng.choice(net.n_nodes, 40, replace=False):
        point = hanoi.snap(net.node_lon[i : i + 1], net.node_lat[i : i + 1])
        e, f = int(point.edge[0]), float(point.fraction[0])
        if not ((f < 1e-9 and net.edge_u[e] == i) or (f > 1 - 1e-9 and net.edge_v[e] == i)):
            continue  # the node's position lies on another road's line (a bridge): not a node of its own
        times, paths = nx.single_source_dijkstra(net.graph, net.node_osmid[i], weight="travel_time")
        at = np.array([times.get(o, np.inf) for o in net.node_osmid])
        at_v_end = (1 - tf) * net.edge_length[te] <= matrix.AT_NODE_M
        expected = np.minimum(
            at[net.edge_u[te]] + tf * net.edge_time[te],
            np.where(
                rev >= 0,
                at[net.edge_v[te]] + (1 - tf) * net.edge_time[np.maximum(rev, 0)],
                np.where(at_v_end, at[net.edge_v[te]], np.inf),
            ),
        )
        results = nearest.nearest_agencies(hanoi, net.node_lon[i], net.node_lat[i], k=len(hanoi.agencies))
        found = {r.agency_id: r for r in results}
        got = np.array([found[a].travel_time_s for a in hanoi.agencies["agency_id"]])
        np.testing.assert_allclose(got, expected, atol=1e-3)

        best = int(np.argmin(expected))
        via_u = at[net.edge_u[te[best]]] + tf[best] * net.edge_time[te[best]] <= expected[best] + 1e-9
        end = net.edge_u[te[best]] if via_u else net.edge_v[te[best]]
        nodes = paths[net.node_osmid[end]]
        # Parallel edges: the fastest one, as the table's graph keeps.
        length = sum(
            min(net.graph.get_edge_data(a, b).values(), key=lambda d: d["travel_time"])["length"]
            for a, b in itertools.pairwise(nodes)
        )
        back = net.edge_length[rev[best]] if rev[best] >= 0 else 0.0  # a one-way edge ends at the agency
        partial = tf[best] * net.edge_length[te[best]] if via_u else (1 - tf[best]) * back
        assert found[hanoi.agencies["agency_id"].iloc[best]].distance_m == pytest.approx(length + partial, abs=0.5)
        checked += 1
    assert checked >= 20


def test_the_segment_grid_finds_the_nearest_edge_as_the_strtree_does(hanoi: AddressMap) -> None:
    net = hanoi.network
    rng = np.random.default_rng(5)
    west, south, east, north = hanoi.bounds
    on_roads = net.edge_lines.lonlat[rng.integers(0, len(net.edge_lines.lonlat), 500)]
    lons = np.r_[rng.uniform(west - 0.01, east + 0.01, 2000), on_roads[:, 0]]
    lats = np.r_[rng.uniform(south - 0.01, north + 0.01, 2000), on_roads[:, 1]]
    x, y = net.from_wgs84.transform(lons, lats)
    points = shapely.points(x, y)
    _, reference = net.tree.query_nearest(points, all_matches=False)
    found = net.grid.nearest(x, y, None)
    # Of edges equally near (a two-way road's pair, edges meeting at a node) the grid keeps the lowest index.
    gap = shapely.distance(points, net.edge_geom[found]) - shapely.distance(points, net.edge_geom[reference])
    assert np.abs(gap).max() < 1e-6
    within = net.grid.nearest(x, y, 100.0)
    assert np.array_equal(within >= 0, shapely.distance(points, net.edge_geom[reference]) <= 100.0)
    assert np.array_equal(within[within >= 0], found[within >= 0])


def _compiled() -> dict[str, set[str]]:
    """The types each compiled function of the map's answers has been compiled for, by name."""
    modules = (nearest, nearest._routes, nearest.snap)
    return {
        f"{m.__name__}.{name}": {str(s) for s in f.signatures}
        for m in modules
        for name, f in vars(m).items()
        if isinstance(f, numba.core.registry.CPUDispatcher)
    }


def test_warming_up_compiles_what_a_day_s_routes_use(hanoi: AddressMap) -> None:
    warm.warm_up(hanoi)
    ready = _compiled()
    assert ready["geo.nearest._fastest"] and ready["geo.snap._snap"]
    # A route between two agencies, as a day's plan draws each leg (ops.scenario.route_lines): nothing new to
    # compile within the plan's time limit.
    lon, lat = hanoi.agency_points
    points = snap.to_edges(hanoi.network, lon[:2], lat[:2])
    table = matrix.target_table(hanoi.network, points.subset([1]))
    route = nearest.route_to_target(hanoi.network, table, points.subset([0]), 0)
    assert route.distance_m > 0 and _compiled() == ready
