"""The dispatch problem: places on a travel-time matrix, depots, postmen and tasks, validated when built.

Times are integers in seconds since midnight, durations in seconds, distances in metres and loads in dossier
units. A :class:`Problem` is immutable; build it with :meth:`Problem.build`, which checks every record and
raises one error listing every problem found, each with its numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Literal

import numpy as np

from routing.errors import InfeasibleError, ProblemError
from routing.plan import Reason

log = logging.getLogger(__name__)

Window = tuple[int, int]
"""A time window: start and end, seconds since midnight, both inclusive."""

TaskKind = Literal["shuttle", "result_return", "home_pickup", "visit"]

OFFICE_HOURS: tuple[Window, ...] = ((8 * 3600, 11 * 3600 + 1800), (13 * 3600 + 1800, 17 * 3600))
"""Ward committee office hours, 08:00-11:30 and 13:30-17:00 on weekdays (CONTEXT.md); default for a place."""

ALL_DAY: tuple[Window, ...] = ((0, 24 * 3600),)
"""No opening-hour restriction (households, depots, benchmark nodes)."""

PRIORITY_PENALTY: dict[int, int] = {1: 100_000, 2: 300_000, 3: 1_000_000, 4: 3_000_000, 5: 10_000_000}
"""Cost of leaving a task undone, in cost units (VND), by priority 1 (routine) to 5 (urgent).

A routine dossier left for tomorrow costs about the price of a dedicated 30-minute trip; each level above
triples it so that the optimiser sacrifices several low-priority tasks before one urgent one.
"""

MANDATORY_PENALTY = 10**12
"""Drop penalty of a task that must be done today: larger than any plan's cost, so it is dropped only when it
cannot be served at all (the plan then names it with its reason)."""


def hhmm(seconds: float) -> str:
    """Clock time ``HH:MM`` of a time in seconds since midnight."""
    minutes = round(seconds / 60)
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def clock(text: str) -> int:
    """Seconds since midnight of a clock time written ``HH:MM`` or ``HH:MM:SS``."""
    parts = [int(p) for p in text.split(":")]
    if len(parts) not in (2, 3):
        raise ProblemError(f"not a clock time: {text!r} (expected HH:MM)")
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) == 3 else 0)


@dataclass(frozen=True)
class Place:
    """A point of the travel-time matrix: an agency, an authority, a household or a depot.

    Parameters
    ----------
    id
        Name of the place, unique in a problem (kept as given, e.g. Vietnamese with diacritics).
    index
        Row and column of the place in the travel-time and distance matrices.
    windows
        Opening hours, several windows a day in seconds since midnight; service starts inside one of them.
    setup
        Seconds spent once on coming to the place, whatever is done there: parking, the guard's desk, finding the
        officer, the handover record. Stops in a row at the same place share it (VROOM's ``setup``), so a
        postman who brings ten dossiers to one authority pays it once; each stop's own service time follows.
    """

    id: str
    index: int
    windows: tuple[Window, ...] = OFFICE_HOURS
    setup: int = 0


@dataclass(frozen=True)
class Depot:
    """A post office where postmen start and end their day; ``place`` is the id of its place."""

    id: str
    place: str


@dataclass(frozen=True)
class Break:
    """A break (lunch) of ``duration`` seconds that starts and ends inside ``[earliest, latest]``.

    The default is 45 minutes inside 11:30-13:30, the ward offices' midday closure (CONTEXT.md).
    """

    duration: int = 45 * 60
    earliest: int = 11 * 3600 + 1800
    latest: int = 13 * 3600 + 1800

    def needed(self, begin: int, end: int) -> bool:
        """Whether a working day from ``begin`` (leaving) to ``end`` (back), seconds since midnight, must hold the
        break: one that ends before the break could begin, or begins after its latest start, needs none."""
        return end > self.earliest and begin < self.latest - self.duration


@dataclass(frozen=True)
class Postman:
    """A postman and his motorbike (a vehicle of the routing model).

    Parameters
    ----------
    id
        Name of the postman.
    start_depot, end_depot
        Depot ids where the day starts and ends; the end defaults to the start.
    capacity
        Dossier units the postman can carry at once.
    shift_start, shift_end
        Working hours, seconds since midnight; the route leaves the depot no earlier and is back no later.
    max_work
        Longest working day from leaving to coming back, in seconds; unlimited when omitted.
    lunch
        The break to take during the day, or ``None``. A break that cannot be taken inside the shift (a morning
        shift ending before the break could end) is none: :meth:`Problem.build` leaves it out.
    cost_per_km, cost_per_hour
        Cost of driving, per kilometre and per hour on the road or setting up at a place (VND); the default
        is a motorbike's fuel and wear (about 3,000 VND/km) and a postman's wage (about 40,000 VND/h).
    fixed_cost
        Cost of using this postman at all (VND).
    profile
        Travel profile of the matrix the problem is built on (information for the caller).
    """

    id: str
    start_depot: str
    capacity: int
    end_depot: str | None = None
    shift_start: int = 7 * 3600 + 1800
    shift_end: int = 17 * 3600 + 1800
    max_work: int | None = None
    lunch: Break | None = None
    cost_per_km: float = 3_000.0
    cost_per_hour: float = 40_000.0
    fixed_cost: int = 0
    profile: str = "motorbike"

    @property
    def end(self) -> str:
        """Id of the depot where the postman ends the day."""
        return self.end_depot or self.start_depot


@dataclass(frozen=True)
class Task:
    """A dossier movement: pick up at one place and deliver to another, by the same postman.

    Parameters
    ----------
    id
        Name of the task.
    kind
        ``shuttle`` (agency to authority), ``result_return`` (authority to agency or household),
        ``home_pickup`` (priority household to agency or authority), or ``visit`` (a single stop whose load is
        brought back to the postman's end depot; the Solomon benchmark's customers).
    pickup, delivery
        Place ids; ``delivery`` is ``None`` only for a ``visit``.
    load
        Dossier units moved.
    pickup_service, delivery_service
        Time spent at each stop, seconds (check, list, sign the handover record).
    pickup_windows, delivery_windows
        Windows for the start of service, seconds since midnight, intersected with the place's opening hours;
        the place's hours alone when omitted (e.g. a citizen's requested window for a home pickup).
    priority
        1 (routine) to 5 (urgent); sets the drop penalty.
    mandatory
        Whether the task must be done today.
    drop_penalty
        Cost of leaving the task undone (VND), overriding the priority's default.
    """

    id: str
    kind: TaskKind
    pickup: str
    delivery: str | None
    load: int = 1
    pickup_service: int = 300
    delivery_service: int = 300
    pickup_windows: tuple[Window, ...] | None = None
    delivery_windows: tuple[Window, ...] | None = None
    priority: int = 1
    mandatory: bool = False
    drop_penalty: int | None = None

    @property
    def penalty(self) -> int:
        """Cost of leaving the task undone, in cost units."""
        if self.mandatory:
            return MANDATORY_PENALTY
        if self.drop_penalty is not None:
            return self.drop_penalty
        return PRIORITY_PENALTY[min(max(self.priority, 1), 5)]


def intersect(a: Sequence[Window], b: Sequence[Window]) -> tuple[Window, ...]:
    """Windows common to two sorted lists of windows (seconds since midnight)."""
    out = []
    for s1, e1 in a:
        for s2, e2 in b:
            s, e = max(s1, s2), min(e1, e2)
            if s <= e:
                out.append((s, e))
    return tuple(sorted(out))


def _fmt(windows: Sequence[Window]) -> str:
    return ", ".join(f"{hhmm(s)}-{hhmm(e)}" for s, e in windows) or "none"


@dataclass(frozen=True)
class Problem:
    """A day of dispatch: matrices, places, depots, postmen and tasks. Build it with :meth:`build`.

    ``times`` holds travel times in seconds and ``distances`` road distances in metres, both square,
    asymmetric, indexed by :attr:`Place.index`; :attr:`arcs` adds the places' setup times to the travel times.
    """

    times: np.ndarray
    distances: np.ndarray
    places: dict[str, Place]
    depots: dict[str, Depot]
    postmen: tuple[Postman, ...]
    tasks: tuple[Task, ...]
    warnings: tuple[str, ...] = field(default=())

    @classmethod
    def build(
        cls,
        times: np.ndarray,
        distances: np.ndarray | None,
        places: Iterable[Place],
        depots: Iterable[Depot],
        postmen: Iterable[Postman],
        tasks: Iterable[Task],
        *,
        promised: Collection[str] = (),
    ) -> Problem:
        """Check the records and build the problem.

        Parameters
        ----------
        times
            Travel times between places in seconds, square, ``times[i, j]`` from ``i`` to ``j``.
        distances
            Road distances in metres, same shape; the travel times stand in when omitted.
        places, depots, postmen, tasks
            The records.
        promised
            Ids of mandatory tasks kept, with a warning, when no postman can do them: the tasks of a plan whose
            shifts a re-optimisation cut short (:func:`routing.solver.reoptimise`), which it leaves unserved
            and explained rather than refuse the day.

        Raises
        ------
        ProblemError
            Malformed records (unknown place, window ending before it starts, duplicate id, bad matrix); the
            message lists every problem, one a line.
        InfeasibleError
            A task that must be done today cannot be done by any postman (load above every capacity, pickup or
            delivery window that no postman can reach within his shift), with the numbers.
        """
        times = np.asarray(times)
        distances = times if distances is None else np.asarray(distances)
        places_d: dict[str, Place] = {}
        depots_d: dict[str, Depot] = {}
        errors: list[str] = []
        if times.ndim != 2 or times.shape[0] != times.shape[1]:
            raise ProblemError(f"travel-time matrix must be square, got shape {times.shape}")
        if distances.shape != times.shape:
            raise ProblemError(f"distance matrix shape {distances.shape} differs from travel times {times.shape}")
        if not (np.isfinite(times).all() and (times >= 0).all()):
            errors.append("travel-time matrix has negative or infinite entries (unreachable places?)")
        n = times.shape[0]

        def check_windows(what: str, windows: Sequence[Window] | None) -> None:
            for s, e in windows or ():
                if e < s:
                    errors.append(f"{what}: window {hhmm(s)}-{hhmm(e)} ends before it starts")

        for p in places:
            if p.id in places_d:
                errors.append(f"place {p.id!r}: duplicate id")
            if not 0 <= p.index < n:
                errors.append(f"place {p.id!r}: matrix index {p.index} outside 0..{n - 1}")
            check_windows(f"place {p.id!r}", p.windows)
            if p.setup < 0:
                errors.append(f"place {p.id!r}: negative setup time {p.setup} s")
            places_d[p.id] = Place(p.id, p.index, tuple(sorted(p.windows)), p.setup)
        for d in depots:
            if d.id in depots_d:
                errors.append(f"depot {d.id!r}: duplicate id")
            if d.place not in places_d:
                errors.append(f"depot {d.id!r}: unknown place {d.place!r}")
            depots_d[d.id] = d
        postmen_t = tuple(postmen)
        seen: set[str] = set()
        for m in postmen_t:
            if m.id in seen:
                errors.append(f"postman {m.id!r}: duplicate id")
            seen.add(m.id)
            for dep in {m.start_depot, m.end}:
                if dep not in depots_d:
                    errors.append(f"postman {m.id!r}: unknown depot {dep!r}")
            if m.shift_end < m.shift_start:
                errors.append(
                    f"postman {m.id!r}: shift {hhmm(m.shift_start)}-{hhmm(m.shift_end)} ends before it starts"
                )
            if m.capacity < 0:
                errors.append(f"postman {m.id!r}: negative capacity {m.capacity}")
            if m.lunch is not None and m.lunch.latest - m.lunch.earliest < m.lunch.duration:
                errors.append(
                    f"postman {m.id!r}: a {m.lunch.duration // 60}-minute break does not fit in "
                    f"{hhmm(m.lunch.earliest)}-{hhmm(m.lunch.latest)}"
                )
        if not postmen_t:
            errors.append("no postmen")
        tasks_t = tuple(tasks)
        seen = set()
        for t in tasks_t:
            if t.id in seen:
                errors.append(f"task {t.id!r}: duplicate id")
            seen.add(t.id)
            if t.pickup not in places_d:
                errors.append(f"task {t.id!r}: unknown pickup place {t.pickup!r}")
            if t.kind == "visit":
                if t.delivery is not None:
                    errors.append(f"task {t.id!r}: a visit has no delivery place, got {t.delivery!r}")
            elif t.delivery not in places_d:
                errors.append(f"task {t.id!r}: unknown delivery place {t.delivery!r}")
            if t.load < 0:
                errors.append(f"task {t.id!r}: negative load {t.load}")
            check_windows(f"task {t.id!r} pickup", t.pickup_windows)
            check_windows(f"task {t.id!r} delivery", t.delivery_windows)
        if errors:
            raise ProblemError("\n".join(errors))

        # A shift too short to hold the break has none: a break no route can take would block the postman's whole
        # day in the search (its routes start with the break, which never fits), and the checker would require it
        # of any route crossing its window.
        postmen_t = tuple(replace(m, lunch=None) if m.lunch and not _holds(m, m.lunch) else m for m in postmen_t)
        problem = cls(times, distances, places_d, depots_d, postmen_t, tasks_t)
        infeasible: dict[str, Reason] = {}
        warnings: list[str] = []
        for t in tasks_t:
            reason = problem.task_obstacle(t)
            if reason is None:
                continue
            if t.mandatory and t.id not in promised:
                infeasible[t.id] = reason
            else:
                warnings.append(f"task {t.id!r}{', mandatory' if t.mandatory else ''}: {reason}")
        if infeasible:
            raise InfeasibleError("\n".join(f"task {k!r}: {v}" for k, v in infeasible.items()), reasons=infeasible)
        for w in warnings:
            log.info("no postman can do %s", w)
        return cls(times, distances, places_d, depots_d, postmen_t, tasks_t, tuple(warnings))

    def rebuilt(
        self,
        *,
        postmen: Iterable[Postman] | None = None,
        tasks: Iterable[Task] | None = None,
        promised: Collection[str] = (),
    ) -> Problem:
        """The same matrices, places and depots with other postmen or other tasks (these ones when omitted),
        checked as :meth:`build` checks them (``promised`` as there)."""
        return Problem.build(
            self.times,
            self.distances,
            self.places.values(),
            self.depots.values(),
            self.postmen if postmen is None else postmen,
            self.tasks if tasks is None else tasks,
            promised=promised,
        )

    @classmethod
    def from_records(
        cls,
        times: np.ndarray,
        distances: np.ndarray | None,
        *,
        places: Iterable[Mapping],
        depots: Iterable[Mapping],
        postmen: Iterable[Mapping],
        tasks: Iterable[Mapping],
    ) -> Problem:
        """Build a problem from plain records (dicts, e.g. JSON or ``DataFrame.to_dict("records")``).

        Keys are the field names of :class:`Place`, :class:`Depot`, :class:`Postman`, :class:`Task` and
        :class:`Break` (under ``lunch``). Clock times may be given as ``"HH:MM"`` strings and windows as
        ``"08:00-11:30"`` strings or pairs; missing keys take the defaults.
        """

        def when(value):
            return clock(value) if isinstance(value, str) else value

        def windows(value):
            if value is None:
                return None
            out = []
            for w in value:
                a, b = w.split("-") if isinstance(w, str) else w
                out.append((when(a.strip() if isinstance(a, str) else a), when(b.strip() if isinstance(b, str) else b)))
            return tuple(out)

        def postman(r: Mapping) -> Postman:
            r = dict(r)
            for key in ("shift_start", "shift_end"):
                if key in r:
                    r[key] = when(r[key])
            if isinstance(r.get("lunch"), Mapping):
                lunch = {k: when(v) if k != "duration" else v for k, v in r["lunch"].items()}
                r["lunch"] = Break(**lunch)
            return Postman(**r)

        def task(r: Mapping) -> Task:
            r = dict(r)
            for key in ("pickup_windows", "delivery_windows"):
                if key in r:
                    r[key] = windows(r[key])
            return Task(**r)

        def place(r: Mapping) -> Place:
            r = dict(r)
            if "windows" in r:
                r["windows"] = windows(r["windows"]) or ALL_DAY
            return Place(**r)

        try:
            return cls.build(
                times,
                distances,
                [place(r) for r in places],
                [Depot(**r) for r in depots],
                [postman(r) for r in postmen],
                [task(r) for r in tasks],
            )
        except TypeError as exc:
            raise ProblemError(f"bad record: {exc}") from exc

    # ------------------------------------------------------------------ derived data used by solver and checker
    @cached_property
    def arcs(self) -> np.ndarray:
        """Seconds from leaving one matrix index to being ready at the next: the drive, then the setup of the
        place arrived at, unless both are one point, no distance apart (stops in a row at one place share one
        setup, and a post office's counter is no trip from the postman's own depot there).

        Every schedule is computed on these times, and a stop's ``arrival`` is when the postman is ready there;
        the driving totals stay on :attr:`times`.
        """
        setup = np.zeros(self.times.shape[0])
        for p in self.places.values():
            setup[p.index] = max(setup[p.index], p.setup)
        return self.times + np.where(self.distances > 0, setup[None, :], 0)

    def arc_cost(self, postman: Postman, idx: np.ndarray) -> int:
        """Cost of going through matrix indices ``idx`` in order, cost units: the distance and the time of
        :attr:`arcs` (setups included) at the postman's rates, rounded arc by arc as the solver rounds them."""
        if len(idx) < 2:
            return 0
        d = self.distances[idx[:-1], idx[1:]]
        t = self.arcs[idx[:-1], idx[1:]]
        return int(np.rint(d * (postman.cost_per_km / 1000.0) + t * (postman.cost_per_hour / 3600.0)).sum())

    def windows(self, task: Task, stop: Literal["pickup", "delivery"]) -> tuple[Window, ...]:
        """Windows for the start of service at a task's pickup or delivery (seconds since midnight)."""
        place = self.places[task.pickup if stop == "pickup" else task.delivery]  # type: ignore[index]
        own = task.pickup_windows if stop == "pickup" else task.delivery_windows
        return place.windows if own is None else intersect(place.windows, sorted(own))

    def index(self, place: str) -> int:
        """Matrix index of a place id."""
        return self.places[place].index

    def depot_index(self, depot: str) -> int:
        """Matrix index of a depot id."""
        return self.places[self.depots[depot].place].index

    def task_obstacle(self, task: Task) -> Reason | None:
        """Why no postman can do ``task`` even on an otherwise empty route, or ``None`` when one can.

        The test schedules the task alone for each postman: leave the depot at the start of the shift, drive,
        wait for the window, serve, drive on, and come back before the end of the shift and within the maximum
        working time (counted from a departure just in time for the pickup). The reason given is that of the
        postman who comes closest, with the numbers.
        """
        caps = [m.capacity for m in self.postmen]
        if task.load > max(caps):
            largest = max(caps)
            text = f"load {task.load} exceeds every postman's capacity (largest {largest})"
            return Reason(text, "over_capacity", {"load": task.load, "largest": largest})
        # A place closed all day: a weekend, a public holiday.
        if not self.places[task.pickup].windows:
            text = f"pickup place {task.pickup!r} is closed all day"
            return Reason(text, "pickup_closed_all_day", {"place": task.pickup})
        if task.delivery is not None and not self.places[task.delivery].windows:
            text = f"delivery place {task.delivery!r} is closed all day"
            return Reason(text, "delivery_closed_all_day", {"place": task.delivery})
        pw = self.windows(task, "pickup")
        if not pw:
            window = _fmt(task.pickup_windows or ())
            text = f"pickup window {window} is outside the opening hours of the place"
            return Reason(text, "pickup_window_closed", {"window": window, "place": task.pickup})
        dw: tuple[Window, ...] = ()
        if task.delivery is not None:
            dw = self.windows(task, "delivery")
            if not dw:
                window = _fmt(task.delivery_windows or ())
                text = f"delivery window {window} is outside the opening hours of {task.delivery!r}"
                return Reason(text, "delivery_window_closed", {"window": window, "place": task.delivery})
        best_pickup: tuple[int, str] | None = None
        best_delivery: tuple[int, str] | None = None
        best_return: tuple[int, str, int, int] | None = None
        for m in self.postmen:
            if task.load > m.capacity:
                continue
            t = self.single_task_schedule(m, task)
            arrive_p, start_p, arrive_d, start_d, back = t
            if start_p is None:
                if best_pickup is None or arrive_p < best_pickup[0]:
                    best_pickup = (arrive_p, m.start_depot)
                continue
            if task.delivery is not None and start_d is None:
                if best_delivery is None or arrive_d < best_delivery[0]:
                    best_delivery = (arrive_d, m.id)
                continue
            # The maximum working time counts from the departure: leaving just in time for the pickup.
            leave = max(
                m.shift_start, start_p - int(self.arcs[self.depot_index(m.start_depot), self.index(task.pickup)])
            )
            limit = m.shift_end if m.max_work is None else min(m.shift_end, leave + m.max_work)
            if back > limit:
                if best_return is None or back - limit < best_return[0]:
                    best_return = (back - limit, m.id, back, limit)
                continue
            return None
        if best_return is not None:
            _, postman, back, limit = best_return
            values = {"postman": postman, "back": hhmm(back), "end": hhmm(limit)}
            text = (
                f"shift too short for the round trip (best: postman {postman!r} back at {values['back']}, "
                f"day ends {values['end']})"
            )
            return Reason(text, "shift_too_short", values)
        if best_delivery is not None:
            arrival, postman = hhmm(best_delivery[0]), best_delivery[1]
            text = (
                f"delivery window {_fmt(dw)} at place {task.delivery!r} cannot be reached by any postman "
                f"(earliest arrival {arrival}, postman {postman!r})"
            )
            values = {"window": _fmt(dw), "place": str(task.delivery), "arrival": arrival, "postman": postman}
            return Reason(text, "delivery_unreachable", values)
        if best_pickup is not None:
            arrival, depot = hhmm(best_pickup[0]), best_pickup[1]
            text = (
                f"pickup window {_fmt(pw)} at place {task.pickup!r} cannot be reached by any postman "
                f"(earliest arrival {arrival} from depot {depot!r})"
            )
            return Reason(
                text,
                "pickup_unreachable",
                {"window": _fmt(pw), "place": task.pickup, "arrival": arrival, "depot": depot},
            )
        return Reason(
            f"load {task.load} exceeds the capacity of every postman", "over_capacity_each", {"load": task.load}
        )

    def single_task_schedule(self, postman: Postman, task: Task) -> tuple:
        """Earliest schedule of ``task`` alone on ``postman``'s route, ignoring the break.

        Returns arrival and start of service at the pickup, the same at the delivery (``None`` for a start
        when every window has closed), and the time back at the end depot, all seconds since midnight.
        """
        T = self.arcs
        here = self.depot_index(postman.start_depot)
        p = self.index(task.pickup)
        arrive_p = postman.shift_start + int(T[here, p])
        start_p = _earliest_start(arrive_p, self.windows(task, "pickup"))
        if start_p is None:
            return arrive_p, None, None, None, None
        t = start_p + task.pickup_service
        here = p
        arrive_d = start_d = None
        if task.delivery is not None:
            d = self.index(task.delivery)
            arrive_d = t + int(T[p, d])
            start_d = _earliest_start(arrive_d, self.windows(task, "delivery"))
            if start_d is None:
                return arrive_p, start_p, arrive_d, None, None
            t = start_d + task.delivery_service
            here = d
        back = t + int(T[here, self.depot_index(postman.end)])
        return arrive_p, start_p, arrive_d, start_d, back


def _earliest_start(arrival: int, windows: Sequence[Window]) -> int | None:
    """Earliest start of service at or after ``arrival`` inside one of the windows, or ``None``."""
    for s, e in windows:
        if arrival <= e:
            return max(arrival, s)
    return None


def _holds(postman: Postman, lunch: Break) -> bool:
    """Whether ``lunch`` can be taken whole inside the postman's shift."""
    return max(lunch.earliest, postman.shift_start) + lunch.duration <= min(lunch.latest, postman.shift_end)
