"""Bearer tokens and roles: 401 without a valid token, 403 with the wrong role; token configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api import auth
from geo._errors import InputError

PROTECTED = [
    ("get", "/coverage", "planner"),
    ("post", "/scenarios", "planner"),
    ("get", "/scenarios/scenario-000000000000", "planner"),
    ("get", "/plans", "dispatcher"),
    ("post", "/plans", "dispatcher"),
    ("get", "/plans/plan-000000000000", "dispatcher"),
    ("get", "/plans/plan-000000000000/geojson", "dispatcher"),
    ("post", "/plans/plan-000000000000/tasks", "dispatcher"),
]


@pytest.mark.parametrize(("method", "path", "role"), PROTECTED)
def test_roles(client, planner, dispatcher, method: str, path: str, role: str) -> None:
    call = getattr(client, method)
    assert call(path).status_code == 401
    assert call(path, headers={"Authorization": "Bearer not-a-known-token"}).status_code == 401
    assert call(path, headers={"Authorization": "Basic dXNlcjpwYXNz"}).status_code == 401
    wrong = dispatcher if role == "planner" else planner
    response = call(path, headers=wrong)
    assert response.status_code == 403
    assert response.json()["detail"][0]["field"] == "Authorization"


def test_public_endpoints_need_no_token(client) -> None:
    assert client.get("/agencies").status_code == 200
    assert client.get("/search", params={"q": "bưu điện"}).status_code == 200


def test_parse_tokens(tmp_path: Path) -> None:
    assert auth.parse_tokens(" alpha-token:planner, beta-token:dispatcher ,") == {
        "alpha-token": "planner",
        "beta-token": "dispatcher",
    }
    with pytest.raises(InputError, match="unknown role"):
        auth.parse_tokens("alpha-token:superuser")
    with pytest.raises(InputError, match="token:role"):
        auth.parse_tokens("alpha-token")
    with pytest.raises(InputError, match="8 characters"):
        auth.parse_tokens("abc:planner")
    path = tmp_path / "tokens.json"
    path.write_text(json.dumps({"gamma-token": "planner"}))
    assert auth.read_tokens_file(path) == {"gamma-token": "planner"}
    toml = tmp_path / "tokens.toml"
    toml.write_text('[tokens]\n"delta-token" = "dispatcher"\n')
    assert auth.read_tokens_file(toml) == {"delta-token": "dispatcher"}
