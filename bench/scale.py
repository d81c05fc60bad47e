"""How cost grows with the size of the map, and what the batch engine adds: nested clips of central Hanoi.

Run ``python bench/scale.py`` (``--help`` for options). On the same machine, in one run:

1. Nested clips of the central extract (boxes around its centre of 1/8, 1/4, 1/2 and all of its bounding box),
   each measured in a fresh interpreter: wall time and peak resident memory of the map build (network from
   scratch, layers, agency index), of a 1000x1000 travel-time matrix, of single-point nearest-agency queries
   and of the coverage of every household. Each figure is also printed as a ratio to the 1/8 clip.
2. A power law ``time = a * nodes^b`` fitted per stage (least squares on logs) and a line ``memory = m0 + k *
   nodes``; projected to a whole-city extract (Hanoi: 3,360 km², about 16 MB of OSM PBF) and to the largest
   province (areas from ``../shared/data/vietnam/provinces``). Nodes of those extracts are themselves
   projected: nodes per PBF byte of the central extract (highways only) times 16 MB, then that city's nodes
   per km² times the province's area. Both assumptions are printed; what is projected is marked so.
3. The batch itself (:func:`ops.regions.batch`) on the four clips as regions, with 1 and with 2 worker
   processes (no reuse): wall time, speed-up, and the engine's overhead per task (wall time less the cluster
   start and stop, measured alone, less the tasks' own work, over the tasks).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import osmium
from tqdm import tqdm

from geo import paths
from ops.regions import Options

FRACTIONS = (1 / 8, 1 / 4, 1 / 2, 1.0)
"""Share of the central extract's bounding box each nested clip keeps."""

CITY_KM2 = 3360.0
"""Area of Hanoi, km² (the issue's figure; the province file says 3,359.84)."""

CITY_PBF_MB = 16.0
"""Size of a whole-city OSM PBF of Hanoi, MB (the issue's figure)."""

STAGES = ("build", "matrix", "nearest", "coverage")


def clip(source: Path, fraction: float, out: Path) -> Path:
    """Write the ways of ``source`` with a node inside the centred box of ``fraction`` of its bounding box,
    complete (all their nodes), as a PBF. (osmium-tool's ``extract --strategy complete_ways`` does this, but is
    not a Python dependency; pyosmium gives the pieces.)"""
    locations: dict[int, tuple[float, float]] = {}
    for node in osmium.FileProcessor(str(source), osmium.osm.NODE):
        locations[node.id] = (node.location.lon, node.location.lat)
    coords = np.array(list(locations.values()))
    (west, south), (east, north) = coords.min(axis=0), coords.max(axis=0)
    half = math.sqrt(fraction) / 2
    cx, cy = (west + east) / 2, (south + north) / 2
    box = (
        cx - half * (east - west),
        cy - half * (north - south),
        cx + half * (east - west),
        cy + half * (north - south),
    )

    def inside(ref: int) -> bool:
        lon, lat = locations.get(ref, (math.nan, math.nan))
        return box[0] <= lon <= box[2] and box[1] <= lat <= box[3]

    keep_ways: set[int] = set()
    keep_nodes: set[int] = set()
    for way in osmium.FileProcessor(str(source), osmium.osm.WAY):
        refs = [n.ref for n in way.nodes]
        if any(inside(r) for r in refs):
            keep_ways.add(way.id)
            keep_nodes.update(refs)
    out.unlink(missing_ok=True)
    with osmium.SimpleWriter(str(out)) as writer:
        for obj in osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY):
            if (obj.is_node() and obj.id in keep_nodes) or (obj.is_way() and obj.id in keep_ways):
                writer.add(obj)
    return out


MEASURE = """
import json, resource, statistics, sys, time
import numpy as np
sys.path.insert(0, {bench!r})
from matrix import points_on_edges
from geo import addressmap, matrix, nearest
from geo.siting import access

def peak():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

out = {{"base_mb": peak()}}
started = time.perf_counter()
amap = addressmap.load({path!r}, use_cache=False)
out["build_s"], out["build_mb"] = time.perf_counter() - started, peak()
out["nodes"], out["edges"] = amap.network.n_nodes, amap.network.n_edges
out["agencies"], out["households"] = len(amap.agencies), len(amap.layers.households)
rng = np.random.default_rng(2025)
o, d = points_on_edges(amap.network, rng, 1000), points_on_edges(amap.network, rng, 1000)
started = time.perf_counter()
matrix.travel_times(amap.network, o, d)
out["matrix_s"], out["matrix_mb"] = time.perf_counter() - started, peak()
q = points_on_edges(amap.network, rng, {queries})
times = []
for lon, lat in zip(q.lon, q.lat):
    started = time.perf_counter()
    nearest.nearest_agencies(amap, float(lon), float(lat), k=3)
    times.append(time.perf_counter() - started)
out["nearest_s"], out["nearest_mb"] = sum(times), peak()
started = time.perf_counter()
access.coverage(amap, minutes=(10, 15))
out["coverage_s"], out["coverage_mb"] = time.perf_counter() - started, peak()
print(json.dumps(out))
"""


def measure(path: Path, queries: int) -> dict[str, float]:
    """Stage times (s) and peak resident memory after each stage (MB) of one extract, in a fresh interpreter."""
    script = MEASURE.format(bench=str(Path(__file__).parent), path=str(path), queries=queries)
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, cwd=Path(__file__).parents[1]
    )
    if done.returncode != 0:
        raise RuntimeError(f"measuring {path.name} failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def power_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``a, b`` of ``y = a * x^b`` by least squares on logs."""
    b, log_a = np.polyfit(np.log(x), np.log(y), 1)
    return float(math.exp(log_a)), float(b)


def line_fit(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """``m0, k`` of ``y = m0 + k * x`` by least squares."""
    k, m0 = np.polyfit(x, y, 1)
    return float(m0), float(k)


def province_areas() -> dict[str, tuple[str, float]]:
    """Name and area (km²) of each of the 34 provinces, by code."""
    areas = {}
    for path in sorted((paths.vietnam_dir() / "provinces").glob("*.geojson")):
        props = json.loads(path.read_text(encoding="utf-8"))["features"][0]["properties"]
        areas[props["code"]] = (props["name"], float(props["areaKm2"]))
    return areas


def scaling(source: Path, folder: Path, queries: int) -> tuple[list[dict], list[Path]]:
    """Measure the nested clips; print the table and the ratios to the smallest."""
    rows, clips = [], []
    for fraction in tqdm(FRACTIONS, desc="clips", leave=False):
        path = source if fraction == 1.0 else clip(source, fraction, folder / f"clip_{fraction:.3f}.osm.pbf")
        clips.append(path)
        row = measure(path, queries) | {"fraction": fraction, "pbf_kb": path.stat().st_size / 1024}
        rows.append(row)
    print(f"\n1. Nested clips of {source.name} (each in a fresh interpreter; memory = peak RSS after the stage)")
    print(
        f"{'clip':>5} {'PBF KB':>7} {'nodes':>7} {'edges':>7} {'hh pts':>7} | {'build s':>8} {'MB':>5} | "
        f"{'1000² s':>8} {'MB':>5} | {'near s':>7} {'MB':>5} | {'cover s':>8} {'MB':>5}"
    )
    first = rows[0]
    for row in rows:
        print(
            f"{row['fraction']:>5.3f} {row['pbf_kb']:>7.0f} {row['nodes']:>7,} {row['edges']:>7,} "
            f"{row['households']:>7,} | " + " | ".join(f"{row[f'{s}_s']:>8.2f} {row[f'{s}_mb']:>5.0f}" for s in STAGES)
        )
    print("ratio to the 1/8 clip:")
    for row in rows[1:]:
        ratios = ", ".join(f"{s} x{row[f'{s}_s'] / first[f'{s}_s']:.2f}" for s in STAGES)
        print(f"  {row['fraction']:.3f}: nodes x{row['nodes'] / first['nodes']:.2f}; {ratios}")
    return rows, clips


def projection(rows: list[dict], source: Path, queries: int) -> None:
    """Fit the growth and print the projections (marked as projected)."""
    nodes = np.array([r["nodes"] for r in rows], dtype=float)
    full = rows[-1]
    nodes_per_mb = full["nodes"] / (source.stat().st_size / 1e6)
    city_nodes = nodes_per_mb * CITY_PBF_MB
    density = city_nodes / CITY_KM2
    areas = province_areas()
    _, (big_name, big_km2) = max(areas.items(), key=lambda item: item[1][1])
    targets = {
        f"whole Hanoi ({CITY_KM2:,.0f} km², {CITY_PBF_MB:g} MB PBF)": city_nodes,
        f"largest province, {big_name} ({big_km2:,.0f} km²)": density * big_km2,
    }
    print("\n2. Growth fitted on the clips (time = a * nodes^b; memory = m0 + k * nodes)")
    fits = {}
    for stage in STAGES:
        a, b = power_fit(nodes, np.array([r[f"{stage}_s"] for r in rows]))
        m0, k = line_fit(nodes, np.array([r[f"{stage}_mb"] for r in rows]))
        fits[stage] = (a, b, m0, k)
        print(f"  {stage:>8}: time exponent b = {b:.2f}; memory {m0:.0f} MB + {1000 * k:.2f} MB per 1,000 nodes")
    print(
        f"PROJECTED (assumptions: {nodes_per_mb:,.0f} motorbike nodes per MB of PBF as in the central extract; "
        f"{density:,.0f} nodes per km² as the projected whole city):"
    )
    for label, n in targets.items():
        parts = []
        for stage in STAGES:
            a, b, m0, k = fits[stage]
            parts.append(f"{stage} {a * n**b:,.0f} s")
        peak = max(fits[s][2] + fits[s][3] * n for s in STAGES)
        print(f"  {label}: ~{n:,.0f} nodes; " + ", ".join(parts) + f"; peak memory ~{peak / 1024:.1f} GB")
    budgets = Options().siting_time_limit_s + Options().day_time_limit_s
    task_s, peaks = [], []
    for _code, (_name, km2) in areas.items():
        n = density * km2
        task_s.append(sum(fits[s][0] * n ** fits[s][1] for s in STAGES) + budgets)
        peaks.append(max(fits[s][2] + fits[s][3] * n for s in STAGES))
    total = sum(task_s)
    print(
        f"  all 34 provinces ({sum(a for _, a in areas.values()):,.0f} km²) at that density, one task each "
        f"(the four stages + {budgets:g} s of siting and day budgets): {total / 3600:.1f} h on one worker; "
        + "; ".join(f"{w} workers {max(total / w, max(task_s)) / 3600:.1f} h" for w in (2, 4, 8, 16))
        + f"; peak memory per province {min(peaks) / 1024:.1f}-{max(peaks) / 1024:.1f} GB"
    )
    print(f"  (nearest: {queries} queries with their routes per clip; the projection is for the same count)")


REGIONS = """
[batch]
p = 2
tasks = 30
siting_time_limit_s = 10.0
day_time_limit_s = 5.0
"""


def cluster_start_stop(workers: int) -> float:
    """Wall time to start and stop the batch's local cluster with no task, s."""
    from ops import _batch

    started = time.perf_counter()
    with _batch.client(None, workers):
        pass
    return time.perf_counter() - started


def engine(clips: list[Path], folder: Path) -> None:
    """The batch on the clips as regions with 1 and 2 workers: speed-up and overhead per task."""
    from api import i18n
    from ops import regions

    spec = folder / "clips.toml"
    entries = "".join(
        f'\n[[region]]\nid = "clip-{i}"\nprovince = "01"\nosm = "{path.as_posix()}"\n' for i, path in enumerate(clips)
    )
    spec.write_text(REGIONS + entries, encoding="utf-8")
    parsed = regions.read(spec)
    print(f"\n3. The batch on the {len(clips)} clips as regions (fresh output folder each time; network cache warm)")
    results = {}
    for workers in (1, 2):
        fixed = cluster_start_stop(workers)
        out = folder / f"batch-{workers}"
        shutil.rmtree(out, ignore_errors=True)
        result = regions.batch(parsed, out, texts=i18n.catalogue("vi"), workers=workers)
        work = float(result.table["seconds"].sum())
        overhead = (result.seconds - fixed - work / workers) / len(clips)
        results[workers] = result.seconds
        status = ", ".join(result.table["status"].str.slice(0, 20))
        print(
            f"  {workers} worker(s): {result.seconds:.1f} s wall; cluster start+stop {fixed:.1f} s; tasks' own work "
            f"{work:.1f} s; engine overhead ~{overhead:.2f} s per task; status: {status}"
        )
    print(f"  speed-up with 2 workers: x{results[1] / results[2]:.2f} (2 cores, shared machine)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--osm", type=Path, default=None, help="extract to clip (default: central Hanoi)")
    parser.add_argument("--queries", type=int, default=300, help="nearest-agency queries per clip")
    parser.add_argument("--skip-batch", action="store_true", help="only the clips and the projection")
    args = parser.parse_args()
    source = args.osm or paths.default_osm()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="agencynet-scale-") as tmp:
        folder = Path(tmp)
        rows, clips = scaling(source, folder, args.queries)
        projection(rows, source, args.queries)
        if not args.skip_batch:
            engine(clips, folder)
    print(
        f"\n(this machine: {os.cpu_count()} cores, shared with other work; "
        f"bench run {time.perf_counter() - started:.0f} s; peak RSS of this process "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)"
    )


if __name__ == "__main__":
    main()
