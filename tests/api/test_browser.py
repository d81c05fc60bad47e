"""The three pages in a real browser (headless Chromium driven by Playwright), offline, against a live server.

Each page is opened, a search or a form is used and the map clicked; markers and route lines must be drawn.
Screenshots go to ``data/out/screenshots/`` (git-ignored).
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import playwright.sync_api as playwright_api
import pytest
import uvicorn

from api.app import create_app
from api.settings import Settings
from geo.addressmap import AddressMap
from tests.api.conftest import DISPATCHER, PLANNER

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "data" / "out" / "screenshots"
TIMEOUT_MS = 30_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(hanoi: AddressMap, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The service under uvicorn on a free loopback port, in a thread."""
    database = tmp_path_factory.mktemp("browser") / "pages.sqlite"
    settings = Settings(
        database_url=f"sqlite:///{database}",
        tokens=f"{PLANNER}:planner,{DISPATCHER}:dispatcher",
        solve_time_limit_s=1,
    )
    port = _free_port()
    config = uvicorn.Config(create_app(settings, amap=hanoi), host="127.0.0.1", port=port, log_level="warning")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the service did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    # The browser is part of the test environment (.ci/system-packages installs Debian's chromium): a missing
    # one fails these tests with this message rather than skipping them silently or stopping the whole run.
    if not Path(CHROMIUM).exists():
        pytest.fail("headless browser tests need Debian's chromium (as root: bash .ci/system-packages)")
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser, server: str) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=server)
    # Offline: any request leaving the service fails the test.
    outside: list[str] = []
    context.route(
        lambda url: not url.startswith(server) and not url.startswith("data:"),
        lambda route: (outside.append(route.request.url), route.abort()),
    )
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()
    assert not errors, errors
    assert not outside, f"requests left the service: {outside}"


def _ready(page) -> None:
    page.wait_for_selector("body[data-ready='1']", state="attached")


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(400)  # let Leaflet finish redrawing after the last move
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _paths(page) -> int:
    return page.locator(".leaflet-overlay-pane svg path").count()


def test_citizens_page(page) -> None:
    page.goto("/")
    _ready(page)
    assert page.locator(".leaflet-marker-icon").count() > 10
    assert page.locator(".leaflet-overlay-pane canvas").count() >= 1
    page.fill("#q", "75 dinh tien hoang")
    page.click("#search-button")
    page.locator("li.hit").first.click()
    page.wait_for_function("document.querySelectorAll('li.nearest-item').length === 3")
    assert _paths(page) >= 3
    first_route = page.locator("li.nearest-item").first.inner_text()
    assert "min" in first_route and "km" in first_route
    box = page.locator("#map").bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.35, box["y"] + box["height"] * 0.55)
    page.wait_for_function("document.querySelector('#status').textContent.includes('clicked')")
    assert page.locator("li.nearest-item").count() == 3 and _paths(page) >= 3
    _shot(page, "citizens")


def test_dispatch_page(page) -> None:
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto("/dispatch")
    _ready(page)
    page.fill("#n", "30")
    page.fill("#k", "4")
    page.click("#generate button")
    page.wait_for_selector("table.stop-table")
    assert _paths(page) >= 1
    stops = page.locator(".stop").count()
    assert stops >= 4
    assert page.locator("table.stop-table tr").count() >= 4
    assert ":" in page.locator("table.stop-table td").nth(1).inner_text()
    _shot(page, "dispatch")


def test_planning_page(page) -> None:
    page.add_init_script(f"localStorage.setItem('agencynet.planner', '{PLANNER}')")
    page.goto("/planning")
    _ready(page)
    page.wait_for_selector("table.ward-table")
    assert _paths(page) >= 5
    page.fill("#p", "3")
    page.click("#scenario button")
    page.wait_for_selector("ul.new-sites li")
    assert page.locator("ul.new-sites li").count() == 3
    assert page.locator(".leaflet-marker-icon").count() > 50
    _shot(page, "planning")
