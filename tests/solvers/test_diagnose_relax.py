"""Infeasibility is quantified by relaxing one constraint family at a time.

Each instance is small enough that the answer is known by hand (see the
docstrings); the assertions check both the numbers (``Finding``) and the
planner-facing messages of ``solvers.solve``.
"""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers.diagnose import diagnose
from gpuplace.solvers.diagnosis import relaxation_findings
from gpuplace.solvers.diagnosis.findings import NOT_ALONE, RESTORES
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.result import SolveParameters, Status
from gpuplace.topo.graph import make_topology
from support.solver_cases import tiny

FAST = SolveParameters(time_limit_s=10, gap=0.0, threads=1)


def findings_by_key(inst):
    model = build_model(inst)
    return {f.key: f for f in relaxation_findings(model, inst, time_limit_s=10.0)}


def budget_case(budget: float):
    """One site (fixed 900), demand 10, capex 10 per unit of throughput: cheapest plan 1,000."""
    return tiny([10.0], [[1.0]], fixed=[900.0], constraints=Constraints(budget=budget))


def test_budget_short_by_exact_amount():
    inst = budget_case(800.0)
    assert diagnose(inst) == []  # the pre-checks' per-unit bound (100) is below 800
    found = findings_by_key(inst)["budget"]
    assert found.verdict == RESTORES
    assert found.least == pytest.approx(1000.0)
    assert found.plan == pytest.approx(1000.0)
    assert found.optimal
    sol = solvers.solve(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE
    line = next(n for n in sol.notes if n.startswith("budget 800 "))
    assert "the cheapest costs 1,000" in line
    assert "raise the budget by 200, to 1,000" in line


def test_budget_message_uses_thousands_separators():
    inst = tiny(
        [1000.0],
        [[1.0]],
        power=[2000.0],
        fixed=[1_500_000.0],
        capex=(2000.0,),
        constraints=Constraints(budget=3e6),
    )
    # cheapest: 1,500,000 + 1,000 GPUs × 2,000 = 3,500,000
    sol = solvers.solve(inst, "highs", FAST)
    line = next(n for n in sol.notes if n.startswith("budget 3,000,000 "))
    assert "the cheapest costs 3,500,000" in line and "by 500,000 (500 k)" in line


def power_case():
    """Sites s0 (6 kW), s1 (3 kW); one region of demand 10 (1 kW and 1 unit per GPU); max_sites 1.

    Together the sites hold only 9 GPUs; with one site, s0 needs 4 kW more.
    """
    return tiny([10.0], [[1.0, 1.0]], power=[6.0, 3.0], constraints=Constraints(max_sites=1))


def test_power_short_at_one_site():
    inst = power_case()
    inst_two = tiny([10.0], [[1.0, 1.0]], power=[6.0, 4.0], constraints=Constraints(max_sites=1))
    assert diagnose(inst_two) == []
    found = findings_by_key(inst_two)["power"]
    assert found.verdict == RESTORES
    assert found.least == pytest.approx(4.0)
    assert found.details == (("site s0", pytest.approx(4.0)),)
    sol = solvers.solve(inst_two, "highs", FAST)
    line = next(n for n in sol.notes if n.startswith("site power is short"))
    assert "at least 4 kW more site power" in line and "site s0 +4 kW" in line
    # With 6 + 3 kW even two sites fall short: the pre-check says so by how much.
    assert any("total demand 10 exceeds" in r and "by at least 1" in r for r in diagnose(inst))


def test_max_sites_too_small_needs_two():
    """Regions r0, r1 each reach only their own site; max_sites 1."""
    inst = tiny([1.0, 1.0], [[1.0, np.inf], [np.inf, 1.0]], constraints=Constraints(max_sites=1))
    assert diagnose(inst) == []
    found = findings_by_key(inst)["site_count:max"]
    assert found.verdict == RESTORES
    assert found.least == 2 and found.plan == 2 and found.optimal
    sol = solvers.solve(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE
    assert any(
        n.startswith("max_sites 1 is too small")
        and "opens at least 2 sites" in n
        and "a plan with 2 sites exists" in n
        for n in sol.notes
    )


def test_min_sites_against_budget_both_fixes_quantified():
    """Two sites (fixed 100 each), one region of demand 1 (capex 10); budget 150, min_sites 2.

    One site costs 110, two cost 210: either drop min_sites (at most 1 site fits the budget)
    or raise the budget by 60.
    """
    inst = tiny(
        [1.0],
        [[1.0, 1.0]],
        fixed=[100.0, 100.0],
        constraints=Constraints(min_sites=2, budget=150.0),
    )
    assert diagnose(inst) == []
    found = findings_by_key(inst)
    assert found["site_count:min"].verdict == RESTORES
    assert found["site_count:min"].least == 1 and found["site_count:min"].plan == 1
    assert found["budget"].least == pytest.approx(210.0)
    sol = solvers.solve(inst, "highs", FAST)
    notes = sol.notes
    assert any(n.startswith("min_sites 2 is too large") and "at most 1 site;" in n for n in notes)
    assert any(n.startswith("budget 150 ") and "raise the budget by 60, to 210" in n for n in notes)
    assert any(n.startswith("any one of these changes alone") for n in notes)


def link_case(capacity_gbps: float):
    """Site s0 at node a, region r0 attached at node b, link a-b; 8 Gbit/s of traffic."""
    topo = make_topology(
        ["a", "b"],
        [0.0, 0.0],
        [0.0, 0.1],
        [("a", "b")],
        latency_ms=[1.0],
        capacity_gbps=[capacity_gbps],
    )
    return build_instance(
        topology=topo,
        site_ids=["s0"],
        site_node=[0],
        site_power_kw=[100.0],
        region_ids=["r0"],
        region_lat=[0.0],
        region_lon=[0.1],
        region_node=[1],
        region_demand=[8.0],
        region_sla_rtt_ms=[100.0],
        region_gbps_per_unit=[1.0],
        gpu_types=["g"],
        gpu_capex=[10.0],
        gpu_power_kw=[1.0],
        gpu_throughput=[1.0],
    )


def test_link_short_by_exact_gbps():
    inst = link_case(5.0)
    assert diagnose(inst) == []
    found = findings_by_key(inst)["link_capacity"]
    assert found.verdict == RESTORES
    assert found.least == pytest.approx(3.0)
    assert found.details == (("link a -> b", pytest.approx(3.0)),)
    sol = solvers.solve(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE
    line = next(n for n in sol.notes if n.startswith("link capacity is short"))
    assert "at least 3 Gbit/s more link capacity" in line and "link a -> b +3 Gbit/s" in line


def test_link_case_is_feasible_with_enough_capacity():
    assert solvers.solve(link_case(8.0), "highs", FAST).status == Status.OPTIMAL


def test_family_that_alone_does_not_help_is_named():
    """Regions r0, r1 each reach only their own site (fixed 100); max_sites 1, budget 300.

    Two sites cost 220, within the budget: dropping max_sites restores a plan, while
    dropping the budget alone leaves max_sites unmet.
    """
    inst = tiny(
        [1.0, 1.0],
        [[1.0, np.inf], [np.inf, 1.0]],
        fixed=[100.0, 100.0],
        constraints=Constraints(max_sites=1, budget=300.0),
    )
    found = findings_by_key(inst)
    assert found["budget"].verdict == NOT_ALONE
    assert found["site_count:max"].verdict == RESTORES
    sol = solvers.solve(inst, "highs", FAST)
    assert any(
        n.startswith("relaxing only one of these still leaves no plan") and "budget" in n
        for n in sol.notes
    )


def test_region_out_of_reach_is_named_by_precheck():
    inst = tiny([1.0, 5.0], [[1.0], [80.0]], sla=[100.0, 50.0])
    sol = solvers.solve(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE
    assert (
        len(sol.notes) == 1 and "r1" in sol.notes[0] and "no site within their SLA" in sol.notes[0]
    )


def test_sovereignty_leaving_a_region_no_site_is_named():
    inst = tiny(
        [1.0, 2.0],
        [[1.0, 10.0], [10.0, 1.0]],
        node_country=["AU", "NZ"],
        region_allowed_countries=[frozenset({"SG"}), None],
    )
    sol = solvers.solve(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE
    assert any("sovereignty" in n and "r0" in n and "SG" in n for n in sol.notes)


def test_survivability_rounds_claim_bounds_only():
    """Line instance of tests/resilience: cheapest survivable plan 5,500; budget 3,000.

    solve_survivable's model holds only the failures found so far, so the budget
    message may state a bound (never "the cheapest costs") and the survivability
    family itself restores a plan when dropped.
    """
    from gpuplace.resilience import solve_survivable
    from support.resilience_cases import line_instance

    inst = line_instance(Constraints(survive_site_failure=True, budget=3000.0))
    sol = solve_survivable(inst, "highs", FAST)
    assert sol.status == Status.INFEASIBLE
    line = next(n for n in sol.notes if n.startswith("budget 3,000 "))
    assert "(proven bound)" in line and "cheapest costs" not in line
    assert "some single-site failures only" in line
    assert any(n.startswith("survive_site_failure cannot hold") for n in sol.notes)


def test_numbers_rounded_on_the_safe_side():
    from gpuplace.solvers.diagnosis import fmt

    assert fmt.number(999.99999997, "down") == "1,000"
    assert fmt.number(1000.4, "down") == "1,000"
    assert fmt.number(1000.4, "up") == "1,001"
    assert fmt.number(3.21, "up", "kW") == "3.3 kW"
    assert fmt.short(1_987_147, "down") == "1.98 M"
    assert fmt.short(500_000) == "500 k"


def test_redundancy_against_power():
    """Demand 10 on s0 (10 kW) and s1 (4 kW), redundancy 2: each site may serve only 5."""
    inst = tiny([10.0], [[1.0, 1.0]], power=[10.0, 4.0], constraints=Constraints(redundancy=2))
    assert diagnose(inst) == []
    found = findings_by_key(inst)
    assert found["redundancy"].verdict == RESTORES
    assert found["power"].least == pytest.approx(1.0)
    assert found["power"].details == (("site s1", pytest.approx(1.0)),)


def test_single_sourcing_against_power():
    """Demand 10 on two sites of 6 kW each: only a split serves it."""
    inst = tiny(
        [10.0], [[1.0, 1.0]], power=[6.0, 6.0], constraints=Constraints(single_sourcing=True)
    )
    assert diagnose(inst) == []
    found = findings_by_key(inst)
    assert found["single_sourcing"].verdict == RESTORES
    assert found["power"].least == pytest.approx(4.0)
    sol = solvers.solve(inst, "highs", FAST)
    assert any(n.startswith("single_sourcing cannot hold") for n in sol.notes)


def test_custom_country_cap_short_by_gpus():
    """Demand 10 (one GPU per unit) at the only site, in AU; at most 7 GPUs in AU."""
    from gpuplace.scenario.instance import CustomConstraintSpec

    spec = CustomConstraintSpec(
        "max_gpus_per_country", {"country": "AU", "max_gpus": 7}, "constraints.custom[0]"
    )
    inst = tiny(
        [10.0],
        [[1.0]],
        node_country=["AU"],
        site_country=["AU"],
        constraints=Constraints(custom=(spec,)),
    )
    found = findings_by_key(inst)["max_gpus_per_country[AU]"]
    assert found.verdict == RESTORES
    assert found.least == pytest.approx(3.0)
    sol = solvers.solve(inst, "highs", FAST)
    assert any(
        n.startswith("custom constraint max_gpus_per_country[AU] is short")
        and "its limit raised by at least 3 GPUs" in n
        and "a plan exists with it raised by 3 GPUs" in n
        for n in sol.notes
    )
