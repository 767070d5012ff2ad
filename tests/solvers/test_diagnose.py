"""Infeasibility is explained in planner terms."""

from __future__ import annotations

import numpy as np

from gpuplace import solvers
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers.diagnose import diagnose, explain_infeasible
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.result import SolveParameters, Status
from support.solver_cases import base, tiny

FAST = SolveParameters(time_limit_s=10, gap=0.0, threads=1)


def test_feasible_instance_has_no_findings():
    assert diagnose(base()) == []


def test_region_out_of_reach_named_with_demand():
    inst = tiny([1.0, 5.0], [[1.0], [80.0]], sla=[100.0, 50.0])
    found = diagnose(inst)
    assert len(found) == 1
    assert "r1" in found[0] and "demand 5" in found[0] and "SLA 50" in found[0]
    sol = solvers.solve(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE and sol.objective is None
    assert sol.notes == tuple(found)


def test_sovereignty_leaving_no_site():
    inst = base(node_country=["AU", "NZ"], region_allowed_countries=[frozenset({"SG"}), None, None])
    found = diagnose(inst)
    assert any("sovereignty" in f and "r0" in f for f in found)


def test_total_demand_above_capacity():
    inst = base(power=[2.0, 3.0])
    found = diagnose(inst)
    assert any("total demand 6 exceeds" in f and "by at least 1" in f for f in found)


def test_budget_below_cheapest_service():
    found = diagnose(base(constraints=Constraints(budget=50.0)))
    assert any("budget 50" in f for f in found)


def test_site_counts():
    assert any("min_sites is 3" in f for f in diagnose(base(constraints=Constraints(min_sites=3))))
    assert any(
        "max_sites is 1" in f
        for f in diagnose(base(site_status=[1, 1], constraints=Constraints(max_sites=1)))
    )


def test_redundancy_needs_sites():
    inst = tiny([1.0], [[1.0, np.inf]], constraints=Constraints(redundancy=2))
    assert any("redundancy 2" in f for f in diagnose(inst))


def test_budget_quantified_when_prechecks_find_nothing():
    # Budget 105 is above the per-unit lower bound (60) but below any real plan (110).
    inst = base(constraints=Constraints(budget=105.0))
    sol = solvers.solve(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE
    assert any(
        n.startswith("budget 105 ") and "the cheapest costs 110" in n and "by 5, to 110" in n
        for n in sol.notes
    )


def test_families_named_without_the_instance():
    inst = base(constraints=Constraints(budget=105.0))
    notes = explain_infeasible(build_model(inst), time_limit_s=5.0)
    assert any("budget" in n and "constraint families" in n for n in notes)
