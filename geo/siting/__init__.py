"""Location-allocation on travel-time matrices: where the next agencies should open.

Models follow spopt's shape: build with ``from_matrix`` (or ``from_layers``), call
``solve(time_limit_s=...)``, read ``sites``, ``new_sites``, ``assignment``, ``objective``, ``bound`` and
``gap``. In every model ``p`` counts the NEW sites, opened in addition to ``fixed_open`` (the existing
agencies, which stay open).

Modules: :mod:`~geo.siting.pmedian`, :mod:`~geo.siting.coverage` (max coverage, set cover),
:mod:`~geo.siting.pcenter`, :mod:`~geo.siting.capacitated`, :mod:`~geo.siting.pmed` (OR-Library benchmark).
"""

from geo.siting.capacitated import CapacitatedPMedian
from geo.siting.coverage import MaxCoverage, SetCover
from geo.siting.pcenter import PCenter
from geo.siting.pmedian import PMedian

__all__ = ["CapacitatedPMedian", "MaxCoverage", "PCenter", "PMedian", "SetCover"]
