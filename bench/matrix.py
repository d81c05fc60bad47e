"""Benchmark of motorbike travel-time matrices on central Hanoi: agencynet against networkx and pandana.

Run ``python bench/matrix.py`` (``--help`` for options). Times are wall-clock medians over ``--repeat`` runs
on whatever else the machine is doing; run it on a quiet machine for figures to quote.

Printed, all in the same run:

- 100x100 and 1000x1000 matrices between random points on the roads (seeded): ``geo.matrix.travel_times``
  against the scipy reference on the augmented graph, and, at points snapped onto road nodes (where a
  node-to-node router is comparable), against networkx (Dijkstra per origin) and pandana (contraction
  hierarchies, pair by pair), with the largest disagreement;
- with ``--candidates``, every backend evaluated for ``travel_times`` on 1000x1000;
- a nearest-agency query once the map is loaded (median over single-point queries);
- the mean trip speed over random pairs (the measured Hanoi motorbike mean is 20.4 km/h);
- the build time and peak memory of a network built from scratch, in a subprocess.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import scipy.sparse as sp
import shapely
from tqdm import tqdm

from geo import _ch, matrix, network, paths, snap
from geo.network import RoadNetwork
from geo.snap import Snapped

ROWS: list[tuple[str, str, str, float, str]] = []
"""Printed table: (size, tool, points, seconds, note)."""


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    """Median wall time of ``repeat`` calls, s, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def points_on_edges(net: RoadNetwork, rng: np.random.Generator, n: int) -> Snapped:
    """Random points spread along the roads (uniform per edge, anywhere along it), snapped."""
    edge = rng.integers(0, net.n_edges, n)
    at = shapely.line_interpolate_point(net.edge_geom[edge], rng.uniform(0, 1, n), normalized=True)
    lon, lat = net.to_wgs84.transform(shapely.get_x(at), shapely.get_y(at))
    return snap.to_edges(net, lon, lat)


def points_at_nodes(net: RoadNetwork, rng: np.random.Generator, n: int) -> tuple[np.ndarray, Snapped]:
    """Random road nodes and the points snapped onto them (partial edges of zero length)."""
    nodes = rng.choice(net.n_nodes, n, replace=False)
    return nodes, snap.to_edges(net, net.node_lon[nodes], net.node_lat[nodes])


def max_rel(a: np.ndarray, b: np.ndarray) -> float:
    """Largest relative difference between two matrices of travel times (both ``inf`` counts as equal)."""
    same_inf = np.isinf(a) & np.isinf(b)
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.abs(a - b) / np.maximum(np.abs(b), 1e-9)
    return float(np.where(same_inf, 0.0, rel).max())


def scipy_reference(net: RoadNetwork, o: Snapped, d: Snapped) -> np.ndarray:
    """Times by one scipy Dijkstra per origin on the augmented graph (the previous backend, kept as reference)."""
    graph = matrix._augment(net, o, d)
    return matrix.shortest_paths(graph.time, graph.origin_nodes, targets=graph.destination_nodes)


def road_weights(net: RoadNetwork) -> sp.csr_array:
    """Road graph alone as a CSR matrix of travel times, s."""
    tail, head, time_s = _ch._road_arcs(net)
    return sp.csr_array((time_s, (tail, head)), shape=(net.n_nodes, net.n_nodes))


def combine(net: RoadNetwork, o: Snapped, d: Snapped, node_times: Callable) -> np.ndarray:
    """Point-to-point times from a node-to-node backend, as ``travel_times`` does with the hierarchy."""
    oi, onode, otime, _ = matrix._arcs_from(net, o)
    dnode, dj, dtime, _ = matrix._arcs_to(net, d)
    so, sd, st, _ = matrix._same_road(net, o, d)
    return _ch.point_times(node_times, (oi, onode, otime), (dnode, dj, dtime), (so, sd, st), (len(o), len(d)))


_shared: dict[str, Any] = {}
"""The CSR graph handed to forked workers without pickling (copy-on-write after fork)."""


def _fork_rows(sources: np.ndarray) -> np.ndarray:
    return matrix.shortest_paths(_shared["graph"], sources, targets=_shared["targets"])


def candidates(net: RoadNetwork, rng: np.random.Generator, repeat: int) -> None:
    """Every backend evaluated for 1000x1000 ``travel_times`` on the same points, checked against scipy."""
    o, d = points_on_edges(net, rng, 1000), points_on_edges(net, rng, 1000)
    t_ref, ref = timed(lambda: scipy_reference(net, o, d), repeat)
    ROWS.append(("1000x1000", "cand: scipy, one Dijkstra per origin on augmented graph", "edges", t_ref, "ref"))
    road = road_weights(net)

    def scipy_nodes(s: np.ndarray, t: np.ndarray) -> np.ndarray:
        return matrix.shortest_paths(road, s, targets=t)

    t, got = timed(lambda: combine(net, o, d, scipy_nodes), repeat)
    ROWS.append(("1000x1000", "cand: scipy from distinct end nodes only", "edges", t, f"rel {max_rel(got, ref):.1e}"))

    graph = matrix._augment(net, o, d)
    _shared.update(graph=graph.time, targets=graph.destination_nodes)
    workers = 2
    started = time.perf_counter()
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        pool.map(np.abs, [0] * workers)
        spawn = time.perf_counter() - started

        def forked() -> np.ndarray:
            # A warm pool times the searches only; a real call would also fork after building its graph.
            return np.vstack(pool.map(_fork_rows, np.array_split(graph.origin_nodes, workers)))

        t, got = timed(forked, repeat)
    ROWS.append(
        (
            "1000x1000",
            f"cand: scipy, {workers} forked processes (warm pool; +{spawn:.2f} s to fork)",
            "edges",
            t,
            f"rel {max_rel(got, ref):.1e}",
        )
    )
    started = time.perf_counter()
    fresh = _ch.build(net)
    ROWS.append(
        ("-", "cand: routingkit-cch hierarchy build (order cached on disk)", "-", time.perf_counter() - started, "")
    )
    assert fresh is not None
    for threads in (1, _ch._workers()):
        saved = _ch.THREAD_MIN_SWEEPS
        _ch.THREAD_MIN_SWEEPS = 10**9 if threads == 1 else saved
        try:
            t, got = timed(lambda: combine(net, o, d, partial(_ch.node_table, fresh)), repeat)
        finally:
            _ch.THREAD_MIN_SWEEPS = saved
        ROWS.append(
            (
                "1000x1000",
                f"cand: routingkit-cch CCH, {threads} thread(s)",
                "edges",
                t,
                f"rel {max_rel(got, ref):.1e}",
            )
        )
    try:
        import fast_paths  # noqa: F401

        note = "installed but not wired in"
    except ImportError:
        note = "not installed: sdist only, its Rust build needs crates.io (offline here)"
    ROWS.append(("1000x1000", "cand: fast-paths", "-", float("nan"), note))


def networkx_times(net: RoadNetwork, nodes_o: np.ndarray, nodes_d: np.ndarray, desc: str) -> np.ndarray:
    """Node-to-node times by networkx, one Dijkstra per origin, s."""
    osmid_o, osmid_d = net.node_osmid[nodes_o], net.node_osmid[nodes_d]
    out = np.empty((len(nodes_o), len(nodes_d)))
    for i, source in enumerate(tqdm(osmid_o.tolist(), desc=desc, leave=False)):
        lengths = nx.single_source_dijkstra_path_length(net.graph, source, weight="travel_time")
        out[i] = [lengths.get(t, np.inf) for t in osmid_d.tolist()]
    return out


def pandana_network(net: RoadNetwork) -> tuple[Any, float] | tuple[None, str]:
    """A pandana network of the same graph and its contraction time, s, or why there is none."""
    try:
        import pandana
        import pandas as pd
    except ImportError as error:
        return None, f"pandana not installed ({error})"
    tail, head, time_s = _ch._road_arcs(net)
    started = time.perf_counter()
    try:
        pdn = pandana.Network(
            pd.Series(net.node_x, index=np.arange(net.n_nodes)),
            pd.Series(net.node_y, index=np.arange(net.n_nodes)),
            pd.Series(tail),
            pd.Series(head),
            pd.DataFrame({"time": time_s}),
            twoway=False,
        )
    except Exception as error:  # any build failure only removes pandana from the table
        return None, f"pandana failed: {error}"
    return pdn, time.perf_counter() - started


def pandana_times(pdn: Any, nodes_o: np.ndarray, nodes_d: np.ndarray) -> np.ndarray:
    """Node-to-node times by pandana: pandana answers pairs, so the matrix is every pair flattened, s."""
    rows = np.repeat(nodes_o, len(nodes_d))
    cols = np.tile(nodes_d, len(nodes_o))
    return np.asarray(pdn.shortest_path_lengths(rows, cols, imp_name="time")).reshape(len(nodes_o), len(nodes_d))


def matrices(net: RoadNetwork, rng: np.random.Generator, args: argparse.Namespace, pdn: Any) -> None:
    """The 100x100 and 1000x1000 comparisons."""
    for n in (100, 1000):
        size = f"{n}x{n}"
        o, d = points_on_edges(net, rng, n), points_on_edges(net, rng, n)
        t_ours, ours = timed(lambda o=o, d=d: matrix.travel_times(net, o, d).time_s, args.repeat)
        t_ref, ref = timed(lambda o=o, d=d: scipy_reference(net, o, d), max(1, args.repeat // 2))
        ROWS.append((size, "agencynet travel_times", "edges", t_ours, "1.00x"))
        ROWS.append(
            (
                size,
                "scipy reference (augmented Dijkstra)",
                "edges",
                t_ref,
                f"{t_ref / t_ours:.1f}x; rel {max_rel(ours, ref):.1e}",
            )
        )

        nodes_o, po = points_at_nodes(net, rng, n)
        nodes_d, pd_ = points_at_nodes(net, rng, n)
        t_nodes, at_nodes = timed(lambda po=po, pd_=pd_: matrix.travel_times(net, po, pd_).time_s, args.repeat)
        ROWS.append((size, "agencynet travel_times", "nodes", t_nodes, "1.00x"))

        sample = n if (n == 100 or not args.skip_networkx_1000) else min(n, args.networkx_sample)
        started = time.perf_counter()
        nx_times = networkx_times(net, nodes_o[:sample], nodes_d, f"networkx {size}")
        t_nx = (time.perf_counter() - started) * n / sample
        how = "" if sample == n else f", extrapolated from {sample} origins"
        err = np.abs(nx_times - at_nodes[:sample]).max()
        ROWS.append(
            (size, "networkx Dijkstra per origin", "nodes", t_nx, f"{t_nx / t_nodes:.0f}x{how}; max |diff| {err:.1e} s")
        )

        if isinstance(pdn, str):
            ROWS.append((size, "pandana", "nodes", float("nan"), pdn))
        else:
            t_pd, pd_times = timed(lambda a=nodes_o, b=nodes_d: pandana_times(pdn, a, b), 1 if n == 1000 else 3)
            err = np.abs(pd_times - at_nodes).max()
            ROWS.append(
                (size, "pandana shortest_path_lengths", "nodes", t_pd, f"{t_pd / t_nodes:.1f}x; max |diff| {err:.1e} s")
            )


def nearest(net: RoadNetwork, rng: np.random.Generator, n_queries: int) -> None:
    """The one-time table from every agency, then single-point nearest-agency queries."""
    frame = gpd.read_file(paths.data_dir() / "pois/agencies_authorities.geojson")
    frame = frame[frame["role"] == "agency"]
    lon, lat = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
    inside = (
        (lon >= net.node_lon.min())
        & (lon <= net.node_lon.max())
        & (lat >= net.node_lat.min())
        & (lat <= net.node_lat.max())
    )
    agencies = snap.to_edges(net, lon[inside], lat[inside], max_distance_m=2000)
    t_table, table = timed(lambda: matrix.target_table(net, agencies), 1)
    ROWS.append(("-", f"target_table from {len(agencies)} agencies (once per map load)", "-", t_table, ""))
    queries = points_on_edges(net, rng, n_queries)
    singles = [queries.subset([i]) for i in range(n_queries)]
    lookup, with_snap = [], []
    for i, point in enumerate(tqdm(singles, desc="nearest queries", leave=False)):
        started = time.perf_counter()
        matrix.times_to_targets(net, table, point)
        lookup.append(time.perf_counter() - started)
        started = time.perf_counter()
        one = snap.to_edges(net, queries.lon[i : i + 1], queries.lat[i : i + 1])
        matrix.times_to_targets(net, table, one).argmin()
        with_snap.append(time.perf_counter() - started)
    ROWS.append(
        (
            "1 point",
            f"times_to_targets (median of {n_queries})",
            "edges",
            statistics.median(lookup),
            "OSRM /nearest 0.5 ms",
        )
    )
    ROWS.append(
        ("1 point", f"snap + times_to_targets + argmin (median of {n_queries})", "-", statistics.median(with_snap), "")
    )


def mean_speed(net: RoadNetwork, rng: np.random.Generator, n: int) -> str:
    """Mean trip speed over random pairs: total route length over total time, km/h."""
    o, d = points_on_edges(net, rng, n), points_on_edges(net, rng, n)
    result = matrix.travel_times(net, o, d, with_distance=True)
    ok = np.isfinite(result.time_s)
    speed = result.distance_m[ok].sum() / result.time_s[ok].sum() * 3.6
    return f"mean trip speed over {ok.sum():,} random pairs: {speed:.1f} km/h (Hanoi measured 20.4 km/h)"


BUILD_SCRIPT = """
import json, resource, time
from geo import network
started = time.perf_counter()
net = network.build(use_cache=False)
print(json.dumps({"seconds": time.perf_counter() - started, "nodes": net.n_nodes, "edges": net.n_edges,
                  "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def scratch_build() -> str:
    """Build time and peak memory of a full network build without the cache, in a fresh interpreter."""
    done = subprocess.run([sys.executable, "-c", BUILD_SCRIPT], capture_output=True, text=True, check=True)
    report = json.loads(done.stdout.strip().splitlines()[-1])
    return (
        f"network build from scratch: {report['seconds']:.1f} s, peak RSS {report['peak_mb']:.0f} MB "
        f"({report['nodes']:,} nodes, {report['edges']:,} edges)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--repeat", type=int, default=5, help="runs per timing; the median is shown")
    parser.add_argument("--skip-networkx-1000", action="store_true", help="time a sample of origins and extrapolate")
    parser.add_argument("--networkx-sample", type=int, default=50, help="origins timed with --skip-networkx-1000")
    parser.add_argument("--queries", type=int, default=1000, help="single-point nearest-agency queries")
    parser.add_argument("--candidates", action="store_true", help="also time every backend evaluated")
    parser.add_argument("--skip-build", action="store_true", help="skip the from-scratch build (about a minute)")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    notes = []
    stages = ["load", "pandana", "matrices", "candidates", "nearest", "speed", "build"]
    with tqdm(stages, desc="bench", leave=False) as bar:
        bar.set_postfix_str("loading network")
        started = time.perf_counter()
        net = network.build()
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        _ch.hierarchy(net)
        ROWS.append(("-", f"network load ({net.n_nodes:,} nodes, {net.n_edges:,} edges)", "-", load_s, "cached"))
        ROWS.append(("-", "CCH hierarchy on first use (order cached on disk)", "-", time.perf_counter() - started, ""))
        bar.update()
        bar.set_postfix_str("pandana contraction")
        pdn, pd_build = pandana_network(net)
        if pdn is not None:
            ROWS.append(("-", "pandana network build (contraction)", "-", pd_build, ""))
        else:
            pdn = pd_build
        bar.update()
        bar.set_postfix_str("matrices")
        matrices(net, rng, args, pdn)
        bar.update()
        if args.candidates:
            bar.set_postfix_str("candidate backends")
            candidates(net, rng, args.repeat)
        bar.update()
        bar.set_postfix_str("nearest agency")
        nearest(net, rng, args.queries)
        bar.update()
        bar.set_postfix_str("trip speed")
        notes.append(mean_speed(net, rng, 300))
        bar.update()
        if not args.skip_build:
            bar.set_postfix_str("build from scratch")
            notes.append(scratch_build())
        bar.update()

    print(
        f"\nmedian of {args.repeat} runs unless noted; seed {args.seed}; 'rel' = max relative difference to the "
        "scipy reference; Nx = time / agencynet's time"
    )
    print(f"{'size':<10} {'tool':<66} {'points':<6} {'time':>10}  note")
    for size, tool, where, seconds, note in ROWS:
        shown = "-" if np.isnan(seconds) else (f"{seconds * 1e3:.3f} ms" if seconds < 0.01 else f"{seconds:.3f} s")
        print(f"{size:<10} {tool:<66} {where:<6} {shown:>10}  {note}")
    for note in notes:
        print(note)


if __name__ == "__main__":
    main()
