"""Planner endpoints: coverage per ward (aggregates only)."""

from __future__ import annotations

import json
import re

import pytest


def test_coverage(client, planner) -> None:
    answer = client.get("/coverage", params={"minutes": [5, 10]}, headers=planner).json()
    assert answer["minutes"] == [5.0, 10.0]
    assert 0 < answer["total"]["share_within_5"] <= answer["total"]["share_within_10"] <= 1
    wards = answer["wards"]["features"]
    assert wards and all(0 <= f["properties"]["share_within_10"] <= 1 for f in wards)
    ranks = [w["rank"] for w in answer["least_served"]]
    assert ranks == sorted(ranks)
    text = str(answer)
    assert "household_id" not in text and "meritorious" not in text


def test_coverage_bad_minutes(client, planner) -> None:
    for minutes in (-1, 0, 1000, "x"):
        response = client.get("/coverage", params={"minutes": minutes}, headers=planner)
        assert response.status_code == 422
        assert response.json()["detail"][0]["field"].startswith("minutes")


def test_scenario_roundtrip(client, planner) -> None:
    response = client.post(
        "/scenarios", json={"model": "mclp", "p": 2, "minutes": 5, "time_limit_s": 5}, headers=planner
    )
    assert response.status_code == 201, response.text
    created = response.json()
    assert response.headers["location"] == f"/scenarios/{created['id']}"
    assert created["p"] == 2 and len(created["new_sites"]) == 2
    assert created["coverage_after"]["share_within_5"] >= created["coverage_before"]["share_within_5"]
    stored = client.get(f"/scenarios/{created['id']}", headers=planner).json()
    assert stored["new_sites"] == created["new_sites"]
    layers = {f["properties"]["layer"] for f in stored["geojson"]["features"]}
    assert layers == {"ward", "site", "candidate"}
    new = [f for f in stored["geojson"]["features"] if f["properties"].get("status") == "new"]
    assert len(new) == 2
    assert "household_id" not in str(stored)
    export = client.get(f"/scenarios/{created['id']}/map.html", headers=planner)
    assert export.status_code == 200 and export.headers["content-type"].startswith("text/html")
    assert json.dumps("Độ phủ khi mở điểm mới").strip('"') in export.text  # the layers' names, JSON-escaped
    assert export.headers["content-language"] == "vi" and "/static/leaflet/leaflet.js" in export.text
    english = client.get(f"/scenarios/{created['id']}/map.html", params={"lang": "en"}, headers=planner)
    assert english.headers["content-language"] == "en" and "Coverage with the new sites" in english.text
    assert client.get(f"/scenarios/{created['id']}/map.html").status_code == 401
    # The page is drawn when asked, not kept: a scenario stored with its page in the words of the day (or, before
    # the map spoke Vietnamese, in English alone) is said in today's.
    stored = client.app.state.store.get("scenario", created["id"])
    assert set(stored["result"]) == {"result", "geojson"}
    old = client.app.state.store.add("scenario", stored["request"], {}, stored["result"] | {"map_html": "<p>old</p>"})
    before = client.get(f"/scenarios/{old}/map.html", headers=planner)
    assert before.headers["content-language"] == "vi" and "<p>old</p>" not in before.text
    assert json.dumps("Độ phủ khi mở điểm mới").strip('"') in before.text


def test_scenario_with_candidates(client, planner) -> None:
    candidates = [
        {"site_id": "A", "name": "Kiosk A", "lon": 105.8200, "lat": 21.0300},
        {"site_id": "B", "name": "Kiosk B", "lon": 105.8450, "lat": 21.0150},
    ]
    response = client.post("/scenarios", json={"p": 1, "candidates": candidates, "time_limit_s": 5}, headers=planner)
    assert response.status_code == 201, response.text
    assert response.json()["new_sites"][0]["site_id"] in {"A", "B"}


def test_scenario_bad_input(client, planner, dispatcher) -> None:
    cases = [
        ({"model": "magic", "p": 1}, "model"),
        ({"p": 0}, "p"),
        ({"p": 1, "minutes": -3}, "minutes"),
        ({"p": 1, "time_limit_s": 1e9}, "time_limit_s"),
    ]
    for body, field in cases:
        response = client.post("/scenarios", json=body, headers=planner)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["detail"][0]["field"] == field, (body, response.text)
    assert client.post("/scenarios", json={"p": 1}).status_code == 401
    assert client.post("/scenarios", json={"p": 1}, headers=dispatcher).status_code == 403
    assert client.get("/scenarios/scenario-000000000000", headers=planner).status_code == 404


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (
            {"model": "mclp", "p": 2, "capacity": 10},
            (
                "capacity",
                "capacity_model",
                "Sức phục vụ (capacity) chỉ dùng với mô hình p-median, không dùng với phủ tối đa (MCLP)",
            ),
        ),
        (
            {"model": "pmedian"},
            ("p", "needs_p", "Mô hình tổng thời gian đi ít nhất (p-median) cần p, số điểm mới cần mở"),
        ),
        (
            {"p": 3, "candidates": [{"site_id": "A", "lon": 105.82, "lat": 21.03}]},
            ("p", "too_few_candidates", "Yêu cầu 3 điểm mới nhưng chỉ có 1 điểm ứng viên"),
        ),
        (
            {
                "p": 1,
                "candidates": [
                    {"site_id": "A", "lon": 105.82, "lat": 21.03},
                    {"site_id": "far", "lon": 106.5, "lat": 21.5},
                ],
            },
            (
                "candidates[1]",
                "candidates_off_map",
                "1 điểm ứng viên nằm ngoài bản đồ (cách đường hơn 500 m), đầu tiên: "
                "far tại vĩ độ 21.500000, kinh độ 106.500000",
            ),
        ),
    ],
)
def test_scenario_refusals_name_the_field_in_the_readers_words(client, planner, body: dict, problem: tuple) -> None:
    [said] = client.post("/scenarios", json=body, headers=planner).json()["detail"]
    assert (said["field"], said["reason"], said["message"]) == problem
    [english] = client.post("/scenarios", json=body, headers=planner | {"Accept-Language": "en"}).json()["detail"]
    assert english["reason"] == problem[1] and english["message"].isascii()


def test_a_scenario_that_cannot_be_served_says_where_and_what_to_change(client, planner) -> None:
    # Every demand cell beyond T of every site: the farthest is named, with the option to change.
    body = {"model": "lscp", "minutes": 0.5, "time_limit_s": 2}
    [beyond] = client.post("/scenarios", json=body, headers=planner).json()["detail"]
    assert (beyond["field"], beyond["reason"]) == ("minutes", "beyond_reach")
    hit = re.fullmatch(
        r"(\d+) ô dân cư cách mọi điểm hơn 0.5 phút; xa nhất gần vĩ độ (21\.\d+), kinh độ (105\.\d+) \((\d+) phút\): "
        r"hãy tăng số phút hoặc thêm điểm ứng viên ở đó",
        beyond["message"],
    )
    assert hit is not None, beyond["message"]
    assert int(hit[1]) > 100 and int(hit[4]) >= 1
    # More dossiers a day than the agencies and the new site can take, in dossiers.
    [short] = client.post("/scenarios", json={"p": 1, "capacity": 2}, headers=planner).json()["detail"]
    assert (short["field"], short["reason"]) == ("capacity", "capacity_short")
    assert re.fullmatch(r"\d+ hồ sơ mỗi ngày vượt sức phục vụ của \d+ điểm, mỗi điểm 2 hồ sơ", short["message"])
