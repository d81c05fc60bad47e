"""Regions: one road extract each with its agencies, authorities, wards and province, and their figures.

A regions file (TOML, e.g. ``data/regions/hanoi.toml``) lists the regions and the batch options. Each region's
work (build or reuse the map, coverage, a siting scenario, a synthetic planned day) is one plain function,
:func:`figures`, that takes data and returns one row of the national table; :func:`batch` runs it on
dask.distributed, :func:`one_by_one` in this process. The two give the same table.

Regions file::

    [batch]                     # options, all optional (see :class:`Options`)
    p = 3

    [[region]]
    id = "hoan-kiem-2019"       # unique, letters, digits, '-' and '_'
    name = "Hoàn Kiếm"          # shown in the table (default: the id)
    province = "01"             # official province code (units_2026-07-25.json)
    osm = "osm/across_hoankiemair/hoankiem.osm"   # or place = "..." (online)
    data = "path"               # layers folder, relative to the file (default: agencynet's data folder)

Relative ``osm`` paths are read from the region's data folder.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import time
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from functools import cache
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import addressmap, network, osm, paths, profiles, snap, webmap
from geo import layers as _layers
from geo._errors import AgencynetError, InputError
from geo.addressmap import AddressMap
from geo.layers import Layers
from geo.siting import access
from geo.siting import scenario as siting
from ops import _batch
from ops import scenario as day
from routing.check import check
from routing.solver import solve

log = logging.getLogger(__name__)

RESULT_VERSION = 3
"""Version of a region's figures; part of the input hash, so a change of the computation invalidates reuse."""

COLUMNS = (
    "region",
    "status",
    "name",
    "province_code",
    "province",
    "nodes",
    "edges",
    "road_km",
    "area_km2",
    "agencies",
    "authorities",
    "wards",
    "households",
    "persons",
    "share_10min",
    "share_15min",
    "mean_time_min",
    "siting_model",
    "sites_proposed",
    "share_10min_after",
    "share_15min_after",
    "mean_time_after_min",
    "gain_10min_pp",
    "persons_gained_10min",
    "gain_mean_time_min",
    "day_synthetic",
    "tasks",
    "tasks_served",
    "postmen_used",
    "km",
    "day_check",
    "notes",
    "seconds",
)
"""Columns of the national table, in order. Shares are 0-1 of the persons of the region's households;
``gain_10min_pp`` is the rise of the share within 10 min in percentage points with the proposed sites,
``gain_mean_time_min`` the fall of the mean time to the nearest agency, min;
``km`` is the distance the postmen ride on the synthetic day; ``seconds`` is the region's work time."""

TIMING_COLUMNS = ("seconds",)
"""Columns that depend on the machine, not on the input."""

VIETNAM_BOUNDS = (102.1, 8.4, 109.5, 23.4)
"""West, south, east, north of Vietnam's mainland, degrees: the overview map's view when no region has an area."""

_WHOLE_NUMBERS = (
    "nodes",
    "edges",
    "agencies",
    "authorities",
    "wards",
    "households",
    "persons",
    "sites_proposed",
    "persons_gained_10min",
    "tasks",
    "tasks_served",
    "postmen_used",
)

_REGION_ID = re.compile(r"^[A-Za-z0-9_-]+$")


@dataclass(frozen=True)
class Options:
    """What every region computes (the ``[batch]`` table of a regions file).

    Attributes
    ----------
    model
        Siting model (:data:`geo.siting.scenario.MODELS`).
    p
        New agencies proposed per region.
    minutes
        Coverage threshold of the siting model, min.
    tasks, postmen, seed
        Size and seed of the synthetic day.
    siting_time_limit_s, day_time_limit_s
        Solver budgets, s.
    profile
        Travel profile.
    """

    model: str = "pmedian"
    p: int = 3
    minutes: float = 10.0
    tasks: int = 60
    postmen: int = 4
    seed: int = 1
    siting_time_limit_s: float = 20.0
    day_time_limit_s: float = 10.0
    profile: str = "motorbike"


@dataclass(frozen=True)
class Region:
    """One region: its road source, its layers folder and its province (plain data, sent to the workers).

    Attributes
    ----------
    id, name
        Identifier (unique in a file) and display name.
    source
        OSM extract path, or a place name for osmnx (online).
    is_file
        Whether the source is a file (else a place name).
    data_dir
        Folder of its agencies, authorities, wards and buildings.
    province_code, province
        Official province code and full name.
    """

    id: str
    name: str
    source: str
    data_dir: str
    province_code: str
    province: str
    is_file: bool = True


@dataclass(frozen=True)
class RegionsFile:
    """A parsed regions file: the regions in order and the options."""

    regions: tuple[Region, ...]
    options: Options = field(default_factory=Options)


@cache
def _units() -> dict[str, dict[str, Any]]:
    path = paths.vietnam_dir() / "units_2026-07-25.json"
    if not path.is_file():
        raise InputError(f"administrative units file not found: {path} (set AGENCYNET_VIETNAM_DATA)")
    with open(path, encoding="utf-8") as handle:
        return {unit["Code"]: unit for unit in json.load(handle)}


def province(code: str) -> tuple[str, str]:
    """Official code and full name of a province (34 since 2025), e.g. ``("01", "Thành phố Hà Nội")``.

    Raises
    ------
    InputError
        The code is not one of the 34 provinces.
    """
    units = _units()
    key = str(code).strip().zfill(2)
    if key not in units:
        raise InputError(f"unknown province code {code!r}; codes: {', '.join(sorted(units))}")
    return key, units[key]["FullName"]


def province_boundary(code: str) -> gpd.GeoDataFrame:
    """The boundary of a province (``provinces/NN_*.geojson`` beside the units file), EPSG:4326."""
    found = sorted((paths.vietnam_dir() / "provinces").glob(f"{code}_*.geojson"))
    if not found:
        raise InputError(f"no boundary file for province {code} in {paths.vietnam_dir() / 'provinces'}")
    return gpd.read_file(found[0]).to_crs(4326)


def _options(table: dict[str, Any]) -> Options:
    known = {f.name: f for f in fields(Options)}
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise InputError(f"[batch]: unknown option {unknown[0]!r}; options: {', '.join(known)}")
    values: dict[str, Any] = {}
    for name, value in table.items():
        kind = type(getattr(Options(), name))
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if type(value) is not kind:
            raise InputError(f"[batch] {name}: expected {kind.__name__}, got {value!r}")
        values[name] = value
    options = Options(**values)
    profiles.get(options.profile)
    siting.check_options(options.model, options.p, options.minutes, None, options.siting_time_limit_s)
    if options.tasks < 1 or options.postmen < 1 or options.day_time_limit_s <= 0:
        raise InputError("[batch]: tasks and postmen must be at least 1 and day_time_limit_s positive")
    return options


def _region(entry: dict[str, Any], number: int, folder: Path) -> Region:
    where = f"region {number}"
    ident = entry.get("id")
    if not isinstance(ident, str) or not _REGION_ID.match(ident):
        raise InputError(f"{where}: 'id' must be letters, digits, '-' or '_', got {ident!r}")
    where = f"region {ident!r}"
    unknown = sorted(set(entry) - {"id", "name", "province", "osm", "place", "data"})
    if unknown:
        raise InputError(f"{where}: unknown key {unknown[0]!r}")
    if ("osm" in entry) == ("place" in entry):
        raise InputError(f"{where}: give exactly one of 'osm' (a file) or 'place' (a name)")
    if "province" not in entry:
        raise InputError(f"{where}: 'province' (official code, e.g. \"01\") is missing")
    code, full_name = province(str(entry["province"]))
    data_dir = folder / entry["data"] if "data" in entry else paths.data_dir()
    source = str(data_dir / entry["osm"]) if "osm" in entry else str(entry["place"])
    return Region(ident, str(entry.get("name", ident)), source, str(data_dir), code, full_name, "osm" in entry)


def read(path: str | Path) -> RegionsFile:
    """Read a regions file.

    Parameters
    ----------
    path
        TOML file with ``[[region]]`` entries and an optional ``[batch]`` table.

    Returns
    -------
    RegionsFile
        The regions and the options.

    Raises
    ------
    InputError
        The file is missing or malformed, a region lacks a key, repeats an id or names an unknown province.
        (A region whose road file is missing or broken is not an error here: its row says why.)
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"regions file not found: {path}")
    try:
        with open(path, "rb") as handle:
            content = tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not a valid TOML file: {exc}") from None
    entries = content.get("region")
    if not isinstance(entries, list) or not entries:
        raise InputError(f"{path}: no [[region]] entries")
    unknown = sorted(set(content) - {"region", "batch"})
    if unknown:
        raise InputError(f"{path}: unknown table {unknown[0]!r}")
    regions = tuple(_region(entry, i + 1, path.parent) for i, entry in enumerate(entries))
    seen: set[str] = set()
    for region in regions:
        if region.id in seen:
            raise InputError(f"{path}: region id {region.id!r} appears twice")
        seen.add(region.id)
    return RegionsFile(regions, _options(content.get("batch", {})))


def area(net: network.RoadNetwork) -> shapely.Polygon:
    """The area a road network covers: the convex hull of its nodes, EPSG:4326."""
    return shapely.convex_hull(shapely.multipoints(np.column_stack([net.node_lon, net.node_lat])))


def clip(layers: Layers, region_area: shapely.Geometry) -> Layers:
    """The layers of a region: agencies, authorities and addresses inside its area, wards and districts that
    touch it.

    Households are already limited to the area (:func:`geo.layers.households`); those of wards left out go too.
    """

    def inside(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        # By a point inside each feature: a landmark's area may cross the region's edge.
        return frame[frame.representative_point().within(region_area)].reset_index(drop=True)

    wards = layers.wards[layers.wards.intersects(region_area)].reset_index(drop=True)
    households = layers.households[layers.households["ward_id"].isin(wards["ward_id"])].reset_index(drop=True)
    return Layers(
        agencies=inside(layers.agencies),
        authorities=inside(layers.authorities),
        wards=wards,
        households=households,
        addresses=inside(layers.addresses),
        districts=layers.districts[layers.districts.intersects(region_area)].reset_index(drop=True),
        landmarks=inside(layers.landmarks),
    )


def load_map(region: Region, *, profile: str = "motorbike") -> AddressMap:
    """Build (or reuse from the network cache) a region's map with its layers clipped to its area.

    Raises
    ------
    InputError
        Missing or unreadable road file, no roads, a region outside its province. A region without any agency
        is a map with an empty agency table: nobody is covered and the siting starts from nothing.
    """
    source: str | Path = Path(region.source) if region.is_file else region.source
    net = network.build(source, profile=profile)
    region_area = area(net)
    boundary = province_boundary(region.province_code)
    if not boundary.geometry.iloc[0].contains(region_area.representative_point()):
        raise InputError(f"the roads lie outside {region.province} ({region.province_code})")
    layers = clip(_layers.build(net, Path(region.data_dir)), region_area)
    # Households off the region's roads (buildings of a ward the extract only grazes) can be neither covered
    # nor visited; coverage leaves them out anyway, and so does the region.
    homes = layers.households
    on_roads = snap.road_distances(net, homes.geometry.x.values, homes.geometry.y.values)
    layers = replace(layers, households=homes[on_roads <= snap.DEFAULT_MAX_DISTANCE_M].reset_index(drop=True))
    return addressmap.assemble(net, layers, allow_no_agency=True)


DAY_SOLUTIONS = 40
"""OR-Tools solutions a region's day is searched for: a count, not the clock, ends the search, so a busy
worker gives the same day as an idle one; ``day_time_limit_s`` is then only the cap."""


def _day_budget(params: Any) -> None:
    params.solution_limit = DAY_SOLUTIONS


def synthetic_day(amap: AddressMap, options: Options) -> dict[str, Any]:
    """A planned day from a synthetic dossier feed on the region's map: seeded tasks, solved, checked.

    The feed is :func:`ops.scenario.generate` (seeded, synthetic tasks and households) until days are
    planned from dossiers; this is the one place a region's day is made.

    Returns
    -------
    dict
        ``day_synthetic`` (always true), ``tasks``, ``tasks_served``, ``postmen_used``, ``km`` (ridden) and
        ``day_check`` (``ok`` or the first violation the independent checker found); ``notes`` when no day
        can be made (no post office to start the postmen from).
    """
    if not (amap.agencies["kind"] == "post_office").any():
        return {"day_synthetic": True, "notes": "no post office on the map to start the postmen from: no day"}
    scenario = day.generate(amap, options.tasks, postmen=options.postmen, seed=options.seed)
    # Without the ALNS warm start, which a loaded machine stops by the clock: a region's figures must depend on
    # its inputs only (they are reused by input hash, and the cluster must give the in-process table).
    plan = solve(scenario.problem, time_limit_s=options.day_time_limit_s, warm_start=False, tune=_day_budget)
    result = check(scenario.problem, plan)
    clock = {} if plan.meta.get("deterministic", True) else {"notes": "day search stopped by the clock (machine busy)"}
    return clock | {
        "day_synthetic": True,
        "tasks": len(scenario.problem.tasks),
        "tasks_served": len(scenario.problem.tasks) - len(plan.unserved),
        "postmen_used": plan.vehicles,
        "km": round(plan.distance / 1000, 3),
        "day_check": "ok" if result.ok else result.violations[0],
    }


def _siting(amap: AddressMap, options: Options) -> dict[str, Any]:
    """Coverage before and after a siting scenario of ``p`` new agencies."""
    scenario = siting.plan(
        amap, model=options.model, p=options.p, minutes=options.minutes, time_limit_s=options.siting_time_limit_s
    )
    before, after = scenario.before.total, scenario.after.total
    return {
        "persons": round(float(before["population"])),
        "share_10min": round(float(before["share_within_10"]), 4),
        "share_15min": round(float(before["share_within_15"]), 4),
        "mean_time_min": _finite(before["mean_time_min"], 3),
        "siting_model": options.model,
        "sites_proposed": int(scenario.p),
        "share_10min_after": round(float(after["share_within_10"]), 4),
        "share_15min_after": round(float(after["share_within_15"]), 4),
        "mean_time_after_min": _finite(after["mean_time_min"], 3),
        "gain_10min_pp": round(100 * float(after["share_within_10"] - before["share_within_10"]), 2),
        "persons_gained_10min": round(
            float(after["share_within_10"] - before["share_within_10"]) * after["population"]
        ),
        "gain_mean_time_min": _finite(before["mean_time_min"] - after["mean_time_min"], 3),
    }


def _finite(value: float, digits: int) -> float | None:
    """A figure rounded, or ``None`` where it is not finite (a mean time with no agency to reach)."""
    return round(float(value), digits) if np.isfinite(value) else None


def figures(region: Region, options: Options) -> dict[str, Any]:
    """One region's row of the national table (the task each worker runs: data in, plain values out).

    Every failure ends in the row: ``status`` is ``ok`` or the reason. The region's area is returned as WKT
    under ``geometry`` (``None`` when the map could not be built).
    """
    started = time.perf_counter()
    row: dict[str, Any] = {
        "region": region.id,
        "status": "ok",
        "name": region.name,
        "province_code": region.province_code,
        "province": region.province,
        "geometry": None,
    }
    try:
        amap = load_map(region, profile=options.profile)
        row["geometry"] = area(amap.network).wkt
        metric = gpd.GeoSeries([shapely.from_wkt(row["geometry"])], crs=4326).to_crs(amap.network.crs)
        layers = amap.layers
        row |= {
            "nodes": amap.network.n_nodes,
            "edges": amap.network.n_edges,
            "road_km": round(float(amap.network.edge_length.sum()) / 1000, 3),
            "area_km2": round(float(metric.area.iloc[0]) / 1e6, 3),
            "agencies": len(amap.agencies),
            "authorities": len(layers.authorities),
            "wards": len(layers.wards),
            "households": int(layers.households["households"].sum()),
        }
        row |= _siting(amap, options)
        row |= synthetic_day(amap, options)
    except (AgencynetError, OSError) as exc:
        row["status"] = str(exc)
    except Exception as exc:  # a broken file fails inside a library: its row says how, the batch goes on
        log.exception("region %s failed", region.id)
        row["status"] = f"{type(exc).__name__}: {exc}"
    row["seconds"] = round(time.perf_counter() - started, 3)
    return row


def input_key(region: Region, options: Options) -> str | None:
    """Hash of everything a region's figures depend on: road file, layer files, options, code version.

    ``None`` when the road file cannot be read (such a region is always run again).
    """
    digest = hashlib.sha256(json.dumps([RESULT_VERSION, asdict(region), asdict(options)]).encode())
    if region.is_file:
        try:
            digest.update(osm.file_hash(Path(region.source)).encode())
        except OSError:
            return None
    data_dir = Path(region.data_dir)
    for name in (
        _layers.AGENCY_FILE,
        _layers.POI_FILE,
        _layers.WARD_FILE,
        _layers.BUILDING_FILE,
        _layers.ADDRESS_FILE,
    ):
        path = data_dir / name
        digest.update(f"{name}:{osm.file_hash(path) if path.is_file() else '-'}".encode())
    return digest.hexdigest()[:20]


def to_table(rows: Iterable[dict[str, Any]]) -> gpd.GeoDataFrame:
    """The national table from region rows: :data:`COLUMNS` in order, the regions' areas as geometry."""
    rows = list(rows)
    frame = pd.DataFrame(rows).reindex(columns=[*COLUMNS, "geometry"])
    geometry = gpd.GeoSeries([shapely.from_wkt(w) if isinstance(w, str) else None for w in frame["geometry"]])
    table = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=geometry.values, crs=4326)
    for column in _WHOLE_NUMBERS:
        table[column] = table[column].astype("Int64")
    table["day_synthetic"] = table["day_synthetic"].astype("boolean")
    return table


def one_by_one(
    regions: Iterable[Region], options: Options, *, progress: Callable[[dict], None] | None = None
) -> gpd.GeoDataFrame:
    """The national table computed in this process, one region after the other (no engine, no reuse)."""
    rows = []
    for region in regions:
        rows.append(figures(region, options))
        if progress is not None:
            progress(rows[-1])
    return to_table(rows)


@dataclass
class BatchResult:
    """A finished batch: the table, where it was written and how it ran.

    Attributes
    ----------
    table
        One row per region (:data:`COLUMNS`, geometry = the region's area).
    files
        The CSV, GeoPackage and HTML map written.
    computed, reused
        Region ids computed in this run, and reused from a previous run (same input hash).
    scheduler
        Address of the dask scheduler used.
    workers
        Workers the scheduler had when the batch started.
    seconds
        Wall time of the batch (cluster start included), s.
    """

    table: gpd.GeoDataFrame
    files: list[Path]
    computed: list[str]
    reused: list[str]
    scheduler: str
    workers: int
    seconds: float


def batch(
    regions: RegionsFile,
    out: str | Path,
    *,
    texts: Mapping[str, Any],
    scheduler: str | None = None,
    workers: int | None = None,
    progress: Callable[[dict], None] | None = None,
) -> BatchResult:
    """Run every region as one dask task and write the national table.

    Parameters
    ----------
    regions
        The regions and options (:func:`read`).
    out
        Output folder: ``regions.csv``, ``regions.gpkg``, ``regions.html``, and ``results/`` (finished rows
        by input hash, reused by the next run).
    texts
        A catalogue of :mod:`api.i18n`: the overview map's words (its ``maps`` part).
    scheduler
        Address of a running dask scheduler (``tcp://host:8786``); a ``LocalCluster`` of worker processes on
        this machine when omitted.
    workers
        Worker processes of the local cluster (default: one per core, at most one per region to compute).
    progress
        Called with each region's row as it finishes (reused rows included).

    Returns
    -------
    BatchResult
        The table, the files and how the batch ran.
    """
    started = time.perf_counter()
    out = Path(out)
    results = out / "results"
    results.mkdir(parents=True, exist_ok=True)
    say = progress or (lambda _row: None)
    rows: dict[str, dict[str, Any]] = {}
    todo: list[tuple[Region, str | None]] = []
    for region in regions.regions:
        key = input_key(region, regions.options)
        stored = results / f"{region.id}-{key}.json"
        if key is not None and stored.is_file():
            rows[region.id] = json.loads(stored.read_text(encoding="utf-8"))
            say(rows[region.id])
        else:
            todo.append((region, key))

    def finished(index: int, row: dict[str, Any] | None, error: str | None) -> None:
        region, key = todo[index]
        if row is None:
            row = {"region": region.id, "status": f"task failed: {error}", "name": region.name}
        elif row["status"] == "ok" and key is not None:
            # Written aside then renamed, so that an interrupted batch never leaves half a result to reuse.
            stored = results / f"{region.id}-{key}.json"
            partial = stored.with_suffix(f".{os.getpid()}.part")
            partial.write_text(json.dumps(row, ensure_ascii=False), encoding="utf-8")
            partial.replace(stored)
        rows[region.id] = row
        say(row)

    n_cores = os.cpu_count() or 1
    size = workers if workers is not None else max(1, min(n_cores, len(todo)))
    if size < 1:
        raise InputError(f"--workers must be at least 1, got {size}")
    address, n_workers = scheduler or "", 0
    if todo:
        address, n_workers = _batch.run(
            figures,
            [(region, regions.options) for region, _ in todo],
            [f"region-{region.id}-{key or 'unkeyed'}" for region, key in todo],
            on_done=finished,
            scheduler=scheduler,
            workers=size,
        )
    table = to_table(rows[region.id] for region in regions.regions)
    files = write(table, out, texts)
    computed = [region.id for region, _ in todo]
    reused = [region.id for region in regions.regions if region.id not in computed]
    log.info("batch on %s (%d workers): %d computed, %d reused", address, n_workers, len(computed), len(reused))
    return BatchResult(table, files, computed, reused, address, n_workers, time.perf_counter() - started)


def write(table: gpd.GeoDataFrame, out: Path, texts: Mapping[str, Any]) -> list[Path]:
    """Write the national table as ``regions.csv``, ``regions.gpkg`` (layer ``regions``) and ``regions.html`` (the
    overview map in the words of ``texts``, a catalogue of :mod:`api.i18n`)."""
    out.mkdir(parents=True, exist_ok=True)
    csv = out / "regions.csv"
    pd.DataFrame(table.drop(columns="geometry")).to_csv(csv, index=False)
    gpkg = out / "regions.gpkg"
    gpkg.unlink(missing_ok=True)
    table.to_file(gpkg, layer="regions", driver="GPKG")
    html = out / "regions.html"
    webmap.save(overview_map(table, texts), html, texts["maps"], title=texts["maps"]["regions_title"])
    return [csv, gpkg, html]


def _colour(share: float) -> str:
    """The shade of a share (:data:`geo.siting.access.SHARE_STEPS`); grey when the region has none (its work failed
    after the map)."""
    return "#999999" if pd.isna(share) else access.share_colour(float(share))


def overview_map(table: gpd.GeoDataFrame, texts: Mapping[str, Any]) -> folium.Map:
    """A map of the regions drawn offline (:func:`geo.webmap.new_map`): each area coloured by the share within 15
    minutes, its figures in the tooltip, over the boundaries of their provinces; in the words of ``texts`` (a
    catalogue of :mod:`api.i18n`: its ``maps`` part)."""
    said = texts["maps"]
    mapped = table[table.geometry.notna()]
    boundaries = {}
    for code in sorted(set(table["province_code"].dropna())):
        try:
            boundaries[code] = province_boundary(str(code))
        except InputError:
            continue
    drawn = [frame for frame in (mapped, *boundaries.values()) if len(frame)]
    fmap = webmap.new_map(drawn[0].total_bounds if drawn else VIETNAM_BOUNDS, said)
    for code, boundary in boundaries.items():
        name = boundary["name"].iloc[0] if "name" in boundary else code
        folium.GeoJson(
            boundary.__geo_interface__,
            name=said["boundary"].format(name=name),
            style_function=lambda _f: {"color": "#333", "weight": 2, "fill": False, "dashArray": "5,5"},
        ).add_to(fmap)
    if len(mapped):
        labels = said["region_columns"]
        frame = mapped[[*labels, "geometry"]].copy()
        for column in frame.columns:
            if column != "geometry":
                frame[column] = frame[column].astype(object).where(frame[column].notna(), "")
        shares = dict(zip(mapped["region"], mapped["share_15min"], strict=True))
        folium.GeoJson(
            frame.__geo_interface__,
            name=said["regions"],
            style_function=lambda f: {
                "fillColor": _colour(shares[f["properties"]["region"]]),
                "color": "#222",
                "weight": 1,
                "fillOpacity": 0.6,
            },
            tooltip=folium.GeoJsonTooltip(list(labels), aliases=list(labels.values())),
        ).add_to(fmap)
    access.share_legend(15, texts).add_to(fmap)
    return fmap
