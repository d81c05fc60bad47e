"""The agencynet HTTP service: application factory, start-up (the map is loaded once) and the pages.

Run it with ``agencynet serve`` or ``uvicorn --factory api.app:create_app``. Routers are thin layers over
:mod:`geo` and :mod:`routing`, one per user group (:mod:`api.routers`).
"""

from __future__ import annotations

import gc
import logging
import secrets
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Annotated

import swagger_ui_bundle
from fastapi import Depends, FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import Engine
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import Message, Receive, Scope, Send

from api import auth, contract, errors, i18n, lean, templates
from api.answers import NearestAnswers
from api.basemap import Basemap
from api.contract import PAGES_TAG
from api.direct import DirectApp
from api.routers import accounts, authorities, citizens, days, dispatchers, dossiers, planners, receipts, reports
from api.settings import Settings
from geo import addressmap, hours, paths, warm, webmap
from geo._errors import AgencynetError
from geo.addressmap import AddressMap
from geo.agencies import OFFICE_HOURS
from ops import accounts as ops_accounts
from ops import demo, tracking
from ops.accounts import Principal
from ops.dossiers import OPEN_STATES
from ops.store import Store
from routing import alns

log = logging.getLogger(__name__)

HERE = Path(__file__).parent
PAGES = {"/": "citizens", "/dispatch": "dispatch", "/planning": "planning", "/postman": "postman", "/signin": "signin"}
"""Pages and their templates in ``api/pages`` (Jinja2, texts from :mod:`api.i18n`)."""

GZIP_MINIMUM_SIZE = 2048
"""Smallest answer compressed for a client that accepts gzip, bytes."""

PAGE_LINKS = {
    "citizens": "A link may say what the page shows, and the page keeps it in its address as the citizen goes (to "
    "share, bookmark or reload): `q`, a search, run on opening; or `lat` and `lon` (degrees) with `label`, a point "
    "and what it is, from which the nearest agencies are shown; with the filters `procedure` (a procedure's code) "
    "and `open_now=true`. `code` fills in a dossier's code to track it; the phone's digits are never in a link, nor "
    "the citizen's own position.",
    "dispatch": "`date` (YYYY-MM-DD): the day shown; `plan`: a plan shown at once to a dispatcher signed in.",
    "postman": "`date` (YYYY-MM-DD): the day shown, else today in Hanoi.",
}
"""What each page reads from its address, for the OpenAPI document (the pages refuse no parameter)."""

BROWSER_TEXTS = (
    "js",
    "kind",
    "procedure",
    "role",
    "model",
    "state",
    "desk",
    "failure",
    "signer",
    "id_type",
    "handover",
    "notice_kind",
)
"""Parts of the catalogue the pages' scripts use."""


class _Service(DirectApp):
    """The service's application: a start-up failure of agencynet's own kind (a map that cannot be read, a store
    that does not answer) is logged as one line, not as the traceback Starlette sends uvicorn."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await super().__call__(scope, receive, _one_line_failure(send) if scope["type"] == "lifespan" else send)


def _one_line_failure(send: Send) -> Send:
    """``send`` with a start-up failure of agencynet's own kind told as ``agencynet serve: error: ...``."""

    async def sending(message: Message) -> None:
        failure = sys.exc_info()[1]  # Starlette sends the failure from inside its ``except`` block
        if message["type"] == "lifespan.startup.failed" and isinstance(failure, AgencynetError):
            message = {**message, "message": f"agencynet serve: error: {failure}"}
        await send(message)

    return sending


def load_map(settings: Settings) -> AddressMap:
    """The address map the settings name (built, or read from the cache)."""
    return addressmap.load(settings.osm, profile=settings.profile, data_dir=settings.data or paths.data_dir())


def tokens_of(settings: Settings) -> dict[str, str]:
    """The operator's tokens and roles, from the file and the environment (the environment wins)."""
    tokens = {} if settings.tokens_file is None else auth.read_tokens_file(settings.tokens_file)
    tokens |= auth.parse_tokens(settings.tokens)
    if not tokens:
        log.warning("no tokens configured: planner and dispatcher endpoints will answer 401")
    return tokens


def create_app(settings: Settings | None = None, *, amap: AddressMap | None = None) -> FastAPI:
    """Build the service.

    Parameters
    ----------
    settings
        Settings; read from ``AGENCYNET_*`` environment variables when omitted.
    amap
        An already loaded map to serve (tests share one); loaded at start-up from the settings when omitted.

    Returns
    -------
    FastAPI
        The application; the map and the database are opened by its lifespan.
    """
    settings = settings or Settings()
    tokens = tokens_of(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        loaded = amap if amap is not None else await run_in_threadpool(load_map, settings)
        # The search index (streets included) is built now rather than by the first search (a few seconds).
        await run_in_threadpool(lambda: loaded.search)
        # The dispatch search and the map's compiled code are compiled (or read from numba's cache) now, not inside a
        # request's time or a dispatcher's time limit.
        await run_in_threadpool(alns.warm_up)
        await run_in_threadpool(warm.warm_up, loaded)
        app.state.amap = loaded
        app.state.answers = NearestAnswers(loaded)
        app.state.basemap = Basemap(loaded)
        app.state.store = Store(settings.resolved_database_url())
        # The map's objects live as long as the process: frozen, a full collection no longer walks them in the
        # middle of a request.
        gc.collect()
        gc.freeze()
        log.info("map: %d agencies on %d road edges", len(loaded.agencies), loaded.network.n_edges)
        try:
            yield
        finally:
            app.state.store.close()

    app = _Service(
        title="agencynet",
        summary="Post offices as public-service agents in Hanoi: nearest agencies, dispatch of postmen, site planning.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        dependencies=[Depends(contract.known_query_only)],
    )
    app.state.settings = settings
    app.state.tokens = tokens
    errors.install(app)
    contract.install(app)
    lean.check(app, (contract.known_query_only,))
    app.state.throttle = tracking.Throttle()
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_SIZE)
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.session_secret or secrets.token_urlsafe(32),
        session_cookie="agencynet_session",
        max_age=12 * 3600,
        same_site="lax",
        https_only=settings.cookie_secure,
    )
    # Routes are matched in order: the public ones under load first (and run by api.direct ahead of the stack).
    app.include_router(citizens.router)
    app.answer_directly(citizens.router.routes, GZIP_MINIMUM_SIZE)
    app.include_router(dossiers.router)
    app.include_router(planners.router)
    app.include_router(dispatchers.router)
    app.include_router(days.router)
    app.include_router(authorities.router)
    app.include_router(accounts.router)
    app.include_router(reports.router)
    app.include_router(receipts.router)
    # Leaflet is the map's (geo.webmap draws the exports with the same copy).
    app.mount("/static/leaflet", StaticFiles(directory=webmap.LEAFLET), name="leaflet")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    # Swagger UI from the swagger-ui-bundle package rather than FastAPI's CDN default, so /docs works offline.
    app.mount("/swagger-ui", StaticFiles(directory=swagger_ui_bundle.swagger_ui_path), name="swagger")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title="agencynet API",
            swagger_js_url="/swagger-ui/swagger-ui-bundle.js",
            swagger_css_url="/swagger-ui/swagger-ui.css",
            swagger_favicon_url="/swagger-ui/favicon-32x32.png",
        )

    for route, name in PAGES.items():
        _add_page(app, route, name)
    return app


def _page_state(engine: Engine, who: Principal | None) -> tuple[bool, dict | None]:
    """Whether the store holds synthetic data, and the person signed in as ``GET /me`` says him (a page knows it
    without asking: a signed-out page's ``/me`` was a 401, logged by the browser as an error on every page)."""
    return demo.holds_synthetic(engine), None if who is None else ops_accounts.described(engine, who)


def render_page(name: str, lang: str, *, synthetic: bool = False, me: dict | None = None) -> str:
    """The HTML of page ``name`` in ``lang``; ``synthetic`` adds the notice that the store's data are synthetic,
    ``me`` is the person signed in (:func:`ops.accounts.described`), given to the page's script."""
    texts = i18n.catalogue(lang)
    languages = [(code, i18n.catalogue(code)["lang_name"]) for code in i18n.LANGUAGES]
    # The public holidays of the days the pages offer to choose (common.js fillDays), named in the page's language,
    # and the Saturdays worked for a day off, with that day.
    year = datetime.now(hours.HANOI).year
    years = range(year - 2, year + 3)  # the days a page lists, and links to days of the years around
    calendar = {
        "holidays": {day.isoformat(): name for day, name in hours.public_holidays(years, lang).items()},
        "worked": {day.isoformat(): off.isoformat() for day, off in hours.compensatory_working_days(years).items()},
    }
    browser_texts = {part: texts[part] for part in BROWSER_TEXTS} | {"lang": lang} | calendar
    return templates.PAGES.get_template(f"{name}.html").render(
        page=name,
        lang=lang,
        t=texts,
        languages=languages,
        browser_texts=browser_texts,
        synthetic=synthetic,
        open_states=OPEN_STATES,
        office_hours=OFFICE_HOURS,
        me=me,
    )


def _add_page(app: FastAPI, route: str, name: str) -> None:
    async def page(
        request: Request,
        lang: Annotated[
            str | None,
            Query(description="language: `vi` (the default) or `en`, remembered in a cookie; another value is ignored"),
        ] = None,
    ) -> HTMLResponse:
        language = i18n.negotiate(request)  # ``lang`` if it names one, else the cookie, else Accept-Language
        synthetic, me = await run_in_threadpool(_page_state, request.app.state.store.engine, auth.signed_in(request))
        response = HTMLResponse(
            render_page(name, language, synthetic=synthetic, me=me),
            headers={"Content-Language": language, "Vary": "Accept-Language, Cookie"},
        )
        if lang in i18n.LANGUAGES:
            # The switch is remembered, so the other pages and the API's messages follow it.
            response.set_cookie(i18n.COOKIE, language, max_age=365 * 24 * 3600, samesite="lax")
        return response

    # In the OpenAPI document, so that the path's methods are all told (GET /signin beside POST /signin); a page's
    # script reads parameters of its own (date, plan ...) and a shared link may carry others: none is refused.
    app.add_api_route(
        route,
        page,
        methods=["GET"],
        name=name,
        tags=[PAGES_TAG],
        summary=f"Page: {i18n.text('en', f'page.{name}.title')}",
        description=PAGE_LINKS.get(name, ""),
        response_class=HTMLResponse,
    )
