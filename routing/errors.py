"""Exceptions of the dispatch engine; each subclasses ``ValueError`` so callers can catch broadly.

``routing`` imports nothing from ``geo``: the faces map these once (``api.errors``, ``api.cli``).
"""

from __future__ import annotations

from collections.abc import Mapping

from routing.plan import Reason


class RoutingError(Exception):
    """Base class of every error the dispatch engine raises on purpose."""


class ProblemError(RoutingError, ValueError):
    """A dispatch problem or benchmark file is malformed (bad matrix, unknown place, bad record)."""


class InfeasibleError(RoutingError, ValueError):
    """A dispatch problem has no solution; the message says why, with numbers.

    ``reasons`` holds, by task id, why each task that must be served cannot be (:class:`routing.plan.Reason`),
    when that is what makes the problem infeasible; it is empty otherwise.
    """

    def __init__(self, message: str, *, reasons: Mapping[str, Reason] | None = None) -> None:
        super().__init__(message)
        self.reasons = dict(reasons or {})
