"""The default solver against the exact optimum on random small instances and feature sets.

For every random instance (``support.prop_cases.specs``: chain topologies, link
capacities, site statuses, existing GPUs) with a random set of features switched
on (budget, min/max sites, min GPUs, redundancy, single sourcing, unserved
demand, a custom kind, objectives cost / latency / served), the exact optimum is
HiGHS at gap 0 on the same model, and the default solver (``solvers.solve`` with
no solver name):

- returns a plan exactly when one exists, and its plan passes the verifier;
- its objective is within its own reported gap of the optimum;
- its bound is never above the optimum (never below it for ``served``).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from gpuplace import solvers
from gpuplace.scenario.instance import CustomConstraintSpec, Objective
from gpuplace.solvers.plan import build_plan
from gpuplace.solvers.result import SolveParameters, Status, gap_of
from gpuplace.solvers.verify import verify_plan
from support.prop_cases import EXACT, SETTINGS, Spec, build, specs

# the default solver at its default gap (1 %), with time to spare on these sizes
DEFAULT = SolveParameters(time_limit_s=20.0, gap=0.01, threads=1, seed=0)
TOL = 1e-6


@st.composite
def featured(draw, **spec_kwargs) -> Spec:
    """A random spec with a random set of features switched on."""
    spec = draw(specs(**spec_kwargs))
    kind = draw(st.sampled_from(["cost", "cost", "latency", "served"]))
    budget = draw(st.sampled_from([None, 150.0, 400.0, 60.0]))
    if kind == "served" and budget is None:
        budget = 150.0  # serving everything is trivial without one
    unserved = draw(st.booleans())
    custom = ()
    if draw(st.integers(0, 3)) == 0:
        custom = (
            CustomConstraintSpec(
                "max_gpus_per_country",
                {
                    "country": draw(st.sampled_from(["AU", "NZ"])),
                    "max_gpus": draw(st.integers(2, 8)),
                },
                "constraints.custom[0]",
            ),
        )
    constraints = dataclasses.replace(
        spec.constraints,
        budget=budget,
        min_sites=draw(st.sampled_from([None, None, 2])),
        allow_unserved=unserved,
        unserved_penalty=draw(st.sampled_from([5.0, 40.0])),
        custom=custom,
    )
    objective = Objective(kind=kind, latency_weight=spec.objective.latency_weight)
    return dataclasses.replace(spec, constraints=constraints, objective=objective)


def _features(spec: Spec) -> str:
    c = spec.constraints
    on = [spec.objective.kind]
    on += [name for name in ("single_sourcing", "allow_unserved") if getattr(c, name)]
    on += [name for name in ("budget", "max_sites", "min_sites") if getattr(c, name)]
    on += ["redundancy"] * (c.redundancy > 1) + ["min_gpus"] * (c.min_gpus_per_site > 0)
    on += ["custom"] * bool(c.custom)
    return "+".join(on)


def _check_against_the_optimum(spec: Spec) -> None:
    instance = build(spec)
    exact = solvers.solve(instance, "highs", EXACT)
    assert exact.status in (Status.OPTIMAL, Status.INFEASIBLE), exact.status
    default = solvers.solve(instance, params=DEFAULT)
    event(f"{_features(spec)}: {exact.status.value}")
    if exact.objective is None:
        assert default.objective is None, "a plan for an instance without one"
        return
    assert default.objective is not None, default.notes
    assert verify_plan(instance, build_plan(instance, default, solver_settings=SETTINGS)) == []
    optimum, value = exact.objective, default.objective
    scale = max(abs(value), 1e-9)
    served = instance.objective.kind == "served"
    worse = (optimum - value) if served else (value - optimum)
    assert worse >= -TOL * max(1.0, abs(optimum)), ("better than the optimum", value, optimum)
    gap = gap_of(value, default.bound)
    assert gap is not None, default.notes
    assert worse / scale <= gap + TOL, (value, optimum, gap)
    if served:
        assert default.bound >= optimum - TOL * max(1.0, abs(optimum)), (default.bound, optimum)
    else:
        assert default.bound <= optimum + TOL * max(1.0, abs(optimum)), (default.bound, optimum)


@settings(max_examples=30)
@given(featured())
def test_default_solver_is_within_its_gap_of_the_optimum(spec):
    _check_against_the_optimum(spec)


@pytest.mark.slow
@settings(max_examples=300)
@given(featured(max_nodes=5, max_sites=6, max_regions=7))
def test_default_solver_is_within_its_gap_on_larger_instances(spec):
    _check_against_the_optimum(spec)
