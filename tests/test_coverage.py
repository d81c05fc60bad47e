"""Coverage of the agencies, service areas and site scenarios on the central-Hanoi map."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from api.cli import main
from geo import isochrones, matrix
from geo.addressmap import AddressMap
from geo.siting import access, scenario
from geo.snap import Snapped


@pytest.fixture(scope="module")
def points(hanoi: AddressMap) -> access.HouseholdPoints:
    return access.household_points(hanoi)


@pytest.fixture(scope="module")
def cover(hanoi: AddressMap, points: access.HouseholdPoints) -> access.Coverage:
    return access.coverage(hanoi, minutes=(5, 10, 15, 20), households=points)


def _on_edges(hanoi: AddressMap, edges: np.ndarray, fraction: float) -> Snapped:
    """Points at ``fraction`` along the given edges, as if snapped there."""
    geoms = hanoi.network.edge_geom[edges]
    at = shapely.line_interpolate_point(geoms, fraction, normalized=True)
    lon, lat = hanoi.network.to_wgs84.transform(shapely.get_x(at), shapely.get_y(at))
    n = len(edges)
    return Snapped(edges, np.full(n, fraction), np.zeros(n), np.asarray(lon), np.asarray(lat))


def test_household_at_an_agency_rides_zero_seconds(hanoi: AddressMap, points: access.HouseholdPoints) -> None:
    at_agencies = access.HouseholdPoints(points.frame.iloc[:3], hanoi.agency_table.targets.subset([0, 1, 2]), 0)
    times, nearest = access.nearest_times(hanoi, at_agencies)
    assert times == pytest.approx(np.zeros(3), abs=1e-3)
    assert nearest.shape == (3,)


def test_nearest_time_matches_a_brute_force_matrix(hanoi: AddressMap, points: access.HouseholdPoints) -> None:
    sample = np.random.default_rng(4).choice(len(points.frame), 60, replace=False)
    subset = access.HouseholdPoints(points.frame.iloc[sample], points.points.subset(sample), 0)
    times, nearest = access.nearest_times(hanoi, subset)
    brute = matrix.travel_times(hanoi.network, subset.points, hanoi.agency_table.targets).time_s
    # The target table stores float32 seconds: agree to a hundredth of a second per ~10 min.
    assert times == pytest.approx(brute.min(axis=1), rel=1e-5, abs=1e-2)
    assert brute[np.arange(len(sample)), nearest] == pytest.approx(brute.min(axis=1), rel=1e-5, abs=1e-2)


def test_ward_shares_are_monotone_and_bounded(cover: access.Coverage, points: access.HouseholdPoints) -> None:
    wards = cover.wards
    shares = wards[[f"share_within_{m}" for m in (5, 10, 15, 20)]].to_numpy()
    assert ((shares >= 0) & (shares <= 1)).all()
    assert (np.diff(shares, axis=1) >= 0).all()
    assert wards["population"].sum() == pytest.approx(points.frame["persons"].sum())
    assert (wards["mean_time_min"] <= wards["max_time_min"] + 1e-9).all()
    assert (wards["p95_time_min"] <= wards["max_time_min"] + 1e-9).all()
    assert wards["ward_id"].is_unique and set(wards["ward_id"]) <= set(points.frame["ward_id"])
    total = cover.total
    assert 0 < total["share_within_5"] <= total["share_within_10"] <= total["share_within_20"] <= 1


def test_least_served_wards_come_first(cover: access.Coverage) -> None:
    ranked = cover.least_served(minutes=10, n=5)
    assert ranked["rank"].tolist() == [1, 2, 3, 4, 5]
    assert ranked["share_within_10"].is_monotonic_increasing
    assert ranked["share_within_10"].iloc[0] == cover.wards["share_within_10"].min()
    with pytest.raises(ValueError, match="no coverage column for 7 minutes"):
        cover.least_served(minutes=7)


def test_weighted_percentile_counts_weights() -> None:
    assert access.weighted_percentile(np.array([1.0, 2.0, 10.0]), np.array([90.0, 5.0, 5.0]), 95) == 2.0
    assert access.weighted_percentile(np.array([1.0, 2.0, 10.0]), np.array([90.0, 4.0, 6.0]), 95) == 10.0
    assert np.isnan(access.weighted_percentile(np.array([1.0]), np.array([0.0]), 95))


def test_coverage_geojson_has_no_household(cover: access.Coverage) -> None:
    features = cover.to_geojson()["features"]
    assert len(features) == len(cover.wards)
    assert not any("household_id" in f["properties"] for f in features)


def test_service_area_holds_exactly_the_reached_roads(hanoi: AddressMap) -> None:
    agency, minutes = 3, 5.0
    areas = isochrones.service_areas(
        hanoi.network, hanoi.agency_table, ids=hanoi.agencies["agency_id"], targets=[agency], minutes=[minutes]
    )
    area = areas.to_crs(hanoi.network.crs).geometry.iloc[0]
    lines = shapely.union_all(isochrones.reached_lines(hanoi.network, hanoi.agency_table, agency, minutes * 60))
    edges = np.random.default_rng(1).choice(hanoi.network.n_edges, 3000, replace=False)
    mids = _on_edges(hanoi, edges, 0.5)
    times = matrix.times_to_targets(hanoi.network, hanoi.agency_table, mids)[:, agency]
    xy = shapely.line_interpolate_point(hanoi.network.edge_geom[edges], 0.5, normalized=True)
    reached = times <= minutes * 60 - 0.5
    unreached = times > minutes * 60 + 0.5
    assert reached.sum() > 20 and unreached.sum() > 20
    # Every reached midpoint lies on the reached roads and inside the area.
    assert (shapely.distance(xy[reached], lines) < 0.5).all()
    assert shapely.contains_properly(area.buffer(0.5), xy[reached]).all()
    # Unreached midpoints are off the reached roads, except where another (reached) road crosses them.
    off = shapely.distance(xy[unreached], lines) > 0.5
    assert off.mean() > 0.98


def test_service_areas_grow_with_minutes(hanoi: AddressMap) -> None:
    areas = isochrones.service_areas(hanoi.network, hanoi.agency_table, targets=[0], minutes=[2, 5, 10])
    assert areas["agency_id"].tolist() == ["0", "0", "0"] and areas["minutes"].tolist() == [2.0, 5.0, 10.0]
    assert areas.crs.to_epsg() == 4326
    metric = areas.to_crs(hanoi.network.crs).geometry.to_numpy()
    assert areas["area_km2"].is_monotonic_increasing and areas["area_km2"].iloc[0] > 0.05
    # Round caps are drawn with 4 segments a quarter: a cap and the join it meets differ by up to
    # 50 m x (1 - cos 22.5 deg) = 3.8 m.
    assert metric[1].buffer(4.0).contains(metric[0]) and metric[2].buffer(4.0).contains(metric[1])


def test_areas_drawn_on_the_smaller_ones_are_the_areas_drawn_alone(hanoi: AddressMap) -> None:
    net, table = hanoi.network, hanoi.agency_table
    together = isochrones.service_areas(net, table, targets=[2], minutes=[3, 6, 9]).to_crs(net.crs).geometry
    for minutes, area in zip([3, 6, 9], together, strict=True):
        alone = isochrones.service_areas(net, table, targets=[2], minutes=[minutes]).to_crs(net.crs).geometry.iloc[0]
        # The same roads and buffers, unioned in another order: equal but for the last digits of the vertices.
        assert shapely.symmetric_difference(area, alone).area < 1e-6 * alone.area


def test_a_limit_beyond_the_farthest_road_reaches_what_the_one_before_it_did(hanoi: AddressMap) -> None:
    net, table = hanoi.network, hanoi.agency_table
    to_agency = table.time_s[0].astype(float)[net.edge_v] + net.edge_time
    whole = float(to_agency[np.isfinite(to_agency)].max()) / 60  # every road that reaches the agency, all of it
    areas = isochrones.service_areas(net, table, targets=[0], minutes=[whole / 2, whole + 1, whole + 5])
    alone = isochrones.service_areas(net, table, targets=[0], minutes=[whole + 5])
    metric = areas.to_crs(net.crs).geometry.to_numpy()
    assert areas["area_km2"].iloc[0] < areas["area_km2"].iloc[1] == areas["area_km2"].iloc[2]
    assert shapely.equals_exact(metric[1], metric[2], tolerance=0)
    drawn_alone = alone.to_crs(net.crs).geometry.iloc[0]
    assert shapely.symmetric_difference(metric[2], drawn_alone).area < 1e-6 * drawn_alone.area


def test_substrings_cut_lines_at_fractions() -> None:
    line = shapely.LineString([(0, 0), (10, 0), (10, 10)])
    parts = isochrones.substrings(np.array([line, line]), np.array([0.25, 0.0]), np.array([0.75, 1.0]))
    assert shapely.get_coordinates(parts[0]).tolist() == [[5, 0], [10, 0], [10, 5]]
    assert parts[1].equals(line)


def test_scenario_adds_sites_and_never_lowers_coverage(hanoi: AddressMap, points: access.HouseholdPoints) -> None:
    result = scenario.plan(hanoi, model="mclp", p=2, minutes=5, households=points, time_limit_s=10)
    assert len(result.new_sites) == 2 and (result.sites["status"] == "existing").sum() == len(hanoi.agencies)
    before, after = result.before.wards, result.after.wards
    assert (after["share_within_5"] >= before["share_within_5"] - 1e-12).all()
    assert (after["mean_time_min"] <= before["mean_time_min"] + 1e-9).all()
    assert result.after.total["share_within_5"] > result.before.total["share_within_5"]
    assert result.objective <= result.bound + 1e-6
    layers = [f["properties"]["layer"] for f in result.to_geojson()["features"]]
    assert layers.count("ward") == len(before) and layers.count("site") == len(result.sites)
    json.dumps(result.to_dict())
    # Its GeoJSON, as stored, gives back the tables its map is drawn from (the measures to 4 decimals).
    stored = json.loads(json.dumps(result.to_geojson()))
    stored["features"].append({"type": "Feature", "geometry": None, "properties": {"layer": "candidate"}})
    read_before, read_after, read_sites = scenario.layers(stored)
    for read, table in ((read_before, before), (read_after, after)):
        assert set(read.columns) == set(table.columns) and list(read["ward_id"]) == list(table["ward_id"])
        measures = table.columns.drop(["ward_id", "name", "geometry"])
        assert np.allclose(read[measures].to_numpy(float), table[measures].to_numpy(float), atol=1e-4, equal_nan=True)
        assert read.geometry.geom_equals_exact(table.geometry.reset_index(drop=True), tolerance=1e-9).all()
    assert set(read_sites.columns) == set(result.sites.columns)
    columns = ["site_id", "name", "kind", "status"]
    assert read_sites[columns].equals(result.sites[columns].reset_index(drop=True))
    assert np.allclose(read_sites["population_served"], result.sites["population_served"], atol=1e-4)


def test_street_sites_are_named_by_what_is_there(hanoi: AddressMap) -> None:
    # A new site on a road was named by the first road leaving its node, and listed by its node id
    # ("node:2049252583") when that road had no name: each is now its address or street, and its ward.
    sites = scenario.street_points(hanoi)
    assert len(sites) and sites["name"].str.len().gt(0).all()
    wards = set(hanoi.layers.wards["name"])
    for site in sites.itertuples():
        there = hanoi.reverse.at(site.geometry.x, site.geometry.y)
        assert site.name == ", ".join(filter(None, (there.label, there.ward))) and there.ward in wards
        assert not site.name.startswith("node:")


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def cli_map(monkeypatch: pytest.MonkeyPatch, hanoi: AddressMap) -> AddressMap:
    """The session map for the commands, instead of loading it again."""
    monkeypatch.setattr("api.commands.plan_sites.load_map", lambda args: hanoi)
    monkeypatch.setattr("api.commands.coverage.load_map", lambda args: hanoi)
    return hanoi


def test_plan_sites_json(capsys: pytest.CaptureFixture[str], cli_map: AddressMap, tmp_path: Path) -> None:
    out_map = tmp_path / "plan.html"
    code, out, err = _run(
        capsys, "plan-sites", "--model", "pmedian", "--p", "2", "--time-limit", "5", "--json", "--map", str(out_map)
    )
    assert code == 0, err
    payload = json.loads(out)
    assert payload["model"] == "pmedian" and payload["p"] == 2 and len(payload["new_sites"]) == 2
    assert payload["gap"] is None or payload["gap"] >= 0
    assert payload["coverage_after"]["mean_time_min"] < payload["coverage_before"]["mean_time_min"]
    assert payload["geojson"]["type"] == "FeatureCollection" and out_map.stat().st_size > 10_000


def test_plan_sites_with_a_candidates_file(
    capsys: pytest.CaptureFixture[str], cli_map: AddressMap, tmp_path: Path
) -> None:
    sites = tmp_path / "sites.csv"
    sites.write_text(
        "id,name,lat,lon\nA,Xuân La,21.06675,105.80609\nB,Âu Cơ,21.07147,105.82543\nC,Hồ Gươm,21.0287,105.8524\n"
    )
    code, out, err = _run(
        capsys, "plan-sites", "--model", "mclp", "--p", "1", "--minutes", "5", "--candidates", str(sites), "--json"
    )
    assert code == 0, err
    payload = json.loads(out)
    assert [s["site_id"] for s in payload["new_sites"]] in (["A"], ["B"], ["C"])
    assert payload["status"] == "optimal"


def test_coverage_command(capsys: pytest.CaptureFixture[str], cli_map: AddressMap) -> None:
    code, out, err = _run(capsys, "coverage", "--minutes", "5,10", "--least", "3", "--json")
    assert code == 0, err
    payload = json.loads(out)
    assert payload["minutes"] == [5.0, 10.0] and len(payload["least_served"]) == 3
    assert 0 < payload["total"]["share_within_5"] <= payload["total"]["share_within_10"] <= 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--model", "kmeans", "--p", "2"], "unknown model 'kmeans'; choose one of pmedian, mclp, lscp, pcenter"),
        (["--model", "pmedian"], "pmedian needs p, the number of new sites"),
        (["--model", "pmedian", "--p", "0"], "p must be a positive whole number"),
        (["--model", "pmedian", "--p", "100000"], "p = 100000 new sites requested but there are only"),
        (["--model", "mclp", "--p", "2", "--minutes", "0"], "minutes must be positive, got 0"),
        (["--model", "mclp", "--p", "2", "--minutes", "-5"], "minutes must be positive, got -5"),
        (["--model", "mclp", "--p", "2", "--capacity", "20"], "a capacity applies to the p-median only"),
        (["--model", "pmedian", "--p", "2", "--time-limit", "0"], "time limit must be positive"),
        (["--model", "pmedian", "--p", "2", "--candidates", "no-such-file.csv"], "candidates file not found"),
        (["--model", "lscp", "--minutes", "2"], "lscp at 2 min:"),
    ],
)
def test_plan_sites_bad_input(
    capsys: pytest.CaptureFixture[str], cli_map: AddressMap, argv: list[str], message: str
) -> None:
    code, out, err = _run(capsys, "plan-sites", *argv)
    assert code == 2 and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def test_unreadable_candidates_files(capsys: pytest.CaptureFixture[str], cli_map: AddressMap, tmp_path: Path) -> None:
    no_columns = tmp_path / "sites.csv"
    no_columns.write_text("id,x,y\nA,1,2\n")
    code, _, err = _run(capsys, "plan-sites", "--p", "1", "--candidates", str(no_columns))
    assert code == 2 and "needs 'lat' and 'lon' columns" in err
    broken = tmp_path / "sites.geojson"
    broken.write_text("{not json")
    code, _, err = _run(capsys, "plan-sites", "--p", "1", "--candidates", str(broken))
    assert code == 2 and "cannot read candidates" in err
    far = tmp_path / "far.csv"
    far.write_text("lat,lon\n10.77,106.70\n")
    code, _, err = _run(capsys, "plan-sites", "--p", "1", "--candidates", str(far))
    assert code == 2 and "lie off the map" in err


def test_read_candidates_geojson(tmp_path: Path) -> None:
    path = tmp_path / "c.geojson"
    gpd.GeoDataFrame({"id": ["p1"], "name": ["Bưu cục"]}, geometry=[shapely.Point(105.85, 21.03)], crs=4326).to_file(
        path, driver="GeoJSON"
    )
    sites = scenario.read_candidates(path)
    assert sites["site_id"].tolist() == ["p1"] and sites["name"].tolist() == ["Bưu cục"]
    assert sites.geometry.x.iloc[0] == pytest.approx(105.85)
