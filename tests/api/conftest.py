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


def plan_places(hanoi: AddressMap) -> dict[str, str]:
    """An agency (post office) on the map, an authority near the centre and a household on the map."""
    post = hanoi.agencies[hanoi.agencies["kind"] == "post_office"].iloc[0]["agency_id"]
    other = hanoi.agencies.iloc[1]["agency_id"]
    households = hanoi.layers.households.cx[105.84:105.86, 21.02:21.04]
    return {
        "depot": post,
        "agency": other,
        "authority": "osm:way/309723042",
        "household": households.iloc[0]["household_id"],
    }


def explicit_plan(places: dict[str, str]) -> dict:
    """``POST /plans`` of one postman, a shuttle and a home pickup among ``places`` (:func:`plan_places`)."""
    return {
        "postmen": [{"id": "Minh", "depot": places["depot"], "capacity": 20, "shift": "07:30-17:30"}],
        "tasks": [
            {"id": "S1", "kind": "shuttle", "pickup": places["agency"], "delivery": places["authority"], "load": 2},
            {
                "id": "H1",
                "kind": "home_pickup",
                "pickup": places["household"],
                "delivery": places["agency"],
                "pickup_window": "09:00-11:00",
                "priority": 4,
            },
        ],
        "time_limit_s": 1,
    }


def conflicting_plan(places: dict[str, str]) -> dict:
    """:func:`explicit_plan` with both tasks mandatory, in the same five minutes at two places apart: the one
    postman can do one of them."""
    body = explicit_plan(places)
    for task in body["tasks"]:
        task |= {"mandatory": True, f"{'delivery' if task['kind'] == 'shuttle' else 'pickup'}_window": "16:50-16:55"}
    return body
