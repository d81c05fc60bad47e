"""The dossier store on SQLite and on a real PostgreSQL/PostGIS server (every test runs on both): ingest,
moves, portal events, concurrency, spatial query, idempotent submissions."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from ops import dossiers, ingest, tables
from ops.errors import ConflictError, IdempotencyError, TransitionError, UnknownError
from ops.store import Store
from tests.ops.cases import dossier, event


def _feed(*records: dict) -> list[tuple[int, object]]:
    return list(enumerate(records, start=1))


def _count(engine: Engine, table: sa.Table) -> int:
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


def test_ingest_twice_changes_nothing(engine: Engine) -> None:
    records = [dossier(f"HS-{i}", procedure="police_papers" if i % 3 == 0 else "social_insurance") for i in range(7)]
    first = ingest.ingest(engine, _feed(*records, event("HS-1", "cancelled")))
    assert first.to_dict() == {"read": 8, "created": 8, "updated": 0, "unchanged": 0, "rejected": []}
    before = (dossiers.summary(engine), _count(engine, tables.events))
    again = ingest.ingest(engine, _feed(*records, event("HS-1", "cancelled")))
    assert again.to_dict() == {"read": 8, "created": 0, "updated": 0, "unchanged": 8, "rejected": []}
    assert (dossiers.summary(engine), _count(engine, tables.events)) == before
    assert before[0] == {
        "total": 7,
        "by_state": {"received": 6, "cancelled": 1},
        "by_procedure": {"social_insurance": 4, "police_papers": 3},
    }


def test_changed_record_is_updated_and_keeps_its_journey(engine: Engine) -> None:
    ingest.ingest(engine, _feed(dossier("HS-1")))
    dossiers.move(engine, "HS-1", "digitised", who="staff")
    report = ingest.ingest(engine, _feed(dossier("HS-1", insured_value=900_000)))
    assert (report.updated, report.created) == (1, 0)
    row = dossiers.current(engine, "HS-1")
    assert (row["insured_value"], row["state"], row["seq"]) == (900_000, "digitised", 2)


def test_bad_lines_are_rejected_with_their_number_and_the_good_ones_kept(engine: Engine) -> None:
    bad_phone = dossier("HS-2")
    bad_phone["applicant"] = {**bad_phone["applicant"], "phone": "call me"}
    feed = _feed(
        dossier("HS-1"),
        dossier("HS-3", procedure="visa"),
        bad_phone,
        {"type": "complaint"},
        b'{"type": "dossier", "code": ',
        event("HS-9", "decided"),
        dossier("HS-4"),
    )
    report = ingest.ingest(engine, feed)
    assert (report.read, report.created) == (7, 2)
    reasons = {r["line"]: r["reason"] for r in report.rejected}
    assert set(reasons) == {2, 3, 4, 5, 6}
    assert reasons[2].startswith("procedure:")
    assert reasons[3].startswith("applicant.phone:")
    assert reasons[4].startswith("record: Input tag 'complaint'")
    assert "Invalid JSON" in reasons[5]
    assert "unknown dossier 'HS-9'" in reasons[6]
    assert dossiers.summary(engine)["total"] == 2


def test_a_whole_journey_with_handovers_and_a_failed_return(engine: Engine) -> None:
    ingest.ingest(engine, _feed(dossier("HS-1")))
    steps = [
        ("digitised", None),
        ("to_authority", None),
        ("at_authority", "BB-001"),
        ("decided", None),
        ("returning", None),
        ("failed_return", None),
        ("decided", None),
        ("returning", None),
        ("returned", "BB-002"),
    ]
    for to, record in steps:
        dossiers.move(engine, "HS-1", to, who="postman 1", place="00070", record_no=record)
    journey = dossiers.history(engine, "HS-1")
    assert [e.state for e in journey] == ["received", *(s for s, _ in steps)]
    assert [e.seq for e in journey] == list(range(1, 11))
    assert journey[3].record_no == "BB-001"
    assert dossiers.derived_state(journey) == dossiers.current(engine, "HS-1")["state"] == "returned"
    with pytest.raises(TransitionError, match="dossier HS-1 is returned: move to cancelled refused"):
        dossiers.move(engine, "HS-1", "cancelled", who="staff")


def test_refused_moves_write_nothing(engine: Engine) -> None:
    ingest.ingest(engine, _feed(dossier("HS-1"), dossier("HS-2", channel="online")))
    with pytest.raises(TransitionError, match="dossier HS-1 is received: move to at_authority refused"):
        dossiers.move(engine, "HS-1", "at_authority", who="staff", record_no="BB-1")
    dossiers.move(engine, "HS-1", "digitised", who="staff")
    dossiers.move(engine, "HS-1", "to_authority", who="postman")
    with pytest.raises(TransitionError, match="handover and needs record_no"):
        dossiers.move(engine, "HS-1", "at_authority", who="postman")
    with pytest.raises(UnknownError):
        dossiers.move(engine, "HS-404", "digitised", who="staff")
    assert [e.state for e in dossiers.history(engine, "HS-1")] == ["received", "digitised", "to_authority"]
    # An online dossier skips the shuttle: it is at its authority as soon as it is received.
    assert [e.state for e in dossiers.history(engine, "HS-2")] == ["received", "at_authority"]


def test_portal_decision_waits_for_the_dossier_to_reach_its_authority(engine: Engine) -> None:
    report = ingest.ingest(engine, _feed(dossier("HS-1"), event("HS-1", "decided")))
    assert (report.created, report.rejected) == (2, [])
    assert dossiers.current(engine, "HS-1")["state"] == "received"
    for to, record in (("digitised", None), ("to_authority", None), ("at_authority", "BB-7")):
        dossiers.move(engine, "HS-1", to, who="postman", record_no=record)
    assert [(e.state, e.who) for e in dossiers.history(engine, "HS-1")][-2:] == [
        ("at_authority", "postman"),
        ("decided", "portal"),
    ]
    again = ingest.ingest(engine, _feed(event("HS-1", "decided")))
    assert again.unchanged == 1
    late = ingest.ingest(engine, _feed(event("HS-1", "decided", at="2026-02-06T10:00:00+07:00")))
    assert "dossier HS-1 is decided: move to decided refused" in late.rejected[0]["reason"]


def test_concurrent_moves_one_wins_the_others_conflict(engine: Engine) -> None:
    ingest.ingest(engine, _feed(dossier("HS-1")))
    start = threading.Barrier(6)

    def attempt(k: int) -> str:
        start.wait()
        try:
            dossiers.move(engine, "HS-1", "digitised", who=f"staff {k}", expected_seq=1)
        except ConflictError:
            return "conflict"
        return "won"

    with ThreadPoolExecutor(6) as pool:
        outcomes = list(pool.map(attempt, range(6)))
    assert sorted(outcomes) == ["conflict"] * 5 + ["won"]
    journey = dossiers.history(engine, "HS-1")
    assert [e.state for e in journey] == ["received", "digitised"]


def test_dossiers_waiting_within_a_ward(engine: Engine) -> None:
    inside = dossier("HS-1")
    outside = dossier("HS-2")
    outside["applicant"] = {**outside["applicant"], "lat": 21.0600, "lon": 105.8000}
    ingest.ingest(engine, _feed(inside, outside, dossier("HS-3"), event("HS-3", "cancelled")))
    ward = "POLYGON((105.84 21.02, 105.86 21.02, 105.86 21.04, 105.84 21.04, 105.84 21.02))"
    assert dossiers.within(engine, ward, states=["received"]) == ["HS-1"]
    assert dossiers.within(engine, ward, states=["received", "cancelled"]) == ["HS-1", "HS-3"]


def test_postgis_keeps_locations_as_indexed_geometries(engine: Engine) -> None:
    if engine.dialect.name != "postgresql":
        assert engine.dialect.name == "sqlite"
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
        return
    ingest.ingest(engine, _feed(dossier("HS-1")))
    with engine.connect() as conn:
        kind = conn.execute(sa.text("SELECT ST_AsText(geom) FROM dossiers WHERE code = 'HS-1'")).scalar_one()
        index = conn.execute(sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_dossiers_geom'")).scalar()
    assert kind == "POINT(105.852 21.034)"
    assert "gist" in index


def test_same_idempotency_key_same_answer_other_body_refused(engine: Engine) -> None:
    body = [{k: v for k, v in dossier(f"HS-{i}").items()} for i in range(3)]
    first = ingest.submit(engine, body, "key-1")
    events = _count(engine, tables.events)
    assert ingest.submit(engine, body, "key-1") == first
    assert first["created"] == 3 and _count(engine, tables.events) == events
    with pytest.raises(IdempotencyError, match="key-1"):
        ingest.submit(engine, [*body, dossier("HS-9")], "key-1")
    assert dossiers.summary(engine)["total"] == 3
    assert ingest.submit(engine, body, "key-2")["unchanged"] == 3


def test_plans_are_listed_newest_first_with_their_working_day(backend_url: str) -> None:
    # The dispatcher's menu says a working day's plan by its date, read from the stored request on both backends.
    store = Store(backend_url)
    day = store.add("plan", {"date": "2026-02-04", "postmen": []}, {}, {})
    generated = store.add("plan", {"generate": 30, "postmen": 4, "seed": 1}, {}, {})
    store.update("plan", day, 1, state={}, result={})
    listed = [(p["id"], p["date"], p["version"]) for p in store.list("plan", keys=("date",))]
    assert listed == [(generated, None, 1), (day, "2026-02-04", 2)]
    # Times with their offset, as the API's schema writes them (SQLite gave them back naive).
    records = [*store.list("plan"), store.get("plan", day), store.latest("plan", date="2026-02-04")]
    times = [t for p in records if p is not None for t in (p["created_at"], p["updated_at"])]
    assert len(times) == 8 and all(t.utcoffset() is not None and t.utcoffset().total_seconds() == 0 for t in times)
    assert store.list("plan", limit=1)[0].keys() == {"id", "created_at", "updated_at", "version"}
    store.close()
