"""The map on disk: one GeoPackage (QGIS opens it) holding the network and every layer.

Layers: ``nodes``, ``edges`` (schemas in :meth:`geo.network.RoadNetwork.nodes_frame` and ``edges_frame``),
``agencies``, ``authorities``, ``wards``, ``households``, ``addresses``, ``districts``, ``landmarks`` (schemas in
:mod:`geo.layers`), and the table ``layer_columns`` describing every column, with ``synthetic`` set on generated ones.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from geo.layers import Layers
from geo.network import RoadNetwork

log = logging.getLogger(__name__)

LAYER_NAMES = (
    "nodes",
    "edges",
    "agencies",
    "authorities",
    "wards",
    "households",
    "addresses",
    "districts",
    "landmarks",
)

SYNTHETIC_COLUMNS = {
    ("households", "meritorious"),
    ("households", "social_protection"),
    ("households", "households"),
    ("households", "persons"),
}
"""Columns generated rather than observed (``households.geometry`` is synthetic where ``synthetic`` is true)."""

DESCRIPTIONS = {
    ("edges", "length_m"): "edge length, m",
    ("edges", "travel_time_s"): "travel time for the profile, s",
    ("edges", "speed_kmh"): "travelling speed, km/h",
    ("edges", "oneway"): "no edge runs the same road the other way",
    ("agencies", "name_source"): "OSM name, or derived from kind and address or ward (osm, derived)",
    ("agencies", "address_source"): "OSM address, nearest address point or named road (osm, nearest_address, "
    "nearest_street, none)",
    ("wards", "population"): "OSM population tag (2025-07-01), people",
    ("wards", "population_estimated"): "population, or area x median density of its kind, people",
    ("districts", "district_id"): "official code of a district abolished on 2025-07-01",
    ("households", "households"): "households at this point (estimated)",
    ("households", "persons"): "people at this point (households x 3.3)",
    ("households", "meritorious"): "households with meritorious-service members (SYNTHETIC, seeded)",
    ("households", "social_protection"): "households on social-protection allowance (SYNTHETIC, seeded)",
    ("households", "synthetic"): "location generated along streets (true) or a real OSM building (false)",
    ("landmarks", "other_names"): "other OSM names (official, alternative, old, short, English), joined by ';'",
    ("landmarks", "category"): "the OSM tag that makes it a landmark (amenity=marketplace ...)",
    ("landmarks", "name_source"): "osm (a raw extract), poi (the POI layer) or repaired (its lost letters restored)",
}


def _column_table(frames: dict[str, gpd.GeoDataFrame]) -> pd.DataFrame:
    rows = [
        {
            "layer": layer,
            "column": column,
            "dtype": str(frame[column].dtype),
            "synthetic": (layer, column) in SYNTHETIC_COLUMNS,
            "description": DESCRIPTIONS.get((layer, column), ""),
        }
        for layer, frame in frames.items()
        for column in frame.columns
        if column != "geometry"
    ]
    return pd.DataFrame(rows)


def write(path: Path, network: RoadNetwork, layers: Layers) -> Path:
    """Write the network and layers to a GeoPackage, replacing the file.

    Parameters
    ----------
    path
        Destination ``.gpkg``.
    network
        The road network (``nodes`` and ``edges`` layers).
    layers
        The point and area layers.

    Returns
    -------
    pathlib.Path
        The file written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    frames = {"nodes": network.nodes_frame(), "edges": network.edges_frame()}
    frames |= {name: getattr(layers, name) for name in LAYER_NAMES if name not in frames}
    for name, frame in frames.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    pyogrio.write_dataframe(_column_table(frames), path, layer="layer_columns", driver="GPKG")
    log.info("wrote %s (%d layers)", path, len(frames) + 1)
    return path


def read_layer(path: Path, name: str) -> gpd.GeoDataFrame:
    """One layer of a map GeoPackage."""
    return pyogrio.read_dataframe(path, layer=name)
