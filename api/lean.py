"""A lean route for the public operations under load: its query validated in one call, no dependency solved.

FastAPI resolves an operation's inputs generically: per request it walks the dependency tree, opens two exit
stacks, and reads and validates each query parameter on its own (a model of query parameters too: a loop over
its fields with type inspection on every request). For ``/agencies/nearest`` that took about as much CPU as
finding the agencies and their routes (bench/api.py). :class:`LeanRoute` keeps FastAPI for everything it
*describes* (the operation, its parameters and answers in the OpenAPI document, the error handlers) and runs
the operation itself by hand, for an endpoint of this one shape:

- a coroutine taking at most the :class:`~fastapi.Request`, path parameters and one model of query parameters
  that refuses unknown ones (``extra="forbid"``, :class:`api.schemas._Strict`), and returning a Response;
- the query is validated by ``model.model_validate`` (lax mode, as FastAPI validates query strings), a list
  field read with all its values; errors are raised as FastAPI's :class:`RequestValidationError` with the same
  ``loc``, so the project's error body and reason codes stay those of every other operation;
- no dependency runs: the application's only one (:func:`api.contract.known_query_only`, the refusal of an
  unknown parameter) is done by the strict model; :func:`check` fails at start-up if the app gains another.

Any other shape falls back to FastAPI's own handler.
"""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Collection, Coroutine
from typing import Any, Literal

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.datastructures import QueryParams

from api.errors import FieldError

Handler = Callable[[Request], Coroutine[Any, Any, Response]]


class LeanRoute(APIRoute):
    """An API route run by :func:`handler` when its endpoint has the lean shape (see the module).

    ``lean`` is that handler (None for another shape), which :mod:`api.direct` also runs on its own.
    """

    lean: Handler | None = None

    def get_route_handler(self) -> Handler:
        self.lean = handler(self)
        return self.lean or super().get_route_handler()


def _query_model(route: APIRoute) -> tuple[str, type[BaseModel]] | Literal[False] | None:
    """The parameter name and model of the route's query; None without query; False when not lean."""
    params = route.dependant.query_params
    if not params:
        return None
    model = params[0].field_info.annotation
    if len(params) > 1 or not (isinstance(model, type) and issubclass(model, BaseModel)):
        return False
    if model.model_config.get("extra") != "forbid":
        return False
    return params[0].name, model


def takes_many(annotation: Any) -> bool:
    """Whether a query field takes repeated values (``kind=a&kind=b``): a list, tuple or set, or one of them or
    ``None``."""
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    options = [a for a in typing.get_args(annotation) if a is not type(None)] if union else [annotation]
    return any(typing.get_origin(a) in (list, tuple, set, frozenset) for a in options)


def handler(route: APIRoute) -> Handler | None:
    """The lean handler of ``route``, or None when its endpoint has another shape."""
    dependant = route.dependant
    query = _query_model(route)
    if (
        query is False
        or dependant.dependencies
        or dependant.header_params
        or dependant.cookie_params
        or dependant.body_params
        or dependant.response_param_name
        or dependant.background_tasks_param_name
        or not inspect.iscoroutinefunction(dependant.call)
    ):
        return None
    endpoint = dependant.call
    assert endpoint is not None
    request_name = dependant.request_param_name
    paths = [(field.name, field.alias, field) for field in dependant.path_params]
    name, model = query if query else ("", None)
    lists = frozenset(k for k, f in model.model_fields.items() if takes_many(f.annotation)) if model else frozenset()
    singles = frozenset(model.model_fields) - lists if model else frozenset()

    async def run(request: Request) -> Response:
        values: dict[str, Any] = {}
        errors: list[Any] = []
        if request_name is not None:
            values[request_name] = request
        for key, alias, field in paths:
            value, problems = field.validate(request.path_params[alias], loc=("path", alias))
            values[key] = value
            errors += problems
        if model is not None:
            params = request.query_params
            if len(params) < len(params.multi_items()):
                refuse_repeated(params, singles)
            raw = {key: params.getlist(key) if key in lists else value for key, value in params.items()}
            try:
                values[name] = model.model_validate(raw)
            except ValidationError as exc:
                errors += [e | {"loc": ("query", *e["loc"])} for e in exc.errors(include_url=False)]
        if errors:
            raise RequestValidationError(errors)
        response = await endpoint(**values)
        if not isinstance(response, Response):
            raise TypeError(f"{route.path}: a lean route's endpoint returns a Response, not {type(response)}")
        return response

    return run


def refuse_repeated(params: QueryParams, singles: Collection[str]) -> None:
    """Refuse a parameter of ``singles`` (those taking one value) given more than once: the document's form of
    query says one value, and taking the last of several would answer another question than the one asked."""
    repeated = sorted(key for key in set(params) & set(singles) if len(params.getlist(key)) > 1)
    if repeated:
        raise FieldError(repeated[0], code="repeated_parameter", name=repeated[0])


def check(app: FastAPI, allowed: tuple[Callable[..., Any], ...]) -> None:
    """Fail at start-up when ``app`` has a dependency other than ``allowed`` (a lean route would skip it)."""
    calls = [d.dependency for d in app.router.dependencies]
    if any(call not in allowed for call in calls):
        raise RuntimeError(f"lean routes run no dependency, but the application has {calls}")
