"""Benchmark of ``geo.siting.PMedian`` on OR-Library pmed1-40 against the proven optima and PySAL spopt.

Run from the repository root::

    python bench/siting.py [--instances pmed1,pmed6] [--time-limit 60] [--spopt-max-n 200] [--no-spopt]

For every instance it prints our objective, the optimum (``bks_pmed.csv``), the gap, our time, spopt's
``PMedian`` (PuLP + CBC) time where it finishes within the limit, and the time ratio. Times count the model
build and the solve from the distance matrix (reading the file and the all-pairs shortest paths excluded,
for both). spopt runs in a child process killed at the time limit; larger instances than ``--spopt-max-n``
are not attempted (spopt needs 192 s at n = 200 on a 2-core machine).
"""

from __future__ import annotations

import argparse
import csv
import json
import logging
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo.siting import pmed  # noqa: E402
from geo.siting.pmedian import PMedian  # noqa: E402


def spopt_worker(path: Path) -> None:
    """Child process: solve one instance with spopt + CBC and print its objective and time as JSON."""
    import numpy as np
    import pulp
    from spopt.locate import PMedian as SpoptPMedian

    inst = pmed.read(path)
    start = time.perf_counter()
    n = inst.distances.shape[0]
    model = SpoptPMedian.from_cost_matrix(inst.distances, np.ones(n), p_facilities=inst.p)
    model.solve(pulp.PULP_CBC_CMD(msg=False, threads=1))
    elapsed = time.perf_counter() - start
    print(json.dumps({"objective": float(pulp.value(model.problem.objective)), "time_s": elapsed}))


def run_spopt(path: Path, time_limit_s: float) -> dict | None:
    """spopt's result on ``path``, or ``None`` when it does not finish within the limit."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--spopt-worker", str(path)]
    # A new session so that CBC, a grandchild, dies with the child at the time limit.
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        out, _ = proc.communicate(timeout=time_limit_s + 15.0)  # + start-up and matrix computation
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    if proc.returncode != 0:
        return None
    result = json.loads(out.decode().strip().splitlines()[-1])
    return result if result["time_s"] <= time_limit_s else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", default=",".join(f"pmed{k}" for k in range(1, 41)))
    parser.add_argument("--time-limit", type=float, default=60.0, help="seconds per instance (default 60)")
    parser.add_argument("--spopt-max-n", type=int, default=200, help="largest n given to spopt (default 200)")
    parser.add_argument("--no-spopt", action="store_true", help="skip the spopt comparison")
    parser.add_argument("--spopt-worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.spopt_worker:
        spopt_worker(args.spopt_worker)
        return 0
    from tqdm import tqdm

    logging.basicConfig(level=logging.WARNING)
    folder = pmed.benchmarks_dir()
    with open(folder / "bks_pmed.csv", newline="") as fh:
        optimum = {row["instance"]: float(row["optimal"]) for row in csv.DictReader(fh)}
    names = [name.strip() for name in args.instances.split(",") if name.strip()]
    rows = []
    for name in tqdm(names, desc="pmed", unit="instance"):
        inst = pmed.read(folder / "pmed" / f"{name}.txt")
        start = time.perf_counter()
        model = PMedian.from_matrix(inst.distances, p=inst.p).solve(time_limit_s=args.time_limit)
        ours = time.perf_counter() - start
        spopt = None
        n = inst.distances.shape[0]
        if not args.no_spopt and n <= args.spopt_max_n:
            spopt = run_spopt(folder / "pmed" / f"{name}.txt", args.time_limit)
        best = optimum.get(name, math.nan)
        row = {
            "instance": name,
            "n": n,
            "p": inst.p,
            "objective": model.objective,
            "optimum": best,
            "gap_pct": 100 * (model.objective - best) / best,
            "proven": model.optimal,
            "time_s": ours,
            "spopt_objective": None if spopt is None else spopt["objective"],
            "spopt_time_s": None if spopt is None else spopt["time_s"],
            "attempted": not args.no_spopt and n <= args.spopt_max_n,
        }
        rows.append(row)
        tqdm.write(format_row(row))
    print_summary(rows, args.time_limit)
    return 0


def format_row(row: dict) -> str:
    if row["spopt_time_s"] is not None:
        ratio = row["spopt_time_s"] / max(row["time_s"], 1e-6)
        spopt = f"spopt {row['spopt_objective']:>8.0f} in {row['spopt_time_s']:7.2f} s  ratio {ratio:7.1f}x"
    elif row["attempted"]:
        spopt = "spopt did not finish within the limit"
    else:
        spopt = "spopt not attempted"
    return (
        f"{row['instance']:>7} n={row['n']:>3} p={row['p']:>3}  objective {row['objective']:>8.0f}  "
        f"optimum {row['optimum']:>8.0f}  gap {row['gap_pct']:6.3f}%  {'proven' if row['proven'] else 'open  '}  "
        f"time {row['time_s']:6.2f} s  {spopt}"
    )


def print_summary(rows: list[dict], time_limit_s: float) -> None:
    print("\n" + "\n".join(format_row(row) for row in rows))
    at_opt = sum(abs(row["gap_pct"]) < 1e-9 for row in rows)
    proven = sum(row["proven"] for row in rows)
    times = [row["time_s"] for row in rows]
    within = sum(t <= time_limit_s for t in times)
    print(
        f"\nsummary: {at_opt}/{len(rows)} at the optimum, {proven}/{len(rows)} proven optimal, "
        f"{within}/{len(rows)} within {time_limit_s:g} s; time max {max(times):.2f} s, "
        f"mean {sum(times) / len(times):.2f} s, total {sum(times):.1f} s"
    )
    ratios = [row["spopt_time_s"] / max(row["time_s"], 1e-6) for row in rows if row["spopt_time_s"] is not None]
    tried = sum(row["attempted"] for row in rows)
    if ratios:
        geo_mean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(
            f"spopt (PuLP/CBC) finished {len(ratios)}/{tried} attempted; speed-up min {min(ratios):.1f}x, "
            f"geometric mean {geo_mean:.1f}x, max {max(ratios):.1f}x"
        )
    elif tried:
        print(f"spopt (PuLP/CBC) finished 0/{tried} attempted within the limit")


if __name__ == "__main__":
    raise SystemExit(main())
