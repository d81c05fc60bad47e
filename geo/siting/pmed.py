"""OR-Library p-median instances (Beasley 1990): reader and benchmark entry point.

File format: first line ``n m p``, then ``m`` lines ``i j cost`` of an undirected graph on nodes ``1..n``.
Distances are all-pairs shortest paths over these edges; when an edge is listed twice the last one counts.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from geo import matrix
from geo._errors import InputError
from geo.siting.pmedian import PMedian

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PmedInstance:
    """An OR-Library p-median instance: its name, ``p`` and the ``n x n`` shortest-path distance matrix."""

    name: str
    p: int
    distances: np.ndarray


def benchmarks_dir() -> Path:
    """Folder of the shared benchmark files: ``$AGENCYNET_BENCHMARKS`` or ``shared/benchmarks`` next to it."""
    env = os.environ.get("AGENCYNET_BENCHMARKS")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks"


def read(path: Path | str) -> PmedInstance:
    """Read an OR-Library ``pmedN.txt`` file and compute its all-pairs shortest-path distances.

    Parameters
    ----------
    path
        The instance file.
    """
    path = Path(path)
    try:
        numbers = np.array(path.read_text().split(), dtype=np.int64)
    except ValueError as exc:
        raise InputError(f"{path}: not a pmed file (non-integer token)") from exc
    if numbers.size < 3:
        raise InputError(f"{path}: not a pmed file (no 'n m p' header)")
    n, m, p = (int(v) for v in numbers[:3])
    edges = numbers[3:]
    if edges.size != 3 * m:
        raise InputError(f"{path}: header announces {m} edges, file has {edges.size / 3:g}")
    i, j, c = edges.reshape(m, 3).T
    if m and (min(i.min(), j.min()) < 1 or max(i.max(), j.max()) > n):
        raise InputError(f"{path}: edge end outside 1..{n}")
    # Keep the last occurrence of each undirected edge: Beasley's convention.
    lo, hi = np.minimum(i, j) - 1, np.maximum(i, j) - 1
    key = lo * n + hi
    _, last_rev = np.unique(key[::-1], return_index=True)
    last = m - 1 - last_rev
    weights = sp.csr_array((c[last].astype(float), (lo[last], hi[last])), shape=(n, n))
    distances = matrix.shortest_paths(weights, np.arange(n), directed=False)
    return PmedInstance(name=path.stem, p=p, distances=distances)


def solve_benchmark(path: Path, *, time_limit_s: float) -> dict[str, Any]:
    """Solve an OR-Library p-median file.

    Parameters
    ----------
    path
        The ``pmedN.txt`` file.
    time_limit_s
        Wall-clock budget of the solve in seconds (reading excluded).

    Returns
    -------
    dict
        ``instance`` (file stem), ``p``, ``objective`` (total distance), ``lower_bound`` (proven) and
        ``medians`` (1-based node ids, sorted).
    """
    inst = read(path)
    model = PMedian.from_matrix(inst.distances, p=inst.p).solve(time_limit_s=time_limit_s)
    return {
        "instance": inst.name,
        "p": inst.p,
        "objective": round(model.objective),
        "lower_bound": int(np.ceil(model.bound - 1e-9)),
        "medians": (model.sites + 1).tolist(),
    }
