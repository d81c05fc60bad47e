"""The map's point and area layers as GeoDataFrames with fixed schemas (EPSG:4326).

Schemas (one row per feature; the GeoPackage written by :mod:`geo.store` carries the same descriptions in its
``layer_columns`` table):

``agencies``: ``agency_id`` (``osm:<type>/<id>``), ``name``, ``kind`` (post_office, ems, viettel_post,
fpt_shop, public_admin_centre), ``operator`` (Vietnam Post, Viettel Post, FPT Retail, Trung tâm Phục
vụ hành chính công Thành phố Hà Nội), ``address``, ``ward``, ``osm_type``, ``osm_id``, ``source``, ``data_date``,
``likely_stale``, ``operator_osm`` (as tagged in OSM), ``opening_hours`` (OSM syntax), ``hours_source`` (osm or
default), ``public_service_agent``, ``procedures`` (codes joined by ``;``), ``address_source`` (osm,
nearest_address, nearest_street, none), ``name_source`` (osm, or derived from kind and address or ward),
``geometry``; see :mod:`geo.agencies` for the sources and defaults.

``authorities``: ``authority_id``, ``name`` (with its ward when OSM names it only "UBND"), ``kind``
(ward_committee, government_office), ``level`` (ward, commune, district, city, central, unknown), ``address``,
``ward``, ``osm_type``, ``osm_id``, ``source``, ``data_date``, ``likely_stale``, ``geometry``.

``wards``: ``ward_id`` (OSM relation id), ``name``, ``kind`` (phuong, xa), ``population`` (people, OSM
``population`` tag as of 2025-07-01; empty where unknown), ``population_estimated`` (people; the known figure,
or area times the median density of known units of the same kind), ``area_km2``, ``postal_code``,
``geometry``.

``districts``: ``district_id`` (official code), ``name`` ("Quận Hoàn Kiếm"), ``province``, ``geometry``: the
districts (quận, huyện, thị xã) abolished on 1 July 2025, which addresses written before the reform still name;
empty where the data folder has none.

``landmarks``: ``landmark_id`` (``osm:<type>/<id>``), ``name``, ``other_names`` (joined by ``;``), ``category``
(``amenity=marketplace`` ...), ``housenumber``, ``street``, ``version``, ``name_source`` (osm, poi or
repaired), ``geometry`` (an area, a line or a point, as OSM draws it): the named places people give directions
by, from the raw OSM extracts and the POI layer (:mod:`geo.landmarks`).

``households``: ``household_id``, ``ward_id``, ``ward``, ``households`` (households at this address point),
``persons`` (people), ``meritorious`` and ``social_protection`` (households in each priority group),
``source`` (osm_building or synthetic), ``synthetic`` (whether the *location* is generated), ``geometry``.
Priority counts are always synthetic: real registers are private.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import _areas, paths, provinces
from geo import agencies as agency_details
from geo import landmarks as _landmarks
from geo._errors import InputError
from geo._text import COMMITTEE_WORDS, canonical, fold, in_latin_script, strip_marks
from geo.network import RoadNetwork
from geo.streets import street_key

log = logging.getLogger(__name__)

PERSONS_PER_HOUSEHOLD = 3.3
"""Mean household size in Hanoi, people (2019 Population and Housing Census, Hanoi ~3.3; approximate)."""

HOUSEHOLDS_PER_POINT = 10
"""Households one synthetic address point stands for: a cluster of alley houses (engineering choice that keeps
the layer near 10^4-10^5 rows for central Hanoi)."""

FLOOR_M2_PER_HOUSEHOLD = 80.0
"""Floor area per household when spreading households over real buildings, m² (assumption: Hanoi urban homes
of 60-100 m² of floor)."""

MERITORIOUS_RATE = 0.015
"""Share of households with a person of meritorious service on a monthly allowance (assumption, ~1.4 million
beneficiaries nationally in the 2020s ≈ 1.5% of households)."""

SOCIAL_PROTECTION_RATE = 0.03
"""Share of households receiving monthly social-protection allowances (assumption; Decree 20/2021/NĐ-CP
beneficiaries ≈ 3.3 million people nationally ≈ 3% of households)."""

RESIDENTIAL_CLASSES = ("residential", "service", "living_street", "unclassified", "tertiary")
"""Road classes along which synthetic households are placed."""

AGENCY_FILE = Path("pois/agencies_authorities.geojson")
POI_FILE = _landmarks.POI_FILE
WARD_FILE = Path("boundaries/hanoi_wards_2025_osm.geojson")
DISTRICT_FILE = Path("boundaries/hanoi_districts_2019_dvhcvn.geojson")
BUILDING_FILE = Path("buildings/hanoi_central_osm_buildings_derived.geojson")
ADDRESS_FILE = Path("buildings/hanoi_central_osm_address_points_derived.geojson")

AGENCY_KINDS = ("post_office", "ems", "viettel_post", "fpt_shop", "public_admin_centre")
AUTHORITY_KINDS = ("ward_committee", "government_office")


@dataclass
class Layers:
    """All point and area layers of the map."""

    agencies: gpd.GeoDataFrame
    authorities: gpd.GeoDataFrame
    wards: gpd.GeoDataFrame
    households: gpd.GeoDataFrame
    addresses: gpd.GeoDataFrame
    districts: gpd.GeoDataFrame
    landmarks: gpd.GeoDataFrame

    def admin_areas(self) -> gpd.GeoDataFrame:
        """The named areas an address may end with (:func:`admin_areas`)."""
        return admin_areas(self.wards, self.districts)


def admin_areas(wards: gpd.GeoDataFrame, districts: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The named areas an address may end with: wards (``level`` ward), pre-2025 districts (district) and their
    provinces (city), with ``name``, ``level`` and ``geometry``."""
    parts = [wards.assign(level="ward"), districts.assign(level="district")]
    if len(districts):
        cities = districts.dissolve("province").reset_index()
        parts.append(cities.assign(name=cities["province"], level="city"))
    frame = pd.concat([p[["name", "level", "geometry"]] for p in parts], ignore_index=True)
    return gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.is_file():
        raise InputError(f"data file not found: {path} (set AGENCYNET_DATA to the data folder)")
    return gpd.read_file(path).to_crs(4326)


def _text(series: pd.Series) -> pd.Series:
    return series.fillna("").astype(str)


_NUMBER_WORD = re.compile(r"(?i)^(?:number|no\.?)\s*(?=\d)")
"""An English "number" before a house number ("number 1", "No 15")."""

_IN_VIETNAMESE = {"alley": "ngõ", "lane": "ngõ", "room": "phòng"}
"""English words some mappers write in a house number ("No 15, Alley 81"), as an address in Vietnamese says them."""


def _housenumber(series: pd.Series) -> pd.Series:
    """OSM house numbers as a Vietnamese address writes them: "number 1" is "1", "No 15, Alley 81" is "15, ngõ
    81", "Room 704, 14" is "phòng 704, 14" (the pages say the address in Vietnamese; no library translates
    these few words)."""
    words = re.compile(r"(?i)\b(" + "|".join(_IN_VIETNAMESE) + r")\b")
    return (
        _text(series)
        .str.strip()
        .str.replace(_NUMBER_WORD, "", regex=True)
        .str.replace(words, lambda m: _IN_VIETNAMESE[m.group(1).lower()], regex=True)
    )


_ENGLISH_STREET = re.compile(r"(?i)^(?P<name>.+?)\s+(?P<kind>street|str|st|road|rd|avenue|ave|alley|lane)\.?$")
"""A street named in English order, its kind last ("Hang Bac Street", "Hang Voi Str", "Nhà Chung Alley")."""

_STREET_KINDS = {"street": "Phố", "str": "Phố", "st": "Phố", "road": "Đường", "rd": "Đường"}
_STREET_KINDS |= {"avenue": "Đại lộ", "ave": "Đại lộ", "alley": "Ngõ", "lane": "Ngõ"}
"""The Vietnamese word of each English kind of street, said before the name."""

STREET_NAME_RADIUS_M = 300.0
"""A road of the map this close to an address point may give its ``addr:street`` the name the map writes, m: an
address in an alley names the street the alley opens on ("Ngõ Trạm, Hàng Bông"), up to an alley's length away."""


def _streets_as_the_map_names_them(frame: gpd.GeoDataFrame, network: RoadNetwork) -> pd.Series:
    """``street`` of the address points, those written without Vietnamese marks or in English ("Bach Dang",
    "Hang Bac Street", "Ngõ Trạm, Hang Bong Street") said as the map names the street: the name of the nearest
    road within :data:`STREET_NAME_RADIUS_M` whose street key is that of the name in Vietnamese order ("Phố Bạch
    Đằng", "Phố Hàng Bạc"), else that order ("Ngõ Nhà Chung").

    Some mappers of central Hanoi wrote these (73 of the 1,454 points are renamed): the pages would say "12 Bach
    Dang" or "11 Nhà Chung Alley" to a Vietnamese reader, and an English name, under another key than its
    street's, numbered no street. Unmarked names are matched on the map's roads nearby only: folded, "Hang Bai"
    could be several names.
    """

    def vietnamese_order(part: str) -> tuple[str, str, bool]:
        """The part in Vietnamese order, its name without an English kind, and whether the map's name should be
        looked for."""
        found = _ENGLISH_STREET.match(part.strip())
        if found is None:
            return part.strip(), part.strip(), strip_marks(part).casefold() == part.casefold()
        return f"{_STREET_KINDS[found['kind'].lower()]} {found['name']}", found["name"], True

    parts = [[vietnamese_order(part) for part in street.split(",")] for street in frame["street"]]
    asked = np.flatnonzero([any(look for *_, look in street) for street in parts])
    if not asked.size:
        return frame["street"]
    points = frame.iloc[asked].to_crs(network.crs).geometry.to_numpy()
    near, edges = network.tree.query(points, predicate="dwithin", distance=STREET_NAME_RADIUS_M)
    order = np.lexsort((shapely.distance(points[near], network.edge_geom[edges]), near))
    names: list[dict[str, str]] = [{} for _ in asked]
    for i, j in zip(near[order].tolist(), edges[order].tolist(), strict=True):
        for name in filter(None, (n.strip() for n in str(network.edge_name[j]).split(";"))):
            names[i].setdefault(street_key(name), name)  # the nearest road of a key names it
    out = frame["street"].copy()
    for i, row in enumerate(asked.tolist()):
        # A named alley is often called a street ("Phat Loc Str" is Ngõ Phất Lộc).
        said = [
            names[i].get(street_key(part)) or names[i].get(street_key(f"Ngõ {name}"), part) if look else part
            for part, name, look in parts[row]
        ]
        out.iloc[row] = ", ".join(said)
    return out


def _in_ward(points: gpd.GeoDataFrame, wards: gpd.GeoDataFrame) -> pd.Series:
    """Name of the ward containing each point ('' outside every ward)."""
    joined = gpd.sjoin(points[["geometry"]], wards[["name", "geometry"]], how="left", predicate="within")
    return _text(joined.groupby(level=0)["name"].first()).reindex(points.index, fill_value="")


def places(data_dir: Path, wards: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Agencies and authorities from ``pois/agencies_authorities.geojson``, else from the POI shapefile.

    The shapefile fallback keeps post offices as agencies and town halls as authorities; its names are damaged
    (characters outside Windows-1252 became '?', see SOURCES.md), which the ``name`` column then shows.
    """
    clean = data_dir / AGENCY_FILE
    if clean.is_file():
        raw = _read(clean)
    else:
        pois = _read(data_dir / POI_FILE)
        pois = pois[pois["fclass"].isin(["post_office", "town_hall"])].copy()
        raw = gpd.GeoDataFrame(
            {
                "osm_id": pois["osm_id"].astype("int64"),
                "osm_type": "node",
                "name": pois["name"],
                "role": np.where(pois["fclass"] == "post_office", "agency", "authority"),
                "kind": np.where(pois["fclass"] == "post_office", "post_office", "ward_committee"),
                "source": POI_FILE.name,
            },
            geometry=pois.geometry.values,
            crs=4326,
        )
    for column in ("level", "operator", "addr_housenumber", "addr_street", "data_date", "source"):
        raw[column] = _text(raw[column]) if column in raw else ""
    raw["addr_housenumber"] = _housenumber(raw["addr_housenumber"])
    stale = pd.to_numeric(raw["likely_stale"], errors="coerce") if "likely_stale" in raw else pd.Series(0, raw.index)
    raw["likely_stale"] = stale.fillna(0).astype(bool)
    raw["address"] = (raw["addr_housenumber"] + " " + raw["addr_street"]).str.strip()
    raw["ward"] = _in_ward(raw, wards)
    raw["osm_id"] = raw["osm_id"].astype("int64")
    ident = "osm:" + raw["osm_type"].astype(str) + "/" + raw["osm_id"].astype(str)
    common = ["name", "kind", "address", "ward", "osm_type", "osm_id", "source", "data_date", "likely_stale"]
    agencies = raw[raw["role"] == "agency"].assign(agency_id=ident, name=lambda f: _text(f["name"]))
    agencies = agencies[["agency_id", *common[:2], "operator", *common[2:], "geometry"]]
    authorities = raw[raw["role"] == "authority"].assign(authority_id=ident, name=lambda f: _text(f["name"]))
    # A committee OSM names only "UBND" is the committee of the ward it stands in: "UBND Xã Hát Môn".
    bare = authorities["name"].map(_committee_only) & (authorities["ward"] != "")
    authorities.loc[bare, "name"] = authorities.loc[bare, "name"] + " " + authorities.loc[bare, "ward"]
    # A name in another script than Vietnamese's says nothing to the pages' readers (the Ministry of Public
    # Security is "ກະຊວງຕໍາຫຼວດຫວຽດນາມ" in the 2019 extract): unnamed, as OSM leaves others.
    authorities.loc[~authorities["name"].map(in_latin_script), "name"] = ""
    authorities["level"] = authorities["level"].replace("", "unknown")
    authorities = authorities[["authority_id", *common[:2], "level", *common[2:], "geometry"]]
    return agencies.reset_index(drop=True), authorities.reset_index(drop=True)


def ward_seats(wards: gpd.GeoDataFrame, authorities: gpd.GeoDataFrame) -> dict[str, str]:
    """The ``authority_id`` of each ward's People's Committee where the map has its seat, by ward name: a committee
    lying in the ward whose name names it ("Ủy ban nhân dân phường Hoàn Kiếm" in Phường Hoàn Kiếm; the first by id
    of several).

    The committees of the wards merged in 2025 keep their old names ("UBND phường Đội Cấn", in Phường Ba Đình) and
    are not taken: which of them is the new ward's seat the map does not say.
    """
    committees = authorities[authorities["kind"] == "ward_committee"].sort_values("authority_id")
    seats: dict[str, str] = {}
    for ward, name, authority in zip(committees["ward"], committees["name"], committees["authority_id"], strict=True):
        if ward in set(wards["name"]) and fold(ward) in fold(name):
            seats.setdefault(ward, authority)
    return seats


def ward_points(wards: gpd.GeoDataFrame, authorities: gpd.GeoDataFrame) -> gpd.GeoSeries:
    """Where each ward is said to be: the seat of its People's Committee where the map has it (:func:`ward_seats`),
    else a point inside its area. As Nominatim takes a boundary's ``admin_centre``: a ward's agencies are ordered
    from there, and its marker drawn."""
    points = wards.geometry.representative_point()
    seats = ward_seats(wards, authorities)
    where = authorities.set_index("authority_id").geometry
    for i, ward in enumerate(wards["name"]):
        if ward in seats:
            points.iloc[i] = where[seats[ward]].representative_point()
    return points


def _committee_only(name: str) -> bool:
    """Whether ``name`` says only what the authority is ("UBND", "Ủy ban nhân dân"), not where."""
    words = set(canonical(name))
    return bool(words) and words <= COMMITTEE_WORDS


def wards(data_dir: Path) -> gpd.GeoDataFrame:
    """The 126 wards and communes of Hanoi after 1 July 2025, with known and estimated population."""
    raw = _read(data_dir / WARD_FILE)
    area = raw.to_crs(raw.estimate_utm_crs()).area / 1e6
    population = pd.to_numeric(raw["population"], errors="coerce")
    density = (population / area).groupby(raw["kind"]).median()
    estimated = population.fillna(area * raw["kind"].map(density))
    frame = gpd.GeoDataFrame(
        {
            "ward_id": raw["osm_id"].astype("int64").astype(str),
            "name": _text(raw["name"]),
            "kind": _text(raw["kind"]),
            "population": population.astype("Int64"),
            "population_estimated": estimated.round().astype("int64"),
            "area_km2": area.round(3),
            "postal_code": _text(raw["postal_code"]).str.replace(r"\.0$", "", regex=True),
        },
        geometry=raw.geometry.values,
        crs=4326,
    )
    return frame


def _no_districts() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(columns=["district_id", "name", "province", "geometry"], geometry="geometry", crs=4326)


def districts(data_dir: Path) -> gpd.GeoDataFrame:
    """Hanoi's districts before 1 July 2025 (see the module); empty without the file."""
    path = data_dir / DISTRICT_FILE
    if not path.is_file():
        return _no_districts()
    raw = _read(path)
    return gpd.GeoDataFrame(
        {"district_id": _text(raw["level2_id"]), "name": _text(raw["name"]), "province": _text(raw["province"])},
        geometry=raw.geometry.values,
        crs=4326,
    )


def addresses(data_dir: Path, wards: gpd.GeoDataFrame, districts: gpd.GeoDataFrame | None = None) -> gpd.GeoDataFrame:
    """OSM address points (``addr:housenumber``, ``addr:street``) for search; empty without the file.

    Some mappers write the areas after the street ("12 Hàng Gà, Hoàn Kiếm, Hà Nội, Việt Nam"): ``street`` keeps
    the street ("Hàng Gà"), without the areas (of ``wards``, ``districts`` and their city) nor a repeated house
    number, so that the house is found and counted on its street.
    """
    path = data_dir / ADDRESS_FILE
    columns = ["address_id", "housenumber", "street", "name", "ward", "geometry"]
    if not path.is_file():
        return gpd.GeoDataFrame(columns=columns, geometry="geometry", crs=4326)
    raw = _read(path)
    frame = gpd.GeoDataFrame(
        {
            "address_id": "osm:" + raw["osm_type"] + "/" + raw["osm_id"].astype(str),
            "housenumber": _housenumber(raw["addr_housenumber"]),
            "street": _text(raw["addr_street"]),
            "name": _text(raw["name"]),
        },
        geometry=raw.geometry.values,
        crs=4326,
    )
    frame["ward"] = _in_ward(frame, wards)
    areas = _areas.Areas.from_frame(admin_areas(wards, districts if districts is not None else _no_districts()))
    written = frame["street"].str.contains(",")
    frame.loc[written, "street"] = [
        _without_number(areas.street(street), number)
        for street, number in zip(frame.loc[written, "street"], frame.loc[written, "housenumber"], strict=True)
    ]
    return frame


def _without_number(street: str, housenumber: str) -> str:
    """``street`` without the house number written again at its start ("12 Hàng Gà" for house 12)."""
    return street[len(housenumber) :].strip() if housenumber and street.startswith(housenumber + " ") else street


def _coverage(network: RoadNetwork) -> shapely.Geometry:
    """Area the road network covers: the convex hull of its nodes, in the network's metric CRS."""
    return shapely.convex_hull(shapely.multipoints(np.column_stack([network.node_x, network.node_y])))


def _building_households(data_dir: Path, covered: gpd.GeoDataFrame, crs: object) -> pd.DataFrame:
    """Households in real OSM buildings: floor area (footprint times levels, 2 when untagged) over
    :data:`FLOOR_M2_PER_HOUSEHOLD`, at least one per building."""
    columns = ["ward_id", "households", "source", "synthetic", "x", "y"]
    path = data_dir / BUILDING_FILE
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    buildings = _read(path).to_crs(crs)
    levels = pd.to_numeric(buildings.get("building_levels"), errors="coerce").fillna(2).clip(1, 30)
    spots = gpd.GeoDataFrame(
        {"households": np.maximum(1, np.round(buildings.area * levels / FLOOR_M2_PER_HOUSEHOLD)).astype(int)},
        geometry=buildings.geometry.representative_point().values,
        crs=crs,
    )
    inside = gpd.sjoin(spots, covered[["ward_id", "geometry"]], predicate="within")
    return pd.DataFrame(
        {
            "ward_id": inside["ward_id"].values,
            "households": inside["households"].values,
            "source": "osm_building",
            "synthetic": False,
            "x": inside.geometry.x.values,
            "y": inside.geometry.y.values,
        }
    )


def households(network: RoadNetwork, wards: gpd.GeoDataFrame, data_dir: Path, *, seed: int = 2025) -> gpd.GeoDataFrame:
    """Household address points over the area the network covers (locations real where OSM has buildings).

    Each ward's population inside the network's coverage (population times covered share of its area) is
    split into households. Real OSM buildings take households by floor area; the rest of each ward's
    households are seeded synthetic points along its residential streets, :data:`HOUSEHOLDS_PER_POINT`
    households each. Priority-group counts are seeded binomial draws at
    :data:`MERITORIOUS_RATE` and :data:`SOCIAL_PROTECTION_RATE` (synthetic everywhere).

    Parameters
    ----------
    network
        The road network; it bounds the area and carries the streets.
    wards
        The ward layer (:func:`wards`).
    data_dir
        Data folder holding the building file.
    seed
        Seed of every random draw, so the layer is reproducible.

    Returns
    -------
    geopandas.GeoDataFrame
        The ``households`` layer (schema in the module docstring).
    """
    rng = np.random.default_rng(seed)
    crs = network.crs
    cover = _coverage(network)
    metric_wards = wards.to_crs(crs)
    share = shapely.area(shapely.intersection(metric_wards.geometry.values, cover)) / metric_wards.area.values
    covered = metric_wards[share > 0.01].assign(share=share[share > 0.01])
    covered_households = covered["population_estimated"] * covered["share"] / PERSONS_PER_HOUSEHOLD

    parts = [_building_households(data_dir, covered, crs)]
    real = parts[0].groupby("ward_id")["households"].sum()
    remaining = (covered_households - covered["ward_id"].map(real).fillna(0).values).clip(lower=0)

    streets = np.isin(network.edge_highway, RESIDENTIAL_CLASSES) & (network.edge_rev <= np.arange(network.n_edges))
    street_geom = network.edge_geom[streets]
    midpoints = shapely.line_interpolate_point(street_geom, 0.5, normalized=True)
    for (_, ward), count in zip(covered.iterrows(), remaining, strict=True):
        in_ward = np.flatnonzero(shapely.within(midpoints, ward.geometry))
        n_points = round(count / HOUSEHOLDS_PER_POINT)
        if n_points == 0 or len(in_ward) == 0:
            continue
        lengths = shapely.length(street_geom[in_ward])
        chosen = rng.choice(in_ward, size=n_points, p=lengths / lengths.sum())
        spots = shapely.line_interpolate_point(street_geom[chosen], rng.uniform(0, 1, n_points), normalized=True)
        parts.append(
            pd.DataFrame(
                {
                    "ward_id": ward["ward_id"],
                    "households": HOUSEHOLDS_PER_POINT,
                    "source": "synthetic",
                    "synthetic": True,
                    # A few metres off the street centre line, as house fronts are.
                    "x": shapely.get_x(spots) + rng.normal(0, 5, n_points),
                    "y": shapely.get_y(spots) + rng.normal(0, 5, n_points),
                }
            )
        )
    table = pd.concat(parts, ignore_index=True)
    table["persons"] = np.round(table["households"] * PERSONS_PER_HOUSEHOLD).astype(int)
    table["meritorious"] = rng.binomial(table["households"], MERITORIOUS_RATE)
    table["social_protection"] = rng.binomial(table["households"], SOCIAL_PROTECTION_RATE)
    table["ward"] = table["ward_id"].map(wards.set_index("ward_id")["name"])
    table["household_id"] = [f"hh{i:06d}" for i in range(len(table))]
    frame = gpd.GeoDataFrame(
        table[
            [
                "household_id",
                "ward_id",
                "ward",
                "households",
                "persons",
                "meritorious",
                "social_protection",
                "source",
                "synthetic",
            ]
        ],
        geometry=gpd.points_from_xy(table["x"], table["y"], crs=crs),
    ).to_crs(4326)
    log.info("households: %d address points, %d households", len(frame), frame["households"].sum())
    return frame


def build(network: RoadNetwork, data_dir: Path | None = None, *, seed: int = 2025) -> Layers:
    """Read and derive every layer for a network from the data folder (default :func:`geo.paths.data_dir`)."""
    data_dir = Path(data_dir) if data_dir is not None else paths.data_dir()
    ward_layer, district_layer = wards(data_dir), districts(data_dir)
    agencies, authorities = places(data_dir, ward_layer)
    address_layer = addresses(data_dir, ward_layer, district_layer)
    address_layer["street"] = _streets_as_the_map_names_them(address_layer, network)
    return Layers(
        agencies=agency_details.add_details(agencies, address_layer, network, data_dir),
        authorities=authorities,
        wards=ward_layer,
        households=households(network, ward_layer, data_dir, seed=seed),
        addresses=address_layer,
        districts=district_layer,
        landmarks=_landmarks.read(
            data_dir,
            within=gpd.GeoSeries([_coverage(network)], crs=network.crs).to_crs(4326).iloc[0],
            known_names=[*ward_layer["name"], *provinces.unit_names(paths.vietnam_dir())],
        ),
    )
