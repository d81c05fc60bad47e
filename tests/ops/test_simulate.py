"""The synthetic quarter: seeded, labelled synthetic, Phú Thọ's mix, working days and office hours, decisions
after reception, and a feed the ingest takes without a reject."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date, datetime, time
from pathlib import Path

import pytest

from api.cli import main
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import authorities, database, ingest, simulate


@pytest.fixture(scope="module")
def feed(hanoi: AddressMap) -> list[dict]:
    return simulate.simulate(hanoi, "2026Q1", seed=3, count=3000)


def test_quarter_is_seeded_synthetic_and_mixed_like_phu_tho(hanoi: AddressMap, feed: list[dict]) -> None:
    assert simulate.simulate(hanoi, "2026Q1", seed=3, count=300) == simulate.simulate(
        hanoi, "2026Q1", seed=3, count=300
    )
    assert all(r["synthetic"] for r in feed)
    files = [r for r in feed if r["type"] == "dossier"]
    assert len(files) == 3000
    share = Counter(r["procedure"] for r in files)
    assert 0.78 < share["social_insurance"] / 3000 < 0.84
    assert 0.15 < share["police_papers"] / 3000 < 0.21
    assert simulate.PER_QUARTER == 35_566


def test_working_days_office_hours_and_decisions_after_reception(feed: list[dict]) -> None:
    working = set(simulate.quarter_days("2026Q1"))
    assert date(2026, 2, 17) not in working and date(2026, 1, 1) not in working  # Tết, New Year
    received = {}
    for record in feed:
        if record["type"] == "dossier":
            at = datetime.fromisoformat(record["received_at"])
            assert at.date() in working
            assert time(8, 0) <= at.time() < time(11, 31) or time(13, 30) <= at.time() < time(17, 1)
            assert date.fromisoformat(record["due_date"]) > at.date()
            received[record["code"]] = at
        else:
            assert record["code"] in received  # a dossier comes before its events
            assert datetime.fromisoformat(record["at"]) > received[record["code"]]
    events = Counter(r["event"] for r in feed if r["type"] == "event")
    assert events["decided"] > 2000 and 0 < events["cancelled"] < 100


def test_a_feed_runs_to_the_quarter_end_or_to_the_time_asked(hanoi: AddressMap) -> None:
    def decided(until: datetime | None) -> list[datetime]:
        feed = simulate.simulate(hanoi, "2026Q1", seed=3, count=300, until=until)
        return [datetime.fromisoformat(r["at"]) for r in feed if r["type"] == "event"]

    end, later = datetime(2026, 3, 31, 23, 59, tzinfo=HANOI), datetime(2026, 4, 3, 12, tzinfo=HANOI)
    within, after = decided(None), decided(later)
    assert max(within) <= end < max(after) <= later
    assert [at for at in after if at <= end] == within  # the same quarter, its last decisions added


def test_the_feed_ingests_without_rejects(feed: list[dict], tmp_path: Path, hanoi: AddressMap) -> None:
    path = tmp_path / "q1.jsonl"
    simulate.write(path, feed)
    engine = database.connect(f"sqlite:///{tmp_path / 'q1.sqlite'}")
    codes = set(authorities.communes()) | {b.code for b in authorities.CITY_BODIES}
    assert {r["authority_code"] for r in feed if r["type"] == "dossier"} <= codes
    report = ingest.ingest_file(engine, path)
    assert report.rejected == [] and report.created == len(feed)
    engine.dispose()


def test_command_writes_the_feed(tmp_path: Path, capsys: pytest.CaptureFixture[str], hanoi: AddressMap) -> None:
    out = tmp_path / "feed.jsonl"
    assert main(["simulate-dossiers", "--quarter", "2026Q2", "--out", str(out), "--count", "50", "--seed", "2"]) == 0
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sum(r["type"] == "dossier" for r in lines) == 50
    assert "synthetic" in capsys.readouterr().out
    assert main(["simulate-dossiers", "--quarter", "2026-1", "--out", str(out)]) == 2
