"""Landmarks: the named places people give directions by, read from the raw OSM extracts and the POI layer.

A citizen asks for "chợ Đồng Xuân", "Nhà hát Lớn" or "gần Bệnh viện Việt Đức" as often as for a street, and a
landmark's other names ("Hanoi Opera House", the official "Nhà hát Lớn Hà Nội") find it too. Two sources:

- the raw OSM extracts (``osm/*/*.osm``: Hoàn Kiếm, 2019, and the Văn Miếu - Cát Linh square kilometre, 2023;
  the highway-only tiles add none), with all their tags and names whole, areas as OSM draws them;
- the city-wide POI layer (:data:`POI_FILE`, 2025), points only, kept where the map's roads are (``within``).
  Its export lost every letter outside Windows-1252 ("Khách S?n", ``SOURCES.md``): a name is restored when its
  lost letters have one reading (:mod:`geo._repair`, against the names the extracts, the wards and the country's
  communes write whole), else left out. ``name_source`` says which.

What makes a named object a landmark is :data:`LANDMARK_TAGS`: public places, sights, water, stations, markets
and large shops, hotels, named buildings; not eateries, small shops or offices, which are too many to tell apart
by name and which nobody gives as a landmark.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely

from geo import _repair
from geo._nearby import same_place
from geo._text import canonical, fold, in_latin_script

log = logging.getLogger(__name__)

OSM_FILES = ("osm/*/*.osm",)
"""Raw OSM extracts read for landmarks (globs under the data folder)."""

LANDMARK_TAGS: dict[str, frozenset[str] | None] = {
    "amenity": frozenset(
        {
            "arts_centre",
            "bus_station",
            "cinema",
            "clinic",
            "college",
            "community_centre",
            "courthouse",
            "embassy",
            "fire_station",
            "hospital",
            "kindergarten",
            "library",
            "marketplace",
            "place_of_worship",
            "police",
            "school",
            "theatre",
            "university",
        }
    ),
    "tourism": frozenset({"attraction", "gallery", "hotel", "museum", "theme_park", "viewpoint", "zoo"}),
    "historic": None,
    "leisure": frozenset({"garden", "park", "sports_centre", "sports_hall", "stadium", "water_park"}),
    "natural": frozenset({"water"}),
    "water": frozenset({"lake", "pond", "reservoir"}),
    "railway": frozenset({"halt", "station"}),
    "public_transport": frozenset({"station"}),
    "shop": frozenset({"mall", "supermarket"}),
    "office": frozenset({"government"}),
    "landuse": frozenset({"education", "military", "railway", "religious"}),
    "place": frozenset({"island", "islet", "locality", "neighbourhood", "quarter", "square"}),
    "building": None,
}
"""Tag keys and the values (None: any) that make a named object a landmark; the first key found is its
``category`` ("amenity=marketplace"). Roads are streets (:mod:`geo.streets`), wards and post offices have their
own layers."""

OTHER_NAME_TAGS = (
    "name:vi",
    "official_name",
    "official_name:vi",
    "alt_name",
    "alt_name:vi",
    "old_name",
    "short_name",
    "loc_name",
    "name:en",
    "official_name:en",
)
"""Tags whose names also find a landmark (several names in one tag are separated by ``;``)."""

SAME_PLACE_M = 150.0
"""Objects of one name this close are one place: OSM often maps a place twice, a market as a point and as its
building ("Chợ Đồng Xuân"), a shop and the building it fills ("Tràng Tiền Plaza"), m."""

POI_FILE = Path("pois/hanoi_pois_full.shp")
"""The city-wide POI layer (Geofabrik's ``gis_osm_pois`` schema, 2025): points, names in Windows-1252."""

POI_CATEGORIES: dict[str, str] = {
    "arts_centre": "amenity=arts_centre",
    "cinema": "amenity=cinema",
    "clinic": "amenity=clinic",
    "college": "amenity=college",
    "community_centre": "amenity=community_centre",
    "embassy": "amenity=embassy",
    "fire_station": "amenity=fire_station",
    "hospital": "amenity=hospital",
    "kindergarten": "amenity=kindergarten",
    "library": "amenity=library",
    "marketplace": "amenity=marketplace",
    "police": "amenity=police",
    "school": "amenity=school",
    "theatre": "amenity=theatre",
    "university": "amenity=university",
    "attraction": "tourism=attraction",
    "hotel": "tourism=hotel",
    "museum": "tourism=museum",
    "zoo": "tourism=zoo",
    "archaeological": "historic=archaeological_site",
    "memorial": "historic=memorial",
    "monument": "historic=monument",
    "ruins": "historic=ruins",
    "park": "leisure=park",
    "sports_centre": "leisure=sports_centre",
    "stadium": "leisure=stadium",
    "mall": "shop=mall",
    "supermarket": "shop=supermarket",
}
"""The POI layer's classes (``fclass``) that are landmarks, with the OSM tag each stands for (one of
:data:`LANDMARK_TAGS`); not its ``department_store``, which holds corner shops."""

KIND_WORDS: dict[str, str] = {
    "tourism=hotel": "Khách sạn",
    "building=hotel": "Khách sạn",
    "tourism=museum": "Bảo tàng",
    "shop=supermarket": "Siêu thị",
    "shop=mall": "Trung tâm thương mại",
    "amenity=marketplace": "Chợ",
    "amenity=hospital": "Bệnh viện",
    "amenity=clinic": "Phòng khám",
    "amenity=embassy": "Đại sứ quán",
    "amenity=police": "Công an",
    "amenity=cinema": "Rạp chiếu phim",
    "amenity=theatre": "Nhà hát",
    "amenity=library": "Thư viện",
    "amenity=school": "Trường",
    "amenity=kindergarten": "Trường mầm non",
    "amenity=college": "Trường cao đẳng",
    "amenity=university": "Trường đại học",
    "amenity=bus_station": "Bến xe",
    "railway=station": "Ga",
    "leisure=park": "Công viên",
    "leisure=stadium": "Sân vận động",
    "water=lake": "Hồ",
}
"""What Vietnamese calls a landmark of each category, said before its name ("bảo tàng nhà tù hỏa lò", "khách sạn
Sheraton", "siêu thị WinMart"): most OSM names leave it out, or say it in English (361 of the 419 hotels are "...
Hotel", which the search reads as "khách sạn": geo._text.ENGLISH_KINDS). Kinds whose word depends on the place (a
place of worship: chùa, đền, nhà thờ) are not listed."""

NAME_SOURCES = ("osm", "poi", "repaired")
"""Where a landmark's name comes from: a raw extract (whole), the POI layer with no letter lost, or the POI layer
with its lost letters restored (:mod:`geo._repair`)."""

COLUMNS = [
    "landmark_id",
    "name",
    "other_names",
    "category",
    "housenumber",
    "street",
    "version",
    "name_source",
    "geometry",
]


def read(
    data_dir: Path, *, within: shapely.Geometry | None = None, known_names: Iterable[str] = ()
) -> gpd.GeoDataFrame:
    """The landmarks of the raw OSM extracts and of the POI layer in ``data_dir`` (EPSG:4326).

    Parameters
    ----------
    data_dir
        The data folder; extracts matching :data:`OSM_FILES` and :data:`POI_FILE` are read, if there.
    within
        Where the POI layer's landmarks are kept (EPSG:4326: the area the map's roads cover); all when omitted.
    known_names
        Names written whole besides the extracts' (wards, communes), for restoring the POI layer's lost letters.

    Returns
    -------
    geopandas.GeoDataFrame
        ``landmark_id`` (``osm:way/123``, as the agencies'), ``name``, ``other_names`` (joined by ``;``, without
        the name itself), ``category``, ``housenumber`` and ``street`` (OSM ``addr:*``, may be empty),
        ``version`` (OSM version: an object in two extracts is kept in its latest, an extract's over the POI
        layer's, version 0), ``name_source`` (:data:`NAME_SOURCES`) and its geometry as OSM draws it: an area
        (MultiPolygon: a lake, a park, a building), a line (an open way: a square drawn as its outline) or a
        point. A place mapped as several objects of one name (:data:`SAME_PLACE_M`) is one landmark, its
        area's (else its first object's) with the other names of all.
    """
    found = [_landmarks(path) for pattern in OSM_FILES for path in sorted(data_dir.glob(pattern))]
    rows = [row for landmarks, _ in found for row in landmarks]
    written = {name for _, names in found for name in names} | set(known_names)
    frame = pd.concat(
        [pd.DataFrame(rows, columns=COLUMNS), _poi_landmarks(data_dir / POI_FILE, written, within)],
        ignore_index=True,
    )
    # A name without a letter ("1": a bus office's number mapped as its name) is nothing people give directions
    # by, and a search would read it as a house number. One in another script than Vietnamese's ("맥주거리") is
    # said by its first other name in it ("Beer Street"), else the landmark is left out ("ໂຮງແຮມ Melia": Melia
    # Hanoi is a landmark of its own).
    names = [_in_latin_script(n, other) for n, other in zip(frame["name"], frame["other_names"], strict=True)]
    frame["name"] = pd.Series(names, index=frame.index, dtype=object)
    frame = frame[frame["name"].str.contains(r"[^\W\d_]", regex=True)]
    frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=4326)
    frame = frame.sort_values(["landmark_id", "version"]).drop_duplicates("landmark_id", keep="last")
    frame = _one_per_place(frame.reset_index(drop=True))
    log.info("landmarks: %d named places (%s)", len(frame), frame["name_source"].value_counts().to_dict())
    return frame


def _in_latin_script(name: str, other_names: str) -> str:
    """``name``, or when it is written in another script, the first of ``other_names`` (joined by ``;``) in Latin
    letters; empty when none is."""
    if in_latin_script(name):
        return name
    return next((other for other in other_names.split(";") if other.strip() and in_latin_script(other)), "")


def _poi_landmarks(path: Path, written: set[str], within: shapely.Geometry | None) -> pd.DataFrame:
    """Landmark rows (:data:`COLUMNS`) of the POI layer at ``path`` (none if missing) inside ``within``, their
    names restored against ``written`` (:class:`geo._repair.Repairer`); those with no single reading, or named
    only by a term of :data:`geo._repair.TERMS`, left out."""
    if not path.is_file():
        return pd.DataFrame(columns=COLUMNS)
    pois = gpd.read_file(path, columns=["osm_id", "fclass", "name"]).to_crs(4326)
    pois = pois[pois["fclass"].isin(list(POI_CATEGORIES)) & (pois["name"].fillna("").str.strip() != "")]
    if within is not None:
        pois = pois[pois.within(within)]
    repair = _repair.Repairer(written)
    names = [repair(name.strip()) for name in pois["name"]]
    lost = pois["name"].map(_repair.damaged).to_numpy()
    # A name that only says what the place is ("Khach San", "Nha Khoa") names no one place.
    generic = {fold(term) for term in _repair.TERMS}
    kept = np.array([name is not None and fold(name) not in generic for name in names], dtype=bool)
    log.info("POI layer: %d landmarks, %d of %d damaged names restored", kept.sum(), (kept & lost).sum(), lost.sum())
    pois = pois[kept]
    return pd.DataFrame(
        {
            "landmark_id": "osm:node/" + pois["osm_id"].astype("int64").astype(str),
            "name": np.array(names, dtype=object)[kept],
            "other_names": "",
            "category": pois["fclass"].map(POI_CATEGORIES).to_numpy(),
            "housenumber": "",
            "street": "",
            "version": 0,
            "name_source": np.where(lost[kept], "repaired", "poi"),
            "geometry": pois.geometry.to_numpy(),
        }
    )


def _one_per_place(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per place: rows of one folded name within :data:`SAME_PLACE_M` of each other (transitively)
    merged into the first of them, areas and lines before points, with every name the others had."""
    if frame.empty:
        return frame
    place = same_place(frame["name"].map(fold).tolist(), frame.geometry.representative_point(), SAME_PLACE_M)
    is_node = frame["landmark_id"].str.startswith("osm:node/")
    order = frame.assign(_place=place, _node=is_node).sort_values(["_place", "_node", "landmark_id"], kind="stable")
    merged = order.groupby("_place", sort=False).agg(
        first=("landmark_id", "first"), other_names=("other_names", lambda found: ";".join(o for o in found if o))
    )
    kept = frame.set_index("landmark_id").loc[merged["first"]].reset_index()
    # The names of all, as one object's tags: without the kept name and without repeats.
    kept["other_names"] = [
        ";".join(other_names({"name": name, "alt_name": names}))
        for name, names in zip(kept["name"], merged["other_names"], strict=True)
    ]
    return (
        gpd.GeoDataFrame(kept[COLUMNS], geometry="geometry", crs=frame.crs)
        .sort_values("landmark_id")
        .reset_index(drop=True)
    )


def category(tags: dict[str, str]) -> str:
    """The ``key=value`` that makes ``tags`` a landmark's (see :data:`LANDMARK_TAGS`), or "" for none.

    Examples
    --------
    >>> category({"amenity": "marketplace", "building": "yes"}), category({"amenity": "cafe"})
    ('amenity=marketplace', '')
    >>> category({"highway": "pedestrian", "place": "square"})
    ''
    """
    if "highway" in tags or "boundary" in tags or tags.get("type") in ("route", "boundary"):
        return ""
    for key, values in LANDMARK_TAGS.items():
        value = tags.get(key)
        if value is not None and (values is None or value in values):
            return f"{key}={value}"
    return ""


def shown_name(tags: dict[str, str]) -> str:
    """The name a landmark is shown by: ``name``, unless it is written without diacritics and ``name:vi`` with
    them; then ``name:vi``, the Vietnamese name as citizens write it (OSM's ``name`` is at times another
    language's: the museum of Hỏa Lò prison is "Museo della Prigione di Hoa Lo", the river "Red River"). A
    ``name:vi`` without diacritics is no better, and one beside a ``name`` with them is often stale (2019: a
    hotel since renamed).

    Examples
    --------
    >>> shown_name({"name": "Museo della Prigione di Hoa Lo", "name:vi": "Nhà tù Hoả Lò"})
    'Nhà tù Hoả Lò'
    >>> shown_name({"name": "Old City Gate", "name:vi": "Cua O Quan Choung"}), shown_name({"name": "Bệnh viện K"})
    ('Old City Gate', 'Bệnh viện K')
    """
    name, vietnamese = tags.get("name", "").strip(), tags.get("name:vi", "").strip()
    return vietnamese if name.isascii() and not vietnamese.isascii() else name


def said_with_kind(name: str, category: str) -> str:
    """``name`` with its kind (:data:`KIND_WORDS`) before it, as a citizen says it, when the name does not say it
    already, in words or in their usual shortening; else empty.

    Examples
    --------
    >>> said_with_kind("Nhà tù Hoả Lò", "tourism=museum"), said_with_kind("Sheraton Hanoi", "tourism=hotel")
    ('Bảo tàng Nhà tù Hoả Lò', 'Khách sạn Sheraton Hanoi')
    >>> said_with_kind("Prince Hotel", "tourism=hotel")  # "Hotel" says "khách sạn" (geo._text.ENGLISH_KINDS)
    ''
    >>> said_with_kind("Chợ Đồng Xuân", "amenity=marketplace"), said_with_kind("BV Việt Đức", "amenity=hospital")
    ('', '')
    >>> said_with_kind("Tháp Rùa", "historic=monument")
    ''
    """
    word = KIND_WORDS.get(category)
    if word is None:
        return ""
    said, kind = canonical(name), canonical(word)
    if any(said[i : i + len(kind)] == kind for i in range(len(said) - len(kind) + 1)):
        return ""
    return f"{word} {name}"


def other_names(tags: dict[str, str]) -> list[str]:
    """The names of ``name`` and :data:`OTHER_NAME_TAGS` in ``tags`` that differ from the name shown
    (:func:`shown_name`) and each other, in that order, then each part of a name joined by a dash
    (:data:`_JOINED`), which is also said alone: "Văn Miếu - Quốc Tử Giám" is "Văn Miếu" and "Quốc Tử Giám",
    "Chợ đêm Hàng Đào – Đồng Xuân" is "Chợ đêm Hàng Đào".

    Examples
    --------
    >>> other_names({"name": "Nhà Hát Lớn", "name:vi": "Nhà Hát Lớn", "official_name": "Nhà hát Lớn Hà Nội"})
    ['Nhà hát Lớn Hà Nội']
    >>> other_names({"name": "Văn Miếu - Quốc Tử Giám", "name:en": "Temple of Literature"})
    ['Temple of Literature', 'Văn Miếu', 'Quốc Tử Giám']
    >>> other_names({"name": "Red River", "name:vi": "Sông Hồng"})
    ['Red River']
    """
    name = shown_name(tags)
    seen = {name.casefold()}
    out: list[str] = []
    tagged = [other for key in ("name", *OTHER_NAME_TAGS) for other in tags.get(key, "").split(";")]
    for other in [*tagged, *_JOINED.split(name)]:
        other = other.strip()
        if other and other.casefold() not in seen:
            seen.add(other.casefold())
            out.append(other)
    return out


_JOINED = re.compile(r"\s+[-–—]\s+")
"""A dash between spaces, joining two names of one place; not one inside a word or number ("Đảng uỷ-HĐND",
"56-58")."""


def _landmarks(path: Path) -> tuple[list[tuple[object, ...]], set[str]]:
    """Landmark rows (:data:`COLUMNS`) of one OSM file, and every name it writes (streets' too)."""
    processor = (
        osmium.FileProcessor(str(path)).with_locations().with_areas().with_filter(osmium.filter.KeyFilter("name"))
    )
    rows: list[tuple[object, ...]] = []
    names: set[str] = set()
    for obj in processor:
        tags = dict(obj.tags)
        names.update((tags["name"], shown_name(tags)))
        kind = category(tags)
        if not kind:
            continue
        if isinstance(obj, osmium.osm.Node):
            ident, geometry = f"osm:node/{obj.id}", shapely.Point(obj.location.lon, obj.location.lat)
        elif isinstance(obj, osmium.osm.Area):
            # With its holes: the islands of Hồ Hoàn Kiếm are not water.
            parts = [
                shapely.Polygon(_ring(outer), [_ring(inner) for inner in obj.inner_rings(outer)])
                for outer in obj.outer_rings()
            ]
            source = "way" if obj.from_way() else "relation"
            ident, geometry = f"osm:{source}/{obj.orig_id()}", shapely.MultiPolygon(parts)
        elif isinstance(obj, osmium.osm.Way) and not obj.is_closed():
            # A closed way comes again as an area; an open one ("a square drawn as its outline") is its line.
            ident, geometry = f"osm:way/{obj.id}", shapely.LineString([(n.lon, n.lat) for n in obj.nodes])
        else:
            continue
        rows.append(
            (
                ident,
                shown_name(tags),
                ";".join(other_names(tags)),
                kind,
                tags.get("addr:housenumber", ""),
                tags.get("addr:street", ""),
                obj.version,
                "osm",
                geometry,
            )
        )
    return rows, names


def _ring(ring: osmium.osm.OuterRing | osmium.osm.InnerRing) -> list[tuple[float, float]]:
    """A ring's corners, longitude and latitude."""
    return [(n.lon, n.lat) for n in ring]
