"""Fixtures of the routing tests."""

from __future__ import annotations

import pytest
import routing_cases

from routing.problem import Problem


@pytest.fixture
def day() -> Problem:
    """Two postmen, three shuttles, a result return to a household and a home pickup in a window."""
    return routing_cases.day()
