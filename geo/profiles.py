"""Travel profiles: which OSM ways a vehicle may use, how fast, and which one-way rules bind it.

Every default carries its unit and its source. Speeds are *typical travelling* speeds in Hanoi traffic, not
legal limits; a way's ``maxspeed`` only caps them.

Sources
-------
- [HMDC] Hanoi Motorcycle Driving Cycle, 343 real trips: mean speed 20.4 km/h, maximum 39.4 km/h (Le et al.,
  Hanoi University of Science and Technology, 2012).
- [QC] Circular 31/2019/TT-BGTVT, art. 6-7: urban limits 60 km/h on divided roads, 50 km/h on undivided ones;
  Circular 38/2024/TT-BGTVT keeps those limits for motorbikes in residential areas.
- [ASSUMPTION] No per-class measurement was found; the per-class split is an engineering assumption, chosen
  so that arterial classes stay under the HMDC maximum and the mean speed of fastest routes between random
  points of the central-Hanoi network (length over time, as HMDC measured trips) is near the HMDC mean;
  ``bench/matrix.py`` prints that figure.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field

from geo._errors import InputError

MOTORBIKE_SPEEDS_KMH: dict[str, float] = {
    "trunk": 30.0,  # [HMDC] max 39.4 km/h over a whole trip; ring roads / trunk in free flow ~30 [ASSUMPTION]
    "trunk_link": 25.0,  # [ASSUMPTION] ramps slower than their road
    "primary": 25.0,  # [ASSUMPTION] arterials, signalised: above the HMDC mean of 20.4
    "primary_link": 22.0,  # [ASSUMPTION]
    "secondary": 22.0,  # [ASSUMPTION]
    "secondary_link": 20.0,  # [ASSUMPTION]
    "tertiary": 20.4,  # [HMDC] mean trip speed, used for the median street class
    "tertiary_link": 18.0,  # [ASSUMPTION]
    "unclassified": 18.0,  # [ASSUMPTION] minor streets
    "residential": 16.0,  # [ASSUMPTION] residential streets, mixed with pedestrians and parked bikes
    "living_street": 12.0,  # [ASSUMPTION]
    "service": 10.0,  # [ASSUMPTION] alleys (ngõ, ngách) under 5 m wide: walking-pace segments
    "track": 10.0,  # [ASSUMPTION]
}
"""Motorbike travelling speed per ``highway`` class, km/h."""

CAR_SPEEDS_KMH: dict[str, float] = {
    "motorway": 60.0,  # [QC] below the 80-100 km/h expressway limits: urban ring expressways in traffic
    "motorway_link": 40.0,  # [ASSUMPTION]
    "trunk": 30.0,  # [ASSUMPTION] same as motorbike: both are bound by the same traffic
    "trunk_link": 25.0,
    "primary": 22.0,  # [ASSUMPTION] cars slightly slower than motorbikes in mixed traffic
    "primary_link": 20.0,
    "secondary": 20.0,
    "secondary_link": 18.0,
    "tertiary": 18.0,
    "tertiary_link": 16.0,
    "unclassified": 15.0,
    "residential": 12.0,
    "living_street": 8.0,
    "service": 8.0,
}
"""Car travelling speed per ``highway`` class, km/h."""

ONEWAY_TRUE = frozenset({"yes", "true", "1", "-1", "reverse"})
"""Values of ``oneway`` that make a way one-way (``-1``/``reverse``: against the drawing direction)."""

ALLOWED_ACCESS = frozenset({"yes", "designated", "permissive", "destination", "customers", "official"})
"""Access values that let a vehicle use a way; ``private``, ``permit`` and ``no`` bar it."""


@dataclass(frozen=True)
class Profile:
    """A travel mode: allowed ways, access tags consulted, one-way rules and speeds.

    Attributes
    ----------
    name
        Profile name used on the command line.
    highways
        ``highway`` values the vehicle may use.
    excluded_services
        ``service`` values never used (e.g. parking aisles for cars).
    access_keys
        Access tags from the most general to the most specific; the most specific present tag decides
        (OSM access hierarchy: ``access`` < ``vehicle`` < ``motor_vehicle`` < ``motorcycle``/``motorcar``).
    oneway_override
        Mode-specific one-way tag (e.g. ``oneway:motorcycle``) whose ``no`` lifts a general ``oneway``.
    speeds_kmh
        Travelling speed per ``highway`` class, km/h.
    """

    name: str
    highways: frozenset[str]
    excluded_services: frozenset[str]
    access_keys: tuple[str, ...]
    oneway_override: str | None
    speeds_kmh: Mapping[str, float] = field(default_factory=dict)

    def allows(self, tags: Mapping[str, str]) -> bool:
        """Whether a way with these OSM tags is usable under this profile."""
        if tags.get("highway") not in self.highways or tags.get("area") == "yes":
            return False
        if tags.get("service") in self.excluded_services:
            return False
        for key in reversed(self.access_keys):
            if key in tags:
                return tags[key] in ALLOWED_ACCESS
        return True

    def normalise(self, tags: Mapping[str, str]) -> dict[str, str]:
        """Tags rewritten so that osmnx's one-way rules give this profile's directions.

        A mode-specific ``oneway:*=no`` lifts ``oneway``; ``junction=circular`` implies one-way as
        ``roundabout`` does (OSM wiki), which osmnx does not know.
        """
        out = dict(tags)
        if self.oneway_override and out.get(self.oneway_override) == "no":
            out["oneway"] = "no"
            out.pop("junction", None)
        elif out.get("junction") == "circular" and "oneway" not in out:
            out["oneway"] = "yes"
        return out

    def overpass_filter(self) -> str:
        """The same rules as an Overpass way filter, for downloads by place name."""
        highways = "|".join(sorted(self.highways))
        parts = [f'["highway"~"^({highways})$"]', '["area"!~"yes"]']
        if self.excluded_services:
            parts.append(f'["service"!~"^({"|".join(sorted(self.excluded_services))})$"]')
        parts += [f'["{key}"!~"^(no|private|permit)$"]' for key in self.access_keys]
        return "".join(parts)

    def fingerprint(self) -> str:
        """A short hash of every setting, for cache keys."""
        data = asdict(self)
        data = {k: sorted(v) if isinstance(v, frozenset) else v for k, v in data.items()}
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=dict).encode()).hexdigest()[:12]


MOTORBIKE = Profile(
    name="motorbike",
    # Motorbikes are banned from expressways (motorway); OSM Vietnam maps alleys as highway=service + alley.
    highways=frozenset(MOTORBIKE_SPEEDS_KMH),
    excluded_services=frozenset({"emergency_access"}),
    access_keys=("access", "vehicle", "motor_vehicle", "motorcycle"),
    oneway_override="oneway:motorcycle",
    speeds_kmh=MOTORBIKE_SPEEDS_KMH,
)

CAR = Profile(
    name="car",
    # osmnx "drive_service": public drivable streets with service roads, minus parking and emergency access.
    highways=frozenset(CAR_SPEEDS_KMH),
    excluded_services=frozenset({"emergency_access", "parking", "parking_aisle", "private"}),
    access_keys=("access", "vehicle", "motor_vehicle", "motorcar"),
    oneway_override=None,
    speeds_kmh=CAR_SPEEDS_KMH,
)

PROFILES: dict[str, Profile] = {p.name: p for p in (MOTORBIKE, CAR)}


def get(name: str) -> Profile:
    """The profile called ``name``; raises :class:`InputError` listing the known ones otherwise."""
    try:
        return PROFILES[name]
    except KeyError:
        raise InputError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
