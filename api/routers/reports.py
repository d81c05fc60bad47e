"""Reports to the province (bearer token or session, roles ``planner`` and ``admin``): the quarter's report as one
HTML page (:mod:`ops.report`), the same as ``agencynet report`` writes."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse

from api import auth, i18n, schemas
from api.deps import MapDep, StoreDep
from api.routers.planners import household_points
from geo.addressmap import AddressMap
from geo.siting import access
from ops import report, report_figures

router = APIRouter(
    tags=["reports"],
    dependencies=[Depends(auth.require("planner", "admin"))],
    responses={401: {"model": schemas.ErrorBody}, 403: {"model": schemas.ErrorBody}, 422: {"model": schemas.ErrorBody}},
)

"""A quarter of this century, ``2026Q1``."""


def coverage_of(
    request: Request, amap: MapDep, points: Annotated[access.HouseholdPoints, Depends(household_points)]
) -> access.Coverage:
    """The coverage of the map by travel time, computed once per service (it does not change with the quarter)."""
    state = request.app.state
    if getattr(state, "report_coverage", None) is None:
        state.report_coverage = access.coverage(amap, households=points)
    return state.report_coverage


def _page(store: StoreDep, quarter: str, amap: AddressMap, coverage: access.Coverage, lang: str, area: str) -> str:
    texts = i18n.catalogue(lang)
    figures = report_figures.figures(store.engine, quarter, amap=amap, coverage=coverage)
    return report.page(figures, report.draw(figures, amap=amap, texts=texts, area=area), texts=texts, area=area)


@router.get(
    "/reports/{quarter}",
    response_class=HTMLResponse,
    summary="The quarter's report (HTML)",
    responses={200: {"content": {"text/html": {}}, "description": "The report as one self-contained HTML page"}},
)
async def quarterly_report(
    request: Request,
    quarter: Annotated[str, Path(pattern=schemas.QUARTER, description="quarter, e.g. 2026Q1")],
    amap: MapDep,
    store: StoreDep,
    coverage: Annotated[access.Coverage, Depends(coverage_of)],
    area: Annotated[
        Literal["ward", "agency", "authority"], Query(description="breakdown drawn on the map and listed first")
    ] = "ward",
    lang: Annotated[Literal["vi", "en"] | None, Query(description="language (default: Vietnamese)")] = None,
) -> HTMLResponse:
    """Dossiers received, returned and in progress by procedure, agency, authority and ward; returns on time and
    the lateness of the others; median days from reception to return; home pickups and returns for priority
    groups; kilometres and postman-hours of the stored plans; coverage of the population by travel time. Charts
    and maps are inline SVG. ``agencynet report`` writes the same page with the PDF, the workbook and CSV files."""
    chosen = lang or i18n.negotiate(request)
    html = await run_in_threadpool(_page, store, quarter, amap, coverage, chosen, area)
    return HTMLResponse(html, headers={"Content-Language": chosen, "Vary": "Accept-Language, Cookie"})
