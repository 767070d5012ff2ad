"""Solve -> plan -> verify: the one path from an instance to a verified :class:`Plan`.

Every caller that solves (``gpuplace solve``, sweeps, benchmarks) goes
through :func:`solve_plan`, so a plan that reaches a file or a table has
passed the independent verifier (``solvers.verify``) against its instance.
Solve parameters come from :func:`solve_parameters`: the scenario's
``[solver]`` table, then the caller's overrides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from gpuplace import solvers
from gpuplace.scenario.instance import Instance
from gpuplace.scenario.time import peak_sized
from gpuplace.solvers.plan import Plan, make_plan
from gpuplace.solvers.plan.follow_the_sun import with_follow_the_sun
from gpuplace.solvers.result import Solution, SolveParameters, Status, StopReason
from gpuplace.solvers.time_start import lift
from gpuplace.solvers.verify import Violation, verify_plan


class PlanVerificationError(RuntimeError):
    """A solver's plan failed independent verification: a defect, never a plan to use.

    Attributes
    ----------
    plan : Plan
        The plan that failed (its ``solver.name`` is the backend that made it).
    violations : tuple of Violation
        Every rule it breaks, as ``solvers.verify.verify_plan`` reports them.
    """

    def __init__(self, plan: Plan, violations: Sequence[Violation]) -> None:
        self.plan = plan
        self.violations = tuple(violations)
        super().__init__(
            f"the {plan.solver.name} plan fails independent verification "
            f"({len(self.violations)} violations)"
        )


def solve_parameters(
    instance: Instance,
    *,
    time_limit_s: float | None = None,
    gap: float | None = None,
    threads: int | None = None,
    seed: int | None = None,
) -> SolveParameters:
    """Solve parameters: the instance's ``[solver]`` table, then each override given (not None)."""
    changes = {
        key: value
        for key, value in (
            ("time_limit_s", time_limit_s),
            ("gap", gap),
            ("threads", threads),
            ("seed", seed),
        )
        if value is not None
    }
    return replace(solvers.params_from_instance(instance), **changes)


def _solve(
    instance: Instance,
    solver: str,
    params: SolveParameters,
    warm_start: Solution | None,
    extra_pieces: Sequence[Any],
) -> Solution:
    """``survive_site_failure`` scenarios go to the survivability loop, all others to ``solve``.

    The loop's modules are imported only for the scenarios that need them (seconds
    less before any other solve starts).
    """
    if instance.constraints.survive_site_failure:
        from gpuplace.resilience import solve_survivable

        if extra_pieces:
            raise ValueError("extra constraint pieces are not taken by the survivability loop")
        return solve_survivable(instance, solver, params, warm_start)
    return solvers.solve(
        instance, solver=solver, params=params, warm_start=warm_start, extra_pieces=extra_pieces
    )


def solve_plan(
    instance: Instance,
    *,
    solver: str | None = None,
    params: SolveParameters | None = None,
    extra_pieces: Sequence[Any] = (),
    warm_start: Solution | None = None,
) -> Plan:
    """Solve an instance, build its plan and verify the plan independently.

    Parameters
    ----------
    instance : Instance
        The scenario to solve.
    solver : str, optional
        Backend name (default: the scenario's ``[solver] name``).
    params : SolveParameters, optional
        Time limit, gap, threads, seed and cancel token (default
        :func:`solve_parameters` of the instance); the plan's ``solver`` block
        records them.
    extra_pieces : sequence
        Constraint pieces added to the model (``solvers.solve``); not with
        ``survive_site_failure``.
    warm_start : Solution, optional
        A previous solution of the same instance, as a hint.

    With ``[time] periods`` (and ``peak_baseline``, the default) the same scenario
    sized for each region's own peak is solved too, with the same solver and
    settings, verified, and the plan reports the follow-the-sun saving against it
    (``follow_the_sun``: :mod:`gpuplace.solvers.plan.follow_the_sun`).

    Returns
    -------
    Plan
        Verified when it holds decisions; otherwise (status infeasible or
        no_solution) without decisions, with the diagnosis. A solve stopped
        through ``params.cancel`` is marked ``interrupted``.

    Raises
    ------
    PlanVerificationError
        The plan breaks a rule of the scenario (a solver defect).
    InputError
        Unknown or unavailable solver, bad custom constraints.
    """
    name = solver or instance.solver.name
    params = params or solve_parameters(instance)
    periods = instance.periods
    baseline = periods is not None and periods.peak_baseline and not extra_pieces
    peak = peak_sized(instance) if baseline else None
    peak_plan = None
    if peak is not None and periods is not None and periods.phases is None:
        # the peak-sized plan first: it is also a plan with periods, the solve's warm start
        peak_solution = _solve(peak, name, params, None, ())
        peak_plan = _verified(peak, make_plan(peak, peak_solution, params))
        if warm_start is None:
            warm_start = lift(instance, peak, peak_solution)
    solution = _solve(instance, name, params, warm_start, extra_pieces)
    if params.cancel.cancelled and not solution.interrupted:
        solution = replace(solution, interrupted=True)
    if params.cancel.cancelled and solution.status != Status.OPTIMAL:
        solution = replace(solution, stop_reason=StopReason.INTERRUPTED)
    plan = _verified(instance, make_plan(instance, solution, params))
    if peak is not None and plan.has_decisions and not params.cancel.cancelled:
        if peak_plan is None:
            peak_plan = _verified(
                peak, make_plan(peak, _solve(peak, name, params, None, ()), params)
            )
        plan = with_follow_the_sun(plan, peak_plan)
    return plan


def _verified(instance: Instance, plan: Plan) -> Plan:
    if plan.has_decisions:
        violations = verify_plan(instance, plan.to_dict())
        if violations:
            raise PlanVerificationError(plan, violations)
    return plan


__all__ = ["PlanVerificationError", "solve_parameters", "solve_plan"]
