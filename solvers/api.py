"""``solvers.solve``: the one entry point from an instance to a Solution."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from gpuplace.errors import InputError, Problem
from gpuplace.scenario.instance import Instance
from gpuplace.solvers.backends.base import Backend
from gpuplace.solvers.backends.cpsat_engine import make_backend
from gpuplace.solvers.backends.registry import BACKENDS
from gpuplace.solvers.backends.solution import empty_solution
from gpuplace.solvers.diagnose import diagnose, explain_infeasible
from gpuplace.solvers.model.formulation import build_model
from gpuplace.solvers.result import Solution, SolveParameters, Status, stop_reason_of

__all__ = ["available_solvers", "backend_class", "params_from_instance", "solve"]


def available_solvers() -> dict[str, bool]:
    """Every solver name and whether it can run here."""
    return {name: cls.is_available() for name, cls in BACKENDS.items()}


def params_from_instance(instance: Instance) -> SolveParameters:
    """Solve parameters from the scenario's ``[solver]`` table."""
    s = instance.solver
    return SolveParameters(time_limit_s=s.time_limit_s, gap=s.gap, threads=s.threads, seed=s.seed)


def backend_class(instance: Instance, solver: str) -> type[Backend]:
    """The backend class named ``solver``.

    Raises
    ------
    InputError
        Unknown solver, or one not installed here (naming ``solver.name``).
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
    return cls


def solve(
    instance: Instance,
    solver: str = "auto",
    params: SolveParameters | None = None,
    warm_start: Solution | None = None,
    extra_pieces: Sequence[Any] = (),
) -> Solution:
    """Solve a placement instance.

    Parameters
    ----------
    instance
        The instance (e.g. from ``scenario.load_instance`` or ``scenario.build.build_instance``).
    solver
        ``auto``, ``cpsat``, ``highs``, ``scip`` or ``greedy`` (see :func:`available_solvers`).
    params
        Time limit, gap, threads, seed and cancel token; default from ``instance.solver``.
    warm_start
        A previous Solution of the same instance, passed as a hint where supported.
    extra_pieces
        Constraint pieces (``name``, ``applies``, ``add``: rows over the model's blocks)
        added after the registered families and the instance's custom pieces, without
        being registered (see :func:`solvers.model.formulation.build_model`); how the
        survivability cut loop (:mod:`gpuplace.resilience`) passes its cuts.

    Returns
    -------
    Solution
        Decisions, status, objective (recomputed in float), bound. With status
        INFEASIBLE, ``notes`` say why in planner terms.

    Notes
    -----
    ``params.time_limit_s`` is a wall-clock limit for the whole call (model
    building, warm start, exact solve); backends stop within a few seconds of it.
    Once ``params.cancel`` is cancelled (the command line does it on the first Ctrl-C)
    the running backend stops and returns its best plan so far with
    ``interrupted=True`` (FEASIBLE when it has one); a call made while a cancel is
    pending returns NO_SOLUTION at once.

    With ``constraints.survive_site_failure`` set, the model holds the exact
    ``survive_site_failure`` family: one copy of the assignment per site that may
    open (:mod:`solvers.constraints.survivability`). That is correct but grows with
    the number of sites; :func:`gpuplace.resilience.solve_survivable` solves the same
    problem by a cut loop over this function and is what the command line runs.

    Raises
    ------
    InputError
        Unknown or unavailable solver, unknown custom constraint kinds, bad parameters.
    """
    cls = backend_class(instance, solver)
    params = params or params_from_instance(instance)
    started = time.perf_counter()
    if params.cancel.cancelled:
        return empty_solution(
            instance,
            Status.NO_SOLUTION,
            started,
            cls.name,
            cls.version(),
            interrupted=True,
            notes=("not started: a cancel was requested",),
        )
    model = build_model(instance, extra_pieces=extra_pieces)
    reasons = diagnose(instance)
    if reasons:
        return empty_solution(
            instance, Status.INFEASIBLE, started, cls.name, cls.version(), notes=tuple(reasons)
        )
    # The time limit covers the whole call: the backend gets what model building left.
    left_s = max(0.0, params.time_limit_s - (time.perf_counter() - started))
    backend = make_backend(cls)
    solution = backend.solve(model, instance, replace(params, time_limit_s=left_s), warm_start)
    if solution.status == Status.INFEASIBLE and not params.cancel.cancelled:
        left_s = params.time_limit_s - (time.perf_counter() - started)
        why = explain_infeasible(
            model,
            time_limit_s=min(30.0, max(1.0, left_s)),
            instance=instance,
            seed=params.seed,
            cancel=params.cancel,
        )
        solution = replace(solution, notes=solution.notes + tuple(why))
    solution = replace(solution, wall_s=time.perf_counter() - started)
    reason = stop_reason_of(
        solution, time_limit_s=params.time_limit_s, cancelled=params.cancel.cancelled
    )
    return replace(solution, stop_reason=reason)
