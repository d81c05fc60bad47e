"""Dependencies shared by the routers: the loaded map, the database, the settings and input checks."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
from fastapi import Depends, Path, Query, Request, status
from fastapi.responses import JSONResponse

from api import i18n
from api.errors import FieldError, body
from api.settings import Settings
from geo import snap
from geo.addressmap import AddressMap
from ops.store import Store


# Dependencies are coroutines: FastAPI runs a plain function in a worker thread, a hop that costs more than
# these lookups (bench/api.py).
async def get_map(request: Request) -> AddressMap:
    """The address map loaded at start-up."""
    return request.app.state.amap


async def get_store(request: Request) -> Store:
    """The database of plans and scenarios."""
    return request.app.state.store


async def get_settings(request: Request) -> Settings:
    """The service settings."""
    return request.app.state.settings


Code = Annotated[str, Path(max_length=64, description="the portal's dossier code")]
"""A dossier's code in a path."""


async def get_lang(request: Request) -> str:
    """The language of the answer's words (:func:`api.i18n.negotiate`)."""
    return i18n.negotiate(request)


LangQuery = Annotated[
    Literal["vi", "en"] | None,
    Query(description="language of the page's words: `vi` or `en`; else the `lang` cookie, else Accept-Language"),
]
"""The ``lang`` query of a page the API serves (a map page), read by :func:`api.i18n.negotiate`; its values are
:data:`api.i18n.LANGUAGES` (a ``Literal`` is written out)."""

StandaloneQuery = Annotated[
    bool,
    Query(
        description="`true`: the page carries Leaflet (about 160 KB more), a file to keep or send that draws "
        "offline; else it links the service's copy"
    ),
]
"""The ``standalone`` query of a map page the API serves."""

MapDep = Annotated[AddressMap, Depends(get_map)]
LangDep = Annotated[str, Depends(get_lang)]
StoreDep = Annotated[Store, Depends(get_store)]
SettingsDep = Annotated[Settings, Depends(get_settings)]


def check_on_map(amap: AddressMap, lon: float, lat: float, *, field: str = "lat,lon") -> None:
    """Raise :class:`FieldError` unless the point lies within the map's bounds (published in the OpenAPI
    document as the range of ``lat`` and ``lon``); inside them, a point far from any road (in a lake) starts
    from the nearest road."""
    west, south, east, north = amap.bounds
    if not (south <= lat <= north and west <= lon <= east):
        distance = float(snap.road_distances(amap.network, np.array([lon]), np.array([lat]))[0])
        raise FieldError(
            field,
            code="off_map",
            lat=f"{lat:.6f}",
            lon=f"{lon:.6f}",
            distance=f"{distance:.0f}" if np.isfinite(distance) else "?",
            south=f"{south:.4f}",
            north=f"{north:.4f}",
            west=f"{west:.4f}",
            east=f"{east:.4f}",
        )


def time_limit(settings: Settings, asked: float | None) -> float:
    """The search budget of a request: the asked one within the operator's maximum, else the default."""
    if asked is None:
        return settings.solve_time_limit_s
    if asked > settings.max_solve_time_s:
        raise FieldError("time_limit_s", code="time_limit", limit=f"{settings.max_solve_time_s:g}", asked=f"{asked:g}")
    return asked


def client_key(request: Request, what: str) -> str:
    """The key under which wrong tries of ``what`` (tracking, signing in) are counted: the client's address."""
    return f"{what}:{request.client.host if request.client else 'unknown'}"


def throttled(request: Request, key: str, field: str) -> JSONResponse | None:
    """A 429 answer naming ``field`` when the client made too many wrong tries (:class:`ops.tracking.Throttle`),
    with ``Retry-After``; ``None`` when it may try."""
    wait = request.app.state.throttle.wait_s(key)
    if wait <= 0:
        return None
    return JSONResponse(
        body(field, f"quá nhiều lần thử sai; thử lại sau {wait:.0f} giây", code="too_many_attempts"),
        status_code=status.HTTP_429_TOO_MANY_REQUESTS,
        headers={"Retry-After": str(int(wait) + 1)},
    )
