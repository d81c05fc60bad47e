"""``agencynet report``: the quarter's report to the province (HTML, PDF, Excel, CSV) from the store."""

from __future__ import annotations

import argparse
from pathlib import Path

from api import i18n
from api.commands._common import add_lang_option, add_map_options, load_map
from api.commands._store import add_database_option, open_store
from ops import report, report_figures


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("report", help="the quarter's report: HTML page, PDF, Excel workbook and CSV")
    parser.add_argument("--quarter", required=True, help="quarter, e.g. 2026Q1")
    parser.add_argument(
        "--area", default="ward", choices=report_figures.AREAS, help="breakdown drawn on the map (default ward)"
    )
    parser.add_argument("--out", type=Path, required=True, help="folder to write the files into")
    add_lang_option(parser)
    add_database_option(parser)
    add_map_options(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    report_figures.period(args.quarter)  # a bad quarter fails before the map is loaded
    amap = load_map(args)
    with open_store(args) as engine:
        written = report.build(
            engine, args.quarter, args.out, amap=amap, texts=i18n.catalogue(args.lang), area=args.area, progress=True
        )
    print(f"report {args.quarter}: {written.html}, {written.pdf}, {written.xlsx} and {len(written.csv)} CSV tables")
    return 0
