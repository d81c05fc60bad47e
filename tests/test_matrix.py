"""Snapping and travel-time matrices on the real Hanoi network, checked against networkx."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest

from geo import matrix, snap
from geo._errors import InputError, OutOfAreaError
from geo.network import RoadNetwork


def _on_edge(net: RoadNetwork, edge: int, fractions: list[float]) -> tuple[np.ndarray, np.ndarray]:
    import shapely

    points = shapely.line_interpolate_point(net.edge_geom[edge], fractions, normalized=True)
    lon, lat = net.to_wgs84.transform(shapely.get_x(points), shapely.get_y(points))
    return np.asarray(lon), np.asarray(lat)


def test_one_way_street_in_hoan_kiem_differs_by_direction(motorbike: RoadNetwork) -> None:
    # Phố Đinh Tiên Hoàng, east of Hoàn Kiếm lake, is tagged oneway=yes in OSM.
    candidates = [
        j
        for j in np.flatnonzero(motorbike.edge_rev < 0)
        if "Đinh Tiên Hoàng" in motorbike.edge_name[j] and motorbike.edge_length[j] > 60
    ]
    assert candidates, "expected one-way edges of Phố Đinh Tiên Hoàng"
    edge = int(candidates[0])
    osm = motorbike.graph.edges[
        motorbike.node_osmid[motorbike.edge_u[edge]],
        motorbike.node_osmid[motorbike.edge_v[edge]],
        motorbike.edge_key[edge],
    ]
    assert osm["oneway"] is True
    lon, lat = _on_edge(motorbike, edge, [0.2, 0.8])
    points = snap.to_edges(motorbike, lon, lat)
    assert (points.edge == edge).all()
    times = matrix.travel_times(motorbike, points).time_s
    along = 0.6 * motorbike.edge_time[edge]
    assert times[0, 1] == pytest.approx(along, rel=1e-6)
    assert times[1, 0] > times[0, 1] + 30  # against the one-way: around the block


def test_matrix_equals_networkx_between_nodes(motorbike: RoadNetwork) -> None:
    rng = np.random.default_rng(7)
    idx = rng.choice(motorbike.n_nodes, 25, replace=False)
    points = snap.to_edges(motorbike, motorbike.node_lon[idx], motorbike.node_lat[idx])
    result = matrix.travel_times(motorbike, points, with_distance=True)
    for i, a in enumerate(idx):
        times, paths = nx.single_source_dijkstra(motorbike.graph, motorbike.node_osmid[a], weight="travel_time")
        for j, b in enumerate(idx):
            target = motorbike.node_osmid[b]
            assert result.time_s[i, j] == pytest.approx(times[target], abs=1e-4)
            path = paths[target]
            length = sum(
                min(
                    (d for d in motorbike.graph[u][v].values()),
                    key=lambda d: d["travel_time"],
                )["length"]
                for u, v in itertools.pairwise(path)
            )
            assert result.distance_m[i, j] == pytest.approx(length, abs=1e-3)


def test_partial_edges_are_added_at_both_ends(motorbike: RoadNetwork) -> None:
    rng = np.random.default_rng(11)
    edges = rng.choice(motorbike.n_edges, 12, replace=False)
    lon, lat = np.concatenate([_on_edge(motorbike, int(e), [0.3]) for e in edges], axis=1)
    points = snap.to_edges(motorbike, lon, lat)
    result = matrix.travel_times(motorbike, points).time_s
    g = motorbike.graph
    osmid = motorbike.node_osmid

    def exits(k: int) -> list[tuple[int, float]]:
        e, f = points.edge[k], points.fraction[k]
        out = [(osmid[motorbike.edge_v[e]], (1 - f) * motorbike.edge_time[e])]
        if motorbike.edge_rev[e] >= 0:
            out.append((osmid[motorbike.edge_u[e]], f * motorbike.edge_time[motorbike.edge_rev[e]]))
        return out

    def entries(k: int) -> list[tuple[int, float]]:
        e, f = points.edge[k], points.fraction[k]
        out = [(osmid[motorbike.edge_u[e]], f * motorbike.edge_time[e])]
        if motorbike.edge_rev[e] >= 0:
            out.append((osmid[motorbike.edge_v[e]], (1 - f) * motorbike.edge_time[motorbike.edge_rev[e]]))
        return out

    for i in range(len(points)):
        for j in range(len(points)):
            if points.edge[i] == points.edge[j]:
                continue
            expected = min(
                a_off + nx.shortest_path_length(g, a, b, weight="travel_time") + b_off
                for a, a_off in exits(i)
                for b, b_off in entries(j)
            )
            assert result[i, j] == pytest.approx(expected, abs=1e-4)


def test_point_far_from_roads_is_out_of_area(motorbike: RoadNetwork) -> None:
    with pytest.raises(OutOfAreaError, match=r"point 1 .* outside the map: .* m from the nearest motorbike road"):
        snap.to_edges(motorbike, [105.85, 105.2], [21.03, 21.03])


def test_a_point_the_projection_cannot_place_is_infinitely_far_from_the_roads(motorbike: RoadNetwork) -> None:
    # Around the globe from Hanoi the map's UTM projection gives no finite coordinates; the other points keep
    # their distances, in their order.
    far = snap.road_distances(motorbike, np.array([105.85, -156.0, -145.0]), np.array([21.03, 0.0, 9.4]))
    assert far[0] < snap.DEFAULT_MAX_DISTANCE_M and np.isinf(far[1]) and far[2] > 1e6
    with pytest.raises(OutOfAreaError, match=r"point 1 .* outside the map: its projection \(WGS 84 / UTM zone 48N\)"):
        snap.to_edges(motorbike, [105.85, -156.0], [21.03, 0.0])
    with pytest.raises(OutOfAreaError, match="cannot place it"):
        snap.to_edges(motorbike, [-156.0], [0.0], max_distance_m=None)
    # Without a limit a point half a world away still snaps, the grid's empty rings around it skipped.
    antipodes = snap.to_edges(motorbike, [0.15], [-51.6], max_distance_m=None)
    straight = snap.road_distances(motorbike, np.array([0.15]), np.array([-51.6]))[0]
    assert antipodes.edge[0] >= 0 and antipodes.distance_m[0] == pytest.approx(straight, rel=1e-6)


def test_invalid_coordinates_are_named(motorbike: RoadNetwork) -> None:
    with pytest.raises(InputError, match=r"point 0: invalid coordinates lat=95\.0"):
        snap.to_edges(motorbike, [105.85], [95.0])


def test_snapping_projects_onto_the_edge_not_the_node(motorbike: RoadNetwork) -> None:
    edge = int(np.argmax(motorbike.edge_length))
    lon, lat = _on_edge(motorbike, edge, [0.5])
    point = snap.to_edges(motorbike, lon, lat)
    assert point.distance_m[0] < 0.01
    assert 0.4 < point.fraction[0] < 0.6 or 0.4 < 1 - point.fraction[0] < 0.6
