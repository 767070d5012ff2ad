"""Capacitated facility location: Lagrangian bound, fixing and the full solve, cross-checked.

Random small instances are solved by brute force over the open sets (a
transportation LP each) and by the plain strong model in HiGHS; the fast
solver must reach the same optimum, and every bound must stay below it.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import numpy as np
import pytest

from gpuplace.solvers.fast import cflp, cflp_lagrange, cflp_primal, flp
from gpuplace.solvers.highs import adapter

pytestmark = pytest.mark.skipif(not adapter.available(), reason="highspy not installed")

THREADS = 1


def random_problem(seed: int, sites: int = 6, clients: int = 12, **kwargs) -> flp.FacilityProblem:
    rng = np.random.default_rng(seed)
    demand = rng.integers(5, 30, clients).astype(float)
    pos_s, pos_c = rng.random((sites, 2)), rng.random((clients, 2))
    dist = np.linalg.norm(pos_s[:, None, :] - pos_c[None, :, :], axis=2)
    cost = np.round(100 * dist * demand[None, :], 2)
    capacity = np.full(sites, float(np.ceil(demand.sum() / 2.5)))
    if kwargs.pop("mixed", False):
        capacity = np.round(capacity * rng.uniform(0.7, 1.4, sites))
    fixed = rng.integers(100, 600, sites).astype(float)
    return flp.from_dense(cost, fixed, demand, capacity, **kwargs)


def open_sets(problem: flp.FacilityProblem):
    """Every open set the site-count bounds allow."""
    for k in range(1, problem.n_sites + 1):
        if k < problem.min_open or (problem.max_open is not None and k > problem.max_open):
            continue
        for subset in itertools.combinations(range(problem.n_sites), k):
            open_sites = np.zeros(problem.n_sites, dtype=bool)
            open_sites[list(subset)] = True
            yield open_sites


def brute_force(problem: flp.FacilityProblem) -> float:
    best = np.inf
    for open_sites in open_sets(problem):
        routed = cflp_primal.transport(problem, open_sites, THREADS)
        if routed is not None:
            best = min(best, routed[0])
    return best


CASES = [
    (seed, kwargs)
    for seed in range(4)
    for kwargs in ({}, {"mixed": True}, {"min_open": 4}, {"max_open": 3})
]


@pytest.mark.parametrize(("seed", "kwargs"), CASES)
def test_same_optimum_as_brute_force_and_plain_model(seed, kwargs):
    problem = random_problem(seed, **kwargs)
    optimum = brute_force(problem)
    assume_feasible = np.isfinite(optimum)
    plain = cflp.solve(problem, gap=1e-9, threads=THREADS, lagrange="off")
    fast = cflp.solve(problem, gap=1e-9, threads=THREADS, lagrange="on")
    if not assume_feasible:
        assert fast.objective is None and plain.objective is None
        return
    assert plain.objective == pytest.approx(optimum, rel=1e-7)
    assert fast.objective == pytest.approx(optimum, rel=1e-7)
    assert fast.bound <= optimum * (1 + 1e-9)
    assert fast.status == "optimal"
    assert_plan_serves_within_capacity(problem, fast.open_sites, fast.share)


def assert_plan_serves_within_capacity(problem, open_sites, share):
    """Every client fully served, capacities met, only open sites used."""
    served = np.bincount(problem.pair_client, weights=share, minlength=problem.n_clients)
    assert np.allclose(served, 1.0)
    load = np.bincount(
        problem.pair_site,
        weights=share * problem.demand[problem.pair_client],
        minlength=problem.n_sites,
    )
    assert np.all(load <= problem.capacity * open_sites + 1e-6)


@pytest.mark.parametrize(("seed", "kwargs"), CASES)
def test_lagrangian_and_penalty_bounds_never_exceed_the_optimum(seed, kwargs):
    problem = random_problem(seed, **kwargs)
    optimum = brute_force(problem)
    if not np.isfinite(optimum):
        return
    rng = np.random.default_rng(seed + 100)
    start = cflp_lagrange.initial_multipliers(problem)
    for lam in (start, start * rng.uniform(0.5, 1.5, start.size), np.zeros_like(start)):
        value, _, _ = cflp_lagrange.lagrangian(problem, lam)
        assert value <= optimum * (1 + 1e-9)
    result = cflp_lagrange.subgradient(
        problem, deadline=float("inf"), target_gap=0.0, max_iterations=300, threads=THREADS
    )
    assert result.bound <= optimum * (1 + 1e-9)
    assert result.incumbent is not None and result.incumbent.objective >= optimum * (1 - 1e-9)
    if_open, if_closed = cflp_lagrange.penalty_bounds(problem, result.multipliers)
    # forcing a site to the state it has in an optimal plan gives a bound below the optimum
    best_open = _optimal_open_set(problem, optimum)
    assert np.all(if_open[best_open] <= optimum * (1 + 1e-9))
    assert np.all(if_closed[~best_open] <= optimum * (1 + 1e-9))


def _optimal_open_set(problem: flp.FacilityProblem, optimum: float) -> np.ndarray:
    for open_sites in open_sets(problem):
        routed = cflp_primal.transport(problem, open_sites, THREADS)
        if routed is not None and routed[0] <= optimum * (1 + 1e-9):
            return open_sites
    raise AssertionError("no optimal open set")


def test_knapsack_fills_by_reduced_cost_per_unit():
    problem = flp.from_dense(
        np.array([[1.0, 10.0, 3.0]]), np.array([5.0]), np.array([2.0, 2.0, 2.0]), np.array([3.0])
    )
    ks = cflp_lagrange.knapsacks(problem, np.array([5.0, 5.0, 5.0]))
    # reduced costs -4, +5, -2 per whole client; client 0 first (ratio -2), then half of client 2
    assert ks.share.tolist() == [1.0, 0.0, 0.5]
    assert ks.value[0] == pytest.approx(5.0 - 4.0 - 1.0)


def test_choose_open_takes_cheapest_sites_until_capacity_covers_demand():
    problem = random_problem(0)
    value = np.array([3.0, -1.0, 2.0, 0.5, 7.0, 1.0])
    choice = cflp_lagrange.choose_open(problem, value)
    # capacity ceil(D / 2.5): three sites are needed
    assert choice.exact
    assert np.flatnonzero(choice.y).tolist() == [1, 3, 5]
    assert choice.value == pytest.approx(-1.0 + 0.5 + 1.0)


def test_fixed_sites_are_respected():
    problem = random_problem(2)
    forced = replace(
        problem,
        open_lb=np.array([True, False, False, False, False, False]),
        open_ub=np.array([True, True, True, True, False, True]),
    )
    result = cflp.solve(forced, gap=1e-9, threads=THREADS, lagrange="on")
    assert result.open_sites[0] and not result.open_sites[4]
    assert result.bound <= result.objective
