"""``solvers.solve``: the one entry point from an instance to a Solution."""

from __future__ import annotations

import time
from dataclasses import replace

from scenario.errors import InputError, Problem
from scenario.instance import Instance
from solvers.backends import BACKENDS
from solvers.backends.base import empty_solution
from solvers.diagnose import diagnose, explain_infeasible
from solvers.model.formulation import build_model
from solvers.result import Solution, SolveParameters, Status


def available_solvers() -> dict[str, bool]:
    """Every solver name and whether it can run here."""
    return {name: cls.is_available() for name, cls in BACKENDS.items()}


def params_from_instance(instance: Instance) -> SolveParameters:
    """Solve parameters from the scenario's ``[solver]`` table."""
    s = instance.solver
    return SolveParameters(time_limit_s=s.time_limit_s, gap=s.gap, threads=s.threads, seed=s.seed)


def solve(
    instance: Instance,
    solver: str = "auto",
    params: SolveParameters | None = None,
    warm_start: Solution | None = None,
) -> Solution:
    """Solve a placement instance.

    Parameters
    ----------
    instance
        The instance (e.g. from ``scenario.load_instance`` or ``scenario.build.build_instance``).
    solver
        ``auto``, ``cpsat``, ``highs``, ``scip`` or ``greedy`` (see :func:`available_solvers`).
    params
        Time limit, gap, threads, seed; default from ``instance.solver``.
    warm_start
        A previous Solution of the same instance, passed as a hint where supported.

    Returns
    -------
    Solution
        Decisions, status, objective (recomputed in float), bound. With status
        INFEASIBLE, ``notes`` say why in planner terms.

    Raises
    ------
    InputError
        Unknown or unavailable solver, unknown custom constraint kinds, bad parameters.
    """
    file = instance.scenario_path or "<scenario>"
    cls = BACKENDS.get(solver)
    if cls is None:
        raise InputError(
            [
                Problem(
                    file, "solver.name", f"unknown solver {solver!r} (known: {', '.join(BACKENDS)})"
                )
            ]
        )
    if not cls.is_available():
        raise InputError([Problem(file, "solver.name", f"solver {solver!r} is not installed here")])
    params = params or params_from_instance(instance)
    if instance.constraints.survive_site_failure:
        from solvers.resilience import solve_survivable

        return solve_survivable(instance, solver, params, warm_start)
    started = time.perf_counter()
    model = build_model(instance)
    reasons = diagnose(instance)
    if reasons:
        return empty_solution(
            instance, Status.INFEASIBLE, started, cls.name, cls.version(), notes=tuple(reasons)
        )
    solution = cls().solve(model, instance, params, warm_start)
    if solution.status == Status.INFEASIBLE:
        why = explain_infeasible(model, time_limit_s=min(10.0, max(1.0, params.time_limit_s)))
        solution = replace(solution, notes=solution.notes + tuple(why))
    return solution
