"""Greedy: pieces with extra variable blocks, failover rows, partial plans within a budget."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.resilience.survivable import FailureCaseRows
from gpuplace.scenario.instance import Constraints, Objective
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.model.objective import total_cost
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters, Status
from gpuplace.solvers.verify import verify_plan
from support.limits_cases import mid_size
from support.tiny_instance import SETTINGS, make_tiny

PARAMS = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=0)
HAS_HIGHS = solvers.available_solvers().get("highs", False)


def _verified(instance, solution) -> dict:
    plan = build_plan(instance, solution, solver_settings=SETTINGS)
    assert verify_plan(instance, plan) == [], [str(v) for v in verify_plan(instance, plan)]
    return plan


def test_survive_site_failure_plan_is_survivable():
    instance = make_tiny(Constraints(survive_site_failure=True))
    solution = solvers.solve(instance, solver="greedy", params=PARAMS)
    assert solution.status == Status.FEASIBLE, solution.notes
    _verified(instance, solution)


def test_extra_variable_blocks_are_completed():
    # The failure-case piece adds one block of failover variables for the failed sites.
    instance = make_tiny()
    pieces = [FailureCaseRows([instance.site_ids.index(s) for s in ("s1", "s2", "s4")])]
    model = build_model(instance, extra_pieces=pieces)
    assert any(name.startswith("failover") for name in model.var_blocks)
    solution = solvers.solve(instance, solver="greedy", params=PARAMS, extra_pieces=pieces)
    assert solution.status == Status.FEASIBLE, solution.notes
    _verified(instance, solution)
    if HAS_HIGHS:
        exact = solvers.solve(instance, solver="highs", params=PARAMS, extra_pieces=pieces)
        assert solution.objective >= exact.objective - 1e-6


def test_served_with_budget_builds_a_partial_plan():
    budget = 800.0  # serves everything from 900 on
    instance = make_tiny(
        Constraints(budget=budget, allow_unserved=True), objective=Objective(kind="served")
    )
    solution = solvers.solve(instance, solver="greedy", params=PARAMS)
    assert solution.status == Status.FEASIBLE, solution.notes
    assert total_cost(instance, solution.open_sites, solution.new_gpus) <= budget + 1e-6
    assert 0 < solution.objective < float(instance.region_demand.sum())
    _verified(instance, solution)


@pytest.mark.parametrize("fraction", [0.1, 0.4])
def test_served_with_budget_on_a_larger_instance(fraction):
    base = mid_size(n_regions=120, n_sites=40, seed=5)
    full = solvers.solve(base, solver="greedy", params=PARAMS)
    assert full.status == Status.FEASIBLE
    budget = fraction * total_cost(base, full.open_sites, full.new_gpus)
    instance = dataclasses.replace(
        base,
        constraints=dataclasses.replace(base.constraints, budget=budget, allow_unserved=True),
        objective=Objective(kind="served"),
    )
    solution = solvers.solve(instance, solver="greedy", params=PARAMS)
    assert solution.status == Status.FEASIBLE, solution.notes
    assert total_cost(instance, solution.open_sites, solution.new_gpus) <= budget * (1 + 1e-9)
    assert solution.objective > 0
    _verified(instance, solution)


def test_more_budget_serves_at_least_as_much_on_the_tiny_instance():
    served = []
    for budget in (300.0, 750.0, 800.0, 900.0, 5000.0):
        instance = make_tiny(
            Constraints(budget=budget, allow_unserved=True), objective=Objective(kind="served")
        )
        solution = solvers.solve(instance, solver="greedy", params=PARAMS)
        served.append(solution.objective or 0.0)
    assert served == sorted(served)
    assert served[-1] == pytest.approx(float(make_tiny().region_demand.sum()))


def test_cost_objective_without_unserved_still_fails_cleanly_over_budget():
    instance = make_tiny(Constraints(budget=10.0))
    solution = solvers.solve(instance, solver="greedy", params=PARAMS)
    assert solution.status in (Status.NO_SOLUTION, Status.INFEASIBLE)
    assert solution.objective is None
    assert np.all(solution.new_gpus == 0)


@pytest.mark.parametrize("capacity_gbps", [[3.0, 3.0, 5.0], [2.0, 2.0, 2.0], [1.0, 4.0, 2.0]])
def test_demand_is_placed_within_link_bandwidth(capacity_gbps):
    tiny = make_tiny()
    topology = dataclasses.replace(tiny.topology, edge_capacity_gbps=np.array(capacity_gbps))
    instance = make_tiny(topology=topology)
    solution = solvers.solve(instance, solver="greedy", params=PARAMS)
    if HAS_HIGHS:
        exact = solvers.solve(instance, solver="highs", params=PARAMS)
        if exact.status == Status.INFEASIBLE:
            assert solution.status == Status.NO_SOLUTION
            return
        assert solution.objective >= exact.objective - 1e-6
    assert solution.status == Status.FEASIBLE, solution.notes
    _verified(instance, solution)
