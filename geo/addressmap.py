"""The digital address map: road network, layers, snapped agencies and search, loaded together.

This is what the command line and the service hold in memory: build it once with :func:`load`, then answer
nearest-agency, geocoding and matrix queries from it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo import _text, matrix, network, paths, provinces, snap
from geo import landmarks as _landmarks
from geo import layers as _layers
from geo._errors import InputError, OutOfAreaError
from geo._nearby import same_place
from geo._text import fold
from geo.layers import Layers
from geo.network import RoadNetwork
from geo.reverse import Reverse
from geo.streets import Streets, street_key

if TYPE_CHECKING:
    from geo.search import SearchIndex

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Located:
    """Where a typed text asks the nearest agencies from (:meth:`AddressMap.locate`)."""

    lon: float
    lat: float
    label: str
    """The address or place found ("75 Đinh Tiên Hoàng", "Hồ Hoàn Kiếm")."""
    score: float
    """Its search score, in [0, 1]."""
    procedure: str | None
    """The procedure the text asks where to take ("đổi bằng lái xe gần hồ gươm": ``driving_licence``), ``""``
    for the service itself, any procedure ("nộp hồ sơ gần hồ gươm"), None when it asks for neither."""
    area: shapely.Geometry | None = None
    """The area or line of the place, degrees (:meth:`AddressMap.area_of`): a landmark's own ("Hồ Gươm": the
    lake) or a street's (a street named without a house number), whose agencies are reached from any point of
    its edge, not from ``lon``, ``lat`` (a point of it, for the map); a ward's, whose agencies come first
    (``within``); None for a point (a house, an agency)."""
    within: bool = False
    """Whether the agencies inside ``area`` are listed first (a ward: "làm căn cước ở Hoàn Kiếm"), from ``lon``,
    ``lat``; else the area is left from its edge (:func:`geo.nearest.find_from`)."""


@dataclass
class AddressMap:
    """A loaded map.

    Attributes
    ----------
    network
        Road network of the travel profile.
    layers
        Agencies, authorities, wards, households and addresses.
    agencies
        The agencies that lie on this network (within the snapping distance), in the order of
        ``agency_table``'s targets.
    agency_table
        Travel times from every node to every agency (one reversed search per agency, done at load).
    """

    network: RoadNetwork
    layers: Layers
    agencies: gpd.GeoDataFrame
    agency_table: matrix.TargetTable

    @cached_property
    def bounds(self) -> tuple[float, float, float, float]:
        """West, south, east and north edges of the road network, degrees: of its roads' whole lines, which
        may bend beyond every node (a curve at the map's edge)."""
        west, south = self.network.edge_lines.lonlat.min(axis=0).tolist()
        east, north = self.network.edge_lines.lonlat.max(axis=0).tolist()
        return west, south, east, north

    @cached_property
    def agency_labels(self) -> tuple[list[str], list[str], list[str]]:
        """``agency_id``, ``name`` and ``kind`` of :attr:`agencies`, as lists in the table's order."""
        return tuple(self.agencies[c].astype(str).tolist() for c in ("agency_id", "name", "kind"))  # type: ignore[return-value]

    @cached_property
    def streets(self) -> Streets:
        """Named streets of the network with the numbered address points along them (:mod:`geo.streets`)."""
        return Streets.from_network(self.network, self.layers.addresses)

    @cached_property
    def search(self) -> SearchIndex:
        """Text search over addresses, streets, agencies, authorities, wards and landmarks
        (:class:`geo.search.SearchIndex`)."""
        # Imported here: the index is only built when a text query is made.
        from geo.search import SearchIndex

        records = pd.concat([search_records(self.layers), self.streets.records()], ignore_index=True)
        return SearchIndex.from_frame(
            records,
            streets=self.streets,
            areas=self.layers.admin_areas(),
            provinces=provinces.names(paths.vietnam_dir()),
            shapes=search_shapes(self.layers),
        )

    @cached_property
    def reverse(self) -> Reverse:
        """What is at a point: its address or street, and its ward (:class:`geo.reverse.Reverse`)."""
        return Reverse(self.layers.addresses, self.network, self.layers.wards)

    @cached_property
    def agency_points(self) -> tuple[np.ndarray, np.ndarray]:
        """Longitude and latitude of :attr:`agencies`, degrees."""
        return self.agencies.geometry.x.to_numpy(), self.agencies.geometry.y.to_numpy()

    def agencies_in(self, area: shapely.Geometry) -> np.ndarray:
        """Which of :attr:`agencies` lie in ``area`` (degrees; on its boundary counts), a boolean mask."""
        return shapely.intersects_xy(area, *self.agency_points)

    def area_of(self, record_id: str) -> tuple[shapely.Geometry | None, bool]:
        """The area or line the nearest agencies are sought from for a search record (:attr:`Located.area`),
        and whether its own agencies come first (:attr:`Located.within`): a landmark's own area (a lake) or a
        street's whole line, left from its edge; a ward's area, within; None for a record known by its point (a
        house, an agency). :class:`KeyError` when no record has that id."""
        shape = self.search.own_shape(record_id)
        return shape, shape is not None and self.search.kind(record_id) == "ward"

    @cached_property
    def agency_names(self) -> dict[str, str]:
        """The name of every agency of the layers (on the roads or not), by ``agency_id``."""
        frame = self.layers.agencies
        return dict(zip(frame["agency_id"].astype(str), frame["name"].astype(str), strict=True))

    @cached_property
    def agency_details(self) -> dict[str, dict[str, Any]]:
        """What a citizen needs to know of each agency, by ``agency_id`` (sources in :mod:`geo.agencies`).

        Each record has ``address``, ``operator``, ``opening_hours`` (OSM syntax), ``hours_source`` (``osm``
        or ``default``), ``public_service_agent`` and ``procedures`` (a list of codes).
        """
        frame = self.layers.agencies
        return {
            str(row.agency_id): {
                "address": str(row.address),
                "operator": str(row.operator),
                "opening_hours": str(row.opening_hours),
                "hours_source": str(row.hours_source),
                "public_service_agent": bool(row.public_service_agent),
                "procedures": [p for p in str(row.procedures).split(";") if p],
            }
            for row in frame.itertuples()
        }

    def snap(
        self, lons: np.ndarray, lats: np.ndarray, *, max_distance_m: float | None = snap.DEFAULT_MAX_DISTANCE_M
    ) -> snap.Snapped:
        """Snap points to this map's roads (raises :class:`geo._errors.OutOfAreaError` farther than
        ``max_distance_m`` from every road; None for no limit)."""
        return snap.to_edges(self.network, lons, lats, max_distance_m=max_distance_m)

    def geocode(self, text: str) -> pd.Series:
        """The best search hit for a typed address or name; :class:`InputError` when nothing matches,
        :class:`OutOfAreaError` when the address is in a province the map does not cover."""
        hits = self.search.query(text, k=1)
        if hits.empty:
            province = self.search.elsewhere(text)
            if province:
                raise OutOfAreaError(
                    f"address {text!r} is in {province}, outside this map",
                    code="address_elsewhere",
                    text=text,
                    province=province,
                )
            raise InputError(f"address not found: {text!r}")
        return hits.iloc[0]

    def locate(self, text: str) -> Located:
        """Where a typed text asks the nearest agencies from, and the procedure it asks where to take.

        An address or a place is the best search hit (:meth:`geocode`, same errors). A text asking where to take
        a procedure, or to hand in a dossier, near a place ("đổi bằng lái xe gần hồ gươm", "làm căn cước ở
        Hoàn Kiếm", "nộp hồ sơ gần hồ gươm") is that place, as the search reads it, with the procedure; one
        that names no place ("đổi bằng lái xe", "... gần đây") is an :class:`InputError`
        (``address_names_no_place``): the nearest from where, only the asker knows. A landmark with an area or
        a line of its own (a lake) comes with it (:attr:`Located.area`), to be left from its edge.
        """
        asked = _text.split_procedure(text)
        if asked is None:
            return self._located(self.geocode(text), None)
        procedure, _, where = asked
        if not fold(where).strip() or _text.asks_here(where):
            raise InputError(
                f"{text!r} asks where to take a procedure but names no place", code="address_names_no_place", text=text
            )
        answer = self.search.answer(text, k=1)
        if answer.place is None:  # the place is not one the search reads near: the place text alone
            return self._located(self.geocode(where), procedure)
        # A lake's or a ward's area, a street's line, a house's point: a point of it, whence the nearest road;
        # a landmark's area and a street's line are left from all round, a ward's agencies come first.
        point = shapely.point_on_surface(answer.place)
        area = None if answer.place.geom_type == "Point" else answer.place
        score = float(answer.hits[0]["score"])
        return Located(point.x, point.y, answer.near, score, procedure, area, answer.place_kind == "ward")

    def _located(self, hit: pd.Series, procedure: str | None) -> Located:
        """:meth:`locate`'s answer for a search hit: its point, with the area or line of a landmark, a ward or a
        street named without a house number (:meth:`area_of`)."""
        point = hit["kind"] == "street" and hit["match"] != "street"  # a house placed on its street
        area, within = (None, False) if point else self.area_of(str(hit["id"]))
        lon, lat = float(hit["lon"]), float(hit["lat"])
        return Located(lon, lat, str(hit["label"]), float(hit["score"]), procedure, area, within)


def search_records(layers: Layers) -> pd.DataFrame:
    """One searchable record per address, agency, authority, ward (at a point inside it) and landmark, with its
    other names (``other_names``). An agency's address, ward and operator are its street, so that "FPT Shop Cầu
    Giấy" finds the FPT Shop on Đường Cầu Giấy, "FPT Shop Đống Đa" the one in Phường Đống Đa (the chains name
    their shops alike) and "VNPost Tây Hồ" a post office of Vietnam Post named "Bưu điện Yên Phụ". A landmark
    that is already an address point, an agency or an authority is that record (with its other names, for an
    address point). A house mapped as several points is one record (:data:`SAME_ADDRESS_M`)."""
    columns = zip(layers.agencies["address"], layers.agencies["ward"], layers.agencies["operator"], strict=True)
    agencies = layers.agencies.assign(where=[", ".join(part for part in parts if part) for parts in columns])
    landmarks = layers.landmarks
    also_called = landmarks.set_index("landmark_id")["other_names"]
    addresses = _one_per_address(
        layers.addresses.assign(other_names=layers.addresses["address_id"].map(also_called).fillna(""))
    )

    def frame(gdf: gpd.GeoDataFrame, kind: str, id_column: str, street: str = "street") -> pd.DataFrame:
        points = gdf.geometry.representative_point()
        return pd.DataFrame(
            {
                "id": gdf[id_column].astype(str).values,
                "kind": kind,
                "name": gdf["name"].values,
                "housenumber": gdf["housenumber"].values if "housenumber" in gdf else "",
                "street": gdf[street].values if street in gdf else "",
                "other_names": gdf["other_names"].values if "other_names" in gdf else "",
                # A landmark said with its kind ("bảo tàng nhà tù hỏa lò", "khách sạn Sheraton").
                "said_names": (
                    [_landmarks.said_with_kind(n, c) for n, c in zip(gdf["name"], gdf["category"], strict=True)]
                    if kind == "landmark"
                    else ""
                ),
                # What an agency takes: "đổi bằng lái xe" lists the agencies taking driving licences.
                "procedures": gdf["procedures"].values if kind == "agency" else "",
                "lon": points.x.values,
                "lat": points.y.values,
            }
        )

    records = pd.concat(
        [
            frame(addresses, "address", "address_id"),
            frame(agencies, "agency", "agency_id", street="where"),
            frame(layers.authorities, "authority", "authority_id"),
            # A ward at its committee's seat where the map has it (geo.layers.ward_points).
            frame(layers.wards.set_geometry(_layers.ward_points(layers.wards, layers.authorities)), "ward", "ward_id"),
            # A landmark mapped as an address point is that point's record (merged into another's by
            # _one_per_address, it is that other's).
            frame(landmarks[~landmarks["landmark_id"].isin(layers.addresses["address_id"])], "landmark", "landmark_id"),
        ],
        ignore_index=True,
    )
    return records.drop_duplicates("id").reset_index(drop=True)


def search_shapes(layers: Layers) -> dict[str, shapely.Geometry]:
    """The areas and lines of the searchable records that have one (landmarks: a lake, a park, a market's
    building), by record id: the search measures "gần" (near) such a place from its edge."""
    landmarks = layers.landmarks
    drawn = landmarks[landmarks.geom_type != "Point"]
    return dict(zip(drawn["landmark_id"].astype(str), drawn.geometry, strict=True))


SAME_ADDRESS_M = 50.0
"""Address points of one house number and street closer than this (transitively) are one place in the search:
OSM maps some houses once per shop or clinic in them (36 Ngô Quyền 40 times), which listed one address many
times, m. Two houses of one number on a street are farther apart (the two "Ngõ 168" are in two wards)."""


def _one_per_address(addresses: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """One row per numbered address (:data:`SAME_ADDRESS_M`): the point of the name most of its points give
    (the first by id on a tie), found by the names and other names of all. Points without a house number are
    kept as they are."""
    keys = [
        f"{fold(str(number))}|{street_key(str(street))}" if isinstance(number, str) and number else f"#{i}"
        for i, (number, street) in enumerate(zip(addresses["housenumber"], addresses["street"], strict=True))
    ]
    place = same_place(keys, addresses.geometry, SAME_ADDRESS_M)
    if len(set(place.tolist())) == len(addresses):
        return addresses
    names = addresses["name"].fillna("").astype(str)
    # The most given name first, unnamed points last, then by id: the first row of each place is kept.
    given = names.groupby([place, names]).transform("size").where(names != "", 0)
    order = addresses.assign(_place=place, _given=given).sort_values(
        ["_place", "_given", "address_id"], ascending=[True, False, True], kind="stable"
    )
    kept = order.drop_duplicates("_place")
    others = order.groupby("_place", sort=False).apply(
        lambda rows: [n for text in (*rows["name"], *rows["other_names"]) for n in str(text or "").split(";")],
        include_groups=False,
    )
    kept = kept.assign(
        other_names=[
            ";".join(dict.fromkeys(n.strip() for n in found if n.strip() and fold(n) != fold(str(name or ""))))
            for name, found in zip(kept["name"], others.loc[kept["_place"]], strict=True)
        ]
    )
    return kept.drop(columns=["_place", "_given"]).sort_index()


def load(
    source: str | Path | None = None,
    *,
    profile: str = "motorbike",
    data_dir: Path | None = None,
    use_cache: bool = True,
    progress: Callable[[str], None] | None = None,
) -> AddressMap:
    """Build (or load from the cache) the network, read the layers and index the agencies.

    Parameters
    ----------
    source
        OSM extract path or place name; the default central-Hanoi extract when omitted.
    profile
        Travel profile name.
    data_dir
        Folder of the Hanoi data files (default :func:`geo.paths.data_dir`).
    use_cache
        Reuse a cached network for the same input and settings.
    progress
        Optional callable given a short description of each stage.

    Returns
    -------
    AddressMap
        The loaded map.
    """
    say = progress or (lambda _stage: None)
    net = network.build(source, profile=profile, use_cache=use_cache, progress=say)
    say("reading layers")
    layers = _layers.build(net, data_dir if data_dir is not None else paths.data_dir())
    say("indexing agencies")
    return assemble(net, layers)


def assemble(net: RoadNetwork, layers: Layers, *, allow_no_agency: bool = False) -> AddressMap:
    """A map of a built network and its layers: the agencies on its roads snapped and indexed.

    Parameters
    ----------
    net
        The road network.
    layers
        Its layers (:func:`geo.layers.build`, possibly clipped to a region).
    allow_no_agency
        Accept a map without any agency on its roads (a region where sites are planned from nothing); its
        agency table is then empty.

    Returns
    -------
    AddressMap
        The loaded map; :class:`InputError` when no agency lies on its roads, unless allowed.
    """
    agencies = layers.agencies
    lons, lats = agencies.geometry.x.values, agencies.geometry.y.values
    on_map = snap.road_distances(net, lons, lats) <= snap.DEFAULT_MAX_DISTANCE_M
    agencies = agencies[on_map].reset_index(drop=True)
    if agencies.empty and not allow_no_agency:
        raise InputError(f"no agency lies within {snap.DEFAULT_MAX_DISTANCE_M:.0f} m of this map's roads")
    points = snap.to_edges(net, agencies.geometry.x.values, agencies.geometry.y.values)
    table = matrix.target_table(net, points)
    log.info("%d of %d agencies on the map", len(agencies), len(layers.agencies))
    return AddressMap(net, layers, agencies, table)
