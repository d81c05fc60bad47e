"""The service's HTML templates (``api/pages``): the pages, and the documents printed from them (a dossier's
receipt), autoescaped, a missing value an error rather than an empty string."""

from __future__ import annotations

from pathlib import Path

import jinja2

PAGES = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "pages"), autoescape=True, undefined=jinja2.StrictUndefined
)
