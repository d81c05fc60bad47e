"""Readers of the Solomon and Li & Lim benchmark files, and one real instance solved and checked."""

from __future__ import annotations

import pytest

from routing import check, instances

ROOT = instances.benchmarks_dir()
pytestmark = pytest.mark.skipif(not ROOT.is_dir(), reason=f"benchmark files not found at {ROOT}")


def test_read_solomon_with_crlf():
    path = ROOT / "solomon" / "R101.txt"
    assert b"\r\n" in path.read_bytes()
    inst = instances.read(path, "solomon")
    assert (inst.name, inst.customers, inst.vehicles, inst.capacity) == ("R101", 100, 25, 200)
    assert tuple(inst.xy[0]) == (35.0, 35.0) and inst.due[0] == 230
    assert (inst.demand[1], inst.ready[1], inst.due[1], inst.service[1]) == (10, 161, 171, 10)


def test_read_lilim_pairs():
    inst = instances.read(ROOT / "lilim" / "100" / "lc101.txt", "lilim")
    assert (inst.name, inst.vehicles, inst.capacity) == ("lc101", 25, 200)
    assert inst.customers == 106
    pickups = [i for i in range(1, len(inst.xy)) if inst.demand[i] > 0]
    assert len(pickups) == 53
    for i in pickups:
        j = inst.sibling[i]
        assert inst.demand[j] == -inst.demand[i] and inst.sibling[j] == i


def test_to_problem_keeps_the_structure():
    inst = instances.read(ROOT / "lilim" / "100" / "lc101.txt", "lilim")
    problem = instances.to_problem(inst)
    assert len(problem.tasks) == 53 and len(problem.postmen) == 25
    assert all(t.mandatory and t.kind == "shuttle" for t in problem.tasks)


def test_solve_benchmark_gives_a_checked_feasible_plan():
    path = ROOT / "lilim" / "100" / "lc101.txt"
    result = instances.solve_benchmark(path, "lilim", time_limit_s=3.0)
    inst = instances.read(path, "lilim")
    assert sorted(c for r in result["routes"] for c in r) == list(range(1, 107))
    assert instances.exact_violations(inst, result["routes"]) == []
    assert result["vehicles"] == len(result["routes"]) >= 10
    assert result["distance"] == pytest.approx(instances.exact_distance(inst, result["routes"]), abs=0.01)


def test_solomon_plan_passes_the_checker():
    inst = instances.read(ROOT / "solomon" / "C101.txt", "solomon")
    problem, plan = instances.solve_instance(inst, time_limit_s=3.0)
    assert check.check(problem, plan).violations == ()
    assert plan.vehicles >= 10


def test_tuning_turns_on_the_lns_operators_and_sets_the_gls_coefficient():
    from ortools.util import optional_boolean_pb2

    from routing import solver

    params = solver.search_parameters(time_limit_s=1.0)
    instances._tuning(lns=True, gls_lambda=0.5)(params)
    for name in instances.LNS_OPERATORS:
        assert getattr(params.local_search_operators, name) == optional_boolean_pb2.BOOL_TRUE
    assert params.guided_local_search_lambda_coefficient == 0.5
    default = solver.search_parameters(time_limit_s=1.0)
    instances._tuning(lns=False)(default)
    assert default == solver.search_parameters(time_limit_s=1.0)
