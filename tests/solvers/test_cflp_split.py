"""Least load per open site, the open-count split, and swap moves of the capacitated solver."""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from solvers.fast import cflp, cflp_lagrange, highs_mip
from solvers.fast.flp import from_dense

pytestmark = pytest.mark.skipif(not highs_mip.available(), reason="highspy not installed")


def _instance(seed: int, sites: int = 6, clients: int = 14, cap: float = 30.0):
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1.0, 50.0, size=(sites, clients))
    fixed = rng.uniform(20.0, 60.0, size=sites)
    demand = rng.integers(3, 9, size=clients).astype(float)
    return from_dense(cost, fixed, demand, np.full(sites, cap))


def _brute_force(problem) -> float:
    best = np.inf
    for k in range(1, problem.n_sites + 1):
        for combo in itertools.combinations(range(problem.n_sites), k):
            sites = np.zeros(problem.n_sites, dtype=bool)
            sites[list(combo)] = True
            count_ok = problem.min_open <= k and (problem.max_open is None or k <= problem.max_open)
            routed = cflp_lagrange.transport(problem, sites) if count_ok else None
            if routed is not None:
                best = min(best, routed[0])
    return best


def test_min_load_equal_capacities():
    p = from_dense(np.ones((3, 5)), np.zeros(3), np.full(5, 5.0), np.full(3, 10.0))
    assert cflp_lagrange.min_load(p).tolist() == [0.0, 0.0, 0.0]  # no max_open
    p3 = replace(p, max_open=3)
    assert cflp_lagrange.min_load(p3).tolist() == [5.0, 5.0, 5.0]  # 25 − 2 × 10


def test_min_load_unequal_capacities():
    p = from_dense(np.ones((3, 3)), np.zeros(3), np.full(3, 5.0), np.array([10.0, 6.0, 4.0]))
    p2 = replace(p, max_open=2)
    # site 0: the largest other is 6 → 9; sites 1, 2: the largest other is 10 → 5,
    # capped at site 2's capacity of 4
    assert cflp_lagrange.min_load(p2).tolist() == [9.0, 5.0, 4.0]


def test_knapsack_fills_to_the_least_load():
    # one site, two clients whose reduced costs are positive: without a least
    # load the site takes nothing; with max_open = 1 it must take all demand
    p = from_dense(np.array([[10.0, 20.0]]), np.zeros(1), np.array([2.0, 3.0]), np.array([5.0]))
    lam = np.zeros(2)
    assert cflp_lagrange.knapsacks(p, lam).value[0] == 0.0
    ks = cflp_lagrange.knapsacks(replace(p, max_open=1), lam)
    assert ks.value[0] == pytest.approx(30.0)
    assert ks.share.tolist() == [1.0, 1.0]


@pytest.mark.parametrize("seed", range(4))
def test_lagrangian_with_a_count_stays_below_the_optimum(seed):
    p = _instance(seed)
    k = cflp._least_count(p)
    piece = replace(p, min_open=k, max_open=k)
    optimum = _brute_force(piece)
    rng = np.random.default_rng(seed + 100)
    lam0 = cflp_lagrange.initial_multipliers(piece)
    for _ in range(20):
        lam = lam0 * rng.uniform(0.5, 2.0, size=lam0.shape)
        value, _, _ = cflp_lagrange.lagrangian(piece, lam)
        assert value <= optimum + 1e-6


def test_least_count():
    p = _instance(0, cap=30.0)
    expected = int(np.ceil(p.demand.sum() / 30.0))
    assert cflp._least_count(p) == expected
    assert cflp._least_count(replace(p, min_open=expected + 2)) == expected + 2


@pytest.mark.parametrize("seed", range(3))
def test_lagrangian_solve_reaches_the_optimum(seed):
    p = _instance(seed)
    optimum = _brute_force(p)
    sol = cflp.solve(p, time_limit_s=20, gap=1e-6, threads=1, lagrange="on")
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(optimum, rel=1e-6)
    assert sol.bound <= optimum + 1e-6


def test_swap_moves_find_a_better_plan_of_the_same_size():
    p = _instance(3)
    k = cflp._least_count(p)
    piece = replace(p, min_open=k, max_open=k)
    lag = cflp_lagrange.subgradient(
        piece, deadline=1e18, max_iterations=5, heuristic_every=10**9, threads=1
    )
    # start from the worst plan of this size; only swaps keep the count
    worst, worst_sites = -np.inf, None
    for combo in itertools.combinations(range(p.n_sites), k):
        sites = np.zeros(p.n_sites, dtype=bool)
        sites[list(combo)] = True
        routed = cflp_lagrange.transport(piece, sites)
        if routed is not None and routed[0] > worst:
            worst, worst_sites, share = routed[0], sites, routed[1]
    lag.incumbent = cflp_lagrange.Incumbent(worst, worst_sites, share)
    lag.seen.clear()
    cflp_lagrange.improve_locally(piece, lag, threads=1, deadline=1e18, candidates=p.n_sites)
    assert lag.incumbent.objective < worst
    assert int(lag.incumbent.open_sites.sum()) == k
