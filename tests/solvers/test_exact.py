"""Tiny hand-solvable instances with exact answers, on every installed backend."""

from __future__ import annotations

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.solvers.result import SolveParameters, Status
from support.solver_cases import base, installed_backends, tiny

EXACT = SolveParameters(time_limit_s=20, gap=0.0, threads=1, seed=0)


@pytest.mark.parametrize("backend", installed_backends())
def test_two_sites_three_regions(backend):
    sol = solvers.solve(base(), backend, EXACT)
    assert sol.objective == pytest.approx(110.0)
    assert sol.open_sites.tolist() == [False, True]
    assert sol.new_gpus.ravel().tolist() == [0, 6]
    np.testing.assert_allclose(sol.pair_share, [0, 1, 0, 1, 0, 1], atol=1e-9)
    if backend == "greedy":
        assert sol.status == Status.FEASIBLE and sol.bound is None
    else:
        assert sol.status == Status.OPTIMAL
        assert sol.bound == pytest.approx(110.0, rel=1e-6)


@pytest.mark.parametrize("backend", installed_backends())
def test_cheapest_gpu_type_per_throughput(backend):
    # g0: 10 per unit; g1: 25 for 3 units (8.33 per unit). Demand 6 -> two g1 = 50.
    inst = tiny([6.0], [[1.0]], capex=(10.0, 25.0), thr=(1.0, 3.0), gpu_kw=(1.0, 1.0))
    sol = solvers.solve(inst, backend, EXACT)
    assert sol.objective == pytest.approx(50.0)
    assert sol.new_gpus.ravel().tolist() == [0, 2]


def test_split_demand_uses_both_sites():
    # Each site holds 4 GPUs; demand 6 must be split (no single sourcing).
    inst = tiny([6.0], [[1.0, 1.0]], power=[4.0, 4.0])
    sol = solvers.solve(inst, "highs", EXACT)
    assert sol.objective == pytest.approx(60.0)
    assert sol.pair_share.sum() == pytest.approx(1.0)
    assert (sol.pair_share > 0).sum() == 2


def test_zero_demand_region_needs_nothing():
    inst = tiny([0.0, 2.0], [[1.0, np.inf], [np.inf, 1.0]], fixed=[100.0, 0.0])
    sol = solvers.solve(inst, "highs", EXACT)
    assert sol.objective == pytest.approx(20.0)
    assert not sol.open_sites[0]
