"""Benchmark the dispatch engine on Solomon VRPTW and Li & Lim PDPTW against VROOM and the best known.

Both solvers get the same instances, the same time budget per instance and run in the same process. VROOM
(pyvroom) runs with its default objective at exploration level 5 and stops on its own (usually well under a
second) or at the budget. Distances are recomputed in double precision from the coordinates for both, and both
plans are verified in double precision (every customer once, capacity, windows, pairs in order).

Usage::

    python bench/vrp.py [--instances lc101,r101] [--time-limit 30] [--csv OUT.csv]

Gap to the best known is hierarchical: it is given only where the vehicle count equals the best known's.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from routing import alns, instances

log = logging.getLogger("bench.vrp")


def default_instances(root: Path) -> list[tuple[Path, str]]:
    """All Li & Lim 100-task and Solomon 100-customer files."""
    lilim = sorted((root / "lilim" / "100").glob("*.txt"))
    solomon = sorted((root / "solomon").glob("*.txt"))
    return [(p, "lilim") for p in lilim] + [(p, "solomon") for p in solomon]


def select(root: Path, names: str | None) -> list[tuple[Path, str]]:
    """The instances named (case-insensitive, comma-separated), or all by default."""
    every = default_instances(root)
    if not names:
        return every
    by_name = {p.stem.lower(): (p, fmt) for p, fmt in every}
    wanted = [n.strip().lower() for n in names.split(",") if n.strip()]
    missing = [n for n in wanted if n not in by_name]
    if missing:
        raise SystemExit(f"unknown instances: {', '.join(missing)}")
    return [by_name[n] for n in wanted]


def solve_vroom(inst: instances.Instance, *, time_limit_s: float, threads: int) -> list[list[int]]:
    """VROOM's routes (customer ids, depot excluded) on the same scaled, rounded-up integer matrix."""
    import vroom

    s = instances.SCALE
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=np.ceil(inst.distances() * s - 1e-6).astype(np.int64))

    def tw(i: int) -> list:
        return [vroom.TimeWindow(round(inst.ready[i] * s), round(inst.due[i] * s))]

    for k in range(inst.vehicles):
        inp.add_vehicle(vroom.Vehicle(k, start=0, end=0, capacity=[inst.capacity], time_window=tw(0)[0]))
    for i in range(1, len(inst.xy)):
        service = round(inst.service[i] * s)
        if inst.format == "solomon":
            inp.add_job(
                vroom.Job(
                    i, i, default_service=service, delivery=vroom.Amount([int(inst.demand[i])]), time_windows=tw(i)
                )
            )
        elif inst.demand[i] > 0:
            j = int(inst.sibling[i])
            inp.add_shipment(
                vroom.ShipmentStep(i, i, default_service=service, time_windows=tw(i)),
                vroom.ShipmentStep(j, j, default_service=round(inst.service[j] * s), time_windows=tw(j)),
                amount=vroom.Amount([int(inst.demand[i])]),
            )
    sol = inp.solve(exploration_level=5, nb_threads=threads, timeout=timedelta(seconds=time_limit_s))
    routes = sol.routes
    out = []
    for _, group in routes.groupby("vehicle_id", sort=True):
        ids = [int(x) for x, kind in zip(group["id"], group["type"], strict=False) if kind not in ("start", "end")]
        if ids:
            out.append(ids)
    return out


def load_bks(root: Path) -> pd.DataFrame:
    """Best known vehicles and distances of both sets, indexed by lower-case instance name."""
    frames = [pd.read_csv(root / name) for name in ("bks_solomon.csv", "bks_lilim.csv")]
    bks = pd.concat(frames)
    bks["key"] = bks["instance"].str.lower()
    return bks.set_index("key")[["vehicles", "distance"]]


def run_one(path: Path, fmt: str, *, time_limit_s: float, threads: int, bks: pd.DataFrame) -> dict:
    """Both solvers on one instance; vehicles, distances, feasibility and ratios."""
    inst = instances.read(path, fmt)
    row: dict = {"instance": inst.name, "set": fmt}
    started = time.perf_counter()
    try:
        ours = instances.solve_benchmark(path, fmt, time_limit_s=time_limit_s)
        row.update(vehicles=ours["vehicles"], distance=ours["distance"], feasible=True)
    except ValueError as exc:
        log.warning("%s: %s", inst.name, exc)
        row.update(vehicles=np.nan, distance=np.nan, feasible=False)
    row["time_s"] = round(time.perf_counter() - started, 1)
    started = time.perf_counter()
    vr = solve_vroom(inst, time_limit_s=time_limit_s, threads=threads)
    row["vroom_time_s"] = round(time.perf_counter() - started, 1)
    row["vroom_feasible"] = not instances.exact_violations(inst, vr)
    row["vroom_vehicles"] = len(vr)
    row["vroom_distance"] = round(instances.exact_distance(inst, vr), 2)
    ref = bks.loc[inst.name.lower()]
    row["bks_vehicles"], row["bks_distance"] = int(ref["vehicles"]), float(ref["distance"])
    row["gap_pct"] = (
        round(100 * (row["distance"] / row["bks_distance"] - 1), 2)
        if row["feasible"] and row["vehicles"] == row["bks_vehicles"]
        else np.nan
    )
    row["vroom_gap_pct"] = (
        round(100 * (row["vroom_distance"] / row["bks_distance"] - 1), 2)
        if row["vroom_vehicles"] == row["bks_vehicles"]
        else np.nan
    )
    row["ratio_vroom"] = round(row["distance"] / row["vroom_distance"], 4) if row["feasible"] else np.nan
    return row


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """The figures of the issue's target, for OR-Tools (ours) and for VROOM."""
    n = len(table)
    ok = table["feasible"]
    rows = {
        "instances": (n, n),
        "feasible": (int(ok.sum()), int(table["vroom_feasible"].sum())),
        "vehicles <= other": (
            int((table["vehicles"] <= table["vroom_vehicles"]).sum()),
            int((table["vroom_vehicles"] <= table["vehicles"]).sum()),
        ),
        "vehicles == BKS": (
            int((table["vehicles"] == table["bks_vehicles"]).sum()),
            int((table["vroom_vehicles"] == table["bks_vehicles"]).sum()),
        ),
        "total vehicles": (int(table["vehicles"].sum()), int(table["vroom_vehicles"].sum())),
        "mean distance ratio ours/VROOM": (round(float(table["ratio_vroom"].mean()), 4), 1.0),
        "mean gap % where vehicles = BKS": (
            round(float(table["gap_pct"].mean()), 2),
            round(float(table["vroom_gap_pct"].mean()), 2),
        ),
    }
    return pd.DataFrame(rows, index=["OR-Tools (agencynet)", "VROOM"]).T


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instances", help="comma-separated names, e.g. lc101,r101 (default: all 112)")
    parser.add_argument("--time-limit", type=float, default=30.0, help="seconds per instance and solver")
    parser.add_argument("--vroom-threads", type=int, default=2, help="threads for VROOM (default 2)")
    parser.add_argument("--csv", type=Path, help="also write the per-instance table here")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    root = instances.benchmarks_dir()
    chosen = select(root, args.instances)
    bks = load_bks(root)
    alns.warm_up()  # compiles the numba code before any clock starts (VROOM comes compiled)
    rows = []
    for path, fmt in tqdm(chosen, desc="instances", unit="inst"):
        rows.append(run_one(path, fmt, time_limit_s=args.time_limit, threads=args.vroom_threads, bks=bks))
    table = pd.DataFrame(rows)
    if args.csv:
        table.to_csv(args.csv, index=False)
    columns = [
        "instance", "vehicles", "distance", "vroom_vehicles", "vroom_distance", "bks_vehicles",
        "bks_distance", "gap_pct", "ratio_vroom", "time_s",
    ]  # fmt: skip
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table[columns].to_string(index=False))
        print(f"\nsummary at {args.time_limit:g} s per instance, {len(table)} instances:")
        print(summary(table).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
