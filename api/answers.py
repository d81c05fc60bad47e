"""Nearest-agency answers encoded for speed: each agency's fixed part ahead of time, routes in compiled code.

An answer lists up to 20 agencies, each with its details and its route (a few hundred coordinates in all).
Built as Python dicts and lists and serialised by orjson, the answer took several times the work of finding the
agencies and their routes (bench/api.py). Here each agency's identity and details are encoded once, at start-up,
and one compiled call writes the list: the fixed parts copied, the numbers written as decimals. What is done
by hand is the decimal writing, which no JSON library does from numba: times and distances to 0.1 (as
``round(x, 1)`` in the answers before), coordinates to 7 decimals (about 1 cm), trailing zeros dropped.
"""

from __future__ import annotations

import functools
import math
from datetime import datetime
from typing import Any

import numpy as np
import orjson
from numba import njit

from geo import hours
from geo.addressmap import AddressMap
from geo.nearest import Found

COORDINATE_DECIMALS = 7
"""Decimals of the routes' coordinates in answers (1e-7 degree is about 1 cm)."""


def _bytes(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


_TIME = _bytes(',"travel_time_s":')
_DISTANCE = _bytes(',"distance_m":')
_LINE = _bytes(',"geometry":{"type":"LineString","coordinates":[')
_NULL = _bytes("null")


class NearestAnswers:
    """The agencies of a map encoded for nearest-agency answers, with their filters.

    Parameters
    ----------
    amap
        The loaded map; its agencies in :attr:`geo.addressmap.AddressMap.agencies` order.
    """

    def __init__(self, amap: AddressMap) -> None:
        ids, names, kinds = amap.agency_labels
        records = [
            {"agency_id": i, "name": n, "kind": k} | amap.agency_details[i]
            for i, n, k in zip(ids, names, kinds, strict=True)
        ]
        parts = [orjson.dumps(r)[:-1] for r in records]  # without the closing brace: open_now and route follow
        self.fragments, self.fragment_offset = _joined(parts)
        self.hours = sorted({r["opening_hours"] for r in records})
        """The agencies' distinct opening hours (a handful: most are their kind's default)."""
        index = {h: i for i, h in enumerate(self.hours)}
        self.hours_id = np.array([index[r["opening_hours"]] for r in records], dtype=np.int64)
        codes = sorted({c for r in records for c in r["procedures"]})
        self.procedures = {c: np.array([c in r["procedures"] for r in records]) for c in codes}
        self.procedures[""] = np.array([bool(r["procedures"]) for r in records])  # any: the public-service agents
        self.none = np.zeros(len(records), dtype=bool)

    @functools.lru_cache(maxsize=256)  # noqa: B019 (one instance per map, kept for the service's life)
    def open_at(self, minute: datetime) -> np.ndarray:
        """Which agencies are open at ``minute`` (local time, naive, seconds dropped); read-only."""
        mask = np.array([hours.is_open(h, minute) for h in self.hours])[self.hours_id]
        mask.flags.writeable = False
        return mask

    @functools.lru_cache(maxsize=256)  # noqa: B019
    def state_at(self, minute: datetime) -> tuple[np.ndarray, np.ndarray]:
        """``open_now`` and ``changes_at`` at ``minute`` of each of :attr:`hours`, as JSON member fragments
        (``,"open_now":true,"changes_at":"2026-02-21T07:30"``) and their offsets."""
        return _joined([b"," + orjson.dumps(hours.state(h, minute))[1:-1] for h in self.hours])

    def among(self, procedure: str | None, open_now: bool, when: datetime) -> np.ndarray | None:
        """The agencies that accept ``procedure`` (``""``: any one, the public-service agents; None: every
        agency) and, with ``open_now``, are open ``when``; None when both filters are off."""
        if procedure is None and not open_now:
            return None
        mask = self.procedures.get(procedure, self.none) if procedure is not None else ~self.none
        return mask & self.open_at(when.replace(second=0, microsecond=0)) if open_now else mask

    def answer(
        self,
        found: Found,
        lon: float,
        lat: float,
        label: str | None,
        when: datetime,
        said: dict[str, Any],
        area: dict[str, Any] | None = None,
        within: bool = False,
    ) -> bytes:
        """The JSON answer (:class:`api.schemas.NearestAnswer`): the origin asked (``lon``, ``lat``, the
        address's ``label``, the ``area`` left from or, ``within``, whose agencies come first, a GeoJSON
        geometry) with its distance to the road, the time asked, what else is ``said`` of the answer (the
        holiday, the procedure), and :meth:`agencies` at that time."""
        road = round(float(found.point.distance_m[0]), 1)
        inside = found.inside if within else None
        origin = {"lon": lon, "lat": lat, "label": label, "road_distance_m": road, "area": area, "inside": inside}
        head = {"origin": origin, "at": when.isoformat(timespec="minutes")} | said
        return orjson.dumps(head)[:-1] + b',"agencies":' + self.agencies(found, when) + b"}"

    def agencies(self, found: Found, when: datetime) -> bytes:
        """The JSON list of the agencies found, each with its details, ``open_now`` at ``when`` and when that
        changes, time, distance and route (a GeoJSON LineString)."""
        state, state_offset = self.state_at(when.replace(second=0, microsecond=0))
        return _write(
            self.fragments,
            self.fragment_offset,
            found.targets,
            found.travel_time_s,
            found.distance_m,
            self.hours_id,
            state,
            state_offset,
            found.coords,
            found.offset,
        ).tobytes()


def _joined(parts: list[bytes]) -> tuple[np.ndarray, np.ndarray]:
    """``parts`` as one byte array and the offsets where each begins (and the last ends)."""
    offset = np.concatenate([[0], np.cumsum([len(p) for p in parts])]).astype(np.int64)
    return np.frombuffer(b"".join(parts), dtype=np.uint8), offset


@njit(cache=True)
def _put(out: np.ndarray, n: int, piece: np.ndarray) -> int:
    """Copy ``piece`` to ``out[n:]``; the next free position."""
    out[n : n + len(piece)] = piece
    return n + len(piece)


@njit(cache=True)
def _decimal(out: np.ndarray, n: int, x: float, decimals: int) -> int:
    """Write ``x`` rounded to ``decimals`` with its trailing zeros dropped (one kept), or ``null`` when not
    finite as orjson would; the next free position."""
    if not math.isfinite(x):
        return _put(out, n, _NULL)
    if x < 0:
        out[n] = 45  # -
        n += 1
        x = -x
    # Unsigned: numba's signed // and % keep Python's floor semantics, a branch per digit.
    value = np.uint64(math.floor(x * 10.0**decimals + 0.5))
    ten = np.uint64(10)
    kept = decimals
    while kept > 1 and value % ten == 0:
        value //= ten
        kept -= 1
    whole = value
    for _ in range(kept):
        whole //= ten
    width = 1
    rest = whole // ten
    while rest:
        rest //= ten
        width += 1
    end = n + width + kept  # the last digit; the point sits at n + width
    for i in range(kept):
        out[end - i] = 48 + value % ten
        value //= ten
    out[n + width] = 46  # .
    for i in range(width):
        out[n + width - 1 - i] = 48 + value % ten
        value //= ten
    return end + 1


@njit(cache=True)
def _write(
    fragments: np.ndarray,
    fragment_offset: np.ndarray,
    targets: np.ndarray,
    times: np.ndarray,
    lengths: np.ndarray,
    hours_id: np.ndarray,
    state: np.ndarray,
    state_offset: np.ndarray,
    coords: np.ndarray,
    offset: np.ndarray,
) -> np.ndarray:
    """The JSON list of the agencies ``targets`` (rows of the fragments), as UTF-8 bytes: each agency's
    fragment, the state of its hours (``state`` rows by ``hours_id``), its time and length (per answer row) and
    its route (``coords`` rows ``offset[i]:offset[i + 1]``)."""
    # Room enough: 24 bytes per coordinate, 160 per agency besides its fragment and its hours' state.
    size = 2 + len(coords) * 2 * 24
    for t in targets:
        h = hours_id[t]
        size += fragment_offset[t + 1] - fragment_offset[t] + state_offset[h + 1] - state_offset[h] + 160
    out = np.empty(size, dtype=np.uint8)
    out[0] = 91  # [
    n = 1
    for i in range(len(targets)):
        t = targets[i]
        if i:
            out[n] = 44  # ,
            n += 1
        n = _put(out, n, fragments[fragment_offset[t] : fragment_offset[t + 1]])
        n = _put(out, n, state[state_offset[hours_id[t]] : state_offset[hours_id[t] + 1]])
        n = _put(out, n, _TIME)
        n = _decimal(out, n, times[i], 1)
        n = _put(out, n, _DISTANCE)
        n = _decimal(out, n, lengths[i], 1)
        n = _put(out, n, _LINE)
        for j in range(offset[i], offset[i + 1]):
            if j > offset[i]:
                out[n] = 44
                n += 1
            out[n] = 91
            n = _decimal(out, n + 1, coords[j, 0], COORDINATE_DECIMALS)
            out[n] = 44
            n = _decimal(out, n + 1, coords[j, 1], COORDINATE_DECIMALS)
            out[n] = 93  # ]
            n += 1
        out[n], out[n + 1], out[n + 2] = 93, 125, 125  # ]}}
        n += 3
    out[n] = 93
    return out[: n + 1]
