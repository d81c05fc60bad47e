"""Errors of the service and their one mapping to HTTP: every 4xx is one JSON body, in the reader's language.

Body: ``{"detail": [{"field": ..., "reason": ..., "message": ...}]}``. ``reason`` is a stable machine code
(``off_map``, ``unknown_ward``, ``missing``, ``greater_than_equal`` ...: the service's own codes and
pydantic's error types), ``message`` the human text in the request's language (:mod:`api.i18n`: Vietnamese by
default). An error of a lower layer gives its own code and values (:class:`geo._errors.AgencynetError`), said
from the catalogue like the API's own; one without is answered with its category's code.

Bad input (``geo._errors.InputError``, ``OutOfAreaError``, ``InfeasibleError``, the engine's
``routing.errors.ProblemError`` and ``InfeasibleError``, request validation) is 422; a missing or unknown token
401, a token of another role 403; an unknown id, code or path 404; a lost update race and a move the dossier
lifecycle refuses 409. Nothing the caller sends leads to a 500.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, HTTPException, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import compile_path

from api import i18n
from api.schemas import ACCOUNT, BBOX, CLOCK, CURSOR, FOCUS, ID_LAST4, PHONE_LAST4, QUARTER, SHIFT, TEXT, WINDOWS
from geo._errors import AgencynetError, InfeasibleError, InputError
from ops import dossiers
from ops import errors as ops_errors
from ops.errors import ConflictError, IdempotencyError, TransitionError, UnknownError
from routing import errors as routing_errors
from routing.plan import Reason

log = logging.getLogger(__name__)

_FIELD = re.compile(r"^((?:postmen|tasks|progress)(?:\[\d+\])?(?:\.\w+)?): (.+)$", re.DOTALL)
"""A reason that starts by naming its record and field (``tasks[2].pickup: unknown place ...``)."""

_LAST_OR = re.compile(r" or (?=[^,]*$)")
"""The last separator of pydantic's list of the values expected (``'a', 'b' or 'c'``)."""

INVALID = "invalid_value"
"""Code of a refusal the lower layers explain in their own (English) words."""

PATTERNS = {
    TEXT: "empty_query",
    BBOX: "bad_bbox",
    FOCUS: "bad_focus",
    WINDOWS: "bad_windows",
    CLOCK: "bad_clock",
    PHONE_LAST4: "bad_phone_last4",
    ID_LAST4: "id_last4",
    QUARTER: "bad_quarter",
    SHIFT: "bad_shift_pattern",
    ACCOUNT: "bad_account",
    dossiers.PHONE: "bad_phone",
    CURSOR: "bad_cursor",
}
"""Messages of the service's own patterns (the API's and those of the portal's records), in place of "does not
match <regex>"."""

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
}


class FieldError(ops_errors.FieldError):
    """Bad input in a named field of the request (``lat``, ``tasks[2].pickup`` ...), with a message code.

    Give ``code`` (a key of ``errors`` in the catalogues) and its ``fields``; the English text is the
    catalogue's unless ``reason`` gives it.
    """

    def __init__(self, field: str, reason: str = "", *, code: str = INVALID, **fields: Any) -> None:
        super().__init__(field, reason or i18n.text("en", f"errors.{code}", **fields), code=code, **fields)


class _Refusal(HTTPException):
    """A request refused with ``status_code``; ``code`` and ``fields`` as for :class:`FieldError`."""

    status_code_of = status.HTTP_400_BAD_REQUEST

    def __init__(self, field: str, reason: str = "", *, code: str, **fields: Any) -> None:
        reason = reason or i18n.text("en", f"errors.{code}", **fields)
        super().__init__(
            self.status_code_of, detail=[{"field": field, "reason": reason, "code": code, "fields": fields}]
        )


class NotFound(_Refusal):
    """An unknown id in the path or the query."""

    status_code_of = status.HTTP_404_NOT_FOUND

    def __init__(self, field: str, reason: str = "", *, code: str = "not_found", **fields: Any) -> None:
        super().__init__(field, reason, code=code, **fields)


class Forbidden(_Refusal):
    """A resource the reader's role reaches but this reader may not read (another agency's dossier ...)."""

    status_code_of = status.HTTP_403_FORBIDDEN


def problem(lang: str, field: str, code: str, detail: str = "", **fields: Any) -> dict[str, str]:
    """One item of an error body: the field, the machine code and the message in ``lang``."""
    if code != INVALID and i18n.has(f"errors.{code}"):
        message = i18n.said(lang, f"errors.{code}", detail, fields)
    elif lang == "en":
        message = detail
    else:
        message = i18n.text(lang, f"errors.{INVALID}", detail=detail)
    return {"field": field, "reason": code, "message": message}


def body(field: str, message: str, *, code: str) -> dict:
    """An error body with one problem whose message is already written: ``{"detail": [{"field", "reason",
    "message"}]}``."""
    return {"detail": [{"field": field, "reason": code, "message": message}]}


def _field_of(loc: tuple) -> str:
    """The path of the field at fault: ``tasks[2].pickup``; without the request's part (``body``) and the
    branch of a union (a tag in brackets, :mod:`api.schemas`)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header", "cookie")]
    parts = [p for p in parts if not (p.startswith("(") and p.endswith(")"))]
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
    if code in ("literal_error", "enum") and isinstance(context.get("expected"), str):
        context["expected"] = _LAST_OR.sub(", ", context["expected"])  # pydantic's English "'a', 'b' or 'c'"
    loc = tuple(error.get("loc", ()))
    field = _field_of(loc)
    detail = str(error.get("msg", "invalid"))
    key = f"validation.{code}"
    if code == "json_invalid" and loc[1:2] and isinstance(loc[1], int):
        # FastAPI puts where the body stops being JSON (from 0) in the field's place ("[1]"): the body, from there.
        field, context, key = "body", {"position": loc[1] + 1}, "validation.json_invalid_at"
    if code == "extra_forbidden" and loc[:1] == ("query",):
        # A model of query parameters (api.schemas) refuses an unknown one, as api.contract.known_query_only does.
        return problem(lang, field, "unknown_parameter", name=field)
    if code == "string_pattern_mismatch" and context.get("pattern") in PATTERNS:
        key = PATTERNS[context["pattern"]]
    if i18n.has(f"errors.{key}"):
        return {"field": field, "reason": code, "message": i18n.text(lang, f"errors.{key}", detail=detail, **context)}
    return problem(lang, field, INVALID, detail) | {"reason": code}


def recorded(lang: str, item: Mapping[str, Any]) -> dict[str, str]:
    """A problem a lower layer recorded rather than raised (a rejected record of the portal's feed:
    ``{"field", "code", "text", "values"}``, :mod:`ops.ingest`), said in ``lang`` as a refusal would be: a code
    of the catalogues' errors, or pydantic's error type."""
    field, code, text, values = item["field"], item["code"], item["text"], dict(item.get("values", {}))
    if i18n.has(f"errors.{code}"):
        return problem(lang, field, code, text, **values)
    return _validation_problem(lang, {"type": code, "loc": (field,), "msg": text, "ctx": values})


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""

    def answer(request: Request, problems: list[dict[str, str]], code: int, **kwargs: Any) -> JSONResponse:
        return JSONResponse({"detail": problems}, status_code=code, **kwargs)

    @app.exception_handler(RequestValidationError)
    async def validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        lang = i18n.negotiate(request)
        return answer(request, [_validation_problem(lang, e) for e in exc.errors()], 422)

    def answer_to(request: Request, exc: AgencynetError, field: str, code: str, status_code: int) -> JSONResponse:
        """The answer to ``exc``: one problem in the raiser's field (else ``field``), with the raiser's code when
        it gave one (else ``code``)."""
        lang = i18n.negotiate(request)
        problems = [problem(lang, exc.field or field, exc.code or code, str(exc), **exc.fields)]
        return answer(request, problems, status_code)

    def in_field(lang: str, exc: ops_errors.FieldError) -> dict[str, str]:
        """The problem of a field at fault: its reason without the field's name."""
        return problem(lang, exc.field, exc.code or INVALID, exc.reason, **exc.fields)

    @app.exception_handler(ops_errors.FieldError)
    async def field_error(request: Request, exc: ops_errors.FieldError) -> JSONResponse:
        return answer(request, [in_field(i18n.negotiate(request), exc)], 422)

    @app.exception_handler(ops_errors.FieldErrors)
    async def field_errors(request: Request, exc: ops_errors.FieldErrors) -> JSONResponse:
        lang = i18n.negotiate(request)
        return answer(request, [in_field(lang, p) for p in exc.problems], 422)

    @app.exception_handler(InfeasibleError)
    @app.exception_handler(routing_errors.InfeasibleError)
    async def infeasible(request: Request, exc: Exception) -> JSONResponse:
        lang = i18n.negotiate(request)
        reasons = getattr(exc, "reasons", {})
        if reasons:  # the tasks that must be served and cannot be, each said with its reason
            problems = [
                {"field": "tasks", "reason": "infeasible", "message": _task_infeasible(lang, task, why)}
                for task, why in reasons.items()
            ]
            return answer(request, problems, 422)
        if isinstance(exc, AgencynetError) and exc.code is not None:
            return answer_to(request, exc, "body", "infeasible", 422)
        lines = [line for line in str(exc).splitlines() if line] or [str(exc)]
        return answer(request, [problem(lang, "body", "infeasible", line) for line in lines], 422)

    @app.exception_handler(InputError)
    @app.exception_handler(routing_errors.ProblemError)
    async def input_error(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, AgencynetError) and exc.code is not None:
            return answer_to(request, exc, "body", INVALID, 422)
        lang = i18n.negotiate(request)
        return answer(request, [problem(lang, f, INVALID, r) for f, r in reasons(str(exc))], 422)

    @app.exception_handler(IdempotencyError)
    async def idempotency(request: Request, exc: IdempotencyError) -> JSONResponse:
        return answer_to(request, exc, "Idempotency-Key", "idempotency_key_reused", 422)

    @app.exception_handler(UnknownError)
    async def unknown(request: Request, exc: UnknownError) -> JSONResponse:
        return answer_to(request, exc, "code", "not_found", 404)

    @app.exception_handler(TransitionError)
    async def refused(request: Request, exc: TransitionError) -> JSONResponse:
        return answer_to(request, exc, "to", "transition_refused", 409)

    @app.exception_handler(AgencynetError)
    async def other(request: Request, exc: AgencynetError) -> JSONResponse:
        return answer_to(request, exc, "body", INVALID, 422)

    @app.exception_handler(ConflictError)
    async def conflict(request: Request, exc: ConflictError) -> JSONResponse:
        return answer_to(request, exc, "id", "conflict", 409)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        lang = i18n.negotiate(request)
        code = _HTTP_CODES.get(exc.status_code, f"http_{exc.status_code}")
        items: list[dict[str, Any]] = (
            exc.detail if isinstance(exc.detail, list) else [{"field": "path", "reason": str(exc.detail)}]
        )
        if exc.status_code == status.HTTP_404_NOT_FOUND and not isinstance(exc.detail, list):
            # No route: Starlette's own "Not Found", said with the path asked ("Không tìm thấy: Not Found" before).
            path = request.url.path
            items = [
                {
                    "field": "path",
                    "code": "no_such_path",
                    "reason": f"no page or API path {path}",
                    "fields": {"path": path},
                }
            ]
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
        headers = getattr(exc, "headers", None)
        if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
            headers = {**(headers or {}), "Allow": _allowed(request, (headers or {}).get("Allow", ""))}
        return answer(request, problems, exc.status_code, headers=headers)


def _task_infeasible(lang: str, task: str, why: Reason) -> str:
    """That task ``task``, which must be served, cannot be, and ``why``, in ``lang``."""
    said = i18n.said(lang, f"unserved.{why.code}", why.text, why.values)
    return i18n.said(lang, "errors.task_infeasible", f"task {task!r}: {why.text}", {"task": task, "why": said})


def _allowed(request: Request, given: str) -> str:
    """The methods the OpenAPI document lists for the request's path (``given`` when it lists none): Starlette's
    405 names those of the first route on the path only, and a path's GET and POST are often two routes."""
    path = request.scope["path"].removeprefix(request.scope.get("root_path", ""))
    methods = {
        method.upper()
        for template, operations in request.app.openapi()["paths"].items()
        if compile_path(template)[0].match(path)
        for method in operations
    }
    return ", ".join(sorted(methods)) or given
