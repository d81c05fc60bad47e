"""Shared fixtures: the real central-Hanoi map, built once per test session."""

from __future__ import annotations

import pytest

from geo import addressmap, network
from geo.addressmap import AddressMap
from geo.network import RoadNetwork
from routing import alns


@pytest.fixture(scope="session", autouse=True)
def compiled_search() -> None:
    """The dispatch search compiled (or loaded from numba's cache) before any test, as the service does at start:
    on a fresh clone the first compilation takes about a minute, which would fall inside some test's time limit."""
    alns.warm_up()


@pytest.fixture(scope="session")
def hanoi() -> AddressMap:
    """The default map: central Hanoi, motorbike profile (network cached under data/cache)."""
    return addressmap.load()


@pytest.fixture(scope="session")
def motorbike(hanoi: AddressMap) -> RoadNetwork:
    return hanoi.network


@pytest.fixture(scope="session")
def car() -> RoadNetwork:
    return network.build(profile="car")
