"""build_plan on the hand-solved tiny instance: every number known in advance."""

from __future__ import annotations

import json
import math

import pytest

from gpuplace.scenario.instance import Objective
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import Status
from gpuplace.solvers.verify import schema_problems, verify_plan
from support.tiny_instance import SETTINGS, make_solution, with_constraints

KM_PER_DEGREE = math.pi / 180.0 * 6371.0088
ACCESS_MS = 0.1 * KM_PER_DEGREE * 1.5 / 200.0
CD_MS = KM_PER_DEGREE / 200.0
RTT = {
    ("r1", "s1"): 2 * ACCESS_MS,
    ("r2", "s1"): 2 * (ACCESS_MS + 2.0),
    ("r2", "s2"): 2 * ACCESS_MS,
    ("r3", "s2"): 2 * (ACCESS_MS + CD_MS),
}


def test_plan_has_every_contract_field(tiny_plan):
    assert schema_problems(tiny_plan) == []
    assert tiny_plan["schema"] == "gpuplace.plan/1"
    assert tiny_plan["scenario"]["name"] == "tiny"
    assert tiny_plan["solver"] == {
        "name": "hand",
        "version": "1",
        "time_limit_s": 10.0,
        "gap": 0.0,
        "threads": 1,
        "seed": 0,
    }
    json.dumps(tiny_plan, allow_nan=False)  # JSON-ready


def test_costs_and_kpis(tiny_plan):
    # fixed 1000 + 800; capex 2 x 100 (factor 1) + 1 x 100 (factor 1.5)
    assert tiny_plan["kpis"]["total_cost"] == pytest.approx(2150.0)
    assert tiny_plan["cost_breakdown"] == pytest.approx(
        {"fixed": 1800.0, "gpu_capex": 350.0, "latency_cost": 0.0, "unserved_penalty": 0.0}
    )
    assert tiny_plan["objective"] == pytest.approx(2150.0)
    k = tiny_plan["kpis"]
    assert k["sites_open"] == 2
    assert k["gpus"] == {"H100": 3}
    assert k["served_fraction"] == 1.0
    weighted = (
        10 * RTT["r1", "s1"] + 2.5 * RTT["r2", "s1"] + 2.5 * RTT["r2", "s2"] + 4 * RTT["r3", "s2"]
    )
    assert k["mean_rtt_ms"] == pytest.approx(weighted / 19.0)
    # sorted RTTs with weights 12.5 (0.167 ms), 4 (1.28 ms), 2.5 (4.17 ms): 95 % of 19 is 18.05
    assert k["p95_rtt_ms"] == pytest.approx(RTT["r2", "s1"])
    assert k["max_link_utilisation"] == pytest.approx(0.4)


def test_sites(tiny_plan):
    s1, s2 = tiny_plan["sites"]
    assert s1 == {
        "id": "s1",
        "node": "A",
        "lat": 0.0,
        "lon": 0.0,
        "country": "AU",
        "open": True,
        "gpus": {"H100": 2},
        "new_gpus": {"H100": 2},
        "power_kw": pytest.approx(2.4),
        "served_demand": 12.5,
        "utilisation": 0.625,
        "fixed_cost": 1000.0,
    }
    assert s2["power_kw"] == pytest.approx(1.0)
    assert s2["served_demand"] == pytest.approx(6.5)
    assert s2["utilisation"] == pytest.approx(0.65)


def test_assignments_and_links(tiny_plan):
    got = {(a["region"], a["site"]): a for a in tiny_plan["assignments"]}
    assert set(got) == set(RTT)
    for key, rtt in RTT.items():
        assert got[key]["rtt_ms"] == pytest.approx(rtt, rel=1e-9)
    assert got["r2", "s1"]["demand"] == 2.5
    # the share's demand, and the whole demand of the region it is a share of
    assert (got["r2", "s1"]["served_demand"], got["r2", "s1"]["region_demand"]) == (2.5, 5.0)
    assert got["r3", "s2"]["served_demand"] == got["r3", "s2"]["region_demand"] == 4.0
    links = {(x["source"], x["target"]): x["load_gbps"] for x in tiny_plan["links"]}
    # traffic flows from the serving site to the region
    assert links == {("A", "B"): 2.5, ("B", "C"): 2.5, ("C", "D"): 4.0}
    assert tiny_plan["unserved"] == []


def test_tiny_shares_are_left_out(tiny):
    shares = {
        ("r1", "s1"): 1.0,
        ("r2", "s1"): 0.5,
        ("r2", "s2"): 0.5,
        ("r3", "s2"): 1.0,
        ("r1", "s2"): 1e-12,
    }
    plan = build_plan(tiny, make_solution(tiny, shares=shares), solver_settings=SETTINGS)
    assert ("r1", "s2") not in {(a["region"], a["site"]) for a in plan["assignments"]}
    assert verify_plan(tiny, plan) == []


def test_open_site_without_gpus_is_listed(tiny):
    plan = build_plan(
        tiny, make_solution(tiny, open_sites=[True, True, False, True]), solver_settings=SETTINGS
    )
    s4 = plan["sites"][-1]
    assert (s4["id"], s4["open"], s4["gpus"], s4["fixed_cost"]) == ("s4", True, {}, 700.0)
    assert plan["kpis"]["sites_open"] == 3
    assert plan["kpis"]["total_cost"] == pytest.approx(2850.0)


def test_unserved_and_penalty(tiny):
    instance = with_constraints(tiny, allow_unserved=True, unserved_penalty=100.0)
    shares = {("r1", "s1"): 1.0, ("r2", "s1"): 0.5, ("r2", "s2"): 0.5}
    plan = build_plan(
        instance,
        make_solution(instance, shares=shares, unserved=[0, 0, 4.0]),
        solver_settings=SETTINGS,
    )
    assert plan["unserved"] == [{"region": "r3", "demand": 4.0}]
    assert plan["objective"] == pytest.approx(2150.0 + 400.0)
    assert plan["kpis"]["served_fraction"] == pytest.approx(15.0 / 19.0)
    assert verify_plan(instance, plan) == []


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("served", 19.0),
        (
            "latency",
            (
                10 * RTT["r1", "s1"]
                + 2.5 * RTT["r2", "s1"]
                + 2.5 * RTT["r2", "s2"]
                + 4 * RTT["r3", "s2"]
            )
            / 19.0,
        ),
    ],
)
def test_objective_kinds(tiny, kind, expected):
    import dataclasses

    instance = dataclasses.replace(tiny, objective=Objective(kind=kind))
    plan = build_plan(instance, make_solution(instance), solver_settings=SETTINGS)
    assert plan["objective_kind"] == kind
    assert plan["objective"] == pytest.approx(expected)
    assert verify_plan(instance, plan) == []


def test_latency_weight_in_cost(tiny):
    import dataclasses

    instance = dataclasses.replace(tiny, objective=Objective(kind="cost", latency_weight=2.0))
    plan = build_plan(instance, make_solution(instance), solver_settings=SETTINGS)
    assert plan["objective"] == pytest.approx(2150.0 + 2.0 * 19.0 * plan["kpis"]["mean_rtt_ms"])
    assert verify_plan(instance, plan) == []


def test_objective_is_the_sum_of_its_reported_parts(tiny):
    import dataclasses

    instance = dataclasses.replace(
        with_constraints(tiny, allow_unserved=True, unserved_penalty=100.0),
        objective=Objective(kind="cost", latency_weight=2.0),
    )
    shares = {("r1", "s1"): 1.0, ("r2", "s1"): 0.5, ("r2", "s2"): 0.5}
    plan = build_plan(
        instance,
        make_solution(instance, shares=shares, unserved=[0, 0, 4.0]),
        solver_settings=SETTINGS,
    )
    parts = plan["cost_breakdown"]
    rtt_term = 10 * RTT["r1", "s1"] + 2.5 * RTT["r2", "s1"] + 2.5 * RTT["r2", "s2"]
    assert parts["latency_cost"] == pytest.approx(2.0 * rtt_term)
    assert parts["unserved_penalty"] == pytest.approx(400.0)
    assert plan["objective"] == pytest.approx(sum(parts.values()), rel=1e-12)
    assert plan["kpis"]["total_cost"] == pytest.approx(parts["fixed"] + parts["gpu_capex"])
    assert verify_plan(instance, plan) == []


def test_bound_and_gap(tiny):
    plan = build_plan(tiny, make_solution(tiny, bound=2000.0), solver_settings=SETTINGS)
    assert plan["bound"] == 2000.0
    assert plan["gap"] == pytest.approx(150.0 / 2150.0)


def test_infeasible_plan(tiny):
    from dataclasses import replace

    solution = replace(
        make_solution(tiny, status=Status.INFEASIBLE),
        notes=("region r3 has no site within its SLA",),
    )
    plan = build_plan(tiny, solution, solver_settings=SETTINGS)
    assert schema_problems(plan) == []
    assert (plan["status"], plan["objective"], plan["sites"]) == ("infeasible", None, [])
    assert plan["diagnosis"] == ["region r3 has no site within its SLA"]
    explicit = build_plan(tiny, solution, solver_settings=SETTINGS, diagnosis=["budget too low"])
    assert explicit["diagnosis"] == ["budget too low"]


def test_interrupted_flag(tiny):
    from dataclasses import replace

    solution = replace(make_solution(tiny, status=Status.FEASIBLE), interrupted=True)
    plan = build_plan(tiny, solution, solver_settings=SETTINGS)
    assert plan["interrupted"] is True
    assert plan["status"] == "feasible"
    assert plan["stop_reason"] == "time_limit"


def test_stop_reason_says_why_the_solve_stopped(tiny):
    from dataclasses import replace

    from gpuplace.solvers.result import SolveParameters, StopReason

    def reason(solution, params=SETTINGS):
        return build_plan(tiny, solution, solver_settings=params)["stop_reason"]

    feasible = make_solution(tiny, status=Status.FEASIBLE, bound=2000.0)
    assert reason(make_solution(tiny)) == "optimal"  # no bound given: gap 0 as the solver said
    assert reason(make_solution(tiny, bound=2140.0)) == "gap_reached"
    assert reason(replace(feasible, wall_s=10.0)) == "time_limit"
    assert reason(replace(feasible, wall_s=1.0)) == "finished"
    cancelled = SolveParameters(time_limit_s=10.0)
    cancelled.cancel.cancel()
    assert reason(replace(feasible, wall_s=1.0, interrupted=True), cancelled) == "interrupted"
    for own in (StopReason.NODE_LIMIT, StopReason.MEMORY_LIMIT):
        assert reason(replace(feasible, stop_reason=own)) == own.value
    infeasible = make_solution(tiny, status=Status.INFEASIBLE)
    assert reason(infeasible) == "infeasible"
