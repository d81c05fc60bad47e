"""Worker processes of ``agencynet serve --workers N``, each listening on a socket of its own (``SO_REUSEPORT``).

uvicorn's supervisor binds one socket and hands it to every worker: the workers race to accept on one queue, and
the one awake takes a whole burst of connections (uvloop accepts up to the backlog per wake-up). Under load one
worker served most of the connections while the other idled: ``/search`` sustained less on two workers than on
one (bench/api.py, sessions 8 and 9). On Linux each worker here opens its own socket on the port instead, in one
``SO_REUSEPORT`` group, and the kernel shares the connections between the sockets by a hash of their addresses.

uvicorn has no option for it (its pull request 2472 is open): its supervisor is kept as it is (worker restarts,
signals, health checks) and given a socket that, sent to a worker, opens anew there (:class:`ReusePortSocket`).
Elsewhere than Linux the supervisor's shared socket is kept.
"""

from __future__ import annotations

import socket
import sys
from typing import Any

from uvicorn import Config
from uvicorn.config import STARTUP_FAILURE
from uvicorn.supervisors import Multiprocess


class ReusePortSocket(socket.socket):
    """A socket bound to the service's address in its ``SO_REUSEPORT`` group, and not listening.

    The parent's copy only holds the address (the kernel queues connections to listening sockets only); sent to
    a worker process (pickled, as uvicorn's supervisor sends its sockets), it opens there as a new socket of the
    group, which the worker's server listens on.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        return (_group_member, (self.family, self.getsockname()[:2]))


def _group_member(family: socket.AddressFamily, address: tuple[str, int]) -> ReusePortSocket:
    """A new socket bound to ``address`` in its ``SO_REUSEPORT`` group (all its members set the option)."""
    sock = ReusePortSocket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(address)
    return sock


def balanced() -> bool:
    """Whether this system shares connections between the sockets of a ``SO_REUSEPORT`` group (Linux)."""
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def run(config: Config) -> bool:
    """Serve ``config`` (an application import string and ``workers`` > 1) with a socket per worker.

    Returns
    -------
    bool
        False when the service stopped because a worker failed to start (uvicorn's supervisor then stops them
        all; the worker logged why), True when it was stopped.

    Raises
    ------
    OSError
        When the address is taken (by any socket, this service's workers of another run included).
    """
    family = socket.AF_INET6 if ":" in config.host else socket.AF_INET
    # The address checked free first, without SO_REUSEPORT: a group member would join another run's group.
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind((config.host, config.port))
    placeholder = _group_member(family, (config.host, config.port))
    supervisor = Multiprocess(config, sockets=[placeholder])
    try:
        supervisor.run()
    finally:
        placeholder.close()
    return all(worker.exitcode != STARTUP_FAILURE for worker in supervisor.processes)
