"""Planner endpoints (bearer token, role ``planner``): coverage of the agency network per ward, site scenarios.

Coverage figures are aggregates per ward (persons within T minutes, mean and 95th-percentile times); no
household record leaves the service.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request

from api import auth, schemas
from api.deps import MapDep
from api.errors import FieldError
from geo._errors import InputError
from geo.siting import access

log = logging.getLogger(__name__)

router = APIRouter(
    tags=["planners"],
    dependencies=[Depends(auth.require("planner"))],
    responses={401: {"model": schemas.ErrorBody}, 403: {"model": schemas.ErrorBody}, 422: {"model": schemas.ErrorBody}},
)


def _plain(value: Any) -> Any:
    """JSON-safe scalars (NaN and infinities become null)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value.item() if hasattr(value, "item") else value


def _records(frame: Any) -> list[dict]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def household_points(request: Request, amap: MapDep) -> access.HouseholdPoints:
    """The map's households snapped to the roads, once per service (shared by coverage and scenarios)."""
    state = request.app.state
    if getattr(state, "household_points", None) is None:
        state.household_points = access.household_points(amap)
    return state.household_points


@router.get("/coverage", summary="Coverage of the agencies per ward")
def coverage(
    amap: MapDep,
    points: Annotated[access.HouseholdPoints, Depends(household_points)],
    minutes: Annotated[list[float] | None, Query(description="thresholds, min (default 10, 15, 20)")] = None,
    least: Annotated[int, Query(ge=1, le=126, description="how many least-served wards to list")] = 10,
) -> dict:
    """Population within each travel-time threshold of its nearest agency, per ward and in total.

    ``wards`` is a GeoJSON FeatureCollection of the wards with households on the map (persons, shares within
    each threshold, mean and 95th-percentile travel times in minutes); ``least_served`` ranks them.
    """
    limits = minutes or list(access.DEFAULT_MINUTES)
    if any(not (math.isfinite(m) and 0 < m <= 120) for m in limits):
        raise FieldError("minutes", f"thresholds must be in (0, 120] minutes, got {limits}")
    try:
        result = access.coverage(amap, minutes=limits, households=points)
    except InputError as exc:
        raise FieldError("minutes", str(exc)) from None
    wards = json.loads(json.dumps(result.to_geojson(), default=_plain).replace("NaN", "null"))
    return {
        "minutes": list(result.minutes),
        "total": {k: _plain(v) for k, v in result.total.items()},
        "least_served": _records(result.least_served(n=least)),
        "wards": wards,
    }
