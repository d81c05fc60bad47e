"""A dispatch plan: per postman the ordered stops with their times and loads, and the unserved tasks.

Plans are plain data: :attr:`Plan.stops` is a table, :meth:`Plan.to_dict` is JSON-ready. Stops carry the
place id and matrix index so that route geometry can be attached later without the solver.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import pandas as pd

StopKind = Literal["start", "position", "pickup", "delivery", "visit", "end"]


@dataclass(frozen=True)
class Stop:
    """One stop of a route; times in seconds since midnight, load in dossier units after the stop.

    ``arrival`` is when the postman is ready at the place (after any break taken on the way and, coming from
    another place, the place's setup: parking, the guard's desk), ``start`` when service begins (after waiting
    for the window), ``departure`` when service ends.
    """

    kind: StopKind
    place: str
    place_index: int
    arrival: int
    start: int
    departure: int
    load: int
    task: str | None = None


@dataclass(frozen=True)
class Route:
    """The day of one postman: stops from start depot to end depot, and the break if one is taken.

    ``distance`` is in metres and ``travel_time`` in seconds (driving only); ``cost`` in cost units (VND)
    prices the distance and the time driving and setting up at places, and includes the postman's fixed cost
    when the route serves at least one task. A ``closed`` route is the day of a postman whose shift had ended when
    the plan was re-optimised: it stays as it was planned and takes no task more.
    """

    postman: str
    stops: tuple[Stop, ...]
    distance: int
    travel_time: int
    cost: int
    break_start: int | None = None
    break_end: int | None = None
    closed: bool = False

    @property
    def used(self) -> bool:
        """Whether the route serves any task."""
        return len(self.stops) > 2


@dataclass(frozen=True)
class Reason:
    """Why a task cannot be or was not served: in English words, with a machine code and the values the words
    name, for the faces to say it in another language.

    Attributes
    ----------
    text
        The words, with the numbers (``load 9 exceeds every postman's capacity (largest 6)``).
    code
        What kind of reason (``over_capacity``, ``pickup_unreachable``, ``no_route_fits`` ...).
    values
        The values ``text`` names, by name (``load``, ``largest`` ...), as plain JSON values.
    """

    text: str
    code: str
    values: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Unserved:
    """A task left undone and why, found by analysing the problem and the plan: ``reason`` in words, ``code`` and
    ``values`` as in :class:`Reason` (``unexplained`` and none for a plan stored before they were given)."""

    task: str
    reason: str
    code: str = "unexplained"
    values: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, task: str, why: Reason) -> Unserved:
        """The unserved ``task`` for ``why``."""
        return cls(task, why.text, why.code, why.values)

    @property
    def why(self) -> Reason:
        """The reason, with its code and values."""
        return Reason(self.reason, self.code, self.values)


@dataclass(frozen=True)
class Plan:
    """The result of dispatch: one route per postman and the unserved tasks.

    ``objective`` is the solver's objective (route costs plus drop penalties, cost units); ``status`` is the
    solver's final status text.
    """

    routes: tuple[Route, ...]
    unserved: tuple[Unserved, ...] = ()
    objective: int = 0
    status: str = ""
    meta: dict = field(default_factory=dict)

    @property
    def distance(self) -> int:
        """Total distance driven, metres."""
        return sum(r.distance for r in self.routes)

    @property
    def travel_time(self) -> int:
        """Total driving time, seconds."""
        return sum(r.travel_time for r in self.routes)

    @property
    def cost(self) -> int:
        """Total route cost (without drop penalties), cost units."""
        return sum(r.cost for r in self.routes)

    @property
    def vehicles(self) -> int:
        """Number of postmen used."""
        return sum(r.used for r in self.routes)

    @property
    def stops(self) -> pd.DataFrame:
        """Every stop, one row each, with the postman and the position in the route (``seq``)."""
        rows = [{"postman": r.postman, "seq": i, **asdict(s)} for r in self.routes for i, s in enumerate(r.stops)]
        columns = ["postman", "seq", *Stop.__dataclass_fields__]
        return pd.DataFrame(rows, columns=columns)

    def route(self, postman: str) -> Route:
        """The route of a postman by id."""
        for r in self.routes:
            if r.postman == postman:
                return r
        raise KeyError(postman)

    def to_dict(self) -> dict:
        """The plan as JSON-ready built-in types."""
        return {
            "status": self.status,
            "objective": self.objective,
            "totals": {
                "vehicles": self.vehicles,
                "distance_m": self.distance,
                "travel_time_s": self.travel_time,
                "cost": self.cost,
                "unserved": len(self.unserved),
            },
            "routes": [asdict(r) for r in self.routes],
            "unserved": [asdict(u) for u in self.unserved],
        }
