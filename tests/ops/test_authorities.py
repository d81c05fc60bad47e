"""The registry of deciding units on both backends: seeded from the official units and the map, extended by CSV,
and dossiers of units without a location listed as data gaps, never dropped."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from api import cli
from geo import layers
from geo._errors import InputError
from geo.addressmap import AddressMap
from ops import accounts, authorities, database, dossiers, ingest, tables
from ops.errors import UnknownError
from tests.ops.cases import dossier


def test_seed_locates_committees_in_their_wards(engine: Engine, hanoi: AddressMap) -> None:
    units = authorities.communes()
    assert len(units) == 126
    found = authorities.seed(engine, hanoi, units)
    assert found["units"] == 126 + len(authorities.CITY_BODIES)
    assert 5 <= found["located"] < found["units"]
    # The committee mapped as "UBND phường Xuân Tảo" lies inside the boundary of today's Phường Xuân Đỉnh.
    xuan_dinh = next(code for code, name in units.items() if name == "Phường Xuân Đỉnh")
    ingest.ingest(engine, [(1, dossier("HS-1", authority_code=xuan_dinh))])
    assert authorities.data_gaps(engine) == []
    again = authorities.seed(engine, hanoi, units)
    assert again == found
    # A ward's own committee, where the search says the ward is, before an old ward's committee inside it: dossiers
    # of Phường Hoàn Kiếm went to the committee of the former Phường Hàng Buồm.
    seats = layers.ward_seats(hanoi.layers.wards, hanoi.layers.authorities)
    with engine.connect() as conn:
        place = dict(conn.execute(sa.select(tables.authorities.c.name, tables.authorities.c.place_id)).all())
    assert place["Phường Hoàn Kiếm"] == seats["Phường Hoàn Kiếm"] == "osm:node/13709983613"
    assert place["Phường Xuân Đỉnh"] == seats["Phường Xuân Đỉnh"]
    # Phường Hai Bà Trưng has no committee on the map, but its public administration service centre, where its
    # dossiers are received: the unit is located there, a point of its own (it waited, unlocated).
    centre = hanoi.agencies.set_index("name").loc["Trung tâm phục vụ hành chính công phường Hai Bà Trưng"]
    seat = authorities.located(engine)[next(code for code, name in units.items() if name == "Phường Hai Bà Trưng")]
    assert (seat.lat, seat.lon, seat.on_map) == (centre.geometry.y, centre.geometry.x, False)
    assert seat.place_id.startswith(authorities.PLACE_PREFIX)


def test_gaps_are_listed_and_filled_by_a_csv(engine: Engine, hanoi: AddressMap, tmp_path: Path) -> None:
    units = authorities.communes()
    authorities.seed(engine, hanoi, units)
    nghia_do = next(code for code, name in units.items() if name == "Phường Nghĩa Đô")
    records = [dossier("HS-1", authority_code=nghia_do), dossier("HS-2", authority_code="99999")]
    report = ingest.ingest(engine, list(enumerate(records, start=1)))
    assert report.created == 2 and dossiers.summary(engine)["total"] == 2
    gaps = {g["authority_code"]: g for g in authorities.data_gaps(engine)}
    assert gaps[nghia_do] | {} == {
        "authority_code": nghia_do,
        "name": "Phường Nghĩa Đô",
        "reason": "no location",
        "dossiers": 1,
    }
    assert gaps["99999"]["reason"] == "unknown unit"
    table = tmp_path / "units.csv"
    table.write_text(f"code,name,level,lat,lon\n{nghia_do},UBND phường Nghĩa Đô,commune,21.0465,105.7990\n", "utf-8")
    assert authorities.import_csv(engine, table) == 1
    assert [g["authority_code"] for g in authorities.data_gaps(engine)] == ["99999"]
    authorities.seed(engine, hanoi, units)  # seeding again keeps the operator's row
    assert [g["authority_code"] for g in authorities.data_gaps(engine)] == ["99999"]
    table.write_text("code,name,level,lat,lon\n00001,X,commune,91,105\n", "utf-8")
    with pytest.raises(InputError, match=r"units.csv:2: give both lat and lon"):
        authorities.import_csv(engine, table)


def test_a_unit_placed_by_a_person_keeps_its_point_and_who_placed_it(engine: Engine, hanoi: AddressMap) -> None:
    units = authorities.communes()
    authorities.seed(engine, hanoi, units)
    nghia_do = next(code for code, name in units.items() if name == "Phường Nghĩa Đô")
    records = [dossier(f"HS-{k}", authority_code=nghia_do) for k in (1, 2, 3)]
    ingest.ingest(engine, list(enumerate(records, start=1)))
    dossiers.move(engine, "HS-3", "cancelled", who="test")  # closed: no longer waiting
    gaps = authorities.registry(engine, located=False)
    assert gaps[0] | {} == {
        "code": nghia_do,
        "name": "Phường Nghĩa Đô",
        "level": "commune",
        "said": "UBND Phường Nghĩa Đô",
        "lat": None,
        "lon": None,
        "on_map": False,
        "source": "map",
        "located_by": None,
        "located_by_name": None,
        "located_at": None,
        "hours": None,
        "open_dossiers": 2,
    }
    assert all(unit["open_dossiers"] == 0 for unit in gaps[1:])
    accounts.add_user(engine, "an.nv", "a long password", "dispatcher", full_name="Nguyễn Văn An")
    placed = authorities.place(engine, nghia_do, 21.0465, 105.7985, who="an.nv")
    assert (placed["lat"], placed["lon"], placed["on_map"], placed["source"]) == (21.0465, 105.7985, False, "operator")
    assert (placed["located_by"], placed["located_by_name"]) == ("an.nv", "Nguyễn Văn An")
    assert placed["located_at"].tzinfo is not None
    assert nghia_do not in {unit["code"] for unit in authorities.registry(engine, located=False)}
    seat = authorities.located(engine)[nghia_do]
    assert (seat.place_id, seat.said) == (f"{authorities.PLACE_PREFIX}{nghia_do}", "UBND Phường Nghĩa Đô")
    # Seeding from the map again keeps the person's word; a seat the map has (Phường Hoàn Kiếm's committee) is
    # moved the same way, and seeding keeps that too.
    hoan_kiem = next(code for code, name in units.items() if name == "Phường Hoàn Kiếm")
    assert authorities.located(engine)[hoan_kiem].on_map
    authorities.place(engine, hoan_kiem, 21.0288, 105.8525, who="an.nv")
    authorities.seed(engine, hanoi, units)
    after = {unit["code"]: unit for unit in authorities.registry(engine, located=True)}
    assert (after[nghia_do]["lat"], after[nghia_do]["located_by"]) == (21.0465, "an.nv")
    assert (after[hoan_kiem]["lat"], after[hoan_kiem]["on_map"]) == (21.0288, False)
    with pytest.raises(UnknownError, match="no deciding unit '99999' in the registry") as unknown:
        authorities.place(engine, "99999", 21.03, 105.85, who="an.nv")
    assert unknown.value.code == "unknown_authority"


def test_a_point_a_person_gave_is_forgotten_for_the_maps_word(
    engine: Engine, hanoi: AddressMap, tmp_path: Path
) -> None:
    units = authorities.communes()
    authorities.seed(engine, hanoi, units)
    nghia_do = next(code for code, name in units.items() if name == "Phường Nghĩa Đô")
    hoan_kiem = next(code for code, name in units.items() if name == "Phường Hoàn Kiếm")
    seat = authorities.located(engine)[hoan_kiem]
    for code in (nghia_do, hoan_kiem):
        authorities.place(engine, code, 21.0288, 105.8525, who="an.nv")
    # Phường Nghĩa Đô has no seat on the map: none again; Phường Hoàn Kiếm's committee is its seat again.
    forgotten = authorities.unplace(engine, hanoi, nghia_do)
    assert (forgotten["lat"], forgotten["source"], forgotten["located_by"]) == (None, "map", None)
    assert authorities.unplace(engine, hanoi, hoan_kiem)["on_map"]
    assert authorities.located(engine)[hoan_kiem] == seat
    with pytest.raises(UnknownError, match=f"deciding unit '{nghia_do}' was not placed by a person") as refused:
        authorities.unplace(engine, hanoi, nghia_do)
    assert refused.value.code == "not_placed"
    # A unit only a CSV import knows is left without a location, and stays in the registry.
    table = tmp_path / "units.csv"
    table.write_text("code,name,level\n01.SYT,Sở Y tế Hà Nội,city\n", encoding="utf-8")
    authorities.import_csv(engine, table)
    authorities.place(engine, "01.SYT", 21.03, 105.85, who="an.nv")
    unit = authorities.unplace(engine, hanoi, "01.SYT")
    assert (unit["name"], unit["lat"], unit["source"]) == ("Sở Y tế Hà Nội", None, "csv")


def test_the_command_line_lists_places_and_forgets(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, hanoi: AddressMap
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = database.connect(url)
    authorities.seed(engine, hanoi)
    ingest.ingest(engine, [(1, dossier("HS-1", authority_code="00160"))])
    engine.dispose()

    def run(*argv: str) -> tuple[int, str, str]:
        code = cli.main(["authorities", *argv, "--database", url])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("list", "--unlocated")
    assert code == 0 and out.splitlines()[0] == "00160 UBND Phường Nghĩa Đô: no location, 1 open dossiers"
    code, out, _ = run("place", "00160", "21.0465", "105.7985")
    assert code == 0 and out.startswith("00160 UBND Phường Nghĩa Đô: 21.046500,105.798500 (operator), placed by cli:")
    code, out, _ = run("list", "--json")
    placed = next(unit for unit in json.loads(out) if unit["code"] == "00160")
    assert placed["source"] == "operator" and placed["located_by"].startswith("cli:")
    assert datetime.fromisoformat(placed["located_at"]).utcoffset() == timedelta(0)
    code, out, _ = run("unplace", "00160")
    assert (code, out) == (0, "00160 UBND Phường Nghĩa Đô: no location, 1 open dossiers\n")
    code, out, _ = run("hours", "00160", "Mo-Sa 07:30-11:30; PH off")
    assert (code, out) == (
        0,
        "00160 UBND Phường Nghĩa Đô: no location, open Mo-Sa 07:30-11:30; PH off, 1 open dossiers\n",
    )
    code, out, _ = run("hours", "00160", "default")
    assert (code, out) == (0, "00160 UBND Phường Nghĩa Đô: no location, 1 open dossiers\n")
    for argv, message in [
        (("hours", "00160", "tuesdays"), "office hours 'tuesdays' are not opening hours as OpenStreetMap writes them"),
        (("hours", "00160", "Mo-Su off"), "office hours 'Mo-Su off' are open on no day of the week"),
        (("hours", "99999", "Mo-Fr 08:00-17:00"), "no deciding unit '99999' in the registry"),
        (("place", "00160", "20.5", "105.80"), "lat,lon: Point (20.500000, 105.800000) is outside the map"),
        (("place", "99999", "21.04", "105.80"), "no deciding unit '99999' in the registry"),
        (("unplace", "00160"), "deciding unit '00160' was not placed by a person"),
    ]:
        code, out, err = run(*argv)
        assert code == 2 and out == "" and len(err.strip().splitlines()) == 1, err
        assert message in err, err


def test_a_units_own_office_hours_are_kept_through_seeding_and_csv(
    engine: Engine, hanoi: AddressMap, tmp_path: Path
) -> None:
    units = authorities.communes()
    authorities.seed(engine, hanoi, units)
    seat = authorities.located(engine)["00070"].place_id  # Hoàn Kiếm, at its committee on the map
    saturday = "Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off"
    assert authorities.set_hours(engine, "00070", saturday)["hours"] == saturday
    assert authorities.office_hours(engine) == {seat: saturday}
    authorities.seed(engine, hanoi, units)  # the map's word again, the hours a person gave kept
    assert authorities.office_hours(engine) == {seat: saturday}
    # A CSV gives a unit its hours; one replaced without them keeps those it had; a bad value names its line.
    table = tmp_path / "units.csv"
    table.write_text(
        "code,name,level,lat,lon,hours\n01.SYT,Sở Y tế Hà Nội,city,21.03,105.85,Mo-Fr 07:30-17:00\n"
        "00070,Phường Hoàn Kiếm,commune,21.0288,105.8525,\n",
        "utf-8",
    )
    assert authorities.import_csv(engine, table) == 2
    hours = {u["code"]: u["hours"] for u in authorities.registry(engine, codes=["01.SYT", "00070"])}
    assert hours == {"01.SYT": "Mo-Fr 07:30-17:00", "00070": saturday}
    table.write_text("code,name,level,hours\n01.SYT,Sở Y tế Hà Nội,city,every day\n", "utf-8")
    with pytest.raises(InputError, match=r"units.csv:2: hours: office hours 'every day' are not opening hours"):
        authorities.import_csv(engine, table)
    with pytest.raises(UnknownError, match="no deciding unit '99999'"):
        authorities.set_hours(engine, "99999", saturday)
    assert authorities.set_hours(engine, "00070", None)["hours"] is None
