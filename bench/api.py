"""Benchmark of the HTTP service: nearest-agency queries at fixed rates against uvicorn on loopback.

Run ``python bench/api.py`` (``--help`` for options). The service runs in a subprocess (``uvicorn --factory
api.app:create_app``) on 127.0.0.1; the load generator is open-loop: request ``i`` of a step is sent at
``t0 + i / rate`` whether or not earlier ones have answered, and its latency counts from that planned time, so
a server falling behind shows up as queueing (no coordinated omission). Each step is bounded in requests and
in time. Query points are seeded random points on the map's roads (read from ``/basemap/roads``).

Printed, all in the same run: per rate, p50 / p99 / max latency (ms), achieved throughput (req/s) and errors,
for ``GET /agencies/nearest`` and, as the baseline of the HTTP stack alone, ``GET /config`` (no map work);
then the maximum sustained rate: the highest rate of the ramp with p99 within the target and no error. The
load generator shares the machine's cores with the server: figures are for client and server together.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

RATES = (100, 200, 300, 400, 500, 600, 800, 1000, 1200, 1500, 2000)
"""Requests per second of the ramp."""

TARGET_P99_MS = 20.0
"""Issue 5's target: p99 under 20 ms at 500 req/s on 2 cores."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, database: Path) -> subprocess.Popen:
    env = os.environ | {"AGENCYNET_DATABASE_URL": f"sqlite:///{database}"}
    command = [
        sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app", "--host", "127.0.0.1",
        "--port", str(port), "--workers", str(workers), "--log-level", "warning", "--no-access-log",
    ]  # fmt: skip
    return subprocess.Popen(command, env=env, cwd=Path(__file__).resolve().parents[1])


def wait_ready(base: str, server: subprocess.Popen, timeout_s: float = 300) -> float:
    start = time.perf_counter()
    while time.perf_counter() - start < timeout_s:
        if server.poll() is not None:
            raise SystemExit(f"the service exited with code {server.returncode}")
        try:
            if httpx.get(f"{base}/config", timeout=2).status_code == 200:
                return time.perf_counter() - start
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise SystemExit("the service did not start in time")


def road_points(base: str, n: int, seed: int) -> list[tuple[float, float]]:
    """``n`` seeded points along the map's roads (vertices of road lines), as (lon, lat)."""
    roads = json.loads(httpx.get(f"{base}/basemap/roads", params={"detail": "all"}, timeout=60).content)
    vertices = [tuple(c) for f in roads["features"] for c in f["geometry"]["coordinates"]]
    rng = random.Random(seed)
    return [vertices[rng.randrange(len(vertices))] for _ in range(n)]


async def step(client: httpx.AsyncClient, urls: list[str], rate: float, duration_s: float) -> dict:
    """One open-loop step: send at ``rate`` for ``duration_s`` (at most ``len(urls)`` requests)."""
    count = min(len(urls), max(1, int(rate * duration_s)))
    latencies: list[float] = []
    errors = 0
    loop = asyncio.get_running_loop()
    t0 = loop.time() + 0.05

    async def one(i: int) -> None:
        nonlocal errors
        planned = t0 + i / rate
        delay = planned - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        try:
            response = await client.get(urls[i])
            if response.status_code != 200:
                errors += 1
        except httpx.HTTPError:
            errors += 1
        latencies.append(loop.time() - planned)

    await asyncio.gather(*(one(i) for i in range(count)))
    elapsed = loop.time() - t0
    ms = sorted(x * 1000 for x in latencies)
    return {
        "rate": rate,
        "requests": count,
        "p50_ms": statistics.median(ms),
        "p99_ms": ms[min(len(ms) - 1, int(0.99 * len(ms)))],
        "max_ms": ms[-1],
        "throughput": count / elapsed,
        "errors": errors,
    }


async def ramp(base: str, paths: list[str], rates: list[int], duration_s: float, label: str) -> list[dict]:
    limits = httpx.Limits(max_connections=256, max_keepalive_connections=256)
    results = []
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=10) as client:
        for _ in range(50):  # warm-up: connections, caches
            await client.get(paths[0])
        for rate in rates:
            result = await step(client, paths, rate, duration_s)
            results.append(result)
            print(
                f"{label:8s} {rate:5d} req/s: p50 {result['p50_ms']:6.2f} ms  p99 {result['p99_ms']:7.2f} ms  "
                f"max {result['max_ms']:7.1f} ms  throughput {result['throughput']:7.1f} req/s  "
                f"errors {result['errors']}",
                flush=True,
            )
            if result["p99_ms"] > TARGET_P99_MS or result["errors"]:
                break
    return results


def sustained(results: list[dict]) -> int:
    """The highest rate of a ramp with p99 within the target and no error (0 if none)."""
    ok = [r["rate"] for r in results if r["p99_ms"] <= TARGET_P99_MS and not r["errors"]]
    return max(ok, default=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=4.0, help="seconds per rate step (default 4)")
    parser.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")], default=list(RATES))
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes (each loads the map)")
    parser.add_argument("--k", type=int, default=3, help="agencies per query (default 3)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(port, args.workers, Path(tmp) / "bench.sqlite")
        try:
            ready = wait_ready(base, server)
            print(f"service ready in {ready:.1f} s on {base} ({args.workers} worker(s), {os.cpu_count()} cores)")
            n = int(max(args.rates) * args.duration)
            points = road_points(base, n, args.seed)
            nearest = [f"/agencies/nearest?lat={lat:.6f}&lon={lon:.6f}&k={args.k}" for lon, lat in points]
            baseline = ["/config"] * n
            base_results = asyncio.run(ramp(base, baseline, args.rates, args.duration, "/config"))
            near_results = asyncio.run(ramp(base, nearest, args.rates, args.duration, "/nearest"))
        finally:
            server.terminate()
            server.wait(timeout=30)
    at_500 = next((r for r in near_results if r["rate"] == 500), None)
    best_base, best_near = sustained(base_results), sustained(near_results)
    print(
        f"maximum sustained rate (p99 <= {TARGET_P99_MS:g} ms, no errors): /nearest {best_near} req/s, "
        f"/config baseline {best_base} req/s (ratio {best_near / best_base if best_base else float('nan'):.2f})"
    )
    if at_500 is not None:
        verdict = "meets" if at_500["p99_ms"] <= TARGET_P99_MS and not at_500["errors"] else "misses"
        print(f"at 500 req/s: p99 {at_500['p99_ms']:.2f} ms ({verdict} the {TARGET_P99_MS:g} ms target)")
    if args.json:
        print(json.dumps({"config": base_results, "nearest": near_results}))


if __name__ == "__main__":
    main()
