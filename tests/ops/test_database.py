"""Opening the store: a database that cannot be used is one line naming it (its password hidden), from the
library and from the command line, on a real PostgreSQL server and on SQLite."""

from __future__ import annotations

import contextlib
import math
import socket
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.engine import Engine

from api import cli
from geo._errors import InputError
from ops import (
    accounts,
    authorities,
    changes,
    database,
    dossiers,
    gateways,
    ingest,
    notices,
    photos,
    proofs,
    push,
    receipts,
    records,
    tables,
)
from ops.errors import StoreError
from ops.store import Store
from tests import pgserver
from tests.ops.cases import dossier
from tests.ops.daycases import DAY


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # closed again on leaving: nothing listens there


def test_a_wrong_password_is_refused_by_the_server_and_never_printed(postgres_url: str) -> None:
    url = sa.engine.make_url(postgres_url).set(password="not-the-password")
    with pytest.raises(StoreError) as refused:
        database.connect(url.render_as_string(hide_password=False))
    message = str(refused.value)
    assert message.startswith(f"database {url.render_as_string(hide_password=True)}: ")
    assert "password authentication failed" in message
    assert "not-the-password" not in message and "\n" not in message


def test_a_server_that_does_not_answer_is_one_line() -> None:
    port = _closed_port()
    with pytest.raises(StoreError, match=rf"^database postgresql://agencynet:\*\*\*@127.0.0.1:{port}/x: .*refused"):
        database.connect(f"postgresql://agencynet:secret@127.0.0.1:{port}/x")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("not a url", "database URL (not a URL): Could not parse SQLAlchemy URL"),
        ("foo://h/x", "database URL foo://h/x: Can't load plugin: sqlalchemy.dialects:foo"),
        ("mysql://u:secret@h/x", "database URL mysql://u:***@h/x: No module named 'MySQLdb'"),
    ],
)
def test_a_url_that_names_no_usable_database_says_so(given: str, expected: str) -> None:
    with pytest.raises(StoreError) as refused:
        database.connect(given)
    assert str(refused.value).startswith(expected)


def test_a_file_in_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'absent' / 'store.sqlite'}"
    with pytest.raises(StoreError, match=r": unable to open database file$"):
        database.connect(url)


def test_the_store_of_a_newer_agencynet_is_refused_not_changed(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    database.connect(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'f00dfeed'"))
        tables_before = set(sa.inspect(conn).get_table_names())
    with pytest.raises(StoreError, match=r"^database sqlite:///.*: Can't locate revision identified by 'f00dfeed'"):
        database.connect(url)
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "f00dfeed"
        assert set(sa.inspect(conn).get_table_names()) == tables_before
    engine.dispose()


def test_the_command_line_says_it_in_one_line_with_exit_code_2(capsys: pytest.CaptureFixture[str]) -> None:
    port = _closed_port()
    code = cli.main(["dossiers", "summary", "--database", f"postgresql://agencynet:secret@127.0.0.1:{port}/x"])
    err = capsys.readouterr().err
    assert code == 2
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"agencynet dossiers: error: database postgresql://agencynet:***@127.0.0.1:{port}/x: ")


def _migrate(conn: sa.Connection, revision: str, *, down: bool = False) -> None:
    """Bring the store of ``conn`` to ``revision`` (down to it with ``down``)."""
    config = Config()
    config.set_main_option("script_location", str(database.MIGRATIONS))
    config.attributes["connection"] = conn
    (command.downgrade if down else command.upgrade)(config, revision)


def _first_schema(url: str) -> None:
    """Make the store at ``url`` as the first migration left it, with one account."""
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        _migrate(conn, "0001")
        conn.execute(
            sa.text(
                "INSERT INTO users (name, password_hash, role, agency_id, created_at) "
                "VALUES ('lan', 'x', 'dispatcher', NULL, CURRENT_TIMESTAMP)"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO authorities (code, name, level, source) "
                "VALUES ('00160', 'Phường Nghĩa Đô', 'commune', 'map')"
            )
        )
    engine.dispose()


def _empty_store(server: str, tmp_path: Path, stack: contextlib.ExitStack) -> str:
    """The URL of an empty store on ``server`` (a PostgreSQL database of its own: the migrations start from
    nothing)."""
    if server == "sqlite":
        return f"sqlite:///{tmp_path / 'store.sqlite'}"
    try:
        return stack.enter_context(pgserver.database())
    except pgserver.ServerError as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_a_store_of_the_first_schema_gets_the_new_columns_and_keeps_its_rows(server: str, tmp_path: Path) -> None:
    with contextlib.ExitStack() as stack:
        url = _empty_store(server, tmp_path, stack)
        _first_schema(url)
        upgraded = database.connect(url)
        stack.callback(upgraded.dispose)
        assert accounts.full_name(upgraded, "lan") is None
        accounts.add_user(upgraded, "an.nv", "a long password", "postman", agency_id="A", full_name=" Nguyễn  Văn An ")
        assert accounts.full_name(upgraded, "an.nv") == "Nguyễn Văn An"
        with pytest.raises(InputError, match="a full name needs 1-200 characters"):
            accounts.add_user(upgraded, "chi", "a long password", "planner", full_name="   ")
        # The registry of the first schema gets who placed a unit and when (0003), its rows kept.
        (unit,) = authorities.registry(upgraded)
        assert (unit["code"], unit["source"], unit["located_by"], unit["located_at"]) == ("00160", "map", None, None)
        placed = authorities.place(upgraded, "00160", 21.0465, 105.7985, who="lan")
        assert (placed["source"], placed["located_by"]) == ("operator", "lan")
        # A postman's usual shift is kept with his account (0004).
        assert accounts.set_shift(upgraded, "an.nv", "07:30-12:00") == "07:30-12:00"
        # And his usual capacity (0005).
        assert accounts.set_capacity(upgraded, "an.nv", 15) == 15
        # A unit's own office hours (0007).
        assert authorities.set_hours(upgraded, "00160", "Mo-Sa 07:30-11:30")["hours"] == "Mo-Sa 07:30-11:30"


def test_users_add_gives_an_account_its_full_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("AGENCYNET_PASSWORD", "a long password")
    args = ["users", "add", "an.nv", "--role", "postman", "--agency", "A", "--full-name", "Nguyễn Văn An"]
    assert cli.main([*args, "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "user an.nv added with role postman"
    engine = database.connect(url)
    assert accounts.full_name(engine, "an.nv") == "Nguyễn Văn An"
    engine.dispose()
    assert cli.main([*args, "--database", url]) == 2  # the name is taken: one line
    assert capsys.readouterr().err.strip().splitlines() == ["agencynet users: error: user 'an.nv' exists already"]
    # An account made before full names were kept gets one afterwards.
    assert cli.main(["users", "name", "an.nv", "Nguyễn  Văn Ân", "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "user an.nv is said as Nguyễn Văn Ân"
    assert cli.main(["users", "name", "chi", "Lê Thị Chi", "--database", url]) == 2
    assert capsys.readouterr().err.strip().splitlines() == ["agencynet users: error: no user 'chi'"]
    # A morning postman's usual shift; a shift the wrong way round is one line.
    assert cli.main(["users", "shift", "an.nv", "07:30-12:00", "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "postman an.nv works 07:30-12:00"
    assert cli.main(["users", "shift", "an.nv", "12:00-07:30", "--database", url]) == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert said == ["agencynet users: error: shift '12:00-07:30' ends before it starts"]
    assert cli.main(["users", "shift", "an.nv", "default", "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "postman an.nv works the default shift"
    # On a bicycle, his usual capacity; a capacity that is no whole number, or none he could carry, is one line.
    assert cli.main(["users", "capacity", "an.nv", "15", "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "postman an.nv carries 15 dossier units"
    for wrong, line in (
        ("1.5", "capacity '1.5' is not a whole number of dossier units, nor 'default'"),
        ("0", "capacity 0 is not between 1 and 10000 dossier units"),
    ):
        assert cli.main(["users", "capacity", "an.nv", wrong, "--database", url]) == 2
        assert capsys.readouterr().err.strip().splitlines() == [f"agencynet users: error: {line}"]
    assert cli.main(["users", "capacity", "an.nv", "default", "--database", url]) == 0
    assert capsys.readouterr().out.strip() == "postman an.nv carries the default dossier units"


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_a_door_pickup_from_before_handovers_were_events_is_at_its_agency(server: str, tmp_path: Path) -> None:
    # A home pickup handed over at its agency recorded no event: its journey ended at the door. Now that reads as in
    # the postman's bag, and it would be asked for as still carried, with no event left to record.
    with contextlib.ExitStack() as stack:
        url = _empty_store(server, tmp_path, stack)
        # The rows are written by today's code (its columns), then the schema is taken down to 0005 under them.
        engine = database.connect(url)
        records = [(1, dossier("DOOR", channel="home_pickup")), (2, dossier("AWAY", channel="home_pickup"))]
        ingest.ingest(engine, records)
        for code, states in (("DOOR", ["digitised"]), ("AWAY", ["digitised", "to_authority"])):
            for state in states:
                dossiers.move(engine, code, state, who="binh", place="address")
        with engine.begin() as conn:
            _migrate(conn, "0005", down=True)
        engine.dispose()
        upgraded = database.connect(url)
        stack.callback(upgraded.dispose)
        _door_pickups_moved(upgraded)


def _door_pickups_moved(upgraded: sa.Engine) -> None:
    """DOOR, whose journey ended at the door, is at its agency after 0006, and back as it was after its downgrade;
    AWAY, on its way to its authority, is untouched."""
    journey = dossiers.history(upgraded, "DOOR")
    assert [(e.state, e.place, e.who) for e in journey[1:]] == [
        ("digitised", "address", "binh"),
        ("digitised", "osm:node/1", "migration-0006"),  # at its agency, as it was read before
    ]
    assert dossiers.derived_state(journey) == dossiers.current(upgraded, "DOOR")["state"] == "digitised"
    assert [e.state for e in dossiers.history(upgraded, "AWAY")] == ["received", "digitised", "to_authority"]
    with upgraded.begin() as conn:
        _migrate(conn, "0005", down=True)
    with upgraded.connect() as conn:  # the schema of 0005: today's columns are not all there
        who = conn.execute(sa.text("SELECT who FROM dossier_events WHERE dossier_code = 'DOOR' ORDER BY seq"))
        assert who.scalars().all() == ["portal", "binh"]
    assert dossiers.current(upgraded, "DOOR")["seq"] == 2


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_a_proof_taken_at_the_door_before_the_counter_signed_keeps_who_took_it(server: str, tmp_path: Path) -> None:
    # 0010 renames the postman who took a proof to the account that took it (a postman, or the counter's staff).
    with contextlib.ExitStack() as stack:
        url = _empty_store(server, tmp_path, stack)
        engine = database.connect(url)
        ingest.ingest(engine, [(1, dossier("HOME"))])
        old = sa.table(
            "proofs",
            *(sa.column(c) for c in ("event_key", "dossier_code", "event", "at", "postman", "signer")),
            sa.column("signature", sa.JSON),
        )
        signature = {"width": 300, "height": 120, "strokes": [[[10.0, 10.0], [200.0, 60.0]]]}
        with engine.begin() as conn:
            _migrate(conn, "0009", down=True)
            conn.execute(
                old.insert().values(
                    event_key="day:p:t1:delivered",
                    dossier_code="HOME",
                    event="delivered",
                    at=datetime(2026, 2, 4, 5, tzinfo=UTC),
                    postman="binh",
                    signer="applicant",
                    signature=signature,
                )
            )
        engine.dispose()
        upgraded = database.connect(url)
        stack.callback(upgraded.dispose)
        (kept,) = proofs.of_dossier(upgraded, "HOME", personal=True)
        assert (kept["event"], kept["taken_by"], kept["signature"]) == ("delivered", "binh", signature)
        with upgraded.begin() as conn:
            _migrate(conn, "0009", down=True)
        with upgraded.connect() as conn:
            assert conn.execute(sa.text("SELECT postman FROM proofs")).scalars().all() == ["binh"]


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_events_from_before_the_feed_of_changes_are_in_it_in_their_order(server: str, tmp_path: Path) -> None:
    # 0011 gives each event the transaction that wrote it: the events already stored take one older than any new
    # one (PostgreSQL) or 0 (SQLite), so the portal's feed serves them first, in the order they were written.
    with contextlib.ExitStack() as stack:
        url = _empty_store(server, tmp_path, stack)
        engine = database.connect(url)
        ingest.ingest(engine, [(1, dossier("OLD-1")), (2, dossier("OLD-2"))])
        dossiers.move(engine, "OLD-1", "digitised", who="lan")
        with engine.begin() as conn:
            _migrate(conn, "0010", down=True)
        engine.dispose()
        upgraded = database.connect(url)
        stack.callback(upgraded.dispose)
        dossiers.move(upgraded, "OLD-2", "digitised", who="lan")
        seen = changes.after(upgraded)["changes"]
        assert [(c["code"], c["seq"]) for c in seen] == [("OLD-1", 1), ("OLD-2", 1), ("OLD-1", 2), ("OLD-2", 2)]
        with upgraded.begin() as conn:
            _migrate(conn, "0010", down=True)
        with upgraded.connect() as conn:  # the schema of 0010: the events kept, without the column
            assert conn.execute(sa.text("SELECT count(*) FROM dossier_events")).scalar_one() == 4
            assert "tx" not in {c["name"] for c in sa.inspect(conn).get_columns("dossier_events")}


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_where_the_receivers_stand_comes_and_goes_with_its_migration(server: str, tmp_path: Path) -> None:
    # 0012 keeps the cursor of each receiver of the pushed feed; down to 0011 the table goes and the events stay.
    with contextlib.ExitStack() as stack:
        url = _empty_store(server, tmp_path, stack)
        engine = database.connect(url)
        stack.callback(engine.dispose)
        ingest.ingest(engine, [(1, dossier("OLD-1"))])
        with engine.begin() as conn:
            conn.execute(sa.insert(tables.feed_pushes).values(name="portal", url="http://x/", cursor="0-1", pushed=1))
        assert push.position(engine, "portal") == changes.Cursor(0, 1)
        with engine.begin() as conn:
            _migrate(conn, "0011", down=True)
        with engine.connect() as conn:
            assert "feed_pushes" not in sa.inspect(conn).get_table_names()
            assert conn.execute(sa.text("SELECT count(*) FROM dossier_events")).scalar_one() == 1
        with engine.begin() as conn:
            _migrate(conn, "0012")
        assert push.position(engine, "portal") == changes.START


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_the_registry_of_handover_records_comes_and_goes_with_its_migration(server: str, tmp_path: Path) -> None:
    # 0013 keeps the numbers issued for the postmen's visits, once each a day; down to 0012 the table goes.
    with contextlib.ExitStack() as stack:
        url = _empty_store(server, tmp_path, stack)
        engine = database.connect(url)
        stack.callback(engine.dispose)
        stop = {"seq": 1, "task": "T1", "kind": "delivery", "place": "00070", "dossiers": ["A"]}
        routes = [{"postman": "binh", "stops": [stop]}]
        assert records.issue(engine, DAY, "plan-1", routes) == ["BBGN-20260204-0001"]
        taken = {"no": "BBGN-X", "day": DAY, "seq": 1, "plan_id": "p", "postman": "p", "place": "p", "handed": {}}
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as conn:  # the day's first number is taken
            row = taken | {"taken": {}, "status": "issued", "issued_at": datetime.now(UTC)}
            conn.execute(sa.insert(tables.handover_records).values(**row))
        with engine.begin() as conn:
            _migrate(conn, "0012", down=True)
        with engine.connect() as conn:
            assert "handover_records" not in sa.inspect(conn).get_table_names()
        with engine.begin() as conn:
            _migrate(conn, "0013")
        assert records.of_day(engine, DAY) == []


@contextlib.contextmanager
def _migrated(server: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty store of ``server`` at the newest migration."""
    with contextlib.ExitStack() as stack:
        engine = database.connect(_empty_store(server, tmp_path, stack))
        stack.callback(engine.dispose)
        yield engine


def _gone_and_back(engine: Engine, table: sa.Table, revision: str) -> int:
    """Migrate down to the revision before ``revision``, ``table`` gone, and up to the newest again: the rows it
    then has."""
    with engine.begin() as conn:
        _migrate(conn, f"{int(revision) - 1:04d}", down=True)
    with engine.connect() as conn:
        assert table.name not in sa.inspect(conn).get_table_names()
    with engine.begin() as conn:
        _migrate(conn, "head")
    with engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_what_the_applicants_were_told_of_the_postman_comes_and_goes_with_its_migrations(
    server: str, tmp_path: Path
) -> None:
    # 0014 keeps the window each home pickup's applicant was told, once a day; 0015, that one was told the postman
    # is on his way; each goes down with its migration.
    with _migrated(server, tmp_path) as engine:
        sent = {"ref": "P:pickup:2026-02-04:10:00", "kind": "home_pickup", "code": "P", "day": DAY.isoformat()}
        notices.told(engine, [sent | {"start": "10:00", "end": "11:00"}])
        notices.told(engine, [sent | {"start": "10:00", "end": "10:45"}])  # told again: the day's row, replaced
        way = {"ref": "P:way:2026-02-04", "kind": "pickup_on_the_way", "code": "P", "day": DAY.isoformat()}
        notices.told(engine, [way | {"expected": "10:35"}])
        pn, wn = tables.pickup_notices, tables.way_notices
        with engine.connect() as conn:
            assert conn.execute(sa.select(pn.c.day, pn.c.end)).all() == [(DAY, "10:45")]
            assert conn.execute(sa.select(wn.c.day, wn.c.expected)).all() == [(DAY, "10:35")]
        assert _gone_and_back(engine, wn, "0015") == 0
        assert _gone_and_back(engine, pn, "0014") == 0


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_the_notices_passed_over_sent_and_chosen_come_and_go_with_their_migrations(server: str, tmp_path: Path) -> None:
    # 0016 keeps the notices an SMS provider will never deliver to their phone, 0017 whether an applicant takes a
    # dossier's notices, 0018 each notice a gateway took, by dossier, once by its ref.
    with _migrated(server, tmp_path) as engine:
        message = {"ref": "P:4", "kind": "for_collection"}
        notices.passed(engine, "notices", message, "eSMS: CodeResult 177")
        notices.passed(engine, "notices", message, "eSMS: CodeResult 108" + "!" * 400)  # again: once, cut short
        batch = {"messages": [message, {"ref": "P:6", "kind": "out_for_delivery"}]}
        for _ in range(2):  # the same batch taken twice: kept once, and not the notice passed over
            with engine.begin() as conn:
                notices.keeper("notices")(conn, batch)
        notices.choose(engine, "P", sms=False, by="citizen")
        found = notices.of_dossier(engine, "P")
        assert (found["sms"], found["chosen_by"]) == (False, "citizen") and notices.takes_sms(engine, "Q")
        assert [(n["ref"], len(n["passed"] or "")) for n in found["notices"]] == [("P:4", 300), ("P:6", 0)]
        assert _gone_and_back(engine, tables.sent_notices, "0018") == 0
        assert _gone_and_back(engine, tables.notice_choices, "0017") == 0
        assert _gone_and_back(engine, tables.refused_notices, "0016") == 0
        assert notices.of_dossier(engine, "P") == {
            "sms": True,
            "chosen_by": None,
            "chosen_at": None,
            "unreached": False,
            "call": None,
            "calls": [],
            "notices": [],
        }


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_the_notices_channels_and_receipts_come_and_go_with_their_migration(server: str, tmp_path: Path) -> None:
    # 0019 keeps how each notice a provider took went, the provider's id of it, and its delivery receipt.
    with _migrated(server, tmp_path) as engine:
        notices.Ledger(engine, "notices").took({"ref": "P:4", "kind": "for_collection"}, gateways.Taken("sms", "s-4"))
        at = datetime(2026, 2, 5, 3, 2, tzinfo=UTC)
        assert receipts.keep(engine, receipts.Receipt("sms", "s-4", None, receipts.DELIVERED, at)) == 1
        (sent,) = notices.of_dossier(engine, "P")["notices"]
        assert (sent["channel"], sent["receipt"], sent["receipt_at"]) == ("sms", "delivered", at)
        added = {"channel", "provider_id", "receipt", "receipt_at", "receipt_words"}
        with engine.begin() as conn:
            _migrate(conn, "0018", down=True)
        with engine.connect() as conn:
            assert added.isdisjoint(c["name"] for c in sa.inspect(conn).get_columns("sent_notices"))
            assert conn.execute(sa.text("SELECT ref FROM sent_notices")).scalars().all() == ["P:4"]
        with engine.begin() as conn:
            _migrate(conn, "head")
        (sent,) = notices.of_dossier(engine, "P")["notices"]
        assert (sent["ref"], sent["channel"], sent["receipt"]) == ("P:4", None, None)
        # The counter's list of applicants not reached by the notice of where their dossier stands, on each server.
        ingest.ingest(engine, [(1, dossier("Q"))])
        seq = dossiers.current(engine, "Q")["seq"]
        notices.passed(engine, "notices", {"ref": f"Q:{seq}", "kind": "for_collection"}, "eSMS: CodeResult 99")
        total, rows = dossiers.listing(engine, also=[notices.unreached()])
        assert (total, [r["code"] for r in rows], notices.unreached_among(engine, ["Q", "P"])) == (1, ["Q"], {"Q"})


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_the_photos_of_stop_events_come_and_go_with_their_migration(server: str, tmp_path: Path) -> None:
    # 0023 keeps the photo a postman takes with a stop event, its bytes as they were.
    with _migrated(server, tmp_path) as engine:
        kept = photos.Photo(b"\xff\xd8 a JPEG \x00\xff\xd9", 1, 1, "0" * 64)
        _photo(engine, kept, "day:plan-1:T1:failed", codes=())
        assert photos.read(engine, "day:plan-1:T1:failed") == kept.jpeg
        assert photos.read(engine, "day:plan-1:T2:failed") is None
        assert _gone_and_back(engine, tables.stop_photos, "0023") == 0


def _photo(engine: Engine, kept: photos.Photo, key: str, codes: tuple[str, ...]) -> None:
    """Keep ``kept`` with the stop event ``key`` of :data:`DAY`, listed under the dossiers ``codes``."""
    _, _, task, event = key.split(":")
    with engine.begin() as conn:
        at = datetime(2026, 2, 4, 3, tzinfo=UTC)
        stop = photos.Stop(DAY, task, event)
        photos.write(conn, kept, key=key, stop=stop, codes=codes, at=at, taken_by="binh")


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_the_photos_are_listed_by_dossier_from_their_migration_on(server: str, tmp_path: Path) -> None:
    # 0024 lists each photo under the dossiers its task carried; up, the photos kept before are listed from their
    # day's plan (a key that is no stop event's, or of a plan gone, is left unlisted).
    with _migrated(server, tmp_path) as engine:
        kept = photos.Photo(b"\xff\xd8 a JPEG \x00\xff\xd9", 1, 1, "0" * 64)
        _photo(engine, kept, "day:plan-1:T1:failed", codes=("P", "Q"))
        _photo(engine, kept, "day:plan-gone:T1:failed", codes=())
        (first,) = photos.of_dossier(engine, "Q")
        assert (first["day"], first["task"], first["event"], first["taken_by"]) == (DAY, "T1", "failed", "binh")
        assert photos.read_of_dossier(engine, "Q", first["id"]) == kept.jpeg
        assert photos.read_of_dossier(engine, "R", first["id"]) is None
        now = datetime(2026, 2, 4, 3, tzinfo=UTC)
        plan = {"request": {"date": DAY.isoformat()}, "state": {"dossiers": {"T1": ["P", "Q"]}}, "result": {}}
        with engine.begin() as conn:
            conn.execute(sa.insert(tables.plans).values(id="plan-1", created_at=now, updated_at=now, version=1, **plan))
        assert _gone_and_back(engine, tables.dossier_photos, "0024") == 2
        assert [p["task"] for p in photos.of_dossier(engine, "P")] == ["T1"] and photos.of_dossier(engine, "R") == []


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_the_notices_are_found_by_when_they_were_taken(server: str, tmp_path: Path) -> None:
    # 0022 indexes the notices taken by when: the quarter's figures and the Zalo notices to follow up read them so.
    with _migrated(server, tmp_path) as engine:

        def indexes() -> set[str]:
            with engine.connect() as conn:
                return {i["name"] for i in sa.inspect(conn).get_indexes("sent_notices")}

        assert "ix_sent_notices_at" in indexes()
        with engine.begin() as conn:
            _migrate(conn, "0021", down=True)
        assert "ix_sent_notices_at" not in indexes() and "ix_sent_notices_provider_id" in indexes()
        with engine.begin() as conn:
            _migrate(conn, "head")
        assert "ix_sent_notices_at" in indexes()


@pytest.mark.parametrize("server", ["sqlite", "postgresql"])
def test_the_counter_s_calls_come_and_go_with_their_migration(server: str, tmp_path: Path) -> None:
    # 0020 keeps the counter's phone calls to an applicant the notice of where his dossier stands did not reach.
    with _migrated(server, tmp_path) as engine:
        ingest.ingest(engine, [(1, dossier("Q"))])
        seq = dossiers.current(engine, "Q")["seq"]
        notices.passed(engine, "notices", {"ref": f"Q:{seq}", "kind": "for_collection"}, "eSMS: CodeResult 99")
        notices.called(engine, "Q", reached=False, by="lan")
        assert notices.unreached_among(engine, ["Q"]) == {"Q"}
        notices.called(engine, "Q", reached=True, by="lan", note="Sẽ đến nhận")  # called again: each call kept
        found = notices.of_dossier(engine, "Q")
        assert (found["unreached"], found["call"]["reached"], found["call"]["by"]) == (False, True, "lan")
        assert [(c["seq"], c["reached"], c["note"]) for c in found["calls"]] == [
            (seq, False, None),
            (seq, True, "Sẽ đến nhận"),
        ]
        # 0021 keeps every call and its note: down, the last call of each move is kept; up again, it is the one call.
        with engine.begin() as conn:
            _migrate(conn, "0020", down=True)
        with engine.connect() as conn:
            kept = conn.execute(sa.text("SELECT dossier_code, seq, reached FROM notice_calls")).all()
            assert [(code, s, bool(r)) for code, s, r in kept] == [("Q", seq, True)]
        with engine.begin() as conn:
            _migrate(conn, "head")
        found = notices.of_dossier(engine, "Q")
        assert [(c["seq"], c["reached"], c["by"], c["note"]) for c in found["calls"]] == [(seq, True, "lan", None)]
        notices.called(engine, "Q", reached=False, by="lan")  # numbered on from the copied call
        assert [c["reached"] for c in notices.of_dossier(engine, "Q")["calls"]] == [True, False]
        assert _gone_and_back(engine, tables.notice_calls, "0020") == 0
        assert notices.unreached_among(engine, ["Q"]) == {"Q"}


def test_a_document_only_the_standard_library_reads_is_read(tmp_path: Path) -> None:
    # The store reads JSON with orjson; a result the standard library wrote with NaN in it (which orjson refuses)
    # is read all the same, and an ordinary one comes back as written.
    store = Store(f"sqlite:///{tmp_path / 'store.sqlite'}")
    odd = store.add("plan", {"date": "2026-02-04"}, {}, {"objective": float("nan"), "name": "Lương Văn Can"})
    plain = store.add("plan", {"date": "2026-02-05"}, {}, {"objective": 1.5, "routes": [{"stops": [1, 2]}]})
    read = store.get("plan", odd)["result"]
    assert math.isnan(read["objective"]) and read["name"] == "Lương Văn Can"
    assert store.get("plan", plain)["result"] == {"objective": 1.5, "routes": [{"stops": [1, 2]}]}
    store.close()
