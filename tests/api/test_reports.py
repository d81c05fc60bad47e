"""GET /reports/{quarter}: the quarter's report as HTML for planners and admins, refused to the other roles."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from api.settings import Settings
from geo.addressmap import AddressMap
from geo.hours import HANOI
from ops import database, ingest, journeys, simulate
from tests.api.conftest import ADMIN, DISPATCHER, PLANNER, PORTAL, TestClient, client_for


@pytest.fixture(scope="module")
def reports(hanoi: AddressMap, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    """A service on a store holding 200 synthetic dossiers of 2026Q1, carried out until mid-March."""
    path: Path = tmp_path_factory.mktemp("reports") / "store.sqlite"
    engine = database.connect(f"sqlite:///{path}")
    ingest.ingest(engine, enumerate(simulate.simulate(hanoi, "2026Q1", seed=2, count=200), start=1))
    journeys.carry_out(engine, datetime(2026, 3, 15, tzinfo=HANOI))
    engine.dispose()
    tokens = f"{PLANNER}:planner,{DISPATCHER}:dispatcher,{ADMIN}:admin,{PORTAL}:portal"
    with client_for(Settings(database_url=f"sqlite:///{path}", tokens=tokens), hanoi) as client:
        yield client


@pytest.mark.parametrize("token", [PLANNER, ADMIN])
def test_planners_and_admins_get_the_report(reports: TestClient, token: str) -> None:
    page = reports.get("/reports/2026Q1", headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert page.headers["content-language"] == "vi"
    assert "Báo cáo quý 2026Q1" in page.text and "Tiếp nhận 200 hồ sơ" in page.text
    assert "Dữ liệu tổng hợp" in page.text and page.text.count("data:image/png") == 2
    # Charts of the procedures, of timeliness, of the agencies, and of the results left waiting at their agencies
    # when the journeys stopped in mid-March.
    assert page.text.count("<svg") == 4 and "Kết quả chờ người nộp đến nhận cuối kỳ, theo điểm phục vụ" in page.text


def test_the_report_in_english_by_authority(reports: TestClient) -> None:
    page = reports.get(
        "/reports/2026Q1", params={"lang": "en", "area": "authority"}, headers={"Authorization": f"Bearer {PLANNER}"}
    )
    assert page.status_code == 200 and "Received 200 dossiers" in page.text
    assert page.text.index("By deciding authority") < page.text.index("By receiving agency")


@pytest.mark.parametrize(("token", "status"), [(None, 401), (DISPATCHER, 403), (PORTAL, 403), ("wrong-token-1", 401)])
def test_other_roles_are_refused(reports: TestClient, token: str | None, status: int) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    answer = reports.get("/reports/2026Q1", headers=headers)
    assert answer.status_code == status and answer.json()["detail"][0]["field"] == "Authorization"


@pytest.mark.parametrize(("path", "field"), [("/reports/2026Q5", "quarter"), ("/reports/2026Q1?area=district", "area")])
def test_bad_input_is_a_422_naming_the_field(reports: TestClient, path: str, field: str) -> None:
    answer = reports.get(path, headers={"Authorization": f"Bearer {PLANNER}"})
    assert answer.status_code == 422 and answer.json()["detail"][0]["field"] == field


@pytest.mark.parametrize("route", ["/", "/dispatch", "/planning", "/signin"])
def test_pages_say_the_data_are_synthetic(reports: TestClient, route: str) -> None:
    page = reports.get(route)
    assert page.status_code == 200 and '<p class="synthetic" role="note">Dữ liệu tổng hợp' in page.text


def test_a_page_without_synthetic_data_has_no_notice() -> None:
    from api.app import render_page

    assert 'class="synthetic"' not in render_page("planning", "vi")
    assert 'class="synthetic"' in render_page("planning", "vi", synthetic=True)
