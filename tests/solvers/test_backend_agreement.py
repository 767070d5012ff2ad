"""Property tests: backends agree with each other and with brute force on random small instances."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gpuplace import solvers
from gpuplace.scenario.instance import Constraints
from gpuplace.solvers.result import SolveParameters, Status
from support.solver_cases import installed_backends, tiny

EXACT = SolveParameters(time_limit_s=20, gap=0.0, threads=1, seed=0)
CAPEX, THR, KW = (10.0, 24.0), (1.0, 3.0), (1.0, 2.0)


@st.composite
def small_instances(draw, max_sites=3, max_regions=4, single_sourcing=True):
    S = draw(st.integers(1, max_sites))
    R = draw(st.integers(1, max_regions))
    demand = draw(st.lists(st.integers(1, 6), min_size=R, max_size=R))
    reach = draw(st.lists(st.lists(st.booleans(), min_size=S, max_size=S), min_size=R, max_size=R))
    # every region reaches at least site r % S
    rtt = [
        [float(5 + 3 * r + s) if ok or s == r % S else np.inf for s, ok in enumerate(row)]
        for r, row in enumerate(reach)
    ]
    power = draw(st.lists(st.sampled_from([6.0, 12.0, 40.0]), min_size=S, max_size=S))
    fixed = draw(st.lists(st.sampled_from([0.0, 20.0, 50.0]), min_size=S, max_size=S))
    factor = draw(st.lists(st.sampled_from([1.0, 1.5]), min_size=S, max_size=S))
    max_sites_c = draw(st.sampled_from([None, 1, 2]))
    return tiny(
        [float(d) for d in demand],
        rtt,
        power=power,
        fixed=fixed,
        capex=CAPEX,
        thr=THR,
        gpu_kw=KW,
        site_cost_factor=factor,
        constraints=Constraints(single_sourcing=single_sourcing, max_sites=max_sites_c),
    )


def _cheapest_gpus(inst, s: int, load: float) -> float:
    """Least capex for ``load`` at site s within power, by enumeration."""
    best = np.inf
    per_kw = np.asarray(KW) * inst.site_pue[s]
    for n0 in range(0, 31):
        for n1 in range(0, 16):
            if n0 * per_kw[0] + n1 * per_kw[1] > inst.site_power_kw[s] + 1e-9:
                continue
            if n0 * THR[0] + n1 * THR[1] + 1e-9 < load:
                continue
            best = min(best, (n0 * CAPEX[0] + n1 * CAPEX[1]) * inst.site_cost_factor[s])
    return best


def brute_force(inst) -> float | None:
    """Optimal cost with single sourcing: every assignment of regions to reachable sites."""
    options = [inst.pair_site[inst.pair_region == r].tolist() for r in range(inst.n_regions)]
    best = np.inf
    for choice in itertools.product(*options):
        used = sorted(set(choice))
        if inst.constraints.max_sites is not None and len(used) > inst.constraints.max_sites:
            continue
        total = 0.0
        for s in used:
            load = sum(inst.region_demand[r] for r, c in enumerate(choice) if c == s)
            total += inst.site_fixed_cost[s] + _cheapest_gpus(inst, s, load)
        best = min(best, total)
    return None if not np.isfinite(best) else float(best)


@settings(max_examples=25)
@given(small_instances())
def test_exact_backends_match_brute_force(inst):
    expected = brute_force(inst)
    for backend in installed_backends():
        sol = solvers.solve(inst, backend, EXACT)
        if expected is None:
            assert sol.objective is None or backend == "greedy"
            assert sol.status in (Status.INFEASIBLE, Status.NO_SOLUTION)
            continue
        if backend == "greedy":
            if sol.objective is not None:
                assert sol.objective >= expected - 1e-6
            continue
        assert sol.status == Status.OPTIMAL, (backend, sol.notes)
        assert sol.objective == pytest.approx(expected, rel=1e-6, abs=1e-6), backend
        assert sol.bound <= sol.objective + 1e-6


@settings(max_examples=15)
@given(small_instances(max_sites=3, max_regions=4, single_sourcing=False))
def test_backends_agree_with_split_demand(inst):
    ref = solvers.solve(inst, "highs", EXACT)
    if ref.status == Status.INFEASIBLE:
        for backend in ("scip", "cpsat"):
            assert solvers.solve(inst, backend, EXACT).status in (
                Status.INFEASIBLE,
                Status.NO_SOLUTION,
            )
        return
    assert ref.status == Status.OPTIMAL
    scip = solvers.solve(inst, "scip", EXACT)
    assert scip.objective == pytest.approx(ref.objective, rel=1e-6, abs=1e-6)
    cp = solvers.solve(inst, "cpsat", EXACT)
    if cp.objective is not None:
        # CP-SAT's shares are multiples of 1/Q: a restriction of the continuous model, so
        # never better than HiGHS and at most a few GPUs (one per site) worse.
        slack = inst.n_sites * max(CAPEX) * float(inst.site_cost_factor.max())
        assert ref.objective - 1e-6 <= cp.objective <= ref.objective + slack
    greedy = solvers.solve(inst, "greedy", EXACT)
    if greedy.objective is not None:
        assert greedy.objective >= ref.objective - 1e-6
