"""Site-planning scenarios on the address map: where the next agencies should open, and what changes per ward.

A scenario keeps every existing agency open (``fixed_open``), chooses new sites among candidates with one of
the location-allocation models of :mod:`geo.siting`, and measures the coverage of every ward before and after
with :mod:`geo.siting.access` (exact household times, not the aggregated demand the model saw).

Choices, and why:

- **Demand**: the ~35,000 household points (weight ``persons``) are grouped into square cells of
  :data:`DEFAULT_CELL_M` metres in the map's metric CRS; each cell becomes one demand point at its household
  nearest to the cell's population-weighted centre (a real address on a road, never a point in a lake), with
  the cell's persons as weight. 250 m cells give ~1,000 demand points on the central-Hanoi map, so the matrix
  (demand x sites) stays below a million entries; within a cell, riding times differ by about a minute at
  most.
- **Candidates** (default): our data does not tell post offices that are not yet agents from those that are,
  so the default candidates are the places a planner would approach first: the commune authorities (People's
  Committees, public-administration centres) on the map and the named OSM addresses (shops, offices, cafes),
  thinned to the first by id in every :data:`DEFAULT_CANDIDATE_SPACING_M` cell; named addresses crowd the old
  quarter, so one street point (a road node) per :data:`DEFAULT_STREET_SPACING_M` square is added too, so that
  every part of the map has candidates (set cover and p-center need them at the edges). A user file replaces
  them all (:func:`read_candidates`: GeoJSON points or CSV with ``lat``/``lon``).
- **Matrix**: :func:`geo.matrix.travel_times` from demand points to existing agencies and candidates, in
  seconds, on the map's profile (motorbike by default).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from pyogrio.errors import DataSourceError

from geo import isochrones, matrix, snap, webmap
from geo._errors import InfeasibleError, InputError
from geo.addressmap import AddressMap
from geo.siting import access
from geo.siting._base import LocateModel
from geo.siting.capacitated import CapacitatedPMedian
from geo.siting.coverage import MaxCoverage, SetCover
from geo.siting.pcenter import PCenter
from geo.siting.pmedian import PMedian

log = logging.getLogger(__name__)

MODELS: dict[str, str] = {
    "pmedian": "p-median: minimum total population-weighted travel time",
    "mclp": "maximal coverage: most population within T minutes",
    "lscp": "set cover: fewest new sites so that everyone is within T minutes (p is not used)",
    "pcenter": "p-center: minimum worst travel time",
}
"""Model names of :func:`plan` and what each optimises. ``pmedian`` with a capacity is the capacitated one."""

DEFAULT_MINUTES = 10.0
"""Coverage threshold of a scenario, min (the shortest threshold of issue 4's tables)."""

DEFAULT_CELL_M = 250.0
"""Side of the demand cells, m (see the module docstring)."""

DEFAULT_CANDIDATE_SPACING_M = 250.0
"""At most one default candidate per square of this side, m."""

DEFAULT_STREET_SPACING_M = 500.0
"""One street-point candidate (the road node nearest the centre of the square) per square of this side, m."""

DEFAULT_TIME_LIMIT_S = 30.0
"""Solver budget of a scenario, s."""

DOSSIERS_PER_PERSON_DAY = 12e6 / 95.5e6 / 250
"""Dossiers a person sends or receives by post per working day: ~12 million dossiers by post in Vietnam in 2018
(CONTEXT.md) over 95.5 million people (GSO, 2018) and 250 working days; ~5e-4. Converts population into the
dossiers a day a capacity counts."""

_WARD_BASE = ["ward_id", "name", "points", "population", "geometry"]
"""Columns of a ward table that are the ward's, not a measure of its coverage (those are stored before and after)."""


def _metric_xy(amap: AddressMap, gdf: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Coordinates of point rows in the network's metric CRS, m."""
    x, y = amap.network.from_wgs84.transform(gdf.geometry.x.values, gdf.geometry.y.values)
    return np.asarray(x), np.asarray(y)


def _on_map(amap: AddressMap, gdf: gpd.GeoDataFrame) -> np.ndarray:
    """Which point rows lie within the snapping distance of a road."""
    if gdf.empty:
        return np.zeros(0, dtype=bool)
    return snap.road_distances(amap.network, gdf.geometry.x.values, gdf.geometry.y.values) <= (
        snap.DEFAULT_MAX_DISTANCE_M
    )


def demand_points(
    amap: AddressMap, households: access.HouseholdPoints, *, cell_m: float = DEFAULT_CELL_M
) -> tuple[gpd.GeoDataFrame, snap.Snapped]:
    """Aggregate households into one demand point per square cell.

    Parameters
    ----------
    amap
        The loaded map.
    households
        Snapped on-map households (:func:`geo.siting.access.household_points`).
    cell_m
        Side of the cells, m.

    Returns
    -------
    tuple
        The demand points (``cell``, ``ward_id``, ``persons``, ``households``, ``household_points``, geometry
        EPSG:4326 of the representative household) and their snapped positions.
    """
    if not (np.isfinite(cell_m) and cell_m > 0):
        raise InputError(f"demand cell size must be positive metres, got {cell_m}")
    frame = households.frame
    x, y = _metric_xy(amap, frame)
    w = frame["persons"].to_numpy(dtype=float)
    cells = pd.DataFrame(
        {"cx": np.floor(x / cell_m).astype(np.int64), "cy": np.floor(y / cell_m).astype(np.int64), "w": w}
    )
    key = cells.groupby(["cx", "cy"], sort=True).ngroup().to_numpy()
    weight = np.bincount(key, weights=w)
    # Cells whose households all have zero persons still get a centre (plain mean) and then weight 0.
    safe = np.where(weight > 0, weight, 1.0)
    count = np.bincount(key)
    mx = np.where(weight > 0, np.bincount(key, weights=w * x) / safe, np.bincount(key, weights=x) / count)
    my = np.where(weight > 0, np.bincount(key, weights=w * y) / safe, np.bincount(key, weights=y) / count)
    distance = np.hypot(x - mx[key], y - my[key])
    representative = pd.Series(distance).groupby(key).idxmin().to_numpy()
    out = gpd.GeoDataFrame(
        {
            "cell": np.arange(len(representative)),
            "ward_id": frame["ward_id"].to_numpy()[representative],
            "persons": weight,
            "households": np.bincount(key, weights=frame["households"].to_numpy(dtype=float)),
            "household_points": count,
        },
        geometry=frame.geometry.values[representative],
        crs=4326,
    )
    log.info("%d households -> %d demand cells of %g m", len(frame), len(out), cell_m)
    return out, households.points.subset(representative)


def _thin(amap: AddressMap, gdf: gpd.GeoDataFrame, spacing_m: float) -> gpd.GeoDataFrame:
    """The first row by ``site_id`` in every square of ``spacing_m``."""
    if gdf.empty:
        return gdf
    x, y = _metric_xy(amap, gdf)
    cells = pd.DataFrame({"cx": np.floor(x / spacing_m), "cy": np.floor(y / spacing_m), "id": gdf["site_id"].values})
    keep = cells.sort_values("id").drop_duplicates(["cx", "cy"]).index
    return gdf.loc[np.sort(keep)].reset_index(drop=True)


def street_points(amap: AddressMap, *, spacing_m: float = DEFAULT_STREET_SPACING_M) -> gpd.GeoDataFrame:
    """One road node per square of ``spacing_m``: the node nearest the square's centre.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id`` (``node:<osm id>``), ``name`` (what is there, :meth:`AddressMap.reverse`: the address or the
        street, and the ward, "Phố Huế, Phường Hai Bà Trưng"; the ward alone far from any named road), ``kind`` =
        ``street``, geometry (EPSG:4326).
    """
    net = amap.network
    cx, cy = np.floor(net.node_x / spacing_m), np.floor(net.node_y / spacing_m)
    off_centre = np.hypot(net.node_x - (cx + 0.5) * spacing_m, net.node_y - (cy + 0.5) * spacing_m)
    cells = pd.DataFrame({"cx": cx, "cy": cy, "d": off_centre})
    nodes = np.sort(cells.sort_values("d", kind="stable").drop_duplicates(["cx", "cy"]).index.to_numpy())
    points = zip(net.node_lon[nodes], net.node_lat[nodes], strict=True)
    there = [amap.reverse.at(float(lon), float(lat)) for lon, lat in points]
    return gpd.GeoDataFrame(
        {
            "site_id": [f"node:{o}" for o in net.node_osmid[nodes]],
            "name": [", ".join(filter(None, (place.label, place.ward))) for place in there],
            "kind": "street",
        },
        geometry=gpd.points_from_xy(net.node_lon[nodes], net.node_lat[nodes]),
        crs=4326,
    )


def default_candidates(
    amap: AddressMap,
    *,
    spacing_m: float = DEFAULT_CANDIDATE_SPACING_M,
    street_spacing_m: float | None = DEFAULT_STREET_SPACING_M,
) -> gpd.GeoDataFrame:
    """Candidate sites when the planner gives none: authorities, named addresses and street points on the map.

    Parameters
    ----------
    amap
        The loaded map.
    spacing_m
        Named addresses are thinned to one per square of this side, m; authorities are all kept.
    street_spacing_m
        One street point per square of this side, m (:func:`street_points`); none when ``None``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id``, ``name``, ``kind`` (``authority``, ``address`` or ``street``), geometry (EPSG:4326); only
        points on the map, none at an existing agency's id.
    """
    layers = amap.layers
    authorities = gpd.GeoDataFrame(
        {
            "site_id": layers.authorities["authority_id"].astype(str).values,
            "name": layers.authorities["name"].values,
            "kind": "authority",
        },
        geometry=layers.authorities.geometry.representative_point().values,
        crs=4326,
    )
    named = layers.addresses[layers.addresses["name"].fillna("").str.strip() != ""]
    addresses = gpd.GeoDataFrame(
        {"site_id": named["address_id"].astype(str).values, "name": named["name"].values, "kind": "address"},
        geometry=named.geometry.representative_point().values,
        crs=4326,
    )
    addresses = _thin(amap, addresses, spacing_m)
    parts = [authorities, addresses]
    if street_spacing_m is not None:
        parts.append(street_points(amap, spacing_m=street_spacing_m))
    both = pd.concat(parts, ignore_index=True)
    both = both[~both["site_id"].isin(amap.agencies["agency_id"].astype(str))]
    both = both.drop_duplicates("site_id").reset_index(drop=True)
    both = both[_on_map(amap, both)].reset_index(drop=True)
    return gpd.GeoDataFrame(both, geometry="geometry", crs=4326)


def read_candidates(path: str | Path) -> gpd.GeoDataFrame:
    """Read candidate sites from a GeoJSON file of points or a CSV file with ``lat`` and ``lon`` columns.

    Parameters
    ----------
    path
        ``.geojson``/``.json`` (point features; polygons count at a point inside them) or ``.csv`` (columns
        ``lat``, ``lon``; optional ``id`` and ``name``).

    Returns
    -------
    geopandas.GeoDataFrame
        ``site_id`` (the ``id`` column, else ``user:<row>``), ``name``, ``kind`` = ``user``, geometry
        (EPSG:4326).
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"candidates file not found: {path}")
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            table = pd.read_csv(path)
            columns = {c.lower().strip(): c for c in table.columns}
            lat = columns.get("lat", columns.get("latitude"))
            lon = columns.get("lon", columns.get("lng", columns.get("longitude")))
            if lat is None or lon is None:
                raise InputError(f"{path}: a candidates CSV needs 'lat' and 'lon' columns, found {list(table.columns)}")
            lats = pd.to_numeric(table[lat], errors="coerce").to_numpy()
            lons = pd.to_numeric(table[lon], errors="coerce").to_numpy()
            snap.check_coordinates(lons, lats)
            geometry = gpd.points_from_xy(lons, lats)
        elif suffix in (".geojson", ".json"):
            table = gpd.read_file(path)
            if table.crs is not None:
                table = table.to_crs(4326)
            geometry = table.geometry.representative_point().values
        else:
            raise InputError(f"{path}: candidates must be a .geojson, .json or .csv file")
    except InputError:
        raise
    except (ValueError, OSError, UnicodeDecodeError, pd.errors.ParserError, DataSourceError) as exc:
        raise InputError(f"{path}: cannot read candidates ({type(exc).__name__}: {exc})") from exc
    if len(table) == 0:
        raise InputError(f"{path}: no candidate sites in the file")
    columns = {str(c).lower(): c for c in table.columns}
    ids = (
        table[columns["id"]].astype(str).to_numpy()
        if "id" in columns
        else np.array([f"user:{i}" for i in range(len(table))])
    )
    names = table[columns["name"]].fillna("").astype(str).to_numpy() if "name" in columns else ids
    return gpd.GeoDataFrame({"site_id": ids, "name": names, "kind": "user"}, geometry=list(geometry), crs=4326)


@dataclass
class SiteScenario:
    """The result of a site-planning scenario: chosen sites, solver figures, coverage per ward before and after.

    Attributes
    ----------
    model
        Model name (``pmedian``, ``mclp``, ``lscp``, ``pcenter``; ``pmedian`` with :attr:`capacity` is the
        capacitated p-median).
    p
        New sites opened (for ``lscp``, the number the model chose).
    minutes
        Coverage threshold T, min.
    capacity
        Dossiers a day each site may serve, or ``None``.
    sites
        Open sites, EPSG:4326: ``site_id``, ``name``, ``kind`` (agency kind, ``authority``, ``address`` or
        ``user``), ``status`` (``existing`` or ``new``), ``population_served`` (persons of the demand cells
        assigned to the site by the model), geometry.
    objective, bound, gap, status, solve_time_s
        The model's figures (:class:`geo.siting._base.LocateModel`); :attr:`objective_unit` names the unit.
    objective_unit
        ``person-seconds`` (pmedian), ``persons`` (mclp: population of the demand cells within T),
        ``new sites`` (lscp), ``seconds`` (pcenter).
    before, after
        Coverage of the existing agencies, and of the existing plus new sites
        (:class:`geo.siting.access.Coverage`; ward tables with the thresholds T, 10, 15 and 20 min).
    n_demand, n_candidates
        Demand cells and candidate columns (existing agencies included) of the matrix.
    matrix_time_s
        Seconds spent computing the travel-time matrix.
    areas
        Service areas of the new sites at T minutes (:func:`geo.isochrones.service_areas`), when asked for.
    """

    model: str
    p: int
    minutes: float
    capacity: float | None
    sites: gpd.GeoDataFrame
    objective: float
    bound: float
    gap: float
    status: str
    solve_time_s: float
    objective_unit: str
    before: access.Coverage
    after: access.Coverage
    n_demand: int
    n_candidates: int
    matrix_time_s: float
    areas: gpd.GeoDataFrame | None = field(default=None, repr=False)

    @property
    def new_sites(self) -> gpd.GeoDataFrame:
        """The sites the scenario opens."""
        return self.sites[self.sites["status"] == "new"].reset_index(drop=True)

    @property
    def share_key(self) -> str:
        """Column of the ward tables with the share of population within T minutes."""
        return f"share_within_{self.minutes:g}"

    def ward_changes(self) -> pd.DataFrame:
        """Per ward: population, share within T and mean / 95th-percentile time before and after.

        Returns
        -------
        pandas.DataFrame
            ``ward_id``, ``name``, ``population`` (persons), ``share_before``, ``share_after`` (0-1),
            ``mean_before_min``, ``mean_after_min``, ``p95_before_min``, ``p95_after_min`` (min), sorted by the
            gain in share then the drop in mean time.
        """
        b, a = self.before.wards, self.after.wards
        out = pd.DataFrame(
            {
                "ward_id": b["ward_id"].values,
                "name": b["name"].values,
                "population": b["population"].values,
                "share_before": b[self.share_key].values,
                "share_after": a[self.share_key].values,
                "mean_before_min": b["mean_time_min"].values,
                "mean_after_min": a["mean_time_min"].values,
                "p95_before_min": b["p95_time_min"].values,
                "p95_after_min": a["p95_time_min"].values,
            }
        )
        gain = out["share_after"] - out["share_before"]
        drop = out["mean_before_min"] - out["mean_after_min"]
        return out.iloc[np.lexsort((-drop.to_numpy(), -gain.to_numpy()))].reset_index(drop=True)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary: figures, sites (with lon/lat), totals and ward changes; no household data."""

        def number(value: float) -> float | None:
            return float(value) if np.isfinite(value) else None

        sites = pd.DataFrame(self.sites.drop(columns="geometry"))
        sites["lon"] = self.sites.geometry.x.round(6).values
        sites["lat"] = self.sites.geometry.y.round(6).values
        return {
            "model": self.model,
            "p": int(self.p),
            "minutes": self.minutes,
            "capacity": self.capacity,
            "objective": number(self.objective),
            "objective_unit": self.objective_unit,
            "bound": number(self.bound),
            "gap": number(self.gap),
            "status": self.status,
            "solve_time_s": round(self.solve_time_s, 3),
            "matrix_time_s": round(self.matrix_time_s, 3),
            "n_demand": self.n_demand,
            "n_candidates": self.n_candidates,
            "new_sites": json.loads(sites[sites["status"] == "new"].to_json(orient="records", force_ascii=False)),
            "existing_sites": int((sites["status"] == "existing").sum()),
            "coverage_before": {k: round(float(v), 6) for k, v in self.before.total.items()},
            "coverage_after": {k: round(float(v), 6) for k, v in self.after.total.items()},
            "wards": json.loads(self.ward_changes().round(4).to_json(orient="records", force_ascii=False)),
        }

    def to_geojson(self) -> dict[str, Any]:
        """GeoJSON FeatureCollection: wards (coverage before and after as properties) and open sites.

        Ward features have ``layer`` = ``ward`` and, for every column of the ward tables, ``<column>_before``
        and ``<column>_after``; site features have ``layer`` = ``site`` and the columns of :attr:`sites`.
        """
        measures = [c for c in self.before.wards.columns if c not in _WARD_BASE]
        wards = self.before.wards[_WARD_BASE].copy()
        for label, cover in (("before", self.before), ("after", self.after)):
            for column in measures:
                wards[f"{column}_{label}"] = cover.wards[column].to_numpy()
        wards["layer"] = "ward"
        wards = gpd.GeoDataFrame(wards, geometry="geometry", crs=4326)
        sites = self.sites.assign(layer="site")
        features = access.ward_geojson(wards)["features"] + access.ward_geojson(sites)["features"]
        return {"type": "FeatureCollection", "features": features}

    def folium_map(self, texts: Mapping[str, Any]) -> folium.Map:
        """The scenario's map (:func:`drawn`), with the new sites' service areas when :attr:`areas` is set."""
        return drawn(self.before.wards, self.after.wards, self.sites, self.minutes, texts, areas=self.areas)


def drawn(
    before: gpd.GeoDataFrame,
    after: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    minutes: float,
    texts: Mapping[str, Any],
    *,
    areas: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """A scenario's map drawn offline (:func:`geo.webmap.new_map`): ward choropleths of the share within T before
    and after, existing and new sites.

    Parameters
    ----------
    before, after
        The ward tables of the coverage before and after (:attr:`SiteScenario.before`, or :func:`layers` of a
        stored scenario).
    sites
        The open sites (:attr:`SiteScenario.sites`).
    minutes
        Coverage threshold T, min.
    texts
        A catalogue of :mod:`api.i18n` (its ``maps``, ``kind`` and ``report`` parts).
    areas
        The new sites' service areas (:attr:`SiteScenario.areas`), if any.

    Returns
    -------
    folium.Map
        Layers: coverage today (hidden at first) and with the new sites (:data:`access.SHARE_STEPS`), existing
        agencies (blue), new sites (orange), and the new sites' service areas when given.
    """
    said = texts["maps"]
    fmap = webmap.new_map(before.total_bounds, said)
    access.choropleth(before, minutes, texts, name=said["before"], show=False).add_to(fmap)
    access.choropleth(after, minutes, texts, name=said["after"]).add_to(fmap)
    if areas is not None and not areas.empty:
        folium.GeoJson(
            areas[["agency_id", "minutes", "geometry"]].__geo_interface__,
            name=said["areas"],
            style_function=lambda f: {"fillColor": "#ff7f00", "color": "#ff7f00", "weight": 1, "fillOpacity": 0.15},
        ).add_to(fmap)
    for status, colour in (("existing", "#2b6cb0"), ("new", "#ff7f00")):
        group = folium.FeatureGroup(name=said[status])
        for row in sites[sites["status"] == status].itertuples():
            folium.CircleMarker(
                [row.geometry.y, row.geometry.x],
                radius=6 if status == "existing" else 9,
                color=colour,
                fill=True,
                fill_opacity=0.9,
                tooltip=said["site"].format(
                    name=row.name,
                    kind=texts["kind"].get(row.kind, row.kind),
                    population=f"{row.population_served:,.0f}".replace(",", said["thousands"]),
                ),
            ).add_to(group)
        group.add_to(fmap)
    access.share_legend(minutes, texts).add_to(fmap)
    return fmap


def layers(geojson: dict[str, Any]) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """The ward tables before and after and the open sites of a scenario's GeoJSON (:meth:`SiteScenario.to_geojson`;
    other layers, such as the candidates the service adds, are left), for :func:`drawn` to draw a stored scenario in
    the words of the day.

    Returns
    -------
    tuple of geopandas.GeoDataFrame
        ``before`` and ``after`` with the columns of :attr:`access.Coverage.wards` (the measures as stored, to 4
        decimals), and ``sites`` with those of :attr:`SiteScenario.sites`, EPSG:4326.
    """
    frame = gpd.GeoDataFrame.from_features(geojson["features"], crs=4326)
    wards = frame[frame["layer"] == "ward"].reset_index(drop=True)
    sides = []
    for label in ("before", "after"):
        measures = {c: c.removesuffix(f"_{label}") for c in wards.columns if c.endswith(f"_{label}")}
        sides.append(wards[[*_WARD_BASE, *measures]].rename(columns=measures))
    sites = frame[frame["layer"] == "site"].dropna(axis="columns", how="all").drop(columns="layer")
    return sides[0], sides[1], sites.reset_index(drop=True)


def _build_model(
    name: str, cost: np.ndarray, weights: np.ndarray, *, p: int, seconds: float, capacity: float | None, fixed: Any
) -> tuple[LocateModel, str]:
    """The model object of a scenario and the unit of its objective."""
    if capacity is not None:
        dossiers = weights * DOSSIERS_PER_PERSON_DAY
        model = CapacitatedPMedian.from_matrix(cost, dossiers, p=p, capacity=capacity, fixed_open=fixed)
        return model, "dossier-seconds a day"
    if name == "pmedian":
        return PMedian.from_matrix(cost, weights, p=p, fixed_open=fixed), "person-seconds"
    if name == "mclp":
        return MaxCoverage.from_matrix(cost, weights, p=p, max_time_s=seconds, fixed_open=fixed), "persons"
    if name == "lscp":
        return SetCover.from_matrix(cost, weights, max_time_s=seconds, fixed_open=fixed), "new sites"
    return PCenter.from_matrix(cost, weights, p=p, fixed_open=fixed), "seconds"


def _refuse_unservable(
    name: str, cost: np.ndarray, demand: gpd.GeoDataFrame, *, minutes: float, sites: int, capacity: float | None
) -> None:
    """Fail, saying where and what to change, when the scenario's demand cannot be served as asked.

    The models check the same before they solve, in terms of matrix rows (:func:`geo.siting._base.check_reachable`,
    :class:`~geo.siting.capacitated.CapacitatedPMedian`); the planner needs the place and the option at fault.

    Parameters
    ----------
    name
        The model (``lscp`` must cover every cell within ``minutes``).
    cost
        Travel times, s, from the demand cells (rows) to the existing agencies then the candidates (columns).
    demand
        The demand cells (:func:`demand_points`), in the rows' order.
    minutes
        Coverage threshold T, min.
    sites
        Sites open at most: the existing agencies and the new ones.
    capacity
        Dossiers a day per site (capacitated p-median), or None.

    Raises
    ------
    InfeasibleError
        A cell with households that reaches no site; with ``lscp``, a cell farther than T from every site; with a
        capacity, more dossiers a day than the sites can take, or a cell that alone exceeds one site's capacity.
    """
    nearest = cost.min(axis=1)
    persons = demand["persons"].to_numpy(dtype=float)

    def where(row: int) -> dict[str, str]:
        point = demand.geometry.iloc[row]
        return {"lat": f"{point.y:.5f}", "lon": f"{point.x:.5f}"}

    cut = minutes * 60.0 if name == "lscp" else np.inf
    unreachable = np.flatnonzero(~np.isfinite(nearest) & (persons > 0))
    if unreachable.size:
        at = where(int(unreachable[0]))
        raise InfeasibleError(
            f"{name}: {unreachable.size} demand cells reach no site by road, first near lat={at['lat']}, "
            f"lon={at['lon']}",
            code="demand_unreachable",
            field="candidates",
            cells=int(unreachable.size),
            lat=at["lat"],
            lon=at["lon"],
        )
    far = np.flatnonzero((nearest > cut) & (persons > 0))
    if far.size:
        worst = int(far[np.argmax(nearest[far])])
        at, away = where(worst), f"{nearest[worst] / 60:.0f}"
        raise InfeasibleError(
            f"{name} at {minutes:g} min: {far.size} demand cells are farther than that from every site; worst near "
            f"lat={at['lat']}, lon={at['lon']} ({away} min away); raise --minutes or add candidates there",
            code="beyond_reach",
            field="minutes",
            cells=int(far.size),
            minutes=f"{minutes:g}",
            away=away,
            lat=at["lat"],
            lon=at["lon"],
        )
    if capacity is None:
        return
    dossiers = persons * DOSSIERS_PER_PERSON_DAY
    if dossiers.sum() > sites * capacity:
        raise InfeasibleError(
            f"{dossiers.sum():.0f} dossiers a day exceed what {sites} sites of capacity {capacity:g} can take",
            code="capacity_short",
            field="capacity",
            dossiers=f"{dossiers.sum():.0f}",
            sites=sites,
            capacity=f"{capacity:g}",
        )
    largest = int(np.argmax(dossiers))
    if dossiers[largest] > capacity:
        at = where(largest)
        raise InfeasibleError(
            f"the demand cell near lat={at['lat']}, lon={at['lon']} alone has {dossiers[largest]:.1f} dossiers a "
            f"day, more than one site's capacity {capacity:g}",
            code="cell_over_capacity",
            field="capacity",
            dossiers=f"{dossiers[largest]:.1f}",
            capacity=f"{capacity:g}",
            lat=at["lat"],
            lon=at["lon"],
        )


def check_options(
    model: str, p: int | None, minutes: float, capacity: float | None, time_limit_s: float
) -> tuple[str, int]:
    """Validate the scenario options before any work; returns the model name and ``p``.

    Raises
    ------
    InputError
        Unknown model, missing or negative ``p``, minutes or time limit not positive, capacity with another
        model than ``pmedian`` or not positive.
    """
    name = str(model).lower().strip()
    if name in ("capacity", "capacitated", "cpmedian"):
        name = "pmedian"
        if capacity is None:
            raise InputError("the capacitated p-median needs a capacity (dossiers a day per site)")
    if name not in MODELS:
        raise InputError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")
    if not (np.isfinite(minutes) and minutes > 0):
        raise InputError(f"minutes must be positive, got {minutes:g}")
    if not (np.isfinite(time_limit_s) and time_limit_s > 0):
        raise InputError(f"time limit must be positive seconds, got {time_limit_s:g}")
    if capacity is not None:
        if name != "pmedian":
            raise InputError(
                f"a capacity applies to the p-median only, not to {name}",
                code="capacity_model",
                field="capacity",
                model=name,
            )
        if not (np.isfinite(capacity) and capacity > 0):
            raise InputError(f"capacity must be a positive number of dossiers a day, got {capacity:g}")
    if name == "lscp":
        return name, 0 if p is None else int(p)
    if p is None:
        raise InputError(f"{name} needs p, the number of new sites", code="needs_p", field="p", model=name)
    if int(p) != p or p < 1:
        raise InputError(f"p must be a positive whole number of new sites, got {p}")
    return name, int(p)


def plan(
    amap: AddressMap,
    *,
    model: str = "pmedian",
    p: int | None = None,
    minutes: float = DEFAULT_MINUTES,
    capacity: float | None = None,
    candidates: gpd.GeoDataFrame | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    cell_m: float = DEFAULT_CELL_M,
    households: access.HouseholdPoints | None = None,
    with_areas: bool = False,
) -> SiteScenario:
    """Run a site-planning scenario: existing agencies stay open, ``p`` new sites are chosen among candidates.

    Parameters
    ----------
    amap
        The loaded map (its profile sets the mode: motorbike by default).
    model
        ``pmedian``, ``mclp``, ``lscp`` or ``pcenter`` (see :data:`MODELS`); ``pmedian`` with ``capacity`` is
        the capacitated p-median (``capacity`` is accepted as a model name too).
    p
        Number of new sites; not used by ``lscp``, which finds the fewest.
    minutes
        Coverage threshold T, min: the limit of ``mclp`` and ``lscp`` and the threshold of the ward tables.
    capacity
        Dossiers a day each site (existing or new) may serve; population converts to dossiers with
        :data:`DOSSIERS_PER_PERSON_DAY`.
    candidates
        Candidate sites (``site_id``, ``name``, ``kind``, point geometry in EPSG:4326), e.g. from
        :func:`read_candidates`; :func:`default_candidates` when omitted.
    time_limit_s
        Solver budget, s; the best solution found and its gap are reported when it runs out.
    cell_m
        Side of the demand cells, m (:func:`demand_points`).
    households
        Snapped households to reuse across scenarios (:func:`geo.siting.access.household_points`).
    with_areas
        Also draw the service areas of the new sites at T minutes (:attr:`SiteScenario.areas`).

    Returns
    -------
    SiteScenario
        Chosen sites, objective, bound, gap and coverage per ward before and after.
    """
    name, p = check_options(model, p, minutes, capacity, time_limit_s)
    cands = default_candidates(amap) if candidates is None else candidates.reset_index(drop=True)
    if candidates is not None and len(cands):
        off = ~_on_map(amap, cands)
        if off.any():
            i = int(np.flatnonzero(off)[0])
            site, lat, lon = (
                cands["site_id"].iloc[i],
                f"{cands.geometry.y.iloc[i]:.6f}",
                f"{cands.geometry.x.iloc[i]:.6f}",
            )
            raise InputError(
                f"{int(off.sum())} candidate sites lie off the map (more than {snap.DEFAULT_MAX_DISTANCE_M:g} m "
                f"from a road), first: {site} at lat={lat}, lon={lon}",
                code="candidates_off_map",
                field=f"candidates[{i}]",
                count=int(off.sum()),
                site=site,
                lat=lat,
                lon=lon,
                limit=f"{snap.DEFAULT_MAX_DISTANCE_M:g}",
            )
    if name != "lscp" and p > len(cands):
        raise InputError(
            f"p = {p} new sites requested but there are only {len(cands)} candidate sites",
            code="too_few_candidates",
            field="p",
            p=p,
            candidates=len(cands),
        )
    points = access.household_points(amap) if households is None else households
    thresholds = access.check_minutes((minutes, *access.DEFAULT_MINUTES))
    before = access.coverage(amap, minutes=thresholds, households=points)

    demand, demand_points_snapped = demand_points(amap, points, cell_m=cell_m)
    existing = amap.agency_table.targets
    cand_points = amap.snap(cands.geometry.x.values, cands.geometry.y.values) if len(cands) else None
    n_existing = len(existing)
    start = time.perf_counter()
    cost = matrix.travel_times(amap.network, demand_points_snapped, existing).time_s
    if cand_points is not None:
        cost = np.hstack([cost, matrix.travel_times(amap.network, demand_points_snapped, cand_points).time_s])
    matrix_time = time.perf_counter() - start
    log.info("matrix %d x %d in %.2f s", *cost.shape, matrix_time)

    weights = demand["persons"].to_numpy(dtype=float)
    _refuse_unservable(name, cost, demand, minutes=minutes, sites=n_existing + p, capacity=capacity)
    solver, unit = _build_model(
        name, cost, weights, p=p, seconds=minutes * 60.0, capacity=capacity, fixed=np.arange(n_existing)
    )
    solver.solve(time_limit_s=time_limit_s)

    new_idx = solver.new_sites - n_existing
    new = cands.iloc[new_idx].reset_index(drop=True)
    served = np.bincount(
        np.maximum(solver.assignment, 0), weights=weights * (solver.assignment >= 0), minlength=cost.shape[1]
    )
    agencies = amap.agencies
    sites = pd.concat(
        [
            gpd.GeoDataFrame(
                {
                    "site_id": agencies["agency_id"].astype(str).values,
                    "name": agencies["name"].values,
                    "kind": agencies["kind"].values,
                    "status": "existing",
                    "population_served": served[:n_existing],
                },
                geometry=agencies.geometry.values,
                crs=4326,
            ),
            gpd.GeoDataFrame(
                {
                    "site_id": new["site_id"].astype(str).values,
                    "name": new["name"].values,
                    "kind": new["kind"].values,
                    "status": "new",
                    "population_served": served[solver.new_sites],
                },
                geometry=new.geometry.values,
                crs=4326,
            ),
        ],
        ignore_index=True,
    )
    sites = gpd.GeoDataFrame(sites, geometry="geometry", crs=4326)

    new_table = None
    if cand_points is not None and len(new_idx):
        new_table = matrix.target_table(amap.network, cand_points.subset(new_idx))
    after = access.coverage(amap, minutes=thresholds, households=points, extra=new_table)
    areas = None
    if with_areas and new_table is not None:
        areas = isochrones.service_areas(amap.network, new_table, ids=new["site_id"].astype(str), minutes=minutes)
    return SiteScenario(
        model=name,
        p=len(new_idx),
        minutes=float(minutes),
        capacity=None if capacity is None else float(capacity),
        sites=sites,
        objective=float(solver.objective),
        bound=float(solver.bound),
        gap=float(solver.gap),
        status=solver.status,
        solve_time_s=float(solver.solve_time_s),
        objective_unit=unit,
        before=before,
        after=after,
        n_demand=int(cost.shape[0]),
        n_candidates=int(cost.shape[1]),
        matrix_time_s=matrix_time,
        areas=areas,
    )
