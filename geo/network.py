"""The routable road network of one travel profile, with travel-time weights and an on-disk cache.

A :class:`RoadNetwork` holds the osmnx graph (kept for export and cross-checks) and flat numpy arrays of its
nodes and edges that the hot paths (snapping, matrices) work on.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import re
import tempfile
import time
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import osmnx as ox
import scipy.sparse as sp
import shapely
from pyproj import CRS, Transformer

from geo import osm, paths
from geo import profiles as _profiles
from geo._errors import InputError
from geo._grid import SegmentGrid
from geo.profiles import Profile

log = logging.getLogger(__name__)

CACHE_VERSION = 2
"""Bumped whenever the layout of a cached network changes, so stale caches are rebuilt."""

EXTRA_WAY_TAGS = ["oneway:motorcycle", "motorcycle", "motor_vehicle", "motorcar", "vehicle"]
"""Way tags osmnx must keep beyond its defaults, so the graph records why a way was allowed."""


@dataclass(frozen=True)
class BuildReport:
    """What building a network did.

    Attributes
    ----------
    source
        The OSM file or place the network came from.
    profile
        Travel profile name.
    nodes, edges
        Size of the kept (largest strongly connected) network.
    dropped_nodes, dropped_edges
        Parts outside the largest strongly connected component, removed.
    ways_read, ways_kept
        Highway ways in the input and kept by the profile (``-1`` for a place download).
    mean_speed_kmh
        Length-weighted mean travelling speed over all edges, km/h.
    total_km
        Total length of directed edges, km.
    seconds
        Wall time of the build (or of the cache load), s.
    from_cache
        Whether the network was read from the cache instead of parsed.
    """

    source: str
    profile: str
    nodes: int
    edges: int
    dropped_nodes: int
    dropped_edges: int
    ways_read: int
    ways_kept: int
    mean_speed_kmh: float
    total_km: float
    seconds: float
    from_cache: bool = False


@dataclass(frozen=True)
class EdgeLines:
    """The vertices of all edge geometries, flat.

    Attributes
    ----------
    lonlat
        ``(n_vertices, 2)`` longitude and latitude of the vertices, degrees, edge after edge.
    offset
        Vertices of edge ``j`` are rows ``offset[j]`` to ``offset[j + 1]`` (exclusive).
    along
        Distance from the start of its edge to each vertex, in the network's CRS, m.
    xy
        ``(n_vertices, 2)`` the same vertices in the network's CRS, m.
    """

    lonlat: np.ndarray
    offset: np.ndarray
    along: np.ndarray
    xy: np.ndarray


@dataclass
class RoadNetwork:
    """A directed road graph with flat arrays for fast computation.

    Attributes
    ----------
    profile
        Name of the travel profile.
    graph
        The osmnx ``MultiDiGraph`` (EPSG:4326), edges carrying ``length`` (m), ``speed_kph`` and
        ``travel_time`` (s).
    crs
        Metric CRS (UTM) of ``edge_geom``, ``node_x`` and ``node_y``.
    node_osmid
        OSM id of node ``i``.
    node_lon, node_lat
        Node coordinates, degrees.
    node_x, node_y
        Node coordinates in ``crs``, m.
    edge_u, edge_v, edge_key
        Endpoints (node indices) and osmnx key of edge ``j``.
    edge_length
        Edge length, m.
    edge_time
        Edge travel time, s.
    edge_rev
        Index of the edge running the same road in the other direction, ``-1`` on one-way roads.
    edge_geom
        Edge geometry in ``crs`` (shapely LineStrings drawn from ``u`` to ``v``).
    edge_name, edge_highway
        Street name (may be empty) and highway class of each edge.
    report
        How the network was built.
    """

    profile: str
    graph: nx.MultiDiGraph
    crs: CRS
    node_osmid: np.ndarray
    node_lon: np.ndarray
    node_lat: np.ndarray
    node_x: np.ndarray
    node_y: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    edge_key: np.ndarray
    edge_length: np.ndarray
    edge_time: np.ndarray
    edge_rev: np.ndarray
    edge_geom: np.ndarray
    edge_name: np.ndarray
    edge_highway: np.ndarray
    report: BuildReport

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_osmid)

    @property
    def n_edges(self) -> int:
        """Number of directed edges."""
        return len(self.edge_u)

    @cached_property
    def tree(self) -> shapely.STRtree:
        """Spatial index of ``edge_geom``."""
        return shapely.STRtree(self.edge_geom)

    @cached_property
    def grid(self) -> SegmentGrid:
        """Grid of the edges' segments, for the nearest edge of a point (:mod:`geo._grid`)."""
        lines = self.edge_lines
        return SegmentGrid.build(lines.xy, lines.offset)

    @cached_property
    def fastest_edge(self) -> sp.csr_array:
        """Sparse ``(n_nodes, n_nodes)`` matrix of ``1 + index`` of the fastest edge from ``u`` to ``v``.

        Parallel edges collapse to the fastest, so both weights of an arc come from the same edge.
        """
        order = np.lexsort((self.edge_time, self.edge_v, self.edge_u))
        u, v = self.edge_u[order], self.edge_v[order]
        first = np.ones(len(order), dtype=bool)
        first[1:] = (u[1:] != u[:-1]) | (v[1:] != v[:-1])
        keep = order[first]
        return sp.csr_array((keep + 1, (self.edge_u[keep], self.edge_v[keep])), shape=(self.n_nodes, self.n_nodes))

    def edge_between(self, u: np.ndarray, v: np.ndarray) -> np.ndarray:
        """Index of the fastest edge from each node ``u`` to the node ``v`` beside it, ``-1`` where none."""
        fastest = self.fastest_edge
        fastest.sort_indices()
        rows = np.repeat(np.arange(self.n_nodes), np.diff(fastest.indptr))
        keys = rows * self.n_nodes + fastest.indices
        wanted = np.asarray(u, dtype=np.int64) * self.n_nodes + np.asarray(v, dtype=np.int64)
        at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
        return np.where(keys[at] == wanted, fastest.data[at] - 1, -1)

    @cached_property
    def edge_lines(self) -> EdgeLines:
        """Vertices of every edge geometry, flat, for snapping points and drawing routes without projecting."""
        coords, index = shapely.get_coordinates(self.edge_geom, return_index=True)
        offset = np.searchsorted(index, np.arange(self.n_edges + 1))
        step = np.zeros(len(coords))
        step[1:] = np.sqrt(((coords[1:] - coords[:-1]) ** 2).sum(axis=1))
        step[offset[:-1]] = 0.0
        # One running sum over all edges, less its value at each edge's start (exact to ~1e-8 m).
        along = np.cumsum(step)
        along -= np.repeat(along[offset[:-1]], np.diff(offset))
        lon, lat = self.to_wgs84.transform(coords[:, 0], coords[:, 1])
        return EdgeLines(np.column_stack([lon, lat]), offset, along, coords)

    @cached_property
    def to_wgs84(self) -> Transformer:
        """Transformer from ``crs`` to longitude/latitude."""
        return Transformer.from_crs(self.crs, 4326, always_xy=True)

    @cached_property
    def from_wgs84(self) -> Transformer:
        """Transformer from longitude/latitude to ``crs``."""
        return Transformer.from_crs(4326, self.crs, always_xy=True)

    def __getstate__(self) -> dict:
        # Derived indexes are rebuilt on demand rather than pickled.
        lazy = {"tree", "grid", "fastest_edge", "edge_lines", "to_wgs84", "from_wgs84"}
        return {k: v for k, v in self.__dict__.items() if k not in lazy}

    def edges_frame(self) -> gpd.GeoDataFrame:
        """The edges as a GeoDataFrame in EPSG:4326 (schema documented in :mod:`geo.store`)."""
        frame = gpd.GeoDataFrame(
            {
                "edge_id": np.arange(self.n_edges),
                "u": self.node_osmid[self.edge_u],
                "v": self.node_osmid[self.edge_v],
                "key": self.edge_key,
                "name": self.edge_name,
                "highway": self.edge_highway,
                "oneway": self.edge_rev < 0,
                "length_m": self.edge_length,
                "travel_time_s": self.edge_time,
                "speed_kmh": self.edge_length / np.maximum(self.edge_time, 1e-9) * 3.6,
            },
            geometry=gpd.GeoSeries(self.edge_geom, crs=self.crs).to_crs(4326).values,
            crs=4326,
        )
        return frame

    def nodes_frame(self) -> gpd.GeoDataFrame:
        """The nodes as a GeoDataFrame in EPSG:4326 (schema documented in :mod:`geo.store`)."""
        return gpd.GeoDataFrame(
            {"node_id": np.arange(self.n_nodes), "osmid": self.node_osmid},
            geometry=gpd.points_from_xy(self.node_lon, self.node_lat),
            crs=4326,
        )


def _first_number(value: object) -> float:
    """The smallest number in an OSM value (``"50"``, ``"50;60"`` or a list of them); ``nan`` if none."""
    items = value if isinstance(value, list) else [value]
    numbers = [float(m) for item in items for m in re.findall(r"\d+(?:\.\d+)?", str(item))]
    return min(numbers) if numbers else np.nan


def edge_speeds(highways: list[object], maxspeeds: list[object], profile: Profile) -> np.ndarray:
    """Travelling speed of each edge under a profile, km/h.

    The class speed (mean over the classes of a merged edge, as osmnx does) capped by ``maxspeed``. Written
    here rather than with ``osmnx.add_edge_speeds`` because that takes ``maxspeed`` *as* the speed, which in
    Hanoi traffic overstates motorbike speeds by a factor of two or more.
    """
    fallback = float(np.median(list(profile.speeds_kmh.values())))
    speeds = np.empty(len(highways))
    for i, hwy in enumerate(highways):
        classes = hwy if isinstance(hwy, list) else [hwy]
        speeds[i] = np.mean([profile.speeds_kmh.get(str(c), fallback) for c in classes])
    caps = np.array([_first_number(m) if m is not None else np.nan for m in maxspeeds])
    return np.fmin(speeds, caps)


def _reverse_edges(u: np.ndarray, v: np.ndarray, length: np.ndarray) -> np.ndarray:
    """For each edge, the index of the edge with swapped ends and the same length (``-1`` if none)."""
    rounded = np.round(length, 3)
    index = {(a, b, c): j for j, (a, b, c) in enumerate(zip(u.tolist(), v.tolist(), rounded.tolist(), strict=True))}
    return np.array(
        [index.get((b, a, c), -1) for a, b, c in zip(u.tolist(), v.tolist(), rounded.tolist(), strict=True)],
        dtype=np.int64,
    )


def from_graph(graph: nx.MultiDiGraph, profile: Profile, report: BuildReport) -> RoadNetwork:
    """Wrap an osmnx graph whose edges carry ``length``, ``highway`` and ``maxspeed`` into a RoadNetwork."""
    nodes = list(graph.nodes)
    position = {n: i for i, n in enumerate(nodes)}
    lon = np.array([graph.nodes[n]["x"] for n in nodes])
    lat = np.array([graph.nodes[n]["y"] for n in nodes])
    crs = gpd.GeoSeries(gpd.points_from_xy([lon.mean()], [lat.mean()]), crs=4326).estimate_utm_crs()
    forward = Transformer.from_crs(4326, crs, always_xy=True)
    x, y = forward.transform(lon, lat)

    edges = list(graph.edges(keys=True, data=True))
    u = np.array([position[a] for a, _, _, _ in edges], dtype=np.int64)
    v = np.array([position[b] for _, b, _, _ in edges], dtype=np.int64)
    length = np.array([d["length"] for *_, d in edges], dtype=float)
    speed = edge_speeds([d.get("highway") for *_, d in edges], [d.get("maxspeed") for *_, d in edges], profile)
    travel_time = length / (speed / 3.6)
    for (_, _, _, data), s, t in zip(edges, speed, travel_time, strict=True):
        data["speed_kph"] = float(s)
        data["travel_time"] = float(t)

    wgs = [
        d["geometry"]
        if "geometry" in d
        else shapely.LineString([(lon[position[a]], lat[position[a]]), (lon[position[b]], lat[position[b]])])
        for a, b, _, d in edges
    ]
    geom = shapely.transform(
        np.array(wgs, dtype=object), lambda c: np.column_stack(forward.transform(c[:, 0], c[:, 1]))
    )

    def text(value: object) -> str:
        return "; ".join(map(str, value)) if isinstance(value, list) else ("" if value is None else str(value))

    return RoadNetwork(
        profile=profile.name,
        graph=graph,
        crs=crs,
        node_osmid=np.array(nodes, dtype=np.int64),
        node_lon=lon,
        node_lat=lat,
        node_x=np.asarray(x),
        node_y=np.asarray(y),
        edge_u=u,
        edge_v=v,
        edge_key=np.array([k for _, _, k, _ in edges], dtype=np.int64),
        edge_length=length,
        edge_time=travel_time,
        edge_rev=_reverse_edges(u, v, length),
        edge_geom=geom,
        edge_name=np.array([text(d.get("name")) for *_, d in edges], dtype=object),
        edge_highway=np.array([text(d.get("highway")) for *_, d in edges], dtype=object),
        report=report,
    )


def _graph_from_source(source: str | Path, profile: Profile) -> tuple[nx.MultiDiGraph, int, int]:
    """Parse an extract (or download a place) into an unsimplified-then-simplified osmnx graph."""
    ox.settings.useful_tags_way = list(dict.fromkeys(ox.settings.useful_tags_way + EXTRA_WAY_TAGS))
    if isinstance(source, Path):
        with tempfile.TemporaryDirectory(prefix="agencynet-") as tmp:
            filtered = Path(tmp) / "ways.osm"
            stats = osm.filter_ways(source, profile, filtered)
            graph = ox.graph_from_xml(filtered, bidirectional=False, simplify=True, retain_all=True)
        return _sorted_lists(graph), stats.ways_read, stats.ways_kept
    graph = ox.graph_from_place(source, custom_filter=profile.overpass_filter(), simplify=True, retain_all=True)
    return _sorted_lists(graph), -1, -1


def _sorted_lists(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """``graph`` with the values osmnx merged into lists sorted, in place.

    osmnx's simplification lists the distinct values of the ways it merges (names, classes) from a set, in an
    order that follows Python's string hash seed: without sorting, a merged edge was "Phố Linh Lang; Phố Đội
    Cấn" in one build and "Phố Đội Cấn; Phố Linh Lang" in the next, and the agency address taken from its
    first name changed with it.
    """
    for _, _, data in graph.edges(data=True):
        for key, value in data.items():
            if isinstance(value, list):
                data[key] = sorted(value, key=str)
    return graph


def build(
    source: str | Path | None = None, *, profile: str = "motorbike", use_cache: bool = True, progress=None
) -> RoadNetwork:
    """Build (or load from the cache) the road network of a profile.

    Parameters
    ----------
    source
        An OSM extract path (.osm, .osm.bz2, .osm.pbf), a place name to download with osmnx (needs internet),
        or ``None`` for the default central-Hanoi extract.
    profile
        Travel profile name (``motorbike`` or ``car``).
    use_cache
        Read and write the cache, keyed by the input file's hash, the profile's settings and the code version.
    progress
        Optional callable taking a short stage description, called as the build advances.

    Returns
    -------
    RoadNetwork
        The largest strongly connected part of the network, with travel times.
    """
    prof = _profiles.get(profile)
    started = time.perf_counter()
    say = progress or (lambda _stage: None)
    if source is None:
        source = paths.default_osm()
    if isinstance(source, str) and (Path(source).suffix or Path(source).exists()):
        source = Path(source)
    if isinstance(source, Path):
        source = osm.check_extract(source)
        key = f"{osm.file_hash(source)}-{prof.name}-{prof.fingerprint()}-v{CACHE_VERSION}"
    else:
        key = f"place-{hashlib.sha256(source.encode()).hexdigest()[:16]}-{prof.name}-{prof.fingerprint()}"
    cache_file = paths.cache_dir() / f"network-{key}.pkl"
    if use_cache and cache_file.exists():
        say("loading cached network")
        with open(cache_file, "rb") as handle:
            network: RoadNetwork = pickle.load(handle)
        network.report = replace(network.report, seconds=time.perf_counter() - started, from_cache=True)
        log.info("network loaded from cache %s", cache_file.name)
        return network

    say(f"reading {source if isinstance(source, str) else source.name}")
    graph, ways_read, ways_kept = _graph_from_source(source, prof)
    if len(graph) == 0:
        raise InputError(f"no {prof.name} roads in {source}")
    say("keeping the largest strongly connected part")
    all_nodes, all_edges = len(graph), graph.number_of_edges()
    graph = ox.truncate.largest_component(graph, strongly=True)
    say("computing travel times")
    report = BuildReport(
        source=str(source),
        profile=prof.name,
        nodes=len(graph),
        edges=graph.number_of_edges(),
        dropped_nodes=all_nodes - len(graph),
        dropped_edges=all_edges - graph.number_of_edges(),
        ways_read=ways_read,
        ways_kept=ways_kept,
        mean_speed_kmh=0.0,
        total_km=0.0,
        seconds=0.0,
    )
    network = from_graph(graph, prof, report)
    total_m = float(network.edge_length.sum())
    network.report = replace(
        report,
        mean_speed_kmh=total_m / float(network.edge_time.sum()) * 3.6,
        total_km=total_m / 1000,
        seconds=time.perf_counter() - started,
    )
    if use_cache:
        say("writing cache")
        # Written aside then renamed: a process killed mid-write (a batch worker) leaves no truncated cache.
        partial = cache_file.with_name(f"{cache_file.name}.{os.getpid()}.part")
        with open(partial, "wb") as handle:
            pickle.dump(network, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, cache_file)
    return network
