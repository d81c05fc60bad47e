"""Benchmark of the HTTP service under load from a compiled generator (wrk) at fixed rates, 1 and 2 workers.

Run ``python bench/api.py`` (``--help`` for options). It starts ``agencynet serve --workers N`` on loopback and
drives it with Debian's ``wrk`` (installed by the set-up below if missing, and said so), not with Python on the
same cores. Debian's wrk has no fixed-rate mode (that is wrk2's ``-R``), so a small Lua script paces each
connection: request ``i`` of a connection is sent at ``start + i * C / rate`` (LuaJIT's clock via ffi), or at
once when the connection is behind. wrk times each request from its sending, so queueing inside the server
shows in the latencies but waiting for a late connection does not; the achieved rate is printed beside the
asked one, and a step only counts as sustained when it reached 95% of the asked rate.

Endpoints: ``GET /config`` (the HTTP baseline: no map work), ``/agencies/nearest`` (5,000 seeded points on the map's
roads, k from 1 to 5), ``/search`` (the real queries of ``tests/data/search_queries.csv``, 225, k from 1 to 10),
``/track/{code}`` (2,000 seeded synthetic dossiers, simulated and ingested into the bench's own database first, each
with its phone check) and ``/reverse`` (the points of ``/agencies/nearest``). The Lua script draws the URLs in turn
from these lists, so no answer can come from a cache of URLs. For each, a ramp of rates per worker count, then three
bisection steps between the last rate sustained and the first not; the table gives p50/p99 at the highest rate
sustained with p99 <= 20 ms and no error, and its ratio to the baseline of the same worker count (target: every
endpoint >= 90% of the baseline). The server's CPU time per request (its processes read in /proc around each step)
is printed too, and /config's over each endpoint's: on a machine shared with other work the rates depend on what
else runs, the CPU spent per request much less. Last, each endpoint's URLs are answered by the ASGI application in
the bench's own process (``--in-process`` requests, no HTTP): the CPU per request there is the endpoint's own work,
the rest of the server's is what HTTP costs, the same for every endpoint.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
RATES = (
    10, 25, 50, 100, 150, 200, 300, 400, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12000,
    14000, 16000, 20000,
)  # fmt: skip
"""Requests per second of the ramp: up to 20,000, above what `/config` sustains here (it reached the earlier top,
12,000, on one worker in session 11; about 6,000 in session 8)."""

ENDPOINTS = ("/config", "/agencies/nearest", "/search", "/track/{code}", "/reverse")
"""The endpoints measured, by their route."""

TARGET_P99_MS = 20.0
"""p99 latency a sustained rate must keep, ms."""

REACHED = 0.95
"""Share of the asked rate a step must achieve to count as sustained."""

PER_CONNECTION = 25
"""Largest rate asked of one connection, req/s: pacing, not latency, sets the rate, and the connections are
many, as a service's clients are. With 100, a step of 600 req/s had 6 connections, which uvicorn's two workers
(taking connections from one socket) shared unevenly: /search sustained less on two workers than on one (session
8: 593 against 687 req/s, the two together using one core)."""

PACING = r"""
-- Paces the requests of a wrk thread (Lua state is per thread) to a fixed rate; reports the step as JSON.
local ffi = require("ffi")
ffi.cdef[[ typedef struct { long tv_sec; long tv_usec; } agn_timeval; int gettimeofday(agn_timeval *tv, void *tz); ]]
local tv = ffi.new("agn_timeval")
local function now_ms() ffi.C.gettimeofday(tv, nil); return tonumber(tv.tv_sec) * 1e3 + tonumber(tv.tv_usec) / 1e3 end
local paths, interval, next_at, i = {}, 0, nil, 0
init = function(args)
  for line in io.lines(args[1]) do paths[#paths + 1] = line end
  interval = tonumber(args[2])
  i = math.random(#paths)
end
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
delay = function()
  local now = now_ms()
  next_at = (next_at or now) + interval
  if next_at < now then next_at = now end
  return next_at - now
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests": %d, "duration_us": %d, "p50_us": %d, "p99_us": %d, "max_us": %d, '
    .. '"errors": %d}\n', summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    latency.max, e.connect + e.read + e.write + e.timeout + e.status))
end
"""


def ensure_wrk() -> str:
    """Path of ``wrk``; installs Debian's package when missing and this runs as root (and says so)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("bench/api.py: wrk not found; installing Debian's package: apt-get install -y wrk", flush=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], check=True, stdout=subprocess.DEVNULL)
        found = shutil.which("wrk")
    if not found:
        raise SystemExit("bench/api.py: needs wrk (Debian: apt-get install wrk)")
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int, workers: int, database: Path) -> subprocess.Popen:
    """``agencynet serve --workers N`` on loopback."""
    env = os.environ | {"AGENCYNET_DATABASE_URL": f"sqlite:///{database}", "AGENCYNET_TOKENS": "bench-token:planner"}
    command = [sys.executable, "-m", "api.cli", "serve", "--no-demo", "--port", str(port), "--workers", str(workers)]
    # Its own session, so that the server and its workers are stopped together.
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, start_new_session=True)


def stop_server(server: subprocess.Popen) -> None:
    """SIGTERM to the server's process group; SIGKILL when it has not exited within a minute."""
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait()


def cpu_seconds(pid: int) -> float:
    """CPU time (user and system) of a process and of its children (uvicorn's workers) so far, s (Linux /proc).

    On a machine shared with other work the rates a server sustains depend on what else runs; the CPU it spends
    per request does much less, so the bench reports both.
    """
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:  # the process ended meanwhile
            continue
        if int(stat.parent.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def seed_dossiers(database: Path, count: int, seed: int) -> list[str]:
    """Simulate ``count`` synthetic dossiers, ingest them into ``database``; their ``/track`` paths."""
    feed = database.with_suffix(".jsonl")
    cli = [sys.executable, "-m", "api.cli"]
    simulate = [*cli, "simulate-dossiers", "--quarter", "2026Q1", "--count", str(count), "--seed", str(seed)]
    subprocess.run([*simulate, "--out", str(feed)], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    ingest = [*cli, "ingest", str(feed), "--database", f"sqlite:///{database}", "--json"]
    subprocess.run(ingest, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    paths = []
    with feed.open(encoding="utf-8") as f:
        for line in f:
            record = json.loads(line)
            if record.get("type") == "dossier":
                digits = "".join(ch for ch in record["applicant"]["phone"] if ch.isdigit())
                code = urllib.parse.quote(record["code"], safe="")
                paths.append(f"/track/{code}?phone_last4={digits[-4:]}")
    return paths


def get(url: str, timeout: float = 60) -> bytes:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def wait_ready(base: str, server: subprocess.Popen, workers: int, timeout_s: float = 600) -> float:
    """Seconds until every worker answers (each loads the map and builds the search index at start-up)."""
    start = time.perf_counter()
    answered = 0
    while time.perf_counter() - start < timeout_s:
        if server.poll() is not None:
            raise SystemExit(f"the service exited with code {server.returncode}")
        try:
            get(f"{base}/search?q=hoan+kiem", timeout=5)
            answered += 1
            # Workers share the socket: enough answers in a row mean each has started.
            if answered >= 10 * workers:
                return time.perf_counter() - start
        except OSError:
            answered = 0
            time.sleep(0.5)
    raise SystemExit("the service did not start in time")


def road_points(base: str, n: int, seed: int) -> list[tuple[float, float]]:
    """``n`` seeded points on the map's roads (vertices of road lines), as (lon, lat)."""
    roads = json.loads(get(f"{base}/basemap/roads?detail=all"))
    vertices = [tuple(c) for f in roads["features"] for c in f["geometry"]["coordinates"]]
    rng = random.Random(seed)
    return [vertices[rng.randrange(len(vertices))] for _ in range(n)]


def search_queries() -> list[str]:
    with (ROOT / "tests" / "data" / "search_queries.csv").open(encoding="utf-8") as f:
        return [row["query"] for row in csv.DictReader(f)]


def in_process(endpoints: dict[str, list[str]], database: Path, requests: int) -> dict[str, float]:
    """CPU time per request (µs) of each endpoint answered by the ASGI application in this process, without
    HTTP: what the endpoint's own work costs, against which the server's CPU per request shows what uvicorn
    and the connection cost besides. Every answer must be a 200."""
    # The project's package, not this script (bench/api.py), which is "api" on the script's path.
    sys.path.insert(0, str(ROOT))
    from api.app import create_app
    from api.settings import Settings

    app = create_app(Settings(database_url=f"sqlite:///{database}", demo=False))

    async def answer(url: str) -> int:
        path, _, query = url.partition("?")
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": urllib.parse.unquote(path),
            "raw_path": path.encode(),
            "query_string": query.encode(),
            "root_path": "",
            "headers": [(b"host", b"127.0.0.1")],
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
        }
        sent: list[Any] = []

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: Any) -> None:
            sent.append(message)

        await app(scope, receive, send)
        return sent[0]["status"]

    async def measure() -> dict[str, float]:
        out = {}
        async with app.router.lifespan_context(app):
            for label, urls in endpoints.items():
                for url in urls[:200]:  # warm-up, as for the load
                    await answer(url)
                asked = [urls[i % len(urls)] for i in range(requests)]
                start = time.process_time()
                statuses = {await answer(url) for url in asked}
                out[label] = (time.process_time() - start) / requests * 1e6
                if statuses != {200}:
                    raise SystemExit(f"bench/api.py: {label} answered {sorted(statuses)} in process")
        return out

    return asyncio.run(measure())


def run_step(wrk: str, base: str, script: Path, paths: Path, rate: int, duration_s: float, server: int) -> dict:
    """One fixed-rate step with wrk; latencies in ms, the server's CPU time per request in ms."""
    connections = max(4, math.ceil(rate / PER_CONNECTION))
    interval_ms = 1000.0 / rate  # one schedule for the thread: its connections take the next free slot
    command = [wrk, "-t1", f"-c{connections}", f"-d{duration_s:g}s", "--timeout", "2s", "-s", str(script), base]
    cpu = cpu_seconds(server)
    out = subprocess.run([*command, "--", str(paths), f"{interval_ms:.4f}"], capture_output=True, text=True)
    cpu = cpu_seconds(server) - cpu
    line = next((x for x in out.stdout.splitlines() if x.startswith("{")), None)
    if out.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed: {out.stderr.strip() or out.stdout.strip()}")
    r = json.loads(line)
    return {
        "rate": rate,
        "achieved": r["requests"] / (r["duration_us"] / 1e6),
        "p50_ms": r["p50_us"] / 1e3,
        "p99_ms": r["p99_us"] / 1e3,
        "max_ms": r["max_us"] / 1e3,
        "errors": r["errors"],
        "requests": r["requests"],
        "cpu_s": cpu,
    }


def sustained(step: dict) -> bool:
    return step["p99_ms"] <= TARGET_P99_MS and not step["errors"] and step["achieved"] >= REACHED * step["rate"]


def ramp(
    wrk: str, base: str, script: Path, paths: Path, rates: list[int], duration_s: float, label: str, server: int
) -> dict:
    """Rates in turn until one is not sustained, then three bisection steps; the best sustained step (or None)
    and every step."""
    steps: list[dict] = []

    def step(rate: int) -> bool:
        result = run_step(wrk, base, script, paths, rate, duration_s, server)
        ok = sustained(result)
        steps.append(result | {"ok": ok})
        print(
            f"  {label:<18} {rate:5d} req/s asked, {result['achieved']:7.1f} achieved: p50 {result['p50_ms']:6.2f} ms  "
            f"p99 {result['p99_ms']:7.2f} ms  max {result['max_ms']:7.1f} ms  errors {result['errors']}  "
            f"server CPU {1e3 * result['cpu_s'] / max(result['requests'], 1):.2f} ms/request"
            + ("" if ok else "  <- not sustained"),
            flush=True,
        )
        return ok

    low, high = 0, None
    for rate in rates:
        if not step(rate):
            high = rate
            break
        low = rate
    for _ in range(3 if high is not None and low else 0):
        middle = (low + high) // 2
        if middle in (low, high):
            break
        if step(middle):
            low = middle
        else:
            high = middle
    best = max((s for s in steps if s["ok"]), key=lambda s: s["rate"], default=None)
    return {"label": label, "best": best, "steps": steps}


def cpu_ms(steps: list[dict], rate: int | None = None) -> tuple[float, int]:
    """The server's CPU time per request, ms, at ``rate`` (or the nearest rate run below it; the busiest step
    when None), and the rate it was read at: the server's idle work (timers, the collector) weighs more at low
    rates, so endpoints are compared at one rate."""
    below = [s for s in steps if rate is None or s["rate"] <= rate] or steps
    step = max(below, key=lambda s: (s["rate"], s["requests"]))
    return 1e3 * step["cpu_s"] / max(step["requests"], 1), step["rate"]


def print_tables(table: list[dict], rates: list[int]) -> None:
    """The table of the highest sustained rates, with the CPU per request, and the latencies at fixed rates."""
    print(f"\nmaximum sustained rate (p99 <= {TARGET_P99_MS:g} ms, no errors, >= {REACHED:.0%} of the asked rate):")
    print("(CPU: the server's CPU time per request at the endpoint's highest rate run, and /config's at that rate;")
    print(" 'by CPU': their ratio, the share of the baseline's rate the endpoint would sustain on cores of its own)")
    header = f"{'endpoint':<20}{'workers':>8}{'req/s':>8}{'p50 ms':>9}{'p99 ms':>9}{'vs /config':>12}"
    print(header + f"{'at req/s':>9}{'CPU ms':>8}{'/config':>8}{'by CPU':>8}")
    baseline = {r["workers"]: (r["best"] or {}).get("rate", 0) for r in table if r["label"] == "/config"}
    config_steps = {r["workers"]: r["steps"] for r in table if r["label"] == "/config"}
    for r in table:
        best = r["best"] or {"rate": 0, "p50_ms": float("nan"), "p99_ms": float("nan")}
        ratio = best["rate"] / baseline[r["workers"]] if baseline.get(r["workers"]) else float("nan")
        cpu, at = cpu_ms(r["steps"])
        base_cpu, _ = cpu_ms(config_steps[r["workers"]], at)
        print(
            f"{r['label']:<20}{r['workers']:>8}{best['rate']:>8}{best['p50_ms']:>9.2f}{best['p99_ms']:>9.2f}"
            f"{ratio:>11.0%}{at:>9}{cpu:>8.2f}{base_cpu:>8.2f}{base_cpu / cpu:>8.0%}"
        )
    print("\np50 / p99 latency (ms) at the fixed rates of the ramp ('-': not run, a lower rate was not sustained):")
    rates = [rate for rate in rates if any(s["rate"] == rate for r in table for s in r["steps"])]
    print(f"{'endpoint':<20}{'workers':>8}" + "".join(f"{rate:>13}" for rate in rates))
    for r in table:
        by_rate = {s["rate"]: s for s in r["steps"]}
        cells = [f"{by_rate[x]['p50_ms']:.1f}/{by_rate[x]['p99_ms']:.1f}" if x in by_rate else "-" for x in rates]
        print(f"{r['label']:<20}{r['workers']:>8}" + "".join(f"{c:>13}" for c in cells))


def print_costs(table: list[dict]) -> None:
    """Each endpoint's CPU per request in process beside the server's (one worker): what is its own work and
    what HTTP costs. The rate an endpoint sustains against /config's follows from their totals."""
    rows = [r for r in table if r["workers"] == 1 and r.get("in_process_us") is not None]
    own = {r["label"]: r["in_process_us"] for r in rows}
    if "/config" not in own:
        return
    print("\nCPU per request (µs): in process (the ASGI application, no HTTP) and in the server (1 worker, at")
    print("its highest rate run); their difference is what uvicorn, the connection and the loop cost besides:")
    print(f"{'endpoint':<20}{'in process':>12}{'server':>10}{'HTTP':>8}{'beyond /config':>16}")
    for r in rows:
        served = cpu_ms(r["steps"])[0] * 1e3
        cost = r["in_process_us"]
        print(f"{r['label']:<20}{cost:>12.0f}{served:>10.0f}{served - cost:>8.0f}{cost - own['/config']:>16.0f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per rate step (default 5)")
    parser.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")], default=list(RATES))
    parser.add_argument("--workers", type=lambda s: [int(x) for x in s.split(",")], default=[1, 2])
    parser.add_argument(
        "--endpoints",
        type=lambda s: s.split(","),
        default=list(ENDPOINTS),
        help="comma-separated, of " + ", ".join(ENDPOINTS) + " (default: all; /config is the baseline of the ratios)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dossiers", type=int, default=2000, help="synthetic dossiers to track (default 2,000)")
    parser.add_argument(
        "--in-process", type=int, default=5000, help="requests per endpoint answered in process (default 5,000)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    parser.add_argument("--tables", type=Path, help="only print the tables of an earlier run's JSON output")
    args = parser.parse_args()
    if unknown := sorted(set(args.endpoints) - set(ENDPOINTS)):
        parser.error(f"--endpoints: unknown {', '.join(unknown)}; expected some of {', '.join(ENDPOINTS)}")
    if "/config" not in args.endpoints:
        parser.error("--endpoints: /config is needed, the baseline of the ratios")
    if args.tables:
        runs = [line for line in args.tables.read_text().splitlines() if line.startswith("[")]
        if not runs:
            raise SystemExit(f"bench/api.py: no JSON table (a line starting with '[') in {args.tables}")
        print_tables(json.loads(runs[-1]), args.rates)
        print_costs(json.loads(runs[-1]))
        return

    wrk = ensure_wrk()
    version = subprocess.run([wrk, "-v"], capture_output=True, text=True).stdout.splitlines()[0]
    print(f"load generator: {version}; {os.cpu_count()} cores shared by server and generator", flush=True)
    print("load average before (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()), flush=True)
    table = []
    own: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "pacing.lua"
        script.write_text(PACING)
        database = Path(tmp) / "bench.sqlite"
        tracked = []
        if "/track/{code}" in args.endpoints:
            tracked = seed_dossiers(database, args.dossiers, args.seed)
            print(f"{len(tracked)} synthetic dossiers ingested for /track", flush=True)
        for workers in args.workers:
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            server = start_server(port, workers, database)
            try:
                ready = wait_ready(base, server, workers)
                print(f"agencynet serve --workers {workers}: ready in {ready:.0f} s", flush=True)
                # Drawn only when measured (5,000 requests); the same URLs as in a run of every endpoint.
                asked = {"/agencies/nearest", "/reverse"} & set(args.endpoints)
                points = road_points(base, 5000, args.seed) if asked else []
                rng = random.Random(args.seed)
                queries = [(q, k) for q in search_queries() for k in range(1, 11)]
                rng.shuffle(queries)
                endpoints = {
                    "/config": ["/config"],
                    "/agencies/nearest": [
                        f"/agencies/nearest?lat={lat:.6f}&lon={lon:.6f}&k={rng.randint(1, 5)}" for lon, lat in points
                    ],
                    "/search": [f"/search?{urllib.parse.urlencode({'q': q, 'k': k})}" for q, k in queries],
                    "/track/{code}": tracked,
                    "/reverse": [f"/reverse?lat={lat:.6f}&lon={lon:.6f}" for lon, lat in points],
                }
                endpoints = {label: urls for label, urls in endpoints.items() if label in args.endpoints}
                if not own:
                    own = in_process(endpoints, database, args.in_process)
                    print("in process, CPU per request: " + ", ".join(f"{k} {v:.0f} µs" for k, v in own.items()))
                for label, urls in endpoints.items():
                    paths = Path(tmp) / "paths.txt"
                    paths.write_text("\n".join(urls) + "\n")
                    for url in urls[:200]:  # warm-up: each worker loads its compiled kernels (numba's cache)
                        get(base + url)
                    result = ramp(wrk, base, script, paths, args.rates, args.duration, label, server.pid)
                    table.append(result | {"workers": workers, "in_process_us": own.get(label)})
            finally:
                stop_server(server)

    print_tables(table, args.rates)
    print_costs(table)
    # The server and wrk keep both cores busy at the top rates: other work shows as a load above about 2.
    print("\nload average after (1, 5, 15 min): {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    if args.json:
        print(json.dumps(table))


if __name__ == "__main__":
    main()
