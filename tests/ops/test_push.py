"""The feed of changes pushed to the portal's address: every change taken once, in order and signed, a batch not taken
sent again the same, nothing skipped; on SQLite and on a real PostgreSQL server, to a real HTTP server standing for
the portal (from the library, and from ``agencynet dossiers push``)."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from api import cli
from geo._errors import InputError
from ops import changes, database, dossiers, ingest, push
from ops.errors import PushError
from ops.store import Store
from tests import pgserver
from tests.ops.cases import dossier
from tests.ops.conftest import Portal

SECRET = b"the-key-both-sides-hold"
ROOT = Path(__file__).resolve().parents[2]


def _every_change(store: Store) -> list[dict]:
    return changes.after(store.engine)["changes"]


def test_every_change_reaches_the_portal_once_in_order_and_signed(store: Store, portal: Portal) -> None:
    every = _every_change(store)
    assert len(every) > 8  # the seeded day's moves: enough for three batches of four
    seen: list[int] = []
    pushed = push.push(store.engine, "portal", portal.url, SECRET, batch=4, progress=seen.append)
    assert portal.taken() == every
    assert pushed == push.Pushed(
        changes=len(every), batches=-(-len(every) // 4), cursor=changes.cursor(every[-1]["cursor"])
    )
    assert sum(seen) == len(every) and len(seen) == pushed.batches
    for headers, body in portal.requests:
        assert headers[push.SIGNATURE] == push.sign(SECRET, body)
        assert headers[push.SIGNATURE] != push.sign(b"another key", body)
        page = json.loads(body)
        assert headers[push.DELIVERY] == f"{page['changes'][0]['cursor']}..{page['next']}"
        assert headers["Content-Type"] == "application/json"
    assert [json.loads(b)["more"] for _, b in portal.requests] == [True] * (pushed.batches - 1) + [False]
    assert push.position(store.engine, "portal") == pushed.cursor
    # Nothing new: nothing sent. A new move: only it.
    assert push.push(store.engine, "portal", portal.url, SECRET).changes == 0
    assert len(portal.requests) == pushed.batches
    dossiers.move(store.engine, "S-1", "digitised", who="lan")
    again = push.push(store.engine, "portal", portal.url, SECRET)
    assert again.changes == 1 and portal.taken()[-1]["code"] == "S-1" and portal.taken()[-1]["state"] == "digitised"
    [receiver] = push.receivers(store.engine)
    assert receiver["name"] == "portal" and receiver["url"] == portal.url
    assert receiver["pushed"] == len(every) + 1 and receiver["waiting"] == 0 and receiver["failure"] is None
    assert receiver["cursor"] == str(again.cursor) and receiver["pushed_at"] is not None


def test_a_batch_not_taken_is_sent_again_the_same_and_none_is_skipped(store: Store, portal: Portal) -> None:
    every = _every_change(store)
    portal.answers = [200, 503]
    with pytest.raises(PushError) as failed:
        push.push(store.engine, "portal", portal.url, SECRET, batch=4)
    assert failed.value.transient
    left = len(every) - 4
    assert str(failed.value) == (
        f"{portal.url} answered 503 Service Unavailable: portal says no; "
        f"{left} changes wait to be pushed, after cursor {every[3]['cursor']}"
    )
    assert push.position(store.engine, "portal") == changes.cursor(every[3]["cursor"])
    [receiver] = push.receivers(store.engine)
    assert receiver["pushed"] == 4 and receiver["waiting"] == left
    assert receiver["failure"].startswith(f"{portal.url} answered 503") and receiver["failed_at"] is not None
    pushed = push.push(store.engine, "portal", portal.url, SECRET, batch=4)
    assert pushed.changes == left and portal.taken() == every
    refused, resent = portal.requests[1], portal.requests[2]
    assert resent == refused  # the same body, signature and delivery id
    assert push.receivers(store.engine)[0]["failure"] is None


def test_a_refusal_is_not_worth_trying_again_and_a_timeout_is(store: Store, portal: Portal) -> None:
    portal.answers = [401]
    with pytest.raises(PushError, match=r"answered 401 Unauthorized: portal says no; \d+ changes wait") as refused:
        push.push(store.engine, "portal", portal.url, SECRET)
    assert not refused.value.transient
    portal.answers = [429]
    with pytest.raises(PushError) as busy:
        push.push(store.engine, "portal", portal.url, SECRET)
    assert busy.value.transient and push.position(store.engine, "portal") == changes.START


def test_a_portal_that_does_not_answer_is_said_and_its_cursor_kept(store: Store) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}/x"
    with pytest.raises(PushError, match=rf"^{closed} did not answer: .*refused.*; \d+ changes wait") as failed:
        push.push(store.engine, "portal", closed, SECRET)
    assert failed.value.transient and push.position(store.engine, "portal") == changes.START


@pytest.mark.parametrize(
    ("url", "batch", "name", "said"),
    [
        ("ftp://portal/x", 10, "portal", "to: an http:// or https:// address, got 'ftp://portal/x'"),
        ("portal.gov.vn/api", 10, "portal", "to: an http:// or https:// address, got 'portal.gov.vn/api'"),
        ("http://portal/x", 0, "portal", "batch: 1 to 1000 changes, got 0"),
        ("http://portal/x", 10, "", "name: 1 to 64 characters, got ''"),
    ],
)
def test_bad_input_is_said_before_anything_is_sent(
    sqlite_store: Store, url: str, batch: int, name: str, said: str
) -> None:
    with pytest.raises(InputError) as bad:
        push.push(sqlite_store.engine, name, url, SECRET, batch=batch)
    assert str(bad.value) == said


def _database(store: Store) -> str:
    return store.engine.url.render_as_string(hide_password=False)


def test_the_command_pushes_and_lists_where_each_receiver_stands(
    sqlite_store: Store, portal: Portal, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    every = _every_change(sqlite_store)
    base = ["dossiers", "push", "--to", portal.url, "--database", _database(sqlite_store), "--batch", "5"]
    assert cli.main(base) == 2
    assert (
        capsys.readouterr().err
        == "agencynet dossiers push: set AGENCYNET_PUSH_SECRET to the key the receiver checks the batches with\n"
    )
    monkeypatch.setenv("AGENCYNET_PUSH_SECRET", SECRET.decode())
    portal.answers = [200, 500]
    assert cli.main(base) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"agencynet dossiers push: {portal.url} answered 500 Internal Server Error")
    assert err.count("\n") == 1
    assert cli.main([*base, "--to", "mailto:x"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert cli.main(base) == 0
    last = every[-1]["cursor"]
    left = len(every) - 5
    said = f"{left} changes pushed to {portal.url} in {-(-left // 5)} batches; portal at cursor {last}\n"
    assert capsys.readouterr().err == said
    assert portal.taken() == every and all(h[push.SIGNATURE] == push.sign(SECRET, b) for h, b in portal.requests)
    assert cli.main(["dossiers", "pushes", "--database", _database(sqlite_store)]) == 0
    assert capsys.readouterr().out == f"portal {portal.url}: {len(every)} taken, 0 waiting, at cursor {last}\n"


def test_following_pushes_each_new_change_and_stops_when_asked(sqlite_store: Store, portal: Portal) -> None:
    every = _every_change(sqlite_store)
    command = [sys.executable, "-m", "api.cli", "dossiers", "push", "--to", portal.url, "--follow", "--every", "0.2"]
    environment = os.environ | {"AGENCYNET_PUSH_SECRET": SECRET.decode()}
    portal.answers = [503]  # the first try is not taken: tried again, later
    with subprocess.Popen(
        [*command, "--database", _database(sqlite_store)], cwd=ROOT, env=environment, stderr=subprocess.PIPE, text=True
    ) as follower:
        _wait_for(lambda: len(portal.taken()) == len(every))
        dossiers.move(sqlite_store.engine, "S-1", "digitised", who="lan")
        _wait_for(lambda: len(portal.taken()) == len(every) + 1)
        follower.send_signal(signal.SIGTERM)
        _, err = follower.communicate(timeout=30)
    assert follower.returncode == 0
    assert portal.taken() == [*every, _every_change(sqlite_store)[-1]]
    lines = err.splitlines()
    assert lines[0].startswith(f"agencynet dossiers push: {portal.url} answered 503 Service Unavailable")
    # One line a push that took something: the new move in a push of its own, or in the first one's next batch
    # when it came while that one was going on.
    said = [
        re.fullmatch(rf"(\d+) changes? pushed to {re.escape(portal.url)} in \d batch(es)?; portal at cursor (.*)", line)
        for line in lines[1:]
    ]
    assert all(said) and sum(int(m[1]) for m in said if m) == len(every) + 1
    assert said[-1] and said[-1][3] == _every_change(sqlite_store)[-1]["cursor"]


def _wait_for(condition: Callable[[], bool], timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "the follower did not push within a minute"
        time.sleep(0.05)


def test_following_outlives_a_store_that_stops_answering(portal: Portal, tmp_path: Path) -> None:
    # The database refuses connections for a while (a restart): the follower says so in one line, tries again
    # later, and goes on from where the portal stands once it answers.
    with pgserver.database() as url:
        name = sa.engine.make_url(url).database
        engine = database.connect(url)
        ingest.ingest(engine, [(1, dossier("OUT-1"))])
        engine.dispose()
        log = tmp_path / "follower.err"
        command = [sys.executable, "-m", "api.cli", "dossiers", "push", "--to", portal.url, "--database", url]
        environment = os.environ | {"AGENCYNET_PUSH_SECRET": SECRET.decode()}
        with (
            log.open("w") as err,
            subprocess.Popen(
                [*command, "--follow", "--every", "0.2"], cwd=ROOT, env=environment, stderr=err
            ) as follower,
        ):
            _wait_for(lambda: len(portal.taken()) == 1)
            pgserver.sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS false")
            pgserver.sql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'")
            _wait_for(lambda: "not currently accepting connections" in log.read_text())
            pgserver.sql(f"ALTER DATABASE {name} ALLOW_CONNECTIONS true")
            engine = database.connect(url)
            dossiers.move(engine, "OUT-1", "digitised", who="lan")
            engine.dispose()
            _wait_for(lambda: len(portal.taken()) == 2)
            follower.send_signal(signal.SIGTERM)
            follower.wait(timeout=30)
    assert follower.returncode == 0
    assert [(c["code"], c["state"]) for c in portal.taken()] == [("OUT-1", "received"), ("OUT-1", "digitised")]
    said = log.read_text().splitlines()
    refused = [line for line in said if line.startswith("agencynet dossiers push: database postgresql")]
    assert all("***@" in line for line in refused)  # the password never printed
    assert any(line.endswith(f'database "{name}" is not currently accepting connections') for line in refused)
    assert "Traceback" not in log.read_text()
