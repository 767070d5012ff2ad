"""Failover cut families on the line instance (answers checked by hand), and the cut loop.

Line instance (resilience_cases): rA reaches sA, sB; rC reaches sB, sC (failover
factor 1); demand 10 each; one GPU type of throughput 1, capex 100; fixed costs
sA 1000, sB 500, sC 1000; power 1000 kW per site, 1 kW per GPU.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from gpuplace.scenario.build import build_instance
from gpuplace.scenario.instance import Constraints, CustomConstraintSpec
from gpuplace.solvers import SolveParameters, Status, solve
from gpuplace.solvers.constraints.survivability import may_open
from gpuplace.solvers.failover_cuts import (
    closure_cuts,
    closures,
    min_open_rows,
    separate,
    site_capacity_bound,
    violated,
)
from gpuplace.solvers.failover_repair import repair_survivable
from gpuplace.solvers.model import build_model
from gpuplace.solvers.resilience import biting_failures, reachable_pairs, solve_survivable
from gpuplace.solvers.survivable_cuts import CutLoopOptions, RoundLog, with_cut_block
from gpuplace.topo.graph import make_topology
from support.resilience_cases import line_instance

PARAMS = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=0)
FLAGGED = Constraints(survive_site_failure=True)


def _pairs(instance):
    return reachable_pairs(instance, sla_factor=instance.constraints.failover_sla_factor)


def _rows(instance, family_block: str):
    """(A rows as dense arrays keyed by variable block, lb, ub) of one named row block."""
    model = build_model(instance)
    block = next(b for b in model.con_blocks if b.name == family_block)
    rows = model.A[block.start : block.stop].toarray()
    out = {name: rows[:, vb.start : vb.stop] for name, vb in model.var_blocks.items()}
    return out, model.row_lb[block.start : block.stop], model.row_ub[block.start : block.stop]


def test_separate_splits_the_minimum_cut_into_independent_components():
    instance = line_instance(FLAGGED)
    served = np.array([10.0, 10.0])
    # Plain plan: 20 units at sB. Losing sB, rA can use only sA and rC only sC:
    # two independent violated cuts, rA <= cap(sA) and rC <= cap(sC).
    cuts = separate(np.array([0.0, 20.0, 0.0]), served, 1, _pairs(instance))
    assert sorted(cuts) == [((0,), (0,)), ((1,), (2,))]
    # Only rA's side short: one cut.
    assert separate(np.array([4.0, 20.0, 10.0]), served, 1, _pairs(instance)) == [((0,), (0,))]
    # Survivable capacities, and losing a site that serves nobody.
    assert separate(np.array([10.0, 10.0, 10.0]), served, 1, _pairs(instance)) == []
    assert separate(np.array([0.0, 20.0, 0.0]), served, 0, _pairs(instance)) == []


def test_separate_finds_shortfalls_below_one_unit_with_fractional_capacities():
    instance = line_instance(FLAGGED)
    cuts = separate(np.array([9.999, 20.0, 10.0]), np.array([10.0, 10.0]), 1, _pairs(instance))
    assert cuts == [((0,), (0,))]


def test_closure_cuts_by_hand():
    instance = line_instance(FLAGGED)
    usable = may_open(instance)
    # Neighbourhoods: rA {sA, sB}, rC {sB, sC}; each closure holds one region.
    assert closures(instance, _pairs(instance), usable) == [((0,), (0, 1)), ((1,), (1, 2))]
    assert closure_cuts(instance, _pairs(instance), usable) == [
        ((0,), (0,)),  # sB lost: rA fits in sA
        ((0,), (1,)),  # sA lost: rA fits in sB
        ((1,), (1,)),
        ((1,), (2,)),
    ]
    # With twice the SLA every region reaches every site: one closure {rA, rC} in 3 sites.
    wide = line_instance(Constraints(survive_site_failure=True, failover_sla_factor=2.0))
    assert closure_cuts(wide, _pairs(wide), may_open(wide)) == [
        ((0, 1), (0, 1)),
        ((0, 1), (0, 2)),
        ((0, 1), (1, 2)),
    ]


def test_violated_checks_a_pool_at_once():
    pool = [((0,), (0,)), ((0,), (1,)), ((1,), (1,)), ((1,), (2,))]
    served = np.array([10.0, 10.0])
    assert violated(pool, np.array([0.0, 20.0, 0.0]), served) == [((0,), (0,)), ((1,), (2,))]
    assert violated(pool, np.array([10.0, 10.0, 10.0]), served) == []


def test_failover_cuts_rows_are_the_hall_inequality_and_its_open_cover():
    # rA's 10 units fit in sA: 1 × g_A >= 10, and min(capmax_A, 10) open_A >= 10.
    instance = with_cut_block(line_instance(FLAGGED), [((0,), (0,))])
    rows, lb, ub = _rows(instance, "survive_site_failure:cuts")
    assert rows["gpus"].tolist() == [[-1.0, 0.0, 0.0]]
    assert ub.tolist() == [-10.0]
    cover, lb, _ = _rows(instance, "survive_site_failure:open_cover")
    assert cover["open"].tolist() == [[10.0, 0.0, 0.0]]
    assert lb.tolist() == [10.0]
    # capmax: 1000 kW / 1 kW per GPU × throughput 1.
    assert site_capacity_bound(line_instance()).tolist() == [1000.0, 1000.0, 1000.0]


def test_min_open_rows_two_sites_in_each_neighbourhood():
    instance = line_instance(FLAGGED)
    assert min_open_rows(instance, _pairs(instance), may_open(instance)) == [
        (0, (0, 1)),
        (1, (1, 2)),
    ]
    rows, lb, _ = _rows(
        with_cut_block(instance, [], [(0, (0, 1))]), "survive_site_failure:min_open"
    )
    assert rows["open"].tolist() == [[1.0, 1.0, 0.0]] and lb.tolist() == [2.0]
    # With unserved demand allowed: open_A + open_B + 2 u_A / 10 >= 2.
    loose = line_instance(Constraints(survive_site_failure=True, allow_unserved=True))
    rows, lb, _ = _rows(with_cut_block(loose, [], [(0, (0, 1))]), "survive_site_failure:min_open")
    assert rows["unserved"].tolist() == [[0.2, 0.0]]


def test_spread_rows_by_hand_and_tight_at_the_optimum():
    # R' = {rA}, K = {sA, sB}, need 10:
    #   m = 2: g_A + g_B + 5 (open_A + open_B) >= 30
    #   m = 3: g_A + g_B + 10/6 (open_A + open_B) >= 20
    instance = with_cut_block(line_instance(FLAGGED), [], (), [((0,), (0, 1))])
    two, lb2, _ = _rows(instance, "survive_site_failure:spread2")
    three, lb3, _ = _rows(instance, "survive_site_failure:spread3")
    assert two["gpus"].tolist() == [[1.0, 1.0, 0.0]]
    assert two["open"].tolist() == [[5.0, 5.0, 0.0]] and lb2.tolist() == [30.0]
    assert three["open"][0].tolist() == pytest.approx([10 / 6, 10 / 6, 0.0])
    assert lb3.tolist() == [20.0]
    # The optimum (10 GPUs at each site, all open) meets m = 2 with equality.
    gpus, opened = np.array([10.0, 10.0, 10.0]), np.ones(3)
    assert float((two["gpus"] @ gpus + two["open"] @ opened)[0]) == pytest.approx(30.0)
    assert float((three["gpus"] @ gpus + three["open"] @ opened)[0]) >= 20.0
    # One site short of its share breaks it.
    assert float((two["gpus"] @ (gpus - [1, 0, 0]) + two["open"] @ opened)[0]) < 30.0


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8])
def test_spread_rows_hold_for_the_least_capacity_at_n_sites(n):
    # n equal sites each holding need / (n - 1) survive any single loss, with least capacity.
    need = 12.0
    total = need * n / (n - 1)
    for m in (2, 3):
        assert total + need / (m * (m - 1)) * n >= need * (m + 1) / (m - 1) - 1e-9


def test_spread_rows_refused_with_unserved_demand():
    from gpuplace.errors import InputError

    loose = line_instance(Constraints(allow_unserved=True))
    with pytest.raises(InputError):
        build_model(with_cut_block(loose, [], (), [((0,), (0, 1))]))


def test_cut_kinds_check_a_plan_independently():
    from support.resilience_cases import PLAIN_PLAN, SURVIVABLE_PLAN

    instance = with_cut_block(
        line_instance(FLAGGED), [((0,), (0,))], [(0, (0, 1))], [((0,), (0, 1))]
    )
    pieces = [spec for spec in instance.constraints.custom]
    from gpuplace.solvers.constraints.registry import custom_kinds

    kinds = custom_kinds()
    built = [kinds[s.kind](s.params, s.where) for s in pieces]
    plain = [m for piece in built for m in piece.check(instance, PLAIN_PLAN)]
    assert len(plain) == 3  # the cut, two open sites, spread all fail for sB alone
    assert [m for piece in built for m in piece.check(instance, SURVIVABLE_PLAN)] == []


def test_repair_adds_the_missing_failover_gpus():
    plain = line_instance()
    solution = solve(plain, solver="highs", params=PARAMS)
    instance = line_instance(FLAGGED)
    base = build_model(with_cut_block(instance, []))
    repaired = repair_survivable(instance, base, solution, _pairs(instance))
    assert repaired is not None
    # Losing sB: rA needs 10 at sA, rC needs 10 at sC (both opened).
    assert repaired.new_gpus[:, 0].tolist() == [10, 20, 10]
    assert repaired.objective == pytest.approx(500 + 2000 + 100 * 40)
    assert biting_failures(instance, repaired) == []


def test_repair_gives_up_when_a_row_breaks():
    solution = solve(line_instance(), solver="highs", params=PARAMS)
    instance = line_instance(Constraints(survive_site_failure=True, budget=3000.0))
    base = build_model(with_cut_block(instance, []))
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


def test_with_cut_block_names_the_generated_rows_for_diagnosis():
    from gpuplace.solvers.diagnosis.messages import partial_survivability

    instance = with_cut_block(line_instance(FLAGGED), [((0,), (0,))])
    assert partial_survivability(instance)
    assert not instance.constraints.survive_site_failure
    assert [s.kind for s in instance.constraints.custom] == ["failover_cuts"]
    assert dataclasses.replace(instance).constraints.custom[0].params["sites"] == [["sA"]]


def test_custom_kinds_refuse_malformed_params():
    from gpuplace.errors import InputError

    bad = [
        CustomConstraintSpec("failover_cuts", {"regions": [["rA"]], "sites": []}, "c[0]"),
        CustomConstraintSpec("failover_min_open", {"regions": [1], "sites": [["sA"]]}, "c[0]"),
        CustomConstraintSpec("failover_cuts", {"regions": [["zz"]], "sites": [["sA"]]}, "c[0]"),
    ]
    for spec in bad:
        with pytest.raises(InputError):
            build_model(line_instance(Constraints(custom=(spec,))))
