"""Small hand-made dispatch problems with known structure: places on a plane, motorbike at 20 km/h."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from routing.problem import ALL_DAY, Depot, Place, Postman, Problem, Task

# Coordinates in km: a depot in the middle, agencies and ward offices around it, households further out.
COORDS = {
    "D1": (0.0, 0.0),
    "A1": (1.0, 0.0),
    "A2": (0.0, 1.0),
    "W1": (2.0, 0.0),
    "W2": (0.0, 2.0),
    "H1": (1.0, 1.0),
    "H2": (-1.0, 1.0),
    "FAR": (20.0, 20.0),
}
SPEED_M_PER_S = 20 / 3.6
HOUSEHOLDS = {"D1", "H1", "H2", "FAR"}


def matrices() -> tuple[np.ndarray, np.ndarray, list[str]]:
    names = list(COORDS)
    xy = np.array([COORDS[n] for n in names]) * 1000
    dist = np.rint(np.hypot(*(xy[:, None, :] - xy[None, :, :]).transpose(2, 0, 1))).astype(np.int64)
    # A one-way street makes the matrix asymmetric: W1 -> A1 is a detour.
    i, j = names.index("W1"), names.index("A1")
    dist[i, j] += 500
    times = np.rint(dist / SPEED_M_PER_S).astype(np.int64)
    return times, dist, names


def places(setups: Mapping[str, int] | None = None) -> list[Place]:
    """The places of :data:`COORDS`, with the setup times given by id (none elsewhere)."""
    _, _, names = matrices()
    return [
        Place(
            n,
            k,
            ALL_DAY if n in HOUSEHOLDS else Place.__dataclass_fields__["windows"].default,
            (setups or {}).get(n, 0),
        )
        for k, n in enumerate(names)
    ]


def build(tasks: list[Task], postmen: list[Postman] | None = None, setups: Mapping[str, int] | None = None) -> Problem:
    times, dist, _ = matrices()
    postmen = postmen or [Postman("P1", "D1", capacity=10), Postman("P2", "D1", capacity=10)]
    return Problem.build(times, dist, places(setups), [Depot("D1", "D1")], postmen, tasks)


def day() -> Problem:
    """Two postmen, three shuttles, a result return to a household and a home pickup in a window."""
    tasks = [
        Task("s1", "shuttle", "A1", "W1", load=3, mandatory=True),
        Task("s2", "shuttle", "A2", "W2", load=2),
        Task("s3", "shuttle", "A1", "W2", load=2),
        Task("r1", "result_return", "W1", "H2", load=1),
        Task("h1", "home_pickup", "H1", "A1", pickup_windows=((9 * 3600, 9 * 3600 + 1800),), priority=4),
    ]
    return build(tasks)
