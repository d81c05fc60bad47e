"""Plans survive a restart of the service; concurrent writes do not corrupt the database."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from geo.addressmap import AddressMap
from ops.errors import ConflictError
from ops.store import Store
from tests.api.conftest import DISPATCHER, client_for, settings_for

HEADERS = {"Authorization": f"Bearer {DISPATCHER}"}


def test_plan_survives_restart(hanoi: AddressMap, tmp_path: Path) -> None:
    database = tmp_path / "restart.sqlite"
    with client_for(settings_for(database), hanoi) as first:
        created = first.post(
            "/plans", json={"generate": 5, "postmen": 1, "seed": 7, "time_limit_s": 1}, headers=HEADERS
        )
        assert created.status_code == 201
        plan_id = created.json()["id"]
        geojson = first.get(f"/plans/{plan_id}/geojson", headers=HEADERS).json()
    assert database.exists()
    with client_for(settings_for(database), hanoi) as second:
        again = second.get(f"/plans/{plan_id}", headers=HEADERS)
        assert again.status_code == 200
        assert again.json()["plan"] == created.json()["plan"]
        assert second.get(f"/plans/{plan_id}/geojson", headers=HEADERS).json() == geojson
        more = {
            "id": "late",
            "kind": "shuttle",
            "pickup": hanoi.agencies.iloc[0]["agency_id"],
            "delivery": "osm:way/309723042",
        }
        added = second.post(
            f"/plans/{plan_id}/tasks", json={"tasks": [more], "at": "09:00", "time_limit_s": 1}, headers=HEADERS
        )
        assert added.status_code == 200, added.text


def test_concurrent_writes(tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'busy.sqlite'}")
    with ThreadPoolExecutor(8) as pool:
        ids = list(pool.map(lambda i: store.add("plan", {"i": i}, {}, {"i": i}), range(200)))
    assert len(set(ids)) == 200
    assert all(store.get("plan", pid)["result"]["i"] == i for i, pid in enumerate(ids))
    target = ids[0]

    def bump(_: int) -> bool:
        try:
            store.update("plan", target, 1, state={}, result={"winner": True})
        except ConflictError:
            return False
        return True

    with ThreadPoolExecutor(8) as pool:
        wins = list(pool.map(bump, range(16)))
    assert sum(wins) == 1
    assert store.get("plan", target)["version"] == 2
    with pytest.raises(ConflictError):
        store.update("plan", target, 1, state={}, result={})
    store.close()
