"""Road network: profiles, one-way streets, connectivity and the cache, on the real Hanoi extract."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from geo import network, osm, paths, profiles
from geo._errors import InputError
from geo.network import RoadNetwork
from tests import seeds


@pytest.mark.parametrize(
    ("tags", "motorbike", "car"),
    [
        ({"highway": "service", "service": "alley"}, True, True),
        ({"highway": "motorway"}, False, True),
        ({"highway": "residential", "motor_vehicle": "no", "motorcycle": "yes"}, True, False),
        ({"highway": "residential", "motorcycle": "no"}, False, True),
        ({"highway": "service", "access": "private"}, False, False),
        ({"highway": "footway"}, False, False),
        ({"highway": "track"}, True, False),
        ({"highway": "service", "service": "parking_aisle"}, True, False),
    ],
)
def test_profiles_follow_the_access_hierarchy(tags: dict, motorbike: bool, car: bool) -> None:
    assert profiles.MOTORBIKE.allows(tags) is motorbike
    assert profiles.CAR.allows(tags) is car


def test_unknown_profile_names_the_known_ones() -> None:
    with pytest.raises(InputError, match="unknown profile 'bus'; choose one of motorbike, car"):
        profiles.get("bus")


def test_network_is_strongly_connected_with_positive_travel_times(motorbike: RoadNetwork) -> None:
    import networkx as nx

    assert nx.is_strongly_connected(motorbike.graph)
    assert motorbike.report.dropped_nodes > 0
    assert np.isfinite(motorbike.edge_time).all()
    assert (motorbike.edge_time >= 0).all()
    moving = motorbike.edge_length > 0
    assert moving.mean() > 0.99
    speeds = motorbike.edge_length[moving] / motorbike.edge_time[moving] * 3.6
    assert speeds.max() <= max(profiles.MOTORBIKE_SPEEDS_KMH.values()) + 1e-9


def test_motorbike_network_has_no_expressway_and_keeps_alleys(motorbike: RoadNetwork, car: RoadNetwork) -> None:
    assert not any("motorway" in h for h in motorbike.edge_highway)
    assert motorbike.n_edges > car.n_edges
    alleys = [d for _, _, d in motorbike.graph.edges(data=True) if d.get("service") == "alley"]
    assert len(alleys) > 1000


def test_oneway_motorcycle_no_lifts_oneway_for_motorbikes_only(motorbike: RoadNetwork, car: RoadNetwork) -> None:
    lifted = {
        d["osmid"]
        for _, _, d in motorbike.graph.edges(data=True)
        if d.get("oneway:motorcycle") == "no" and not isinstance(d["osmid"], list)
    }
    assert lifted
    car_oneway = {
        d["osmid"] for _, _, d in car.graph.edges(data=True) if d["oneway"] and not isinstance(d["osmid"], list)
    }
    both = lifted & car_oneway
    assert both, "some ways are one-way for cars but two-way for motorbikes"
    bike_oneway = {
        d["osmid"] for _, _, d in motorbike.graph.edges(data=True) if d["oneway"] and not isinstance(d["osmid"], list)
    }
    assert not (both & bike_oneway)


def test_second_build_reads_the_cache_without_parsing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENCYNET_CACHE", str(tmp_path))
    extract = paths.data_dir() / "osm/across_hoankiemair/hoankiem.osm"
    first = network.build(extract)
    assert not first.report.from_cache

    def no_parsing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the cached build parsed the extract again")

    monkeypatch.setattr(osm, "filter_ways", no_parsing)
    second = network.build(extract)
    assert second.report.from_cache
    assert second.n_edges == first.n_edges
    np.testing.assert_array_equal(second.edge_time, first.edge_time)


def test_a_build_does_not_depend_on_the_hash_seed() -> None:
    # osmnx lists the names and classes of the ways it merges from a set: their order followed PYTHONHASHSEED, so
    # a merged edge's first name, which an agency's address may be taken from, changed from build to build.
    extract = paths.data_dir() / "osm/across_hoankiemair/hoankiem.osm"
    script = (
        "from pathlib import Path\nfrom geo import network\n"
        f"net = network.build(Path({str(extract)!r}), use_cache=False)\n"
        "print(list(net.edge_name), list(net.edge_highway), net.edge_time.tolist())"
    )
    first, second, third = seeds.outputs(script, ("1", "2", "3"))
    assert first == second == third
    assert "; " in first  # merged edges are there to be ordered


def test_cache_is_keyed_by_profile_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENCYNET_CACHE", str(tmp_path))
    extract = paths.data_dir() / "osm/across_hoankiemair/hoankiem.osm"
    network.build(extract)
    network.build(extract, profile="car")
    assert len(list(tmp_path.glob("network-*.pkl"))) == 2


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.osm", "OSM file not found"), ("notes.txt", "not an OSM file")],
)
def test_bad_extract_is_a_clear_error(tmp_path: Path, name: str, message: str) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("hello")
    with pytest.raises(InputError, match=message):
        network.build(path, use_cache=False)


def test_corrupt_extract_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.osm"
    path.write_text("<osm><node id='1' lat='21' lon='105'></osm")
    with pytest.raises(InputError, match=r"broken\.osm"):
        network.build(path, use_cache=False)
