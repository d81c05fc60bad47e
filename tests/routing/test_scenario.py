"""A generated Hanoi day solved end to end on the real map, the plan verified by the checker."""

from __future__ import annotations

import json

import pytest

from api.cli import main
from geo.addressmap import AddressMap
from routing import check, scenario, solver


def test_generated_day_is_solved_checked_and_drawn_on_roads(hanoi: AddressMap) -> None:
    day = scenario.generate(hanoi, 14, postmen=3, seed=4)
    assert len(day.problem.tasks) == 14
    assert day.synthetic
    assert set(day.places["role"]) >= {"depot", "agency", "authority", "household"}
    plan = solver.solve(day.problem, time_limit_s=3)
    verdict = check.check(day.problem, plan)
    assert verdict.ok, verdict.violations
    assert verdict.distance == plan.distance
    served = {s.task for r in plan.routes for s in r.stops if s.task}
    assert served | {u.task for u in plan.unserved} == {t.id for t in day.problem.tasks}
    geojson = scenario.route_lines(hanoi, day, plan)
    lines = [f for f in geojson["features"] if f["geometry"]["type"] == "LineString"]
    assert len(lines) == plan.vehicles
    assert all(len(f["geometry"]["coordinates"]) > 2 for f in lines)


def test_generation_is_reproducible(hanoi: AddressMap) -> None:
    a = scenario.generate(hanoi, 10, postmen=2, seed=9)
    b = scenario.generate(hanoi, 10, postmen=2, seed=9)
    assert a.problem.tasks == b.problem.tasks
    assert a.places.equals(b.places)


def test_dispatch_command_prints_a_checked_plan(capsys: pytest.CaptureFixture[str], hanoi: AddressMap) -> None:
    code = main(["dispatch", "--generate", "8", "--postmen", "2", "--time-limit", "2", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0
    assert payload["check"] is True and payload["synthetic"] is True
    assert payload["geojson"]["type"] == "FeatureCollection"
