"""Maps as one HTML file that draws anywhere: folium's maps with the vendored Leaflet and nothing fetched from
another site, unless the reader turns OpenStreetMap's tiles on.

folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs, and branca's colour scales link d3: offline (a
post office's computer, a file passed on by mail) such a map is blank. A map of :func:`new_map` links none of
them; :func:`document` puts Leaflet in the file (or links the service's copy) and refuses a map whose elements still
link a library from elsewhere. Its texts are the caller's (the ``maps`` part of a catalogue of :mod:`api.i18n`).
"""

from __future__ import annotations

import base64
import html
import re
from collections.abc import Mapping, Sequence
from functools import cache
from pathlib import Path

import folium
from branca.element import Element, Figure, MacroElement
from jinja2 import Template

LEAFLET = Path(__file__).parent / "leaflet"
"""The vendored Leaflet (1.9.4, BSD-2-Clause): the pages' copy and the exports'."""

OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
COPYRIGHT = "https://www.openstreetmap.org/copyright"
"""The data of every map is OpenStreetMap's (ODbL): said on each map, tiles or not, with a link to its terms."""

_LINKED = re.compile(r"<(?:script|link)\b[^>]*\b(?:src|href)=[\"']?(?:https?:)?//", re.IGNORECASE)
_NOT_CARRIED = {
    re.compile(r"\bL\.AwesomeMarkers\b"): "Leaflet.awesome-markers (a folium Icon)",
    re.compile(r"(?<![\w$])\$\("): "jQuery (a folium Popup of HTML, objects kept in front)",
    re.compile(r"\bd3\."): "d3 (a branca colour scale)",
}
"""Libraries folium's elements call that :func:`new_map` does not carry (folium links them from CDNs)."""
_IMAGE = re.compile(r"url\(images/([\w-]+\.png)\)")
_VIEWPORT = re.compile(r'<meta name="viewport" content="[^"]*"')
VIEWPORT = "width=device-width, initial-scale=1.0"
"""The page's viewport: folium's forbids zooming the page (``user-scalable=no``), which a reader with poor sight
needs (WCAG 1.4.4)."""


def new_map(bounds: Sequence[float], texts: Mapping[str, str]) -> folium.Map:
    """An empty map fitted to ``bounds`` (west, south, east, north, degrees) that links no library from a CDN, with a
    metric scale bar, OpenStreetMap's attribution and its tiles as a layer the reader may turn on (off at first: a map
    drawn offline fetches nothing).

    Parameters
    ----------
    bounds
        West, south, east, north, degrees.
    texts
        The ``maps`` texts of a catalogue: ``tiles`` names the tiles' layer, ``attribution`` says whose the data
        are.
    """
    fmap = folium.Map(tiles=None, control_scale=False, zoom_snap=0.25)  # fitted closely to its bounds
    # Instance attributes: folium's class-wide lists of CDN links stay as they are for other maps.
    fmap.default_js = []
    fmap.default_css = []
    # Leaflet in the page from the start, so that a notebook shows the map offline too (:func:`document` may link
    # the service's copy instead).
    css, js = _carried()
    header = _figure(fmap).header
    header.add_child(Element(css), name="leaflet_css")
    header.add_child(Element(js), name="leaflet")
    attribution = f'<a href="{COPYRIGHT}">{html.escape(texts["attribution"])}</a>'
    tiles = folium.TileLayer(OSM_TILES, attr=attribution, name=texts["tiles"], overlay=True, show=False, max_zoom=19)
    tiles.add_to(fmap)
    _Corners(attribution).add_to(fmap)
    west, south, east, north = (float(b) for b in bounds)
    fmap.fit_bounds([[south, west], [north, east]], padding=(24, 24))
    return fmap


def legend(caption: str, steps: Sequence[tuple[str, str]]) -> MacroElement:
    """A legend as a Leaflet control at the bottom right: ``caption`` above, then each step's colour and words
    (``steps``: colour, text), as the planners' page draws its own.

    Written here rather than branca's legend: that one draws with d3, fetched from a CDN.
    """
    rows = "".join(
        f'<div><i style="display:inline-block;width:12px;height:12px;margin-right:6px;vertical-align:middle;'
        f'background:{colour}"></i>{html.escape(text)}</div>'
        for colour, text in steps
    )
    element = _Legend()
    element.content = f'<div style="margin-bottom:4px">{html.escape(caption)}</div>{rows}'
    return element


def document(fmap: folium.Map, texts: Mapping[str, str], *, title: str, leaflet: str | None = None) -> str:
    """The map as one HTML document entitled ``title``, with a layer control unless it has one.

    Parameters
    ----------
    fmap
        A map of :func:`new_map`, its layers added.
    texts
        The ``maps`` texts of the catalogue the map speaks: ``lang`` is the document's language.
    title
        The document's title.
    leaflet
        Where a page served by the service finds Leaflet (``/static/leaflet``); ``None`` puts Leaflet in the file.

    Raises
    ------
    ValueError
        An element of the map links a script or style sheet from another site, or calls a library the map does
        not carry (a folium ``Icon``, a branca colour scale added as is): it would be blank offline.
    """
    if not any(isinstance(child, folium.LayerControl) for child in fmap._children.values()):
        folium.LayerControl(collapsed=False).add_to(fmap)
    root = _figure(fmap)
    root.title = title
    if leaflet is not None:
        css, js = _links(leaflet)
        root.header.add_child(Element(css), name="leaflet_css")
        root.header.add_child(Element(js), name="leaflet")
    page = root.render().replace("<html>", f'<html lang="{texts["lang"]}">', 1)
    page = _VIEWPORT.sub(f'<meta name="viewport" content="{VIEWPORT}"', page, count=1)
    if linked := _LINKED.search(page):
        raise ValueError(f"the map links {linked.group(0)!r}…: it would be blank offline")
    body = page.split("</head>", 1)[-1]  # the map's own scripts, Leaflet's left out
    for call, library in _NOT_CARRIED.items():
        if found := call.search(body):
            raise ValueError(
                f"the map calls {library} ({body[max(0, found.start() - 40) : found.end() + 20]!r}), which it "
                "does not carry: it would be blank offline"
            )
    return page


def carry(page: str, leaflet: str) -> str:
    """A page of :func:`document` that links Leaflet at ``leaflet`` made to carry it instead (a page the service
    stored, to keep or send as a file); another page as it is."""
    for link, inline in zip(_links(leaflet), _carried(), strict=True):
        page = page.replace(link, inline, 1)
    return page


def save(fmap: folium.Map, path: Path, texts: Mapping[str, str], *, title: str) -> None:
    """Write :func:`document` of the map, Leaflet in it, to ``path`` (UTF-8)."""
    path.write_text(document(fmap, texts, title=title), encoding="utf-8")


def _figure(fmap: folium.Map) -> Figure:
    """The page a map is drawn on (folium puts each new map on one)."""
    root = fmap.get_root()
    if not isinstance(root, Figure):
        raise ValueError("the map is not drawn on a page")
    return root


def _links(leaflet: str) -> tuple[str, str]:
    """The elements of a page linking the style sheet and the script of Leaflet at ``leaflet``."""
    return f'<link rel="stylesheet" href="{leaflet}/leaflet.css">', f'<script src="{leaflet}/leaflet.js"></script>'


@cache
def _carried() -> tuple[str, str]:
    """The elements of a page carrying Leaflet's style sheet (:func:`_inline_css`) and script, read once."""
    return f"<style>{_inline_css()}</style>", f"<script>{(LEAFLET / 'leaflet.js').read_text()}</script>"


def _inline_css() -> str:
    """Leaflet's style sheet with its images (the layer control's, the default marker's) in it as data URIs."""

    def data_uri(found: re.Match) -> str:
        encoded = base64.b64encode((LEAFLET / "images" / found.group(1)).read_bytes()).decode()
        return f"url(data:image/png;base64,{encoded})"

    return _IMAGE.sub(data_uri, (LEAFLET / "leaflet.css").read_text())


class _Corners(MacroElement):
    """OpenStreetMap's attribution in the map's corner, whether its tiles are shown or not, and
    a scale bar in metres only (folium's has miles too), on a paper-coloured ground where tiles are off; the map is
    the page's main landmark, named by its title, which it shows as its heading above the scale bar."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text|tojson }});"
        "L.control.scale({imperial: false}).addTo({{ this._parent.get_name() }});"
        "{{ this._parent.get_name() }}.getContainer().style.background = '#f5f3ef';"
        "{{ this._parent.get_name() }}.getContainer().setAttribute('role', 'main');"
        "{{ this._parent.get_name() }}.getContainer().setAttribute('aria-label', document.title);"
        "var {{ this.get_name() }} = L.control({position: 'bottomleft'});"
        "{{ this.get_name() }}.onAdd = function () {"
        " var h1 = L.DomUtil.create('h1'); h1.textContent = document.title;"
        " h1.style.cssText = 'margin:0;padding:4px 10px;font:bold 16px sans-serif;background:rgba(255,255,255,.9);"
        "border-radius:4px'; return h1; };"
        "{{ this.get_name() }}.addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    def __init__(self, attribution: str) -> None:
        super().__init__()
        self.text = attribution


class _Legend(MacroElement):
    """A Leaflet control at the bottom right holding :attr:`content` (:func:`legend`)."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "var {{ this.get_name() }} = L.control({position: 'bottomright'});"
        "{{ this.get_name() }}.onAdd = function () {"
        " var div = L.DomUtil.create('div', 'legend');"
        " div.style.cssText = 'background:#fff;padding:6px 10px;font:13px sans-serif;"
        "border-radius:4px;box-shadow:0 1px 4px rgba(0,0,0,.3)';"
        " div.innerHTML = {{ this.content|tojson }}; return div; };"
        "{{ this.get_name() }}.addTo({{ this._parent.get_name() }});"
        "{% endmacro %}"
    )

    content = ""
