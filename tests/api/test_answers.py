"""The compiled writer of nearest-agency answers writes numbers as ``repr(round(x, decimals))`` would."""

from __future__ import annotations

import math

import numpy as np
import pytest

from api.answers import _decimal


def _written(x: float, decimals: int) -> str:
    out = np.zeros(64, dtype=np.uint8)
    return out[: _decimal(out, 0, x, decimals)].tobytes().decode()


@pytest.mark.parametrize("decimals", [1, 7])
def test_decimals_as_python_rounds_and_prints_them(decimals: int) -> None:
    rng = np.random.default_rng(decimals)
    values = np.concatenate(
        [rng.uniform(105.7, 105.9, 3000), rng.uniform(0, 5000, 3000), rng.integers(0, 10**6, 500) / 10**decimals]
    )
    differ = [x for x in values.tolist() if _written(x, decimals) != repr(round(x, decimals))]
    # Only a value within a rounding error of a tie may go the other way than Python's exact decimal rounding.
    assert len(differ) <= 2, differ[:5]
    for x in differ:
        assert abs(float(_written(x, decimals)) - x) <= 0.5 * 10**-decimals + 1e-12


def test_special_values() -> None:
    assert [_written(x, 1) for x in (0.0, 0.04, 0.05, 9.96, -12.34, math.inf, math.nan)] == [
        "0.0",
        "0.0",
        "0.1",
        "10.0",
        "-12.3",
        "null",
        "null",
    ]
    assert _written(105.85, 7) == "105.85" and _written(21.0, 7) == "21.0"
