"""Regions in parallel on a real dask.distributed cluster: same table as one by one, faults, reuse.

The regions are two small real extracts (Hoàn Kiếm 2019, the Văn Miếu 2023 tile) with short solver budgets;
the clusters are real ``LocalCluster`` s of two worker processes talking TCP.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from distributed import Client, LocalCluster

import tests.api.test_browser as pages
import tests.api.test_browser_maps as maps_seen
from api import i18n
from geo._errors import InputError
from ops import regions

browser = pages.browser
VI = i18n.catalogue("vi")
"""The overview map's words."""

REAL = """
[batch]
p = 2
tasks = 30
siting_time_limit_s = 5.0
day_time_limit_s = 20.0

[[region]]
id = "hoan-kiem-2019"
name = "Hoàn Kiếm, OSM 2019-06"
province = "01"
osm = "osm/across_hoankiemair/hoankiem.osm"

[[region]]
id = "van-mieu-2023"
name = "Văn Miếu – Quốc Tử Giám, OSM 2023-12"
province = "01"
osm = "osm/thuantop2003_osmmapnmai/map.osm"
"""

FAULTY = """
[[region]]
id = "missing"
province = "01"
osm = "osm/no_such_extract.osm.pbf"

[[region]]
id = "broken"
province = "01"
osm = "{broken}"
"""


def _same(table: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Tables equal in every column that does not measure this machine's speed."""
    columns = [c for c in regions.COLUMNS if c not in regions.TIMING_COLUMNS]
    got = pd.DataFrame(table[columns]).set_index("region").sort_index()
    want = pd.DataFrame(expected[columns]).set_index("region").sort_index()
    pd.testing.assert_frame_equal(got, want)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> regions.RegionsFile:
    path = tmp_path_factory.mktemp("regions") / "real.toml"
    path.write_text(REAL, encoding="utf-8")
    return regions.read(path)


@pytest.fixture(scope="module")
def expected(real: regions.RegionsFile) -> gpd.GeoDataFrame:
    """The two regions computed one by one in this process (no engine)."""
    table = regions.one_by_one(real.regions, real.options)
    assert list(table["status"]) == ["ok", "ok"]
    return table


@pytest.fixture(scope="module")
def with_faults(tmp_path_factory: pytest.TempPathFactory) -> regions.RegionsFile:
    folder = tmp_path_factory.mktemp("faulty")
    broken = folder / "broken.osm.pbf"
    broken.write_bytes(b"this is not a protocol buffer\n" * 10)
    path = folder / "regions.toml"
    path.write_text(REAL + FAULTY.format(broken=broken.as_posix()), encoding="utf-8")
    return regions.read(path)


@pytest.fixture(scope="module")
def first_batch(with_faults: regions.RegionsFile, tmp_path_factory: pytest.TempPathFactory) -> regions.BatchResult:
    return regions.batch(with_faults, tmp_path_factory.mktemp("out"), texts=VI, workers=2)


def test_batch_on_two_tcp_workers_matches_one_by_one(
    first_batch: regions.BatchResult, expected: gpd.GeoDataFrame
) -> None:
    assert first_batch.scheduler.startswith("tcp://")
    assert first_batch.workers == 2
    table = first_batch.table
    assert list(table["region"]) == ["hoan-kiem-2019", "van-mieu-2023", "missing", "broken"]
    _same(table[table["status"] == "ok"], expected)
    hoan_kiem = table.set_index("region").loc["hoan-kiem-2019"]
    assert hoan_kiem["province"] == "Thành phố Hà Nội" and hoan_kiem["agencies"] > 10
    assert hoan_kiem["tasks_served"] > 0 and hoan_kiem["day_check"] == "ok"
    assert 0 < hoan_kiem["share_10min"] <= hoan_kiem["share_15min"] <= 1


def test_outputs_hold_one_row_per_region(first_batch: regions.BatchResult) -> None:
    csv, gpkg, html = first_batch.files
    frame = pd.read_csv(csv, dtype={"province_code": str})
    assert list(frame.columns[:5]) == ["region", "status", "name", "province_code", "province"]
    assert list(frame["region"]) == list(first_batch.table["region"])
    layer = gpd.read_file(gpkg, layer="regions")
    assert len(layer) == 4 and layer.geometry.notna().sum() == 2
    page = html.read_text(encoding="utf-8")  # folium writes non-ASCII text as JSON escapes
    assert "van-mieu-2023" in page and json.dumps("Trong vòng 15 phút").strip('"') in page
    assert '<html lang="vi">' in page and "Leaflet 1.9.4" in page  # drawn offline (tests/api/test_browser_maps.py)


def test_the_overview_map_draws_offline(first_batch: regions.BatchResult, browser) -> None:
    # In headless Chromium, nothing let out: the regions over their province's boundary, coloured, with a legend.
    page, outside, errors = maps_seen.offline_page(browser)
    page.set_content(first_batch.files[2].read_text(encoding="utf-8"))
    shown = maps_seen.drawn(page)
    assert (shown["title"], shown["lang"]) == ("Độ phủ theo vùng", "vi")
    assert shown["layers"] == ["Nền OpenStreetMap (cần Internet)", "Ranh giới Hà Nội", "Vùng"]
    assert shown["legend"].startswith("Tỉ lệ dân trong vòng 15 phút")
    areas = page.locator(".leaflet-overlay-pane path[fill-opacity='0.6']")
    assert areas.count() == 2  # the two regions with an area; the missing and broken ones have none
    said = maps_seen.tooltip(page, areas)
    assert "Vùng\t" in said and "Tỉnh, thành phố\tThành phố Hà Nội" in said
    page.context.close()
    assert not outside and not errors, (outside, errors)


def test_missing_and_broken_regions_end_as_rows_with_the_reason(first_batch: regions.BatchResult) -> None:
    status = first_batch.table.set_index("region")["status"]
    assert status["missing"].startswith("OSM file not found") and "no_such_extract" in status["missing"]
    assert status["broken"].startswith("cannot read OSM file")


def test_rerun_reuses_finished_regions(
    first_batch: regions.BatchResult, real: regions.RegionsFile, expected: gpd.GeoDataFrame
) -> None:
    out = first_batch.files[0].parent
    again = regions.batch(real, out, texts=VI, workers=2)
    assert again.reused == ["hoan-kiem-2019", "van-mieu-2023"] and again.computed == []
    assert again.scheduler == ""  # nothing left to compute: no cluster was started
    _same(again.table, expected)
    changed = replace(real.options, p=3)
    assert regions.input_key(real.regions[0], changed) != regions.input_key(real.regions[0], real.options)


def test_a_killed_worker_does_not_lose_the_batch(
    real: regions.RegionsFile, expected: gpd.GeoDataFrame, tmp_path: Path
) -> None:
    killed: list[int] = []
    with (
        LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, protocol="tcp://", dashboard_address="127.0.0.1:0"
        ) as cluster,
        Client(cluster) as client,
    ):
        pids = client.run(os.getpid)

        def kill_the_busy_worker() -> None:
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline and not killed:
                busy = [w for w, keys in client.processing().items() if any("hoan-kiem" in str(k) for k in keys)]
                if busy:
                    time.sleep(0.5)  # well inside the task, which takes seconds
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(pids[busy[0]])
                time.sleep(0.1)

        killer = threading.Thread(target=kill_the_busy_worker, daemon=True)
        killer.start()
        result = regions.batch(real, tmp_path, texts=VI, scheduler=cluster.scheduler_address)
        killer.join(timeout=5)
        assert killed, "no worker was seen running the Hoàn Kiếm task"
        assert killed[0] not in client.run(os.getpid).values()  # the nanny started a new process
    assert result.computed == ["hoan-kiem-2019", "van-mieu-2023"]
    _same(result.table, expected)


def test_a_region_without_agency_is_covered_by_nobody_and_sited_from_nothing(tmp_path: Path) -> None:
    path = tmp_path / "west.toml"
    path.write_text(
        '[batch]\np = 2\nsiting_time_limit_s = 5.0\n[[region]]\nid = "west"\nprovince = "01"\n'
        'osm = "osm/vuquanghuy19_findthebestway/west_hanoi_roads.osm.pbf"\n',
        encoding="utf-8",
    )
    parsed = regions.read(path)
    row = regions.figures(parsed.regions[0], parsed.options)
    assert row["status"] == "ok" and row["agencies"] == 0 and row["persons"] > 0
    assert row["share_15min"] == 0.0 and row["mean_time_min"] is None
    assert row["sites_proposed"] == 2 and row["share_15min_after"] > 0.5
    assert row["notes"].startswith("no post office")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[[region]\nid =", "not a valid TOML file"),
        ('[[region]]\nid = "x"\nprovince = "77"\nosm = "a.osm"\n', "unknown province code"),
        ('[[region]]\nid = "x"\nprovince = "01"\n', "exactly one of 'osm'"),
        ('[[region]]\nid = "x y"\nprovince = "01"\nosm = "a.osm"\n', "'id' must be"),
        ('[batch]\np = "three"\n[[region]]\nid = "x"\nprovince = "01"\nosm = "a.osm"\n', "[batch] p"),
    ],
)
def test_bad_regions_file_names_the_problem(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "regions.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=re.escape(message)):
        regions.read(path)


def test_cli_bad_input_is_one_line_and_exit_2(tmp_path: Path) -> None:
    # A subprocess from the repository root, so that `api` is this repository's package (tests/api shadows it
    # inside pytest).
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "batch", str(tmp_path / "none.toml"), "--out", str(tmp_path / "out")],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"agencynet batch: error: regions file not found: {tmp_path / 'none.toml'}"
    ]
