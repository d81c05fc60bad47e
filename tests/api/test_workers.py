"""``agencynet serve --workers 2`` as a real server: each worker listens on a socket of its own, the kernel shares
the connections between them, and what stops it from starting (a taken port, a bad token, a store that does not
answer, a map that cannot be read) is said in one line per process, with exit code 2, never a traceback."""

from __future__ import annotations

import http.client
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from tests.api.served import free_port, serve, stop

CONNECTIONS = 40


def _serve(
    port: int,
    tmp_path: Path,
    token: str = "workers-test",
    *,
    database: str = "",
    workers: int = 2,
    **options: object,
) -> subprocess.Popen:
    """``agencynet serve --workers 2`` with a planner's ``token``, on a store of its own unless ``database``."""
    database = database or f"sqlite:///{tmp_path / 'serve.sqlite'}"
    return serve(port, database, f"{token}:planner", workers=workers, **options)  # type: ignore[arg-type]


def _failed_start(*args: object, **options: object) -> list[str]:
    """The lines a server that cannot start writes on standard error, having ended with exit code 2."""
    server = _serve(*args, **options, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # type: ignore[arg-type]
    _, err = server.communicate(timeout=300)
    assert server.returncode == 2, err
    assert "Traceback" not in err
    return err.strip().splitlines()


def _listening(server: subprocess.Popen, port: int) -> dict[int, int]:
    """Listening sockets on ``port`` by process of the server's group."""
    found: dict[int, int] = {}
    for process in psutil.Process(server.pid).children(recursive=True):
        try:
            sockets = process.net_connections("tcp")
        except psutil.NoSuchProcess:  # a helper process that ended meanwhile
            continue
        found[process.pid] = sum(c.laddr.port == port and c.status == psutil.CONN_LISTEN for c in sockets)
    return found


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[subprocess.Popen, int]]:
    port = free_port()
    server = _serve(port, tmp_path_factory.mktemp("workers"), stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 600
    try:
        while sum(_listening(server, port).values()) < 2:
            assert server.poll() is None, "the server ended before both workers listened"
            assert time.monotonic() < deadline, "the workers did not listen within 600 s"
            time.sleep(0.5)
        yield server, port
    finally:
        stop(server)


def test_each_worker_listens_on_a_socket_of_its_own(served: tuple[subprocess.Popen, int]) -> None:
    server, port = served
    listening = _listening(server, port)
    assert sorted(listening.values(), reverse=True)[:2] == [1, 1]
    assert not any(c.laddr.port == port for c in psutil.Process(server.pid).net_connections("tcp"))


def test_a_reverse_proxy_on_the_machine_is_believed_about_the_scheme(served: tuple[subprocess.Popen, int]) -> None:
    # Behind nginx on the same machine (127.0.0.1, --forwarded-allow-ips by default), the service's own absolute
    # links (a redirect here, the receipt's QR code) say https, as the citizen reached it.
    _, port = served
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        client.request("GET", "/config/", headers={"Host": "dichvucong.example.vn", "X-Forwarded-Proto": "https"})
        answer = client.getresponse()
        answer.read()
    finally:
        client.close()
    assert (answer.status, answer.getheader("location")) == (307, "https://dichvucong.example.vn/config")


def test_the_kernel_shares_the_connections_between_the_workers(served: tuple[subprocess.Popen, int]) -> None:
    server, port = served
    clients = [http.client.HTTPConnection("127.0.0.1", port, timeout=120) for _ in range(CONNECTIONS)]
    try:
        for client in clients:
            client.request("GET", "/config")
            answer = client.getresponse()
            assert answer.status == 200
            answer.read()
        workers = [pid for pid, count in _listening(server, port).items() if count]
        held = {
            pid: sum(
                c.laddr.port == port and c.status == psutil.CONN_ESTABLISHED
                for c in psutil.Process(pid).net_connections("tcp")
            )
            for pid in workers
        }
    finally:
        for client in clients:
            client.close()
    assert sum(held.values()) == CONNECTIONS
    # Shared by a hash of the clients' ports: each worker holds at least 8 of 40 but with odds below 1e-5.
    assert min(held.values()) >= 8, held


def test_a_taken_port_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        lines = _failed_start(port, tmp_path)
    assert lines == [f"agencynet serve: error: --port {port}: cannot listen on 127.0.0.1: Address already in use"]


def test_a_bad_token_is_one_line_and_exit_code_2_not_a_worker_restarted_forever(tmp_path: Path) -> None:
    lines = _failed_start(free_port(), tmp_path, token="short")
    assert lines == ["agencynet serve: error: AGENCYNET_TOKENS: a token must have at least 8 characters"]


def test_a_bad_setting_is_one_line_naming_its_variable(tmp_path: Path) -> None:
    env = {"AGENCYNET_PUBLIC_URL": "dichvucong.example.vn", "AGENCYNET_SOLVE_TIME_LIMIT_S": "-1"}
    lines = _failed_start(free_port(), tmp_path, env=env)
    assert lines == [
        "agencynet serve: error: AGENCYNET_SOLVE_TIME_LIMIT_S: Input should be greater than 0; "
        "AGENCYNET_PUBLIC_URL: an http:// or https:// address such as https://dichvucong.example.vn/, "
        "got 'dichvucong.example.vn'"
    ]


@pytest.mark.alone
@pytest.mark.parametrize("workers", [1, 2])
def test_a_store_that_does_not_answer_is_one_line_before_any_worker_starts(tmp_path: Path, workers: int) -> None:
    closed = free_port()
    lines = _failed_start(
        free_port(), tmp_path, database=f"postgresql://agencynet:secret@127.0.0.1:{closed}/x", workers=workers
    )
    assert len(lines) == 1
    assert lines[0].startswith(f"agencynet serve: error: database postgresql://agencynet:***@127.0.0.1:{closed}/x: ")


def test_one_worker_that_cannot_read_the_map_is_one_line(tmp_path: Path) -> None:
    lines = _failed_start(free_port(), tmp_path, data=tmp_path, workers=1)
    assert len(lines) == 1
    assert lines[0].startswith(f"agencynet serve: error: OSM file not found: {tmp_path}")


@pytest.mark.alone
def test_workers_that_cannot_read_the_map_stop_the_service_each_saying_why(tmp_path: Path) -> None:
    lines = _failed_start(free_port(), tmp_path, data=tmp_path)
    reasons = [line for line in lines if "agencynet serve: error: OSM file not found: " in line]
    # Each worker that started says why (uvicorn's supervisor stops the others once one has failed).
    assert 1 <= len(reasons) <= 2
    assert all(line.startswith("ERROR:") for line in reasons)
    assert lines[-1] == "agencynet serve: error: a worker could not start (its reason is above); the service stopped"
