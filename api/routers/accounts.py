"""Signing in to the pages: the form (page ``/signin``, :mod:`api.app`) posts the name and password, the session is a
signed cookie.

Wrong passwords are throttled per client like wrong tracking checks.
"""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request, status
from fastapi.responses import JSONResponse, RedirectResponse

from api import auth, schemas
from api.deps import StoreDep, client_key, throttled
from ops import accounts
from ops.accounts import Principal

log = logging.getLogger(__name__)

router = APIRouter(tags=["accounts"])


@router.post(
    "/signin",
    summary="Sign in to the pages",
    status_code=status.HTTP_303_SEE_OTHER,
    response_model=None,
    responses={429: {"model": schemas.ErrorBody, "description": "too many wrong passwords; wait Retry-After s"}},
)
def signin(
    request: Request,
    store: StoreDep,
    username: Annotated[str, Form(min_length=1, max_length=64)],
    password: Annotated[str, Form(min_length=1, max_length=200)],
    next: Annotated[str, Form(max_length=200)] = "/signin",
) -> RedirectResponse | JSONResponse:
    """Check the password; on success the session cookie is set and the browser goes to ``next`` (a path of
    this site), on failure back to the form with ``?error=1``."""
    key = client_key(request, "signin")
    if (refused := throttled(request, key, "password")) is not None:
        return refused
    who = accounts.authenticate(store.engine, username, password)
    if who is None:
        request.app.state.throttle.miss(key)
        log.info("failed sign-in for %r", username)
        return RedirectResponse("/signin?error=1", status_code=status.HTTP_303_SEE_OTHER)
    auth.sign_in(request, who)
    target = next if next.startswith("/") and not next.startswith("//") else "/signin"
    return RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)


@router.post("/signout", summary="Sign out", status_code=status.HTTP_303_SEE_OTHER)
def signout(request: Request) -> RedirectResponse:
    """Forget the session."""
    request.session.clear()
    return RedirectResponse("/signin", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/me", summary="Who is signed in", response_model=schemas.Me, responses={401: {"model": schemas.ErrorBody}})
def me(store: StoreDep, who: Annotated[Principal, Depends(auth.require(*accounts.ROLES))]) -> dict:
    """The name, full name, role and agency of the person signed in (or of the token)."""
    return accounts.described(store.engine, who)
