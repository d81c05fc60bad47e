"""``agencynet dossiers``: what the store holds (``summary``), the authorities without a location (``gaps``) and the
feed of changes the province's portal reads (``changes``)."""

from __future__ import annotations

import argparse
import json
import sys

from api.commands._store import add_database_option, open_store
from ops import authorities, changes, dossiers


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("dossiers", help="dossiers in the store: summary, data gaps")
    sub = parser.add_subparsers(dest="action", required=True, parser_class=type(parser))
    summary = sub.add_parser("summary", help="counts by state and by procedure")
    summary.add_argument("--json", action="store_true", help="print the summary as JSON")
    add_database_option(summary)
    summary.set_defaults(func=run_summary)
    gaps = sub.add_parser("gaps", help="deciding units of stored dossiers that are unknown or have no location")
    gaps.add_argument("--json", action="store_true", help="print the gaps as JSON")
    add_database_option(gaps)
    gaps.set_defaults(func=run_gaps)
    feed = sub.add_parser(
        "changes",
        help="every move after a cursor, oldest first, one JSON object a line (what GET /portal/changes serves); "
        "the cursor to go on from on standard error",
    )
    feed.add_argument("--after", default=None, help="the cursor of the last change read (from the first change)")
    add_database_option(feed)
    feed.set_defaults(func=run_changes)


def run_summary(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        found = dossiers.summary(engine)
    if args.json:
        print(json.dumps(found, ensure_ascii=False))
        return 0
    print(f"{found['total']} dossiers")
    for title, counts in (("by state", found["by_state"]), ("by procedure", found["by_procedure"])):
        print(f"{title}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    return 0


def run_gaps(args: argparse.Namespace) -> int:
    with open_store(args) as engine:
        gaps = authorities.data_gaps(engine)
    if args.json:
        print(json.dumps(gaps, ensure_ascii=False))
        return 0
    for gap in gaps:
        print(f"{gap['authority_code']} {gap['name'] or '?'}: {gap['reason']}, {gap['dossiers']} dossiers")
    return 0


def run_changes(args: argparse.Namespace) -> int:
    since = changes.START if args.after is None else changes.cursor(args.after)
    count = 0
    with open_store(args) as engine:
        while True:
            page = changes.after(engine, since)
            for change in page["changes"]:
                print(json.dumps(change, ensure_ascii=False))
            count += len(page["changes"])
            since = changes.cursor(page["next"])
            if not page["more"]:
                break
    print(f"{count} changes; next: --after {since}", file=sys.stderr)
    return 0
