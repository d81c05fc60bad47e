"""Request and response models of the service; GeoJSON goes in and out as plain FeatureCollections.

Clock times are ``"HH:MM"`` strings (seconds since midnight inside the routing package); places are ids of
the map's layers: ``agency_id``, ``authority_id`` or ``household_id``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from geo._errors import InputError
from geo.agencies import Procedure
from ops import accounts, changes, dayevents, daytasks, notices, performance, photos, proofs, records
from ops.dossiers import State

CLOCK = r"^([01]?\d|2[0-3]):[0-5]\d$"
"""Pattern of a clock time ``HH:MM``."""

CURSOR = r"^\d{1,19}-\d{1,19}$"
"""Pattern of a cursor of the portal's feed of changes (:class:`ops.changes.Cursor`)."""

_HHMM = r"\s*([01]?\d|2[0-3]):[0-5]\d\s*"
WINDOWS = rf"^{_HHMM}-{_HHMM}(,{_HHMM}-{_HHMM})*$"
"""Pattern of time windows ``"08:00-11:30"`` or ``"08:00-11:30,13:30-17:00"``."""

SHIFT = r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$"
"""Pattern of a shift as an account keeps it, ``HH:MM-HH:MM``."""

ACCOUNT = accounts.NAME.pattern
"""Pattern of an account's name."""


TEXT = r"[0-9A-Za-z\u00C0-\u024F\u1E00-\u1EFF]"
"""Pattern of search text: at least one digit or Latin letter, Vietnamese ones included (JSON Schema patterns
match anywhere in the text). Spelled out rather than ``[^\\W_]``: ``\\W`` is ASCII-only in the ECMA regular
expressions of JSON Schema and Unicode-aware in the service's, so the two disagreed on "É"."""

_NUMBER = r"\s*[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?\s*"
BBOX = rf"^{_NUMBER},{_NUMBER},{_NUMBER},{_NUMBER}$"
"""Pattern of a bounding box ``west,south,east,north``: four numbers."""


def _no_number(code: str, asked: str) -> BeforeValidator:
    """A check refusing a number where ISO 8601 text is asked (``code``: the error's reason): pydantic reads
    "0" or 1.5e9 as a Unix time, which the document's ``format: date`` or ``date-time`` does not allow."""
    number = re.compile(_NUMBER)

    def check(value: object) -> object:
        if isinstance(value, int | float) or (isinstance(value, str) and number.fullmatch(value)):
            raise PydanticCustomError(code, "must be {asked}, not a number", {"asked": asked})
        return value

    return BeforeValidator(check)


_EARLIEST, _LATEST = datetime(1, 1, 2), datetime(9999, 12, 30, 23, 59, 59, 999999)


def _within_years(value: datetime) -> datetime:
    """Refuse a time within a day of the ends of the years a date can have (1 to 9999): ISO 8601 allows
    0001-01-01T00:00+09:00, whose time in Hanoi or UTC is in year 0 (a server error, schemathesis seed 261)."""
    if not _EARLIEST <= value.replace(tzinfo=None) <= _LATEST:
        limits = {"earliest": _EARLIEST.date().isoformat(), "latest": _LATEST.date().isoformat()}
        raise PydanticCustomError("datetime_out_of_range", "must be between {earliest} and {latest}", limits)
    return value


_ISO_TIME = _no_number("datetime_type", "an ISO 8601 time such as 2025-07-01T09:30")

IsoDateTime = Annotated[datetime, _ISO_TIME, AfterValidator(_within_years)]
"""A date and time written in ISO 8601 ("2025-07-01T09:30", with an offset or without), not a Unix time, from
0001-01-02 to 9999-12-30: a time a body records (an event, a dossier's), kept in UTC."""

AskedTime = Annotated[datetime, _ISO_TIME]
"""A time a query asks about, any ISO 8601 time: one whose Hanoi time falls outside years 1 to 9999 is taken at
its wall time (``api.routers.citizens._local``), as a query's every schema-valid value is answered."""

IsoDate = Annotated[date, _no_number("date_type", "a date written YYYY-MM-DD")]
"""A date written ``YYYY-MM-DD``, not a Unix time."""

_LAT = r"[-+]?(90(\.0+)?|[1-8]?\d(\.\d+)?)"
_LON = r"[-+]?(180(\.0+)?|(1[0-7]\d|[1-9]?\d)(\.\d+)?)"
FOCUS = rf"^\s*{_LAT}\s*,\s*{_LON}\s*$"
"""Pattern of a point ``lat,lon`` in degrees, each in its range."""

PHONE_LAST4 = r"^\d{4}$"
"""Pattern of the last four digits of a phone number."""

ID_LAST4 = r"^[0-9A-Za-z]{4}$"
"""Pattern of the last four characters of an identity paper's number (letters on a passport)."""

QUARTER = r"^20\d\dQ[1-4]$"
"""Pattern of a quarter, ``2026Q1``."""

AgencyKind = Literal["post_office", "ems", "viettel_post", "fpt_shop", "public_admin_centre"]
"""Kinds of agency (:data:`geo.layers.AGENCY_KINDS`)."""


class _Strict(BaseModel):
    """Query parameters of an operation as one model: FastAPI validates them in one call of pydantic-core rather
    than one per parameter and dependency (the public operations under load, bench/api.py), and a parameter the
    operation does not declare is refused (``unknown_parameter``) instead of silently ignored."""

    model_config = ConfigDict(extra="forbid")


class _Point(_Strict):
    lat: float = Field(ge=-90, le=90, description="latitude, degrees, within the map")
    lon: float = Field(ge=-180, le=180, description="longitude, degrees, within the map")


class _Address(_Strict):
    address: str = Field(min_length=1, max_length=200, pattern=TEXT, description="an address to geocode")


class NearestFilters(_Strict):
    """How many agencies, and which: the query parameters both nearest-agency operations share."""

    k: int = Field(3, ge=1, le=20, description="how many agencies")
    procedure: Procedure | None = Field(None, description="only agencies that accept this procedure")
    open_now: bool = Field(False, description="only agencies open at the time asked (`at`, else now)")
    at: AskedTime | None = Field(None, description="the time asked, ISO 8601; local Hanoi time when without offset")


# The point (or the address) comes first in the document: pydantic orders fields from the last base on.
class NearestQuery(NearestFilters, _Point):
    """Query of ``GET /agencies/nearest``."""

    place: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="the id of the search result the point stands for (`/search`): a landmark with an area of its "
        "own (a lake, a park, a market) or a street is then left from any point of its edge or line "
        "('osm:relation/198437', Hồ Hoàn Kiếm), the point kept as the origin shown; a ward lists its own agencies "
        "first, from the point; any other place from the point. Give a street's id only for the street itself, not "
        "for a house number placed on it",
    )


class ReverseQuery(_Point):
    """Query of ``GET /reverse``."""


class ReverseAnswer(BaseModel):
    """The answer of ``GET /reverse``: what is at a point, in words."""

    label: str | None = Field(
        description="the nearest numbered address within 40 m ('18 Nguyễn Du'), else the nearest named road within "
        "150 m ('Phố Huế'); null when neither is near (a point off the map's roads, in a lake)"
    )
    kind: Literal["address", "street"] | None = Field(description="what `label` is; null with it")
    distance_m: float | None = Field(description="from the point to the address point or the road, m")
    lon: float | None = Field(description="the address point, or the road's point nearest the point, degrees")
    lat: float | None = Field(description="as `lon`")
    ward: str | None = Field(description="the ward or commune the point lies in ('Phường Cửa Nam'); null outside all")


class NearestAddressQuery(NearestFilters, _Address):
    """Query of ``GET /agencies/nearest/address``."""


SearchKind = Literal["address", "street", "agency", "authority", "ward", "landmark"]
"""Kinds of search result."""


class SearchQuery(_Strict):
    """Query of ``GET /search``."""

    q: str = Field(
        min_length=1, max_length=200, pattern=TEXT, description="text with a letter or digit, diacritics optional"
    )
    k: int = Field(10, ge=1, le=50)
    kind: list[SearchKind] | None = None
    focus: str | None = Field(
        None,
        pattern=FOCUS,
        description="'lat,lon' in degrees of where the asker is or looks (the page: the point chosen, else the map's "
        "centre): 'X gần đây' (near here; 'gần nhất', nearest; 'near me') then lists the X nearest it, and equal "
        "scores come nearest it first ('FPT Shop'); without it 'X gần đây' is X anywhere",
    )


class TrackQuery(_Strict):
    """Query of ``GET /track/{code}``."""

    phone_last4: str = Field(pattern=PHONE_LAST4, description="last four digits of the applicant's phone")


class Problem(BaseModel):
    """One reason a request was refused."""

    field: str = Field(description="the field at fault, e.g. 'lat' or 'tasks[2].pickup'")
    reason: str = Field(
        description="stable machine code: the service's own (off_map, address_not_found, address_elsewhere, "
        "address_names_no_place, unknown_ward, unknown_agency, unknown_place, unknown_search_result, infeasible, "
        "unauthorized, forbidden, not_found, dossier_not_found, plan_not_found, transition_refused, dossier_moved, "
        "record_handover, conflict, invalid_value ...: the keys of `errors` in api/i18n/vi.json) or pydantic's "
        "error type (missing, greater_than_equal, string_too_short ...)"
    )
    message: str = Field(description="the reason in words, in the reader's language (Vietnamese by default)")


class ErrorBody(BaseModel):
    """Body of every 4xx answer."""

    detail: list[Problem]


class Me(BaseModel):
    """Who is signed in."""

    name: str = Field(description="the account's name (``token:<role>`` for an API token)")
    full_name: str | None = Field(description="what the pages say of the person; null when the account gives none")
    role: str
    agency_id: str | None = Field(description="the agency of its staff and postmen")


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (features kept as given)."""

    model_config = ConfigDict(extra="allow")

    type: Literal["FeatureCollection"] = "FeatureCollection"
    features: list[dict[str, Any]]


class AgencyDetails(BaseModel):
    """What a citizen needs to know of an agency before going (sources and defaults in :mod:`geo.agencies`)."""

    address: str = Field(
        description="OSM address, else the nearest numbered address (40 m) or named road (150 m); empty otherwise"
    )
    operator: str = Field(
        description="Vietnam Post, Viettel Post, FPT Retail or the city's Service Centre ('Trung tâm Phục vụ hành "
        "chính công Thành phố Hà Nội'), as each goes by in Vietnam"
    )
    opening_hours: str = Field(description="OSM opening_hours syntax, e.g. 'Mo-Su 07:30-19:00'")
    hours_source: Literal["osm", "default"] = Field(description="from OSM, or the documented default of its kind")
    open_now: bool = Field(description="open at the time asked (Hanoi local time), Vietnam's public holidays read")
    changes_at: str | None = Field(
        description="when open_now next changes, Hanoi local time (ISO 8601, to the minute): the time it opens "
        "when closed, closes when open; null when it never does (24/7)"
    )
    public_service_agent: bool = Field(description="receives dossiers and returns results for the citizens")
    procedures: list[Procedure] = Field(description="procedures accepted")


class NearestAgency(AgencyDetails):
    """An agency reached from the citizen's point, with the route along the roads and its details."""

    agency_id: str
    name: str = Field(
        description="OSM name, else its kind and address (or ward) in Vietnamese ('Bưu cục 18 Nguyễn Du')"
    )
    kind: str
    travel_time_s: float = Field(description="travel time, s")
    distance_m: float = Field(description="road distance, m")
    geometry: dict[str, Any] = Field(
        description="route as a GeoJSON LineString from the point to the agency, coordinates to 1e-7 degree (1 cm)"
    )


class Origin(BaseModel):
    """Where a nearest-agency query starts: the given point, or the geocoded address."""

    lon: float
    lat: float
    label: str | None = None
    road_distance_m: float = Field(
        description="distance to the nearest road, where the routes start, m; from a landmark's area (a lake), "
        "that of the point of its edge the first route starts from"
    )
    area: dict[str, Any] | None = Field(
        None,
        description="the place's area or line, a GeoJSON geometry in longitude/latitude simplified to about 2 m: a "
        "landmark's area (a lake's water) or a street's line, which the routes leave from all round its edge; a "
        "ward's area, whose agencies come first (`inside`); null from a point",
    )
    inside: int | None = Field(
        None,
        description="from a ward: how many of the agencies, listed first, lie inside it (the others are the nearest "
        "outside); null otherwise",
    )


class NearestAnswer(BaseModel):
    """The answer of ``GET /agencies/nearest``."""

    origin: Origin
    at: str = Field(description="the time the opening hours were read at, Hanoi local time (ISO 8601)")
    holiday: str | None = Field(
        description="the Vietnamese public holiday that time falls on, in the asker's language ('Tết Nguyên Đán'); "
        "null on other days"
    )
    procedure: Procedure | None = Field(
        description="the procedure the agencies accept: the query's, else the one a typed address asks where to "
        "take ('đổi bằng lái xe gần hồ gươm'); null when none"
    )
    agencies: list[NearestAgency]


class SearchHit(BaseModel):
    """A search result (addresses, streets, agencies, authorities, wards, landmarks; never households)."""

    id: str
    kind: SearchKind
    name: str
    label: str
    lon: float
    lat: float
    score: float = Field(description="match quality in [0, 1]")
    match: Literal["exact", "interpolated", "street"] = Field(
        description="exact: the place itself; interpolated: a house number, or an alley the map lacks, placed "
        "between the numbered points of its street (address points and alley mouths); street: the street's "
        "middle (its numbers are not known)"
    )
    ward: str = Field(
        description="the ward or commune (since 1 July 2025) at lon/lat, with its kind: 'Phường Hoàn Kiếm'; "
        "empty outside the city's wards"
    )
    near: str | None = Field(
        None,
        description="for a query read as 'X near Y' ('bưu điện gần hồ gươm', or beginning with a kind of agency: "
        "'bưu điện hồ gươm'), the place Y names: 'Hồ Hoàn Kiếm'; else null, and null for a result that names the "
        "place itself ('bưu điện tràng t': Bưu điện Tràng Tiền, the others near Phố Tràng Thi)",
    )
    near_m: int | None = Field(
        None,
        ge=0,
        description="the distance from that place (its line for a street, 0 inside a ward), or from the point "
        "focus asked for 'X gần đây' (near is then null), m; else null, as near",
    )


class NearPlace(BaseModel):
    """The place a query read as "X near Y" names, as the distances of its results were measured from it."""

    label: str = Field(description="the place, as the results' `near` says it: 'Hồ Hoàn Kiếm'")
    geometry: dict[str, Any] = Field(
        description="its shape, a GeoJSON geometry in longitude/latitude simplified to about 2 m: a street's "
        "line, a ward's or landmark's area (a lake's water), a house's point"
    )


class SearchAnswer(BaseModel):
    """The answer of ``GET /search``."""

    query: str
    results: list[SearchHit]
    elsewhere: str | None = Field(
        None,
        description="when nothing is found and the text ends with a province the map does not cover, its full "
        "name ('Thành phố Hồ Chí Minh' for '..., Quận 1, TP.HCM'); else null",
    )
    near_place: NearPlace | None = Field(
        None, description="for results found near a place named ('bưu điện gần hồ gươm'), that place; else null"
    )
    procedure: Procedure | None = Field(
        None,
        description="the procedure the text asks where to take ('đổi bằng lái xe', 'làm căn cước gần hồ gươm', "
        "'passport renewal'); the results are then the agencies that accept it, near the place the rest of the text "
        "names or near `focus`, unless the text names a place itself ('Bảo hiểm Xã hội Việt Nam'); else null, and "
        "null for the service itself ('nộp hồ sơ gần đây': the public-service agents)",
    )


def _whole(value: object) -> object:
    """A JSON number without a fraction as the integer it is ("10.0" is the integer 10 in JSON Schema); anything
    else as it came, for strict validation to refuse."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


UsualCapacity = Annotated[
    int, Field(ge=accounts.CAPACITY_RANGE[0], le=accounts.CAPACITY_RANGE[1]), BeforeValidator(_whole)
]
"""A postman's usual capacity, written with or without ``.0``, as the document's ``integer`` allows (the bounds
before the validator: after it, pydantic writes them in the document as ``ge``/``le``, not JSON Schema's words)."""


class _Body(BaseModel):
    """A request body: a field it does not declare is refused, and a value is taken only as the document says
    its type, as JSON has it (strict): "2" or true is no number, as lax validation would take them."""

    model_config = ConfigDict(extra="forbid", strict=True)


class PostmanIn(_Body):
    """A postman of an explicit plan request."""

    id: str = Field(min_length=1, max_length=64)
    depot: str = Field(description="agency_id of the post office where the day starts and ends")
    capacity: int = Field(default=40, ge=0, le=10_000, description="dossier units carried at once")
    shift: str = Field(default="07:30-17:30", pattern=WINDOWS, description="working hours HH:MM-HH:MM")
    lunch: bool = Field(default=True, description="take a 45-minute break inside 11:30-13:30")


class TaskIn(_Body):
    """A dossier movement of an explicit plan request."""

    id: str = Field(min_length=1, max_length=64)
    kind: Literal["shuttle", "result_return", "home_pickup"]
    pickup: str = Field(description="place id where the dossier is collected")
    delivery: str = Field(description="place id where it is delivered")
    load: int = Field(default=1, ge=1, le=1000, description="dossier units")
    pickup_window: str | None = Field(default=None, pattern=WINDOWS, description="e.g. '08:00-10:00'")
    delivery_window: str | None = Field(default=None, pattern=WINDOWS, description="e.g. '13:30-17:00'")
    priority: int = Field(default=1, ge=1, le=5, description="1 routine to 5 urgent")
    mandatory: bool = False

    @field_validator("pickup_window", "delivery_window")
    @classmethod
    def _ordered(cls, value: str | None) -> str | None:
        for part in (value or "").split(","):
            if not part:
                continue
            start, end = (int(h) * 60 + int(m) for h, m in (t.strip().split(":") for t in part.split("-")))
            if end < start:
                raise PydanticCustomError(
                    "window_order", "window {window} ends before it starts", {"window": part.strip()}
                )
        return value


def _number_or_list(value: Any) -> str:
    """The branch of a "number or list" field a value is validated by, so that only its problems are said (a
    postman's capacity, not "must be an integer" beside it). Tags are in brackets, which the error body leaves
    out of the field's path (:mod:`api.errors`)."""
    return "(list)" if isinstance(value, list) else "(number)"


class PlanRequest(_Body):
    """``POST /plans``: explicit ``postmen`` and ``tasks``, or a generated day (``generate`` tasks)."""

    model_config = ConfigDict(
        extra="forbid", strict=True, json_schema_extra={"examples": [{"generate": 8, "postmen": 2, "seed": 1}]}
    )

    generate: int | None = Field(default=None, ge=1, le=300, description="generate a synthetic day of N tasks")
    postmen: Annotated[
        Annotated[int, Tag("(number)")] | Annotated[list[PostmanIn], Tag("(list)")], Discriminator(_number_or_list)
    ] = Field(description="number of postmen (generated day) or the postmen")
    seed: int = Field(default=1, ge=0, description="seed of the generated day")
    tasks: list[TaskIn] | None = None
    time_limit_s: float | None = Field(default=None, gt=0, description="search budget, s")
    balanced: bool = Field(
        default=False,
        description="the last postman back as early as possible first, the longest working day as short as "
        "possible second, the cost third",
    )

    @model_validator(mode="after")
    def _one_form(self) -> PlanRequest:
        if self.generate is not None:
            if not isinstance(self.postmen, int) or not 1 <= self.postmen <= 50:
                raise PydanticCustomError("generated_postmen", "with 'generate', 'postmen' is a number from 1 to 50")
            if self.tasks is not None:
                raise PydanticCustomError("generate_and_tasks", "give either 'generate' or 'tasks', not both")
        else:
            if self.tasks is None:
                raise PydanticCustomError("no_tasks", "give 'tasks' (with a list of 'postmen') or 'generate'")
            if isinstance(self.postmen, int) or not self.postmen:
                raise PydanticCustomError("tasks_postmen", "with 'tasks', 'postmen' is a non-empty list of postmen")
        return self


class ProgressIn(_Body):
    """Where a postman is when new tasks arrive."""

    place: str
    clock: str = Field(pattern=CLOCK)
    done: int = Field(default=1, ge=1, description="stops of his route already done, counting the start")


class NewTasks(_Body):
    """``POST /plans/{id}/tasks``: tasks to insert; what is done by ``at`` (or ``progress``) stays fixed."""

    tasks: list[TaskIn] = Field(min_length=1)
    at: str | None = Field(default=None, pattern=CLOCK, description="the clock now, HH:MM")
    progress: dict[str, ProgressIn] | None = None
    time_limit_s: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _when(self) -> NewTasks:
        if (self.at is None) == (self.progress is None):
            raise PydanticCustomError("at_or_progress", "give either 'at' (the clock now) or 'progress' (per postman)")
        return self


class PlanListed(BaseModel):
    """A stored plan in the list of ``GET /plans``."""

    id: str
    created_at: datetime
    updated_at: datetime
    version: int = Field(description="1 when made, one more at each change (tasks added, the day re-planned)")
    date: str | None = Field(
        description="the working day planned from the dossiers (POST /days/{date}/plan), YYYY-MM-DD; null for a "
        "plan of given or generated tasks"
    )


class Authority(BaseModel):
    """A deciding unit of the registry, with its seat and the open dossiers it decides."""

    code: str = Field(description="official code of a commune-level unit ('00160'), or '01.' and an abbreviation")
    name: str = Field(description="the registry's name ('Phường Nghĩa Đô')")
    level: str = Field(description="commune, city or another level given by a CSV import")
    said: str = Field(description="the unit as a postman reads it at the door ('UBND Phường Nghĩa Đô')")
    lat: float | None = Field(description="where it sits, degrees; null when the registry has no location")
    lon: float | None = Field(description="as `lat`")
    on_map: bool = Field(description="sits at a place of the map (a committee, an office); false for a point given")
    source: Literal["map", "csv", "operator"] = Field(
        description="where the row comes from: the official units and the map, a CSV import, or a person placing it"
    )
    located_by: str | None = Field(description="the account that placed it (source operator)")
    located_by_name: str | None = Field(description="that account's full name, as the pages say it")
    located_at: datetime | None = Field(description="when it was placed (source operator)")
    hours: str | None = Field(
        description="its own office hours (OSM opening_hours); null for the public administration's, "
        "Mo-Fr 08:00-11:30,13:30-17:00; PH off"
    )
    open_dossiers: int = Field(description="dossiers it decides that are not closed")


class PlaceIn(_Body):
    """``PUT /authorities/{code}/location``: the point where the unit sits, on the map."""

    lat: float = Field(ge=-90, le=90, description="latitude, degrees, within the map")
    lon: float = Field(ge=-180, le=180, description="longitude, degrees, within the map")


class HoursIn(_Body):
    """``PUT /authorities/{code}/hours``: the unit's own office hours, or null for the usual ones."""

    hours: str | None = Field(
        max_length=200,
        description="OSM opening_hours ('Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off'); null gives back "
        "the public administration's. Hours OpenStreetMap would not read are 422 bad_office_hours, hours open on no "
        "day of the week 422 closed_office_hours",
        examples=["Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off"],
    )


class Balance(BaseModel):
    """What balancing the day gave, against the cheapest plan."""

    back: str = Field(description="when the last postman is back, HH:MM")
    longest_s: int = Field(description="the longest working day, from leaving to coming back, s")
    cost: int = Field(description="the plan's cost, VND: driving and wages on the road")
    cheapest_back: str = Field(description="when the last postman would be back in the cheapest plan, HH:MM")
    cheapest_longest_s: int = Field(description="the cheapest plan's longest working day, s")
    cheapest_cost: int = Field(description="the cheapest plan's cost, VND")
    steps: int = Field(description="plans made to find the earliest return and the shortest longest day")


class PlanAnswer(BaseModel):
    """A stored plan: routes with stop times, unserved tasks with reasons, and the checker's verdict."""

    id: str
    version: int
    synthetic: bool
    check: bool = Field(description="whether the independent checker (routing.check) accepts the plan")
    violations: list[str] = Field(description="what the checker refuses, in its English words (none when check)")
    shortfalls: list[str] = Field(
        default_factory=list,
        description="mandatory tasks no route can take beside the others (a day planned late, say), in the "
        "checker's English words; the plan stays valid and lists them in plan.unserved with their reason",
    )
    warnings: list[str] = Field(
        description="optional tasks no postman can serve, as the engine logs them in English; the same tasks are "
        "in plan.unserved with their reason code and the reader's words"
    )
    plan: dict[str, Any]
    balance: Balance | None = Field(
        None, description="a plan made balanced (balanced: true): its last return and cost beside the cheapest's"
    )


class CandidateIn(_Body):
    """A candidate site of a scenario."""

    site_id: str = Field(min_length=1, max_length=64)
    name: str = ""
    lon: float = Field(ge=-180, le=180)
    lat: float = Field(ge=-90, le=90)


class ScenarioRequest(_Body):
    """``POST /scenarios``: a location-allocation model run on the map, existing agencies staying open."""

    model: Literal["pmedian", "mclp", "lscp", "pcenter"] = Field(
        default="pmedian", description="pmedian (total time), mclp (coverage within T), lscp (fewest sites), pcenter"
    )
    p: int | None = Field(default=None, ge=1, le=100, description="new sites to open (not used by lscp)")
    minutes: float = Field(default=10.0, gt=0, le=60, description="coverage threshold T, min")
    capacity: float | None = Field(default=None, gt=0, description="dossiers a day per site (capacitated p-median)")
    candidates: list[CandidateIn] | None = Field(
        default=None, min_length=1, description="candidate sites; authorities, addresses and street points if omitted"
    )
    time_limit_s: float | None = Field(default=None, gt=0, description="solver budget, s")


class Rejected(BaseModel):
    """A record of a feed or a posted array that was not kept, with why (records numbered from 1)."""

    line: int
    reason: str = Field(description="why, in English: each problem as 'field: text'")
    problems: list[Problem] = Field(
        default=[], description="why, a problem per field at fault, with its machine code and the reader's words"
    )


class IngestReport(BaseModel):
    """What an ingest did (``agencynet ingest`` and ``POST /dossiers``)."""

    read: int
    created: int = Field(description="dossiers and portal status changes stored for the first time")
    updated: int = Field(description="dossiers stored before with other content (their journey kept)")
    unchanged: int = Field(description="records already stored exactly so")
    rejected: list[Rejected]


def _feed_cursor(value: str | None) -> str | None:
    """A cursor the feed of changes could have written (:func:`ops.changes.cursor`: numbers that fit 64 bits)."""
    if value is not None:
        try:
            changes.cursor(value)
        except InputError:
            raise PydanticCustomError(
                "cursor_unknown", "not a cursor the feed gives: {cursor}", {"cursor": value}
            ) from None
    return value


class ChangesQuery(_Strict):
    """``GET /portal/changes``: after which change, and how many."""

    after: Annotated[str | None, AfterValidator(_feed_cursor)] = Field(
        default=None,
        pattern=CURSOR,
        max_length=39,
        description="the cursor of the last change read (`next` of the page before); from the first change when "
        "omitted",
    )
    limit: int = Field(default=500, ge=1, le=changes.LIMIT, description="at most this many changes")


class Change(BaseModel):
    """One move of a dossier, as the portal reads it: no personal data, nor which account recorded it."""

    cursor: str = Field(description="where this change stands in the feed: ask `after` it for the ones that follow")
    code: str
    seq: int = Field(description="its number in the dossier's journey (1 is its reception)")
    state: str = Field(description="the state reached")
    at: str = Field(description="when, UTC")
    place: str | None = Field(
        description="where: an agency's id, an authority's code, or `address` (the applicant's home); null for a "
        "cancellation"
    )
    record_no: str | None = Field(description="the signed handover record's number")
    reason: str | None = Field(description="why, as a machine code (a delivery that failed at the door)")
    by_portal: bool = Field(description="sent by the portal itself (a dossier received, a decision)")


class ChangesPage(BaseModel):
    """A page of the feed of changes, oldest first."""

    changes: list[Change]
    next: str = Field(description="the cursor to ask `after` next time (the last change's, or `after` if none)")
    more: bool = Field(description="more changes are ready now: ask again at once")


class PassedNotice(BaseModel):
    """A notice an SMS provider will never deliver to its phone, passed over."""

    ref: str = Field(description="the notice's ref: the dossier's code first")
    reason: str = Field(description="the provider's words")
    at: datetime = Field(description="when it was last refused, UTC")


class PushReceiver(BaseModel):
    """Where a receiver of the pushed feed stands (``agencynet dossiers push``): the portal, the SMS gateway."""

    name: str = Field(description="the name its cursor is kept under (portal, notices)")
    url: str = Field(description="the address last pushed to")
    cursor: str = Field(description="the cursor of the last change it took")
    pushed: int = Field(description="changes it took in all")
    waiting: int = Field(description="changes it has still to take")
    pushed_at: datetime | None = Field(description="when it last took a batch, UTC")
    failed_at: datetime | None = Field(description="when a batch last failed, UTC (null once one is taken since)")
    failure: str | None = Field(description="what that failure was: what the receiver answered, or that it did not")
    passed: int = Field(
        description="notices its SMS provider said it will never deliver to their phone (a number it does not take, "
        "one blocked, a carrier the brandname is not registered with), passed over so that the others go on"
    )
    last_passed: PassedNotice | None = Field(description="the newest of them")
    delivered: int = Field(description="notices its provider took and then said are on the applicant's phone")
    undelivered: int = Field(description="notices its provider took and then said will never be")
    sms_again: int = Field(
        description="SMS sent again of its Zalo notices no receipt confirmed in time (agencynet dossiers push "
        "--sms-after)"
    )


class DossierSummary(BaseModel):
    """Counts of the dossiers in the store."""

    total: int
    by_state: dict[str, int]
    by_procedure: dict[str, int]


class DossierListQuery(_Strict):
    """``GET /dossiers``: which dossiers, and the page."""

    agency_id: str | None = Field(
        default=None, max_length=64, description="received at this agency; an agency's staff: their own by default"
    )
    state: State | None = Field(default=None, description="in this state; every open state when omitted")
    overdue: bool = Field(
        default=False, description="only those past their due date (Hanoi's today) whose result is still owed"
    )
    unreached: bool = Field(
        default=False,
        description="only those whose applicant was not reached by the SMS or Zalo notice of where the dossier "
        "stands (passed over by the provider, or undelivered by its receipt): to phone him",
    )
    limit: int = Field(default=100, ge=1, le=500, description="at most this many")
    offset: int = Field(default=0, ge=0, le=1_000_000, description="after skipping this many")


class DossierRow(BaseModel):
    """A dossier in a list: where it stands, no personal data."""

    code: str
    procedure: str
    state: str
    received_at: str
    since: str = Field(description="time of its last event: in its state since then (a result waiting since then)")
    due_date: str
    agency_id: str
    authority_code: str
    channel: str
    return_mode: str
    overdue: bool = Field(description="past its due date and its result still owed (not waiting at its agency)")
    unreached: bool = Field(
        description="its applicant not reached by the notice of where it stands (passed over, or undelivered)"
    )


class DossierList(BaseModel):
    """A page of dossiers, the most urgent first (due date, then received; results waiting at their agency, the
    longest waiting first)."""

    total: int = Field(description="how many match, over every page")
    agency_id: str | None = Field(description="the agency listed; null for every agency")
    items: list[DossierRow]


class ApplicantOut(BaseModel):
    """The applicant (personal data): only for the roles that need it, and every read is logged."""

    name: str
    phone: str
    address: str
    lat: float
    lon: float
    priority_group: str


class TrackAgency(BaseModel):
    """The agency that received a dossier, where its result comes back unless brought home."""

    agency_id: str
    name: str | None = Field(description="its name; null when the map does not hold it")
    address: str | None = Field(description="its address; null when the map does not hold it")


class MoveAllowed(BaseModel):
    """A move a dossier may make from its state."""

    to: str = Field(description="the state it would reach")
    place: str | None = Field(
        description="where the move happens, to send as the move's place: the agency's id, the authority's code, "
        "'address' (the applicant's), null for a cancellation"
    )
    handover: bool = Field(
        description="it hands the dossier over: the move needs the signed record's number, or for a result the "
        "signature of who takes it (proof)"
    )
    proof: Literal["required", "optional"] | None = Field(
        description="the move's proof (MoveIn.proof): required for a result returned at the applicant's address, "
        "optional (in place of the record's number) for one collected at the agency's counter, null for the others"
    )


class DossierOut(BaseModel):
    """A dossier and where it stands; ``applicant`` is null for a role that may not see personal data."""

    code: str
    procedure: str
    received_at: str
    agency_id: str
    authority_code: str
    channel: str
    return_mode: str
    due_date: str
    insured_value: int = Field(description="VND")
    state: str
    overdue: bool = Field(
        description="due before today (Hanoi) and its result still owed (a result waiting at its agency for the "
        "applicant is not late)"
    )
    seq: int = Field(description="number of the last event; send it as expected_seq to move the dossier")
    synthetic: bool
    applicant: ApplicantOut | None
    agency: TrackAgency = Field(description="the agency that received it, by name and address")
    authority_name: str | None = Field(
        description="the authority deciding it, in the language asked ('UBND Phường Hoàn Kiếm'); null when the "
        "registry does not hold its code"
    )
    moves: list[MoveAllowed] = Field(description="the moves its lifecycle allows now; empty once it is closed")


FailureCode = Literal["nobody_home", "refused", "address_not_found", "place_closed", "not_ready", "no_time", "other"]
"""Why a stop failed (:data:`ops.dayevents.FAILURES`, written out for the schema)."""


class EventOut(BaseModel):
    """One event of a dossier's journey."""

    seq: int
    state: str
    at: str
    who: str = Field(description="who recorded it: an account's name, `portal` or `synthetic`")
    who_name: str | None = Field(default=None, description="the account's full name, where it has one")
    place: str | None
    place_name: str | None = Field(
        default=None, description="the place by name, in the language asked; null for the applicant's address"
    )
    record_no: str | None
    reason: FailureCode | None = Field(
        default=None, description="why it moved: a delivery that failed says why (POST /days/{date}/events)"
    )


class TrackStep(BaseModel):
    """One step of a dossier's journey."""

    state: str
    state_words: str = Field(description="the state in words, in the language of the answer")
    at: str = Field(description="when, Hanoi local time to the minute: '2026-02-03T09:15'")


class TrackVisit(BaseModel):
    """When the postman is expected at the citizen's door today."""

    kind: Literal["pickup", "delivery"] = Field(description="the dossier collected at home, or its result brought")
    date: str = Field(description="today in Hanoi, YYYY-MM-DD")
    from_: str = Field(alias="from", description="the window's start, HH:MM, Hanoi time")
    to: str = Field(description="the window's end, HH:MM: an hour around the planned arrival, within the stop's hours")
    expected: str = Field(
        description="when he is expected, HH:MM: the planned arrival, later by delay_min (the window's middle, "
        "unless cut by the stop's hours)"
    )
    late: bool = Field(
        description="the window is past and the postman has not been yet, or he is so far behind that he would come "
        "after the stop's hours (the window is then the planned one); never once he is there (arrived)"
    )
    delay_min: int = Field(
        ge=0, description="minutes the postman is behind his plan, by the events of his route: the window moved as much"
    )
    arrived: str | None = Field(
        default=None,
        description="when the postman said he came to the door, HH:MM Hanoi time: he is there; null until he did",
    )
    stops_before: int = Field(ge=0, description="the stops of his route before the citizen's not settled yet")
    words: str = Field(description="the visit in words, in the language of the answer")


class TrackAnswer(BaseModel):
    """The public view of a dossier: no personal data."""

    code: str
    procedure: str
    state: str
    state_words: str = Field(
        description="the state in words, in the language asked (the pages' lang cookie, else Accept-Language; "
        "Vietnamese by default): 'Đã tiếp nhận tại điểm phục vụ'"
    )
    where: Literal["agency", "home", "in_transit", "authority", "post_office", "returned"] = Field(
        description="where it is: `home` for a home pickup not yet collected (at the applicant's), `post_office` for "
        "one a postman brought back to his post office, its agency not taking it"
    )
    channel: Literal["counter", "online", "home_pickup"] = Field(
        description="how it came: handed in at the counter, submitted online, or collected at home by a postman"
    )
    where_words: str = Field(description="where the dossier is, in words, in the same language: 'Tại điểm phục vụ'")
    state_says_where: bool = Field(
        description="whether state_words already says where the dossier is ('Đã tiếp nhận tại điểm phục vụ'): the "
        "page then leaves where_words out"
    )
    appointment: str = Field(description="appointment date for the result, YYYY-MM-DD")
    result_expected: str | None = Field(description="date the result is expected; null once returned or cancelled")
    return_mode: Literal["agency", "address"] = Field(
        description="where the result is given back: at the agency (`agency`) or brought to the applicant's address "
        "(`address`; `agency` once the door is given up: tried twice, the result refused, or the address not found)"
    )
    agency: TrackAgency
    authority: str | None = Field(
        description="the authority deciding it, by name in the language of the answer ('UBND Phường Hoàn Kiếm'); "
        "null when the store lacks it"
    )
    steps: list[TrackStep] = Field(description="the dossier's journey, oldest first (who moved it is not said)")
    sms: bool = Field(
        description="whether the applicant takes the dossier's SMS notices (yes unless said otherwise: "
        "PUT /track/{code}/notices)"
    )
    visit: TrackVisit | None = Field(
        None,
        description="when the postman is expected at the applicant's door today, by the day's plan (a home pickup "
        "not yet collected, a result to be brought home): null otherwise, and once the stop is done or failed",
    )


class NoticeChoice(_Body):
    """Whether the applicant takes a dossier's SMS notices: the result ready at its agency or on its way, the
    postman's coming to the door."""

    sms: bool = Field(description="true to take them (the default), false to be sent none")


class NoticeOut(BaseModel):
    """A notice of a dossier, taken by a gateway or passed over."""

    at: datetime = Field(description="when the gateway took it, or last refused it, UTC")
    kind: notices.Kind = Field(description="what it said (agencynet dossiers push --notices)")
    receiver: str = Field(description="the gateway, by the name its cursor is kept under")
    ref: str = Field(description="the notice's ref, as the gateway keeps it once")
    follow_up: bool = Field(
        description="an SMS sent again of a Zalo notice no receipt confirmed in time (agencynet dossiers push "
        "--sms-after), its ref the Zalo notice's and ':sms'"
    )
    passed: str | None = Field(
        description="null once taken; else why its SMS provider will never deliver it to the phone, in its words"
    )
    channel: Literal["sms", "zalo"] | None = Field(
        description="what it went by, when a provider took it (agencynet dossiers push --gateway esms or zns); null "
        "for agencynet's own receiver"
    )
    receipt: Literal["delivered", "undelivered"] | None = Field(
        description="the provider's delivery receipt: on the applicant's phone, or never to be; null until one comes"
    )
    receipt_at: datetime | None = Field(description="when it reached the phone, or was given up, UTC")
    receipt_words: str | None = Field(description="the provider's words of a notice that never arrives")


class ReceiptKept(BaseModel):
    """What a provider's delivery receipt did."""

    kept: int = Field(
        description="the notices it was kept on: 1, or 0 for a message agencynet did not send, a receipt given "
        "before, a status that is no fate yet, or an event of another kind"
    )


class ZnsEvent(BaseModel):
    """An event of the Zalo official account's webhook; only ``user_received_message`` with a
    ``message.delivery_time`` (a ZNS message on the applicant's phone) is read, the others are answered and left."""

    model_config = ConfigDict(extra="allow")

    app_id: str = Field(description="the Zalo app's id")
    event_name: str = Field(description="user_received_message, for a receipt")
    timestamp: str | int = Field(description="when Zalo sent the event, milliseconds since 1970 (it is signed)")
    message: dict[str, Any] | None = Field(
        default=None, description="msg_id, the id ZNS answered when it took the message; delivery_time, milliseconds"
    )


class NoticeCall(BaseModel):
    """The counter's phone call to an applicant his notice did not reach."""

    reached: bool = Field(description="true: he answered and now knows; false: no answer, to call again")
    note: str | None = Field(
        None,
        max_length=notices.CALL_NOTE_CHARS,
        description="what was said or agreed ('comes on Monday', 'number out of service'), spaces collapsed",
    )


class CallOut(BaseModel):
    """A phone call of the counter to the applicant."""

    seq: int = Field(description="the move of the dossier it was about (its number, as the steps count them)")
    reached: bool = Field(description="whether he answered and now knows")
    by: str = Field(description="the member of staff who called")
    by_name: str | None = Field(description="his or her full name")
    at: datetime = Field(description="when, UTC")
    note: str | None = Field(description="what was said or agreed; null without a note")


class DossierNotices(BaseModel):
    """What the applicant of a dossier was sent, and whether he takes the notices."""

    sms: bool = Field(description="whether the applicant takes the SMS notices (yes unless said otherwise)")
    chosen_by: str | None = Field(
        description="who said so last: 'citizen' in the tracking box, or the member of staff at the counter; null "
        "by default"
    )
    chosen_by_name: str | None = Field(description="the member of staff's full name; null otherwise")
    chosen_at: datetime | None = Field(description="when, UTC")
    unreached: bool = Field(
        description="whether the notice of the move the dossier stands at reached nobody (passed over, or "
        "undelivered by its receipt) and no phone call has reached the applicant since: the counter calls him"
    )
    call: CallOut | None = Field(description="the counter's last phone call about that move; null without one")
    calls: list[CallOut] = Field(description="every phone call about the dossier, oldest first")
    notices: list[NoticeOut] = Field(description="oldest first")


class AccessOut(BaseModel):
    """One read of personal data."""

    at: str
    who: str
    role: str
    dossier_code: str
    what: str


class CrewMember(BaseModel):
    """A postman as a day is planned with him by default (``GET /postmen``); the dispatcher may send him with
    another shift in ``postmen`` of ``POST /days/{date}/plan``."""

    id: str = Field(description="the postman's account")
    name: str | None = Field(default=None, description="his full name (null when the account has none)")
    depot: str = Field(description="agency_id of his post office, where his day starts and ends")
    depot_name: str | None = Field(default=None, description="the post office's name (null when off the map)")
    shift: str = Field(description="working hours HH:MM-HH:MM")
    capacity: int = Field(description="dossier units carried at once")
    lunch: bool = Field(description="whether he takes a 45-minute break inside 11:30-13:30")


class ShiftIn(_Body):
    """``PUT /postmen/{name}/shift``: a postman's usual shift."""

    shift: str | None = Field(
        pattern=SHIFT,
        description="working hours HH:MM-HH:MM, ending after they start (else 422 shift_order); null: the default "
        "07:30-17:30",
        examples=["07:30-12:00"],
    )


class CapacityIn(_Body):
    """``PUT /postmen/{name}/capacity``: a postman's usual capacity."""

    capacity: UsualCapacity | None = Field(
        description="dossier units his vehicle carries at once; null: the default 40",
        examples=[15],
    )


class DayPlanIn(_Body):
    """``POST /days/{date}/plan``: the postmen (default: the accounts of role postman) and the search budget."""

    postmen: list[PostmanIn] | None = Field(
        default=None, min_length=1, description="the postmen; their depots set the area planned"
    )
    time_limit_s: float | None = Field(default=None, gt=0, description="search budget, s")
    balanced: bool = Field(
        default=False,
        description="put the time the last postman is back first, then the longest working day, then the cost: the "
        "plan spreads the day among the postmen rather than giving it to one who chains the stops (cheaper, back "
        "later); it is several plans in the same time limit. Re-plans of a balanced day are balanced and keep "
        "each planned dossier with its postman, unless shifts change or postmen join",
    )
    at: str | None = Field(
        default=None,
        pattern=CLOCK,
        description="the clock the day is planned from, HH:MM: no postman leaves before it; by default now in Hanoi "
        "when the day is today, the shifts' start otherwise",
    )


class DossierUnserved(BaseModel):
    """A dossier left for another day, and why."""

    code: str
    reason: str = Field(description="why, in English words")
    reason_code: str | None = Field(
        default=None, description="why, as a machine code (agency_not_on_map, pickup_unreachable, no_route_fits ...)"
    )
    values: dict[str, Any] = Field(default_factory=dict, description="the values the reason names")
    message: str = Field(description="why, in the reader's language (Vietnamese by default)")


class StopRecorded(BaseModel):
    """What was recorded when a stop was settled."""

    at: str = Field(description="when, HH:MM Hanoi time")
    record_no: str | None = Field(description="the signed record's number (handed over, delivered)")
    reason_code: FailureCode | None = Field(description="why it failed (failed only)")
    reason: str | None = Field(description="why it failed, in the postman's words")
    off_m: int | None = Field(description="metres from the phone's position to the stop; null without a position")
    far: bool = Field(
        description=f"recorded farther from the stop than the phone's accuracy and {dayevents.FAR_M:g} m besides"
    )
    signer: Signer | None = Field(default=None, description="who signed on the postman's phone")
    photo: bool = Field(
        default=False, description="whether a photo was taken with it (GET /days/{date}/photos/{task}/{event})"
    )


class LastSeen(BaseModel):
    """Where a postman's phone was at his newest event that carried a position."""

    lat: float
    lon: float
    accuracy_m: float | None = None
    at: str = Field(description="when, HH:MM Hanoi time")
    task: str = Field(description="the task of that event")


class DayStop(BaseModel):
    """A stop of a postman's day: when, where, what, and (live) whether it is done."""

    seq: int
    kind: str = Field(description="start, position, pickup, delivery or end")
    task: str | None
    place: str = Field(description="agency_id, authority_id, address:<code> or depot:<agency_id>")
    name: str
    arrival: str = Field(
        description="planned arrival, HH:MM: ready at the place, after parking and its reception (once per visit: "
        "stops in a row at one place share it)"
    )
    departure: str = Field(description="planned departure, HH:MM")
    window: str = Field(description="when service may start: the window asked for, else the place's hours")
    lat: float
    lon: float
    dossiers: list[str] = Field(description="codes of the dossiers picked up or handed over here")
    status: Literal["done", "failed", "late", "remaining"] | None = Field(
        default=None,
        description="live views only: done or failed (by its event), late (its planned arrival passed) or remaining",
    )
    event: str | None = Field(default=None, description="the event that settled the stop (live views only)")
    arrived: str | None = Field(
        default=None,
        description="live views only: when the postman said he came to the stop (event arrived), HH:MM Hanoi time; "
        "null until he did",
    )
    recorded: StopRecorded | None = Field(
        default=None, description="live views only: what was recorded at the stop, null until it is settled"
    )
    handover_record: str | None = Field(
        default=None,
        description="live views only, a stop at an agency or authority: the number of the record the system issued "
        "for the visit (BBGN-YYYYMMDD-NNNN), to sign there and give when recording the handover or the pickup",
    )
    door_try: int | None = Field(
        default=None,
        description="live views only, a result brought to a citizen's door: which try there it is (after that many "
        "failed on earlier days; the last before the result goes to its agency for collection is "
        f"{daytasks.DOOR_ATTEMPTS})",
    )
    told: str | None = Field(
        default=None,
        description="live views only, a home pickup: the window its applicant was told by SMS (HH:MM-HH:MM, agencynet "
        "dossiers push --notices), to keep to; null when none was sent",
    )
    told_unreached: bool | None = Field(
        default=None,
        description="live views only, a home pickup told its window: whether that notice reached nobody (passed over "
        "by the SMS provider, or undelivered by its receipt), to phone ahead",
    )
    address: str | None = Field(default=None, description="the applicant's address: the postman's own view only")
    applicant_name: str | None = Field(
        default=None, description="whom to hand it to, the applicant: the postman's own view only"
    )
    phone: str | None = Field(
        default=None, description="the applicant's phone, to call when nobody opens: the postman's own view only"
    )


class RecordSide(BaseModel):
    """What a handover record lists on one side: tasks and their dossiers."""

    tasks: list[str]
    dossiers: list[str] = Field(description="the dossiers' codes")


class HandoverRecord(BaseModel):
    """A number of the day's registry of handover records: the visit it was issued for and what became of it."""

    no: str = Field(description="the record's number, BBGN-YYYYMMDD-NNNN")
    seq: int = Field(description="its place in the day's numbering, from 1")
    plan_id: str = Field(description="the plan it was issued with")
    postman: str = Field(description="the postman handing the dossiers over")
    place: str = Field(description="the agency_id or authority's place id where they are handed over")
    name: str | None = Field(description="the place's name, as the day's newest plan says it (null off that plan)")
    handed: RecordSide = Field(description="what the postman hands over at the visit (the deliveries of its tasks)")
    taken: RecordSide = Field(description="what he takes there (the pickups of its tasks)")
    status: records.Status = Field(
        description="issued: to sign at the visit; used: a handover or pickup was recorded under it; void: not to use"
    )
    void_reason: records.VoidReason | None = Field(
        description="replanned: its visit changed or left the plan; failed: its stops failed; replaced: its stops "
        "were recorded under another record's number, or none"
    )
    issued_at: datetime = Field(description="when it was issued, UTC")
    used_at: datetime | None = Field(description="when an event was first recorded under it, UTC")
    voided_at: datetime | None = Field(description="when it became void, UTC")


class HandoverRecords(BaseModel):
    """The registry of a day's handover records."""

    date: str = Field(description="the day, YYYY-MM-DD")
    records: list[HandoverRecord] = Field(description="every number issued that day, in order, void ones too")


class CarriedBack(BaseModel):
    """Dossiers a postman picked up that the day's plan no longer has him deliver: he brings them back."""

    task: str
    seq: int = Field(description="the number of the stop where he picked them up")
    name: str = Field(description="the place he picked them up at")
    dossiers: list[str]
    status: Literal["in_bag", "brought_back"] = Field(
        description="in_bag: still with him; brought_back: its failed event recorded, the dossiers are at their "
        "agency again, for the next re-plan to give to another postman (else the next day's plan)"
    )


class DayRoute(BaseModel):
    """A postman's day."""

    postman: str = Field(description="the postman's id: his account's name")
    postman_name: str | None = Field(
        None, description="what the pages say of him: his account's full name, else his id (null in older plans)"
    )
    distance_m: int
    travel_time_s: int
    line: dict[str, Any] | None = Field(
        None,
        description="the route along the roads, a GeoJSON LineString in longitude/latitude (6 decimals); null for "
        "a route staying at one place, or a plan stored before routes were kept",
    )
    closed: bool = Field(
        False,
        description="the postman's shift was over when the day was re-planned: his route stays as planned and "
        "takes nothing more (the stop events recorded after the fact say what became of it)",
    )
    shift: str | None = Field(
        None,
        description="the postman's shift, HH:MM-HH:MM, as the plan has it: its end moved when he was sent home "
        "or kept late (null in older plans)",
    )
    stops: list[DayStop]
    last_seen: LastSeen | None = Field(
        None, description="live views only: where his phone was at his newest event with a position"
    )
    behind_min: int | None = Field(
        None,
        ge=0,
        description="live views only: minutes he is behind his plan, to 5: his last stop settled after its planned "
        "departure, or the next one still open past its planned arrival at the view's clock; there already (event "
        "arrived), by how late he came and how long he stays past its planned departure (never ahead: 0)",
    )
    carried_back: list[CarriedBack] = Field(
        default_factory=list,
        description="live views only: what he picked up and no longer delivers since a re-plan (sent home, or no "
        "time left), to bring back and record with a failed event",
    )


class DayAnswer(BaseModel):
    """A planned day: per postman the stops and their dossiers, the dossiers unserved with reasons."""

    id: str | None = Field(description="the stored plan (null when there was nothing to plan)")
    date: str
    tasks: int
    dossiers: int
    served_dossiers: int
    unserved: list[DossierUnserved]
    routes: list[DayRoute]
    check: bool = Field(description="whether the independent checker (routing.check) accepts the plan")
    balance: Balance | None = Field(
        None,
        description="a day planned balanced (balanced: true): what balancing gave, beside the cheapest plan "
        "(re-plans of the day are balanced too); null otherwise",
    )


class ReplanIn(_Body):
    """``POST /days/{date}/replan``: add the dossiers that came in since; stops done stay fixed."""

    at: str | None = Field(
        default=None,
        pattern=CLOCK,
        description="the clock now, HH:MM; by default now in Hanoi on the day itself, the start of a coming day and "
        "the end of a past one (whose shifts are over: 422 shifts_over)",
    )
    time_limit_s: float | None = Field(default=None, gt=0, description="search budget, s")
    shift_ends: dict[str, Annotated[str, Field(pattern=CLOCK)]] | None = Field(
        default=None,
        description="new shift ends, HH:MM, by postman id: one sent home (taken ill, his motorbike broken down) "
        "goes back to his post office by then, or at once when he could not be back by then; the others take "
        "the stops he no longer makes, and a dossier he carries that he cannot deliver on the way is carried "
        "back (carried_back). A later end keeps a postman late. A postman not in the plan, or whose route is "
        "closed, is 422 (postman_not_in_plan, route_closed)",
        examples=[{"lvbinh": "10:15"}],
    )
    joining: list[PostmanIn] | None = Field(
        default=None,
        min_length=1,
        description="postmen called in (a substitute for one sent home): each leaves his post office at the clock "
        "or the start of his shift, whichever comes later, and takes stops from the others. One already in the "
        "plan is 422 (postman_in_plan), one of an unknown post office 422 (unknown_agency)",
    )


class ReplanAnswer(DayAnswer):
    """The day re-planned."""

    version: int
    added: int = Field(description="tasks added")


class DayCounts(BaseModel):
    """Task stops by status."""

    done: int
    failed: int
    late: int
    remaining: int


class DayLive(BaseModel):
    """The day as it goes."""

    id: str
    version: int
    date: str
    now: str = Field(description="the clock the status is for, HH:MM")
    check: bool
    synthetic: bool
    counts: DayCounts
    routes: list[DayRoute]
    unserved: list[DossierUnserved]
    balance: Balance | None = Field(
        None, description="the day was planned balanced: what balancing gave when it was planned; null otherwise"
    )


class PhonePosition(_Body):
    """Where the postman's phone was when he recorded the event (the browser's geolocation)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    accuracy_m: float | None = Field(default=None, ge=0, description="the fix's accuracy the phone reports, m")


Signer = Literal["applicant", "authorised", "officer"]
"""Who signs on the postman's phone (:data:`ops.proofs.SIGNERS`)."""

IdType = Literal["id_card", "vneid", "passport"]
"""The identity paper checked at the door (:data:`ops.proofs.ID_TYPES`)."""

Point = Annotated[list[Annotated[float, Field(ge=0)]], Field(min_length=2, max_length=2)]


class SignatureIn(_Body):
    """A signature drawn on the postman's phone: strokes of points in the pad's pixels, origin top left."""

    width: Annotated[int, Field(ge=50, le=4000), BeforeValidator(_whole)] = Field(description="the pad's width, px")
    height: Annotated[int, Field(ge=30, le=4000), BeforeValidator(_whole)] = Field(description="the pad's height, px")
    strokes: list[Annotated[list[Point], Field(min_length=1, max_length=500)]] = Field(
        min_length=1,
        max_length=40,
        description=f"each stroke its [x, y] points; at least {proofs.MIN_POINTS} points in all, spanning "
        f"{proofs.MIN_SPAN:.0%} of the width, on the pad (422 signature_too_small, signature_off_pad)",
    )


class ProofIn(_Body):
    """Who signed on the postman's phone or the counter's tablet and the signature: at the citizen's address and at
    the counter, with the paper checked; at a handover, the officer taking it over."""

    signer: Signer = Field(
        description="at the citizen's address and for a result collected at the counter the applicant, or a person "
        "the applicant authorised in writing; at a handover the officer (or the agency's staff) taking it over "
        "(another is 422 signer_not_here)"
    )
    name: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="the signer's full name: required for an authorised person and an officer (422 signer_name_needed)",
    )
    id_type: IdType | None = Field(
        default=None,
        description="the identity paper checked at the citizen's address or the counter: identity card, VNeID, "
        "passport (required there: 422 id_needed; none at a handover)",
    )
    id_last4: str | None = Field(
        default=None,
        pattern=ID_LAST4,
        description="its number's last four characters, with id_type (the number is not kept)",
    )
    signature: SignatureIn


class ProofSummary(BaseModel):
    """What an event's answer says of its proof."""

    signer: Signer
    digest: str = Field(description="tells the same proof again: an event repeated with another proof is 409")


class MoveIn(_Body):
    """A move of a dossier to another state."""

    to: State = Field(description="the state to move to", examples=["digitised"])
    place: str | None = Field(
        default=None,
        max_length=64,
        description="agency id, authority code or 'address'; by default where the lifecycle says the move happens "
        "(the `place` of the dossier's `moves`)",
    )
    record_no: str | None = Field(
        default=None,
        max_length=64,
        description="number of the signed handover record (at_authority, returned; for a result returned, not needed "
        "with a proof)",
    )
    expected_seq: int | None = Field(default=None, description="the seq read; 409 if the dossier moved since")
    proof: ProofIn | None = Field(
        default=None,
        description="who took the result and signed (returned only): required at the applicant's address (422 "
        "proof_needed); at the agency's counter the applicant's signature on the tablet, in place of record_no; "
        "refused for another move (422 proof_not_here)",
    )


class MoveOut(EventOut):
    """A move recorded: its event, and who signed for it."""

    proof: ProofSummary | None = Field(description="who signed on the tablet or phone; null when nobody did")


class SignatureOut(BaseModel):
    """A signature as drawn."""

    width: int
    height: int
    strokes: list[list[list[float]]]


class ProofOut(BaseModel):
    """A proof at the citizen's door, at the counter or at a handover; who signed and how only for readers of the
    applicant's personal data."""

    event: Literal["picked_up", "delivered", "collected", "handed_over"] = Field(
        description="a dossier picked up at home, a result delivered at the address or collected at the agency's "
        "counter, a handover the officer signed for"
    )
    at: str = Field(description="when, UTC")
    taken_by: str = Field(description="the account whose phone or tablet took it: the postman's, the counter's staff")
    taken_by_name: str | None = Field(description="its full name, where the account has one")
    signer: Signer
    name: str | None = Field(
        description="the authorised person's or the officer's name; null for the applicant or without access"
    )
    id_type: IdType | None = Field(description="the paper checked; null at a handover or without access")
    id_last4: str | None = Field(description="its number's last four characters; null without access")
    signature: SignatureOut | None = Field(description="null without access")
    off_m: int | None = Field(description="metres from the phone's position to the stop; null without a position")


StopEventName = Literal["picked_up", "handed_over", "delivered", "failed"]
"""A stop event that settles its stop."""

StopEventAsked = Literal["arrived", "picked_up", "handed_over", "delivered", "failed"]
"""A stop event a postman records: arrived at the stop, or one that settles it."""

StopSide = Literal["pickup", "delivery"]
"""A task's stop."""


class StopEventIn(_Body):
    """A postman's stop event."""

    task: str = Field(min_length=1, max_length=64, description="a task id of the day's plan")
    event: StopEventAsked = Field(
        description="arrived: the postman came to the task's stop still to settle (its pickup, else its delivery; "
        "with position and at only, 422 not_at_arrival; moves nothing, and the week's figures measure from it how "
        "long a stop takes); picked_up, handed_over, delivered or failed settle the stop"
    )
    record_no: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="the signed handover record's number (handed_over: required unless the officer signs on the phone, "
        "proof; 422 record_no_needed; picked_up at an agency or authority: optional); one of the system's "
        "(BBGN-...) must be the visit's (422 record_unknown, record_void, record_not_for_task)",
    )
    reason_code: FailureCode | None = Field(
        default=None,
        description="why it failed (failed only; 422 reason_code_not_failed otherwise): at the citizen's address "
        "nobody_home, refused (the result is then kept at its agency for collection), address_not_found (so too); "
        "at an agency or authority place_closed, not_ready (what was to be picked up); anywhere no_time, other "
        "(said in reason). A reason that does not fit the stop is 422 failure_not_here. Omitted: other",
    )
    reason: str | None = Field(
        default=None,
        min_length=1,
        max_length=500,
        description="why it failed, in words (failed: required with reason_code other or none, 422 "
        "failure_reason_needed)",
    )
    position: PhonePosition | None = Field(
        default=None,
        description="where the phone was: the answer says how far from the stop (off_m), and the day as it goes "
        "flags an event recorded far from its stop",
    )
    proof: ProofIn | None = Field(
        default=None,
        description="who signed: required at the citizen's address, for delivered and for picked_up at a home "
        "pickup (422 proof_needed); at a handover the officer's signature, in place of record_no; refused elsewhere "
        "(422 proof_not_here)",
    )
    photo: str | None = Field(
        default=None,
        max_length=photos.MAX_BYTES * 4 // 3 + 64,
        description="a photo taken there (the door nobody opened, the office closed), as a data URL "
        "data:image/jpeg;base64,... (JPEG, PNG or WebP, at most 3,000,000 bytes and 40 megapixels; 422 "
        "photo_unreadable, photo_too_large); kept re-encoded without its metadata, read at "
        "GET /days/{date}/photos/{task}/{event}",
    )
    stop: StopSide | None = Field(
        default=None,
        description="the task's stop: an arrival's (omitted: its pickup until picked up, else its delivery; 409 "
        "not_picked_up at a delivery before the pickup); any other event's must be the stop it settles (422 "
        "other_stop)",
    )
    # Not strict: JSON writes a time as text.
    at: IsoDateTime | None = Field(default=None, strict=False, description="when (now when omitted)")


class DossierMove(BaseModel):
    """A dossier moved by an event."""

    code: str
    state: str


class StopEventOut(BaseModel):
    """What an event did; the same event again answers the same with ``replayed`` true and moves nothing."""

    plan_id: str
    task: str
    event: str
    stop: StopSide | None = Field(
        default=None, description="the task's stop it was recorded at; null for an event recorded before it was said"
    )
    at: str
    record_no: str | None
    reason: str | None
    reason_code: FailureCode | None = Field(description="why it failed (failed only)")
    position: PhonePosition | None
    off_m: int | None = Field(description="metres from the phone's position to the stop; null without a position")
    proof: ProofSummary | None = Field(description="who signed on the phone; null when nobody did")
    photo: str | None = Field(default=None, description="the SHA-256 of the photo sent with it (hex); null without one")
    moves: list[DossierMove]
    replayed: bool


class DossierPhoto(BaseModel):
    """A photo the postman took with a stop event of a task carrying the dossier (``GET /dossiers/{code}/photos``)."""

    id: int = Field(description="its number: GET /dossiers/{code}/photos/{id} reads it")
    day: str = Field(description="the day of the plan, YYYY-MM-DD")
    task: str = Field(description="the task of the day's plan")
    event: StopEventName = Field(description="the stop event it was taken with (failed: the door nobody opened)")
    at: datetime = Field(description="when the event was recorded, UTC")
    taken_by: str = Field(description="the postman's account")
    taken_by_name: str | None = Field(description="his full name, where the account has one")
    width: int = Field(description="pixels")
    height: int = Field(description="pixels")


class PerformanceFigures(BaseModel):
    """How planned stops ended (:mod:`ops.performance`): a postman's, a day's or the period's."""

    days: int = Field(description="days with a route of tasks")
    stops: int = Field(description="the tasks' pickups and deliveries planned, in the day's newest plan")
    done: int = Field(description="stops settled by a pickup, a handover or a delivery")
    failed: int = Field(description="stops settled by a failure")
    after_failure: int = Field(description="deliveries never visited, their pickup having failed")
    unsettled: int = Field(description="stops with nothing recorded (passed by, or the day still going)")
    done_share: float | None = Field(description="done as a share of the stops; null without stops")
    in_window: int = Field(
        description="settled stops whose event fell, that day, in the stop's window (the time asked, else the "
        "place's hours)"
    )
    in_window_share: float | None = Field(description="in_window as a share of the settled stops; null without any")
    door_settled: int = Field(description="settled stops at citizens' doors (home pickups, results brought home)")
    door_in_window_share: float | None = Field(
        description="the share of them whose event fell in the window (the time asked, else 08:00-20:00); null "
        "without any"
    )
    delay_median_min: float | None = Field(
        description="median of the settled stops' event time less their planned departure, minutes (negative: "
        "early; an event recorded on another day than its plan's left out); null without any"
    )
    delay_p90_min: float | None = Field(description="90th percentile of the same, minutes")
    first_delay_median_min: float | None = Field(
        description="median delay of each route's first timed stop of the day, minutes (a late start, or a first leg "
        "longer than planned); null without any"
    )
    door_added_min: float | None = Field(
        description="minutes a leg ending at a citizen's door added to the delay, on average: the delay there less "
        "the delay at the route's timed stop before it (the leg's actual duration less its planned one: travel, "
        "waiting, service); null without any"
    )
    office_added_min: float | None = Field(
        description="the same for the legs ending at an agency or authority; null without any"
    )
    visits_settled: int = Field(
        description="visits (a postman's stops in a row at one place) whose stops were all settled the day of their "
        "plan"
    )
    visits_timed: int = Field(description="of them, those the postman said he came to (event arrived)")
    door_visit_min: float | None = Field(
        description="median minutes of the timed visits at citizens' doors, from the arrival to the last event "
        "settling their stops; null without any"
    )
    door_visit_planned_min: float | None = Field(
        description="median minutes the plan gave the same visits (each stop's service); null without any"
    )
    office_visit_min: float | None = Field(
        description="the same as door_visit_min at agencies and authorities; null without any"
    )
    office_visit_planned_min: float | None = Field(
        description="median minutes the plan gave them (the place's setup, unless the postman was there already, "
        "and each stop's service); null without any"
    )
    far: int = Field(description=f"events recorded farther than {dayevents.FAR_M:g} m from their stop")
    photos: int = Field(description="failures recorded with a photo")
    failures: dict[str, int] = Field(description="failures by reason_code (see POST /days/{date}/events)")
    planned_km: float = Field(description="kilometres of the routes planned")
    planned_h: float = Field(description="hours of the routes planned, leaving to coming back")


class PostmanPerformance(PerformanceFigures):
    """A postman's stops over the period."""

    postman: str = Field(description="his account")
    name: str = Field(description="his full name (his account when it has none)")


class DayPerformance(PerformanceFigures):
    """A day's stops, all postmen."""

    day: str = Field(description="YYYY-MM-DD")


class Performance(BaseModel):
    """The postmen's days against their plans over a period."""

    from_: str = Field(alias="from", description="the period's first day, YYYY-MM-DD")
    to: str = Field(description="its last day, YYYY-MM-DD")
    postman: str | None = Field(description="the postman asked for, null for all")
    days: int = Field(description="days of the period with a plan (with his route, for one postman)")
    synthetic: bool = Field(description="whether a plan of the period carries synthetic dossiers")
    postmen: list[PostmanPerformance] = Field(description="per postman, the most stops first")
    by_day: list[DayPerformance] = Field(description="per day with a plan, in order")
    total: PerformanceFigures


class PerformanceQuery(_Strict):
    """The period of ``GET /postmen/performance``: ``days`` days ending on ``to``."""

    to: IsoDate | None = Field(default=None, description="the period's last day, YYYY-MM-DD (default: today in Hanoi)")
    days: int = Field(7, ge=1, le=performance.MAX_DAYS, description="how many days, ending on `to`")
    postman: str | None = Field(
        None, pattern=ACCOUNT, description="only this postman's routes (his account): his days one by one"
    )
