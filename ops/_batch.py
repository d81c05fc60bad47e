"""The distributed engine of a batch: dask.distributed, one task per item, results handed back as they finish.

Without a scheduler address the batch starts a ``LocalCluster`` of worker processes on this machine (TCP on
the loopback, one thread per worker: OR-Tools and the siting models are single-threaded, and processes keep
their memory apart). With an address (``tcp://host:8786``) the same tasks go to that cluster, whose workers
must have agencynet installed and see the input files at the same paths.

A worker process that dies while running a task is replaced by its nanny and the scheduler runs the task
again elsewhere (``distributed.scheduler.allowed-failures`` deaths per task, 3 by default, before the task
itself fails); an exception inside a task comes back as that task's error, the others go on.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from distributed import Client, LocalCluster, as_completed

from geo._errors import InputError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 20
"""How long to wait for a scheduler to answer, and for its first worker, s."""


@contextlib.contextmanager
def client(scheduler: str | None, workers: int) -> Iterator[Client]:
    """A client of the given scheduler, or of a new local cluster of ``workers`` processes (closed after)."""
    if scheduler:
        try:
            remote = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError) as exc:
            raise InputError(f"cannot reach the dask scheduler at {scheduler}: {exc}") from None
        with remote:
            try:
                remote.wait_for_workers(1, timeout=CONNECT_TIMEOUT_S)
            except TimeoutError:
                raise InputError(f"the dask scheduler at {scheduler} has no worker") from None
            yield remote
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            protocol="tcp://",
            host="127.0.0.1",
            # Its HTTP server on a free port: None still means 8787, which another cluster (a batch run beside this
            # one) may hold; distributed then only warns and takes another.
            dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as local,
    ):
        yield local


def run(
    fn: Callable[..., Any],
    arguments: Sequence[tuple[Any, ...]],
    keys: Sequence[str],
    *,
    on_done: Callable[[int, Any, str | None], None],
    scheduler: str | None,
    workers: int,
) -> tuple[str, int]:
    """Run ``fn(*arguments[i])`` as task ``keys[i]`` for every ``i``; call ``on_done(i, result, error)`` as each ends.

    ``error`` is ``None`` on success, else the task's exception as text (``result`` is then ``None``).

    Returns
    -------
    tuple
        The scheduler's address and the number of workers it had when the tasks were submitted.
    """
    with client(scheduler, workers) as dask_client:
        address = dask_client.scheduler.address
        n_workers = len(dask_client.scheduler_info()["workers"])
        log.info("%d tasks on %s (%d workers)", len(keys), address, n_workers)
        futures = [
            dask_client.submit(fn, *args, key=key, pure=False) for args, key in zip(arguments, keys, strict=True)
        ]
        position = {future.key: i for i, future in enumerate(futures)}
        for future in as_completed(futures):
            i = position[future.key]
            try:
                result = future.result()
            except Exception as exc:  # the task's own failure (or too many worker deaths): its row says so
                on_done(i, None, f"{type(exc).__name__}: {exc}")
            else:
                on_done(i, result, None)
            future.release()
    return address, n_workers
