"""``agencynet ingest``: store a JSON Lines feed of the portal (dossiers and status changes), idempotently."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from api.commands._store import add_database_option, open_store
from ops import ingest


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("ingest", help="store a JSON Lines feed of dossiers and portal events")
    parser.add_argument("file", type=Path, help="JSON Lines feed, one record a line")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_database_option(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        report = ingest.ingest_file(engine, args.file, progress=True).to_dict()
    if args.json:
        print(json.dumps(report, ensure_ascii=False))
        return 0
    print(
        f"{report['read']} records read: {report['created']} created, {report['updated']} updated, "
        f"{report['unchanged']} unchanged, {len(report['rejected'])} rejected"
    )
    for item in report["rejected"][:20]:
        print(f"  line {item['line']}: {item['reason']}")
    if len(report["rejected"]) > 20:
        print(f"  ... and {len(report['rejected']) - 20} more (--json lists them all)")
    return 0
