"""Dispatch of postmen with OR-Tools: shuttles of dossiers, result returns and home pickups.

Modules: :mod:`routing.problem` (the validated problem), :mod:`routing.solver` (solve and re-optimise into a
:class:`routing.plan.Plan`), :mod:`routing.check` (independent checker) and :mod:`routing.instances`
(Solomon and Li & Lim benchmarks), :mod:`routing.errors` (its exceptions). ``routing`` takes matrices and plain
records; it imports nothing from ``geo`` (the map is composed with it in :mod:`ops.scenario`).
"""
