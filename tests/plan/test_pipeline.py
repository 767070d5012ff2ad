"""pipeline.solve_plan: verified plans, plans without decisions, broken plans refused."""

from __future__ import annotations

import dataclasses

import pytest

from gpuplace import resilience
from gpuplace.pipeline import PlanVerificationError, solve_parameters, solve_plan
from gpuplace.solvers.backends.highs import HighsBackend
from gpuplace.solvers.backends.registry import BACKENDS, register_backend
from gpuplace.solvers.cancel import CancelToken
from gpuplace.solvers.result import Status
from gpuplace.solvers.verify import verify_plan
from support.tiny_instance import with_constraints

EXACT = {"time_limit_s": 30.0, "gap": 0.0, "threads": 1}


class HalfGpus(HighsBackend):
    """HiGHS's plan with half of every GPU count: short of capacity wherever it serves."""

    name = "half-gpus"

    def solve(self, model, instance, params, warm_start=None):
        good = super().solve(model, instance, params, warm_start)
        return dataclasses.replace(good, new_gpus=good.new_gpus // 2, backend=self.name)


@pytest.fixture
def half_gpus():
    register_backend(HalfGpus)
    yield HalfGpus.name
    BACKENDS.pop(HalfGpus.name)


def test_returns_a_verified_plan_with_its_settings(tiny):
    params = solve_parameters(tiny, **EXACT)
    plan = solve_plan(tiny, solver="highs", params=params)
    assert plan.status is Status.OPTIMAL and plan.has_decisions
    assert verify_plan(tiny, plan.to_dict()) == []
    assert (plan.solver.name, plan.solver.gap, plan.solver.threads) == ("highs", 0.0, 1)
    assert plan.solver.seed == tiny.solver.seed
    arrays = plan.arrays(tiny)
    assert plan.kpis.sites_open == int(arrays.open_sites.sum())
    assert plan.kpis.gpus == {"H100": int(arrays.gpus[:, 0].sum())}


def test_a_plan_breaking_a_rule_is_refused(tiny, half_gpus):
    with pytest.raises(PlanVerificationError) as info:
        solve_plan(tiny, solver=half_gpus, params=solve_parameters(tiny, **EXACT))
    error = info.value
    assert error.plan.solver.name == "half-gpus"
    assert "capacity" in {v.constraint for v in error.violations}
    assert str(error).startswith("the half-gpus plan fails independent verification")


def test_no_plan_is_a_plan_without_decisions(tiny):
    broke = with_constraints(tiny, budget=1.0)
    plan = solve_plan(broke, solver="highs", params=solve_parameters(broke, **EXACT))
    assert plan.status is Status.INFEASIBLE and not plan.has_decisions
    assert plan.objective is None and plan.sites == ()
    assert any("budget" in line for line in plan.diagnosis)


def test_a_cancelled_solve_is_marked_interrupted(tiny):
    token = CancelToken()
    token.cancel()
    params = dataclasses.replace(solve_parameters(tiny, **EXACT), cancel=token)
    plan = solve_plan(tiny, solver="highs", params=params)
    assert plan.interrupted is True
    assert plan.status is Status.NO_SOLUTION


def test_solve_parameters_take_the_table_then_the_overrides(tiny):
    table = tiny.solver
    base = solve_parameters(tiny)
    assert (base.time_limit_s, base.gap, base.threads, base.seed) == (
        table.time_limit_s,
        table.gap,
        table.threads,
        table.seed,
    )
    changed = solve_parameters(tiny, gap=0.5, seed=7)
    assert (changed.gap, changed.seed) == (0.5, 7)
    assert (changed.time_limit_s, changed.threads) == (table.time_limit_s, table.threads)


def test_survivable_scenarios_go_to_the_survivability_loop(tiny, monkeypatch):
    flagged = with_constraints(tiny, survive_site_failure=True)
    calls = []
    loop = resilience.solve_survivable

    def counted(*args):
        calls.append(args[1])
        return loop(*args)

    monkeypatch.setattr(resilience, "solve_survivable", counted)
    plan = solve_plan(flagged, solver="highs", params=solve_parameters(flagged, **EXACT))
    assert calls == ["highs"]
    assert plan.has_decisions  # and verified, survivability included
    with pytest.raises(ValueError, match="survivability loop"):
        solve_plan(flagged, solver="highs", extra_pieces=[object()])
