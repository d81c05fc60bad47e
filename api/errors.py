"""Errors of the service and their one mapping to HTTP: every failure is JSON naming the field and the reason.

Bad input (``geo._errors.InputError``, ``OutOfAreaError``, ``InfeasibleError``, the engine's
``routing.errors.ProblemError`` and ``InfeasibleError``, request validation) is 422;
an unknown id or code is 404; a lost update race and a move the dossier lifecycle refuses are 409. Nothing the
caller sends leads to a 500.
"""

from __future__ import annotations

import logging
import re

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from geo._errors import AgencynetError, InfeasibleError, InputError
from ops.errors import ConflictError, FieldError, IdempotencyError, TransitionError, UnknownError
from routing import errors as routing_errors

log = logging.getLogger(__name__)

_FIELD = re.compile(r"^((?:postmen|tasks|progress)(?:\[\d+\])?(?:\.\w+)?): (.+)$", re.DOTALL)
"""A reason that starts by naming its record and field (``tasks[2].pickup: unknown place ...``)."""


class NotFound(HTTPException):
    """An unknown id in the path or the query."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(status.HTTP_404_NOT_FOUND, detail=[{"field": field, "reason": reason}])


def body(field: str, reason: str, **extra: object) -> dict:
    """The error body: ``{"detail": [{"field": ..., "reason": ...}]}``."""
    return {"detail": [{"field": field, "reason": reason, **extra}]}


def _field_of(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def reasons(message: str) -> list[dict]:
    """Split an error message (one reason a line, or ``; `` between reasons) into fields and reasons."""
    out = []
    for line in message.splitlines():
        for part in line.split("; "):
            if not part.strip():
                continue
            hit = _FIELD.match(part.strip())
            out.append({"field": hit[1], "reason": hit[2]} if hit else {"field": "body", "reason": part.strip()})
    return out or [{"field": "body", "reason": message}]


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    @app.exception_handler(RequestValidationError)
    async def validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        detail = [
            {"field": _field_of(tuple(e.get("loc", ()))), "reason": e.get("msg", "invalid")} for e in exc.errors()
        ]
        return JSONResponse({"detail": detail}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(FieldError)
    async def field_error(_request: Request, exc: FieldError) -> JSONResponse:
        return JSONResponse(body(exc.field, exc.reason), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(InfeasibleError)
    @app.exception_handler(routing_errors.InfeasibleError)
    async def infeasible(_request: Request, exc: Exception) -> JSONResponse:
        reasons = [{"field": "tasks", "reason": line} for line in str(exc).splitlines() if line]
        return JSONResponse({"detail": reasons}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(InputError)
    @app.exception_handler(routing_errors.ProblemError)
    async def input_error(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse({"detail": reasons(str(exc))}, status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(IdempotencyError)
    async def idempotency(_request: Request, exc: IdempotencyError) -> JSONResponse:
        return JSONResponse(body("Idempotency-Key", str(exc)), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(UnknownError)
    async def unknown(_request: Request, exc: UnknownError) -> JSONResponse:
        return JSONResponse(body("code", str(exc)), status_code=status.HTTP_404_NOT_FOUND)

    @app.exception_handler(TransitionError)
    async def refused(_request: Request, exc: TransitionError) -> JSONResponse:
        return JSONResponse(body("to", str(exc)), status_code=status.HTTP_409_CONFLICT)

    @app.exception_handler(AgencynetError)
    async def other(_request: Request, exc: AgencynetError) -> JSONResponse:
        return JSONResponse(body("body", str(exc)), status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)

    @app.exception_handler(ConflictError)
    async def conflict(_request: Request, exc: ConflictError) -> JSONResponse:
        return JSONResponse(body("id", f"{exc}; read it again and retry"), status_code=status.HTTP_409_CONFLICT)
