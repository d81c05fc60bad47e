"""Agency details and the nearest-agency filters (procedure accepted, open at the time asked)."""

from __future__ import annotations

from datetime import datetime

import pytest
import shapely
from pydantic import TypeAdapter, ValidationError

from api import schemas
from geo import _text, agencies, hours, reverse

POINT = {"lat": 21.0245, "lon": 105.8412}
SUNDAY_EVENING = "2025-07-06T20:30"
"""A Sunday at 20:30 in Hanoi: post offices (07:30-19:00) are closed, FPT Shops (08:00-22:00) open."""


def test_the_api_documents_the_procedures_of_the_map(client) -> None:
    params = client.get("/openapi.json").json()["paths"]["/agencies/nearest"]["get"]["parameters"]
    procedure = next(p for p in params if p["name"] == "procedure")["schema"]
    documented = next(s["enum"] for s in procedure["anyOf"] if "enum" in s)
    assert tuple(documented) == agencies.PROCEDURES


def test_layer_carries_the_details(hanoi) -> None:
    frame = hanoi.layers.agencies
    assert frame["operator"].isin(set(agencies.OPERATORS.values())).all()
    # Every agency on the map's roads has an address but four, 295-386 m from any named road of the extract.
    on_map = frame["agency_id"].isin(hanoi.agencies["agency_id"])
    assert (frame.loc[on_map, "address"] != "").sum() >= len(hanoi.agencies) - 4
    assert frame["opening_hours"].map(hours.check_hours).all()
    # Hours tagged in OSM are kept (three agencies of the data carry them), the rest use the kind's default.
    from_osm = frame[frame["hours_source"] == "osm"]
    assert len(from_osm) >= 3
    default = frame[frame["hours_source"] == "default"]
    assert (default["opening_hours"] == default["kind"].map(agencies.DEFAULT_HOURS)).all()
    assert not frame.loc[frame["kind"] == "ems", "public_service_agent"].any()
    assert frame.loc[frame["kind"] == "post_office", "public_service_agent"].all()


def test_an_agency_osm_leaves_unnamed_is_called_by_its_kind_and_address(hanoi) -> None:
    frame = hanoi.layers.agencies
    assert (frame["name"] != "").all()
    derived = frame[frame["name_source"] == "derived"]
    assert len(derived) >= 4  # post offices of the central extract without a name tag
    where = derived["address"].where(derived["address"] != "", derived["ward"])
    assert (derived["name"] == derived["kind"].map(agencies.NAMELESS) + " " + where).all()
    assert "Bưu cục 18 Nguyễn Du" in set(derived["name"])  # osm:node/7856383105, numbered from its address point
    # Without an address: by its ward (it was "Bưu cục Phố Doãn Kế Thiện", a road of the map 23 km away).
    assert "Bưu cục Xã Hạ Bằng" in set(derived["name"])
    # A name that only says what it is, in English ("Post Office": the city's main post office), counts as none.
    main = frame.set_index("agency_id").loc["osm:node/2270438268"]
    assert (main["name"], main["name_source"]) == ("Bưu cục 75 Đinh Tiên Hoàng", "derived")
    assert not frame["name"].map(_text.fold).isin(agencies.GENERIC_NAMES).any()
    # A chain's brand alone is written as the brand writes itself, not in the mappers' four ways.
    brands = frame.loc[frame["name"].map(_text.fold).isin(agencies.BRANDS), "name"]
    assert set(brands) == {"FPT Shop", "Viettel Post"} and len(brands) >= 12


def test_an_agency_off_the_map_s_roads_is_not_given_a_far_road_as_its_address(hanoi) -> None:
    frame = hanoi.layers.agencies
    net = hanoi.network
    named = net.edge_geom[net.edge_name != ""]
    xs, ys = net.from_wgs84.transform(frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy())
    _, distance = shapely.STRtree(named).query_nearest(shapely.points(xs, ys), return_distance=True, all_matches=False)
    by_street = (frame["address_source"] == "nearest_street").to_numpy()
    assert (distance[by_street] <= reverse.STREET_RADIUS_M).all()
    far = distance > reverse.STREET_RADIUS_M
    assert far.sum() >= 30  # the POI layers cover the city, the central extract a part of it
    unaddressed = frame[far & ~frame["address_source"].isin(["osm", "nearest_address"]).to_numpy()]
    assert (unaddressed["address"] == "").all() and (unaddressed["address_source"] == "none").all()


def test_agencies_list_shows_the_details(client) -> None:
    features = client.get("/agencies").json()["features"]
    props = features[0]["properties"]
    assert {
        "address",
        "operator",
        "opening_hours",
        "hours_source",
        "open_now",
        "changes_at",
        "public_service_agent",
        "procedures",
    } <= set(props)
    assert isinstance(props["procedures"], list)


def test_nearest_answers_carry_the_details(client, hanoi) -> None:
    answer = client.get("/agencies/nearest", params=POINT | {"k": 5}).json()
    addresses = hanoi.layers.agencies.set_index("agency_id")["address"]
    for a in answer["agencies"]:
        assert a["operator"] and a["opening_hours"]
        assert a["address"] == addresses[a["agency_id"]]
    assert sum(bool(a["address"]) for a in answer["agencies"]) >= 4


def test_procedure_filter_keeps_only_agencies_that_accept_it(client, hanoi) -> None:
    wanted = "land"
    every = client.get("/agencies/nearest", params=POINT | {"k": 10}).json()["agencies"]
    kept = client.get("/agencies/nearest", params=POINT | {"k": 10, "procedure": wanted}).json()["agencies"]
    assert len(kept) == 10 and all(wanted in a["procedures"] for a in kept)
    assert any(wanted not in a["procedures"] for a in every), "the filter must change something here"
    # Still the nearest of those that accept it: times ascending, and no accepting agency skipped.
    times = [a["travel_time_s"] for a in kept]
    assert times == sorted(times)
    skipped = [a for a in every if wanted in a["procedures"] and a["travel_time_s"] < times[-1]]
    assert {a["agency_id"] for a in skipped} <= {a["agency_id"] for a in kept}


def test_open_now_keeps_only_agencies_open_at_the_time_asked(client) -> None:
    params = POINT | {"k": 10, "open_now": "true", "at": SUNDAY_EVENING}
    answer = client.get("/agencies/nearest", params=params).json()
    when = datetime.fromisoformat(SUNDAY_EVENING)
    assert answer["at"] == SUNDAY_EVENING
    assert answer["agencies"] and all(a["open_now"] for a in answer["agencies"])
    assert all(hours.is_open(a["opening_hours"], when) for a in answer["agencies"])
    assert {a["kind"] for a in answer["agencies"]} <= {"fpt_shop", "viettel_post"} | {
        a["kind"] for a in answer["agencies"] if a["hours_source"] == "osm"
    }
    # With a timezone: 13:30 UTC is 20:30 in Hanoi, the same answer.
    utc = client.get("/agencies/nearest", params=params | {"at": "2025-07-06T13:30:00+00:00"}).json()
    assert [a["agency_id"] for a in utc["agencies"]] == [a["agency_id"] for a in answer["agencies"]]
    # Both filters, at an hour when none is open: an empty list, not an error.
    late = client.get("/agencies/nearest", params=params | {"at": "2025-07-06T23:30", "procedure": "land"})
    assert late.status_code == 200 and late.json()["agencies"] == []


CENTRE = {"lat": 21.0132, "lon": 105.8523}
"""At the Service Centre of Phường Hai Bà Trưng, the map's one (office hours, closed on public holidays)."""


def _centre(answer: dict) -> list[dict]:
    return [a for a in answer["agencies"] if a["kind"] == "public_admin_centre"]


def test_on_a_public_holiday_the_centre_is_closed_and_the_day_named(client) -> None:
    params = CENTRE | {"k": 5}
    tet = client.get("/agencies/nearest", params=params | {"at": "2026-02-17T10:00"})  # a Tuesday
    answer = tet.json()
    assert answer["holiday"] == "Tết Nguyên Đán" and "Accept-Language, Cookie" in tet.headers["vary"]
    [centre] = _centre(answer)
    assert (centre["open_now"], centre["changes_at"]) == (False, "2026-02-23T08:00")
    assert all(a["open_now"] for a in answer["agencies"] if a["kind"] != "public_admin_centre")
    # Open now: the Centre is left out on Tết, not on the Tuesday after.
    kept = client.get("/agencies/nearest", params=params | {"at": "2026-02-17T10:00", "open_now": "true"}).json()
    assert not _centre(kept) and kept["agencies"]
    after = client.get("/agencies/nearest", params=params | {"at": "2026-02-24T10:00", "open_now": "true"}).json()
    assert after["holiday"] is None
    assert _centre(after)[0]["changes_at"] == "2026-02-24T11:30"  # the lunch break
    # The holiday in English for an English reader; a moved day named as such.
    english = client.get(
        "/agencies/nearest", params=params | {"at": "2026-04-27T10:00"}, headers={"Accept-Language": "en"}
    ).json()
    assert english["holiday"] == "Hung Kings' Commemoration Day (observed)"
    # A Saturday worked for the day off before National Day: the Centre opens as on a Monday; it closes that Monday.
    worked = client.get("/agencies/nearest", params=params | {"at": "2026-08-22T10:00", "open_now": "true"}).json()
    assert worked["holiday"] is None and _centre(worked)[0]["changes_at"] == "2026-08-22T11:30"
    off = client.get("/agencies/nearest", params=params | {"at": "2026-08-31T10:00"}).json()
    assert off["holiday"] == "Ngày nghỉ (thay cho ngày 22/08/2026)"
    assert (_centre(off)[0]["open_now"], _centre(off)[0]["changes_at"]) == (False, "2026-09-03T08:00")


def test_every_agency_says_when_it_next_opens_or_closes(client, hanoi) -> None:
    at = datetime(2026, 2, 13, 18, 59)  # Friday evening before Tết: post offices close at 19:00
    answer = client.get("/agencies/nearest", params=POINT | {"k": 20, "at": at.isoformat()}).json()
    for a in answer["agencies"]:
        assert {key: a[key] for key in ("open_now", "changes_at")} == hours.state(a["opening_hours"], at)
    by_kind = {a["kind"]: a["changes_at"] for a in answer["agencies"]}
    assert by_kind["post_office"] == "2026-02-13T19:00"
    assert by_kind["fpt_shop"] == "2026-02-13T22:00"
    # The GeoJSON list says it too, at the time of the request.
    props = client.get("/agencies", params={"kind": "public_admin_centre"}).json()["features"][0]["properties"]
    assert props["changes_at"] is not None and props["opening_hours"] == agencies.OFFICE_HOURS


def test_the_agencies_list_reads_the_hours_at_the_time_asked(client) -> None:
    # The map's markers follow the time the citizen means to go: on Tết the Centres closed until the Monday
    # after, the post offices open; a time with an offset read in Hanoi; a bad time refused, saying which field.
    def by_kind(params: dict) -> dict[str, set]:
        features = client.get("/agencies", params=params).json()["features"]
        kinds: dict[str, set] = {}
        for f in features:
            kinds.setdefault(f["properties"]["kind"], set()).add(
                (f["properties"]["open_now"], f["properties"]["changes_at"])
            )
        return kinds

    tet = by_kind({"at": "2026-02-17T10:00"})
    assert tet["public_admin_centre"] == {(False, "2026-02-23T08:00")}
    assert {open_now for open_now, _ in tet["post_office"]} == {True}
    assert by_kind({"at": "2026-02-17T03:00+00:00"}) == tet
    assert by_kind({"at": "2026-02-24T10:00"})["public_admin_centre"] == {(True, "2026-02-24T11:30")}
    refused = client.get("/agencies", params={"at": "sunday"})
    assert refused.status_code == 422 and refused.json()["detail"][0]["field"] == "at"


@pytest.mark.parametrize("at", ["0001-01-01T00:01:00+09:22", "9999-12-31T23:59:00-05:00"])
def test_a_time_at_the_ends_of_the_calendar_is_taken_as_written(client, at: str) -> None:
    # Valid ISO 8601 times whose Hanoi time is no date (year 0, year 10000): answered at their wall time, not a
    # server error (schemathesis, seed 261) nor a refusal of what the schema allows (seed 261 again).
    for path, where in (("/agencies/nearest", POINT), ("/agencies/nearest/address", {"address": "75 Đinh Tiên Hoàng"})):
        response = client.get(path, params=where | {"at": at, "open_now": "true"})
        assert response.status_code == 200 and response.json()["at"] == at[:16]


def test_a_time_a_body_records_is_within_the_calendar() -> None:
    # An event's or a dossier's time is kept in UTC: one that has none (year 0) is refused with its reason.
    times = TypeAdapter(schemas.IsoDateTime)
    assert times.validate_python("0001-01-02T00:00:00+09:00").year == 1
    for at in ("0001-01-01T00:01:00+09:22", "9999-12-31T23:59:00-05:00"):
        with pytest.raises(ValidationError) as refused:
            times.validate_python(at)
        assert refused.value.errors()[0]["type"] == "datetime_out_of_range"


@pytest.mark.parametrize(
    ("params", "field", "reason"),
    [({"procedure": "tax"}, "procedure", "literal_error"), ({"at": "sunday"}, "at", "datetime_from_date_parsing"),
     ({"open_now": "maybe"}, "open_now", "bool_parsing"),
     # A number is no ISO 8601 time, though pydantic would read it as a Unix time (schemathesis, seed 7).
     ({"at": "0.0"}, "at", "datetime_type"), ({"at": "1.2e-23"}, "at", "datetime_type"),
     ({"at": "1751362200"}, "at", "datetime_type")],
)  # fmt: skip
def test_bad_filters(client, params: dict, field: str, reason: str) -> None:
    response = client.get("/agencies/nearest", params=POINT | params)
    assert response.status_code == 422
    problem = response.json()["detail"][0]
    assert (problem["field"], problem["reason"]) == (field, reason) and problem["message"]
