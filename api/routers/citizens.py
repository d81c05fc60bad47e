"""Public endpoints for citizens: agencies, nearest agencies with routes, search, tracking a dossier, isochrones,
basemap.

Nothing here reads the households layer: answers carry agencies, authorities, addresses and wards only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar, get_args

import shapely
from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import Field
from sqlalchemy.engine import Engine

from api import i18n, schemas
from api.contract import GEOJSON, FastJSON, GeoJSONResponse
from api.deps import Code, MapDep, check_on_map, client_key, throttled
from api.errors import FieldError, NotFound
from api.lean import LeanRoute
from geo import hours, nearest
from geo._errors import InputError, OutOfAreaError
from geo._text import fold
from geo.addressmap import AddressMap
from geo.siting import access
from ops import dayevents, daytasks, notices, tracking, visits
from ops.store import Store

log = logging.getLogger(__name__)

T = TypeVar("T")

# Lean routes (api.lean): the operations whose endpoint reads the app's state itself and takes its query as one
# strict model are run without FastAPI's dependency solving.
router = APIRouter(tags=["citizens"], route_class=LeanRoute)

AGENCY_COLUMNS = ("agency_id", "name", "kind", "ward")
"""Agency attributes served besides the details of :attr:`geo.addressmap.AddressMap.agency_details` (the source
bookkeeping columns stay inside)."""

MAX_BANDS = 4
"""Service areas one request may ask for (Valhalla's default ``max_contours``): a public request, its largest
area up to 2 s of drawing on the central map, the others a fraction more (geo.isochrones)."""

SEARCH_KINDS = get_args(schemas.SearchKind)

PLACE_TOLERANCE_DEG = 2e-5
"""How far the drawn shape of a place searched near may stray from the map's (about 2 m): a ward's outline
keeps its look with a fraction of its corners."""


def _lon_lat(focus: str) -> tuple[float, float]:
    """Longitude and latitude of a point written ``lat,lon`` (:data:`api.schemas.FOCUS`)."""
    lat, lon = (float(v) for v in focus.split(","))
    return lon, lat


def _geojson(shape: shapely.Geometry) -> dict:
    """A shape as a GeoJSON geometry, coordinates to 6 decimals (about 10 cm)."""
    return shapely.geometry.mapping(shapely.set_precision(shape, 1e-6))


def _bbox(text: str) -> tuple[float, float, float, float]:
    west, south, east, north = (float(v) for v in text.split(","))
    return west, south, east, north


NOT_FOUND: dict[int | str, dict] = {
    404: {"model": schemas.ErrorBody, "description": "Unknown ward, address, place or agency"}
}


# Routes are matched in the order they are defined: the public ones under load first.
@router.get("/config", response_model=dict[str, Any], summary="Settings the pages need")
async def config(request: Request) -> FastJSON:
    """Online tiles (when configured), the map's bounds, the shades of coverage maps (`coverage_steps`: each
    colour below its bound, the last up to 1), the reasons a stop may fail, each with where it can (`failures`:
    `address`, `office` or `any`), and the tries at a citizen's door before a result goes to its agency
    (`door_attempts`), for the pages."""
    settings = request.app.state.settings
    west, south, east, north = request.app.state.amap.bounds
    return FastJSON(
        {
            "tiles_url": settings.tiles_url or None,
            "tiles_attribution": settings.tiles_attribution,
            "bounds": [[south, west], [north, east]],
            "profile": settings.profile,
            "coverage_steps": access.SHARE_STEPS,
            "failures": dayevents.FAILURES,
            "door_attempts": daytasks.DOOR_ATTEMPTS,
        }
    )


def _local(at: datetime | None) -> datetime:
    """``at`` as a naive local time in Hanoi (a naive ``at`` is taken as Hanoi time); now when omitted."""
    if at is None:
        return datetime.now(hours.HANOI).replace(tzinfo=None)
    try:
        return at.astimezone(hours.HANOI).replace(tzinfo=None) if at.tzinfo is not None else at
    except OverflowError:
        # 0001-01-01T00:01+09:22 is in year 0 in Hanoi, no date Python holds: its wall time, as written.
        return at.replace(tzinfo=None)


def _details(amap: AddressMap, agency_id: str, when: datetime) -> dict:
    """An agency's details with ``open_now``, whether it is open at ``when``, and ``changes_at``, when that
    changes."""
    details = amap.agency_details[agency_id]
    return details | hours.state(details["opening_hours"], when)


_LANGUAGE_VARIES = {"Vary": "Accept-Language, Cookie"}
"""Headers of the nearest agencies' answers: a public holiday is named in the asker's language."""


def _nearest(
    request: Request,
    lon: float,
    lat: float,
    label: str | None,
    filters: schemas.NearestFilters,
    procedure: str | None = None,
    area: shapely.Geometry | None = None,
    within: bool = False,
) -> Response:
    """The nearest agencies from a point, from the edge of a landmark's ``area`` (a lake) or a street's line, or
    a ward's own first (``within``), filtered by ``filters`` (its procedure, else ``procedure``: the one the
    address asked; ``""`` for public-service agents, any procedure)."""
    amap, answers = request.app.state.amap, request.app.state.answers
    when = _local(filters.at)
    procedure = filters.procedure or procedure
    among = answers.among(procedure, filters.open_now, when)
    # Inside the map's bounds any point is answered, from its nearest road however far (a point in a lake).
    found = nearest.find_from(amap, lon, lat, area, within=within, k=filters.k, among=among)
    # The language is asked for only on a holiday: the other days' answers say nothing in words.
    holiday = hours.holiday(when.date()) and hours.holiday(when.date(), i18n.negotiate(request))
    said = {"holiday": holiday, "procedure": procedure or None}
    outline = None if area is None else _geojson(shapely.simplify(area, PLACE_TOLERANCE_DEG))
    answer = answers.answer(found, lon, lat, label, when, said, outline, within)
    return Response(answer, media_type="application/json", headers=_LANGUAGE_VARIES)


_NEAREST_DOC = (
    "Each agency comes with its ETA, distance, route and details (address, operator, opening hours, `open_now` "
    "at the time asked and `changes_at`, when it next opens or closes, procedures accepted). Opening hours are "
    "read with Vietnam's public holidays (Tết among them) and the Saturdays worked for a day off, on which an "
    "office closed on holidays opens as on that day: `holiday` names the holiday the time asked falls on, in "
    "the asker's language. `procedure` keeps only the agencies that accept it and `open_now=true` those open at "
    "`at` (or now); the list is empty when none is left."
)


# Short CPU-bound handlers (a few ms) run on the event loop: a thread hop would cost more than it frees.
@router.get(
    "/agencies/nearest",
    response_model=schemas.NearestAnswer,
    summary="Nearest agencies from a point",
    description="The agencies reached soonest by travel time from a point of the map, or from the place it stands "
    "for (`place`): from any point of a landmark's edge or along a street, or a ward's own agencies first. "
    + _NEAREST_DOC,
    responses=NOT_FOUND,
)
async def nearest_agencies(request: Request, query: Annotated[schemas.NearestQuery, Query()]) -> Response:
    """The nearest agencies from a point."""
    amap = request.app.state.amap
    check_on_map(amap, query.lon, query.lat)
    if query.place is None:
        return _nearest(request, query.lon, query.lat, None, query)
    try:
        area, within = amap.area_of(query.place)
    except KeyError:
        raise NotFound("place", code="unknown_search_result", place=query.place) from None
    return _nearest(request, query.lon, query.lat, None, query, area=area, within=within)


@router.get(
    "/agencies/nearest/address",
    response_model=schemas.NearestAnswer,
    summary="Nearest agencies from a typed address",
    description="The agencies reached soonest from the best match of a typed address (see `/search`); from a "
    "landmark that has an area or a line of its own (a lake, a park, a market), from any point of its edge: 'hồ "
    "gươm' is the lake's shore all round, and each route starts where its agency is reached soonest. A text "
    "asking where to take a procedure near a place ('đổi bằng lái xe gần hồ gươm', 'làm căn cước ở Hoàn Kiếm') is "
    "read as `/search` reads it: from that place, only the agencies that accept the procedure (`procedure` says "
    "which, unless the query gives one); one asking where to hand in a dossier ('nộp hồ sơ gần hồ gươm') lists the "
    "public-service agents; one naming no place is not found (`address_names_no_place`). " + _NEAREST_DOC,
    responses=NOT_FOUND,
)
async def nearest_agencies_from_address(
    request: Request, query: Annotated[schemas.NearestAddressQuery, Query()]
) -> Response:
    """The nearest agencies from a typed address."""
    amap = request.app.state.amap
    try:
        at = amap.locate(query.address)
    except OutOfAreaError as error:
        province = error.fields["province"]
        raise NotFound("address", code="address_elsewhere", text=query.address, province=province) from None
    except InputError as error:
        code = error.code if error.code == "address_names_no_place" else "address_not_found"
        raise NotFound("address", code=code, text=query.address) from None
    return _nearest(request, at.lon, at.lat, at.label, query, at.procedure, at.area, at.within)


@router.get(
    "/reverse",
    response_model=schemas.ReverseAnswer,
    summary="What is at a point: its address or street, and its ward",
    description="The nearest numbered address within 40 m, else the nearest named road within 150 m, and the ward "
    "the point lies in (reverse geocoding, as Nominatim's `/reverse` at its building and street levels): the page "
    "says where a click on the map is ('gần 18 Nguyễn Du, Phường Cửa Nam'). A point of the map far from its roads "
    "(in a lake) has no `label`.",
)
async def reverse(request: Request, query: Annotated[schemas.ReverseQuery, Query()]) -> FastJSON:
    """What is at a point of the map."""
    amap = request.app.state.amap
    check_on_map(amap, query.lon, query.lat)
    return FastJSON(amap.reverse.at(query.lon, query.lat).to_dict())


@router.get("/search", response_model=schemas.SearchAnswer, summary="Search addresses, streets, places, landmarks")
async def search(request: Request, query: Annotated[schemas.SearchQuery, Query()]) -> FastJSON:
    """Addresses, streets, agencies, authorities, wards and landmarks matching Vietnamese text, best first.

    A landmark (a market, hospital, temple, lake ...) is found by any of its OSM names ("Hồ Gươm" finds Hồ Hoàn
    Kiếm) and listed once, as itself; words typed with diacritics rank the places written alike first.

    A house number on a street without that numbered point is placed between the street's numbered points (``match``:
    ``interpolated``), else at the street's middle (``street``); an address may end with its ward, district (before
    2025) and city, by name or initials ("Q.HK"), which rank the places inside them first. Each result names its ward.
    An address in a province the map does not cover ("..., Quận 1, TP.HCM") finds nothing, and ``elsewhere`` names that
    province. "X gần Y" (near, next to, opposite, around Y: "bưu điện gần hồ gươm") lists the X nearest the place Y
    names, each score times 1 / (1 + d / 1 km), d from its point, a street's line, a ward's area or a landmark's (a
    lake's shore); so does a query beginning with a kind of agency ("bưu điện hồ gươm", "viettel post kim mã", "bưu điện
    HK": a ward by its initials) unless it names one ("Bưu điện Cầu Giấy"). Each such result says the place (`near`) and
    its distance (`near_m`), unless it names the place itself, by its name or its ward's ("fpt shop văn miếu": the shop
    in Phường Văn Miếu - Quốc Tử Giám); `near_place` gives the place and its shape. With `focus` (lat,lon), "X gần đây"
    (near here, nearest, near me) lists the X nearest that point.

    A text asking where to take a procedure ("đổi bằng lái xe", "làm căn cước ở Hoàn Kiếm", "viettel post làm lý
    lịch tư pháp gần hồ gươm", "passport renewal") lists the agencies that accept it (`procedure` says which), of
    the kind of agency asked if any, near the place the rest of the text names, or near `focus` when it names none.
    A text asking for the service itself ("nộp hồ sơ gần đây", "dịch vụ công gần nhất", "bộ phận một cửa") lists so
    the public-service agents, `procedure` null. Words asking about a place rather than naming it are left out
    ("giờ mở cửa bưu điện Tràng Tiền", "địa chỉ ..."); a kind of agency asked where ("bưu điện ở đâu", "where is the
    post office") is asked near `focus`.

    Text typed in part is read as such, for suggestions while typing: the last word begins words, from one letter
    after other words ("trần hưng đ" finds Phố Trần Hưng Đạo), and a term begun ("bưu đi", "ủy ban") finds what
    it begins; diacritics typed on it say which ("hàng bạ" finds Hàng Bạc before Hàng Bài). Text typed in Telex
    with the input method off ("hangf bacj") is read as the words meant.
    """
    q = query.q
    focus = None if query.focus is None else _lon_lat(query.focus)
    search = request.app.state.amap.search
    try:
        found = search.answer(q, k=query.k, kinds=query.kind, focus=focus)
    except InputError:
        # Text the schema allows but that folds to nothing searchable (a lone combining mark): no result.
        return FastJSON({"query": q, "results": [], "elsewhere": None, "near_place": None, "procedure": None})
    results = [h | {"score": round(h["score"], 4)} for h in found.hits if h["kind"] in SEARCH_KINDS]
    # Only an empty answer is asked why: the address may be in another province.
    elsewhere = None if results else search.elsewhere(q) or None
    place = None
    if results and found.place is not None:
        place = {"label": found.near, "geometry": _geojson(shapely.simplify(found.place, PLACE_TOLERANCE_DEG))}
    return FastJSON(
        {
            "query": q,
            "results": results,
            "elsewhere": elsewhere,
            "near_place": place,
            "procedure": found.procedure or None,
        }
    )


SAYS_WHERE = frozenset(
    {
        "state.received",
        "state.to_authority",
        "state.at_authority",
        "state.returning",
        "state.for_collection",
        "state.returned",
        "home_pickup.received",
        "back.digitised",
        "handed.digitised",
        "kept.digitised",
    }
)
"""The texts of a dossier's state (keys under ``tracking`` in the catalogues) that say where it is, in both
languages ("Đã tiếp nhận tại điểm phục vụ", "Bưu tá đang mang kết quả đến"): the citizens' page then leaves the
place out, where it read "Đã tiếp nhận tại điểm phục vụ. Tại điểm phục vụ."."""


def _step_keys(
    answer: dict[str, Any], agency_id: str, places: list[str | None], reasons: list[str | None]
) -> list[str]:
    """The text of each step of a dossier's journey (:func:`ops.tracking.track`'s ``answer``): a key under
    ``tracking`` in the catalogues. A home pickup received waits at home for the postman; a result that failed to
    reach its agency was not "nobody at home", nor one that failed at the door for another of its ``reasons``, and
    one the door is no longer tried for goes to its agency, where the citizen collects it
    (:func:`ops.daytasks.door_given_up`); a dossier brought back to its agency undelivered went back a step,
    and one that changed hands at a post office (a home pickup taken to its agency, ``places`` saying where, or
    brought back to the postman's) moved on: said so, not "digitised" once more."""
    keys = []
    before = None
    tries = 0
    for step, place, reason in zip(answer["steps"], places, reasons, strict=True):
        now = step["state"]
        key = f"state.{now}"
        if answer["channel"] == "home_pickup" and now == "received":
            key = "home_pickup.received"
        elif answer["return_mode"] == "agency" and now == "failed_return":
            key = "to_agency.failed_return"
        elif now == "failed_return" and reason in daytasks.NOT_AT_DOOR:
            key = "door.no_time"
        elif now == "failed_return":
            tries += 1
            if daytasks.door_given_up(tries, reason):
                key = f"door.{reason if reason in daytasks.FOR_COLLECTION else 'given_up'}"
            elif reason not in (None, "nobody_home"):
                key = "door.other"
        elif now == "digitised" and before in ("to_authority", "digitised"):
            key = f"{'back' if before == 'to_authority' else 'handed' if place == agency_id else 'kept'}.digitised"
        keys.append(key)
        before = now
    return keys


GIVEN_UP = frozenset({"door.given_up", "door.refused", "door.address_not_found"})
"""The steps (:func:`_step_keys`) after which a result asked for at the address goes to its agency instead."""


def _comes_back(keys: list[str], return_mode: str) -> str:
    """Where the result comes back (``agency`` or ``address``): at its agency once the door was given up, or once
    it waits there for collection."""
    return "agency" if GIVEN_UP.intersection(keys) or "state.for_collection" in keys else return_mode


@router.get(
    "/track/{code}",
    response_model=schemas.TrackAnswer,
    summary="Track a dossier (public)",
    responses={429: {"model": schemas.ErrorBody, "description": "too many wrong tries; wait Retry-After seconds"}},
)
async def track(
    code: Code,
    request: Request,
    query: Annotated[schemas.TrackQuery, Query()],
) -> Response:
    """Where the dossier is and when its result is expected, where it was handed in and is decided, where its
    result comes back, and its journey step by step, without personal data; the state and the place in
    words in the language asked (the pages' ``lang`` cookie, else ``Accept-Language``; Vietnamese by default). A
    wrong ``phone_last4`` answers like an unknown code (404); repeated wrong tries from one client are throttled
    (429)."""
    answer = await _tracked(request, code, query.phone_last4)
    if isinstance(answer, Response):
        return answer
    store = request.app.state.store
    lang = i18n.negotiate(request)
    amap, agency_id, level = request.app.state.amap, answer.pop("agency_id"), answer.pop("authority_level")
    details = amap.agency_details.get(agency_id)
    places = answer.pop("places")
    keys = _step_keys(answer, agency_id, places, answer.pop("reasons"))
    answer["return_mode"] = _comes_back(keys, answer["return_mode"])
    said = [i18n.text(lang, f"tracking.{key}") for key in keys]
    last = keys[-1] if keys else f"state.{answer['state']}"  # the last step is the state it is in
    # The post office a dossier waits at, by its name where the map has it ("Tại Bưu điện Lương Văn Can").
    office = amap.agency_names.get(places[-1]) if answer["where"] == "post_office" and places else None
    words = {
        "state_words": i18n.text(lang, f"tracking.{last}"),
        "where_words": i18n.text(lang, f"tracking.where.{answer['where']}")
        if office is None
        else i18n.text(lang, "tracking.where.at_office", office=office),
        "state_says_where": last in SAYS_WHERE,
        "agency": {
            "agency_id": agency_id,
            "name": amap.agency_names.get(agency_id),
            "address": None if details is None else details["address"] or None,
        },
        "steps": [step | {"state_words": text} for step, text in zip(answer["steps"], said, strict=True)],
        # A commune's authority is its People's Committee ("UBND Phường Hoàn Kiếm"); a city body has its name.
        "authority": answer["authority"] and i18n.unit(lang, answer["authority"], level),
    }
    visit = None
    if visits.awaits_door(answer["state"], answer["channel"], answer["return_mode"]):
        visit = await _door_visit(store, code, lang)
    return FastJSON(
        answer | words | {"visit": visit}, headers={"Content-Language": lang, "Vary": "Accept-Language, Cookie"}
    )


@router.put(
    "/track/{code}/notices",
    response_model=schemas.NoticeChoice,
    summary="Take or stop a dossier's SMS notices (public)",
    responses={429: {"model": schemas.ErrorBody, "description": "too many wrong tries; wait Retry-After seconds"}},
)
async def choose_notices(
    code: Code,
    request: Request,
    query: Annotated[schemas.TrackQuery, Query()],
    choice: schemas.NoticeChoice,
) -> Response:
    """The applicant takes the SMS notices of the dossier again, or stops them (none is sent while stopped), checked
    as tracking is: a wrong ``phone_last4`` answers like an unknown code (404), repeated wrong tries are throttled
    (429)."""
    refused = await _tracked(request, code, query.phone_last4)
    if isinstance(refused, Response):
        return refused
    await run_in_threadpool(notices.choose, request.app.state.store.engine, code, sms=choice.sms, by="citizen")
    return FastJSON({"sms": choice.sms})


async def _tracked(request: Request, code: str, phone_last4: str) -> dict | Response:
    """:func:`ops.tracking.track` of ``code`` checked by ``phone_last4``, as the client's wrong tries allow: a 429
    answer once it made too many; a wrong check counted and answered as an unknown code (404)."""
    key = client_key(request, "track")
    if (refused := throttled(request, key, "phone_last4")) is not None:
        return refused
    engine = request.app.state.store.engine
    answer = await _read(engine, tracking.track, engine, code, phone_last4)
    if answer is None:
        request.app.state.throttle.miss(key)
        raise NotFound("code", code="dossier_not_tracked")  # the same for a wrong check
    return answer


async def _read(engine: Engine, read: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``read(*args, **kwargs)``, a few indexed reads of the store: on the event loop for a SQLite file (one lookup
    by primary key in a local file takes less than the hop to a worker thread, bench/api.py), in a worker thread for
    a database server (the query waits on the network, which must not hold up the other requests)."""
    if engine.dialect.name == "sqlite":
        return read(*args, **kwargs)
    return await run_in_threadpool(read, *args, **kwargs)


async def _door_visit(store: Store, code: str, lang: str) -> dict[str, Any] | None:
    """:func:`ops.visits.door_visit` now, in words (:func:`_visit_words`)."""
    now = datetime.now(hours.HANOI)
    visit = await _read(store.engine, visits.door_visit, store, code, now=now)
    return None if visit is None else visit | {"words": _visit_words(visit, lang, visits.on_the_way(visit, now))}


def _visit_words(visit: dict, lang: str, coming: str | None = None) -> str:
    """A door visit in words: the window, how much later than planned, how many stops come before the citizen's, or
    that the postman is on his way, expected at ``coming`` (:func:`ops.visits.on_the_way`), or that he may come
    later still; once he said he came, that he is at the door."""
    said = [i18n.text(lang, f"tracking.visit.{visit['kind']}", start=visit["from"], end=visit["to"])]
    if visit.get("arrived"):
        return "".join([*said, i18n.text(lang, "tracking.visit.here", at=visit["arrived"])])
    if visit["delay_min"] and not visit["late"]:
        said.append(i18n.text(lang, "tracking.visit.behind", minutes=visit["delay_min"]))
    if visit["stops_before"]:
        said.append(i18n.text(lang, "tracking.visit.stops", n=visit["stops_before"]))
    if coming is not None:
        said.append(i18n.text(lang, "tracking.visit.on_the_way", expected=coming))
    if visit["late"]:
        said.append(i18n.text(lang, "tracking.visit.late"))
    return "".join(said)


@router.get(
    "/agencies",
    response_model=schemas.FeatureCollection,
    response_class=GeoJSONResponse,
    summary="Agencies as GeoJSON",
    responses=NOT_FOUND,
)
def agencies(
    amap: MapDep,
    kind: Annotated[schemas.AgencyKind | None, Query(description="agency kind")] = None,
    ward: Annotated[
        str | None, Query(max_length=200, description="ward name (with or without diacritics) or ward_id")
    ] = None,
    bbox: Annotated[
        str | None,
        Query(
            pattern=schemas.BBOX,
            description="west,south,east,north in degrees (an empty box has no agency)",
        ),
    ] = None,
    at: Annotated[
        schemas.AskedTime | None,
        Query(
            description="the time `open_now` and `changes_at` are read at, ISO 8601; local Hanoi time when "
            "without offset; now when omitted"
        ),
    ] = None,
) -> dict:
    """Every agency of the map as a GeoJSON FeatureCollection, filtered by kind, ward and bounding box.

    Properties: name (OSM's, else the kind and address in Vietnamese), kind, ward, address, operator, opening
    hours (OSM syntax; ``hours_source`` says whether they come from OSM or are the documented default of the
    kind), ``open_now`` and ``changes_at`` (at ``at`` in Hanoi, else now; Vietnam's public holidays read),
    whether it is a public-service agent and the procedures it accepts; ``on_map`` tells whether the agency lies
    on the road network of the map (and so can be routed to).
    """
    when = _local(at)
    frame = amap.layers.agencies
    if kind is not None:
        frame = frame[frame["kind"] == kind]
    if ward is not None:
        wards = amap.layers.wards
        key = fold(ward).strip()
        hit = wards[(wards["ward_id"].astype(str) == ward) | (wards["name"].map(fold) == key)]
        if hit.empty:
            hit = wards[wards["name"].map(fold).str.endswith(" " + key)]
        if hit.empty:
            raise NotFound("ward", code="unknown_ward", ward=ward)
        frame = frame[frame["ward"].isin(hit["name"])]
    if bbox is not None:
        west, south, east, north = _bbox(bbox)
        frame = frame.cx[west:east, south:north]
    on_map = set(amap.agencies["agency_id"])
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(p.x, 6), round(p.y, 6)]},
            "properties": {c: ("" if row[c] is None else str(row[c])) for c in AGENCY_COLUMNS}
            | _details(amap, str(row["agency_id"]), when)
            | {"on_map": row["agency_id"] in on_map},
        }
        for p, (_, row) in zip(frame.geometry, frame.iterrows(), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get(
    "/isochrones",
    response_model=schemas.FeatureCollection,
    response_class=GeoJSONResponse,
    summary="Service areas of an agency",
    responses=NOT_FOUND,
)
def isochrones(
    request: Request,
    amap: MapDep,
    agency_id: Annotated[str, Query(min_length=1, max_length=200)],
    minutes: Annotated[
        list[Annotated[float, Field(gt=0, le=60)]] | None,
        Query(description="minutes of travel, e.g. 5, 10, 15 (the default); at most four", max_length=MAX_BANDS),
    ] = None,
) -> dict:
    """Where a citizen can ride from to reach the agency within each number of minutes (motorbike by default)."""
    from geo import isochrones as iso

    limits = minutes or list(iso.DEFAULT_MINUTES)
    ids = amap.agencies["agency_id"].tolist()
    if agency_id not in ids:
        if agency_id in set(amap.layers.agencies["agency_id"]):
            raise FieldError("agency_id", code="agency_off_map", agency=agency_id)
        raise NotFound("agency_id", code="unknown_agency", agency=agency_id)
    areas = iso.service_areas(
        amap.network, amap.agency_table, ids=ids, targets=[ids.index(agency_id)], minutes=sorted(set(limits))
    )
    features = [
        {
            "type": "Feature",
            "geometry": _geojson(g),
            "properties": {"agency_id": a, "minutes": float(m), "area_km2": round(float(s), 4)},
        }
        for a, m, s, g in zip(areas["agency_id"], areas["minutes"], areas["area_km2"], areas.geometry, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


_GEOJSON_ANSWER: dict[int | str, dict] = {
    200: {"content": {GEOJSON: {"schema": {"$ref": "#/components/schemas/FeatureCollection"}}}}
}


@router.get(
    "/basemap/roads", summary="Roads of the map (offline basemap)", response_class=Response, responses=_GEOJSON_ANSWER
)
def basemap_roads(
    request: Request, detail: Annotated[Literal["main", "all"], Query(description="main classes or all")] = "main"
) -> Response:
    """The map's road edges as GeoJSON (property ``c``: road class), for drawing the pages' basemap."""
    return Response(request.app.state.basemap.roads(detail), media_type=GEOJSON, headers=_cached)


@router.get(
    "/basemap/wards", summary="Ward outlines (offline basemap)", response_class=Response, responses=_GEOJSON_ANSWER
)
def basemap_wards(request: Request) -> Response:
    """The 126 wards and communes of Hanoi (2025) as GeoJSON with name, kind, population and area."""
    return Response(request.app.state.basemap.wards(), media_type=GEOJSON, headers=_cached)


_cached = {"Cache-Control": "public, max-age=3600"}
