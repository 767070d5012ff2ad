"""Lagrangian branch-and-bound for capacitated facility location, cross-checked.

Small random instances (one capacity for every site, or mixed) are solved by brute
force over the open sets, by the plain strong model in HiGHS and by the tree;
the tree must reach the same optimum, prove it, and never report a bound above
it, also when it is stopped early.
"""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from gpuplace.solvers.fast import cflp, cflp_primal, cflp_tree, flp
from gpuplace.solvers.highs import adapter
from tests.solvers.test_cflp_lagrange import (
    THREADS,
    assert_plan_serves_within_capacity,
    brute_force,
    random_problem,
)

pytestmark = pytest.mark.skipif(not adapter.available(), reason="highspy not installed")

CASES = [
    (seed, kwargs)
    for seed in range(6)
    for kwargs in (
        {},
        {"min_open": 4},
        {"max_open": 3},
        {"sites": 8, "clients": 20},
        {"mixed": True},
        {"mixed": True, "min_open": 4},
        {"mixed": True, "max_open": 3},
    )
]


def _check_plan(problem, incumbent):
    assert_plan_serves_within_capacity(problem, incumbent.open_sites, incumbent.share)
    assert problem.objective(incumbent.open_sites, incumbent.share) == pytest.approx(
        incumbent.objective, rel=1e-9
    )


@pytest.mark.parametrize(("seed", "kwargs"), CASES)
def test_tree_proves_the_brute_force_optimum(seed, kwargs):
    problem = random_problem(seed, **kwargs)
    assert cflp_tree.applies(problem)
    optimum = brute_force(problem)
    result = cflp_tree.search(problem, deadline=time.perf_counter() + 60, gap=1e-9, threads=THREADS)
    assert result.complete
    if not np.isfinite(optimum):
        assert result.incumbent is None
        return
    assert result.incumbent.objective == pytest.approx(optimum, rel=1e-7)
    assert optimum * (1 - 1e-8) <= result.bound <= optimum * (1 + 1e-9)
    _check_plan(problem, result.incumbent)


@pytest.mark.parametrize("seed", range(6))
def test_forced_and_forbidden_sites_are_respected(seed):
    base = random_problem(seed, sites=7, clients=16)
    must = np.zeros(7, dtype=bool)
    must[seed % 7] = True
    may = np.ones(7, dtype=bool)
    may[(seed + 3) % 7] = False
    problem = replace(base, open_lb=must, open_ub=may)
    optimum = brute_force_within(problem)
    result = cflp_tree.search(problem, deadline=time.perf_counter() + 60, gap=1e-9, threads=THREADS)
    assert result.complete
    assert result.incumbent.objective == pytest.approx(optimum, rel=1e-7)
    assert result.incumbent.open_sites[must].all()
    assert not result.incumbent.open_sites[~may].any()


def brute_force_within(problem):
    best = np.inf
    for k in range(1, 1 << problem.n_sites):
        open_sites = np.array([(k >> s) & 1 for s in range(problem.n_sites)], dtype=bool)
        if np.any(problem.open_lb & ~open_sites) or np.any(open_sites & ~problem.open_ub):
            continue
        routed = cflp_primal.transport(problem, open_sites, THREADS)
        if routed is not None:
            best = min(best, routed[0])
    return best


@pytest.mark.parametrize("seed", range(4))
def test_bound_stays_valid_when_stopped_early(seed):
    problem = tight_problem(seed)
    exact = cflp.solve(problem, gap=1e-9, threads=THREADS, lagrange="off")
    assert exact.status == "optimal"
    for limit in (0.0, 0.05):
        result = cflp_tree.search(
            problem, deadline=time.perf_counter() + limit, gap=1e-9, threads=THREADS
        )
        assert result.bound <= exact.objective * (1 + 1e-9)
        if result.incumbent is not None:
            assert result.incumbent.objective >= exact.objective * (1 - 1e-9)


def tight_problem(
    seed: int, sites: int = 20, clients: int = 50, k: float = 4.7, mixed: bool = False
):
    """Capacity for about ``k`` sites and high fixed costs: the Lagrangian bound leaves a gap."""
    rng = np.random.default_rng(seed)
    demand = rng.integers(5, 40, clients).astype(float)
    pos_s, pos_c = rng.random((sites, 2)), rng.random((clients, 2))
    dist = np.linalg.norm(pos_s[:, None, :] - pos_c[None, :, :], axis=2)
    cost = np.round(50 * dist * demand[None, :], 2)
    capacity = np.full(sites, float(np.ceil(demand.sum() / k)))
    fixed = rng.integers(300, 900, sites).astype(float)
    if mixed:
        capacity = np.round(capacity * rng.uniform(0.6, 1.5, sites))
    return flp.from_dense(cost, fixed, demand, capacity)


@pytest.mark.parametrize(
    ("seed", "k", "mixed"),
    [(0, 4.7, False), (1, 4.7, False), (0, 5.8, False), (3, 5.8, False)]
    + [(0, 4.7, True), (4, 4.7, True), (0, 5.8, True), (5, 5.8, True)],
)
def test_solve_branches_and_matches_the_plain_model(seed, k, mixed):
    problem = tight_problem(seed, k=k, mixed=mixed)
    plain = cflp.solve(problem, gap=1e-9, threads=THREADS, lagrange="off")
    fast = cflp.solve(problem, gap=1e-9, threads=THREADS, lagrange="on")
    assert plain.status == fast.status == "optimal"
    assert fast.objective == pytest.approx(plain.objective, rel=1e-7)
    assert fast.bound <= plain.objective * (1 + 1e-9)
    tree_notes = [n for n in fast.notes if "branch-and-bound" in n]
    assert tree_notes and not tree_notes[0].startswith("Lagrangian branch-and-bound: 1 node")
    assert not any("linking" in n for n in fast.notes)  # no MIP was needed


@pytest.mark.parametrize("mixed", [False, True])
@pytest.mark.parametrize("seed", range(3))
def test_tree_on_tight_instances_equals_brute_force(seed, mixed):
    problem = tight_problem(seed, sites=10, clients=30, k=3.7, mixed=mixed)
    optimum = brute_force_within(problem)
    result = cflp_tree.search(problem, deadline=time.perf_counter() + 60, gap=1e-9, threads=THREADS)
    assert result.complete
    assert result.incumbent.objective == pytest.approx(optimum, rel=1e-7)
    assert result.bound <= optimum * (1 + 1e-9)
    _check_plan(problem, result.incumbent)


def test_applies_only_with_finite_capacities():
    assert cflp_tree.applies(random_problem(0, mixed=True))
    uncapacitated = random_problem(0)
    uncapacitated = replace(uncapacitated, capacity=np.full(uncapacitated.n_sites, np.inf))
    assert not cflp_tree.applies(uncapacitated)


def test_no_plan_when_capacity_cannot_cover_demand():
    problem = random_problem(1, max_open=1)
    result = cflp_tree.search(problem, deadline=time.perf_counter() + 10, gap=1e-9, threads=THREADS)
    assert result.complete and result.incumbent is None
    solved = cflp.solve(problem, gap=1e-9, threads=THREADS, lagrange="on")
    assert solved.objective is None and solved.status == "infeasible"
