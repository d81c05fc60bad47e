"""The public GETs answered ahead of the middleware (api.direct) answer as the whole stack does."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from geo.addressmap import AddressMap
from tests.api.conftest import PORTAL, client_for, settings_for
from tests.ops.cases import dossier

AT = "2026-03-02T09:30:00+07:00"

CASES: list[tuple[str, dict[str, Any], dict[str, str]]] = [
    ("/config", {}, {}),
    ("/agencies/nearest", {"lat": 21.0285, "lon": 105.8542, "k": 5, "at": AT}, {}),
    ("/agencies/nearest", {"lat": 21.0285, "lon": 105.8542, "k": 5, "at": AT}, {"Accept-Encoding": "identity"}),
    ("/agencies/nearest", {"lat": 21.01, "lon": 105.83, "k": 2, "procedure": "social_insurance", "at": AT}, {}),
    ("/agencies/nearest", {"lat": 21.0285, "lon": 105.8542, "open_now": True, "at": "2026-03-01T22:00:00"}, {}),
    ("/agencies/nearest", {"lat": 95, "lon": 105.85}, {}),
    ("/agencies/nearest", {"lat": 21.0285, "lon": 105.8542, "k": 0}, {"Accept-Language": "en"}),
    ("/agencies/nearest", {"lat": 21.0285, "lon": 105.8542, "radius": 3}, {}),
    ("/agencies/nearest/address", {"address": "Hàng Bạc", "k": 2, "at": AT}, {}),
    ("/agencies/nearest/address", {"address": "zzzz qqqq xxxx"}, {}),
    ("/agencies/nearest/address", {"address": "đổi bằng lái xe gần hồ gươm", "at": "2026-02-17T10:00"}, {}),
    ("/agencies/nearest/address", {"address": "đổi bằng lái xe"}, {"Accept-Language": "en"}),
    ("/search", {"q": "so 10 pho hue", "k": 5}, {}),
    ("/search", {"q": "ngõ 186 đường bưởi", "kind": ["street", "address"]}, {}),
    ("/search", {"q": "", "k": 5}, {"Accept-Language": "en"}),
    ("/track/HS-1", {"phone_last4": "5678"}, {}),
    ("/track/HS-1", {"phone_last4": "12a4"}, {}),
]


def _without_direct(client: Any) -> Any:
    """``client`` with no route answered directly (the way every request went before)."""
    client.app.answer_directly((), 0)
    return client


@pytest.fixture(scope="module")
def clients(hanoi: AddressMap, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """Two services on one database: one answering directly, one through the whole stack."""
    settings = settings_for(tmp_path_factory.mktemp("direct") / "direct.sqlite")
    with client_for(settings, hanoi) as direct, client_for(settings, hanoi) as full:
        direct.post("/dossiers", json=[dossier("HS-1")], headers={"Authorization": f"Bearer {PORTAL}"})
        yield direct, _without_direct(full)


@pytest.fixture
def delegated(clients: tuple[Any, Any]) -> Iterator[list[str]]:
    """Paths the direct service passed on to its stack during a test."""
    app = clients[0].app
    inner, seen = app.middleware_stack, []

    async def counting(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope["path"])
        await inner(scope, receive, send)

    app.middleware_stack = counting
    yield seen
    app.middleware_stack = inner


@pytest.mark.parametrize(("path", "params", "headers"), CASES)
def test_direct_answers_as_the_whole_stack(clients, delegated, path: str, params: dict, headers: dict) -> None:
    direct, full = clients
    a, b = direct.get(path, params=params, headers=headers), full.get(path, params=params, headers=headers)
    assert delegated == []
    assert (a.status_code, a.json()) == (b.status_code, b.json())
    for header in ("content-type", "content-encoding", "content-language", "retry-after"):
        assert a.headers.get(header) == b.headers.get(header), header


def test_a_large_answer_is_compressed_when_the_client_accepts_it(clients, delegated) -> None:
    params = {"lat": 21.0285, "lon": 105.8542, "k": 5}
    compressed = clients[0].get("/agencies/nearest", params=params, headers={"Accept-Encoding": "gzip"})
    plain = clients[0].get("/agencies/nearest", params=params, headers={"Accept-Encoding": "identity"})
    assert compressed.headers["content-encoding"] == "gzip" and "content-encoding" not in plain.headers
    assert int(compressed.headers["content-length"]) < len(plain.content)
    assert compressed.json()["agencies"] == plain.json()["agencies"]
    assert delegated == []


def test_other_requests_go_through_the_stack(clients, delegated) -> None:
    direct, _ = clients
    assert direct.head("/config").status_code == 405
    assert direct.get("/agencies").status_code == 200  # not a lean route
    assert direct.get("/no/such/path").status_code == 404
    assert delegated == ["/config", "/agencies", "/no/such/path"]


def test_a_signed_in_user_is_answered_directly(hanoi: AddressMap, tmp_path: Path) -> None:
    from ops import accounts

    password = "một-mật-khẩu-dài"
    with client_for(settings_for(tmp_path / "session.sqlite"), hanoi) as service:
        accounts.add_user(service.app.state.store.engine, "lan", password, "postman")
        signed = service.post("/signin", data={"username": "lan", "password": password}, follow_redirects=False)
        assert signed.status_code == 303 and "agencynet_session" in service.cookies
        answer = service.get("/config")
        assert answer.status_code == 200 and "set-cookie" not in answer.headers
        assert service.get("/me").json()["name"] == "lan"


def test_wrong_tracking_tries_are_counted_once_each(clients) -> None:
    direct, _ = clients
    answers = [direct.get("/track/HS-1", params={"phone_last4": "0000"}).status_code for _ in range(6)]
    assert answers == [404] * 5 + [429]


def test_a_static_path_goes_by_the_route_the_router_would_take() -> None:
    from fastapi import APIRouter

    from api.direct import _static_routes

    router = APIRouter()

    async def handler() -> None: ...

    for path in ("/items/{item}", "/items/new", "/about", "/about"):
        router.add_api_route(path, handler, methods=["GET"])
    router.add_api_route("/form", handler, methods=["POST"])
    static = _static_routes(router.routes)
    # /items/new is taken by /items/{item} before it; of two /about, the first; a POST route is not a GET's.
    assert static == {"/about": router.routes[2]}


@pytest.mark.parametrize("root", ["", "/svc"])
def test_a_path_with_parameters_finds_its_route_behind_a_root_path_too(clients, root: str) -> None:
    # Routes are screened by their pattern on the path; behind a root path the path carries it, so every route
    # is asked in full instead.
    scope = {"type": "http", "method": "GET", "path": f"{root}/track/HS-1", "root_path": root, "headers": []}
    answer = clients[0].app._direct(scope)
    assert answer is not None and answer.route.path == "/track/{code}"
    assert scope["path_params"] == {"code": "HS-1"}
