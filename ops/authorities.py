"""The registry of deciding units: official code, name, level and location.

Seeded from the official list of Hanoi's commune-level units (``../shared/data/vietnam/units_*.json``, the 126
units since 1 July 2025) located by the map's authorities layer (a committee inside a ward's boundary is that
ward's; else the ward's public administration service centre among the map's agencies), plus the city-level
bodies that decide the procedures handled by post. The operator extends it from a CSV file, and a dispatcher
places a unit the map has no place for (:func:`place`). A unit without a location stays in the registry; its
dossiers are listed as a data gap, never dropped.
"""

from __future__ import annotations

import csv
import json
import logging
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from geo import layers, paths
from geo._errors import InputError
from geo._text import fold
from geo.addressmap import AddressMap
from geo.hours import check_hours, windows_on
from ops import dossiers, tables
from ops.errors import FieldError, UnknownError

log = logging.getLogger(__name__)

UNITS_FILE = "units_2026-07-25.json"
"""Official administrative units, in :func:`geo.paths.vietnam_dir`."""

HANOI = "01"
"""Official code of Hà Nội."""

HOURS_LENGTH = 200
"""The longest office hours kept (the column's width)."""


@dataclass(frozen=True)
class CityBody:
    """A city-level deciding body: a code (``01.`` + an abbreviation assigned here; the official unit codes of
    these bodies are not in the shared data), its name, and words to find its building on the map."""

    code: str
    name: str
    map_name: str | None


CITY_BODIES = (
    CityBody("01.BHXH", "Bảo hiểm xã hội thành phố Hà Nội", "bảo hiểm xã hội"),
    CityBody("01.CA", "Công an thành phố Hà Nội", None),
    CityBody("01.STP", "Sở Tư pháp Hà Nội", None),
    CityBody("01.STC", "Sở Tài chính Hà Nội (đăng ký kinh doanh)", "sở kế hoạch và đầu tư"),
)
"""City-level bodies deciding social insurance, driving licences (traffic police since March 2025), judicial
records and business registration (the former planning and investment department, merged into finance in 2025).
The map has no building named for the city's social insurance office: the national office it names stands in for
it (an assumption) until the operator imports the city office's location."""


def units_file() -> Path:
    """The official units JSON (in the folder of Vietnam's administrative units)."""
    return paths.vietnam_dir() / UNITS_FILE


def communes(path: Path | None = None, *, province: str = HANOI) -> dict[str, str]:
    """Official commune-level units of a province: code -> full name (``Phường Ba Đình``)."""
    path = path or units_file()
    if not path.is_file():
        raise InputError(f"no units file {path} (official administrative units JSON)")
    units = json.loads(path.read_text(encoding="utf-8"))
    for unit in units:
        if unit.get("Code") == province:
            return {w["Code"]: w["FullName"] for w in unit.get("Wards", [])}
    raise InputError(f"{path}: no province with code {province!r}")


def ward_codes(amap: AddressMap, units: dict[str, str]) -> dict[str, str]:
    """Official code of each ward of the map (``ward_id`` -> code), matched by name without diacritics."""
    by_name = {fold(name): code for code, name in units.items()}
    return {
        ward_id: by_name[fold(name)]
        for ward_id, name in zip(amap.layers.wards["ward_id"], amap.layers.wards["name"], strict=True)
        if fold(name) in by_name
    }


def seed(engine: Engine, amap: AddressMap, units: dict[str, str] | None = None) -> dict[str, int]:
    """Fill the registry from the official units and the map; rows from a CSV import are kept.

    Returns
    -------
    dict
        ``{"units": N, "located": M}``.
    """
    units = units if units is not None else communes()
    codes = ward_codes(amap, units)
    committees = amap.layers.authorities[amap.layers.authorities["kind"] == "ward_committee"]
    inside = gpd.sjoin(committees, amap.layers.wards[["ward_id", "geometry"]], predicate="within")
    # A ward's own committee first (geo.layers.ward_seats, where the search says the ward is), else the first
    # committee inside it: a merged ward's old committees ("UBND phường Ô Chợ Dừa", in Phường Đống Đa).
    seats = set(layers.ward_seats(amap.layers.wards, amap.layers.authorities).values())
    located: dict[str, tuple[float, float, str | None]] = {}
    for row in sorted(inside.itertuples(), key=lambda row: row.authority_id not in seats):
        code = codes.get(row.ward_id)
        if code is not None and code not in located:
            located[code] = (row.geometry.y, row.geometry.x, row.authority_id)
    # A ward without a committee on the map, at its public administration service centre where the map has one:
    # the commune centre that receives its dossiers since July 2025, between which and the deciding bodies the
    # posts shuttle (Official Dispatch 96/CĐ-TTg). The centre is an agency of the map, so the unit is a point of
    # its own there (no place_id: its stops are ``authority:<code>``, in an authority's hours).
    agencies = amap.layers.agencies
    centres = agencies[agencies["kind"] == "public_admin_centre"]
    for row in gpd.sjoin(centres, amap.layers.wards[["ward_id", "geometry"]], predicate="within").itertuples():
        code = codes.get(row.ward_id)
        if code is not None and code not in located:
            located[code] = (row.geometry.y, row.geometry.x, None)
    rows = [
        {"code": code, "name": name, "level": "commune", "source": "map", **_where(located.get(code))}
        for code, name in units.items()
    ]
    offices = amap.layers.authorities[amap.layers.authorities["kind"] == "government_office"]
    for body in CITY_BODIES:
        hit = None
        if body.map_name is not None:
            matches = offices[offices["name"].fillna("").map(fold).str.contains(fold(body.map_name), regex=False)]
            if len(matches):
                first = matches.iloc[0]
                hit = (first.geometry.y, first.geometry.x, first["authority_id"])
        rows.append({"code": body.code, "name": body.name, "level": "city", "source": "map", **_where(hit)})
    a = tables.authorities
    with engine.begin() as conn:
        # A row imported or placed by a person is theirs: the map's word does not replace it; the hours a person
        # gave a unit are kept.
        kept = set(conn.scalars(sa.select(a.c.code).where(a.c.source != "map")))
        given = _given_hours(conn)
        conn.execute(a.delete().where(a.c.source == "map"))
        conn.execute(a.insert(), [r | {"hours": given.get(r["code"])} for r in rows if r["code"] not in kept])
    found = sum(1 for r in rows if r["lat"] is not None)
    log.info("authorities: %d units, %d located on the map", len(rows), found)
    return {"units": len(rows), "located": found}


def _where(hit: tuple[float, float, str | None] | None) -> dict:
    lat, lon, place = hit if hit is not None else (None, None, None)
    return {"lat": lat, "lon": lon, "place_id": place}


def said(name: str, level: str) -> str:
    """A unit as a postman reads it at the door: a commune's People's Committee ("UBND Phường Hoàn Kiếm"), another
    unit by its name."""
    return f"UBND {name}" if level == "commune" else name


def called(engine: Engine, codes: Collection[str]) -> dict[str, str]:
    """Each of ``codes`` the registry holds, as :func:`said` says it."""
    return {code: said(name, level) for code, (name, level) in names(engine, codes).items()}


def names(engine: Engine, codes: Collection[str]) -> dict[str, tuple[str, str]]:
    """The name and level (``commune``, ``city`` ...) of each of ``codes`` the registry holds."""
    a = tables.authorities
    with engine.connect() as conn:
        rows = conn.execute(sa.select(a.c.code, a.c.name, a.c.level).where(a.c.code.in_(list(codes)))).all()
    return {code: (name, level) for code, name, level in rows}


PLACE_PREFIX = "authority:"
"""Prefix of the place of a unit located by a point the operator gave (a CSV import), not by a place of the map."""


@dataclass(frozen=True)
class Seat:
    """Where a unit of the registry sits: a place of the map (``place_id`` its id), or a point the operator
    imported (``place_id`` :data:`PLACE_PREFIX` and the unit's code, ``on_map`` false); ``said``, the unit as a
    postman reads it (:func:`said`)."""

    place_id: str
    lat: float
    lon: float
    on_map: bool
    said: str


def located(engine: Engine) -> dict[str, Seat]:
    """The seat of each unit of the registry that has a location, by code (in code order)."""
    a = tables.authorities
    query = (
        sa.select(a.c.code, a.c.place_id, a.c.lat, a.c.lon, a.c.name, a.c.level)
        .where(a.c.lat.is_not(None), a.c.lon.is_not(None))
        .order_by(a.c.code)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return {
        code: Seat(place or f"{PLACE_PREFIX}{code}", float(lat), float(lon), place is not None, said(name, level))
        for code, place, lat, lon, name, level in rows
    }


def seats(engine: Engine) -> dict[str, str]:
    """The registry's units by the place where each sits (:func:`located`), as a postman reads them at the door: a
    commune's People's Committee ("UBND Phường Hoàn Kiếm", where the map may name the building "Đảng uỷ - HĐND
    phường ..."), a city body by its name (the registry's is current: "Sở Tài chính Hà Nội" where the map still has
    the department merged into it in 2025); several at one place joined."""
    units: dict[str, list[str]] = {}
    for seat in located(engine).values():
        units.setdefault(seat.place_id, []).append(seat.said)
    return {place: " · ".join(words) for place, words in units.items()}


def office_hours(engine: Engine) -> dict[str, str]:
    """The office hours of the units that have their own (:func:`set_hours`), by the place where each sits
    (:func:`located`); a place of several units takes the first unit's in code order that has any."""
    with engine.connect() as conn:
        own = _given_hours(conn)
    out: dict[str, str] = {}
    for code, seat in located(engine).items():
        if code in own:
            out.setdefault(seat.place_id, own[code])
    return out


def set_hours(engine: Engine, code: str, hours: str | None) -> dict:
    """Give the unit ``code`` its own office hours (OSM ``opening_hours``: ``Mo-Fr 07:30-11:30,13:30-17:00; Sa
    08:00-11:30; PH off``), or with None the public administration's (:data:`geo.agencies.OFFICE_HOURS`); the
    next plans serve it in them.

    Returns
    -------
    dict
        The unit as :func:`registry` gives it.

    Raises
    ------
    FieldError
        ``bad_office_hours``: not OSM ``opening_hours`` (or longer than :data:`HOURS_LENGTH`);
        ``closed_office_hours``: open on no day of the week.
    UnknownError
        ``unknown_authority``: the registry has no unit ``code``.
    """
    if hours is not None:
        _check_hours(hours, "hours")
    _change(engine, code, hours=hours)
    log.info("authority %s: office hours %s", code, hours or "the usual ones")
    return registry(engine, codes=[code])[0]


def _check_hours(hours: str, where: str) -> None:
    """Refuse ``hours`` that are not OSM ``opening_hours`` or open on no day of a week, ``where`` naming them."""
    if len(hours) > HOURS_LENGTH or not check_hours(hours):
        text = f"office hours {hours!r} are not opening hours as OpenStreetMap writes them (Mo-Fr 08:00-11:30)"
        raise FieldError(where, text, code="bad_office_hours", hours=hours)
    first = date(2026, 1, 5)  # a Monday, of a week without public holidays
    if not any(windows_on(hours, first + timedelta(days=k)) for k in range(7)):
        raise FieldError(
            where, f"office hours {hours!r} are open on no day of the week", code="closed_office_hours", hours=hours
        )


def import_csv(engine: Engine, path: Path) -> int:
    """Add or replace units from a CSV with columns ``code,name,level[,lat,lon,hours]`` (UTF-8; ``hours`` the
    unit's own office hours as for :func:`set_hours`, a unit replaced without them keeping those it had); returns
    the count.

    Raises
    ------
    InputError
        A missing column or a bad row, naming the file and line.
    """
    if not path.is_file():
        raise InputError(f"no such CSV file: {path}")
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = {"code", "name", "level"} - set(reader.fieldnames or ())
        if missing:
            raise InputError(f"{path}: missing columns {', '.join(sorted(missing))}")
        for line, rec in enumerate(reader, start=2):
            code, name = (rec.get("code") or "").strip(), (rec.get("name") or "").strip()
            if not code or not name:
                raise InputError(f"{path}:{line}: code and name are required")
            try:
                lat = float(rec["lat"]) if (rec.get("lat") or "").strip() else None
                lon = float(rec["lon"]) if (rec.get("lon") or "").strip() else None
            except ValueError:
                raise InputError(f"{path}:{line}: lat and lon must be numbers") from None
            in_range = lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
            if not in_range and (lat, lon) != (None, None):
                raise InputError(f"{path}:{line}: give both lat and lon, in degrees")
            hours = (rec.get("hours") or "").strip() or None
            if hours is not None:
                try:
                    _check_hours(hours, "hours")
                except FieldError as exc:
                    raise InputError(f"{path}:{line}: {exc}") from None
            level = rec["level"].strip() or "other"
            rows.append({"code": code, "name": name, "level": level, "lat": lat, "lon": lon, "hours": hours})
    a = tables.authorities
    with engine.begin() as conn:
        had = _given_hours(conn)
        conn.execute(a.delete().where(a.c.code.in_([r["code"] for r in rows])))
        conn.execute(
            a.insert(),
            [r | {"place_id": None, "source": "csv", "hours": r["hours"] or had.get(r["code"])} for r in rows],
        )
    return len(rows)


def place(engine: Engine, code: str, lat: float, lon: float, *, who: str) -> dict:
    """Locate the unit ``code`` at a point a person gives (its committee's door, where the map has no place for
    it, or a seat the map has wrong): its stops are ``authority:<code>`` from the next plan on, and seeding from
    the map again keeps it.

    Parameters
    ----------
    who
        The account placing it, kept with the time (``located_by``, ``located_at``).

    Returns
    -------
    dict
        The unit as :func:`registry` gives it.

    Raises
    ------
    UnknownError
        ``unknown_authority``: the registry has no unit ``code``.
    """
    _change(
        engine, code, lat=lat, lon=lon, place_id=None, source="operator", located_by=who, located_at=datetime.now(UTC)
    )
    log.info("authority %s placed at %.6f,%.6f by %s", code, lat, lon, who)
    return registry(engine, codes=[code])[0]


def unplace(engine: Engine, amap: AddressMap, code: str) -> dict:
    """Forget the point a person gave the unit ``code`` (:func:`place`): an official unit takes the map's word
    again, as seeding gives it (its seat, or none); a unit only a CSV import knows is left without a location.

    Returns
    -------
    dict
        The unit as :func:`registry` gives it.

    Raises
    ------
    UnknownError
        ``unknown_authority``: the registry has no unit ``code``; ``not_placed``: no person placed it.
    """
    a = tables.authorities
    with engine.connect() as conn:
        source = conn.scalar(sa.select(a.c.source).where(a.c.code == code))
    if source is None:
        raise _unknown(code)
    if source != "operator":
        raise UnknownError(f"deciding unit {code!r} was not placed by a person", code="not_placed", authority=code)
    official = code in communes() or code in {body.code for body in CITY_BODIES}
    forgotten = {"located_by": None, "located_at": None}
    with engine.begin() as conn:
        if official:  # seeding replaces the map's rows
            conn.execute(a.update().where(a.c.code == code).values(source="map", **forgotten))
        else:
            conn.execute(
                a.update().where(a.c.code == code).values(lat=None, lon=None, place_id=None, source="csv", **forgotten)
            )
    if official:
        seed(engine, amap)
    log.info("authority %s: the point a person gave is forgotten", code)
    return registry(engine, codes=[code])[0]


def _given_hours(conn: sa.Connection) -> dict[str, str]:
    """The units that have their own office hours, by code."""
    a = tables.authorities
    return dict(conn.execute(sa.select(a.c.code, a.c.hours).where(a.c.hours.is_not(None))).all())


def _change(engine: Engine, code: str, **values: object) -> None:
    """Set ``values`` on the unit ``code``; :func:`_unknown` when the registry has none."""
    a = tables.authorities
    with engine.begin() as conn:
        if conn.execute(a.update().where(a.c.code == code).values(**values)).rowcount == 0:
            raise _unknown(code)


def _unknown(code: str) -> UnknownError:
    return UnknownError(f"no deciding unit {code!r} in the registry", code="unknown_authority", authority=code)


def registry(engine: Engine, *, located: bool | None = None, codes: Collection[str] | None = None) -> list[dict]:
    """The units of the registry with their seat and how many open dossiers each decides, most first.

    Parameters
    ----------
    located
        Only the units with a location (true) or without one (false); all when None.
    codes
        Only these units.

    Returns
    -------
    list of dict
        ``code``, ``name``, ``level``, ``said`` (:func:`said`), ``lat`` and ``lon`` (None when unlocated),
        ``on_map`` (at a place of the map), ``source`` (``map``, ``csv`` or ``operator``), ``located_by``,
        ``located_by_name`` (the account's full name) and ``located_at`` (UTC; who placed it and when, for
        ``operator``), ``hours`` (its own office hours, None for the usual ones) and ``open_dossiers``.
    """
    a, d = tables.authorities, tables.dossiers
    waiting = (
        sa.select(d.c.authority_code, sa.func.count().label("n"))
        .where(d.c.state.in_(dossiers.OPEN_STATES))
        .group_by(d.c.authority_code)
        .subquery()
    )
    n = sa.func.coalesce(waiting.c.n, 0)
    u = tables.users
    query = sa.select(a, n.label("open_dossiers"), u.c.full_name).select_from(
        a.outerjoin(waiting, waiting.c.authority_code == a.c.code).outerjoin(u, u.c.name == a.c.located_by)
    )
    if located is not None:
        query = query.where(a.c.lat.is_not(None) if located else a.c.lat.is_(None))
    if codes is not None:
        query = query.where(a.c.code.in_(list(codes)))
    with engine.connect() as conn:
        rows = conn.execute(query.order_by(n.desc(), a.c.code)).mappings().all()
    return [
        {
            "code": r["code"],
            "name": r["name"],
            "level": r["level"],
            "said": said(r["name"], r["level"]),
            "lat": r["lat"],
            "lon": r["lon"],
            "on_map": r["place_id"] is not None,
            "source": r["source"],
            "located_by": r["located_by"],
            "located_by_name": r["full_name"],
            "located_at": None if r["located_at"] is None else dossiers.utc(r["located_at"]),
            "hours": r["hours"],
            "open_dossiers": r["open_dossiers"],
        }
        for r in rows
    ]


def data_gaps(engine: Engine) -> list[dict]:
    """Deciding units of stored dossiers that are unknown or have no location, with how many dossiers wait.

    Returns
    -------
    list of dict
        ``authority_code``, ``name`` (null when unknown), ``reason`` and ``dossiers``, most dossiers first.
    """
    d, a = tables.dossiers, tables.authorities
    query = (
        sa.select(d.c.authority_code, a.c.name, a.c.lat, sa.func.count().label("n"))
        .select_from(d.outerjoin(a, a.c.code == d.c.authority_code))
        .where(sa.or_(a.c.code.is_(None), a.c.lat.is_(None)))
        .group_by(d.c.authority_code, a.c.name, a.c.lat)
        .order_by(sa.func.count().desc(), d.c.authority_code)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {
            "authority_code": r.authority_code,
            "name": r.name,
            "reason": "unknown unit" if r.name is None else "no location",
            "dossiers": r.n,
        }
        for r in rows
    ]
