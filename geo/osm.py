"""Read OpenStreetMap input: a local extract (.osm, .osm.bz2, .osm.pbf) or, online, a place name.

osmnx reads only OSM XML and does not filter XML input by network type, so ways are filtered here with
pyosmium (which reads every OSM format) and written to a small XML file that osmnx then turns into a graph.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import osmium
from osmium.osm.mutable import Way

from geo._errors import InputError
from geo.profiles import Profile

log = logging.getLogger(__name__)

SUFFIXES = (".osm", ".osm.bz2", ".osm.gz", ".osm.pbf", ".pbf", ".xml")


@dataclass(frozen=True)
class WayFilterStats:
    """What :func:`filter_ways` kept of an extract.

    Attributes
    ----------
    ways_read, ways_kept
        Highway ways read and kept under the profile.
    nodes_kept
        Nodes referenced by the kept ways.
    """

    ways_read: int
    ways_kept: int
    nodes_kept: int


def check_extract(path: Path) -> Path:
    """Return ``path`` if it is a readable OSM extract, else raise :class:`InputError` naming the problem."""
    path = Path(path)
    if not path.is_file():
        raise InputError(f"OSM file not found: {path}")
    if not path.name.lower().endswith(SUFFIXES):
        raise InputError(f"not an OSM file (expected {', '.join(SUFFIXES)}): {path}")
    return path


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes (hex, first 16 characters), for cache keys."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]


def filter_ways(path: Path, profile: Profile, out_path: Path) -> WayFilterStats:
    """Write the ways a profile may use, with their nodes, to an OSM XML file.

    Parameters
    ----------
    path
        OSM extract in any format pyosmium reads.
    profile
        Decides which ways stay and how their one-way tags read (:meth:`Profile.normalise`).
    out_path
        Destination ``.osm`` file, overwritten.

    Returns
    -------
    WayFilterStats
        Counts of ways read and kept and nodes kept.
    """
    path = check_extract(path)
    ways: list[Way] = []
    needed: set[int] = set()
    read = 0
    try:
        for obj in osmium.FileProcessor(str(path), osmium.osm.WAY):
            tags = dict(obj.tags)
            if "highway" not in tags or not isinstance(obj, osmium.osm.Way):
                continue
            read += 1
            if not profile.allows(tags):
                continue
            refs = [n.ref for n in obj.nodes]
            needed.update(refs)
            ways.append(Way(id=obj.id, nodes=refs, tags=profile.normalise(tags)))
        out_path.unlink(missing_ok=True)
        with osmium.SimpleWriter(str(out_path)) as writer:
            for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
                if node.id in needed:
                    writer.add_node(node)
            for kept in ways:
                writer.add_way(kept)
    except RuntimeError as exc:
        raise InputError(f"cannot read OSM file {path}: {exc}") from exc
    if not ways:
        raise InputError(f"no {profile.name} roads in {path}")
    log.info("%s: kept %d of %d highway ways (%d nodes)", path.name, len(ways), read, len(needed))
    return WayFilterStats(ways_read=read, ways_kept=len(ways), nodes_kept=len(needed))
