"""Errors of the service and their one mapping to HTTP: every 4xx is one JSON body, in the reader's language.

Body: ``{"detail": [{"field": ..., "reason": ..., "message": ...}]}``. ``reason`` is a stable machine code
(``off_map``, ``unknown_ward``, ``missing``, ``greater_than_equal`` ...: the service's own codes and
pydantic's error types), ``message`` the human text in the request's language (:mod:`api.i18n`: Vietnamese by
default). Bad input (``geo._errors.InputError``, ``OutOfAreaError``, ``InfeasibleError``, request validation)
is 422; a missing or unknown token 401, a token of another role 403; an unknown id or path 404; a lost update
race 409. Nothing the caller sends leads to a 500.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api import i18n
from api.schemas import BBOX, TEXT
from api.store import ConflictError
from geo._errors import AgencynetError, InfeasibleError, InputError

log = logging.getLogger(__name__)

_FIELD = re.compile(r"^((?:postmen|tasks|progress)(?:\[\d+\])?(?:\.\w+)?): (.+)$", re.DOTALL)
"""A reason that starts by naming its record and field (``tasks[2].pickup: unknown place ...``)."""

INVALID = "invalid_value"
"""Code of a refusal the lower layers explain in their own (English) words."""

_PATTERNS = {TEXT: "empty_query", BBOX: "bad_bbox"}
"""Messages of the service's own patterns, in place of "does not match <regex>"."""

_HTTP_CODES = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed", 409: "conflict"}


class FieldError(InputError):
    """Bad input in a named field of the request (``lat``, ``tasks[2].pickup`` ...).

    Give ``code`` (a key of ``errors`` in the catalogues) and its ``fields`` for a message in the reader's
    language; ``reason`` is then the English text and may be omitted.
    """

    def __init__(self, field: str, reason: str = "", *, code: str = INVALID, **fields: Any) -> None:
        reason = reason or i18n.text("en", f"errors.{code}", **fields)
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.code = code
        self.fields = fields


class NotFound(HTTPException):
    """An unknown id in the path or the query; ``code`` and ``fields`` as for :class:`FieldError`."""

    def __init__(self, field: str, reason: str = "", *, code: str = "not_found", **fields: Any) -> None:
        reason = reason or i18n.text("en", f"errors.{code}", **fields)
        super().__init__(
            status.HTTP_404_NOT_FOUND, detail=[{"field": field, "reason": reason, "code": code, "fields": fields}]
        )


def problem(lang: str, field: str, code: str, detail: str = "", **fields: Any) -> dict[str, str]:
    """One item of an error body: the field, the machine code and the message in ``lang``."""
    if code != INVALID and i18n.has(f"errors.{code}"):
        message = i18n.text(lang, f"errors.{code}", detail=detail, **fields)
    elif lang == "en":
        message = detail
    else:
        message = i18n.text(lang, f"errors.{INVALID}", detail=detail)
    return {"field": field, "reason": code, "message": message}


def body(lang: str, field: str, code: str, detail: str = "", **fields: Any) -> dict:
    """The error body with one problem: ``{"detail": [{"field", "reason", "message"}]}``."""
    return {"detail": [problem(lang, field, code, detail, **fields)]}


def _field_of(loc: tuple) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    out = ""
    for p in parts:
        out += f"[{p}]" if p.isdigit() else (f".{p}" if out else p)
    return out or "body"


def reasons(message: str) -> list[tuple[str, str]]:
    """Split an error message (one reason a line, or ``; `` between reasons) into (field, reason) pairs."""
    out = []
    for line in message.splitlines():
        for part in line.split("; "):
            if not part.strip():
                continue
            hit = _FIELD.match(part.strip())
            out.append((hit[1], hit[2]) if hit else ("body", part.strip()))
    return out or [("body", message)]


def _validation_problem(lang: str, error: dict) -> dict[str, str]:
    code = str(error.get("type", INVALID))
    context = {
        k: (", ".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in error.get("ctx", {}).items()
    }
    field = _field_of(tuple(error.get("loc", ())))
    detail = str(error.get("msg", "invalid"))
    key = f"validation.{code}"
    if code == "string_pattern_mismatch" and context.get("pattern") in _PATTERNS:
        key = _PATTERNS[context["pattern"]]
    if i18n.has(f"errors.{key}"):
        return {"field": field, "reason": code, "message": i18n.text(lang, f"errors.{key}", detail=detail, **context)}
    return problem(lang, field, INVALID, detail) | {"reason": code}


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    def answer(request: Request, problems: list[dict[str, str]], code: int, **kwargs: Any) -> JSONResponse:
        return JSONResponse({"detail": problems}, status_code=code, **kwargs)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = i18n.negotiate(request)
        return answer(request, [_validation_problem(lang, e) for e in exc.errors()], 422)

    @app.exception_handler(FieldError)
    async def field_error(request: Request, exc: FieldError) -> JSONResponse:
        lang = i18n.negotiate(request)
        return answer(request, [problem(lang, exc.field, exc.code, exc.reason, **exc.fields)], 422)

    @app.exception_handler(InfeasibleError)
    async def infeasible(request: Request, exc: InfeasibleError) -> JSONResponse:
        lang = i18n.negotiate(request)
        lines = [line for line in str(exc).splitlines() if line] or [str(exc)]
        return answer(request, [problem(lang, "tasks", "infeasible", line) for line in lines], 422)

    @app.exception_handler(InputError)
    async def input_error(request: Request, exc: InputError) -> JSONResponse:
        lang = i18n.negotiate(request)
        return answer(request, [problem(lang, f, INVALID, r) for f, r in reasons(str(exc))], 422)

    @app.exception_handler(AgencynetError)
    async def other(request: Request, exc: AgencynetError) -> JSONResponse:
        return answer(request, [problem(i18n.negotiate(request), "body", INVALID, str(exc))], 422)

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> JSONResponse:
        return answer(request, [problem(i18n.negotiate(request), "id", "conflict", str(exc))], 409)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = i18n.negotiate(request)
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        items: list[dict[str, Any]] = (
            exc.detail if isinstance(exc.detail, list) else [{"field": "path", "reason": str(exc.detail)}]
        )
        problems = [
            problem(
                lang,
                str(i.get("field", "path")),
                str(i.get("code", code)),
                str(i.get("reason", "")),
                **dict(i.get("fields", {})),
            )
            for i in items
        ]
        return answer(request, problems, exc.status_code, headers=getattr(exc, "headers", None))
