"""The registry of deciding units: dispatchers, planners and the operator read it, and a dispatcher or the
operator places a unit the map has no place for, so that its dossiers stop waiting in the day's plans, or
forgets such a point."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query

from api import auth, i18n, schemas
from api.deps import LangDep, MapDep, StoreDep, check_on_map
from ops import authorities
from ops.accounts import Principal

log = logging.getLogger(__name__)

router = APIRouter(
    tags=["authorities"],
    responses={401: {"model": schemas.ErrorBody}, 403: {"model": schemas.ErrorBody}, 422: {"model": schemas.ErrorBody}},
)

UnitCode = Annotated[str, Path(max_length=32, description="the unit's code in the registry ('00160', '01.CA')")]


def _said(unit: dict, lang: str) -> dict:
    """``unit`` as :func:`ops.authorities.registry` gives it, said in ``lang``."""
    return unit | {"said": i18n.unit(lang, unit["name"], unit["level"])}


@router.get("/authorities", response_model=list[schemas.Authority], summary="The deciding units")
def list_units(
    store: StoreDep,
    lang: LangDep,
    _who: Annotated[Principal, Depends(auth.require("dispatcher", "planner", "admin"))],
    located: Annotated[
        bool | None, Query(description="only the units with a location (true) or without one (false)")
    ] = None,
) -> list[dict]:
    """The units of the registry with their seat and how many open dossiers each decides, most first: with
    ``located=false``, the gaps that leave dossiers waiting in the day's plans."""
    return [_said(unit, lang) for unit in authorities.registry(store.engine, located=located)]


@router.put(
    "/authorities/{code}/location",
    response_model=schemas.Authority,
    summary="Place a deciding unit on the map",
    responses={404: {"model": schemas.ErrorBody, "description": "the registry has no such unit"}},
)
def place_unit(
    code: UnitCode,
    body: schemas.PlaceIn,
    amap: MapDep,
    store: StoreDep,
    lang: LangDep,
    who: Annotated[Principal, Depends(auth.require("dispatcher", "admin"))],
) -> dict:
    """The unit sits at the point given (its committee's door, which the map lacks, or a seat the map has wrong):
    the next plan of a day, and a re-plan, take its dossiers there, and seeding the registry from the map again
    keeps the point. Who placed it and when are kept. A point off the map is 422 ``off_map``."""
    check_on_map(amap, body.lon, body.lat)
    return _said(authorities.place(store.engine, code, body.lat, body.lon, who=who.name), lang)


@router.put(
    "/authorities/{code}/hours",
    response_model=schemas.Authority,
    summary="Set a deciding unit's office hours",
    responses={404: {"model": schemas.ErrorBody, "description": "the registry has no such unit"}},
)
def set_unit_hours(
    code: UnitCode,
    body: schemas.HoursIn,
    store: StoreDep,
    lang: LangDep,
    _who: Annotated[Principal, Depends(auth.require("dispatcher", "admin"))],
) -> dict:
    """The unit's own office hours (its one-stop counter also open on Saturday mornings, a body with other
    hours): from the next plan of a day on, its stops fall in them, and a home pickup for it on a day it is
    closed is taken to its agency. Null gives back the public administration's. Seeding the registry keeps them."""
    return _said(authorities.set_hours(store.engine, code, body.hours), lang)


@router.delete(
    "/authorities/{code}/location",
    response_model=schemas.Authority,
    summary="Forget where a person placed a unit",
    responses={404: {"model": schemas.ErrorBody, "description": "no such unit, or none a person placed"}},
)
def unplace_unit(
    code: UnitCode,
    amap: MapDep,
    store: StoreDep,
    lang: LangDep,
    _who: Annotated[Principal, Depends(auth.require("dispatcher", "admin"))],
) -> dict:
    """The point a person gave is forgotten: an official unit takes the map's seat again (or none, where the map
    has none), a unit only a CSV import knows has no location. A unit no person placed is 404 ``not_placed``."""
    return _said(authorities.unplace(store.engine, amap, code), lang)
