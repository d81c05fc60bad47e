"""Fixtures of the service tests: one app on the real central-Hanoi map, a database in a temporary folder."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from geo.addressmap import AddressMap

with warnings.catch_warnings():
    # Starlette's test client warns that httpx is deprecated in favour of httpx2 (not a dependency here).
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

PLANNER = "planner-secret-token"
DISPATCHER = "dispatcher-secret-token"
PORTAL = "portal-secret-token"
ADMIN = "admin-secret-token"


def settings_for(database: Path) -> Settings:
    """Settings of a test service on a database file."""
    tokens = f"{PLANNER}:planner,{DISPATCHER}:dispatcher,{PORTAL}:portal,{ADMIN}:admin"
    return Settings(database_url=f"sqlite:///{database}", tokens=tokens)


def client_for(settings: Settings, amap: AddressMap) -> TestClient:
    """A test client of a new app (start-up runs when entered)."""
    return TestClient(create_app(settings, amap=amap))


@pytest.fixture(scope="session")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("api") / "agencynet.sqlite"


@pytest.fixture(scope="session")
def client(hanoi: AddressMap, database: Path) -> Iterator[TestClient]:
    with client_for(settings_for(database), hanoi) as test_client:
        yield test_client


@pytest.fixture(scope="session")
def planner() -> dict[str, str]:
    return {"Authorization": f"Bearer {PLANNER}"}


@pytest.fixture(scope="session")
def dispatcher() -> dict[str, str]:
    return {"Authorization": f"Bearer {DISPATCHER}"}


@pytest.fixture(scope="session")
def small_plan(client: TestClient, dispatcher: dict[str, str]) -> dict:
    """A generated day of 8 tasks for 2 postmen, planned once for the session."""
    response = client.post(
        "/plans", json={"generate": 8, "postmen": 2, "seed": 3, "time_limit_s": 1}, headers=dispatcher
    )
    assert response.status_code == 201, response.text
    return response.json()
