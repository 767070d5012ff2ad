"""OR-Library cap41 end to end: convert, load, solve with ``auto`` and ``fast``, verify."""

from __future__ import annotations

import pytest

from gpuplace import solvers
from gpuplace.datasets.orlib import benchmark_file, convert_orlib, load_optima
from gpuplace.scenario import load_instance
from gpuplace.solvers.fast.backend import FastBackend
from gpuplace.solvers.highs import adapter
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters, Status
from gpuplace.solvers.verify import verify_plan

pytestmark = pytest.mark.skipif(not adapter.available(), reason="highspy not installed")


@pytest.fixture(scope="module")
def cap41(tmp_path_factory):
    source = benchmark_file("cflp", "cap41")
    toml = tmp_path_factory.mktemp("cap41") / "cap41.toml"
    convert_orlib(source, toml)
    optimum = next(
        o.optimum
        for o in load_optima("cflp")
        if o.instance == "cap41" and o.variant == "capacitated"
    )
    return load_instance(toml), optimum


@pytest.mark.parametrize("solver", ["auto", "fast"])
def test_cap41_reaches_the_published_optimum(cap41, solver):
    instance, optimum = cap41
    params = SolveParameters(time_limit_s=60, gap=1e-6, threads=1)
    solution = solvers.solve(instance, solver=solver, params=params)
    assert solution.status == Status.OPTIMAL
    assert solution.objective == pytest.approx(optimum, rel=1e-7)
    assert solution.bound <= solution.objective
    assert solution.bound >= optimum * (1 - 1e-6)
    plan = build_plan(instance, solution, solver_settings={"threads": 1})
    assert verify_plan(instance, plan) == []
    if solver == "auto":
        assert "facility-location core" in solution.notes


def test_auto_routes_only_facility_location_cores(cap41):
    from support.solver_cases import base

    instance, _ = cap41
    assert FastBackend.handles(instance)
    assert not FastBackend.handles(base())  # GPUs that cost money: not a facility-location core
    solution = solvers.solve(base(), "auto", SolveParameters(time_limit_s=20, gap=0, threads=1))
    assert not any("facility-location core" in n for n in solution.notes)
