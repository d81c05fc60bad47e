"""The OR-Library p-median reader and benchmark entry point."""

from __future__ import annotations

import numpy as np
import pytest

from geo.siting import PMedian, pmed


def test_reader_keeps_the_last_of_duplicate_edges(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text(" 4 4 1 \n 1 2 5 \n 2 3 1 \n 2 1 2 \n 2 4 1 \n")
    inst = pmed.read(path)
    assert (inst.name, inst.p) == ("tiny", 1)
    np.testing.assert_array_equal(inst.distances[0], [0, 2, 3, 3])
    np.testing.assert_array_equal(inst.distances, inst.distances.T)


def test_solve_benchmark_on_a_tiny_file(tmp_path):
    path = tmp_path / "tiny.txt"
    path.write_text("4 4 1\n1 2 5\n2 3 1\n2 1 2\n2 4 1\n")
    result = pmed.solve_benchmark(path, time_limit_s=5)
    # node 2 (2 + 0 + 1 + 1 = 4) is the best single median, with the last 1-2 edge counted
    assert result == {"instance": "tiny", "p": 1, "objective": 4, "lower_bound": 4, "medians": [2]}


def test_solve_benchmark_reaches_the_pmed1_optimum():
    path = pmed.benchmarks_dir() / "pmed" / "pmed1.txt"
    if not path.is_file():
        pytest.skip(f"benchmark files not found at {path}")
    result = pmed.solve_benchmark(path, time_limit_s=30)
    assert result["objective"] == 5819 and result["lower_bound"] == 5819
    assert len(result["medians"]) == result["p"] == 5


def test_pmed1_model_reports_zero_gap_when_proven():
    path = pmed.benchmarks_dir() / "pmed" / "pmed1.txt"
    if not path.is_file():
        pytest.skip(f"benchmark files not found at {path}")
    inst = pmed.read(path)
    model = PMedian.from_matrix(inst.distances, p=inst.p).solve(time_limit_s=30)
    assert model.optimal and model.gap == 0.0 and model.bound == model.objective == 5819
