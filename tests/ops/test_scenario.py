"""A generated Hanoi day solved end to end on the real map, the plan verified by the checker."""

from __future__ import annotations

import json
from itertools import pairwise
from pathlib import Path

import pytest

from api.cli import main
from geo._errors import InputError
from geo.addressmap import AddressMap
from ops import scenario
from routing import check, solver


def test_generated_day_is_solved_checked_and_drawn_on_roads(hanoi: AddressMap) -> None:
    day = scenario.generate(hanoi, 14, postmen=3, seed=4)
    assert len(day.problem.tasks) == 14
    assert day.synthetic
    assert set(day.places["role"]) >= {"depot", "agency", "authority", "household"}
    # Said in Vietnamese on the pages, the households labelled synthetic (they were "postman 1" and "household
    # (synthetic)" on the Vietnamese dispatch page).
    assert [m.id for m in day.problem.postmen] == ["Bưu tá 1", "Bưu tá 2", "Bưu tá 3"]
    assert set(day.places.loc[day.places["role"] == "household", "name"]) == {"Hộ dân (giả lập)"}
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
    assert payload["geojson"]["type"] == "FeatureCollection" and payload["balance"] is None
    code = main(["dispatch", "--generate", "8", "--postmen", "2", "--time-limit", "2", "--balanced"])
    said = capsys.readouterr().out.splitlines()
    assert code == 0 and said[1].startswith("  balanced: the last postman back at ")


def test_dispatch_command_writes_its_map_in_the_language_asked(
    capsys: pytest.CaptureFixture[str], hanoi: AddressMap, tmp_path: Path
) -> None:
    # One file that draws offline (tests/api/test_browser_maps.py), Vietnamese unless asked otherwise.
    for lang, title in (("vi", "Lộ trình của bưu tá"), ("en", "Postmen's routes")):
        out = tmp_path / f"routes-{lang}.html"
        argv = ["dispatch", "--generate", "8", "--postmen", "2", "--time-limit", "1", "--map", str(out)]
        assert main(argv + (["--lang", lang] if lang != "vi" else [])) == 0
        page = out.read_text(encoding="utf-8")
        assert f'<html lang="{lang}">' in page and f"<title>{title}</title>" in page and "Leaflet 1.9.4" in page
    capsys.readouterr()


def test_scenario_file_is_solved(capsys: pytest.CaptureFixture[str], hanoi: AddressMap) -> None:
    path = Path(__file__).resolve().parents[2] / "data" / "scenarios" / "hoan_kiem_morning.json"
    code = main(["dispatch", "--scenario", str(path), "--time-limit", "2", "--json"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 0 and payload["check"] is True
    served = {s["task"] for r in payload["routes"] for s in r["stops"] if s["task"]}
    assert {"S1", "S2", "S3", "R1", "H1"} == served | {u["task"] for u in payload["unserved"]}
    assert "H1" in served  # mandatory


def test_scenario_records_name_every_unknown_place(hanoi: AddressMap) -> None:
    postmen = [{"id": "A", "depot": "osm:node/1"}, {"id": "B", "depot": "osm:node/5239480022"}]
    tasks = [
        {"id": "X", "kind": "shuttle", "pickup": "nowhere", "delivery": "osm:node/13709983613"},
        {
            "id": "Y",
            "kind": "shuttle",
            "pickup": "osm:node/5239480022",
            "delivery": "osm:way/1197716023",
            "pickup_window": "9am",
        },
    ]
    with pytest.raises(InputError) as err:
        scenario.from_records(hanoi, postmen, tasks)
    message = str(err.value)
    assert "postmen[0].depot: unknown agency 'osm:node/1'" in message
    assert "tasks[0].pickup: unknown place 'nowhere'" in message
    assert "tasks[1].pickup_window: window '9am' is not HH:MM-HH:MM" in message


def test_bad_scenario_file_is_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "day.json"
    path.write_text("{not json")
    assert main(["dispatch", "--scenario", str(path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not valid JSON" in err[0]


def test_stops_in_a_row_at_one_place_share_its_setup(hanoi: AddressMap) -> None:
    agency, authority = "osm:node/5239480022", "osm:way/1197716023"
    postmen = [{"id": "A", "depot": agency}]
    tasks = [{"id": f"S{k}", "kind": "shuttle", "pickup": agency, "delivery": authority} for k in range(6)]
    day = scenario.from_records(hanoi, postmen, tasks)
    assert {(t.pickup_service, t.delivery_service) for t in day.problem.tasks} == {
        (scenario.SERVICE_S["agency"], scenario.SERVICE_S["authority"])
    }
    plan = solver.solve(day.problem, time_limit_s=2)
    assert check.check(day.problem, plan).ok
    stops = plan.route("A").stops
    # The six dossiers are taken at the counter of the postman's own post office: no setup, no drive.
    assert [s.kind for s in stops[1:7]] == ["pickup"] * 6
    assert stops[1].arrival == stops[0].departure
    # Handed over to the authority in one visit: its setup once, then a minute per dossier.
    at = stops[7:13]
    assert {s.kind for s in at} == {"delivery"} and {s.place for s in at} == {authority}
    drive = int(day.problem.times[stops[6].place_index, at[0].place_index])
    assert at[0].arrival == stops[6].departure + drive + scenario.SETUP_S["authority"]
    assert all(b.arrival == a.departure for a, b in pairwise(at))
    assert at[-1].departure - at[0].start == 6 * scenario.SERVICE_S["authority"]
