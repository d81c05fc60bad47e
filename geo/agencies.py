"""Details of the agencies a citizen needs before going: address, operator, opening hours, procedures.

Sources and defaults (each overridable per place by the data):

- **Operator** by kind: post offices and EMS counters belong to Vietnam Post (the public postal service), then
  Viettel Post, FPT Retail (FPT Shop) and the city's Public Administration Service Centre: the three enterprises
  of the Hanoi pilot of 5 Feb 2025 (Vietnam Post 10, Viettel Post 12, FPT Retail 10 agents).
- **Opening hours**: OSM ``opening_hours`` where a source file carries it for the agency's OSM id (the raw OSM
  extracts under ``osm/`` and ``pois/hieudm05_hanoi_post_offices.json``), read with Vietnam's public holidays
  (:mod:`geo.hours`); otherwise the documented default of its kind, :data:`DEFAULT_HOURS` (``hours_source``:
  ``osm`` or ``default``). The Service Centre closes on public holidays; the post offices and the shops keep
  their hours (no published holiday hours: an assumption).
- **Public-service agent**: Vietnam Post's post offices (Decision 45/2016/QĐ-TTg: any citizen may send a
  dossier or receive a result through the public postal service), Viettel Post and FPT Shop points (the pilot,
  extended city-wide from March 2025) and the Service Centre itself; EMS counters are couriers only.
- **Procedures** accepted (:data:`PROCEDURES`, the common procedures handled by post): every one at post offices
  and at the Centre (Decision 45/2016 does not restrict them); the pilot agents of Viettel Post and FPT Retail
  take the procedures of the pilot's citizen services (social insurance, judicial records, civil-status copies,
  driving licences) — an engineering default until the city publishes per-agent lists.
- **Address**: OSM ``addr:housenumber``/``addr:street`` of the agency; else what is at its point
  (:mod:`geo.reverse`): the nearest numbered address point within :data:`geo.reverse.ADDRESS_RADIUS_M`, else the
  name of the nearest named road within :data:`geo.reverse.STREET_RADIUS_M` ("Phố Huế"), else none
  (``address_source``: ``osm``, ``nearest_address``, ``nearest_street`` or ``none``).
- **Name**: OSM ``name``; an agency without one is called by its kind and address, "Bưu cục 18 Nguyễn Du", or
  without an address by its kind and ward, "Bưu cục Xã Quảng Oai" (:data:`NAMELESS`, ``name_source``: ``osm``
  or ``derived``), as a citizen would ask for it: nine post offices of the Hanoi extracts have no name in OSM,
  and a list or a screen reader would give them none. A name that only says what the agency is
  (:data:`GENERIC_NAMES`: the city's main post office, at 75 Đinh Tiên Hoàng, is "Post Office" in OSM) is
  taken as none: the pages would show it in English, and no different from any other post office.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Literal, get_args

import geopandas as gpd
import numpy as np
import osmium

from geo._text import fold
from geo.hours import check_hours
from geo.network import RoadNetwork
from geo.reverse import Reverse

log = logging.getLogger(__name__)

Procedure = Literal[
    "social_insurance",
    "police_papers",
    "driving_licence",
    "judicial_record",
    "land",
    "civil_status",
    "business_registration",
    "other",
]
PROCEDURES: tuple[str, ...] = get_args(Procedure)
"""Procedures handled by post (CONTEXT.md: the common ones, Phú Thọ's mix): social insurance, police papers,
driving licences, judicial records, land (land-use certificates), civil status, business registration, other. The
one vocabulary of the agencies that accept them and of the dossiers (:mod:`ops.dossiers`)."""

_PILOT = ("social_insurance", "driving_licence", "judicial_record", "civil_status")

OPERATORS: dict[str, str] = {
    "post_office": "Vietnam Post",
    "ems": "Vietnam Post",
    "viettel_post": "Viettel Post",
    "fpt_shop": "FPT Retail",
    "public_admin_centre": "Trung tâm Phục vụ hành chính công Thành phố Hà Nội",
}
"""Operator of each agency kind, by the name it goes by in Vietnam: the three enterprises by their brands, the
city's Public Administration Service Centre by its Vietnamese name (it has no other on its counters)."""

OFFICE_HOURS = "Mo-Fr 08:00-11:30,13:30-17:00; PH off"
"""Office hours of ward committees and public-service centres: 08:00-11:30 and 13:30-17:00 on weekdays, closed on
public holidays (:mod:`geo.hours` knows Vietnam's, Tết among them)."""

DEFAULT_HOURS: dict[str, str] = {
    # The value of 3 of the 4 Hanoi post offices that carry opening_hours in OSM (hieudm05 extract, 2025-11).
    "post_office": "Mo-Su 07:30-19:00",
    "ems": "Mo-Su 07:30-19:00",
    # Viettel Post and FPT Shop points: shop hours as their stores post them (assumption: 08:00-21:00 and
    # 08:00-22:00, every day).
    "viettel_post": "Mo-Su 08:00-21:00",
    "fpt_shop": "Mo-Su 08:00-22:00",
    "public_admin_centre": OFFICE_HOURS,
}
"""Opening hours of an agency whose OSM data has none, by kind (OSM ``opening_hours`` syntax)."""

AGENT_KINDS = frozenset({"post_office", "viettel_post", "fpt_shop", "public_admin_centre"})
"""Kinds that are public-service agents."""

ACCEPTED: dict[str, tuple[str, ...]] = {
    "post_office": PROCEDURES,
    "public_admin_centre": PROCEDURES,
    "viettel_post": _PILOT,
    "fpt_shop": _PILOT,
    "ems": (),
}
"""Procedures accepted by kind."""

NAMELESS: dict[str, str] = {
    "post_office": "Bưu cục",
    "ems": "Bưu cục EMS",
    "viettel_post": "Điểm phục vụ Viettel Post",
    "fpt_shop": "Cửa hàng FPT Shop",
    "public_admin_centre": "Trung tâm Phục vụ hành chính công",
}
"""What an agency without an OSM name is called before its address, by kind: in Vietnamese, as the map's names
are, with the words the pages use for its kind (the ``kind`` section of the Vietnamese catalogue)."""

GENERIC_NAMES = frozenset({"post office", "buu dien", "buu cuc", "buu chinh"})
"""OSM names (folded) that say what an agency is and not which: named as an agency without a name."""

BRANDS: dict[str, str] = {"fpt shop": "FPT Shop", "fptshop": "FPT Shop"}
BRANDS |= {"viettel post": "Viettel Post", "viettelpost": "Viettel Post"}
"""OSM names (folded) that are a brand alone, as the brand writes itself: mappers wrote "FPT shop", "VIETTEL POST",
"ViettelPost", "Viettel post", and a list of a chain's points showed four spellings of one name. (Named alike,
they are told apart by their addresses, as the chain's own signs are.)"""

OSM_FILES = ("osm/*/*.osm",)
"""Raw OSM extracts searched for ``opening_hours`` tags (globs under the data folder)."""

POST_OFFICE_FILE = Path("pois/hieudm05_hanoi_post_offices.json")


def osm_opening_hours(data_dir: Path) -> dict[str, str]:
    """``opening_hours`` found in the data folder, by OSM id (``osm:node/123``)."""
    found: dict[str, str] = {}
    path = data_dir / POST_OFFICE_FILE
    if path.is_file():
        offices = json.loads(path.read_text(encoding="utf-8")).get("all_offices", [])
        found |= {f"osm:node/{o['id']}": o["opening_hours"] for o in offices if o.get("opening_hours")}
    for pattern in OSM_FILES:
        for osm_file in sorted(data_dir.glob(pattern)):
            reader = osmium.FileProcessor(str(osm_file)).with_filter(osmium.filter.KeyFilter("opening_hours"))
            for obj in reader:
                kind = {"n": "node", "w": "way", "r": "relation"}[obj.type_str()]
                found.setdefault(f"osm:{kind}/{obj.id}", obj.tags["opening_hours"])
    return found


def add_details(
    agencies: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame, network: RoadNetwork, data_dir: Path
) -> gpd.GeoDataFrame:
    """``agencies`` with ``operator``, ``address``, ``address_source``, ``opening_hours``, ``hours_source``,
    ``public_service_agent`` and ``procedures`` (codes of :data:`PROCEDURES` joined by ``;``) filled in, and a
    ``name`` for those OSM leaves unnamed (``name_source``).

    The operator found in OSM is kept in ``operator_osm`` (it is often a branch: "Bưu điện Trung tâm 3").
    """
    out = agencies.copy()
    kind = out["kind"].astype(str)
    out["operator_osm"] = out["operator"]
    out["operator"] = kind.map(OPERATORS).fillna(out["operator"])

    found = osm_opening_hours(data_dir)
    osm_hours = out["agency_id"].map(found).fillna("")
    valid = osm_hours.map(lambda h: bool(h) and check_hours(h))
    out["opening_hours"] = np.where(valid, osm_hours, kind.map(DEFAULT_HOURS).fillna(OFFICE_HOURS))
    out["hours_source"] = np.where(valid, "osm", "default")
    out["public_service_agent"] = kind.isin(AGENT_KINDS)
    out["procedures"] = kind.map(lambda k: ";".join(ACCEPTED.get(k, ())))

    address, source = _addresses(out, addresses, network)
    out["address"], out["address_source"] = address, source
    out["name"] = out["name"].map(lambda name: BRANDS.get(fold(name), name))
    named = (out["name"] != "") & ~out["name"].map(fold).isin(GENERIC_NAMES)
    where = out["address"].where(out["address"] != "", out["ward"].fillna(""))
    out["name"] = out["name"].where(named, kind.map(NAMELESS).fillna("") + " " + where).str.strip()
    out["name_source"] = np.where(named, "osm", "derived")
    log.info(
        "agency details: %d with OSM opening hours, %d addresses from OSM", int(valid.sum()), (source == "osm").sum()
    )
    columns = [c for c in out.columns if c != "geometry"] + ["geometry"]
    return out[columns]


def _addresses(
    agencies: gpd.GeoDataFrame, addresses: gpd.GeoDataFrame, network: RoadNetwork
) -> tuple[np.ndarray, np.ndarray]:
    """Each agency's address and where it comes from (see the module)."""
    address = agencies["address"].fillna("").astype(str).to_numpy(dtype=object)
    xs, ys = network.from_wgs84.transform(agencies.geometry.x.to_numpy(), agencies.geometry.y.to_numpy())
    label, kind = (np.array(column, dtype=object) for column in Reverse(addresses, network).labels(xs, ys))
    source = np.select(
        [address != "", kind == "address", kind == "street"], ["osm", "nearest_address", "nearest_street"], "none"
    )
    return np.where(address != "", address, label), source.astype(object)
