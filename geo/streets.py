"""Streets of the road network as searchable places, and house numbers located along them.

Only 1,454 address points of central Hanoi carry ``addr:housenumber``; most addresses a citizen types are
found through their street. This module groups the named edges of the network into streets and places a
house number on its street by interpolating between the numbered address points of that street.

- **Streets** are the network's edges grouped by name (OSM ``name``; osmnx joins the names of merged ways with
  ``"; "``, so an edge can belong to two streets). Names are grouped by their :func:`street_key`, so "Phố Hàng
  Bông" and "Hàng Bông", or the two tone placements of "Xuân Thủy", are one street. Numbered alleys named
  without their street ("Ngõ 378") are split into their connected pieces, and each piece is given the street it
  opens on: the named road that most of its end nodes touch.
- **House numbers**: Vietnamese streets number odd houses on one side and even on the other, each rising along
  the street. A number is placed by linear interpolation between the two numbered points of its side that
  bracket it (taken on the street's centre line), then moved onto the street; beyond them, by extrapolation on
  the chord of its side's first and last points (the spacing of a whole side, steadier than that of two
  neighbours), no further than the street's end. The two sides rise together: a number further beyond its
  side's points than they span is placed between the points of both sides that bracket it ("120 Lê Duẩn"
  between 49 and 129 when the even side has only 222 and 226). With fewer than two same-parity points, both
  sides are used; with fewer than two points in all, the answer is the street's middle. Placing each numbered
  house of the map with its own point left out (5-fold, tests/test_streets.py), 78% land within 50 m of it,
  median 19 m.
  :meth:`Streets.locate` says which: ``interpolated`` or ``street``.
- **Alley mouths** number streets too: Hanoi names an alley after the house beside which it opens ("Ngõ 186
  Đường Bưởi" opens beside 186 Đường Bưởi, "Ngách 18 Ngõ 575 Kim Mã" beside 18 of Ngõ 575). The point where a
  numbered alley of the map meets the street it opens on is a numbered point of that street, like an address.
  The map has ten times more numbered alleys than streets with two numbered addresses.
"""

from __future__ import annotations

import bisect
import logging
import re
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import shapely
from scipy.sparse import coo_array
from scipy.sparse.csgraph import connected_components

from geo import _text
from geo.network import RoadNetwork

logger = logging.getLogger(__name__)

MAX_ANCHOR_DISTANCE_M = 80.0
# "Ngõ 186 Đường Bưởi", "Ngách 18 Ngõ 575 Kim Mã", "Ngõ 378" (its street in ``opens_on``); not "Ngách 105/2 ...",
# whose number is that of another alley.
_NUMBERED_ALLEY = re.compile(r"^(?:Ngõ|Ngách|Hẻm|Kiệt) (\d+)[A-Za-z]?(?: (\D.*))?$")
# An alley's mouth is where its line meets its street's: the two touch, up to the width of a junction.
_MOUTH_DISTANCE_M = 15.0
"""An address point farther than this from its street's centre line is not used to place numbers (its
``addr:street`` names another piece of road, or the point is a building deep in an alley)."""

STREET_TYPE_WORDS = frozenset({"pho", "duong", "d", "dg"})
"""Folded words that say what kind of street follows ("Phố", "Đường"); left out of :func:`street_key`."""

_BARE_ALLEY = re.compile(r"^(ngo|ngach|hem|kiet) [\d/]+[a-z]?$")
_PLAIN_NUMBER = re.compile(r"^(\d+)[a-z]?$")


def street_key(name: str) -> str:
    """The key under which street names are the same: folded, without "Phố"/"Đường".

    Examples
    --------
    >>> street_key("Phố Hàng Bông") == street_key("Hàng Bông") == "hang bong"
    True
    >>> street_key("Ngõ 1 Phố Trần Quốc Hoàn")
    'ngo 1 tran quoc hoan'
    """
    words = _text.tokens(name)
    kept = [w for w in words if w not in STREET_TYPE_WORDS]
    return " ".join(kept or words)


def house_base(housenumber: str) -> int | None:
    """The integer of a plain house number ("12", "12A"), None for slashes, ranges and words."""
    hit = _PLAIN_NUMBER.match(_text.strip_marks(str(housenumber)).replace(" ", ""))
    return int(hit[1]) if hit else None


@dataclass
class _Anchors:
    """Numbered address points of one street: house number and the point of the street nearest it (x, y in
    the network's CRS, m), by number."""

    numbers: np.ndarray
    xy: np.ndarray


class Streets:
    """Named streets of a road network, with the numbered address points along each.

    Build with :meth:`from_network`. ``frame`` has one row per street: ``street_id`` (``street:<n>``), ``name``
    (with diacritics, the most used spelling), ``opens_on`` (for an alley named only by its number, the street
    it opens on; else empty), ``length_m``, ``lon``/``lat`` (the street's middle: the point of the street
    nearest its centroid) and ``anchors`` (numbered address points used).
    """

    def __init__(
        self, frame: pd.DataFrame, geometry: list[shapely.Geometry], anchors: list[_Anchors], network: RoadNetwork
    ) -> None:
        self.frame = frame
        self._geometry = geometry
        self._row = {sid: i for i, sid in enumerate(frame["street_id"])}
        # The middles as lists: read per search, where a frame's cell costs more than the rest of the lookup.
        self._middle = list(zip(frame["lon"].astype(float).tolist(), frame["lat"].astype(float).tolist(), strict=True))
        self._to_wgs84 = network.to_wgs84
        self._sides = [_sides(a) for a in anchors]
        self._lines: dict[str, shapely.Geometry] = {}

    @classmethod
    def from_network(cls, network: RoadNetwork, addresses: pd.DataFrame | None = None) -> Streets:
        """Group the named edges of ``network`` into streets and attach the numbered ``addresses``.

        Parameters
        ----------
        network
            Road network; its ``edge_name`` gives the streets.
        addresses
            Address points with ``housenumber``, ``street`` and a point ``geometry`` in EPSG:4326 (the
            ``addresses`` layer); only plain numbers ("12", "12A") whose street is found are used.

        Returns
        -------
        Streets
            The streets; a few thousand on the central-Hanoi map, built in about a second.
        """
        pieces = _pieces(network)
        frame, geometry = _streets(network, pieces)
        anchors = _attach(frame, geometry, network, addresses)
        frame["anchors"] = [len(a.numbers) for a in anchors]
        logger.info("streets: %d, with %d numbered points", len(frame), int(frame["anchors"].sum()))
        return cls(frame, geometry, anchors, network)

    def __len__(self) -> int:
        """Number of streets."""
        return len(self.frame)

    def records(self) -> pd.DataFrame:
        """The streets as search records (:meth:`geo.search.SearchIndex.from_frame` columns, kind ``street``)."""
        return pd.DataFrame(
            {
                "id": self.frame["street_id"],
                "kind": "street",
                "name": self.frame["name"],
                "housenumber": "",
                "street": self.frame["opens_on"],
                "lon": self.frame["lon"],
                "lat": self.frame["lat"],
            }
        )

    def lines(self) -> dict[str, shapely.Geometry]:
        """Each street's line in longitude/latitude, by ``street_id``."""
        lines = self._in_degrees(np.asarray(self._geometry, dtype=object))
        return dict(zip(self.frame["street_id"].astype(str), lines, strict=True))

    def line(self, street_id: str) -> shapely.Geometry:
        """The street's line in longitude/latitude (kept once asked: the search measures from it per query)."""
        line = self._lines.get(street_id)
        if line is None:
            line = self._lines[street_id] = self._in_degrees(self._geometry[self._row[street_id]])
        return line

    def _in_degrees(self, geometry: Any) -> Any:
        """``geometry`` (one or an array) from the network's CRS to longitude/latitude."""
        to_wgs84 = self._to_wgs84
        return shapely.transform(geometry, lambda xy: np.column_stack(to_wgs84.transform(xy[:, 0], xy[:, 1])))

    def can_interpolate(self, street_id: str) -> bool:
        """Whether house numbers on the street are placed by interpolation (two numbered points or more)."""
        return self._sides[self._row[street_id]] is not None

    def locate(self, street_id: str, number: int) -> tuple[float, float, str]:
        """Where house ``number`` lies on a street.

        Returns
        -------
        tuple
            Longitude and latitude (degrees) and how it was found: ``interpolated`` between numbered points of
            the street, or ``street`` (its middle) when the street has fewer than two.
        """
        i = self._row[street_id]
        sides = self._sides[i]
        if sides is None:
            return *self._middle[i], "street"
        x, y = _chord_point(sides[number % 2], sides[2], number)
        # The street's point nearest the chord's: a street drawn in several pieces is a MultiLineString, on
        # which GEOS's interpolate does not undo its project (it placed "2 Hàng Bông" 600 m away).
        point = shapely.get_point(shapely.shortest_line(self._geometry[i], shapely.Point(x, y)), 0)
        lon, lat = self._to_wgs84.transform(point.x, point.y)
        return float(lon), float(lat), "interpolated"


_Side = tuple[list[int], list[tuple[float, float]]]
"""Numbered points of a street, house numbers rising, and their positions (x, y) in the network's CRS."""


def _sides(anchors: _Anchors) -> tuple[_Side, _Side, _Side] | None:
    """Numbers and positions used for even and for odd house numbers (the points of that side when it has two or
    more, else all of them), then all of them; None when the street has fewer than two."""
    if len(anchors.numbers) < 2:
        return None
    every = np.ones(len(anchors.numbers), dtype=bool)
    sides = []
    for parity in (0, 1, None):
        same = every if parity is None else anchors.numbers % 2 == parity
        numbers, xy = (anchors.numbers[same], anchors.xy[same]) if same.sum() >= 2 else (anchors.numbers, anchors.xy)
        sides.append((numbers.tolist(), [(float(x), float(y)) for x, y in xy]))
    return sides[0], sides[1], sides[2]


def _chord_point(side: _Side, both: _Side, number: int) -> tuple[float, float]:
    """Where ``number`` lies on the chord of the two numbered points that place it (see the module): the two of
    its ``side`` bracketing it; for a number further beyond its side's points than they span, the two of ``both``
    sides bracketing it; else the first and last of its side, extrapolated. The point is taken on a chord, not
    along the street: the pieces of a street drawn in several have no common origin, a chord has. Plain floats:
    numpy's calls cost more than this arithmetic on one point."""
    low, high = side[0][0], side[0][-1]
    numbers, xy = both if max(low - number, number - high) > high - low else side
    at = bisect.bisect_left(numbers, number)
    if at < len(numbers) and (at > 0 or numbers[0] == number):
        first, last = max(at, 1) - 1, max(at, 1)
    else:
        (numbers, xy), first, last = side, 0, -1
    n0, n1 = numbers[first], numbers[last]
    t = (number - n0) / (n1 - n0)
    (x0, y0), (x1, y1) = xy[first], xy[last]
    return x0 + t * (x1 - x0), y0 + t * (y1 - y0)


def _pieces(network: RoadNetwork) -> pd.DataFrame:
    """One row per (undirected edge, name): a two-way road's two edges count once."""
    keep = (network.edge_rev < 0) | (np.arange(network.n_edges) < network.edge_rev)
    edge = np.flatnonzero(keep)
    rows = [(j, part.strip()) for j in edge for part in str(network.edge_name[j]).split(";") if part.strip()]
    frame = pd.DataFrame(rows, columns=["edge", "name"])
    frame["key"] = frame["name"].map(street_key)
    frame["bare_alley"] = frame["key"].str.match(_BARE_ALLEY.pattern)
    return frame


def _streets(network: RoadNetwork, pieces: pd.DataFrame) -> tuple[pd.DataFrame, list[shapely.Geometry]]:
    """Streets grouped by key; bare numbered alleys split by connected piece, with the street they open on."""
    u, v = network.edge_u, network.edge_v
    groups: list[tuple[str, np.ndarray]] = []
    for key, rows in pieces.groupby("key", sort=True):
        edges = rows["edge"].to_numpy()
        if not rows["bare_alley"].iat[0]:
            groups.append((str(key), edges))
            continue
        nodes, index = np.unique(np.concatenate([u[edges], v[edges]]), return_inverse=True)
        adjacency = coo_array(
            (np.ones(len(edges)), (index[: len(edges)], index[len(edges) :])), shape=(len(nodes), len(nodes))
        )
        _, label = connected_components(adjacency, directed=False)
        for part in np.unique(label[index[: len(edges)]]):
            groups.append((str(key), edges[label[index[: len(edges)]] == part]))

    # Main streets by the nodes they touch, for the alleys' "opens on".
    named = pieces[~pieces["bare_alley"] & ~pieces["key"].str.match(r"^(ngo|ngach|hem|kiet) ")]
    by_node: dict[int, dict[str, float]] = {}
    for edge, name in zip(named["edge"], named["name"], strict=True):
        for node in (u[edge], v[edge]):
            by_node.setdefault(int(node), {}).setdefault(name, 0.0)
            by_node[int(node)][name] += float(network.edge_length[edge])

    spelling = (
        pieces.assign(length=network.edge_length[pieces["edge"]])
        .groupby(["key", "name"])["length"]
        .sum()
        .reset_index()
        .sort_values(["key", "length", "name"], ascending=[True, False, True])
        .drop_duplicates("key")
        .set_index("key")["name"]
    )
    names, opens_on, geometry = [], [], []
    for key, edges in groups:
        name = spelling[key]
        names.append(name)
        geometry.append(shapely.line_merge(shapely.union_all(network.edge_geom[edges])))
        opens = ""
        if _BARE_ALLEY.match(key):
            touching: dict[str, float] = {}
            for node in np.concatenate([u[edges], v[edges]]):
                for other, weight in by_node.get(int(node), {}).items():
                    touching[other] = touching.get(other, 0.0) + weight
            opens = max(sorted(touching), key=touching.__getitem__) if touching else ""
        opens_on.append(opens)
    middles = shapely.line_interpolate_point(geometry, shapely.line_locate_point(geometry, shapely.centroid(geometry)))
    lon, lat = network.to_wgs84.transform(shapely.get_x(middles), shapely.get_y(middles))
    frame = pd.DataFrame(
        {
            "street_id": [f"street:{i}" for i in range(len(groups))],
            "name": names,
            "opens_on": opens_on,
            "key": [key for key, _ in groups],
            "length_m": shapely.length(geometry),
            "lon": lon,
            "lat": lat,
        }
    )
    return frame, geometry


def _mouths(
    frame: pd.DataFrame, geometry: list[shapely.Geometry], rows_by_key: dict[str, list[int]]
) -> list[tuple[int, int, float, float]]:
    """Numbered alleys' mouths as numbered points of the streets they open on: street row, number, x, y."""
    out = []
    for alley, (name, opens_on) in enumerate(zip(frame["name"], frame["opens_on"], strict=True)):
        named = _NUMBERED_ALLEY.match(str(name))
        street = (named.group(2) or str(opens_on or "")) if named else ""
        rows = [r for r in rows_by_key.get(street_key(street), []) if r != alley] if street else []
        if named is None or not rows:
            continue
        row = min(rows, key=lambda r: geometry[r].distance(geometry[alley]))
        mouth = shapely.shortest_line(geometry[alley], geometry[row])
        if mouth.length <= _MOUTH_DISTANCE_M:
            x, y = mouth.coords[-1]
            out.append((row, int(named.group(1)), x, y))
    return out


def _attach(
    frame: pd.DataFrame, geometry: list[shapely.Geometry], network: RoadNetwork, addresses: pd.DataFrame | None
) -> list[_Anchors]:
    """Numbered points of each street (alley mouths and address points), as house numbers and positions."""
    empty = _Anchors(np.zeros(0, dtype=np.int64), np.zeros((0, 2)))
    found: list[list[tuple[int, float, float]]] = [[] for _ in range(len(frame))]
    rows_by_key: dict[str, list[int]] = {}
    for i, key in enumerate(frame["key"]):
        rows_by_key.setdefault(key, []).append(i)
    for row, alley_number, x, y in _mouths(frame, geometry, rows_by_key):
        found[row].append((alley_number, x, y))
    if addresses is not None and len(addresses):
        points = addresses.geometry
        xs, ys = network.from_wgs84.transform(points.x.to_numpy(), points.y.to_numpy())
        for hn, street, x, y in zip(addresses["housenumber"], addresses["street"], xs, ys, strict=True):
            number = house_base(hn) if isinstance(hn, str) and hn else None
            rows = rows_by_key.get(street_key(street)) if isinstance(street, str) and street else None
            if number is None or not rows:
                continue
            point = shapely.Point(x, y)
            best = min(rows, key=lambda r: geometry[r].distance(point))
            if geometry[best].distance(point) <= MAX_ANCHOR_DISTANCE_M:
                (x_on, y_on), _ = shapely.shortest_line(geometry[best], point).coords
                found[best].append((number, x_on, y_on))
    out = []
    for items in found:
        if not items:
            out.append(empty)
            continue
        # One position per number (a house mapped twice, or "12" and "12A"): their mean.
        table = pd.DataFrame(items, columns=["number", "x", "y"]).groupby("number")[["x", "y"]].mean()
        out.append(_Anchors(table.index.to_numpy(dtype=np.int64), table.to_numpy(dtype=float)))
    return out
