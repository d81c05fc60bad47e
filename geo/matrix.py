"""Many-to-many shortest travel times and distances: the only place that computes shortest paths.

Every optimisation in agencynet (siting, dispatch, nearest agency) consumes matrices from this module.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp
from scipy.sparse import csgraph

log = logging.getLogger(__name__)


def shortest_paths(
    weights: sp.csr_array | sp.csr_matrix,
    sources: np.ndarray,
    *,
    targets: np.ndarray | None = None,
    directed: bool = True,
    limit: float = np.inf,
) -> np.ndarray:
    """Shortest path lengths from each source to each target of a weighted graph.

    Parameters
    ----------
    weights
        Square sparse matrix of edge weights; entry ``(i, j)`` is the weight of the arc from ``i`` to ``j``.
        Explicit zeros are arcs of weight zero.
    sources
        Node indices to start from.
    targets
        Node indices to report; all nodes when omitted.
    directed
        Whether arcs are one-way; when false each arc is usable in both directions.
    limit
        Stop each search beyond this length; unreached nodes get ``inf``.

    Returns
    -------
    numpy.ndarray
        Array of shape ``(len(sources), len(targets))`` in the unit of the weights; ``inf`` where no path.
    """
    sources = np.asarray(sources, dtype=np.int64)
    lengths = csgraph.dijkstra(weights, directed=directed, indices=sources, limit=limit)
    if targets is None:
        return lengths
    return lengths[:, np.asarray(targets, dtype=np.int64)]
