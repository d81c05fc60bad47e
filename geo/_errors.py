"""Exceptions raised by agencynet; each subclasses a builtin so callers can catch broadly."""


class AgencynetError(Exception):
    """Base class of every error agencynet raises on purpose."""


class InputError(AgencynetError, ValueError):
    """Input data or arguments are malformed (bad file, bad column, unknown profile)."""


class OutOfAreaError(InputError):
    """A point lies outside the road network (farther than the snapping distance from any road)."""


class InfeasibleError(AgencynetError, ValueError):
    """An optimisation problem has no solution; the message says why, with numbers."""
