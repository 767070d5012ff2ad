"""One test per rule: a plan that passes except for one defect is caught, by that rule."""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pytest

from gpuplace.scenario.instance import CustomConstraintSpec
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import Status
from gpuplace.solvers.verify import Violation, verify_plan
from support.tiny_instance import SETTINGS, make_solution, make_tiny, with_constraints


def names(violations: list[Violation]) -> set[str]:
    return {v.constraint for v in violations}


def plan_for(instance, **solution):
    return build_plan(instance, make_solution(instance, **solution), solver_settings=SETTINGS)


def only(violations: list[Violation], rule: str) -> list[Violation]:
    assert violations, f"expected a {rule!r} violation"
    assert names(violations) == {rule}, [str(v) for v in violations]
    return violations


def test_correct_plan_passes(tiny, tiny_plan):
    assert verify_plan(tiny, tiny_plan) == []


def test_violation_is_frozen_and_printable():
    v = Violation("sla", "r1->s1", "too slow", 1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        v.amount = 0.0  # type: ignore[misc]
    assert str(v) == "sla [r1->s1]: too slow"


# --- structure and ids ---------------------------------------------------------------


def test_missing_field(tiny, tiny_plan):
    del tiny_plan["kpis"]
    v = only(verify_plan(tiny, tiny_plan), "schema")
    assert v[0].subject == "kpis"


def test_wrong_type(tiny, tiny_plan):
    tiny_plan["assignments"][0]["share"] = "1.0"
    v = only(verify_plan(tiny, tiny_plan), "schema")
    assert v[0].subject == "assignments[0].share"


def test_wrong_schema_name(tiny, tiny_plan):
    tiny_plan["schema"] = "gpuplace.plan/0"
    only(verify_plan(tiny, tiny_plan), "schema")


def test_plan_without_solution(tiny):
    plan = plan_for(tiny, status=Status.INFEASIBLE)
    only(verify_plan(tiny, plan), "status")


def test_unknown_site(tiny, tiny_plan):
    ghost = dict(tiny_plan["sites"][0], id="ghost")
    tiny_plan["sites"].append(ghost)
    v = only(verify_plan(tiny, tiny_plan), "unknown_id")
    assert v[0].subject == "ghost"


def test_unknown_link(tiny, tiny_plan):
    tiny_plan["links"].append(
        {"source": "A", "target": "D", "load_gbps": 0.0, "capacity_gbps": 10.0}
    )
    v = only(verify_plan(tiny, tiny_plan), "unknown_id")
    assert v[0].subject == "A->D"


def test_duplicate_site_row(tiny, tiny_plan):
    tiny_plan["sites"].append(copy.deepcopy(tiny_plan["sites"][1]))
    only(verify_plan(tiny, tiny_plan), "duplicate")


def test_site_node(tiny, tiny_plan):
    tiny_plan["sites"][0]["node"] = "B"
    v = only(verify_plan(tiny, tiny_plan), "site_node")
    assert v[0].subject == "s1"


# --- shares, demand, unserved ----------------------------------------------------------


def test_share_sum(tiny):
    plan = plan_for(tiny, shares={("r1", "s1"): 1.0, ("r2", "s1"): 0.5, ("r3", "s2"): 1.0})
    v = only(verify_plan(tiny, plan), "share_sum")
    assert v[0].subject == "r2"
    assert v[0].amount == pytest.approx(2.5)


def test_share_range(tiny, tiny_plan):
    tiny_plan["assignments"][0]["share"] = 1.5
    assert "share_range" in names(verify_plan(tiny, tiny_plan))


def test_assignment_demand(tiny, tiny_plan):
    tiny_plan["assignments"][1]["demand"] = 3.0
    v = only(verify_plan(tiny, tiny_plan), "assignment_demand")
    assert v[0].subject == "r2->s1"


def test_unserved_not_allowed(tiny):
    shares = {("r1", "s1"): 1.0, ("r2", "s1"): 0.5, ("r2", "s2"): 0.5}
    plan = plan_for(tiny, shares=shares, unserved=[0.0, 0.0, 4.0])
    v = only(verify_plan(tiny, plan), "unserved")
    assert v[0].subject == "r3"
    allowed = with_constraints(tiny, allow_unserved=True)
    assert (
        verify_plan(
            allowed,
            build_plan(
                allowed,
                make_solution(allowed, shares=dict(shares), unserved=[0.0, 0.0, 4.0]),
                solver_settings=SETTINGS,
            ),
        )
        == []
    )


def test_served_objective_may_leave_demand_unserved(tiny):
    import dataclasses

    from gpuplace.scenario.instance import Objective

    shares = {("r1", "s1"): 1.0, ("r2", "s1"): 0.5, ("r2", "s2"): 0.5}
    served = dataclasses.replace(tiny, objective=Objective(kind="served"))
    solution = make_solution(served, shares=dict(shares), unserved=[0.0, 0.0, 4.0])
    plan = build_plan(served, solution, solver_settings=SETTINGS)
    assert verify_plan(served, plan) == []
    plan["unserved"][0]["demand"] = 3.0  # shares + unserved must still cover the demand
    assert [(v.constraint, v.subject) for v in verify_plan(served, plan)] == [("share_sum", "r3")]


# --- latency ---------------------------------------------------------------------------


def test_reported_rtt_wrong(tiny, tiny_plan):
    tiny_plan["assignments"][3]["rtt_ms"] += 0.5
    v = only(verify_plan(tiny, tiny_plan), "rtt")
    assert v[0].subject == "r3->s2"
    assert v[0].amount == pytest.approx(0.5)


def test_sla(tiny, tiny_plan):
    sla = tiny.region_sla_rtt_ms.copy()
    sla[1] = 3.0  # r2 -> s1 is 4.17 ms
    instance = dataclasses.replace(tiny, region_sla_rtt_ms=sla)
    v = only(verify_plan(instance, tiny_plan), "sla")
    assert v[0].subject == "r2->s1"
    assert v[0].amount == pytest.approx(4.16679262 - 3.0)


def test_sovereignty(tiny, tiny_plan):
    allowed = (None, frozenset({"NZ"}), None)
    instance = dataclasses.replace(tiny, region_allowed_countries=allowed)
    v = only(verify_plan(instance, tiny_plan), "sovereignty")
    assert v[0].subject == "r2->s1"
    off = with_constraints(instance, sovereignty=False)
    assert verify_plan(off, tiny_plan) == []


def test_unreachable_with_matrix_only(tiny, tiny_plan):
    instance = dataclasses.replace(
        tiny,
        matrix_region=np.array([0, 1, 2]),
        matrix_site=np.array([0, 1, 1]),
        matrix_rtt_ms=np.array([0.16679262035029935, 0.16679262035029935, 1.2787434226856282]),
        matrix_only=True,
    )
    v = only(verify_plan(instance, tiny_plan), "unreachable")
    assert v[0].subject == "r2->s1"


def test_attach_node_not_nearest():
    base = make_tiny(region_node=[-1, -1, 2])  # r3 (next to D) attached to C
    plan = plan_for(base)
    assert verify_plan(base, plan) == []  # given in the file: accepted
    derived = dataclasses.replace(base, region_node_given=np.array([False, False, False]))
    v = only(verify_plan(derived, plan), "attach_node")
    assert v[0].subject == "r3"


# --- sites -----------------------------------------------------------------------------


def test_capacity(tiny, tiny_plan):
    instance = with_constraints(tiny, max_utilisation=0.64)  # s2 is at 0.65
    v = only(verify_plan(instance, tiny_plan), "capacity")
    assert [x.subject for x in v] == ["s2"]
    assert v[0].amount == pytest.approx(6.5 - 6.4)


def test_power_with_pue(tiny, tiny_plan):
    power = tiny.site_power_kw.copy()
    power[0] = 2.3  # 2 H100 x 1 kW x pue 1.2 = 2.4 kW
    instance = dataclasses.replace(tiny, site_power_kw=power)
    v = only(verify_plan(instance, tiny_plan), "power")
    assert v[0].subject == "s1"
    assert v[0].amount == pytest.approx(0.1)


def test_space(tiny, tiny_plan):
    space = tiny.site_max_gpus.copy()
    space[0] = 1
    v = only(verify_plan(dataclasses.replace(tiny, site_max_gpus=space), tiny_plan), "space")
    assert v[0].subject == "s1"


def test_gpus_not_integer(tiny, tiny_plan):
    tiny_plan["sites"][1]["gpus"]["H100"] = 1.5
    assert "gpus_integer" in names(verify_plan(tiny, tiny_plan))


def test_existing_gpus_removed(tiny, tiny_plan):
    existing = np.array([[3, 0], [0, 0], [0, 0], [0, 0]])
    instance = dataclasses.replace(tiny, site_existing_gpus=existing)
    found = names(verify_plan(instance, tiny_plan))
    assert "existing_gpus" in found
    assert found <= {"existing_gpus", "new_gpus", "kpi", "objective"}


def test_new_gpus_inconsistent(tiny, tiny_plan):
    tiny_plan["sites"][0]["new_gpus"] = {"H100": 1}
    only(verify_plan(tiny, tiny_plan), "new_gpus")


def test_closed_site_used(tiny, tiny_plan):
    status = tiny.site_status.copy()
    status[0] = 2
    v = only(verify_plan(dataclasses.replace(tiny, site_status=status), tiny_plan), "closed_site")
    assert v[0].subject == "s1"


def test_open_status_site_not_opened(tiny, tiny_plan):
    status = tiny.site_status.copy()
    status[3] = 1
    v = only(verify_plan(dataclasses.replace(tiny, site_status=status), tiny_plan), "open_site")
    assert v[0].subject == "s4"


def test_site_with_gpus_not_open(tiny):
    plan = plan_for(tiny, open_sites=[True, False, False, False])
    v = only(verify_plan(tiny, plan), "open_flag")
    assert v[0].subject == "s2"


def test_site_report_mismatch(tiny, tiny_plan):
    tiny_plan["sites"][0]["served_demand"] = 12.0
    v = only(verify_plan(tiny, tiny_plan), "site_report")
    assert v[0].subject == "s1"


def test_min_gpus_per_site(tiny, tiny_plan):
    v = only(
        verify_plan(with_constraints(tiny, min_gpus_per_site=2), tiny_plan), "min_gpus_per_site"
    )
    assert [x.subject for x in v] == ["s2"]


def test_open_site_without_gpus_counts(tiny):
    plan = plan_for(tiny, open_sites=[True, True, False, True])
    assert {"id": "s4", "gpus": {}, "open": True}.items() <= plan["sites"][-1].items()
    assert verify_plan(tiny, plan) == []
    only(verify_plan(with_constraints(tiny, min_gpus_per_site=1), plan), "min_gpus_per_site")


# --- plan-wide -------------------------------------------------------------------------


def test_max_sites(tiny, tiny_plan):
    v = only(verify_plan(with_constraints(tiny, max_sites=1), tiny_plan), "max_sites")
    assert v[0].amount == 1.0


def test_min_sites(tiny, tiny_plan):
    only(verify_plan(with_constraints(tiny, min_sites=3), tiny_plan), "min_sites")


def test_single_sourcing(tiny, tiny_plan):
    v = only(
        verify_plan(with_constraints(tiny, single_sourcing=True), tiny_plan), "single_sourcing"
    )
    assert "r2" in {x.subject for x in v}


def test_redundancy(tiny, tiny_plan):
    v = only(verify_plan(with_constraints(tiny, redundancy=2), tiny_plan), "redundancy")
    assert {x.subject for x in v} == {"r1", "r3"}


def test_budget(tiny, tiny_plan):
    v = only(verify_plan(with_constraints(tiny, budget=2000.0), tiny_plan), "budget")
    assert v[0].amount == pytest.approx(150.0)


def test_survive_site_failure(tiny, tiny_plan):
    v = only(
        verify_plan(with_constraints(tiny, survive_site_failure=True), tiny_plan),
        "survive_site_failure",
    )
    assert {x.subject for x in v} == {"s1"}  # s1 alone (20 units) carries all 19
    # 2 H100 at each site: either one alone carries all 19 units.
    plan = plan_for(tiny, new_gpus=[[2, 0], [2, 0], [0, 0], [0, 0]])
    assert verify_plan(with_constraints(tiny, survive_site_failure=True), plan) == []


def test_custom_constraint(tiny, tiny_plan):
    spec = CustomConstraintSpec(
        "max_gpus_per_country", {"country": "AU", "max_gpus": 1}, "constraints.custom[0]"
    )
    instance = with_constraints(tiny, custom=(spec,))
    v = only(verify_plan(instance, tiny_plan), "custom:max_gpus_per_country")
    assert v[0].subject == "constraints.custom[0]"


# --- links -----------------------------------------------------------------------------


def test_link_capacity(tiny):
    capacity = tiny.topology.edge_capacity_gbps.copy()
    capacity[2] = 3.0  # C-D carries 4 Gbit/s towards r3
    topology = dataclasses.replace(tiny.topology, edge_capacity_gbps=capacity)
    instance = dataclasses.replace(tiny, topology=topology)
    plan = plan_for(instance)
    v = only(verify_plan(instance, plan), "link_capacity")
    assert v[0].subject == "C->D"
    assert v[0].amount == pytest.approx(1.0)
    assert verify_plan(with_constraints(instance, link_capacity=False), plan) == []


def test_link_load_misreported(tiny, tiny_plan):
    tiny_plan["links"][0]["load_gbps"] = 3.0
    v = only(verify_plan(tiny, tiny_plan), "link_load")
    assert "A->B" in {x.subject for x in v}


def test_link_load_missing_row(tiny, tiny_plan):
    tiny_plan["links"] = [row for row in tiny_plan["links"] if row["source"] != "A"]
    v = only(verify_plan(tiny, tiny_plan), "link_load")
    assert "A->B" in {x.subject for x in v}


def test_link_capacity_misreported(tiny, tiny_plan):
    tiny_plan["links"][0]["capacity_gbps"] = None
    only(verify_plan(tiny, tiny_plan), "link_report")


# --- numbers ---------------------------------------------------------------------------


def test_kpi(tiny, tiny_plan):
    tiny_plan["kpis"]["mean_rtt_ms"] += 0.1
    v = only(verify_plan(tiny, tiny_plan), "kpi")
    assert v[0].subject == "kpis.mean_rtt_ms"


def test_kpi_gpus(tiny, tiny_plan):
    tiny_plan["kpis"]["gpus"] = {"H100": 3, "L40S": 1}
    v = only(verify_plan(tiny, tiny_plan), "kpi")
    assert v[0].subject == "kpis.gpus.L40S"


def test_objective(tiny, tiny_plan):
    tiny_plan["objective"] = 2100.0
    v = only(verify_plan(tiny, tiny_plan), "objective")
    assert v[0].amount == pytest.approx(50.0)


def test_gap(tiny):
    plan = plan_for(tiny, bound=2000.0)
    assert plan["gap"] == pytest.approx(150.0 / 2150.0)
    assert verify_plan(tiny, plan) == []
    plan["gap"] = 0.0
    only(verify_plan(tiny, plan), "gap")


def test_tolerance_is_relative(tiny, tiny_plan):
    tiny_plan["objective"] = 2150.0 * (1 + 1e-8)
    assert verify_plan(tiny, tiny_plan) == []
    assert names(verify_plan(tiny, tiny_plan, tolerance=1e-10)) == {"objective"}
