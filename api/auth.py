"""Who is asking: a bearer token with a role (systems, scripts) or a person signed in to the pages.

The operator configures tokens in ``AGENCYNET_TOKENS`` (``"tokenA:planner,tokenB:portal"``) or a file
named by ``AGENCYNET_TOKENS_FILE`` (JSON or TOML mapping each token to a role). People sign in with the
accounts of :mod:`ops.accounts`; their session is a signed cookie (Starlette's SessionMiddleware, itsdangerous).
Citizen endpoints are public; without a token or a session a protected endpoint answers 401; with another
role, 403.
"""

from __future__ import annotations

import hmac
import json
import logging
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from geo._errors import InputError
from ops.accounts import ROLES, Principal

log = logging.getLogger(__name__)

_bearer = HTTPBearer(auto_error=False, description="A token configured by the operator, with its role")

SESSION_KEY = "user"
"""Key of the signed-in person (name, role, agency) in the session cookie."""


def parse_tokens(text: str) -> dict[str, str]:
    """Tokens and roles from ``"tokenA:planner,tokenB:dispatcher"`` (blanks and empty items ignored)."""
    tokens: dict[str, str] = {}
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        token, sep, role = item.rpartition(":")
        if not sep or not token:
            raise InputError(f"AGENCYNET_TOKENS: {item!r} is not token:role")
        tokens[token.strip()] = role.strip()
    return _checked(tokens, "AGENCYNET_TOKENS")


def read_tokens_file(path: Path) -> dict[str, str]:
    """Tokens and roles from a JSON object or a TOML file (a ``[tokens]`` table or top-level keys)."""
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text) if path.suffix == ".toml" else json.loads(text)
    except (ValueError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"tokens file {path}: {exc}") from exc
    if isinstance(data, Mapping) and isinstance(data.get("tokens"), Mapping):
        data = data["tokens"]
    if not isinstance(data, Mapping):
        raise InputError(f"tokens file {path}: expected a mapping of token to role")
    return _checked({str(k): str(v) for k, v in data.items()}, str(path))


def _checked(tokens: dict[str, str], where: str) -> dict[str, str]:
    for token, role in tokens.items():
        if role not in ROLES:
            raise InputError(f"{where}: unknown role {role!r} (expected one of {', '.join(ROLES)})")
        if len(token) < 8:
            raise InputError(f"{where}: a token must have at least 8 characters")
    return tokens


def role_of(tokens: Mapping[str, str], presented: str) -> str | None:
    """The role of a presented token, or ``None``; compares in constant time per configured token."""
    found = None
    for token, role in tokens.items():
        if hmac.compare_digest(token.encode(), presented.encode()):
            found = role
    return found


def sign_in(request: Request, who: Principal) -> None:
    """Remember ``who`` in the request's session cookie."""
    request.session[SESSION_KEY] = {"name": who.name, "role": who.role, "agency_id": who.agency_id}


def signed_in(request: Request) -> Principal | None:
    """The person of the session cookie, or ``None``."""
    data = request.scope.get("session", {}).get(SESSION_KEY)
    return Principal(**data) if isinstance(data, dict) else None


def require(*roles: str) -> Callable[..., Principal]:
    """A dependency that lets a request through only with a bearer token or a session of one of ``roles``."""

    def dependency(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
    ) -> Principal:
        if credentials is not None and credentials.scheme.lower() == "bearer":
            found = role_of(request.app.state.tokens, credentials.credentials)
            if found is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    detail=[{"field": "Authorization", "reason": "unknown token", "code": "unknown_token"}],
                    headers={"WWW-Authenticate": "Bearer"},
                )
            who = Principal(f"token:{found}", found)
        else:
            person = signed_in(request)
            if person is None:
                raise HTTPException(
                    status.HTTP_401_UNAUTHORIZED,
                    detail=[
                        {
                            "field": "Authorization",
                            "reason": "a bearer token or signing in is required",
                            "code": "sign_in_needed",
                        }
                    ],
                    headers={"WWW-Authenticate": "Bearer"},
                )
            who = person
        if who.role not in roles:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=[
                    {
                        "field": "Authorization",
                        "reason": f"this endpoint needs the role {' or '.join(map(repr, roles))}",
                        "code": "role_needed",
                        "fields": {"roles": list(roles)},
                    }
                ],
            )
        return who

    return dependency
