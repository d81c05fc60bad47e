"""The ``agencynet`` command line.

Each sub-command lives in a module of :mod:`api.commands` that exposes ``register(subparsers)`` and sets
``func`` on its parser. Expected failures (bad files, points off the map, infeasible problems) end with exit
code 2 and one line on standard error, never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from geo._errors import AgencynetError
from routing.errors import RoutingError

COMMANDS = (
    "build",
    "nearest",
    "matrix",
    "demo",
    "solve",
    "dispatch",
    "plan_sites",
    "coverage",
    "batch",
    "serve",
    "simulate_dossiers",
    "ingest",
    "dossiers",
    "authorities",
    "users",
    "report",
    "plan_day",
    "performance",
)


class _Parser(argparse.ArgumentParser):
    """An argument parser whose usage errors are one line and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    """The parser of every sub-command, one module of :mod:`api.commands` each."""
    parser = _Parser(
        prog="agencynet",
        description="Digital address map, postman dispatch and site planning for public-service agents (Hanoi, OSM).",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress details")
    parser.add_argument("--data", type=Path, help="folder of the Hanoi data files (default $AGENCYNET_DATA)")
    subparsers = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name in COMMANDS:
        try:
            module = importlib.import_module(f"api.commands.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"api.commands.{name}":
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.data is not None:
        if not args.data.is_dir():
            print(f"agencynet: error: --data: no such folder: {args.data}", file=sys.stderr)
            return 2
        os.environ["AGENCYNET_DATA"] = str(args.data)
    logging.basicConfig(level=logging.INFO if args.verbose else logging.WARNING, format="%(message)s")
    try:
        return int(args.func(args) or 0)
    except (AgencynetError, RoutingError, FileNotFoundError) as exc:
        print(f"agencynet {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader of our output stopped early (e.g. `| head`): silence the flush at exit, as the Python
        # documentation advises for SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141


if __name__ == "__main__":
    sys.exit(main())
