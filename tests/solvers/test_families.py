"""Each constraint family binds on a tiny instance and changes the answer.

Baseline (``solver_cases.base``): open s1 only, 6 GPUs, cost 110.
"""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.scenario.instance import Constraints, Objective
from gpuplace.solvers.result import SolveParameters, Status
from support.solver_cases import base, linked_instance, tiny

EXACT = SolveParameters(time_limit_s=20, gap=0.0, threads=1, seed=0)


def cost(inst, backend="highs"):
    sol = solvers.solve(inst, backend, EXACT)
    assert sol.status == Status.OPTIMAL, sol.notes
    return sol


def test_baseline():
    assert cost(base()).objective == pytest.approx(110.0)


def test_min_sites_opens_both():
    sol = cost(base(constraints=Constraints(min_sites=2)))
    assert sol.objective == pytest.approx(210.0)
    assert sol.open_sites.all()


def test_max_sites_limits_latency_objective():
    free = Objective(kind="latency")
    assert cost(base(objective=free)).objective == pytest.approx(1.0)
    sol = cost(base(objective=free, constraints=Constraints(max_sites=1)))
    assert sol.objective == pytest.approx(15.0 / 6.0)  # s1 only: (10*1 + 1*2 + 1*3) / 6
    assert sol.open_sites.sum() == 1


def test_budget_binds_latency_objective():
    # s0 is 1 ms from everyone, s1 10 ms; s0 costs 160 all in, s1 110.
    rtt = [[1.0, 10.0]] * 3
    latency = Objective(kind="latency")
    assert cost(base(rtt=rtt, objective=latency)).objective == pytest.approx(1.0)
    sol = cost(base(rtt=rtt, objective=latency, constraints=Constraints(budget=115.0)))
    assert sol.objective == pytest.approx(10.0)
    assert sol.open_sites.tolist() == [False, True]


def test_budget_too_small_is_infeasible_with_reason():
    sol = solvers.solve(base(constraints=Constraints(budget=105.0)), "highs", EXACT)
    assert sol.status == Status.INFEASIBLE
    assert any("budget" in note for note in sol.notes)


def test_min_gpus_per_site():
    sol = cost(base(constraints=Constraints(min_gpus_per_site=10)))
    assert sol.objective == pytest.approx(150.0)
    assert sol.new_gpus.sum() == 10


def test_max_utilisation():
    sol = cost(base(constraints=Constraints(max_utilisation=0.5)))
    assert sol.objective == pytest.approx(170.0)
    assert sol.new_gpus.sum() == 12


def test_power_with_pue():
    assert cost(base(power=[100.0, 6.0])).objective == pytest.approx(110.0)
    sol = cost(base(power=[100.0, 6.0], site_pue=[1.0, 1.5]))  # s1 holds 4 GPUs now
    assert sol.objective == pytest.approx(160.0)
    assert sol.open_sites.tolist() == [True, False]


def test_space():
    sol = cost(base(site_max_gpus=[np.inf, 4.0]))
    assert sol.objective == pytest.approx(160.0)


def test_existing_gpus_are_free_and_force_open():
    sol = cost(base(site_existing_gpus=np.array([[6], [0]])))
    assert sol.objective == pytest.approx(100.0)
    assert sol.open_sites.tolist() == [True, False]
    assert sol.new_gpus.sum() == 0


def test_status_open_and_closed():
    forced = cost(base(site_status=[1, 0]))
    assert forced.objective == pytest.approx(160.0)
    assert forced.open_sites[0]
    closed = cost(base(site_status=[0, 2]))
    assert closed.objective == pytest.approx(160.0)
    assert not closed.open_sites[1]


def test_cost_factor():
    sol = cost(base(site_cost_factor=[1.0, 2.0]))
    assert sol.objective == pytest.approx(160.0)
    assert sol.open_sites.tolist() == [True, False]


def test_single_sourcing():
    # Two sites of 4 GPUs (fixed 0) and an expensive big one; demands 3, 3, 2.
    rtt = [[1.0, 1.0, 1.0]] * 3
    kwargs = dict(power=[4.0, 4.0, 100.0], fixed=[0.0, 0.0, 100.0])
    split = cost(tiny([3.0, 3.0, 2.0], rtt, **kwargs))
    assert split.objective == pytest.approx(80.0)
    whole = cost(
        tiny([3.0, 3.0, 2.0], rtt, constraints=Constraints(single_sourcing=True), **kwargs)
    )
    assert whole.objective == pytest.approx(180.0)
    assert set(np.unique(whole.pair_share)) <= {0.0, 1.0}


def test_redundancy():
    sol = cost(base(constraints=Constraints(redundancy=2)))
    assert sol.objective == pytest.approx(210.0)
    assert sol.pair_share.max() <= 0.5 + 1e-9


def test_sovereignty_is_in_the_pairs():
    kwargs = dict(
        node_country=["AU", "NZ"], region_allowed_countries=[None, None, frozenset({"AU"})]
    )
    inst = base(**kwargs)
    # Assumption check: no candidate pair violates allowed_countries.
    for r, s in zip(inst.pair_region, inst.pair_site, strict=True):
        allowed = inst.region_allowed_countries[r]
        assert allowed is None or inst.site_country[s] in allowed
    assert cost(inst).objective == pytest.approx(160.0)
    off = base(constraints=Constraints(sovereignty=False), **kwargs)
    assert cost(off).objective == pytest.approx(110.0)


def test_link_capacity():
    assert cost(linked_instance(np.inf)).objective == pytest.approx(110.0)
    assert cost(linked_instance(100.0)).objective == pytest.approx(110.0)
    tight = cost(linked_instance(2.0))  # only 2 units may cross B -> A
    assert tight.objective == pytest.approx(160.0)
    assert cost(linked_instance(2.0, link_capacity=False)).objective == pytest.approx(110.0)


def test_unserved_with_penalty():
    cheap = cost(base(constraints=Constraints(allow_unserved=True, unserved_penalty=5.0)))
    assert cheap.objective == pytest.approx(30.0)
    assert cheap.unserved.sum() == pytest.approx(6.0)
    dear = cost(base(constraints=Constraints(allow_unserved=True, unserved_penalty=100.0)))
    assert dear.objective == pytest.approx(110.0)
    assert dear.unserved.sum() == pytest.approx(0.0)


def test_latency_weight_in_cost_objective():
    sol = cost(base(objective=Objective(kind="cost", latency_weight=100.0)))
    # Serving r0 from s0 saves 9 ms * 1 unit * 100 = 900 > 100 fixed cost.
    assert sol.open_sites.all()
    assert sol.objective == pytest.approx(210.0 + 100.0 * (1.0 * 1 + 2.0 * 1 + 3.0 * 1))


def test_served_objective_within_budget():
    sol = cost(base(objective=Objective(kind="served"), constraints=Constraints(budget=80.0)))
    assert sol.objective == pytest.approx(3.0)
    assert sol.bound >= sol.objective - 1e-9
    assert sol.unserved.sum() == pytest.approx(3.0)


@pytest.mark.parametrize("backend", ["scip", "cpsat", "greedy"])
def test_families_on_other_backends(backend):
    cases = [
        (base(constraints=Constraints(min_gpus_per_site=10)), 150.0),
        (base(power=[100.0, 6.0], site_pue=[1.0, 1.5]), 160.0),
        (base(site_existing_gpus=np.array([[6], [0]])), 100.0),
        (linked_instance(2.0), 160.0),
    ]
    for inst, expected in cases:
        sol = solvers.solve(inst, backend, EXACT)
        assert sol.objective == pytest.approx(expected), (backend, expected)
