"""Where agencynet finds its input data and keeps its caches.

The data folder is ``$AGENCYNET_DATA`` when set, else ``../shared/data/hanoi`` relative to the repository
root. Caches live in ``$AGENCYNET_CACHE`` or ``data/cache`` in the repository (git-ignored).
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

DEFAULT_OSM = Path("osm/derived/hanoi_central_highways_merged.osm.pbf")
"""Default road extract, relative to the data folder: central Hanoi, all highway ways, OSM 2025-10."""


def data_dir() -> Path:
    """The folder holding the Hanoi extracts (``AGENCYNET_DATA`` or ``../shared/data/hanoi``)."""
    env = os.environ.get("AGENCYNET_DATA")
    return Path(env) if env else REPO_ROOT.parent / "shared" / "data" / "hanoi"


def cache_dir() -> Path:
    """The folder for built networks and maps (``AGENCYNET_CACHE`` or ``data/cache``), created on demand."""
    env = os.environ.get("AGENCYNET_CACHE")
    path = Path(env) if env else REPO_ROOT / "data" / "cache"
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_osm() -> Path:
    """The default OSM extract: the merged central-Hanoi highways PBF in the data folder."""
    return data_dir() / DEFAULT_OSM


def vietnam_dir() -> Path:
    """The folder of Vietnam's administrative units (``AGENCYNET_VIETNAM_DATA`` or ``vietnam`` beside the data)."""
    env = os.environ.get("AGENCYNET_VIETNAM_DATA")
    return Path(env) if env else data_dir().parent / "vietnam"
