"""Public endpoints for citizens: agencies, nearest agencies with routes, search, isochrones, basemap.

Nothing here reads the households layer: answers carry agencies, authorities, addresses and wards only.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Literal
from zoneinfo import ZoneInfo

import numpy as np
import shapely
from fastapi import APIRouter, Query, Request, Response

from api import schemas
from api.deps import MapDep, check_on_map
from api.errors import FieldError, NotFound
from geo import agencies as agency_details
from geo import nearest
from geo._errors import InputError
from geo._text import fold
from geo.addressmap import AddressMap

log = logging.getLogger(__name__)

router = APIRouter(tags=["citizens"])

AGENCY_COLUMNS = ("agency_id", "name", "kind", "ward")
"""Agency attributes served besides the details of :attr:`geo.addressmap.AddressMap.agency_details` (the source
bookkeeping columns stay inside)."""

HANOI = ZoneInfo("Asia/Ho_Chi_Minh")
"""Opening hours are local times in Hanoi (UTC+7, no daylight saving)."""

SEARCH_KINDS = ("address", "street", "agency", "authority", "ward")

GEOJSON = "application/geo+json"


def _check_text(field: str, text: str) -> None:
    """Refuse text with no letter or digit (blank, punctuation only): nothing to look for."""
    if not any(ch.isalnum() for ch in text):
        raise FieldError(field, code="empty_query")


def _bbox(text: str) -> tuple[float, float, float, float]:
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise FieldError("bbox", code="bad_bbox", text=text) from None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise FieldError("bbox", code="bad_bbox", text=text)
    return west, south, east, north


@router.get("/agencies", response_model=schemas.FeatureCollection, summary="Agencies as GeoJSON")
def agencies(
    amap: MapDep,
    kind: Annotated[str | None, Query(description="agency kind, e.g. post_office, ems, viettel_post")] = None,
    ward: Annotated[str | None, Query(description="ward name (with or without diacritics) or ward_id")] = None,
    bbox: Annotated[str | None, Query(description="west,south,east,north in degrees")] = None,
) -> dict:
    """Every agency of the map as a GeoJSON FeatureCollection, filtered by kind, ward and bounding box.

    Properties: name, kind, ward, address, operator, opening hours (OSM syntax; ``hours_source`` says whether
    they come from OSM or are the documented default of the kind), ``open_now`` (in Hanoi, now), whether it is a
    public-service agent and the procedures it accepts; ``on_map`` tells whether the agency lies on the road
    network of the map (and so can be routed to).
    """
    now = _local(None)
    frame = amap.layers.agencies
    if kind is not None:
        kinds = sorted(frame["kind"].dropna().unique())
        if kind not in kinds:
            raise FieldError("kind", code="unknown_kind", kind=kind, known=", ".join(kinds))
        frame = frame[frame["kind"] == kind]
    if ward is not None:
        wards = amap.layers.wards
        key = fold(ward).strip()
        hit = wards[(wards["ward_id"].astype(str) == ward) | (wards["name"].map(fold) == key)]
        if hit.empty:
            hit = wards[wards["name"].map(fold).str.endswith(" " + key)]
        if hit.empty:
            raise FieldError("ward", code="unknown_ward", ward=ward)
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
            | _details(amap, str(row["agency_id"]), now)
            | {"on_map": row["agency_id"] in on_map},
        }
        for p, (_, row) in zip(frame.geometry, frame.iterrows(), strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _local(at: datetime | None) -> datetime:
    """``at`` as a naive local time in Hanoi (a naive ``at`` is taken as Hanoi time); now when omitted."""
    if at is None:
        return datetime.now(HANOI).replace(tzinfo=None)
    return at.astimezone(HANOI).replace(tzinfo=None) if at.tzinfo is not None else at


def _details(amap: AddressMap, agency_id: str, when: datetime) -> dict:
    """An agency's details with ``open_now``: whether it is open at ``when``."""
    details = amap.agency_details[agency_id]
    return details | {"open_now": agency_details.is_open(details["opening_hours"], when)}


# Short CPU-bound handlers (a few ms) run on the event loop: a thread hop would cost more than it frees.
@router.get("/agencies/nearest", response_model=schemas.NearestAnswer, summary="Nearest agencies by travel time")
async def nearest_agencies(
    amap: MapDep,
    lat: Annotated[float | None, Query(ge=-90, le=90, description="latitude, degrees")] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180, description="longitude, degrees")] = None,
    address: Annotated[str | None, Query(min_length=1, max_length=200, description="an address to geocode")] = None,
    k: Annotated[int, Query(ge=1, le=20, description="how many agencies")] = 3,
    procedure: Annotated[
        schemas.ProcedureCode | None, Query(description="only agencies that accept this procedure")
    ] = None,
    open_now: Annotated[bool, Query(description="only agencies open at the time asked (`at`, else now)")] = False,
    at: Annotated[
        datetime | None, Query(description="the time asked, ISO 8601; local Hanoi time when without offset")
    ] = None,
) -> dict:
    """The ``k`` agencies reached soonest from a point (or a typed address), with ETA, distance, route and the
    agency's details (address, operator, opening hours, ``open_now`` at the time asked, procedures accepted).

    ``procedure`` keeps only the agencies that accept it and ``open_now=true`` those open at ``at`` (or now);
    the list is empty when none is left.
    """
    label = None
    if address is not None:
        if lat is not None or lon is not None:
            raise FieldError("address", code="address_and_point")
        _check_text("address", address)
        try:
            hit = amap.geocode(address)
        except InputError:
            raise FieldError("address", code="address_not_found", text=address) from None
        lon, lat, label = float(hit["lon"]), float(hit["lat"]), str(hit["label"])
    elif lat is None or lon is None:
        raise FieldError("lat" if lat is None else "lon", code="point_missing")
    check_on_map(amap, lon, lat, field="address" if label is not None else "lat,lon")
    when = _local(at)
    among = None
    if procedure is not None or open_now:
        details = [amap.agency_details[str(a)] for a in amap.agencies["agency_id"]]
        among = np.array(
            [
                (procedure is None or procedure in d["procedures"])
                and (not open_now or agency_details.is_open(d["opening_hours"], when))
                for d in details
            ],
            dtype=bool,
        )
    found = nearest.nearest_agencies(amap, lon, lat, k=k, among=among)
    return {
        "origin": {"lon": lon, "lat": lat, "label": label},
        "at": when.isoformat(timespec="minutes"),
        "agencies": [a.to_dict() | _details(amap, a.agency_id, when) for a in found],
    }


@router.get("/search", response_model=schemas.SearchAnswer, summary="Search addresses, streets, agencies, wards")
def search(
    amap: MapDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="text, with or without diacritics")],
    k: Annotated[int, Query(ge=1, le=50)] = 10,
    kind: Annotated[list[Literal["address", "street", "agency", "authority", "ward"]] | None, Query()] = None,
) -> dict:
    """Addresses, streets, agencies, authorities and wards matching Vietnamese text, best first.

    A house number on a street without that numbered point is placed between the street's numbered houses
    (``match``: ``interpolated``), else at the street's middle (``street``).
    """
    _check_text("q", q)
    try:
        hits = amap.search.query(q, k=k, kinds=kind)
    except InputError as exc:
        raise FieldError("q", str(exc)) from None
    results = [
        {
            "id": str(r.id),
            "kind": r.kind,
            "name": str(r.name or ""),
            "label": str(r.label),
            "lon": float(r.lon),
            "lat": float(r.lat),
            "score": round(float(r.score), 4),
            "match": str(r.match),
        }
        for r in hits.itertuples()
        if r.kind in SEARCH_KINDS
    ]
    return {"query": q, "results": results}


@router.get("/isochrones", response_model=schemas.FeatureCollection, summary="Service areas of an agency")
def isochrones(
    request: Request,
    amap: MapDep,
    agency_id: Annotated[str, Query(min_length=1)],
    minutes: Annotated[list[float] | None, Query(description="minutes of travel, e.g. 5, 10, 15")] = None,
) -> dict:
    """Where a citizen can ride from to reach the agency within each number of minutes (motorbike by default)."""
    from geo import isochrones as iso

    limits = minutes or list(iso.DEFAULT_MINUTES)
    for m in limits:
        if not (np.isfinite(m) and 0 < m <= 60):
            raise FieldError("minutes", code="minutes_range", minutes=f"{m:g}")
    ids = amap.agencies["agency_id"].tolist()
    if agency_id not in ids:
        if agency_id in set(amap.layers.agencies["agency_id"]):
            raise FieldError("agency_id", code="agency_off_map", agency=agency_id)
        raise NotFound("agency_id", f"no agency {agency_id!r}")
    areas = iso.service_areas(
        amap.network, amap.agency_table, ids=ids, targets=[ids.index(agency_id)], minutes=sorted(set(limits))
    )
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(shapely.set_precision(g, 1e-6)),
            "properties": {"agency_id": a, "minutes": float(m), "area_km2": round(float(s), 4)},
        }
        for a, m, s, g in zip(areas["agency_id"], areas["minutes"], areas["area_km2"], areas.geometry, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


@router.get("/basemap/roads", summary="Roads of the map (offline basemap)", response_class=Response)
def basemap_roads(
    request: Request, detail: Annotated[Literal["main", "all"], Query(description="main classes or all")] = "main"
) -> Response:
    """The map's road edges as GeoJSON (property ``c``: road class), for drawing the pages' basemap."""
    return Response(request.app.state.basemap.roads(detail), media_type=GEOJSON, headers=_cached)


@router.get("/basemap/wards", summary="Ward outlines (offline basemap)", response_class=Response)
def basemap_wards(request: Request) -> Response:
    """The 126 wards and communes of Hanoi (2025) as GeoJSON with name, kind, population and area."""
    return Response(request.app.state.basemap.wards(), media_type=GEOJSON, headers=_cached)


@router.get("/config", summary="Settings the pages need")
async def config(request: Request, amap: MapDep) -> dict:
    """Online tiles (when configured) and the map's bounds, for the pages."""
    settings = request.app.state.settings
    net = amap.network
    return {
        "tiles_url": settings.tiles_url or None,
        "tiles_attribution": settings.tiles_attribution,
        "bounds": [
            [float(net.node_lat.min()), float(net.node_lon.min())],
            [float(net.node_lat.max()), float(net.node_lon.max())],
        ],
        "profile": settings.profile,
    }


_cached = {"Cache-Control": "public, max-age=3600"}
