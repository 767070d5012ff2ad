"""The survivable cut loop (gpuplace.resilience.cut_loop): repair, option sets, agreement.

Line instance (resilience_cases): rA reaches sA, sB; rC reaches sB, sC (failover
factor 1); demand 10 each; one GPU type of throughput 1, capex 100; fixed costs
sA 1000, sB 500, sC 1000; power 1000 kW per site, 1 kW per GPU.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gpuplace.resilience import biting_failures, reachable_pairs, solve_survivable
from gpuplace.resilience.cut_loop import CutLoop, CutLoopOptions, RoundLog, without_flag
from gpuplace.resilience.repair import repair_survivable
from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers import SolveParameters, Status, solve
from gpuplace.solvers.model import build_model
from gpuplace.topo.graph import make_topology
from support.resilience_cases import line_instance

PARAMS = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=0)
FLAGGED = Constraints(survive_site_failure=True)


def _pairs(instance):
    return reachable_pairs(instance, sla_factor=instance.constraints.failover_sla_factor)


def test_repair_adds_the_missing_failover_gpus():
    plain = line_instance()
    solution = solve(plain, solver="highs", params=PARAMS)
    instance = line_instance(FLAGGED)
    base = build_model(without_flag(instance))
    repaired = repair_survivable(instance, base, solution, _pairs(instance))
    assert repaired is not None
    # Losing sB: rA needs 10 at sA, rC needs 10 at sC (both opened).
    assert repaired.new_gpus[:, 0].tolist() == [10, 20, 10]
    assert repaired.objective == pytest.approx(500 + 2000 + 100 * 40)
    assert biting_failures(instance, repaired) == []


def test_repair_gives_up_when_a_row_breaks():
    solution = solve(line_instance(), solver="highs", params=PARAMS)
    instance = line_instance(Constraints(survive_site_failure=True, budget=3000.0))
    base = build_model(without_flag(instance))
    assert repair_survivable(instance, base, solution, _pairs(instance)) is None


@pytest.mark.parametrize(
    "options",
    [
        CutLoopOptions(),
        CutLoopOptions(apriori=False, min_open=False, spread=False, lp_rounds=0, repair=False),
        CutLoopOptions(lp_rounds=0),
        CutLoopOptions(early_gap=None, repair=False),
        CutLoopOptions(pool_in_model=True),
    ],
)
def test_every_option_set_reaches_5500(options):
    instance = line_instance(FLAGGED)
    log: list[RoundLog] = []
    solution = solve_survivable(instance, "highs", PARAMS, method="cuts", options=options, log=log)
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(5500.0)
    assert solution.bound == pytest.approx(5500.0)
    assert biting_failures(instance, solution) == []
    assert log and all(entry.phase in ("lp", "mip") for entry in log)


def test_unserved_allowed_survivable_plan_serves_everything_when_penalty_is_high():
    instance = line_instance(
        Constraints(survive_site_failure=True, allow_unserved=True, unserved_penalty=1e5)
    )
    solution = solve_survivable(instance, "highs", PARAMS, method="cuts")
    assert solution.objective == pytest.approx(5500.0)
    assert solution.unserved.sum() == pytest.approx(0.0)


def _random_instance(seed: int, factor: float):
    """Five nodes on a ring with a chord, four sites, five regions; seeded."""
    rng = np.random.default_rng(seed)
    nodes = ("A", "B", "C", "D", "E")
    edges = (("A", "B"), ("B", "C"), ("C", "D"), ("D", "E"), ("E", "A"), ("A", "C"))
    topology = make_topology(
        nodes,
        (0.0, 0.0, 0.0, 0.0, 0.0),
        (0.0, 1.0, 2.0, 3.0, 4.0),
        edges,
        latency_ms=tuple(float(x) for x in rng.uniform(2.0, 8.0, len(edges))),
        capacity_gbps=(np.inf,) * len(edges),
    )
    n_regions = 5
    region_node = rng.integers(0, 5, n_regions)
    return build_instance(
        topology=topology,
        site_ids=("s0", "s1", "s2", "s3"),
        site_node=(0, 1, 2, 4),
        site_power_kw=tuple(float(x) for x in rng.uniform(15.0, 60.0, 4)),
        site_fixed_cost=tuple(float(x) for x in rng.uniform(200.0, 1500.0, 4)),
        region_ids=tuple(f"r{i}" for i in range(n_regions)),
        region_lat=(0.0,) * n_regions,
        region_lon=tuple(float(x) for x in region_node),
        region_node=tuple(int(x) for x in region_node),
        region_demand=tuple(float(x) for x in rng.uniform(2.0, 12.0, n_regions)),
        region_sla_rtt_ms=(22.0,) * n_regions,
        gpu_types=("G", "H"),
        gpu_capex=(100.0, 260.0),
        gpu_power_kw=(1.0, 1.5),
        gpu_throughput=(1.0, 2.7),
        constraints=Constraints(
            survive_site_failure=True, failover_sla_factor=factor, min_gpus_per_site=2
        ),
        name=f"random-{seed}",
    )


@pytest.mark.parametrize(
    ("seed", "unserved"), [(s, False) for s in range(6)] + [(6, True), (7, True)]
)
def test_cuts_and_scenarios_agree_on_random_instances(seed, unserved):
    instance = _random_instance(seed, factor=1.0 + 0.25 * (seed % 3))
    if unserved:
        constraints = dataclasses.replace(
            instance.constraints, allow_unserved=True, unserved_penalty=220.0
        )
        instance = dataclasses.replace(instance, constraints=constraints)
    cuts = solve_survivable(instance, "highs", PARAMS, method="cuts")
    scenarios = solve_survivable(instance, "highs", PARAMS, method="scenarios")
    assert cuts.status == scenarios.status
    if scenarios.status == Status.OPTIMAL:
        assert cuts.objective == pytest.approx(scenarios.objective, rel=1e-6)
        assert biting_failures(instance, cuts) == []


def test_the_loop_runs_its_steps_and_keeps_the_flag_off_in_its_models():
    instance = line_instance(FLAGGED)
    loop = CutLoop(instance, "highs", PARAMS, _pairs(instance))
    assert not loop.base.constraints.survive_site_failure
    solution = loop.run()
    assert solution.status == Status.OPTIMAL and solution.objective == pytest.approx(5500.0)
    # A-priori pool in the model from the start (4 closure cuts), spread rows of both closures.
    assert loop.rows.cuts[:4] == [((0,), (0,)), ((0,), (1,)), ((1,), (1,)), ((1,), (2,))]
    assert loop.rows.spreads[:2] == [((0,), (0, 1)), ((1,), (1, 2))]
    assert [e.phase for e in loop.log][-1] == "mip"
    assert any("every single-site failure checked" in n for n in solution.notes)


def _free_gpus(constraints: Constraints = Constraints()):
    """The line instance with GPUs that cost nothing: a pure facility-location core."""
    return dataclasses.replace(line_instance(constraints), gpu_capex=np.array([0.0]))


@pytest.mark.parametrize("solver", ["auto", "fast"])
def test_extra_pieces_reach_the_model_on_a_facility_location_core(solver):
    from gpuplace.resilience.cut_rows import CapacityCutRows
    from gpuplace.solvers.fast.backend import FastBackend

    instance = _free_gpus()
    assert FastBackend.handles(instance)
    # Without the cut sB alone serves both regions; the cut needs 10 units at sA too.
    assert solve(instance, solver, PARAMS).objective == pytest.approx(500.0)
    cut = CapacityCutRows([((0,), (0,))])
    solution = solve(instance, solver, PARAMS, extra_pieces=[cut])
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(1000.0 + 500.0)
    assert solution.new_gpus[0, 0] >= 10


@pytest.mark.parametrize("solver", ["auto", "fast", "highs"])
def test_survivable_facility_location_core_on_every_route(solver):
    instance = _free_gpus(FLAGGED)
    solution = solve_survivable(instance, solver, PARAMS)
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(2500.0)
    assert biting_failures(instance, solution) == []
