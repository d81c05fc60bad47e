"""Exceptions raised by agencynet; each subclasses a builtin so callers can catch broadly."""

from __future__ import annotations


class AgencynetError(Exception):
    """Base class of every error agencynet raises on purpose.

    Parameters
    ----------
    message
        What is wrong, in English: the words of the command line.
    code
        The message's code in the service's catalogues (``api/i18n``, under ``errors``), for the API to say it in
        the reader's language and to give it as the problem's machine ``reason``; None when the message has none.
    field
        The input at fault, by the name a request gives it (``capacity``, ``tasks[2].pickup``); None when the
        error is not one input's.
    **fields
        The values that message names (``dossier``, ``task`` ...).
    """

    def __init__(
        self, message: str = "", *, code: str | None = None, field: str | None = None, **fields: object
    ) -> None:
        super().__init__(message)
        self.code = code
        self.field = field
        self.fields = fields


class InputError(AgencynetError, ValueError):
    """Input data or arguments are malformed (bad file, bad column, unknown profile)."""


class OutOfAreaError(InputError):
    """A point lies outside the road network (farther than the snapping distance from any road)."""


class InfeasibleError(AgencynetError, ValueError):
    """An optimisation problem has no solution; the message says why, with numbers."""
