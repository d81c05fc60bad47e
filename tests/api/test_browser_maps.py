"""The map exports in a real browser (headless Chromium driven by Playwright), offline: a plan's and a scenario's
map pages served by the service, and the files the commands write (routes, coverage, the regions' overview). Each
must draw with nothing fetched from another site (the ``page`` fixture of ``test_browser.py`` fails on any such
request, and on any script error), in Vietnamese unless asked otherwise.

They linked Leaflet, jQuery, Bootstrap and d3 from CDNs: blank offline, and labelled in English."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

import tests.api.test_browser as pages
from api import i18n, maps
from api.commands.demo import demo_map
from geo import nearest
from geo.addressmap import AddressMap
from geo.siting import access
from tests.api.conftest import DISPATCHER, PLANNER

browser = pages.browser
server = pages.server
page = pages.page


@pytest.fixture(scope="module")
def plan_id(server: str) -> str:
    """A plan of 12 generated tasks for 3 postmen, made by the service."""
    body = {"generate": 12, "postmen": 3, "seed": 5, "time_limit_s": 2}
    made = httpx.post(f"{server}/plans", json=body, headers={"Authorization": f"Bearer {DISPATCHER}"}, timeout=120)
    assert made.status_code == 201, made.text
    return made.json()["id"]


def offline_page(browser) -> tuple[object, list[str], list[str]]:
    """A page of its own context for a map file set as its content, with the requests it tried to make (all
    refused) and its script errors."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="vi-VN")
    outside: list[str] = []
    context.route("**/*", lambda route: (outside.append(route.request.url), route.abort()))
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.set_default_timeout(pages.TIMEOUT_MS)
    return page, outside, errors


def drawn(page) -> dict:
    """What the map shows: its title and language, the layer control's names, the lines and polygons drawn, the
    markers, and the legend's text."""
    page.wait_for_selector(".leaflet-control-layers")
    return page.evaluate(
        """() => ({
            title: document.title,
            lang: document.documentElement.lang,
            layers: [...document.querySelectorAll('.leaflet-control-layers-overlays label')]
                .map((label) => label.innerText.trim()),
            paths: document.querySelectorAll('.leaflet-overlay-pane path').length,
            roads: document.querySelectorAll('.leaflet-roads-pane path').length,
            markers: document.querySelectorAll('.leaflet-marker-icon').length,
            legend: document.querySelector('.legend') ? document.querySelector('.legend').innerText : null,
            tiles: document.querySelectorAll('.leaflet-tile').length,
        })"""
    )


def _stop(page, seq: int):
    """The markers of the stops numbered ``seq``."""
    return page.locator(".leaflet-marker-icon").filter(has=page.get_by_text(str(seq), exact=True))


def tooltip(page, locator) -> str:
    """The tooltip shown on hovering the first element of ``locator`` (told so, rather than the mouse moved over it:
    another marker may lie over it), closed again once read."""
    locator.first.dispatch_event("mouseover")
    said = page.inner_text(".leaflet-tooltip")
    locator.first.dispatch_event("mouseout")
    page.wait_for_selector(".leaflet-tooltip", state="detached")
    return said


def test_a_plans_map_page_draws_offline_in_the_readers_language(page, server: str, plan_id: str) -> None:
    page.set_extra_http_headers({"Authorization": f"Bearer {DISPATCHER}"})
    geojson = httpx.get(f"{server}/plans/{plan_id}/geojson", headers={"Authorization": f"Bearer {DISPATCHER}"}).json()
    stops = [f for f in geojson["features"] if f["geometry"]["type"] == "Point"]
    postmen = sorted({f["properties"]["postman_name"] for f in geojson["features"]})
    answer = page.goto(f"/plans/{plan_id}/map.html")
    assert answer.headers["content-language"] == "vi"
    shown = drawn(page)
    assert (shown["title"], shown["lang"]) == ("Lộ trình của bưu tá", "vi")
    # The tiles are a layer to turn on, off at first; the main roads under the routes; one layer per postman.
    assert shown["layers"] == ["Nền OpenStreetMap (cần Internet)", "Đường chính", *(f"■ {p}" for p in postmen)]
    assert shown["tiles"] == 0 and shown["markers"] == len(stops)
    assert shown["paths"] == len(postmen) and shown["roads"] == 1  # one line per postman, over the roads
    firsts = {f["properties"]["name"] for f in stops if f["properties"]["seq"] == 1}
    said = tooltip(page, _stop(page, 1))
    assert ", điểm 1: " in said and " lúc " in said and said.split(", ")[-1] in firsts
    assert page.locator(".leaflet-control-scale-line").count() == 1 and "mi" not in page.inner_text(
        ".leaflet-control-scale"
    )
    assert page.inner_text(".leaflet-control-attribution").endswith("© những người đóng góp OpenStreetMap (ODbL)")
    pages.accessible(page)
    pages._shot(page, "plan-map")
    page.goto(f"/plans/{plan_id}/map.html?lang=en")
    shown = drawn(page)
    assert (shown["title"], shown["lang"]) == ("Postmen's routes", "en")
    assert shown["layers"][:2] == ["OpenStreetMap tiles (needs the Internet)", "Main roads"]
    said = tooltip(page, _stop(page, 1))
    assert ", stop 1: " in said and " at " in said


def test_a_scenarios_map_page_draws_offline_with_its_legend(page, server: str) -> None:
    body = {"model": "mclp", "p": 2, "minutes": 5, "time_limit_s": 5}
    made = httpx.post(f"{server}/scenarios", json=body, headers={"Authorization": f"Bearer {PLANNER}"}, timeout=120)
    assert made.status_code == 201, made.text
    page.set_extra_http_headers({"Authorization": f"Bearer {PLANNER}"})
    page.goto(f"/scenarios/{made.json()['id']}/map.html")
    shown = drawn(page)
    assert (shown["title"], shown["lang"]) == ("Kịch bản mở điểm phục vụ mới", "vi")
    assert shown["layers"] == [
        "Nền OpenStreetMap (cần Internet)",
        "Độ phủ hiện nay",
        "Độ phủ khi mở điểm mới",
        "Điểm phục vụ hiện có",
        "Điểm mới đề xuất",
        "Đường chính",
    ]
    assert shown["roads"] == 1
    assert shown["legend"].split("\n")[0] == "Tỉ lệ dân trong vòng 5 phút đến điểm phục vụ gần nhất"
    # The page's shades, said as the planning page says them.
    assert shown["legend"].split("\n")[1:] == ["< 50%", "50-70%", "70-85%", "85-95%", "≥ 95%"]
    wards = page.locator(".leaflet-overlay-pane path[fill-opacity='0.55']")
    assert wards.count() > 10  # today's coverage hidden at first: the wards with the new sites
    said = tooltip(page, wards)
    assert "Phường, xã" in said and "Dân số" in said and "% dân trong vòng 5 phút" in said
    new_site = page.locator(".leaflet-overlay-pane path[stroke='#ff7f00']")
    assert new_site.count() == 2
    said = tooltip(page, new_site)
    assert re.fullmatch(r".+ \(.+\): phục vụ [\d.]+ người", said), said
    pages.accessible(page)
    pages._shot(page, "scenario-map")


def test_the_files_of_the_commands_draw_offline(
    page, server: str, plan_id: str, hanoi: AddressMap, tmp_path: Path
) -> None:
    # What `dispatch --map`, `coverage --map` and `demo` write: one file each, Leaflet in it (opened here as the
    # page's content, not served: nothing but the file).
    geojson = httpx.get(f"{server}/plans/{plan_id}/geojson", headers={"Authorization": f"Bearer {DISPATCHER}"}).json()
    vi = i18n.catalogue("vi")
    routes, coverage, demo = tmp_path / "routes.html", tmp_path / "coverage.html", tmp_path / "demo.html"
    maps.save(maps.route_map(geojson, vi, hanoi), routes, "vi", "routes_title")
    maps.save(maps.coverage_map(access.coverage(hanoi, minutes=(10,)), hanoi, "vi"), coverage, "vi", "coverage_title")
    hit = hanoi.geocode("58 Phố Hào Nam")
    start = (float(hit["lon"]), float(hit["lat"]))
    found = nearest.nearest_agencies(hanoi, *start, k=3)
    maps.save(demo_map(hanoi, start, hit["label"], found, "vi"), demo, "vi", "demo_title")
    for path in (routes, coverage, demo):
        text = path.read_text(encoding="utf-8")
        assert "/static/" not in text and "Leaflet 1.9.4" in text
    page.set_content(routes.read_text(encoding="utf-8"))
    shown = drawn(page)
    assert shown["title"] == "Lộ trình của bưu tá" and shown["paths"] >= 1 and shown["markers"] > 2
    assert shown["roads"] == 1
    page.set_content(coverage.read_text(encoding="utf-8"))
    shown = drawn(page)
    # The wards shaded over the main roads (the planner finds his way on it), in a pane under the shading.
    assert shown["layers"] == ["Nền OpenStreetMap (cần Internet)", "Độ phủ trong vòng 10 phút", "Đường chính"]
    assert shown["roads"] == 1 and shown["paths"] > 10
    assert shown["legend"].startswith("Tỉ lệ dân trong vòng 10 phút")
    page.set_content(demo.read_text(encoding="utf-8"))
    shown = drawn(page)
    assert shown["layers"] == [
        "Nền OpenStreetMap (cần Internet)",
        "Đường chính",
        "Phường, xã",
        "Điểm phục vụ",
        "Cơ quan giải quyết",
        "Đường đến điểm phục vụ gần nhất",
    ]
    assert tooltip(page, page.locator(".leaflet-overlay-pane path[stroke='#1a73e8']")).startswith("1. ")


def test_the_dispatch_page_opens_its_plan_as_a_map_page_to_keep(page, plan_id: str) -> None:
    # By a token: the page fetches the map page carrying Leaflet and opens what it got in a tab of its own.
    page.add_init_script(f"localStorage.setItem('agencynet.dispatcher', '{DISPATCHER}')")
    page.goto(f"/dispatch?plan={plan_id}")
    pages._ready(page)
    assert page.get_attribute("#plan-map", "title").startswith("Bản đồ lộ trình trong một trang riêng")
    page.wait_for_function("!document.getElementById('plan-map').disabled")
    with page.expect_popup() as opened:
        page.click("#plan-map")
    tab = opened.value
    shown = drawn(tab)
    assert (shown["title"], shown["lang"]) == ("Lộ trình của bưu tá", "vi") and shown["markers"] > 2
    assert tab.url.startswith("blob:") and "Leaflet 1.9.4" in tab.content()  # a file to keep: it draws offline


def test_the_planning_page_opens_its_scenario_as_a_map_page_to_keep(page) -> None:
    page.add_init_script(f"localStorage.setItem('agencynet.planner', '{PLANNER}')")
    page.goto("/planning?lang=en")
    pages._ready(page)
    assert page.is_disabled("#scenario-map")  # no scenario yet
    page.fill("#p", "2")
    page.click("#scenario button[type=submit]")
    page.wait_for_selector("ul.new-sites li")
    with page.expect_popup() as opened:
        page.click("#scenario-map")
    tab = opened.value
    shown = drawn(tab)
    assert (shown["title"], shown["lang"]) == ("New agencies scenario", "en")
    assert shown["legend"].startswith("Share of the population within 10 min")
    assert "/static/leaflet" not in tab.content()
