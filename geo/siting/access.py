"""Coverage of the agency network: how long each household rides to its nearest agency, summed up per ward.

Travel times come from :mod:`geo.matrix` (the map's target table: one reversed search per agency, done at
load), so the nearest agency of all ~35,000 household points is a lookup, not a search. Households are
weighted by ``persons``; a ward's figures count only the households of that ward that lie on the map, so the
wards outside the loaded extract do not appear (the default central-Hanoi extract touches 17 of the 126).

Population figures come from the households layer, which is mostly synthetic (see ``households.synthetic``):
they are good for comparing scenarios, not for official statistics.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from branca.element import MacroElement

from geo import matrix, snap, webmap
from geo._errors import InputError
from geo.addressmap import AddressMap
from geo.snap import Snapped

log = logging.getLogger(__name__)

DEFAULT_MINUTES: tuple[int, ...] = (10, 15, 20)
"""Travel-time thresholds of the coverage tables, min (issue 4: population within 10 / 15 / 20 minutes)."""

PERCENTILE = 95.0
"""Population-weighted percentile of travel time reported per ward, %."""


def check_minutes(minutes: float | Sequence[float]) -> tuple[float, ...]:
    """Thresholds as a sorted tuple of positive minutes; :class:`InputError` otherwise."""
    values = tuple(float(m) for m in np.atleast_1d(np.asarray(minutes, dtype=float)))
    if not values:
        raise InputError("give at least one travel-time threshold in minutes")
    bad = [m for m in values if not (np.isfinite(m) and m > 0)]
    if bad:
        raise InputError(f"travel-time thresholds must be positive minutes, got {bad[0]:g}")
    return tuple(sorted(set(values)))


def _label(minutes: float) -> str:
    """Column suffix of a threshold: ``10`` for 10 min, ``7.5`` for 7.5 min."""
    return f"{minutes:g}"


def weighted_percentile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The ``q``-th percentile (0-100) of ``values`` where each value counts ``weights`` times.

    The smallest value at which the cumulative weight reaches ``q`` % of the total (the inverted-CDF
    definition, so a ward's 95th percentile is a time some of its households actually have); NaN when the total
    weight is zero.
    """
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights, dtype=float)
    total = weights.sum()
    if values.size == 0 or total <= 0:
        return float("nan")
    order = np.argsort(values, kind="stable")
    cumulative = np.cumsum(weights[order])
    k = int(np.searchsorted(cumulative, q / 100.0 * total - 1e-9 * total, side="left"))
    return float(values[order][min(k, values.size - 1)])


@dataclass(frozen=True)
class HouseholdPoints:
    """The households of a map that lie on its roads, snapped once and reused for every scenario.

    Attributes
    ----------
    frame
        The households layer rows on the map (``household_id``, ``ward_id``, ``ward``, ``persons`` ...).
    points
        Their snapped positions, aligned with ``frame``.
    off_map
        Households farther than :data:`geo.snap.DEFAULT_MAX_DISTANCE_M` from every road; left out.
    """

    frame: gpd.GeoDataFrame
    points: Snapped
    off_map: int


def household_points(amap: AddressMap) -> HouseholdPoints:
    """Snap the households layer of a map, leaving out the points off its roads.

    Parameters
    ----------
    amap
        The loaded map.

    Returns
    -------
    HouseholdPoints
        The on-map households and their road positions.
    """
    households = amap.layers.households
    lons, lats = households.geometry.x.values, households.geometry.y.values
    on_map = snap.road_distances(amap.network, lons, lats) <= snap.DEFAULT_MAX_DISTANCE_M
    frame = households[on_map].reset_index(drop=True)
    points = amap.snap(frame.geometry.x.values, frame.geometry.y.values)
    off = int((~on_map).sum())
    if off:
        log.info("%d of %d household points lie off the map and are left out", off, len(households))
    return HouseholdPoints(frame, points, off)


def nearest_times(
    amap: AddressMap,
    households: HouseholdPoints,
    *,
    extra: matrix.TargetTable | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Travel time from each household to its nearest agency (and, optionally, to extra sites).

    Parameters
    ----------
    amap
        The loaded map; its agency table gives the times to the existing agencies.
    households
        Snapped households (:func:`household_points`).
    extra
        Target table of additional sites (e.g. new sites of a scenario), searched like the agencies.

    Returns
    -------
    tuple of numpy.ndarray
        Travel time to the nearest site, s, and the index of that site: ``0 .. n_agencies - 1`` for the map's
        agencies (``amap.agencies`` rows), ``n_agencies + k`` for the ``k``-th extra target; ``inf`` and ``-1``
        when there is no site at all.
    """
    times = matrix.times_to_targets(amap.network, amap.agency_table, households.points)
    if extra is not None and len(extra.targets):
        times = np.hstack([times, matrix.times_to_targets(amap.network, extra, households.points)])
    if times.shape[1] == 0:  # a map without any site: nobody is reached
        return np.full(len(times), np.inf), np.full(len(times), -1)
    nearest = np.argmin(times, axis=1)
    return times[np.arange(len(nearest)), nearest], nearest


def ward_coverage(
    times_s: np.ndarray,
    households: gpd.GeoDataFrame | pd.DataFrame,
    wards: gpd.GeoDataFrame,
    *,
    minutes: float | Sequence[float] = DEFAULT_MINUTES,
) -> gpd.GeoDataFrame:
    """Per-ward coverage from household travel times.

    Parameters
    ----------
    times_s
        Travel time from each household to its nearest agency, s (aligned with ``households``).
    households
        Household rows with ``ward_id`` and ``persons``.
    wards
        The wards layer (``ward_id``, ``name``, geometry).
    minutes
        Thresholds, min.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per ward with households on the map, in EPSG:4326, columns:
        ``ward_id``, ``name``; ``points`` (household points), ``population`` (persons);
        for each threshold ``T``: ``population_within_T`` (persons) and ``share_within_T`` (0-1);
        ``mean_time_min`` and ``p95_time_min`` (population-weighted, min), ``max_time_min`` (min);
        ``geometry`` (ward polygon). Sorted by ``ward_id``.
    """
    thresholds = check_minutes(minutes)
    times_s = np.asarray(times_s, dtype=float)
    if times_s.shape != (len(households),):
        raise InputError(f"{times_s.size} travel times for {len(households)} households")
    minutes_each = times_s / 60.0
    persons = households["persons"].to_numpy(dtype=float)
    table = pd.DataFrame({"ward_id": households["ward_id"].to_numpy(), "t": minutes_each, "w": persons})
    for m in thresholds:
        table[f"population_within_{_label(m)}"] = np.where(minutes_each <= m, persons, 0.0)
    table["wt"] = table["t"] * table["w"]
    grouped = table.groupby("ward_id", sort=True)
    sums = grouped.sum(numeric_only=True)
    out = pd.DataFrame(index=sums.index)
    out["points"] = grouped.size()
    out["population"] = sums["w"]
    for m in thresholds:
        column = f"population_within_{_label(m)}"
        out[column] = sums[column]
        out[f"share_within_{_label(m)}"] = np.where(sums["w"] > 0, sums[column] / sums["w"].where(sums["w"] > 0, 1), 0)
    out["mean_time_min"] = sums["wt"] / sums["w"].where(sums["w"] > 0)
    out["p95_time_min"] = grouped.apply(
        lambda g: weighted_percentile(g["t"].to_numpy(), g["w"].to_numpy(), PERCENTILE), include_groups=False
    )
    out["max_time_min"] = grouped["t"].max()
    out = out.reset_index()
    shapes = wards[["ward_id", "name", "geometry"]].to_crs(4326)
    merged = shapes.merge(out, on="ward_id", how="inner").sort_values("ward_id").reset_index(drop=True)
    return gpd.GeoDataFrame(merged, geometry="geometry", crs=4326)


def total_coverage(wards: pd.DataFrame) -> pd.Series:
    """Whole-map figures from a :func:`ward_coverage` table: population, shares within each threshold.

    Returns
    -------
    pandas.Series
        ``population`` (persons), ``share_within_T`` (0-1) for each threshold of the table, and
        ``mean_time_min`` (population-weighted, min).
    """
    population = float(wards["population"].sum())
    out = {"population": population}
    for column in wards.columns:
        if column.startswith("population_within_"):
            share = float(wards[column].sum()) / population if population else 0.0
            out["share_within_" + column.removeprefix("population_within_")] = share
    out["mean_time_min"] = float((wards["mean_time_min"] * wards["population"]).sum()) / population
    return pd.Series(out)


def least_served(wards: pd.DataFrame, *, minutes: float | None = None, n: int = 10) -> pd.DataFrame:
    """The wards ranked from least to best served.

    Parameters
    ----------
    wards
        A :func:`ward_coverage` table.
    minutes
        Rank by the share of population within this threshold (must be a column of the table), then by the
        95th-percentile time; the smallest threshold of the table when omitted.
    n
        How many wards to return.

    Returns
    -------
    pandas.DataFrame
        The ``n`` least-served wards (without geometry), with a 1-based ``rank`` column first.
    """
    thresholds = sorted(float(c.removeprefix("share_within_")) for c in wards.columns if c.startswith("share_within_"))
    if not thresholds:
        raise InputError("the ward table has no share_within_* column")
    m = thresholds[0] if minutes is None else float(minutes)
    key = f"share_within_{_label(m)}"
    if key not in wards.columns:
        raise InputError(f"no coverage column for {m:g} minutes; the table has {', '.join(map(_label, thresholds))}")
    ranked = pd.DataFrame(wards.drop(columns="geometry", errors="ignore"))
    ranked = ranked.sort_values([key, "p95_time_min", "mean_time_min"], ascending=[True, False, False]).head(n)
    ranked.insert(0, "rank", np.arange(1, len(ranked) + 1))
    return ranked.reset_index(drop=True)


@dataclass(frozen=True)
class Coverage:
    """Coverage of a map's agencies (plus any extra sites).

    Attributes
    ----------
    households
        The on-map households (no geometry of personal data leaves this record through
        :meth:`to_geojson`) with ``travel_time_s`` (s) and ``nearest_site`` (index, see :func:`nearest_times`).
    wards
        Per-ward table of :func:`ward_coverage`.
    minutes
        The thresholds, min.
    """

    households: pd.DataFrame
    wards: gpd.GeoDataFrame
    minutes: tuple[float, ...]

    @property
    def total(self) -> pd.Series:
        """Whole-map figures (:func:`total_coverage`)."""
        return total_coverage(self.wards)

    def least_served(self, *, minutes: float | None = None, n: int = 10) -> pd.DataFrame:
        """The least-served wards (:func:`least_served`)."""
        return least_served(self.wards, minutes=minutes, n=n)

    def to_geojson(self) -> dict:
        """The ward table as a GeoJSON FeatureCollection (aggregates only: no household is exported)."""
        return ward_geojson(self.wards)

    def folium_map(self, texts: Mapping[str, Any], *, minutes: float | None = None) -> folium.Map:
        """A choropleth of the share of population within ``minutes`` (the first threshold by default), drawn
        offline (:func:`geo.webmap.new_map`).

        Parameters
        ----------
        texts
            A catalogue of :mod:`api.i18n` (its ``maps`` and ``report`` parts).
        minutes
            The threshold shown, min.

        Returns
        -------
        folium.Map
            One polygon per ward shaded by :data:`SHARE_STEPS`, with population and mean time in the tooltip.
        """
        m = self.minutes[0] if minutes is None else float(minutes)
        if m not in self.minutes:
            raise InputError(f"no coverage for {m:g} minutes; thresholds: {', '.join(map(_label, self.minutes))}")
        fmap = webmap.new_map(self.wards.total_bounds, texts["maps"])
        choropleth(self.wards, m, texts, name=texts["maps"]["coverage"].format(minutes=f"{m:g}")).add_to(fmap)
        share_legend(m, texts).add_to(fmap)
        return fmap


SHARE_STEPS: tuple[tuple[float, str], ...] = (
    (0.5, "#d7301f"),
    (0.7, "#fc8d59"),
    (0.85, "#fdcc8a"),
    (0.95, "#c2e699"),
    (1.0, "#31a354"),
)
"""The shades of a share of the population within the minutes, on every coverage map (the planners' page, by
``/config``, and the exports): each colour below its bound, the last from 95 % to 100 % (ColorBrewer's
red-to-green)."""


def share_colour(share: float) -> str:
    """The shade of ``share`` (0-1) in :data:`SHARE_STEPS`."""
    return next((colour for bound, colour in SHARE_STEPS if share < bound), SHARE_STEPS[-1][1])


def share_legend(minutes: float, texts: Mapping[str, Any]) -> MacroElement:
    """The legend of :data:`SHARE_STEPS` within ``minutes``, in the words of ``texts`` (a catalogue's ``maps``), its
    steps said as the planners' page says them ("< 50%", "50-70%" ... "≥ 95%")."""
    bounds = [100 * bound for bound, _ in SHARE_STEPS]
    said = [f"< {bounds[0]:g}%", *(f"{low:g}-{high:g}%" for low, high in pairwise(bounds[:-1])), f"≥ {bounds[-2]:g}%"]
    caption = texts["maps"]["legend"].format(minutes=f"{minutes:g}")
    return webmap.legend(caption, list(zip([colour for _, colour in SHARE_STEPS], said, strict=True)))


def choropleth(
    wards: gpd.GeoDataFrame,
    minutes: float,
    texts: Mapping[str, Any],
    *,
    name: str,
    show: bool = True,
) -> folium.GeoJson:
    """A folium GeoJson layer of a ward table coloured by the share within ``minutes``, with tooltips in the words of
    ``texts`` (a catalogue of :mod:`api.i18n`: its ``maps`` and ``report`` parts)."""
    key = f"share_within_{_label(minutes)}"
    frame = wards[["ward_id", "name", "population", key, "mean_time_min", "p95_time_min", "geometry"]]
    frame = frame.assign(
        population=frame["population"].round(0),
        share_pct=(100 * frame[key]).round(1),
        mean_time_min=frame["mean_time_min"].round(1),
        p95_time_min=frame["p95_time_min"].round(1),
    )
    share = dict(zip(frame["ward_id"], frame[key], strict=True))
    said, columns = texts["maps"], texts["report"]["columns"]
    return folium.GeoJson(
        frame.drop(columns=[key]).__geo_interface__,
        name=name,
        show=show,
        style_function=lambda f: {
            "fillColor": share_colour(share[f["properties"]["ward_id"]]),
            "color": "#555",
            "weight": 1,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            ["name", "population", "share_pct", "mean_time_min", "p95_time_min"],
            aliases=[
                said["ward"],
                columns["population"],
                said["share"].format(minutes=f"{minutes:g}"),
                columns["mean_time_min"],
                columns["p95_time_min"],
            ],
            localize=True,
        ),
    )


def ward_geojson(wards: gpd.GeoDataFrame) -> dict:
    """A ward table as a GeoJSON FeatureCollection with plain JSON properties."""
    frame = wards.copy()
    for column in frame.columns:
        if column != "geometry" and pd.api.types.is_numeric_dtype(frame[column]):
            frame[column] = frame[column].astype(float).round(4)
    return frame.__geo_interface__ | {"type": "FeatureCollection"}


def coverage(
    amap: AddressMap,
    *,
    minutes: float | Sequence[float] = DEFAULT_MINUTES,
    households: HouseholdPoints | None = None,
    extra: matrix.TargetTable | None = None,
) -> Coverage:
    """Travel time from every household to its nearest agency, and the per-ward coverage.

    Parameters
    ----------
    amap
        The loaded map (its profile sets the mode: motorbike by default).
    minutes
        Thresholds of the ward table, min.
    households
        Snapped households to reuse (:func:`household_points`); snapped here when omitted.
    extra
        Target table of sites to count besides the map's agencies (a scenario's new sites).

    Returns
    -------
    Coverage
        Household times and the ward table.
    """
    thresholds = check_minutes(minutes)
    points = household_points(amap) if households is None else households
    times, nearest = nearest_times(amap, points, extra=extra)
    frame = pd.DataFrame(points.frame.drop(columns="geometry"))
    frame["travel_time_s"] = times
    frame["nearest_site"] = nearest
    wards = ward_coverage(times, frame, amap.layers.wards, minutes=thresholds)
    return Coverage(frame, wards, thresholds)
