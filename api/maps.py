"""Map exports of the faces: folium HTML of a dispatch plan's GeoJSON (:func:`ops.scenario.route_lines`)."""

from __future__ import annotations

import folium

from routing.problem import hhmm

COLOURS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf", "#999999", "#66c2a5")
"""Route colours, one per postman (ColorBrewer Set1)."""


def folium_map(geojson: dict) -> folium.Map:
    """A folium map of :func:`ops.scenario.route_lines`: one colour per postman, numbered stops with their times."""
    points = [f for f in geojson["features"] if f["geometry"]["type"] == "Point"]
    lat = sum(f["geometry"]["coordinates"][1] for f in points) / max(len(points), 1)
    lon = sum(f["geometry"]["coordinates"][0] for f in points) / max(len(points), 1)
    fmap = folium.Map(location=[lat, lon], zoom_start=14, tiles="OpenStreetMap", control_scale=True)
    postmen = sorted({f["properties"]["postman"] for f in geojson["features"]})
    colour = {p: COLOURS[i % len(COLOURS)] for i, p in enumerate(postmen)}
    for feature in geojson["features"]:
        props = feature["properties"]
        if feature["geometry"]["type"] == "LineString" and feature["geometry"]["coordinates"]:
            coords = [(y, x) for x, y in feature["geometry"]["coordinates"]]
            folium.PolyLine(coords, color=colour[props["postman"]], weight=4, tooltip=props["postman"]).add_to(fmap)
        elif feature["geometry"]["type"] == "Point":
            x, y = feature["geometry"]["coordinates"]
            label = (
                f"{props['postman']} #{props['seq']} {props['kind']} {props['task'] or ''} at {hhmm(props['arrival'])}"
            )
            folium.Marker(
                [y, x],
                tooltip=f"{label}: {props['name']}",
                icon=folium.DivIcon(
                    html=f'<div style="background:{colour[props["postman"]]};color:#fff;border-radius:9px;'
                    f'width:18px;text-align:center;font:11px sans-serif">{props["seq"]}</div>'
                ),
            ).add_to(fmap)
    return fmap
