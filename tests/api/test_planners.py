"""Planner endpoints: coverage per ward (aggregates only)."""

from __future__ import annotations


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
