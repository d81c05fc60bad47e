"""The public GETs under load answered ahead of FastAPI's own stack.

Under uvicorn a request to ``/config`` cost about 310 µs of CPU through FastAPI (bench/api.py), of which uvicorn
itself spends about 75 µs (a bare ASGI app sending the same bytes): the rest went to FastAPI's and Starlette's
layers (telemetry, the body limit, the error middleware, sessions, compression, each wrapping ``send``), to the
router trying its routes' patterns in turn, and to FastAPI's per-request exit stacks. For the operations every
citizen's page calls that was most of their cost, and it capped what one core serves.

:class:`DirectApp` runs a GET whose route is one of its lean routes (:class:`api.lean.LeanRoute`, of a router
the application includes first and without prefix) itself: the route found as the router would find it (the
first full match, in order), its lean handler awaited, an exception answered by the application's own handler
for it, and the answer compressed as :class:`~starlette.middleware.gzip.GZipMiddleware` would. The session
middleware has nothing to add: it writes a cookie only when a handler changed the session, and no lean handler
reads it (one that did would fail here, having no session in its scope). Every other request goes the whole
way; both ways answer the same (tests/api/test_direct.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.lean import LeanRoute


class DirectApp(FastAPI):
    """A FastAPI application answering the GETs of its ``direct_routes`` ahead of its stack (see the module).

    Attributes
    ----------
    direct_routes
        Routes of a router the application includes first and without prefix; none by default.
    gzip_minimum_size
        Smallest answer compressed for a client accepting gzip, bytes (that of the application's GZip
        middleware).

    Both are set by :meth:`answer_directly`.
    """

    direct_routes: Sequence[BaseRoute] = ()
    gzip_minimum_size: int = 500
    _static: dict[str, BaseRoute] = {}  # noqa: RUF012 (replaced, never changed, by answer_directly)

    def answer_directly(self, routes: Sequence[BaseRoute], gzip_minimum_size: int) -> None:
        """Answer the GETs of ``routes`` (see the class) ahead of the stack; none when empty."""
        self.direct_routes, self.gzip_minimum_size = routes, gzip_minimum_size
        self._static = _static_routes(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        answer = self._direct(scope) if scope["type"] == "http" and scope["method"] == "GET" else None
        if answer is None:
            await super().__call__(scope, receive, send)
            return
        scope["app"] = self
        if any(name == b"accept-encoding" and b"gzip" in value for name, value in scope["headers"]):
            answer = GZipMiddleware(answer, self.gzip_minimum_size)
        await answer(scope, receive, send)

    def _direct(self, scope: Scope) -> ASGIApp | None:
        """The answer of the route the router would run, when it is a lean route; None otherwise."""
        path = scope["path"]
        route = self._static.get(path)
        # A route's own pattern first: its full match costs several times more, and the routes before a path's
        # own are each tried. Behind a root path the pattern sees another path: every route is asked then.
        screen = not scope.get("root_path")
        for candidate in self.direct_routes if route is None else (route,):
            if screen and isinstance(candidate, APIRoute) and candidate.path_regex.match(path) is None:
                continue
            match, child = candidate.matches(scope)
            if match is Match.FULL:
                if not isinstance(candidate, LeanRoute) or candidate.lean is None:
                    return None
                scope.update(child)
                return _Answer(candidate, self.exception_handlers)
        return None


def _static_routes(routes: Sequence[BaseRoute]) -> dict[str, BaseRoute]:
    """The GET routes of ``routes`` without path parameters, by path, where no route before them (in the
    router's order) could match their path: for these, the router's search in order ends on them. A route
    before them of another kind (a mount) could match anything, so none after it is taken."""
    found: dict[str, BaseRoute] = {}
    for i, route in enumerate(routes):
        if not isinstance(route, APIRoute) or "{" in route.path or "GET" not in (route.methods or ()):
            continue
        if all(isinstance(r, APIRoute) and not r.path_regex.match(route.path) for r in routes[:i]):
            found[route.path] = route
    return found


class _Answer:
    """A lean route's answer as an ASGI app: its handler run, an exception answered by the app's handler."""

    def __init__(self, route: LeanRoute, handlers: dict[Any, Any]) -> None:
        self.route = route
        self.handlers = handlers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self.route.lean is not None
        request = Request(scope, receive, send)
        try:
            response = await self.route.lean(request)
        except Exception as exc:
            handler = next((self.handlers[c] for c in type(exc).__mro__ if c in self.handlers), None)
            if handler is None:
                raise
            response = await handler(request, exc)
        await response(scope, receive, send)
