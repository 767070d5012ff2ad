"""p-median: Lagrangian bound, penalty tests, swap search and branch-and-bound against brute force."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gpuplace.solvers.fast import flp, local_search, pmedian, pmedian_lagrange


def _random_problem(rng: np.random.Generator, n_sites: int, n_clients: int, integral: bool):
    cost = rng.integers(0, 60, size=(n_sites, n_clients)).astype(float)
    if not integral:
        cost += rng.random((n_sites, n_clients))
    return cost


def _brute(cost, fixed, p, forced=None, closed=None):
    """Optimum over every set of p sites respecting forced/closed, and its plan."""
    S = cost.shape[0]
    forced = np.zeros(S, dtype=bool) if forced is None else forced
    closed = np.zeros(S, dtype=bool) if closed is None else closed
    best, best_set = np.inf, None
    for combo in itertools.combinations(range(S), p):
        mask = np.zeros(S, dtype=bool)
        mask[list(combo)] = True
        if np.any(forced & ~mask) or np.any(closed & mask):
            continue
        value = cost[mask].min(axis=0).sum() + fixed[mask].sum()
        if value < best:
            best, best_set = value, mask
    return best, best_set


CASES = [
    (seed, n_sites, n_clients, p, integral)
    for seed, (n_sites, n_clients, p) in enumerate(
        [(7, 9, 2), (8, 8, 3), (9, 12, 3), (10, 10, 4), (9, 14, 5), (8, 11, 1), (10, 7, 6)]
    )
    for integral in (True, False)
]


@pytest.mark.parametrize(("seed", "n_sites", "n_clients", "p", "integral"), CASES)
def test_branch_and_bound_matches_brute_force(seed, n_sites, n_clients, p, integral):
    rng = np.random.default_rng(seed)
    cost = _random_problem(rng, n_sites, n_clients, integral)
    fixed = rng.integers(0, 20, size=n_sites).astype(float) * (seed % 2)
    problem = flp.from_dense(cost, fixed, np.ones(n_clients), min_open=p, max_open=p)
    assert pmedian.applies(problem)
    optimum, _ = _brute(cost, fixed, p)
    result = pmedian.solve(problem, time_limit_s=30, gap=0.0, seed=seed)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum, abs=1e-9)
    assert result.bound <= optimum + 1e-9
    assert result.bound == pytest.approx(optimum, abs=1e-6)
    assert int(result.open_sites.sum()) == p
    # the plan's objective is recomputed from its shares
    assert problem.objective(result.open_sites, result.share) == pytest.approx(optimum)


def test_forced_and_closed_sites_are_honoured():
    rng = np.random.default_rng(11)
    cost = _random_problem(rng, 9, 12, True)
    problem = flp.from_dense(cost, np.zeros(9), np.ones(12), min_open=3, max_open=3)
    forced = np.zeros(9, dtype=bool)
    forced[[0]] = True
    allowed = np.ones(9, dtype=bool)
    allowed[[1, 2]] = False
    from dataclasses import replace

    problem = replace(problem, open_lb=forced, open_ub=allowed)
    optimum, _ = _brute(cost, np.zeros(9), 3, forced=forced, closed=~allowed)
    result = pmedian.solve(problem, time_limit_s=30, gap=0.0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum)
    assert result.open_sites[0] and not result.open_sites[1] and not result.open_sites[2]


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_bound_never_exceeds_the_optimum(seed):
    rng = np.random.default_rng(100 + seed)
    S, R, p = 8, 10, 3
    cost = _random_problem(rng, S, R, seed % 2 == 0)
    fixed = rng.integers(0, 10, size=S).astype(float)
    forced = np.zeros(S, dtype=bool)
    forced[rng.choice(S, seed % 3, replace=False)] = True
    free = ~forced
    optimum, _ = _brute(cost, fixed, p, forced=forced)
    base = cost[forced].min(axis=0) if forced.any() else np.full(R, np.inf)
    k = p - int(forced.sum())
    for sparse_below in (0.0, 1.1):  # dense and sparse forms
        relax = pmedian_lagrange.relaxation(
            cost[free], fixed[free], base, float(fixed[forced].sum()), k, sparse_below
        )
        for _ in range(20):  # any multipliers give a bound
            lam = rng.normal(30.0, 20.0, size=R)
            bound, _, _ = pmedian_lagrange.evaluate(relax, lam)
            assert bound <= optimum + 1e-9
        res = pmedian_lagrange.subgradient(relax, optimum + 1.0, np.zeros(R), max_iter=500)
        assert res.bound <= optimum + 1e-9
        assert res.bound > optimum - 0.5 * abs(optimum)  # the ascent does move the bound up


@pytest.mark.parametrize("seed", range(6))
def test_penalty_tests_never_cut_off_the_flipped_optimum(seed):
    rng = np.random.default_rng(200 + seed)
    S, R, p = 9, 11, 3
    cost = _random_problem(rng, S, R, True)
    fixed = np.zeros(S)
    relax = pmedian_lagrange.relaxation(cost, fixed, np.full(R, np.inf), 0.0, p)
    upper, _ = _brute(cost, fixed, p)
    res = pmedian_lagrange.subgradient(relax, upper, np.median(cost, axis=0), max_iter=300)
    pen = pmedian_lagrange.penalties(res, p)
    chosen = np.zeros(S, dtype=bool)
    chosen[res.chosen] = True
    for j in range(S):
        flip_open = np.zeros(S, dtype=bool)
        flip_closed = np.zeros(S, dtype=bool)
        if chosen[j]:
            flip_closed[j] = True
        else:
            flip_open[j] = True
        value, _ = _brute(cost, fixed, p, forced=flip_open, closed=flip_closed)
        assert pen[j] <= value + 1e-9


def test_swap_search_ends_in_a_local_optimum():
    rng = np.random.default_rng(5)
    S, R, p = 12, 15, 4
    cost = _random_problem(rng, S, R, False)
    fixed = rng.random(S) * 5
    start = np.zeros(S, dtype=bool)
    start[:p] = True
    plan, value = local_search.swap_search(cost, fixed, start)
    assert int(plan.sum()) == p
    assert value == pytest.approx(local_search.plan_cost(cost, fixed, plan))
    assert value <= local_search.plan_cost(cost, fixed, start) + 1e-12
    for out in np.flatnonzero(plan):
        for into in np.flatnonzero(~plan):
            trial = plan.copy()
            trial[out], trial[into] = False, True
            assert local_search.plan_cost(cost, fixed, trial) >= value - 1e-9


def test_multi_start_is_reproducible_and_no_worse():
    rng = np.random.default_rng(8)
    cost = _random_problem(rng, 14, 20, True)
    fixed = np.zeros(14)
    start = np.zeros(14, dtype=bool)
    start[:3] = True
    first = local_search.multi_start(cost, fixed, start, rounds=8, seed=3)
    again = local_search.multi_start(cost, fixed, start, rounds=8, seed=3)
    assert first[1] == again[1] and np.array_equal(first[0], again[0])
    single = local_search.swap_search(cost, fixed, start)[1]
    assert first[1] <= single


def test_missing_pairs_are_never_used():
    rng = np.random.default_rng(9)
    S, R, p = 8, 10, 3
    cost = _random_problem(rng, S, R, True)
    missing = rng.random((S, R)) < 0.3
    missing[0] = False  # site 0 reaches everyone: a plan exists
    dense = flp.from_dense(cost, np.zeros(S), np.ones(R), min_open=p, max_open=p)
    keep = ~missing[dense.pair_site, dense.pair_client]
    from dataclasses import replace

    problem = replace(
        dense,
        pair_client=dense.pair_client[keep],
        pair_site=dense.pair_site[keep],
        pair_cost=dense.pair_cost[keep],
    )
    priced = np.where(missing, np.inf, cost)
    optimum, _ = _brute(priced, np.zeros(S), p)
    result = pmedian.solve(problem, time_limit_s=30, gap=0.0)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(optimum)
    used = result.share > 0
    assert np.all(result.open_sites[problem.pair_site[used]])


def test_applies_only_to_exact_counts():
    cost = np.arange(12, dtype=float).reshape(3, 4)
    assert pmedian.applies(flp.from_dense(cost, np.zeros(3), np.ones(4), min_open=2, max_open=2))
    assert not pmedian.applies(flp.from_dense(cost, np.zeros(3), np.ones(4), max_open=2))
    assert not pmedian.applies(
        flp.from_dense(cost, np.zeros(3), np.ones(4), min_open=1, max_open=2)
    )


def test_pmed1_end_to_end_reproduces_its_optimum(tmp_path):
    import gpuplace.solvers.fast  # noqa: F401  (registers the fast backend)
    from gpuplace import solvers
    from gpuplace.datasets.orlib import benchmark_file, convert_orlib
    from gpuplace.scenario.load import load_instance
    from gpuplace.solvers.plan import build_plan
    from gpuplace.solvers.result import SolveParameters, Status
    from gpuplace.solvers.verify import verify_plan

    source = benchmark_file("pmed", "pmed1")
    convert_orlib(source, tmp_path / "pmed1.toml")
    instance = load_instance(tmp_path / "pmed1.toml")
    params = SolveParameters(time_limit_s=60, gap=1e-9, threads=1, seed=0)
    solution = solvers.solve(instance, solver="fast", params=params)
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(5819.0)
    assert solution.bound == pytest.approx(5819.0)
    assert any("branch-and-bound" in note for note in solution.notes)
    settings = {"time_limit_s": 60, "gap": 1e-9, "threads": 1, "seed": 0}
    plan = build_plan(instance, solution, solver_settings=settings)
    assert verify_plan(instance, plan) == []


@pytest.mark.parametrize("seed", range(4))
def test_relative_gap_and_time_limit_keep_the_bound_valid(seed):
    rng = np.random.default_rng(300 + seed)
    S, R, p = 10, 14, 4
    cost = _random_problem(rng, S, R, seed % 2 == 0)
    problem = flp.from_dense(cost, np.zeros(S), np.ones(R), min_open=p, max_open=p)
    optimum, _ = _brute(cost, np.zeros(S), p)
    loose = pmedian.solve(problem, time_limit_s=30, gap=0.05, seed=seed)
    assert loose.status == "optimal"
    assert loose.bound <= optimum + 1e-9 <= loose.objective + 1e-9
    assert loose.objective - loose.bound <= 0.05 * loose.objective + 1e-9
    stopped = pmedian.solve(problem, time_limit_s=0.0, gap=0.0, seed=seed)
    assert stopped.bound is None or stopped.bound <= optimum + 1e-9
    assert stopped.objective >= optimum - 1e-9
