"""Exceptions of the operations layer, under the hierarchy of :mod:`geo._errors`; mapped once in :mod:`api.errors`."""

from __future__ import annotations

from collections.abc import Sequence

from geo._errors import AgencynetError, InputError


class FieldError(InputError):
    """Bad input in a named field of a request or record (``lat``, ``tasks[2].pickup`` ...); ``code`` and
    ``fields`` as for :class:`geo._errors.AgencynetError`."""

    field: str

    def __init__(self, field: str, reason: str, *, code: str | None = None, **fields: object) -> None:
        super().__init__(f"{field}: {reason}", code=code, field=field, **fields)
        self.reason = reason


class FieldErrors(InputError):
    """Bad input in several fields at once, each a :class:`FieldError`, all said together (one a problem)."""

    def __init__(self, problems: Sequence[FieldError]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = list(problems)


class StoreError(AgencynetError):
    """The store cannot be opened: a URL that names no database agencynet can use, a server that does not answer
    or refuses the account, or a schema this code cannot bring up to date; the message names the database."""


class ConflictError(AgencynetError):
    """The record changed since it was read (another request updated it first)."""


class UnknownError(AgencynetError, LookupError):
    """No record has the code or id asked for."""


class TransitionError(AgencynetError, ValueError):
    """A move the lifecycle does not allow from the dossier's state (or an event a stop's events do not allow);
    the message names the dossier, its state and the move. ``field`` is the request's field at fault."""

    field: str

    def __init__(self, message: str, *, field: str = "to", code: str | None = None, **fields: object) -> None:
        super().__init__(message, code=code, field=field, **fields)


class IdempotencyError(InputError):
    """An ``Idempotency-Key`` used again with another request body."""


class PushError(AgencynetError):
    """The push of the feed could not go on: its receiver did not take a batch (could not be reached, did not answer
    in time, or answered other than 2xx), or the store stopped answering; the message names which and what was
    said. ``transient``: worth trying again (no answer, 408, 425, 429, 5xx, the store), not a refusal of the batch
    or of the key."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient
