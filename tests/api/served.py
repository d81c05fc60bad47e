"""A real ``agencynet serve`` for the tests that need one: on loopback, in a session of its own (stopped with
its workers), with a store of the test's own."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nothing listens on (closed again at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(
    port: int,
    database: str,
    tokens: str,
    *,
    workers: int = 1,
    data: Path | None = None,
    env: dict[str, str] | None = None,
    **popen: object,
) -> subprocess.Popen:
    """``agencynet [--data DATA] serve --no-demo --port PORT --workers N`` on the store ``database`` (a URL)
    with ``AGENCYNET_TOKENS`` = ``tokens``."""
    environment = os.environ | {"AGENCYNET_DATABASE_URL": database, "AGENCYNET_TOKENS": tokens} | (env or {})
    command = [sys.executable, "-m", "api.cli", *(["--data", str(data)] if data else [])]
    command += ["serve", "--no-demo", "--port", str(port), "--workers", str(workers)]
    return subprocess.Popen(command, cwd=ROOT, env=environment, start_new_session=True, **popen)  # type: ignore[call-overload]


def wait_answering(server: subprocess.Popen, port: int, timeout_s: float = 600) -> None:
    """Wait until the server answers ``GET /config``; fails if it ends or does not answer in time."""
    deadline = time.monotonic() + timeout_s
    while True:
        assert server.poll() is None, "the server ended before it answered"
        try:
            client = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            client.request("GET", "/config")
            if client.getresponse().status == 200:
                return
        except OSError:
            pass
        finally:
            client.close()
        assert time.monotonic() < deadline, f"the server did not answer within {timeout_s:.0f} s"
        time.sleep(0.5)


def stop(server: subprocess.Popen) -> None:
    """Stop the server and its workers (SIGTERM to its session) and wait for it."""
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(timeout=60)
