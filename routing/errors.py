"""Exceptions of the dispatch engine; each subclasses ``ValueError`` so callers can catch broadly.

``routing`` imports nothing from ``geo``: the faces map these once (``api.errors``, ``api.cli``).
"""


class RoutingError(Exception):
    """Base class of every error the dispatch engine raises on purpose."""


class ProblemError(RoutingError, ValueError):
    """A dispatch problem or benchmark file is malformed (bad matrix, unknown place, bad record)."""


class InfeasibleError(RoutingError, ValueError):
    """A dispatch problem has no solution; the message says why, with numbers."""
