"""The Lagrangian bound and Lagrangian plans of the ``fast`` solver on small random instances.

Every bound is checked against an optimum proven independently (HiGHS on the
full model, or an LP per site), every plan against the independent verifier.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

import gpuplace.solvers.fast  # noqa: F401  (registers the fast solver)
from gpuplace.scenario.instance import Constraints, Objective
from gpuplace.solvers.api import solve
from gpuplace.solvers.fast import dual_primal, lagrange
from gpuplace.solvers.fast.gpu_cost import gpu_cost
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters
from gpuplace.solvers.verify import verify_plan
from support.solver_cases import tiny

CAPEX = (25_000.0, 9_500.0, 57_000.0)
THR = (1.0, 0.35, 2.2)
GPU_KW = (1.2, 0.45, 1.8)


def random_instance(seed: int, regions: int = 9, sites: int = 5, budget: float | None = None):
    """Three GPU types (as the world scenario), minimum GPUs, power-limited sites."""
    rng = np.random.default_rng(seed)
    rtt = rng.uniform(5.0, 60.0, (regions, sites))
    rtt[rng.random((regions, sites)) < 0.3] = np.inf
    rtt[np.arange(regions), rng.integers(0, sites, regions)] = rng.uniform(5.0, 20.0, regions)
    return tiny(
        np.round(rng.uniform(0.5, 12.0, regions), 2).tolist(),
        rtt.tolist(),
        power=np.round(rng.uniform(15.0, 60.0, sites), 0).tolist(),
        fixed=np.round(rng.uniform(2e4, 2e5, sites), -3).tolist(),
        capex=CAPEX,
        thr=THR,
        gpu_kw=GPU_KW,
        site_cost_factor=np.round(rng.uniform(0.85, 1.25, sites), 2).tolist(),
        site_pue=np.round(rng.uniform(1.2, 1.6, sites), 2).tolist(),
        constraints=Constraints(min_gpus_per_site=4, max_utilisation=0.85, budget=budget),
        objective=Objective(kind="cost", latency_weight=100.0),
    )


def optimum(instance) -> float:
    sol = solve(instance, "highs", SolveParameters(time_limit_s=60, gap=0.0, threads=1))
    assert sol.status.value == "optimal"
    return float(sol.objective)


def site_lp_cost(instance, s: int, q: float) -> float:
    """c_s(q) by an LP over the GPU counts (the definition in solvers.fast.gpu_cost)."""
    u = instance.constraints.max_utilisation
    capex = instance.gpu_capex * instance.site_cost_factor[s]
    A = np.vstack(
        [
            -u * instance.gpu_throughput,
            instance.gpu_power_kw * instance.site_pue[s],
            np.ones(instance.n_types),
            -np.ones(instance.n_types),
        ]
    )
    b = [-q, instance.site_power_kw[s], min(instance.site_max_gpus[s], 1e9), -8.0]
    res = linprog(capex, A_ub=A, b_ub=b, bounds=(0, None), method="highs")
    return float(res.fun) if res.status == 0 else np.inf


def test_gpu_cost_is_the_lp_value_function():
    inst = tiny(
        [1000.0],
        [[1.0, 1.0]],
        power=[40.0, 400.0],
        capex=CAPEX,
        thr=THR,
        gpu_kw=GPU_KW,
        site_cost_factor=[0.9, 1.1],
        site_pue=[1.3, 1.5],
        constraints=Constraints(min_gpus_per_site=8, max_utilisation=0.85),
    )
    g = gpu_cost(inst)
    for s in range(2):
        assert g.usable[s]
        assert np.all(np.diff(g.slope[s][g.length[s] > 0]) > 0)  # convex
        for q in np.linspace(0.0, g.max_served[s], 17):
            got = float(g.cost(np.array([s]), np.array([q]))[0])
            assert got == pytest.approx(site_lp_cost(inst, s, q), rel=1e-7, abs=1e-6)
        assert site_lp_cost(inst, s, g.max_served[s] * 1.001) == np.inf


def test_gpu_cost_never_exceeds_whole_gpu_cost():
    inst = random_instance(3)
    g = gpu_cost(inst)
    u = inst.constraints.max_utilisation
    for s in range(inst.n_sites):
        capex = inst.gpu_capex * inst.site_cost_factor[s]
        for counts in itertools.product(range(0, 30, 3), range(0, 12, 2), range(0, 20, 4)):
            n = np.asarray(counts, dtype=float)
            power = float(n @ inst.gpu_power_kw) * inst.site_pue[s]
            if n.sum() < 4 or power > inst.site_power_kw[s]:
                continue
            served = u * float(n @ inst.gpu_throughput)
            q = min(served, g.max_served[s])
            assert g.cost(np.array([s]), np.array([q]))[0] <= capex @ n + 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_subproblem_value_matches_an_lp_per_site(seed):
    inst = random_instance(seed)
    data = lagrange.site_data(inst)
    rng = np.random.default_rng(seed + 10)
    lam = inst.region_demand * rng.uniform(2e4, 5e4, inst.n_regions)
    sub = lagrange.SubproblemSolver(inst, data).solve(lam)
    # independent: for each site, max Σ_p (λ_r − lw D rtt) x_p − c_s(Σ D x) as an LP over
    # (x, z_k) with the segments of c_s, then open iff it beats the fixed cost
    total = float(lam.sum())
    for s in range(inst.n_sites):
        pairs = np.flatnonzero(inst.pair_site == s)
        d = inst.region_demand[inst.pair_region[pairs]]
        w = lam[inst.pair_region[pairs]] - 100.0 * d * inst.pair_rtt_ms[pairs]
        seg = data.gpu.length[s] > 0
        L, M = data.gpu.length[s][seg], data.gpu.slope[s][seg]
        c = np.concatenate([-w, M])
        A = np.concatenate([d, -np.ones(L.size)])[None, :]
        res = linprog(
            c,
            A_ub=A,
            b_ub=[0.0],
            bounds=[(0, 1)] * pairs.size + [(0, x) for x in L],
            method="highs",
        )
        value = data.fixed[s] + res.fun
        if value < 0:
            total += value
    assert sub.value == pytest.approx(total, rel=1e-9, abs=1e-6)


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_lagrangian_bounds_never_exceed_the_optimum(seed):
    inst = random_instance(seed)
    best = optimum(inst)
    data = lagrange.site_data(inst)
    solver = lagrange.SubproblemSolver(inst, data)
    rng = np.random.default_rng(seed)
    for _ in range(20):  # any λ gives a bound
        lam = inst.region_demand * rng.uniform(0.0, 8e4, inst.n_regions)
        assert solver.solve(lam).value <= best + 1e-6 * best
    import time

    res = lagrange.subgradient(inst, best * 1.05, deadline=time.perf_counter() + 30, max_iter=200)
    assert res.bound <= best + 1e-6 * best
    assert res.bound >= 0.9 * best  # and it is a useful one on these instances


@pytest.mark.parametrize("lagrangian_first", [True, False])
@pytest.mark.parametrize("seed", [0, 1, 4])
def test_fast_solver_plan_verifies_and_brackets_the_optimum(seed, lagrangian_first, monkeypatch):
    import gpuplace.solvers.fast.backend as fast_backend

    if lagrangian_first:  # small instances go to the MIP first; force the Lagrangian route
        monkeypatch.setattr(fast_backend, "_EXACT_FIRST_PAIRS", 0)
    inst = random_instance(seed)
    best = optimum(inst)
    sol = solve(inst, "fast", SolveParameters(time_limit_s=5, gap=0.005, threads=1))
    assert sol.objective is not None
    assert sol.bound <= best + 1e-6 * best <= sol.objective + 2e-6 * best
    plan = build_plan(inst, sol, solver_settings={})
    assert verify_plan(inst, plan) == []


def test_dual_primal_respects_rows_the_assignment_lp_ignores():
    inst = random_instance(5)
    best = optimum(inst)
    import time

    run = dual_primal.solve(
        inst, deadline=time.perf_counter() + 3, target_gap=0.0, accept=lambda plan: False
    )
    assert run.plan is None  # every plan rejected: none is returned
    assert run.bound <= best + 1e-6 * best
    # a budget below the optimum: the fast solver must not return a plan over budget
    tight = random_instance(5, budget=0.5 * best)
    sol = solve(tight, "fast", SolveParameters(time_limit_s=5, gap=0.01, threads=1))
    if sol.objective is not None:
        assert verify_plan(tight, build_plan(tight, sol, solver_settings={})) == []


def test_rounded_gpus_cover_the_load_within_every_site_limit():
    from gpuplace.solvers.fast.transport import round_gpus, whole_gpu_capacity, whole_gpus

    inst = random_instance(7, sites=6)
    g = gpu_cost(inst)
    rng = np.random.default_rng(7)
    sites = np.arange(inst.n_sites)
    caps = np.array([whole_gpu_capacity(inst, int(s)) for s in sites])
    assert np.all(caps > 0)
    u = inst.constraints.max_utilisation
    for _ in range(5):
        loads = caps * rng.uniform(0.0, 1.0, sites.size)
        mix = round_gpus(inst, g, sites, loads)
        exact = whole_gpus(inst, sites, loads)
        assert np.all(u * (mix @ inst.gpu_throughput) >= loads - 1e-9)
        assert np.all((mix @ inst.gpu_power_kw) * inst.site_pue <= inst.site_power_kw + 1e-9)
        assert np.all(mix.sum(axis=1) >= inst.constraints.min_gpus_per_site)
        capex = inst.gpu_capex[None, :] * inst.site_cost_factor[:, None]
        cost, best = (mix * capex).sum(axis=1), (exact * capex).sum(axis=1)
        assert np.all(cost >= best - 1e-6)
        assert np.all(cost <= best + capex.max(axis=1) + 1e-6)  # at most one GPU dearer
