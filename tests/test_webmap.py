"""Maps as one HTML file (geo.webmap): Leaflet carried in it or linked from the service, nothing from another site,
in the language and with the texts they are given."""

from __future__ import annotations

import re

import folium
import pytest
from jinja2.utils import htmlsafe_json_dumps

from api import i18n
from geo import webmap
from geo.siting import access

VI = i18n.catalogue("vi")["maps"]
BOUNDS = (105.84, 21.02, 105.86, 21.04)
OUTSIDE = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=\"(?:https?:)?//")


def _with_a_layer() -> folium.Map:
    fmap = webmap.new_map(BOUNDS, VI)
    folium.GeoJson({"type": "Point", "coordinates": [105.85, 21.03]}, name="điểm").add_to(fmap)
    return fmap


def test_a_file_carries_leaflet_and_links_nothing() -> None:
    page = webmap.document(_with_a_layer(), VI, title="Bản đồ thử")
    assert not OUTSIDE.search(page)
    assert "Leaflet 1.9.4" in page and ".leaflet-pane" in page  # the script and the style sheet, in the file
    # The style sheet's images too (the layer control's icon), as data URIs.
    assert "url(images/" not in page and "url(data:image/png;base64," in page
    assert page.startswith('<!DOCTYPE html>\n<html lang="vi">') and "<title>Bản đồ thử</title>" in page
    # OpenStreetMap's tiles are a layer the reader may turn on, not drawn at first; its attribution is said anyway.
    assert webmap.OSM_TILES in page and "L.control.layers" in page
    tiles = re.search(r"var (tile_layer_\w+) = L\.tileLayer\(", page)
    assert tiles and f"{tiles.group(1)}.addTo(" not in page
    assert "addAttribution" in page and "imperial: false" in page
    # The reader may zoom the page (folium's viewport forbade it).
    assert f'<meta name="viewport" content="{webmap.VIEWPORT}"' in page and "user-scalable" not in page


def test_a_page_of_the_service_links_its_leaflet() -> None:
    page = webmap.document(_with_a_layer(), i18n.catalogue("en")["maps"], title="Test", leaflet="/static/leaflet")
    assert '<script src="/static/leaflet/leaflet.js"></script>' in page
    assert '<link rel="stylesheet" href="/static/leaflet/leaflet.css">' in page
    assert "Leaflet 1.9.4" not in page and '<html lang="en">' in page


def test_a_page_of_the_service_made_to_carry_leaflet_links_nothing() -> None:
    # A map page the service stored (a scenario's), to open as a file.
    linked = webmap.document(_with_a_layer(), VI, title="x", leaflet="/static/leaflet")
    carried = webmap.carry(linked, "/static/leaflet")
    assert "/static/leaflet" not in carried and "Leaflet 1.9.4" in carried and not OUTSIDE.search(carried)
    assert webmap.carry("<p>another page</p>", "/static/leaflet") == "<p>another page</p>"


def test_a_map_that_would_fetch_a_library_is_refused() -> None:
    # folium's Icon draws with Leaflet.awesome-markers, which folium's maps link from a CDN; a square marker links
    # leaflet-dvf itself: blank offline, both.
    icon = webmap.new_map(BOUNDS, VI)
    folium.Marker([21.03, 105.85], icon=folium.Icon(color="green", icon="home")).add_to(icon)
    with pytest.raises(ValueError, match=r"awesome-markers .* blank offline"):
        webmap.document(icon, VI, title="x")
    square = webmap.new_map(BOUNDS, VI)
    folium.RegularPolygonMarker([21.03, 105.85], number_of_sides=4).add_to(square)
    with pytest.raises(ValueError, match=r"links '<script src=\"https://'.* blank offline"):
        webmap.document(square, VI, title="x")


def test_the_coverage_legend_says_the_steps_the_planners_page_says() -> None:
    legend = access.share_legend(10, i18n.catalogue("vi"))
    # One row per shade, in the words of the page (api/static/js/planning.js), the caption first.
    rows = re.findall(r'background:(#\w+)"></i>([^<]*)</div>', legend.content)
    words = ["&lt; 50%", "50-70%", "70-85%", "85-95%", "≥ 95%"]
    assert rows == list(zip([colour for _, colour in access.SHARE_STEPS], words, strict=True))
    assert legend.content.startswith('<div style="margin-bottom:4px">Tỉ lệ dân trong vòng 10 phút đến điểm phục vụ')
    fmap = webmap.new_map(BOUNDS, VI)
    legend.add_to(fmap)
    assert "d3.min.js" not in webmap.document(fmap, VI, title="x")  # branca's own legend needs d3 from a CDN


def test_a_legend_says_its_words_as_text_not_markup() -> None:
    fmap = webmap.new_map(BOUNDS, VI)
    webmap.legend("Tỉ lệ <dân>", [("#d7301f", "< 50%")]).add_to(fmap)
    page = webmap.document(fmap, VI, title="x")
    assert str(htmlsafe_json_dumps("Tỉ lệ &lt;dân&gt;")).strip('"') in page and "\\u003cd\\u00e2n" not in page


def test_each_share_has_the_shade_of_its_step() -> None:
    assert [access.share_colour(s) for s in (0.0, 0.49, 0.5, 0.94, 0.95, 1.0)] == [
        "#d7301f",
        "#d7301f",
        "#fc8d59",
        "#c2e699",
        "#31a354",
        "#31a354",
    ]
