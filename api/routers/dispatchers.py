"""Dispatcher endpoints (bearer token, role ``dispatcher``): plan a day, read it, add tasks during the day.

Plans may visit households (home pickups and result returns); their ids and stop times are served here, to
dispatchers only, and nothing else of the household records.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response, status
from fastapi.responses import HTMLResponse

from api import auth, contract, i18n, maps, schemas
from api.deps import LangDep, LangQuery, MapDep, SettingsDep, StandaloneQuery, StoreDep, time_limit
from api.errors import NotFound
from ops import plans

log = logging.getLogger(__name__)

router = APIRouter(
    tags=["dispatchers"],
    dependencies=[Depends(auth.require("dispatcher"))],
    responses={401: {"model": schemas.ErrorBody}, 403: {"model": schemas.ErrorBody}, 422: {"model": schemas.ErrorBody}},
)

PlanId = Annotated[str, Path(max_length=64, description="id returned by POST /plans")]


def _answer(record_id: str, version: int, result: dict, lang: str) -> dict:
    """The answer of a stored plan: its record without the geometry, each unserved task's reason said in ``lang``."""
    plan = result["plan"] | {"unserved": i18n.reasons(lang, result["plan"]["unserved"], "code")}
    return {"id": record_id, "version": version} | {k: v for k, v in result.items() if k != "geojson"} | {"plan": plan}


def _stored(store: StoreDep, plan_id: str) -> dict:
    record = store.get("plan", plan_id)
    if record is None:
        raise NotFound("id", code="unknown_plan", plan=plan_id)
    return record


@router.post(
    "/plans",
    response_model=schemas.PlanAnswer,
    status_code=status.HTTP_201_CREATED,
    summary="Plan a day",
    responses={
        201: contract.links(
            "plan_id",
            "$response.body#/id",
            "get_plan_plans__plan_id__get",
            "get_plan_geojson_plans__plan_id__geojson_get",
            "get_plan_map_plans__plan_id__map_html_get",
            "add_tasks_plans__plan_id__tasks_post",
        )
    },
)
def create_plan(
    body: schemas.PlanRequest, amap: MapDep, store: StoreDep, settings: SettingsDep, response: Response, lang: LangDep
) -> dict:
    """Route postmen for explicit tasks and postmen, or for a generated (synthetic) day.

    Explicit places are ids of the map: an ``agency_id`` for depots, and ``agency_id``, ``authority_id`` or
    ``household_id`` for task pickups and deliveries. The plan is stored; its id is in the answer and in the
    ``Location`` header. Such a day has no date: each place keeps its kind's usual hours (an agency 07:30-18:00,
    an authority 08:00-11:30 and 13:30-17:00, a door 08:00-20:00); a working day planned from the dossiers
    (``POST /days/{date}/plan``) takes each place's hours on its date, weekends and public holidays closed.
    """
    limit = time_limit(settings, body.time_limit_s)
    if body.generate is not None:
        assert isinstance(body.postmen, int)
        outcome = plans.generated(
            amap, body.generate, body.postmen, body.seed, time_limit_s=limit, balanced=body.balanced
        )
    else:
        assert isinstance(body.postmen, list) and body.tasks is not None
        outcome = plans.explicit(
            amap,
            [p.model_dump() for p in body.postmen],
            [t.model_dump() for t in body.tasks],
            time_limit_s=limit,
            balanced=body.balanced,
        )
    request = body.model_dump(mode="json")
    plan_id = store.add("plan", request, outcome.state(), outcome.result())
    response.headers["Location"] = f"/plans/{plan_id}"
    log.info("plan %s: %d tasks, %d unserved", plan_id, len(outcome.tasks), len(outcome.plan.unserved))
    return _answer(plan_id, 1, outcome.result(), lang)


@router.get("/plans", response_model=list[schemas.PlanListed], summary="Recent plans")
def list_plans(store: StoreDep, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict]:
    """Ids, times, versions and working days of the newest plans, newest first."""
    return store.list("plan", limit=limit, keys=("date",))


@router.get("/plans/{plan_id}", response_model=schemas.PlanAnswer, summary="A stored plan")
def get_plan(plan_id: PlanId, store: StoreDep, lang: LangDep) -> dict:
    """The plan: routes with stop times, unserved tasks with reasons, the checker's verdict."""
    record = _stored(store, plan_id)
    return _answer(record["id"], record["version"], record["result"], lang)


@router.get(
    "/plans/{plan_id}/geojson",
    response_model=schemas.FeatureCollection,
    summary="A stored plan as GeoJSON",
)
def get_plan_geojson(plan_id: PlanId, store: StoreDep) -> dict:
    """One LineString per postman along the roads and one numbered Point per stop (with arrival time, s)."""
    return _stored(store, plan_id)["result"]["geojson"]


@router.get("/plans/{plan_id}/map.html", response_class=HTMLResponse, summary="A stored plan as a map page")
def get_plan_map(
    plan_id: PlanId,
    store: StoreDep,
    amap: MapDep,
    language: LangDep,
    lang: LangQuery = None,
    standalone: StandaloneQuery = False,
) -> HTMLResponse:
    """The plan as a map page in the language asked (``lang``, else the cookie, else Accept-Language; folium, with
    the service's Leaflet: it fetches nothing from another site): one layer and colour per postman, numbered stops
    with their kind, task, time and place, over the main roads; ``standalone``, a file to keep or send."""
    geojson = _stored(store, plan_id)["result"]["geojson"]
    routes = maps.route_map(geojson, i18n.catalogue(language), amap)
    page = maps.served(routes, language, "routes_title", standalone=standalone)
    return HTMLResponse(page, headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"})


@router.post("/plans/{plan_id}/tasks", response_model=schemas.PlanAnswer, summary="Add tasks and re-optimise")
def add_tasks(
    plan_id: PlanId, body: schemas.NewTasks, amap: MapDep, store: StoreDep, settings: SettingsDep, lang: LangDep
) -> dict:
    """Insert new tasks into the plan; stops done by ``at`` (or as ``progress`` says) stay as they were.

    A postman not started by ``at`` leaves his post office no earlier; one whose shift is over by then keeps his
    route as planned (``closed`` in ``plan.routes``) and the others take the new tasks. Once every shift is
    over, 422 ``shifts_over_at``. A plan made balanced (``balanced: true``) is re-planned balanced.

    The stored plan is replaced by the new one and its ``version`` goes up; two concurrent updates of the
    same plan cannot both win (the second gets 409 and may retry).
    """
    limit = time_limit(settings, body.time_limit_s)
    record = _stored(store, plan_id)
    outcome = plans.reoptimised(
        amap,
        record["state"],
        record["result"]["plan"],
        [t.model_dump() for t in body.tasks],
        at=body.at,
        progress=None if body.progress is None else {k: v.model_dump() for k, v in body.progress.items()},
        time_limit_s=limit,
        balanced=record["result"].get("balance") is not None,
    )
    version = store.update("plan", plan_id, record["version"], state=outcome.state(), result=outcome.result())
    return _answer(plan_id, version, outcome.result(), lang)
