"""The map's compiled functions made ready before the first request.

The nearest agencies and the routes drawn along the roads, the search and the snapping run compiled code (numba,
cached on disk). A first call compiles it, about a minute on a machine's first start, and reads it from the cache
afterwards; :func:`warm_up` makes that first call, so that no request and no plan pays for it within its time.
"""

from __future__ import annotations

from geo import matrix, nearest, snap
from geo.addressmap import AddressMap


def warm_up(amap: AddressMap) -> None:
    """Answer one query of each kind the service answers on ``amap``: the nearest agencies from the first agency's
    door, the route from it to the second as a day's plan draws each leg (:func:`geo.nearest.route_to_target`), a
    search and what is at a point."""
    lon, lat = amap.agency_points
    nearest.nearest_agencies(amap, float(lon[0]), float(lat[0]), k=3)
    points = snap.to_edges(amap.network, lon[:2], lat[:2])
    nearest.route_to_target(amap.network, matrix.target_table(amap.network, points.subset([1])), points.subset([0]), 0)
    amap.search.answer("phố huế", k=3)
    amap.reverse.at(float(lon[0]), float(lat[0]))
