"""Options and helpers shared by the map commands."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from api import i18n
from geo import addressmap, profiles
from geo._errors import InputError
from geo.addressmap import AddressMap

LOAD_STAGES = 6
"""Stages :func:`geo.addressmap.load` reports (read, component, travel times, cache, layers, agencies)."""


def add_map_options(parser: argparse.ArgumentParser) -> None:
    """``--osm``, ``--place`` and ``--profile``: which network to build."""
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--osm", type=Path, help="OSM extract (.osm, .osm.bz2, .osm.pbf); default: central Hanoi")
    source.add_argument("--place", help="place name to download with osmnx (needs internet)")
    parser.add_argument("--profile", default="motorbike", help=f"travel profile: {', '.join(profiles.PROFILES)}")


def add_lang_option(parser: argparse.ArgumentParser) -> None:
    """``--lang``: the language of what the command writes for people to read (a map, a report)."""
    parser.add_argument("--lang", default=i18n.DEFAULT, choices=i18n.LANGUAGES, help="language (default vi)")


def load_map(args: argparse.Namespace) -> AddressMap:
    """Load the map the options name, with a progress bar on standard error."""
    profiles.get(args.profile)
    return loading(args.osm if args.osm is not None else args.place, profile=args.profile)


def loading(source: Path | str | None, *, profile: str, data_dir: Path | None = None) -> AddressMap:
    """Load a map (:func:`geo.addressmap.load`) with a progress bar on standard error."""
    with tqdm(total=LOAD_STAGES, desc="map", unit="step", leave=False, disable=None) as bar:

        def step(stage: str) -> None:
            bar.set_description(stage)
            bar.update(1)

        return addressmap.load(source, profile=profile, data_dir=data_dir, progress=step)


def read_json(path: Path, what: str) -> object:
    """The JSON of a ``what`` file (a scenario, postmen ...); a missing or malformed file is an :class:`InputError`."""
    if not path.is_file():
        raise InputError(f"no such {what} file: {path}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None


def balanced_line(balance: dict) -> str:
    """What balancing gave (:class:`routing.balance.Balance`), a line beside the cheapest plan."""

    def hours(seconds: int) -> str:
        return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"

    return (
        f"  balanced: the last postman back at {balance['back']}, none out longer than {hours(balance['longest_s'])}, "
        f"{balance['cost']:,} VND (cheapest plan: back at {balance['cheapest_back']}, the longest out "
        f"{hours(balance['cheapest_longest_s'])}, {balance['cheapest_cost']:,} VND)"
    )
