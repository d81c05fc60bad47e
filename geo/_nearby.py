"""Places OSM maps more than once: points of one key close to each other, grouped.

A market is mapped as a point and as its building, a house as one point per shop or clinic in it (36 Ngô Quyền
40 times). :func:`same_place` groups such points for the landmarks (:mod:`geo.landmarks`) and the search's
address records (:func:`geo.addressmap.search_records`).
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

METRIC_CRS = 32648
"""Metric coordinates distances are measured in: UTM zone 48N, Hanoi's."""


def same_place(keys: Sequence[str], points: gpd.GeoSeries, within_m: float) -> np.ndarray:
    """The group of each point: points of one key within ``within_m`` of each other (transitively) share one.

    Parameters
    ----------
    keys
        One key per point; only points of equal keys are grouped.
    points
        The points, in any CRS (measured in :data:`METRIC_CRS`).
    within_m
        Largest distance between two points of one group, m.

    Returns
    -------
    numpy.ndarray
        Group labels, ``0 .. groups - 1``, one per point.

    Examples
    --------
    >>> import shapely
    >>> points = gpd.GeoSeries(shapely.points([(0, 0), (10, 0), (20, 0), (500, 0)]), crs=METRIC_CRS)
    >>> same_place(["a", "a", "b", "a"], points, 50.0).tolist()
    [0, 0, 1, 2]
    """
    n = len(points)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    metric = points.to_crs(METRIC_CRS)
    pairs = cKDTree(np.column_stack([metric.x, metric.y])).query_pairs(within_m, output_type="ndarray")
    key = np.asarray(keys, dtype=object)
    pairs = pairs[key[pairs[:, 0]] == key[pairs[:, 1]]]
    graph = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    return connected_components(graph, directed=False)[1]
