"""What the API promises in its OpenAPI document, kept equal to what it answers (checked by schemathesis).

- One error body for every 4xx (:class:`api.schemas.ErrorBody`), in place of FastAPI's default validation
  schema, which the service never sends.
- Every status an operation can answer: 422 where it takes input, 401/403 behind a token, 404 for an id in the
  path, 409 where a stored record is updated; routers add the others (404 for an unknown address or ward).
  Redirects (sign-in) have no body.
- The constraints the service enforces that depend on the running service: the map's bounds for ``lat`` and
  ``lon``, the operator's longest search budget for ``time_limit_s``.
- GeoJSON answers are ``application/geo+json`` (:class:`GeoJSONResponse`); the pages are ``text/html``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel

from api.errors import FieldError
from api.lean import refuse_repeated, takes_many
from api.schemas import ErrorBody

GEOJSON = "application/geo+json"

PAGES_TAG = "pages"
"""Tag of the HTML pages: documented like the operations, but a page refuses no query parameter (its script
reads its own, and a shared link may carry others)."""

CALLBACKS_TAG = "receipts"
"""Tag of the operations a provider calls (its delivery receipts, :mod:`api.routers.receipts`): they refuse no query
parameter either, since the provider sends parameters of its own beyond those read, and may add others."""

_ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
_DESCRIPTIONS = {
    "400": "A body that is not JSON",
    "401": "No token, or an unknown one",
    "403": "A token of another role",
    "404": "Unknown id",
    "409": "The record changed meanwhile; read it again and retry",
    "422": "Invalid input: each problem with its field, a machine reason code and a message",
}


class FastJSON(Response):
    """A JSON answer serialised by orjson, which the public handlers under load return as is.

    FastAPI then neither validates it against the operation's response model nor serialises it again (together
    more than the work of a nearest-agency answer, bench/api.py); the model still documents it, and the
    contract test (schemathesis) checks every answer against the schema.
    """

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


class GeoJSONResponse(JSONResponse):
    """A JSON answer served as GeoJSON (RFC 7946 media type)."""

    media_type = GEOJSON


class JPEGResponse(Response):
    """A photo, as JPEG."""

    media_type = "image/jpeg"


JPEG_ANSWER = {"content": {JPEGResponse.media_type: {"schema": {"type": "string", "format": "binary"}}}}
"""How an operation answering :class:`JPEGResponse` documents its 200."""


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` describe the service as it answers.

    The map (``app.state.amap``, loaded at start-up) and the settings give the dynamic constraints, so the
    document is built at its first request.
    """

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        document = get_openapi(
            title=app.title, version=app.version, summary=app.summary, description=app.description, routes=app.routes
        )
        _errors(document)
        _bounds(document, app)
        app.openapi_schema = document
        return document

    app.openapi = openapi  # type: ignore[method-assign]


async def known_query_only(request: Request) -> None:
    """Refuse query parameters an operation does not declare (a misspelt ``limt=5`` is not silently ignored),
    and one that takes one value given several times (:func:`api.lean.refuse_repeated`).

    A coroutine, so that FastAPI does not run it in a worker thread on every request."""
    route = request.scope.get("route")
    if not isinstance(route, APIRoute) or not route.include_in_schema or {PAGES_TAG, CALLBACKS_TAG} & set(route.tags):
        return
    known, singles = _query_names(route)
    params = request.query_params
    unknown = set(params) - known
    if unknown:
        first = min(unknown)
        raise FieldError(first, code="unknown_parameter", name=first)
    if len(params) < len(params.multi_items()):
        refuse_repeated(params, singles)


_NAMES: dict[int, tuple[APIRoute, frozenset[str], frozenset[str]]] = {}
"""Query parameters of each route by ``id``, and those taking one value (routes are unhashable; the route is
kept so its id stays its own)."""


def _query_names(route: APIRoute) -> tuple[frozenset[str], frozenset[str]]:
    """The query parameters ``route`` declares, its dependencies' included, and those of them taking one value
    (routes are fixed once served)."""
    known = _NAMES.get(id(route))
    if known is not None and known[0] is route:
        return known[1], known[2]

    def names(dependant: Dependant) -> dict[str, bool]:
        found: dict[str, bool] = {}
        for p in dependant.query_params:
            model = p.field_info.annotation
            # A model of query parameters (api.schemas._Strict) refuses the unknown ones itself.
            if isinstance(model, type) and issubclass(model, BaseModel):
                found |= {name: takes_many(f.annotation) for name, f in model.model_fields.items()}
            else:
                found[p.alias] = takes_many(p.field_info.annotation)
        for sub in dependant.dependencies:
            found |= names(sub)
        return found

    found = names(route.dependant)
    known_names = frozenset(found)
    singles = frozenset(name for name, many in found.items() if not many)
    _NAMES[id(route)] = (route, known_names, singles)
    return known_names, singles


def _errors(document: dict[str, Any]) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(body.pop("$defs", {}))
    schemas["ErrorBody"] = body
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            codes = set()
            # A page takes its parameters as they come (see PAGES_TAG).
            validated = bool(operation.get("parameters")) and PAGES_TAG not in operation.get("tags", ())
            if validated or operation.get("requestBody"):
                codes.add("422")
            if operation.get("requestBody"):
                codes.add("400")
            if operation.get("security"):
                codes |= {"401", "403"}
            if "{" in path:
                codes.add("404")
            if method in ("post", "put", "patch") and "{" in path:
                codes.add("409")
            responses = operation.setdefault("responses", {})
            for code in [c for c in responses if c.startswith("3")]:
                # A redirect has no body (FastAPI documents one by default).
                responses[code].pop("content", None)
                responses[code].setdefault("headers", {"Location": {"schema": {"type": "string"}}})
            for code in sorted(codes | {c for c in responses if c.startswith("4")}):
                responses[code] = {
                    "description": responses.get(code, {}).get("description") or _DESCRIPTIONS.get(code, "Refused"),
                    "content": {"application/json": {"schema": _ERROR_REF}},
                }


def links(parameter: str, value: str, *operations: str) -> dict[str, Any]:
    """An answer's OpenAPI links to ``operations`` (their ids), each given ``parameter`` from ``value``
    (``$response.body#/id``, ``$request.path.date``): what a client does next with what it made, and the sequences
    schemathesis' stateful phase follows (it reached no stored plan, scenario or day without them)."""
    return {
        "links": {operation: {"operationId": operation, "parameters": {parameter: value}} for operation in operations}
    }


_ON_MAP = ("PlaceIn",)
"""Request bodies whose ``lat`` and ``lon`` the service checks against the map's bounds."""


def _bounds(document: dict[str, Any], app: FastAPI) -> None:
    amap = getattr(app.state, "amap", None)
    settings = app.state.settings
    limits: dict[str, tuple[float, float]] = {}
    if amap is not None:
        # The very bounds api.deps.check_on_map enforces: those of the roads' lines, not of the nodes alone.
        west, south, east, north = amap.bounds
        limits = {"lat": (south, north), "lon": (west, east)}
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("name") in limits:
                    _set_range(parameter["schema"], *limits[parameter["name"]])
    for name in _ON_MAP:
        for axis, (low, high) in limits.items():
            _set_range(document["components"]["schemas"][name]["properties"][axis], low, high)
    for schema in document["components"]["schemas"].values():
        budget = schema.get("properties", {}).get("time_limit_s")
        if budget is not None:
            _set_range(budget, None, settings.max_solve_time_s)


def _set_range(schema: dict[str, Any], low: float | None, high: float) -> None:
    """Bounds on a number's schema (inside ``anyOf`` when it may be null)."""
    for option in schema.get("anyOf", [schema]):
        if option.get("type") in ("number", "integer"):
            if low is not None:
                option["minimum"] = low
            option["maximum"] = high
