"""Shared fixtures: the real central-Hanoi map, built once per test session; and the turns of the tests that must
run alone on the machine.

The tests run in two processes (pytest-xdist). A few measure the wall clock: a search whose budget of work, not its
time limit, must end it on an idle machine (the same plan twice), a time limit kept, a supervisor's timing. Marked
``alone``, such a test waits until the other process has finished the test it is running, and keeps it from starting
another until done. A lock file shared by the processes, taken shared by every test and exclusive by those marked;
a second lock, the gate, held by a test marked while it waits, so that the others cannot keep it waiting for ever.
Hand-written: pytest-xdist groups tests on one process (``xdist_group``) but runs nothing alone.
"""

from __future__ import annotations

import fcntl
from collections.abc import Generator, Iterator
from typing import IO

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


_turns: dict[str, IO[str]] = {}
"""The gate and the room, open for the session (:func:`turns`)."""


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "alone: measures the wall clock; runs while no other test runs",
    )


@pytest.fixture(scope="session", autouse=True)
def turns(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Iterator[None]:
    """The lock files of this run, in the folder the processes share (none without pytest-xdist)."""
    if worker_id != "master":
        shared = tmp_path_factory.getbasetemp().parent
        _turns.update((name, (shared / f"tests-{name}.lock").open("a")) for name in ("gate", "room"))
    yield
    for held in _turns.values():
        held.close()
    _turns.clear()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    if not _turns:
        return (yield)
    alone = item.get_closest_marker("alone") is not None
    fcntl.flock(_turns["gate"], fcntl.LOCK_EX)
    try:
        fcntl.flock(_turns["room"], fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
    finally:
        fcntl.flock(_turns["gate"], fcntl.LOCK_UN)
    try:
        return (yield)
    finally:
        fcntl.flock(_turns["room"], fcntl.LOCK_UN)
