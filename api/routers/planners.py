"""Planner endpoints (bearer token, role ``planner``): coverage of the agency network per ward, site scenarios.

Scenarios run :func:`geo.siting.scenario.plan` (existing agencies stay open, new sites are chosen among
candidates) and are stored like plans. Coverage figures are aggregates per ward (persons within T minutes,
mean and 95th-percentile times); no household record leaves the service.
"""

from __future__ import annotations

import json
import logging
import math
from typing import Annotated, Any

import geopandas as gpd
from fastapi import APIRouter, Depends, Path, Query, Request, Response, status
from fastapi.responses import HTMLResponse
from pydantic import Field

from api import auth, contract, maps, schemas
from api.deps import LangDep, LangQuery, MapDep, SettingsDep, StandaloneQuery, StoreDep, time_limit
from api.errors import FieldError, NotFound
from geo._errors import InputError
from geo.siting import access
from geo.siting import scenario as siting

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
    # A list with its default rather than an optional one: the document shows the default thresholds, and a
    # single number is a list of one (schemathesis takes "minutes=7" for a number, not an array, when the
    # parameter may also be null).
    minutes: Annotated[
        tuple[Annotated[float, Field(gt=0, le=120)], ...], Query(description="thresholds, min")
    ] = access.DEFAULT_MINUTES,
    least: Annotated[int, Query(ge=1, le=126, description="how many least-served wards to list")] = 10,
) -> dict:
    """Population within each travel-time threshold of its nearest agency, per ward and in total.

    ``wards`` is a GeoJSON FeatureCollection of the wards with households on the map (persons, shares within
    each threshold, mean and 95th-percentile travel times in minutes); ``least_served`` ranks them.
    """
    try:
        result = access.coverage(amap, minutes=list(minutes), households=points)
    except InputError as exc:
        raise FieldError("minutes", str(exc)) from None
    wards = json.loads(json.dumps(result.to_geojson(), default=_plain).replace("NaN", "null"))
    return {
        "minutes": list(result.minutes),
        "total": {k: _plain(v) for k, v in result.total.items()},
        "least_served": _records(result.least_served(n=least)),
        "wards": wards,
    }


def _candidates(amap: MapDep, given: list[schemas.CandidateIn] | None) -> gpd.GeoDataFrame:
    if given is None:
        return siting.default_candidates(amap)
    frame = gpd.GeoDataFrame(
        {"site_id": [c.site_id for c in given], "name": [c.name for c in given], "kind": "user"},
        geometry=gpd.points_from_xy([c.lon for c in given], [c.lat for c in given]),
        crs=4326,
    )
    again = frame["site_id"].duplicated().to_numpy().nonzero()[0]
    if again.size:
        first = int(again[0])
        raise FieldError(f"candidates[{first}].site_id", code="duplicate_site", site=given[first].site_id)
    return frame


def _candidate_features(candidates: gpd.GeoDataFrame) -> list[dict]:
    return [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(p.x, 6), round(p.y, 6)]},
            "properties": {"layer": "candidate", "site_id": str(i), "name": str(n or ""), "kind": str(k)},
        }
        for p, i, n, k in zip(
            candidates.geometry, candidates["site_id"], candidates["name"], candidates["kind"], strict=True
        )
    ]


@router.post(
    "/scenarios",
    status_code=status.HTTP_201_CREATED,
    summary="Run a site-planning scenario",
    responses={
        201: contract.links(
            "scenario_id",
            "$response.body#/id",
            "get_scenario_scenarios__scenario_id__get",
            "get_scenario_map_scenarios__scenario_id__map_html_get",
        )
    },
)
def create_scenario(
    body: schemas.ScenarioRequest,
    amap: MapDep,
    store: StoreDep,
    settings: SettingsDep,
    points: Annotated[access.HouseholdPoints, Depends(household_points)],
    response: Response,
) -> dict:
    """Choose new sites with a location-allocation model; the existing agencies stay open.

    The answer has the id, the model's figures, the new sites and the coverage before and after; the full
    result with GeoJSON is at ``GET /scenarios/{id}``.
    """
    limit = time_limit(settings, body.time_limit_s or siting.DEFAULT_TIME_LIMIT_S)
    candidates = _candidates(amap, body.candidates)
    result = siting.plan(
        amap,
        model=body.model,
        p=body.p,
        minutes=body.minutes,
        capacity=body.capacity,
        candidates=candidates,
        time_limit_s=limit,
        households=points,
    )
    summary = json.loads(json.dumps(result.to_dict(), default=_plain))
    geojson = result.to_geojson()
    geojson["features"] = geojson["features"] + _candidate_features(candidates)
    geojson = json.loads(json.dumps(geojson, default=_plain).replace("NaN", "null"))
    scenario_id = store.add("scenario", body.model_dump(mode="json"), {}, {"result": summary, "geojson": geojson})
    response.headers["Location"] = f"/scenarios/{scenario_id}"
    log.info("scenario %s: %s p=%s, gap %.4f", scenario_id, result.model, result.p, result.gap)
    return {"id": scenario_id} | summary


@router.get("/scenarios/{scenario_id}", summary="A stored scenario with GeoJSON")
def get_scenario(scenario_id: Annotated[str, Path(max_length=64)], store: StoreDep) -> dict:
    """The scenario's figures, and ``geojson``: wards (coverage before/after), open sites (``layer`` = ``site``,
    ``status`` existing or new) and candidate sites (``layer`` = ``candidate``)."""
    record = store.get("scenario", scenario_id)
    if record is None:
        raise NotFound("id", code="unknown_scenario", scenario=scenario_id)
    return (
        {"id": record["id"], "created_at": record["created_at"].isoformat()}
        | record["result"]["result"]
        | {"geojson": record["result"]["geojson"]}
    )


@router.get("/scenarios/{scenario_id}/map.html", response_class=HTMLResponse, summary="A stored scenario as a map page")
def get_scenario_map(
    scenario_id: Annotated[str, Path(max_length=64)],
    store: StoreDep,
    amap: MapDep,
    language: LangDep,
    lang: LangQuery = None,
    standalone: StandaloneQuery = False,
) -> HTMLResponse:
    """The scenario as a map page in the language asked (``lang``, else the cookie, else Accept-Language; folium,
    with the service's Leaflet: it fetches nothing from another site): coverage today and with the new sites by ward,
    existing and new sites; ``standalone``, a file to keep or send. Drawn from the stored figures when asked (0.4 s
    on the central map, as long as drawing it when the scenario was made), so one stored long ago is said in
    today's words."""
    record = store.get("scenario", scenario_id)
    if record is None:
        raise NotFound("id", code="unknown_scenario", scenario=scenario_id)
    stored = record["result"]
    fmap = maps.stored_scenario_map(stored["geojson"], stored["result"]["minutes"], amap, language)
    page = maps.served(fmap, language, "scenario_title", standalone=standalone)
    return HTMLResponse(page, headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"})
