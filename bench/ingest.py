"""Benchmark of the portal ingest: records per second into SQLite and into PostgreSQL/PostGIS, new and re-run.

Run ``python bench/ingest.py`` (``--help`` for options). The feed is a synthetic quarter of the map
(``agencynet simulate-dossiers``: 35,566 dossiers and their portal events by default). Printed, all in the same
run and on the same feed: for each backend, the rate of a first ingest into an empty store (new records) and of
a second one (every record already there), wall clock and per CPU second of the ingesting process (the
machine's cores may be shared; the database server's own CPU is not counted), and, as the baseline, the same
code writing one record per transaction (what an ingest without batching would do), measured on the first
``--baseline`` records. Issue 10's target: at least 5,000 new records per second into SQLite on this machine
(2 cores).

PostgreSQL is Debian's packaged cluster started like the tests do (:mod:`tests.pgserver`, needs root), or the
database named by ``--postgres URL``; ``--no-postgres`` leaves it out.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import nullcontext
from pathlib import Path

# The PostgreSQL helper of the tests lives in tests/; run from a checkout, the repository root is importable.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from geo import addressmap
from ops import database, ingest, simulate, tables
from tests import pgserver

TARGET_SQLITE = 5_000
"""Issue 10: new records per second into SQLite."""


def empty_store(url: str) -> None:
    """Delete every row of the store at ``url`` (its schema stays)."""
    engine = database.connect(url)
    with engine.begin() as conn:
        for table in reversed(tables.metadata.sorted_tables):
            conn.execute(table.delete())
    engine.dispose()


def _rate(url: str, feed: Path, *, batch: int = ingest.BATCH) -> tuple[float, float, float, ingest.Report]:
    """Seconds, records per second and records per CPU second of this process, of one ingest of ``feed``."""
    engine = database.connect(url)
    start, cpu = time.perf_counter(), time.process_time()
    report = ingest.ingest(engine, ingest.read_lines(feed), batch=batch)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    engine.dispose()
    return seconds, report.read / seconds, report.read / cpu, report


def run(url: str, name: str, feed: Path, head: Path) -> dict:
    empty_store(url)
    _, baseline, _, _ = _rate(url, head, batch=1)
    empty_store(url)
    seconds, new, new_cpu, report = _rate(url, feed)
    assert not report.rejected and report.created == report.read, report.to_dict() | {"rejected": "..."}
    again_s, again, again_cpu, rerun = _rate(url, feed)
    assert rerun.unchanged == rerun.read
    print(
        f"{name:10s}  new {new:8,.0f} rec/s ({report.read:,} in {seconds:.1f} s; {new_cpu:,.0f} per CPU s)   "
        f"re-run {again:8,.0f} rec/s ({again_s:.1f} s; {again_cpu:,.0f} per CPU s)   "
        f"one record per transaction {baseline:7,.0f} rec/s   batching x{new / baseline:.1f}"
    )
    return {"new": new, "rerun": again, "baseline": baseline}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarter", default="2026Q1")
    parser.add_argument("--count", type=int, default=simulate.PER_QUARTER, help="dossiers in the feed")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--baseline", type=int, default=2000, help="records ingested one per transaction")
    parser.add_argument("--postgres", default="", metavar="URL", help="PostgreSQL database (with PostGIS)")
    parser.add_argument("--no-postgres", action="store_true", help="SQLite only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        feed, head = Path(tmp) / "feed.jsonl", Path(tmp) / "head.jsonl"
        records = simulate.simulate(addressmap.load(), args.quarter, seed=args.seed, count=args.count)
        simulate.write(feed, records)
        simulate.write(head, records[: args.baseline])
        print(f"feed: {len(records):,} records ({args.count:,} dossiers and their portal events, synthetic)")
        sqlite = run(f"sqlite:///{Path(tmp) / 'bench.sqlite'}", "SQLite", feed, head)
        if not args.no_postgres:
            server = nullcontext(args.postgres) if args.postgres else pgserver.database()
            with server as url:
                run(url, "PostgreSQL", feed, head)
    verdict = "met" if sqlite["new"] >= TARGET_SQLITE else "NOT met"
    print(f"target >= {TARGET_SQLITE:,} new records/s into SQLite: {verdict} ({sqlite['new']:,.0f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
