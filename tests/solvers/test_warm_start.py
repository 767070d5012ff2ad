"""Greedy plans warm-start the exact backends; auto and API behaviour."""

from __future__ import annotations

import pytest

from gpuplace import solvers
from gpuplace.errors import InputError
from gpuplace.scenario.instance import Constraints, SolverSettings
from gpuplace.solvers.result import SolveParameters, Status
from support.solver_cases import base

EXACT = SolveParameters(time_limit_s=20, gap=0.0, threads=1)


@pytest.mark.parametrize("backend", ["highs", "cpsat", "scip"])
def test_greedy_warm_start(backend):
    inst = base(constraints=Constraints(min_gpus_per_site=10))
    start = solvers.solve(inst, "greedy", EXACT)
    assert start.status == Status.FEASIBLE and start.objective is not None
    sol = solvers.solve(inst, backend, EXACT, warm_start=start)
    assert sol.status == Status.OPTIMAL
    assert sol.objective == pytest.approx(150.0)
    assert sol.objective <= start.objective + 1e-9
    assert any("warm start from greedy" in n for n in sol.notes)


def test_auto_reports_its_choice():
    sol = solvers.solve(base(), "auto", EXACT)
    assert sol.objective == pytest.approx(110.0)
    assert any(n.startswith("auto: ") for n in sol.notes)
    single = solvers.solve(base(constraints=Constraints(single_sourcing=True)), "auto", EXACT)
    assert single.objective == pytest.approx(110.0)
    assert any(n.startswith("auto: ") for n in single.notes)


def test_unknown_solver_is_input_error():
    with pytest.raises(InputError) as err:
        solvers.solve(base(), "gurobi")
    assert err.value.problems[0].where == "solver.name"


def test_params_default_from_instance():
    inst = base(solver=SolverSettings(time_limit_s=7.0, gap=0.05, threads=1, seed=3))
    params = solvers.params_from_instance(inst)
    assert (params.time_limit_s, params.gap, params.threads, params.seed) == (7.0, 0.05, 1, 3)
    assert solvers.solve(inst, "highs").objective == pytest.approx(110.0)


def test_available_solvers_lists_every_name():
    assert set(solvers.available_solvers()) >= {"auto", "cpsat", "highs", "scip", "greedy"}
