"""The API keeps its OpenAPI contract: schemathesis, all its default checks, against the ASGI app and against a
running ``agencynet serve``.

Against the app, every operation is exercised with schema-valid (positive) and schema-invalid (negative)
requests, a bounded number of examples each, with the token of the role the operation needs; any finding fails
the test, and the findings are listed. Against the served API, ``schemathesis run`` goes through all its phases
(examples, the coverage of each constraint's bounds and of the methods a path does not take, fuzzing, stateful
sequences), configured by ``tests/api/schemathesis.toml`` as a user would run it. Against the app, every
refusal asked in Vietnamese is also checked to be said in Vietnamese. Run alone with
``python -m pytest -q tests/api/test_contract.py -s`` for the summaries.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from api.app import create_app
from api.settings import Settings
from geo.addressmap import AddressMap
from tests.api.conftest import DISPATCHER, PLANNER, TestClient
from tests.api.served import ROOT, free_port, serve, stop, wait_answering

MAX_EXAMPLES = int(os.environ.get("AGENCYNET_CONTRACT_EXAMPLES", "8"))
"""Examples per operation and mode: enough to meet each parameter's bounds, short enough for CI (raise it with
``AGENCYNET_CONTRACT_EXAMPLES`` for a longer search)."""

ADMIN, PORTAL = "admin-secret-token", "portal-secret-token"

RUN_EXAMPLES = int(os.environ.get("AGENCYNET_CONTRACT_RUN_EXAMPLES", "5"))
RUN_SEED = os.environ.get("AGENCYNET_CONTRACT_RUN_SEED", "1")
"""Examples per operation of ``schemathesis run`` against the served API, and its seed (fixed, so that CI
repeats one run; give another seed, or raise the examples, for a wider search)."""
ROLES = {
    ("POST", "/dossiers"): PORTAL,
    ("", "/dossiers"): ADMIN,
    ("", "/access-log"): ADMIN,
    ("", "/me"): ADMIN,
    ("", "/plans"): DISPATCHER,
    ("", "/days"): DISPATCHER,
    ("", "/authorities"): DISPATCHER,
    ("", "/postmen"): DISPATCHER,
    ("", "/coverage"): PLANNER,
    ("", "/scenarios"): PLANNER,
    ("", "/reports"): PLANNER,
}
"""Token by method (any when empty) and path prefix: the role each operation needs."""
SEMANTIC = {
    ("POST", "/plans"),
    ("POST", "/plans/{plan_id}/tasks"),
    ("POST", "/scenarios"),
    ("POST", "/days/{date}/plan"),
    ("POST", "/days/{date}/events"),
    ("POST", "/days/{date}/replan"),
    ("POST", "/dossiers"),
    ("PUT", "/postmen/{name}/shift"),
    ("PUT", "/authorities/{code}/hours"),
}
"""Operations whose bodies name places of the map, tasks of a stored plan or a day's postmen, or ask for a plan
that may have no solution, and the portal's feed, whose ``Idempotency-Key`` may come again with another body
(generated keys repeat): a JSON Schema cannot say which ids exist or which keys were used, so a schema-valid
request may still be refused with 422 (documented, with reasons). The same for a shift whose end must come after
its start: one string, whose two times a pattern cannot compare; and for a unit's office hours, in a grammar (OSM
``opening_hours``) no pattern can hold."""


@pytest.fixture(scope="module")
def app(hanoi: AddressMap, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    database: Path = tmp_path_factory.mktemp("contract") / "contract.sqlite"
    service = create_app(
        Settings(
            database_url=f"sqlite:///{database}",
            tokens=f"{PLANNER}:planner,{DISPATCHER}:dispatcher,{ADMIN}:admin,{PORTAL}:portal",
            solve_time_limit_s=0.2,
            max_solve_time_s=0.5,
        ),
        amap=hanoi,
    )
    with TestClient(service):
        yield service


def _headers(method: str, path: str) -> dict[str, str]:
    token = next((t for (m, prefix), t in ROLES.items() if path.startswith(prefix) and m in ("", method)), None)
    return {"Authorization": f"Bearer {token}"} if token else {}


ENGLISH = re.compile(r"\b(the|must|is|are|not|of|should|expected|or|got|needs?|input|invalid|unknown)\b", re.I)
"""English words a Vietnamese message has no reason to hold: the sign of a lower layer's words passed on as they
were (pydantic's, Starlette's, the operations layer's)."""


def _said_in_vietnamese(case: schemathesis.Case, response: schemathesis.Response) -> None:
    """Fail when a refusal asked in Vietnamese (the default: no ``lang``, no ``Accept-Language``) has a message
    with English words."""
    asked = (case.query or {}).get("lang") or {k.lower(): v for k, v in (case.headers or {}).items()}.get(
        "accept-language"
    )
    if asked not in (None, "vi") or not 400 <= response.status_code < 500:
        return
    try:
        problems = response.json()["detail"]
    except (ValueError, KeyError, TypeError):
        return
    # Path parameters are kept percent-encoded ("The%20deciding%20units"); a message quotes them decoded.
    given = _strings([case.path_parameters, case.query, case.body])
    sent = sorted({v for s in given for v in (s, urllib.parse.unquote(s))}, key=len, reverse=True)
    for problem in problems if isinstance(problems, list) else []:
        message = problem.get("message", "") if isinstance(problem, dict) else ""
        for value in sent:  # the request's own values, which a message may quote (not inside a word: "o" of "theo")
            message = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", "", message)
        assert not ENGLISH.search(message), f"{response.status_code} said in English words: {problem}"


def _strings(value: object) -> set[str]:
    """The strings in ``value`` (nested dicts and lists), keys included."""
    if isinstance(value, dict):
        return set().union(*(_strings(k) | _strings(v) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return set().union(*(_strings(v) for v in value))
    return {value} if isinstance(value, str) and value else set()


def _exercise(operation: schemathesis.APIOperation, mode: GenerationMode) -> tuple[int, str | None]:
    """Run ``MAX_EXAMPLES`` cases of one operation in one mode: the number of cases and the finding, if any."""
    semantic = (operation.method.upper(), operation.path) in SEMANTIC
    count = 0

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: schemathesis.Case) -> None:
        nonlocal count
        count += 1
        headers = _headers(operation.method.upper(), operation.path)
        if mode is GenerationMode.NEGATIVE and "Authorization" not in (case.headers or {}):
            # The case leaves the bearer token out (that is what makes it invalid, or part of it): sent without
            # it, as generated, it must be refused; adding the token would make it a valid request.
            headers = {}
        response = case.call(headers=headers)
        if semantic and response.status_code == 422:
            # See SEMANTIC; the body is still checked against the documented 422. In either mode: a negative
            # case may come out schema-valid (a day's plan asked with no body, refused for want of postmen).
            case.validate_response(response, excluded_checks=[schemathesis.checks.positive_data_acceptance])
        else:
            case.validate_response(response)
        _said_in_vietnamese(case, response)

    try:
        run()
    except BaseException as exc:  # hypothesis raises the failures as an exception group
        if isinstance(exc, KeyboardInterrupt):
            raise
        return count, f"{operation.method.upper()} {operation.path} ({mode.value}): {exc}"
    return count, None


def test_api_keeps_its_contract(app, capsys: pytest.CaptureFixture[str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    findings: list[str] = []
    cases = operations = 0
    slowest: list[tuple[float, str]] = []
    start = time.perf_counter()
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        # An operation without input has no invalid request to make.
        takes_input = any(True for _ in operation.iter_parameters()) or bool(
            operation.get_request_payload_content_types()
        )
        modes = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE) if takes_input else (GenerationMode.POSITIVE,)
        for mode in modes:
            began = time.perf_counter()
            count, finding = _exercise(operation, mode)
            slowest.append((time.perf_counter() - began, f"{operation.method.upper()} {operation.path} {mode.value}"))
            cases += count
            if finding:
                findings.append(finding)
    elapsed = time.perf_counter() - start
    with capsys.disabled():
        print(
            f"\nschemathesis {schemathesis.__version__}: {operations} operations, {cases} cases "
            f"(positive and negative, all default checks), {len(findings)} findings, {elapsed:.0f} s; slowest: "
            + ", ".join(f"{name} {s:.0f} s" for s, name in sorted(slowest, reverse=True)[:4])
        )
    assert not findings, "\n\n".join(findings)


def test_every_link_names_an_operation_of_the_document(app) -> None:
    # What a client does next with a plan, a scenario or a day it made, or a postman listed (by his account, not
    # his full name, which schemathesis took for the path's {name}): links by operation id, which FastAPI
    # derives from the function and the path, so a rename would leave a link to nothing.
    document = TestClient(app).get("/openapi.json").json()
    operations = {o["operationId"]: o for ops in document["paths"].values() for o in ops.values()}
    links = [
        (path, link)
        for path, ops in document["paths"].items()
        for o in ops.values()
        for answer in o["responses"].values()
        for link in answer.get("links", {}).values()
    ]
    assert {path for path, _ in links} == {"/plans", "/scenarios", "/days/{date}/plan", "/postmen"}
    for path, link in links:
        target = operations.get(link["operationId"])
        assert target is not None, (path, link["operationId"])
        taken = {p["name"] for p in target.get("parameters", []) if p["in"] == "path"}
        assert set(link["parameters"]) == taken, (path, link)


def test_schemathesis_run_against_the_served_api_finds_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    tokens = {"PLANNER_TOKEN": PLANNER, "DISPATCHER_TOKEN": DISPATCHER, "ADMIN_TOKEN": ADMIN, "PORTAL_TOKEN": PORTAL}
    roles = f"{PLANNER}:planner,{DISPATCHER}:dispatcher,{ADMIN}:admin,{PORTAL}:portal"
    budget = {"AGENCYNET_SOLVE_TIME_LIMIT_S": "0.2", "AGENCYNET_MAX_SOLVE_TIME_S": "0.5"}
    log = tmp_path / "served.log"
    with log.open("w") as out:
        server = serve(port, f"sqlite:///{tmp_path / 'served.sqlite'}", roles, env=budget, stdout=out, stderr=out)
    try:
        wait_answering(server, port)
        command = [str(Path(sys.executable).parent / "schemathesis"), "--no-color"]
        command += ["--config-file", str(ROOT / "tests" / "api" / "schemathesis.toml"), "run"]
        command += [f"http://127.0.0.1:{port}/openapi.json", "--max-examples", str(RUN_EXAMPLES), "--seed", RUN_SEED]
        run = subprocess.run(command, env=os.environ | tokens, capture_output=True, text=True, timeout=1200)
    finally:
        stop(server)
    summary = [line for line in run.stdout.splitlines() if line.startswith("=") and " in " in line]
    with capsys.disabled():
        print(f"\nschemathesis run against agencynet serve (seed {RUN_SEED}, {RUN_EXAMPLES} examples):", *summary[-1:])
    # The report, its long reproductions cut, when anything was found.
    report = "\n".join(line[:300] for line in run.stdout.splitlines()[-120:]) + run.stderr[-2000:]
    assert run.returncode == 0, report + "\nserver:\n" + log.read_text()[-3000:]
