"""What a Python script prints under several string-hash seeds: a result must not depend on ``PYTHONHASHSEED``
(set and dict orders of strings follow it from one process to the next)."""

from __future__ import annotations

import os
import subprocess
import sys


def outputs(script: str, seeds: tuple[str, ...] = ("1", "2")) -> list[str]:
    """The standard output of ``script`` run by this interpreter under each of ``seeds``; each run must succeed."""
    runs = [
        subprocess.run(
            [sys.executable, "-c", script], env=os.environ | {"PYTHONHASHSEED": seed}, capture_output=True, text=True
        )
        for seed in seeds
    ]
    failed = [run.stderr[-2000:] for run in runs if run.returncode != 0]
    assert not failed, failed[0]
    return [run.stdout for run in runs]
