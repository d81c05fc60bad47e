"""The command line: JSON output and one-line errors with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from api.cli import main
from geo.addressmap import AddressMap


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_nearest_json_is_sorted_by_travel_time(capsys: pytest.CaptureFixture[str], hanoi: object) -> None:
    code, out, _ = _run(capsys, "nearest", "--lat", "21.0245", "--lon", "105.8412", "-k", "3", "--json")
    assert code == 0
    payload = json.loads(out)
    times = [r["travel_time_s"] for r in payload["results"]]
    assert len(times) == 3 and times == sorted(times)
    keys = {"agency_id", "name", "kind", "travel_time_s", "distance_m", "geometry", "open_now", "changes_at"}
    assert set(payload["results"][0]) == keys
    # What is at the point, said first: the street it is on and its ward.
    assert payload["query"]["near"] == "Đường Lê Duẩn, Phường Văn Miếu - Quốc Tử Giám"
    _, text, _ = _run(capsys, "nearest", "--lat", "21.0245", "--lon", "105.8412")
    assert text.splitlines()[0] == "near Đường Lê Duẩn, Phường Văn Miếu - Quốc Tử Giám"


def test_nearest_by_address(capsys: pytest.CaptureFixture[str], hanoi: object) -> None:
    code, out, _ = _run(capsys, "nearest", "--address", "58 Pho Hao Nam", "--json")
    assert code == 0
    assert json.loads(out)["query"]["matched"] == "58 Phố Hào Nam"


def test_nearest_keeps_the_agencies_taking_a_procedure(capsys: pytest.CaptureFixture[str], hanoi: AddressMap) -> None:
    # As GET /agencies/nearest?procedure= does: no Viettel Post or FPT Shop point takes police papers.
    argv = ["nearest", "--lat", "21.0245", "--lon", "105.8412", "-k", "5", "--json"]
    code, out, _ = _run(capsys, *argv, "--procedure", "police_papers")
    assert code == 0
    payload = json.loads(out)
    assert payload["query"]["procedure"] == "police_papers" and len(payload["results"]) == 5
    assert all("police_papers" in hanoi.agency_details[r["agency_id"]]["procedures"] for r in payload["results"])
    assert {r["kind"] for r in payload["results"]} <= {"post_office", "public_admin_centre"}
    _, every, _ = _run(capsys, *argv)
    assert {r["kind"] for r in json.loads(every)["results"]} - {"post_office", "public_admin_centre"}
    with pytest.raises(SystemExit) as refused:
        main([*argv, "--procedure", "passport"])
    assert refused.value.code == 2 and "invalid choice: 'passport'" in capsys.readouterr().err


def test_nearest_reads_the_hours_at_the_time_asked(capsys: pytest.CaptureFixture[str], hanoi: AddressMap) -> None:
    # At the Service Centre on Tết (a Tuesday): closed until the Monday after, and left out with --open-now.
    argv = ["nearest", "--lat", "21.0132", "--lon", "105.8523", "-k", "3", "--at", "2026-02-17T10:00"]
    code, out, _ = _run(capsys, *argv)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("near ") and lines[1] == "17/02/2026 is a public holiday: Lunar New Year"
    centre = next(line for line in lines if "[public_admin_centre]" in line)
    assert centre.endswith("closed, opens Mon 23/02 08:00")
    assert any(line.endswith("open, closes 19:00") for line in lines)  # a post office
    _, kept, _ = _run(capsys, *argv, "--open-now", "--json")
    payload = json.loads(kept)
    assert payload["query"]["at"] == "2026-02-17T10:00" and payload["holiday"] == "Lunar New Year"
    assert payload["results"] and all(r["open_now"] for r in payload["results"])
    assert "public_admin_centre" not in {r["kind"] for r in payload["results"]}
    # A time with its offset is read in Hanoi: 03:00 UTC is 10:00 there.
    _, utc, _ = _run(capsys, *argv[:-1], "2026-02-17T03:00+00:00", "--json")
    assert json.loads(utc)["query"]["at"] == "2026-02-17T10:00"


def test_nearest_from_an_address_asking_for_a_procedure(capsys: pytest.CaptureFixture[str], hanoi: AddressMap) -> None:
    code, out, _ = _run(capsys, "nearest", "--address", "đổi bằng lái xe gần hồ gươm", "-k", "5", "--json")
    assert code == 0
    payload = json.loads(out)
    assert payload["query"]["matched"] == "Hồ Hoàn Kiếm" and payload["query"]["procedure"] == "driving_licence"
    taking = [hanoi.agency_details[r["agency_id"]]["procedures"] for r in payload["results"]]
    assert len(taking) == 5 and all("driving_licence" in p for p in taking)
    _, text, _ = _run(capsys, "nearest", "--address", "nộp hồ sơ gần hồ gươm")
    lines = text.splitlines()
    assert lines[0].startswith("Hồ Hoàn Kiếm (score ") and lines[1] == "only public-service agents"
    # From the lake's shore all round: the main post office across the road first.
    _, text, _ = _run(capsys, "nearest", "--address", "hồ gươm")
    assert text.splitlines()[1].startswith("1. Bưu điện Thành phố Hà Nội [post_office] 0.0 min, 0.01 km")


def test_nearest_in_a_ward_lists_its_own_agencies_first(capsys: pytest.CaptureFixture[str], hanoi: AddressMap) -> None:
    code, out, _ = _run(capsys, "nearest", "--address", "phường cửa nam", "-k", "5", "--json")
    assert code == 0
    payload = json.loads(out)
    inside = payload["query"]["inside"]
    ward = hanoi.search.own_shape(str(hanoi.geocode("phường cửa nam")["id"]))
    assert ward is not None and 0 < inside < 5
    ids = hanoi.agencies.set_index("agency_id").geometry
    assert [ward.intersects(ids[r["agency_id"]]) for r in payload["results"]] == [True] * inside + [False] * (
        5 - inside
    )
    _, text, _ = _run(capsys, "nearest", "--address", "phường cửa nam", "-k", "5")
    said = [line.split("] ")[1].startswith("(in Phường Cửa Nam)") for line in text.splitlines()[1:]]
    assert said == [True] * inside + [False] * (5 - inside)


def test_matrix_writes_a_long_table(capsys: pytest.CaptureFixture[str], tmp_path: Path, hanoi: object) -> None:
    points = tmp_path / "points.csv"
    points.write_text("id,lat,lon\na,21.0245,105.8412\nb,21.0300,105.8500\nc,21.0330,105.8300\n")
    out = tmp_path / "m.csv"
    code, _, _ = _run(capsys, "matrix", "--from", str(points), "--metric", "distance", "--out", str(out))
    assert code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "from_id,to_id,value" and len(lines) == 10
    assert lines[1].startswith("a,a,0")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["build", "--osm", "missing.osm.pbf"], "OSM file not found: missing.osm.pbf"),
        (["nearest", "--lat", "20.5", "--lon", "105.3"], "outside the map"),
        (["nearest", "--lat", "21.03", "--lon", "105.85", "--profile", "bus"], "unknown profile 'bus'"),
        (["nearest", "--lat", "121.03", "--lon", "105.85"], "invalid coordinates"),
        (["nearest", "--lat", "abc", "--lon", "105.85"], "invalid float value: 'abc'"),
        (
            ["nearest", "--lat", "21.03", "--lon", "105.85", "--at", "tet"],
            "not an ISO 8601 time (2026-02-17T10:00): 'tet'",
        ),
        (["nearest", "--address", "zzzz qqqq xxxx"], "address not found"),
        (["nearest", "--address", "đổi bằng lái xe"], "asks where to take a procedure but names no place"),
        (["nearest", "--address", "12 Nguyễn Huệ, Quận 1, TP.HCM"], "is in Thành phố Hồ Chí Minh, outside this map"),
    ],
)
def test_bad_input_is_one_line_and_exit_code_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str, hanoi: object
) -> None:
    refused_by_argparse = "abc" in argv or "tet" in argv
    with pytest.raises(SystemExit) if refused_by_argparse else _no_exit():
        code, _, err = _run(capsys, *argv)
        assert code == 2
    if refused_by_argparse:
        err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and message in lines[0]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,lat\na,21.0\n", "missing column(s) lon"),
        ("id,lat,lon\na,21.03,east\n", "line 2: lon is not a number: 'east'"),
        ("id,lat,lon\n", "no points"),
        ("id,lat,lon\na,21.03,105.85\na,21.03,105.85\n", "ids must be present and unique"),
    ],
)
def test_malformed_csv_is_named(capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str) -> None:
    points = tmp_path / "bad.csv"
    points.write_text(content)
    code, _, err = _run(capsys, "matrix", "--from", str(points), "--out", str(tmp_path / "o.csv"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and message in err


class _no_exit:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> bool:
        return False
