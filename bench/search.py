"""Benchmark of the text search's own time per query (``geo.search.SearchIndex.hits``), by kind of query.

Run from the repository root::

    python bench/search.py [--data ../shared/data/hanoi] [--repeat 7] [--json]

Each query of ``tests/data/search_queries.csv`` (225 real queries) and of :data:`NEAR` (queries read as "X near
Y": with a near word, beginning with a kind of agency, or near the asker's point) is answered ``--repeat`` times
in turn; its time is the best of these (the least disturbed by the rest of the machine). It prints the mean,
median and 90th percentile per group, and each group's mean as a ratio to the query list's, measured in the same
run: the list is the baseline, since the machine's speed varies from hour to hour more than the code's.
"""

from __future__ import annotations

import argparse
import csv
import json
import statistics
import sys
import time
from pathlib import Path

from tqdm import tqdm

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from geo import addressmap  # noqa: E402
from geo.search import SearchIndex  # noqa: E402

LAKE_SHORE = (105.8520, 21.0287)
"""The asker's point of the "gần đây" queries: the west shore of Hoàn Kiếm lake (longitude, latitude)."""

NEAR: dict[str, list[tuple[str, tuple[float, float] | None]]] = {
    "near word": [
        ("bưu điện gần hồ gươm", None),
        ("viettel post cạnh chợ đồng xuân", None),
        ("FPT Shop near the Temple of Literature", None),
        ("bưu điện gần 10 phố huế", None),
    ],
    "kind first": [
        ("bưu điện hồ gươm", None),
        ("viettel post kim mã", None),
        ("fpt shop văn miếu", None),
        ("bưu điện phường hoàn kiếm", None),
    ],
    "names one": [("bưu điện cầu giấy", None), ("Bưu điện Quốc tế", None), ("fpt shop đống đa", None)],
    "near here": [("bưu điện gần đây", LAKE_SHORE), ("fpt shop gần nhất", LAKE_SHORE)],
    "procedure": [
        ("đổi bằng lái xe gần hồ gươm", None),
        ("làm căn cước ở đâu", LAKE_SHORE),
        ("viettel post làm lý lịch tư pháp", LAKE_SHORE),
        ("nộp hồ sơ đất đai ở hoàn kiếm", None),
    ],
}
"""Queries read near a place, by how (see ``SearchIndex.query``): the last group asks where to take a procedure."""


def query_list() -> list[tuple[str, tuple[float, float] | None]]:
    with (ROOT / "tests" / "data" / "search_queries.csv").open(encoding="utf-8") as f:
        return [(row["query"], None) for row in csv.DictReader(f)]


def best_times(index: SearchIndex, queries: list[tuple[str, tuple[float, float] | None]], repeat: int) -> list[float]:
    """Best of ``repeat`` times (µs) of each query, answered in turn (one warm-up pass first)."""
    hits = index.hits
    for text, focus in queries:
        hits(text, k=10, focus=focus)
    best = [float("inf")] * len(queries)
    for _ in tqdm(range(repeat), desc="passes", unit="pass"):
        for i, (text, focus) in enumerate(queries):
            start = time.perf_counter()
            hits(text, k=10, focus=focus)
            best[i] = min(best[i], (time.perf_counter() - start) * 1e6)
    return best


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    return {
        "queries": len(times),
        "mean_us": statistics.fmean(times),
        "median_us": statistics.median(times),
        "p90_us": ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="data directory (default: AGENCYNET_DATA)")
    parser.add_argument("--repeat", type=int, default=7, help="passes over the queries (default 7)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON at the end")
    args = parser.parse_args()
    amap = addressmap.load(data_dir=args.data)
    groups = {"query list": query_list(), **NEAR}
    queries = [q for group in groups.values() for q in group]
    times = best_times(amap.search, queries, args.repeat)
    out, at = {}, 0
    for name, group in groups.items():
        out[name] = summary(times[at : at + len(group)])
        at += len(group)
    baseline = out["query list"]["mean_us"]
    print(f"{'group':<12} {'queries':>7} {'mean µs':>8} {'median':>7} {'p90':>7} {'vs list':>8}")
    for name, row in out.items():
        row["vs_list"] = row["mean_us"] / baseline
        print(
            f"{name:<12} {row['queries']:>7d} {row['mean_us']:>8.0f} {row['median_us']:>7.0f} {row['p90_us']:>7.0f} "
            f"{row['vs_list']:>7.2f}x"
        )
    if args.json:
        print(json.dumps(out))


if __name__ == "__main__":
    main()
