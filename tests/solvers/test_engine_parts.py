"""Parts of the engine (gpuplace.solvers.engine) checked on their own.

- Pool columns of a closed site: the site model accepts a site whose replicas are
  forced to zero only through a chain of rows (power forces the GPUs, "replicas ×
  GPUs per replica <= GPUs" then forces the replicas).
- Start multipliers of coupling rows: with money only in the budget row (objective
  ``served``), the searched start gives a Lagrangian bound at least as good as the
  plain one, never beyond the exact optimum; the ascent from it is strictly better
  than the trivial bound (all demand served) when the budget binds.
- Link rows that cannot bind (worst-case load within capacity) are not built, and
  the optimum is the same.
"""

from __future__ import annotations

import time

import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from gpuplace import solvers
from gpuplace.scenario import load_instance
from gpuplace.scenario.instance import Constraints, Objective
from gpuplace.solvers.engine.dual import LagrangianDual
from gpuplace.solvers.engine.oracle import SiteOracle
from gpuplace.solvers.engine.pool_hull import vertices
from gpuplace.solvers.engine.site_model import site_model
from gpuplace.solvers.engine.structure import structure_of
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.result import SolveParameters
from support.serving_cases import write_serving
from support.solver_cases import base, linked_instance

EXACT = SolveParameters(time_limit_s=30, gap=0.0, threads=1, seed=0)


def test_replicas_forced_closed_through_their_gpus(tmp_path):
    instance = load_instance(write_serving(tmp_path, ttft_ms=1000))
    model = build_model(instance)
    sites = site_model(structure_of(model, instance), instance.n_sites)
    assert "while closed" not in sites.why_unusable


def _dual(instance):
    model = build_model(instance)
    structure = structure_of(model, instance)
    sites = site_model(structure, instance.n_sites)
    return model, LagrangianDual(model, structure, sites, SiteOracle(sites, vertices(sites)))


@pytest.mark.parametrize("budget", [60.0, 90.0, 1000.0])
def test_searched_start_bounds_the_served_optimum(budget):
    instance = base(
        constraints=Constraints(budget=budget, allow_unserved=True),
        objective=Objective(kind="served"),
    )
    model, dual = _dual(instance)
    plain = dual.evaluate(dual.initial_multipliers()).value
    searched = dual.evaluate(dual.start(time.perf_counter() + 30)[0]).value
    assert searched >= plain - 1e-9
    # maximisation: L is in minimisation form, so -L bounds the served demand from above
    res = milp(
        -model.c,
        constraints=LinearConstraint(model.A, model.row_lb, model.row_ub),
        bounds=Bounds(model.col_lb, model.col_ub),
        integrality=model.integer.astype(int),
    )
    optimum = -res.fun + model.c0
    assert -searched >= optimum - 1e-6
    total = float(instance.region_demand.sum())
    assert (optimum < total - 1e-6) == (budget < 110.0)  # 110: the cost of serving all
    ascent = dual.ascend(deadline=time.perf_counter() + 30, max_iter=300)
    assert -ascent.best.value >= optimum - 1e-6
    if optimum < total - 1e-6:  # the budget binds: the bound sees it
        assert -ascent.best.value < total - 1e-3


def _link_rows(instance) -> int:
    model = build_model(instance)
    return sum(b.size for b in model.con_blocks if b.family == "link_capacity")


@pytest.mark.parametrize(("capacity", "rows"), [(2.0, 1), (5.9, 1), (6.0, 0), (50.0, 0)])
def test_link_rows_that_cannot_bind_are_not_built(capacity, rows):
    # regions of demand 1, 2, 3 (1 Gb/s per unit) at A; pairs to sb cross A-B: at most
    # 6 Gb/s whatever the shares, so a capacity of 6 needs no row (traffic flows B -> A only)
    assert _link_rows(linked_instance(capacity)) == rows


@pytest.mark.parametrize("capacity", [2.0, 6.0])
def test_link_presolve_keeps_the_optimum(capacity):
    plain = solvers.solve(linked_instance(capacity), "highs", EXACT)
    free = solvers.solve(linked_instance(capacity, link_capacity=False), "highs", EXACT)
    if capacity >= 6.0:
        assert plain.objective == pytest.approx(free.objective)
    else:  # the link binds: the cheaper far site cannot take everything
        assert plain.objective > free.objective + 1e-6
