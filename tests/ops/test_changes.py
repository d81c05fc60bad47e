"""The portal's feed of changes: every move once, in order, a page at a time after a cursor, on SQLite and on a real
PostgreSQL server; on PostgreSQL a move whose transaction began first and committed last is neither skipped nor
served before it is visible."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from api.cli import main
from ops import changes, database, dossiers, ingest
from tests.ops.cases import dossier, event
from tests.ops.conftest import emptied


def _read_all(engine: Engine, since: changes.Cursor, limit: int) -> tuple[list[dict], changes.Cursor]:
    """Every change after ``since``, page by page, and the cursor to go on from."""
    seen: list[dict] = []
    while True:
        page = changes.after(engine, since, limit=limit)
        seen += page["changes"]
        since = changes.cursor(page["next"])
        if not page["more"]:
            return seen, since


def test_every_move_is_read_once_in_order_page_by_page(engine: Engine) -> None:
    ingest.ingest(engine, [(k, dossier(f"F-{k}")) for k in range(1, 4)])
    ingest.ingest(engine, [(1, dossier("F-ON", channel="online"))])  # received, and at its authority at once
    at = datetime(2026, 2, 4, 2, tzinfo=UTC)
    for code in ("F-1", "F-2"):
        dossiers.move(engine, code, "digitised", who="lan", at=at)
    dossiers.move(engine, "F-1", "to_authority", who="binh", at=at)
    dossiers.move(engine, "F-1", "at_authority", who="binh", record_no="BB-7", place="00070", at=at)
    ingest.ingest(engine, [(1, event("F-1", "decided"))])  # the portal's decision
    seen, since = _read_all(engine, changes.START, limit=2)
    assert [(c["code"], c["seq"], c["state"]) for c in seen] == [
        ("F-1", 1, "received"),
        ("F-2", 1, "received"),
        ("F-3", 1, "received"),
        ("F-ON", 1, "received"),
        ("F-ON", 2, "at_authority"),
        ("F-1", 2, "digitised"),
        ("F-2", 2, "digitised"),
        ("F-1", 3, "to_authority"),
        ("F-1", 4, "at_authority"),
        ("F-1", 5, "decided"),
    ]
    assert len({c["cursor"] for c in seen}) == len(seen) and str(since) == seen[-1]["cursor"]
    handed = seen[8]
    assert handed == {
        "cursor": handed["cursor"],
        "code": "F-1",
        "seq": 4,
        "state": "at_authority",
        "at": "2026-02-04T02:00:00+00:00",
        "place": "00070",
        "record_no": "BB-7",
        "reason": None,
        "by_portal": False,
    }
    assert [c["by_portal"] for c in seen if c["code"] == "F-1"] == [True, False, False, False, True]
    # Nothing about the applicant, nor who recorded it.
    assert "Nguyễn" not in repr(seen) and "lan" not in {v for c in seen for v in c.values()}
    # Read to the end: an empty page keeps the cursor; a new move comes after it, alone.
    assert changes.after(engine, since) == {"changes": [], "next": str(since), "more": False}
    dossiers.move(engine, "F-3", "cancelled", who="lan", at=at)
    (cancelled,) = changes.after(engine, since)["changes"]
    assert (cancelled["code"], cancelled["state"], cancelled["place"]) == ("F-3", "cancelled", None)


@pytest.mark.parametrize("text", ["", "12", "1-2-3", "a-1", "-1-2", "1-99999999999999999999", "9999999999999999999-1"])
def test_a_cursor_not_written_by_the_feed_is_refused(text: str) -> None:
    with pytest.raises(changes.InputError, match="after: a cursor of the feed"):
        changes.cursor(text)


def test_a_move_committed_late_waits_and_is_not_skipped(postgres_url: str) -> None:
    # Two counters move two dossiers at once. The first begins writing, the second writes and commits, then the
    # first commits. A feed read by the events' numbers alone would serve the second's move and go past the first's,
    # still invisible, for good.
    engine = database.connect(emptied(postgres_url))
    try:
        ingest.ingest(engine, [(1, dossier("SLOW")), (2, dossier("FAST"))])
        _, since = _read_all(engine, changes.START, limit=100)
        with engine.connect() as slow:
            held = slow.begin()
            dossiers.advance(slow, "SLOW", "digitised", who="lan")  # written, not committed
            dossiers.move(engine, "FAST", "digitised", who="minh")  # written and committed after it
            with engine.connect() as conn:
                written = conn.execute(sa.text("SELECT count(*) FROM dossier_events")).scalar_one()
            assert written == 3  # the committed ones: two receptions and FAST's move
            # FAST's move is committed but waits: a transaction that began writing before it is still open.
            assert changes.after(engine, since) == {"changes": [], "next": str(since), "more": False}
            held.commit()
        seen, _ = _read_all(engine, since, limit=100)
        assert [(c["code"], c["state"]) for c in seen] == [("SLOW", "digitised"), ("FAST", "digitised")]
    finally:
        engine.dispose()


def test_a_transaction_open_in_another_database_does_not_hold_the_feed_back(postgres_url: str) -> None:
    # Another application of the same server (here in its maintenance database) keeps a transaction open that has
    # an id. The server's own horizon stays behind it; this database's moves are served all the same.
    engine = database.connect(emptied(postgres_url))
    elsewhere = sa.create_engine(sa.make_url(postgres_url).set(database="postgres"))
    try:
        ingest.ingest(engine, [(1, dossier("HERE")), (2, dossier("THERE"))])
        _, since = _read_all(engine, changes.START, limit=100)
        with elsewhere.connect() as other:
            other.begin()
            held = other.execute(sa.text("SELECT pg_current_xact_id()::text::bigint")).scalar_one()
            dossiers.move(engine, "HERE", "digitised", who="lan")
            with engine.connect() as conn:
                server = conn.execute(sa.text("SELECT pg_snapshot_xmin(pg_current_snapshot())::text::bigint"))
                assert server.scalar_one() <= held  # what the feed would wait for with the server's horizon
            (moved,) = changes.after(engine, since)["changes"]
            assert (moved["code"], moved["state"]) == ("HERE", "digitised")
            assert changes.count(engine, since) == 1
            # A transaction of this database, begun after it, still holds back what is written later.
            with engine.connect() as slow:
                slow.begin()
                dossiers.advance(slow, "THERE", "digitised", who="binh")
                dossiers.move(engine, "HERE", "to_authority", who="lan")  # committed
                assert changes.count(engine, since) == 1
                slow.rollback()
            assert [c["state"] for c in changes.after(engine, since)["changes"]] == ["digitised", "to_authority"]
    finally:
        elsewhere.dispose()
        engine.dispose()


def test_the_command_prints_the_changes_and_the_cursor_to_go_on_from(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    engine = database.connect(url)
    ingest.ingest(engine, [(1, dossier("K-1")), (2, dossier("K-2"))])
    dossiers.move(engine, "K-1", "digitised", who="lan")
    engine.dispose()
    assert main(["dossiers", "changes", "--database", url]) == 0
    out, err = capsys.readouterr()
    printed = [json.loads(line) for line in out.splitlines()]
    assert [(c["code"], c["state"]) for c in printed] == [
        ("K-1", "received"),
        ("K-2", "received"),
        ("K-1", "digitised"),
    ]
    assert err == f"3 changes; next: --after {printed[-1]['cursor']}\n"
    assert main(["dossiers", "changes", "--database", url, "--after", printed[0]["cursor"]]) == 0
    assert len(capsys.readouterr().out.splitlines()) == 2
    assert main(["dossiers", "changes", "--database", url, "--after", "first"]) == 2
    err = capsys.readouterr().err
    assert "after: a cursor of the feed" in err and err.count("\n") == 1
