"""``kill -9`` of a real ``agencynet ingest`` process in the middle of 100,000 records: every committed batch
survives, and running the ingest again completes the feed with no duplicates."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from tests.ops.cases import dossier

ROOT = Path(__file__).resolve().parents[2]
RECORDS = 100_000


def _count(database: Path, sql: str) -> int:
    with sqlite3.connect(database, timeout=30) as conn:
        return conn.execute(sql).fetchone()[0]


def _ingest(feed: Path, database: Path, *, stdout: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "api.cli", "ingest", str(feed), "--json", "--database", f"sqlite:///{database}"]
    return subprocess.Popen(command, cwd=ROOT, stdout=stdout, stderr=subprocess.DEVNULL, text=True)


def test_kill_9_loses_no_committed_record_and_a_rerun_completes(tmp_path: Path) -> None:
    feed = tmp_path / "feed.jsonl"
    with feed.open("w", encoding="utf-8") as fh:
        for i in range(RECORDS):
            fh.write(json.dumps(dossier(f"HS-{i:06d}"), ensure_ascii=False) + "\n")
    database = tmp_path / "crash.sqlite"
    first = _ingest(feed, database, stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 300
    committed = 0
    while committed < 10_000:
        assert first.poll() is None, "the ingest ended before it could be killed"
        assert time.monotonic() < deadline, "the ingest committed nothing within 300 s"
        time.sleep(0.2)
        if database.exists():
            try:
                committed = _count(database, "SELECT count(*) FROM dossiers")
            except sqlite3.OperationalError:  # tables not created yet
                committed = 0
    os.kill(first.pid, signal.SIGKILL)
    first.wait()
    assert first.returncode == -signal.SIGKILL
    survived = _count(database, "SELECT count(*) FROM dossiers")
    assert committed <= survived < RECORDS
    again = _ingest(feed, database, stdout=subprocess.PIPE)
    out, _ = again.communicate(timeout=600)
    assert again.returncode == 0
    report = json.loads(out)
    assert report["read"] == RECORDS
    assert report["unchanged"] == survived
    assert report["created"] == RECORDS - survived
    assert report["rejected"] == []
    assert _count(database, "SELECT count(*) FROM dossiers") == RECORDS
    assert _count(database, "SELECT count(DISTINCT code) FROM dossiers") == RECORDS
    assert _count(database, "SELECT count(*) FROM dossier_events") == RECORDS
    assert _count(database, "SELECT count(DISTINCT dossier_code) FROM dossier_events") == RECORDS
