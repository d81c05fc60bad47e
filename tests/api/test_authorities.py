"""The registry over HTTP: dispatchers, planners and the operator read the deciding units and their gaps, and a
dispatcher or the operator places a unit the map lacks, after which the day's plan takes its dossiers there."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from api.app import create_app
from api.settings import Settings
from geo.addressmap import AddressMap
from ops import database
from tests.api.conftest import ADMIN, DISPATCHER, PLANNER, PORTAL, TestClient
from tests.ops import daycases

DAY = daycases.DAY.isoformat()
NGHIA_DO = "00160"
AS = {
    role: {"Authorization": f"Bearer {token}"}
    for role, token in (("dispatcher", DISPATCHER), ("planner", PLANNER), ("portal", PORTAL), ("admin", ADMIN))
}


@pytest.fixture(scope="module")
def client(hanoi: AddressMap, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    path: Path = tmp_path_factory.mktemp("authorities") / "store.sqlite"
    engine = database.connect(f"sqlite:///{path}")
    daycases.seed(engine, hanoi)
    daycases.add(engine, "GAP", authority_code=NGHIA_DO)
    engine.dispose()
    tokens = f"{DISPATCHER}:dispatcher,{PLANNER}:planner,{PORTAL}:portal,{ADMIN}:admin"
    with TestClient(create_app(Settings(database_url=f"sqlite:///{path}", tokens=tokens), amap=hanoi)) as test_client:
        yield test_client


def test_the_gaps_are_listed_with_their_open_dossiers(client: TestClient) -> None:
    gaps = client.get("/authorities", params={"located": "false"}, headers=AS["planner"])
    assert gaps.status_code == 200, gaps.text
    first = gaps.json()[0]
    assert {k: first[k] for k in ("code", "said", "lat", "on_map", "source", "open_dossiers")} == {
        "code": NGHIA_DO,
        "said": "UBND Phường Nghĩa Đô",
        "lat": None,
        "on_map": False,
        "source": "map",
        "open_dossiers": 1,
    }
    english = client.get("/authorities?located=false", headers=AS["admin"] | {"Accept-Language": "en"}).json()
    assert english[0]["said"] == "People's Committee of Phường Nghĩa Đô"
    located = client.get("/authorities?located=true", headers=AS["dispatcher"]).json()
    assert located and all(unit["lat"] is not None for unit in located)
    everything = client.get("/authorities", headers=AS["dispatcher"]).json()
    assert len(everything) == len(located) + len(gaps.json())
    refused = client.get("/authorities", headers=AS["portal"])
    assert (refused.status_code, refused.json()["detail"][0]["reason"]) == (403, "role_needed")


def test_a_dispatcher_places_a_unit_and_the_day_takes_its_dossier(client: TestClient) -> None:
    before = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=AS["dispatcher"]).json()
    assert {u["code"]: u["reason_code"] for u in before["unserved"]}["GAP"] == "authority_unlocated"
    placed = client.put(
        f"/authorities/{NGHIA_DO}/location", json={"lat": 21.0465, "lon": 105.7985}, headers=AS["dispatcher"]
    )
    assert placed.status_code == 200, placed.text
    unit = placed.json()
    assert (unit["lat"], unit["lon"], unit["source"], unit["located_by"]) == (
        21.0465,
        105.7985,
        "operator",
        "token:dispatcher",
    )
    assert unit["located_at"].endswith("Z")  # in UTC, with its offset
    gaps = client.get("/authorities?located=false", headers=AS["dispatcher"]).json()
    assert NGHIA_DO not in {g["code"] for g in gaps}
    after = client.post(f"/days/{DAY}/plan", json={"time_limit_s": 1}, headers=AS["dispatcher"]).json()
    assert "GAP" not in {u["code"] for u in after["unserved"]}
    stops = [s for r in after["routes"] for s in r["stops"] if "GAP" in s["dossiers"]]
    assert ("authority:00160", "UBND Phường Nghĩa Đô") in {(s["place"], s["name"]) for s in stops}
    # Placed by mistake: the point is forgotten, and the unit is a gap again (the map has no seat for it).
    forgotten = client.delete(f"/authorities/{NGHIA_DO}/location", headers=AS["admin"])
    assert forgotten.status_code == 200, forgotten.text
    assert (forgotten.json()["lat"], forgotten.json()["source"]) == (None, "map")
    gaps = client.get("/authorities?located=false", headers=AS["dispatcher"]).json()
    assert NGHIA_DO in {g["code"] for g in gaps}
    again = client.delete(f"/authorities/{NGHIA_DO}/location", headers=AS["dispatcher"])
    assert (again.status_code, again.json()["detail"][0]["reason"]) == (404, "not_placed")
    assert again.json()["detail"][0]["message"] == "Cơ quan 00160 không có vị trí do người đặt"
    assert client.delete(f"/authorities/{NGHIA_DO}/location", headers=AS["planner"]).status_code == 403


@pytest.mark.parametrize(
    ("role", "code", "body", "status", "field", "reason"),
    [
        ("planner", NGHIA_DO, {"lat": 21.04, "lon": 105.80}, 403, "Authorization", "role_needed"),
        ("dispatcher", "99999", {"lat": 21.04, "lon": 105.80}, 404, "code", "unknown_authority"),
        ("admin", NGHIA_DO, {"lat": 20.5, "lon": 105.80}, 422, "lat,lon", "off_map"),
        ("admin", NGHIA_DO, {"lat": "21.04", "lon": 105.80}, 422, "lat", "float_type"),
        ("admin", NGHIA_DO, {"lat": 21.04, "lon": 105.80, "name": "x"}, 422, "name", "extra_forbidden"),
        ("admin", NGHIA_DO, {"lat": 21.04}, 422, "lon", "missing"),
    ],
)
def test_placing_refuses_what_is_wrong_with_the_one_error_body(
    client: TestClient, role: str, code: str, body: dict, status: int, field: str, reason: str
) -> None:
    refused = client.put(f"/authorities/{code}/location", json=body, headers=AS[role])
    assert refused.status_code == status, refused.text
    (problem,) = refused.json()["detail"]
    assert (problem["field"], problem["reason"]) == (field, reason)
    if reason == "unknown_authority":
        assert problem["message"] == "Không có cơ quan giải quyết mã 99999 trong danh mục"


def test_the_document_gives_the_map_as_the_range_of_a_place(client: TestClient, hanoi: AddressMap) -> None:
    document = client.get("/openapi.json").json()
    west, south, east, north = hanoi.bounds
    point = document["components"]["schemas"]["PlaceIn"]["properties"]
    assert (point["lat"]["minimum"], point["lat"]["maximum"]) == (south, north)
    assert (point["lon"]["minimum"], point["lon"]["maximum"]) == (west, east)
    answers = document["paths"]["/authorities/{code}/location"]["put"]["responses"]
    assert {"200", "401", "403", "404", "422"} <= set(answers)


def test_a_dispatcher_gives_a_unit_its_office_hours(client: TestClient) -> None:
    saturday = "Mo-Fr 08:00-11:30,13:30-17:00; Sa 08:00-11:30; PH off"
    given = client.put(f"/authorities/{daycases.HOAN_KIEM}/hours", json={"hours": saturday}, headers=AS["dispatcher"])
    assert given.status_code == 200, given.text
    assert given.json()["hours"] == saturday
    listed = {u["code"]: u for u in client.get("/authorities", headers=AS["planner"]).json()}
    assert listed[daycases.HOAN_KIEM]["hours"] == saturday and listed[daycases.BHXH]["hours"] is None
    # Saturday's plan takes the shuttle to Hoàn Kiếm, in its morning.
    planned = client.post("/days/2026-02-07/plan", json={"time_limit_s": 1}, headers=AS["dispatcher"]).json()
    assert any("S-HK" in s["dossiers"] and s["window"] == "08:00-11:30" for r in planned["routes"] for s in r["stops"])
    back = client.put(f"/authorities/{daycases.HOAN_KIEM}/hours", json={"hours": None}, headers=AS["dispatcher"])
    assert back.status_code == 200 and back.json()["hours"] is None
    wrong = client.put(f"/authorities/{daycases.HOAN_KIEM}/hours", json={"hours": "sáng thứ bảy"}, headers=AS["admin"])
    (problem,) = wrong.json()["detail"]
    assert (wrong.status_code, problem["field"], problem["reason"]) == (422, "hours", "bad_office_hours")
    assert problem["message"] == (
        "Giờ làm việc “sáng thứ bảy” không viết theo cách của OpenStreetMap (ví dụ Mo-Fr 08:00-11:30,13:30-17:00; Sa "
        "08:00-11:30)"
    )
    unknown = client.put("/authorities/99999/hours", json={"hours": saturday}, headers=AS["dispatcher"])
    assert (unknown.status_code, unknown.json()["detail"][0]["reason"]) == (404, "unknown_authority")
    refused = client.put(f"/authorities/{daycases.HOAN_KIEM}/hours", json={"hours": None}, headers=AS["planner"])
    assert refused.status_code == 403
