"""Benchmark the dispatch engine on Solomon VRPTW and Li & Lim PDPTW against VROOM and the best known.

Both solvers get the same instances, the same time budget per instance and run in the same process. VROOM
(pyvroom) runs twice, at exploration level 5, stopping on its own (usually within seconds) or at the budget:
with its default objective (travel time; ``vroom``) and with a fixed cost per vehicle above any distance, i.e.
the benchmark's own objective, fewest vehicles first (``vroom_fleet``). Distances are recomputed in double
precision from the coordinates for all, and all plans are verified in double precision (every customer once,
capacity, windows, pairs in order). The compiled search is warmed up before any clock starts.

Distance ratios between plans with different vehicle counts compare different trade-offs (fewer vehicles
cost distance), so the summary also gives the ratio over the instances where the counts are equal, and the
ratio of the best known plans themselves to VROOM's.

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


VROOM_RUNS = {"vroom": 0, "vroom_fleet": 10**8}
"""VROOM configurations compared: name -> fixed cost per vehicle, in scaled distance units."""


def solve_vroom(inst: instances.Instance, *, time_limit_s: float, threads: int, fixed: int = 0) -> list[list[int]]:
    """VROOM's routes (customer ids, depot excluded) on the same scaled, rounded-up integer matrix."""
    import vroom

    s = instances.SCALE
    inp = vroom.Input()
    inp.set_durations_matrix(profile="car", matrix_input=np.ceil(inst.distances() * s - 1e-6).astype(np.int64))

    def tw(i: int) -> list:
        return [vroom.TimeWindow(round(inst.ready[i] * s), round(inst.due[i] * s))]

    for k in range(inst.vehicles):
        inp.add_vehicle(
            vroom.Vehicle(
                k,
                start=0,
                end=0,
                capacity=[inst.capacity],
                time_window=tw(0)[0],
                costs=vroom.VehicleCosts(fixed=fixed),
            )
        )
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
    ref = bks.loc[inst.name.lower()]
    row["bks_vehicles"], row["bks_distance"] = int(ref["vehicles"]), float(ref["distance"])
    row["gap_pct"] = _gap(row["vehicles"], row["distance"], row) if row["feasible"] else np.nan
    for name, fixed in VROOM_RUNS.items():
        started = time.perf_counter()
        vr = solve_vroom(inst, time_limit_s=time_limit_s, threads=threads, fixed=fixed)
        row[f"{name}_time_s"] = round(time.perf_counter() - started, 1)
        row[f"{name}_feasible"] = not instances.exact_violations(inst, vr)
        row[f"{name}_vehicles"] = len(vr)
        row[f"{name}_distance"] = round(instances.exact_distance(inst, vr), 2)
        row[f"{name}_gap_pct"] = _gap(len(vr), row[f"{name}_distance"], row)
        row[f"ratio_{name}"] = round(row["distance"] / row[f"{name}_distance"], 4) if row["feasible"] else np.nan
    return row


def _gap(vehicles: int, distance: float, row: dict) -> float:
    """Percent above the best known distance, only where the vehicle count equals the best known's."""
    return round(100 * (distance / row["bks_distance"] - 1), 2) if vehicles == row["bks_vehicles"] else np.nan


def summary(table: pd.DataFrame, vroom_run: str) -> pd.DataFrame:
    """The figures of the issue's target, for agencynet and one VROOM configuration."""
    n = len(table)
    ours, theirs = table["vehicles"], table[f"{vroom_run}_vehicles"]
    ratio = table[f"ratio_{vroom_run}"]
    equal = ours == theirs
    rows = {
        "instances": (n, n),
        "feasible": (int(table["feasible"].sum()), int(table[f"{vroom_run}_feasible"].sum())),
        "vehicles <= other": (int((ours <= theirs).sum()), int((theirs <= ours).sum())),
        "vehicles == BKS": (int((ours == table["bks_vehicles"]).sum()), int((theirs == table["bks_vehicles"]).sum())),
        "total vehicles": (int(ours.sum()), int(theirs.sum())),
        "mean distance ratio to VROOM": (round(float(ratio.mean()), 4), 1.0),
        f"  same vehicle count ({int(equal.sum())})": (round(float(ratio[equal].mean()), 4), 1.0),
        "  best known / VROOM": (round(float((table["bks_distance"] / table[f"{vroom_run}_distance"]).mean()), 4), 1.0),
        "mean gap % where vehicles = BKS": (
            round(float(table["gap_pct"].mean()), 2),
            round(float(table[f"{vroom_run}_gap_pct"].mean()), 2),
        ),
    }
    return pd.DataFrame(rows, index=["agencynet", vroom_run]).T


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
        "instance", "vehicles", "distance", "vroom_vehicles", "vroom_distance", "vroom_fleet_vehicles",
        "vroom_fleet_distance", "bks_vehicles", "bks_distance", "gap_pct", "ratio_vroom", "ratio_vroom_fleet",
    ]  # fmt: skip
    with pd.option_context("display.width", 250, "display.max_rows", 500):
        print(table[columns].to_string(index=False))
        for run in VROOM_RUNS:
            print(f"\nsummary against {run} at {args.time_limit:g} s per instance, {len(table)} instances:")
            print(summary(table, run).to_string())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
